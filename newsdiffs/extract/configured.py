"""Extraction driven by CSS selectors given as data.

:func:`css_blocks` reads the body blocks (paragraphs, subheadings, list items)
out of the elements one CSS selector finds, leaving out everything another
selector marks as never body (captions, ads, promos, share tools). The site
extractors for AP, Al Jazeera, The Independent and NPR are declared with it,
as :class:`LayoutExtractor` subclasses listing their :class:`Layout` selectors.

:class:`ConfiguredExtractor` is the extractor of a source set up in
``sources.toml`` with its own ``body`` / ``title`` selectors: they override
the generic reading; metadata and the fallbacks (JSON-LD ``articleBody``, then
trafilatura) are as in :class:`~newsdiffs.extract.generic.GenericExtractor`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import chain
from typing import TYPE_CHECKING, ClassVar

from lxml import etree
from parsel import Selector

from ..items import ArticleItem, Block
from ..times import to_iso
from .base import ExtractionError, Extractor
from .generic import (
    GenericExtractor,
    blocks_from_plain_text,
    canonical_link,
    displayed_headline,
    first_text,
    join_names,
    jsonld_article,
    jsonld_objects,
    meta_content,
    metadata,
    parse_date,
    parse_html,
    segment_blocks,
    text_of,
    trafilatura_blocks,
)
from .site import (
    LIVE_PAGE,
    NOT_AN_ARTICLE,
    body_or_fallbacks,
    is_marked_article,
    ld_author,
    og_type,
)

if TYPE_CHECKING:
    from ..sources import Source

#: Elements whose text makes one body block each (nested ones count once).
BLOCK_CSS = "p, h2, h3, h4, h5, h6, li, blockquote, pre"
#: Never body on any site: media and their captions, asides, navigation, forms,
#: page furniture, text meant only for screen readers.
ALWAYS_NOT_BODY = (
    "figure, figcaption, aside, nav, form, header, footer, [hidden], "
    ".visually-hidden, .sr-only, .screen-reader-text"
)
#: A block without a letter or digit is a separator ("___", "* * *"), not text.
_HAS_WORD = re.compile(r"[^\W_]")


def _inside(element: etree._Element, elements: set[etree._Element], top: etree._Element) -> bool:
    """Whether ``element`` or an ancestor of it up to ``top`` is one of ``elements``."""
    for e in chain((element,), element.iterancestors()):
        if e in elements:
            return True
        if e is top:
            return False
    return False


def css_blocks(
    scope: Selector, body: str, not_body: str = "", blocks: str = BLOCK_CSS
) -> list[Block]:
    """Body blocks of the elements ``body`` selects in ``scope``, in document order.

    Each element matched by ``blocks`` inside them (or the element itself)
    gives its text segments; headings become subheadings, ``<li>`` list items.
    Elements matched by ``not_body`` (and :data:`ALWAYS_NOT_BODY`) are left out
    with everything inside them. A list item that is nothing but links is a
    "related stories" promo and is dropped, together with a heading that only
    introduced such promos ("More:", "Read more"); separator lines are dropped.
    """
    never = ", ".join(filter(None, (ALWAYS_NOT_BODY, not_body)))
    skipped = {found.root for found in scope.css(never)}
    taken: set[etree._Element] = set()
    out: list[Block] = []
    for container in scope.css(body):
        top = container.root
        for candidate in container.css(blocks):
            element = candidate.root
            # Only what lies inside the chosen container counts: a whole page
            # wrapped in a <form> (ASP.NET) is still read.
            if _inside(element, skipped, top) or _inside(element, taken, top):
                continue
            taken.add(element)
            segments = segment_blocks(element, skipped.__contains__)
            if element.tag == "li" and segments and all(s.linked for s in segments):
                if out and out[-1].kind == "subheading":
                    out.pop()
                continue
            out.extend(Block(s.text, s.kind) for s in segments if _HAS_WORD.search(s.text))
    return out


class ConfiguredExtractor(Extractor):
    """A source's own CSS selectors for body and title, else the generic reading.

    ``body`` selects the element(s) holding the article text (or the paragraphs
    themselves), ``title`` the headline, ``exclude`` what inside the body is
    never body text (related links, ads ...). Without selectors it reads like
    the generic extractor.
    """

    name = "configured"
    version = "4"

    def __init__(self, body: str | None = None, title: str | None = None,
                 exclude: str | None = None) -> None:
        self.body = body
        self.title = title
        self.exclude = exclude

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        ld = jsonld_article(sel) or {}
        fields = metadata(sel, ld)
        if self.title:
            fields["title"] = first_text(sel, self.title) or fields["title"]
        elif fields["title"]:  # the title rule of the generic extractor
            fields["title"] = displayed_headline(sel, fields["title"], url)
        prune = [self.exclude] if self.exclude else []
        if self.body:
            body = body_or_fallbacks(sel, url, css_blocks(sel, self.body, self.exclude or ""), ld,
                                     prune)
        else:  # the generic order: trafilatura first
            body = trafilatura_blocks(sel, url, prune) or blocks_from_plain_text(
                ld.get("articleBody"))
        if not body:
            raise ExtractionError("no article body")
        return ArticleItem(url=url, canonical_url=canonical_link(sel, url), body=body, **fields)


def extractor_for_source(source: Source) -> Extractor:
    """The extractor a source of the sources file reads with: configured when it gives CSS
    selectors, else the generic one."""
    if source.has_selectors:
        return ConfiguredExtractor(body=source.body, title=source.title, exclude=source.exclude)
    return GenericExtractor()


# --- site extractors declared as selectors ---------------------------------------


@dataclass(frozen=True)
class Layout:
    """One layout of a site's article pages, as CSS selectors.

    ``body`` finds the element(s) holding the story (a page whose ``body``
    matches is in this layout); ``not_body`` is what inside it is never story
    text. ``title``, ``byline``, ``published`` and ``modified`` are tried in
    order; a selector ending in ``::attr(name)`` reads an attribute, else the
    element's text. Every match of the first byline selector that matches is
    one author.
    """

    name: str
    body: str
    not_body: str = ""
    title: tuple[str, ...] = ()
    byline: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()


_BY = re.compile(r"^\s*by[\s:]+", re.I)


def strip_by(name: str) -> str:
    """``"By Jane Doe"`` -> ``"Jane Doe"``."""
    return _BY.sub("", name).strip()


def parse_any_date(raw: str | None) -> str | None:
    """ISO 8601 UTC from :func:`parse_date` input or a Unix time in seconds or milliseconds."""
    if raw and raw.strip().isdigit():
        number = int(raw)
        seconds = number / 1000 if number > 100_000_000_000 else number
        return to_iso(datetime.fromtimestamp(seconds, timezone.utc))
    return parse_date(raw)


#: schema.org types of pages that are a video, a recording or a gallery.
MEDIA_TYPES = frozenset(
    {"VideoObject", "AudioObject", "PodcastEpisode", "ImageGallery", "MediaGallery", "Clip"}
)


def is_media_page(sel: Selector) -> bool:
    """True when the page says it is a video, audio or gallery page (og:type or JSON-LD type).

    Only meaningful for a page without a JSON-LD article: articles often embed
    a video object too.
    """
    if og_type(sel).startswith(("video", "music")):
        return True
    for obj in jsonld_objects(sel):
        types = obj.get("@type")
        for t in types if isinstance(types, list) else [types]:
            if isinstance(t, str) and t.rsplit("/", 1)[-1] in MEDIA_TYPES:
                return True
    return False


def _values(sel: Selector, query: str) -> list[str]:
    if "::attr(" in query or "::text" in query:
        return [v.strip() for v in sel.css(query).getall() if v.strip()]
    return [t for t in (text_of(found) for found in sel.css(query)) if t]


def first_value(sel: Selector, queries: Sequence[str]) -> str | None:
    """The first non-empty value found by the queries, in order."""
    for query in queries:
        values = _values(sel, query)
        if values:
            return values[0]
    return None


class LayoutExtractor(Extractor):
    """A site read through its :data:`layouts`, newest first.

    The first layout whose ``body`` selector matches reads the page. When it
    finds no body text, the JSON-LD ``articleBody`` is used, then trafilatura
    with :data:`prune` removed first. A live page (``LiveBlogPosting``)
    raises :class:`ExtractionError`, as does a page without a JSON-LD article
    that says it is a video, audio or gallery page, and a page in no known
    layout that is not marked as an article (no JSON-LD article, no
    ``og:type`` article: an index or error page).
    """

    layouts: ClassVar[tuple[Layout, ...]] = ()
    #: Removed before trafilatura reads a page whose layout gave no body.
    prune: ClassVar[tuple[str, ...]] = ()
    #: Decorations of ``<title>`` around the headline (" | AP News").
    title_suffixes: ClassVar[tuple[str, ...]] = ()
    #: Body blocks whose text matches one of these are site boilerplate
    #: ("Follow AP's coverage at ..."), never story text.
    boilerplate: ClassVar[tuple[re.Pattern[str], ...]] = ()

    def page_title(self, sel: Selector) -> str:
        """The ``<title>`` without the site's decorations."""
        title = first_text(sel, "title")
        for suffix in self.title_suffixes:
            title = title.removesuffix(suffix)
        return title.strip()

    def byline(self, sel: Selector, layout: Layout | None, ld: dict) -> str | None:
        """Authors from the layout's byline selectors, else the JSON-LD people."""
        for query in layout.byline if layout else ():
            names = [strip_by(v) for v in _values(sel, query)]
            if any(names):
                return join_names(names)
        return ld_author(ld)

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        ld = jsonld_article(sel) or {}
        if ld.get("live"):
            raise ExtractionError(LIVE_PAGE)
        if not ld and is_media_page(sel):
            raise ExtractionError("video, audio or gallery page, not an article")
        layout = next((lay for lay in self.layouts if sel.css(lay.body)), None)
        if layout is None and not is_marked_article(sel, ld):
            raise ExtractionError(NOT_AN_ARTICLE)
        found = css_blocks(sel, layout.body, layout.not_body) if layout else []
        body = body_or_fallbacks(sel, url, found, ld, self.prune)
        body = [b for b in body if not any(p.search(b.text) for p in self.boilerplate)]
        if not body:
            raise ExtractionError("no article body")
        published_raw = (
            ld.get("datePublished")
            or meta_content(sel, "article:published_time")
            or first_value(sel, layout.published if layout else ())
        )
        modified_raw = (
            ld.get("dateModified")
            or meta_content(sel, "article:modified_time")
            or first_value(sel, layout.modified if layout else ())
        )
        return ArticleItem(
            url=url,
            canonical_url=canonical_link(sel, url),
            title=first_value(sel, layout.title if layout else ())
            or ld.get("headline")
            or meta_content(sel, "og:title")
            or self.page_title(sel),
            byline=self.byline(sel, layout, ld),
            published_raw=published_raw,
            published=parse_any_date(published_raw),
            modified_raw=modified_raw,
            modified=parse_any_date(modified_raw),
            body=body,
        )
