"""Exports and the database as a product: streamed CSV/JSON/JSON Lines, ``--since``
parsing, and the Datasette metadata that documents the tables.

Writers take an iterator of rows and write as they go: neither a whole table
nor a whole JSON array is ever held in memory.
"""

from __future__ import annotations

import base64
import csv
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

from .store import HISTORY_SQL, SEARCH_SQL
from .times import UTC, BadDuration, from_iso, parse_span, shown, to_iso

FORMATS = ("csv", "json", "jsonl")
# A duration starts with a digit and has no "-" or ":" (which an ISO date/time has).
_LOOKS_LIKE_DURATION = re.compile(r"^\s*\d[\d\sa-z]*$", re.IGNORECASE)
# json.dumps escapes C0 controls but leaves DEL and C1 raw with ensure_ascii=False; a
# terminal acts on C1 (0x9b is a one-byte CSI), so they are written as \uXXXX escapes too.
_RAW_IN_JSON = re.compile("[\x7f-\x9f]")


def json_text(value: Any, indent: int | None = None) -> str:
    """JSON with non-ASCII text kept readable but no raw control character (same data)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class BadSince(ValueError):
    """A ``--since`` value that is neither a duration (``2h``, ``1d``) nor an ISO 8601 time."""


def since_to_iso(value: str, now: datetime) -> str:
    """``1d`` / ``12h`` / ``30m`` / ``2w`` before ``now``, or an ISO date/time, as a stored timestamp.

    Durations are read by :func:`newsdiffs.times.parse_span` (so bounded, like every
    duration option); a date/time must be one that can be shown in UTC.
    """
    if _LOOKS_LIKE_DURATION.match(value) and not value.strip().isdigit():
        try:
            return to_iso(now - parse_span(value))
        except BadDuration as exc:
            raise BadSince(f"--since {exc}") from None
    try:
        return to_iso(from_iso(value.strip()).astimezone(UTC))
    except (ValueError, OverflowError):
        raise BadSince(f"--since {shown(value)}: use a duration like 30m, 12h, 1d, 2w "
                       "or a date like 2026-11-20") from None


def _plain(value: Any) -> Any:
    """Bytes (compressed pages) as base64 text; everything else as it is."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def write_rows(rows: Iterable[dict], columns: list[str], fmt: str, out: TextIO) -> int:
    """Write rows as ``csv`` (with a header), ``json`` (one array) or ``jsonl``; returns the count."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    count = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_plain(row.get(c)) for c in columns])
            count += 1
        return count
    if fmt == "json":
        out.write("[")
    for row in rows:
        line = json_text({c: _plain(row.get(c)) for c in columns})
        if fmt == "json":
            out.write(("\n" if count == 0 else ",\n") + line)
        else:
            out.write(line + "\n")
        count += 1
    if fmt == "json":
        out.write("\n]\n" if count else "]\n")
    return count


# -- Datasette -----------------------------------------------------------------

_ARTICLE_COLUMNS = {
    "id": "Article id (versions.article_id and checks.article_id point here).",
    "url": "Canonical URL: the article's identity.",
    "source": "Source (spider) that tracks it, e.g. bbc.",
    "title": "Headline of the latest version.",
    "first_seen": "When it was first checked (ISO 8601 UTC).",
    "last_checked": "When it was last checked.",
    "last_changed": "When its latest version was stored.",
    "next_check": "When it is due to be checked again (empty: never).",
    "check_count": "How many times it was checked.",
    "version_count": "How many versions are stored (1 = never changed).",
    "status": "active (still checked), finished (no longer checked) or gone.",
}
_VERSION_COLUMNS = {
    "id": "Version id.",
    "article_id": "The article (articles.id).",
    "version": "Version number, 1 for the first text seen.",
    "fetched_at": "When this text was fetched (ISO 8601 UTC).",
    "url": "URL that was fetched.",
    "title": "Headline as published.",
    "byline": "Byline as published.",
    "published": "Publication time given by the page (ISO 8601), if parsed.",
    "published_raw": "Publication time exactly as the page gave it.",
    "modified": "Modification time given by the page (ISO 8601), if parsed.",
    "modified_raw": "Modification time exactly as the page gave it.",
    "body": "Empty: every body is stored packed. Read it in the version_texts view or with "
            "newsdiffs_body(id) (blocks separated by a blank line; '## ' subheading, '- ' "
            "list item); newsdiffs show/export give it too.",
    "hash": "Fingerprint of the editorial text (title and body, typography folded).",
    "chars_added": "Characters added since the previous version.",
    "chars_removed": "Characters removed since the previous version.",
    "repeats_version": "Earlier version with the same text (a revert), if any.",
    "extractor": "Extractor name/version that produced the text.",
    "kind": "edit (new text seen by a crawl) or reextract (a kept page read again by a "
            "corrected extractor: not a change of the story).",
}
_CHECK_COLUMNS = {
    "id": "Check id.",
    "article_id": "The article (articles.id).",
    "checked_at": "When the check ran (ISO 8601 UTC).",
    "http_status": "HTTP status of the response.",
    "outcome": "new, changed, unchanged, failed, or pending (a changed text held until "
               "the next check confirms it).",
    "version": "Version stored by this check, if any.",
    "detail": "Why a check failed, or why a text was held, confirmed or rejected.",
}
_CHANGE_COLUMNS = {
    "article_id": "The article (articles.id).",
    "source": "Source (spider).",
    "url": "Canonical URL of the article.",
    "version": "The version this change produced (2 or more).",
    "time": "When the change was seen (ISO 8601 UTC).",
    "chars_added": "Characters added.",
    "chars_removed": "Characters removed.",
    "title": "Headline of that version.",
}


def datasette_metadata(database: str = "newsdiffs") -> dict[str, Any]:
    """Metadata for ``datasette DB -m metadata.json`` (``database`` is the file's stem)."""
    return {
        "title": "newsdiffs",
        "description": "How news articles change after publication. Every article is "
                       "checked again and again; a version is stored only when its text "
                       "changed. Start with the changes view.",
        "databases": {
            database: {
                "tables": {
                    "changes": {
                        "description": "One row per change: every edit after the first "
                                       "version (re-extractions are left out).",
                        "sort_desc": "time",
                        "facets": ["source"],
                        "columns": _CHANGE_COLUMNS,
                    },
                    "articles": {
                        "description": "Tracked articles, one row per canonical URL.",
                        "label_column": "title",
                        "sort_desc": "last_changed",
                        "facets": ["source", "status"],
                        "columns": _ARTICLE_COLUMNS,
                    },
                    "version_texts": {
                        "description": "Every version with its body (rebuilt from the packed "
                                       "bodies by newsdiffs_body(id), a function of the "
                                       "newsdiffs Datasette plugin).",
                        "sort_desc": "fetched_at",
                        "facets": ["source", "kind"],
                    },
                    "versions": {
                        "description": "Every stored text of every article (bodies: see "
                                       "version_texts). Search titles and bodies with the "
                                       "search box (full-text, stemmed).",
                        "sort_desc": "fetched_at",
                        "fts_table": "versions_fts",
                        "fts_pk": "id",
                        "columns": _VERSION_COLUMNS,
                    },
                    "checks": {
                        "description": "Every check of every article, changed or not.",
                        "sort_desc": "checked_at",
                        "facets": ["outcome", "http_status"],
                        "columns": _CHECK_COLUMNS,
                    },
                    "pending_versions": {
                        "description": "Changed texts held until a second fetch confirms "
                                       "them (one per article; see the confirmation rule).",
                    },
                    "version_html": {
                        "description": "The page each version was read from, compressed "
                                       "(encoding zstd-dict:<id>, zstd or gzip), kept for "
                                       "re-extraction, with the charset its Content-Type "
                                       "header declared.",
                    },
                    "archives": {
                        "description": "Wayback Machine captures requested by newsdiffs "
                                       "archive: one row per version (the article's latest "
                                       "when it was requested).",
                        "facets": ["status"],
                    },
                    "_sqlite_migrations": {"hidden": True},
                },
                "queries": {
                    "search": {
                        "title": "Search every version",
                        "description": "Full-text search over titles and bodies of all "
                                       "versions, with the matching words in [ ] (FTS5 "
                                       "syntax: \"a phrase\", OR, NOT, pre*).",
                        "sql": SEARCH_SQL,
                    },
                    "history": {
                        "title": "History of one article",
                        "description": "Every version of the article at a URL, with its "
                                       "body.",
                        "sql": HISTORY_SQL,
                    },
                },
            }
        },
    }


def metadata_json(database: str = "newsdiffs") -> str:
    """:func:`datasette_metadata` as the text of ``metadata.json``."""
    return json.dumps(datasette_metadata(database), ensure_ascii=False, indent=2) + "\n"
