"""Site extractors declared as CSS selectors: :class:`Layout` data read by :class:`CssLayoutExtractor`.

:func:`css_blocks` reads the body blocks (paragraphs, subheadings, list items)
out of the elements one CSS selector finds, leaving out everything another
selector marks as never body (captions, ads, promos, share tools). The site
extractors for AP, Al Jazeera, The Independent and NPR are declared with it,
as :class:`CssLayoutExtractor` subclasses listing their :class:`Layout` selectors;
the sources file's own selectors (:mod:`~newsdiffs.extract.configured`) use it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain
from typing import ClassVar

from lxml import etree
from parsel import Selector

from ..items import Block
from .metadata import author_names
from .nodes import first_text, segment_blocks
from .template import Reading, TemplateExtractor

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


class CssLayoutExtractor(TemplateExtractor):
    """A site read through its :attr:`layouts` (CSS selectors as data), newest first.

    The first layout whose ``body`` selector matches reads the page: body
    (:func:`css_blocks`), headline, authors and the dates it shows; the rest is
    the template's flow. Video, audio and gallery pages are refused, as are
    live pages and pages in no layout not marked as articles.
    """

    layouts: ClassVar[tuple[Layout, ...]] = ()
    #: The layout's title selectors stand in for the template's ``<h1>``.
    headline = ()
    refuse_media = True

    def read(self, sel: Selector, ld: dict) -> Reading | None:
        layout = next((lay for lay in self.layouts if sel.css(lay.body)), None)
        if layout is None:
            return None
        return Reading(
            body=css_blocks(sel, layout.body, layout.not_body),
            title=first_text(sel, *layout.title),
            byline=author_names(sel, layout.byline),
            published_raw=first_text(sel, *layout.published) or None,
            modified_raw=first_text(sel, *layout.modified) or None,
            layout=layout.name,
        )
