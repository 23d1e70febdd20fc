"""Wayback Machine captures (``newsdiffs archive``) against a fake Save Page Now on 127.0.0.1."""

import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import click
import lxml.html
import pytest
from click.testing import CliRunner
from reading_data import DEMO_BASE, build_demo_db, record

from newsdiffs.archive import (
    ArchiveError,
    ArchiveSettings,
    CaptureFailed,
    archive_versions,
    capture_from_headers,
    request_capture,
)
from newsdiffs.cli import cli
from newsdiffs.cli_archive import run_archive, settings_from_env
from newsdiffs.items import Block
from newsdiffs.static_site import article_dir, build_site
from newsdiffs.store import Store

RIVER = f"{DEMO_BASE}/news/articles/c1demo0001o"
RAIL = f"{DEMO_BASE}/news/articles/c2demo0002o"
LIBRARY = f"{DEMO_BASE}/news/articles/c3demo0003o"


class FakeSavePageNow:
    """``/save/<url>``: the answer for each URL is set by the test (default: a redirect)."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, dict[str, str]]] = {}
        #: Answer every request with this status (a Save Page Now that is down).
        self.status: int | None = None
        self.requests: list[str] = []
        self.times: list[float] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = self.path.removeprefix("/save/")
                fake.requests.append(url)
                fake.times.append(time.monotonic())
                status, headers = fake.answers.get(
                    url, (302, {"Location": f"/web/20261120101500/{url}"}))
                if fake.status is not None:
                    status, headers = fake.status, {}
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       kwargs={"poll_interval": 0.05})  # a quick shutdown

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/save/"

    def __enter__(self) -> "FakeSavePageNow":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def spn():
    with FakeSavePageNow() as server:
        yield server


@pytest.fixture
def demo(tmp_path):
    with Store(build_demo_db(tmp_path / "demo.db")) as store:
        yield store


def newest_first(store) -> list[str]:
    """Article URLs by the id of their latest version, newest first."""
    latest = {u: store.latest_version(store.article(u)["id"])["id"] for u in (RIVER, RAIL, LIBRARY)}
    return sorted(latest, key=latest.get, reverse=True)


def settings(spn, **kw) -> ArchiveSettings:
    return ArchiveSettings(**{"endpoint": spn.endpoint, "delay": 0.5, **kw})


def test_captures_are_recorded_with_their_archive_url(demo, spn):
    slept: list[float] = []
    report = archive_versions(demo, settings(spn), sleep=slept.append,
                              clock=lambda: "2026-11-20T10:15:00Z")
    assert (report.requested, report.archived, report.failed) == (3, 3, 0)
    assert slept == [0.5, 0.5]  # a delay between requests, none before the first
    # Only each article's latest version (the live page), newest first.
    assert spn.requests == newest_first(demo)
    rows = {r["version_id"]: r for r in demo.db.query("SELECT * FROM archives")}
    river = demo.latest_version(demo.article(RIVER)["id"])
    assert rows[river["id"]]["status"] == "ok"
    assert rows[river["id"]]["archive_url"] == (
        f"{spn.endpoint.removesuffix('/save/')}/web/20261120101500/{RIVER}")
    assert rows[river["id"]]["attempts"] == 1
    assert rows[river["id"]]["requested_at"] == "2026-11-20T10:15:00Z"
    # Nothing left to do: a second run asks for nothing.
    assert archive_versions(demo, settings(spn), sleep=slept.append).requested == 0


def test_failures_are_recorded_and_retried_up_to_the_limit(demo, spn):
    spn.answers[RIVER] = (503, {})
    run = lambda: archive_versions(demo, settings(spn, max_attempts=2),  # noqa: E731
                                   sleep=lambda s: None)
    first = run()
    assert (first.archived, first.failed) == (2, 1)
    river = demo.latest_version(demo.article(RIVER)["id"])["id"]
    row = next(demo.db.query("SELECT * FROM archives WHERE version_id = ?", [river]))
    assert (row["status"], row["archive_url"], row["attempts"], row["last_error"]) == (
        "failed", None, 1, "HTTP 503")
    second = run()
    assert (second.requested, second.failed) == (1, 1)
    row = next(demo.db.query("SELECT * FROM archives WHERE version_id = ?", [river]))
    assert row["attempts"] == 2
    assert run().requested == 0  # given up after 2 attempts
    # A new version of the article is a new capture to ask for.
    body = [Block(t) for t in demo.version(demo.article(RIVER)["id"], 3)["body"].split("\n\n")]
    record(demo, url=RIVER, source="bbc", at="2026-11-20T12:00:00Z", title="New title",
           body=[*body, Block("More.")])
    spn.answers.pop(RIVER)
    assert run().archived == 1


def test_rate_limit_ends_the_run_and_limit_caps_it(demo, spn):
    first, second, _ = newest_first(demo)
    spn.answers[first] = (429, {"Retry-After": "60"})
    report = archive_versions(demo, settings(spn), sleep=lambda s: None)
    assert (report.requested, report.failed, report.rate_limited) == (1, 1, True)
    assert "slow down" in str(report)
    capped = archive_versions(demo, settings(spn, limit=1), sleep=lambda s: None)
    assert capped.requested == 1 and spn.requests[-1] == second  # never tried before: first


def test_content_location_and_bad_answers(spn):
    ok = "https://example.org/a?b=1"
    spn.answers[ok] = (200, {"Content-Location": f"/web/20261120101500/{ok}"})
    assert request_capture(ok, endpoint=spn.endpoint, timeout=5).endswith(
        f"/web/20261120101500/{ok}")
    spn.answers["https://example.org/none"] = (200, {})
    with pytest.raises(CaptureFailed, match="without a capture location"):
        request_capture("https://example.org/none", endpoint=spn.endpoint, timeout=5)
    # A Location that is not a capture (e.g. a login page) is not taken for one.
    assert capture_from_headers({"location": "/login"}, spn.endpoint) is None
    assert capture_from_headers({"location": "javascript:alert(1)"}, spn.endpoint) is None
    with pytest.raises(CaptureFailed, match="request failed"):
        request_capture("https://example.org/x", endpoint="http://127.0.0.1:9/save/", timeout=2)
    with pytest.raises(ArchiveError):
        ArchiveSettings(endpoint="file:///etc/")


def test_archive_command_and_version_page_link(tmp_path, spn, monkeypatch):
    db = build_demo_db(tmp_path / "demo.db")
    monkeypatch.setenv("NEWSDIFFS_ARCHIVE_DELAY", "0")
    runner = CliRunner()
    result = runner.invoke(cli, ["archive", "--db", str(db), "--endpoint", spn.endpoint,
                                 "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert result.output == "2 captures requested: 2 archived, 0 failed\n"
    bad = runner.invoke(cli, ["archive", "--db", str(db), "--endpoint", "ftp://x/"])
    assert bad.exit_code == 2 and "not an http(s) URL" in bad.output
    missing = runner.invoke(cli, ["archive", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "not found" in missing.output
    with Store(db) as store:
        build_site(store, tmp_path / "site")
        page = tmp_path / "site" / article_dir(store.article(LIBRARY)) / "2.html"
    links = lxml.html.fromstring(page.read_bytes()).xpath(
        "//p[@class='evidence']//a[text()='archived copy']/@href")
    assert links == [f"{spn.endpoint.removesuffix('/save/')}/web/20261120101500/{LIBRARY}"]


# -- crawl --archive: a real crawl of a local site, then captures from a fake Save Page Now --


def demo_article(slug: str, title: str):
    from newsdiffs.demo.pages import DemoArticle

    return DemoArticle(
        slug=slug, title=title, published="2026-11-20T08:00:00.000Z", ago="2 hours ago",
        byline="Sam Jones",
        blocks=[("p", f"{title}: the council has approved the plans after a long debate "
                      "about their cost and the time they will take."),
                ("p", "Engineers said the work would start in the spring.")])


def serve(server, *articles) -> list[str]:
    """Serve the demo articles; their URLs."""
    from newsdiffs.demo.pages import render_article
    from newsdiffs.demo.server import Page

    pages = {f"/news/articles/{a.slug}": Page(render_article(a), etag=False) for a in articles}
    server.set_pages(pages)
    return [server.url(path) for path in pages]


def crawl_archive(crawl, db_path, tmp_path, urls: list[str]):
    url_file = tmp_path / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return crawl(db_path, "bbc", "-a", f"urls={url_file}", "--archive")


def archive_rows(db_path) -> list[dict]:
    with Store(db_path) as store:
        return list(store.db.query(
            """SELECT a.url, v.version, r.status, r.archive_url, r.attempts, r.last_error
               FROM archives r JOIN versions v ON v.id = r.version_id
               JOIN articles a ON a.id = v.article_id ORDER BY a.url, v.version"""))


def test_crawl_archive_stores_capture_urls_and_the_site_links_them(
        tmp_path, db_path, server, crawl, spn, monkeypatch):
    monkeypatch.setenv("NEWSDIFFS_ARCHIVE_ENDPOINT", spn.endpoint)
    monkeypatch.setenv("NEWSDIFFS_ARCHIVE_DELAY", "0.4")
    urls = serve(server, demo_article("c9arch0001o", "Bridge approved"),
                 demo_article("c9arch0002o", "Library to reopen"))
    result = crawl_archive(crawl, db_path, tmp_path, urls)
    assert "2 captures requested: 2 archived, 0 failed" in result.stdout
    assert sorted(spn.requests) == sorted(urls)
    assert spn.times[1] - spn.times[0] >= 0.4  # requests spaced by the delay
    host = spn.endpoint.removesuffix("/save/")
    assert [(r["url"], r["version"], r["status"], r["archive_url"], r["attempts"])
            for r in archive_rows(db_path)] == [
        (u, 1, "ok", f"{host}/web/20261120101500/{u}", 1) for u in sorted(urls)]
    # Nothing new: the next crawl asks for no capture.
    again = crawl_archive(crawl, db_path, tmp_path, urls)
    assert "0 captures requested" in again.stdout and len(spn.requests) == 2
    with Store(db_path) as store:
        build_site(store, tmp_path / "site")
        for u in urls:
            page = tmp_path / "site" / article_dir(store.article(u)) / "1.html"
            links = lxml.html.fromstring(page.read_bytes()).xpath(
                "//p[@class='evidence']//a[text()='archived copy']/@href")
            assert links == [f"{host}/web/20261120101500/{u}"]


def test_crawl_archive_failures_never_block_storing_and_retries_are_bounded(
        tmp_path, db_path, server, crawl, spn, monkeypatch):
    monkeypatch.setenv("NEWSDIFFS_ARCHIVE_ENDPOINT", spn.endpoint)
    monkeypatch.setenv("NEWSDIFFS_ARCHIVE_DELAY", "0")
    monkeypatch.setenv("NEWSDIFFS_ARCHIVE_ATTEMPTS", "2")
    monkeypatch.setenv("NEWSDIFFS_ARCHIVE_LIMIT", "1")
    spn.status = 503
    first = demo_article("c9arch0003o", "Harbour wall to be repaired")
    [url] = serve(server, first)
    result = crawl_archive(crawl, db_path, tmp_path, [url])  # exit status 0 (asserted)
    assert "1 captures requested: 0 archived, 1 failed" in result.stdout
    with Store(db_path) as store:
        assert store.article(url)["version_count"] == 1  # the version is stored
    assert [(r["status"], r["attempts"], r["last_error"]) for r in archive_rows(db_path)] == [
        ("failed", 1, "HTTP 503")]
    crawl_archive(crawl, db_path, tmp_path, [url])  # retried once more ...
    assert archive_rows(db_path)[0]["attempts"] == 2
    gave_up = crawl_archive(crawl, db_path, tmp_path, [url])  # ... then given up
    assert "0 captures requested" in gave_up.stdout and len(spn.requests) == 2
    # An archive that cannot be reached at all: the new version is stored all the same.
    monkeypatch.setenv("NEWSDIFFS_ARCHIVE_ENDPOINT", "http://127.0.0.1:9/save/")
    serve(server, replace(first, title="Harbour wall repairs to cost £2m more"))
    down = crawl_archive(crawl, db_path, tmp_path, [url])
    assert "1 captures requested: 0 archived, 1 failed" in down.stdout
    with Store(db_path) as store:
        assert store.article(url)["version_count"] == 2
    assert archive_rows(db_path)[1]["last_error"].startswith("request failed")
    # The archive is back: the capture of the new version is made by the next crawl.
    monkeypatch.setenv("NEWSDIFFS_ARCHIVE_ENDPOINT", spn.endpoint)
    spn.status = None
    back = crawl_archive(crawl, db_path, tmp_path, [url])
    assert "1 captures requested: 1 archived, 0 failed" in back.stdout
    assert [(r["version"], r["status"]) for r in archive_rows(db_path)] == [
        (1, "failed"), (2, "ok")]


def test_quiet_archive_still_warns_about_failed_captures(tmp_path, spn, monkeypatch):
    db = build_demo_db(tmp_path / "q.db")
    spn.status = 503
    monkeypatch.setenv("NEWSDIFFS_ARCHIVE_DELAY", "0")

    @click.command()
    def quiet_run():  # what `crawl --archive --quiet` runs after the crawl
        run_archive(str(db), settings_from_env(endpoint=spn.endpoint), quiet=True)

    result = CliRunner().invoke(quiet_run, [])
    assert result.exit_code == 0  # the versions are stored; the captures wait for the next run
    assert result.stdout == ""
    assert result.stderr.startswith("Warning: archive: 3 captures requested: 0 archived, "
                                    "3 failed (kept for the next run)")
    spn.status = None
    calm = CliRunner().invoke(quiet_run, [])
    assert calm.exit_code == 0 and calm.output == ""
