"""Running spiders from Python (the ``newsdiffs crawl`` command's engine).

This is the one place outside ``spiders/`` and ``pipelines/`` that imports
Scrapy, and it does so only when a crawl is run.

A run for cron: every enabled spider in one process, under a lock next to the
database (a second, overlapping run gives up at once), logging to a rotating
file or to stderr, ending with a one-line summary.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import time
from pathlib import Path
from typing import Any

from .lock import AlreadyLocked, CrawlLock, lock_path
from .schedule import policy_for

logger = logging.getLogger(__name__)

OUTCOME_KEYS = ("new", "changed", "unchanged", "failed")


class CrawlBusy(Exception):
    """Another crawl of the same database is running."""


def project_settings(overrides: dict[str, Any] | None = None):
    """Scrapy settings of the project, wherever the command is run from."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsdiffs.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def spider_names(settings=None) -> list[str]:
    """Names of every spider in the project."""
    from scrapy.spiderloader import get_spider_loader

    return sorted(get_spider_loader(settings or project_settings()).list())


def chosen_spiders(names: list[str], settings) -> list[str]:
    """The spiders to run: those named, else every spider not in ``NEWSDIFFS_DISABLED_SPIDERS``."""
    known = spider_names(settings)
    for name in names:
        if name not in known:
            raise KeyError(f"unknown spider {name!r} (known: {', '.join(known)})")
    disabled = set(settings.getlist("NEWSDIFFS_DISABLED_SPIDERS"))
    return list(names) or [n for n in known if n not in disabled]


def log_to_file(path: str | Path, level: str = "INFO", max_bytes: int = 5_000_000,
                backups: int = 5, fmt: str | None = None) -> logging.Handler:
    """Send all logging to ``path``, rotated at ``max_bytes`` keeping ``backups`` old files."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    handler.setFormatter(logging.Formatter(fmt or "%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    handler.setLevel(level)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.WARNING, handler.level))
    return handler


def summary_line(totals: dict[str, int], seconds: float) -> str:
    """The one-line summary of a run."""
    checked = sum(totals.get(k, 0) for k in OUTCOME_KEYS)
    return (
        f"checked {checked}, changed {totals.get('changed', 0)}, new {totals.get('new', 0)}, "
        f"unchanged {totals.get('unchanged', 0)} (not modified {totals.get('not_modified', 0)}), "
        f"failed {totals.get('failed', 0)} (gone {totals.get('gone', 0)}) in {seconds:.1f}s"
    )


def run_spiders(names: list[str], overrides: dict[str, Any] | None = None,
                spider_args: dict[str, Any] | None = None, *, log_to_stderr: bool = True) -> str:
    """Run the named spiders (all enabled when empty) in one process; return a one-line summary.

    ``log_to_stderr=False`` leaves logging to handlers the caller installed.
    """
    from scrapy.crawler import CrawlerProcess

    settings = project_settings(overrides)
    chosen = chosen_spiders(names, settings)
    schedule = settings.getdict("NEWSDIFFS_SCHEDULE")
    for name in chosen:
        policy_for(name, schedule)  # a bad schedule stops the run before any fetch
    settings.set("LOG_INSTALL_ROOT_HANDLER", log_to_stderr, priority="cmdline")
    started = time.monotonic()
    process = CrawlerProcess(settings)
    crawlers = []
    for name in chosen:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        process.crawl(crawler, **(spider_args or {}))
    process.start()
    totals: dict[str, int] = {}
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        for key, value in stats.items():
            if key.startswith("newsdiffs/") and isinstance(value, int):
                name = key.removeprefix("newsdiffs/")
                totals[name] = totals.get(name, 0) + value
    summary = summary_line(totals, time.monotonic() - started)
    logger.info("newsdiffs crawl: %s", summary)
    return summary


def locked_run(db_path: str | Path, names: list[str], overrides: dict[str, Any] | None = None,
               spider_args: dict[str, Any] | None = None, *, log_file: str | Path | None = None,
               log_max_bytes: int = 5_000_000, log_backups: int = 5) -> str:
    """:func:`run_spiders` holding the database's lock; :class:`CrawlBusy` if another run has it.

    ``log_file``: log there (rotated) instead of to stderr.
    """
    handler = None
    if log_file:
        settings = project_settings(overrides)
        handler = log_to_file(log_file, settings.get("LOG_LEVEL", "INFO"), log_max_bytes,
                              log_backups, settings.get("LOG_FORMAT"))
    lock = CrawlLock(lock_path(db_path))
    try:
        try:
            lock.acquire()
        except AlreadyLocked as exc:
            message = f"another crawl of {db_path} is running ({exc}); not starting"
            if handler:
                logger.warning(message)
            raise CrawlBusy(message) from None
        try:
            return run_spiders(names, overrides, spider_args, log_to_stderr=handler is None)
        finally:
            lock.release()
    finally:
        if handler:
            logging.getLogger().removeHandler(handler)
            handler.close()
