"""End to end: the real ``bbc`` spider against pages served on 127.0.0.1.

Each crawl runs in a child process, as cron would run it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page
from newsdiffs.outcome import markup_leak
from newsdiffs.store import Store

PATH = "/news/articles/c9test0001o"
ADDED = "A spokesperson for the operator said the figures would be published in full next week."

V1 = DemoArticle(
    slug="c9test0001o",
    title="Harbour repairs to cost more than expected",
    published="2026-11-20T08:00:00.000Z",
    ago="2 hours ago",
    byline="Sam Jones",
    blocks=[
        ("p", "Repairs to the storm-damaged harbour wall will cost about £2m more than first "
              "estimated, the town council has said."),
        ("p", "Engineers said the damage was worse than it looked from the surface."),
        ("h2", "Work to start in spring"),
        ("p", "The council said work would start in spring and last about six months."),
    ],
    sidebar=["Most read one", "Most read two"],
)
# An edit: one word changed in a paragraph, one paragraph added.
V2 = replace(V1, blocks=[
    V1.blocks[0],
    ("p", "Engineers stated the damage was worse than it looked from the surface."),
    *V1.blocks[2:],
    ("p", ADDED),
])
# Not an edit: "published ... ago", the sidebar and whitespace change.
V2_COSMETIC = replace(V2, ago="7 hours ago", sidebar=["Another story"],
                      blocks=[(k, t.replace(" the ", "  the\n ")) for k, t in V2.blocks])
EMPTY = replace(V1, blocks=[])


@pytest.fixture
def article_url(server):
    return server.url(PATH)


def serve(server, article: DemoArticle | None = None, status: int = 200, html: str | None = None):
    body = html if html is not None else render_article(article)
    server.set_pages({PATH: Page(body, status=status, etag=False)})


def state(db):
    with Store(db) as store:
        article = store.articles()[0]
        return article, store.versions(article["id"]), store.checks(article["id"])


def test_revision_lifecycle(server, article_url, db_path, crawl):
    serve(server, V1)
    crawl(db_path, "bbc", "-a", f"url={article_url}")
    article, versions, checks = state(db_path)
    assert len(versions) == 1 and checks[-1]["outcome"] == "new"
    assert article["url"] == article_url  # canonical link resolved against the local host
    v1 = versions[0]
    assert v1["title"] == V1.title
    assert v1["byline"] == "Sam Jones"
    assert v1["body"].split("\n\n") == [
        V1.blocks[0][1], V1.blocks[1][1], "## Work to start in spring", V1.blocks[3][1]]
    assert "Most read" not in v1["body"] and "artist" not in v1["body"]

    # The same page again: still one version, an unchanged check.
    crawl(db_path, "bbc", "-a", f"url={article_url}")
    article, versions, checks = state(db_path)
    assert len(versions) == 1
    assert [c["outcome"] for c in checks] == ["new", "unchanged"]

    # An edit: a second version with exact counts.
    serve(server, V2)
    crawl(db_path, "bbc", "-a", f"url={article_url}")
    article, versions, checks = state(db_path)
    assert len(versions) == 2 and checks[-1]["outcome"] == "changed"
    assert versions[1]["chars_added"] == len(ADDED) + len("stated")
    assert versions[1]["chars_removed"] == len("said")
    assert versions[1]["repeats_version"] is None

    # Timestamp, sidebar and whitespace only: no version.
    serve(server, V2_COSMETIC)
    crawl(db_path, "bbc", "-a", f"url={article_url}")
    article, versions, checks = state(db_path)
    assert len(versions) == 2 and checks[-1]["outcome"] == "unchanged"

    # An error page and an empty body: failed checks, never a version that "deletes" the text.
    serve(server, html="<html><head><title>Page not found</title></head><body>Sorry</body></html>",
          status=404)
    crawl(db_path, "bbc", "-a", f"url={article_url}")
    serve(server, EMPTY)
    crawl(db_path, "bbc", "-a", f"url={article_url}")
    article, versions, checks = state(db_path)
    assert len(versions) == 2
    assert [c["outcome"] for c in checks[-2:]] == ["failed", "failed"]
    assert checks[-2]["http_status"] == 404 and "404" in checks[-2]["detail"]
    assert checks[-1]["http_status"] == 200 and checks[-1]["detail"]

    # Back to the first text: held (a return to a text replaced minutes ago), then read
    # again by the next run and stored as version 3, marked as repeating version 1.
    serve(server, V1)
    crawl(db_path, "bbc", "-a", f"url={article_url}")
    article, versions, checks = state(db_path)
    assert len(versions) == 2 and checks[-1]["outcome"] == "pending"
    crawl(db_path, "bbc", "-a", f"url={article_url}")
    article, versions, checks = state(db_path)
    assert len(versions) == 3 and checks[-1]["outcome"] == "changed"
    assert versions[2]["repeats_version"] == 1
    assert versions[2]["body"] == versions[0]["body"]
    assert article["version_count"] == 3 and article["check_count"] == 8


def test_feed_discovery_skips_live_and_video(server, db_path, crawl):
    from newsdiffs.demo.pages import stage_pages

    server.set_pages(stage_pages(1, server.url("").rstrip("/")))
    result = crawl(db_path, "bbc", "-a", f"feeds={server.url('/news/rss.xml')}")
    with Store(db_path) as store:
        urls = sorted(a["url"] for a in store.articles())
    assert urls == [server.url("/news/articles/c1demo0001o"), server.url("/news/articles/c2demo0002o")]
    requested = {p for _, p, _ in server.requests}
    assert "/news/live/uk-12345678" not in requested
    assert "/news/av/uk-england-devon-12345679" not in requested
    assert "checked 2, changed 0, new 2" in result.stdout


CLASSIC = Path(__file__).parent / "fixtures" / "bbc" / "classic-stm"


def test_classic_page_with_scrapy_crawl(server, db_path, crawl):
    """Acceptance: a classic .stm page crawled twice is one version; an edited copy is a second."""
    page = (CLASSIC / "page.html").read_bytes()
    expected = json.loads((CLASSIC / "expected.json").read_text(encoding="utf-8"))
    path = "/1/hi/uk_politics/9912345.stm"
    url = server.url(path)
    server.set_pages({path: Page(page, content_type="text/html; charset=iso-8859-1")})
    # the first run is a real `python -m scrapy crawl` process (scrapy.cfg, start-up), the rest
    # are forked from a warm helper (tests/forked.py)
    crawl(db_path, "bbc", "-a", f"url={url}", tool="scrapy", fork=False)
    crawl(db_path, "bbc", "-a", f"url={url}", tool="scrapy")
    article, versions, checks = state(db_path)
    assert [c["outcome"] for c in checks] == ["new", "unchanged"]
    assert len(versions) == 1
    body = versions[0]["body"]
    for _, text in expected["body"]:
        assert text in body
    assert "<" not in body and ">" not in body and markup_leak(body) is None
    for snippet in expected["must_not_contain"]:
        assert snippet not in body, snippet

    edited = page.replace(b"A spokesman said the council would comply.",
                          b"A spokesman said the council would appeal against the finding.")
    assert edited != page
    server.set_pages({path: Page(edited, content_type="text/html; charset=iso-8859-1")})
    crawl(db_path, "bbc", "-a", f"url={url}", tool="scrapy")
    article, versions, checks = state(db_path)
    assert len(versions) == 2 and checks[-1]["outcome"] == "changed"
    assert "appeal against the finding" in versions[1]["body"]
    assert versions[1]["chars_removed"] == len("comply")
