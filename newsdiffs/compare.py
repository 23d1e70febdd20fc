"""Deciding what a fetched article means: a failed extraction, no change, or a revision.

Pure functions; the pipelines call them and the store writes the outcome.
"""

from __future__ import annotations

import re

from .items import Block
from .normalize import clean_text

#: Titles that mark an error or consent page served with status 200.
ERROR_TITLES = re.compile(
    r"^(page not found|404\b|not found|error\b|access denied|403 forbidden|"
    r"before you continue|we value your privacy|are you a robot|subscribe to (continue|read))",
    re.IGNORECASE,
)

# Markup that can only be an extractor leaking HTML (NewsSniffer once stored
# 'class="bulletList">' in article text). A bare "<script>" in prose is left
# alone: articles about web security quote tags.
_LEAK = re.compile(
    r'\bclass="|\bhref="|</(p|div|span|a|li|ul|ol|strong|em|b|i|figure|figcaption)>'
    r"|<(p|div|span|br|li|figure)(\s[^<>]*)?/?>",
    re.IGNORECASE,
)


def markup_leak(text: str) -> str | None:
    """The first piece of leaked HTML markup in ``text``, or ``None``."""
    m = _LEAK.search(text)
    return m.group(0) if m else None


def validation_problem(
    *, http_status: int, title: str, body: list[Block], error: str | None, min_body_chars: int
) -> str | None:
    """Why an extracted item must not become a version, or ``None`` when it is fine."""
    if error:
        return error
    if http_status >= 400:
        return f"HTTP {http_status}"
    title = clean_text(title)
    if not title:
        return "no title"
    if ERROR_TITLES.search(title):
        return f"error or consent page: {title[:80]}"
    body_chars = sum(len(clean_text(b.text)) for b in body)
    if body_chars == 0:
        return "empty body"
    if body_chars < min_body_chars:
        return f"near-empty body ({body_chars} chars < {min_body_chars})"
    for text in [title, *(b.text for b in body)]:
        leak = markup_leak(text)
        if leak:
            return f"markup in extracted text: {leak!r}"
    return None


def outcome_for(latest_hash: str | None, new_hash: str) -> str:
    """``new`` (first version), ``unchanged`` or ``changed``."""
    if latest_hash is None:
        return "new"
    return "unchanged" if latest_hash == new_hash else "changed"
