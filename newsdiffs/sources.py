"""The sources file: news sites crawled by the generic ``feeds`` spider.

``sources.toml`` holds one ``[[source]]`` table per site::

    [[source]]
    name = "example"                                  # the articles' source; unique
    feeds = ["https://www.example.com/news/rss.xml"]  # RSS / Atom feeds
    sitemaps = ["https://www.example.com/news-sitemap.xml"]  # and/or (news) sitemaps
    fronts = ["https://www.example.com/news"]         # and/or HTML front pages
    pattern = '^https://www\\.example\\.com/news/\\d{4}/'  # links followed must match (re.search)
    body = "div.article-body"      # optional CSS: the element(s) holding the story
    title = "h1.headline"          # optional CSS: the headline
    exclude = ".related, .ad-slot" # optional CSS: never story text
    enabled = true                 # optional (default true)

Pure functions: :func:`parse_sources` reads and validates text (errors name
the line), :func:`render_source` writes one table, :func:`add_source` and
:func:`remove_source` edit the text keeping everything else (comments too) as
written. Only :func:`load_sources` touches the file system.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cssselect import SelectorError
from parsel.csstranslator import css2xpath

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, packaged for Python 3.10
    import tomli as tomllib

#: Environment variable (and Scrapy setting) naming the sources file.
SOURCES_ENV = "NEWSDIFFS_SOURCES"
DEFAULT_PATH = "sources.toml"

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_CSS_KEYS = ("body", "title", "exclude")
_KEYS = frozenset({"name", "feeds", "sitemaps", "fronts", "pattern", *_CSS_KEYS, "enabled"})
_SOURCE_HEADER = re.compile(r"^\s*\[\[\s*source\s*\]\]\s*(?:#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")


class SourcesError(Exception):
    """The sources file is missing, unreadable or invalid (the message names the line)."""


@dataclass(frozen=True)
class Source:
    """One news site crawled through its feeds, sitemaps and/or HTML front pages.

    ``pattern`` is a regular expression a linked URL must match (``re.search``)
    to be followed; the CSS selectors, when given, replace the generic reading
    of the body / headline (``exclude``: what is never body text).
    """

    name: str
    pattern: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    #: HTML front pages (home, section pages): their links matching ``pattern`` are followed.
    fronts: tuple[str, ...] = ()
    body: str | None = None
    title: str | None = None
    exclude: str | None = None
    enabled: bool = True

    @property
    def urls(self) -> tuple[str, ...]:
        """Every feed and sitemap URL, feeds first."""
        return self.feeds + self.sitemaps

    @property
    def has_selectors(self) -> bool:
        """Whether any CSS selector overrides the generic reading."""
        return any((self.body, self.title, self.exclude))

    def allows(self, url: str) -> bool:
        """Whether a linked URL is one of this source's articles."""
        return re.search(self.pattern, url) is not None


class _Problem(Exception):
    """A schema problem in one table, at ``key`` (``None``: the table itself)."""

    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(message)
        self.key = key


def sources_path(setting: str | None = None) -> Path:
    """The sources file: ``setting``, else ``$NEWSDIFFS_SOURCES``, else ``sources.toml`` here."""
    return Path(setting or os.environ.get(SOURCES_ENV) or DEFAULT_PATH)


# --- validation -------------------------------------------------------------------


def _urls(key: str, value: Any) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _Problem(key, f"'{key}' must be a URL or a list of URLs")
    for url in values:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _Problem(key, f"'{key}': {url!r} is not an http(s) URL")
    return tuple(v.strip() for v in values)


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Problem(key, f"'{key}' must be a non-empty string")
    return value.strip()


def _css(key: str, value: Any) -> str:
    css = _text(key, value)
    try:
        css2xpath(css)
    except SelectorError as exc:
        raise _Problem(key, f"'{key}' is not a valid CSS selector: {exc}") from None
    return css


def _source(table: Any) -> Source:
    """A :class:`Source` from one table, or :class:`_Problem`."""
    if not isinstance(table, dict):
        raise _Problem(None, "each source must be a table ([[source]])")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise _Problem(unknown[0], f"unknown key '{unknown[0]}' (known: {', '.join(sorted(_KEYS))})")
    if "name" not in table:
        raise _Problem(None, "source without a 'name'")
    name = table["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise _Problem("name", f"name {name!r} must be lower-case letters, digits, '-' or '_'")
    feeds = _urls("feeds", table.get("feeds", []))
    sitemaps = _urls("sitemaps", table.get("sitemaps", []))
    fronts = _urls("fronts", table.get("fronts", []))
    if not feeds and not sitemaps and not fronts:
        raise _Problem(None, f"source '{name}' has no feeds, sitemaps or fronts")
    if "pattern" not in table:
        raise _Problem(None, f"source '{name}' has no 'pattern' (the regex links must match)")
    pattern = _text("pattern", table["pattern"])
    try:
        re.compile(pattern)
    except re.error as exc:
        raise _Problem("pattern", f"'pattern' is not a valid regular expression: {exc}") from None
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _Problem("enabled", "'enabled' must be true or false")
    css = {key: _css(key, table[key]) for key in _CSS_KEYS if key in table}
    return Source(name=name, pattern=pattern, feeds=feeds, sitemaps=sitemaps, fronts=fronts,
                  enabled=enabled, **css)


def make_source(**fields: Any) -> Source:
    """A validated :class:`Source` from field values (``None`` values left out)."""
    try:
        return _source({k: v for k, v in fields.items() if v is not None})
    except _Problem as exc:
        raise SourcesError(str(exc)) from None


def _line_of(text: str, index: int | None, key: str | None) -> int | None:
    """The line (1-based) of ``key`` in the ``index``-th ``[[source]]`` table (``None``: top level).

    Falls back to the table's header line; ``None`` when nothing fits.
    """
    key_re = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""") if key else None
    count = -1  # [[source]] tables seen so far
    current: int | None = None  # the [[source]] table the line is in; None: top level
    in_other = False  # inside some other table
    header_line = None
    for number, line in enumerate(text.splitlines(), 1):
        if _SOURCE_HEADER.match(line):
            count += 1
            current, in_other = count, False
            if current == index:
                header_line = number
        elif _ANY_HEADER.match(line):
            if index is None and key and re.match(rf"^\s*\[+\s*{re.escape(key)}\s*[\].]", line):
                return number
            current, in_other = None, True
        elif key_re and not in_other and current == index and key_re.match(line):
            return number
    return header_line


def _error(origin: str, text: str, index: int | None, key: str | None, message: str) -> SourcesError:
    line = _line_of(text, index, key)
    where = f"{origin}, line {line}" if line else origin
    return SourcesError(f"{where}: {message}")


def parse_sources(text: str, origin: str = DEFAULT_PATH) -> list[Source]:
    """The sources listed in a sources file's text, validated; :class:`SourcesError` names the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{origin}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - {"source"})
    if unknown:
        raise _error(origin, text, None, unknown[0],
                     f"unknown key '{unknown[0]}' (sources are [[source]] tables)")
    tables = data.get("source", [])
    if not isinstance(tables, list):
        raise _error(origin, text, None, "source", "'source' must be a list of [[source]] tables")
    sources: list[Source] = []
    names: set[str] = set()
    for index, table in enumerate(tables):
        try:
            source = _source(table)
        except _Problem as exc:
            raise _error(origin, text, index, exc.key, str(exc)) from None
        if source.name in names:
            raise _error(origin, text, index, "name", f"a source named '{source.name}' comes earlier")
        names.add(source.name)
        sources.append(source)
    return sources


def load_sources(path: str | Path) -> list[Source]:
    """The sources in a file; :class:`SourcesError` when it is missing, unreadable or invalid."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"no sources file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read: {exc}") from None
    return parse_sources(text, str(path))


# --- writing ----------------------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def toml_string(value: str) -> str:
    """A TOML string: literal ('...', read as written) for a regex or CSS with quotes, else basic."""
    controls = any(ord(c) < 32 or c == "\x7f" for c in value)
    if ("\\" in value or '"' in value) and "'" not in value and not controls:
        return f"'{value}'"
    out = []
    for c in value:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 32 or c == "\x7f":
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def render_source(source: Source) -> str:
    """One ``[[source]]`` table (defaults left out), ending in a newline."""
    lines = ["[[source]]", f"name = {toml_string(source.name)}"]
    for key in ("feeds", "sitemaps", "fronts"):
        urls = getattr(source, key)
        if urls:
            lines.append(f"{key} = [{', '.join(toml_string(u) for u in urls)}]")
    lines.append(f"pattern = {toml_string(source.pattern)}")
    for key in _CSS_KEYS:
        value = getattr(source, key)
        if value:
            lines.append(f"{key} = {toml_string(value)}")
    if not source.enabled:
        lines.append("enabled = false")
    return "\n".join(lines) + "\n"


def add_source(text: str, source: Source, origin: str = DEFAULT_PATH) -> str:
    """The sources file text with ``source`` appended (the name must be new)."""
    if any(s.name == source.name for s in parse_sources(text, origin)):
        raise SourcesError(f"a source named '{source.name}' already exists in {origin}")
    head = text.rstrip()
    new = (head + "\n\n" if head else "") + render_source(source)
    parse_sources(new, origin)  # what we write must read back
    return new


def remove_source(text: str, name: str, origin: str = DEFAULT_PATH) -> str:
    """The sources file text without the source called ``name`` (its comment lines above go too)."""
    names = [s.name for s in parse_sources(text, origin)]
    if name not in names:
        raise SourcesError(f"no source named '{name}' in {origin}")
    index = names.index(name)
    lines = text.splitlines(keepends=True)
    headers = [i for i, line in enumerate(lines) if _ANY_HEADER.match(line)]
    starts = [i for i in headers if _SOURCE_HEADER.match(lines[i])]
    start = starts[index]
    end = next((i for i in headers if i > start), len(lines))
    # Comment and blank lines before the next table belong to it, not to this one.
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    # Comment lines right above the header describe this source.
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    new = "".join(lines[:start]) + "".join(lines[end:])
    new = re.sub(r"\n{3,}", "\n\n", new).strip("\n")
    new = new + "\n" if new else ""
    parse_sources(new, origin)  # what we write must read back
    return new
