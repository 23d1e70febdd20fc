"""Which URLs may become links: one rule for every page, feed and command that renders one.

A stored URL comes from a page or a feed somebody else wrote. Only an
``http(s)`` URL is ever put in an ``href``; anything else (``javascript:``,
``data:``, a URL with control characters a browser would strip) is shown as
text or left out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# Browsers drop tabs and newlines inside a URL and leading control characters
# and spaces, so "java\tscript:" is a script link to them: any control is refused.
from .urls import _CONTROL, BadUrl, check_url


def http_link(url: object) -> str | None:
    """``url`` (without surrounding spaces) if it may be a link, else ``None``: the same
    rule as for what is fetched and stored (:func:`newsdiffs.urls.check_url`: an absolute
    http(s) URL on a sane host)."""
    try:
        return check_url(url)
    except BadUrl:
        return None


def site_link(href: str) -> str | None:
    """``href`` if it may be a link in a generated file: http(s), or relative to the site."""
    if href.startswith("//") or _CONTROL.search(href):
        return None
    try:
        scheme = urlsplit(href).scheme
    except ValueError:
        return None
    return href if not scheme else http_link(href)
