"""The ``newsdiffs`` command line: read the history of tracked articles, run crawls.

Only this module turns domain errors into friendly one-line messages.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from .config import DEFAULT_DB
from .diff import compare_versions
from .export import BadSince, json_text, since_to_iso
from .render import later, summary, version_page
from .store import Store, StoreError
from .text_diff import TERMINAL_CONTROL as _TERMINAL_CONTROL
from .text_diff import text_diff, visible
from .times import UTC, shown
from .urls import lookup_keys

#: The largest --limit, --page-size ... (far beyond any database, far below SQLite's limit).
MAX_COUNT = 1_000_000_000
COUNT = click.IntRange(1, MAX_COUNT)


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for anything holding stored text: no raw control character is printed.

    Every reading command prints through this (stored pages may carry escape
    sequences from before ``clean_text`` dropped them).
    """
    click.echo(visible(text), err=err, nl=nl)


class ArticleUrl(click.ParamType):
    """A URL argument: any variant of a tracked article's URL, but one that parses."""

    name = "url"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        text = str(value).strip()
        if not text:
            self.fail("give the URL of a tracked article", param, ctx)
        if _TERMINAL_CONTROL.search(text):
            self.fail(f"{shown(text)} is not a valid URL (it holds control characters)",
                      param, ctx)
        try:
            urlsplit(text).port  # noqa: B018 - raises ValueError for a bad host or port
        except ValueError as exc:
            self.fail(f"{shown(text)} is not a valid URL ({exc})", param, ctx)
        return text


class VersionNumber(click.ParamType):
    """A version number: a whole number from 1 (whether it exists is checked later)."""

    name = "version"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        number = click.INT.convert(value, param, ctx)
        if number < 1:
            self.fail(f"{number}: version numbers start at 1", param, ctx)
        return number


URL = ArticleUrl()
VERSION = VersionNumber()

DB_OPTION = click.option(
    "--db",
    "db_path",
    envvar="NEWSDIFFS_DB",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database (env NEWSDIFFS_DB).",
)


def open_store(db_path: str, create: bool = False, write: bool = False) -> Store:
    """Open the database or fail with a one-line error.

    Read-only unless ``write`` (or ``create``): a reading command never
    creates, upgrades or changes a database.
    """
    try:
        return Store(db_path, create=create, readonly=not (write or create))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def find_article(store: Store, url: str) -> dict:
    """The article for a URL as typed (any variant: http/https, tracking parameters, a
    trailing slash, the mobile / AMP / edition host of a known site ...)."""
    row = None
    try:
        for key in lookup_keys(url):
            row = store.article(key)
            if row is not None:
                break
    except ValueError:  # URL arguments are checked by ArticleUrl; this is a second guard
        row = None
    if row is None:
        raise click.ClickException(f"no tracked article with URL {visible(url)}")
    return row


def get_version(store: Store, article: dict, number: int) -> dict:
    """One version of the article, or a one-line error (never a query with a huge number)."""
    count = article["version_count"] or 0
    missing = click.ClickException(
        f"no version {number}: the article has versions 1 to {count}" if count
        else f"no version {number}: the article has no stored version yet")
    if not 1 <= number <= count:
        raise missing
    try:
        return store.version(article["id"], number)
    except StoreError:
        raise missing from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsdiffs")
def cli() -> None:
    """Track how news articles change after publication."""


@cli.command()
@DB_OPTION
@click.argument("url", type=URL)
def history(db_path: str, url: str) -> None:
    """List the versions of an article with times and characters added/removed.

    Example: newsdiffs history https://www.bbc.co.uk/news/articles/c0abc123
    """
    with open_store(db_path) as store:
        article = find_article(store, url)
        versions = store.versions(article["id"])
        echo(f"{article['title']}\n{article['url']}")
        echo(
            f"source {article['source']}, first seen {article['first_seen']}, "
            f"{article['check_count']} checks, {article['version_count']} versions, "
            f"status {article['status']}"
        )
        previous = None
        for v in versions:
            gap = f" ({later(previous, v['fetched_at'])})" if previous is not None else ""
            repeat = f"  repeats version {v['repeats_version']}" if v["repeats_version"] else ""
            if v.get("kind") == "reextract":
                repeat += "  re-extracted (not an edit)"
            echo(
                f"  version {v['version']:>3}  {v['fetched_at']}  "
                f"+{v['chars_added']:<6} -{v['chars_removed']:<6} {v['title']}{gap}{repeat}"
            )
            previous = v["fetched_at"]
        held = store.pending_version(article["id"])
        if held:
            echo(f"  pending      {held['first_seen']}  not stored until the next check "
                 f"confirms it ({held['reason']}): {held['title']}")


@cli.command()
@DB_OPTION
@click.argument("url", type=URL)
@click.option("--version", "-v", "number", type=VERSION, help="Version number (default: latest).")
def show(db_path: str, url: str, number: int | None) -> None:
    """Print one version of an article as stored.

    Example: newsdiffs show URL --version 2
    """
    with open_store(db_path) as store:
        article = find_article(store, url)
        if number is None:
            number = article["version_count"]
            if not number:
                raise click.ClickException("the article has no stored version yet")
        v = get_version(store, article, number)
        echo(f"{v['title']}")
        if v["byline"]:
            echo(f"By {v['byline']}")
        echo(f"Version {v['version']}, fetched {v['fetched_at']}")
        if v["published"]:
            echo(f"Published {v['published']}")
        echo("")
        echo(v["body"])


@cli.command()
@DB_OPTION
@click.argument("url", type=URL)
@click.argument("a", type=VERSION, required=False)
@click.argument("b", type=VERSION, required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "html", "json"]), default="text",
              show_default=True, help="text for people, html for a side-by-side page, json for programs.")
def diff(db_path: str, url: str, a: int | None, b: int | None, fmt: str) -> None:
    """Diff two versions of an article (default: the last two).

    Paragraphs are aligned first, then changed words are marked: in text,
    deleted words show as [-word-] and inserted as {+word+} (coloured on a
    terminal); html is the two-column version page; json holds the aligned
    rows and their word ops.

    Example: newsdiffs diff URL 1 3 --format html > diff.html
    """
    with open_store(db_path) as store:
        article = find_article(store, url)
        count = article["version_count"]
        if a is None:
            if count < 2:
                raise click.ClickException(f"the article has {count} version(s): nothing to diff")
            a, b = count - 1, count
        elif b is None:
            if a == count:
                raise click.ClickException(f"version {a} is the latest: nothing after it to diff")
            b = a + 1
        old, new = get_version(store, article, a), get_version(store, article, b)
    result = compare_versions(old, new)
    if fmt == "html":
        echo(version_page(article, new, old, diff=result), nl=False)
    elif fmt == "json":
        data = {"article": {k: article[k] for k in ("url", "source", "title", "first_seen",
                                                    "status", "version_count")},
                "old": {k: old[k] for k in ("version", "fetched_at")},
                "new": {k: new[k] for k in ("version", "fetched_at")},
                "summary": summary(result), **result.to_dict()}
        click.echo(json_text(data, indent=1))
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        click.echo(text_diff(old, new, color, result), nl=False)


class BadValue(click.ClickException):
    """A bad option or setting value: one ``Error:`` line and exit status 2 (as for usage)."""

    exit_code = 2


SINCE_HELP = "Only rows from this far back: 30m, 12h, 1d, 2w, or an ISO date/time."


def since_option(help: str = SINCE_HELP) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The ``--since WHEN`` option of every command that has one (read by :func:`since_iso`)."""
    return click.option("--since", metavar="WHEN", help=help)


def since_iso(value: str | None) -> str | None:
    """A ``--since`` value (a bounded duration or a date/time) as a stored timestamp;
    a bad one is a usage error (:class:`BadValue`, exit status 2)."""
    if value is None:
        return None
    try:
        return since_to_iso(value, datetime.now(UTC))
    except BadSince as exc:
        raise BadValue(str(exc)) from None


def _pairs(values: tuple[str, ...], hint: str) -> dict[str, str]:
    pairs = {}
    for pair in values:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint=hint)
        pairs[name] = value
    return pairs


def resolved_settings(overrides: tuple[str, ...], hint: str = "--set"):
    """The project settings with ``-s NAME=VALUE`` overrides (and the environment), checked
    as for a crawl: a bad value is a usage error (:class:`BadValue`, exit status 2)."""
    from .config import BadSetting, check_settings
    from .crawl import project_settings

    settings = project_settings(_pairs(overrides, hint))
    try:
        check_settings(settings)
    except BadSetting as exc:
        raise BadValue(str(exc)) from None
    return settings


@cli.command()
@DB_OPTION
@click.argument("spiders", nargs=-1)
@click.option("--set", "-s", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting (repeatable).")
@click.option("--arg", "-a", "arguments", multiple=True, metavar="NAME=VALUE",
              help="Spider argument, as with scrapy crawl -a (repeatable).")
@click.option("--all", "recheck_finished", is_flag=True,
              help="Also re-check finished articles (up to the per-run cap).")
@click.option("--log", "log_file", type=click.Path(dir_okay=False), envvar="NEWSDIFFS_LOG",
              help="Log to this file, rotated (default: stderr; env NEWSDIFFS_LOG).")
@click.option("--log-max-bytes", default=5_000_000, show_default=True,
              help="Rotate the log file at this size.")
@click.option("--log-backups", default=5, show_default=True, help="Rotated log files kept.")
@click.option("--quiet", "-q", is_flag=True,
              help="Print errors only (the summary is still logged to --log).")
@click.option("--notify", "then_notify", is_flag=True,
              help="After a successful crawl, run `newsdiffs notify` (rules from env "
                   "NEWSDIFFS_NOTIFY, default notify.toml).")
@click.option("--archive", "then_archive", is_flag=True, envvar="NEWSDIFFS_ARCHIVE",
              help="After a successful crawl, run `newsdiffs archive` (Wayback Machine "
                   "captures; env NEWSDIFFS_ARCHIVE=1).")
@click.option("--redis", "redis_url", metavar="URL",
              help="Crawl as one of many machines: take work from this Redis (filled by "
                   "`newsdiffs dispatch`), send items to `newsdiffs ingest`; no database "
                   "here. Runs until stopped (README \"Running on many machines\").")
def crawl(db_path: str, spiders: tuple[str, ...], overrides: tuple[str, ...],
          arguments: tuple[str, ...], recheck_finished: bool, log_file: str | None,
          log_max_bytes: int, log_backups: int, quiet: bool, then_notify: bool = False,
          then_archive: bool = False, redis_url: str | None = None) -> None:
    """Run spiders (default: every enabled one) in one process, writing to the database.

    Articles due a re-check come first, then new ones from the feeds. A lock
    next to the database (DB.lock) keeps runs from overlapping: a second run
    exits at once (status 0) with a one-line message. Made for cron.

    Exit status: 0 when every check was stored (pages that could not be read
    are failed checks, a normal outcome); 1 when checks could not be stored,
    a spider or pipeline raised, the run was stopped, or the database, lock
    or log file is unusable; 2 for a bad option or setting. Each run is
    recorded in the runs table, and `newsdiffs status` warns about failed ones.

    Example: newsdiffs crawl --log crawl.log
    """
    from .config import BadSetting
    from .crawl import CrawlBusy, CrawlSetupError, UnknownSpider, locked_run
    from .urls import SpiderArgError, validate_spider_args

    settings = _pairs(overrides, "--set")
    settings["NEWSDIFFS_DB"] = str(Path(db_path))
    if recheck_finished:
        settings["NEWSDIFFS_RECHECK_FINISHED"] = "True"
    spider_args = _pairs(arguments, "--arg")
    try:  # -a url=, urls=, feeds= are checked before Scrapy starts
        validate_spider_args(spider_args)
    except SpiderArgError as exc:
        raise BadValue(str(exc)) from None
    if redis_url:
        from .cli_distributed import distributed_crawl

        distributed_crawl(redis_url, list(spiders), settings, spider_args, quiet)
        return
    try:
        result = locked_run(db_path, list(spiders), settings, spider_args,
                            log_file=log_file, log_max_bytes=log_max_bytes,
                            log_backups=log_backups, quiet=quiet)
    except CrawlBusy as exc:
        if not quiet:
            click.echo(str(exc))
        return
    except BadSetting as exc:
        raise BadValue(str(exc)) from None
    except UnknownSpider as exc:
        raise BadValue(str(exc)) from None
    except CrawlSetupError as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet:
        click.echo(result.summary)
    if result.problems:
        click.echo(f"Error: the crawl failed: {', '.join(result.problems)}", err=True)
        click.get_current_context().exit(1)
    if then_notify:
        from .cli_notify import notify_after_crawl

        notify_after_crawl(db_path, quiet)
    if then_archive:
        from .cli_archive import run_archive, settings_from_env

        run_archive(db_path, settings_from_env(), quiet=quiet)


@cli.command()
@DB_OPTION
def migrate(db_path: str) -> None:
    """Create the database, or upgrade it to this version's schema (crawl does it too).

    Commands that only read never change the database: after an upgrade of
    newsdiffs they ask for this (or a crawl) first.

    Example: newsdiffs migrate --db newsdiffs.db
    """
    with open_store(db_path, create=True, write=True) as store:
        click.echo(f"{store.path}: schema up to date")


# Command groups kept in their own modules register themselves on ``cli``.
from . import (  # noqa: E402,F401
    cli_archive,
    cli_distributed,
    cli_notify,
    cli_ops,
    cli_read,
    cli_sources,
)


def main() -> None:
    cli(prog_name="newsdiffs")

