"""The SQLite store: the only module that speaks SQL.

The schema is a documented contract (see README "Database schema"): tables
``articles``, ``versions`` and ``checks``. It is created and changed only by
the migrations below, so an old database is upgraded in place when opened.

Writes for one crawled item (article row, new version, check row, counters)
happen in one transaction: a crash leaves either all of them or none.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
import zstandard
from sqlite_utils.migrations import Migrations

from .text import fold
from .times import now_iso

OUTCOMES = ("new", "changed", "unchanged", "failed", "pending")

#: The Datasette canned queries of ``metadata.json`` (``newsdiffs.export``): SQL users run
#: against the database, kept here with the rest of the SQL.
SEARCH_SQL = """select a.source, a.url, v.version, v.fetched_at, v.title,
  newsdiffs_snippet(v.id, :q) as snippet
from versions_fts
  join versions v on v.id = versions_fts.rowid
  join articles a on a.id = v.article_id
where versions_fts match (case when trim(:q) = '' then '""' else :q end)
order by versions_fts.rank
limit 100"""

HISTORY_SQL = """select v.version, v.fetched_at, v.chars_added, v.chars_removed, v.title,
  v.repeats_version, newsdiffs_body(v.id) as body
from versions v join articles a on a.id = v.article_id
where a.url = :url
order by v.version"""
#: How new pages in ``version_html.html`` are compressed when their source has no
#: dictionary yet; with one the encoding is ``zstd-dict:<zstd_dicts.id>``. Rows
#: written by older versions say ``gzip``; all three are read.
HTML_ENCODING = "zstd"
#: zstd level for kept pages: fast enough for the crawl (about 1 ms a page).
ZSTD_LEVEL = 9
#: Size of a trained per-source dictionary, and how many of the source's newest
#: pages train it (fewer than ``DICT_MIN_PAGES`` pages: no dictionary).
DICT_BYTES = 112_640
DICT_SAMPLE_PAGES = 400
DICT_MIN_PAGES = 8


class StoreError(Exception):
    """Base class for store errors."""


class DatabaseMissing(StoreError):
    """The database file does not exist (and was not to be created)."""


class ArticleNotFound(StoreError):
    """No tracked article has that URL."""


class VersionNotFound(StoreError):
    """The article has no version with that number."""


class BadSearch(StoreError):
    """A full-text query SQLite cannot parse."""


class StaleVersion(StoreError):
    """The version to correct is no longer the article's newest."""


class SchemaTooNew(StoreError):
    """The database was changed by a newer newsdiffs (migrations this version does not know)."""


class SchemaOutdated(StoreError):
    """The database needs migrations that a read-only open may not apply."""


class SchemaMismatch(StoreError):
    """The database's tables lack columns that the newsdiffs schema has."""


class WriteFailed(StoreError):
    """A write transaction failed (disk full, read-only file, lock timeout ...) and was undone."""


#: Tables and views that can be exported, with the column ``since`` filters on.
EXPORTABLE = {"versions": "fetched_at", "articles": "last_changed", "changes": "time",
              "checks": "checked_at"}


migrations = Migrations("newsdiffs")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            title TEXT,
            first_seen TEXT NOT NULL,
            last_checked TEXT,
            last_changed TEXT,
            next_check TEXT,
            check_count INTEGER NOT NULL DEFAULT 0,
            version_count INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'finished', 'gone'))
        )
        """
    )
    db.execute(
        """
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            version INTEGER NOT NULL,
            fetched_at TEXT NOT NULL,
            url TEXT,
            title TEXT NOT NULL,
            byline TEXT,
            published TEXT,
            published_raw TEXT,
            modified TEXT,
            modified_raw TEXT,
            body TEXT NOT NULL,
            hash TEXT NOT NULL,
            chars_added INTEGER NOT NULL DEFAULT 0,
            chars_removed INTEGER NOT NULL DEFAULT 0,
            repeats_version INTEGER,
            extractor TEXT,
            UNIQUE (article_id, version)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            checked_at TEXT NOT NULL,
            http_status INTEGER,
            outcome TEXT NOT NULL
                CHECK (outcome IN ('new', 'changed', 'unchanged', 'failed')),
            version INTEGER,
            detail TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_articles_due ON articles (status, next_check)")
    db.execute("CREATE INDEX idx_articles_source_due ON articles (source, status, next_check)")
    db.execute("CREATE INDEX idx_articles_last_changed ON articles (last_changed)")
    db.execute("CREATE INDEX idx_versions_hash ON versions (article_id, hash)")
    db.execute("CREATE INDEX idx_versions_fetched ON versions (fetched_at)")
    db.execute("CREATE INDEX idx_checks_article ON checks (article_id, checked_at)")
    db.execute("CREATE INDEX idx_checks_time ON checks (checked_at)")


@migrations()
def m002_fetch_state(db: sqlite_utils.Database) -> None:
    """Conditional-fetch validators, where a redirect led, and the due-selection indexes."""
    db.execute("ALTER TABLE articles ADD COLUMN etag TEXT")
    db.execute("ALTER TABLE articles ADD COLUMN last_modified TEXT")
    db.execute("ALTER TABLE articles ADD COLUMN redirected_to TEXT")
    # An article is due when next_check <= now; finished and given-up articles
    # have NULL there, so these partial indexes hold only the live ones.
    db.execute(
        """CREATE INDEX idx_articles_source_next ON articles (source, next_check)
           WHERE next_check IS NOT NULL"""
    )
    db.execute(
        "CREATE INDEX idx_articles_next ON articles (next_check) WHERE next_check IS NOT NULL"
    )


@migrations()
def m003_search(db: sqlite_utils.Database) -> None:
    """Full-text search over version titles and bodies; the ``changes`` view."""
    # The same layout as sqlite-utils' enable_fts(create_triggers=True), written
    # out because enable_fts uses executescript(), which would commit halfway
    # through this migration's transaction.
    db.execute(
        """CREATE VIRTUAL TABLE versions_fts USING FTS5 (
               title, body, tokenize='porter unicode61', content="versions")"""
    )
    db.execute("INSERT INTO versions_fts (rowid, title, body) SELECT id, title, body FROM versions")
    db.execute(
        """CREATE TRIGGER versions_ai AFTER INSERT ON versions BEGIN
             INSERT INTO versions_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
           END"""
    )
    db.execute(
        """CREATE TRIGGER versions_ad AFTER DELETE ON versions BEGIN
             INSERT INTO versions_fts (versions_fts, rowid, title, body)
               VALUES ('delete', old.id, old.title, old.body);
           END"""
    )
    db.execute(
        """CREATE TRIGGER versions_au AFTER UPDATE OF title, body ON versions BEGIN
             INSERT INTO versions_fts (versions_fts, rowid, title, body)
               VALUES ('delete', old.id, old.title, old.body);
             INSERT INTO versions_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
           END"""
    )
    # One row per change (every version after the first), for people and Datasette.
    db.execute(
        """CREATE VIEW changes AS
           SELECT a.id AS article_id, a.source, a.url, v.version, v.fetched_at AS time,
                  v.chars_added, v.chars_removed, v.title
           FROM versions v JOIN articles a ON a.id = v.article_id
           WHERE v.version > 1"""
    )


@migrations()
def m004_raw_html(db: sqlite_utils.Database) -> None:
    """Each version's page as fetched (compressed), and what kind of revision a version is."""
    # A version is an ``edit`` seen by a crawl or a ``reextract``: the same stored
    # page read again by a fixed extractor (``newsdiffs reextract``).
    db.execute(
        """ALTER TABLE versions ADD COLUMN kind TEXT NOT NULL DEFAULT 'edit'
           CHECK (kind IN ('edit', 'reextract'))"""
    )
    # Kept apart so that the versions table stays light for Datasette and exports.
    db.execute(
        """CREATE TABLE version_html (
               version_id INTEGER PRIMARY KEY REFERENCES versions(id),
               encoding TEXT NOT NULL,
               html BLOB NOT NULL
           )"""
    )


@migrations()
def m005_changes_edits_only(db: sqlite_utils.Database) -> None:
    """The ``changes`` view lists edits only: a re-extraction is not a change of the story."""
    db.execute("DROP VIEW changes")
    db.execute(
        """CREATE VIEW changes AS
           SELECT a.id AS article_id, a.source, a.url, v.version, v.fetched_at AS time,
                  v.chars_added, v.chars_removed, v.title
           FROM versions v JOIN articles a ON a.id = v.article_id
           WHERE v.version > 1 AND v.kind = 'edit'"""
    )


@migrations()
def m006_runs(db: sqlite_utils.Database) -> None:
    """One row per crawl run, so that ``newsdiffs status`` can warn about failed runs."""
    # ``exit_status`` stays NULL while the run is going (or if it was killed).
    db.execute(
        """CREATE TABLE runs (
               id INTEGER PRIMARY KEY,
               started TEXT NOT NULL,
               finished TEXT,
               command TEXT NOT NULL,
               spiders TEXT NOT NULL,
               pid INTEGER,
               checked INTEGER NOT NULL DEFAULT 0,
               new INTEGER NOT NULL DEFAULT 0,
               changed INTEGER NOT NULL DEFAULT 0,
               unchanged INTEGER NOT NULL DEFAULT 0,
               failed INTEGER NOT NULL DEFAULT 0,
               store_errors INTEGER NOT NULL DEFAULT 0,
               errors INTEGER NOT NULL DEFAULT 0,
               exit_status INTEGER,
               summary TEXT
           )"""
    )
    db.execute("CREATE INDEX idx_runs_started ON runs (started)")


#: Columns of a run that :meth:`Store.finish_run` fills in from the run's counts.
RUN_COUNTS = ("checked", "new", "changed", "unchanged", "failed", "store_errors", "errors")


@migrations()
def m008_pending(db: sqlite_utils.Database) -> None:
    """Outcome ``pending``: a suspicious new text held in ``pending_versions`` until confirmed."""
    _allow_outcome(db, "pending")
    # One held text per article, removed when a later check confirms or rejects it.
    db.execute(
        """CREATE TABLE pending_versions (
               article_id INTEGER PRIMARY KEY REFERENCES articles(id),
               first_seen TEXT NOT NULL,
               hash TEXT NOT NULL,
               reason TEXT NOT NULL,
               title TEXT NOT NULL,
               body TEXT NOT NULL
           )"""
    )


@migrations()
def m007_feed_checks(db: sqlite_utils.Database) -> None:
    """One row per feed or sitemap fetch, so that ``newsdiffs status`` sees a source's feeds."""
    db.execute(
        """CREATE TABLE feed_checks (
               id INTEGER PRIMARY KEY,
               source TEXT NOT NULL,
               url TEXT NOT NULL,
               checked_at TEXT NOT NULL,
               http_status INTEGER,
               ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
               entries INTEGER NOT NULL DEFAULT 0,
               new_links INTEGER NOT NULL DEFAULT 0,
               error TEXT
           )"""
    )
    db.execute("CREATE INDEX idx_feed_checks_source ON feed_checks (source, checked_at)")
    db.execute("CREATE INDEX idx_feed_checks_time ON feed_checks (checked_at)")


@migrations()
def m010_notify(db: sqlite_utils.Database) -> None:
    """Delivery state of ``newsdiffs notify``, per rule and target, so nothing is sent twice."""
    # ``target`` is a hash of the apprise URL (which may hold tokens and passwords);
    # ``target_shown`` is the URL with its secrets masked by apprise.
    db.execute(
        """CREATE TABLE notify_cursors (
               rule TEXT NOT NULL,
               target TEXT NOT NULL,
               target_shown TEXT NOT NULL,
               last_version_id INTEGER NOT NULL,
               updated TEXT NOT NULL,
               PRIMARY KEY (rule, target)
           )"""
    )
    # A change whose delivery failed, retried by every later run until it goes out.
    db.execute(
        """CREATE TABLE notify_failures (
               rule TEXT NOT NULL,
               target TEXT NOT NULL,
               version_id INTEGER NOT NULL REFERENCES versions(id),
               attempts INTEGER NOT NULL DEFAULT 1,
               first_failed TEXT NOT NULL,
               last_failed TEXT NOT NULL,
               error TEXT,
               PRIMARY KEY (rule, target, version_id)
           )"""
    )


@migrations()
def m011_archive(db: sqlite_utils.Database) -> None:
    """Wayback Machine captures requested by ``newsdiffs archive``: one row per version."""
    # ``status`` ok: ``archive_url`` is the capture; failed: ``last_error`` says why,
    # and a later run tries again until ``attempts`` reaches the limit.
    db.execute(
        """CREATE TABLE archives (
               version_id INTEGER PRIMARY KEY REFERENCES versions(id),
               status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
               archive_url TEXT,
               attempts INTEGER NOT NULL DEFAULT 1,
               last_error TEXT,
               requested_at TEXT NOT NULL
           )"""
    )


@migrations()
def m012_item_ids(db: sqlite_utils.Database) -> None:
    """Items written by ``newsdiffs ingest``, by id, so that a replayed item is not stored twice."""
    # Written in the transaction that stores the item's check: after a crash the
    # item is either stored and listed here, or neither.
    db.execute(
        """CREATE TABLE ingested_items (
               item_id TEXT PRIMARY KEY,
               ingested_at TEXT NOT NULL
           ) WITHOUT ROWID"""
    )



@migrations()
def m013_compact(db: sqlite_utils.Database) -> None:
    """Kept pages compressed with zstd and a dictionary trained per source; existing pages
    (gzip) are recompressed in place."""
    # Dictionaries are never deleted: a page names the one it needs in its encoding.
    db.execute(
        """CREATE TABLE zstd_dicts (
               id INTEGER PRIMARY KEY,
               source TEXT NOT NULL,
               created TEXT NOT NULL,
               pages INTEGER NOT NULL,
               dict BLOB NOT NULL
           )"""
    )
    db.execute("CREATE INDEX idx_zstd_dicts_source ON zstd_dicts (source, id)")
    compact_pages(db, PageCodec(db))


@migrations()
def m014_page_encoding(db: sqlite_utils.Database) -> None:
    """The charset the HTTP ``Content-Type`` header declared for each kept page, so that a
    re-extraction decodes the page as the crawl did (NULL: none declared, or not known)."""
    db.execute("ALTER TABLE version_html ADD COLUMN charset TEXT")


@migrations()
def m015_text_storage(db: sqlite_utils.Database) -> None:
    """Only each article's latest body stays plain in ``versions.body``; older bodies are packed
    in ``packed_bodies`` (zstd deltas against the next version, rebuilt by the store), and
    ``versions_fts`` becomes a contentless index of every version's text. Existing versions
    are packed in place."""
    # ``base_id`` NULL: ``frame`` is the whole text; else a delta against that version's
    # body. No foreign keys: a version deleted by hand takes its row along (trigger).
    db.execute(
        """CREATE TABLE packed_bodies (
               version_id INTEGER PRIMARY KEY,
               base_id INTEGER,
               checksum BLOB NOT NULL,
               frame BLOB NOT NULL
           )"""
    )
    # Contentless (it was external-content over versions): it indexes the words of every
    # version, old and new, and stores no text a second time.
    for trigger in ("versions_ai", "versions_ad", "versions_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TABLE versions_fts")
    db.execute(
        """CREATE VIRTUAL TABLE versions_fts USING FTS5 (
               title, body, tokenize='porter unicode61', content='')"""
    )
    db.execute("INSERT INTO versions_fts (rowid, title, body) SELECT id, title, body FROM versions")
    # Packing blanks versions.body: that update leaves the index alone. A contentless
    # index forgets a row only when told its words, so a packed version deleted by hand
    # stays indexed (searches join versions and never show it).
    unpacked = "WHERE NOT EXISTS (SELECT 1 FROM packed_bodies WHERE version_id = {}.id)"
    db.execute(
        """CREATE TRIGGER versions_ai AFTER INSERT ON versions BEGIN
             INSERT INTO versions_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
           END"""
    )
    db.execute(
        f"""CREATE TRIGGER versions_au AFTER UPDATE OF title, body ON versions BEGIN
             INSERT INTO versions_fts (versions_fts, rowid, title, body)
               SELECT 'delete', old.id, old.title, old.body {unpacked.format("old")};
             INSERT INTO versions_fts (rowid, title, body)
               SELECT new.id, new.title, new.body {unpacked.format("new")};
           END"""
    )
    db.execute(
        f"""CREATE TRIGGER versions_ad AFTER DELETE ON versions BEGIN
             INSERT INTO versions_fts (versions_fts, rowid, title, body)
               SELECT 'delete', old.id, old.title, old.body {unpacked.format("old")};
             DELETE FROM packed_bodies WHERE version_id = old.id;
           END"""
    )
    # A plain body that older packed bodies build on cannot be changed by hand: they
    # would be lost (Store.set_body repacks them).
    db.execute(
        f"""CREATE TRIGGER versions_base_guard BEFORE UPDATE OF body ON versions
             WHEN new.body IS NOT old.body
               AND NOT EXISTS (SELECT 1 FROM packed_bodies WHERE version_id = old.id)
               AND EXISTS (SELECT 1 FROM packed_bodies WHERE base_id = old.id) BEGIN
             SELECT RAISE(ABORT, '{BASE_GUARD}');
           END"""
    )
    pack_all(db)


@migrations()
def m016_page_digest(db: sqlite_utils.Database) -> None:
    """A digest of the page the article's latest text was last read from (with what read it:
    ``newsdiffs.revision.page_digest``): a re-check that fetches the same bytes records an
    unchanged check without extracting the page again. NULL: not known."""
    db.execute("ALTER TABLE articles ADD COLUMN page_digest TEXT")


@migrations()
def m017_text_packing(db: sqlite_utils.Database) -> None:
    """Packed bodies in a tighter frame (see "packed bodies" below): a small edit costs its
    changed bytes and a few more, not a whole zstd frame. Frames written by m015 are
    repacked in place, every text checked; no table changes."""
    repack_all(db)


@migrations()
def m018_packed_latest(db: sqlite_utils.Database) -> None:
    """Each article's latest body is packed too (a whole frame; with a zstd dictionary
    trained per source on latest bodies, kept in ``text_dicts``, where that is smaller), so
    ``versions.body`` holds '' for every version. Bodies are read with the SQL function
    ``newsdiffs_body(id)`` or the ``version_texts`` view; store.py writes ``versions_fts``
    for each new version itself. Existing bodies are packed in place, each checked."""
    # The triggers below call newsdiffs_body(): a connection that migrates has it.
    register_functions(db.conn)
    db.execute(
        """CREATE TABLE text_dicts (
               id INTEGER PRIMARY KEY,
               source TEXT NOT NULL,
               created TEXT NOT NULL,
               texts INTEGER NOT NULL,
               dict BLOB NOT NULL
           )"""
    )
    db.execute("CREATE INDEX idx_text_dicts_source ON text_dicts (source, id)")
    dicts = TextDicts(db)
    compact_texts(db, dicts)  # trains the dictionaries and packs the latest bodies
    for vid, body, source in db.execute(  # any other plain body (none, unless made by hand)
            """SELECT v.id, v.body, a.source FROM versions v JOIN articles a ON a.id = v.article_id
               WHERE NOT EXISTS (SELECT 1 FROM packed_bodies p WHERE p.version_id = v.id)
               ORDER BY v.id""").fetchall():
        pack_latest(db, dicts, vid, body, source)
        db.execute("UPDATE versions SET body = '' WHERE id = ?", [vid])
    # New versions are inserted with body '' and indexed by store.py; a row inserted with
    # its body (by hand) is still indexed here. A title changed by hand is indexed again
    # with the packed body (so plain sqlite3 clients, without the function, cannot update
    # titles or bodies of versions; searching needs no function).
    is_packed = "EXISTS (SELECT 1 FROM packed_bodies WHERE version_id = {}.id)"
    for trigger in ("versions_ai", "versions_au", "versions_base_guard"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute(
        """CREATE TRIGGER versions_ai AFTER INSERT ON versions WHEN new.body != '' BEGIN
             INSERT INTO versions_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
           END"""
    )
    db.execute(
        f"""CREATE TRIGGER versions_au AFTER UPDATE OF title, body ON versions
             WHEN new.title IS NOT old.title OR NOT {is_packed.format("new")} BEGIN
             INSERT INTO versions_fts (versions_fts, rowid, title, body)
               VALUES ('delete', old.id, old.title, CASE WHEN {is_packed.format("old")}
                       THEN newsdiffs_body(old.id) ELSE old.body END);
             INSERT INTO versions_fts (rowid, title, body)
               VALUES (new.id, new.title, CASE WHEN {is_packed.format("new")}
                       THEN newsdiffs_body(new.id) ELSE new.body END);
           END"""
    )
    # A packed body is changed with Store.set_body only; so is a plain one that packed
    # ones build on (they would be lost).
    db.execute(
        f"""CREATE TRIGGER versions_body_guard BEFORE UPDATE OF body ON versions
             WHEN new.body IS NOT old.body AND (
               (new.body != '' AND {is_packed.format("old")})
               OR (NOT {is_packed.format("old")}
                   AND EXISTS (SELECT 1 FROM packed_bodies WHERE base_id = old.id))) BEGIN
             SELECT RAISE(ABORT, '{BODY_GUARD}');
           END"""
    )
    db.execute(
        """CREATE VIEW version_texts AS
           SELECT v.id, v.article_id, a.source, a.url, v.version, v.fetched_at, v.kind,
                  v.title, newsdiffs_body(v.id) AS body
           FROM versions v JOIN articles a ON a.id = v.article_id"""
    )



@migrations()
def m019_due_indexes(db: sqlite_utils.Database) -> None:
    """Two of the four indexes holding ``next_check`` go: every check moves an article's
    next check, and ``(status, next_check)``/``(source, status, next_check)`` served no
    query (the due queries use m002's partial indexes). ``(source, status)`` serves the
    per-source counts of ``newsdiffs status``; it changes only when a status does."""
    db.execute("DROP INDEX IF EXISTS idx_articles_due")
    db.execute("DROP INDEX IF EXISTS idx_articles_source_due")
    db.execute("CREATE INDEX idx_articles_source_status ON articles (source, status)")

#: Why a hand-made change of a plain body that packed ones build on is refused.
BASE_GUARD = ("older versions of this article are packed against this body: "
              "change it with Store.set_body")
#: Why a hand-made change of a packed body (every body since m018) is refused.
BODY_GUARD = "this body is packed (newsdiffs_body() reads it): change it with Store.set_body"


def _allow_outcome(db: sqlite_utils.Database, outcome: str) -> None:
    """Add ``outcome`` to the CHECK constraint of ``checks.outcome``, keeping every row and id.

    SQLite cannot alter a constraint: the table is rebuilt (SQLite's documented
    "other kinds of table schema changes" procedure) with its indexes, and with
    any view or trigger that mentions it dropped and made again around the rename.
    """
    (sql,) = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'checks'").fetchone()
    old = "'unchanged', 'failed')"
    if sql.count(old) != 1 or not re.match(r"CREATE TABLE \"?checks\"? ", sql):
        raise StoreError("cannot widen checks.outcome: its constraint is not the expected one")
    new_sql = re.sub(r"^CREATE TABLE \"?checks\"? ", "CREATE TABLE checks_rebuilt ", sql)
    new_sql = new_sql.replace(old, f"'unchanged', 'failed', '{outcome}')")
    dependents = db.execute(
        """SELECT type, name, sql FROM sqlite_master
           WHERE sql IS NOT NULL AND name != 'checks'
             AND ((type = 'index' AND tbl_name = 'checks')
                  OR (type IN ('view', 'trigger') AND sql LIKE '%checks%'))
           ORDER BY rowid"""
    ).fetchall()
    for kind, name, _ in reversed(dependents):
        if kind != "index":
            db.execute(f'DROP {kind.upper()} "{name}"')
    db.execute(new_sql)
    db.execute("INSERT INTO checks_rebuilt SELECT * FROM checks")
    db.execute("DROP TABLE checks")
    db.execute("ALTER TABLE checks_rebuilt RENAME TO checks")
    for _, _, dependent_sql in dependents:
        db.execute(dependent_sql)


class PageCodec:
    """Compresses and decompresses kept pages (``version_html``) by their ``encoding``.

    ``gzip`` (older rows), ``zstd``, or ``zstd-dict:<id>`` (zstd with the
    dictionary ``zstd_dicts.id``). zstd frames carry a checksum of the page, so
    a damaged row fails to decompress instead of giving another page.
    Dictionaries are loaded once and kept.
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._decompressors: dict[int, zstandard.ZstdDecompressor] = {}
        self._plain = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True)

    def _dict(self, dict_id: int) -> zstandard.ZstdCompressionDict:
        row = self.db.execute("SELECT dict FROM zstd_dicts WHERE id = ?", [dict_id]).fetchone()
        if row is None:
            raise StoreError(f"kept page needs zstd dictionary {dict_id}, which is missing")
        return zstandard.ZstdCompressionDict(row[0])

    def decode(self, encoding: str, blob: bytes) -> bytes:
        """The page as fetched; :class:`StoreError` for an unknown encoding or a damaged row."""
        try:
            if encoding == "gzip":
                return gzip.decompress(blob)
            if encoding == "zstd":
                return zstandard.ZstdDecompressor().decompress(blob)
            if encoding.startswith("zstd-dict:"):
                dict_id = int(encoding.partition(":")[2])
                if dict_id not in self._decompressors:
                    self._decompressors[dict_id] = zstandard.ZstdDecompressor(
                        dict_data=self._dict(dict_id))
                return self._decompressors[dict_id].decompress(blob)
        except (OSError, EOFError, ValueError, zstandard.ZstdError) as exc:
            raise StoreError(f"kept page ({encoding}) cannot be decompressed: {exc}") from None
        raise StoreError(f"unknown HTML encoding {encoding!r}")

    def encode(self, raw: bytes, source: str) -> tuple[str, bytes]:
        """``(encoding, blob)`` for a new page of ``source``: with its newest dictionary."""
        row = self.db.execute("SELECT max(id) FROM zstd_dicts WHERE source = ?",
                              [source]).fetchone()
        if row is None or row[0] is None:
            return HTML_ENCODING, self._plain.compress(raw)
        return self.encode_with(raw, row[0])

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one codec per open store)
    def _compressor(self, dict_id: int) -> zstandard.ZstdCompressor:
        return zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=self._dict(dict_id),
                                        write_checksum=True)

    def encode_with(self, raw: bytes, dict_id: int | None) -> tuple[str, bytes]:
        if dict_id is None:
            return HTML_ENCODING, self._plain.compress(raw)
        return f"zstd-dict:{dict_id}", self._compressor(dict_id).compress(raw)


def train_dictionary(samples: list[bytes]) -> bytes | None:
    """A zstd dictionary trained on ``samples`` (pages of one source), or ``None`` when
    there are too few to train one."""
    if len(samples) < DICT_MIN_PAGES:
        return None
    size = min(DICT_BYTES, sum(map(len, samples)) // 20)
    try:
        return zstandard.train_dictionary(size, samples, level=ZSTD_LEVEL).as_bytes()
    except zstandard.ZstdError:
        return None


def compact_pages(db: sqlite_utils.Database, codec: PageCodec,
                  source: str | None = None) -> list[dict]:
    """Train a dictionary per source on its newest kept pages, and recompress all of its pages
    with it (each checked to decompress to the same bytes). Runs inside the caller's
    transaction. One dict per source: ``source``, ``pages``, ``raw_bytes``, ``before_bytes``,
    ``after_bytes``, ``dict_id`` (``None`` when too few pages to train one)."""
    where, params = ("WHERE a.source = ?", [source]) if source else ("", [])
    pages = db.execute(
        f"""SELECT a.source, h.version_id FROM version_html h
            JOIN versions v ON v.id = h.version_id JOIN articles a ON a.id = v.article_id
            {where} ORDER BY a.source, h.version_id""", params).fetchall()
    by_source: dict[str, list[int]] = {}
    for name, version_id in pages:
        by_source.setdefault(name, []).append(version_id)
    reports = []
    for name, ids in by_source.items():
        samples = [codec.decode(*_page_row(db, i)) for i in ids[-DICT_SAMPLE_PAGES:]]
        trained = train_dictionary(samples)
        dict_id = None
        if trained is not None:
            dict_id = db.execute(
                "INSERT INTO zstd_dicts (source, created, pages, dict) VALUES (?, ?, ?, ?)",
                [name, now_iso(), len(samples), trained]).lastrowid
        report = {"source": name, "pages": len(ids), "raw_bytes": 0, "before_bytes": 0,
                  "after_bytes": 0, "dict_id": dict_id}
        for version_id in ids:
            encoding, blob = _page_row(db, version_id)
            raw = codec.decode(encoding, blob)
            new_encoding, new_blob = codec.encode_with(raw, dict_id)
            if codec.decode(new_encoding, new_blob) != raw:  # never lose a page
                raise StoreError(f"page of version {version_id} did not survive recompression")
            db.execute("UPDATE version_html SET encoding = ?, html = ? WHERE version_id = ?",
                       [new_encoding, new_blob, version_id])
            report["raw_bytes"] += len(raw)
            report["before_bytes"] += len(blob)
            report["after_bytes"] += len(new_blob)
        reports.append(report)
    return reports


def _page_row(db: sqlite_utils.Database, version_id: int) -> tuple[str, bytes]:
    return db.execute("SELECT encoding, html FROM version_html WHERE version_id = ?",
                      [version_id]).fetchone()


# -- packed bodies (m015, m017, m018) --------------------------------------------------
#
# Since m018 every body is packed and ``versions.body`` holds '' (a row with a body there,
# written by hand or by an older newsdiffs, is read as it is and packed when superseded).
# An article's latest body is a whole frame (TEXT_WHOLE_DICT with its source's newest
# ``text_dicts`` dictionary, else TEXT_WHOLE_ZSTD at TEXT_LATEST_LEVEL: the smallest). When
# a newer version is stored, the one it supersedes is repacked in the same transaction: its
# frame becomes a delta that rebuilds it from the next version's body (its words stay in
# ``versions_fts``, which store.py writes for each new version). A version whose
# number is a multiple of TEXT_WHOLE_EVERY is packed whole instead, so a rebuild applies
# at most that many frames. Every step of a rebuild is checked against the stored
# checksum of that version's body.
#
# A frame (m017_text_packing) is one tag byte, then (UTF-8 bytes throughout):
#   TEXT_DELTA       varint p, varint s, raw middle: the text is the base's first p
#                    bytes + middle + the base's last s bytes (an unchanged text: p =
#                    its length, s = 0, no middle; a one-word edit: about 10 bytes);
#   TEXT_DELTA_ZSTD  the same with the middle as a magicless zstd frame (content size,
#                    no checksum: ours is in ``checksum``) whose dictionary is the base
#                    (raw content; none if under TEXT_MIN_BASE bytes): a rewritten part
#                    costs what zstd makes of it given the rest of the article;
#   TEXT_WHOLE       the whole text, raw;
#   TEXT_WHOLE_ZSTD  the whole text as a magicless zstd frame.
# The packer keeps the smallest that applies. Frames written before m017 (a standard zstd
# frame with the base as a raw-content dictionary) start with the zstd magic number and
# are still read; m017 repacks them.

#: Every this many versions an older body is packed on its own, not as a delta.
TEXT_WHOLE_EVERY = 16
#: A chain of deltas longer than this is a damaged database, not a history.
TEXT_MAX_CHAIN = 1_000
#: A base body shorter than this (in UTF-8 bytes) is not used as a dictionary.
TEXT_MIN_BASE = 64
#: zstd level for packed bodies: level 19 packs a rewritten paragraph 1% smaller in twice
#: the time (about 0.2 ms).
TEXT_LEVEL = 3
#: A zstd frame that claims more than this is damaged (a body is a few hundred kB at most).
TEXT_MAX_BYTES = 64 * 1024 * 1024
#: Frame tags (see above).
TEXT_WHOLE, TEXT_DELTA, TEXT_DELTA_ZSTD, TEXT_WHOLE_ZSTD = 0, 1, 2, 3
#: (m018) The whole text as a magicless zstd frame made with a trained dictionary: the tag,
#: varint ``text_dicts.id``, the frame.
TEXT_WHOLE_DICT = 4
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: zstd level of each article's latest body (packed whole, m018) when ``newsdiffs compact``
#: (and the migration) repack them: about 1 ms a body, twice with a dictionary.
TEXT_LATEST_LEVEL = 19
#: The same when a crawl stores a new version: level 9 takes a sixth of level 19's time
#: for frames about 5% larger, until the next ``newsdiffs compact``.
TEXT_NEW_LEVEL = 9
#: Size of a trained per-source dictionary for latest bodies (``text_dicts``), how many of
#: the source's newest latest bodies train it, and the fewest that may (fewer: none).
TEXT_DICT_BYTES = 32_768
TEXT_DICT_SAMPLES = 400
TEXT_DICT_MIN = 8


def text_checksum(text: str) -> bytes:
    """The stored checksum of a packed body: 8 bytes of BLAKE2b of its UTF-8 text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


def _text_dict(base: bytes | None) -> zstandard.ZstdCompressionDict | None:
    if base is None or len(base) < TEXT_MIN_BASE:
        return None
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def _zstd_pack(data: bytes, base: bytes | None) -> bytes:
    dictionary = _text_dict(base)
    # Both sizes, so that the window reaches back over the whole base.
    params = zstandard.ZstdCompressionParameters.from_level(
        TEXT_LEVEL, source_size=len(data), dict_size=0 if dictionary is None else len(base),
        format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_content_size=True,
        write_checksum=False, write_dict_id=False)
    if dictionary is None:
        return zstandard.ZstdCompressor(compression_params=params).compress(data)
    return zstandard.ZstdCompressor(compression_params=params, dict_data=dictionary).compress(data)


def _zstd_unpack(frame: bytes, base: bytes | None,
                 form: int = zstandard.FORMAT_ZSTD1_MAGICLESS) -> bytes:
    # A damaged header may claim any size: refuse it rather than try to allocate it.
    size = zstandard.get_frame_parameters(frame, format=form).content_size
    if not 0 <= size <= TEXT_MAX_BYTES:
        raise ValueError(f"frame claims {size} bytes")
    dictionary = _text_dict(base)
    decompressor = (zstandard.ZstdDecompressor(format=form) if dictionary is None
                    else zstandard.ZstdDecompressor(dict_data=dictionary, format=form))
    return decompressor.decompress(frame)


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _read_varint(frame: bytes, at: int) -> tuple[int, int]:
    """The varint at ``frame[at:]`` and where it ends (``ValueError`` if cut short)."""
    value = shift = 0
    while True:
        if at >= len(frame) or shift > 63:
            raise ValueError("truncated frame")
        byte = frame[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if byte < 0x80:
            return value, at
        shift += 7


def _common_ends(data: bytes, base: bytes) -> tuple[int, int]:
    """Bytes that ``data`` and ``base`` share at their start, then at their end (not
    overlapping the start): binary searches over slice comparisons, fast on long texts."""
    low, high = 0, min(len(data), len(base))
    while low < high:
        mid = (low + high + 1) // 2
        if data[:mid] == base[:mid]:
            low = mid
        else:
            high = mid - 1
    prefix = low
    low, high = 0, min(len(data), len(base)) - prefix
    while low < high:
        mid = (low + high + 1) // 2
        if data[len(data) - mid:] == base[len(base) - mid:]:
            low = mid
        else:
            high = mid - 1
    return prefix, low


def pack_text(text: str, base: str | None) -> bytes:
    """A frame of ``text`` (see above): a delta against ``base`` (the next version's body),
    or, with ``base`` None, the whole text. The smallest of the formats that apply."""
    data = text.encode("utf-8")
    if base is None:
        return min(bytes([TEXT_WHOLE]) + data,
                   bytes([TEXT_WHOLE_ZSTD]) + _zstd_pack(data, None), key=len)
    ref = base.encode("utf-8")
    prefix, suffix = _common_ends(data, ref)
    middle = data[prefix:len(data) - suffix]
    ends = _varint(prefix) + _varint(suffix)
    frame = bytes([TEXT_DELTA]) + ends + middle
    if len(middle) > 8:  # a zstd frame costs 5 bytes or more
        frame = min(frame, bytes([TEXT_DELTA_ZSTD]) + ends + _zstd_pack(middle, ref), key=len)
    return frame


def unpack_text(frame: bytes, base: str | None, dicts: TextDicts | None = None) -> str:
    """The text :func:`pack_text` or :meth:`TextDicts.pack_whole` packed (``ValueError``,
    ``UnicodeDecodeError`` or ``ZstdError`` if the frame is damaged, or ``base`` is not the
    one it was packed with when that shows). ``dicts`` reads TEXT_WHOLE_DICT frames."""
    if frame[:4] == _ZSTD_MAGIC:  # written before m017
        ref = None if base is None else base.encode("utf-8")
        return _zstd_unpack(frame, ref, zstandard.FORMAT_ZSTD1).decode("utf-8")
    if not frame:
        raise ValueError("empty frame")
    tag = frame[0]
    if tag in (TEXT_WHOLE, TEXT_WHOLE_ZSTD, TEXT_WHOLE_DICT):
        if base is not None:
            raise ValueError("a whole frame where a delta was expected")
        if tag == TEXT_WHOLE_DICT:
            if dicts is None:
                raise ValueError("a frame made with a dictionary, and no dictionaries given")
            dict_id, at = _read_varint(frame, 1)
            return dicts.unpack(dict_id, frame[at:]).decode("utf-8")
        data = frame[1:] if tag == TEXT_WHOLE else _zstd_unpack(frame[1:], None)
        return data.decode("utf-8")
    if tag not in (TEXT_DELTA, TEXT_DELTA_ZSTD) or base is None:
        raise ValueError(f"unexpected frame tag {tag}")
    ref = base.encode("utf-8")
    prefix, at = _read_varint(frame, 1)
    suffix, at = _read_varint(frame, at)
    if prefix + suffix > len(ref):
        raise ValueError("frame reaches past its base")
    middle = frame[at:] if tag == TEXT_DELTA else _zstd_unpack(frame[at:], ref)
    return (ref[:prefix] + middle + ref[len(ref) - suffix:]).decode("utf-8")


class TextDicts:
    """The per-source dictionaries of latest bodies (``text_dicts``, m018) of one connection:
    each loaded once, with its compressor and decompressor. Rows are never changed or
    deleted (a frame names its dictionary), so what is loaded stays right."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._unpackers: dict[int, zstandard.ZstdDecompressor] = {}
        #: Compressors by (dictionary id or None, level).
        self._packers: dict[tuple[int | None, int], zstandard.ZstdCompressor] = {}

    def _dict(self, dict_id: int) -> zstandard.ZstdCompressionDict:
        row = self.db.execute("SELECT dict FROM text_dicts WHERE id = ?", [dict_id]).fetchone()
        if row is None:
            raise ValueError(f"a frame needs text dictionary {dict_id}, which is missing")
        return zstandard.ZstdCompressionDict(row[0])

    def unpack(self, dict_id: int, frame: bytes) -> bytes:
        if dict_id not in self._unpackers:
            self._unpackers[dict_id] = zstandard.ZstdDecompressor(
                dict_data=self._dict(dict_id), format=zstandard.FORMAT_ZSTD1_MAGICLESS)
        size = zstandard.get_frame_parameters(
            frame, format=zstandard.FORMAT_ZSTD1_MAGICLESS).content_size
        if not 0 <= size <= TEXT_MAX_BYTES:
            raise ValueError(f"frame claims {size} bytes")
        return self._unpackers[dict_id].decompress(frame)

    def newest(self, source: str) -> int | None:
        """The id of the source's newest dictionary (``None``: it has none)."""
        row = self.db.execute("SELECT max(id) FROM text_dicts WHERE source = ?",
                              [source]).fetchone()
        return None if row is None else row[0]

    def pack_whole(self, text: str, dict_id: int | None, level: int = TEXT_LATEST_LEVEL) -> bytes:
        """A whole frame of ``text``, with dictionary ``dict_id`` if given: the smallest of
        TEXT_WHOLE, TEXT_WHOLE_ZSTD and TEXT_WHOLE_DICT, at zstd ``level``."""
        data = text.encode("utf-8")
        if (None, level) not in self._packers:
            self._packers[None, level] = zstandard.ZstdCompressor(
                compression_params=_whole_params(0, level))
        frames = [bytes([TEXT_WHOLE]) + data,
                  bytes([TEXT_WHOLE_ZSTD]) + self._packers[None, level].compress(data)]
        if dict_id is not None:
            if (dict_id, level) not in self._packers:
                dictionary = self._dict(dict_id)
                self._packers[dict_id, level] = zstandard.ZstdCompressor(
                    compression_params=_whole_params(len(dictionary.as_bytes()), level),
                    dict_data=dictionary)
            frames.append(bytes([TEXT_WHOLE_DICT]) + _varint(dict_id)
                          + self._packers[dict_id, level].compress(data))
        return min(frames, key=len)


def _whole_params(dict_size: int, level: int = TEXT_LATEST_LEVEL
                  ) -> zstandard.ZstdCompressionParameters:
    return zstandard.ZstdCompressionParameters.from_level(
        level, dict_size=dict_size, format=zstandard.FORMAT_ZSTD1_MAGICLESS,
        write_content_size=True, write_checksum=False, write_dict_id=False)


def pack_latest(db: sqlite_utils.Database, dicts: TextDicts, version_id: int, body: str,
                source: str, level: int = TEXT_LATEST_LEVEL) -> int:
    """Pack an article's new latest body whole (m018; with its source's newest dictionary),
    checked first. Runs inside the caller's transaction. Returns the frame's size."""
    frame = dicts.pack_whole(body, dicts.newest(source), level)
    if unpack_text(frame, None, dicts) != body:  # never lose a text
        raise StoreError(f"body of version {version_id} did not survive packing")
    db.execute("INSERT INTO packed_bodies (version_id, base_id, checksum, frame) VALUES (?, ?, ?, ?)",
               [version_id, None, text_checksum(body), frame])
    return len(frame)


def pack_version(db: sqlite_utils.Database, version_id: int, number: int, body: str,
                 base_id: int, base_body: str) -> int:
    """Pack a superseded version's body (see above); ``base_id``/``base_body`` are the
    next version's. Runs inside the caller's transaction. Returns the frame's size."""
    whole = number % TEXT_WHOLE_EVERY == 0
    base = None if whole else base_body
    frame = pack_text(body, base)
    if unpack_text(frame, base) != body:  # never lose a text
        raise StoreError(f"body of version {version_id} did not survive packing")
    db.execute("INSERT INTO packed_bodies (version_id, base_id, checksum, frame) VALUES (?, ?, ?, ?)",
               [version_id, None if whole else base_id, text_checksum(body), frame])
    db.execute("UPDATE versions SET body = '' WHERE id = ?", [version_id])
    return len(frame)


def pack_all(db: sqlite_utils.Database) -> int:
    """Pack every body but each article's latest (the m015 migration); how many were packed."""
    rows = db.execute(
        """SELECT v.article_id, v.id FROM versions v
           WHERE NOT EXISTS (SELECT 1 FROM packed_bodies p WHERE p.version_id = v.id)
           ORDER BY v.article_id, v.version""").fetchall()
    by_article: dict[int, list[int]] = {}
    for article_id, version_id in rows:
        by_article.setdefault(article_id, []).append(version_id)
    packed = 0
    for ids in by_article.values():
        if len(ids) < 2:
            continue
        marks = ", ".join("?" * len(ids))
        texts = db.execute(f"SELECT id, version, body FROM versions WHERE id IN ({marks}) "
                           "ORDER BY version", ids).fetchall()
        for (vid, number, body), (next_id, _, next_body) in zip(texts, texts[1:], strict=False):
            pack_version(db, vid, number, body, next_id, next_body)
            packed += 1
    return packed


def repack_all(db: sqlite_utils.Database) -> tuple[int, int]:
    """Repack every frame written before m017 in the current format (the m017 migration),
    each text rebuilt and checked first and after: ``(repacked, left as they were)``. A row
    that cannot be rebuilt (already damaged) is left alone, still read as before."""
    articles = [r[0] for r in db.execute(
        """SELECT DISTINCT v.article_id FROM packed_bodies p JOIN versions v ON v.id = p.version_id
           WHERE substr(p.frame, 1, 4) = ? ORDER BY v.article_id""", [_ZSTD_MAGIC])]
    repacked = left = 0
    for article_id in articles:
        rows = db.execute(
            """SELECT p.version_id, p.base_id, p.frame FROM packed_bodies p
               JOIN versions v ON v.id = p.version_id
               WHERE v.article_id = ? ORDER BY v.version DESC""", [article_id]).fetchall()
        memo: dict[int, str] = {}
        for version_id, base_id, frame in rows:
            if frame[:4] != _ZSTD_MAGIC:
                continue
            try:
                text = unpack_body(db, version_id, memo)
                base = None
                if base_id is not None:
                    base = unpack_body(db, base_id, memo)
                    if base is None:
                        row = db.execute("SELECT body FROM versions WHERE id = ?",
                                         [base_id]).fetchone()
                        base = None if row is None else row[0]
            except StoreError:
                left += 1
                continue
            if text is None or (base_id is not None and base is None):
                left += 1
                continue
            new = pack_text(text, base)
            if unpack_text(new, base) != text:  # never lose a text
                raise StoreError(f"body of version {version_id} did not survive repacking")
            db.execute("UPDATE packed_bodies SET frame = ? WHERE version_id = ?", [new, version_id])
            repacked += 1
    return repacked, left


def unpack_body(db: sqlite_utils.Database, version_id: int,
                memo: dict[int, str] | None = None, dicts: TextDicts | None = None) -> str | None:
    """The packed body of a version, rebuilt and checked (``None``: it is not packed).

    Follows ``base_id`` down to a plain body or a whole frame, then applies the frames
    back up, checking each text against its checksum: a damaged row raises
    :class:`StoreError`, never a wrong text. ``memo`` (version id -> body) saves work
    across calls on one article; ``dicts`` (the connection's, kept) reads frames made with
    a dictionary.
    """
    memo = {} if memo is None else memo
    dicts = TextDicts(db) if dicts is None else dicts
    if version_id in memo:
        return memo[version_id]
    chain: list[tuple[int, bytes, bytes, int | None]] = []
    vid: int | None = version_id
    text: str | None = None
    while vid is not None:
        if vid in memo:
            text = memo[vid]
            break
        row = db.execute("SELECT base_id, checksum, frame FROM packed_bodies WHERE version_id = ?",
                         [vid]).fetchone()
        if row is None:
            if not chain:
                return None
            plain = db.execute("SELECT body FROM versions WHERE id = ?", [vid]).fetchone()
            if plain is None:
                raise StoreError(f"body of version {version_id} needs version {vid}, which is "
                                 "missing")
            text = plain[0]
            break
        chain.append((vid, row[1], row[2], row[0]))
        if len(chain) > TEXT_MAX_CHAIN:
            raise StoreError(f"body of version {version_id}: its chain of deltas does not end")
        vid = row[0]
    for vid, checksum, frame, base_id in reversed(chain):
        try:
            text = unpack_text(frame, None if base_id is None else text, dicts)
        except (zstandard.ZstdError, ValueError) as exc:  # UnicodeDecodeError too
            raise StoreError(f"body of version {vid} cannot be unpacked: {exc}") from None
        if text_checksum(text) != checksum:
            raise StoreError(f"body of version {vid} does not match its checksum: the "
                             "packed text or one it builds on is damaged")
        memo[vid] = text
    return text


def read_body(db: sqlite_utils.Database, version_id: int,
              dicts: TextDicts | None = None) -> str | None:
    """A version's body, packed (rebuilt and checked) or plain; ``None``: no such version."""
    text = unpack_body(db, version_id, dicts=dicts)
    if text is None:
        row = db.execute("SELECT body FROM versions WHERE id = ?", [version_id]).fetchone()
        text = None if row is None else row[0]
    return text


def compact_texts(db: sqlite_utils.Database, dicts: TextDicts,
                  source: str | None = None) -> list[dict]:
    """Train a dictionary per source on its newest latest bodies and repack every latest body
    whole with it, or without one, whichever is smaller (each checked); a plain one is
    packed. The dictionary is kept only when what it saves on bodies it did not learn from,
    times the source's latest bodies, outweighs its own size. Runs inside the caller's
    transaction. One dict per source: ``source``, ``texts``, ``raw_bytes``,
    ``before_bytes``, ``after_bytes``, ``dict_id`` (``None``: none kept)."""
    where, params = ("AND a.source = ?", [source]) if source else ("", [])
    rows = db.execute(
        f"""SELECT a.source, v.id FROM articles a JOIN versions v ON v.article_id = a.id
              AND v.version = (SELECT max(version) FROM versions WHERE article_id = a.id)
            WHERE NOT EXISTS (SELECT 1 FROM packed_bodies p
                              WHERE p.version_id = v.id AND p.base_id IS NOT NULL) {where}
            ORDER BY a.source, v.id""", params).fetchall()
    by_source: dict[str, list[int]] = {}
    for name, version_id in rows:
        by_source.setdefault(name, []).append(version_id)
    reports = []
    for name, ids in by_source.items():
        dict_id = _train_text_dict(db, dicts, name, ids)
        report = {"source": name, "texts": len(ids), "raw_bytes": 0, "before_bytes": 0,
                  "after_bytes": 0, "dict_id": dict_id}
        for version_id in ids:
            body = read_body(db, version_id, dicts) or ""
            old = db.execute("SELECT frame FROM packed_bodies WHERE version_id = ?",
                             [version_id]).fetchone()
            frame = dicts.pack_whole(body, dict_id)
            if unpack_text(frame, None, dicts) != body:  # never lose a text
                raise StoreError(f"body of version {version_id} did not survive repacking")
            if old is None:
                db.execute("""INSERT INTO packed_bodies (version_id, base_id, checksum, frame)
                              VALUES (?, NULL, ?, ?)""", [version_id, text_checksum(body), frame])
                db.execute("UPDATE versions SET body = '' WHERE id = ?", [version_id])
            elif len(frame) < len(old[0]):
                db.execute("UPDATE packed_bodies SET frame = ? WHERE version_id = ?",
                           [frame, version_id])
            else:
                frame = old[0]
            report["raw_bytes"] += len(body.encode("utf-8"))
            report["before_bytes"] += len(body.encode("utf-8")) if old is None else len(old[0])
            report["after_bytes"] += len(frame)
        reports.append(report)
    return reports


def _train_text_dict(db: sqlite_utils.Database, dicts: TextDicts, source: str,
                     ids: list[int]) -> int | None:
    """Train a dictionary on the source's newest latest bodies (``ids``); keep it (its id) when
    it saves more than its size, measured on every fifth sample, left out of the training."""
    samples = [(read_body(db, i, dicts) or "").encode("utf-8") for i in ids[-TEXT_DICT_SAMPLES:]]
    held = samples[::5]
    learn = [s for n, s in enumerate(samples) if n % 5]
    if len(learn) < TEXT_DICT_MIN:
        return None
    try:
        trained = zstandard.train_dictionary(
            min(TEXT_DICT_BYTES, sum(map(len, learn)) // 10), learn, level=TEXT_LATEST_LEVEL)
    except zstandard.ZstdError:
        return None
    size = len(trained.as_bytes())
    with_dict = zstandard.ZstdCompressor(compression_params=_whole_params(size),
                                         dict_data=trained)
    plain = zstandard.ZstdCompressor(compression_params=_whole_params(0))
    saved = sum(min(len(s), len(plain.compress(s))) - min(len(s), len(with_dict.compress(s)) + 2)
                for s in held)
    if saved * len(ids) / len(held) <= size:
        return None
    return db.execute("INSERT INTO text_dicts (source, created, texts, dict) VALUES (?, ?, ?, ?)",
                      [source, now_iso(), len(learn), trained.as_bytes()]).lastrowid


def register_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions newsdiffs' schema and queries use, on one connection (every
    :class:`Store` and Datasette's, through ``newsdiffs.datasette_plugin``):
    ``folded(text)``, ``newsdiffs_body(version_id)`` (a version's body, rebuilt and checked;
    NULL: no such version; an error if it is damaged) and ``newsdiffs_snippet(version_id,
    query)`` (the words of the version that match an FTS5 query, in ``[`` ``]``)."""
    db = sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)
    dicts = TextDicts(db)

    def body(version_id: int | None) -> str | None:
        return None if version_id is None else read_body(db, int(version_id), dicts)

    def snippet(version_id: int | None, query: str | None) -> str | None:
        if version_id is None or not query or not query.strip():
            return None
        row = conn.execute("SELECT title FROM versions WHERE id = ?", [version_id]).fetchone()
        if row is None:
            return None
        return _snippets({int(version_id): (row[0], body(version_id) or "")}, query, ("[", "]")
                         ).get(int(version_id), "")

    conn.create_function("folded", 1, fold, deterministic=True)
    conn.create_function("newsdiffs_body", 1, body)
    conn.create_function("newsdiffs_snippet", 2, snippet)


def _snippets(texts: dict[int, tuple[str, str]], match: str,
              mark: tuple[str, str]) -> dict[int, str]:
    """Version id -> FTS5's snippet of its (title, body) for an FTS5 query, made in a scratch
    in-memory index (``versions_fts`` keeps no text)."""
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.execute("""CREATE VIRTUAL TABLE hits USING FTS5 (
                               title, body, tokenize='porter unicode61')""")
        scratch.executemany("INSERT INTO hits (rowid, title, body) VALUES (?, ?, ?)",
                            [(vid, title, body) for vid, (title, body) in texts.items()])
        return dict(scratch.execute(
            "SELECT rowid, snippet(hits, -1, ?, ?, '…', 16) FROM hits WHERE hits MATCH ?",
            [*mark, match]).fetchall())
    finally:
        scratch.close()


@dataclass(frozen=True)
class NewVersion:
    """A revision to store, already normalised and compared by the pipeline."""

    fetched_at: str
    url: str
    title: str
    byline: str | None
    published: str | None
    published_raw: str | None
    modified: str | None
    modified_raw: str | None
    body: str
    hash: str
    chars_added: int
    chars_removed: int
    extractor: str
    #: ``edit`` (seen by a crawl) or ``reextract`` (a stored page read again).
    kind: str = "edit"


@dataclass(frozen=True)
class CheckResult:
    """What :meth:`Store.record_check` wrote."""

    article_id: int
    outcome: str
    version: int | None
    repeats_version: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A changed text held (check outcome ``pending``) until a second fetch confirms it."""

    hash: str
    title: str
    body: str
    #: Why it was held (see ``newsdiffs.outcome.suspicion``).
    reason: str


@functools.cache
def reference_schema() -> tuple[tuple[str, ...], dict[str, frozenset[str]]]:
    """What this version's migrations make: their names, and each table's columns."""
    db = sqlite_utils.Database(memory=True)
    migrations.apply(db)
    names = tuple(m.name for m in migrations.applied(db))
    tables = {t: frozenset(db[t].columns_dict) for t in db.table_names()
              if not t.startswith(("_", "sqlite_", "versions_fts"))}
    db.close()
    return names, tables


def schema_problem(db: sqlite_utils.Database, path: Path) -> StoreError | None:
    """Why this database cannot be used as it is, or ``None``: a newer schema, missing columns.

    Pending migrations are not a problem here (a writer applies them).
    """
    known, tables = reference_schema()
    applied = [m.name for m in migrations.applied(db)]
    unknown = [name for name in applied if name not in known]
    if unknown:
        return SchemaTooNew(
            f"database {path} was upgraded by a newer newsdiffs (unknown migrations: "
            f"{', '.join(unknown)}); upgrade newsdiffs to use it")
    existing = set(db.table_names())
    for name in known:
        if name not in applied:
            break
    else:
        for table, columns in tables.items():
            have = set(db[table].columns_dict) if table in existing else set()
            missing = sorted(columns - have)
            if missing:
                return SchemaMismatch(
                    f"database {path} does not match the newsdiffs schema: table {table} "
                    f"lacks {', '.join(missing)}")
    return None


#: ``PRAGMA synchronous`` of a writing connection (``FULL`` inside :meth:`Store.batch`).
SYNCHRONOUS = "NORMAL"
#: WAL pages between two automatic checkpoints (SQLite's default: 1,000), each one a sync.
WAL_AUTOCHECKPOINT = 4000


class Store:
    """A newsdiffs database.

    ``Store(path)`` opens (and by default creates and migrates) the database;
    ``create=False`` raises :class:`DatabaseMissing` instead of creating a file.
    ``readonly=True`` (for commands that only read) never creates, migrates
    or writes anything: a database that needs migrations raises
    :class:`SchemaOutdated`. Every open refuses a schema from a newer
    newsdiffs (:class:`SchemaTooNew`) or one that lacks columns
    (:class:`SchemaMismatch`).
    """

    def __init__(self, path: str | Path, *, create: bool = True, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        #: Inside :meth:`batch`: writes are savepoints of its one transaction.
        self._batch_depth = 0
        if (readonly or not create) and not self.path.exists():
            raise DatabaseMissing(f"database not found: {self.path}")
        if self.path.parent and not self.path.parent.exists():
            if not create:
                raise DatabaseMissing(f"database not found: {self.path}")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create {self.path.parent}: {exc.strerror}") from None
        if self.path.is_dir():
            raise StoreError(f"cannot open database {self.path}: it is a directory")
        try:
            if readonly:
                conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                       timeout=30, isolation_level=None)
            else:
                # Autocommit: every write transaction is opened by _write() with BEGIN
                # IMMEDIATE, never implicitly by the sqlite3 module (see _write).
                conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        self.db = sqlite_utils.Database(conn)
        # folded(): headlines that differ only in typography (quotes, dashes, invisibles)
        # are the same; newsdiffs_body(): what the version_texts view and triggers read.
        register_functions(conn)
        self.codec = PageCodec(self.db)
        self.text_dicts = TextDicts(self.db)
        try:
            self._open()
        except (sqlite3.Error, StoreError) as exc:
            self.db.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc

    def _open(self) -> None:
        self.db.execute("PRAGMA foreign_keys=ON")
        problem = schema_problem(self.db, self.path)
        if problem:
            raise problem
        pending = migrations.pending(self.db)
        if self.readonly:
            if pending:
                what = ("is not a newsdiffs database (it has no tables)"
                        if not self.db.table_names() else "needs upgrading")
                raise SchemaOutdated(
                    f"database {self.path} {what}: run newsdiffs migrate --db {self.path}")
            return
        if self.db.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.db.enable_wal()
        # WAL + NORMAL: a commit is not synced to disk, the WAL is at each checkpoint
        # (every WAL_AUTOCHECKPOINT pages). Safe against a crash or kill -9 of the
        # process; a power loss may lose the last commits, never corrupts (README
        # "Reliability"). Batches acknowledged elsewhere stay FULL (batch()).
        self.db.conn.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
        self.db.conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
        if pending:
            # Under BEGIN IMMEDIATE, so that two processes opening a new
            # database at once do not both migrate it (apply re-reads what is pending).
            with self._write("upgrade"):
                migrations.apply(self.db)
            problem = schema_problem(self.db, self.path)
            if problem:
                raise problem

    @contextmanager
    def _write(self, what: str = "write") -> Iterator[None]:
        """One write transaction: ``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error.

        IMMEDIATE takes the write lock at the start, waiting up to the busy
        timeout for another writer. A deferred BEGIN would read first and then
        fail at once with "database is locked" (SQLITE_BUSY_SNAPSHOT) when
        another connection committed in between: the wait does not apply to that.
        SQLite errors become :class:`WriteFailed`; errors of ours pass unchanged.
        """
        if self.readonly:
            raise WriteFailed(f"cannot {what} {self.path}: opened read-only")
        if self._batch_depth:
            with self._savepoint(what):
                yield
            return
        try:
            self.db.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise WriteFailed(f"cannot {what} {self.path}: {exc}") from exc
        try:
            yield
            self.db.conn.execute("COMMIT")
        except BaseException as exc:
            if self.db.conn.in_transaction:
                try:
                    self.db.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # the first error is the one to report
            if isinstance(exc, sqlite3.Error | UnicodeEncodeError):
                raise WriteFailed(f"cannot {what} {self.path}: {exc}") from exc
            raise

    @contextmanager
    def _savepoint(self, what: str) -> Iterator[None]:
        """Inside :meth:`batch`: one write as a savepoint, undone alone if it fails."""
        self.db.conn.execute("SAVEPOINT one_write")
        try:
            yield
            self.db.conn.execute("RELEASE one_write")
        except BaseException as exc:
            try:
                self.db.conn.execute("ROLLBACK TO one_write")
                self.db.conn.execute("RELEASE one_write")
            except sqlite3.Error:
                pass  # the first error is the one to report
            if isinstance(exc, sqlite3.Error | UnicodeEncodeError):
                raise WriteFailed(f"cannot {what} {self.path}: {exc}") from exc
            raise

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many writes in one ``BEGIN IMMEDIATE`` transaction (``newsdiffs ingest``).

        Each write inside is a savepoint: one that fails is undone alone and
        raises as usual; the others commit together when the block ends (all or
        none, if the process dies first).
        """
        # Synced at its commit: the caller acknowledges the items to Redis after it.
        self.db.conn.execute("PRAGMA synchronous=FULL")
        try:
            with self._write("write a batch to"):
                self._batch_depth = 1
                try:
                    yield
                finally:
                    self._batch_depth = 0
        finally:
            self.db.conn.execute(f"PRAGMA synchronous={SYNCHRONOUS}")

    def ingested(self, item_ids: Iterable[str]) -> set[str]:
        """Which of these item ids ``newsdiffs ingest`` has already stored."""
        return self._present("ingested_items", "item_id", item_ids)

    def mark_ingested(self, item_id: str, at: str) -> None:
        """Note that an item is stored (in the transaction that stored it)."""
        with self._write("record an ingested item in"):
            self.db.execute("INSERT INTO ingested_items (item_id, ingested_at) VALUES (?, ?)",
                            [item_id, at])

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"``, or the problems it found."""
        return "\n".join(r[0] for r in self.db.execute("PRAGMA integrity_check").fetchall())

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reads ---------------------------------------------------------------

    def _one(self, sql: str, params: Any = ()) -> dict | None:
        return next(self.db.query(sql, params), None)

    def _all(self, sql: str, params: Any = ()) -> list[dict]:
        return list(self.db.query(sql, params))

    def article(self, url: str) -> dict | None:
        """The article row for a (canonical) URL, or ``None``."""
        return self._one("SELECT * FROM articles WHERE url = ?", [url])

    def article_for_check(self, url: str) -> dict | None:
        """The article row plus ``latest_hash`` (its newest version's hash), in one lookup.

        What a re-check needs to tell "unchanged" without reading the version itself.
        ``pending_hash`` and ``pending_since`` describe a text held for
        confirmation (``pending_versions``), else ``None``. Pass the row on to
        :meth:`record_check` (``article=``): it is then not read again.
        """
        # One plain statement (no savepoint around a read): this runs for every check.
        cursor = self.db.conn.execute(
            """SELECT a.*, (SELECT v.hash FROM versions v WHERE v.article_id = a.id
                            ORDER BY v.version DESC LIMIT 1) AS latest_hash,
                      p.hash AS pending_hash, p.first_seen AS pending_since
               FROM articles a LEFT JOIN pending_versions p ON p.article_id = a.id
               WHERE a.url = ?""",
            [url],
        )
        row = cursor.fetchone()
        return None if row is None else dict(zip([d[0] for d in cursor.description], row,
                                                 strict=True))

    def article_by_id(self, article_id: int) -> dict | None:
        return self._one("SELECT * FROM articles WHERE id = ?", [article_id])

    def latest_version(self, article_id: int) -> dict | None:
        """The newest version of an article (an index lookup), or ``None``."""
        row = self._one(
            "SELECT * FROM versions WHERE article_id = ? ORDER BY version DESC LIMIT 1",
            [article_id],
        )
        return None if row is None else self._with_bodies([row])[0]

    def version(self, article_id: int, number: int) -> dict:
        """One version of an article; raises :class:`VersionNotFound`."""
        row = self._one(
            "SELECT * FROM versions WHERE article_id = ? AND version = ?", [article_id, number]
        )
        if row is None:
            raise VersionNotFound(f"article {article_id} has no version {number}")
        return self._with_bodies([row])[0]

    def versions(self, article_id: int) -> list[dict]:
        """Every version of an article, oldest first."""
        return self._with_bodies(self._all(
            "SELECT * FROM versions WHERE article_id = ? ORDER BY version", [article_id]
        ))

    def checks(self, article_id: int) -> list[dict]:
        """Every check of an article, oldest first."""
        return self._all(
            "SELECT * FROM checks WHERE article_id = ? ORDER BY checked_at, id", [article_id]
        )

    def articles(self, source: str | None = None) -> list[dict]:
        """All tracked articles (optionally of one source), most recently changed first."""
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        return self._all(
            f"SELECT * FROM articles {where} ORDER BY last_changed DESC, id", params
        )

    def due(self, now: str, source: str | None = None, limit: int = 100, *,
            include_finished: bool = False) -> list[dict]:
        """Articles whose next check is at or before ``now``, most overdue first.

        An index lookup: active and gone articles have a ``next_check``;
        finished ones (and gone ones given up on) have none. ``include_finished``
        adds those after the due ones, least recently checked first.
        """
        where, params = ("source = ? AND ", [source]) if source else ("", [])
        rows = self._all(
            f"SELECT * FROM articles WHERE {where}next_check <= ? ORDER BY next_check LIMIT ?",
            [*params, now, limit],
        )
        if include_finished and len(rows) < limit:
            rows += self._all(
                f"""SELECT * FROM articles WHERE {where}next_check IS NULL
                    ORDER BY last_checked, id LIMIT ?""",
                [*params, limit - len(rows)],
            )
        return rows

    def frontier_rows(self) -> Iterator[dict]:
        """Every tracked article's id, URL, source and validators (``newsdiffs dispatch``)."""
        return self.db.query("SELECT id, url, source, etag, last_modified FROM articles")

    def known(self, urls: Iterable[str]) -> set[str]:
        """Which of these (canonical) URLs are tracked articles."""
        return self._present("articles", "url", urls)

    def _present(self, table: str, column: str, values: Iterable[str]) -> set[str]:
        """Which of ``values`` are in ``table.column`` (asked 500 at a time)."""
        wanted = list(dict.fromkeys(values))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(r[column] for r in self.db.query(
                f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", chunk))
        return found

    def streak(self, article_id: int, http_statuses: Iterable[int], limit: int = 20) -> int:
        """How many of the article's latest checks in a row answered one of ``http_statuses``."""
        statuses = set(http_statuses)
        count = 0
        for row in self.db.query(
            """SELECT http_status FROM checks WHERE article_id = ?
               ORDER BY checked_at DESC, id DESC LIMIT ?""", [article_id, limit]):
            if row["http_status"] not in statuses:
                break
            count += 1
        return count

    def health(self, now: str, since: str, *, gone_statuses: Iterable[int] = (404, 410),
               not_modified: int = 304) -> list[dict]:
        """Per source: articles by status, due now, and checks since ``since``.

        ``failures`` leaves out gone answers (an article taken down is news,
        not a broken crawler); ``extractions`` counts successful checks that
        read a page (not a ``not_modified`` answer). ``last_ok`` is the time of
        the latest successful check.
        """
        gone = ", ".join(str(int(s)) for s in gone_statuses) or "NULL"
        rows = {r["source"]: r for r in self.db.query(
            """SELECT source, count(*) AS tracked, sum(status = 'active') AS active,
                      sum(status = 'finished') AS finished, sum(status = 'gone') AS gone
               FROM articles GROUP BY source ORDER BY source""")}
        recent = {r["source"]: r for r in self.db.query(
            f"""SELECT a.source, count(*) AS checks,
                       sum(c.outcome = 'failed'
                           AND coalesce(c.http_status, 0) NOT IN ({gone})) AS failures,
                       sum(c.outcome != 'failed' AND coalesce(c.detail, '') != 'reextract'
                           AND coalesce(c.http_status, 0) != ?) AS extractions
                FROM checks c JOIN articles a ON a.id = c.article_id
                WHERE c.checked_at >= ? GROUP BY a.source""", [not_modified, since])}
        for source, row in rows.items():
            row.update(recent.get(source) or {"checks": 0, "failures": 0, "extractions": 0})
            row["due"] = self._one(
                "SELECT count(*) AS n FROM articles WHERE source = ? AND next_check <= ?",
                [source, now])["n"]  # type: ignore[index]
            # CROSS JOIN keeps checks the outer loop: walked newest first by
            # idx_checks_time, it stops at the source's latest success (a plain JOIN
            # let the planner read every check of the source and sort them).
            last = self._one(
                """SELECT c.checked_at FROM checks c CROSS JOIN articles a ON a.id = c.article_id
                   WHERE a.source = ? AND c.outcome != 'failed'
                     AND coalesce(c.detail, '') != 'reextract'
                   ORDER BY c.checked_at DESC LIMIT 1""", [source])
            row["last_ok"] = last["checked_at"] if last else None
        return list(rows.values())

    def counts(self) -> dict[str, int]:
        """Row counts of the three contract tables."""
        return {
            t: self._one(f"SELECT count(*) AS n FROM {t}")["n"]  # type: ignore[index]
            for t in ("articles", "versions", "checks")
        }

    # -- reading changes: site, feeds, search, export -----------------------

    def changes(self, *, since: str | None = None, source: str | None = None,
                article_id: int | None = None, limit: int | None = None) -> list[dict]:
        """Rows of the ``changes`` view (versions after the first), newest first."""
        where, params = self._filters(since=since, source=source, article_id=article_id)
        sql = f"SELECT * FROM changes {where} ORDER BY time DESC, article_id DESC, version DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self._all(sql, params)

    @staticmethod
    def _filters(**values: Any) -> tuple[str, list]:
        column = {"since": "time >= ?", "source": "source = ?", "article_id": "article_id = ?"}
        used = [(column[k], v) for k, v in values.items() if v is not None]
        where = " AND ".join(c for c, _ in used)
        return (f"WHERE {where}" if where else ""), [v for _, v in used]

    def search(self, query: str, *, source: str | None = None, limit: int = 20,
               raw: bool = False, newest: bool = False,
               mark: tuple[str, str] = ("[", "]")) -> list[dict]:
        """Versions whose title or body match ``query``, best first, with a snippet.

        The query is taken as plain words unless ``raw`` (then FTS5 syntax:
        ``"exact phrase"``, ``OR``, ``NOT``, ``prefix*``). ``newest`` lists the
        versions stored last first instead: FTS5 then walks its hits by rowid
        and stops at ``limit``, where ranking must score every hit.
        """
        match = query if raw else self.db.quote_fts(query)
        # versions_fts indexes every version's text (ranked as one corpus); it keeps
        # no text, so the snippets are made from the hits' texts (see _snippets).
        sql = """
            SELECT a.id AS article_id, a.source, a.url, v.version, v.fetched_at, v.title,
                   v.id AS version_id, v.body
            FROM versions_fts f
            JOIN versions v ON v.id = f.rowid
            JOIN articles a ON a.id = v.article_id
            WHERE versions_fts MATCH ? {source}
            ORDER BY {order} LIMIT ?
        """.format(source="AND a.source = ?" if source else "",
                   order="f.rowid DESC" if newest else "f.rank, v.article_id, v.version")
        params = [match, *([source] if source else []), limit]
        try:
            rows = self._all(sql, params)
            self._snippets(rows, match, mark)
        except sqlite3.OperationalError as exc:
            raise BadSearch(f"cannot search for {query!r}: {exc}") from None
        return rows

    def _snippets(self, rows: list[dict], match: str, mark: tuple[str, str]) -> None:
        """Replace ``version_id`` and ``body`` of search hits by a ``snippet``: FTS5's own,
        from their texts (packed ones rebuilt) indexed in a scratch in-memory table."""
        if not rows:
            return
        memo: dict[int, str] = {}
        texts = {}
        for row in rows:
            body = unpack_body(self.db, row["version_id"], memo, self.text_dicts)
            texts[row["version_id"]] = (row["title"], row["body"] if body is None else body)
        snippets = _snippets(texts, match, mark)
        for row in rows:
            row["snippet"] = snippets.get(row.pop("version_id"), "")
            del row["body"]

    def export_columns(self, table: str) -> list[str]:
        """Column names of an exportable table or view."""
        if table not in EXPORTABLE:
            raise StoreError(f"cannot export {table!r}: choose from {', '.join(EXPORTABLE)}")
        return [r["name"] for r in self._all(f"SELECT name FROM pragma_table_info('{table}')")]

    def export_rows(self, table: str, since: str | None = None) -> Iterator[dict]:
        """Stream every row of an exportable table or view (one cursor, nothing loaded whole)."""
        if table not in EXPORTABLE:
            raise StoreError(f"cannot export {table!r}: choose from {', '.join(EXPORTABLE)}")
        order = "rowid" if table != "changes" else "time, article_id, version"
        where, params = (f"WHERE {EXPORTABLE[table]} >= ?", [since]) if since else ("", [])
        rows = self.db.query(f"SELECT * FROM {table} {where} ORDER BY {order}", params)
        if table != "versions":
            yield from rows
            return
        batch: list[dict] = []  # packed bodies rebuilt a batch at a time
        for row in rows:
            batch.append(row)
            if len(batch) == 500:
                yield from self._with_bodies(batch)
                batch = []
        yield from self._with_bodies(batch)

    # -- writes --------------------------------------------------------------

    def _ensure_article(self, url: str, source: str, checked_at: str) -> dict:
        """The article row (``id``, ``check_count``, ``version_count`` at least), inserted
        when the URL is new. Inside the caller's write transaction."""
        row = self._one("SELECT * FROM articles WHERE url = ?", [url])
        if row is not None:
            return row
        cursor = self.db.execute(
            "INSERT INTO articles (url, source, first_seen) VALUES (?, ?, ?)",
            [url, source, checked_at],
        )
        return {"id": cursor.lastrowid, "check_count": 0, "version_count": 0, "pending_hash": None}

    def _update_article(self, url: str, source: str, checked_at: str,
                        article: Mapping[str, Any] | None,
                        changes: Callable[[Mapping[str, Any]], dict[str, Any]]) -> dict:
        """Apply ``changes(row)`` to the article's row; the row it was computed from.

        ``article`` is the row the caller read before the transaction (or ``None``): the
        update is then guarded by its counts, so that a row another writer changed in
        between is read again here and the changes computed from the fresh row.
        """
        if article is not None:
            values = changes(article)
            cursor = self.db.execute(
                f"UPDATE articles SET {', '.join(f'{col} = ?' for col in values)} "
                "WHERE id = ? AND url = ? AND check_count = ? AND version_count = ?",
                [*values.values(), article["id"], url, article["check_count"],
                 article["version_count"]])
            if cursor.rowcount == 1:
                return dict(article)
        row = self._ensure_article(url, source, checked_at)
        values = changes(row)
        self.db.execute(f"UPDATE articles SET {', '.join(f'{col} = ?' for col in values)} "
                        "WHERE id = ?", [*values.values(), row["id"]])
        return row

    def record_check(
        self,
        *,
        url: str,
        source: str,
        checked_at: str,
        http_status: int | None,
        outcome: str,
        detail: str | None = None,
        new_version: NewVersion | None = None,
        next_check: str | None = None,
        status: str | None = None,
        validators: tuple[str | None, str | None] | None = None,
        redirected_to: str | None = None,
        html: bytes | None = None,
        candidate: Candidate | None = None,
        html_charset: str | None = None,
        article: Mapping[str, Any] | None = None,
        page_digest: str | None = None,
    ) -> CheckResult:
        """Record one check of an article, and its new version if there is one.

        ``outcome`` is ``unchanged`` or ``failed`` without a version, or
        ``changed``/``new`` with one (``new`` for an article's first version).
        ``validators`` is ``(etag, last_modified)`` to send on the next check
        (``None`` keeps the stored ones). ``html`` is the page the new version
        was read from, kept compressed in ``version_html`` (``None``: not kept), with
        ``html_charset``, the charset its ``Content-Type`` header declared.
        ``pending`` holds ``candidate`` (a text awaiting confirmation) in
        ``pending_versions``; ``new``, ``changed`` and ``unchanged`` settle the
        article's held text (it is removed); ``failed`` leaves it.
        ``article`` is the row :meth:`article_for_check` returned for ``url``, if the
        caller has it: it is not read again (unless another writer changed it since).
        ``page_digest`` (``articles.page_digest``) is the digest of the page whose text the
        article's latest version is after this check; ``None`` forgets it.
        Everything is written in one transaction.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        if (new_version is not None) != (outcome in ("new", "changed")):
            raise ValueError(f"outcome {outcome!r} does not match new_version")
        if (candidate is not None) != (outcome == "pending"):
            raise ValueError(f"outcome {outcome!r} does not match candidate")

        def changes(row: Mapping[str, Any]) -> dict[str, Any]:
            values: dict[str, Any] = {
                "last_checked": checked_at,
                "check_count": row["check_count"] + 1,
                "next_check": next_check,
                "page_digest": page_digest,
            }
            if status is not None:
                values["status"] = status
            if validators is not None:
                values["etag"], values["last_modified"] = validators
            if redirected_to is not None:
                values["redirected_to"] = redirected_to
            if new_version is not None:
                values.update(title=new_version.title, version_count=row["version_count"] + 1,
                              last_changed=checked_at)
            return values

        with self._write(f"record a check of {url} in"):
            # The article row first: the version number comes from the row it updated.
            row = self._update_article(url, source, checked_at, article, changes)
            aid = row["id"]
            number = repeats = None
            if new_version is not None:
                number = row["version_count"] + 1
                version_id, repeats = self._insert_version(aid, number, new_version, source)
                if html is not None:
                    self._insert_html(version_id, html, source, html_charset)
            self.db.execute(
                """INSERT INTO checks (article_id, checked_at, http_status, outcome, version, detail)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [aid, checked_at, http_status, outcome, number, detail],
            )
            # A row read by article_for_check says whether a text is held: none, nothing to drop.
            held = row.get("pending_hash", True) is not None
            self._settle_candidate(aid, outcome, candidate, checked_at, held=held)
        return CheckResult(aid, outcome, number, repeats)

    def forget_page_digest(self, url: str) -> None:
        """Clear an article's ``page_digest``: its next check reads the page again."""
        with self._write("forget a page digest in"):
            self.db.execute("UPDATE articles SET page_digest = NULL WHERE url = ?", [url])

    def _insert_version(self, article_id: int, number: int, new_version: NewVersion,
                        source: str) -> tuple[int, int | None]:
        """Insert a version row: ``(its id, the earlier version it repeats or None)``. Its
        body is packed whole (``versions.body`` is ''), its title and body indexed in
        ``versions_fts``, and the version it supersedes repacked against it (m018)."""
        earlier = self._one(
            """SELECT version FROM versions WHERE article_id = ? AND hash = ?
               ORDER BY version DESC LIMIT 1""",
            [article_id, new_version.hash],
        )
        repeats = earlier["version"] if earlier else None
        cursor = self.db.execute(
            """
            INSERT INTO versions (article_id, version, fetched_at, url, title, byline,
                published, published_raw, modified, modified_raw, body, hash,
                chars_added, chars_removed, repeats_version, extractor, kind)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [article_id, number, new_version.fetched_at, new_version.url, new_version.title,
             new_version.byline, new_version.published, new_version.published_raw,
             new_version.modified, new_version.modified_raw, "",
             new_version.hash, new_version.chars_added, new_version.chars_removed,
             repeats, new_version.extractor, new_version.kind],
        )
        version_id = cursor.lastrowid
        self.db.execute("INSERT INTO versions_fts (rowid, title, body) VALUES (?, ?, ?)",
                        [version_id, new_version.title, new_version.body])
        pack_latest(self.db, self.text_dicts, version_id, new_version.body, source,
                    TEXT_NEW_LEVEL)
        self._pack_superseded(article_id, number - 1, version_id, new_version.body)
        return version_id, repeats

    def _pack_superseded(self, article_id: int, number: int, base_id: int, base_body: str) -> None:
        """Repack version ``number`` of an article, just superseded by the version ``base_id``
        with body ``base_body``: a whole frame (or a plain body) becomes a delta against it,
        unless its number is a multiple of TEXT_WHOLE_EVERY (then it stays whole)."""
        row = self.db.execute(
            """SELECT v.id, v.body, p.version_id IS NOT NULL, p.base_id, p.checksum, p.frame
               FROM versions v LEFT JOIN packed_bodies p ON p.version_id = v.id
               WHERE v.article_id = ? AND v.version = ?""", [article_id, number]).fetchone()
        if row is None:
            return
        version_id, plain, packed, old_base, checksum, frame = row
        if not packed:
            pack_version(self.db, version_id, number, plain, base_id, base_body)
            return
        if old_base is not None or number % TEXT_WHOLE_EVERY == 0:
            return
        try:
            body = unpack_text(frame, None, self.text_dicts)
        except (zstandard.ZstdError, ValueError) as exc:
            raise StoreError(f"body of version {version_id} cannot be unpacked: {exc}") from None
        if text_checksum(body) != checksum:
            raise StoreError(f"body of version {version_id} does not match its checksum")
        delta = pack_text(body, base_body)
        if unpack_text(delta, base_body) != body:  # never lose a text
            raise StoreError(f"body of version {version_id} did not survive packing")
        self.db.execute("UPDATE packed_bodies SET base_id = ?, frame = ? WHERE version_id = ?",
                        [base_id, delta, version_id])

    def set_body(self, version_id: int, body: str) -> None:
        """Replace the stored body of a version (e.g. to redact it), in one transaction: the
        packed bodies that build on it are repacked and the search index follows."""
        with self._write("change a stored text in"):
            row = self.version_by_id(version_id)
            old = row["body"]
            packed = {r["version_id"]: r for r in self.db.query(
                """SELECT p.version_id, p.base_id FROM packed_bodies p JOIN versions v
                     ON v.id = p.version_id WHERE v.article_id = ?""", [row["article_id"]])}
            older = self._one("SELECT id FROM versions WHERE article_id = ? AND version = ?",
                              [row["article_id"], row["version"] - 1])
            older_body = None if older is None else self.version_by_id(older["id"])["body"]
            if version_id in packed:
                mine = packed[version_id]
                base = None if mine["base_id"] is None else unpack_body(
                    self.db, mine["base_id"], dicts=self.text_dicts) or self._plain_body(
                    mine["base_id"])
                frame = (pack_text(body, base) if base is not None else self.text_dicts.pack_whole(
                    body, self.text_dicts.newest(row["source"])))
                self.db.execute(
                    "UPDATE packed_bodies SET checksum = ?, frame = ? WHERE version_id = ?",
                    [text_checksum(body), frame, version_id])
                self.db.execute(
                    """INSERT INTO versions_fts (versions_fts, rowid, title, body)
                       VALUES ('delete', ?, ?, ?)""", [version_id, row["title"], old])
                self.db.execute("INSERT INTO versions_fts (rowid, title, body) VALUES (?, ?, ?)",
                                [version_id, row["title"], body])
            dependant = (older is not None
                         and packed.get(older["id"], {}).get("base_id") == version_id)
            if dependant:  # packed whole meanwhile, so that the guard lets the change through
                self.db.execute(
                    "UPDATE packed_bodies SET base_id = NULL, frame = ? WHERE version_id = ?",
                    [pack_text(older_body, None), older["id"]])
            if version_id not in packed:
                self.db.execute("UPDATE versions SET body = ? WHERE id = ?", [body, version_id])
            if dependant:
                self.db.execute(
                    "UPDATE packed_bodies SET base_id = ?, frame = ? WHERE version_id = ?",
                    [version_id, pack_text(older_body, body), older["id"]])
            if self.version_by_id(version_id)["body"] != body or (
                    older_body is not None
                    and self.version_by_id(older["id"])["body"] != older_body):
                raise StoreError(f"bodies of article {row['article_id']} did not survive "
                                 "repacking")

    def _plain_body(self, version_id: int) -> str:
        return self.db.execute("SELECT body FROM versions WHERE id = ?", [version_id]).fetchone()[0]

    def _with_bodies(self, rows: list[dict]) -> list[dict]:
        """Version rows with each packed body rebuilt (and checked) in ``body``."""
        ids = [r["id"] for r in rows]
        packed: set[int] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            packed.update(r[0] for r in self.db.execute(
                f"SELECT version_id FROM packed_bodies WHERE version_id IN "
                f"({', '.join('?' * len(chunk))})", chunk))
        memo: dict[int, str] = {}
        for row in sorted((r for r in rows if r["id"] in packed), key=lambda r: -r["id"]):
            row["body"] = unpack_body(self.db, row["id"], memo, self.text_dicts)
            if len(memo) > 4096:
                memo.clear()
        return rows

    def _insert_html(self, version_id: int, html: bytes, source: str,
                     charset: str | None = None) -> None:
        encoding, blob = self.codec.encode(html, source)
        self.db.execute(
            "INSERT INTO version_html (version_id, encoding, html, charset) VALUES (?, ?, ?, ?)",
            [version_id, encoding, blob, charset],
        )

    def compact(self, source: str | None = None) -> list[dict]:
        """Train a zstd dictionary per source on its newest kept pages and recompress them all
        (one transaction); one report per source (see :func:`compact_pages`)."""
        with self._write("compact the kept pages of"):
            return compact_pages(self.db, self.codec, source)

    def compact_texts(self, source: str | None = None) -> list[dict]:
        """Train a zstd dictionary per source on its latest bodies and repack them with it
        where that is smaller (one transaction); one report per source (see
        :func:`compact_texts`)."""
        with self._write("compact the texts of"):
            return compact_texts(self.db, self.text_dicts, source)

    def file_bytes(self) -> tuple[int, int]:
        """``(bytes of the database file, bytes of its free pages)``."""
        page = self._one("PRAGMA page_size")["page_size"]  # type: ignore[index]
        pages = self._one("PRAGMA page_count")["page_count"]  # type: ignore[index]
        free = self._one("PRAGMA freelist_count")["freelist_count"]  # type: ignore[index]
        return pages * page, free * page

    def vacuum(self) -> tuple[int, int]:
        """Rebuild the database file without the room that deleted, blanked and recompressed
        rows left inside its pages (SQLite ``VACUUM``: it needs as much free disk as the
        file, and waits for other writers); ``(bytes before, bytes after)``."""
        before, _ = self.file_bytes()
        try:
            self.db.conn.execute("VACUUM")
            self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot vacuum {self.path}: {exc}") from None
        return before, self.file_bytes()[0]

    # -- crawl runs ------------------------------------------------------------

    def start_run(self, *, started: str, command: str, spiders: Iterable[str],
                  pid: int | None = None) -> int:
        """Record that a crawl run started; its id. Also shows early that writing works."""
        with self._write("record a crawl run in"):
            cursor = self.db.execute(
                "INSERT INTO runs (started, command, spiders, pid) VALUES (?, ?, ?, ?)",
                [started, command, ",".join(spiders), pid])
        return cursor.lastrowid

    def finish_run(self, run_id: int, *, finished: str, counts: dict[str, int],
                   exit_status: int, summary: str) -> None:
        """Record how a run ended: its counts (keys of ``RUN_COUNTS``), exit status, summary."""
        values = [int(counts.get(k, 0)) for k in RUN_COUNTS]
        assignments = ", ".join(f"{k} = ?" for k in RUN_COUNTS)
        with self._write("record the end of a crawl run in"):
            self.db.execute(
                f"UPDATE runs SET finished = ?, exit_status = ?, summary = ?, {assignments} "
                "WHERE id = ?", [finished, exit_status, summary, *values, run_id])

    def runs(self, since: str | None = None, limit: int = 100) -> list[dict]:
        """Crawl runs started at or after ``since``, newest first."""
        where, params = ("WHERE started >= ?", [since]) if since else ("", [])
        return self._all(f"SELECT * FROM runs {where} ORDER BY started DESC, id DESC LIMIT ?",
                         [*params, limit])

    # -- stored pages and re-extraction --------------------------------------

    def kept_page(self, version_id: int) -> tuple[bytes, str | None] | None:
        """The page a version was read from, as fetched, and the charset its ``Content-Type``
        header declared (``None`` when none was); ``None`` when the page was not kept."""
        row = self._one("SELECT encoding, html, charset FROM version_html WHERE version_id = ?",
                        [version_id])
        if row is None:
            return None
        try:
            return self.codec.decode(row["encoding"], row["html"]), row["charset"]
        except StoreError as exc:
            raise StoreError(f"version {version_id}: {exc}") from None

    def page_html(self, version_id: int) -> bytes | None:
        """The page a version was read from, as fetched (``None`` when it was not kept)."""
        kept = self.kept_page(version_id)
        return None if kept is None else kept[0]

    def kept_page_versions(self, source: str | None = None, *,
                           latest_only: bool = True) -> list[int]:
        """Ids of the versions whose page was kept, by article, then version.

        ``latest_only`` gives each article's newest version, and only when
        that version has its page kept (an older page read again would undo
        later edits).
        """
        where = ["EXISTS (SELECT 1 FROM version_html h WHERE h.version_id = v.id)"]
        params: list[Any] = []
        if latest_only:
            where.append("v.version = a.version_count")
        if source:
            where.append("a.source = ?")
            params.append(source)
        return [r["id"] for r in self.db.query(
            f"""SELECT v.id FROM versions v JOIN articles a ON a.id = v.article_id
                WHERE {" AND ".join(where)} ORDER BY v.article_id, v.version""",
            params,
        )]

    def version_by_id(self, version_id: int) -> dict:
        """A version row with its article's ``source`` and ``article_url``."""
        row = self._one(
            """SELECT v.*, a.source, a.url AS article_url FROM versions v
               JOIN articles a ON a.id = v.article_id WHERE v.id = ?""", [version_id])
        if row is None:
            raise VersionNotFound(f"no version with id {version_id}")
        return self._with_bodies([row])[0]

    def count_articles(self, source: str | None = None) -> int:
        """How many articles are tracked (of one source)."""
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        return self._one(f"SELECT count(*) AS n FROM articles {where}", params)["n"]  # type: ignore[index]

    def record_reextraction(self, *, corrects: dict, new_version: NewVersion,
                            checked_at: str) -> CheckResult:
        """Store a corrected reading of a stored version as the article's next version.

        ``corrects`` is the ``versions`` row whose kept page was read again,
        the article's newest (else :class:`StaleVersion`: a crawl stored a
        newer one meanwhile); ``new_version`` (``kind`` ``reextract``) its new
        text. The version is
        written with a copy of that page and a check (outcome ``changed``,
        detail ``reextract``), in one transaction. The article's schedule,
        ``last_checked`` and ``last_changed`` are left alone: nothing was
        fetched and the story was not edited.
        """
        if new_version.kind != "reextract":
            raise ValueError("a re-extraction is stored with kind 'reextract'")
        with self._write("store a re-extraction in"):
            article = self.article_by_id(corrects["article_id"])
            if article is None:
                raise ArticleNotFound(f"no article with id {corrects['article_id']}")
            aid = article["id"]
            if article["version_count"] != corrects["version"]:
                raise StaleVersion(f"article {aid} has a newer version than {corrects['version']}")
            number = article["version_count"] + 1
            version_id, repeats = self._insert_version(aid, number, new_version,
                                                       article["source"])
            self.db.execute(
                """INSERT INTO version_html (version_id, encoding, html, charset)
                   SELECT ?, encoding, html, charset FROM version_html WHERE version_id = ?""",
                [version_id, corrects["id"]],
            )
            # page_digest: the crawl's page no longer says what the latest text is.
            self.db.execute(
                "UPDATE articles SET title = ?, version_count = ?, page_digest = NULL WHERE id = ?",
                [new_version.title, number, aid],
            )
            self.db.execute(
                """INSERT INTO checks (article_id, checked_at, http_status, outcome, version, detail)
                   VALUES (?, ?, NULL, 'changed', ?, 'reextract')""",
                [aid, checked_at, number],
            )
        return CheckResult(aid, "changed", number, repeats)

    # -- texts held for confirmation -----------------------------------------

    def _settle_candidate(self, article_id: int, outcome: str, candidate: Candidate | None,
                          checked_at: str, *, held: bool = True) -> None:
        """Hold ``candidate`` for a ``pending`` check; a check that read the article ends it
        (``held=False``: the article is known to hold none, there is nothing to end)."""
        if candidate is not None:
            self.db.execute(
                """INSERT OR REPLACE INTO pending_versions
                       (article_id, first_seen, hash, reason, title, body)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [article_id, checked_at, candidate.hash, candidate.reason, candidate.title,
                 candidate.body])
        elif outcome != "failed" and held:
            self.db.execute("DELETE FROM pending_versions WHERE article_id = ?", [article_id])

    def pending_version(self, article_id: int) -> dict | None:
        """The text held for confirmation of an article (a ``pending_versions`` row), or ``None``."""
        return self._one("SELECT * FROM pending_versions WHERE article_id = ?", [article_id])

    def replaced_hashes(self, article_id: int, since: str) -> dict[str, str]:
        """Hash -> when it was last replaced, for the texts an article had until ``since`` or later.

        The latest version has not been replaced and is not included. Index
        lookups on ``versions (article_id, version)``.
        """
        rows = self.db.query(
            """SELECT v.hash, max(n.fetched_at) AS replaced
               FROM versions v JOIN versions n
                 ON n.article_id = v.article_id AND n.version = v.version + 1
               WHERE v.article_id = ? AND n.fetched_at >= ? GROUP BY v.hash""",
            [article_id, since])
        return {r["hash"]: r["replaced"] for r in rows}

    # -- feed and sitemap fetches (issue 8) ------------------------------------

    def record_feed_check(self, *, source: str, url: str, checked_at: str,
                          http_status: int | None, ok: bool, entries: int = 0,
                          new_links: int = 0, error: str | None = None) -> None:
        """Record one fetch of a feed or sitemap: its answer, entries and new article links."""
        with self._write("record a feed check in"):
            self.db.execute(
                """INSERT INTO feed_checks (source, url, checked_at, http_status, ok, entries,
                                            new_links, error)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [source, url, checked_at, http_status, int(ok), entries, new_links, error])

    def feed_checks(self, source: str | None = None) -> list[dict]:
        """Every feed check (of one source), oldest first."""
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        return self._all(f"SELECT * FROM feed_checks {where} ORDER BY checked_at, id", params)

    def feed_health(self, since: str) -> list[dict]:
        """Per source with feed fetches since ``since``: how many, how many failed, the last
        error, the last good fetch and the last fetch that found new links (ever)."""
        return self._all(
            """SELECT f.source, count(*) AS feed_fetches, sum(1 - f.ok) AS feed_failures,
                      (SELECT max(g.checked_at) FROM feed_checks g
                        WHERE g.source = f.source AND g.ok) AS feed_last_ok,
                      (SELECT max(g.checked_at) FROM feed_checks g
                        WHERE g.source = f.source AND g.new_links > 0) AS last_new_links,
                      (SELECT g.error FROM feed_checks g WHERE g.source = f.source AND NOT g.ok
                        ORDER BY g.checked_at DESC, g.id DESC LIMIT 1) AS feed_last_error
               FROM feed_checks f WHERE f.checked_at >= ? GROUP BY f.source ORDER BY f.source""",
            [since])

    # -- notifications (issue 10) ------------------------------------------------

    _NOTIFY_CHANGE = """
        SELECT v.id AS version_id, v.article_id, v.version, v.fetched_at AS time, v.title,
               v.chars_added, v.chars_removed, v.kind, v.repeats_version,
               a.source, a.url, p.title AS old_title
        FROM versions v
        JOIN articles a ON a.id = v.article_id
        JOIN versions p ON p.article_id = v.article_id AND p.version = v.version - 1"""

    def last_version_id(self) -> int:
        """The highest ``versions.id`` (0 when there is none): versions are never deleted,
        so every version stored later has a higher id."""
        return self._one("SELECT coalesce(max(id), 0) AS n FROM versions")["n"]  # type: ignore[index]

    def notify_changes(self, after_id: int, upto_id: int, since: str | None = None) -> list[dict]:
        """Changes (versions after an article's first) with ``after_id < id <= upto_id``,
        fetched at or after ``since``, oldest first, with the previous title as ``old_title``."""
        sql = self._NOTIFY_CHANGE + " WHERE v.id > ? AND v.id <= ?"
        params: list[Any] = [after_id, upto_id]
        if since is not None:
            sql += " AND v.fetched_at >= ?"
            params.append(since)
        return self._all(sql + " ORDER BY v.id", params)

    def notify_cursor(self, rule: str, target: str) -> int | None:
        """The last ``versions.id`` dealt with for a rule and target (``None``: never run)."""
        row = self._one("SELECT last_version_id FROM notify_cursors WHERE rule = ? AND target = ?",
                        [rule, target])
        return None if row is None else row["last_version_id"]

    def notify_failures(self, rule: str, target: str) -> list[dict]:
        """Changes whose delivery to a target failed, oldest first, with the failure's
        ``attempts``, ``first_failed`` and ``error``."""
        return self._all(
            self._NOTIFY_CHANGE + """
            JOIN notify_failures f ON f.version_id = v.id
            WHERE f.rule = ? AND f.target = ? ORDER BY v.id""", [rule, target])

    def set_notify_cursor(self, rule: str, target: str, shown: str, version_id: int,
                          now: str) -> None:
        """Record that every change up to ``version_id`` was dealt with (never moves back)."""
        with self._write("record notification state in"):
            self._advance_cursor(rule, target, shown, version_id, now)

    def record_delivery(self, rule: str, target: str, shown: str, version_id: int, now: str, *,
                        error: str | None = None, advance: bool = True) -> None:
        """Record one attempt to deliver a change, in one transaction.

        ``error`` ``None``: it went out (a failure kept for it is removed);
        otherwise it is kept in ``notify_failures`` for the next run. ``advance``
        moves the rule's cursor to the change (``False`` for a retry).
        """
        with self._write("record a notification in"):
            if advance:
                self._advance_cursor(rule, target, shown, version_id, now)
            if error is None:
                self.db.execute(
                    "DELETE FROM notify_failures WHERE rule = ? AND target = ? AND version_id = ?",
                    [rule, target, version_id])
            else:
                self._upsert("notify_failures",
                             {"rule": rule, "target": target, "version_id": version_id},
                             {"attempts": 1, "first_failed": now, "last_failed": now,
                              "error": error},
                             on_conflict={"attempts": "attempts + 1",
                                          "first_failed": "first_failed"})

    def _advance_cursor(self, rule: str, target: str, shown: str, version_id: int,
                        now: str) -> None:
        self._upsert(
            "notify_cursors", {"rule": rule, "target": target},
            {"target_shown": shown, "last_version_id": version_id, "updated": now},
            on_conflict={"last_version_id": "max(last_version_id, excluded.last_version_id)"})

    def _upsert(self, table: str, key: dict[str, Any], values: dict[str, Any], *,
                on_conflict: dict[str, str] | None = None) -> None:
        """Insert a row of ``key`` and ``values``; when a row with that key is there, set
        its ``values`` columns from the new row instead, or to the SQL given for a column
        in ``on_conflict`` (e.g. ``attempts + 1``). Table and column names are ours."""
        columns = [*key, *values]
        updates = ", ".join(f"{c} = {(on_conflict or {}).get(c, f'excluded.{c}')}"
                            for c in values)
        self.db.execute(
            f"""INSERT INTO {table} ({", ".join(columns)})
                VALUES ({", ".join("?" * len(columns))})
                ON CONFLICT ({", ".join(key)}) DO UPDATE SET {updates}""",
            [*key.values(), *values.values()])

    # -- site listings and archived copies (issue 10) ----------------------------

    _HEADLINE_CHANGES = """
        FROM versions v
        JOIN versions p ON p.article_id = v.article_id AND p.version = v.version - 1
        JOIN articles a ON a.id = v.article_id
        WHERE v.kind = 'edit' AND v.title != p.title AND folded(v.title) != folded(p.title)"""

    def headline_changes(self, *, limit: int | None = None, offset: int = 0) -> list[dict]:
        """Edits that changed the headline, newest first: ``old_title``, ``title`` (the new
        one), ``version``, ``time``, ``article_id``, ``source``, ``url``."""
        sql = f"""SELECT v.article_id, v.version, v.fetched_at AS time, v.title,
                         p.title AS old_title, a.source, a.url {self._HEADLINE_CHANGES}
                  ORDER BY v.fetched_at DESC, v.article_id DESC, v.version DESC"""
        params: list[Any] = []
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return self._all(sql, params)

    def count_headline_changes(self) -> int:
        """How many edits changed the headline."""
        return self._one(f"SELECT count(*) AS n {self._HEADLINE_CHANGES}")["n"]  # type: ignore[index]

    def headline_changed_since(self, version_id: int) -> bool:
        """Whether a version newer than ``version_id`` changed its article's headline."""
        return self._one(f"SELECT 1 AS x {self._HEADLINE_CHANGES} AND v.id > ? LIMIT 1",
                         [version_id]) is not None

    def most_changed(self, by: str, limit: int = 50, *,
                     article_ids: Iterable[int] | None = None) -> list[dict]:
        """Articles with the most edits (``by="versions"``) or the most characters added and
        removed over all edits (``by="chars"``, stored sizes), with ``edits`` and ``chars``;
        with ``article_ids``, only those articles."""
        order = {"versions": "edits DESC, chars DESC", "chars": "chars DESC, edits DESC"}[by]
        return self._by_ids(
            f"""SELECT a.*, count(*) AS edits,
                       sum(v.chars_added + v.chars_removed) AS chars
                FROM versions v JOIN articles a ON a.id = v.article_id
                WHERE v.version > 1 AND v.kind = 'edit' {{ids}}
                GROUP BY v.article_id ORDER BY {order}, a.id LIMIT ?""", "v.article_id",
            article_ids, [limit])

    def past_titles(self, article_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
        """Article id -> its earlier headlines that differ from the current one (of every
        article, or of ``article_ids``)."""
        out: dict[int, list[str]] = {}
        for r in self._by_ids(
                """SELECT DISTINCT v.article_id, v.title FROM versions v
                   JOIN articles a ON a.id = v.article_id
                   WHERE v.title != coalesce(a.title, '') {ids} ORDER BY v.article_id, v.id""",
                "v.article_id", article_ids):
            out.setdefault(r["article_id"], []).append(r["title"])
        return out

    def kept_pages(self, article_ids: Iterable[int] | None = None) -> dict[int, list[int]]:
        """Article id -> numbers of its versions whose page was kept (``version_html``)."""
        out: dict[int, list[int]] = {}
        for r in self._by_ids(
                """SELECT v.article_id, v.version FROM version_html h
                   JOIN versions v ON v.id = h.version_id WHERE 1 {ids}
                   ORDER BY v.article_id, v.version""", "v.article_id", article_ids):
            out.setdefault(r["article_id"], []).append(r["version"])
        return out

    def archived(self, article_ids: Iterable[int] | None = None) -> dict[int, dict[int, dict]]:
        """Article id -> version number -> its ``archives`` row (status, archive_url ...)."""
        out: dict[int, dict[int, dict]] = {}
        for r in self._by_ids(
                """SELECT v.article_id, v.version, r.* FROM archives r
                   JOIN versions v ON v.id = r.version_id WHERE 1 {ids}
                   ORDER BY v.article_id, v.version""", "v.article_id", article_ids):
            out.setdefault(r["article_id"], {})[r["version"]] = r
        return out

    def _by_ids(self, sql: str, column: str, ids: Iterable[int] | None,
                params: list[Any] | None = None) -> list[dict]:
        """Rows of ``sql`` (``{ids}`` marks where ``AND column IN (...)`` goes), for every
        row or, in chunks, for the given ids only."""
        if ids is None:
            return self._all(sql.format(ids=""), params or [])
        wanted, rows = sorted(set(ids)), []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows += self._all(sql.format(ids=f"AND {column} IN ({', '.join('?' * len(chunk))})"),
                              [*chunk, *(params or [])])
        return rows

    # A site build asks what changed since the previous one: versions and checks are
    # added with increasing ids, and every change of an article row comes with a check,
    # so the largest ids are high-water marks. Ids are not AUTOINCREMENT: when rows were
    # deleted, new ones may take their ids, so the row counts are kept with the marks.

    def site_marks(self) -> dict[str, Any]:
        """Where the tables stand, for the next site build (:meth:`site_touched`): the newest
        version and check ids, the latest capture request time, and the row counts."""
        return self._one(  # type: ignore[return-value]
            """SELECT coalesce((SELECT max(id) FROM versions), 0) AS versions,
                      (SELECT count(*) FROM versions) AS versions_n,
                      coalesce((SELECT max(id) FROM checks), 0) AS checks,
                      (SELECT count(*) FROM checks) AS checks_n,
                      coalesce((SELECT max(requested_at) FROM archives), '') AS archives,
                      (SELECT count(*) FROM archives) AS archives_n""")

    def site_touched(self, marks: dict[str, Any]) -> set[int] | None:
        """Ids of the articles with a version or check newer than ``marks``
        (:meth:`site_marks`): their row may have changed. ``None`` when rows were deleted
        since (new rows may have taken old ids, so every article must be looked at)."""
        added = self._one(
            """SELECT (SELECT count(*) FROM versions WHERE id > ?) AS versions,
                      (SELECT count(*) FROM checks WHERE id > ?) AS checks""",
            [marks["versions"], marks["checks"]])
        now = self.site_marks()
        if (added is None or now["versions_n"] != marks["versions_n"] + added["versions"]
                or now["checks_n"] != marks["checks_n"] + added["checks"]):
            return None
        return {r["article_id"] for r in self.db.query(
            """SELECT article_id FROM versions WHERE id > ?
               UNION SELECT article_id FROM checks WHERE id > ?""",
            [marks["versions"], marks["checks"]])}

    def site_captured(self, marks: dict[str, Any]) -> set[int] | None:
        """Ids of the articles with a capture requested after ``marks`` (:meth:`site_marks`);
        ``None`` when captures were deleted since."""
        if self.site_marks()["archives_n"] < marks["archives_n"]:
            return None
        return {r["article_id"] for r in self.db.query(
            """SELECT v.article_id FROM archives r JOIN versions v ON v.id = r.version_id
               WHERE r.requested_at > ?""", [marks["archives"]])}

    def site_articles(self) -> list[dict]:
        """Every article with a version, in id order: the columns the site's pages show."""
        return self._all(
            """SELECT id, url, source, title, first_seen, last_changed, status, version_count
               FROM articles WHERE version_count > 0 ORDER BY id""")

    def latest_sizes(self, article_ids: Iterable[int] | None = None) -> dict[int, dict]:
        """Article id -> its newest version's ``version``, ``chars_added`` and
        ``chars_removed`` (the stored sizes), of every article or of ``article_ids``."""
        return {r["article_id"]: r for r in self._by_ids(
            """SELECT a.id AS article_id, v.version, v.chars_added, v.chars_removed
               FROM articles a JOIN versions v ON v.article_id = a.id
                AND v.version = (SELECT max(version) FROM versions WHERE article_id = a.id)
               WHERE 1 {ids}""", "a.id", article_ids)}

    def feed_changes(self, source: str | None = None, *, limit: int) -> list[dict]:
        """The newest edits (of one source), like :meth:`changes`, with the article's
        ``first_seen``: read newest first along the ``fetched_at`` index."""
        where, params = ("AND a.source = ?", [source]) if source else ("", [])
        return self._all(
            f"""SELECT v.article_id, a.source, a.url, a.first_seen, v.version,
                       v.fetched_at AS time, v.chars_added, v.chars_removed, v.title
                FROM versions v INDEXED BY idx_versions_fetched
                JOIN articles a ON a.id = v.article_id
                WHERE v.version > 1 AND v.kind = 'edit' {where}
                ORDER BY v.fetched_at DESC, v.article_id DESC, v.version DESC LIMIT ?""",
            [*params, limit])

    def to_archive(self, *, limit: int, max_attempts: int,
                   since: str | None = None) -> list[dict]:
        """Latest versions with no capture yet, newest first, then failed ones with fewer
        than ``max_attempts`` attempts. Only an article's latest version is still the live
        page, so only it can be captured. Rows: ``version_id``, ``url``, ``attempts``."""
        where, params = ("AND v.fetched_at >= ?", [since]) if since else ("", [])
        return self._all(
            f"""SELECT v.id AS version_id, v.article_id, v.version, a.url,
                       coalesce(r.attempts, 0) AS attempts
                FROM articles a
                JOIN versions v ON v.article_id = a.id AND v.version = a.version_count
                LEFT JOIN archives r ON r.version_id = v.id
                WHERE (r.version_id IS NULL OR (r.status = 'failed' AND r.attempts < ?)) {where}
                ORDER BY r.version_id IS NOT NULL, coalesce(r.attempts, 0), v.id DESC
                LIMIT ?""", [max_attempts, *params, limit])

    def record_archive(self, version_id: int, *, at: str, archive_url: str | None = None,
                       error: str | None = None) -> None:
        """Record one capture request: its archive URL, or (``archive_url`` ``None``) why
        it failed. A later attempt replaces the row and counts one more attempt."""
        status = "ok" if archive_url else "failed"
        with self._write("record an archived copy in"):
            self._upsert("archives", {"version_id": version_id},
                         {"status": status, "archive_url": archive_url, "attempts": 1,
                          "last_error": error, "requested_at": at},
                         on_conflict={"attempts": "attempts + 1"})
