"""CrawlGuard: a plain ``scrapy crawl`` gets the checks and the lock of ``newsdiffs crawl``.

``newsdiffs crawl`` checks settings, takes the database's lock and records the
run before Scrapy starts (``newsdiffs.crawl``). ``scrapy crawl`` starts Scrapy
directly, so this extension does the same from inside the crawler:

* a bad setting is one ERROR line, the setting goes back to its project value
  so that no component fails on it, and the spider closes before any request
  (reason ``newsdiffs_bad_setting``);
* the lock on the database: if another crawl or ``newsdiffs reextract`` holds
  it, one ERROR line and the spider closes at once (``newsdiffs_locked``); it
  does not wait. Under ``newsdiffs crawl`` (which holds it already, in this
  process) the extension only counts errors;
* the run is recorded in the ``runs`` table;
* checks that could not be stored, errors in spiders or pipelines and a
  refusal make ``scrapy crawl`` exit with status 1.

Every crawler also counts unhandled pipeline errors as ``newsdiffs/item_errors``.
"""

from __future__ import annotations

import logging
import os

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.settings import Settings

from newsdiffs.config import DEFAULT_DB, BadSetting, apply_environment, check_settings
from newsdiffs.crawl import run_counts, run_problems
from newsdiffs.lock import AlreadyLocked, CrawlLock, LockFailed, held_here, lock_path
from newsdiffs.store import Store, StoreError
from newsdiffs.times import now_iso

logger = logging.getLogger(__name__)


def _project_value(name: str):
    """A setting's value in the project settings (newsdiffs.settings over Scrapy's defaults)."""
    settings = Settings()
    settings.setmodule("newsdiffs.settings", priority="project")
    apply_environment(settings)
    return settings.get(name)


def settings_problem(crawler: Crawler) -> str | None:
    """Check the crawler's settings; put bad ones back to the project's value; the message."""
    first = None
    spider = getattr(crawler.spidercls, "name", None)
    for _ in range(20):  # one bad setting per round
        try:
            check_settings(crawler.settings, [spider] if spider else [])
            return first
        except BadSetting as exc:
            first = first or str(exc)
            if not exc.name:
                return first
            crawler.settings.set(exc.name, _project_value(exc.name), priority="cmdline")
    return first


class CrawlGuard:
    """Checks before the crawl, the database lock for ``scrapy crawl``, and its exit status."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        #: (close reason, message) when the spider must not run.
        self.refusal: tuple[str, str] | None = None
        self.lock: CrawlLock | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlGuard:
        problem = settings_problem(crawler)
        guard = cls(crawler, str(crawler.settings.get("NEWSDIFFS_DB") or DEFAULT_DB))
        crawler.signals.connect(guard.item_error, signal=signals.item_error)
        crawler.signals.connect(guard.spider_opened, signal=signals.spider_opened)
        if problem:
            guard.refuse("newsdiffs_bad_setting", problem)
        elif not held_here(lock_path(guard.db_path)):
            guard.take_over()
        return guard

    def refuse(self, reason: str, message: str) -> None:
        logger.error("newsdiffs: %s", message)
        self.refusal = (reason, message)

    def take_over(self) -> None:
        """Run as ``newsdiffs crawl`` would: hold the lock, record the run."""
        lock = CrawlLock(lock_path(self.db_path))
        try:
            lock.acquire()
        except AlreadyLocked as exc:
            self.refuse("newsdiffs_locked",
                        f"another crawl of {self.db_path} is running ({exc}); not starting")
            return
        except LockFailed as exc:
            self.refuse("newsdiffs_store_error", str(exc))
            return
        self.lock = lock
        try:
            with Store(self.db_path) as store:
                self.run_id = store.start_run(started=now_iso(), command="scrapy crawl",
                                              spiders=[self.crawler.spidercls.name],
                                              pid=os.getpid())
        except StoreError as exc:
            self.refuse("newsdiffs_store_error", str(exc))

    def item_error(self, item, response, spider, failure) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newsdiffs/item_errors")

    def spider_opened(self, spider) -> None:
        # Connected now, after every other component, so that it runs last on close.
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        if self.refusal:
            raise CloseSpider(self.refusal[0])

    def spider_closed(self, spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        problems = run_problems(stats, [reason])
        if self.lock is None and self.refusal is None:
            return  # under newsdiffs crawl, which judges the run itself
        if self.run_id is not None:
            totals = {k.removeprefix("newsdiffs/"): v for k, v in stats.items()
                      if k.startswith("newsdiffs/") and isinstance(v, int)}
            totals["spider_errors"] = stats.get("spider_exceptions/count", 0)
            try:
                with Store(self.db_path) as store:
                    store.finish_run(self.run_id, finished=now_iso(), counts=run_counts(totals),
                                     exit_status=1 if problems else 0,
                                     summary=", ".join(problems) or "ok")
            except StoreError as exc:
                logger.error("newsdiffs: %s", exc)
                problems.append("run not recorded")
        if self.lock is not None:
            self.lock.release()
            self.lock = None
        if problems:
            logger.error("newsdiffs: the crawl failed: %s", ", ".join(problems))
            # `scrapy crawl` exits 1 only when a crawler ends without a spider
            # ("bootstrap failed"); this handler runs last, after every use of it.
            self.crawler.spider = None
