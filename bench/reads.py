"""Reading commands at 10k vs 100k articles (3 versions each): they must not grow with size.

Each command runs in-process (click's test runner, so Python start-up is not
counted; every run opens the database as the real command does), median of
``RUNS`` runs. Single-article commands should stay under 100 ms and flat;
``changes`` and ``search --newest`` are bounded by their ``--limit``; best-match
``search`` scores every hit, and ``status`` counts every article's state.

    python bench/reads.py          (BENCH_SCALE=0.01 for a smoke run)
"""

from __future__ import annotations

import math
import statistics
import time
from datetime import datetime, timedelta, timezone

import gen
from click.testing import CliRunner

from newsdiffs.cli import cli

RUNS = 5
TARGET_MS = 100.0


def commands(n: int) -> dict[str, list[str]]:
    """The commands timed, on an article in the middle of the database.

    ``status`` looks back over the last day of the database's checks (about
    4,300 of them at any size: the generator starts an article a minute), as
    ``status --window 24h`` does on a live one.
    """
    url = f"https://news{(n // 2) % len(gen.SOURCES)}.example/story/{n // 2}"
    word = gen.VOCABULARY[7]
    since_last = datetime.now(timezone.utc) - gen.last_check(n)
    hours = math.ceil(since_last / timedelta(hours=1)) + 24
    return {
        "history": ["history", url],
        "show": ["show", url],
        "diff": ["diff", url],
        "changes": ["changes", "--limit", "50"],
        "search": ["search", word, "--limit", "20"],
        "search_newest": ["search", word, "--limit", "20", "--newest"],
        "status": ["status", "--window", f"{hours}h"],
    }


def time_command(db: str, args: list[str]) -> float:
    runner = CliRunner()
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = runner.invoke(cli, [*args, "--db", db])
        timings.append((time.perf_counter() - started) * 1000)
        if result.exit_code not in ((0, 1) if args[0] == "status" else (0,)):  # status warns
            raise SystemExit(f"{args}: {result.output}")
    return statistics.median(timings)


def run() -> dict[str, float]:
    sizes = [gen.scaled(10_000, 50), gen.scaled(100_000, 100)]
    table: dict[str, list[float]] = {}
    for n in sizes:
        db = str(gen.database(n))
        for name, args in commands(n).items():
            table.setdefault(name, []).append(time_command(db, args))
    print(f"  {'command':<13} " + " ".join(f"{n:>10,}" for n in sizes) + "   ratio")
    figures = {}
    for name, (small, big) in table.items():
        print(f"  {name:<13} {small:>8.1f}ms {big:>8.1f}ms   {big / small:.2f}x")
        figures[f"reads_{name}_ms"] = round(big, 1)
    single = max(table[c][1] for c in ("history", "show", "diff"))
    print(f"reads: slowest single-article command at {sizes[1]:,} articles {single:.1f} ms "
          f"(target < {TARGET_MS:.0f} ms: {'ok' if single < TARGET_MS else 'MISSED'})")
    return figures


if __name__ == "__main__":
    run()
