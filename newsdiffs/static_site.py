"""The static site: plain files a cron job can regenerate after every crawl.

Layout under the output directory (every link is relative, so the tree can be
served from anywhere or opened from disk)::

    index.html                            changed articles, newest change first (newest rows)
    changes/<day>.html, <day>-<HHMM>.html older ones, by the (UTC) day of their latest change
    feed.xml                              Atom: every change
    source/<source>/index.html, changes/  the same, one source
    source/<source>/feed.xml              Atom: that source's changes
    article/<source>/<slug>/index.html    every version of one article
    article/<source>/<slug>/<n>.html      version n beside version n-1 (1.html: the first text)
    article/<source>/<slug>/feed.xml      Atom: that article's changes
    article/<source>/<slug>/<a>-<b>.html  version b beside version a (``pairs``; small articles)
    article/<source>/<slug>/raw/<n>.txt   the page version n was read from, as text (kept pages)
    all/index.html, all/page-<k>.html     every tracked article, newest first seen first
    headlines/index.html, page-<k>.html   headline changes, newest first; their Atom feed.xml
    most-changed.html                     articles with the most edits / most characters changed
    search.html, search.js, search/<k>.js search in the browser: headline shards, newest first

Listing pages are stable, so that a change rewrites a few of them, not every
page after it, and a page is an address worth linking to. ``index.html`` shows
the newest rows. The changed-articles archive is paged by the day of each
article's latest change: a day is one page, or, above ``2 * page_size`` rows,
parts of about ``page_size`` rows cut where a hash of the article ids says
(:func:`_cut_day`: a row taken out or added moves only the cuts near it), each
named for the time of its oldest row: an article that changes again leaves its
day's page (or part) and goes to the top, and no page between moves. The
listings that only grow at the top (all articles, headline changes) number
their pages from the oldest (``page-1.html`` holds the first rows) and
``index.html`` holds the ``page_size`` to ``2 * page_size - 1`` newest rows, so
a new row rewrites ``index.html`` and, every ``page_size`` rows, adds a page.
Each page links the next newer and older page.

Pages of articles no longer in the database (and listing pages no longer in
the layout) are removed. The kept page of a version is written as ``.txt`` only: served
as ``text/plain`` it is shown as source, never run as HTML on the site's
origin (a publisher's page may hold scripts).

Files are compared byte for byte before writing and replaced atomically, so a
re-run rewrites only what changed and a web server never serves half a file.

A build's work is proportional to what changed since the previous one.
``.newsdiffs-site.json`` in the output directory remembers the rendering code,
the store's high-water marks (newest version and check ids, latest capture
request), a signature of each article's row with its directory and file count,
a signature of each listing page and feed, and the content of the feed entries.
The next build asks the store which articles got a version, a check or a
capture since the marks, renders only those whose signature changed, removes
the pages of articles no longer there (ids in the state, not in the store),
and renders a listing page or feed only when its signature changed. When rows
were deleted by hand since (ids may have been taken again), every article's
signature is computed; still only the changed ones are rendered. Files of
untouched articles are trusted to be there: ``full=True`` (``--full``) renders
and checks everything. Listings and feeds show the stored change sizes
(``versions.chars_added``/``chars_removed``), so only version pages diff texts.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
from dataclasses import dataclass, field
from itertools import compress
from operator import and_, gt, itemgetter
from pathlib import Path
from urllib.parse import urlsplit

from . import atom
from .diff import VersionDiff, compare_versions
from .links import http_link
from .render import (
    Links,
    article_page,
    feed_entry_html,
    headline_entry_html,
    listing_page,
    summary,
    version_page,
    when,
)
from .store import Store

#: Date part of the tag: URIs of the site-wide and per-source feeds.
FEED_TAG_DATE = "2025"
EPOCH = "1970-01-01T00:00:00Z"
STATE_FILE = ".newsdiffs-site.json"
#: Layout of the state file (another layout: a full build).
STATE_FORMAT = 2
#: Article columns that appear on its pages and in the listings (others, like next_check,
#: change every check). A new version always changes ``version_count``.
PAGE_FIELDS = ("id", "url", "source", "title", "first_seen", "last_changed", "status",
               "version_count")
_HERE = Path(__file__).parent
#: What the pages are made by: a change to any of these re-renders everything.
_CODE = ("diff.py", "render.py", "static_site.py", "atom.py", "items.py", "times.py", "links.py",
         "urls.py", "store.py")
#: Above this many articles to render, their kept pages and captures are read in one go.
_BULK = 2000
#: Articles per search shard (``search/<k>.js`` holds ids k*SHARD ... k*SHARD+SHARD-1).
SEARCH_SHARD = 2000
#: Shards searched before the reader asks for older ones (the rest load on demand).
SEARCH_AUTO_SHARDS = 5
#: ``pairs``: pages for every pair of versions of an article with at most this many versions.
PAIRS_MAX_VERSIONS = 12
#: Most-changed tables: rows each.
MOST_CHANGED = 100
#: Default language of each built-in spider's articles (``lang=SOURCE=CODE`` overrides).
SOURCE_LANGS = {"bbc": "en-GB", "independent": "en-GB", "apnews": "en-US", "npr": "en-US",
                "aljazeera": "en"}
_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_ARTICLE_DIR = re.compile(r"^[a-z0-9-]+-[0-9a-f]{8}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Pages of the changed-articles archive (``changes/<day>[-<part>].html``).
_DAY_PAGE = re.compile(r"^(\d{4}-\d{2}-\d{2}|undated)(-\d+){0,2}\.html$")
#: Pages of a listing numbered from the oldest (and the old layout's ``index-<n>.html``).
_NUMBERED_PAGE = re.compile(r"^(index|page)-\d+\.html$")
_OLD_INDEX_PAGE = re.compile(r"^index-\d+\.html$")


def replace_file(path: Path, raw: bytes) -> None:
    """Write ``path`` atomically through a temporary file that never outlives a failure."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(raw)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a full disk must not leave half-written files behind
        raise


class SiteError(ValueError):
    """A site setting that cannot be used, e.g. a base URL that is not http(s)."""


def parse_langs(values: list[str] | tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """``["de", "bbc=en-GB"]`` -> the site's default language and per-source languages."""
    default, langs = "en", {}
    for value in values:
        for item in value.split():
            source, _, code = item.rpartition("=")
            if not _LANG.match(code):
                raise SiteError(f"language {code!r} is not a language tag like en or de-CH")
            if source:
                langs[source] = code
            else:
                default = code
    return default, langs


@dataclass
class SiteReport:
    """What a site build did."""

    written: int = 0
    unchanged: int = 0
    articles: int = 0
    version_pages: int = 0
    feeds: int = 0
    #: Files and article directories removed (articles no longer in the database).
    removed: int = 0
    #: Articles whose signature had not changed since the last run (not rendered again).
    skipped: int = 0
    written_paths: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.written} files written, {self.unchanged} unchanged "
                f"({self.articles} articles, {self.skipped} of them untouched since the last "
                f"run; {self.version_pages} version pages, {self.feeds} feeds)"
                + (f", {self.removed} removed" if self.removed else ""))


class _Writer:
    """Writes files under ``root`` only when their bytes differ, atomically."""

    def __init__(self, root: Path, report: SiteReport) -> None:
        self.root = root
        self.report = report

    def write(self, rel: str, data: str | bytes) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        path = self.root / rel
        try:
            if path.stat().st_size == len(raw) and path.read_bytes() == raw:
                self.report.unchanged += 1
                return
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, raw)
        self.report.written += 1
        self.report.written_paths.append(rel)


def _safe(text: str, limit: int = 60) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")


def url_key(url: str) -> str:
    """A short stable key for an article URL (used in paths and feed ids)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]


def article_dir(article: dict) -> str:
    """``article/<source>/<slug>``: readable, stable for a URL, unique."""
    try:
        parts = urlsplit(article["url"])
        path, netloc = parts.path, parts.netloc
    except ValueError:  # an old row with an unparsable URL still gets its pages
        path, netloc = article["url"], ""
    segment = next((s for s in reversed(path.split("/")) if s), netloc)
    slug = _safe(segment) or "article"
    return f"article/{_safe(article['source']) or 'source'}/{slug}-{url_key(article['url'])[:8]}"


def rel(page: str, target: str) -> str:
    """Relative link from one file of the site to another (``posixpath.relpath`` of the
    target from the page's directory, done on the strings: it is called for every link)."""
    start, parts = page.split("/")[:-1], target.split("/")
    if not all(p not in ("", ".", "..") for p in (*start, *parts)):
        return posixpath.relpath(target, posixpath.dirname(page) or ".")
    common = 0
    while common < len(start) and common < len(parts) and start[common] == parts[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + parts[common:]) or "."


class SiteBuilder:
    """Builds the site from a store; see the module docstring for the layout."""

    def __init__(self, store: Store, out: Path, *, base_url: str = "", page_size: int = 50,
                 feed_size: int = 50, full: bool = False, langs: dict[str, str] | None = None,
                 default_lang: str = "en", raw_pages: bool = True, pairs: bool = False) -> None:
        link = http_link(base_url) if base_url else ""
        if link is None:
            raise SiteError(f"base URL {base_url!r} is not an http(s) URL with a host")
        self.store = store
        self.out = Path(out)
        self.base_url = link.rstrip("/") + "/" if link else ""
        self.page_size = max(1, page_size)
        self.feed_size = feed_size
        self.authority = urlsplit(self.base_url).hostname or "newsdiffs"
        self.report = SiteReport()
        self.writer = _Writer(self.out, self.report)
        #: Diffs the feeds need, kept from the article pass: (article id, version) -> diff.
        self.wanted: set[tuple[int, int]] = set()
        self.cache: dict[tuple[int, int], VersionDiff] = {}
        self.langs = {**SOURCE_LANGS, **(langs or {})}
        self.default_lang = default_lang
        self.raw_pages = raw_pages
        self.pairs = pairs
        self.code_key = _code_key(
            json.dumps([self.base_url, self.langs, default_lang, raw_pages, pairs],
                       sort_keys=True))
        self.kept: dict[int, list[int]] = {}
        self.archived: dict[int, dict[int, dict]] = {}
        previous = {} if full else self._load_state()
        #: The previous build's marks; ``None``: no usable state, everything is rendered.
        self.marks: dict | None = previous.get("marks")
        #: Article id -> [row signature, directory, files, version pages] (previous / this build).
        self.previous: dict[str, list] = previous.get("articles", {})
        self.state: dict[str, list] = {}
        #: Listing page or feed -> signature of what it shows (previous / this build).
        self.previous_pages: dict[str, str] = previous.get("pages", {})
        self.pages: dict[str, str] = {}
        #: Feed -> "article id/version" -> [signature, summary, content] of its entries.
        self.previous_entries: dict[str, dict[str, list]] = previous.get("entries", {})
        self.entries: dict[str, dict[str, list]] = {}
        self.previous_most: dict[str, list[dict]] = previous.get("most_changed", {})
        self.most: dict[str, list[dict]] = {}
        #: Article id -> its newest version's number and stored sizes (read when needed).
        self.sizes: dict[int, dict] = {}
        #: Article id -> its row signature and its directory (this build).
        self.rowsig: dict[int, str] = {}
        self.adir: dict[int, str] = {}
        #: Directories the last build wrote for an article id that now has another one.
        self.orphans: list[str] = []

    # -- links ---------------------------------------------------------------

    def absolute(self, path: str, from_feed: str) -> str:
        """A link for a feed: absolute with ``base_url``, else relative to the feed."""
        return self.base_url + path if self.base_url else rel(from_feed, path)

    def entry_id(self, article: dict, version: int) -> str:
        return atom.tag_uri(self.authority, article["first_seen"][:10],
                            f"article/{url_key(article['url'])}/version/{version}")

    # -- build ---------------------------------------------------------------

    def lang(self, source: str | None) -> str:
        """The language of a source's articles (the site's default for mixed pages)."""
        return self.langs.get(source or "", self.default_lang)

    def build(self) -> SiteReport:
        marks = self.store.site_marks()  # first: what is written during the build counts next time
        articles = self.store.site_articles()
        everyone = {a["id"] for a in articles}
        deleted = {k: v for k, v in self.previous.items() if int(k) not in everyone}
        touched = captured = None
        if self.marks is not None:  # else a full build: everything is rendered
            touched = self.store.site_touched(self.marks)
            captured = self.store.site_captured(self.marks)
        fresh = touched is not None and not deleted  # nothing went, nothing came back
        changed = sorted((a for a in articles if a["version_count"] > 1),
                         key=lambda a: (a["last_changed"] or "", a["id"]), reverse=True)
        sources = sorted({a["source"] for a in changed})
        # The feeds' rows, read once: the article pass keeps the diffs their entries show.
        feeds = {source: self.store.feed_changes(source, limit=self.feed_size)
                 for source in [None, *sources]}
        self.wanted = {(c["article_id"], c["version"]) for rows in feeds.values() for c in rows}
        self._articles(articles, everyone if touched is None else touched,
                       everyone if captured is None else captured)
        self._indexes(changed, sources)
        for source in [None, *sources]:
            self._feed(source, feeds[source])
        self._all_index(articles)
        self._headlines(fresh and not self.store.headline_changed_since(self.marks["versions"]))
        self._most_changed(touched if fresh else None)
        self._search(articles)
        self._prune(sources, deleted if self.marks is not None else None)
        self._save_state(marks)
        return self.report

    def _articles(self, articles: list[dict], touched: set[int], captured: set[int]) -> None:
        """Render the pages of every article whose row signature changed since the last
        build, or that was captured since; count the others' files as unchanged."""
        render = []
        previous, state, rowsig, adirs = self.previous, self.state, self.rowsig, self.adir
        files = pages = 0
        for article in articles:
            aid = article["id"]
            key = str(aid)
            known = previous.get(key)
            if known and (aid not in touched or known[0] == _sig(
                    [article[k] for k in PAGE_FIELDS])) and aid not in captured:
                # No version, check or capture since (trusted), or nothing shown changed.
                state[key] = known
                rowsig[aid], adirs[aid] = known[0], known[1]
                files += known[2]
                pages += known[3]
            else:
                render.append(article)
        skipped = len(articles) - len(render)
        self.report.unchanged += files
        self.report.version_pages += pages
        self.report.feeds += skipped
        self.report.articles += skipped
        self.report.skipped += skipped
        ids = None if len(render) > _BULK else [a["id"] for a in render]
        self.kept = self.store.kept_pages(ids) if self.raw_pages and render else {}
        self.archived = self.store.archived(ids) if render else {}
        for article in render:
            aid = article["id"]
            rowsig[aid], adirs[aid] = _sig([article[k] for k in PAGE_FIELDS]), article_dir(article)
            known = previous.get(str(aid))
            if known and known[1] != adirs[aid]:  # an id used again by another article
                self.orphans.append(known[1])
            state[str(aid)] = [rowsig[aid], adirs[aid], len(self._article(article)),
                               article["version_count"]]

    def _fresh(self, name: str, sig: str) -> bool:
        """Record the signature of listing page or feed ``name``; whether the previous build
        wrote it with the same one (then it is counted as unchanged and not rendered)."""
        self.pages[name] = sig
        if self.previous_pages.get(name) == sig:
            self.report.unchanged += 1
            return True
        return False

    def _sizes(self, ids: list[int]) -> dict[int, dict]:
        """Newest version number and stored sizes of these articles (read once each)."""
        missing = [i for i in ids if i not in self.sizes]
        if missing:
            self.sizes.update(self.store.latest_sizes(missing))
        return self.sizes

    # -- site-wide listings -----------------------------------------------------

    def _root_links(self, page: str, feed: str | None = None) -> Links:
        root = rel(page, "index.html")[: -len("index.html")]
        return Links(home=rel(page, "index.html"), root=root,
                     feed=rel(page, feed) if feed else None)

    def _stacked(self, base: str, count: int) -> list[tuple[str, int | None, int, int]]:
        """Pages of a listing that grows at its newest end, newest first: ``(name, number,
        start, end)``, a slice of its ``count`` rows taken newest first. ``index.html`` (no
        number) holds the newest ``page_size`` to ``2 * page_size - 1`` rows, ``page-<k>.html``
        ``page_size`` rows each, ``k`` counted from the oldest: a new row changes
        ``index.html`` only, and every ``page_size`` rows one page is added."""
        size = self.page_size
        full = max(0, count // size - 1)
        pages: list[tuple[str, int | None, int, int]] = [
            (f"{base}index.html", None, 0, count - full * size)]
        for k in range(full, 0, -1):
            start = count - k * size
            pages.append((f"{base}page-{k}.html", k, start, start + size))
        return pages

    def _changed_pages(self, base: str, rows: list[dict]) -> list[tuple[str, str | None, list]]:
        """The pages of a changed-articles listing, newest first: ``(name, day, rows)``.

        ``rows`` (newest change first) are grouped by the UTC day of their latest change; a
        day is one page, or cut in parts (:func:`_cut_day`). ``index.html`` (day ``None``)
        takes the newest parts until it holds ``page_size`` rows; the others are the archive:
        ``changes/<day>.html`` (a day's first part) and ``changes/<day>-<HHMM>.html`` (a part
        named for the time of its oldest row, so that no other part's change renames it)."""
        by_prefix: dict[str, list[dict]] = {}
        for a in rows:
            by_prefix.setdefault((a["last_changed"] or "")[:10], []).append(a)
        days: dict[str, list[dict]] = {}
        for prefix, group in by_prefix.items():  # days in order; odd times: "undated"
            days.setdefault(_day(prefix), []).extend(group)
        parts = []
        for day, newest_first in days.items():
            named: list[tuple[str, list[dict]]] = []
            seen: dict[str, int] = {}
            for i, piece in enumerate(_cut_day(newest_first[::-1], self.page_size)):
                at = (piece[0]["last_changed"] or "")[11:16].replace(":", "")
                name = day if i == 0 else f"{day}-{at if at.isdigit() else i + 1}"
                seen[name] = seen.get(name, 0) + 1
                if seen[name] > 1:  # parts that start in the same minute: -2, -3 ...
                    name = f"{name}-{seen[name]}"
                named.append((name, piece))
            parts += [(f"{base}changes/{name}.html", day, piece[::-1])
                      for name, piece in reversed(named)]
        front: list[dict] = []
        while parts and len(front) < self.page_size:
            front += parts.pop(0)[2]
        return [(f"{base}index.html", None, front), *parts]

    def _href(self, article_id: int, page: str, name: str = "index.html") -> str:
        """Link from ``page`` to a file of an article's directory."""
        return rel(page, f"{self.adir[article_id]}/{name}")

    def _all_index(self, articles: list[dict]) -> None:
        """``all/``: every tracked article, most recently first seen first."""
        ordered = sorted(articles, key=itemgetter("first_seen", "id"), reverse=True)
        pages = self._stacked("all/", len(ordered))
        for i, (name, number, start, end) in enumerate(pages):
            newer, older = _neighbours(pages, i)
            chunk = ordered[start:end]
            # Only the newest page shows the total: the others stay as they are.
            total = None if number else len(ordered)
            if self._fresh(name, _sig(["all", self.default_lang, total, number, newer, older],
                                      [self.rowsig[a["id"]] for a in chunk])):
                continue
            self.writer.write(name, listing_page(
                "all.html", links=self._root_links(name), lang=self.default_lang,
                articles=[{**a, "href": self._href(a["id"], name)} for a in chunk],
                total=total, page=number,
                prev_href=rel(name, newer) if newer else None,
                next_href=rel(name, older) if older else None))
        self._drop_files("all", {p[0].rpartition("/")[2] for p in pages}, _NUMBERED_PAGE)

    def _headlines(self, fresh: bool) -> None:
        """``headlines/``: old -> new headline, newest first, and its Atom feed. ``fresh``:
        no headline changed and no article went since the last build (nothing to do)."""
        feed_path = "headlines/feed.xml"
        if fresh:
            for name, sig in self.previous_pages.items():
                if name.startswith("headlines/"):
                    self._fresh(name, sig)
            self.report.feeds += 1
            return
        changes = self.store.headline_changes()
        pages = self._stacked("headlines/", len(changes))
        for i, (name, number, start, end) in enumerate(pages):
            newer, older = _neighbours(pages, i)
            rows = changes[start:end]
            total = None if number else len(changes)
            if self._fresh(name, _sig(["headlines", self.default_lang, total, number, newer,
                                       older, rows])):
                continue
            self.writer.write(name, listing_page(
                "headlines.html", links=self._root_links(name, feed_path),
                lang=self.default_lang, total=total, page=number,
                changes=[{**h, "href": rel(name, f"{article_dir(h)}/{h['version']}.html")}
                         for h in rows],
                prev_href=rel(name, newer) if newer else None,
                next_href=rel(name, older) if older else None))
        self._drop_files("headlines", {p[0].rpartition("/")[2] for p in pages}, _NUMBERED_PAGE)
        rows = changes[: self.feed_size]
        if self._fresh(feed_path, _sig(["headline feed", rows])):
            self.report.feeds += 1
            return
        entries = []
        for h in rows:
            link = self.absolute(f"{article_dir(h)}/{h['version']}.html", feed_path)
            entries.append(atom.Entry(
                id=atom.tag_uri(self.authority, FEED_TAG_DATE,
                                f"headline/{url_key(h['url'])}/version/{h['version']}"),
                title=f"{h['old_title']} → {h['title']}", updated=h["time"], link=link,
                summary=f"Headline changed in version {h['version']}.",
                content_html=headline_entry_html(h["old_title"], h["title"], link),
                categories=[h["source"]], related=http_link(h["url"])))
        self._write_feed(feed_path, atom.tag_uri(self.authority, FEED_TAG_DATE, "feed/headlines"),
                         "newsdiffs: headline changes", entries,
                         updated=entries[0].updated if entries else EPOCH,
                         alternate="headlines/index.html")

    def _most_changed(self, touched: set[int] | None) -> None:
        """``most-changed.html``: by number of edits and by characters changed (stored sizes).

        With ``touched`` (no article went since the last build), the tables are the last
        build's with the touched articles read again: an article's edits and characters only
        grow, so no other article can climb into them."""
        name = "most-changed.html"
        orders = {"versions": lambda r: (-r["edits"], -r["chars"], r["id"]),
                  "chars": lambda r: (-r["chars"], -r["edits"], r["id"])}
        tables = []
        for by, heading in (("versions", "By number of edits"),
                            ("chars", "By characters changed")):
            if touched is None or by not in self.previous_most:
                rows = self.store.most_changed(by, MOST_CHANGED)
            else:
                rows = [r for r in self.previous_most[by] if r["id"] not in touched]
                if touched:
                    rows += self.store.most_changed(by, MOST_CHANGED, article_ids=touched)
                rows = sorted(rows, key=orders[by])[:MOST_CHANGED]
            self.most[by] = [{k: r[k] for k in ("id", "url", "source", "title", "edits", "chars")}
                             for r in rows]
            tables.append({"id": f"by-{by}", "heading": heading, "rows": [
                {**a, "href": rel(name, f"{article_dir(a)}/index.html")} for a in self.most[by]]})
        if self._fresh(name, _sig(["most changed", self.default_lang, self.most])):
            return
        self.writer.write(name, listing_page("most_changed.html", links=self._root_links(name),
                                             lang=self.default_lang, tables=tables))

    def _search(self, articles: list[dict]) -> None:
        """``search.html`` and its index: shards of ``SEARCH_SHARD`` article ids, so one new
        article rewrites one shard, and a reader loads the newest shards first."""
        shards: dict[int, list[dict]] = {}
        for a in articles:
            shards.setdefault(a["id"] // SEARCH_SHARD, []).append(a)
        keys = sorted(shards, reverse=True)
        todo = []
        for k in keys:
            rows = shards[k][::-1]  # the articles come in id order
            if not self._fresh(f"search/{k}.js",
                               _sig(["shard"], [self.rowsig[a["id"]] for a in rows])):
                todo.append((k, rows))
        ids = [a["id"] for _, rows in todo for a in rows]
        past = self.store.past_titles(None if len(ids) > _BULK else ids) if ids else {}
        for k, rows in todo:
            data = [[a["title"] or "", f"{self.adir[a['id']]}/index.html", a["source"],
                     a["version_count"], " / ".join(past.get(a["id"], []))] for a in rows]
            # ensure_ascii: the data is plain ASCII JavaScript whatever the headlines hold.
            self.writer.write(f"search/{k}.js", f"newsdiffsShard({json.dumps(str(k))}, "
                              f"{json.dumps(data, ensure_ascii=True)});\n")
        self._drop_files("search", {f"{k}.js" for k in keys}, re.compile(r"^\d+\.js$"))
        self.writer.write("search.js", (_HERE / "templates" / "search.js").read_bytes())
        if self._fresh("search.html", _sig(["search", self.default_lang, len(articles), keys])):
            return
        self.writer.write("search.html", listing_page(
            "search.html", links=self._root_links("search.html"), lang=self.default_lang,
            total=len(articles), shards=[str(k) for k in keys], auto_shards=SEARCH_AUTO_SHARDS))

    # -- removing what is no longer there ------------------------------------------

    def _remove(self, path: Path) -> None:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        self.report.removed += 1

    def _drop_files(self, folder: str, keep: set[str], pattern: re.Pattern) -> None:
        """Remove files of ours (names matching ``pattern``) in ``folder`` not in ``keep``."""
        base = self.out / folder
        if base.is_dir():
            for path in base.iterdir():
                if path.is_file() and pattern.match(path.name) and path.name not in keep:
                    self._remove(path)

    def _prune(self, sources: list[str], deleted: dict[str, list] | None) -> None:
        """Remove the pages of articles (and sources) no longer in the database: those of
        ``deleted`` (the last build's articles that are gone), or with ``None`` (a full
        build) every article directory of ours that no article has."""
        expected = set(self.adir.values())
        if deleted is not None:
            for adir in [*(known[1] for known in deleted.values()), *self.orphans]:
                path = self.out / adir
                if adir not in expected and path.is_dir() and _ARTICLE_DIR.match(path.name):
                    self._remove(path)
                    if not any(path.parent.iterdir()):
                        path.parent.rmdir()
        elif (self.out / "article").is_dir():
            for source_dir in (self.out / "article").iterdir():
                if not source_dir.is_dir():
                    continue
                for adir in source_dir.iterdir():
                    rel_dir = f"article/{source_dir.name}/{adir.name}"
                    if adir.is_dir() and _ARTICLE_DIR.match(adir.name) \
                            and rel_dir not in expected:
                        self._remove(adir)
                if not any(source_dir.iterdir()):
                    source_dir.rmdir()
        wanted = {_safe(s) or "source" for s in sources}
        if (self.out / "source").is_dir():
            for source_dir in (self.out / "source").iterdir():
                if source_dir.is_dir() and source_dir.name not in wanted and all(
                        p.name in ("feed.xml", "index.html") or _NUMBERED_PAGE.match(p.name)
                        or (p.name == "changes" and p.is_dir()
                            and all(_DAY_PAGE.match(d.name) for d in p.iterdir()))
                        for p in source_dir.iterdir()):
                    self._remove(source_dir)

    def _load_state(self) -> dict:
        """The last build's state, if it was made by this code with these settings."""
        try:
            state = json.loads((self.out / STATE_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        usable = (isinstance(state, dict) and state.get("code") == self.code_key
                  and state.get("format") == STATE_FORMAT)
        return state if usable else {}

    def _save_state(self, marks: dict) -> None:
        data = json.dumps({"code": self.code_key, "format": STATE_FORMAT, "marks": marks,
                           "articles": self.state, "pages": self.pages, "entries": self.entries,
                           "most_changed": self.most}, ensure_ascii=False, separators=(",", ":"))
        path = self.out / STATE_FILE
        self.out.mkdir(parents=True, exist_ok=True)
        replace_file(path, data.encode("utf-8"))

    def _article(self, article: dict) -> list[str]:
        """Write an article's pages and feed; returns its files."""
        adir = article_dir(article)
        files: list[str] = []
        versions = self.store.versions(article["id"])
        lang = self.lang(article["source"])
        diffs: dict[int, VersionDiff] = {}
        for prev, v in zip(versions, versions[1:], strict=False):
            diffs[v["version"]] = diff = compare_versions(prev, v)
            if (article["id"], v["version"]) in self.wanted:
                self.cache[article["id"], v["version"]] = diff
        evidence = self._evidence(article, versions, files)
        nav = [{"version": v["version"], "fetched_at": v["fetched_at"],
                "repeats_version": v["repeats_version"], "href": f"{v['version']}.html"}
               for v in versions]
        pairs = self._pairs(article, versions, nav, evidence, files, lang)
        count = len(versions)
        for i, v in enumerate(versions):
            n = v["version"]
            page = f"{adir}/{n}.html"
            links = self._links(page, adir, article["source"])
            if i > 0:
                links.prev = f"{versions[i - 1]['version']}.html"
                links.prev_label = (f"versions {versions[i - 2]['version']}–"
                                    f"{versions[i - 1]['version']}" if i > 1 else "version 1")
            if i + 1 < count:
                links.next = f"{versions[i + 1]['version']}.html"
                links.next_label = f"versions {n}–{versions[i + 1]['version']}"
            old = versions[i - 1] if i else None
            self.writer.write(page, version_page(
                article, v, old, diff=diffs.get(n), links=links, versions=nav,
                evidence=evidence, pairs=pairs, lang=lang))
            files.append(page)
            self.report.version_pages += 1
        page = f"{adir}/index.html"
        self.writer.write(page, article_page(article, versions,
                                             links=self._links(page, adir, article["source"]),
                                             evidence=evidence, lang=lang))
        feed_path = f"{adir}/feed.xml"
        files += [page, feed_path]
        # Feeds carry edits only; a re-extraction (kind "reextract") is not news.
        entries = [self._entry(article, v, diffs[v["version"]], feed_path)
                   for v in reversed(versions[1:]) if v.get("kind", "edit") == "edit"]
        self._write_feed(
            feed_path, atom.tag_uri(self.authority, article["first_seen"][:10],
                                    f"feed/article/{url_key(article['url'])}"),
            f"Changes to “{article['title']}”", entries,
            updated=entries[0].updated if entries else versions[0]["fetched_at"],
            alternate=f"{adir}/index.html")
        self.report.articles += 1
        return files

    def _evidence(self, article: dict, versions: list[dict], files: list[str]) -> dict[int, dict]:
        """Per version number: its kept page (written as ``raw/<n>.txt``) and its capture."""
        adir = article_dir(article)
        kept = set(self.kept.get(article["id"], []))
        archived = self.archived.get(article["id"], {})
        evidence: dict[int, dict] = {}
        for v in versions:
            n = v["version"]
            entry: dict[str, str | None] = {"raw_href": None, "archive_url": None,
                                            "archived_at": None}
            if n in kept:
                raw = f"{adir}/raw/{n}.txt"
                # A stored page never changes: write it once, not on every re-render.
                if not (self.out / raw).is_file():
                    html = self.store.page_html(v["id"])
                    if html is not None:
                        self.writer.write(raw, html)
                if (self.out / raw).is_file():
                    entry["raw_href"] = f"raw/{n}.txt"
                    files.append(raw)
            capture = archived.get(n)
            link = http_link(capture["archive_url"]) if capture else None
            if capture and capture["status"] == "ok" and link:
                entry["archive_url"] = link
                entry["archived_at"] = capture["requested_at"]
            if entry["raw_href"] or entry["archive_url"]:
                evidence[n] = entry
        return evidence

    def _pairs(self, article: dict, versions: list[dict], nav: list[dict],
               evidence: dict[int, dict], files: list[str], lang: str) -> list[dict]:
        """With ``pairs``: a page for every pair of versions that are not neighbours
        (``<a>-<b>.html``), for articles with few versions; the list of them."""
        if not self.pairs or not 2 < len(versions) <= PAIRS_MAX_VERSIONS:
            return []
        adir = article_dir(article)
        found = []
        for i, old in enumerate(versions):
            for new in versions[i + 2:]:
                name = f"{old['version']}-{new['version']}.html"
                found.append({"old": old["version"], "new": new["version"], "href": name})
        for p in found:
            page = f"{adir}/{p['href']}"
            old = versions[p["old"] - versions[0]["version"]]
            new = versions[p["new"] - versions[0]["version"]]
            self.writer.write(page, version_page(
                article, new, old, links=self._links(page, adir, article["source"]),
                versions=nav, evidence=evidence, pairs=found, lang=lang))
            files.append(page)
        return found

    def _links(self, page: str, adir: str, source: str) -> Links:
        return Links(home=rel(page, "index.html"),
                     source=rel(page, f"source/{_safe(source) or 'source'}/index.html"),
                     article=rel(page, f"{adir}/index.html"), feed=rel(page, f"{adir}/feed.xml"),
                     root=rel(page, "index.html")[: -len("index.html")])

    def _indexes(self, changed: list[dict], sources: list[str]) -> None:
        """Changed articles, newest change first: the site's listing and each source's,
        ``index.html`` and the archive by day (:meth:`_changed_pages`). Pages whose rows and
        neighbours are as last time are not rendered again."""
        by_source: dict[str, list[dict]] = {s: [] for s in sources}
        for a in changed:
            by_source[a["source"]].append(a)
        todo = []
        for source, articles in [(None, changed), *by_source.items()]:
            base = f"source/{_safe(source) or 'source'}/" if source else ""
            pages = self._changed_pages(base, articles)
            for i, (name, day, rows) in enumerate(pages):
                newer, older = _neighbours(pages, i)
                total = None if day else len(articles)  # only the newest page shows it
                if not self._fresh(name, _sig(["index", source, sources, self.lang(source),
                                               total, day, newer, older],
                                              [self.rowsig[a["id"]] for a in rows])):
                    todo.append((source, base, name, total, day, newer, older, rows))
            self._drop_files(base.rstrip("/") or ".", set(), _OLD_INDEX_PAGE)  # old layout
            self._drop_files(f"{base}changes", {p[0].rpartition("/")[2] for p in pages[1:]},
                             _DAY_PAGE)
            archive = self.out / f"{base}changes"
            if len(pages) == 1 and archive.is_dir() and not any(archive.iterdir()):
                archive.rmdir()
        ids = [a["id"] for *_, rows in todo for a in rows]
        if len(ids) > _BULK:
            self.sizes = self.store.latest_sizes()
        sizes = self._sizes(ids)
        for source, base, name, total, day, newer, older, rows in todo:
            label = _day_label(day) if day else None
            if source:
                heading = f"Changed on {label}: {source}" if day else f"Recent changes: {source}"
            else:
                heading = f"Articles changed on {label}" if day else "Recently changed articles"
            shown = [{**a, "href": self._href(a["id"], name),
                      "last_href": self._href(a["id"], name, f"{sizes[a['id']]['version']}.html"),
                      "chars_added": sizes[a["id"]]["chars_added"],
                      "chars_removed": sizes[a["id"]]["chars_removed"]} for a in rows]
            links = Links(home=rel(name, "index.html"), feed=rel(name, f"{base}feed.xml"),
                          root=rel(name, "index.html")[: -len("index.html")])
            nav = [{"name": s, "href": rel(name, f"source/{_safe(s) or 'source'}/index.html")}
                   for s in sources]
            self.writer.write(name, listing_page(
                "index.html", links=links, lang=self.lang(source), heading=heading,
                articles=shown, sources=nav, total=total,
                day=day if day and _DAY.match(day) else None, day_label=label,
                prev_href=rel(name, newer) if newer else None,
                next_href=rel(name, older) if older else None))

    def _entry(self, article: dict, v: dict, diff: VersionDiff, feed_path: str) -> atom.Entry:
        page = f"{article_dir(article)}/{v['version']}.html"
        link = self.absolute(page, feed_path)
        return atom.Entry(
            id=self.entry_id(article, v["version"]),
            title=f"{v['title']} (version {v['version']})",
            updated=v["fetched_at"],
            link=link,
            summary=summary(diff),
            content_html=feed_entry_html(diff, link),
            categories=[article["source"]],
            related=http_link(article["url"]),
        )

    def _feed(self, source: str | None, changes: list[dict]) -> None:
        """The site's feed of changes, or a source's: rendered when its rows changed, with
        the entries it showed last time taken as they were (their diffs are not redone)."""
        path = f"source/{_safe(source) or 'source'}/feed.xml" if source else "feed.xml"
        cached = self.previous_entries.get(path, {})
        if self._fresh(path, _sig(["feed", changes])):
            self.report.feeds += 1
            self.entries[path] = cached
            return
        kept: dict[str, list] = {}
        entries = []
        for change in changes:
            aid, n = change["article_id"], change["version"]
            link = self.absolute(f"{self.adir[aid]}/{n}.html", path)
            key, sig = f"{aid}/{n}", _sig(change)
            if key in cached and cached[key][0] == sig:
                text, html = cached[key][1:]
            else:
                diff = self.cache.get((aid, n)) or compare_versions(
                    self.store.version(aid, n - 1), self.store.version(aid, n))
                text, html = summary(diff), feed_entry_html(diff, link)
            kept[key] = [sig, text, html]
            entries.append(atom.Entry(
                id=self.entry_id(change, n), title=f"{change['title']} (version {n})",
                updated=change["time"], link=link, summary=text, content_html=html,
                categories=[change["source"]], related=http_link(change["url"])))
        self.entries[path] = kept
        specific = f"feed/source/{source}" if source else "feed/all"
        self._write_feed(path, atom.tag_uri(self.authority, FEED_TAG_DATE, specific),
                         f"newsdiffs: changes ({source})" if source else "newsdiffs: all changes",
                         entries, updated=entries[0].updated if entries else EPOCH,
                         alternate=path.replace("feed.xml", "index.html"))

    def _write_feed(self, path: str, feed_id: str, title: str, entries: list[atom.Entry], *,
                    updated: str, alternate: str) -> None:
        self.writer.write(path, atom.feed(
            id=feed_id, title=title, updated=updated, entries=entries,
            self_link=self.absolute(path, path), alternate=self.absolute(alternate, path)))
        self.report.feeds += 1


def _code_key(base_url: str) -> str:
    """A hash of everything besides the data that shapes the output."""
    h = hashlib.sha1(base_url.encode("utf-8"))
    for path in [*(_HERE / name for name in _CODE), *sorted((_HERE / "templates").iterdir())]:
        h.update(path.name.encode("utf-8"))
        h.update(path.read_bytes())
    return h.hexdigest()


def _sig(data: object, rows: list[str] | None = None) -> str:
    """A short signature of JSON-able data (what a page or an article row shows), and of
    the signatures of the ``rows`` a listing page shows."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if rows is not None:
        raw += "|" + "".join(rows)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


def _neighbours(pages: list[tuple], i: int) -> tuple[str | None, str | None]:
    """The names of the next newer and next older page of page ``i`` (pages newest first)."""
    return (pages[i - 1][0] if i else None, pages[i + 1][0] if i + 1 < len(pages) else None)


def _day(iso: str | None) -> str:
    """The UTC day of a stored time (``2026-11-20``), ``undated`` without one."""
    day = (iso or "")[:10]
    return day if _DAY.match(day) else "undated"


def _day_label(day: str) -> str:
    """``2026-11-20`` -> ``20 Nov 2026``."""
    if not _DAY.match(day):
        return "an unknown day"
    return when(f"{day}T00:00:00Z").partition(",")[0]


def _cut_day(rows: list[dict], size: int) -> list[list[dict]]:
    """A day's rows (oldest first) as parts: one part up to ``2 * size`` rows, else parts
    of about ``size`` rows. A part ends at a row whose rank (a multiplicative hash of its
    article id, fixed) is above those of the ``size // 2`` rows on each side (no cut within
    that many rows of the day's ends): parts have ``size // 2`` rows or more (but after a
    forced cut), about ``size`` on average (a cut is forced at ``3 * size``), and whether a
    row ends a part depends on its neighbours only, so a row taken out or added moves the
    cuts near it, never the ones further on."""
    count = len(rows)
    if count <= 2 * size:
        return [rows]
    reach, most = max(1, size // 2), 3 * size
    ranks = [(a["id"] * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF for a in rows]
    # Ranks differ (ids do, the hash is a bijection): a cut is the maximum of its window.
    # Rows above both neighbours first (in C), then their whole window.
    middle = ranks[reach : count - reach]
    peaks = compress(range(reach, count - reach), map(
        and_, map(gt, middle, ranks[reach - 1 :]), map(gt, middle, ranks[reach + 1 :])))
    natural = [i for i in peaks if ranks[i] == max(ranks[i - reach : i + reach + 1])]
    parts, start = [], 0
    for cut in natural:
        while cut - start + 1 > most:
            parts.append(rows[start : start + most])
            start += most
        parts.append(rows[start : cut + 1])
        start = cut + 1
    while count - reach - start >= most:
        parts.append(rows[start : start + most])
        start += most
    parts.append(rows[start:])
    return parts


def build_site(store: Store, out: Path, *, base_url: str = "", page_size: int = 50,
               feed_size: int = 50, full: bool = False, langs: dict[str, str] | None = None,
               default_lang: str = "en", raw_pages: bool = True,
               pairs: bool = False) -> SiteReport:
    """Write (or refresh) the static site for ``store`` under ``out``."""
    return SiteBuilder(store, out, base_url=base_url, page_size=page_size,
                       feed_size=feed_size, full=full, langs=langs, default_lang=default_lang,
                       raw_pages=raw_pages, pairs=pairs).build()
