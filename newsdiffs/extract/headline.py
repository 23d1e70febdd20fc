"""The headline readers see: the title rule of the generic and configured extractors.

:func:`displayed_headline` picks the page's ``<h1>`` when the metadata titles
(JSON-LD, ``og:title``, ``<title>``) confirm it, else the metadata title
without a trailing site name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from lxml import etree
from parsel import Selector

from ..text import fold
from ..urls import host_of
from .metadata import TITLE_META
from .nodes import first_text, meta_content, text_of

# A page title's parts: "Kicker: Headline", "Headline | Site", "Headline - Site".
_TITLE_SEPARATOR = re.compile(r"\s+[|\-\u2013\u2014\u00b7\u2022:]{1,2}\s+|(?<=\w):\s+")


def _comparable(text: str) -> str:
    """Text for comparing titles: accents, case, typographic variants and spacing folded."""
    text = unicodedata.normalize("NFKD", fold(text)).casefold()
    return "".join(c for c in text if not unicodedata.combining(c))


def _is_site_name(text: str, sites: Sequence[str]) -> bool:
    """Whether ``text`` is a site's name ("POLITICO", "Aktuálně.cz", "Bloomberg UK")."""
    words = re.sub(r"[^\w]+", "", _comparable(text))
    # Short names ("ft", "bbc") only match exactly: they hide inside ordinary words.
    return bool(words) and any(
        words == site or (min(len(words), len(site)) >= 4 and (
            words in site or (site in words and len(words) <= len(site) + 10)))
        for site in sites if site)


#: Parts of an ``<h1>`` that are not the headline: a kicker above it, screen-reader text.
HEADLINE_NOT_TEXT_CLASSES = ("kicker", "dachzeile", "overline", "eyebrow")
HEADLINE_HIDDEN_CLASSES = frozenset({"visually-hidden", "sr-only", "screen-reader-text"})


def _not_headline(element: etree._Element) -> bool:
    classes = (element.get("class") or "").lower()
    return any(name in classes for name in HEADLINE_NOT_TEXT_CLASSES) or bool(
        HEADLINE_HIDDEN_CLASSES.intersection(classes.split()))


_TITLE_WORD = re.compile(r"\w{3,}")
#: Share of a displayed headline's words a metadata title must hold for both to name one story.
SAME_STORY_SHARE = 0.5
#: Words a displayed headline needs before word overlap can vouch for it.
SAME_STORY_MIN_WORDS = 3


def _same_story(heading: str, title: str) -> bool:
    """Whether an ``<h1>`` reworded from a metadata title still names the same story: at least
    :data:`SAME_STORY_SHARE` of its words (of three letters or more) are in the title."""
    words = set(_TITLE_WORD.findall(_comparable(heading)))
    if len(words) < SAME_STORY_MIN_WORDS:
        return False
    return len(words & set(_TITLE_WORD.findall(_comparable(title)))) >= SAME_STORY_SHARE * len(words)


def displayed_headline(sel: Selector, title: str, url: str) -> str:
    """The headline as the page shows it, given the metadata ``title``.

    Metadata titles often differ from the headline readers see: an SEO
    headline in JSON-LD, a site name or kicker added to ``og:title`` or
    ``<title>`` ("Headline | Site", "Kicker: Headline"). An ``<h1>`` (without
    a kicker or screen-reader text inside it) is taken when it is one of the
    metadata titles, else when it is one part of one (a metadata title that
    an ``<h1>`` holds with more text around it, a kicker or byline, is taken),
    else when it is a rewording of one (:func:`_same_story`: an SEO headline in JSON-LD, a
    shorter display headline); otherwise ``title`` is kept, without a trailing
    site name. This is the title rule of every extractor: the headline readers
    see, with metadata only to confirm it or to stand in when the page shows none.
    """
    candidates = [title, *(meta_content(sel, name) or "" for name in TITLE_META),
                  first_text(sel, "title")]
    sites = [re.sub(r"[^\w]+", "", _comparable(name)) for name in (
        meta_content(sel, "og:site_name") or "", host_of(url).split(".")[0])]
    # A logo in an <h1> (or a title that is only the site's name) is no headline.
    candidates = [c for c in candidates if c and not _is_site_name(c, sites)]
    headings = [h for h in (text_of(node, _not_headline) for node in sel.css("h1"))
                if h and not _is_site_name(h, sites)]
    if not candidates:
        return title
    for candidate in candidates:
        for heading in headings:
            if _comparable(heading) == _comparable(candidate):
                return heading
    for candidate in candidates:
        parts = [_comparable(p) for p in _TITLE_SEPARATOR.split(candidate)]
        for heading in headings:
            if len(parts) > 1 and _comparable(heading) in parts:
                return heading
    for heading in headings:
        for candidate in candidates:  # an <h1> with an unmarked kicker or byline around it
            if len(_comparable(candidate)) >= 10 and _comparable(candidate) in _comparable(heading):
                return candidate
    for heading in headings:
        if any(_same_story(heading, candidate) for candidate in candidates):
            return heading
    title = candidates[0]
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) > 1 and _is_site_name(parts[-1], sites):
        return title[: title.rfind(parts[-1])].rstrip(" |-\u2013\u2014\u00b7\u2022:")
    return title
