"""Reading a page: its bytes decoded as browsers do and parsed, however deep it nests."""

from __future__ import annotations

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector

from ..charset import decode_page
from .base import ExtractionError


def decode_html(data: str | bytes, charset: str | None = None) -> str:
    """Page bytes as text: BOM, HTTP ``charset``, meta, sniffed (:func:`newsdiffs.charset.decode_page`)."""
    return decode_page(data, charset)


class PageTooDeep(ExtractionError):
    """The page nests elements deeper than :data:`MAX_PAGE_DEPTH` levels."""


#: libxml2's depth limit for the trees it builds (with huge_tree); it drops what lies deeper.
LIBXML2_MAX_DEPTH = 2048
#: The deepest page read at all (real pages stay below a few hundred levels; deeper is hostile).
MAX_PAGE_DEPTH = 5000


class _DepthBoundBuilder:
    """A parser target building the tree as libxml2 would, with no depth limit but ours."""

    def __init__(self, limit: int) -> None:
        self.builder = etree.TreeBuilder(parser=lxml_html.HTMLParser())
        self.limit = limit
        self.depth = 0

    def start(self, tag: str, attrib: dict) -> None:
        self.depth += 1
        if self.depth > self.limit:
            raise PageTooDeep(f"page nested deeper than {self.limit} levels")
        self.builder.start(tag, attrib)

    def end(self, tag: str) -> None:
        self.depth -= 1
        self.builder.end(tag)

    def data(self, data: str) -> None:
        self.builder.data(data)

    def comment(self, text: str) -> None:
        self.builder.comment(text)

    def pi(self, target: str, data: str | None = None) -> None:
        self.builder.pi(target, data)

    def close(self) -> etree._Element:
        if self.depth > self.limit:  # lxml closes the target after an error: say which
            raise PageTooDeep(f"page nested deeper than {self.limit} levels")
        return self.builder.close()


def _parse_deep(body: bytes) -> etree._Element:
    """Parse a page nested beyond libxml2's tree depth limit: the tree is built from the
    parser's events (libxml2 limits only the trees it builds itself)."""
    parser = lxml_html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True,
                                  target=_DepthBoundBuilder(MAX_PAGE_DEPTH))
    root = etree.fromstring(body, parser=parser)
    if root is None or any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise PageTooDeep(f"page nested deeper than {LIBXML2_MAX_DEPTH} levels could not be read")
    return root


def parse_html(html: str | bytes, charset: str | None = None) -> Selector:
    """A parsel Selector over the page, decoding bytes as browsers do (see :func:`decode_html`).

    The whole page is parsed, however deep: where libxml2 stops building its
    tree (at :data:`LIBXML2_MAX_DEPTH` levels, dropping the rest of the page) the
    page is parsed again through a tree builder of our own; a page deeper than
    :data:`MAX_PAGE_DEPTH` raises :class:`PageTooDeep` (a failed check that says
    so). A body is never silently cut.
    """
    text = decode_html(html, charset)
    # As parsel does it (NUL bytes dropped), with the parser kept to read its errors.
    body = text.strip().replace("\x00", "").encode("utf-8") or b"<html></html>"
    parser = lxml_html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(body, parser=parser)
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        root = _parse_deep(body)
    if root is None:
        root = etree.fromstring(b"<html></html>", parser=parser)
    return Selector(root=root, type="html")
