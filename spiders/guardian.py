"""The Guardian: articles discovered from the Guardian's section RSS feeds."""

from __future__ import annotations

from .base import NewsSpider

#: The main news sections (every section front has its feed at <section>/rss).
FEEDS = tuple(
    f"https://www.theguardian.com/{section}/rss"
    for section in (
        "world", "uk-news", "us-news", "australia-news", "politics", "business",
        "environment", "science", "technology", "global-development",
    )
)  # fmt: skip


class GuardianSpider(NewsSpider):
    name = "guardian"
    feeds = FEEDS
