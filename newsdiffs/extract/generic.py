"""The ``generic`` extractor, for sites without their own.

It runs the one extraction flow (:class:`~newsdiffs.extract.template.TemplateExtractor`)
with no layouts: the body is trafilatura's reading, or the page's data copy of the
story when that holds clearly more (:func:`~newsdiffs.extract.fallback.trafilatura_or_copy`);
the title is the headline readers see (:func:`~newsdiffs.extract.headline.displayed_headline`);
byline and dates come from JSON-LD and meta tags. It refuses nothing but a page
without a body.

The shared pieces live by concern: :mod:`~newsdiffs.extract.page` (decoding, parsing),
:mod:`~newsdiffs.extract.nodes` (text of DOM nodes, selector helpers),
:mod:`~newsdiffs.extract.jsonld`, :mod:`~newsdiffs.extract.metadata` (links, dates,
authors, what a page is), :mod:`~newsdiffs.extract.headline` and
:mod:`~newsdiffs.extract.fallback` (trafilatura and the data copies).
"""

from __future__ import annotations

from parsel import Selector

from ..items import Block
from .fallback import trafilatura_or_copy
from .headline import displayed_headline
from .metadata import MODIFIED_META, PUBLISHED_META, TITLE_META, byline_from_meta
from .nodes import first_text, meta_content
from .template import Reading, TemplateExtractor


class GenericExtractor(TemplateExtractor):
    """Any site: trafilatura for the body, JSON-LD and meta tags for the rest."""

    name = "generic"
    version = "5"  # 5: the trafilatura reading keeps text split by <!-- --> comments
    published_meta = PUBLISHED_META
    modified_meta = MODIFIED_META
    refuse_live = False
    refuse_unmarked = False

    def read(self, sel: Selector, ld: dict) -> Reading | None:
        return None  # no known layout: the body is the fallback's

    def fallback_body(self, sel: Selector, url: str, ld: dict) -> list[Block]:
        return trafilatura_or_copy(sel, url, ld)

    def title(self, sel: Selector, ld: dict, reading: Reading, url: str) -> str:
        """The metadata title (JSON-LD ``headline``, ``og:title``, ``<h1>``, ``<title>``) as the
        page shows it (:func:`~newsdiffs.extract.headline.displayed_headline`)."""
        title = ld.get("headline") or meta_content(sel, *TITLE_META) or first_text(sel, "h1", "title")
        return displayed_headline(sel, title, url) if title else title

    def byline(self, sel: Selector, ld: dict) -> str | None:
        """The JSON-LD author (an organisation too), else the author meta tags."""
        return ld.get("author") or byline_from_meta(sel)
