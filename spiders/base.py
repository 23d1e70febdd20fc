"""The shared shell of every newsdiffs spider: discovery, dispatch to an extractor."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from newsdiffs.extract import ExtractionError, get_extractor
from newsdiffs.feeds import FeedError, is_sitemap_index, parse_feed
from newsdiffs.items import ArticleItem
from newsdiffs.store import Store
from newsdiffs.times import now_iso
from newsdiffs.urls import canonicalize

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
    #: No offsite filter: explicit URLs may point anywhere (a local replay, a mirror);
    #: links from a site's own feeds are judged by ``is_article_url``.
    allowed_domains = ()

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
        #: Canonical URLs of the articles requested in this run (each is fetched once).
        self.requested: set[str] = set()
        self._store: Store | None = None

    def is_article_url(self, url: str) -> bool:
        """Whether a link found in a feed is an article this spider follows."""
        return True

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.explicit_urls:
            for url in self.explicit_urls:
                request = self.request_for(url)
                if request is not None:
                    yield request
            return
        for request in self.due_requests():
            yield request
        for feed in self.feed_urls:
            yield scrapy.Request(feed, callback=self.parse_feed, dont_filter=True,
                                 meta={"newsdiffs_feed": True})

    @property
    def store(self) -> Store:
        """The database (opened on first use): read here, written by the store pipeline."""
        if self._store is None:
            self._store = Store(self.crawler.settings.get("NEWSDIFFS_DB", "newsdiffs.db"))
        return self._store

    def closed(self, reason: str) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def due_requests(self, now: str | None = None) -> Iterator[scrapy.Request]:
        """Requests for this source's tracked articles due a re-check, most overdue first.

        At most ``NEWSDIFFS_MAX_DUE_PER_RUN``; with ``NEWSDIFFS_RECHECK_FINISHED``
        (``crawl --all``) finished articles follow the due ones.
        """
        settings = self.crawler.settings
        rows = self.store.due(now or now_iso(), self.name,
                              settings.getint("NEWSDIFFS_MAX_DUE_PER_RUN", 500),
                              include_finished=settings.getbool("NEWSDIFFS_RECHECK_FINISHED"))
        self.crawler.stats.set_value("newsdiffs/due", len(rows))
        for article in rows:
            request = self.recheck_request(article)
            if request is not None:
                yield request

    def recheck_request(self, article: dict, url: str | None = None) -> scrapy.Request | None:
        """A conditional request for a tracked article (``None``: already requested this run).

        It carries the stored URL as meta ``article_url`` and the stored ETag
        and Last-Modified as If-None-Match / If-Modified-Since.
        """
        if article["url"] in self.requested:
            return None
        self.requested.add(article["url"])
        headers = {}
        if article.get("etag"):
            headers["If-None-Match"] = article["etag"]
        if article.get("last_modified"):
            headers["If-Modified-Since"] = article["last_modified"]
        return scrapy.Request(url or article["url"], callback=self.parse_article,
                              errback=self.article_failed, headers=headers,
                              meta={"article_url": article["url"]})

    def request_for(self, url: str) -> scrapy.Request | None:
        """A request for an article link: a re-check if it is tracked; ``None`` if already requested."""
        key = canonicalize(url)
        article = self.store.article(key)
        if article is not None:
            return self.recheck_request(article, url)
        if key in self.requested:
            return None
        self.requested.add(key)
        return self.article_request(url)

    def feed_requests(self, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        """Requests for the article links of a feed: the new articles, each once per run.

        Tracked articles follow their schedule (:meth:`due_requests`), unless
        ``NEWSDIFFS_RECHECK_FEED_LINKS`` is on, which by default it is only for
        feeds named with ``-a feeds=``.
        """
        links: dict[str, str] = {}
        for url in urls:
            links.setdefault(canonicalize(url), url)
        settings = self.crawler.settings
        recheck = (self.trust_feed_hosts if settings.get("NEWSDIFFS_RECHECK_FEED_LINKS") is None
                   else settings.getbool("NEWSDIFFS_RECHECK_FEED_LINKS"))
        tracked = set() if recheck else self.store.known(links)
        for key, url in links.items():
            if key in tracked:
                self.crawler.stats.inc_value("newsdiffs/feed_link_tracked")
                continue
            request = self.request_for(url)
            if request is not None:
                yield request

    def article_request(self, url: str, **meta: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed,
                              meta=meta)

    def article_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        """A download that failed for good (after retries) is a failed check of the article.

        A new link that robots.txt forbids is only counted: it is not tracked.
        """
        request = failure.request  # type: ignore[attr-defined]
        tracked = request.meta.get("article_url")
        if failure.check(IgnoreRequest) and not tracked:
            self.crawler.stats.inc_value("newsdiffs/ignored")
            return
        reason = failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]
        yield ArticleItem(
            url=request.url, canonical_url=tracked or "", source=self.name,
            fetched_at=now_iso(), http_status=None,  # type: ignore[arg-type]  # no answer
            error=f"download failed: {reason}", extractor=self.extractor.name,
            extractor_version=self.extractor.version,
        )

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
        yield from self.feed_requests(e.url for e in entries if self.is_article_url(e.url))

    def parse_article(self, response: Response) -> Iterable[ArticleItem]:
        fetched_at = now_iso()
        tracked = response.meta.get("article_url")
        if response.status == 304 and tracked:
            # Not modified since the validators we sent: nothing to read.
            yield ArticleItem(url=response.url, canonical_url=tracked, source=self.name,
                              fetched_at=fetched_at, http_status=304,
                              etag=_header(response, b"ETag"),
                              last_modified=_header(response, b"Last-Modified"))
            return
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
            if tracked and response.meta.get("redirect_urls"):
                item.error += f" (after a redirect to {response.url})"
        found = canonicalize(item.canonical_url or response.url)
        if tracked and not item.error and found != tracked:
            # The tracked article now leads to another one (an HTTP redirect or
            # a new canonical URL): note it on the old one, track the new one.
            statuses = [r for r in response.meta.get("redirect_reasons", ()) if isinstance(r, int)]
            yield ArticleItem(url=response.url, canonical_url=tracked, source=self.name,
                              fetched_at=fetched_at, http_status=(statuses or [response.status])[0],
                              redirected_to=found, extractor=item.extractor,
                              extractor_version=item.extractor_version)
            self.requested.add(found)
            tracked = found
        yield dataclasses.replace(
            item,
            url=response.url,
            canonical_url=item.canonical_url or tracked or "",
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
