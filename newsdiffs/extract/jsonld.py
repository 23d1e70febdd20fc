"""The page's schema.org article, read from its JSON-LD scripts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from parsel import Selector

from ..text import decode_entities

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
