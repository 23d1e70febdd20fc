"""Article metadata from a parsed page: canonical link, dates, title decorations, authors,
and what the page says it is (an article, a video).

The meta tag names read for each field are data here (:data:`PUBLISHED_META` ...);
:class:`~newsdiffs.extract.template.TemplateExtractor` decides the order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from parsel import Selector

from ..times import to_iso
from ..urls import canonicalize, identity
from .jsonld import join_names, jsonld_objects
from .nodes import css_values, first_text, meta_content

#: Meta tags for each field, in order of trust.
TITLE_META = ("og:title", "twitter:title")
AUTHOR_META = ("author", "article:author", "og:article:author", "byl", "dc.creator", "DC.creator")
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datePublished", "pubdate",
    "publishdate", "date", "DC.date.issued", "dcterms.created", "OriginalPublicationDate",
)  # fmt: skip
MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "og:updated_time",
    "dateModified",
)


# --- links and dates --------------------------------------------------------


def canonical_link(sel: Selector, url: str) -> str:
    """The article's identity: ``link[rel=canonical]``, else ``og:url``, else ``url``; canonicalized."""
    candidates = sel.xpath(
        '//link[contains(concat(" ", normalize-space(translate(@rel, "CANONICAL", "canonical")), " "),'
        ' " canonical ")]/@href'
    ).getall()
    candidates.append(meta_content(sel, "og:url") or "")
    for href in candidates:
        href = href.strip()
        if href and not href.startswith("#"):
            try:
                return identity(urljoin(url, href))
            except ValueError:  # javascript:, mailto:, a bad port ...: never an identity
                continue
    return canonicalize(url)


_NUMERIC_DATE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$",
    re.I,
)


#: A Unix time: 9 or 10 digits of seconds (1973-2286), 12 or 13 of milliseconds. Shorter
#: numbers are not read as times ("20240105" is no Unix time).
UNIX_TIME = re.compile(r"^(?:\d{9,10}|\d{12,13})$")
# The classic BBC "Last updated" line: "19:26 GMT, Sunday, 5 April 2009 20:26 UK" and
# "Saturday, 21 October 2006, 14:41 GMT 15:41 UK".
_CLASSIC_TIME_FIRST = re.compile(r"(\d{1,2}:\d{2}) GMT,\s*\w+,\s*(\d{1,2} \w+ \d{4})")
_CLASSIC_DATE_FIRST = re.compile(r"\w+,\s*(\d{1,2} \w+ \d{4}),\s*(\d{1,2}:\d{2}) GMT")


def parse_date(raw: str | None) -> str | None:
    """An ISO 8601 UTC timestamp (``2009-05-23T10:00:00Z``) from a date as sites write it.

    Reads ISO 8601 (``Z`` or offset, optional fraction), RFC 822 (``Sat, 23 May
    2009 10:00:00 GMT``), ``2009/05/23 10:00:00`` (BBC OriginalPublicationDate),
    Unix times in seconds or milliseconds (:data:`UNIX_TIME`: BBC story-body
    pages, AP) and the classic BBC "Last updated" text ("19:26 GMT, Sunday, 5
    April 2009 20:26 UK"). Times without a zone are taken as UTC; a bare date as
    midnight UTC. ``None`` when the text is not a date.
    """
    if not raw or not raw.strip():
        return None
    if UNIX_TIME.match(raw.strip()):
        number = int(raw)
        seconds = number / 1000 if number > 100_000_000_000 else number
        return to_iso(datetime.fromtimestamp(seconds, timezone.utc))
    if match := _CLASSIC_TIME_FIRST.search(raw):
        raw = f"{match.group(2)} {match.group(1)} GMT"
    elif match := _CLASSIC_DATE_FIRST.search(raw):
        raw = f"{match.group(1)} {match.group(2)} GMT"
    text = raw.strip()
    match = _NUMERIC_DATE.match(text)
    if match:
        year, month, day, hour, minute, second, zone = match.groups()
        zone_info = timezone.utc
        if zone and zone[0] in "+-":
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            zone_info = timezone(offset if zone[0] == "+" else -offset)
        try:
            moment = datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                tzinfo=zone_info,
            )
        except ValueError:
            return None
    else:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return to_iso(moment)


# --- title ------------------------------------------------------------------


def page_title(sel: Selector, decoration: re.Pattern[str] | None = None) -> str:
    """The page's ``<title>`` with a site's ``decoration`` around the headline cut (" | Reuters")."""
    title = first_text(sel, "title")
    return decoration.sub("", title).strip() if decoration else title


# --- authors ----------------------------------------------------------------

_BY = re.compile(r"^\s*by[\s:]+", re.I)


def without_by(name: str, chars: str | None = None) -> str:
    """``"By Jane Doe"`` (or ``"By: Jane Doe"``) -> ``"Jane Doe"``; ``chars`` (default
    whitespace) stripped from the ends."""
    return _BY.sub("", name).strip(chars)


def author_names(
    sel: Selector, queries: Iterable[str], clean: Callable[[str], str] = without_by
) -> str | None:
    """The names the first of ``queries`` that finds any finds, one a match (an element's
    text, or a ``::attr()`` value), ``clean``-ed and joined (``clean=str`` takes them as written)."""
    for query in queries:
        names = [clean(value) for value in css_values(sel, query)]
        if any(names):
            return join_names(names)
    return None


def ld_author(ld: dict) -> str | None:
    """The JSON-LD author when it names people, not only an organisation."""
    return None if ld.get("author_is_organization") else ld.get("author")


def byline_from_meta(sel: Selector) -> str | None:
    """The author meta tags' name (:data:`AUTHOR_META`), unless it is a profile URL."""
    value = meta_content(sel, *AUTHOR_META)
    # Facebook-style article:author holds a profile URL, not a name.
    return value if value and "://" not in value else None


# --- what the page is -------------------------------------------------------


def og_type(sel: Selector) -> str:
    """The page's ``og:type``, lower case (``""`` when it has none)."""
    return (meta_content(sel, "og:type") or "").lower()


def is_marked_article(sel: Selector, ld: dict) -> bool:
    """Whether the page says it is an article: a JSON-LD article or ``og:type`` article."""
    return bool(ld) or og_type(sel) == "article"


#: schema.org types of pages that are a video, a recording or a gallery.
MEDIA_TYPES = frozenset(
    {"VideoObject", "AudioObject", "PodcastEpisode", "ImageGallery", "MediaGallery", "Clip"}
)


def is_media_page(sel: Selector, ld: dict) -> bool:
    """Whether the page says it is a video, audio or gallery page: its ``og:type`` is a video or
    music, or it is not marked as an article (:func:`is_marked_article`) but has a JSON-LD media
    object (an article often embeds a video object too)."""
    kind = og_type(sel)
    if kind.startswith(("video", "music")):
        return True
    if ld or kind == "article":
        return False
    for obj in jsonld_objects(sel):
        types = obj.get("@type")
        for t in types if isinstance(types, list) else [types]:
            if isinstance(t, str) and t.rsplit("/", 1)[-1] in MEDIA_TYPES:
                return True
    return False
