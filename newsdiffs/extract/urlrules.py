"""Which of a site's URLs are articles, as data: one :class:`UrlRules` per site.

A site module declares its rules as ``URL_RULES``, beside its extractor class;
:func:`rules_for` finds them from the extractor, so a site's spider needs no code
to follow them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from ..urls import host_of


def on_domains(host: str, domains: Iterable[str]) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one."""
    return any(host == d or host.endswith("." + d) for d in domains)


def strip_slash(path: str, how: Literal["all", "one", "none"]) -> str:
    """``path`` without its trailing slashes: ``all`` of them, ``one`` (never the root's), ``none``."""
    if how == "all":
        return path.rstrip("/")
    if how == "one" and len(path) > 1 and path.endswith("/"):
        return path[:-1]
    return path


@dataclass(frozen=True)
class UrlRules:
    """A site's article URLs: its hosts, the paths that are articles, the paths that are not.

    A URL is an article when its host is on ``domains`` (unless ``any_host``),
    its lower-case path holds none of ``not_article_parts``, the path does not
    match ``not_article_path`` nor its last segment ``not_article_slug``, and
    the path matches one of ``article_paths`` (or ``extra_paths`` when
    ``extra``). The other fields say how each site reads the path first.
    """

    domains: tuple[str, ...]
    #: Regexes matched from the start of the path; any one makes an article.
    article_paths: tuple[re.Pattern[str], ...]
    #: Substrings of the lower-case path of pages that are never articles.
    not_article_parts: tuple[str, ...] = ()
    #: Trailing slashes dropped from the path: "all", "one" (not the root's) or "none".
    strip: Literal["all", "one", "none"] = "all"
    #: Look for ``not_article_parts`` in the stripped path plus "/" (True, so
    #: "/live/" also finds a path ending ".../live"), else in the path as given.
    parts_after_strip: bool = True
    #: Lower-case the path before matching it (False: the regexes see its case).
    lower: bool = True
    #: Searched in the path: a match means not an article.
    not_article_path: re.Pattern[str] | None = None
    #: Searched in the path's last segment: a match means not an article.
    not_article_slug: re.Pattern[str] | None = None
    #: (path, query part) pairs: a URL with exactly this (stripped) path is an
    #: article when its lower-case query holds the part, and only then.
    query_paths: tuple[tuple[str, str], ...] = ()
    #: Article paths followed only when asked for (``extra=True``), such as BBC Sport.
    extra_paths: tuple[re.Pattern[str], ...] = ()

    def match(self, url: str, any_host: bool = False, extra: bool = False) -> bool:
        """True when ``url`` is an article (``any_host``: judge by the path alone)."""
        if not any_host and not on_domains(host_of(url), self.domains):
            return False
        parts = urlsplit(url)
        given = parts.path.lower()
        path = strip_slash(given if self.lower else parts.path, self.strip)
        seen = strip_slash(given, self.strip) + "/" if self.parts_after_strip else given
        if any(part in seen for part in self.not_article_parts):
            return False
        if self.not_article_path and self.not_article_path.search(path):
            return False
        if self.not_article_slug and self.not_article_slug.search(path.rsplit("/", 1)[-1]):
            return False
        for exact, needed in self.query_paths:
            if path == exact:
                return needed in parts.query.lower()
        patterns = self.article_paths + self.extra_paths if extra else self.article_paths
        return any(p.match(path) for p in patterns)


def rules_for(extractor: object) -> UrlRules | None:
    """The URL rules of an extractor: the ``URL_RULES`` of the module that defines its class
    (``None`` when there are none, as for the generic extractor)."""
    rules = getattr(sys.modules.get(type(extractor).__module__), "URL_RULES", None)
    return rules if isinstance(rules, UrlRules) else None
