"""The shared shell of every newsdiffs spider: discovery, dispatch to an extractor."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newsdiffs.charset import decode_page, header_charset
from newsdiffs.config import DEFAULT_MAX_DUE_PER_RUN, DEFAULT_MIN_BODY_CHARS, newsdiffs_version
from newsdiffs.extract import ExtractionError, Extractor, get_extractor
from newsdiffs.extract.urlrules import rules_for
from newsdiffs.feed_links import FeedError, is_sitemap_index, parse_feed
from newsdiffs.front_links import front_links
from newsdiffs.frontier import Frontier, FrontierError, frontier_for
from newsdiffs.items import ArticleItem
from newsdiffs.revision import page_digest
from newsdiffs.times import now_iso
from newsdiffs.urls import (
    canonicalize,
    check_url,
    is_fetchable,
    is_local_url,
    read_url_list,  # noqa: F401 - kept importable from here
    spider_url_args,
    url_list_arg,
)

from .middlewares import REDIRECTED_TO_REQUESTED

logger = logging.getLogger(__name__)

#: Request meta: the tracked article's stored ``page_digest``.
PAGE_DIGEST = "newsdiffs_page_digest"


class NewsSpider(scrapy.Spider):
    """Base class: a site's spider sets ``name``, ``feeds`` and ``fronts``.

    Its pages are read by the extractor named like the spider, and links of
    its feeds and fronts are followed when that extractor's URL rules
    (``URL_RULES``, :mod:`newsdiffs.extract.urlrules`) call them articles.

    Arguments (``-a``): ``url=URL`` tracks one article, ``urls=FILE`` a list of
    them (explicit URLs are trusted on any host, so a local server works);
    ``feeds=URL[,URL]`` replaces the spider's feed list and ``fronts=URL[,URL]``
    its front pages (either one given: the spider's own feeds and fronts are
    not read, and links are judged by their path alone). Each must be an
    http(s) URL (else :class:`newsdiffs.urls.SpiderArgError` at once); so
    must every link followed and every stored article re-checked: one that
    is not is skipped and counted (``newsdiffs/bad_link``, ``newsdiffs/bad_stored_url``).
    """

    #: Name of the extractor in ``newsdiffs.extract`` that reads this site's pages
    #: (by default the spider's ``name``).
    extractor_name: ClassVar[str] = ""
    #: The ``-a`` argument that also follows the URL rules' ``extra_paths`` (BBC: ``sport``).
    extra_paths_arg: ClassVar[str] = ""
    #: Feed and sitemap URLs the spider discovers articles from.
    feeds: ClassVar[tuple[str, ...]] = ()
    #: HTML front pages (home, section pages) whose links are candidate articles.
    fronts: ClassVar[tuple[str, ...]] = ()
    #: No offsite filter: explicit URLs may point anywhere (a local replay, a mirror);
    #: links from a site's own feeds are judged by ``is_article_url``.
    allowed_domains = ()
    #: Settings, read once by :meth:`from_crawler` (``NEWSDIFFS_MAX_DUE_PER_RUN``,
    #: ``NEWSDIFFS_RECHECK_FINISHED``, ``NEWSDIFFS_RECHECK_FEED_LINKS``).
    max_due_per_run: int = DEFAULT_MAX_DUE_PER_RUN
    recheck_finished: bool = False
    recheck_feed_links: bool | None = None

    def __init__(self, *args: Any, url: str | None = None, urls: str | None = None,
                 feeds: str | None = None, fronts: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        explicit, feed_list = spider_url_args(url, urls, feeds)
        front_list = url_list_arg(fronts, "fronts")
        self.explicit_urls: list[str] = explicit
        #: True when feeds or fronts came from ``-a feeds=`` / ``-a fronts=``: their links
        #: may be on any host.
        self.trust_feed_hosts = feed_list is not None or front_list is not None
        given = self.trust_feed_hosts
        self.feed_urls: tuple[str, ...] = (feed_list or ()) if given else self.feeds
        self.front_urls: tuple[str, ...] = (front_list or ()) if given else self.fronts
        self.extractor = get_extractor(self.extractor_name)
        #: Canonical URLs of the articles requested in this run (each is fetched once).
        self.requested: set[str] = set()
        #: What the spider reads about tracked articles (``newsdiffs.frontier``), set by
        #: :meth:`from_crawler`: the database, or Redis with ``NEWSDIFFS_REDIS_URL``.
        self._frontier: Frontier | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider._frontier = frontier_for(settings, spider.name)
        spider.max_due_per_run = settings.getint("NEWSDIFFS_MAX_DUE_PER_RUN",
                                                 DEFAULT_MAX_DUE_PER_RUN)
        spider.recheck_finished = settings.getbool("NEWSDIFFS_RECHECK_FINISHED")
        spider.recheck_feed_links = (None if settings.get("NEWSDIFFS_RECHECK_FEED_LINKS") is None
                                     else settings.getbool("NEWSDIFFS_RECHECK_FEED_LINKS"))
        return spider

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.extractor_name and getattr(cls, "name", None):
            cls.extractor_name = cls.name

    def is_article_url(self, url: str) -> bool:
        """Whether a link found in a feed or front page is an article this spider follows.

        The extractor's URL rules say (every link, for an extractor without
        them); with feeds or fronts given as arguments they judge the path
        alone, whatever the host.
        """
        rules = rules_for(self.extractor)
        if rules is None:
            return True
        extra = bool(self.extra_paths_arg) and _flag(getattr(self, self.extra_paths_arg, False))
        return rules.match(url, any_host=self.trust_feed_hosts, extra=extra)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.explicit_urls:
            for url in self.explicit_urls:
                request = self.request_for(url)
                if request is not None:
                    yield request
            return
        if self.frontier.shared:
            return  # ``newsdiffs dispatch`` puts the round's requests in the shared queue
        for request in self.round_requests():
            yield request

    def round_requests(self, now: str | None = None) -> Iterator[scrapy.Request]:
        """One run's work: the due re-checks, then the feeds and front pages (the start of a
        local crawl; what ``newsdiffs dispatch`` queues for the crawlers in distributed mode)."""
        yield from self.due_requests(now)
        for feed in self.feed_urls:
            yield self.feed_request(feed, dont_filter=True)
        for front in self.front_urls:
            yield self.front_request(front)

    @property
    def frontier(self) -> Frontier:
        """The frontier (built in :meth:`from_crawler`)."""
        if self._frontier is None:
            self._frontier = frontier_for(self.crawler.settings, self.name)
        return self._frontier

    @property
    def store(self):
        """The database of a local frontier (tests read what the spider recorded)."""
        return self.frontier.store  # type: ignore[attr-defined]

    def closed(self, reason: str) -> None:
        if self._frontier is not None:
            self._frontier.close()

    def due_requests(self, now: str | None = None) -> Iterator[scrapy.Request]:
        """Requests for this source's tracked articles due a re-check, most overdue first.

        At most ``NEWSDIFFS_MAX_DUE_PER_RUN``; with ``NEWSDIFFS_RECHECK_FINISHED``
        (``crawl --all``) finished articles follow the due ones.
        """
        rows = self.frontier.due(self.name, now or now_iso(), self.max_due_per_run,
                                 include_finished=self.recheck_finished)
        self.crawler.stats.set_value("newsdiffs/due", len(rows))
        yield from self.recheck_requests(rows)

    def recheck_requests(self, rows: Iterable[dict]) -> Iterator[scrapy.Request]:
        """Re-check requests for stored articles; a row that cannot be one is logged and counted."""
        for article in rows:
            try:
                request = self.recheck_request(article)
            except ValueError as exc:  # newsdiffs.urls.BadUrl, or a URL Scrapy refuses
                logger.warning("stored article %s (id %s) skipped: %s", article.get("url"),
                               article.get("id"), exc)
                self.crawler.stats.inc_value("newsdiffs/bad_stored_url")
                continue
            if request is not None:
                yield request

    def recheck_request(self, article: dict, url: str | None = None) -> scrapy.Request | None:
        """A conditional request for a tracked article (``None``: already requested this run).

        It carries the stored URL as meta ``article_url`` and the stored ETag
        and Last-Modified as If-None-Match / If-Modified-Since. Raises
        :class:`newsdiffs.urls.BadUrl` for a URL that is not http(s).
        """
        target = check_url(url or article["url"])
        if article["url"] in self.requested:
            return None
        self.requested.add(article["url"])
        if not self.claimed(article["url"]):
            return None
        headers = {}
        if article.get("etag"):
            headers["If-None-Match"] = article["etag"]
        if article.get("last_modified"):
            headers["If-Modified-Since"] = article["last_modified"]
        # dont_filter: ``requested`` is the one record of what this run fetched, so a
        # redirect to an already-fetched URL reaches us (spiders.middlewares) instead
        # of being dropped by Scrapy's duplicate filter without a check.
        meta = {"article_url": article["url"]}
        if article.get("page_digest"):  # the page its latest text was read from (digest_page)
            meta[PAGE_DIGEST] = article["page_digest"]
        return scrapy.Request(target, callback=self.parse_article, dont_filter=True,
                              errback=self.article_failed, headers=headers, meta=meta)

    def request_for(self, url: str) -> scrapy.Request | None:
        """A request for an article link: a re-check if it is tracked; ``None`` if already
        requested, or when the link is not an http(s) URL (counted as ``newsdiffs/bad_link``)."""
        if not is_fetchable(url):
            self.bad_link(url)
            return None
        key = canonicalize(url)
        article = self.frontier.article(key)
        if article is not None:
            return self.recheck_request(article, url)
        if key in self.requested:
            return None
        self.requested.add(key)
        if not self.claimed(key):
            return None
        return self.article_request(url)

    def claimed(self, key: str) -> bool:
        """Take an article for this run; ``False`` (counted) when another crawler of a shared
        frontier has it already (a local frontier has no other crawler)."""
        if self.frontier.claim(key):
            return True
        self.crawler.stats.inc_value("newsdiffs/claimed_elsewhere")
        return False

    def feed_requests(self, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        """Requests for the article links of a feed: the new articles, each once per run.

        Tracked articles follow their schedule (:meth:`due_requests`), unless
        ``NEWSDIFFS_RECHECK_FEED_LINKS`` is on, which by default it is only for
        feeds named with ``-a feeds=``.
        """
        links: dict[str, str] = {}
        for url in self.good_links(urls):
            links.setdefault(canonicalize(url), url)
        recheck = (self.trust_feed_hosts if self.recheck_feed_links is None
                   else self.recheck_feed_links)
        tracked = set() if recheck else self.frontier.known(links)
        for key, url in links.items():
            if key in tracked:
                self.crawler.stats.inc_value("newsdiffs/feed_link_tracked")
                continue
            request = self.request_for(url)
            if request is not None:
                yield request

    def good_links(self, urls: Iterable[str], where: str = "") -> list[str]:
        """The links that may be fetched (http(s), a sane host); the others counted and skipped."""
        good = []
        for url in urls:
            if is_fetchable(url):
                good.append(url)
            else:
                self.bad_link(url, where)
        return good

    def bad_link(self, url: str, where: str = "") -> None:
        self.crawler.stats.inc_value("newsdiffs/bad_link")
        logger.info("skipped a link that is not an http(s) URL%s: %.200r",
                    f" in {where}" if where else "", url)

    def article_request(self, url: str, **meta: Any) -> scrapy.Request:
        # dont_filter: see recheck_request.
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed,
                              meta=meta, dont_filter=True)

    def article_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        """A download that failed for good (after retries, or a redirect loop) is a failed
        check of the article.

        A new link that robots.txt forbids is only counted: it is not tracked.
        A new link's failed check is recorded under the URL that was scheduled,
        not the last one of a redirect chain.
        """
        request = failure.request  # type: ignore[attr-defined]
        tracked = request.meta.get("article_url")
        if failure.check(IgnoreRequest) and not tracked:
            self.crawler.stats.inc_value("newsdiffs/ignored")
            return
        reason = failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]
        yield ArticleItem(
            url=_origin(request), canonical_url=tracked or "", source=self.name,
            fetched_at=now_iso(), http_status=None,  # type: ignore[arg-type]  # no answer
            error=f"download failed: {reason}", extractor=self.extractor.name,
            extractor_version=self.extractor.version,
        )

    def feed_request(self, url: str, source: str | None = None, *,
                     dont_filter: bool = False) -> scrapy.Request:
        """A request for a feed or sitemap; its outcome is recorded either way (``feed_checks``)."""
        return scrapy.Request(url, callback=self.parse_feed, errback=self.feed_failed,
                              dont_filter=dont_filter,
                              meta={"newsdiffs_feed": True,
                                    "newsdiffs_source": source or self.feed_source(url)})

    def feed_source(self, url: str) -> str:
        """The source a feed's fetches are recorded under (``feed_checks.source``)."""
        return self.name

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        meta = response.request.meta if response.request is not None else {}
        source = meta.get("newsdiffs_source") or self.feed_source(response.url)
        if response.status >= 400:
            self.feed_checked(response.url, source, response.status, error=f"HTTP {response.status}")
            return
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as exc:
            self.feed_checked(response.url, source, response.status, error=f"unreadable: {exc}")
            return
        links = self.good_links((e.url for e in entries), response.url)
        if is_sitemap_index(response.body):
            self.feed_checked(response.url, source, response.status, entries=len(entries))
            for url in links:
                yield self.feed_request(url, source)
            return
        requests = list(self.feed_requests(u for u in links if self.is_article_url(u)))
        new = sum(1 for r in requests if "article_url" not in r.meta)
        self.feed_checked(response.url, source, response.status, entries=len(entries),
                          new_links=new)
        yield from requests

    def front_request(self, url: str, source: str | None = None) -> scrapy.Request:
        """A request for an HTML front page; recorded in ``feed_checks`` like a feed."""
        return scrapy.Request(url, callback=self.parse_front, errback=self.feed_failed,
                              dont_filter=True,
                              meta={"newsdiffs_feed": True, "newsdiffs_front": True,
                                    "newsdiffs_source": source or self.feed_source(url)})

    def parse_front(self, response: Response) -> Iterable[scrapy.Request]:
        """The article links of a front page, through the same rules and path as a feed's.

        ``entries`` of its ``feed_checks`` row counts the page's http(s) links.
        """
        meta = response.request.meta if response.request is not None else {}
        source = meta.get("newsdiffs_source") or self.feed_source(response.url)
        if response.status >= 400:
            self.feed_checked(response.url, source, response.status, error=f"HTTP {response.status}")
            return
        content_type = _header(response, b"Content-Type")
        if not isinstance(response, TextResponse):
            self.feed_checked(response.url, source, response.status,
                              error=f"not an HTML page ({content_type or 'no Content-Type'})")
            return
        links = front_links(response.text, response.url)
        requests = list(self.feed_requests(u for u in links if self.is_article_url(u)))
        new = sum(1 for r in requests if "article_url" not in r.meta)
        self.feed_checked(response.url, source, response.status, entries=len(links),
                          new_links=new)
        yield from requests

    def feed_failed(self, failure: Failure) -> None:
        """A feed or sitemap that could not be downloaded (timeout, too big, robots.txt ...)."""
        request = failure.request  # type: ignore[attr-defined]
        reason = failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]
        source = request.meta.get("newsdiffs_source") or self.feed_source(request.url)
        self.feed_checked(request.url, source, None, error=f"download failed: {reason}")

    def feed_checked(self, url: str, source: str, http_status: int | None, *, entries: int = 0,
                     new_links: int = 0, error: str | None = None) -> None:
        """Count, log and record (table ``feed_checks``) one fetch of a feed."""
        stats = self.crawler.stats
        if error:
            stats.inc_value("newsdiffs/feed_failed")
            logger.warning("feed %s (%s) failed: %s", url, source, error)
        else:
            stats.inc_value("newsdiffs/feed_ok")
            if not entries:
                logger.warning("feed %s (%s) lists no entries", url, source)
        try:
            self.frontier.feed_checked(source=source, url=url, checked_at=now_iso(),
                                       http_status=http_status, ok=not error, entries=entries,
                                       new_links=new_links, error=error)
        except FrontierError as exc:
            stats.inc_value("newsdiffs/store_errors")
            logger.error("newsdiffs: feed check of %s not stored: %s", url, exc)

    def requested_elsewhere(self, url: str, request: scrapy.Request) -> bool:
        """Whether a redirect of ``request`` to ``url`` leads to an article that another
        request of this run fetches (not one on the request's own way)."""
        if not is_fetchable(url):
            return False
        key = canonicalize(url)
        own = {request.meta.get("article_url")}
        own.update(canonicalize(u) for u in [*request.meta.get("redirect_urls", []), request.url]
                   if is_fetchable(u))
        return key in self.requested and key not in own

    def acceptable_canonical(self, canonical: str, fetched: str) -> bool:
        """Whether a page's canonical URL may be the article's identity: http(s) on a sane
        host, and not on this machine unless the page itself was fetched from it."""
        return is_fetchable(canonical) and (not is_local_url(canonical) or is_local_url(fetched))

    def parse_article(self, response: Response) -> Iterable[ArticleItem]:
        fetched_at = now_iso()
        tracked = response.meta.get("article_url")
        moved_to = response.meta.get(REDIRECTED_TO_REQUESTED)
        if moved_to:
            yield from self.moved_to_requested(response, tracked, canonicalize(moved_to))
            return
        if response.status == 304 and tracked:
            # Not modified since the validators we sent: nothing to read.
            yield ArticleItem(url=response.url, canonical_url=tracked, source=self.name,
                              fetched_at=fetched_at, http_status=304,
                              etag=_header(response, b"ETag"),
                              last_modified=_header(response, b"Last-Modified"))
            return
        # The page as browsers read it: BOM, then the header's charset, then <meta>.
        charset = header_charset(response.headers.get(b"Content-Type"))
        digest = self.digest_page(response, charset)
        if digest is not None and tracked and digest == response.meta.get(PAGE_DIGEST):
            # The very page the stored text was read from, read the same way: the store
            # pipeline records an unchanged check (unless the article changed meanwhile).
            yield ArticleItem(url=response.url, canonical_url=tracked, source=self.name,
                              fetched_at=fetched_at, http_status=response.status,
                              etag=_header(response, b"ETag"),
                              last_modified=_header(response, b"Last-Modified"),
                              extractor=self.extractor.name,
                              extractor_version=self.extractor.version, charset=charset,
                              page_digest=digest, same_page=True)
            return
        if response.status >= 400:
            item = ArticleItem(url=response.url, error=f"HTTP {response.status}")
        else:
            try:
                item = self.extractor(decode_page(response.body, charset), response.url)
            except ExtractionError as exc:
                item = ArticleItem(url=response.url, error=f"extraction failed: {exc}")
        if item.error:
            item.extractor = self.extractor.name
            item.extractor_version = self.extractor.version
            if tracked and response.meta.get("redirect_urls"):
                item.error += f" (after a redirect to {response.url})"
        if item.canonical_url and not self.acceptable_canonical(item.canonical_url, response.url):
            logger.info("%s: canonical URL %.200r ignored", response.url, item.canonical_url)
            self.crawler.stats.inc_value("newsdiffs/bad_canonical")
            item.canonical_url = ""
        found = canonicalize(item.canonical_url or response.url)
        if (not item.error and found != (tracked or canonicalize(_origin(response.request)))
                and found in self.requested):
            # Another request of this run is for the article this page turned out to be:
            # that one records its check (one check per article and run).
            yield from self.moved_to_requested(response, tracked, found)
            return
        if not item.error:
            self.requested.add(found)
        if tracked and not item.error and found != tracked:
            # The tracked article now leads to another one (an HTTP redirect or
            # a new canonical URL): note it on the old one, track the new one.
            yield self.moved_note(response, tracked, found, item)
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
            charset=charset,
            page_digest=digest,
        )

    @functools.cached_property
    def page_digest_context(self) -> str | None:
        """What besides a page's bytes, URL and charset decides its check's outcome: the
        extractor and its version, the least body the checks accept, and the newsdiffs
        release (its cleaning and checks) (``newsdiffs.revision.page_digest``); worked out
        once per spider. ``None``: this spider keeps no page digests
        (a shared frontier carries none; an extractor with settings of its own, such as
        the feeds spider's per-source selectors, has no version that covers them)."""
        extractor = self.extractor
        if self.frontier.shared or not isinstance(extractor, Extractor) or vars(extractor):
            return None
        min_body = self.crawler.settings.getint("NEWSDIFFS_MIN_BODY_CHARS", DEFAULT_MIN_BODY_CHARS)
        return (f"{extractor.name}/{extractor.version} min_body_chars={min_body} "
                f"newsdiffs/{newsdiffs_version()}")

    def digest_page(self, response: Response, charset: str | None) -> str | None:
        """The page's digest (``ArticleItem.page_digest``), ``None`` for an error page or
        without a :attr:`page_digest_context`."""
        context = self.page_digest_context
        if context is None or response.status >= 400:
            return None
        return page_digest(response.body, url=response.url, charset=charset, context=context)

    def moved_to_requested(self, response: Response, tracked: str | None,
                           found: str) -> Iterator[ArticleItem]:
        """A page that leads to an article another request of this run fetches: the move
        is noted on a tracked article; for a new link it is only counted."""
        if tracked:
            yield self.moved_note(response, tracked, found)
        else:
            self.crawler.stats.inc_value("newsdiffs/duplicate_link")

    def moved_note(self, response: Response, tracked: str, found: str,
                   item: ArticleItem | None = None) -> ArticleItem:
        """The check of a tracked article that now leads to ``found`` (``redirected_to``)."""
        reasons = [*response.meta.get("redirect_reasons", ()), response.status]
        statuses = [r for r in reasons if isinstance(r, int)]
        return ArticleItem(url=response.url, canonical_url=tracked, source=self.name,
                           fetched_at=now_iso(), http_status=statuses[0], redirected_to=found,
                           extractor=item.extractor if item else self.extractor.name,
                           extractor_version=item.extractor_version if item
                           else self.extractor.version)


def _flag(value: object) -> bool:
    """A spider argument as a switch: ``-a sport=1`` is on, ``-a sport=0`` (or no, false, off) off."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "no", "false", "off")
    return bool(value)


def _origin(request: scrapy.Request | None) -> str:
    """The URL that was scheduled: the first of a redirect chain."""
    if request is None:
        return ""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
