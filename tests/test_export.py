"""The database as a product: exports that stream, full-text search, the changes view,
Datasette metadata."""

import asyncio
import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from reading_data import DEMO_BASE, build_demo_db, record

from newsdiffs.cli import cli
from newsdiffs.export import BadSince, datasette_metadata, metadata_json, since_to_iso, write_rows
from newsdiffs.items import Block
from newsdiffs.store import BadSearch, Store, StoreError

ROOT = Path(__file__).resolve().parents[1]
RIVER = f"{DEMO_BASE}/news/articles/c1demo0001o"


@pytest.fixture
def db(tmp_path) -> Path:
    return build_demo_db(tmp_path / "demo.db", hostile=True)


def db_rows(db: Path, table: str, where: str = "", params=()) -> list[dict]:
    order = "rowid" if table != "changes" else "time, article_id, version"
    with Store(db) as store:
        rows = list(store.db.query(f"SELECT * FROM {table} {where} ORDER BY {order}", params))
        if table == "versions":  # older bodies are packed: an export gives them whole
            bodies = {v["id"]: v["body"] for r in rows for v in store.versions(r["article_id"])}
            for row in rows:
                row["body"] = bodies[row["id"]]
        return rows


def export(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["export", "--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("table", ["versions", "articles", "changes", "checks"])
def test_json_and_jsonl_round_trip(db, table):
    expected = db_rows(db, table)
    assert expected
    assert json.loads(export(db, "--table", table, "--format", "json")) == expected
    lines = export(db, "--table", table, "--format", "jsonl").splitlines()
    assert [json.loads(line) for line in lines] == expected


@pytest.mark.parametrize("table", ["versions", "changes"])
def test_csv_round_trip(db, table):
    expected = db_rows(db, table)
    rows = list(csv.DictReader(io.StringIO(export(db, "--table", table, "--format", "csv"),
                                           newline="")))
    assert rows == [{k: "" if v is None else str(v) for k, v in r.items()} for r in expected]
    assert any("\n\n" in r.get("body", "") for r in rows) or table == "changes"


def test_since_and_output_file(db, tmp_path):
    out = tmp_path / "changes.jsonl"
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "--table", "changes",
                                      "--format", "jsonl", "--since", "2026-11-20T10:00:00Z",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 changes rows written to" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows == db_rows(db, "changes", "WHERE time >= ?", ["2026-11-20T10:00:00Z"])
    assert [r["version"] for r in rows] == [3, 2, 2]


def test_empty_exports_are_valid(db):
    assert json.loads(export(db, "--table", "changes", "--format", "json",
                             "--since", "2030-01-01")) == []
    header = export(db, "--table", "changes", "--since", "2030-01-01").strip()
    assert header == "article_id,source,url,version,time,chars_added,chars_removed,title"


class _Recorder(io.StringIO):
    """An output that notes how many rows had been read at each write."""

    def __init__(self, state: dict) -> None:
        super().__init__()
        self.state = state
        self.seen: list[int] = []

    def write(self, s: str) -> int:
        self.seen.append(self.state["pulled"])
        return super().write(s)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_write_rows_streams_as_it_reads(fmt):
    state = {"pulled": 0}

    def rows():
        for i in range(1000):
            state["pulled"] += 1
            yield {"id": i, "blob": b"\x00\x01"}

    out = _Recorder(state)
    assert write_rows(rows(), ["id", "blob"], fmt, out) == 1000
    assert min(s for s in out.seen if s) == 1  # the first row is out before the second is read
    if fmt == "json":
        data = json.loads(out.getvalue())
        assert len(data) == 1000 and data[0] == {"id": 0, "blob": "AAE="}


def test_since_parsing():
    now = datetime.fromisoformat("2026-11-20T12:00:00+00:00")
    assert since_to_iso("1d", now) == "2026-11-19T12:00:00Z"
    assert since_to_iso("12h", now) == "2026-11-20T00:00:00Z"
    assert since_to_iso("30m", now) == "2026-11-20T11:30:00Z"
    assert since_to_iso("2w", now) == "2026-11-06T12:00:00Z"
    assert since_to_iso("2026-11-20", now) == "2026-11-20T00:00:00Z"
    assert since_to_iso("2026-11-20T10:00:00+01:00", now) == "2026-11-20T09:00:00Z"
    with pytest.raises(BadSince):
        since_to_iso("yesterday", now)


def test_fts_is_kept_in_sync_by_triggers(db):
    with Store(db) as store:
        # Contentless since m015: it indexes every version and stores no text.
        assert "content=''" in store.db["versions_fts"].schema
        hits = store.search("funding decisions")  # stemmed: decision(s)
        assert {(h["url"], h["version"]) for h in hits} == {(RIVER, 2), (RIVER, 3)}
        assert "[funding]" in hits[0]["snippet"]
        latest = store.latest_version(store.article(RIVER)["id"])
        record(store, url=RIVER, source="bbc", at="2026-11-21T08:00:00Z", title=latest["title"],
               body=[Block("A zeppelin will now carry passengers across the river.")])
        assert [h["version"] for h in store.search("zeppelin")] == [4]
        store.db.execute("UPDATE versions SET title = title || ' (airline)' WHERE version = 4")
        assert len(store.search("airline")) == 1
        store.set_body(store.latest_version(store.article(RIVER)["id"])["id"], "Airship instead.")
        assert store.search("zeppelin") == [] and len(store.search("airship")) == 1
        assert [h["source"] for h in store.search("script", source="other")] == ["other", "other"]
        assert store.search("script", source="bbc") == []
        assert len(store.search('"funding decision" OR zeppelin', raw=True)) == 2
        assert store.search('"unbalanced') == []  # plain words: quotes are balanced for you
        with pytest.raises(BadSearch):
            store.search("AND OR", raw=True)
        with pytest.raises(StoreError):
            list(store.export_rows("sqlite_master"))
        store.db.execute("DELETE FROM versions WHERE version = 4")
        assert store.search("airship") == []


def test_changes_view(db):
    with Store(db) as store:
        rows = store.changes()
        assert [(r["url"], r["version"]) for r in rows][1:] == [
            (f"{DEMO_BASE}/news/articles/c3demo0003o", 2), (RIVER, 3), (RIVER, 2)]
        assert set(rows[0]) == {"article_id", "source", "url", "version", "time", "chars_added",
                                "chars_removed", "title"}
        assert [r["version"] for r in store.changes(source="bbc", since="2026-11-20T10:00Z")] == [
            2, 3]


def test_metadata_json_matches_code_and_schema(db):
    assert (ROOT / "metadata.json").read_text(encoding="utf-8") == metadata_json("newsdiffs")
    tables = datasette_metadata()["databases"]["newsdiffs"]["tables"]
    with Store(db) as store:
        for name, meta in tables.items():
            if "columns" in meta:
                assert set(meta["columns"]) <= set(store.export_columns(name)), name
        for query in datasette_metadata()["databases"]["newsdiffs"]["queries"].values():
            store.db.execute(f"EXPLAIN {query['sql']}", {"q": "x", "url": "y"})


def test_datasette_serves_the_database_with_metadata(db):
    datasette_app = pytest.importorskip("datasette.app", reason="datasette extra not installed")
    ds = datasette_app.Datasette([str(db)], metadata=datasette_metadata(db.stem))

    async def get(path):
        return await ds.client.get(path)

    async def run():
        changes = await get(f"/{db.stem}/changes.json?_shape=array")
        search = await get(f"/{db.stem}/versions.json?_search=bridges&_shape=array")
        canned = await get(f"/{db.stem}/search.json?q=bridge&_shape=array")
        page = await get(f"/{db.stem}/changes")
        texts = await get(f"/{db.stem}/version_texts.json?_shape=array&_size=max")
        history = await get(f"/{db.stem}/history.json?url={RIVER}&_shape=array")
        sql = await get(f"/{db.stem}.json?_shape=array&sql=select+newsdiffs_body(1)+as+b")
        return changes, search, canned, page, texts, history, sql

    changes, search, canned, page, texts, history, sql = asyncio.run(run())
    assert changes.status_code == 200 and len(changes.json()) == 4
    assert search.status_code == 200 and len(search.json()) == 3
    # Every version is found, older ones (packed bodies) included, with its matching words.
    assert canned.status_code == 200 and sorted(r["version"] for r in canned.json()) == [1, 2, 3]
    assert all("[bridge]" in r["snippet"].lower() for r in canned.json())
    assert "One row per change" in page.text
    # The bodies, all packed, are read through the plugin's newsdiffs_body(): every version's
    # text exactly as the store rebuilds it, in the view, the history query and plain SQL.
    with Store(db, readonly=True) as store:
        expected = {v["id"]: v["body"] for a in store.articles()
                    for v in store.versions(a["id"])}
        river = [v["body"] for v in store.versions(store.article(RIVER)["id"])]
        assert store.db.execute("SELECT count(*) FROM versions WHERE body != ''").fetchone() == (0,)
    assert texts.status_code == 200, texts.text
    assert {r["id"]: r["body"] for r in texts.json()} == expected
    assert len(set(expected.values())) > 3 and all(expected.values())
    assert history.status_code == 200 and [r["body"] for r in history.json()] == river
    assert sql.status_code == 200 and sql.json() == [{"b": expected[1]}]
