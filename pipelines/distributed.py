"""The Scrapy side of distributed mode (``-s NEWSDIFFS_REDIS_URL=redis://host:6379/0``).

With that setting :class:`DistributedAddon` (listed in ``ADDONS``) switches a
crawler to scrapy-redis' scheduler and duplicate filter over one shared
request queue per spider (requests stored as JSON, ``pipelines.redis_json``),
replaces the store pipeline with :class:`RedisStreamPipeline` (each validated,
normalised item goes onto a Redis Stream for ``newsdiffs ingest``), keeps the
crawler alive between rounds and puts back the work of crawlers that died
(:class:`SharedQueueWorker`). Without it nothing changes. The plain Redis
logic (keys, claims, rounds, ingest) is ``newsdiffs.distributed``.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings
from scrapy_redis.queue import PriorityQueue
from twisted.internet.task import LoopingCall

from newsdiffs.distributed import POP_SCRIPT, Keys
from newsdiffs.items import ArticleItem
from spiders.extensions import CrawlGuard

logger = logging.getLogger(__name__)

#: Request meta: the crawler's in-flight entry of a request taken from the shared queue.
INFLIGHT = "newsdiffs_inflight"
#: Seconds between two heartbeats of a crawler (its ``alive`` key lasts ten).
HEARTBEAT_SECONDS = 2.0


def _prefix(settings: BaseSettings) -> str:
    return settings.get("NEWSDIFFS_REDIS_PREFIX") or "newsdiffs"


class DistributedAddon:
    """Turns a crawler into a distributed one when ``NEWSDIFFS_REDIS_URL`` is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("NEWSDIFFS_REDIS_URL")
        if not url:
            return
        keys = Keys(_prefix(settings))
        for name, value in {
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            # The queue is shared: a crawler that stops must not empty it.
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_QUEUE_CLASS": "pipelines.distributed.InflightQueue",
            "SCHEDULER_SERIALIZER": "pipelines.redis_json",
            "SCHEDULER_QUEUE_KEY": keys.requests("%(spider)s"),
            "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter("%(spider)s"),
            "REDIS_URL": url,
        }.items():
            settings.set(name, value, priority=max(settings.getpriority(name) or 0, 20))
        _replace(settings, "ITEM_PIPELINES", "pipelines.store.StorePipeline",
                 "pipelines.distributed.RedisStreamPipeline")
        _replace(settings, "EXTENSIONS", "spiders.extensions.CrawlGuard",
                 "pipelines.distributed.DistributedGuard")
        _replace(settings, "EXTENSIONS", None, "pipelines.distributed.SharedQueueWorker", 0)


def _replace(settings: BaseSettings, name: str, old: str | None, new: str,
             order: int | None = None) -> None:
    components = dict(settings.getdict(name))
    position = components.pop(old, None) if old else None
    components[new] = order if order is not None else position
    settings.set(name, components, priority=settings.getpriority(name) or 20)


class InflightQueue(PriorityQueue):
    """scrapy-redis' priority queue, but a request taken is noted in this crawler's in-flight
    hash in the same step (``newsdiffs.distributed.POP_SCRIPT``), so that a crawler killed
    while it downloads or processes a request loses nothing."""

    def __init__(self, server, spider, key, serializer=None) -> None:
        super().__init__(server, spider, key, serializer)
        frontier = spider.frontier
        self.inflight_key = Keys(_prefix(spider.crawler.settings)).inflight(
            spider.name, frontier.crawler)
        self._take = server.register_script(POP_SCRIPT)
        #: In-flight entries this process holds.
        self.taken: set[str] = set()

    def push(self, request) -> None:
        # A redirect or retry of a request we hold: queued as a new request; the one
        # we hold is released once the engine is done with it (release()).
        request.meta.pop(INFLIGHT, None)
        super().push(request)

    def pop(self, timeout=0):
        got = self._take(keys=[self.key, self.inflight_key])
        if not got:
            return None
        field, data = got[0].decode(), got[1]
        request = self._decode_request(data)
        request.meta[INFLIGHT] = field
        self.taken.add(field)
        return request

    def release(self, live: set[str]) -> int:
        """Drop the in-flight entries of requests the engine is done with (how many)."""
        done = [f for f in self.taken if f not in live]
        if done:
            self.server.hdel(self.inflight_key, *done)
            self.taken.difference_update(done)
        return len(done)


class SharedQueueWorker:
    """Keeps a distributed crawler going: heartbeat, recovery of dead crawlers' requests,
    release of finished requests, and no closing while the queue may get work.

    ``NEWSDIFFS_REDIS_IDLE_CLOSE`` (seconds, default 0 = never): close after
    being idle that long (a per-run crawler, e.g. started by Scrapyd).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.idle_close = crawler.settings.getfloat("NEWSDIFFS_REDIS_IDLE_CLOSE", 0)
        self.idle_since: float | None = None
        self.loop: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedQueueWorker:
        if not crawler.settings.get("NEWSDIFFS_REDIS_URL"):
            raise NotConfigured
        worker = cls(crawler)
        crawler.signals.connect(worker.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(worker.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(worker.spider_closed, signal=signals.spider_closed)
        return worker

    def _queue(self) -> InflightQueue | None:
        slot = getattr(self.crawler.engine, "_slot", None)
        queue = getattr(getattr(slot, "scheduler", None), "queue", None)
        return queue if isinstance(queue, InflightQueue) else None

    def release(self) -> None:
        queue = self._queue()
        slot = getattr(self.crawler.engine, "_slot", None)
        if queue is None or slot is None:
            return
        live = {r.meta.get(INFLIGHT) for r in slot.inprogress}
        queue.release({f for f in live if f})

    def tick(self) -> None:
        try:
            spider = self.crawler.spider
            recovered = spider.frontier.heartbeat()
            if recovered:
                self.crawler.stats.inc_value("newsdiffs/recovered", recovered)
            self.release()
            queue = self._queue()
            if queue is not None and len(queue):
                self.idle_since = None
                self.crawler.engine._slot.nextcall.schedule()  # take work without waiting 5 s
        except Exception as exc:  # Redis away for a moment: try again next beat
            logger.warning("newsdiffs: heartbeat failed: %s", exc)

    def spider_opened(self, spider) -> None:
        self.loop = LoopingCall(self.tick)
        self.loop.start(HEARTBEAT_SECONDS, now=True)

    def spider_idle(self, spider) -> None:
        self.release()
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if self.idle_close and now - self.idle_since >= self.idle_close:
            return
        raise DontCloseSpider

    def spider_closed(self, spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.release()


class DistributedGuard(CrawlGuard):
    """CrawlGuard on a crawler machine: settings checked, but no database, so no lock and no
    ``runs`` row (``newsdiffs ingest`` is the one process that writes the database)."""

    def take_over(self) -> None:
        pass


class RedisStreamPipeline:
    """Puts each validated, normalised item on the Redis Stream read by ``newsdiffs ingest``
    (in place of the store pipeline); counted as ``newsdiffs/queued``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisStreamPipeline:
        if not crawler.settings.get("NEWSDIFFS_REDIS_URL"):
            raise NotConfigured
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, ArticleItem):
            return item
        self.crawler.spider.frontier.push_item(item)
        self.crawler.stats.inc_value("newsdiffs/queued")
        return item
