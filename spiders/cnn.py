"""CNN: articles discovered from CNN's RSS feeds (cnn.com, edition.cnn.com, CNN Business)."""

from __future__ import annotations

from newsdiffs.extract import cnn

from .base import NewsSpider

#: Top stories of the international and US editions, world, US, politics and business news.
FEEDS = tuple(
    f"http://rss.cnn.com/rss/{name}.rss"
    for name in (
        "edition", "edition_world", "cnn_topstories", "cnn_us", "cnn_allpolitics",
        "money_latest",
    )
)  # fmt: skip


class CNNSpider(NewsSpider):
    name = "cnn"
    extractor_name = "cnn"
    feeds = FEEDS

    def is_article_url(self, url: str) -> bool:
        # Feeds given with -a feeds= (a local replay, a mirror): judge links by path alone.
        return cnn.is_article_url(url, any_host=self.trust_feed_hosts)
