"""Running spiders from Python (the ``newsdiffs crawl`` command's engine).

This is the one place outside ``spiders/`` and ``pipelines/`` that imports
Scrapy, and it does so only when a crawl is run.

A run for cron: every enabled spider in one process, under a lock next to the
database (a second, overlapping run gives up at once), logging to a rotating
file or to stderr, ending with a one-line summary. Settings, the log file, the
lock and the database are checked before Scrapy starts; each run is recorded
in the ``runs`` table, and one with store errors, unhandled errors or an early
stop exits non-zero.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import apply_environment, check_settings, log_level
from .lock import AlreadyLocked, CrawlLock, LockFailed, lock_path
from .store import Store, StoreError
from .times import now_iso

logger = logging.getLogger(__name__)

OUTCOME_KEYS = ("new", "changed", "unchanged", "failed", "pending")


class CrawlBusy(Exception):
    """Another crawl of the same database is running."""


class UnknownSpider(LookupError):
    """A spider name that is not a spider of the project."""


def project_settings(overrides: dict[str, Any] | None = None):
    """Scrapy settings of the project, wherever the command is run from: the project
    values, then the environment (:func:`~newsdiffs.config.apply_environment`), then the
    ``overrides`` (as ``-s NAME=VALUE``)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsdiffs.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    apply_environment(settings)
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
            raise UnknownSpider(f"unknown spider {name!r} (known: {', '.join(known)})")
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


#: Finish reasons of a spider that ended as asked (a CLOSESPIDER_* limit counts as asked).
OK_REASONS = ("finished",)


def run_problems(stats: dict[str, Any], reasons: list[str] | tuple[str, ...] = ()) -> list[str]:
    """What went wrong in a run, from its summed stats and its spiders' finish reasons.

    Failed checks (pages that could not be read) are normal outcomes and are
    not problems; checks that could not be stored, unhandled errors in spiders
    or pipelines, and spiders stopped early (a signal, a refusal) are.
    """
    problems = []
    for key, label in (("newsdiffs/store_errors", "store errors"),
                       ("spider_exceptions/count", "spider errors"),
                       ("newsdiffs/item_errors", "pipeline errors")):
        if stats.get(key):
            problems.append(f"{label} {stats[key]}")
    stopped = sorted({r for r in reasons if r and r not in OK_REASONS
                      and not r.startswith("closespider_")})
    if stopped:
        problems.append(f"stopped: {', '.join(stopped)}")
    return problems


def run_counts(totals: dict[str, int]) -> dict[str, int]:
    """The counts a ``runs`` row keeps, from the summed ``newsdiffs/`` stats."""
    counts = {k: totals.get(k, 0) for k in OUTCOME_KEYS}
    counts["checked"] = sum(counts.values())
    counts["store_errors"] = totals.get("store_errors", 0)
    counts["errors"] = totals.get("spider_errors", 0) + totals.get("item_errors", 0)
    return counts


def summary_line(totals: dict[str, int], seconds: float, problems: list[str] | None = None) -> str:
    """The one-line summary of a run (problems, when there are any, before the time).

    Texts held for confirmation, and held texts confirmed or rejected, are
    shown only when there were any (README "Confirmation rule").
    """
    checked = sum(totals.get(k, 0) for k in OUTCOME_KEYS)
    trouble = "".join(f", {p}" for p in problems or ())
    held = ""
    if any(totals.get(k) for k in ("pending", "confirmed", "rejected")):
        held = (f"pending {totals.get('pending', 0)} (confirmed {totals.get('confirmed', 0)}, "
                f"rejected {totals.get('rejected', 0)}), ")
    return (
        f"checked {checked}, changed {totals.get('changed', 0)}, new {totals.get('new', 0)}, "
        f"unchanged {totals.get('unchanged', 0)} (not modified {totals.get('not_modified', 0)}), "
        f"{held}"
        f"failed {totals.get('failed', 0)} (gone {totals.get('gone', 0)}){trouble} "
        f"in {seconds:.1f}s"
    )


@dataclass(frozen=True)
class RunResult:
    """How a run ended: its summary line, its problems (none: success) and its counts."""

    summary: str
    problems: list[str]
    counts: dict[str, int]

    @property
    def exit_status(self) -> int:
        return 1 if self.problems else 0


class CrawlSetupError(Exception):
    """The run cannot start: the database, the lock file or the log file is unusable."""


def checked_settings(names: list[str], overrides: dict[str, Any] | None):
    """Project settings with the overrides, checked, and the spiders to run.

    Raises :class:`~newsdiffs.config.BadSetting` or :class:`UnknownSpider`.
    """
    settings = project_settings(overrides)
    check_settings(settings)
    chosen = chosen_spiders(names, settings)
    check_settings(settings, chosen)
    return settings, chosen


def run_process(names: list[str], overrides: dict[str, Any] | None = None,
                spider_args: dict[str, Any] | None = None, *, log_to_stderr: bool = True,
                quiet: bool = False) -> tuple[list, float]:
    """Run the named spiders (all enabled when empty) in one Scrapy process until they
    finish: their crawlers (with their stats) and the seconds taken.

    ``log_to_stderr=False`` leaves logging to handlers the caller installed;
    ``quiet`` logs only errors to stderr.
    """
    from scrapy.crawler import CrawlerProcess

    settings, chosen = checked_settings(names, overrides)
    settings.set("LOG_INSTALL_ROOT_HANDLER", log_to_stderr, priority="cmdline")
    if quiet and log_to_stderr:
        settings.set("LOG_LEVEL", "ERROR", priority="cmdline")
    started = time.monotonic()
    process = CrawlerProcess(settings)
    crawlers = []
    for name in chosen:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        process.crawl(crawler, **(spider_args or {}))
    process.start()
    return crawlers, time.monotonic() - started


def run_spiders(names: list[str], overrides: dict[str, Any] | None = None,
                spider_args: dict[str, Any] | None = None, *, log_to_stderr: bool = True,
                quiet: bool = False) -> RunResult:
    """Run the named spiders (all enabled when empty) in one process.

    ``log_to_stderr=False`` leaves logging to handlers the caller installed;
    ``quiet`` logs only errors to stderr.
    """
    crawlers, seconds = run_process(names, overrides, spider_args, log_to_stderr=log_to_stderr,
                                    quiet=quiet)
    totals: dict[str, int] = {}
    stats: dict[str, Any] = {}
    reasons = []
    for crawler in crawlers:
        one = crawler.stats.get_stats() if crawler.stats else {}
        reasons.append(one.get("finish_reason") or "not started")
        for key, value in one.items():
            if (key.startswith("newsdiffs/") or key == "spider_exceptions/count") and isinstance(
                    value, int):
                stats[key] = stats.get(key, 0) + value
    for key, value in stats.items():
        totals[key.removeprefix("newsdiffs/")] = value
    totals["spider_errors"] = stats.get("spider_exceptions/count", 0)
    problems = run_problems(stats, reasons)
    result = RunResult(summary_line(totals, seconds, problems), problems, run_counts(totals))
    (logger.error if problems else logger.info)("newsdiffs crawl: %s", result.summary)
    return result


def _open_run(db_path: str | Path, chosen: list[str]) -> int:
    """Open (create, upgrade) the database, check that it takes writes; the new run's id."""
    try:
        with Store(db_path) as store:
            return store.start_run(started=now_iso(), command="newsdiffs crawl",
                                   spiders=chosen, pid=os.getpid())
    except StoreError as exc:
        raise CrawlSetupError(str(exc)) from None


def _close_run(db_path: str | Path, run_id: int, result: RunResult) -> RunResult:
    """Record how the run ended; a run that cannot be recorded is a failed run."""
    try:
        with Store(db_path) as store:
            store.finish_run(run_id, finished=now_iso(), counts=result.counts,
                             exit_status=result.exit_status, summary=result.summary)
    except StoreError as exc:
        logger.error("newsdiffs crawl: %s", exc)
        return RunResult(f"{result.summary} (not recorded: {exc})",
                         [*result.problems, "run not recorded"], result.counts)
    return result


def locked_run(db_path: str | Path, names: list[str], overrides: dict[str, Any] | None = None,
               spider_args: dict[str, Any] | None = None, *, log_file: str | Path | None = None,
               log_max_bytes: int = 5_000_000, log_backups: int = 5,
               quiet: bool = False) -> RunResult:
    """:func:`run_spiders` holding the database's lock, recorded in the ``runs`` table.

    Everything that can be checked is checked before Scrapy starts: the
    settings (:class:`~newsdiffs.config.BadSetting`, :class:`UnknownSpider`), the log file, the lock (:class:`CrawlBusy` if another run
    has it) and the database, which must open, have a schema this version
    knows and take a write (:class:`CrawlSetupError`). ``log_file``: log there
    (rotated) instead of to stderr.
    """
    settings, chosen = checked_settings(names, overrides)
    handler = None
    if log_file:
        try:
            handler = log_to_file(log_file, log_level(settings), log_max_bytes, log_backups,
                                  settings.get("LOG_FORMAT"))
        except OSError as exc:
            raise CrawlSetupError(f"cannot write the log file {log_file}: "
                                  f"{exc.strerror or exc}") from None
    lock = CrawlLock(lock_path(db_path))
    try:
        try:
            lock.acquire()
        except AlreadyLocked as exc:
            message = f"another crawl of {db_path} is running ({exc}); not starting"
            if handler:
                logger.warning(message)
            raise CrawlBusy(message) from None
        except LockFailed as exc:
            raise CrawlSetupError(str(exc)) from None
        try:
            run_id = _open_run(db_path, chosen)
            result = run_spiders(names, overrides, spider_args, log_to_stderr=handler is None,
                                 quiet=quiet)
            return _close_run(db_path, run_id, result)
        finally:
            lock.release()
    finally:
        if handler:
            logging.getLogger().removeHandler(handler)
            handler.close()
