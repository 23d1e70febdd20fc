"""Bytes stored per revision on a realistic history, and the time to rebuild a version.

A history of small edits (one paragraph rewritten per version) over articles
whose pages share a site template, written through the Store as a crawl
writes them, then ``Store.compact`` (zstd dictionaries per source). Ratios are
stored bytes / raw bytes, measured on the database's own columns.

    python bench/storage.py
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import gen

from newsdiffs.store import TEXT_WHOLE_EVERY, NewVersion, Store, pack_text, text_checksum

GOAL_TEXT, GOAL_HTML, GOAL_REBUILD_MS = 0.25, 0.15, 5.0


def page(source: str, title: str, body: str) -> bytes:
    """An article page of ``source``'s template: a big shared frame around the story."""
    paragraphs = "".join(f"<p>{p}</p>\n" for p in body.split("\n\n"))
    nav = "".join(f'<li><a href="/{source}/section/{i}">Section {i}</a></li>' for i in range(60))
    return (f"<!doctype html><html><head><title>{title} | {source}</title>"
            f'<link rel="stylesheet" href="/{source}/static/site.css">'
            f'<script src="/{source}/static/app.js" defer></script></head><body>'
            f'<header class="{source}-masthead"><nav><ul>{nav}</ul></nav></header>'
            f"<main><article><h1>{title}</h1>{paragraphs}</article></main>"
            f'<footer class="{source}-footer">© {source} Media Group. All rights reserved. '
            "Terms · Privacy · Cookies · Contact us</footer></body></html>").encode()


def build(db: Path, articles: int, versions: int) -> tuple[int, int]:
    """The history; returns (raw text bytes, raw page bytes) of every version written."""
    raw_text = raw_html = 0
    with Store(db) as store, store.batch():
        for i in range(articles):
            source = gen.SOURCES[i % 3]
            rng = random.Random(i)
            url = f"https://{source}.example/story/{i}"
            for n, (title, body) in enumerate(gen.history(rng, versions, paragraphs=8)):
                at = gen.START.replace(hour=n).strftime("%Y-%m-%dT%H:%M:%SZ")
                html = page(source, title, body)
                raw_text += len(title.encode()) + len(body.encode())
                raw_html += len(html)
                store.record_check(
                    url=url, source=source, checked_at=at, http_status=200,
                    outcome="new" if n == 0 else "changed", html=html,
                    new_version=NewVersion(
                        fetched_at=at, url=url, title=title, byline=None, published=None,
                        published_raw=None, modified=None, modified_raw=None, body=body,
                        hash=f"{i}-{n}", chars_added=0, chars_removed=0, extractor="bench/1"))
    return raw_text, raw_html


def run() -> dict[str, float]:
    articles, versions = gen.scaled(600, 30), 5
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "storage.db"
        raw_text, raw_html = build(db, articles, versions)
        with Store(db) as store:
            store.compact()  # what newsdiffs compact does: pages, then latest texts
            store.compact_texts()
            parts = text_parts(store)
            text_bytes = sum(parts.values())
            (fts_bytes,) = store.db.execute(
                "SELECT coalesce(sum(length(block)), 0) FROM versions_fts_data").fetchone()
            (html_bytes,) = store.db.execute(
                "SELECT sum(length(html)) FROM version_html").fetchone()
            rng = random.Random(1)
            timings = []
            ids = [r[0] for r in store.db.execute("SELECT id FROM versions")]
            for vid in rng.sample(ids, min(200, len(ids))):
                started = time.perf_counter()
                row = store.version_by_id(vid)
                kept = store.page_html(vid)
                timings.append((time.perf_counter() - started) * 1000)
                assert row["body"] and kept and kept.startswith(b"<!doctype html>")
            worst_ms = worst_rebuild_ms(store)
        before = db.stat().st_size
        with sqlite3.connect(db) as con:
            con.execute("VACUUM")
        after = db.stat().st_size
    figures = {"text_bytes_ratio": round(text_bytes / raw_text, 3),
               "html_bytes_ratio": round(html_bytes / raw_html, 3),
               "rebuild_ms": round(statistics.median(timings), 3)}
    print(f"  {articles:,} articles x {versions} versions; raw text {raw_text / 1e6:.1f} MB, "
          f"raw pages {raw_html / 1e6:.1f} MB; full-text index {fts_bytes / 1e6:.1f} MB "
          f"({fts_bytes / raw_text:.2f}x raw text, not counted above)")
    for key, goal in (("text_bytes_ratio", GOAL_TEXT), ("html_bytes_ratio", GOAL_HTML),
                      ("rebuild_ms", GOAL_REBUILD_MS)):
        verdict = "ok" if figures[key] <= goal else "MISSED"
        print(f"  {key:<18} {figures[key]:>8}   (goal <= {goal}: {verdict})")
    print(f"  slowest version of a {TEXT_WHOLE_EVERY * 2 + 1}-version article to rebuild "
          f"(up to {TEXT_WHOLE_EVERY} frames): {worst_ms:.2f} ms")
    print(f"  database file {before / 1e6:.1f} MB, {after / 1e6:.1f} MB after VACUUM (rows shrunk "
          "by packing and compaction leave free space inside their pages)")
    packed = articles * (versions - 1)
    print("  where the text bytes go (ratio to raw text):")
    for name, size in parts.items():
        print(f"    {name:<40} {size / raw_text:.4f}  ({size / 1e3:,.0f} kB)")
    older = parts["older bodies: delta frames"] + 8 * packed
    print(f"    = {packed:,} older versions at {older / packed:.0f} bytes each, "
          f"{articles:,} latest at {parts['latest bodies: whole frames'] / articles:.0f} "
          "(8-byte checksums apart)")
    print("  bytes per packed version (frame + checksum) by kind of edit:")
    for kind, size in edit_costs(gen.scaled(300, 20)).items():
        print(f"    {kind:<34} {size:.1f}")
    return figures


def worst_rebuild_ms(store: Store) -> float:
    """The slowest version of one long history to rebuild (median of 5 reads each)."""
    rng = random.Random(3)
    url = "https://source0.example/story/long"
    for n, (title, body) in enumerate(gen.history(rng, TEXT_WHOLE_EVERY * 2 + 1, paragraphs=8)):
        at = gen.START.replace(minute=n).strftime("%Y-%m-%dT%H:%M:%SZ")
        store.record_check(
            url=url, source="source0", checked_at=at, http_status=200,
            outcome="new" if n == 0 else "changed",
            new_version=NewVersion(
                fetched_at=at, url=url, title=title, byline=None, published=None,
                published_raw=None, modified=None, modified_raw=None, body=body,
                hash=f"long-{n}", chars_added=0, chars_removed=0, extractor="bench/1"))
    worst = 0.0
    for row in store.versions(store.article(url)["id"]):
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            store.version_by_id(row["id"])
            timings.append((time.perf_counter() - started) * 1000)
        worst = max(worst, statistics.median(timings))
    return worst


def text_parts(store: Store) -> dict[str, int]:
    """The stored text bytes the ratio counts, by where they are."""
    def total(sql: str) -> int:
        return store.db.execute(sql).fetchone()[0] or 0
    latest = """FROM packed_bodies p JOIN versions v ON v.id = p.version_id
                JOIN articles a ON a.id = v.article_id WHERE v.version {} a.version_count"""
    return {
        "titles (every version, plain)": total(
            "SELECT sum(length(CAST(title AS BLOB))) FROM versions"),
        # Every body is packed since m018: versions.body is '' (counted, should be 0).
        "bodies left plain in versions.body": total(
            "SELECT sum(length(CAST(body AS BLOB))) FROM versions"),
        "latest bodies: whole frames": total(f"SELECT sum(length(frame)) {latest.format('=')}"),
        "older bodies: delta frames": total(f"SELECT sum(length(frame)) {latest.format('<')}"),
        "checksums": total("SELECT sum(length(checksum)) FROM packed_bodies"),
        "text dictionaries (text_dicts)": total("SELECT sum(length(dict)) FROM text_dicts"),
    }


def edit_costs(samples: int = 300) -> dict[str, float]:
    """Mean frame + checksum of an older version against the next, by kind of edit, on
    8-paragraph bodies of the same generated words."""
    rng = random.Random(5)
    costs: dict[str, list[int]] = {}
    for _ in range(samples):
        old = [gen.paragraph(rng) for _ in range(8)]
        i = rng.randrange(8)
        words = old[i].split(" ")
        words[rng.randrange(len(words))] = rng.choice(gen.VOCABULARY)
        edits = {
            "title only (same body)": old,
            "one word changed": [*old[:i], " ".join(words), *old[i + 1:]],
            "a sentence added": [*old[:i], old[i] + " " + gen.paragraph(rng, 12), *old[i + 1:]],
            "a paragraph rewritten (this bench)": [*old[:i], gen.paragraph(rng), *old[i + 1:]],
            "two paragraphs swapped": [*old[:i], *old[i + 1:i + 2], old[i], *old[i + 2:]],
        }
        for kind, new in edits.items():
            frame = pack_text("\n\n".join(old), "\n\n".join(new))
            costs.setdefault(kind, []).append(len(frame) + len(text_checksum("")))
    return {kind: statistics.mean(sizes) for kind, sizes in costs.items()}


if __name__ == "__main__":
    run()
