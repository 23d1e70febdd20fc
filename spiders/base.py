"""The shared shell of every newsdiffs spider: discovery, dispatch to an extractor."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from newsdiffs.extract import ExtractionError, get_extractor
from newsdiffs.feeds import FeedError, is_sitemap_index, parse_feed
from newsdiffs.items import ArticleItem
from newsdiffs.times import now_iso

logger = logging.getLogger(__name__)


def read_url_list(path: str) -> list[str]:
    """URLs from a file, one per line; blank lines and ``#`` comments ignored."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class NewsSpider(scrapy.Spider):
    """Base class: set ``name``, ``extractor_name``, ``feeds`` and ``is_article_url``.

    Arguments (``-a``): ``url=URL`` tracks one article, ``urls=FILE`` a list of
    them (explicit URLs are trusted on any host, so a local server works);
    ``feeds=URL[,URL]`` replaces the spider's feed list.
    """

    #: Name of the extractor in ``newsdiffs.extract`` that reads this site's pages.
    extractor_name: ClassVar[str] = "generic"
    #: Feed and sitemap URLs the spider discovers articles from.
    feeds: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, url: str | None = None, urls: str | None = None,
                 feeds: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.explicit_urls: list[str] = []
        if url:
            self.explicit_urls.append(url)
        if urls:
            self.explicit_urls.extend(read_url_list(urls))
        #: True when the feed list came from ``-a feeds=``: its links may be on any host.
        self.trust_feed_hosts = bool(feeds)
        if feeds:
            self.feed_urls: tuple[str, ...] = tuple(u.strip() for u in feeds.split(",") if u.strip())
        else:
            self.feed_urls = self.feeds
        self.extractor = get_extractor(self.extractor_name)

    def is_article_url(self, url: str) -> bool:
        """Whether a link found in a feed is an article this spider follows."""
        return True

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.explicit_urls:
            for url in self.explicit_urls:
                yield self.article_request(url)
            return
        for request in self.due_requests():
            yield request
        for feed in self.feed_urls:
            yield scrapy.Request(feed, callback=self.parse_feed, dont_filter=True,
                                 meta={"newsdiffs_feed": True})

    def due_requests(self) -> Iterable[scrapy.Request]:
        """Requests for known articles that are due a re-check (none by default)."""
        return ()

    def article_request(self, url: str, **meta: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_article, meta=meta)

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        if response.status >= 400:
            logger.warning("feed %s answered HTTP %s", response.url, response.status)
            self.crawler.stats.inc_value("newsdiffs/feed_failed")
            return
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as exc:
            logger.warning("feed %s unreadable: %s", response.url, exc)
            self.crawler.stats.inc_value("newsdiffs/feed_failed")
            return
        if is_sitemap_index(response.body):
            for entry in entries:
                yield scrapy.Request(entry.url, callback=self.parse_feed)
            return
        for entry in entries:
            if self.is_article_url(entry.url):
                yield self.article_request(entry.url)

    def parse_article(self, response: Response) -> Iterable[ArticleItem]:
        fetched_at = now_iso()
        if response.status >= 400:
            item = ArticleItem(url=response.url, error=f"HTTP {response.status}")
        else:
            try:
                item = self.extractor(response.body, response.url)
            except ExtractionError as exc:
                item = ArticleItem(url=response.url, error=f"extraction failed: {exc}")
        if item.error:
            item.extractor = self.extractor.name
            item.extractor_version = self.extractor.version
        yield dataclasses.replace(
            item,
            url=response.url,
            canonical_url=item.canonical_url or response.meta.get("article_url", ""),
            source=self.name,
            fetched_at=fetched_at,
            http_status=response.status,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            html=response.body,
        )


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
