"""The extractor of a source set up in ``sources.toml`` with its own CSS selectors.

:class:`ConfiguredExtractor` reads the body with the source's ``body`` /
``exclude`` selectors (:func:`~newsdiffs.extract.layouts.css_blocks`) and the
headline with its ``title`` selector; everything else, and whatever a selector
does not find, is the generic extractor's reading
(:class:`~newsdiffs.extract.generic.GenericExtractor`), except that a page
whose ``body`` selector finds nothing falls back as a site extractor does:
JSON-LD ``articleBody``, then trafilatura with ``exclude`` removed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parsel import Selector

from ..items import Block
from .base import Extractor
from .fallback import data_then_trafilatura, trafilatura_or_copy
from .generic import GenericExtractor
from .layouts import css_blocks
from .nodes import first_text
from .template import Reading

if TYPE_CHECKING:
    from ..sources import Source


class ConfiguredExtractor(GenericExtractor):
    """A source's own CSS selectors for body and title, else the generic reading.

    ``body`` selects the element(s) holding the article text (or the paragraphs
    themselves), ``title`` the headline, ``exclude`` what inside the body is
    never body text (related links, ads ...). Without selectors it reads like
    the generic extractor.
    """

    name = "configured"
    #: 5: without a body selector the body is the generic choice; without a title match,
    #: the displayed headline.
    version = "6"  # 6: the trafilatura reading keeps text split by <!-- --> comments

    def __init__(self, body: str | None = None, title: str | None = None,
                 exclude: str | None = None) -> None:
        self.body_css = body
        self.title_css = title
        self.exclude_css = exclude

    def read(self, sel: Selector, ld: dict) -> Reading | None:
        if not self.body_css:
            return None
        return Reading(css_blocks(sel, self.body_css, self.exclude_css or ""))

    def fallback_body(self, sel: Selector, url: str, ld: dict) -> list[Block]:
        prune = (self.exclude_css,) if self.exclude_css else ()
        if self.body_css:
            return data_then_trafilatura(sel, url, ld, prune)
        return trafilatura_or_copy(sel, url, ld, prune)

    def title(self, sel: Selector, ld: dict, reading: Reading, url: str) -> str:
        title = first_text(sel, self.title_css) if self.title_css else ""
        return title or super().title(sel, ld, reading, url)


def extractor_for_source(source: Source) -> Extractor:
    """The extractor a source of the sources file reads with: configured when it gives CSS
    selectors, else the generic one."""
    if source.has_selectors:
        return ConfiguredExtractor(body=source.body, title=source.title, exclude=source.exclude)
    return GenericExtractor()
