"""Discovery from HTML front pages (issue 10, part 4): links of a home or section page go
through the same article URL rules as a feed's, and every fetch is a ``feed_checks`` row."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from scrapy.http import HtmlResponse, Response, TextResponse
from spider_pages import bbc_page, generic_page, make_spider, rss, run

from newsdiffs.cli import cli
from newsdiffs.demo.server import Page
from newsdiffs.front_links import front_links
from newsdiffs.sources import parse_sources, render_source
from newsdiffs.store import Store
from newsdiffs.urls import SpiderArgError, validate_spider_args
from spiders.apnews import APNewsSpider
from spiders.bbc import BBCSpider
from spiders.cnn import CNNSpider
from spiders.guardian import GuardianSpider

BASE = "https://news.example/section/"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/news/a", ["https://news.example/news/a"]),
        ("story-1", ["https://news.example/section/story-1"]),
        ("../top", ["https://news.example/top"]),
        ("//cdn.example/x", ["https://cdn.example/x"]),
        ("http://other.example/p?id=3#comments", ["http://other.example/p?id=3"]),
        ("  /spaced  ", ["https://news.example/spaced"]),
        ("/bro\nken\tlink", ["https://news.example/brokenlink"]),
        ("#top", []),
        ("", []),
        ("javascript:void(0)", []),
        (" JavaScript:alert(1)", []),
        ("mailto:desk@news.example", []),
        ("tel:+441234", []),
        ("data:text/html,<b>x</b>", []),
        ("file:///etc/passwd", []),
        ("ftp://news.example/f", []),
        ("http://[::1", []),
        ("http://user@news.example/p", []),
    ],
)
def test_front_links_of_one_href(href: str, expected: list[str]) -> None:
    page = f'<html><body><a href="{href}">link</a></body></html>'
    assert front_links(page, BASE) == expected


def test_front_links_keep_page_order_each_once() -> None:
    page = b"""<html><head><title>Front</title></head><body>
    <nav><a href="/">Home</a><a href="/news">News</a></nav>
    <a href="/news/b">B</a><a href="/news/a#more">A</a><a href="/news/b">B again</a>
    <a>no href</a><area href="/map"><a href="/news/a">A again</a>
    <footer><a href="/about">About</a></footer></body></html>"""
    assert front_links(page, BASE) == [
        "https://news.example/", "https://news.example/news",
        "https://news.example/news/b", "https://news.example/news/a",
        "https://news.example/about"]


def test_front_links_honour_an_http_base_only() -> None:
    page = '<head><base href="https://mirror.example/en/"></head><a href="story">s</a>'
    assert front_links(page, BASE) == ["https://mirror.example/en/story"]
    hostile = '<head><base href="javascript:alert(1)//"></head><a href="story">s</a>'
    assert front_links(hostile, BASE) == ["https://news.example/section/story"]


def test_front_links_decode_bytes_by_the_page_charset() -> None:
    page = '<meta charset="iso-8859-1"><a href="/caf\xe9">x</a>'.encode("latin-1")
    assert front_links(page, BASE) == ["https://news.example/café"]
    assert front_links(b"", BASE) == [] and front_links(b"\x00\xff binary", BASE) == []


# --- spider arguments and lists -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"fronts": "javascript:alert(1)"}, "fronts: 'javascript:alert(1)': not an http(s) URL"),
        ({"fronts": " , "}, "fronts: no URL given"),
        ({"fronts": "https://ok.example/,file:///etc/passwd"}, "not an http(s) URL"),
    ],
)
def test_bad_fronts_argument_is_refused(args: dict, message: str) -> None:
    with pytest.raises(SpiderArgError) as raised:
        validate_spider_args(args)
    assert message in str(raised.value)


def test_fronts_argument_is_a_one_line_error_before_any_fetch(db_path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--db", str(db_path), "bbc",
                                      "-a", "fronts=javascript:alert(1)"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: fronts: 'javascript:alert(1)': not an http(s) URL"]


def test_spiders_list_fronts_and_arguments_replace_all_discovery(db_path) -> None:
    bbc = make_spider(db_path, BBCSpider)
    assert bbc.front_urls == BBCSpider.fronts and "https://www.bbc.co.uk/news" in bbc.front_urls
    assert not bbc.trust_feed_hosts
    assert make_spider(db_path, APNewsSpider).front_urls[0] == "https://apnews.com/"
    assert make_spider(db_path, CNNSpider).front_urls[0] == "https://www.cnn.com/"
    assert make_spider(db_path, GuardianSpider).front_urls == ()  # its feeds are enough
    local = "http://127.0.0.1:8999"
    only_front = make_spider(db_path, BBCSpider, fronts=f"{local}/news, {local}/uk")
    assert only_front.front_urls == (f"{local}/news", f"{local}/uk")
    assert only_front.feed_urls == () and only_front.trust_feed_hosts
    only_feed = make_spider(db_path, BBCSpider, feeds=f"{local}/rss.xml")
    assert only_feed.front_urls == () and only_feed.feed_urls == (f"{local}/rss.xml",)
    with pytest.raises(SpiderArgError):
        make_spider(db_path, BBCSpider, fronts="")


FRONT = """<!DOCTYPE html><html><head><title>BBC News - Home</title></head><body>
<header><a href="#main">Skip</a><a href="https://www.bbc.co.uk/">Home</a>
<a href="/news">News</a><a href="/sport">Sport</a><a href="/news/world">World</a>
<a href="javascript:void(0)">Menu</a><a href="https://www.bbc.co.uk/iplayer">iPlayer</a></header>
<main>
<a href="/news/articles/c0front001o">Harbour wall</a>
<a href="https://www.bbc.com/news/articles/c0front002o?at_medium=RSS#comments">Pier</a>
<a href="/news/live/uk-99999999">Live: budget</a>
<a href="/news/videos/c0video0001o">Watch</a>
<a href="/sport/football/articles/c0sport001o">Match report</a>
<a href="/news/articles/c0front001o">Harbour wall (again)</a>
</main>
<footer><a href="/usingthebbc/terms">Terms</a><a href="mailto:news@bbc.co.uk">Mail</a></footer>
</body></html>"""


def test_front_page_links_go_through_the_article_rules(db_path) -> None:
    spider = make_spider(db_path, BBCSpider)
    url = "https://www.bbc.co.uk/news"
    request = spider.front_request(url)
    assert request.callback == spider.parse_front and request.errback == spider.feed_failed
    response = HtmlResponse(url=url, body=FRONT.encode(), request=request)
    try:
        found = [r.url for r in spider.parse_front(response)]
        [check] = spider.store.feed_checks("bbc")
    finally:
        spider.closed("finished")
    # Each article once, as linked; navigation, live, video, sport and footer links are not.
    assert found == ["https://www.bbc.co.uk/news/articles/c0front001o",
                     "https://www.bbc.com/news/articles/c0front002o?at_medium=RSS"]
    assert (check["url"], check["ok"], check["http_status"], check["new_links"]) == (url, 1, 200, 2)
    assert check["entries"] == 11  # the distinct http(s) links of the page
    assert spider.crawler.stats.get_value("newsdiffs/feed_ok") == 1


def test_sport_argument_also_follows_sport_links_of_a_front(db_path) -> None:
    spider = make_spider(db_path, BBCSpider, sport="1")
    url = "https://www.bbc.co.uk/news"
    response = HtmlResponse(url=url, body=FRONT.encode(), request=spider.front_request(url))
    try:
        found = [r.url for r in spider.parse_front(response)]
    finally:
        spider.closed("finished")
    assert "https://www.bbc.co.uk/sport/football/articles/c0sport001o" in found


def test_a_front_that_is_not_html_is_a_failed_check(db_path) -> None:
    spider = make_spider(db_path, BBCSpider)
    url = "https://www.bbc.co.uk/news"
    response = Response(url=url, body=b"\x89PNG\r\n", request=spider.front_request(url),
                        headers={"Content-Type": "image/png"})
    assert not isinstance(response, TextResponse)
    try:
        assert list(spider.parse_front(response)) == []
        [check] = spider.store.feed_checks("bbc")
    finally:
        spider.closed("finished")
    assert check["ok"] == 0 and check["error"] == "not an HTML page (image/png)"


# --- end to end: a local front page ---------------------------------------------------------


def local_front(base: str) -> str:
    return f"""<!DOCTYPE html><html><head><title>Front</title></head><body>
<nav><a href="/">Home</a><a href="/news">News</a><a href="{base}/weather">Weather</a>
<a href="javascript:alert(document.cookie)">Sign in</a><a href="/news/live/uk-12345678">Live</a>
</nav><main><a href="/news/articles/c0front001o">One</a>
<a href="{base}/news/articles/c0front002o#top">Two</a>
<a href="/news/av/uk-12345678">Video</a></main>
<footer><a href="/help/contact">Contact</a><a href="mailto:x@example.org">Mail</a></footer>
</body></html>"""


def test_crawl_from_a_local_front_page(server, db_path) -> None:
    base = server.url("").rstrip("/")
    server.set_pages({
        "/front.html": local_front(base),
        "/news/articles/c0front001o": bbc_page("c0front001o"),
        "/news/articles/c0front002o": bbc_page("c0front002o"),
        "/gone.html": Page("gone", status=404),
    })
    fronts = f"fronts={server.url('/front.html')},{server.url('/gone.html')}"
    result = run(db_path, "bbc", "-a", fronts)
    assert result.returncode == 0, result.stderr
    with Store(db_path) as store:
        tracked = {a["url"] for a in store.articles()}
        checks = {r["url"].rsplit("/", 1)[1]: r for r in store.feed_checks("bbc")}
    assert tracked == {server.url("/news/articles/c0front001o"),
                       server.url("/news/articles/c0front002o")}
    requested = {path for _, path, _ in server.requests}
    assert requested >= {"/front.html", "/gone.html", "/news/articles/c0front001o",
                         "/news/articles/c0front002o"}
    junk = {"/", "/news", "/weather", "/news/live/uk-12345678", "/news/av/uk-12345678",
            "/help/contact"}
    assert not requested & junk, requested & junk
    front, gone = checks["front.html"], checks["gone.html"]
    assert (front["ok"], front["http_status"], front["entries"], front["new_links"]) == (
        1, 200, 8, 2)
    assert (gone["ok"], gone["http_status"], gone["error"]) == (0, 404, "HTTP 404")

    # Again: both are tracked now, so the front brings no new link and nothing is refetched.
    server.requests.clear()
    result = run(db_path, "bbc", "-a", f"fronts={server.url('/front.html')}",
                 "-s", "NEWSDIFFS_RECHECK_FEED_LINKS=False")
    assert result.returncode == 0, result.stderr
    assert {path for _, path, _ in server.requests} - {"/robots.txt"} == {"/front.html"}
    with Store(db_path) as store:
        latest = max(store.feed_checks("bbc"), key=lambda r: r["id"])
    assert (latest["ok"], latest["new_links"]) == (1, 0)


def test_sources_file_fronts_for_the_feeds_spider(server, db_path, tmp_path) -> None:
    base = server.url("").rstrip("/")
    server.set_pages({
        "/gazette/": f"""<html><body><a href="/gazette/2026/harbour.html">Harbour</a>
            <a href="/gazette/about.html">About</a><a href="javascript:x()">x</a>
            <a href="{base}/gazette/2026/pier.html">Pier</a></body></html>""",
        "/gazette/rss.xml": Page(rss(base + "/gazette/2026/pier.html"),
                                 content_type="application/rss+xml"),
        "/gazette/2026/harbour.html": Page(generic_page(canonical=base + "/gazette/2026/harbour.html")),
        "/gazette/2026/pier.html": Page(generic_page("Pier to reopen",
                                                     canonical=base + "/gazette/2026/pier.html")),
    })
    sources = tmp_path / "sources.toml"
    result = CliRunner().invoke(cli, ["sources", "add", "gazette", "--file", str(sources),
                                      "--front", server.url("/gazette/"),
                                      "--feed", server.url("/gazette/rss.xml"),
                                      "--pattern", r"/gazette/\d{4}/"])
    assert result.exit_code == 0, result.output
    listing = CliRunner().invoke(cli, ["sources", "list", "--file", str(sources)])
    assert f"  front    {server.url('/gazette/')}" in listing.output
    result = run(db_path, "feeds", "-s", f"NEWSDIFFS_SOURCES={sources}")
    assert result.returncode == 0, result.stderr
    with Store(db_path) as store:
        articles = {a["url"]: a["source"] for a in store.articles()}
        checks = {r["url"]: r for r in store.feed_checks("gazette")}
    assert articles == {base + "/gazette/2026/harbour.html": "gazette",
                        base + "/gazette/2026/pier.html": "gazette"}
    assert checks[server.url("/gazette/")]["ok"] == 1
    assert checks[server.url("/gazette/")]["entries"] == 3
    assert "/gazette/about.html" not in {path for _, path, _ in server.requests}


def test_sources_file_fronts_key() -> None:
    text = ('[[source]]\nname = "paper"\nfronts = ["https://paper.example/news"]\n'
            "pattern = '/news/\\d+'\n")
    [source] = parse_sources(text)
    assert source.fronts == ("https://paper.example/news",) and source.urls == ()
    assert parse_sources(render_source(source)) == [source]
    with pytest.raises(Exception, match="line 3: 'fronts': 'javascript:x' is not an http"):
        parse_sources(text.replace("https://paper.example/news", "javascript:x"))
