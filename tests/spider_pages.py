"""Pages, feeds and in-process spiders shared by the unattended-crawl tests (issue 8)."""

from __future__ import annotations

import os
import subprocess
import sys
from html import escape
from pathlib import Path

import forked
from scrapy.utils.test import get_crawler

from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page
from spiders.base import NewsSpider

ROOT = Path(__file__).resolve().parents[1]

BLOCKS = [
    ("p", "The harbour wall at Example Bay will be rebuilt at a cost of two million pounds, "
          "the town council said on Monday."),
    ("p", "Storms in January left a forty-metre breach in the Victorian wall, flooding six "
          "homes on Quay Street."),
    ("p", "Work is due to start in April and to finish before the autumn storms, engineers said."),
]


def bbc_page(slug: str, **page) -> Page:
    """A page in the BBC layout the ``bbc`` spider reads (canonical ``/news/articles/SLUG``)."""
    return Page(render_article(DemoArticle(slug, f"Harbour wall {slug}", "2026-03-01T08:00:00.000Z",
                                           "2 hours ago", "Sam Example", BLOCKS)), **page)


def generic_page(title: str = "Harbour wall to be rebuilt", canonical: str | None = None,
                 og_url: str | None = None) -> str:
    """A plain article page for the generic extractor, with a chosen canonical link."""
    head = f'<link rel="canonical" href="{escape(canonical)}">' if canonical is not None else ""
    if og_url is not None:
        head += f'<meta property="og:url" content="{escape(og_url)}">'
    story = "".join(f"<p>{escape(text)}</p>" for _, text in BLOCKS)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}"
            f"</head><body><main><article><h1>{title}</h1>{story}</article></main></body></html>")


def rss(*links: str) -> str:
    items = "".join(f"<item><title>Story</title><link>{escape(link)}</link></item>"
                    for link in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'


class GenericSpider(NewsSpider):
    """A spider reading pages with the generic extractor, as a configured source does."""

    name = "generic_test"
    extractor_name = "generic"


def make_spider(db_path, cls: type[NewsSpider] = GenericSpider, settings: dict | None = None,
                **kwargs: str) -> NewsSpider:
    crawler = get_crawler(cls, {"NEWSDIFFS_DB": str(db_path), **(settings or {})})
    return cls.from_crawler(crawler, **kwargs)


def run(db: Path, *args: str, tool: str = "newsdiffs", timeout: int = 90
        ) -> subprocess.CompletedProcess:
    """A crawl in a child process (forked from a warm helper, tests/forked.py), whatever its
    exit code (the caller checks it)."""
    settings = ["LOG_LEVEL=INFO", "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False",
                "RETRY_TIMES=0", f"NEWSDIFFS_DB={db}"]
    if tool == "scrapy":
        cmd = [sys.executable, "-m", "scrapy", "crawl", *args]
    else:
        cmd = [sys.executable, "-m", "newsdiffs", "crawl", "--db", str(db), *args]
    for s in settings:
        cmd += ["-s", s]
    return forked.run(cmd, cwd=ROOT, env={**os.environ, "NEWSDIFFS_DB": str(db)},
                      capture_output=True, text=True, timeout=timeout)
