"""``make reliability``: run every fault and attack scenario, print the table and a verdict.

``python -m reliability.run [--fast] [--only TEXT] [--json PATH]`` from the
repository root. Servers listen on 127.0.0.1 only; every crawl is a child
process with a timeout, so the run stops by itself. Exit status 1 when any
scenario fails.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from .scenarios import SCENARIOS, Row, as_json, names

COLUMNS = ("scenario", "trials", "checks exp/rec", "lost", "dup", "phantom", "exit",
           "user-visible error", "result")


def cells(row: Row) -> list[str]:
    codes = sorted(set(row.codes))
    checks = f"{row.expected}/{row.recorded}" + (f"+{row.reported} reported" if row.reported else "")
    return [row.name, str(row.trials), checks, str(row.lost),
            str(row.duplicated), str(row.phantom), ",".join(map(str, codes)) or "-",
            clip(row.error, 64), "pass" if row.passed else "FAIL"]


def clip(text: str, width: int) -> str:
    """``text`` on one table cell: without the local server and temporary paths, cut."""
    text = re.sub(r"http://127\.0\.0\.1:\d+", "", text)
    text = re.sub(r"/\S*newsdiffs-reliability-[^/\s]+/s\d+/", "", text).replace("|", "/")
    return text if len(text) <= width else text[: width - 3] + "..."


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table (README pastes it as is)."""
    lines = [cells(r) for r in rows]
    widths = [max(len(c[i]) for c in [list(COLUMNS), *lines]) for i in range(len(COLUMNS))]

    def fmt(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join([fmt(list(COLUMNS)), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(fmt, lines)])


def verdict(rows: list[Row]) -> str:
    """The last line: counts over every scenario."""
    return (f"reliability: scenarios={len(rows)} passed={sum(r.passed for r in rows)} "
            f"lost={sum(r.lost for r in rows)} duplicated={sum(r.duplicated for r in rows)} "
            f"phantom={sum(r.phantom for r in rows)} "
            f"silent_failures={sum(r.silent for r in rows)}")


def run_scenarios(selected: list[str], workdir: Path, progress: bool = True) -> list[Row]:
    rows = []
    for n, name in enumerate(selected, 1):
        tmp = workdir / f"s{n:02d}"
        tmp.mkdir()
        row = SCENARIOS[name](tmp)
        rows.append(row)
        if progress:
            mark = "ok" if row.passed else "FAIL: " + "; ".join(row.failures)[:300]
            print(f"[{n}/{len(selected)}] {name} ({row.seconds:.1f}s) {mark}", file=sys.stderr,
                  flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fast", action="store_true", help="only the quick scenarios")
    parser.add_argument("--only", help="only scenarios whose name contains this")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    selected = [n for n in names(args.fast) if not args.only or args.only in n]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newsdiffs-reliability-") as tmp:
        rows = run_scenarios(selected, Path(tmp))
    print(table(rows))
    for row in rows:
        for failure in row.failures:
            print(f"FAIL {row.name}: {failure}")
    print(f"({time.monotonic() - started:.0f}s)")
    if args.json:
        args.json.write_text(as_json(rows), encoding="utf-8")
    print(verdict(rows))
    return 0 if all(r.passed for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
