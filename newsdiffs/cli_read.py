"""CLI commands for reading changes: site, changes, search, export, metadata."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .cli import (  # noqa: F401
    COUNT,
    DB_OPTION,
    cli,
    echo,
    find_article,
    open_store,
    since_iso,
    since_option,
    visible,
)
from .export import FORMATS, metadata_json, write_rows
from .links import http_link
from .static_site import SiteError, build_site, parse_langs
from .store import EXPORTABLE, StoreError
from .times import shown


def _base_url(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """``--base-url`` goes into every feed link, so it must be an http(s) URL (or empty)."""
    if value and not http_link(value):
        raise click.BadParameter(f"{shown(value)} is not an http(s) URL with a host")
    return value


@cli.command()
@DB_OPTION
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", envvar="NEWSDIFFS_SITE_URL", default="", callback=_base_url,
              help="Public URL of the site: makes feed links absolute (env NEWSDIFFS_SITE_URL).")
@click.option("--page-size", type=COUNT, default=50, show_default=True,
              help="Articles per index page.")
@click.option("--feed-size", type=COUNT, default=50, show_default=True,
              help="Entries in the site-wide and per-source feeds.")
@click.option("--full", is_flag=True,
              help="Render every article again, even those unchanged since the last run.")
@click.option("--lang", "langs", multiple=True, envvar="NEWSDIFFS_SITE_LANG",
              metavar="[SOURCE=]CODE",
              help="Language of a source's articles (e.g. gazette=de), or of the site without "
                   "SOURCE= (default en); repeatable (env NEWSDIFFS_SITE_LANG, space-separated).")
@click.option("--raw-pages/--no-raw-pages", default=True, show_default=True,
              help="Write each kept page as raw/<n>.txt and link it from the version pages.")
@click.option("--pairs", is_flag=True,
              help="Also write a page for every pair of versions (articles with at most 12).")
def site(db_path: str, outdir: Path, base_url: str, page_size: int, feed_size: int,
         full: bool, langs: tuple[str, ...], raw_pages: bool, pairs: bool) -> None:
    """Write the static site: index pages, article and version pages, Atom feeds,
    headline changes, most changed articles and a search page.

    Files whose bytes are unchanged are left alone, and pages of articles no
    longer in the database are removed, so it can run after every crawl from cron.

    Example: newsdiffs site public --base-url https://diffs.example.org/ --lang gazette=de
    """
    try:
        default_lang, lang_map = parse_langs(langs)
    except SiteError as exc:
        raise click.BadParameter(str(exc), param_hint="--lang") from None
    with open_store(db_path) as store:
        try:
            report = build_site(store, outdir, base_url=base_url, page_size=page_size,
                                feed_size=feed_size, full=full, langs=lang_map,
                                default_lang=default_lang, raw_pages=raw_pages, pairs=pairs)
        except SiteError as exc:
            raise click.BadParameter(str(exc), param_hint="--base-url") from None
        except OSError as exc:
            raise click.ClickException(f"cannot write the site: {exc}") from None
    echo(f"{outdir}: {report}")


@cli.command()
@DB_OPTION
@since_option()
@click.option("--source", help="Only this source (spider name).")
@click.option("--limit", type=COUNT, default=50, show_default=True)
def changes(db_path: str, since: str | None, source: str | None, limit: int) -> None:
    """List recent changes, newest first: time, source, version, +/- characters, title, URL.

    Example: newsdiffs changes --since 1d --source bbc
    """
    with open_store(db_path) as store:
        rows = store.changes(since=since_iso(since), source=source, limit=limit)
    if not rows:
        echo("no changes" + (f" since {since}" if since else ""), err=True)
    for r in rows:
        echo(f"{r['time']}  {r['source']}  v{r['version']}  "
             f"+{r['chars_added']} -{r['chars_removed']}  {r['title']}  {r['url']}")


@cli.command()
@DB_OPTION
@click.argument("query")
@click.option("--source", help="Only this source (spider name).")
@click.option("--limit", type=COUNT, default=20, show_default=True)
@click.option("--raw", is_flag=True,
              help='Use FTS5 query syntax ("a phrase", OR, NOT, prefix*) instead of plain words.')
@click.option("--newest", is_flag=True,
              help="The versions stored last first, not the best matches (as fast at any "
                   "database size: best-match ranking scores every hit).")
def search(db_path: str, query: str, source: str | None, limit: int, raw: bool,
           newest: bool) -> None:
    """Full-text search over the titles and bodies of every stored version.

    Words are stemmed (strike matches strikes). Each hit is a version, so you
    can see when a phrase appeared or disappeared. Best matches come first;
    --newest lists the versions stored last first.

    Example: newsdiffs search "funding decision"
    """
    # Plain words are each quoted for FTS5; quotes alone leave no words (an FTS5 syntax error).
    if not (query if raw else query.replace('"', " ")).strip():
        raise click.BadParameter("give one or more words to search for", param_hint="QUERY")
    if visible(query) != query:  # FTS5 stops reading at a NUL and reports a syntax error
        raise click.BadParameter(f"{shown(query)} holds control characters", param_hint="QUERY")
    with open_store(db_path) as store:
        try:
            hits = store.search(query, source=source, limit=limit, raw=raw, newest=newest)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
    if not hits:
        echo(f"no versions match {shown(query)}", err=True)
    for h in hits:
        echo(f"{h['fetched_at']}  {h['source']}  v{h['version']}  {h['title']}  {h['url']}")
        echo(f"    {h['snippet']}")


@cli.command()
@DB_OPTION
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--table", type=click.Choice(list(EXPORTABLE)), default="versions",
              show_default=True, help="Table or view to export.")
@since_option()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
def export(db_path: str, fmt: str, table: str, since: str | None, output: Path | None) -> None:
    """Stream a table as CSV, a JSON array or JSON Lines (row by row, any size).

    Example: newsdiffs export --table changes --since 1w --format jsonl -o changes.jsonl
    """
    after = since_iso(since)
    with open_store(db_path) as store:
        columns = store.export_columns(table)
        rows = store.export_rows(table, after)
        if output is None:
            write_rows(rows, columns, fmt, sys.stdout)
            return
        # A regular file is written beside and renamed into place, so that a failure
        # (a full disk) leaves neither a partial nor an empty file; /dev/stdout and
        # pipes are written in place.
        regular = not output.exists() or output.is_file()
        target = output.with_name(f".{output.name}.{os.getpid()}.tmp") if regular else output
        try:
            with target.open("w", encoding="utf-8", newline="") as out:
                count = write_rows(rows, columns, fmt, out)
            if regular:
                os.replace(target, output)
        except OSError as exc:
            if regular:
                target.unlink(missing_ok=True)
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"{count} {table} rows written to {output}", err=True)


@cli.command()
@DB_OPTION
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
def metadata(db_path: str, output: Path | None) -> None:
    """Datasette metadata describing the tables, for: datasette DB -m metadata.json

    Example: newsdiffs metadata --db newsdiffs.db -o metadata.json
    """
    text = metadata_json(Path(db_path).stem)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc}") from None
