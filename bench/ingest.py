"""The single writer of distributed mode: ``newsdiffs ingest`` (batched) vs the local pipeline.

The same items (new articles, then unchanged re-checks, then edits; each
with a 30 KB page kept) are stored twice on fresh databases: once through
the local store pipeline, one item per transaction as in a local crawl, and
once pushed onto a Redis Stream and stored by the ingest, many items per
transaction (same compare-and-store code). Needs redis-server (``make redis``);
reading from Redis is included in the ingest's time.

    python bench/ingest.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import gen
from pipeline import items
from scrapy.exceptions import DropItem

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "distributed"))

import dist_harness  # noqa: E402

from newsdiffs.distributed import Keys, check_item_id, connect, encode_item, ingest  # noqa: E402
from newsdiffs.store import Store  # noqa: E402
from pipelines.record import RecordPipeline  # noqa: E402

PAGE = b"<html><body>" + b"<p>A paragraph of the page that is kept for reextract.</p>" * 500


def phases(n: int) -> list[tuple[str, list]]:
    out = []
    for name, edit, at in (("new", 0, "2026-12-01T10:00:00Z"),
                           ("unchanged", 0, "2026-12-01T11:00:00Z"),
                           ("edited", 1, "2026-12-01T12:00:00Z")):
        batch = items(n, edit, at)
        for item in batch:
            item.html = PAGE
        out.append((name, batch))
    return out


def local(db: Path, work: list[tuple[str, list]]) -> dict[str, float]:
    pipeline = RecordPipeline(str(db))
    pipeline.open_spider()
    rates = {}
    for name, batch in work:
        started = time.perf_counter()
        for item in batch:
            try:
                pipeline.process_item(item)
            except DropItem:
                pass
        rates[name] = len(batch) / (time.perf_counter() - started)
    pipeline.close_spider()
    return rates


def distributed(db: Path, url: str, work: list[tuple[str, list]]) -> dict[str, float]:
    client, keys = connect(url), Keys()
    rates = {}
    with Store(db) as store:
        recorder = RecordPipeline(str(db))
        recorder.store = store
        for number, (name, batch) in enumerate(work, 1):
            with client.pipeline(transaction=False) as pipe:
                for item in batch:
                    pipe.xadd(keys.stream, encode_item(item, check_item_id(number, item)))
                pipe.execute()
            started = time.perf_counter()
            stats = ingest(store, client, keys, recorder.store_item, consumer="bench",
                           batch=500, block_ms=50, stop=lambda stats, idle: idle)
            rates[name] = stats.items / (time.perf_counter() - started)
    return rates


def run() -> dict[str, float]:
    if not shutil.which("redis-server"):
        print("bench/ingest.py: redis-server is not installed (make redis): skipped")
        return {}
    n = gen.scaled(2000)
    work = phases(n)
    with tempfile.TemporaryDirectory() as tmp, dist_harness.RedisServer() as server:
        one = local(Path(tmp) / "local.db", work)
        many = distributed(Path(tmp) / "ingest.db", server.url, work)
    print(f"ingest vs local pipeline, {n} items a phase (30 KB page kept), items/s:")
    for name in one:
        print(f"  {name:9s}  local {one[name]:7.0f}   ingest (batches of 500) {many[name]:7.0f}"
              f"   x{many[name] / one[name]:.1f}")
    return {"ingest_unchanged_items_s": round(many["unchanged"]),
            "ingest_vs_local_unchanged_ratio": round(many["unchanged"] / one["unchanged"], 2)}


if __name__ == "__main__":
    run()
