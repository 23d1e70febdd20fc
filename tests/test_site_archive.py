"""Wayback Machine captures (``newsdiffs archive``) against a fake Save Page Now on 127.0.0.1."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
from newsdiffs.items import Block
from newsdiffs.site import article_dir, build_site
from newsdiffs.store import Store

RIVER = f"{DEMO_BASE}/news/articles/c1demo0001o"
RAIL = f"{DEMO_BASE}/news/articles/c2demo0002o"
LIBRARY = f"{DEMO_BASE}/news/articles/c3demo0003o"


class FakeSavePageNow:
    """``/save/<url>``: the answer for each URL is set by the test (default: a redirect)."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, dict[str, str]]] = {}
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = self.path.removeprefix("/save/")
                fake.requests.append(url)
                status, headers = fake.answers.get(
                    url, (302, {"Location": f"/web/20261120101500/{url}"}))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

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
