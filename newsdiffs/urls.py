"""URL identity: one article, one URL, whatever variant the site or feed gave."""

from __future__ import annotations

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
    netloc = host if port is None else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not is_tracking_param(k)])
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_local(host: str) -> bool:
    # A local test or replay server keeps its scheme and port: they are part
    # of how it is reached, not a variant of a public URL.
    return host in ("localhost", "::1") or host.startswith("127.")


def host_of(url: str) -> str:
    """Lower-case host name of a URL, without a ``www.`` prefix."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host
