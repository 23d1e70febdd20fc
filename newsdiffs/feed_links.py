"""Discovering article links in RSS, Atom and (news) sitemap documents. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree


class FeedError(Exception):
    """The document is not a feed or sitemap that can be read."""


@dataclass(frozen=True)
class FeedEntry:
    """One linked article in a feed: its URL and what the feed says of it."""

    url: str
    title: str | None = None
    published: str | None = None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    text = "".join(el.itertext()).strip()
    return text or None


def _join(base_url: str, link: str) -> str:
    """``link`` made absolute; a link too malformed to join is kept as written (the
    spider skips and counts what is not an http(s) URL)."""
    try:
        return urljoin(base_url, link)
    except ValueError:  # e.g. "http://[..." (an unclosed IPv6 host)
        return link


def _child(el: etree._Element, *names: str) -> etree._Element | None:
    for child in el:
        if _local(child.tag) in names:
            return child
    return None


def parse_feed(body: bytes | str, base_url: str = "") -> list[FeedEntry]:
    """Entries of an RSS 1/2, Atom or sitemap (incl. Google News sitemap) document, in order.

    Raises :class:`FeedError` when the document is not XML of one of those kinds,
    declares entities (billion laughs: refused, not expanded) or is broken
    before its first entry. Links are kept as written when they cannot be
    joined to ``base_url``.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body.lstrip(), parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not XML: {exc}") from exc
    if root is None:
        raise FeedError("empty or unreadable document")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise FeedError("the document declares XML entities (refused: entity expansion)")
    kind = _local(root.tag)
    entries: list[FeedEntry] = []
    if kind in ("rss", "RDF"):
        for item in root.iter():
            if _local(item.tag) != "item":
                continue
            # The first <link> with text: NYT items put an empty <atom:link rel="standout"> first.
            link = next((t for c in item if _local(c.tag) == "link" and (t := _text(c))), None)
            guid = _child(item, "guid")
            if not link and guid is not None and guid.get("isPermaLink", "true") != "false":
                link = _text(guid)
            if link:
                date = _text(_child(item, "pubDate", "date", "published", "updated"))
                entries.append(FeedEntry(_join(base_url, link), _text(_child(item, "title")), date))
    elif kind == "feed":
        for entry in root:
            if _local(entry.tag) != "entry":
                continue
            href = None
            for link in entry:
                if _local(link.tag) == "link" and link.get("rel", "alternate") == "alternate":
                    href = link.get("href")
                    break
            if href:
                date = _text(_child(entry, "published", "updated"))
                entries.append(FeedEntry(_join(base_url, href), _text(_child(entry, "title")), date))
    elif kind in ("urlset", "sitemapindex"):
        for url_el in root:
            loc = _text(_child(url_el, "loc"))
            if not loc:
                continue
            news = _child(url_el, "news")
            title = _text(_child(news, "title")) if news is not None else None
            date = _text(_child(news, "publication_date")) if news is not None else None
            date = date or _text(_child(url_el, "lastmod"))
            entries.append(FeedEntry(_join(base_url, loc), title, date))
    else:
        raise FeedError(f"not a feed or sitemap (root element <{kind}>)")
    fatal = [e for e in parser.error_log if e.level_name == "FATAL"]
    if fatal and not entries:
        raise FeedError(f"broken XML: {fatal[0].message} (line {fatal[0].line})")
    return entries


def is_sitemap_index(body: bytes | str) -> bool:
    """True when the document is a sitemap index (its entries are sitemaps, not articles)."""
    head = body[:2000] if isinstance(body, bytes) else body[:2000].encode()
    return b"<sitemapindex" in head
