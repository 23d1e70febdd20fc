"""``make bench``: every benchmark in one run, then one line with the figures.

Ratios are measured against a baseline in the same run (bare Scrapy for the
crawl, raw bytes for storage). ``BENCH_SCALE`` (default 1) multiplies every
size (0.01 for a smoke run); ``--only NAME`` runs some of them.

    python bench/run.py [--only diffs,storage,pipeline,ingest,crawl,reads,site]
"""

from __future__ import annotations

import argparse
import importlib
import time

#: In the order they run; each module has ``run() -> dict[str, float]``.
#: The crawl (timed against a loopback server thread of this process) runs before reads
#: and site, which generate and keep the 100k-article databases: after them, one full run
#: gave crawl ratios of 1.82/1.9 where runs before gave 1.2/1.3-1.7.
BENCHES = ["diffs", "storage", "pipeline", "ingest", "crawl", "reads", "site"]
#: Module of each benchmark whose name differs from it.
MODULES = {"site": "static_site"}
#: The last line's keys, in the issue's order.
HEADLINE = ["crawl_unchanged_ratio", "crawl_new_ratio", "pipeline_unchanged_items_s",
            "site_incremental_s", "text_bytes_ratio", "html_bytes_ratio", "rebuild_ms"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHES),
                        help="comma-separated benchmarks to run")
    names = [n for n in parser.parse_args(argv).only.split(",") if n]
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    figures: dict[str, float] = {}
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        figures.update(importlib.import_module(MODULES.get(name, name)).run())
        print(f"   ({time.perf_counter() - started:.0f}s)", flush=True)
    shown = [k for k in HEADLINE if k in figures]
    print("bench: " + " ".join(f"{k}={figures[k]:g}" for k in shown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
