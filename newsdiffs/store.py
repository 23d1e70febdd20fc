"""The SQLite store: the only module that speaks SQL.

The schema is a documented contract (see README "Database schema"): tables
``articles``, ``versions`` and ``checks``. It is created and changed only by
the migrations below, so an old database is upgraded in place when opened.

Writes for one crawled item (article row, new version, check row, counters)
happen in one transaction: a crash leaves either all of them or none.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

OUTCOMES = ("new", "changed", "unchanged", "failed")
STATUSES = ("active", "finished", "gone")


class StoreError(Exception):
    """Base class for store errors."""


class DatabaseMissing(StoreError):
    """The database file does not exist (and was not to be created)."""


class ArticleNotFound(StoreError):
    """No tracked article has that URL."""


class VersionNotFound(StoreError):
    """The article has no version with that number."""


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


@dataclass(frozen=True)
class CheckResult:
    """What :meth:`Store.record_check` wrote."""

    article_id: int
    outcome: str
    version: int | None
    repeats_version: int | None = None


class Store:
    """A newsdiffs database.

    ``Store(path)`` opens (and by default creates and migrates) the database;
    ``create=False`` raises :class:`DatabaseMissing` instead of creating a file.
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise DatabaseMissing(f"database not found: {self.path}")
        if self.path.parent and not self.path.parent.exists():
            if not create:
                raise DatabaseMissing(f"database not found: {self.path}")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(self.path), timeout=30)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA foreign_keys=ON")
            if not self.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                self.db.enable_wal()
            migrations.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc

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

    def article_by_id(self, article_id: int) -> dict | None:
        return self._one("SELECT * FROM articles WHERE id = ?", [article_id])

    def get_article(self, url: str) -> dict:
        """Like :meth:`article` but raises :class:`ArticleNotFound`."""
        row = self.article(url)
        if row is None:
            raise ArticleNotFound(f"no tracked article with URL {url}")
        return row

    def latest_version(self, article_id: int) -> dict | None:
        """The newest version of an article (an index lookup), or ``None``."""
        return self._one(
            "SELECT * FROM versions WHERE article_id = ? ORDER BY version DESC LIMIT 1",
            [article_id],
        )

    def latest_hash(self, url: str) -> tuple[int, str] | None:
        """``(article_id, hash)`` of the newest version of the article at ``url``."""
        row = self._one(
            """
            SELECT a.id AS article_id, v.hash FROM articles a
            JOIN versions v ON v.article_id = a.id
            WHERE a.url = ? ORDER BY v.version DESC LIMIT 1
            """,
            [url],
        )
        return (row["article_id"], row["hash"]) if row else None

    def version(self, article_id: int, number: int) -> dict:
        """One version of an article; raises :class:`VersionNotFound`."""
        row = self._one(
            "SELECT * FROM versions WHERE article_id = ? AND version = ?", [article_id, number]
        )
        if row is None:
            raise VersionNotFound(f"article {article_id} has no version {number}")
        return row

    def versions(self, article_id: int) -> list[dict]:
        """Every version of an article, oldest first."""
        return self._all(
            "SELECT * FROM versions WHERE article_id = ? ORDER BY version", [article_id]
        )

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

    def due(self, now: str, source: str | None = None, limit: int = 100) -> list[dict]:
        """Active articles whose next check is at or before ``now``, most overdue first."""
        if source is None:
            sql = """SELECT * FROM articles WHERE status = 'active' AND next_check <= ?
                     ORDER BY next_check LIMIT ?"""
            params: list = [now, limit]
        else:
            sql = """SELECT * FROM articles
                     WHERE source = ? AND status = 'active' AND next_check <= ?
                     ORDER BY next_check LIMIT ?"""
            params = [source, now, limit]
        return self._all(sql, params)

    def counts(self) -> dict[str, int]:
        """Row counts of the three contract tables."""
        return {
            t: self._one(f"SELECT count(*) AS n FROM {t}")["n"]  # type: ignore[index]
            for t in ("articles", "versions", "checks")
        }

    def iter_rows(self, sql: str, params: Any = ()) -> Iterator[dict]:
        """Stream the rows of a read-only query (for exports)."""
        yield from self.db.query(sql, params)

    # -- writes --------------------------------------------------------------

    def _ensure_article(self, url: str, source: str, checked_at: str) -> dict:
        row = self.article(url)
        if row is None:
            self.db.execute(
                "INSERT INTO articles (url, source, first_seen) VALUES (?, ?, ?)",
                [url, source, checked_at],
            )
            row = self.article(url)
        assert row is not None
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
    ) -> CheckResult:
        """Record one check of an article, and its new version if there is one.

        ``outcome`` is ``unchanged`` or ``failed`` without a version, or
        ``changed``/``new`` with one (``new`` for an article's first version).
        Everything is written in one transaction.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        if (new_version is not None) != (outcome in ("new", "changed")):
            raise ValueError(f"outcome {outcome!r} does not match new_version")
        with self.db.atomic():
            article = self._ensure_article(url, source, checked_at)
            aid = article["id"]
            number = repeats = None
            changes: dict[str, Any] = {
                "last_checked": checked_at,
                "check_count": article["check_count"] + 1,
                "next_check": next_check,
            }
            if status is not None:
                changes["status"] = status
            if new_version is not None:
                number = article["version_count"] + 1
                earlier = self._one(
                    """SELECT version FROM versions WHERE article_id = ? AND hash = ?
                       ORDER BY version DESC LIMIT 1""",
                    [aid, new_version.hash],
                )
                repeats = earlier["version"] if earlier else None
                self.db.execute(
                    """
                    INSERT INTO versions (article_id, version, fetched_at, url, title, byline,
                        published, published_raw, modified, modified_raw, body, hash,
                        chars_added, chars_removed, repeats_version, extractor)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [aid, number, new_version.fetched_at, new_version.url, new_version.title,
                     new_version.byline, new_version.published, new_version.published_raw,
                     new_version.modified, new_version.modified_raw, new_version.body,
                     new_version.hash, new_version.chars_added, new_version.chars_removed,
                     repeats, new_version.extractor],
                )
                changes.update(
                    title=new_version.title,
                    version_count=number,
                    last_changed=checked_at,
                )
            assignments = ", ".join(f"{col} = ?" for col in changes)
            self.db.execute(
                f"UPDATE articles SET {assignments} WHERE id = ?", [*changes.values(), aid]
            )
            self.db.execute(
                """INSERT INTO checks (article_id, checked_at, http_status, outcome, version, detail)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [aid, checked_at, http_status, outcome, number, detail],
            )
        return CheckResult(aid, outcome, number, repeats)
