"""Deciding what a fetched article means: a failed extraction, no change, or a revision.

Pure functions; the pipelines call them and the store writes the outcome.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import filterfalse

from .items import Block
from .schedule import Policy
from .text import clean_text, markup_leak, may_leak
from .times import in_words

#: Titles that mark an error or consent page served with status 200.
ERROR_TITLES = re.compile(
    r"^(page not found|404\b|not found|error\b|access denied|403 forbidden|"
    r"before you continue|we value your privacy|are you a robot|subscribe to (continue|read))",
    re.IGNORECASE,
)

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


def _words(text: str) -> list[str]:
    """The words of ``_WORD.findall(text)`` (not in order), faster: a token between spaces
    made only of letters is one word as it is; the regex reads only the other tokens."""
    tokens = text.split()
    letters = list(filter(str.isalpha, tokens))  # letters are word characters, not digits or "_"
    if len(letters) == len(tokens):
        return letters
    return letters + _WORD.findall(" ".join(filterfalse(str.isalpha, tokens)))


def common_word_share(text: str) -> float:
    """Share of the words in ``text`` that are among the most common words of its language."""
    words = _words(text.casefold())
    return sum(map(_COMMON_WORDS.__contains__, words)) / len(words) if words else 0.0


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
    folded = sample.casefold()
    # Quick answer for most prose: each token between spaces that is a common word is one
    # (common words are letters only), and there are at most len/2 + 1 words: enough of
    # them already means a share >= 0.05 (or fewer than 30 words): not scrambled.
    if sum(map(_COMMON_WORDS.__contains__, folded.split())) >= 0.05 * (len(folded) // 2 + 1):
        return False
    if len(_words(sample)) < 30:
        return False
    words = _words(folded)
    if sum(map(_COMMON_WORDS.__contains__, words)) >= 0.05 * len(words):
        return False
    return max(common_word_share(shift_characters(sample, by)) for by in (-1, 1)) >= 0.15


def validation_problem(
    *, http_status: int, title: str, body: list[Block], error: str | None, min_body_chars: int,
    cleaned: bool = False,
) -> str | None:
    """Why an extracted item must not become a version, or ``None`` when it is fine.

    ``cleaned``: title and body are cleaned already (:func:`newsdiffs.revision.clean_item`),
    so they are measured as they are instead of being cleaned a second time.
    """
    if error:
        return error
    if http_status >= 400:
        return f"HTTP {http_status}"
    if not cleaned:
        title = clean_text(title)
    if not title:
        return "no title"
    if ERROR_TITLES.search(title):
        return f"error or consent page: {title[:80]}"
    body_chars = sum(len(b.text if cleaned else clean_text(b.text)) for b in body)
    if body_chars == 0:
        return "empty body"
    if body_chars < min_body_chars:
        return f"near-empty body ({body_chars} chars < {min_body_chars})"
    # One search over every field: "<>" between them ends any tag-shaped match, so the
    # first leak found is the first one of title, then each block in order.
    texts = [title, *(b.text for b in body)]
    leak = markup_leak("\n<>\n".join(texts)) if may_leak("\n".join(texts)) else None
    if leak:
        return f"markup in extracted text: {leak!r}"
    if looks_scrambled(" ".join(b.text for b in body)):
        return "scrambled body text (characters shifted, as some paywalls serve it)"
    return None


# -- What a check is, and what it does to the article ------------------------------

#: The kinds of check (:func:`classify`): no page read because the stored one still
#: stands (HTTP 304), the article now leads elsewhere, nothing usable was read, or a page.
NOT_MODIFIED, REDIRECTED, FAILED, PAGE = "not_modified", "redirected", "failed", "page"


def reads_page(http_status: int | None, redirected_to: str | None) -> bool:
    """Whether a fetch has a page to read: not a 304, not a note that the article moved."""
    return http_status != 304 and not redirected_to


def classify(*, http_status: int | None, redirected_to: str | None, error: str | None,
             tracked: bool) -> tuple[str, str | None]:
    """The kind of a check and, for :data:`FAILED`, why: the one place that tells them apart.

    A 304 or a move is about the stored article (``tracked``); one for an
    article that is not stored (any more) read nothing and is a failed check.
    """
    if http_status == 304 and tracked:
        return NOT_MODIFIED, None
    if redirected_to and tracked:
        return REDIRECTED, None
    if error:
        return FAILED, error
    if http_status == 304:
        return FAILED, "HTTP 304 (not modified) for an article that is not stored"
    if redirected_to:
        return FAILED, f"redirected to {redirected_to}, for an article that is not stored"
    return PAGE, None


#: What a check did, for :func:`next_state`.
SEEN, GONE, MOVED, HELD, STORED = "seen", "gone", "moved", "held", "stored"


def next_state(done: str, *, policy: Policy, now: datetime, quiet_since: datetime,
               gone_in_a_row: int = 0, rule: ConfirmRule | None = None
               ) -> tuple[datetime | None, str]:
    """``(next check, status)`` of an article after a check (``None``: not checked again).

    ``done`` is :data:`SEEN` (the article read unchanged, not modified, or not read:
    a failed check), :data:`GONE` (the ``gone_in_a_row``-th 404/410 in a row),
    :data:`MOVED` (it leads to another article), :data:`HELD` (a text held for
    confirmation: due again after ``rule.recheck_after``) or :data:`STORED` (a new
    version: the quiet period starts again). ``quiet_since`` is the last change, or
    the first sighting.
    """
    if done == SEEN:
        moment = policy.next_check(now, quiet_since)
        return (moment, "active") if moment else (None, "finished")
    if done == STORED:
        return policy.next_check(now, now), "active"
    if done == GONE:
        return policy.next_gone_check(now, gone_in_a_row), "gone"
    if done == MOVED:
        return None, "finished"
    if done == HELD:
        return now + (rule or ConfirmRule()).recheck_after, "active"
    raise ValueError(f"unknown check result {done!r}")


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
