"""BBC News: articles discovered from the BBC News RSS feeds and the News front pages."""

from __future__ import annotations

from .base import NewsSpider

#: Top stories and the main sections.
FEEDS = tuple(
    f"https://feeds.bbci.co.uk/news/{path}rss.xml"
    for path in (
        "", "world/", "uk/", "business/", "politics/", "health/", "education/",
        "science_and_environment/", "technology/", "entertainment_and_arts/",
    )
)

#: The News home page and the UK and World fronts: stories promoted there that
#: the section feeds list late or not at all (live pages and video are skipped by URL).
FRONTS = ("https://www.bbc.co.uk/news", "https://www.bbc.co.uk/news/uk",
          "https://www.bbc.co.uk/news/world")


class BBCSpider(NewsSpider):
    name = "bbc"
    feeds = FEEDS
    fronts = FRONTS
    #: ``-a sport=1`` also follows BBC Sport articles (the URL rules' extra paths).
    extra_paths_arg = "sport"
