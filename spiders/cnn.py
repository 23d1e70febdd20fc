"""CNN: articles discovered from CNN's RSS feeds (cnn.com, edition.cnn.com, CNN Business) and
front pages."""

from __future__ import annotations

from .base import NewsSpider

#: Top stories of the international and US editions, world, US, politics and business news.
FEEDS = tuple(
    f"http://rss.cnn.com/rss/{name}.rss"
    for name in (
        "edition", "edition_world", "cnn_topstories", "cnn_us", "cnn_allpolitics",
        "money_latest",
    )
)  # fmt: skip

#: The home page and the World, US and Politics fronts: CNN's RSS feeds are
#: updated irregularly, the fronts always list the current stories.
FRONTS = ("https://www.cnn.com/", "https://www.cnn.com/world", "https://www.cnn.com/us",
          "https://www.cnn.com/politics")


class CNNSpider(NewsSpider):
    name = "cnn"
    feeds = FEEDS
    fronts = FRONTS
