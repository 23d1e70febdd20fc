"""Due selection: most overdue first, capped per source, an index lookup; feeds add only new articles."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page
from newsdiffs.store import Store
from spiders.bbc import BBCSpider

NOW = "2026-03-10T12:00:00Z"


def add(store: Store, url: str, source: str = "bbc", next_check: str | None = None,
        status: str = "active", last_checked: str = "2026-03-01T00:00:00Z",
        etag: str | None = None) -> None:
    store.db.execute(
        """INSERT INTO articles (url, source, first_seen, last_checked, next_check, status, etag)
           VALUES (?, ?, '2026-03-01T00:00:00Z', ?, ?, ?, ?)""",
        [url, source, last_checked, next_check, status, etag])


@pytest.fixture
def store(db_path):
    with Store(db_path) as s:
        add(s, "https://b.example/late", next_check="2026-03-10T09:00:00Z", etag='"v1"')
        add(s, "https://b.example/later", next_check="2026-03-09T00:00:00Z")
        add(s, "https://b.example/just", next_check=NOW)
        add(s, "https://b.example/gone", next_check="2026-03-10T11:00:00Z", status="gone")
        add(s, "https://b.example/future", next_check="2026-03-10T12:00:01Z")
        add(s, "https://b.example/finished", status="finished", last_checked="2026-02-01T00:00:00Z")
        add(s, "https://b.example/finished2", status="finished")
        add(s, "https://g.example/other", source="guardian", next_check="2026-03-01T00:00:00Z")
        yield s


def urls(rows) -> list[str]:
    return [r["url"].rsplit("/", 1)[-1] for r in rows]


@pytest.mark.parametrize(("source", "limit", "finished", "expected"), [
    ("bbc", 10, False, ["later", "late", "gone", "just"]),
    ("bbc", 2, False, ["later", "late"]),
    ("bbc", 10, True, ["later", "late", "gone", "just", "finished", "finished2"]),
    ("bbc", 5, True, ["later", "late", "gone", "just", "finished"]),
    ("guardian", 10, False, ["other"]),
    (None, 3, False, ["other", "later", "late"]),
])
def test_due_order_and_caps(store, source, limit, finished, expected):
    assert urls(store.due(NOW, source, limit, include_finished=finished)) == expected


@pytest.mark.parametrize("source", ["bbc", None])
def test_due_query_is_an_index_lookup(store, source):
    where, params = ("source = ? AND ", ["bbc"]) if source else ("", [])
    plan = store.db.conn.execute(
        f"EXPLAIN QUERY PLAN SELECT * FROM articles WHERE {where}next_check <= ? "
        "ORDER BY next_check LIMIT ?", [*params, NOW, 10]).fetchall()
    text = " ".join(str(row[-1]) for row in plan)
    assert "USING INDEX idx_articles_" in text and "TEMP B-TREE" not in text, text


def spider(db_path, feeds: str | None = None, **settings) -> BBCSpider:
    crawler = get_crawler(BBCSpider, {"NEWSDIFFS_DB": str(db_path), **settings})
    return BBCSpider.from_crawler(crawler, feeds=feeds)


def test_spider_seeds_due_articles_with_validators(store, db_path):
    s = spider(db_path, NEWSDIFFS_MAX_DUE_PER_RUN=3)
    requests = list(s.due_requests(now=NOW))
    assert [r.url.rsplit("/", 1)[-1] for r in requests] == ["later", "late", "gone"]
    assert all(r.meta["article_url"] == r.url for r in requests)
    assert requests[1].headers.get("If-None-Match") == b'"v1"'
    assert "If-None-Match" not in requests[0].headers
    assert s.crawler.stats.get_value("newsdiffs/due") == 3
    s.closed("finished")


def test_all_adds_finished_articles(store, db_path):
    s = spider(db_path, NEWSDIFFS_RECHECK_FINISHED=True)
    assert [r.url.rsplit("/", 1)[-1] for r in s.due_requests(now=NOW)] == [
        "later", "late", "gone", "just", "finished", "finished2"]
    s.closed("finished")


def test_feed_links_add_new_articles_once(store, db_path):
    s = spider(db_path)
    due = list(s.due_requests(now=NOW))
    links = [
        "https://b.example/late",                 # tracked and due: already requested
        "https://b.example/future?utm_source=rss",  # tracked, not due: its schedule decides
        "https://b.example/new?at_medium=RSS",
        "http://b.example/new",                   # the same article again
        "https://b.example/new2",
    ]
    requests = list(s.feed_requests(links))
    assert [r.url for r in requests] == ["https://b.example/new?at_medium=RSS",
                                         "https://b.example/new2"]
    assert all("article_url" not in r.meta for r in requests)
    assert len(due) == 4
    s.closed("finished")


@pytest.mark.parametrize(("feeds", "setting", "rechecked"), [
    (None, True, True),
    ("https://b.example/rss.xml", None, True),   # named on the command line: all fetched
    ("https://b.example/rss.xml", "False", False),
])
def test_recheck_feed_links_still_fetches_once(store, db_path, feeds, setting, rechecked):
    s = spider(db_path, feeds, NEWSDIFFS_RECHECK_FEED_LINKS=setting)
    list(s.due_requests(now=NOW))
    requests = list(s.feed_requests(["https://b.example/late", "https://b.example/future"]))
    assert [r.url for r in requests] == (["https://b.example/future"] if rechecked else [])
    if rechecked:  # a re-check: conditional, with the stored URL
        assert requests[0].meta["article_url"] == "https://b.example/future"
    s.closed("finished")


# -- end to end: one run seeds due articles and new feed links ---------------------------

def page(slug: str, title: str) -> Page:
    text = [("p", f"{title}. This paragraph is long enough to count as the body of a real "
                  "news article about local events, with some detail and a quote or two.")] * 3
    return Page(render_article(DemoArticle(slug, title, "2026-03-01T08:00:00.000Z",
                                           "1 hour ago", "A. Reporter", text)))


def feed(server, slugs: list[str]) -> Page:
    items = "".join(f"<item><title>{s}</title><link>{server.url('/news/articles/' + s)}</link>"
                    "</item>" for s in slugs)
    return Page(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}'
                "</channel></rss>", content_type="application/rss+xml")


def test_crawl_fetches_due_and_new_articles_once(server, db_path, crawl):
    slugs = ["c0due0001o", "c0due0002o", "c0due0003o"]
    pages = {f"/news/articles/{s}": page(s, f"Story {i}") for i, s in enumerate(slugs)}
    server.set_pages({**pages, "/rss.xml": feed(server, slugs[:2])})
    # As with a spider's own feeds (a feed named with -a feeds= is otherwise fetched in full).
    own_feed = ("-a", f"feeds={server.url('/rss.xml')}", "-s", "NEWSDIFFS_RECHECK_FEED_LINKS=False")
    crawl(db_path, "bbc", *own_feed)
    with Store(db_path) as s:
        assert s.counts()["articles"] == 2
        # Story 0 is due now; story 1 is not.
        s.db.execute("UPDATE articles SET next_check = '2026-01-01T00:00:00Z' WHERE url = ?",
                     [server.url(f"/news/articles/{slugs[0]}")])
    server.requests.clear()
    server.set_pages({**pages, "/rss.xml": feed(server, slugs)})
    crawl(db_path, "bbc", *own_feed)
    fetched = [p for _, p, _ in server.requests if p.startswith("/news/articles/")]
    assert sorted(fetched) == [f"/news/articles/{slugs[0]}", f"/news/articles/{slugs[2]}"]
    assert server.requests_for(f"/news/articles/{slugs[0]}")[0].get("if-none-match")
    with Store(db_path) as s:
        outcomes = {a["url"].rsplit("/", 1)[-1]: [c["outcome"] for c in s.checks(a["id"])]
                    for a in s.articles()}
    assert outcomes == {slugs[0]: ["new", "unchanged"], slugs[1]: ["new"], slugs[2]: ["new"]}


def test_finished_articles_are_skipped_unless_all(server, db_path, crawl):
    slug = "c0fini001o"
    server.set_pages({f"/news/articles/{slug}": page(slug, "Old story"),
                      "/rss.xml": feed(server, [])})
    url = server.url(f"/news/articles/{slug}")
    crawl(db_path, "bbc", "-a", f"url={url}")
    with Store(db_path) as s:  # quiet for 40 days and finished
        s.db.execute("""UPDATE articles SET status = 'finished', next_check = NULL,
                        last_changed = '2026-01-01T00:00:00Z' WHERE url = ?""", [url])
    empty_feed = ("-a", f"feeds={server.url('/rss.xml')}")
    crawl(db_path, "bbc", *empty_feed)
    assert not server.requests_for(f"/news/articles/{slug}")[1:]
    crawl(db_path, "bbc", *empty_feed, "--all")
    assert len(server.requests_for(f"/news/articles/{slug}")) == 2
    with Store(db_path) as s:
        row = s.article(url)
        assert [c["outcome"] for c in s.checks(row["id"])] == ["new", "unchanged"]
        assert row["status"] == "finished" and row["next_check"] is None
