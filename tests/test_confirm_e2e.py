"""End to end: a truncated page is held as pending and the next run's full page rejects it.

The real ``bbc`` spider against pages served on 127.0.0.1, each crawl in its
own process as cron runs it.
"""

from __future__ import annotations

import sys

import forked

from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page
from newsdiffs.store import Store

PATH = "/news/articles/c9conf0001o"
ARTICLE = DemoArticle(
    slug="c9conf0001o",
    title="Ferry timetable cut for the winter months",
    published="2026-11-20T08:00:00.000Z",
    ago="2 hours ago",
    byline="Sam Jones",
    blocks=[
        (
            "p",
            "The island ferry will run four times a day instead of six from December, "
            "the operator has announced.",
        ),
        (
            "p",
            "It said fewer passengers travel in winter and the savings would keep fares "
            "at their current level.",
        ),
        (
            "p",
            "Residents said the first crossing of the day would now leave too late for "
            "people who work on the mainland.",
        ),
        (
            "p",
            "The operator said it would review the timetable in March after talking to "
            "the island council.",
        ),
        (
            "p",
            "A public meeting about the changes will be held in the village hall next "
            "Thursday evening.",
        ),
    ],
)


def truncated(html: str) -> bytes:
    """The page cut off in the middle of its third paragraph, as a dropped connection leaves it."""
    cut = html.index("would now leave too late")
    return html[:cut].encode("utf-8")


def test_truncated_page_is_held_then_rejected(server, db_path, crawl):
    url = server.url(PATH)
    full = render_article(ARTICLE)
    server.set_pages({PATH: Page(full, etag=False)})
    crawl(db_path, "bbc", "-a", f"url={url}")

    server.set_pages({PATH: Page(truncated(full), etag=False)})
    result = crawl(db_path, "bbc", "-a", f"url={url}")
    assert "pending 1 (confirmed 0, rejected 0)" in result.stdout
    with Store(db_path) as store:
        article = store.article(url)
        checks = store.checks(article["id"])
        assert article["version_count"] == 1
        assert checks[-1]["outcome"] == "pending" and "cut short" in checks[-1]["detail"]
        assert store.pending_version(article["id"])["body"].endswith(
            "the first crossing of the day"
        )
    shown = forked.run(
        [sys.executable, "-m", "newsdiffs", "history", "--db", str(db_path), url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "pending" in shown.stdout and "cut short" in shown.stdout

    server.set_pages({PATH: Page(full, etag=False)})
    result = crawl(db_path, "bbc", "-a", f"url={url}")
    assert "pending 0 (confirmed 0, rejected 1)" in result.stdout
    with Store(db_path) as store:
        article = store.article(url)
        versions = store.versions(article["id"])
        checks = store.checks(article["id"])
        assert len(versions) == 1  # no phantom version, no revert
        assert [c["outcome"] for c in checks] == ["new", "pending", "unchanged"]
        assert checks[-1]["detail"].startswith("rejected the text held since")
        assert store.pending_version(article["id"]) is None
