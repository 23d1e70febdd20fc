"""Packed bodies (m015): older versions are stored as zstd deltas against the next version,
rebuilt exactly, checked, searched, and old databases are packed in place."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from newsdiffs.store import TEXT_WHOLE_EVERY, NewVersion, Store, StoreError, migrations, pack_all

WORDS = ("council bridge river funding vote delay budget crossing cyclists harbour mayor "
         "report inquiry closure storm ferry tunnel plan approved rejected").split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 20))).capitalize() + "."


def history(rng: random.Random, versions: int) -> list[tuple[str, str]]:
    """``(title, body)`` per version: small edits, sometimes a revert or an empty body."""
    paragraphs = [sentence(rng) for _ in range(6)]
    out = []
    for n in range(versions):
        if n:
            choice = rng.random()
            if choice < 0.5:
                paragraphs[rng.randrange(len(paragraphs))] = sentence(rng)
            elif choice < 0.7:
                paragraphs.insert(rng.randrange(len(paragraphs) + 1), "Café “ça va” 東京 🦆")
            elif choice < 0.85 and len(paragraphs) > 1:
                paragraphs.pop(rng.randrange(len(paragraphs)))
            else:
                paragraphs = list(paragraphs[::-1])
        body = "" if rng.random() < 0.05 else "\n\n".join(paragraphs)
        out.append((f"Title {n % 3}", body))
    return out


def store_history(store: Store, url: str, texts: list[tuple[str, str]]) -> None:
    for n, (title, body) in enumerate(texts):
        at = f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}Z"
        store.record_check(
            url=url, source="bbc", checked_at=at, http_status=200,
            outcome="new" if n == 0 else "changed",
            new_version=NewVersion(fetched_at=at, url=url, title=title, byline=None,
                                   published=None, published_raw=None, modified=None,
                                   modified_raw=None, body=body, hash=f"{url}#{n}",
                                   chars_added=0, chars_removed=0, extractor="test/1"))


def test_every_version_of_a_random_history_is_rebuilt_exactly(db_path):
    rng = random.Random(7)
    histories = {f"https://www.bbc.co.uk/news/{i}": history(rng, n)
                 for i, n in enumerate([1, 2, 5, TEXT_WHOLE_EVERY + 3, 2 * TEXT_WHOLE_EVERY + 1])}
    with Store(db_path) as store:
        for url, texts in histories.items():
            store_history(store, url, texts)
        for url, texts in histories.items():
            aid = store.article(url)["id"]
            assert [v["body"] for v in store.versions(aid)] == [b for _, b in texts]
            for n, (_, body) in enumerate(texts, 1):
                assert store.version(aid, n)["body"] == body
                assert store.version_by_id(store.version(aid, n)["id"])["body"] == body
            assert store.latest_version(aid)["body"] == texts[-1][1]
        exported = {r["id"]: r["body"] for r in store.export_rows("versions")}
        # Since m018 no body is stored plain: the latest ones are packed whole.
        plain = store.db.execute("SELECT count(*) FROM versions WHERE body != ''").fetchone()[0]
        chains = store.db.execute(
            "SELECT count(*), sum(base_id IS NULL) FROM packed_bodies").fetchone()
    assert plain == 0
    # Whole: versions 16, 16 and 32, and the five latest.
    assert chains == (sum(len(t) for t in histories.values()), 3 + len(histories))
    assert sorted(exported.values()) == sorted(b for t in histories.values() for _, b in t)


def test_a_damaged_packed_body_is_an_error_not_a_wrong_text(db_path):
    url = "https://www.bbc.co.uk/news/damaged"
    texts = history(random.Random(3), 4)
    with Store(db_path) as store:
        store_history(store, url, texts)
        aid = store.article(url)["id"]
        first, second = store.version(aid, 1)["id"], store.version(aid, 2)["id"]
        # A checksum that does not match the text, then a frame that does not unpack.
        (kept,) = store.db.execute("SELECT checksum FROM packed_bodies WHERE version_id = ?",
                                   [second]).fetchone()
        store.db.execute("UPDATE packed_bodies SET checksum = zeroblob(8) WHERE version_id = ?",
                         [second])
        for number in (1, 2):
            with pytest.raises(StoreError, match="does not match its checksum"):
                store.version(aid, number)
        assert store.version(aid, 4)["body"] == texts[3][1]  # the latest is plain
        store.db.execute("UPDATE packed_bodies SET checksum = ? WHERE version_id = ?",
                         [kept, second])
        assert store.version(aid, 2)["body"] == texts[1][1]
        store.db.execute("UPDATE packed_bodies SET frame = x'00' WHERE version_id = ?", [first])
        with pytest.raises(StoreError, match="cannot be unpacked"):
            store.version_by_id(first)
        # A plain body that packed ones build on cannot be changed by hand.
        with pytest.raises(sqlite3.IntegrityError, match="Store.set_body"):
            store.db.execute("UPDATE versions SET body = 'x' WHERE id = ?",
                             [store.version(aid, 4)["id"]])


def test_set_body_repacks_what_builds_on_it(db_path):
    url = "https://www.bbc.co.uk/news/redacted"
    texts = history(random.Random(5), 4)
    with Store(db_path) as store:
        store_history(store, url, texts)
        aid = store.article(url)["id"]
        for number in (4, 2):
            store.set_body(store.version(aid, number)["id"], f"Redacted zeppelin {number}.")
        bodies = [v["body"] for v in store.versions(aid)]
        assert bodies == [texts[0][1], "Redacted zeppelin 2.", texts[2][1], "Redacted zeppelin 4."]
        assert sorted(h["version"] for h in store.search("zeppelin")) == [2, 4]


def test_search_finds_old_and_new_versions_with_snippets(db_path):
    url = "https://www.bbc.co.uk/news/search"
    texts = [("Bridge vote", "The council approved the bridge.\n\nA ferry runs meanwhile."),
             ("Bridge vote", "The council approved the bridge.\n\nThe ferry was cancelled."),
             ("Bridge vote delayed", "The council delayed the bridge.\n\nNo ferry runs.")]
    with Store(db_path) as store:
        store_history(store, url, texts)
        assert [h["version"] for h in store.search("cancelled")] == [2]
        hit = store.search("approved")
        assert sorted(h["version"] for h in hit) == [1, 2]
        assert all("[approved]" in h["snippet"] for h in hit)
        assert store.search("delayed")[0]["version"] == 3
        assert "[delayed]" in store.search("delayed")[0]["snippet"]
        assert len(store.search("bridge")) == 3
        assert store.search("meanwhile", raw=True)[0]["snippet"].count("[meanwhile]") == 1


def insert_plain(execute, histories: dict[str, list[tuple[str, str]]]) -> None:
    """The articles and versions of ``histories`` as an older newsdiffs wrote them: plain
    bodies in ``versions.body`` (``execute`` runs one SQL statement with its parameters)."""
    for aid, (url, texts) in enumerate(histories.items(), 1):
        execute("INSERT INTO articles (id, url, source, first_seen, version_count) "
                "VALUES (?, ?, 'bbc', '2026-01-01T00:00:00Z', ?)", [aid, url, len(texts)])
        for n, (title, body) in enumerate(texts, 1):
            execute("INSERT INTO versions (article_id, version, fetched_at, title, body, hash) "
                    "VALUES (?, ?, '2026-01-01T00:00:00Z', ?, ?, ?)",
                    [aid, n, title, body, f"{aid}#{n}"])


def test_an_old_database_is_packed_in_place(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m015_text_storage")
    db.close()
    # Versions written by an older newsdiffs: plain bodies, indexed by versions_fts.
    rng = random.Random(11)
    histories = {f"https://www.bbc.co.uk/news/old{i}": history(rng, n)
                 for i, n in enumerate([1, 3, 18])}
    con = sqlite3.connect(path)
    with con:
        insert_plain(con.execute, histories)
    con.close()
    with Store(path) as store:
        applied = [m.name for m in migrations.applied(store.db)]
        assert "m015_text_storage" in applied and "m018_packed_latest" in applied
        for url, texts in histories.items():
            aid = store.article(url)["id"]
            assert [v["body"] for v in store.versions(aid)] == [b for _, b in texts]
        packed = store.db.execute("SELECT count(*) FROM packed_bodies").fetchone()[0]
        assert packed == sum(len(t) for t in histories.values())  # the latest too (m018)
        word = histories["https://www.bbc.co.uk/news/old2"][0][1].split()[0].lower()
        assert {h["version"] for h in store.search(word)} >= {1}
        # A crawl after the upgrade packs the superseded latest version as usual.
        url = "https://www.bbc.co.uk/news/old1"
        store_history(store, url, [*histories[url], ("Title", "A new text.")][-1:])
        assert [v["body"] for v in store.versions(store.article(url)["id"])][-2:] == [
            histories[url][-1][1], "A new text."]


def test_a_first_version_is_packed_whole(db_path: Path):
    with Store(db_path) as store:
        store_history(store, "https://www.bbc.co.uk/news/one", [("T", "Only text.")])
        assert store.db.execute("SELECT base_id, body FROM packed_bodies JOIN versions ON "
                                "versions.id = version_id").fetchall() == [(None, "")]
        assert store.latest_version(store.article("https://www.bbc.co.uk/news/one")["id"])[
            "body"] == "Only text."


def test_an_m017_database_gets_its_latest_bodies_packed_in_place(tmp_path):
    """A database as newsdiffs wrote it before m018 (latest bodies plain, older ones packed)
    is upgraded in place: every text identical, readable in SQL, searchable."""
    path = tmp_path / "m017.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m018_packed_latest")
    rng = random.Random(13)
    histories = {f"https://www.bbc.co.uk/news/m17-{i}": history(rng, n)
                 for i, n in enumerate([1, 2, 4, 17, 3] * 6)}
    with db.conn:
        insert_plain(db.execute, histories)
        pack_all(db)  # what m015 and every later write did: all but the latest packed
    assert db.execute("SELECT count(*) FROM versions WHERE body != ''").fetchone()[0] > 20
    db.close()
    with pytest.raises(StoreError, match="needs upgrading"):  # read-only opens do not migrate
        Store(path, readonly=True)
    with Store(path) as store:
        assert "m018_packed_latest" in [m.name for m in migrations.applied(store.db)]
        assert store.integrity_check() == "ok"
        for url, texts in histories.items():
            aid = store.article(url)["id"]
            assert [v["body"] for v in store.versions(aid)] == [b for _, b in texts]
        rows = store.db.execute("SELECT id, body FROM version_texts ORDER BY id").fetchall()
        assert [b for _, b in rows] == [b for t in histories.values() for _, b in t]
        assert store.db.execute("SELECT count(*) FROM versions WHERE body != ''").fetchone() == (0,)
        latest = store.db.execute(
            """SELECT count(*) FROM packed_bodies p JOIN versions v ON v.id = p.version_id
               JOIN articles a ON a.id = v.article_id
               WHERE v.version = a.version_count AND p.base_id IS NULL""").fetchone()[0]
        assert latest == len(histories)
        # The latest bodies of this source share their words: a dictionary pays for itself.
        assert store.db.execute("SELECT count(*) FROM text_dicts").fetchone() == (1,)
        url, texts = next((u, t) for u, t in histories.items() if len(t) == 4)
        word = texts[-1][1].split()[0].lower() if texts[-1][1] else "title"
        assert 4 in {h["version"] for h in store.search(word) if h["url"] == url}
        # A crawl after the upgrade: the latest body becomes a delta against the new one.
        store_history(store, url, [*texts, ("Title", "A new text.")][-1:])
        aid = store.article(url)["id"]
        assert [v["body"] for v in store.versions(aid)] == [b for _, b in texts] + ["A new text."]
        assert store.db.execute("SELECT base_id FROM packed_bodies WHERE version_id = ?",
                                [store.version(aid, 4)["id"]]).fetchone()[0] == \
            store.version(aid, 5)["id"]
        # A title changed by hand is indexed again (the trigger reads the packed body).
        store.db.execute("UPDATE versions SET title = 'Zeppelin' WHERE id = ?",
                         [store.version(aid, 5)["id"]])
        assert [h["version"] for h in store.search("zeppelin")] == [5]
    # A plain sqlite3 client searches without our functions, and cannot change a packed row.
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT count(*) FROM versions_fts WHERE versions_fts MATCH "
                           "'zeppelin'").fetchone() == (1,)
        with pytest.raises(sqlite3.OperationalError, match="newsdiffs_body"):
            con.execute("UPDATE versions SET title = 'x' WHERE id = 1")
    finally:
        con.close()
