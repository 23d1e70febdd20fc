"""From an extracted article to the revision newsdiffs would store.

The crawl pipelines, ``newsdiffs reextract``, ``newsdiffs extract`` and the
quality evaluation all turn an :class:`~newsdiffs.items.ArticleItem` into
stored text and a fingerprint the same way, through these two functions, so
that re-reading a page always reproduces the hash a crawl stored for it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from typing import Any

from .diff import compare
from .items import ArticleItem, blocks_from_text, blocks_to_text
from .store import NewVersion
from .text import clean_blocks, clean_text, fingerprint, remove_controls
from .urls import canonicalize


def clean_item(item: ArticleItem) -> ArticleItem:
    """A copy of the item with its text cleaned as stored (what the normalise pipeline does).

    Every text field is cleaned, not only title and body: one lone surrogate or
    escape sequence in a date string or byline must neither stop the check from
    being stored nor reach a terminal. An error is never cleaned away (one made
    only of control characters becomes ``"failed"``). The canonical URL is
    canonicalised here, once. An item this function returned is returned as it
    is (see :func:`is_clean`): each pipeline may ask for a clean item, the text
    is cleaned once.
    """
    if is_clean(item):
        return item
    url = remove_controls(item.canonical_url or item.url)
    try:
        url = canonicalize(url)
    except ValueError:
        pass  # not a URL at all: the store refuses it (newsdiffs.urls.check_url)
    cleaned = dataclasses.replace(
        item,
        title=clean_text(item.title),
        byline=clean_text(item.byline) or None,
        body=clean_blocks(item.body or []),
        canonical_url=url,
        published=clean_text(item.published) or None,
        published_raw=clean_text(item.published_raw) or None,
        modified=clean_text(item.modified) or None,
        modified_raw=clean_text(item.modified_raw) or None,
        error=(clean_text(item.error) or "failed") if item.error else None,
        cleaned=True,
    )
    return cleaned


def is_clean(item: object) -> bool:
    """Whether ``item`` came from :func:`clean_item` (its canonical URL is canonical too)."""
    return getattr(item, "cleaned", False) is True


def new_version(item: ArticleItem, *, fetched_at: str, previous: Mapping[str, Any] | None,
                kind: str = "edit", digest: str | None = None) -> NewVersion:
    """The revision to store for a cleaned item: body text, fingerprint, change from ``previous``.

    ``previous`` is the article's latest stored version (a ``versions`` row),
    or ``None`` for a first version. When the fingerprints are equal the item
    is no change and the sizes are 0 (the caller stores nothing). ``digest`` is
    the item's fingerprint when the caller has computed it already.
    """
    body_text = blocks_to_text(item.body)
    digest = digest or fingerprint(item.title, item.body)
    if previous is None:
        added, removed = len(item.title) + len(body_text), 0
    elif previous["hash"] == digest:
        added = removed = 0
    else:
        stats = compare(previous["body"], item.body, old_title=previous["title"],
                        new_title=item.title).stats
        added, removed = stats.chars_added, stats.chars_removed
    return NewVersion(
        fetched_at=fetched_at,
        url=item.url,
        title=item.title,
        byline=item.byline,
        published=item.published,
        published_raw=item.published_raw,
        modified=item.modified,
        modified_raw=item.modified_raw,
        body=body_text,
        hash=digest,
        chars_added=added,
        chars_removed=removed,
        extractor=f"{item.extractor}/{item.extractor_version}",
        kind=kind,
    )


def read_otherwise(stored: str | None, name: str | None, version: str | None) -> bool:
    """Whether a stored version's extractor (``versions.extractor``, "cnn/4") is another
    extractor, or another version of it, than the one (``name``, ``version``) that read a
    fetched page: its kept page is then read again before the two texts are compared. A
    configured source's selectors carry no version: never."""
    return bool(name) and name != "configured" and stored != f"{name}/{version}"


def current_fingerprint(version: Mapping[str, Any]) -> str:
    """The fingerprint of a stored version (a ``versions`` row) under today's rule.

    Its stored ``hash`` was computed by the rule of its day: when the rule has
    changed since (a character newly folded), the same text read again has
    another hash, and only this tells that it is not an edit.
    """
    return fingerprint(version["title"], blocks_from_text(version["body"]))


def page_digest(body: bytes, *, url: str, charset: str | None, context: str) -> str:
    """A digest of a fetched page and of everything else its check's outcome depends on.

    The extraction reads ``body`` (the response bytes), ``charset`` (the
    ``Content-Type`` header's label) and ``url``; ``context`` names the
    extractor and version and the settings the checks apply
    (``spiders.base.NewsSpider.page_digest_context``). A page fetched again
    with the same digest gives the same item, so when the article's stored
    ``page_digest`` is this one its latest text is what the page says
    (``articles.page_digest``, README "Performance").
    """
    digest = hashlib.sha256()
    for part in (context, url, charset or ""):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data) + data)
    digest.update(body)
    return digest.hexdigest()
