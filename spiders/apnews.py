"""The Associated Press: stories discovered from the apnews.com news sitemap and front pages."""

from __future__ import annotations

from .base import NewsSpider

#: The Google News sitemap of recent stories (AP publishes no general RSS feed).
FEEDS = ("https://apnews.com/news-sitemap-content.xml",)

#: The home page and the main hubs: AP has no RSS feed, and the sitemap lists
#: stories of the last two days only; the hubs also show the stories kept on top.
FRONTS = ("https://apnews.com/", "https://apnews.com/world-news", "https://apnews.com/us-news",
          "https://apnews.com/politics")


class APNewsSpider(NewsSpider):
    name = "apnews"
    feeds = FEEDS
    fronts = FRONTS
