"""Text normalisation and fingerprints: tiny pure functions.

Two layers, on purpose:

* ``clean_text`` makes stored text faithful and tidy: Unicode NFC, invisible
  and control characters and lone surrogates removed, whitespace collapsed.
  What a reader sees is what the publisher wrote. It does not decode entities:
  text from the parsed page is decoded already (decoding it again turned a
  written "&amp;lt;p&amp;gt;" into a tag); sources that are still escaped
  (JSON-LD strings) are decoded once, by the extractor, with ``decode_entities``.
* ``fingerprint`` is only for comparison. It also folds what is not editorial
  (typographic quote, dash and ellipsis variants, case of whitespace, an entity
  and its character) so that a template or typography change never looks like
  an edit.
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
# C0 and C1 controls that are not whitespace (whitespace ones, CR, VT, FF, NEL and the
# separators 0x1C-0x1F, become spaces), DEL, and lone UTF-16 surrogates (from JSON "\ud800":
# they cannot be stored as UTF-8). ESC and BEL are how a page could drive a terminal.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")
# Markup that can only be an extractor leaking HTML (NewsSniffer once stored
# 'class="bulletList">' in article text). A bare "<script>" in prose is left
# alone: articles about web security quote tags.
_LEAK = re.compile(
    r'\bclass="|\bhref="|</(p|div|span|a|li|ul|ol|strong|em|b|i|figure|figcaption)>'
    r"|<(p|div|span|br|li|figure)(\s[^<>]*)?/?>",
    re.IGNORECASE,
)

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        # single guillemets, modifier-letter apostrophe, acute accent, reversed primes,
        # ornamental and CJK double-prime quotation marks
        "\u2039": "'", "\u203a": "'", "\u02bc": "'", "\u00b4": "'", "\u2035": "'",
        "\u2036": '"', "\u275b": "'", "\u275c": "'", "\u275d": '"', "\u275e": '"',
        "\u301d": '"', "\u301e": '"', "\u301f": '"', "\u2e42": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
        # bidi marks, embeddings, overrides and isolates (LRM, RLM, ALM, LRE...PDF, LRI...PDI);
        # Mongolian vowel separator and invisible operators: they carry no text
        **dict.fromkeys("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                        "\u2066\u2067\u2068\u2069\u180e\u2061\u2062\u2063\u2064"),
    }
)  # fmt: skip


#: Two or more hyphens, as typed for a dash ("--"), after the dashes are folded.
_DASH_RUN = re.compile(r"-{2,}")
#: The (no-break) spaces French typography sets inside guillemets: "\u00ab\u00a0oui\u00a0\u00bb".
_GUILLEMET_SPACE = re.compile(r"(?<=[\u00ab\u2039])\s+|\s+(?=[\u00bb\u203a])")


def decode_entities(text: str) -> str:
    """Decode HTML character references (``&amp;``, ``&#8217;``, ``&nbsp;``) once: only for
    text still escaped (JSON-LD strings), never for text the HTML parser has decoded."""
    return html.unescape(text) if "&" in text else text


def remove_controls(text: str) -> str:
    """Drop control characters but whitespace, and lone surrogates (text that can be stored)."""
    # Every character _CONTROL matches is unprintable: most text is done at C speed.
    return text if text.isprintable() else _CONTROL.sub("", text)


def remove_invisible(text: str) -> str:
    """Drop zero-width characters and soft hyphens."""
    return text if text.isascii() else text.translate(_INVISIBLE)  # none of them is ASCII


def collapse_whitespace(text: str) -> str:
    """Turn every run of (Unicode) whitespace into one space and trim the ends."""
    # Printable text has no whitespace but " " (every other one is a control or separator):
    # then only doubled or outer spaces change. Else str.split() splits on exactly the
    # characters _SPACES matches (str.isspace).
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def clean_text(text: str | None) -> str:
    """Faithful, tidy plain text: NFC, controls and invisibles removed, spaces collapsed.

    Entities are left as they are: the text is already decoded (see the module docstring).
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", remove_controls(text))
    return collapse_whitespace(remove_invisible(text))


def may_leak(text: str) -> bool:
    """False when ``text`` cannot hold a leak: every one has a "<" or a '="' (no regex run)."""
    return "<" in text or '="' in text


def markup_leak(text: str) -> str | None:
    """The first piece of HTML markup leaked by an extractor into ``text``, or ``None``.

    The one leak check: validation refuses such text, and the extraction tests use it too.
    """
    if not may_leak(text):
        return None
    m = _LEAK.search(text)
    return m.group(0) if m else None


def clean_blocks(blocks: Iterable[Block]) -> list[Block]:
    """Clean every block and drop the empty ones."""
    out = []
    for block in blocks:
        text = clean_text(block.text)
        if text:
            out.append(Block(text, block.kind))
    return out


def fold(text: str) -> str:
    """Fold what is not editorial: quote, guillemet, dash and ellipsis variants, spacing,
    zero-width characters and bidi marks (so none of them is ever a title or body change)."""
    if not text.isascii():  # every character folded below is outside ASCII
        if any(mark in text for mark in "\u00ab\u00bb\u2039\u203a"):
            text = _GUILLEMET_SPACE.sub("", text)
        # Before NFKC too: it splits some variants ("\u00b4" into a space and an accent).
        text = unicodedata.normalize("NFKC", text.translate(_FOLD)).translate(_FOLD)
    # NFKC has already turned "\u2026" into "...". A typed "--" stands for a dash.
    if "--" in text:
        text = _DASH_RUN.sub("-", text)
    return collapse_whitespace(remove_invisible(text))


def fingerprint(title: str, body: Iterable[Block]) -> str:
    """A hash of what is editorial in an article: title and body text, folded.

    Byline and dates are left out on purpose: a "Published 2 hours ago" line or
    a byline rewritten by the template is not an edit of the story. Block kinds
    are left out too, so a paragraph re-marked as a list item by a redesign is
    not a change. Entities are decoded before folding: versions stored when
    page text was decoded twice ("AT&amp;amp;T" stored as "AT&T", now "AT&amp;T")
    keep their fingerprint, so the fix shows no phantom version.
    """
    parts = [fold(decode_entities(title))] + [fold(decode_entities(b.text)) for b in body]
    return hashlib.sha256("\n".join(p for p in parts if p).encode("utf-8")).hexdigest()
