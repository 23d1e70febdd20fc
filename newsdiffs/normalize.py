"""Text normalisation and fingerprints: tiny pure functions.

Two layers, on purpose:

* ``clean_text`` makes stored text faithful and tidy: entities decoded, Unicode
  NFC, invisible characters removed, whitespace collapsed. What a reader sees is
  what the publisher wrote.
* ``fingerprint`` is only for comparison. It also folds what is not editorial
  (typographic quote, dash and ellipsis variants, case of whitespace) so that a
  template or typography change never looks like an edit.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable

from .items import Block

# Characters that carry no text: zero-width space/joiners, word joiner, BOM,
# soft hyphen (a line-break hint, invisible unless a word is split).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Every Unicode space (NBSP, thin, figure, narrow NBSP, ideographic ...) -> " ".
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_TAG_LIKE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s+[a-zA-Z-]+=\"[^\"<>]*\")*\s*/?>")

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip


#: Two or more hyphens, as typed for a dash ("--"), after the dashes are folded.
_DASH_RUN = re.compile(r"-{2,}")


def decode_entities(text: str) -> str:
    """Decode HTML character references (``&amp;``, ``&#8217;``, ``&nbsp;``)."""
    return html.unescape(text) if "&" in text else text


def remove_invisible(text: str) -> str:
    """Drop zero-width characters and soft hyphens."""
    return text.translate(_INVISIBLE)


def collapse_whitespace(text: str) -> str:
    """Turn every run of (Unicode) whitespace into one space and trim the ends."""
    return _SPACES.sub(" ", text).strip()


def clean_text(text: str | None) -> str:
    """Faithful, tidy plain text: entities decoded, NFC, invisibles removed, spaces collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", decode_entities(text))
    return collapse_whitespace(remove_invisible(text))


def looks_like_markup(text: str) -> bool:
    """True when text holds something shaped like an HTML tag (a leak from an extractor)."""
    return bool(_TAG_LIKE.search(text)) or 'class="' in text


def clean_blocks(blocks: Iterable[Block]) -> list[Block]:
    """Clean every block and drop the empty ones."""
    out = []
    for block in blocks:
        text = clean_text(block.text)
        if text:
            out.append(Block(text, block.kind))
    return out


def fold(text: str) -> str:
    """Fold typographic variants that are not editorial: quotes, dashes, ellipsis, spacing."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    # NFKC has already turned "\u2026" into "...". A typed "--" stands for a dash.
    return collapse_whitespace(remove_invisible(_DASH_RUN.sub("-", text)))


def fingerprint(title: str, body: Iterable[Block]) -> str:
    """A hash of what is editorial in an article: title and body text, folded.

    Byline and dates are left out on purpose: a "Published 2 hours ago" line or
    a byline rewritten by the template is not an edit of the story. Block kinds
    are left out too, so a paragraph re-marked as a list item by a redesign is
    not a change.
    """
    parts = [fold(title)] + [fold(b.text) for b in body]
    return hashlib.sha256("\n".join(p for p in parts if p).encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """SHA-256 of exactly the stored text (for verifying stored revisions)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
