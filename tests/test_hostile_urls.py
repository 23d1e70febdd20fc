"""Hostile URLs never stop a crawl nor become a request or an identity (issue 8: 1, 8, 9, 16).

Only http(s) URLs on a sane host are fetched or stored: a page's canonical
link, a feed's link, a stored row and a spider argument are all checked.
"""

from __future__ import annotations

import asyncio

import pytest
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, Request, XmlResponse
from spider_pages import (
    BLOCKS,
    bbc_page,
    generic_page,
    make_spider,
    rss,
    run,
)

from newsdiffs.crawl import project_settings
from newsdiffs.demo.server import Page
from newsdiffs.items import ArticleItem, Block
from newsdiffs.links import http_link
from newsdiffs.store import Store
from newsdiffs.urls import is_fetchable
from pipelines.record import RecordPipeline
from spiders.bbc import BBCSpider
from spiders.feeds import FeedsSpider

HOSTILE = ["JavaScript:alert(1)//", "mailto:editor@example.org", "urn:isbn:0451450523",
           "data:text/html,<b>x</b>", "file:///etc/passwd", "http://example.org:99999/a",
           "http://[oops/news", "http:///news/no-host", "ftp://example.org/news/a"]


def collect(agen) -> list:
    async def run_all():
        return [item async for item in agen]
    return asyncio.run(run_all())


# --- 1: a hostile canonical link ------------------------------------------------------------


@pytest.mark.parametrize("canonical", HOSTILE)
def test_hostile_canonical_is_ignored_for_the_fetched_url(db_path, canonical):
    url = "https://news.example.org/news/2026/harbour-wall"
    spider = make_spider(db_path)
    response = HtmlResponse(url, body=generic_page(canonical=canonical).encode(),
                            request=Request(url))
    [item] = spider.parse_article(response)
    spider.closed("finished")
    assert item.error is None and item.canonical_url == url


def test_canonical_on_a_local_host_is_ignored_for_a_public_page(db_path):
    url = "https://news.example.org/news/2026/harbour-wall"
    spider = make_spider(db_path)
    response = HtmlResponse(url, body=generic_page(canonical="http://127.0.0.1:8080/admin",
                                                   og_url="http://127.0.0.1/x").encode(),
                            request=Request(url))
    [item] = spider.parse_article(response)
    spider.closed("finished")
    assert (item.canonical_url or item.url) == url
    assert spider.crawler.stats.get_value("newsdiffs/bad_canonical") == 1


def insert_due(db_path, *urls: str, source: str = "bbc") -> None:
    with Store(db_path) as store:
        for n, url in enumerate(urls):
            store.db.execute(
                "INSERT INTO articles (url, source, first_seen, last_checked, next_check, status)"
                " VALUES (?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ?, 'active')",
                [url, source, f"2026-01-02T00:0{n}:00Z"])


def test_a_bad_stored_row_never_stops_start(db_path):
    good = "https://www.bbc.co.uk/news/articles/c0good001o"
    insert_due(db_path, "javascript:alert(1)//", "mailto:x@example.org", "http://h:99999/a", good)
    spider = make_spider(db_path, BBCSpider, feeds="https://feeds.example.org/rss.xml")
    requests = collect(spider.start())
    spider.closed("finished")
    assert [r.url for r in requests] == [good, "https://feeds.example.org/rss.xml"]
    assert spider.crawler.stats.get_value("newsdiffs/bad_stored_url") == 3


def test_a_bad_stored_row_never_stops_the_feeds_spider(db_path, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "gazette"\nfeeds = ["https://gazette.example/rss.xml"]\n'
                       'pattern = "^https://gazette\\\\.example/"\n', encoding="utf-8")
    good = "https://gazette.example/news/2026/harbour"
    insert_due(db_path, "data:text/html,<script>x</script>", good, source="gazette")
    spider = make_spider(db_path, FeedsSpider, {"NEWSDIFFS_SOURCES": str(sources)})
    requests = collect(spider.start())
    spider.closed("finished")
    assert [r.url for r in requests] == [good, "https://gazette.example/rss.xml"]
    assert requests[1].meta["newsdiffs_source"] == "gazette"
    assert spider.crawler.stats.get_value("newsdiffs/bad_stored_url") == 1


def test_a_bad_stored_row_never_stops_a_real_crawl(server, db_path):
    path = "/news/articles/c0good002o"
    server.set_pages({path: bbc_page("c0good002o"), "/rss.xml": Page(rss(), content_type="application/rss+xml")})
    insert_due(db_path, "JavaScript:alert(1)//", server.url(path))
    result = run(db_path, "bbc", "-a", f"feeds={server.url('/rss.xml')}")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests_for(path), result.stderr
    with Store(db_path) as store:
        assert store.article(server.url(path))["version_count"] == 1


def test_store_pipeline_refuses_a_non_http_identity(db_path):
    pipeline = RecordPipeline(str(db_path))
    pipeline.open_spider()
    item = ArticleItem(url="https://news.example.org/a", canonical_url="JavaScript:alert(1)//",
                       title="T", body=[Block(t) for _, t in BLOCKS], source="s",
                       fetched_at="2026-03-01T00:00:00Z")
    with pytest.raises(DropItem, match="not an http"):
        pipeline.process_item(item)
    pipeline.close_spider()
    with Store(db_path) as store:
        assert store.counts()["articles"] == 0


# --- 8 and 9: feed links that are not http(s), or malformed ---------------------------------


def test_no_download_handler_for_local_files_or_other_schemes():
    handlers = project_settings().getdict("DOWNLOAD_HANDLERS")
    assert all(handlers.get(s, "missing") is None for s in ("file", "s3", "ftp", "data"))


def test_malformed_feed_links_are_skipped_and_counted(db_path):
    feed = "http://127.0.0.1:8000/rss.xml"
    body = rss("http://127.0.0.1:8000/news/articles/c0feed001o", "http://127.0.0.1:99999/news/a",
               "http://[::1/news/articles/c0feed002o", "javascript:/news/articles/c0feed003o",
               "file:///etc/news/articles/c0feed004o", "http://127.0.0.1:8000/news/articles/c0feed005o")
    spider = make_spider(db_path, BBCSpider, feeds=feed)
    requests = list(spider.parse_feed(XmlResponse(feed, body=body.encode(), request=Request(feed))))
    spider.closed("finished")
    assert [r.url for r in requests] == ["http://127.0.0.1:8000/news/articles/c0feed001o",
                                         "http://127.0.0.1:8000/news/articles/c0feed005o"]
    assert spider.crawler.stats.get_value("newsdiffs/bad_link") == 4


def test_a_loose_source_pattern_never_reads_a_local_file(server, db_path, tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text(generic_page("Secret local file"), encoding="utf-8")
    good = "/news/2026/harbour.html"
    server.set_pages({"/rss.xml": Page(rss(secret.as_uri(), server.url(good)),
                                       content_type="application/rss+xml"),
                      good: Page(generic_page(canonical=good), etag=False)})
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nname = "loose"\nfeeds = ["{server.url("/rss.xml")}"]\n'
                       'pattern = "."\n', encoding="utf-8")
    # The spider itself: the link is skipped, and the file handler is off anyway.
    spider = make_spider(db_path, FeedsSpider, {"NEWSDIFFS_SOURCES": str(sources)})
    spider.load_sources()
    feed = server.url("/rss.xml")
    body = rss(secret.as_uri(), server.url(good)).encode()
    requests = list(spider.parse_feed(XmlResponse(feed, body=body, request=Request(feed))))
    spider.closed("finished")
    assert [r.url for r in requests] == [server.url(good)]
    result = run(db_path, "feeds", "-s", f"NEWSDIFFS_SOURCES={sources}")
    assert result.returncode == 0, result.stderr
    with Store(db_path) as store:
        urls = [a["url"] for a in store.articles()]
        texts = [v["title"] for a in store.articles() for v in store.versions(a["id"])]
    assert urls == [server.url(good)] and "Secret local file" not in texts
    with Store(db_path) as store:
        feed_checks = store.feed_checks()  # the in-process parse above, then the crawl
    assert [(f["source"], f["entries"], f["new_links"]) for f in feed_checks] == [
        ("loose", 2, 1), ("loose", 2, 1)]


# --- 16: spider arguments -------------------------------------------------------------------


def bad_args(tmp_path) -> list[tuple[list[str], str]]:
    binary = tmp_path / "binary.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    # Were an empty url= ignored, the crawl would fall back to this (dead) local feed.
    nowhere = "feeds=http://127.0.0.1:9/rss.xml"
    return [(["urls=/nonexistent/urls.txt"], "urls=/nonexistent/urls.txt"),
            ([f"urls={binary}"], "not a UTF-8 text file"),
            (["url=not a url"], "not an http(s) URL"),
            (["url=javascript:alert(1)"], "not an http(s) URL"),
            (["feeds=not-a-url"], "not an http(s) URL"),
            (["url=", nowhere], "url: empty URL")]


@pytest.mark.parametrize("tool", ["scrapy", "newsdiffs"])
@pytest.mark.parametrize("case", range(6))
def test_bad_spider_argument_is_a_one_line_error(tmp_path, db_path, case, tool):
    args, message = bad_args(tmp_path)[case]
    result = run(db_path, "bbc", *(w for a in args for w in ("-a", a)), tool=tool, timeout=60)
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr and message in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == "", result.stderr
    with Store(db_path) as store:
        assert store.counts()["checks"] == 0


def test_empty_url_list_is_an_error_too(tmp_path, db_path):
    empty = tmp_path / "urls.txt"
    empty.write_text("# nothing yet\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no URLs"):
        make_spider(db_path, BBCSpider, urls=str(empty))
    with pytest.raises(ValueError, match="empty URL"):
        make_spider(db_path, BBCSpider, url="")


# -- one rule: what is fetched and stored is what may become a link --------------------------


@pytest.mark.parametrize("url", [
    *HOSTILE, "https://user:secret@example.org/a", "http://example.org:0/a",
    "https://exa mple.org/a", "https://-bad.example.org/", "http://[::1]:8080/a",
    " https://example.org/a ", "HTTPS://Example.org/news/a?b=1", "java\tscript:alert(1)",
])
def test_a_url_is_a_link_exactly_when_it_may_be_fetched(url):
    assert (http_link(url) is not None) == is_fetchable(url)
    if is_fetchable(url):
        assert http_link(url) == url.strip()
