"""Text of DOM nodes, and the small selector helpers every extractor's layouts share.

Text always comes from DOM text nodes, never from patterns over markup, so no
tag can leak into an article: :func:`segments_of` splits a subtree into
:class:`TextRun` pieces at block boundaries, :func:`text_of` joins them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector

from ..items import Block, BlockKind
from ..text import collapse_whitespace

# --- text of nodes ----------------------------------------------------------

#: Elements whose start and end separate blocks of text.
BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary "
    "table tbody td tfoot th thead tr ul head item list quote".split()
)
#: Elements that never hold readable text.
NEVER_TEXT = frozenset(
    "script style noscript template svg button select option textarea iframe object embed "
    "canvas audio video map".split()
)
#: Line breaks: read as a space (``lb`` is trafilatura's <br>).
BREAK_TAGS = frozenset({"br", "lb"})
_BOLD_TAGS = frozenset({"b", "strong"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "head"})
_LIST_TAGS = frozenset({"li", "item"})


def _node(node: Selector | etree._Element) -> etree._Element:
    return node.root if isinstance(node, Selector) else node


def tag_of(element: etree._Element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def iter_events(root: etree._Element) -> Iterator[tuple[str, Any]]:
    """Walk a subtree in document order as ``start``/``end`` (element), ``text`` and ``comment`` events.

    The root's own tail is not part of it. Iterative, so deep pages cannot
    exhaust the recursion limit.
    """
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        tail = node.tail if node is not root else None
        if closing:
            yield "end", node
            if tail:
                yield "text", tail
            continue
        if isinstance(node.tag, str):
            yield "start", node
            if node.text:
                yield "text", node.text
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node))
        else:
            if node.tag is etree.Comment:
                yield "comment", (node.text or "").strip()
            if tail:
                yield "text", tail


@dataclass
class TextRun:
    """A run of text between block boundaries, with what is known of its shape."""

    text: str
    kind: BlockKind = "paragraph"
    #: Every visible character sat inside <b>/<strong> (old pages mark crossheads so).
    bold: bool = False
    #: Every visible character sat inside a link (a "related story" promo when in a list).
    linked: bool = False


class _Segmenter:
    """Collects text events into segments split at block boundaries."""

    def __init__(self) -> None:
        self.segments: list[TextRun] = []
        self._parts: list[str] = []
        self._has_text = False
        self._kind: BlockKind = "paragraph"
        self._bold = True
        self._linked = True
        self._open: list[str] = []  # tags of open elements, innermost last

    def start(self, element: etree._Element) -> None:
        tag = tag_of(element)
        if tag in BREAK_TAGS:
            self._parts.append(" ")
            return
        if tag in BLOCK_TAGS:
            self.flush()
        self._open.append(tag)

    def end(self, element: etree._Element) -> None:
        tag = tag_of(element)
        if tag in BREAK_TAGS:
            return
        if tag in BLOCK_TAGS:
            self.flush()
        # Elements opened before the walk began (a comment-delimited range) end unseen.
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i] == tag:
                del self._open[i]
                break

    def text(self, text: str) -> None:
        if not text.strip():
            if self._parts:
                self._parts.append(text)
            return
        if not self._has_text:
            self._kind = self._current_kind()
            self._has_text = True
        self._parts.append(text)
        if not any(t in _BOLD_TAGS for t in self._open):
            self._bold = False
        if "a" not in self._open:
            self._linked = False

    def _current_kind(self) -> BlockKind:
        for tag in reversed(self._open):
            if tag in _LIST_TAGS:
                return "list_item"
            if tag in _HEADING_TAGS:
                return "subheading"
            if tag in BLOCK_TAGS:
                break
        return "paragraph"

    def flush(self) -> None:
        text = collapse_whitespace("".join(self._parts))
        if text:
            self.segments.append(TextRun(text, self._kind, self._bold, self._linked))
        self._parts = []
        self._has_text = False
        self._kind = "paragraph"
        self._bold = True
        self._linked = True


def segments_of(
    events: Iterable[tuple[str, Any]],
    skip: Callable[[etree._Element], bool] | None = None,
    skip_markers: Mapping[str, str] | None = None,
) -> list[TextRun]:
    """Split a stream of :func:`iter_events` into text segments at block boundaries.

    ``skip(element)`` drops an element with everything inside it;
    ``skip_markers`` maps an opening comment to its closing one (``"S IBOX"`` ->
    ``"E IBOX"``) and drops what lies between. ``<br>`` reads as a space.
    """
    seg = _Segmenter()
    skipping: etree._Element | None = None
    until_comment: str | None = None
    for event, value in events:
        if until_comment is not None:
            if event == "comment" and value == until_comment:
                until_comment = None
            continue
        if skipping is not None:
            if event == "end" and value is skipping:
                skipping = None
                seg.flush()
            continue
        if event == "start":
            if tag_of(value) in NEVER_TEXT or (skip is not None and skip(value)):
                seg.flush()
                skipping = value
            else:
                seg.start(value)
        elif event == "end":
            seg.end(value)
        elif event == "text":
            seg.text(value)
        elif event == "comment" and skip_markers and value in skip_markers:
            seg.flush()
            until_comment = skip_markers[value]
    seg.flush()
    return seg.segments


def segment_blocks(
    node: Selector | etree._Element,
    skip: Callable[[etree._Element], bool] | None = None,
) -> list[TextRun]:
    """The text segments of one node (see :func:`segments_of`)."""
    return segments_of(iter_events(_node(node)), skip)


#: A tag or a comment: text that is HTML, not prose that mentions "<" ("3 < 4").
_MARKUP = re.compile(r"<!--|</?[a-zA-Z][\w-]*(?:\s[^<>]*)?/?>")


def has_markup(text: str) -> bool:
    """Whether a string a page holds as data (a story body, a paragraph) is HTML."""
    return bool(_MARKUP.search(text))


def markup_blocks(markup: str) -> list[Block]:
    """The blocks of a string of HTML (a story body some page holds as data): its
    paragraphs, headings and list items, scripts and the like left out; none when it
    cannot be parsed."""
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    return [Block(s.text, s.kind) for s in segment_blocks(root)]


def text_of(
    node: Selector | etree._Element | None, skip: Callable[[etree._Element], bool] | None = None
) -> str:
    """Text content of a node: inline elements joined as written, blocks and ``<br>`` spaced."""
    if node is None:
        return ""
    return " ".join(s.text for s in segment_blocks(node, skip))


def css_values(sel: Selector, query: str) -> Iterator[str]:
    """What ``query`` finds, as text, in document order: an attribute value (``::attr(name)``)
    or text node (``::text``) stripped, else each element's text (:func:`text_of`); empty ones
    left out."""
    if "::attr(" in query or "::text" in query:
        return (v.strip() for v in sel.css(query).getall() if v.strip())
    return (t for t in map(text_of, sel.css(query)) if t)


def first_text(sel: Selector, *queries: str) -> str:
    """The first value found by the first of ``queries`` that finds one (``""``: none).

    A query ending in ``::attr(name)`` or ``::text`` reads that value, any other
    the text of the element (:func:`text_of`); see :func:`css_values`.
    """
    for query in queries:
        if value := next(css_values(sel, query), ""):
            return value
    return ""


def meta_content(sel: Selector, *names: str) -> str | None:
    """Content of the first ``<meta>`` whose name, property or itemprop is one of ``names``."""
    for name in names:
        for attr in ("name", "property", "itemprop"):
            for value in sel.xpath(f"//meta[@{attr}=$name]/@content", name=name).getall():
                if value.strip():
                    return value.strip()
    return None


# --- selector helpers ---------------------------------------------------------


def skipper(scope: Selector, css: str) -> Callable[[etree._Element], bool]:
    """A ``skip`` test for :func:`segment_blocks`: the elements ``css`` finds inside ``scope``."""
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


def without_promos(runs: Iterable[TextRun], any_kind: bool = False) -> list[Block]:
    """Blocks of ``runs`` without the promos: a list item that is nothing but a link
    (a "related story"), with ``any_kind`` any run that is ("Related: ...", "Sign up")."""
    return [
        Block(r.text, r.kind)
        for r in runs
        if not (r.linked and (any_kind or r.kind == "list_item"))
    ]
