"""The static site: plain files a cron job can regenerate after every crawl.

Layout under the output directory (every link is relative, so the tree can be
served from anywhere or opened from disk)::

    index.html, index-2.html ...          changed articles, newest change first
    feed.xml                              Atom: every change
    source/<source>/index.html ...        the same, one source
    source/<source>/feed.xml              Atom: that source's changes
    article/<source>/<slug>/index.html    every version of one article
    article/<source>/<slug>/<n>.html      version n beside version n-1 (1.html: the first text)
    article/<source>/<slug>/feed.xml      Atom: that article's changes
    article/<source>/<slug>/<a>-<b>.html  version b beside version a (``pairs``; small articles)
    article/<source>/<slug>/raw/<n>.txt   the page version n was read from, as text (kept pages)
    all/index.html, all/index-2.html ...  every tracked article, newest first seen first
    headlines/index.html ..., feed.xml    headline changes, newest first, and their Atom feed
    most-changed.html                     articles with the most edits / most characters changed
    search.html, search.js, search/<k>.js search in the browser: headline shards, newest first

Pages of articles no longer in the database (and index pages beyond the last)
are removed. The kept page of a version is written as ``.txt`` only: served
as ``text/plain`` it is shown as source, never run as HTML on the site's
origin (a publisher's page may hold scripts).

Files are compared byte for byte before writing and replaced atomically, so a
re-run rewrites only what changed and a web server never serves half a file.
To stay fast on a big database, ``.newsdiffs-site.json`` in the output
directory remembers a signature of each article (its row and its versions'
hashes) and of the rendering code; an article whose signature is unchanged and
whose files are all there is not rendered again (``full=True`` renders all).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
from dataclasses import dataclass, field
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
    index_page,
    listing_page,
    summary,
    version_page,
)
from .store import Store

#: Date part of the tag: URIs of the site-wide and per-source feeds.
FEED_TAG_DATE = "2025"
EPOCH = "1970-01-01T00:00:00Z"
STATE_FILE = ".newsdiffs-site.json"
#: Article columns that appear on its pages (others, like next_check, change every check).
PAGE_FIELDS = ("id", "url", "source", "title", "first_seen", "status", "version_count")
_HERE = Path(__file__).parent
#: What the pages are made by: a change to any of these re-renders every article.
_CODE = ("diff.py", "render.py", "site.py", "atom.py", "items.py", "times.py", "links.py",
         "urls.py")
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
    """Relative link from one file of the site to another."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


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
        self.previous: dict[str, dict] = {} if full else self._load_state()
        self.state: dict[str, dict] = {}

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
        for source in [None, *self.store.sources()]:
            self.wanted.update((c["article_id"], c["version"])
                               for c in self.store.changes(source=source, limit=self.feed_size))
        signatures = self.store.version_signatures()
        self.kept = self.store.kept_pages() if self.raw_pages else {}
        self.archived = self.store.archived()
        changed: list[dict] = []
        listed: list[dict] = []
        for article in self.store.articles():
            if not article["version_count"]:
                continue
            archived = [[n, r["status"], r["archive_url"], r["requested_at"]]
                        for n, r in sorted(self.archived.get(article["id"], {}).items())]
            sig = hashlib.sha1(json.dumps(
                [[article[k] for k in PAGE_FIELDS], signatures.get(article["id"], ""),
                 self.kept.get(article["id"], []), archived],
                ensure_ascii=False).encode("utf-8")).hexdigest()
            known = self.previous.get(str(article["id"]))
            if known and known["sig"] == sig and all((self.out / f).is_file()
                                                       for f in known["files"]):
                self.report.unchanged += len(known["files"])
                self.report.version_pages += known["pages"]
                self.report.feeds += 1
                self.report.articles += 1
                self.report.skipped += 1
                self.state[str(article["id"])] = known
                latest = {**article, **known["row"]}
            else:
                latest, files = self._article(article)
                self.state[str(article["id"])] = {
                    "sig": sig, "files": files, "pages": article["version_count"],
                    "row": {k: latest[k] for k in ("href", "last_href", "chars_added",
                                                   "chars_removed")}}
            listed.append(latest)
            if article["version_count"] > 1:
                changed.append(latest)
        # Newest change first; ties broken like the feeds (newer article id first).
        changed.sort(key=lambda a: (a["last_changed"] or "", a["id"]), reverse=True)
        sources = sorted({a["source"] for a in changed})
        self._index(changed, None, sources)
        for source in sources:
            self._index([a for a in changed if a["source"] == source], source, sources)
        self._feed(None)
        for source in sources:
            self._feed(source)
        self._all_index(listed)
        self._headlines()
        self._most_changed()
        self._search(listed)
        self._prune(listed, sources)
        self._save_state()
        return self.report

    # -- site-wide listings -----------------------------------------------------

    def _root_links(self, page: str, feed: str | None = None) -> Links:
        root = rel(page, "index.html")[: -len("index.html")]
        return Links(home=rel(page, "index.html"), root=root,
                     feed=rel(page, feed) if feed else None)

    def _pages(self, base: str, count: int) -> list[str]:
        """File names of a paged listing under ``base`` (``index.html``, ``index-2.html`` ...)."""
        pages = max(1, -(-count // self.page_size))
        return [f"{base}index.html" if p == 1 else f"{base}index-{p}.html"
                for p in range(1, pages + 1)]

    def _all_index(self, articles: list[dict]) -> None:
        """``all/``: every tracked article, most recently first seen first."""
        ordered = sorted(articles, key=lambda a: (a["first_seen"], a["id"]), reverse=True)
        names = self._pages("all/", len(ordered))
        for p, name in enumerate(names, 1):
            chunk = ordered[(p - 1) * self.page_size : p * self.page_size]
            self.writer.write(name, listing_page(
                "all.html", links=self._root_links(name), lang=self.default_lang,
                articles=[{**a, "href": rel(name, a["href"])} for a in chunk],
                total=len(ordered), page=p, pages=len(names),
                prev_href=rel(name, names[p - 2]) if p > 1 else None,
                next_href=rel(name, names[p]) if p < len(names) else None))
        self._drop_pages_after("all/", len(names))

    def _headlines(self) -> None:
        """``headlines/``: old -> new headline, newest first, and its Atom feed."""
        total = self.store.count_headline_changes()
        names = self._pages("headlines/", total)
        feed_path = "headlines/feed.xml"
        for p, name in enumerate(names, 1):
            rows = self.store.headline_changes(limit=self.page_size,
                                               offset=(p - 1) * self.page_size)
            self.writer.write(name, listing_page(
                "headlines.html", links=self._root_links(name, feed_path),
                lang=self.default_lang, total=total, page=p, pages=len(names),
                changes=[{**h, "href": rel(name, f"{article_dir(h)}/{h['version']}.html")}
                         for h in rows],
                prev_href=rel(name, names[p - 2]) if p > 1 else None,
                next_href=rel(name, names[p]) if p < len(names) else None))
        self._drop_pages_after("headlines/", len(names))
        entries = []
        for h in self.store.headline_changes(limit=self.feed_size):
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

    def _most_changed(self) -> None:
        """``most-changed.html``: by number of edits and by characters changed (stored sizes)."""
        name = "most-changed.html"
        tables = []
        for by, heading in (("versions", "By number of edits"),
                            ("chars", "By characters changed")):
            rows = [{**a, "href": rel(name, f"{article_dir(a)}/index.html")}
                    for a in self.store.most_changed(by, MOST_CHANGED)]
            tables.append({"id": f"by-{by}", "heading": heading, "rows": rows})
        self.writer.write(name, listing_page("most_changed.html", links=self._root_links(name),
                                             lang=self.default_lang, tables=tables))

    def _search(self, articles: list[dict]) -> None:
        """``search.html`` and its index: shards of ``SEARCH_SHARD`` article ids, so one new
        article rewrites one shard, and a reader loads the newest shards first."""
        past = self.store.past_titles()
        shards: dict[int, list[tuple[int, list]]] = {}
        for a in articles:
            row = [a["title"] or "", a["href"], a["source"], a["version_count"],
                   " / ".join(past.get(a["id"], []))]
            shards.setdefault(a["id"] // SEARCH_SHARD, []).append((a["id"], row))
        keys = sorted(shards, reverse=True)
        for k in keys:
            rows = [r for _, r in sorted(shards[k], key=lambda x: x[0], reverse=True)]
            # ensure_ascii: the data is plain ASCII JavaScript whatever the headlines hold.
            self.writer.write(f"search/{k}.js", f"newsdiffsShard({json.dumps(str(k))}, "
                              f"{json.dumps(rows, ensure_ascii=True)});\n")
        self._drop_files("search", {f"{k}.js" for k in keys}, re.compile(r"^\d+\.js$"))
        self.writer.write("search.js", (_HERE / "templates" / "search.js").read_bytes())
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

    def _drop_pages_after(self, base: str, pages: int) -> None:
        """Remove ``index-N.html`` of a listing beyond its last page."""
        folder = base.rstrip("/") or "."
        keep = {"index.html", *(f"index-{p}.html" for p in range(2, pages + 1))}
        self._drop_files(folder, keep, re.compile(r"^index-\d+\.html$"))

    def _prune(self, articles: list[dict], sources: list[str]) -> None:
        """Remove the pages of articles (and sources) no longer in the database."""
        expected = {article_dir(a) for a in articles}
        root = self.out / "article"
        if root.is_dir():
            for source_dir in root.iterdir():
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
                        p.name in ("feed.xml",) or re.match(r"^index(-\d+)?\.html$", p.name)
                        for p in source_dir.iterdir()):
                    self._remove(source_dir)

    def _load_state(self) -> dict[str, dict]:
        try:
            state = json.loads((self.out / STATE_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return state.get("articles", {}) if state.get("code") == self.code_key else {}

    def _save_state(self) -> None:
        data = json.dumps({"code": self.code_key, "articles": self.state}, sort_keys=True)
        path = self.out / STATE_FILE
        self.out.mkdir(parents=True, exist_ok=True)
        replace_file(path, data.encode("utf-8"))

    def _article(self, article: dict) -> tuple[dict, list[str]]:
        """Write an article's pages and feed; returns its row for the index pages and its files."""
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
        # The site counts characters with the diff it shows, so the numbers match the highlights.
        rows = [{**v, **_chars(diffs.get(v["version"]), v)} for v in versions]
        page = f"{adir}/index.html"
        self.writer.write(page, article_page(article, rows,
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
        last = rows[-1]
        return {**article, "href": f"{adir}/index.html",
                "last_href": f"{adir}/{last['version']}.html",
                "chars_added": last["chars_added"], "chars_removed": last["chars_removed"]}, files

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

    def _index(self, articles: list[dict], source: str | None, sources: list[str]) -> None:
        base = f"source/{_safe(source) or 'source'}/" if source else ""
        heading = f"Recent changes: {source}" if source else "Recently changed articles"
        pages = max(1, -(-len(articles) // self.page_size))
        for p in range(1, pages + 1):
            name = f"{base}index.html" if p == 1 else f"{base}index-{p}.html"
            chunk = articles[(p - 1) * self.page_size : p * self.page_size]
            shown = [{**a, "href": rel(name, a["href"]), "last_href": rel(name, a["last_href"])}
                     for a in chunk]
            links = Links(home=rel(name, "index.html"), feed=rel(name, f"{base}feed.xml"),
                          root=rel(name, "index.html")[: -len("index.html")])
            nav = [{"name": s, "href": rel(name, f"source/{_safe(s) or 'source'}/index.html")}
                   for s in sources]
            self.writer.write(name, index_page(
                heading=heading, articles=shown, sources=nav, links=links, total=len(articles),
                page=p, pages=pages,
                prev_href=rel(name, f"{base}index.html" if p == 2 else f"{base}index-{p - 1}.html")
                if p > 1 else None,
                next_href=rel(name, f"{base}index-{p + 1}.html") if p < pages else None,
                lang=self.lang(source)))
        self._drop_pages_after(base, pages)

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

    def _feed(self, source: str | None) -> None:
        path = f"source/{_safe(source) or 'source'}/feed.xml" if source else "feed.xml"
        entries = []
        for change in self.store.changes(source=source, limit=self.feed_size):
            article = self.store.article_by_id(change["article_id"])
            assert article is not None
            new = self.store.version(article["id"], change["version"])
            diff = self.cache.get((article["id"], change["version"]))
            if diff is None:
                diff = compare_versions(self.store.version(article["id"], change["version"] - 1),
                                        new)
            entries.append(self._entry(article, new, diff, path))
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


def _chars(diff: VersionDiff | None, version: dict) -> dict[str, int]:
    if diff is None:
        return {"chars_added": version["chars_added"], "chars_removed": version["chars_removed"]}
    return {"chars_added": diff.stats.chars_added, "chars_removed": diff.stats.chars_removed}


def build_site(store: Store, out: Path, *, base_url: str = "", page_size: int = 50,
               feed_size: int = 50, full: bool = False, langs: dict[str, str] | None = None,
               default_lang: str = "en", raw_pages: bool = True,
               pairs: bool = False) -> SiteReport:
    """Write (or refresh) the static site for ``store`` under ``out``."""
    return SiteBuilder(store, out, base_url=base_url, page_size=page_size,
                       feed_size=feed_size, full=full, langs=langs, default_lang=default_lang,
                       raw_pages=raw_pages, pairs=pairs).build()
