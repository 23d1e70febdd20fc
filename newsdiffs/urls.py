"""URL identity: one article, one URL, whatever variant the site or feed gave."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that only track where a reader came from.
TRACKING_PREFIXES = ("utm_", "at_", "ns_", "mc_", "fbclid", "gclid", "ocid", "cmpid", "ito")
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "ocid", "cmpid", "ito", "CMP",
                             "smid", "smtyp", "partner", "rss", "ref", "src"})

#: Hosts that serve the same articles; each maps to the one we store.
HOST_ALIASES = {
    "bbc.co.uk": "www.bbc.co.uk",
    "www.bbc.com": "www.bbc.co.uk",
    "bbc.com": "www.bbc.co.uk",
    "news.bbc.co.uk": "news.bbc.co.uk",
}


class BadUrl(ValueError):
    """A URL that is never fetched nor stored: not http(s), no sane host, or unreadable."""


class SpiderArgError(ValueError):
    """A spider argument (``-a NAME=VALUE``) that cannot be used."""


# Browsers and some URL parsers drop or act on control characters inside a URL.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# A host name: letters (any script: IDN), digits, dots, hyphens, underscores.
_HOST = re.compile(r"[\w.-]+")


def is_tracking_param(name: str) -> bool:
    """True for analytics parameters that do not change the page (utm_*, at_*, fbclid ...)."""
    return name in TRACKING_PARAMS or name.lower().startswith(("utm_", "at_", "ns_", "mc_"))


def canonicalize(url: str) -> str:
    """The stored identity of an article URL.

    https, lower-case host, host aliases folded (bbc.com == bbc.co.uk), fragment
    and tracking parameters dropped, default port dropped.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if scheme in ("http", "https") and not _is_local(host):
        scheme = "https"
        port = None
    host = HOST_ALIASES.get(host, host)
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    netloc = host if port is None else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not is_tracking_param(k)])
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def check_url(url: object) -> str:
    """``url`` without surrounding spaces if it is an absolute http(s) URL on a sane host.

    Else :class:`BadUrl`: another scheme (``javascript:``, ``file:``, ``mailto:``,
    ``data:`` ...), no host, user info, a port out of range, control characters.
    Only such URLs are fetched or become an article's identity.
    """
    text = url.strip() if isinstance(url, str) else ""
    if not text:
        raise BadUrl("empty URL")
    shown = repr(text if len(text) <= 100 else text[:100] + "...")
    if _CONTROL.search(text):
        raise BadUrl(f"{shown}: control characters in the URL")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadUrl(f"{shown}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadUrl(f"{shown}: not an http(s) URL")
    if not _sane_host(parts.hostname or "") or "@" in parts.netloc or port == 0:
        raise BadUrl(f"{shown}: no valid host")
    return text


def is_fetchable(url: object) -> bool:
    """Whether :func:`check_url` accepts the URL."""
    try:
        check_url(url)
    except BadUrl:
        return False
    return True


def identity(url: str) -> str:
    """:func:`canonicalize` for a URL that may be stored: :class:`BadUrl` unless http(s)."""
    return canonicalize(check_url(url))


def is_local_url(url: str) -> bool:
    """Whether the URL is on this machine (localhost, 127.x, ::1)."""
    try:
        return _is_local((urlsplit(url).hostname or "").lower())
    except ValueError:
        return False


def _sane_host(host: str) -> bool:
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return (bool(_HOST.fullmatch(host)) and ".." not in host
            and not host.startswith((".", "-")))


def _is_local(host: str) -> bool:
    # A local test or replay server keeps its scheme and port: they are part
    # of how it is reached, not a variant of a public URL.
    return host in ("localhost", "::1") or host.startswith("127.")


def host_of(url: str) -> str:
    """Lower-case host name of a URL, without a ``www.`` prefix."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


# --- spider arguments: -a url=, urls=, feeds= ----------------------------------------


def _arg_url(value: str, where: str) -> str:
    try:
        return check_url(value)
    except BadUrl as exc:
        raise SpiderArgError(f"{where}: {exc}") from None


def read_url_list(path: str) -> list[str]:
    """URLs from a text file, one per line; blank lines and ``#`` comments ignored.

    Raises :class:`SpiderArgError` for a file that cannot be read, is not
    UTF-8 text, has a line that is not an http(s) URL, or has no URL at all.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpiderArgError(f"urls={path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise SpiderArgError(f"urls={path}: cannot read it: {exc.strerror or exc}") from None
    urls = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            urls.append(_arg_url(line, f"urls={path}, line {number}"))
    if not urls:
        raise SpiderArgError(f"urls={path}: no URLs in the file")
    return urls


def spider_url_args(url: str | None = None, urls: str | None = None,
                    feeds: str | None = None) -> tuple[list[str], tuple[str, ...] | None]:
    """The explicit article URLs and the feed list (``None``: the spider's own) of a crawl.

    ``url`` and ``urls`` are ``-a url=URL`` and ``-a urls=FILE``; ``feeds`` is
    ``-a feeds=URL[,URL]``. ``None`` means not given; a given but empty value
    is an error (never a silent fallback to the spider's live feeds).
    Raises :class:`SpiderArgError`.
    """
    explicit: list[str] = []
    if url is not None:
        explicit.append(_arg_url(url, "url"))
    if urls is not None:
        if not urls.strip():
            raise SpiderArgError("urls: empty file name")
        explicit.extend(read_url_list(urls))
    feed_list = None
    if feeds is not None:
        feed_list = tuple(_arg_url(f, "feeds") for f in feeds.split(",") if f.strip())
        if not feed_list:
            raise SpiderArgError("feeds: no URL given")
    return explicit, feed_list


def validate_spider_args(args: Mapping[str, str]) -> None:
    """Check the ``-a`` arguments of a crawl before it starts; :class:`SpiderArgError` if bad."""
    spider_url_args(args.get("url"), args.get("urls"), args.get("feeds"))
