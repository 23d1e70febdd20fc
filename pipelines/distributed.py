"""The Scrapy side of distributed mode (``-s NEWSDIFFS_REDIS_URL=redis://host:6379/0``).

With that setting :class:`DistributedAddon` (listed in ``ADDONS``) switches a
crawler to scrapy-redis' scheduler and duplicate filter over one shared
request queue per spider (requests stored as JSON, ``pipelines.redis_json``),
replaces the store pipeline with :class:`RedisStreamPipeline` (each validated,
normalised item goes onto a Redis Stream for ``newsdiffs ingest``), keeps the
crawler alive between rounds and puts back the work of crawlers that died
(:class:`SharedQueueWorker`). Without it nothing changes. The plain Redis
logic (keys, claims, rounds, the in-flight ledger, ingest) is
``newsdiffs.distributed``.

A request taken from the shared queue stays in the crawler's in-flight hash
until its result is on the stream: its last item is pushed in the same Redis
transaction that removes it (:class:`RedisStreamPipeline`), a request with no
item is removed once its callback has produced everything
(:class:`InflightMiddleware`), a redirect or retry when its continuation is
queued (:class:`InflightQueue`), and whatever is left when the crawler is
idle or closes (its engine has then finished every request).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import redis
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured, ScrapyDeprecationWarning
from scrapy.settings import BaseSettings
from scrapy_redis.queue import PriorityQueue
from twisted.internet.task import LoopingCall

from newsdiffs.config import DEFAULT_REDIS_PREFIX
from newsdiffs.distributed import (
    Keys,
    RedisFrontier,
    crawler_summary,
    redis_error_text,
    unreachable,
)
from newsdiffs.items import ArticleItem
from spiders.extensions import CrawlGuard

logger = logging.getLogger(__name__)

#: Request meta: the crawler's in-flight entry of a request taken from the shared queue.
INFLIGHT = "newsdiffs_inflight"
#: Seconds between two heartbeats of a crawler (its ``alive`` key lasts ten).
HEARTBEAT_SECONDS = 2.0
#: Bytes of downloaded responses a crawler holds waiting for their callbacks (Scrapy's
#: ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``, 5 MB by default). Each is a request taken from the
#: shared queue and not finished: a killed crawler's are fetched again. Parsing, not
#: downloading, bounds a crawler's pace, so a short backlog keeps the same throughput.
SCRAPER_BACKLOG_BYTES = 500_000


def _prefix(settings: BaseSettings) -> str:
    return settings.get("NEWSDIFFS_REDIS_PREFIX") or DEFAULT_REDIS_PREFIX


def _frontier(crawler: Crawler) -> RedisFrontier | None:
    frontier = getattr(crawler.spider, "frontier", None)
    return frontier if isinstance(frontier, RedisFrontier) else None


def _field(response: Any) -> str | None:
    """The in-flight entry of the request a response (or a download failure) answers."""
    request = getattr(response, "request", None)
    return request.meta.get(INFLIGHT) if request is not None else None


class DistributedAddon:
    """Turns a crawler into a distributed one when ``NEWSDIFFS_REDIS_URL`` is set.

    Redis is asked first: when it does not answer, the crawler keeps Scrapy's
    own scheduler and :class:`DistributedGuard` refuses it with one line.
    """

    def __init__(self) -> None:
        #: Why Redis cannot be used (``None``: it answered).
        self.problem: str | None = None

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("NEWSDIFFS_REDIS_URL")
        if not url:
            return
        # scrapy-redis 0.9 calls APIs Scrapy 2.13+ deprecates (Spider.log, a spider argument
        # to StatsCollector.inc_value); harmless, and not the operator's to fix.
        warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning,
                                module=r"scrapy_redis\.")
        self.problem = unreachable(url)
        keys = Keys(_prefix(settings))
        shared = {
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            # The queue is shared: a crawler that stops must not empty it.
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_QUEUE_CLASS": "pipelines.distributed.InflightQueue",
            "SCHEDULER_SERIALIZER": "pipelines.redis_json",
            "SCHEDULER_QUEUE_KEY": keys.requests("%(spider)s"),
            "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter("%(spider)s"),
            "REDIS_URL": url,
        }
        for name, value in ({} if self.problem else shared).items():
            settings.set(name, value, priority=max(settings.getpriority(name) or 0, 20))
        # Unless the project or the command line sets it.
        settings.set("SCRAPER_SLOT_MAX_ACTIVE_SIZE", SCRAPER_BACKLOG_BYTES, priority="addon")
        _replace(settings, "ITEM_PIPELINES", "pipelines.record.RecordPipeline",
                 "pipelines.distributed.RedisStreamPipeline")
        _replace(settings, "EXTENSIONS", "spiders.extensions.CrawlGuard",
                 "pipelines.distributed.DistributedGuard")
        _replace(settings, "EXTENSIONS", None, "pipelines.distributed.SharedQueueWorker", 0)
        # Outermost: it sees what the callback produced after every other middleware.
        _replace(settings, "SPIDER_MIDDLEWARES", None,
                 "pipelines.distributed.InflightMiddleware", 10)


def _replace(settings: BaseSettings, name: str, old: str | None, new: str,
             order: int | None = None) -> None:
    components = dict(settings.getdict(name))
    position = components.pop(old, None) if old else None
    components[new] = order if order is not None else position
    settings.set(name, components, priority=settings.getpriority(name) or 20)


def _redis_problem(crawler: Crawler) -> str | None:
    addon = crawler.get_addon(DistributedAddon)
    return addon.problem if addon is not None else None


class InflightQueue(PriorityQueue):
    """scrapy-redis' priority queue, but a request taken is noted in this crawler's in-flight
    hash in the same step (:meth:`RedisFrontier.take`), so that a crawler killed while it
    downloads or processes a request loses nothing."""

    def __init__(self, server, spider, key, serializer=None) -> None:
        super().__init__(server, spider, key, serializer)
        self.frontier: RedisFrontier = spider.frontier

    def push(self, request) -> None:
        # A redirect or retry of a request we hold is queued as a new request, and the
        # one we hold is finished in the same transaction.
        held = request.meta.pop(INFLIGHT, None)
        self.frontier.requeue(self.key, self._encode_request(request), -request.priority, held)

    def __len__(self) -> int:
        try:
            return super().__len__()
        except redis.ConnectionError:  # Redis away: nothing to take (the heartbeat says so)
            return 0

    def pop(self, timeout=0):
        try:
            got = self.frontier.take(self.key)
        except redis.ConnectionError:
            return None
        if got is None:
            return None
        field, data = got
        request = self._decode_request(data)
        request.meta[INFLIGHT] = field
        return request


class InflightMiddleware:
    """Tells the frontier when a callback starts and ends and which items it produced, so
    that a request is finished exactly when its last item is on the stream (a callback that
    produces no item: when it ends, its follow-up requests queued)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InflightMiddleware:
        if not crawler.settings.get("NEWSDIFFS_REDIS_URL"):
            raise NotConfigured
        return cls(crawler)

    def _start(self, response) -> tuple[RedisFrontier, str] | None:
        field, frontier = _field(response), _frontier(self.crawler)
        if field is None or frontier is None:
            return None
        frontier.producing(field)
        return frontier, field

    @staticmethod
    def _end(held: tuple[RedisFrontier, str]) -> None:
        frontier, field = held
        try:
            frontier.produced(field)
        except redis.RedisError as exc:  # finished when the crawler is next idle
            logger.warning("newsdiffs: request not marked done in Redis: %s", exc)

    def process_spider_output(self, response, result: Iterable[Any]) -> Iterator[Any]:
        held = self._start(response)
        if held is None:
            yield from result
            return
        try:
            for output in result:
                if isinstance(output, ArticleItem):
                    held[0].item_coming(held[1])
                yield output
        finally:
            self._end(held)

    async def process_spider_output_async(self, response,
                                          result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        held = self._start(response)
        if held is None:
            async for output in result:
                yield output
            return
        try:
            async for output in result:
                if isinstance(output, ArticleItem):
                    held[0].item_coming(held[1])
                yield output
        finally:
            self._end(held)


class SharedQueueWorker:
    """Keeps a distributed crawler going: heartbeat, recovery of dead crawlers' requests,
    no closing while the queue may get work, and its summary when it stops.

    ``NEWSDIFFS_REDIS_IDLE_CLOSE`` (seconds, default 0 = never): close after
    being idle that long (a per-run crawler, e.g. started by Scrapyd).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.idle_close = crawler.settings.getfloat("NEWSDIFFS_REDIS_IDLE_CLOSE", 0)
        self.idle_since: float | None = None
        self.loop: LoopingCall | None = None
        self.started = time.monotonic()
        #: Redis did not answer the last heartbeat.
        self.lost = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedQueueWorker:
        if not crawler.settings.get("NEWSDIFFS_REDIS_URL") or _redis_problem(crawler):
            raise NotConfigured
        worker = cls(crawler)
        crawler.signals.connect(worker.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(worker.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(worker.spider_closed, signal=signals.spider_closed)
        return worker

    def tick(self) -> None:
        frontier = _frontier(self.crawler)
        if frontier is None:
            return
        try:
            recovered = frontier.heartbeat()
            if recovered:
                self.crawler.stats.inc_value("newsdiffs/recovered", recovered)
            if frontier.client.zcard(frontier.keys.requests(frontier.spider)):
                self.idle_since = None
                # Take the work now rather than at the engine's next 5-second beat (Scrapy
                # has no public call for it; without one the work waits for that beat).
                nextcall = getattr(getattr(self.crawler.engine, "_slot", None), "nextcall", None)
                if nextcall is not None:
                    nextcall.schedule()
        except redis.RedisError as exc:  # Redis away for a moment: try again next beat
            if not self.lost:
                logger.warning("newsdiffs: lost Redis: %s; trying again every %g s",
                               redis_error_text(exc), HEARTBEAT_SECONDS)
            self.lost = True
        else:
            if self.lost:
                logger.warning("newsdiffs: Redis is back")
            self.lost = False

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.loop = LoopingCall(self.tick)
        self.loop.start(HEARTBEAT_SECONDS, now=True)

    def _finish_all(self) -> None:
        """The engine has nothing in progress: every request this crawler took is done."""
        frontier = _frontier(self.crawler)
        if frontier is None:
            return
        try:
            frontier.finish_all()
        except redis.RedisError as exc:
            logger.warning("newsdiffs: requests not marked done in Redis: %s", exc)

    def spider_idle(self, spider) -> None:
        self._finish_all()
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if self.idle_close and now - self.idle_since >= self.idle_close:
            return
        raise DontCloseSpider

    def spider_closed(self, spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self._finish_all()
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        logger.info("newsdiffs crawler %s (%s): %s", spider.name, reason,
                    crawler_summary(stats, time.monotonic() - self.started))


class DistributedGuard(CrawlGuard):
    """CrawlGuard on a crawler machine: settings checked, but no database, so no lock and no
    ``runs`` row (``newsdiffs ingest`` is the one process that writes the database). A
    crawler whose Redis does not answer is refused in one line and exits with status 1."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DistributedGuard:
        guard = super().from_crawler(crawler)
        problem = _redis_problem(crawler)
        if problem and guard.refusal is None:
            guard.refuse("newsdiffs_redis_unreachable", problem)
        return guard  # type: ignore[return-value]

    def take_over(self) -> None:
        pass

    def spider_closed(self, spider, reason: str) -> None:
        if self.refusal is not None and self.refusal[0] == "newsdiffs_redis_unreachable":
            # Said in one line already; no spider left makes `scrapy crawl` exit with 1.
            self.crawler.spider = None
            return
        super().spider_closed(spider, reason)


class RedisStreamPipeline:
    """Puts each validated, normalised item on the Redis Stream read by ``newsdiffs ingest``
    (in place of the store pipeline); counted as ``newsdiffs/queued`` (``queued_failed``:
    failed checks among them).

    The push happens when Scrapy reports the item scraped, the moment the
    request it came from is known: its last item is pushed in the same Redis
    transaction that finishes the request. An item that cannot be sent is
    logged in one line and counted (``newsdiffs/store_errors``).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisStreamPipeline:
        if not crawler.settings.get("NEWSDIFFS_REDIS_URL"):
            raise NotConfigured
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.item_gone, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_gone, signal=signals.item_error)
        crawler.signals.connect(pipeline.request_dropped, signal=signals.request_dropped)
        return pipeline

    def process_item(self, item):
        return item

    def item_scraped(self, item, response, spider) -> None:
        frontier = _frontier(self.crawler)
        if not isinstance(item, ArticleItem) or frontier is None:
            return
        stats = self.crawler.stats
        try:
            frontier.push_item(item, _field(response))
        except redis.RedisError as exc:
            stats.inc_value("newsdiffs/store_errors")
            logger.error("newsdiffs: check of %s not sent to Redis: %s", item.url, exc)
            return
        stats.inc_value("newsdiffs/queued")
        if item.error:
            stats.inc_value("newsdiffs/queued_failed")

    def item_gone(self, item, response, spider, **kwargs) -> None:
        frontier, field = _frontier(self.crawler), _field(response)
        if frontier is not None and field is not None and isinstance(item, ArticleItem):
            try:
                frontier.item_gone(field)
            except redis.RedisError as exc:
                logger.warning("newsdiffs: request not marked done in Redis: %s", exc)

    def request_dropped(self, request, spider) -> None:
        """A redirect or retry of a held request refused by the duplicate filter: the request
        it continues is done."""
        frontier, field = _frontier(self.crawler), request.meta.get(INFLIGHT)
        if frontier is not None and field is not None:
            try:
                frontier.finish([field])
            except redis.RedisError as exc:
                logger.warning("newsdiffs: request not marked done in Redis: %s", exc)


def run_crawlers(names: list[str], overrides: dict[str, Any], spider_args: dict[str, Any],
                 *, quiet: bool = False) -> tuple[str, list[str]]:
    """``newsdiffs crawl --redis URL``: run the spiders as crawlers of the shared queue in one
    process until stopped (SIGINT/SIGTERM: finish what was taken, then exit) or idle for
    ``NEWSDIFFS_REDIS_IDLE_CLOSE``; their summed summary and the run's problems.

    A stop asked for is the normal end of a crawler that runs until stopped,
    not a problem.
    """
    from newsdiffs.crawl import run_problems, run_process

    crawlers, seconds = run_process(names, overrides, spider_args, quiet=quiet)
    totals: dict[str, int] = {}
    reasons = []
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        reasons.append(stats.get("finish_reason") or "not started")
        for key, value in stats.items():
            if isinstance(value, int) and not isinstance(value, bool):
                totals[key] = totals.get(key, 0) + value
    problems = run_problems(totals, [r for r in reasons if r != "shutdown"])
    if any(c.spider is None for c in crawlers) and not problems:
        problems.append("not started")
    return crawler_summary(totals, seconds), problems
