"""Databases for the reading tests, built with ``Store.record_check`` the way the pipeline would.

``build_demo_db`` stores the demo site's three stages (``newsdiffs.demo.pages``)
as checks an hour apart; ``HOSTILE`` is an article whose text is full of
markup-like strings and Unicode that every page and feed must show as text.
"""

from __future__ import annotations

from pathlib import Path

from newsdiffs.demo.pages import stage_articles
from newsdiffs.diff import change_stats
from newsdiffs.items import Block, blocks_to_text
from newsdiffs.store import NewVersion, Store
from newsdiffs.text import fingerprint

DEMO_BASE = "https://www.bbc.co.uk"
STAGE_TIMES = {1: "2026-11-20T08:00:00Z", 2: "2026-11-20T09:05:00Z", 3: "2026-11-20T10:10:00Z"}
KINDS = {"p": "paragraph", "h2": "subheading", "li": "list_item"}

HOSTILE_TITLE = 'Hacker posts <script>alert(1)</script> & "quotes" café'
HOSTILE_BODY_1 = [
    Block('He wrote "><img src=x onerror=alert(1)> in a comment field.'),
    Block("Entities stay literal: &amp; &lt;b&gt; and a real & sign."),
    Block("Unicode: Zoë Ünal said “ça va” — 東京 🦆 naïve."),
]
HOSTILE_BODY_2 = [
    Block('He wrote "><img src=x onerror=alert(1)> and <script>alert(2)</script> in a comment.'),
    Block("Entities stay literal: &amp; &lt;b&gt; and a real & sign."),
    Block("</div><p class=\"x\">Markup-like text</p> is only text.", "subheading"),
    Block("Unicode: Zoë Ünal said “ça va” — 東京 🦆 naïve."),
]
HOSTILE_URL = 'https://example.org/news/xss?a=1&b="2"'


def record(store: Store, *, url: str, source: str, at: str, title: str, body: list[Block],
           byline: str | None = None, status: str | None = None) -> str:
    """Record one check of an article as the store pipeline does; returns the outcome."""
    article = store.article(url)
    latest = store.latest_version(article["id"]) if article else None
    new_hash = fingerprint(title, body)
    common = dict(url=url, source=source, checked_at=at, http_status=200, status=status)
    if latest and latest["hash"] == new_hash:
        store.record_check(**common, outcome="unchanged")
        return "unchanged"
    text = blocks_to_text(body)
    if latest:
        t, b = change_stats(latest["title"], title), change_stats(latest["body"], text)
        added, removed = t.chars_added + b.chars_added, t.chars_removed + b.chars_removed
    else:
        added, removed = len(title) + len(text), 0
    outcome = "changed" if latest else "new"
    store.record_check(**common, outcome=outcome, new_version=NewVersion(
        fetched_at=at, url=url, title=title, byline=byline, published=None,
        published_raw=None, modified=None, modified_raw=None, body=text, hash=new_hash,
        chars_added=added, chars_removed=removed, extractor="test/1"))
    return outcome


def build_demo_db(path: Path, *, hostile: bool = False) -> Path:
    """The demo's three crawls as a database (and, optionally, the hostile article)."""
    with Store(path) as store:
        for stage, at in STAGE_TIMES.items():
            for a in stage_articles(stage):
                body = [Block(text, KINDS[kind]) for kind, text in a.blocks]  # type: ignore[arg-type]
                record(store, url=f"{DEMO_BASE}/news/articles/{a.slug}", source="bbc", at=at,
                       title=a.title, body=body, byline=a.byline)
        if hostile:
            record(store, url=HOSTILE_URL, source="other", at="2026-11-20T08:30:00Z",
                   title=HOSTILE_TITLE, body=HOSTILE_BODY_1, byline="<b>Mallory</b>")
            record(store, url=HOSTILE_URL, source="other", at="2026-11-20T11:00:00Z",
                   title=HOSTILE_TITLE + " <i>", body=HOSTILE_BODY_2,
                   byline="<b>Mallory</b> & Eve", status="finished")
    return path
