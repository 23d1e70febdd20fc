"""The Independent: stories discovered from its news RSS feeds."""

from __future__ import annotations

from .base import NewsSpider

#: All news, then the UK and world sections (every section has <section>/rss).
FEEDS = tuple(
    f"https://www.independent.co.uk/{section}/rss"
    for section in ("news", "news/uk", "news/world", "news/uk/politics", "climate-change")
)


class IndependentSpider(NewsSpider):
    name = "independent"
    feeds = FEEDS
