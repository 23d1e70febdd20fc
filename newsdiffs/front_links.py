"""Links from an HTML front page (a site's home or section page): discovery without a feed.

ecprice/newsdiffs found every article this way. Here a front page only
yields candidate links: each spider keeps the ones its URL rules call
articles, so navigation, footer and promo links need no filtering here.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

from parsel import Selector
from w3lib.encoding import html_to_unicode

from .urls import is_fetchable

# Browsers drop leading/trailing spaces and control characters of an href, and
# tabs and newlines inside it, before resolving it (WHATWG URL parser).
_EDGES = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
_INSIDE = re.compile(r"[\t\n\r]")


def page_text(html: str | bytes, content_type: str | None = None) -> str:
    """The page as text: bytes decoded by BOM, HTTP charset, ``<meta charset>``, else UTF-8."""
    if isinstance(html, str):
        return html
    _, text = html_to_unicode(content_type, html, default_encoding="utf-8")
    return text


def resolve_href(href: str, base_url: str) -> str | None:
    """``href`` as an absolute http(s) URL without its fragment; ``None`` for any other link."""
    cleaned = _INSIDE.sub("", _EDGES.sub("", href))
    if not cleaned or cleaned.startswith("#"):
        return None
    try:
        url = urldefrag(urljoin(base_url, cleaned)).url
    except ValueError:  # e.g. a broken IPv6 literal
        return None
    return url if is_fetchable(url) else None


def front_links(html: str | bytes, base_url: str, content_type: str | None = None) -> list[str]:
    """Every http(s) link (``<a href>``) of a page, absolute, fragment dropped, each once, in
    page order.

    Relative links are resolved against the page's ``<base href>`` when it is
    an http(s) URL, else against ``base_url``. ``javascript:``, ``mailto:``,
    ``data:`` and other schemes, same-page anchors and unparsable links are left out.
    """
    selector = Selector(text=page_text(html, content_type) or "<html></html>", type="html")
    base = base_url
    declared = selector.xpath("//base/@href").get()
    if declared:
        resolved = resolve_href(declared, base_url)
        if resolved:
            base = resolved
    links: dict[str, None] = {}
    for href in selector.xpath("//a/@href").getall():
        url = resolve_href(href, base)
        if url is not None:
            links.setdefault(url, None)
    return list(links)
