"""Run the offline demo: serve the replay site, crawl it three times, print the histories.

``python -m newsdiffs.demo.run [--db PATH] [--out DIR]`` (``make demo`` runs it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ..store import Store
from .pages import stage_pages
from .server import ReplayServer

STAGE_NOTES = {
    1: "two articles published",
    2: "headline edited + paragraph added; a timestamp/sidebar-only change; a new article",
    3: "a quote reworded; a correction appended",
}


def crawl(db: Path, feed_url: str) -> None:
    """One real crawl with the ``bbc`` spider, in its own process (as cron would run it)."""
    cmd = [sys.executable, "-m", "newsdiffs", "crawl", "bbc", "--db", str(db),
           "-a", f"feeds={feed_url}", "-s", "LOG_LEVEL=WARNING", "-s", "DOWNLOAD_DELAY=0",
           "-s", "AUTOTHROTTLE_ENABLED=False"]
    subprocess.run(cmd, check=True, env={**os.environ, "NEWSDIFFS_DB": str(db)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="demo/newsdiffs.db", type=Path)
    parser.add_argument("--out", default="demo/out", type=Path)
    args = parser.parse_args(argv)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    args.db.parent.mkdir(parents=True, exist_ok=True)

    with ReplayServer() as server:
        print(f"demo site: {server.url('/news/rss.xml')}")
        for stage in (1, 2, 3):
            server.set_pages(stage_pages(stage, server.url("").rstrip("/")))
            print(f"\n== crawl {stage}/3: {STAGE_NOTES[stage]}", flush=True)
            crawl(args.db, server.url("/news/rss.xml"))

    print("\n== histories")
    with Store(args.db) as store:
        urls = [a["url"] for a in store.articles()]
    for url in urls:
        print()
        subprocess.run([sys.executable, "-m", "newsdiffs", "history", "--db", str(args.db), url],
                       check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    render(args.db, args.out, urls)
    return 0


def render(db: Path, out: Path, urls: list[str]) -> None:
    """Write a text diff per changed article and the static site (version pages, feeds)."""
    cli = [sys.executable, "-m", "newsdiffs"]
    with Store(db) as store:
        changed = [a for a in map(store.article, urls) if a and a["version_count"] > 1]
    for article in changed:
        slug = article["url"].rstrip("/").rsplit("/", 1)[-1]
        diff = subprocess.run([*cli, "diff", "--db", str(db), article["url"], "1",
                               str(article["version_count"])],
                              check=True, capture_output=True, text=True)
        (out / f"{slug}.diff.txt").write_text(diff.stdout, encoding="utf-8")
    print("\n== changes\n", flush=True)
    subprocess.run([*cli, "changes", "--db", str(db)], check=True)
    print("\n== static site", flush=True)
    subprocess.run([*cli, "site", "--db", str(db), str(out / "site")], check=True)
    print(f"\ndatabase: {db}\ntext diffs: {out}/*.diff.txt\n"
          f"site: {out / 'site' / 'index.html'} (open it in a browser)")

if __name__ == "__main__":
    sys.exit(main())
