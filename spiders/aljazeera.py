"""Al Jazeera English: stories discovered from its all-news RSS feed."""

from __future__ import annotations

from .base import NewsSpider

FEEDS = ("https://www.aljazeera.com/xml/rss/all.xml",)


class AlJazeeraSpider(NewsSpider):
    name = "aljazeera"
    feeds = FEEDS
