"""robots.txt is obeyed for every request, also those queued while it is being fetched (issue 8: 3).

Scrapy 2.19's RobotsTxtMiddleware hands one Deferred to every request that
waits for a host's robots.txt, and only the first gets the parser: the others
were let through. ``spiders.middlewares.SharedRobotsTxtMiddleware`` replaces it.
"""

from __future__ import annotations

from spider_pages import bbc_page, run

from newsdiffs.crawl import project_settings
from newsdiffs.demo.server import Page
from newsdiffs.store import Store


def test_disallow_all_fetches_none_of_twenty_pages(server, db_path, tmp_path):
    paths = [f"/news/articles/c0robot{n:03d}o" for n in range(20)]
    server.set_pages({
        "/robots.txt": Page("User-agent: *\nDisallow: /\n", content_type="text/plain"),
        **{p: bbc_page(p.rsplit("/", 1)[1]) for p in paths},
    })
    (tmp_path / "urls.txt").write_text("".join(server.url(p) + "\n" for p in paths))
    result = run(db_path, "bbc", "-a", f"urls={tmp_path / 'urls.txt'}",
                 "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    fetched = [p for _, p, _ in server.requests if p != "/robots.txt"]
    assert fetched == [], f"{len(fetched)} of 20 pages fetched despite Disallow: /"
    assert [p for _, p, _ in server.requests] == ["/robots.txt"]
    with Store(db_path) as store:
        assert store.counts()["articles"] == 0


def test_allowed_pages_are_still_fetched_after_waiting(server, db_path, tmp_path):
    ok = [f"/news/articles/c0robok{n:02d}o" for n in range(6)]
    private = [f"/private/news/articles/c0robpr{n:02d}o" for n in range(6)]
    server.set_pages({
        "/robots.txt": Page("User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        **{p: bbc_page(p.rsplit("/", 1)[1]) for p in ok + private},
    })
    (tmp_path / "urls.txt").write_text("".join(server.url(p) + "\n" for p in ok + private))
    result = run(db_path, "bbc", "-a", f"urls={tmp_path / 'urls.txt'}",
                 "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    fetched = {p for _, p, _ in server.requests}
    assert fetched == {"/robots.txt", *ok}


def test_the_project_uses_the_shared_robots_middleware():
    middlewares = project_settings().getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None
    assert "spiders.middlewares.SharedRobotsTxtMiddleware" in middlewares
