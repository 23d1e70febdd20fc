"""Crawl overhead: newsdiffs' bbc spider vs a bare Scrapy spider over the same loopback site.

A generated site of ``ARTICLES`` pages in the BBC layout is served on
127.0.0.1 (no ETags, so every re-check downloads and parses the page). The
same URL list is crawled with the same settings by:

- ``bare``: a Scrapy spider that fetches each page and yields nothing;
- ``new``: ``scrapy crawl bbc -a urls=FILE`` on an empty database;
- ``same_bytes``: the same again, every page byte for byte as before (each is found
  unchanged by its digest, ``articles.page_digest``, without being read again);
- ``unchanged``: every page served with a new comment (as pages with a timestamp or a
  nonce are), so each is read, fingerprinted and found equal: the issue's "all
  unchanged, pages parsed" case;
- ``edited``: 10% of the pages changed, the others byte for byte as in ``unchanged``.

Each run is a fresh process, as cron runs it. ``bare``, ``new`` (each on a fresh
database) and ``unchanged`` (each with new bytes again) run ``REPEATS`` times,
interleaved, and the fastest of each counts: one run's time on this shared
2-core machine swings by a third. Every time is printed. Ratios are ours / bare.

    python bench/crawl.py
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gen

from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page, ReplayServer
from newsdiffs.store import Store

ROOT = Path(__file__).resolve().parents[1]
GOAL_UNCHANGED, GOAL_NEW = 1.3, 1.6
REPEATS = 3
SETTINGS = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "CONCURRENT_REQUESTS=16",
            "CONCURRENT_REQUESTS_PER_DOMAIN=16", "LOG_LEVEL=WARNING", "RETRY_TIMES=0",
            "ROBOTSTXT_OBEY=False", "TELNETCONSOLE_ENABLED=False"]

BARE = '''
import scrapy

class Bare(scrapy.Spider):
    name = "bare"

    def __init__(self, urls, **kw):
        super().__init__(**kw)
        self.url_file = urls

    async def start(self):
        for line in open(self.url_file):
            yield scrapy.Request(line.strip())

    def parse(self, response):
        return None
'''


def pages(n: int, edited: set[int], served: str = "") -> dict[str, Page]:
    """The site; ``served`` is written into a comment of every page (new bytes, same story)."""
    out = {}
    for i in range(n):
        rng = random.Random(i)
        blocks = [("p", gen.paragraph(rng, 40)) for _ in range(8)]
        if i in edited:
            blocks[3] = ("p", gen.paragraph(random.Random(-i), 40))
        slug = f"c{i:09d}o"
        article = DemoArticle(slug, f"Story number {i}", "2026-03-01T08:00:00.000Z", "2 hours ago",
                              "Sam Example", blocks, sidebar=[f"Other story {j}" for j in range(8)])
        html = render_article(article)
        if served:
            html = html.replace("</body>", f"<!-- served {served} --></body>")
        out[f"/news/articles/{slug}"] = Page(html, etag=False)
    return out


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}: exit {result.returncode}\n{result.stderr[-2000:]}")
    return seconds


def run() -> dict[str, float]:
    n = gen.scaled(2000, 50)
    with tempfile.TemporaryDirectory() as tmp, ReplayServer() as server:
        tmp_path = Path(tmp)
        server.set_pages(pages(n, set()))
        url_file = tmp_path / "urls.txt"
        url_file.write_text("".join(server.url(p) + "\n" for p in sorted(server.pages)))
        bare = tmp_path / "bare.py"
        bare.write_text(BARE)
        sets = [x for s in SETTINGS for x in ("-s", s)]

        def ours(db: Path) -> list[str]:
            return [sys.executable, "-m", "scrapy", "crawl", "bbc", "-a", f"urls={url_file}",
                    *sets, "-s", f"NEWSDIFFS_DB={db}"]

        # The project's settings apply to the bare spider too (its extensions open a database).
        bare_run = [sys.executable, "-m", "scrapy", "runspider", str(bare), "-a",
                    f"urls={url_file}", *sets, "-s", f"NEWSDIFFS_DB={tmp_path / 'bare.db'}"]
        times: dict[str, list[float]] = {"bare": [], "new": [], "unchanged": []}
        for r in range(REPEATS):
            times["bare"].append(timed(bare_run))
            db = tmp_path / f"crawl-{r}.db"  # the last one is re-crawled below
            times["new"].append(timed(ours(db)))
        times["same_bytes"] = [timed(ours(db))]
        for r in range(REPEATS):
            server.set_pages(pages(n, set(), served=f"again {r}"))
            times["unchanged"].append(timed(ours(db)))
        server.set_pages(pages(n, set(range(0, n, 10)), served=f"again {REPEATS - 1}"))
        times["edited"] = [timed(ours(db))]
        with Store(db, readonly=True) as store:
            counts = store.counts()
        if counts.get("articles") != n or counts.get("versions") != n + len(range(0, n, 10)):
            raise SystemExit(f"crawl bench: expected {n} articles and {n + n // 10} versions, "
                             f"got {counts}")
    best = {k: min(v) for k, v in times.items()}
    figures = {f"crawl_{k}_ratio": round(best[k] / best["bare"], 2)
               for k in ("new", "unchanged", "same_bytes", "edited")}
    print(f"  {n:,} pages: " + "; ".join(
        f"{k} " + ", ".join(f"{t:.1f}s" for t in v) for k, v in times.items()))
    for key, goal in (("crawl_unchanged_ratio", GOAL_UNCHANGED), ("crawl_new_ratio", GOAL_NEW),
                      ("crawl_same_bytes_ratio", None), ("crawl_edited_ratio", None)):
        verdict = "" if goal is None else f"(goal <= {goal}: {'ok' if figures[key] <= goal else 'MISSED'})"
        print(f"  {key:<22} {figures[key]:>6}  {verdict}")
    return figures


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    run()
