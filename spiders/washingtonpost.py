"""The Washington Post: articles discovered from the Post's section RSS feeds."""

from __future__ import annotations

from .base import NewsSpider

#: The main news sections.
FEEDS = tuple(
    f"https://feeds.washingtonpost.com/rss/{section}"
    for section in ("world", "national", "politics", "business", "local")
)


class WashingtonPostSpider(NewsSpider):
    name = "washingtonpost"
    feeds = FEEDS
