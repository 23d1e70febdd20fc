"""CLI commands of distributed mode: ``newsdiffs dispatch`` and ``newsdiffs ingest``.

See ``newsdiffs.distributed`` and README "Running on many machines".
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import click

from .cli import DB_OPTION, BadValue, _pairs, cli
from .config import DEFAULT_KEEP_HTML, DEFAULT_REDIS_PREFIX
from .store import StoreError
from .times import from_iso, now_iso, to_iso

REDIS_OPTION = click.option(
    "--redis", "redis_url", envvar="NEWSDIFFS_REDIS_URL", required=True, metavar="URL",
    help="Redis of the deployment, e.g. redis://host:6379/0 (env NEWSDIFFS_REDIS_URL).")
PREFIX_OPTION = click.option(
    "--prefix", default=DEFAULT_REDIS_PREFIX, show_default=True, envvar="NEWSDIFFS_REDIS_PREFIX",
    help="Prefix of every Redis key (one per deployment sharing a Redis).")


def _client(url: str):
    from .distributed import RedisUnavailable, connect

    try:
        return connect(url)
    except RedisUnavailable as exc:
        raise click.ClickException(str(exc)) from None


def dispatcher_spider(name: str, settings, arguments: dict[str, str]):
    """A spider of the project built as for a crawl, but never run: it makes the requests."""
    from scrapy.crawler import Crawler
    from scrapy.spiderloader import get_spider_loader

    cls = get_spider_loader(settings).load(name)
    crawler = Crawler(cls, settings.copy())
    crawler._apply_settings()
    spider = cls.from_crawler(crawler, **arguments)
    if hasattr(spider, "load_sources"):
        spider.load_sources()
    return spider


def distributed_crawl(redis_url: str, spiders: list[str], settings: dict,
                      spider_args: dict, quiet: bool) -> None:
    """``newsdiffs crawl --redis URL``: the spiders as crawlers of a shared queue (no lock and
    no database on this machine), until stopped (Ctrl-C, SIGTERM: exit status 0) or idle for
    ``NEWSDIFFS_REDIS_IDLE_CLOSE``. Prints what the crawlers did: pages fetched, checks
    queued for ``newsdiffs ingest`` (which prints what it stored)."""
    from pipelines.distributed import run_crawlers

    from .config import BadSetting
    from .crawl import UnknownSpider

    _client(redis_url).close()  # one clear line when Redis cannot be reached
    settings = {**settings, "NEWSDIFFS_REDIS_URL": redis_url}
    try:
        summary, problems = run_crawlers(spiders, settings, spider_args, quiet=quiet)
    except (BadSetting, UnknownSpider) as exc:
        raise BadValue(str(exc)) from None
    if not quiet:
        click.echo(f"crawler: {summary}")
    if problems:
        click.echo(f"Error: the crawl failed: {', '.join(problems)}", err=True)
        click.get_current_context().exit(1)


@cli.command()
@DB_OPTION
@REDIS_OPTION
@PREFIX_OPTION
@click.argument("spiders", nargs=-1)
@click.option("--arg", "-a", "arguments", multiple=True, metavar="NAME=VALUE",
              help="Spider argument, as with scrapy crawl -a (repeatable); give the crawlers "
                   "the same.")
@click.option("--set", "-s", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Scrapy setting (repeatable), e.g. NEWSDIFFS_MAX_DUE_PER_RUN=2000.")
@click.option("--all", "recheck_finished", is_flag=True,
              help="Also re-check finished articles.")
@click.option("--force", is_flag=True,
              help="Start a round although the previous one has work left.")
@click.option("--now", "now", hidden=True, help="Take this ISO time as now (tests).")
def dispatch(db_path: str, redis_url: str, prefix: str, spiders: tuple[str, ...],
             arguments: tuple[str, ...], overrides: tuple[str, ...], recheck_finished: bool,
             force: bool, now: str | None) -> None:
    """Start a round of a distributed crawl: queue due re-checks and feeds in Redis.

    Run from cron on the machine that holds the database. Indexes the tracked
    articles in Redis (crawlers ask it which links are tracked), then puts
    each spider's due re-checks (with ETag/Last-Modified) and its feeds,
    sitemaps and front pages in the spider's shared request queue. Refuses
    (exit status 3) while the previous round has requests queued or in
    progress or items not yet ingested.

    Example: newsdiffs dispatch --redis redis://10.0.0.5:6379/0 --db newsdiffs.db
    """
    import redis
    from scrapy_redis.queue import PriorityQueue

    from pipelines import redis_json

    from .crawl import UnknownSpider, chosen_spiders, project_settings
    from .distributed import (
        DispatchFrontier,
        Keys,
        RoundInProgress,
        index_tracked,
        redis_error_text,
        start_round,
    )
    from .store import Store
    from .urls import SpiderArgError, validate_spider_args

    settings_dict = _pairs(overrides, "--set")
    settings_dict.update(NEWSDIFFS_DB=str(Path(db_path)), TWISTED_REACTOR_ENABLED=False,
                         NEWSDIFFS_REDIS_URL=None, LOG_ENABLED=False,
                         # The spiders are only built: no lock, no runs row, no console.
                         EXTENSIONS={"spiders.extensions.CrawlGuard": None,
                                     "scrapy.extensions.remote_control.RemoteControl": None})
    if recheck_finished:
        settings_dict["NEWSDIFFS_RECHECK_FINISHED"] = True
    spider_args = _pairs(arguments, "--arg")
    try:
        validate_spider_args(spider_args)
    except SpiderArgError as exc:
        raise BadValue(str(exc)) from None
    settings = project_settings(settings_dict)
    try:
        names = chosen_spiders(list(spiders), settings)
    except UnknownSpider as exc:
        raise BadValue(str(exc)) from None
    if now is not None:
        now = to_iso(from_iso(now))
    client = _client(redis_url)
    keys = Keys(prefix)
    try:
        store = Store(db_path)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    with store:
        try:
            result = start_round(client, keys, names, force=force)
        except RoundInProgress as exc:
            click.echo(f"not dispatched: {exc}")
            click.get_current_context().exit(3)
        except redis.RedisError as exc:
            raise click.ClickException(f"lost Redis at {redis_url}: "
                                       f"{redis_error_text(exc)}") from None
        try:
            result.tracked = index_tracked(store, client, keys)
            for name in names:
                spider = dispatcher_spider(name, settings, spider_args)
                spider._frontier = DispatchFrontier(store, client, keys, result.round)
                queue = PriorityQueue(client, spider, keys.requests("%(spider)s"), redis_json)
                count = 0
                for request in spider.round_requests(now or now_iso()):
                    queue.push(request)
                    count += 1
                    result.due += "article_url" in request.meta
                result.requests[name] = count
        except redis.RedisError as exc:
            raise click.ClickException(
                f"lost Redis at {redis_url} in round {result.round}: {redis_error_text(exc)} "
                "(what was queued stays; `newsdiffs dispatch --force` starts a full round)"
            ) from None
    click.echo(f"dispatched {result.summary()}")


@cli.command()
@DB_OPTION
@REDIS_OPTION
@PREFIX_OPTION
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 100_000),
              help="Items stored per transaction.")
@click.option("--consumer", default=None,
              help="Name in the consumer group (default: host name); keep it across restarts.")
@click.option("--until-idle", type=click.FloatRange(0), default=None, metavar="SECONDS",
              help="Exit after this long without items (default: run until stopped).")
@click.option("--set", "-s", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Scrapy setting (repeatable): NEWSDIFFS_SCHEDULE, NEWSDIFFS_KEEP_HTML ...")
@click.option("--quiet", "-q", is_flag=True, help="Print only the final line.")
def ingest(db_path: str, redis_url: str, prefix: str, batch: int, consumer: str | None,
           until_idle: float | None, overrides: tuple[str, ...], quiet: bool) -> None:
    """The single writer of a distributed crawl: store the crawlers' items in the database.

    Reads the Redis Stream of items with a consumer group, stores each item
    with the same compare-and-store code as a local crawl (many items per
    transaction), and acknowledges items only after their transaction
    committed. An item already stored (replayed after a crash) is skipped.
    Holds the database's crawl lock: no local crawl writes at the same time.

    Example: newsdiffs ingest --redis redis://10.0.0.5:6379/0 --db newsdiffs.db
    """
    import redis

    from pipelines.record import RecordPipeline

    from .config import BadSetting, check_settings
    from .crawl import project_settings
    from .distributed import IngestStats, Keys, redis_error_text, wait_for_redis
    from .distributed import ingest as run_ingest
    from .lock import AlreadyLocked, CrawlLock, LockFailed, lock_path
    from .store import Store

    settings = project_settings(_pairs(overrides, "--set"))
    try:
        check_settings(settings, [])
    except BadSetting as exc:
        raise BadValue(str(exc)) from None
    client = _client(redis_url)
    keys = Keys(prefix)
    lock = CrawlLock(lock_path(db_path))
    try:
        lock.acquire()
    except AlreadyLocked as exc:
        raise click.ClickException(f"another crawl or ingest of {db_path} is running ({exc})"
                                   ) from None
    except LockFailed as exc:
        raise click.ClickException(str(exc)) from None
    stopping: list[int] = []

    def stop_soon(signum: int, frame) -> None:
        # Finish the batch in hand, then stop; a second signal stops at once (the batch
        # is then neither stored nor acknowledged, and is read again on the next start).
        stopping.append(signum)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    signal.signal(signal.SIGINT, stop_soon)
    signal.signal(signal.SIGTERM, stop_soon)
    try:
        store = Store(db_path)
    except StoreError as exc:
        lock.release()
        raise click.ClickException(str(exc)) from None
    stats = IngestStats()
    recorder = RecordPipeline(db_path, stats, settings.getdict("NEWSDIFFS_SCHEDULE"),
                             keep_html=settings.getbool("NEWSDIFFS_KEEP_HTML", DEFAULT_KEEP_HTML))
    recorder.store = store
    idle_since = [time.monotonic()]
    last_report = [0.0]

    def stop(_, idle: bool) -> bool:
        if not idle:
            idle_since[0] = time.monotonic()
        return bool(stopping) or (until_idle is not None
                                  and time.monotonic() - idle_since[0] >= until_idle)

    def report(stats) -> None:
        if not quiet and time.monotonic() - last_report[0] >= 5:
            last_report[0] = time.monotonic()
            click.echo(stats.summary())

    try:
        while True:
            try:
                run_ingest(store, client, keys, recorder.store_item,
                           consumer=consumer or socket.gethostname(), batch=batch,
                           stop=stop, report=report, stats=stats)
                break
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                # A Redis restart is waited out: items read and not acknowledged are read
                # again (and skipped if their transaction had committed).
                click.echo(f"lost Redis at {redis_url}: {redis_error_text(exc)}; trying again "
                           "every 5 s", err=True)
                if not wait_for_redis(redis_url, lambda: bool(stopping)):
                    break
                click.echo(f"Redis at {redis_url} is back", err=True)
    except StoreError as exc:
        raise click.ClickException(f"{exc} (the batch was not stored nor acknowledged; "
                                   "it is read again on the next start)") from None
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis at {redis_url}: {redis_error_text(exc)} (items not "
                                   "acknowledged are read again on the next start)") from None
    finally:
        store.close()
        lock.release()
    click.echo(f"{stats.summary()} (pid {os.getpid()}"
               + (", stopped by a signal)" if stopping else ")"))

