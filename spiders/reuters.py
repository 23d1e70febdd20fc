"""Reuters: articles discovered from the Reuters news sitemap (Reuters has no public RSS)."""

from __future__ import annotations

from .base import NewsSpider

#: The Google News sitemap: the stories of the last two days, newest first.
FEEDS = ("https://www.reuters.com/arc/outboundfeeds/news-sitemap/?outputType=xml",)


class ReutersSpider(NewsSpider):
    name = "reuters"
    feeds = FEEDS
