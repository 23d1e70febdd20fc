"""CLI commands for sources and extraction: sources, extract, reextract."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .cli import DB_OPTION, cli, echo, open_store  # noqa: F401
from .sources import (
    Source,
    SourcesError,
    add_source,
    load_sources,
    make_source,
    remove_source,
    sources_path,
)

# --- sources: the sites the generic ``feeds`` spider crawls -------------------------

SOURCES_FILE = click.option(
    "--file", "-f", "path", envvar="NEWSDIFFS_SOURCES", default="sources.toml", show_default=True,
    type=click.Path(dir_okay=False), help="The sources file (env NEWSDIFFS_SOURCES).")


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
def sources_list(path: str) -> None:
    """List the sources: name, state, pattern, feeds, sitemaps and fronts, selectors.

    Example: newsdiffs sources list --file sources.toml
    """
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
def sources_add(path: str, name: str, feeds: tuple[str, ...], sitemaps: tuple[str, ...],
                fronts: tuple[str, ...], pattern: str, body: str | None, title: str | None, exclude: str | None,
                disabled: bool) -> None:
    """Add a source to the sources file (created when missing).

    Give at least one --feed, --sitemap or --front. The name becomes the articles'
    source and must not be a spider's name.

    Example: newsdiffs sources add gazette --feed https://gazette.example/rss.xml --pattern '^https://gazette\\.example/news/'
    """
    from .crawl import spider_names

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
def sources_remove(path: str, name: str) -> None:
    """Remove a source from the sources file (its tracked articles stay in the database).

    Example: newsdiffs sources remove gazette
    """
    text = _read_sources_text(path)
    try:
        new = remove_source(text, name, path)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from None
    _write_sources_text(path, new)
    click.echo(f"removed source {name} from {path}")


# --- extract and reextract: reading pages with today's extractors ---------------------

#: How often ``reextract`` reports progress (stored versions read).
REEXTRACT_PROGRESS_EVERY = 100


def _source_extractor(name: str, sources_file: str | None = None):
    """The extractor of the source ``name`` in the sources file (as the feeds spider builds it)."""
    from .extract.configured import extractor_for_source

    path = sources_path(sources_file)
    found: dict[str, Source] = {}
    if path.exists():
        try:
            found = {s.name: s for s in load_sources(path)}
        except SourcesError as exc:
            raise click.ClickException(str(exc)) from None
    if name not in found:
        raise click.ClickException(f"no extractor or source named {name!r} (sources file {path})")
    return extractor_for_source(found[name])


def _named_extractor(name: str, sources_file: str | None = None):
    """The extractor called ``name``, else the one of the source ``name`` in the sources file."""
    from .extract import get_extractor

    try:
        return get_extractor(name)
    except KeyError:
        return _source_extractor(name, sources_file)


def _fetch(url: str, timeout: float = 30) -> tuple[bytes, str, str | None]:
    """``(body, final URL, header charset)`` of an http(s) URL, fetched with urllib; one-line
    errors."""
    import urllib.error
    import urllib.request

    from .charset import header_charset
    from .config import user_agent
    from .settings import NEWSDIFFS_CONTACT_URL

    request = urllib.request.Request(url, headers={"User-Agent": user_agent(NEWSDIFFS_CONTACT_URL)})
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
def extract(page: str, original_url: str | None, source: str | None,
            sources_file: str | None, charset: str | None) -> None:
    """Print, as JSON, the article newsdiffs would store for a page (a file or an http(s) URL).

    The extractor is the one for the page's site (from --url, or PAGE when it
    is a URL), else generic; --source picks one by name. "problem" says why
    the page would be a failed check instead of a version (a consent or live
    page, a near-empty body ...), else it is null. Exit status 1 when there
    is a problem (the JSON is printed all the same).

    Example: newsdiffs extract saved.html --url https://www.bbc.co.uk/news/articles/c0abc123o
    """
    from .charset import charset_label, decode_page
    from .compare import validation_problem
    from .export import json_text
    from .extract import ExtractionError, extractor_for_url
    from .revision import clean_item, new_version
    from .settings import NEWSDIFFS_MIN_BODY_CHARS

    if charset is not None and charset_label(charset) is None:
        raise click.BadParameter(f"{charset!r} is not a charset label", param_hint="--charset")
    charset = charset_label(charset) if charset else None
    if page.startswith(("http://", "https://")):
        html, fetched_url, served_charset = _fetch(page)
        charset = charset or served_charset
        url = original_url or fetched_url
    else:
        try:
            html = Path(page).read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {page}: {exc.strerror or exc}") from None
        url = original_url or Path(page).resolve().as_uri()
    extractor = _named_extractor(source, sources_file) if source else extractor_for_url(url)
    try:
        # Decoded as a crawl decodes it: BOM, the header charset, <meta>, sniffed.
        item = clean_item(extractor(decode_page(html, charset), url))
    except ExtractionError as exc:
        # A consent page, a live page ...: the failed check a crawl would record, as JSON.
        fields = ("canonical_url", "title", "byline", "published", "published_raw",
                  "modified", "modified_raw")
        click.echo(json_text({
            "url": url, **dict.fromkeys(fields), "body": [],
            "extractor": f"{extractor.name}/{extractor.version}", "fingerprint": None,
            "problem": f"extraction failed: {exc}",
        }, indent=2))
        click.get_current_context().exit(1)
    version = new_version(item, fetched_at="", previous=None)
    problem = validation_problem(http_status=200, title=item.title, body=item.body, error=None,
                                 min_body_chars=NEWSDIFFS_MIN_BODY_CHARS)
    click.echo(json_text({
        "url": item.url,
        "canonical_url": item.canonical_url,
        "title": item.title,
        "byline": item.byline,
        "published": item.published,
        "published_raw": item.published_raw,
        "modified": item.modified,
        "modified_raw": item.modified_raw,
        "body": [{"kind": b.kind, "text": b.text} for b in item.body],
        "extractor": version.extractor,
        "fingerprint": version.hash,
        "problem": problem,
    }, indent=2))
    if problem:
        click.get_current_context().exit(1)


def _reread(store, row: dict, extractors: dict, sources_file: str | None):
    """``(cleaned item, None)`` for a kept page read again, or ``(item or None, why it failed)``."""
    from .charset import decode_page
    from .compare import validation_problem
    from .extract import ExtractionError, get_extractor
    from .revision import clean_item
    from .settings import NEWSDIFFS_MIN_BODY_CHARS

    name = (row["extractor"] or "generic").split("/")[0]
    # A configured extractor is made from its source's selectors, not by name alone.
    key = f"configured:{row['source']}" if name == "configured" else name
    if key not in extractors:
        try:
            extractors[key] = (_source_extractor(row["source"], sources_file)
                               if name == "configured" else get_extractor(name))
        except KeyError as exc:
            extractors[key] = exc.args[0]
        except click.ClickException as exc:
            extractors[key] = exc.format_message()
    extractor = extractors[key]
    if isinstance(extractor, str):  # could not be made: the reason
        return None, extractor
    try:
        # Decoded as the crawl decoded it: with the charset its Content-Type header declared.
        page = decode_page(store.page_html(row["id"]) or b"", store.page_charset(row["id"]))
        item = clean_item(extractor(page, row["url"] or row["article_url"]))
    except ExtractionError as exc:
        return None, f"extraction failed: {exc}"
    return item, validation_problem(http_status=200, title=item.title, body=item.body,
                                    error=None, min_body_chars=NEWSDIFFS_MIN_BODY_CHARS)


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
def reextract(db_path: str, source: str | None, all_versions: bool, dry_run: bool,
              sources_file: str | None) -> None:
    """Read the kept pages again with today's extractors; store corrected text.

    Each article's latest version is re-read from its kept page with the
    extractor that stored it (by name). Where the text now differs (another
    fingerprint), a corrected version is added, marked kind 'reextract', with
    a check whose detail is 'reextract'. Older versions are never rewritten:
    with --all-versions their differences are listed, not stored.

    Example: newsdiffs reextract --source bbc --dry-run
    """
    from .revision import new_version
    from .store import StaleVersion
    from .times import now_iso

    extractors: dict = {}
    counts = dict.fromkeys(("read", "corrected", "unchanged", "failed", "older_differ"), 0)
    articles: set[int] = set()
    with open_store(db_path, write=not dry_run) as store, writer_lock(db_path, dry_run):
        total = store.count_articles(source)
        ids = store.kept_page_versions(source, latest_only=not all_versions)
        for i, version_id in enumerate(ids, 1):
            if i % REEXTRACT_PROGRESS_EVERY == 0:
                click.echo(f"... {i}/{len(ids)} versions read, {counts['corrected']} corrected",
                           err=True)
            row = store.version_by_id(version_id)
            articles.add(row["article_id"])
            counts["read"] += 1
            where = f"{row['article_url']} version {row['version']}"
            item, problem = _reread(store, row, extractors, sources_file)
            if item is None or problem:
                echo(f"failed {where}: {problem}")
                counts["failed"] += 1
                continue
            version = new_version(item, fetched_at=row["fetched_at"], previous=row,
                                  kind="reextract")
            if version.hash == row["hash"]:
                counts["unchanged"] += 1
                continue
            size = f"(+{version.chars_added} -{version.chars_removed})"
            latest = store.latest_version(row["article_id"])
            if latest is None or latest["version"] != row["version"]:
                echo(f"differs {where} {size}: not the latest version, left as stored")
                counts["older_differ"] += 1
                continue
            if dry_run:
                echo(f"would correct {where} {size}")
                counts["corrected"] += 1
                continue
            try:
                result = store.record_reextraction(corrects=row, new_version=version,
                                                   checked_at=now_iso())
            except StaleVersion:
                echo(f"skipped {where}: a newer version was stored meanwhile")
                counts["failed"] += 1
                continue
            echo(f"corrected {where} -> version {result.version} {size}")
            counts["corrected"] += 1
    older = f", {counts['older_differ']} older versions differ" if all_versions else ""
    click.echo(
        f"{total} articles: {len(articles)} with a kept page, {counts['read']} re-extracted, "
        f"{counts['corrected']} {'would be ' if dry_run else ''}corrected, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed{older}"
    )
