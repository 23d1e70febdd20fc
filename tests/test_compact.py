"""Kept pages compressed with zstd and per-source dictionaries (issue 12, m013_compact)."""

from __future__ import annotations

import gzip
import random

import pytest
from click.testing import CliRunner

from newsdiffs.cli import cli
from newsdiffs.store import NewVersion, Store, StoreError

WORDS = "minister said council vote budget river school police storm report city".split()


def page(source: str, n: int) -> bytes:
    """A page of ``source``'s template with article ``n``'s own text."""
    rng = random.Random(n)
    text = "".join(f"<p>{' '.join(rng.choices(WORDS, k=40))}</p>\n" for _ in range(8))
    nav = "".join(f'<li><a href="/{source}/section/{i}">Section {i}</a></li>' for i in range(40))
    return (f"<!doctype html><html><head><title>{source} {n}</title>"
            f'<link rel="stylesheet" href="/{source}/static/site.css"></head><body>'
            f'<nav class="{source}-nav"><ul>{nav}</ul></nav><article>{text}</article>'
            f'<footer class="{source}-footer">© {source} Media Group. All rights reserved.'
            "</footer></body></html>").encode()


def new_version(n: int) -> NewVersion:
    return NewVersion(fetched_at="2026-01-01T00:00:00Z", url=f"https://ex.org/{n}", title=f"T{n}",
                      byline=None, published=None, published_raw=None, modified=None,
                      modified_raw=None, body=f"Body {n}.", hash=f"h{n}", chars_added=0,
                      chars_removed=0, extractor="x/1")


def keep(store: Store, source: str, n: int) -> int:
    store.record_check(url=f"https://ex.org/{source}/{n}", source=source,
                       checked_at="2026-01-01T00:00:00Z", http_status=200, outcome="new",
                       new_version=new_version(n), html=page(source, n))
    article = store.article(f"https://ex.org/{source}/{n}")
    return store.latest_version(article["id"])["id"]


def encodings(store: Store) -> dict[int, str]:
    return {r["version_id"]: r["encoding"]
            for r in store.db.query("SELECT version_id, encoding FROM version_html")}


def test_old_gzip_pages_are_recompressed_in_place_by_the_migration(db_path):
    with Store(db_path) as store:
        ids = {(s, n): keep(store, s, n) for s in ("big", "small") for n in range(12 if s == "big"
                                                                                  else 3)}
        # Make it look like a database from before m013: gzip rows, no dictionaries.
        for (source, n), vid in ids.items():
            store.db.execute("UPDATE version_html SET encoding = 'gzip', html = ? "
                             "WHERE version_id = ?", [gzip.compress(page(source, n)), vid])
        store.db.execute("DROP TABLE zstd_dicts")
        store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm013_compact'")
    with Store(db_path) as store:  # a writer applies m013: trains and recompresses
        found = encodings(store)
        assert {found[ids["big", n]] for n in range(12)} == {"zstd-dict:1"}
        assert {found[ids["small", n]] for n in range(3)} == {"zstd"}  # too few to train
        for (source, n), vid in ids.items():
            assert store.page_html(vid) == page(source, n)


def test_compact_trains_a_dictionary_that_new_pages_then_use(db_path):
    with Store(db_path) as store:
        first = [keep(store, "bbc", n) for n in range(20)]
        assert set(encodings(store).values()) == {"zstd"}
    result = CliRunner().invoke(cli, ["compact", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("bbc: 20 pages, ")
    assert "dictionary 1" in result.output
    with Store(db_path) as store:
        later = keep(store, "bbc", 99)
        assert encodings(store)[later] == "zstd-dict:1"
        sizes = {r["version_id"]: r["n"] for r in store.db.query(
            "SELECT version_id, length(html) AS n FROM version_html")}
        # the dictionary holds the template: far smaller than zstd alone
        plain = len(__import__("zstandard").ZstdCompressor(level=9).compress(page("bbc", 99)))
        assert sizes[later] < plain / 2
        for n, vid in enumerate(first):
            assert store.page_html(vid) == page("bbc", n)
        assert store.page_html(later) == page("bbc", 99)
        # a second compaction makes dictionary 2; pages under dictionary 1 stay readable
        store.compact()
        assert encodings(store)[later] == "zstd-dict:2"
        assert store.page_html(later) == page("bbc", 99)


def test_compact_vacuum_gives_the_freed_room_back_and_keeps_every_page(db_path):
    with Store(db_path) as store:
        ids = [keep(store, "bbc", n) for n in range(200)]
    result = CliRunner().invoke(cli, ["compact", "--db", str(db_path), "--vacuum"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("bbc: 200 pages, ")
    assert lines[-2].startswith(f"vacuuming {db_path} (") and lines[-2].endswith(" free inside it) ...")
    before, after = (int(n.replace(",", "")) for n in lines[-1].split()[3:6:2])
    assert lines[-1] == f"vacuumed: database file {before:,} -> {after:,} bytes"
    assert after < before
    with Store(db_path) as store:
        assert store.file_bytes() == (after, 0)
        for n, vid in enumerate(ids):
            assert store.page_html(vid) == page("bbc", n)


def test_a_damaged_or_unknown_page_is_a_one_line_store_error(db_path):
    with Store(db_path) as store:
        vid = keep(store, "bbc", 1)
        (blob,) = store.db.execute("SELECT html FROM version_html WHERE version_id = ?",
                                   [vid]).fetchone()
        store.db.execute("UPDATE version_html SET html = ? WHERE version_id = ?",
                         [blob[:40] + b"\x00\xff" + blob[42:], vid])
        with pytest.raises(StoreError, match=f"version {vid}: kept page .*cannot be decomp"):
            store.page_html(vid)
        store.db.execute("UPDATE version_html SET encoding = 'brotli' WHERE version_id = ?", [vid])
        with pytest.raises(StoreError, match="unknown HTML encoding 'brotli'"):
            store.page_html(vid)
