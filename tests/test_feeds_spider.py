"""The generic ``feeds`` spider and the configured extractor; end to end from ``sources add``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler

from newsdiffs.cli import cli
from newsdiffs.demo.server import Page
from newsdiffs.extract import ExtractionError
from newsdiffs.extract.configured import ConfiguredExtractor
from newsdiffs.items import Block
from newsdiffs.store import Store
from spiders.feeds import FeedsSpider

PARAGRAPHS = [
    "The harbour wall at Example Bay will be rebuilt at a cost of £2.4m, the town council said on Monday.",
    "Storms in January left a 40-metre breach in the Victorian wall, flooding six homes on Quay Street.",
    "Work is due to start in April and to finish before the autumn storms, engineers said.",
]


def article_page(title: str = "Harbour wall to be rebuilt", *, canonical: str = "",
                 paragraphs: list[str] = PARAGRAPHS, layout: str = "plain") -> str:
    """A small article page: JSON-LD, navigation, the story, a promo box and a footer."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
          "datePublished": "2026-01-12T08:30:00Z", "author": {"@type": "Person", "name": "Sam Example"}}
    story = "".join(f"<p>{p}</p>" for p in paragraphs)
    promo = '<div class="promo"><p>Harbour Watch: our weekly tide tables are printed every Friday in the Gazette supplement.</p></div>'
    if layout == "styled":
        first, rest = story.split("</p>", 1)
        main = f'<h1 class="hed">{title} (styled)</h1><div class="copy">{first}</p>{promo}{rest}</div>'
    else:
        main = f"<h1>{title}</h1>{story}"
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title} - Example Gazette</title>"
            f'{link}<script type="application/ld+json">{json.dumps(ld)}</script></head><body>'
            '<nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/sport/">Sport</a></nav>'
            f"<main><article>{main}</article></main>"
            "<footer><p>Copyright 2026 Example Gazette. All rights reserved.</p></footer></body></html>")


def rss(*links: str) -> str:
    items = "".join(f"<item><title>Story</title><link>{link}</link></item>" for link in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'


# --- the configured extractor ---------------------------------------------------------


def test_configured_extractor_reads_with_the_selectors() -> None:
    html = article_page(layout="styled")
    item = ConfiguredExtractor(body="div.copy", title="h1.hed", exclude=".promo")(html, "https://g.example/a")
    assert item.title == "Harbour wall to be rebuilt (styled)"
    assert [b.text for b in item.body] == PARAGRAPHS
    assert item.byline == "Sam Example" and item.published == "2026-01-12T08:30:00Z"
    assert (item.extractor, item.extractor_version) == ("configured", ConfiguredExtractor.version)


def test_configured_extractor_without_exclude_keeps_the_promo() -> None:
    item = ConfiguredExtractor(body="div.copy")(article_page(layout="styled"), "https://g.example/a")
    # a site-specific box no general rule knows: only an exclude selector removes it
    assert any("tide tables" in b.text for b in item.body)
    assert item.title == "Harbour wall to be rebuilt"  # no title selector: JSON-LD headline


def test_configured_extractor_falls_back_when_the_selector_finds_nothing() -> None:
    item = ConfiguredExtractor(body="div.not-there")(article_page(), "https://g.example/a")
    assert [b.text for b in item.body] == PARAGRAPHS  # trafilatura's reading


def test_configured_extractor_without_selectors_reads_like_generic() -> None:
    item = ConfiguredExtractor()(article_page(), "https://g.example/a")
    assert [b.text for b in item.body] == PARAGRAPHS


def test_configured_extractor_raises_on_a_page_without_text() -> None:
    with pytest.raises(ExtractionError):
        ConfiguredExtractor(body="div.copy")("<html><body><nav>Home</nav></body></html>", "https://g.example/")


# --- the spider -------------------------------------------------------------------------

SOURCES = """\
[[source]]
name = "gazette"
feeds = ["https://gazette.example/rss.xml", "https://gazette.example/world.xml"]
pattern = '^https://gazette\\.example/news/\\d{4}/'

[[source]]
name = "styled"
sitemaps = ["https://styled.example/sitemap.xml"]
pattern = '^https://(gazette|styled)\\.example/'
body = "div.copy"
exclude = ".promo"

[[source]]
name = "sleeping"
feeds = "https://sleeping.example/rss.xml"
pattern = "/"
enabled = false
"""


def make_spider(tmp_path: Path, text: str | None = SOURCES, **kwargs: str) -> FeedsSpider:
    path = tmp_path / "sources.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    settings = {"NEWSDIFFS_DB": str(tmp_path / "test.db"), "NEWSDIFFS_SOURCES": str(path)}
    return FeedsSpider.from_crawler(get_crawler(FeedsSpider, settings), **kwargs)


def test_enabled_sources_give_the_feeds(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    assert spider.load_sources()
    assert [s.name for s in spider.sources] == ["gazette", "styled"]
    assert spider.feed_urls == ("https://gazette.example/rss.xml", "https://gazette.example/world.xml",
                                "https://styled.example/sitemap.xml")
    assert spider.crawler.stats.get_value("newsdiffs/sources") == 2


def test_source_argument_crawls_one_source(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, source="styled")
    assert spider.load_sources()
    assert spider.feed_urls == ("https://styled.example/sitemap.xml",)
    assert not make_spider(tmp_path, source="sleeping").load_sources()


def test_missing_file_crawls_nothing(tmp_path: Path, caplog) -> None:
    spider = make_spider(tmp_path, text=None)
    with caplog.at_level(logging.WARNING):
        assert not spider.load_sources()
    assert "no sources file at" in caplog.text and spider.feed_urls == ()


def test_invalid_file_crawls_nothing_and_says_where(tmp_path: Path, caplog) -> None:
    spider = make_spider(tmp_path, SOURCES.replace('body = "div.copy"', 'body = "div..copy"'))
    with caplog.at_level(logging.ERROR):
        assert not spider.load_sources()
    assert "line 10: 'body' is not a valid CSS selector" in caplog.text
    assert spider.crawler.stats.get_value("newsdiffs/sources_invalid") == 1


def test_links_follow_the_patterns_and_belong_to_the_first_match(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    spider.load_sources()
    feed = "https://gazette.example/rss.xml"
    body = rss("https://gazette.example/news/2026/harbour",
               "https://gazette.example/video/2026/clip",
               "https://elsewhere.example/news/2026/other",
               "https://styled.example/2026/story")
    response = XmlResponse(url=feed, body=body.encode(), request=Request(feed))
    requests = list(spider.parse_feed(response))
    spider.closed("finished")
    # The video link matches only the broad pattern of "styled": it is that source's.
    assert [r.url for r in requests] == ["https://gazette.example/news/2026/harbour",
                                         "https://gazette.example/video/2026/clip",
                                         "https://styled.example/2026/story"]
    assert spider.extractor.source_for(requests[0].url).name == "gazette"
    assert spider.extractor.source_for(requests[1].url).name == "styled"


def test_items_carry_the_source_name_and_its_extractor(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    spider.load_sources()
    items = {}
    for url, layout in (("https://gazette.example/news/2026/harbour", "plain"),
                        ("https://styled.example/2026/story", "styled")):
        response = HtmlResponse(url=url, body=article_page(layout=layout).encode(), request=Request(url))
        [items[url]] = spider.parse_article(response)
    spider.closed("finished")
    gazette, styled = items.values()
    assert (gazette.source, gazette.extractor) == ("gazette", "generic")
    assert (styled.source, styled.extractor) == ("styled", "configured")
    assert styled.body == [Block(p) for p in PARAGRAPHS]


def test_due_articles_of_every_source_are_rechecked(tmp_path: Path) -> None:
    with Store(tmp_path / "test.db") as store:
        for url, source in (("https://gazette.example/news/2026/a", "gazette"),
                            ("https://styled.example/2026/b", "styled"),
                            ("https://sleeping.example/c", "sleeping"),
                            ("https://www.bbc.co.uk/news/articles/c1", "bbc")):
            store.db.execute(
                "INSERT INTO articles (url, source, first_seen, last_checked, next_check, status)"
                " VALUES (?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z',"
                " 'active')", [url, source])
    spider = make_spider(tmp_path)
    spider.load_sources()
    requests = list(spider.due_requests(now="2026-02-01T00:00:00Z"))
    spider.closed("finished")
    assert [r.url for r in requests] == ["https://gazette.example/news/2026/a",
                                         "https://styled.example/2026/b"]
    assert spider.crawler.stats.get_value("newsdiffs/due") == 2


# --- acceptance: sources add, then crawl feeds --------------------------------------------


def test_acceptance_sources_add_then_crawl_feeds(server, db_path, crawl, tmp_path) -> None:
    base = server.url("").rstrip("/")
    article = "/news/2026/harbour-wall.html"
    styled = "/styled/2026/pier.html"
    server.set_pages({
        "/news/rss.xml": Page(rss(base + article, base + "/video/2026/clip.html",
                                  "http://news.invalid/news/2026/elsewhere.html"),
                              content_type="application/rss+xml"),
        article: Page(article_page(canonical=article), etag=False),
        "/styled/feed.xml": Page(rss(base + styled), content_type="application/rss+xml"),
        styled: Page(article_page("Pier to reopen", canonical=styled, layout="styled"), etag=False),
    })
    sources = tmp_path / "sources.toml"
    runner = CliRunner()
    result = runner.invoke(cli, ["sources", "add", "gazette", "--file", str(sources),
                                 "--feed", server.url("/news/rss.xml"),
                                 "--pattern", r"^http://127\.0\.0\.1:\d+/news/\d{4}/"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["sources", "add", "pier", "--file", str(sources),
                                 "--feed", server.url("/styled/feed.xml"),
                                 "--pattern", r"/styled/\d{4}/", "--body", "div.copy",
                                 "--title", "h1.hed", "--exclude", ".promo"])
    assert result.exit_code == 0, result.output

    crawl(db_path, "feeds", "-s", f"NEWSDIFFS_SOURCES={sources}")
    with Store(db_path) as store:
        articles = {a["url"]: a for a in store.articles()}
        assert set(articles) == {base + article, base + styled}
        gazette, pier = articles[base + article], articles[base + styled]
        assert (gazette["source"], pier["source"]) == ("gazette", "pier")
        [v1] = store.versions(gazette["id"])
        [p1] = store.versions(pier["id"])
    assert v1["title"] == "Harbour wall to be rebuilt" and v1["byline"] == "Sam Example"
    assert v1["body"] == "\n\n".join(PARAGRAPHS) and v1["extractor"].startswith("generic")
    assert p1["title"] == "Pier to reopen (styled)" and p1["extractor"].startswith("configured")
    assert p1["body"] == "\n\n".join(PARAGRAPHS)
    requested = {path for _, path, _ in server.requests}
    assert "/video/2026/clip.html" not in requested

    # The same pages again, re-checked from the feeds: checks, but no new version.
    crawl(db_path, "feeds", "-s", f"NEWSDIFFS_SOURCES={sources}", "-s",
          "NEWSDIFFS_RECHECK_FEED_LINKS=True")
    with Store(db_path) as store:
        for row in store.articles():
            assert len(store.versions(row["id"])) == 1
            assert [c["outcome"] for c in store.checks(row["id"])] == ["new", "unchanged"]
