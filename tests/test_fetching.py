"""Polite, cheap fetching against a loopback server: validators and 304s, gone articles,
retries with backoff, redirects, robots.txt, the User-Agent and the page-size cap.

Each case ends in the right ``checks`` rows and no phantom version.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import forked
from click.testing import CliRunner
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from newsdiffs.cli import cli
from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page, ReplayServer
from newsdiffs.store import Store
from spiders.bbc import BBCSpider

ROOT = Path(__file__).resolve().parents[1]

PARAGRAPHS = [
    ("p", "Plans for a new footbridge across the river were approved by the city council on "
          "Tuesday evening after a long debate."),
    ("p", "The crossing will link the quayside with the new housing estate and is due to open "
          "in two years, the council said."),
    ("p", "Some residents have questioned whether the money would be better spent on repairing "
          "existing roads and pavements."),
]


def article_page(slug: str, extra: str | None = None, **page) -> Page:
    blocks = PARAGRAPHS + ([("p", extra)] if extra else [])
    html = render_article(DemoArticle(slug, f"Footbridge plan {slug} approved",
                                      "2026-03-01T08:00:00.000Z", "2 hours ago", "Jane Smith",
                                      blocks))
    return Page(html, **page)


def checks(db_path, slug: str) -> list[tuple]:
    with Store(db_path) as store:
        article = next(a for a in store.articles() if a["url"].endswith(slug))
        return [(c["outcome"], c["http_status"], c["detail"]) for c in store.checks(article["id"])]


def article(db_path, slug: str) -> dict:
    with Store(db_path) as store:
        return next(a for a in store.articles() if a["url"].endswith(slug))


def test_etag_answered_with_304_is_an_unchanged_check(server, db_path, crawl):
    path = "/news/articles/c0etag001o"
    server.set_pages({path: article_page("c0etag001o")})
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
    etag = article(db_path, "c0etag001o")["etag"]
    assert etag
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
    sent = server.requests_for(path)
    assert "if-none-match" not in sent[0] and sent[1]["if-none-match"] == etag
    assert checks(db_path, "c0etag001o") == [("new", 200, None), ("unchanged", 304, None)]
    row = article(db_path, "c0etag001o")
    assert row["version_count"] == 1 and row["check_count"] == 2 and row["etag"] == etag


def test_last_modified_is_sent_back(server, db_path, crawl):
    path = "/news/articles/c0lmod001o"
    server.set_pages({path: article_page("c0lmod001o", etag=False, last_modified=1772352000)})
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
    sent = server.requests_for(path)
    assert sent[1]["if-modified-since"] == "Sun, 01 Mar 2026 08:00:00 GMT"
    assert "if-none-match" not in sent[1]
    assert [c[0] for c in checks(db_path, "c0lmod001o")] == ["new", "unchanged"]


class Boom:
    name, version = "boom", "1"

    def __call__(self, html, url):
        raise AssertionError("the extractor must not read a 304")


def test_304_never_calls_the_extractor(db_path):
    crawler = get_crawler(BBCSpider, {"NEWSDIFFS_DB": str(db_path)})
    spider = BBCSpider.from_crawler(crawler)
    spider.extractor = Boom()
    url = "https://www.bbc.co.uk/news/articles/c0boom001o"
    request = Request(url, meta={"article_url": url}, headers={"If-None-Match": '"x"'})
    response = HtmlResponse(url, status=304, body=b"", headers={"ETag": '"x"'}, request=request)
    [item] = list(spider.parse_article(response))
    assert (item.http_status, item.canonical_url, item.etag, item.title) == (304, url, '"x"', "")


def test_gone_then_back(server, db_path, crawl):
    path = "/news/articles/c0gone001o"
    server.set_pages({path: article_page("c0gone001o")})
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
    server.set_pages({path: Page("<html><title>Not found</title></html>", status=404)})
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
    row = article(db_path, "c0gone001o")
    assert row["status"] == "gone" and row["version_count"] == 1
    assert row["next_check"] > row["last_checked"]
    result = CliRunner().invoke(cli, ["history", "--db", str(db_path), server.url(path)])
    assert result.exit_code == 0, result.output
    assert "status gone" in result.output and "version   1" in result.output
    server.set_pages({path: article_page("c0gone001o")})
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
    # The page is back as it was: the ETag kept through the 404 gets a 304.
    assert checks(db_path, "c0gone001o") == [
        ("new", 200, None), ("failed", 404, "HTTP 404"), ("unchanged", 304, None)]
    row = article(db_path, "c0gone001o")
    assert row["status"] == "active" and row["version_count"] == 1


class SequenceServer(ReplayServer):
    """Serves ``sequences[path]`` one response per request (the last one repeats); logs times."""

    def __init__(self) -> None:
        super().__init__()
        self.sequences: dict[str, list[Page]] = {}
        self.times: list[tuple[str, float]] = []

    def get(self, path: str) -> Page | None:
        with self._lock:
            queue = self.sequences.get(path)
            if queue:
                self.times.append((path, time.monotonic()))
                return queue.pop(0) if len(queue) > 1 else queue[0]
        return super().get(path)


def newsdiffs_crawl(db_path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "newsdiffs", "crawl", "--db", str(db_path), *args,
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    result = forked.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "NEWSDIFFS_DB": str(db_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_500_is_retried_with_backoff_then_200(db_path):
    path = "/news/articles/c0err5001o"
    with SequenceServer() as server:
        server.sequences[path] = [article_page("c0err5001o")]
        newsdiffs_crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
        server.times.clear()
        server.sequences[path] = [Page("oops", status=500), Page("still down", status=503),
                                  article_page("c0err5001o", "A new paragraph with the cost.")]
        result = newsdiffs_crawl(db_path, "bbc", "-a", f"url={server.url(path)}",
                                 "-s", "RETRY_TIMES=2", "-s", "NEWSDIFFS_RETRY_BACKOFF=0.4")
        times = [t for p, t in server.times if p == path]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.4 and times[2] - times[1] >= 0.8  # doubling waits
    assert "changed 1" in result.stdout
    assert checks(db_path, "c0err5001o") == [("new", 200, None), ("changed", 200, None)]


def test_500_without_retries_is_a_failed_check_then_200(server, db_path, crawl):
    path = "/news/articles/c0err5002o"
    server.set_pages({path: article_page("c0err5002o")})
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
    server.set_pages({path: Page("oops", status=500)})
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
    row = article(db_path, "c0err5002o")
    assert row["status"] == "active" and row["version_count"] == 1 and row["next_check"]
    server.set_pages({path: article_page("c0err5002o")})
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}")
    assert checks(db_path, "c0err5002o") == [
        ("new", 200, None), ("failed", 500, "HTTP 500"), ("unchanged", 304, None)]
    assert article(db_path, "c0err5002o")["version_count"] == 1


def test_redirect_to_another_article_is_recorded(server, db_path, crawl):
    old, new = "/news/articles/c0move001o", "/news/articles/c0move002o"
    server.set_pages({old: article_page("c0move001o")})
    crawl(db_path, "bbc", "-a", f"url={server.url(old)}")
    server.set_pages({old: Page("", status=301, headers={"Location": server.url(new)}),
                      new: article_page("c0move002o")})
    crawl(db_path, "bbc", "-a", f"url={server.url(old)}")
    note = f"redirected to {server.url(new)}"
    assert checks(db_path, "c0move001o") == [("new", 200, None), ("unchanged", 301, note)]
    moved = article(db_path, "c0move001o")
    assert moved["status"] == "finished" and moved["next_check"] is None
    assert moved["redirected_to"] == server.url(new) and moved["version_count"] == 1
    assert checks(db_path, "c0move002o") == [("new", 200, None)]
    assert article(db_path, "c0move002o")["status"] == "active"


def test_robots_txt_and_user_agent(server, db_path, crawl, tmp_path):
    ok, private = "/news/articles/c0robo001o", "/private/news/articles/c0robo002o"
    server.set_pages({
        ok: article_page("c0robo001o"), private: article_page("c0robo002o"),
        "/robots.txt": Page("User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
    })
    (tmp_path / "urls.txt").write_text(f"{server.url(ok)}\n{server.url(private)}\n")
    crawl(db_path, "bbc", "-a", f"urls={tmp_path / 'urls.txt'}",
          "-s", "NEWSDIFFS_CONTACT_URL=https://example.org/contact")
    paths = [p for _, p, _ in server.requests]
    assert private not in paths and ok in paths
    agents = {h["user-agent"] for _, _, h in server.requests}
    assert len(agents) == 1 and agents.pop().startswith("newsdiffs/")
    assert all("(+https://example.org/contact)" in h["user-agent"] for _, _, h in server.requests)
    with Store(db_path) as store:
        assert [a["url"] for a in store.articles()] == [server.url(ok)]


def test_oversized_page_is_a_failed_check(server, db_path, crawl):
    path = "/news/articles/c0big0001o"
    server.set_pages({path: article_page("c0big0001o", "x " * 20000)})
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}", "-s", "DOWNLOAD_MAXSIZE=10000")
    [(outcome, status, detail)] = checks(db_path, "c0big0001o")
    assert (outcome, status) == ("failed", None) and detail.startswith("download failed")
    assert article(db_path, "c0big0001o")["version_count"] == 0


def test_gone_is_rechecked_three_times_then_given_up(db_path):
    """The pipeline with a simulated clock: 404 x4 -> re-checks after 1h, 6h, 24h, then none."""
    from scrapy.exceptions import DropItem

    from newsdiffs.items import ArticleItem
    from pipelines.record import RecordPipeline

    pipeline = RecordPipeline(str(db_path))
    pipeline.open_spider()
    url = "https://www.bbc.co.uk/news/articles/c0gone002o"
    first = ArticleItem(url=url, title="T", body=article_body(), source="bbc",
                        fetched_at="2026-03-01T00:00:00Z")
    pipeline.process_item(first)
    nexts = []
    at = "2026-03-01T01:00:00Z"
    for _ in range(4):
        try:
            pipeline.process_item(ArticleItem(url=url, source="bbc", fetched_at=at,
                                              http_status=404, error="HTTP 404"))
        except DropItem:
            pass
        row = pipeline.store.article(url)
        nexts.append(row["next_check"])
        at = row["next_check"] or at
    pipeline.close_spider()
    assert nexts == ["2026-03-01T02:00:00Z", "2026-03-01T08:00:00Z", "2026-03-02T08:00:00Z", None]
    assert row["status"] == "gone" and row["version_count"] == 1


def article_body():
    from newsdiffs.items import Block

    return [Block(text) for _, text in PARAGRAPHS]

