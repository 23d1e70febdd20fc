"""The New York Times: articles discovered from the NYT section RSS feeds."""

from __future__ import annotations

from .base import NewsSpider

#: The home page and the main news sections.
FEEDS = tuple(
    f"https://rss.nytimes.com/services/xml/rss/nyt/{section}.xml"
    for section in (
        "HomePage", "World", "US", "Politics", "Business", "Technology", "Science", "Climate",
        "Health",
    )
)  # fmt: skip


class NYTimesSpider(NewsSpider):
    name = "nytimes"
    feeds = FEEDS
