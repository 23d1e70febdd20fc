"""Deciding what a fetched article means: a failed extraction, no change, or a revision.

Pure functions; the pipelines call them and the store writes the outcome.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .items import Block
from .normalize import clean_text
from .times import in_words

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


# The most frequent words of the languages newsdiffs reads (English, German,
# French, Spanish, Portuguese, Italian, Dutch). Real prose is a quarter or more
# made of them; text whose characters were shifted by a paywall has next to none
# until it is shifted back.
_COMMON_WORDS = frozenset(
    """the and of to in is that for on with was as it he she his her they be are at by this
    have from not but an or were has had will said der die und das ist nicht mit den von zu
    sich des auf für im dem ein eine auch es an als sie er wird bei nach aus wie hat dass
    noch le la les et des est un une du en que pas pour dans qui sur au il elle par ne se
    el los las y del por con una para lo al su más o os as do da em um uma não com il di
    che per non gli della het een van op te dat zijn""".split()
)
_WORD = re.compile(r"[^\W\d_]+")
#: How much of a body is looked at (enough to judge, cheap on long pages).
_SCRAMBLE_SAMPLE = 4000


def common_word_share(text: str) -> float:
    """Share of the words in ``text`` that are among the most common words of its language."""
    words = _WORD.findall(text.casefold())
    return sum(w in _COMMON_WORDS for w in words) / len(words) if words else 0.0


def shift_characters(text: str, by: int) -> str:
    """Every non-space character moved ``by`` code points (how some paywalls scramble text)."""
    table = {ord(c): ord(c) + by for c in set(text)
             if not c.isspace() and 33 <= ord(c) + by <= sys.maxunicode}
    return text.translate(table)


def looks_scrambled(text: str) -> bool:
    """True for prose that reads as words only once its characters are shifted back by one.

    Some paywalls serve the article with every character moved one code point
    ("Ebt jtu" for "Das ist"); storing it would record a complete rewrite.
    """
    sample = text[:_SCRAMBLE_SAMPLE]
    if len(_WORD.findall(sample)) < 30 or common_word_share(sample) >= 0.05:
        return False
    return max(common_word_share(shift_characters(sample, by)) for by in (-1, 1)) >= 0.15


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
    if looks_scrambled(" ".join(b.text for b in body)):
        return "scrambled body text (characters shifted, as some paywalls serve it)"
    return None


def outcome_for(latest_hash: str | None, new_hash: str) -> str:
    """``new`` (first version), ``unchanged`` or ``changed``."""
    if latest_hash is None:
        return "new"
    return "unchanged" if latest_hash == new_hash else "changed"


# -- The confirmation rule -------------------------------------------------------
# A truncated response, a paywall teaser or a CDN serving an old copy looks like
# an edit that is undone on the next fetch. Texts with that shape are held as a
# ``pending`` check and stored only when a second fetch reads the same text.

#: What :func:`confirmation` tells the pipeline to do.
STORE, UNCHANGED, HOLD, CONFIRM, REJECT = "store", "unchanged", "hold", "confirm", "reject"


@dataclass(frozen=True)
class ConfirmRule:
    """When a changed text needs a second fetch before it is stored."""

    #: A text that loses more than this share of the stored body's words is held.
    max_word_loss: float = 0.3
    #: A return to a text replaced less than this long ago is held.
    revert_window: timedelta = timedelta(days=1)
    #: How soon an article with a held text is due again (the next cron run).
    recheck_after: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class Verdict:
    """What to do with a fetched text: one of the actions above, and why it is held."""

    action: str
    reason: str | None = None


def cut_short(old_body: str, new_body: str) -> bool:
    """True when ``new_body`` is ``old_body`` cut off: its first words, the last maybe cut mid-word."""
    new, old = new_body.split(), old_body.split()
    if not new or len(new) >= len(old):
        return False
    n = len(new)
    return new[:-1] == old[: n - 1] and old[n - 1].startswith(new[-1])


def suspicion(
    *,
    old_body: str,
    new_body: str,
    new_hash: str,
    replaced: Mapping[str, datetime],
    now: datetime,
    rule: ConfirmRule,
) -> str | None:
    """Why a changed text looks like a partial page or a stale copy, or ``None``.

    ``replaced`` maps the hash of each earlier text (not the latest) to when it
    was last replaced by another version.
    """
    old_words, new_words = len(old_body.split()), len(new_body.split())
    if cut_short(old_body, new_body):
        return f"cut short: ends after {new_words} of {old_words} words"
    if old_words and (old_words - new_words) / old_words > rule.max_word_loss:
        lost = round(100 * (old_words - new_words) / old_words)
        return f"loses {lost}% of the words ({old_words} -> {new_words})"
    when = replaced.get(new_hash)
    if when is not None and now - when <= rule.revert_window:
        return f"returns to a text replaced {in_words(now - when)} ago"
    return None


def confirmation(
    *,
    latest_hash: str | None,
    latest_body: str | None,
    new_hash: str,
    new_body: str,
    candidate_hash: str | None,
    replaced: Mapping[str, datetime],
    now: datetime,
    rule: ConfirmRule = ConfirmRule(),
) -> Verdict:
    """Store, hold, confirm or reject a fetched text (the confirmation rule).

    ``latest_*`` is the article's newest stored version (``None`` for a new
    article; ``latest_body`` is read only when the hashes differ),
    ``candidate_hash`` the text held by an earlier ``pending`` check, if any.

    * the stored text again: ``unchanged``, or ``reject`` when a text was held;
    * the held text again: ``confirm`` (store it);
    * any other text: ``hold`` when it is cut short, loses more than
      ``rule.max_word_loss`` of the words, or returns to a text replaced within
      ``rule.revert_window``; else ``store``. A held text it replaces is rejected.
    """
    if latest_hash is None:
        return Verdict(STORE)
    if new_hash == latest_hash:
        return Verdict(REJECT if candidate_hash else UNCHANGED)
    if new_hash == candidate_hash:
        return Verdict(CONFIRM)
    reason = suspicion(
        old_body=latest_body or "",
        new_body=new_body,
        new_hash=new_hash,
        replaced=replaced,
        now=now,
        rule=rule,
    )
    return Verdict(HOLD, reason) if reason else Verdict(STORE)
