"""NPR: stories discovered from its topic RSS feeds."""

from __future__ import annotations

from .base import NewsSpider

#: News (1001), then world (1004), national (1003), politics (1014), business (1006).
FEEDS = tuple(f"https://feeds.npr.org/{topic}/rss.xml" for topic in (1001, 1004, 1003, 1014, 1006))


class NPRSpider(NewsSpider):
    name = "npr"
    feeds = FEEDS
