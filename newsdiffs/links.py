"""Which URLs may become links: one rule for every page, feed and command that renders one.

A stored URL comes from a page or a feed somebody else wrote. Only an
``http(s)`` URL is ever put in an ``href``; anything else (``javascript:``,
``data:``, a URL with control characters a browser would strip) is shown as
text or left out.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Browsers drop tabs and newlines inside a URL and leading control characters
# and spaces, so "java\tscript:" is a script link to them: refuse any control.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def http_link(url: object) -> str | None:
    """``url`` unchanged if it is an absolute http(s) URL with a host, else ``None``."""
    if not isinstance(url, str) or _CONTROL.search(url):
        return None
    if not url[:8].lower().startswith(("http://", "https://")):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return None
    return url if parts.hostname else None


def site_link(href: str) -> str | None:
    """``href`` if it may be a link in a generated file: http(s), or relative to the site."""
    if href.startswith("//") or _CONTROL.search(href):
        return None
    try:
        scheme = urlsplit(href).scheme
    except ValueError:
        return None
    return href if not scheme else http_link(href)
