"""Issue 8, reading side: no script links, no raw terminal escapes, one-line errors for bad input.

The databases here hold "old stored data": rows written before the crawler
learnt to refuse such values, so the bad values are put in with plain SQL
(the store itself would no longer accept some of them).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest
from click.testing import CliRunner
from reading_data import DEMO_BASE, HOSTILE_URL, build_demo_db

from newsdiffs.cli import cli, text_diff, visible
from newsdiffs.export import BadSince, since_to_iso, write_rows
from newsdiffs.links import http_link
from newsdiffs.render import version_page
from newsdiffs.static_site import SiteError, article_dir, build_site
from newsdiffs.store import Store, register_functions
from newsdiffs.times import BadDuration, parse_span

RIVER = f"{DEMO_BASE}/news/articles/c1demo0001o"
SCRIPT_URL = "JavaScript:alert(1)//"
ATOM = "{http://www.w3.org/2005/Atom}"
#: What a terminal must never receive raw: C0 controls but tab and newline, DEL, C1 controls.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: The colour codes text_diff adds itself on a terminal (not page data).
SGR = re.compile(r"\x1b\[[0-9;]*m")
ESCAPES = "\x1b]0;owned\x07 \x1b[2J\x9b5n\r\x00"


def _sql(db: Path, *statements: tuple[str, tuple]) -> None:
    con = sqlite3.connect(db)
    register_functions(con)  # a title changed by hand is indexed again with the packed body
    with con:
        for sql, params in statements:
            con.execute(sql, params)
    con.close()


@pytest.fixture(scope="module")
def script_db(tmp_path_factory) -> Path:
    """The demo database whose hostile article's stored URL is a javascript: URL."""
    db = build_demo_db(tmp_path_factory.mktemp("xss") / "xss.db", hostile=True)
    _sql(db, ("UPDATE articles SET url = ? WHERE url = ?", (SCRIPT_URL, HOSTILE_URL)),
         ("UPDATE versions SET url = ? WHERE url = ?", (SCRIPT_URL, HOSTILE_URL)))
    return db


@pytest.fixture(scope="module")
def escape_db(tmp_path_factory) -> Path:
    """The demo database with terminal escapes in a source name, titles, bylines and bodies."""
    db = build_demo_db(tmp_path_factory.mktemp("esc") / "esc.db")
    # Older bodies are packed (m015): they are changed through the store.
    with Store(db) as store:
        for v in store.versions(store.article(RIVER)["id"]):
            body = v["body"] + "\n\nmeeting " + ESCAPES
            if v["version"] == 3:
                body = body.replace("transform", "trans\x1b[2Kform")
            store.set_body(v["id"], body)
    _sql(db,
         ("UPDATE versions SET title = title || ?, byline = ? "
          "WHERE article_id = (SELECT id FROM articles WHERE url = ?)",
          (ESCAPES, "Jo\x1b[8m Hidden", RIVER)),
         ("UPDATE articles SET title = title || ?, source = ? WHERE url = ?",
          (ESCAPES, "bbc\x1b]0;x\x07", RIVER)))
    return db


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


# -- defect 2: only http(s) URLs become links -------------------------------------------


def _is_safe_href(href: str) -> bool:
    """A link the site may contain: relative (to a page of the site) or http(s)."""
    if href.startswith("//"):
        return False
    scheme = urlsplit(href).scheme.lower()
    return scheme in ("", "http", "https") and not RAW_CONTROL.search(href)


@pytest.mark.parametrize("url, expected", [
    ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&c=2"),
    ("HTTP://Example.org/", "HTTP://Example.org/"),
    (SCRIPT_URL, None),
    ("javascript:alert(1)", None),
    ("java\tscript:alert(1)", None),
    (" javascript:alert(1)", None),
    ("\x01https://example.org/", None),
    ("https://example.org/\x1b", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("vbscript:msgbox(1)", None),
    ("//evil.example/x", None),
    ("/relative/path", None),
    ("https:///no-host", None),
    ("http://[bad/x", None),
    ("http://example.org:99999/x", None),
    ("", None),
    (None, None),
])
def test_http_link_admits_only_http_urls(url, expected):
    assert http_link(url) == expected


def test_site_pages_and_feeds_link_only_http_or_relative(script_db, tmp_path):
    out = tmp_path / "site"
    with Store(script_db) as store:
        build_site(store, out)
        article = store.article(SCRIPT_URL)
    pages = sorted(out.rglob("*.html"))
    hrefs = []
    for page in pages:
        doc = lxml.html.fromstring(page.read_bytes())
        hrefs += [(page, h) for h in doc.xpath("//@href | //@src | //@action")]
    assert hrefs and [h for h in hrefs if not _is_safe_href(h[1])] == []
    # The original address is still shown, as text.
    script_page = out / article_dir(article) / "2.html"
    doc = lxml.html.fromstring(script_page.read_bytes())
    assert SCRIPT_URL in doc.text_content()
    assert not doc.xpath("//a[contains(., 'Original article')]")
    river = out / article_dir({"url": RIVER, "source": "bbc"}) / "2.html"
    assert lxml.html.fromstring(river.read_bytes()).xpath(
        "//a[contains(., 'Original article')]/@href") == [RIVER]

    feeds = sorted(out.rglob("*.xml"))
    related = []
    for feed in feeds:
        root = lxml.etree.fromstring(feed.read_bytes())
        links = root.xpath("//a:link/@href", namespaces={"a": ATOM[1:-1]})
        assert [h for h in links if not _is_safe_href(h)] == [], feed
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed, parsed.bozo_exception)
        for entry in parsed.entries:
            for link in entry.get("links", []):
                assert _is_safe_href(link["href"]), (feed, link)
                if link.get("rel") == "related":
                    related.append(link["href"])
            for content in entry.get("content", []):
                frag = lxml.html.fragment_fromstring(content.value, create_parent="div")
                assert all(_is_safe_href(h) for h in frag.xpath(".//@href")), feed
    assert RIVER in related and not [h for h in related if "alert" in h.lower()]


def test_diff_html_command_does_not_link_a_script_url(script_db):
    result = invoke("diff", "--db", str(script_db), SCRIPT_URL, "--format", "html")
    assert result.exit_code == 0, result.output
    doc = lxml.html.fromstring(result.output)
    hrefs = doc.xpath("//@href")
    assert all(_is_safe_href(h) for h in hrefs), hrefs
    assert SCRIPT_URL in doc.text_content()


def test_version_page_shows_a_script_url_as_text_only():
    article = {"url": "javascript:alert(document.cookie)", "source": "x", "title": "T",
               "first_seen": "2026-01-01T00:00:00Z", "status": "active", "version_count": 1}
    new = {"version": 1, "fetched_at": "2026-01-01T00:00:00Z", "title": "T", "byline": None,
           "body": "Text."}
    doc = lxml.html.fromstring(version_page(article, new))
    assert not [h for h in doc.xpath("//@href") if "javascript" in h.lower()]
    assert "javascript:alert(document.cookie)" in doc.text_content()


@pytest.mark.parametrize("base_url", ["javascript:alert(1)//", "ftp://example.org/",
                                      "https://[bad/", "example.org"])
def test_site_base_url_must_be_http(script_db, tmp_path, base_url):
    with Store(script_db) as store, pytest.raises(SiteError):
        build_site(store, tmp_path / "site", base_url=base_url)
    result = invoke("site", "--db", str(script_db), str(tmp_path / "s2"), "--base-url", base_url)
    _one_line_error(result, 2, "--base-url")
    assert not (tmp_path / "s2").exists()


def test_site_survives_an_unparsable_stored_url(tmp_path):
    db = build_demo_db(tmp_path / "bad.db", hostile=True)
    _sql(db, ("UPDATE articles SET url = ? WHERE url = ?", ("http://[bad/x", HOSTILE_URL)))
    with Store(db) as store:
        report = build_site(store, tmp_path / "site")
    assert report.articles == 4
    assert article_dir({"url": "http://[bad/x", "source": "s"}).startswith("article/s/")


# -- defect 10: no raw escapes on a terminal ---------------------------------------------


def test_visible_shows_control_characters_as_escapes():
    assert visible("a\x1b[2Jb\x07c\x9bd\x7fe\rf\x00") == "a\\x1b[2Jb\\x07c\\x9bd\\x7fe\\x0df\\x00"
    assert visible("tab\tand\nnewline, café 東京 🦆") == "tab\tand\nnewline, café 東京 🦆"


@pytest.mark.parametrize("args", [
    ("history", RIVER),
    ("show", RIVER),
    ("show", RIVER, "--version", "1"),
    ("diff", RIVER),
    ("diff", RIVER, "1", "3"),
    ("diff", RIVER, "--format", "json"),
    ("diff", RIVER, "--format", "html"),
    ("changes",),
    ("search", "meeting"),
    ("search", "owned"),
    ("status",),
    ("export", "--format", "json"),
    ("export", "--format", "jsonl", "--table", "articles"),
])
def test_terminal_output_has_no_raw_escapes(escape_db, args):
    result = invoke(args[0], "--db", str(escape_db), *args[1:])
    assert result.exit_code in (0, 1), result.output  # status exits 1 on its warnings
    assert result.output.strip()
    assert not RAW_CONTROL.search(result.output), repr(result.output[:400])
    if args[0] not in ("search", "status"):
        # Shown, not hidden: as \x1b on a terminal, as \u001b in JSON.
        assert ("u001b" if "json" in "".join(args) else "\\x1b") in result.output


def test_escapes_are_shown_in_the_text_of_each_command(escape_db):
    out = invoke("show", "--db", str(escape_db), RIVER).output
    assert "\\x1b]0;owned\\x07 \\x1b[2J\\x9b5n\\x0d\\x00" in out
    assert "By Jo\\x1b[8m Hidden" in out
    history = invoke("history", "--db", str(escape_db), RIVER).output
    assert "\\x1b]0;owned\\x07" in history.splitlines()[0]
    status = invoke("status", "--db", str(escape_db)).output
    assert "bbc\\x1b]0;x\\x07" in status


def test_coloured_diff_adds_only_its_own_colour_codes():
    old = {"version": 1, "fetched_at": "2026-01-01T00:00:00Z", "title": "T\x1b]0;a\x07",
           "byline": None, "body": "The cat sat.\n\nGone \x1b[2J para."}
    new = {**old, "version": 2, "title": "T\x1b]0;b\x07", "body": "The \x9b5n cat sat."}
    coloured = text_diff(old, new, color=True)
    assert SGR.search(coloured)
    assert not RAW_CONTROL.search(SGR.sub("", coloured)), repr(coloured)
    assert "T\\x1b]0;" in coloured and "\\x9b5n" in coloured and "\\x1b[2J" in coloured
    assert not RAW_CONTROL.search(text_diff(old, new))


def test_json_output_escapes_c1_controls_losslessly(escape_db):
    import io
    import json

    out = io.StringIO()
    write_rows(iter([{"t": "a\x9bb\x1bc\x7f"}]), ["t"], "jsonl", out)
    assert not RAW_CONTROL.search(out.getvalue())
    assert json.loads(out.getvalue()) == {"t": "a\x9bb\x1bc\x7f"}
    result = invoke("diff", "--db", str(escape_db), RIVER, "--format", "json")
    assert ESCAPES in json.loads(result.output)["title"]["new"]


# -- defect 16: bad reader input is a one-line error ---------------------------------------


def _one_line_error(result, code: int, message: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    lines = [line for line in result.output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0] == lines[-1], result.output
    assert message in errors[0], result.output


HUGE = "99999999999999999999"


@pytest.mark.parametrize("args, code, message", [
    # URL arguments
    (("history", "http://[bad/x"), 2, "not a valid URL"),
    (("history", "http://example.org:99999/x"), 2, "not a valid URL"),
    (("history", "http://[::1]:99999/x"), 2, "not a valid URL"),
    (("show", "https://example.org:70000/"), 2, "not a valid URL"),
    (("diff", "http://[bad/x", "1", "2"), 2, "not a valid URL"),
    (("history", ""), 2, "give the URL"),
    (("history", "   "), 2, "give the URL"),
    (("history", "https://example.org/\x1b[2J"), 2, "not a valid URL"),
    # version numbers
    (("show", RIVER, "--version", HUGE), 1, f"no version {HUGE}: the article has versions 1 to 3"),
    (("show", RIVER, "--version", "0"), 2, "version numbers start at 1"),
    (("show", RIVER, "--version", "-1"), 2, "version numbers start at 1"),
    (("diff", RIVER, "1", HUGE), 1, f"no version {HUGE}"),
    (("diff", RIVER, HUGE), 1, f"no version {HUGE}"),
    (("diff", RIVER, "9223372036854775807"), 1, "no version 9223372036854775807"),
    (("diff", RIVER, "0"), 2, "version numbers start at 1"),
    (("diff", RIVER, "1", "0"), 2, "version numbers start at 1"),
    (("diff", RIVER, "-1"), 2, "No such option"),
    (("diff", RIVER, "3"), 1, "version 3 is the latest"),
    (("diff", RIVER, "x"), 2, "is not a valid integer"),
    # durations
    (("changes", "--since", "99999999d"), 2, "--since '99999999d': too long"),
    (("changes", "--since", "1" * 5000 + "d"), 2, "too long"),
    (("changes", "--since", "0m"), 2, "--since '0m': must be more than 0"),
    (("changes", "--since", "0001-01-01T00:00:00+01:00"), 2, "--since '0001-01-01T00:00:00+01:00'"),
    (("changes", "--since", "9999-12-31T23:00:00-05:00"), 2, "--since '9999-12-31T23:00:00-05:00'"),
    (("export", "--since", "9999999999w"), 2, "--since '9999999999w': too long"),
    (("status", "--window", "99999999d"), 2, "too long"),
    (("status", "--window", "0s"), 2, "must be more than 0"),
    (("status", "--window", "-5m"), 2, "not a duration"),
    # limits and sizes
    (("changes", "--limit", "-1"), 2, "--limit"),
    (("changes", "--limit", HUGE), 2, "--limit"),
    (("search", "bridge", "--limit", HUGE), 2, "--limit"),
    (("site", "OUT", "--feed-size", HUGE), 2, "--feed-size"),
    (("site", "OUT", "--page-size", "0"), 2, "--page-size"),
    # search
    (("search", ""), 2, "give one or more words to search for"),
    (("search", "  \t "), 2, "give one or more words to search for"),
    (("search", "", "--raw"), 2, "give one or more words to search for"),
    (("search", '""""'), 2, "give one or more words to search for"),
    (("search", ' " '), 2, "give one or more words to search for"),
    (("search", '"', "--raw"), 1, "cannot search for"),
    (("search", "a\x00b"), 2, "holds control characters"),
    (("search", "\x1b[2J", "--raw"), 2, "holds control characters"),
    # formats and files
    (("export", "--format", "bogus"), 2, "'bogus' is not one of"),
    (("export", "--table", "sqlite_master"), 2, "--table"),
    (("diff", RIVER, "--format", "pdf"), 2, "'pdf' is not one of"),
    (("export", "-o", "MISSING/dir/x.csv"), 1, "cannot write"),
    (("export", "-o", "TMP"), 2, "is a directory"),
    (("site", "DBFILE"), 2, "is a file"),
    (("site", "DBFILE/sub"), 1, "cannot write the site"),
])
def test_bad_reader_input_is_a_one_line_error(tmp_path, args, code, message):
    db = build_demo_db(tmp_path / "demo.db")
    before = db.read_bytes()
    args = tuple(a.replace("MISSING", str(tmp_path / "missing")).replace("DBFILE", str(db))
                 .replace("TMP", str(tmp_path)).replace("OUT", str(tmp_path / "out"))
                 for a in args)
    result = invoke(args[0], "--db", str(db), *args[1:])
    _one_line_error(result, code, message)
    assert db.read_bytes() == before


def test_metadata_into_a_missing_directory_is_a_one_line_error(tmp_path):
    target = tmp_path / "missing" / "dir" / "m.json"
    _one_line_error(invoke("metadata", "-o", str(target)), 1, f"cannot write {target}")
    _one_line_error(invoke("metadata", "-o", str(tmp_path)), 2, "is a directory")
    assert invoke("metadata", "-o", str(tmp_path / "m.json")).exit_code == 0


@pytest.mark.parametrize("text, expected", [
    ("30m", 1800), ("30min", 1800), ("12h", 43200), ("1d", 86400), ("2w", 1209600),
    ("90s", 90), ("1h30m", 5400), (" 1 D ", 86400), ("36500d", 36500 * 86400),
])
def test_parse_span_reads_durations(text, expected):
    assert parse_span(text).total_seconds() == expected


@pytest.mark.parametrize("text", ["", "soon", "-5m", "1.5h", "5", "d", "0m", "36501d",
                                  "99999999d", "9" * 5000 + "s", "1h-5m"])
def test_parse_span_rejects(text):
    with pytest.raises(BadDuration):
        parse_span(text)


def test_since_before_year_1000_sorts_with_stored_times():
    from datetime import datetime

    from newsdiffs.times import UTC

    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert since_to_iso("0999-01-01", now) == "0999-01-01T00:00:00Z"
    with pytest.raises(BadSince):
        since_to_iso("99999999d", now)
