"""The ``newsdiffs`` command line: read the history of tracked articles, run crawls.

Only this module turns domain errors into friendly one-line messages.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .diff import DELETE, EQUAL, INSERT, diff_tokens, diff_words, split_blocks
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


def _word_diff_line(old: str, new: str, color: bool) -> str:
    out = []
    for op, text in diff_words(old, new):
        if op == EQUAL:
            out.append(text)
        elif op == DELETE:
            out.append(click.style(text, fg="red", strikethrough=True) if color else f"[-{text}-]")
        else:
            out.append(click.style(text, fg="green", underline=True) if color else f"{{+{text}+}}")
    return "".join(out)


def text_diff(old: dict, new: dict, color: bool = False) -> str:
    """A readable word-level diff of two stored versions (title, then body blocks)."""
    lines = [f"--- version {old['version']}  {old['fetched_at']}",
             f"+++ version {new['version']}  {new['fetched_at']}", ""]
    if old["title"] != new["title"]:
        lines += ["Title: " + _word_diff_line(old["title"], new["title"], color), ""]
    runs = diff_tokens(split_blocks(old["body"]), split_blocks(new["body"]))
    i = 0
    while i < len(runs):
        op, blocks = runs[i]
        if op == EQUAL:
            i += 1
            continue
        dels: list[str] = []
        ins: list[str] = []
        while i < len(runs) and runs[i][0] != EQUAL:
            (dels if runs[i][0] == DELETE else ins).extend(runs[i][1])
            i += 1
        paired = min(len(dels), len(ins))
        for a, b in zip(dels[:paired], ins[:paired]):
            lines += ["~ " + _word_diff_line(a, b, color), ""]
        for a in dels[paired:]:
            lines += ["- " + (click.style(a, fg="red") if color else a), ""]
        for b in ins[paired:]:
            lines += ["+ " + (click.style(b, fg="green") if color else b), ""]
    if len(lines) == 3:
        lines.append("(no text change)")
    return "\n".join(lines).rstrip() + "\n"


@cli.command()
@DB_OPTION
@click.argument("url")
@click.argument("a", type=int, required=False)
@click.argument("b", type=int, required=False)
def diff(db_path: str, url: str, a: int | None, b: int | None) -> None:
    """Word-level diff between two versions (default: the last two).

    Deleted words show as [-word-], inserted as {+word+} (coloured on a terminal).

    Example: newsdiffs diff URL 1 3
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
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        click.echo(text_diff(old, new, color), nl=False)


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
def crawl(db_path: str, spiders: tuple[str, ...], overrides: tuple[str, ...],
          arguments: tuple[str, ...]) -> None:
    """Run spiders (default: all) in one process, writing to the database.

    Example: newsdiffs crawl bbc
    """
    from .crawl import run_spiders

    settings = _pairs(overrides, "--set")
    settings["NEWSDIFFS_DB"] = str(Path(db_path))
    try:
        summary = run_spiders(list(spiders), settings, _pairs(arguments, "--arg"))
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None
    click.echo(summary)


# Command groups kept in their own modules register themselves on ``cli``.
from . import cli_ops, cli_read, cli_sources  # noqa: E402,F401


def main() -> None:
    cli(prog_name="newsdiffs")


if __name__ == "__main__":
    main()
