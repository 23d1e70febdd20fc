"""How long the due query takes with a million tracked articles (``make bench``).

Builds a temporary database of ``--articles`` articles over ten sources: most
are finished (``next_check`` NULL, as after months of running), the rest are
live with next checks spread from three days ago (a backlog, as after an
outage) to thirty days ahead. It times
``Store.due()`` (the query each spider runs at start) as the crawl runs it,
then drops the due-selection indexes and times the very same call again: the
ratio is what the index buys. Not a test: it prints figures, and a verdict
against the target.

    python bench/due_query.py [--articles 1000000] [--runs 7] [--limit 500]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from newsdiffs.store import Store
from newsdiffs.times import to_iso

SOURCES = [f"source{i}" for i in range(10)]
TARGET_MS = 50.0


def articles(count: int, live: float, now: datetime, seed: int = 4) -> Iterator[dict]:
    """Rows for the articles table: a ``live`` fraction still scheduled, the rest finished."""
    rng = random.Random(seed)
    for i in range(count):
        seen = now - timedelta(days=rng.uniform(0, 365))
        is_live = rng.random() < live
        yield {
            "url": f"https://news.example/{i}",
            "source": SOURCES[i % len(SOURCES)],
            "title": f"Article {i}",
            "first_seen": to_iso(seen),
            "last_checked": to_iso(seen + timedelta(days=rng.uniform(0, 30))),
            "last_changed": to_iso(seen),
            "next_check": to_iso(now + timedelta(hours=rng.uniform(-72, 720))) if is_live else None,
            "check_count": rng.randint(1, 90),
            "version_count": rng.randint(1, 5),
            "status": "active" if is_live else "finished",
        }


def build(path: Path, count: int, live: float, now: datetime, batch: int) -> float:
    started = time.perf_counter()
    with Store(path) as store:
        store.db.execute("PRAGMA synchronous = OFF")  # a throwaway database
        store.db["articles"].insert_all(articles(count, live, now), batch_size=batch)
        store.db.execute("ANALYZE")
    return time.perf_counter() - started


def median_ms(call: Callable[[], list], runs: int) -> tuple[float, int]:
    timings, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        rows = len(call())
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), rows


def plan(store: Store, source: str | None) -> str:
    where, params = ("source = ? AND ", [source]) if source else ("", [])
    rows = store.db.conn.execute(
        f"EXPLAIN QUERY PLAN SELECT * FROM articles WHERE {where}next_check <= ? "
        "ORDER BY next_check LIMIT ?", [*params, "x", 1]).fetchall()
    return "; ".join(str(r[-1]) for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--live", type=float, default=0.1,
                        help="fraction of articles still scheduled (default 0.1)")
    parser.add_argument("--limit", type=int, default=500, help="NEWSDIFFS_MAX_DUE_PER_RUN")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--batch", type=int, default=20_000)
    args = parser.parse_args(argv)
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    stamp = to_iso(now)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        seconds = build(path, args.articles, args.live, now, args.batch)
        print(f"built {args.articles:,} articles ({args.live:.0%} live, {len(SOURCES)} sources) "
              f"in {seconds:.1f}s")
        cases = {"one source": SOURCES[3], "all sources": None}
        indexed = {}
        with Store(path) as store:
            for name, source in cases.items():
                indexed[name] = median_ms(lambda s=source: store.due(stamp, s, args.limit),
                                          args.runs)
                print(f"  plan ({name}): {plan(store, source)}")
        # The same calls without the indexes that serve them: the baseline. (A new
        # connection: a cached EXPLAIN would still show the dropped index.)
        with Store(path) as store:
            for index in [i.name for i in store.db["articles"].indexes
                          if "next_check" in i.columns]:
                store.db.execute(f"DROP INDEX {index}")
            baseline = {name: median_ms(lambda s=source: store.due(stamp, s, args.limit),
                                        max(3, args.runs // 2))
                        for name, source in cases.items()}
            print(f"  plan without the indexes: {plan(store, cases['one source'])}")
    ok = True
    for name in cases:
        (ms, rows), (base_ms, base_rows) = indexed[name], baseline[name]
        assert rows == base_rows
        ok &= ms < TARGET_MS
        print(f"due query, {name}, limit {args.limit} ({rows} rows): median {ms:.2f} ms "
              f"with the index vs {base_ms:.1f} ms without ({base_ms / ms:,.0f}x faster); "
              f"target < {TARGET_MS:.0f} ms: {'ok' if ms < TARGET_MS else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
