"""The item pipelines without the network: items per second for unchanged and changed items.

Extraction is excluded: items are built in memory and pushed through
validate -> normalise -> store, built the Scrapy way (``get_crawler``), on a
database that already tracks the articles. Goal: >= 2,000 unchanged items/s.
A cProfile top 10 of the unchanged run is printed (``--profile``), and the time
per item of each stage. ``--full``: every commit synced (``PRAGMA synchronous=FULL``,
the setting before this bench's figures were first met).

    python bench/pipeline.py [--profile] [--full]
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

import gen
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

import newsdiffs.store
from newsdiffs.items import ArticleItem, Block
from pipelines.clean import CleanPipeline
from pipelines.record import RecordPipeline
from pipelines.validate import ValidatePipeline

GOAL_UNCHANGED = 2000
#: Prose-like text: a third of real prose is the language's most common words.
COMMON = "the of and to in is that for on with was as it said by at from has".split()


def prose(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(COMMON) if rng.random() < 0.35 else rng.choice(gen.VOCABULARY)
                    for _ in range(words))
    return text[0].upper() + text[1:] + "."


def items(n: int, edit: int, at: str) -> list[ArticleItem]:
    """``n`` articles of 10 paragraphs; ``edit`` > 0 rewrites one paragraph of each."""
    out = []
    for i in range(n):
        rng = random.Random(i)
        body = [Block(prose(rng, 40)) for _ in range(10)]
        if edit:
            body[i % 10] = Block(prose(random.Random(i * 1000 + edit), 40))
        url = f"https://news.example/story/{i}"
        out.append(ArticleItem(url=url, canonical_url=url, source="bench", title=f"Story {i}",
                               byline="By A. Writer", body=body, fetched_at=at,
                               extractor="bench", extractor_version="1"))
    return out


def chain(db: Path):
    crawler = get_crawler(settings_dict={"NEWSDIFFS_DB": str(db), "NEWSDIFFS_KEEP_HTML": False})
    crawler.stats.open_spider()
    stages = [build_from_crawler(cls, crawler)
              for cls in (ValidatePipeline, CleanPipeline, RecordPipeline)]
    stages[-1].open_spider()

    #: Seconds spent in each stage by the last batch (the per-item cost breakdown).
    spent: dict[str, float] = {}

    def run(batch: list[ArticleItem]) -> float:
        clock = time.perf_counter
        totals = [0.0] * len(stages)
        started = clock()
        for item in batch:
            try:
                for i, stage in enumerate(stages):
                    before = clock()
                    try:
                        item = stage.process_item(item)
                    finally:
                        totals[i] += clock() - before
            except DropItem:
                pass
        elapsed = clock() - started
        spent.clear()
        spent.update({type(stage).__name__: t for stage, t in zip(stages, totals, strict=True)})
        return elapsed

    run.spent = spent  # type: ignore[attr-defined]
    return run, stages[-1], crawler.stats


def run(profile: bool = False) -> dict[str, float]:
    n = gen.scaled(2000, 50)
    with tempfile.TemporaryDirectory() as tmp:
        synchronous = newsdiffs.store.SYNCHRONOUS
        if "--full" in sys.argv:  # every commit synced (before: PRAGMA synchronous=NORMAL)
            newsdiffs.store.SYNCHRONOUS = "FULL"
        try:
            feed, store, stats = chain(Path(tmp) / "bench.db")
        finally:
            newsdiffs.store.SYNCHRONOUS = synchronous
        new_s = feed(items(n, 0, "2026-01-01T00:00:00Z"))
        second, third = items(n, 0, "2026-01-01T01:00:00Z"), items(n, 1, "2026-01-01T02:00:00Z")
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        cpu = time.process_time()
        unchanged_s = feed(second)
        cpu = time.process_time() - cpu
        if profiler:
            profiler.disable()
        breakdown = {name: 1e6 * t / n for name, t in feed.spent.items()}
        changed_s = feed(third)
        store.close_spider()
        counted = stats.get_stats()
    expect = {"newsdiffs/new": n, "newsdiffs/unchanged": n, "newsdiffs/changed": n}
    wrong = {k: counted.get(k) for k, v in expect.items() if counted.get(k) != v}
    if wrong:
        raise SystemExit(f"pipeline bench: outcomes not as expected: {wrong}")
    figures = {"pipeline_new_items_s": round(n / new_s),
               "pipeline_unchanged_items_s": round(n / unchanged_s),
               "pipeline_changed_items_s": round(n / changed_s)}
    for key, value in figures.items():
        print(f"  {key:<28} {value:>8,}")
    ok = figures["pipeline_unchanged_items_s"] >= GOAL_UNCHANGED
    print(f"pipeline: {figures['pipeline_unchanged_items_s']:,} unchanged items/s "
          f"(goal >= {GOAL_UNCHANGED:,}: {'ok' if ok else 'MISSED'})")
    print("  unchanged, per item: " + ", ".join(f"{k} {v:.0f} us" for k, v in breakdown.items())
          + f"; CPU {1e6 * cpu / n:.0f} us of {1e6 * unchanged_s / n:.0f} us"
          + (" (under cProfile)" if profiler else ""))
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(10)
        print(out.getvalue())
    return figures


if __name__ == "__main__":
    run(profile="--profile" in sys.argv)
