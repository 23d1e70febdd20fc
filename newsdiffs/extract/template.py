"""The one extraction flow: :class:`TemplateExtractor`, whose steps every extractor shares.

Every extractor (the site ones, :class:`~newsdiffs.extract.generic.GenericExtractor`
and :class:`~newsdiffs.extract.configured.ConfiguredExtractor`) runs
:meth:`TemplateExtractor.extract`, in this order:

1. **Parse** the page and read its JSON-LD article (``ld``).
2. **Refuse** what the page says is not an article (:meth:`~TemplateExtractor.refusal`):
   a live page (JSON-LD ``LiveBlogPosting``, or what :attr:`~TemplateExtractor.not_article_css`
   finds) when :attr:`~TemplateExtractor.refuse_live`; a video, audio or gallery page
   (:func:`~newsdiffs.extract.metadata.is_media_page`) when :attr:`~TemplateExtractor.refuse_media`.
3. **Read** the page in the site's known layouts (:meth:`~TemplateExtractor.read`, by default
   :meth:`~TemplateExtractor.body`): a :class:`Reading` (body, and whatever title, byline and
   dates the layout holds), or ``None`` for a page in no known layout. Such a page that is not
   marked as an article (no JSON-LD article, no ``og:type`` article: an index, consent or
   error page) is refused when :attr:`~TemplateExtractor.refuse_unmarked`.
4. **Body**: the reading's blocks without boilerplate, else :meth:`~TemplateExtractor.fallback_body`
   (by default the JSON-LD ``articleBody``, then trafilatura with
   :attr:`~TemplateExtractor.fallback_prune` removed); blocks matching the site's
   :attr:`~TemplateExtractor.boilerplate` dropped. No body: :class:`ExtractionError`.
5. **Title** (:meth:`~TemplateExtractor.title`): the reading's, else the first
   :attr:`~TemplateExtractor.headline` with text, else JSON-LD ``headline``, else ``og:title``,
   else ``<title>`` without :attr:`~TemplateExtractor.title_suffix`.
6. **Byline**: the reading's, else :meth:`~TemplateExtractor.byline` (the JSON-LD people unless
   a site says otherwise).
7. **Dates**, each in one order for every extractor: JSON-LD (``datePublished`` /
   ``dateModified``), then the meta tags (:attr:`~TemplateExtractor.published_meta` /
   :attr:`~TemplateExtractor.modified_meta`, in order), then the page itself (what the
   layout read, else :attr:`~TemplateExtractor.published_css` /
   :attr:`~TemplateExtractor.modified_css`); read by :func:`~newsdiffs.extract.metadata.parse_date`.

A site module declares its selectors as class attributes and overrides the
hooks where its pages differ; nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from parsel import Selector

from ..items import ArticleItem, Block
from .base import ExtractionError, Extractor
from .boilerplate import drop_boilerplate
from .fallback import data_then_trafilatura
from .jsonld import jsonld_article
from .metadata import (
    canonical_link,
    is_marked_article,
    is_media_page,
    ld_author,
    page_title,
    parse_date,
)
from .nodes import first_text, meta_content
from .page import parse_html

#: Why a live page (JSON-LD ``LiveBlogPosting``) is refused.
LIVE_PAGE = "live page, not an article"
#: Why a video, audio or gallery page is refused.
MEDIA_PAGE = "video, audio or gallery page, not an article"
#: Why a page without a known body and not marked as an article is refused.
NOT_AN_ARTICLE = "no article on this page (no article markup or JSON-LD)"


@dataclass
class Reading:
    """What a site's layout found on a page; empty fields are left to the template's defaults."""

    body: list[Block] = field(default_factory=list)
    title: str = ""
    byline: str | None = None
    #: Dates as the page shows them, read after JSON-LD and meta tags.
    published_raw: str | None = None
    modified_raw: str | None = None
    #: Which layout read the page (for debugging; never stored).
    layout: str = ""


class TemplateExtractor(Extractor):
    """The extraction flow (see the module docstring); subclasses fill in data and hooks."""

    #: Headline selectors, tried in order when the reading has no title.
    headline: ClassVar[tuple[str, ...]] = ("h1",)
    #: The decoration ``<title>`` adds around the headline (" - The New York Times"), cut.
    title_suffix: ClassVar[re.Pattern[str] | None] = None
    #: Meta tags holding the publication and last-modified times, tried in order.
    published_meta: ClassVar[tuple[str, ...]] = ("article:published_time",)
    modified_meta: ClassVar[tuple[str, ...]] = ("article:modified_time",)
    #: Values in the page (``time::attr(datetime)``) read when JSON-LD, meta tags and the
    #: reading have no time.
    published_css: ClassVar[tuple[str, ...]] = ()
    modified_css: ClassVar[tuple[str, ...]] = ()
    #: Removed before trafilatura reads a page whose layout gave no body.
    fallback_prune: ClassVar[tuple[str, ...]] = ()
    #: Body blocks whose text matches one of these are site boilerplate
    #: ("Follow AP's coverage at ..."), never story text.
    boilerplate: ClassVar[tuple[re.Pattern[str], ...]] = ()
    #: Whether live pages, and any page :attr:`not_article_css` finds something on, are refused
    #: (with :attr:`live_message`).
    refuse_live: ClassVar[bool] = True
    live_message: ClassVar[str] = LIVE_PAGE
    not_article_css: ClassVar[str] = ""
    #: Whether a video, audio or gallery page is refused.
    refuse_media: ClassVar[bool] = False
    #: Whether a page in no known layout that is not marked as an article is refused.
    refuse_unmarked: ClassVar[bool] = True

    # --- hooks ------------------------------------------------------------------

    def refusal(self, sel: Selector, ld: dict) -> str | None:
        """Why the page is not an article before its body is read, if it says so."""
        if self.refuse_live and (
            ld.get("live") or (self.not_article_css and sel.css(self.not_article_css))
        ):
            return self.live_message
        if self.refuse_media and is_media_page(sel, ld):
            return MEDIA_PAGE
        return None

    def read(self, sel: Selector, ld: dict) -> Reading | None:
        """The page as the site's known layouts hold it (``None``: in none of them).

        By default only the body is read here (:meth:`body`); a page where it
        finds nothing counts as in no known layout.
        """
        body = self.body(sel)
        return Reading(body) if body else None

    def body(self, sel: Selector) -> list[Block]:
        """The body blocks as the site's known layouts hold them (``[]``: none found)."""
        return []

    def fallback_body(self, sel: Selector, url: str, ld: dict) -> list[Block]:
        """The body of a page whose layout gave none: JSON-LD ``articleBody``, else trafilatura
        with :attr:`fallback_prune` removed first; without boilerplate."""
        return data_then_trafilatura(sel, url, ld, self.fallback_prune)

    def title(self, sel: Selector, ld: dict, reading: Reading, url: str) -> str:
        """The headline (see the module docstring, step 5)."""
        return (
            reading.title
            or first_text(sel, *self.headline)
            or ld.get("headline")
            or meta_content(sel, "og:title")
            or page_title(sel, self.title_suffix)
        )

    def byline(self, sel: Selector, ld: dict) -> str | None:
        """The authors when the reading names none (by default the JSON-LD people)."""
        return ld_author(ld)

    # --- the flow -----------------------------------------------------------------

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        ld = jsonld_article(sel) or {}
        if reason := self.refusal(sel, ld):
            raise ExtractionError(reason)
        reading = self.read(sel, ld)
        if reading is None:
            if self.refuse_unmarked and not is_marked_article(sel, ld):
                raise ExtractionError(NOT_AN_ARTICLE)
            reading = Reading()
        body = drop_boilerplate(reading.body) or self.fallback_body(sel, url, ld)
        body = [b for b in body if not any(p.search(b.text) for p in self.boilerplate)]
        if not body:
            raise ExtractionError("no article body")
        published_raw = (
            ld.get("datePublished")
            or meta_content(sel, *self.published_meta)
            or reading.published_raw
            or first_text(sel, *self.published_css)
            or None
        )
        modified_raw = (
            ld.get("dateModified")
            or meta_content(sel, *self.modified_meta)
            or reading.modified_raw
            or first_text(sel, *self.modified_css)
            or None
        )
        return ArticleItem(
            url=url,
            canonical_url=canonical_link(sel, url),
            title=self.title(sel, ld, reading, url),
            byline=reading.byline or self.byline(sel, ld),
            published_raw=published_raw,
            published=parse_date(published_raw),
            modified_raw=modified_raw,
            modified=parse_date(modified_raw),
            body=body,
        )
