"""CLI commands for sources and extraction: sources, extract, reextract."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .cli import DB_OPTION, cli, echo, open_store, resolved_settings
from .sources import (
    DEFAULT_PATH,
    Source,
    SourcesError,
    add_source,
    load_sources,
    make_source,
    remove_source,
)

# --- sources: the sites the generic ``feeds`` spider crawls -------------------------

SOURCES_FILE = click.option(
    "--file", "-f", "path", envvar="NEWSDIFFS_SOURCES", default=DEFAULT_PATH, show_default=True,
    type=click.Path(dir_okay=False), help="The sources file (env NEWSDIFFS_SOURCES).")
SETTINGS_OPTION = click.option(
    "--set", "-s", "overrides", multiple=True, metavar="NAME=VALUE",
    help="Setting, as for crawl (repeatable), e.g. NEWSDIFFS_SOURCES=FILE, "
         "NEWSDIFFS_MIN_BODY_CHARS=100, NEWSDIFFS_CONTACT_URL=URL.")


def _sources_file(given: str | None, settings, param: str = "sources_file") -> str | None:
    """The sources file option when typed, else ``-s NEWSDIFFS_SOURCES``, else the option's
    environment variable or default (``sources_path`` falls back to sources.toml)."""
    ctx = click.get_current_context()
    typed = ctx.get_parameter_source(param) == click.core.ParameterSource.COMMANDLINE
    return given if typed else (settings.get("NEWSDIFFS_SOURCES") or given)


def _file_option(path: str, overrides: tuple[str, ...]) -> str:
    """``--file`` of the sources commands, with ``-s NEWSDIFFS_SOURCES`` honoured as by a crawl."""
    if not overrides:
        return path
    return _sources_file(path, resolved_settings(overrides), "path") or path


def _read_sources_text(path: str, missing_ok: bool = False) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return ""
        raise click.ClickException(f"no sources file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from None


def _write_sources_text(path: str, text: str) -> None:
    """Replace the file in one step, so a crawl never reads half of it."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc}") from None


def _describe(source: Source) -> list[str]:
    reader = "configured" if source.has_selectors else "generic"
    lines = [f"{source.name} ({'enabled' if source.enabled else 'disabled'}, {reader} extractor)",
             f"  pattern  {source.pattern}"]
    lines += [f"  feed     {url}" for url in source.feeds]
    lines += [f"  sitemap  {url}" for url in source.sitemaps]
    lines += [f"  front    {url}" for url in source.fronts]
    lines += [f"  {key:<8} {getattr(source, key)}" for key in ("body", "title", "exclude")
              if getattr(source, key)]
    return lines


@cli.group()
def sources() -> None:
    """The news sites the generic `feeds` spider crawls (the sources file)."""


@sources.command("list")
@SOURCES_FILE
@SETTINGS_OPTION
def sources_list(path: str, overrides: tuple[str, ...] = ()) -> None:
    """List the sources: name, state, pattern, feeds, sitemaps and fronts, selectors.

    Example: newsdiffs sources list --file sources.toml
    """
    path = _file_option(path, overrides)
    if not Path(path).exists():
        click.echo(f"no sources file at {path}")
        return
    try:
        found = load_sources(path)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from None
    if not found:
        click.echo(f"no sources in {path}")
    for source in found:
        click.echo("\n".join(_describe(source)))


@sources.command("add")
@SOURCES_FILE
@click.argument("name")
@click.option("--feed", "feeds", multiple=True, metavar="URL", help="RSS or Atom feed (repeatable).")
@click.option("--sitemap", "sitemaps", multiple=True, metavar="URL",
              help="Sitemap or news sitemap (repeatable).")
@click.option("--front", "fronts", multiple=True, metavar="URL",
              help="HTML front page (home or section page) whose links are followed (repeatable).")
@click.option("--pattern", required=True, metavar="REGEX",
              help="Links are followed only when they match it (re.search).")
@click.option("--body", metavar="CSS", help="The element(s) holding the story text.")
@click.option("--title", metavar="CSS", help="The headline.")
@click.option("--exclude", metavar="CSS", help="What inside the body is never story text.")
@click.option("--disabled", is_flag=True, help="Add it switched off.")
@SETTINGS_OPTION
def sources_add(path: str, name: str, feeds: tuple[str, ...], sitemaps: tuple[str, ...],
                fronts: tuple[str, ...], pattern: str, body: str | None, title: str | None, exclude: str | None,
                disabled: bool, overrides: tuple[str, ...] = ()) -> None:
    """Add a source to the sources file (created when missing).

    Give at least one --feed, --sitemap or --front. The name becomes the articles'
    source and must not be a spider's name.

    Example: newsdiffs sources add gazette --feed https://gazette.example/rss.xml --pattern '^https://gazette\\.example/news/'
    """
    from .crawl import spider_names

    path = _file_option(path, overrides)
    if name in spider_names():
        raise click.ClickException(f"'{name}' is the name of a spider; give the source another name")
    text = _read_sources_text(path, missing_ok=True)
    try:
        source = make_source(name=name, feeds=list(feeds), sitemaps=list(sitemaps),
                             fronts=list(fronts), pattern=pattern, body=body, title=title, exclude=exclude,
                             enabled=not disabled)
        new = add_source(text, source, path)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from None
    _write_sources_text(path, new)
    click.echo(f"added source {name} to {path}")


@sources.command("remove")
@SOURCES_FILE
@click.argument("name")
@SETTINGS_OPTION
def sources_remove(path: str, name: str, overrides: tuple[str, ...] = ()) -> None:
    """Remove a source from the sources file (its tracked articles stay in the database).

    Example: newsdiffs sources remove gazette
    """
    path = _file_option(path, overrides)
    text = _read_sources_text(path)
    try:
        new = remove_source(text, name, path)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from None
    _write_sources_text(path, new)
    click.echo(f"removed source {name} from {path}")


# --- extract and reextract: reading pages with today's extractors ---------------------
# The reading itself is newsdiffs.reextract; these commands add options, the lock, output.


def _named_extractor(name: str, sources_file: str | None = None):
    """The extractor called ``name``, else the one of the source ``name``; a one-line error."""
    from .reextract import NoExtractor, named_extractor

    try:
        return named_extractor(name, sources_file)
    except (NoExtractor, SourcesError) as exc:
        raise click.ClickException(str(exc)) from None


def _fetch(url: str, agent: str, timeout: float = 30) -> tuple[bytes, str, str | None]:
    """``(body, final URL, header charset)`` of an http(s) URL, fetched with urllib as
    ``agent``; one-line errors."""
    import urllib.error
    import urllib.request

    from .charset import header_charset

    request = urllib.request.Request(url, headers={"User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return (response.read(), response.geturl(),
                    header_charset(response.headers.get("Content-Type")))
    except urllib.error.HTTPError as exc:
        raise click.ClickException(f"cannot fetch {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise click.ClickException(f"cannot fetch {url}: {reason}") from None


@cli.command()
@click.argument("page")
@click.option("--url", "original_url", metavar="URL",
              help="Where the page came from (picks the site's extractor; default: PAGE if a URL).")
@click.option("--source", metavar="NAME",
              help="Use this extractor (bbc, guardian, generic ...) or sources-file source.")
@click.option("--sources-file", envvar="NEWSDIFFS_SOURCES", type=click.Path(dir_okay=False),
              help="The sources file, for --source (env NEWSDIFFS_SOURCES).")
@click.option("--charset", metavar="LABEL",
              help="The charset the page was served with (its Content-Type header), for a "
                   "saved file; a fetched page uses its own header.")
@SETTINGS_OPTION
def extract(page: str, original_url: str | None, source: str | None,
            sources_file: str | None, charset: str | None, overrides: tuple[str, ...] = ()) -> None:
    """Print, as JSON, the article newsdiffs would store for a page (a file or an http(s) URL).

    The extractor is the one for the page's site (from --url, or PAGE when it
    is a URL), else generic; --source picks one by name. "problem" says why
    the page would be a failed check instead of a version (a consent or live
    page, a near-empty body ...), else it is null. Exit status 1 when there
    is a problem (the JSON is printed all the same).

    Example: newsdiffs extract saved.html --url https://www.bbc.co.uk/news/articles/c0abc123o
    """
    from .charset import charset_label
    from .export import json_text
    from .extract import extractor_for_url
    from .reextract import read_page

    settings = resolved_settings(overrides)
    if charset is not None and charset_label(charset) is None:
        raise click.BadParameter(f"{charset!r} is not a charset label", param_hint="--charset")
    charset = charset_label(charset) if charset else None
    if page.startswith(("http://", "https://")):
        from .config import settings_user_agent

        html, fetched_url, served_charset = _fetch(page, settings_user_agent(settings))
        charset = charset or served_charset
        url = original_url or fetched_url
    else:
        try:
            html = Path(page).read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {page}: {exc.strerror or exc}") from None
        url = original_url or Path(page).resolve().as_uri()
    extractor = (_named_extractor(source, _sources_file(sources_file, settings)) if source
                 else extractor_for_url(url))
    found = read_page(extractor, html, url, charset,
                      min_body_chars=settings.getint("NEWSDIFFS_MIN_BODY_CHARS"))
    click.echo(json_text(found, indent=2))
    if found["problem"]:
        click.get_current_context().exit(1)


@contextmanager
def writer_lock(db_path: str, dry_run: bool = False) -> Iterator[None]:
    """Hold the database's crawl lock (not for a dry run), or fail with a one-line error.

    A crawl and a re-extraction never write at once; the second to come refuses
    at once rather than wait for a crawl that may take minutes.
    """
    from .lock import AlreadyLocked, CrawlLock, LockFailed, lock_path

    if dry_run:
        yield
        return
    lock = CrawlLock(lock_path(db_path))
    try:
        lock.acquire()
    except AlreadyLocked as exc:
        raise click.ClickException(
            f"a crawl of {db_path} is running ({exc}); try again when it has finished") from None
    except LockFailed as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield
    finally:
        lock.release()


@cli.command()
@DB_OPTION
@click.option("--source", metavar="NAME", help="Only this source's articles.")
@click.option("--all-versions", is_flag=True,
              help="Also read every older version's kept page (differences are reported only).")
@click.option("--dry-run", "-n", is_flag=True, help="Report corrections without writing them.")
@click.option("--sources-file", envvar="NEWSDIFFS_SOURCES", type=click.Path(dir_okay=False),
              help="The sources file, for configured sources (env NEWSDIFFS_SOURCES).")
@SETTINGS_OPTION
def reextract(db_path: str, source: str | None, all_versions: bool, dry_run: bool,
              sources_file: str | None, overrides: tuple[str, ...] = ()) -> None:
    """Read the kept pages again with today's extractors; store corrected text.

    Each article's latest version is re-read from its kept page with the
    extractor that stored it (by name). Where the text now differs (another
    fingerprint), a corrected version is added, marked kind 'reextract', with
    a check whose detail is 'reextract'. Older versions are never rewritten:
    with --all-versions their differences are listed, not stored.

    Example: newsdiffs reextract --source bbc --dry-run
    """
    from .reextract import reextract as run_reextract

    settings = resolved_settings(overrides)
    with open_store(db_path, write=not dry_run) as store, writer_lock(db_path, dry_run):
        report = run_reextract(store, source=source, all_versions=all_versions, dry_run=dry_run,
                               sources_file=_sources_file(sources_file, settings),
                               min_body_chars=settings.getint("NEWSDIFFS_MIN_BODY_CHARS"),
                               say=echo, progress=lambda line: click.echo(line, err=True))
    click.echo(report.summary(dry_run=dry_run, all_versions=all_versions))
