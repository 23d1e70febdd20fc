"""Helpers shared by every extractor, and the ``generic`` extractor for unknown sites.

The helpers read a parsed page: decoding bytes (:func:`parse_html`), the
schema.org article in JSON-LD (:func:`jsonld_article`), the canonical link,
dates (:func:`parse_date`) and text of DOM nodes (:func:`text_of`,
:func:`segment_blocks`). Text always comes from DOM text nodes, never from
patterns over markup, so no tag can leak into an article.

:class:`GenericExtractor` takes the body from trafilatura and the metadata from
JSON-LD and meta tags; it is the fallback for sites without their own extractor.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector
from parsel.csstranslator import css2xpath

from ..charset import decode_page
from ..items import ArticleItem, Block, BlockKind
from ..normalize import collapse_whitespace, decode_entities, fold
from ..times import to_iso
from ..urls import canonicalize, host_of, identity
from .base import ExtractionError, Extractor

# --- decoding ---------------------------------------------------------------


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


def _tag(element: etree._Element) -> str:
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
class Segment:
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
        self.segments: list[Segment] = []
        self._parts: list[str] = []
        self._has_text = False
        self._kind: BlockKind = "paragraph"
        self._bold = True
        self._linked = True
        self._open: list[str] = []  # tags of open elements, innermost last

    def start(self, element: etree._Element) -> None:
        tag = _tag(element)
        if tag in BREAK_TAGS:
            self._parts.append(" ")
            return
        if tag in BLOCK_TAGS:
            self.flush()
        self._open.append(tag)

    def end(self, element: etree._Element) -> None:
        tag = _tag(element)
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
            self.segments.append(Segment(text, self._kind, self._bold, self._linked))
        self._parts = []
        self._has_text = False
        self._kind = "paragraph"
        self._bold = True
        self._linked = True


def segments_of(
    events: Iterable[tuple[str, Any]],
    skip: Callable[[etree._Element], bool] | None = None,
    skip_markers: Mapping[str, str] | None = None,
) -> list[Segment]:
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
            if _tag(value) in NEVER_TEXT or (skip is not None and skip(value)):
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
) -> list[Segment]:
    """The text segments of one node (see :func:`segments_of`)."""
    return segments_of(iter_events(_node(node)), skip)


def text_of(
    node: Selector | etree._Element | None, skip: Callable[[etree._Element], bool] | None = None
) -> str:
    """Text content of a node: inline elements joined as written, blocks and ``<br>`` spaced."""
    if node is None:
        return ""
    return " ".join(s.text for s in segment_blocks(node, skip))


def first_text(sel: Selector, *queries: str) -> str:
    """Text of the first node matched by the first CSS query that finds non-empty text."""
    for query in queries:
        for found in sel.css(query):
            text = text_of(found)
            if text:
                return text
    return ""


def meta_content(sel: Selector, *names: str) -> str | None:
    """Content of the first ``<meta>`` whose name, property or itemprop is one of ``names``."""
    for name in names:
        for attr in ("name", "property", "itemprop"):
            for value in sel.xpath(f"//meta[@{attr}=$name]/@content", name=name).getall():
                if value.strip():
                    return value.strip()
    return None


# --- JSON-LD ----------------------------------------------------------------

#: schema.org types read as a news article (LiveBlogPosting is flagged ``live``).
ARTICLE_TYPES = (
    "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "Article", "Report", "BlogPosting",
    "LiveBlogPosting",
)  # fmt: skip
_ORGANIZATION_TYPES = {"Organization", "NewsMediaOrganization", "Corporation"}
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _load_json(text: str) -> Any:
    text = text.strip()
    if text.startswith("<!--"):
        text = text.removeprefix("<!--").removesuffix("-->").strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:  # tolerate trailing commas and control characters, both seen in the wild
        return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
    except ValueError:
        return None


def _walk_json(data: Any) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _walk_json(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in data:
                yield from _walk_json(data[key])


def jsonld_objects(sel: Selector) -> list[dict]:
    """Every JSON object in the page's ``application/ld+json`` scripts (lists and @graph opened)."""
    objects: list[dict] = []
    for script in sel.xpath('//script[@type="application/ld+json"]/text()').getall():
        objects.extend(_walk_json(_load_json(script)))
    return objects


def _types(obj: dict) -> list[str]:
    value = obj.get("@type", [])
    types = value if isinstance(value, list) else [value]
    return [t.rsplit("/", 1)[-1] for t in types if isinstance(t, str)]


def _string(value: Any) -> str | None:
    """A JSON-LD text value, its HTML entities decoded once: a script's text is not decoded by
    the HTML parser, and CMSs write JSON-LD strings HTML-escaped ("Fish &amp; chips")."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if not isinstance(value, str):
        return None
    value = decode_entities(value).strip()
    return value or None


def join_names(names: Iterable[str]) -> str | None:
    """``["A"]`` -> ``"A"``; ``["A", "B", "C"]`` -> ``"A, B and C"``; duplicates dropped."""
    unique = list(dict.fromkeys(n for n in names if n))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def _authors(value: Any) -> tuple[list[str], list[str]]:
    people: list[str] = []
    organizations: list[str] = []
    for author in value if isinstance(value, list) else [value]:
        if isinstance(author, str) and author.strip() and "://" not in author:
            people.append(_string(author) or "")
        elif isinstance(author, dict):
            name = _string(author.get("name"))
            if name:
                is_org = bool(_ORGANIZATION_TYPES.intersection(_types(author)))
                (organizations if is_org else people).append(name)
    return people, organizations


def jsonld_article(sel: Selector) -> dict | None:
    """The page's schema.org news article from JSON-LD, or ``None``.

    Keys: ``type``, ``headline``, ``author`` (people joined "A and B"; the
    organisation only when no person is named), ``author_is_organization``,
    ``datePublished``, ``dateModified``, ``articleBody``, ``url`` and ``live``
    (a LiveBlogPosting). Missing values are ``None``. Broken JSON is skipped.
    """
    candidates = [o for o in jsonld_objects(sel) if set(_types(o)) & set(ARTICLE_TYPES)]
    if not candidates:
        return None
    # Prefer the most specific type: a NewsArticle over a generic Article on the same page.
    obj = min(
        candidates,
        key=lambda o: min(ARTICLE_TYPES.index(t) for t in _types(o) if t in ARTICLE_TYPES),
    )
    people, organizations = _authors(obj.get("author"))
    main = obj.get("mainEntityOfPage")
    return {
        "type": next(t for t in _types(obj) if t in ARTICLE_TYPES),
        "headline": _string(obj.get("headline")) or _string(obj.get("name")),
        "author": join_names(people) or join_names(organizations),
        "author_is_organization": not people and bool(organizations),
        "datePublished": _string(obj.get("datePublished")),
        "dateModified": _string(obj.get("dateModified")),
        "articleBody": _string(obj.get("articleBody")),
        "url": _string(obj.get("url"))
        or _string(main.get("@id") if isinstance(main, dict) else main),
        "live": "LiveBlogPosting" in _types(obj),
    }


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


def parse_date(raw: str | None) -> str | None:
    """An ISO 8601 UTC timestamp (``2009-05-23T10:00:00Z``) from a date as sites write it.

    Reads ISO 8601 (``Z`` or offset, optional fraction), RFC 822 (``Sat, 23 May
    2009 10:00:00 GMT``) and ``2009/05/23 10:00:00`` (BBC OriginalPublicationDate).
    Times without a zone are taken as UTC; a bare date as midnight UTC.
    ``None`` when the text is not a date.
    """
    if not raw or not raw.strip():
        return None
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


# --- body text --------------------------------------------------------------


def blocks_from_plain_text(text: str | None) -> list[Block]:
    """Paragraph blocks from plain text such as JSON-LD articleBody: split on blank lines, else lines."""
    if not text or not text.strip():
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [Block(collapse_whitespace(c)) for c in chunks if c.strip()]


#: Text the balanced second try must find to count as an article body.
MIN_RETRY_CHARS = 200


#: Page furniture that trafilatura's last-resort baseline can hand back verbatim.
_FURNITURE = frozenset({"nav", "header", "footer", "aside", "form", "menu"})


def _not_body(element: etree._Element) -> bool:
    # trafilatura keeps the page's <h1> as <head rend="h1">: the headline, not body.
    if element.tag == "head" and element.get("rend") == "h1":
        return True
    return _tag(element) in _FURNITURE


def _trafilatura_reading(
    sel: Selector, url: str, prune: Sequence[str], precision: bool
) -> list[Block]:
    from trafilatura import bare_extraction

    document = bare_extraction(
        sel.root,
        url=url,
        include_comments=False,
        include_tables=False,
        favor_precision=precision,
        prune_xpath=[css2xpath(css) for css in prune] or None,
    )
    body = getattr(document, "body", None)
    if body is None:
        return []
    return [Block(s.text, s.kind) for s in segment_blocks(body, _not_body)]


#: A drop cap: an element holding one capital letter and nothing else.
_DROP_CAP = re.compile(r"^[^\W\d_]$")


def join_drop_caps(root: etree._Element) -> None:
    """Give a drop cap set as an element of its own (``<div class="dropcap">T</div><p>he
    ...``) back to its word, in the page itself: trafilatura drops a one-letter block, and the
    word would stay cut ("he ..."). Only an element whose whole text is one capital letter,
    followed by an element whose text starts in lower case, is joined."""
    for leaf in list(root.iter()):
        if not isinstance(leaf.tag, str) or len(leaf) or _tag(leaf) in NEVER_TEXT:
            continue
        letter = (leaf.text or "").strip()
        if not _DROP_CAP.match(letter) or not letter.isupper():
            continue
        # The outermost wrapper holding only the letter (<div class="dropcap"><span>T</span>).
        element = leaf
        while (parent := element.getparent()) is not None and len(parent) == 1 and not (
                (parent.text or "").strip() or (element.tail or "").strip()):
            element = parent
        following = element.getnext()
        if (following is None or not isinstance(following.tag, str)
                or (element.tail or "").strip()):
            continue
        first = next((node for node in following.iter()
                      if isinstance(node.tag, str) and node.text and node.text.strip()), None)
        if first is None or not first.text.lstrip()[0].islower():
            continue
        first.text = letter + first.text.lstrip()
        parent = element.getparent()
        if parent is not None:
            previous = element.getprevious()
            if element.tail and previous is not None:
                previous.tail = (previous.tail or "") + element.tail
            elif element.tail:
                parent.text = (parent.text or "") + element.tail
            parent.remove(element)


def trafilatura_blocks(sel: Selector, url: str, prune: Sequence[str] = ()) -> list[Block]:
    """Body blocks found by trafilatura: both its precision and its balanced mode, no comments.

    ``prune`` lists CSS selectors of elements removed before extraction (parts
    of a known layout that are never body).

    The precision reading is the base; what only the balanced reading found
    is added where it reads as story (see
    :func:`~newsdiffs.extract.recall.merge_modes`), so a page where precision
    keeps only the first paragraphs, or drops a lede or quoted paragraphs,
    keeps them. When precision finds nothing (old table layouts), the balanced
    reading is kept only if it finds at least :data:`MIN_RETRY_CHARS` of text
    (else it returns menus). Drop caps set apart are first joined to their word
    (:func:`join_drop_caps`). Headings become subheadings (the ``<h1>``
    headline is dropped), list items list items, the rest paragraphs;
    boilerplate (:mod:`~newsdiffs.extract.boilerplate`) is dropped.
    """
    from .boilerplate import drop_boilerplate
    from .recall import merge_modes, text_length

    join_drop_caps(sel.root)
    precise = _trafilatura_reading(sel, url, prune, precision=True)
    balanced = _trafilatura_reading(sel, url, prune, precision=False)
    if not precise:
        return drop_boilerplate(balanced) if text_length(balanced) >= MIN_RETRY_CHARS else []
    return drop_boilerplate(merge_modes(precise, balanced))


def body_copies(sel: Selector, ld: dict | None) -> list[list[Block]]:
    """The story as the page holds it in data: JSON-LD ``articleBody``, framework state."""
    from .boilerplate import drop_boilerplate
    from .recall import state_paragraphs

    copies = [drop_boilerplate(blocks_from_plain_text((ld or {}).get("articleBody")))]
    copies.append(drop_boilerplate(state_paragraphs(sel)))
    return [c for c in copies if c]


# --- the generic extractor --------------------------------------------------

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


def _byline_from_meta(sel: Selector) -> str | None:
    value = meta_content(sel, *AUTHOR_META)
    # Facebook-style article:author holds a profile URL, not a name.
    return value if value and "://" not in value else None


def metadata(sel: Selector, ld: dict | None = None) -> dict[str, Any]:
    """Title, byline and dates from JSON-LD, meta tags and the page, as ArticleItem fields."""
    ld = ld if ld is not None else jsonld_article(sel) or {}
    published_raw = ld.get("datePublished") or meta_content(sel, *PUBLISHED_META)
    modified_raw = ld.get("dateModified") or meta_content(sel, *MODIFIED_META)
    return {
        "title": ld.get("headline")
        or meta_content(sel, *TITLE_META)
        or first_text(sel, "h1", "title"),
        "byline": ld.get("author") or _byline_from_meta(sel),
        "published_raw": published_raw,
        "published": parse_date(published_raw),
        "modified_raw": modified_raw,
        "modified": parse_date(modified_raw),
    }


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


class GenericExtractor(Extractor):
    """Any site: trafilatura for the body, JSON-LD and meta tags for the rest."""

    name = "generic"
    version = "4"

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        ld = jsonld_article(sel)
        fields = metadata(sel, ld or {})
        if fields["title"]:
            fields["title"] = displayed_headline(sel, fields["title"], url)
        from .recall import choose_body

        body = choose_body(trafilatura_blocks(sel, url), body_copies(sel, ld))
        if not body:
            raise ExtractionError("no article body")
        return ArticleItem(url=url, canonical_url=canonical_link(sel, url), body=body, **fields)
