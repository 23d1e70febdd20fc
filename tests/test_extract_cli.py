"""``newsdiffs extract``: a saved file or a loopback URL, printed as the item newsdiffs would store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsdiffs.cli import cli
from newsdiffs.demo.server import Page
from newsdiffs.extract import get_extractor
from newsdiffs.revision import clean_item, new_version

CASE = Path(__file__).parent / "fixtures" / "bbc" / "current-2024"
BBC_URL = (CASE / "url.txt").read_text().strip()


def extract(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["extract", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def with_problem(*args: str) -> dict:
    """The JSON printed for a page with a problem (exit status 1)."""
    result = CliRunner().invoke(cli, ["extract", *args])
    assert result.exit_code == 1, result.output
    out = json.loads(result.output)
    assert out["problem"], out
    return out


def failing(*args: str) -> str:
    result = CliRunner().invoke(cli, ["extract", *args])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_extract_file_with_original_url_uses_the_site_extractor():
    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))
    out = extract(str(CASE / "page.html"), "--url", BBC_URL)
    assert out["extractor"].startswith("bbc/")
    assert out["title"] == expected["title"]
    assert out["byline"] == expected["byline"]
    assert out["published"] == expected["published"]
    assert out["canonical_url"] == expected["canonical_url"]
    assert [[b["kind"], b["text"]] for b in out["body"]] == expected["body"]
    assert out["problem"] is None
    item = clean_item(get_extractor("bbc")((CASE / "page.html").read_bytes(), BBC_URL))
    assert out["fingerprint"] == new_version(item, fetched_at="", previous=None).hash


def test_extract_source_option_picks_the_extractor():
    out = extract(str(CASE / "page.html"), "--source", "generic")
    assert out["extractor"].startswith("generic/")
    assert out["url"].startswith("file://")


def test_extract_loopback_url(server):
    server.set_pages({"/news/articles/c9xq2example0o": Page((CASE / "page.html").read_bytes())})
    url = server.url("/news/articles/c9xq2example0o")
    plain = extract(url)  # a 127.0.0.1 host is no known site: the generic extractor
    assert plain["extractor"].startswith("generic/") and plain["url"] == url
    out = extract(url, "--url", BBC_URL)
    assert out["extractor"].startswith("bbc/")
    assert out["title"] == "Library opening hours cut to save £1.2m"
    assert server.requests_for("/news/articles/c9xq2example0o")[0]["user-agent"].startswith(
        "newsdiffs/")


def test_extract_fetches_with_the_crawls_user_agent(server):
    server.set_pages({"/a": Page((CASE / "page.html").read_bytes())})
    extract(server.url("/a"), "-s", "NEWSDIFFS_CONTACT_URL=https://ops.example/contact")
    extract(server.url("/a"), "-s", "USER_AGENT=research-bot/2 (+https://lab.example/)")
    agents = [r["user-agent"] for r in server.requests_for("/a")]
    assert agents[0].startswith("newsdiffs/") and agents[0].endswith(" (+https://ops.example/contact)")
    assert agents[1] == "research-bot/2 (+https://lab.example/)"


def test_extract_reports_a_page_that_would_fail_validation(tmp_path):
    page = tmp_path / "short.html"
    page.write_text("<html><head><title>Short</title></head><body><article><h1>Short</h1>"
                    "<p>Only a line of text here.</p></article></body></html>")
    out = with_problem(str(page), "--source", "generic")
    assert out["problem"].startswith("near-empty body")
    assert out["title"] == "Short" and out["fingerprint"]


@pytest.mark.parametrize("case, problem", [
    ("consent-page", "extraction failed: "),
    ("live-page", "extraction failed: live page"),
])
def test_extract_prints_the_problem_of_pages_no_extractor_reads(case, problem):
    out = with_problem(str(CASE.parent / case / "page.html"), "--url", BBC_URL)
    assert out["problem"].startswith(problem)
    assert out["url"] == BBC_URL and out["extractor"].startswith("bbc/")
    assert out["title"] is None and out["body"] == [] and out["fingerprint"] is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.html"], "cannot read missing.html"),
        ([str(CASE / "page.html"), "--source", "nosuchsite"], "no extractor or source named"),
    ],
)
def test_extract_errors_are_one_line(args, message):
    assert message in failing(*args)


def test_extract_http_error_is_one_line(server):
    assert "cannot fetch" in failing(server.url("/nothing-here")) and "HTTP 404" in failing(
        server.url("/nothing-here"))
