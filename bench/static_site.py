"""``newsdiffs site`` at 10k vs 100k articles: full build per article, then an incremental build.

The full build's time per article must not grow with the database; after 10
new versions, a rebuild of the 100k site must take under 2 s and write only
the pages that changed (the report's "written" count is printed).

Three rebuilds of the largest site are timed: with nothing new; after new
versions of 10 random articles (most of them far down the list of changed
articles: each leaves its day's page of the archive and goes to the top, which
must rewrite a few listing pages, not every page above its old place); after
new versions of the 10 most recently seen articles (the usual case: stories
change in their first days). The listing pages written are counted.

    python bench/static_site.py          (BENCH_SCALE=0.01 for a smoke run)
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from pathlib import Path

import gen

from newsdiffs.static_site import build_site
from newsdiffs.store import Store

GOAL_INCREMENTAL_S = 2.0


def listing_pages(report: object) -> int:
    """How many changed-articles listing pages (site-wide and per source) a build wrote."""
    return sum(1 for p in report.written_paths if p.endswith(".html") and (
        p == "index.html" or p.startswith(("changes/", "source/"))))


def build(db: Path, out: Path) -> tuple[float, object]:
    with Store(db, readonly=True) as store:
        started = time.perf_counter()
        report = build_site(store, out)
        return time.perf_counter() - started, report


def add_versions(db: Path, count: int, *, recent: bool = False,
                 at: str = "2027-01-01T00:00:00Z") -> None:
    """``count`` articles of the database (random ones, or the most recently seen) get one
    more version (a paragraph added)."""
    rng = random.Random(count)
    with Store(db) as store, store.batch():
        total = store.count_articles()
        for i in range(total - count, total) if recent else rng.sample(range(total), count):
            url = f"https://news{i % len(gen.SOURCES)}.example/story/{i}"
            article = store.article(url)
            latest = store.latest_version(article["id"])
            body = latest["body"] + "\n\n" + gen.paragraph(rng)
            store.record_check(url=url, source=article["source"], checked_at=at, http_status=200,
                               outcome="changed",
                               new_version=gen.version_of(url, latest["title"], body, at,
                                                          latest["body"]))


def run() -> dict[str, float]:
    sizes = [gen.scaled(10_000, 100), gen.scaled(100_000, 1000)]
    figures: dict[str, float] = {}
    per_article = []
    for n in sizes:
        db = gen.database(n)
        out = Path(tempfile.mkdtemp(prefix="newsdiffs-site-"))
        try:
            full_s, report = build(db, out)
            per_article.append(full_s / n * 1000)
            print(f"  {n:>9,} articles: full build {full_s:.1f}s "
                  f"({per_article[-1]:.2f} ms/article): {report}")
            if n == sizes[-1]:
                noop_s, report = build(db, out)
                print(f"  {n:>9,} articles: nothing new {noop_s:.2f}s: {report}")
                figures["site_noop_s"] = round(noop_s, 2)
                add_versions(db, 10)
                incremental_s, report = build(db, out)
                print(f"  {n:>9,} articles: after new versions of 10 random articles "
                      f"{incremental_s:.2f}s ({listing_pages(report)} listing pages): {report}")
                figures["site_incremental_s"] = round(incremental_s, 2)
                figures["site_incremental_listing_pages"] = listing_pages(report)
                add_versions(db, 10, recent=True, at="2027-01-02T00:00:00Z")
                recent_s, report = build(db, out)
                print(f"  {n:>9,} articles: after new versions of the 10 newest articles "
                      f"{recent_s:.2f}s ({listing_pages(report)} listing pages): {report}")
                figures["site_incremental_recent_s"] = round(recent_s, 2)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    figures["site_full_ms_per_article_ratio"] = round(per_article[1] / per_article[0], 2)
    verdict = {k: "ok" if figures[k] < GOAL_INCREMENTAL_S else "MISSED"
               for k in ("site_incremental_s", "site_incremental_recent_s")}
    print(f"site: incremental {figures['site_incremental_s']}s (10 random articles: "
          f"{verdict['site_incremental_s']}), {figures['site_incremental_recent_s']}s (10 newest: "
          f"{verdict['site_incremental_recent_s']}), nothing new {figures['site_noop_s']}s at "
          f"{sizes[-1]:,} articles (goal < {GOAL_INCREMENTAL_S}s); full build per article "
          f"{figures['site_full_ms_per_article_ratio']}x from {sizes[0]:,} to {sizes[1]:,}")
    return figures


if __name__ == "__main__":
    run()
