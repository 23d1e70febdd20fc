"""URL identity: one article, one URL, whatever variant the site or feed gave."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that only track where a reader came from.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "ocid", "cmpid", "ito", "CMP",
                             "smid", "smtyp", "partner", "rss", "ref", "src"})

#: Hosts that serve the same articles; each maps to the one we store.
HOST_ALIASES = {
    "bbc.co.uk": "www.bbc.co.uk",
    "www.bbc.com": "www.bbc.co.uk",
    "bbc.com": "www.bbc.co.uk",
    "news.bbc.co.uk": "news.bbc.co.uk",
}

#: The sites we have a spider for: domain -> the host their stored articles use
#: (the host of the pages' canonical links). Only these fold variant hosts.
SITE_HOSTS = {
    "bbc.co.uk": "www.bbc.co.uk",
    "bbc.com": "www.bbc.co.uk",
    "cnn.com": "www.cnn.com",
    "theguardian.com": "www.theguardian.com",
    "nytimes.com": "www.nytimes.com",
    "washingtonpost.com": "www.washingtonpost.com",
    "reuters.com": "www.reuters.com",
    "npr.org": "www.npr.org",
    "aljazeera.com": "www.aljazeera.com",
    "independent.co.uk": "www.independent.co.uk",
    "apnews.com": "apnews.com",
}
#: Host prefixes of the mobile, AMP and edition copies of those sites
#: (m.bbc.co.uk, amp.theguardian.com, mobile.nytimes.com, edition.cnn.com).
VARIANT_PREFIXES = ("m.", "mobile.", "amp.", "edition.")
#: AMP copies at another path: (host as given, path prefix, what the stored form has
#: instead). amp.cnn.com/cnn/2023/... is www.cnn.com/2023/..., www.bbc.co.uk/news/amp/ID
#: is /news/ID, www.aljazeera.com/amp/news/... is /news/....
AMP_PATHS = (
    ("amp.cnn.com", "/cnn/", "/"),
    ("www.bbc.co.uk", "/news/amp/", "/news/"),
    ("www.aljazeera.com", "/amp/", "/"),
)
#: Query parameters that ask a known site for its AMP copy (Arc sites such as the Post).
AMP_QUERY = {"www.washingtonpost.com": ("outputType", "amp")}


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


def site_host(host: str) -> str:
    """The host a known site's articles are stored under, for one of its variant hosts
    (``m.``, ``mobile.``, ``amp.``, ``edition.``); any other host unchanged."""
    host = HOST_ALIASES.get(host, host)
    for prefix in VARIANT_PREFIXES:
        if host.startswith(prefix) and host[len(prefix):] in SITE_HOSTS:
            return SITE_HOSTS[host[len(prefix):]]
    return host


def amp_path(host: str, folded: str, path: str) -> str:
    """``path`` without the AMP part a known site puts in it (``host`` as given, ``folded``
    as stored)."""
    for where, prefix, instead in AMP_PATHS:
        if where in (host, folded) and path.startswith(prefix) and len(path) > len(prefix):
            return instead + path[len(prefix):]
    return path


def canonicalize(url: str, fold: bool = True) -> str:
    """The stored identity of an article URL.

    https, lower-case host, host aliases folded (bbc.com == bbc.co.uk), the
    mobile / AMP / edition copies of the sites we have spiders for folded
    (:func:`site_host`, :func:`amp_path`), fragment and tracking parameters
    dropped, default port dropped. The path, trailing slash included, is kept.
    ``fold=False``: the copies are not folded (only the aliases of ``HOST_ALIASES``).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    given = (parts.hostname or "").lower()
    port = parts.port
    if scheme in ("http", "https") and not _is_local(given):
        scheme = "https"
        port = None
    host = site_host(given) if fold else HOST_ALIASES.get(given, given)
    path = amp_path(given, host, parts.path or "/") if fold else parts.path or "/"
    amp = AMP_QUERY.get(host) if fold else None
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    netloc = host if port is None else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not is_tracking_param(k) and (k, v) != amp])
    return urlunsplit((scheme, netloc, path, query, ""))


def toggle_slash(url: str) -> str:
    """``url`` with one trailing slash added to its path, or removed when it has one
    (the root path stays ``/``)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if path == "/":
        return url
    path = path[:-1] if path.endswith("/") else path + "/"
    return urlunsplit(parts._replace(path=path))


def lookup_keys(url: str) -> list[str]:
    """The identities an article typed as ``url`` may be stored under, most likely first.

    As typed, canonical (:func:`canonicalize`), canonical with the trailing
    slash added or removed, then the same without folding mobile / AMP /
    edition hosts (rows stored before they were folded). Each once.
    """
    keys = [url.strip()]
    for fold in (True, False):
        key = canonicalize(url, fold=fold)
        keys += [key, toggle_slash(key)]
    return list(dict.fromkeys(keys))


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


# --- spider arguments: -a url=, urls=, feeds=, fronts= ---------------------------------


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
    return explicit, url_list_arg(feeds, "feeds")


def url_list_arg(value: str | None, name: str) -> tuple[str, ...] | None:
    """A comma-separated ``-a NAME=URL[,URL]`` value as URLs (``None``: not given).

    A given but empty list is an error, never a silent fallback to the
    spider's own list. Raises :class:`SpiderArgError`.
    """
    if value is None:
        return None
    found = tuple(_arg_url(u, name) for u in value.split(",") if u.strip())
    if not found:
        raise SpiderArgError(f"{name}: no URL given")
    return found


def validate_spider_args(args: Mapping[str, str]) -> None:
    """Check the ``-a`` arguments of a crawl before it starts; :class:`SpiderArgError` if bad."""
    spider_url_args(args.get("url"), args.get("urls"), args.get("feeds"))
    url_list_arg(args.get("fronts"), "fronts")
