"""The shared reading of a site whose article body is read by code, and helpers for site readers.

:class:`SiteExtractor` is the template of the CNN, Washington Post, New York
Times, Reuters and Guardian extractors. It refuses live pages (and what else
the site declares not an article), reads the body the site's way
(:meth:`SiteExtractor.body`), refuses a page without such a body that is not
marked as an article, falls back to the JSON-LD ``articleBody`` and then to
trafilatura with the site's furniture pruned, and reads title, byline and
dates from the headline, meta tags and JSON-LD. A site module declares its
selectors as class attributes and overrides the hooks where its pages differ.

The functions are the small pieces site readers share (the BBC's and the
selector-driven ones of :mod:`~newsdiffs.extract.configured` too): skipping
what is never body, dropping link-only promos, author names from the page,
"By" prefixes, the JSON-LD author and whether a page says it is an article.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from typing import ClassVar

from lxml import etree
from parsel import Selector

from ..items import ArticleItem, Block
from .base import ExtractionError, Extractor
from .boilerplate import drop_boilerplate
from .generic import (
    Segment,
    blocks_from_plain_text,
    canonical_link,
    first_text,
    join_names,
    jsonld_article,
    meta_content,
    parse_date,
    parse_html,
    text_of,
    trafilatura_blocks,
)

#: Why a live page (JSON-LD ``LiveBlogPosting``) is refused.
LIVE_PAGE = "live page, not an article"
#: Why a page without a known body and not marked as an article is refused.
NOT_AN_ARTICLE = "no article on this page (no article markup or JSON-LD)"

_BY = re.compile(r"^\s*by\s+", re.I)


# --- helpers --------------------------------------------------------------------


def skipper(scope: Selector, css: str) -> Callable[[etree._Element], bool]:
    """A ``skip`` test for :func:`~newsdiffs.extract.generic.segment_blocks`: the
    elements ``css`` finds inside ``scope``."""
    # CSS matches the scope itself too; the scope is never skipped.
    elements = {found.root for found in scope.css(css)} - {scope.root}
    return elements.__contains__


def first_match(sel: Selector, queries: Iterable[str]) -> Selector | None:
    """The first element found by the first of ``queries`` that finds any."""
    return next((found[0] for found in map(sel.css, queries) if found), None)


def body_children(
    container: Selector, tags: Container[str], skip: Callable[[etree._Element], bool]
) -> Iterator[Selector]:
    """The direct children of ``container`` whose tag is one of ``tags``, unless skipped."""
    for child in container.xpath("./*"):
        if child.root.tag in tags and not skip(child.root):
            yield child


def without_promos(segments: Iterable[Segment], any_kind: bool = False) -> list[Block]:
    """Blocks of ``segments`` without the promos: a list item that is nothing but a link
    (a "related story"), with ``any_kind`` any segment that is ("Related: ...", "Sign up")."""
    return [
        Block(s.text, s.kind)
        for s in segments
        if not (s.linked and (any_kind or s.kind == "list_item"))
    ]


def without_by(name: str, chars: str | None = None) -> str:
    """``"By Jane Doe"`` -> ``"Jane Doe"``; ``chars`` (default whitespace) stripped from the ends."""
    return _BY.sub("", name).strip(chars)


def author_names(
    sel: Selector, queries: Iterable[str], clean: Callable[[str], str] = without_by
) -> str | None:
    """The names the first of ``queries`` that finds any finds, one a match, ``clean``-ed and
    joined (``clean=str`` takes them as written)."""
    for query in queries:
        names = [clean(text_of(found)) for found in sel.css(query)]
        if any(names):
            return join_names(names)
    return None


def ld_author(ld: dict) -> str | None:
    """The JSON-LD author when it names people, not only an organisation."""
    return None if ld.get("author_is_organization") else ld.get("author")


def og_type(sel: Selector) -> str:
    """The page's ``og:type``, lower case (``""`` when it has none)."""
    return (meta_content(sel, "og:type") or "").lower()


def is_marked_article(sel: Selector, ld: dict) -> bool:
    """Whether the page says it is an article: a JSON-LD article or ``og:type`` article."""
    return bool(ld) or og_type(sel) == "article"


def css_value(sel: Selector, queries: Sequence[str]) -> str | None:
    """The first value (``::attr(...)`` or ``::text``) of the first of ``queries`` that
    gives a non-empty one, else the last query's (``None`` without queries)."""
    value = None
    for query in queries:
        value = sel.css(query).get()
        if value:
            break
    return value


def body_or_fallbacks(
    sel: Selector, url: str, body: list[Block], ld: dict, prune: Sequence[str] = ()
) -> list[Block]:
    """``body`` if it has blocks, else JSON-LD ``articleBody``, else trafilatura (``prune`` removed
    first); whichever is taken without boilerplate (:func:`~newsdiffs.extract.boilerplate.drop_boilerplate`:
    ads, gallery captions, promos, appeals, banners, rails)."""
    return (
        drop_boilerplate(body)
        or drop_boilerplate(blocks_from_plain_text(ld.get("articleBody")))
        or trafilatura_blocks(sel, url, prune=prune)
    )


# --- the template ----------------------------------------------------------------


class SiteExtractor(Extractor):
    """A site whose body :meth:`body` reads; everything else is data and small hooks.

    Title: the first :attr:`headline` with text, else the JSON-LD headline,
    else ``<title>`` without :attr:`title_suffix`. Byline: :meth:`byline`
    (the JSON-LD people unless overridden). Dates: the first of the
    :attr:`published_meta` / :attr:`modified_meta` tags, else JSON-LD, else
    :attr:`published_css` / :attr:`modified_css` in the page.
    """

    #: Headline selectors, tried in order.
    headline: ClassVar[tuple[str, ...]] = ("h1",)
    #: The decoration ``<title>`` adds after the headline (" - The New York Times").
    title_suffix: ClassVar[re.Pattern[str] | None] = None
    #: Meta tags holding the publication and last-modified times, tried in order.
    published_meta: ClassVar[tuple[str, ...]] = ("article:published_time",)
    modified_meta: ClassVar[tuple[str, ...]] = ("article:modified_time",)
    #: Values in the page (``time::attr(datetime)``) read when meta tags and JSON-LD have no time.
    published_css: ClassVar[tuple[str, ...]] = ()
    modified_css: ClassVar[tuple[str, ...]] = ()
    #: Removed before trafilatura reads a page whose :meth:`body` found nothing.
    fallback_prune: ClassVar[tuple[str, ...]] = ()
    #: The refusal of a live page, and of any page :attr:`not_article_css` finds something on.
    live_message: ClassVar[str] = LIVE_PAGE
    not_article_css: ClassVar[str] = ""
    #: Whether a page whose ``og:type`` is a video is refused.
    refuse_video: ClassVar[bool] = False

    def body(self, sel: Selector) -> list[Block]:
        """The body blocks as the site's known layouts hold them (``[]``: none found)."""
        raise NotImplementedError

    def byline(self, sel: Selector, ld: dict) -> str | None:
        """The authors (by default the JSON-LD people)."""
        return ld_author(ld)

    def page_title(self, sel: Selector) -> str:
        """The ``<title>`` without the site's decoration."""
        title = first_text(sel, "title")
        return self.title_suffix.sub("", title) if self.title_suffix else title

    def refusal(self, sel: Selector, ld: dict) -> str | None:
        """Why the page is not an article before its body is read, if it says so."""
        if ld.get("live") or (self.not_article_css and sel.css(self.not_article_css)):
            return self.live_message
        if self.refuse_video and og_type(sel).startswith("video"):
            return "video page, not an article"
        return None

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        ld = jsonld_article(sel) or {}
        if reason := self.refusal(sel, ld):
            raise ExtractionError(reason)
        body = self.body(sel)
        if not body and not is_marked_article(sel, ld):
            raise ExtractionError(NOT_AN_ARTICLE)
        body = body_or_fallbacks(sel, url, body, ld, self.fallback_prune)
        if not body:
            raise ExtractionError("no article body")
        published_raw = (
            meta_content(sel, *self.published_meta)
            or ld.get("datePublished")
            or css_value(sel, self.published_css)
        )
        modified_raw = (
            meta_content(sel, *self.modified_meta)
            or ld.get("dateModified")
            or css_value(sel, self.modified_css)
        )
        return ArticleItem(
            url=url,
            canonical_url=canonical_link(sel, url),
            title=first_text(sel, *self.headline) or ld.get("headline") or self.page_title(sel),
            byline=self.byline(sel, ld),
            published_raw=published_raw,
            published=parse_date(published_raw),
            modified_raw=modified_raw,
            modified=parse_date(modified_raw),
            body=body,
        )
