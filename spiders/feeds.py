"""The generic feed spider: every enabled source of the sources file (``sources.toml``).

Each source's feeds, sitemaps and HTML front pages are read and the links
matching its ``pattern`` followed; pages are read by the generic extractor, or by a
configured one when the source gives CSS selectors (``newsdiffs.sources``).
Items carry the source's name, not ``feeds``: each source has its own
articles, re-check schedule (``NEWSDIFFS_SCHEDULE``) and history.

A URL belongs to the first enabled source whose pattern matches it. The file
is ``NEWSDIFFS_SOURCES`` (setting, else environment variable), else
``sources.toml`` in the working directory; without it the spider does nothing.

Arguments: ``-a source=NAME`` crawls one source only; ``url=``, ``urls=``,
``feeds=`` and ``fronts=`` work as for every spider.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from newsdiffs.extract.configured import extractor_for_source
from newsdiffs.extract.generic import GenericExtractor
from newsdiffs.items import ArticleItem
from newsdiffs.sources import Source, SourcesError, load_sources, sources_path
from newsdiffs.times import now_iso

from .base import NewsSpider

logger = logging.getLogger(__name__)


class SourceExtractors:
    """Reads a page with the extractor of the source its URL belongs to (generic for none)."""

    #: Recorded with failed checks; an extracted item names the extractor that read it.
    name = "feeds"
    version = "1"

    def __init__(self, sources: Iterable[Source]) -> None:
        self.sources = list(sources)
        self.extractors = {s.name: extractor_for_source(s) for s in self.sources}
        self.fallback = GenericExtractor()

    def source_for(self, url: str) -> Source | None:
        """The first source whose pattern matches the URL."""
        return next((s for s in self.sources if s.allows(url)), None)

    def __call__(self, html: str | bytes, url: str) -> ArticleItem:
        source = self.source_for(url)
        return (self.extractors[source.name] if source else self.fallback)(html, url)


class FeedsSpider(NewsSpider):
    name = "feeds"
    extractor_name = "generic"
    allowed_domains = ()  # every source's hosts

    def __init__(self, *args: Any, source: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: ``-a source=NAME``: crawl this source only.
        self.only = source
        self.sources_file = sources_path()
        self.sources: list[Source] = []
        self.extractor: SourceExtractors = SourceExtractors(())  # type: ignore[assignment]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FeedsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.sources_file = sources_path(crawler.settings.get("NEWSDIFFS_SOURCES"))
        return spider

    def load_sources(self) -> bool:
        """Read the sources file; ``False`` (logged) when there is nothing to crawl."""
        path = Path(self.sources_file)
        if not path.exists():
            logger.warning("no sources file at %s (set NEWSDIFFS_SOURCES): nothing to crawl", path)
            return False
        try:
            sources = load_sources(path)
        except SourcesError as exc:
            logger.error("%s", exc)
            self.crawler.stats.inc_value("newsdiffs/sources_invalid")
            return False
        chosen = [s for s in sources if s.enabled and self.only in (None, s.name)]
        if not chosen:
            which = f"enabled source named {self.only!r}" if self.only else "enabled source"
            logger.warning("no %s in %s: nothing to crawl", which, path)
            return False
        self.sources = chosen
        self.extractor = SourceExtractors(chosen)
        if not self.trust_feed_hosts:
            self.feed_urls = tuple(url for s in chosen for url in s.urls)
            self.front_urls = tuple(url for s in chosen for url in s.fronts)
        self.crawler.stats.set_value("newsdiffs/sources", len(chosen))
        return True

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not self.load_sources():
            return
        async for request in super().start():
            yield request

    def is_article_url(self, url: str) -> bool:
        return self.extractor.source_for(url) is not None

    def feed_source(self, url: str) -> str:
        """The source that lists this feed or front page, else the one whose pattern matches it."""
        listed = next((s for s in self.sources if url in s.urls or url in s.fronts), None)
        source = listed or self.extractor.source_for(url)
        return source.name if source else self.name

    def due_requests(self, now: str | None = None) -> Iterator[scrapy.Request]:
        """Every source's tracked articles due a re-check (each source capped as usual)."""
        now = now or now_iso()
        rows = [
            article
            for source in self.sources
            for article in self.frontier.due(source.name, now, self.max_due_per_run,
                                             include_finished=self.recheck_finished)
        ]
        self.crawler.stats.set_value("newsdiffs/due", len(rows))
        yield from self.recheck_requests(rows)

    def source_name(self, url: str, tracked: str | None = None) -> str:
        """The source a page belongs to: by its URL, else by the tracked article's URL or row."""
        for candidate in (url, tracked):
            source = self.extractor.source_for(candidate) if candidate else None
            if source is not None:
                return source.name
        article = self.frontier.article(tracked) if tracked else None
        return article["source"] if article else self.name

    def parse_article(self, response: Response) -> Iterable[ArticleItem]:
        name = self.source_name(response.url, response.meta.get("article_url"))
        for item in super().parse_article(response):
            item.source = name
            yield item

    def article_failed(self, failure: Any) -> Iterator[ArticleItem]:
        for item in super().article_failed(failure):
            item.source = self.source_name(item.url, item.canonical_url or None)
            yield item
