"""Every article scheduled in a run gets exactly one check row, however its redirects end
(issue 8: 6).

Scrapy's duplicate filter used to drop a redirect to a URL already requested
in the run without a word: a redirect loop, or a tracked article moved to
another tracked one, left no check at all.
"""

from __future__ import annotations

from spider_pages import bbc_page, rss, run

from newsdiffs.demo.server import Page
from newsdiffs.store import Store


def seed_due(db_path, urls: list[str]) -> None:
    """Tracked ``bbc`` articles, due in this order."""
    with Store(db_path) as store:
        for n, url in enumerate(urls):
            store.db.execute(
                "INSERT INTO articles (url, source, first_seen, last_checked, next_check, status)"
                " VALUES (?, 'bbc', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ?, 'active')",
                [url, f"2026-01-02T00:0{n}:00Z"])


def checks_of(store: Store, url: str) -> list[tuple]:
    article = store.article(url)
    assert article is not None, url
    return [(c["outcome"], c["http_status"], c["detail"]) for c in store.checks(article["id"])]


def test_loops_and_redirects_to_requested_articles_each_leave_one_check(server, db_path):
    loop, loop_b = "/news/articles/c0loop001o", "/news/articles/c0loop002o"
    itself = "/news/articles/c0self001o"
    target, moved = "/news/articles/c0dest001o", "/news/articles/c0move001o"
    new_link = "/news/articles/c0newl001o"
    server.set_pages({
        loop: Page("", status=301, headers={"Location": server.url(loop_b)}),
        loop_b: Page("", status=302, headers={"Location": server.url(loop)}),
        itself: Page("", status=301, headers={"Location": server.url(itself)}),
        target: bbc_page("c0dest001o"),
        moved: Page("", status=301, headers={"Location": server.url(target)}),
        # A new link from the feed that redirects to the tracked target as well.
        new_link: Page("", status=301, headers={"Location": server.url(target)}),
        "/rss.xml": Page(rss(server.url(new_link)), content_type="application/rss+xml"),
    })
    seed_due(db_path, [server.url(p) for p in (target, loop, itself, moved)])
    result = run(db_path, "bbc", "-a", f"feeds={server.url('/rss.xml')}")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    with Store(db_path) as store:
        [(outcome, status, detail)] = checks_of(store, server.url(loop))
        assert (outcome, status) == ("failed", None) and "redirect loop" in detail, detail
        [(outcome, status, detail)] = checks_of(store, server.url(itself))
        assert (outcome, status) == ("failed", None) and "redirect loop" in detail, detail
        assert checks_of(store, server.url(moved)) == [
            ("unchanged", 301, f"redirected to {server.url(target)}")]
        assert store.article(server.url(moved))["redirected_to"] == server.url(target)
        assert checks_of(store, server.url(target)) == [("new", 200, None)]
        assert store.article(server.url(new_link)) is None
        assert store.article(server.url(loop_b)) is None
    # The target was fetched once: the redirects to it were not followed again.
    assert len(server.requests_for(target)) == 1
