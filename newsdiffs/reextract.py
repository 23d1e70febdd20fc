"""Reading pages again with today's extractors: ``newsdiffs extract`` and ``reextract``.

:func:`read_page` is what a crawl would store for one page; :func:`reextract`
reads the kept pages of stored versions again and stores corrected text.
Errors are the domain's (:class:`NoExtractor`, ``SourcesError``,
``StoreError``); the command line turns them into one-line messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .charset import decode_page
from .config import DEFAULT_MIN_BODY_CHARS
from .extract import ExtractionError, Extractor, UnknownExtractor, get_extractor
from .outcome import validation_problem
from .revision import clean_item, new_version
from .sources import Source, SourcesError, load_sources, sources_path
from .store import StaleVersion, Store
from .times import now_iso

#: How often :func:`reextract` reports progress (stored versions read).
PROGRESS_EVERY = 100


class NoExtractor(LookupError):
    """No extractor, and no source of the sources file, has this name."""


def source_extractor(name: str, sources_file: str | None = None) -> Extractor:
    """The extractor of the source ``name`` in the sources file (as the feeds spider builds it).

    Raises :class:`NoExtractor`, or ``SourcesError`` for a sources file that cannot be read.
    """
    from .extract.configured import extractor_for_source

    path = sources_path(sources_file)
    found: dict[str, Source] = {}
    if path.exists():
        found = {s.name: s for s in load_sources(path)}
    if name not in found:
        raise NoExtractor(f"no extractor or source named {name!r} (sources file {path})")
    return extractor_for_source(found[name])


def named_extractor(name: str, sources_file: str | None = None) -> Extractor:
    """The extractor called ``name``, else the one of the source ``name`` in the sources file."""
    try:
        return get_extractor(name)
    except UnknownExtractor:
        return source_extractor(name, sources_file)


def read_page(extractor: Extractor, html: bytes, url: str, charset: str | None = None, *,
              min_body_chars: int = DEFAULT_MIN_BODY_CHARS) -> dict[str, Any]:
    """The article a crawl would store for a page, as a JSON-ready dict.

    The page is decoded as a crawl decodes it (BOM, ``charset`` from the header,
    ``<meta>``, sniffed). ``problem`` says why it would be a failed check
    instead of a version (extraction failed, a near-empty body ...), else ``None``.
    """
    try:
        item = clean_item(extractor(decode_page(html, charset), url))
    except ExtractionError as exc:
        # A consent page, a live page ...: the failed check a crawl would record.
        fields = ("canonical_url", "title", "byline", "published", "published_raw",
                  "modified", "modified_raw")
        return {"url": url, **dict.fromkeys(fields), "body": [],
                "extractor": f"{extractor.name}/{extractor.version}", "fingerprint": None,
                "problem": f"extraction failed: {exc}"}
    version = new_version(item, fetched_at="", previous=None)
    problem = validation_problem(http_status=200, title=item.title, body=item.body, error=None,
                                 min_body_chars=min_body_chars)
    return {
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
    }


def reread(store: Store, row: dict, extractors: dict, sources_file: str | None = None, *,
           min_body_chars: int = DEFAULT_MIN_BODY_CHARS):
    """``(cleaned item, None)`` for a kept page read again, or ``(item or None, why it failed)``.

    ``extractors`` caches each extractor by name (or the reason it could not be made).
    """
    name = (row["extractor"] or "generic").split("/")[0]
    # A configured extractor is made from its source's selectors, not by name alone.
    key = f"configured:{row['source']}" if name == "configured" else name
    if key not in extractors:
        try:
            extractors[key] = (source_extractor(row["source"], sources_file)
                               if name == "configured" else get_extractor(name))
        except UnknownExtractor as exc:
            extractors[key] = exc.args[0]
        except (NoExtractor, SourcesError) as exc:
            extractors[key] = str(exc)
    extractor = extractors[key]
    if isinstance(extractor, str):  # could not be made: the reason
        return None, extractor
    kept = store.kept_page(row["id"])
    if kept is None:
        return None, "no kept page"
    try:
        # Decoded as the crawl decoded it: with the charset its Content-Type header declared.
        page = decode_page(*kept)
        item = clean_item(extractor(page, row["url"] or row["article_url"]))
    except ExtractionError as exc:
        return None, f"extraction failed: {exc}"
    return item, validation_problem(http_status=200, title=item.title, body=item.body,
                                    error=None, min_body_chars=min_body_chars)


def correct_latest(store: Store, latest: dict, extractor: str, source: str, extractors: dict, *,
                   checked_at: str, min_body_chars: int = DEFAULT_MIN_BODY_CHARS) -> dict | None:
    """Read an article's latest version again from its kept page with today's version of
    the extractor named ``extractor``; store the reading as a correction (kind
    ``reextract``) when it differs. The corrected version's row, or ``None`` when nothing
    was stored (no kept page, a failed reading, the same text, or a newer version stored
    meanwhile).

    A crawl calls this when a page reads differently and the latest version came
    from another extractor or an older version of it: the extractor's change is
    then a re-extraction, not an edit of the story.
    """
    item, problem = reread(store, {**latest, "source": source, "extractor": extractor},
                           extractors, min_body_chars=min_body_chars)
    if item is None or problem:
        return None
    version = new_version(item, fetched_at=latest["fetched_at"], previous=latest, kind="reextract")
    if version.hash == latest["hash"]:
        return None
    try:
        store.record_reextraction(corrects=latest, new_version=version, checked_at=checked_at)
    except StaleVersion:
        return None
    return store.latest_version(latest["article_id"])


@dataclass
class ReextractReport:
    """What a :func:`reextract` run did (``older_differ``: older versions that read differently)."""

    total: int = 0
    articles: set[int] = field(default_factory=set)
    read: int = 0
    corrected: int = 0
    unchanged: int = 0
    failed: int = 0
    older_differ: int = 0

    def summary(self, *, dry_run: bool = False, all_versions: bool = False) -> str:
        older = f", {self.older_differ} older versions differ" if all_versions else ""
        return (f"{self.total} articles: {len(self.articles)} with a kept page, {self.read} "
                f"re-extracted, {self.corrected} {'would be ' if dry_run else ''}corrected, "
                f"{self.unchanged} unchanged, {self.failed} failed{older}")


def _ignore(line: str) -> None:
    pass


def reextract(store: Store, *, source: str | None = None, all_versions: bool = False,
              dry_run: bool = False, sources_file: str | None = None,
              min_body_chars: int = DEFAULT_MIN_BODY_CHARS,
              say: Callable[[str], None] = _ignore,
              progress: Callable[[str], None] = _ignore) -> ReextractReport:
    """Read the kept pages again with the extractors that stored them; store corrected text.

    Each article's latest version is read again; where the text now has
    another fingerprint, a corrected version (kind ``reextract``) is stored
    (not with ``dry_run``). Older versions (``all_versions``) are only
    compared. ``say`` gets one line per version that failed, differs or was
    corrected; ``progress`` a line every :data:`PROGRESS_EVERY` versions.
    """
    report = ReextractReport(total=store.count_articles(source))
    extractors: dict = {}
    ids = store.kept_page_versions(source, latest_only=not all_versions)
    for i, version_id in enumerate(ids, 1):
        if i % PROGRESS_EVERY == 0:
            progress(f"... {i}/{len(ids)} versions read, {report.corrected} corrected")
        row = store.version_by_id(version_id)
        report.articles.add(row["article_id"])
        report.read += 1
        where = f"{row['article_url']} version {row['version']}"
        item, problem = reread(store, row, extractors, sources_file,
                               min_body_chars=min_body_chars)
        if item is None or problem:
            say(f"failed {where}: {problem}")
            report.failed += 1
            continue
        version = new_version(item, fetched_at=row["fetched_at"], previous=row, kind="reextract")
        if version.hash == row["hash"]:
            report.unchanged += 1
            continue
        size = f"(+{version.chars_added} -{version.chars_removed})"
        latest = store.latest_version(row["article_id"])
        if latest is None or latest["version"] != row["version"]:
            say(f"differs {where} {size}: not the latest version, left as stored")
            report.older_differ += 1
            continue
        if dry_run:
            say(f"would correct {where} {size}")
            report.corrected += 1
            continue
        try:
            result = store.record_reextraction(corrects=row, new_version=version,
                                               checked_at=now_iso())
        except StaleVersion:
            say(f"skipped {where}: a newer version was stored meanwhile")
            report.failed += 1
            continue
        say(f"corrected {where} -> version {result.version} {size}")
        report.corrected += 1
    return report
