"""Atom 1.0 feeds (RFC 4287), built with ElementTree so every string is escaped.

Nothing here knows about articles: :mod:`newsdiffs.static_site` fills in
:class:`Entry` objects. Output is deterministic (same input, same bytes), so a
re-run of ``newsdiffs site`` leaves an unchanged feed untouched.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .links import http_link, site_link

ATOM_NS = "http://www.w3.org/2005/Atom"

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Drop the characters that XML 1.0 cannot carry (escaping is ElementTree's job)."""
    return _NOT_XML.sub("", text)


def tag_uri(authority: str, date: str, specific: str) -> str:
    """A ``tag:`` URI (RFC 4151), e.g. ``tag:newsdiffs,2026-11-20:article/ab12/version/2``."""
    return f"tag:{authority},{date}:{specific}"


@dataclass
class Entry:
    """One feed entry. ``content_html`` is HTML shown by feed readers (escaped in the XML)."""

    id: str
    title: str
    updated: str
    link: str
    summary: str = ""
    content_html: str = ""
    categories: list[str] = field(default_factory=list)
    #: Another link, e.g. the original article (``rel="related"``; left out unless http(s)).
    related: str | None = None


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def _link(parent: ET.Element, rel: str, href: str | None) -> None:
    """A ``<link>``, left out unless its target passes :func:`~newsdiffs.links.site_link`."""
    safe = site_link(href) if href else None
    if safe is not None:
        kind = "application/atom+xml" if rel == "self" else "text/html"
        _sub(parent, "link", rel=rel, type=kind, href=safe)


def feed(*, id: str, title: str, updated: str, self_link: str, alternate: str,
         entries: list[Entry], subtitle: str | None = None, author: str = "newsdiffs") -> bytes:
    """An Atom feed document as UTF-8 bytes."""
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _sub(root, "id", id)
    _sub(root, "title", title)
    if subtitle:
        _sub(root, "subtitle", subtitle)
    _sub(root, "updated", updated)
    _link(root, "self", self_link)
    _link(root, "alternate", alternate)
    _sub(_sub(root, "author"), "name", author)
    _sub(root, "generator", "newsdiffs")
    for e in entries:
        el = _sub(root, "entry")
        _sub(el, "id", e.id)
        _sub(el, "title", e.title)
        _sub(el, "updated", e.updated)
        _link(el, "alternate", e.link)
        # The original article is a URL from somebody else's page: http(s) only.
        _link(el, "related", http_link(e.related))
        for term in e.categories:
            _sub(el, "category", term=term)
        if e.summary:
            _sub(el, "summary", e.summary)
        if e.content_html:
            _sub(el, "content", e.content_html, type="html")
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
