"""The ``newsdiffs`` command line: read the history of tracked articles, run crawls.

Only this module turns domain errors into friendly one-line messages.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .diff import SEPARATOR, Row, VersionDiff, WordOp, compare_versions
from .render import later, summary, version_page
from .store import Store, StoreError
from .times import from_iso, in_words
from .urls import canonicalize

DB_OPTION = click.option(
    "--db",
    "db_path",
    envvar="NEWSDIFFS_DB",
    default="newsdiffs.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database (env NEWSDIFFS_DB).",
)


def open_store(db_path: str, create: bool = False) -> Store:
    """Open the database or fail with a one-line error."""
    try:
        return Store(db_path, create=create)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def find_article(store: Store, url: str) -> dict:
    """The article for a URL as typed (any variant: http/https, tracking parameters ...)."""
    row = store.article(url) or store.article(canonicalize(url))
    if row is None:
        raise click.ClickException(f"no tracked article with URL {url}")
    return row


def get_version(store: Store, article: dict, number: int) -> dict:
    try:
        return store.version(article["id"], number)
    except StoreError:
        raise click.ClickException(
            f"no version {number}: the article has versions 1 to {article['version_count']}"
        ) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsdiffs")
def cli() -> None:
    """Track how news articles change after publication."""


@cli.command()
@DB_OPTION
@click.argument("url")
def history(db_path: str, url: str) -> None:
    """List the versions of an article with times and characters added/removed.

    Example: newsdiffs history https://www.bbc.co.uk/news/articles/c0abc123
    """
    with open_store(db_path) as store:
        article = find_article(store, url)
        versions = store.versions(article["id"])
        click.echo(f"{article['title']}\n{article['url']}")
        click.echo(
            f"source {article['source']}, first seen {article['first_seen']}, "
            f"{article['check_count']} checks, {article['version_count']} versions, "
            f"status {article['status']}"
        )
        previous = None
        for v in versions:
            later = ""
            if previous is not None:
                later = f" ({in_words(from_iso(v['fetched_at']) - from_iso(previous))} later)"
            repeat = f"  repeats version {v['repeats_version']}" if v["repeats_version"] else ""
            if v.get("kind") == "reextract":
                repeat += "  re-extracted (not an edit)"
            click.echo(
                f"  version {v['version']:>3}  {v['fetched_at']}  "
                f"+{v['chars_added']:<6} -{v['chars_removed']:<6} {v['title']}{later}{repeat}"
            )
            previous = v["fetched_at"]


@cli.command()
@DB_OPTION
@click.argument("url")
@click.option("--version", "-v", "number", type=int, help="Version number (default: latest).")
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
        click.echo(f"{v['title']}")
        if v["byline"]:
            click.echo(f"By {v['byline']}")
        click.echo(f"Version {v['version']}, fetched {v['fetched_at']}")
        if v["published"]:
            click.echo(f"Published {v['published']}")
        click.echo("")
        click.echo(v["body"])


def _styled_words(ops: list[WordOp], color: bool) -> str:
    out = []
    for k, w in enumerate(ops):
        if w.op != "equal" and not w.text.strip():
            # Whitespace swapped for whitespace (a split or merge): show the new spacing.
            if w.op == "insert":
                out.append(w.text)
                continue
            if any(n.op == "insert" and not n.text.strip() for n in ops[max(k - 1, 0) : k + 2]):
                continue
        if w.op == "equal":
            out.append(w.text)
        elif w.op == "delete":
            out.append(click.style(w.text, fg="red", strikethrough=True) if color
                       else f"[-{w.text}-]")
        else:
            out.append(click.style(w.text, fg="green", underline=True) if color
                       else f"{{+{w.text}+}}")
    return "".join(out)


def _diff_row_lines(row: Row, rows: list[Row], color: bool) -> list[str]:
    if row.op == "changed":
        note = ""
        if len(row.left) != len(row.right):
            note = (f"(split into {len(row.right)} paragraphs) " if len(row.left) == 1
                    else f"({len(row.left)} paragraphs merged) ")
        return ["~ " + note + _styled_words(row.words, color)]
    if row.op == "inserted":
        text = SEPARATOR.join(b.as_text() for b in row.right)
        return ["+ " + (click.style(text, fg="green") if color else text)]
    if row.op == "deleted":
        text = SEPARATOR.join(b.as_text() for b in row.left)
        return ["- " + (click.style(text, fg="red") if color else text)]
    if row.op == "moved" and row.left:
        return []  # shown once, where it went
    if row.op == "moved":
        text = _styled_words(row.words, color) if row.words else row.right[0].as_text()
        origin = rows[row.partner].left_index if row.partner is not None else None
        return [f"> (moved from paragraph {(origin or 0) + 1}) " + text]
    return []


def text_diff(old: dict, new: dict, color: bool = False, diff: VersionDiff | None = None) -> str:
    """A readable word-level diff of two stored versions (title, byline, then changed blocks).

    Deleted words show as ``[-word-]``, inserted as ``{+word+}`` (or in colour);
    lines start with ``~`` (changed), ``+`` (added), ``-`` (removed), ``>`` (moved).
    """
    diff = diff or compare_versions(old, new)
    when = later(old["fetched_at"], new["fetched_at"])
    lines = [f"--- version {old['version']}  {old['fetched_at']}",
             f"+++ version {new['version']}  {new['fetched_at']}  ({when})",
             summary(diff), ""]
    if diff.title.changed:
        lines += ["Title: " + _styled_words(diff.title.words, color), ""]
    if diff.byline.changed:
        lines += ["Byline: " + _styled_words(diff.byline.words, color), ""]
    for row in diff.rows:
        for line in _diff_row_lines(row, diff.rows, color):
            lines += [line, ""]
    if len(lines) == 4:
        lines.append("(no text change)")
    return "\n".join(lines).rstrip() + "\n"


@cli.command()
@DB_OPTION
@click.argument("url")
@click.argument("a", type=int, required=False)
@click.argument("b", type=int, required=False)
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
            b = a + 1
        old, new = get_version(store, article, a), get_version(store, article, b)
    result = compare_versions(old, new)
    if fmt == "html":
        click.echo(version_page(article, new, old, diff=result), nl=False)
    elif fmt == "json":
        data = {"article": {k: article[k] for k in ("url", "source", "title", "first_seen",
                                                    "status", "version_count")},
                "old": {k: old[k] for k in ("version", "fetched_at")},
                "new": {k: new[k] for k in ("version", "fetched_at")},
                "summary": summary(result), **result.to_dict()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        click.echo(text_diff(old, new, color, result), nl=False)


def _pairs(values: tuple[str, ...], hint: str) -> dict[str, str]:
    pairs = {}
    for pair in values:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint=hint)
        pairs[name] = value
    return pairs


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
@click.option("--quiet", "-q", is_flag=True, help="Print nothing (the summary is still logged).")
def crawl(db_path: str, spiders: tuple[str, ...], overrides: tuple[str, ...],
          arguments: tuple[str, ...], recheck_finished: bool, log_file: str | None,
          log_max_bytes: int, log_backups: int, quiet: bool) -> None:
    """Run spiders (default: every enabled one) in one process, writing to the database.

    Articles due a re-check come first, then new ones from the feeds. A lock
    next to the database (DB.lock) keeps runs from overlapping: a second run
    exits at once (status 0) with a one-line message. Made for cron.

    Example: newsdiffs crawl --log crawl.log
    """
    from .crawl import CrawlBusy, locked_run
    from .schedule import ScheduleError

    settings = _pairs(overrides, "--set")
    settings["NEWSDIFFS_DB"] = str(Path(db_path))
    if recheck_finished:
        settings["NEWSDIFFS_RECHECK_FINISHED"] = "True"
    try:
        summary = locked_run(db_path, list(spiders), settings, _pairs(arguments, "--arg"),
                             log_file=log_file, log_max_bytes=log_max_bytes,
                             log_backups=log_backups)
    except CrawlBusy as exc:
        summary = str(exc)
    except (KeyError, ScheduleError) as exc:
        raise click.ClickException(str(exc.args[0])) from None
    if not quiet:
        click.echo(summary)


# Command groups kept in their own modules register themselves on ``cli``.
from . import cli_ops, cli_read, cli_sources  # noqa: E402,F401


def main() -> None:
    cli(prog_name="newsdiffs")

