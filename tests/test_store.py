"""The store: schema as a contract, one transaction per check, reverts, index use."""

import sqlite3

import pytest

from newsdiffs.store import (
    DatabaseMissing,
    NewVersion,
    Store,
    StoreError,
    VersionNotFound,
    WriteFailed,
)

CONTRACT = {
    "articles": {"id", "url", "source", "title", "first_seen", "last_checked", "last_changed",
                 "next_check", "check_count", "version_count", "status"},
    "versions": {"id", "article_id", "version", "fetched_at", "title", "byline", "published",
                 "modified", "body", "hash", "chars_added", "chars_removed", "extractor"},
    "checks": {"id", "article_id", "checked_at", "http_status", "outcome", "detail"},
}


def version(body="Body text.", h="h1", t="2026-01-01T00:00:00Z", added=10, removed=0):
    return NewVersion(fetched_at=t, url="https://example.org/a", title="Title", byline="A. Writer",
                      published=None, published_raw=None, modified=None, modified_raw=None,
                      body=body, hash=h, chars_added=added, chars_removed=removed,
                      extractor="bbc/1")


@pytest.fixture
def store(db_path):
    with Store(db_path) as s:
        yield s


def test_schema_contract(store):
    for table, columns in CONTRACT.items():
        assert columns <= set(store.db[table].columns_dict), table
    assert store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_foreign_keys_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            "INSERT INTO checks (article_id, checked_at, outcome) VALUES (999, 'x', 'failed')"
        )


def test_versions_are_numbered_and_counters_kept(store):
    r1 = store.record_check(url="u", source="bbc", checked_at="2026-01-01T00:00:00Z",
                            http_status=200, outcome="new", new_version=version())
    r2 = store.record_check(url="u", source="bbc", checked_at="2026-01-01T00:15:00Z",
                            http_status=200, outcome="unchanged")
    r3 = store.record_check(url="u", source="bbc", checked_at="2026-01-01T00:30:00Z",
                            http_status=200, outcome="changed", new_version=version("New.", "h2"))
    assert (r1.version, r2.version, r3.version) == (1, None, 2)
    art = store.article("u")
    assert art["version_count"] == 2 and art["check_count"] == 3
    assert art["first_seen"] == "2026-01-01T00:00:00Z"
    assert art["last_changed"] == "2026-01-01T00:30:00Z"
    assert art["last_checked"] == "2026-01-01T00:30:00Z"
    assert [c["outcome"] for c in store.checks(art["id"])] == ["new", "unchanged", "changed"]
    assert store.latest_version(art["id"])["body"] == "New."


def test_revert_records_repeated_version(store):
    for i, h in enumerate(["h1", "h2", "h1"]):
        result = store.record_check(url="u", source="bbc", checked_at=f"2026-01-0{i + 1}T00:00:00Z",
                                    http_status=200, outcome="new" if i == 0 else "changed",
                                    new_version=version(h=h))
    assert result.version == 3 and result.repeats_version == 1


def test_failed_check_creates_no_version(store):
    store.record_check(url="u", source="bbc", checked_at="t", http_status=404,
                       outcome="failed", detail="HTTP 404")
    art = store.article("u")
    assert art["version_count"] == 0
    assert store.counts() == {"articles": 1, "versions": 0, "checks": 1}
    assert store.checks(art["id"])[0]["detail"] == "HTTP 404"


def test_one_transaction_per_check(store, monkeypatch):
    store.record_check(url="u", source="bbc", checked_at="t0", http_status=200, outcome="new",
                       new_version=version())
    before = store.counts()
    # Break the last write (the check row): the version insert must be rolled back with it.
    real = store.db.execute

    def failing(sql, params=None):
        if sql.lstrip().startswith("INSERT INTO checks"):
            raise sqlite3.OperationalError("disk I/O error (simulated)")
        return real(sql, params)

    monkeypatch.setattr(store.db, "execute", failing)
    with pytest.raises(WriteFailed, match="disk I/O error"):
        store.record_check(url="u", source="bbc", checked_at="t1", http_status=200,
                           outcome="changed", new_version=version("x", "h9"))
    monkeypatch.undo()
    assert store.counts() == before
    assert store.article("u")["version_count"] == 1


def test_outcome_must_match_version(store):
    with pytest.raises(ValueError):
        store.record_check(url="u", source="s", checked_at="t", http_status=200, outcome="changed")
    with pytest.raises(ValueError):
        store.record_check(url="u", source="s", checked_at="t", http_status=200,
                           outcome="bogus")


def test_missing_database_and_bad_version(tmp_path, store):
    with pytest.raises(DatabaseMissing):
        Store(tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()
    store.record_check(url="u", source="s", checked_at="t", http_status=200, outcome="new",
                       new_version=version())
    with pytest.raises(VersionNotFound):
        store.version(store.article("u")["id"], 7)


def test_not_a_database(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("this is not sqlite" * 100)
    with pytest.raises(StoreError):
        Store(bad)
    assert bad.read_text().startswith("this is not sqlite")


def test_latest_and_due_use_indexes(store):
    plans = {
        "latest": store.db.conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM versions WHERE article_id = 1 "
            "ORDER BY version DESC LIMIT 1").fetchall(),
        "due": store.db.conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM articles WHERE status = 'active' "
            "AND next_check <= 'x' ORDER BY next_check LIMIT 5").fetchall(),
    }
    for name, plan in plans.items():
        text = " ".join(str(row[-1]) for row in plan)
        assert "USING INDEX" in text or "USING COVERING INDEX" in text, (name, text)
        assert "TEMP B-TREE" not in text, (name, text)


def test_reopen_keeps_data_and_migrations_idempotent(db_path):
    with Store(db_path) as s:
        s.record_check(url="u", source="s", checked_at="t", http_status=200, outcome="new",
                       new_version=version())
    with Store(db_path) as s:
        assert s.counts()["versions"] == 1
        applied = [m.name for m in __import__("newsdiffs.store").store.migrations.applied(s.db)]
        assert applied[0] == "m001_initial"
