"""Bytes stored per revision on a realistic history, and the time to rebuild a version.

A history of small edits (one paragraph rewritten per version) over articles
whose pages share a site template, written through the Store as a crawl
writes them, then ``Store.compact`` (zstd dictionaries per source). Ratios are
stored bytes / raw bytes, measured on the database's own columns.

    python bench/storage.py
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

import gen

from newsdiffs.store import NewVersion, Store

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
            store.compact()
            (text_bytes,) = store.db.execute(
                "SELECT sum(length(CAST(title AS BLOB)) + length(CAST(body AS BLOB))) "
                "FROM versions").fetchone()
            # Older bodies are packed (m015): their frames and checksums count too.
            (packed_bytes,) = store.db.execute(
                "SELECT coalesce(sum(length(frame) + length(checksum)), 0) "
                "FROM packed_bodies").fetchone()
            text_bytes += packed_bytes
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
    return figures


if __name__ == "__main__":
    run()
