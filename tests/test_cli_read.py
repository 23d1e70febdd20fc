"""The reading commands: diff (text/html/json), history, show, changes, search, site, metadata."""

import json
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from reading_data import DEMO_BASE, HOSTILE_URL, build_demo_db

from newsdiffs.cli import cli, text_diff
from newsdiffs.store import Store

ROOT = Path(__file__).resolve().parents[1]
RIVER = f"{DEMO_BASE}/news/articles/c1demo0001o"
RAIL = f"{DEMO_BASE}/news/articles/c2demo0002o"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_demo_db(tmp_path_factory.mktemp("cli") / "demo.db", hostile=True)


def run(db, *args, ok=True):
    result = CliRunner().invoke(cli, [args[0], "--db", str(db), *args[1:]])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_diff_text_default_is_the_last_two_versions(db):
    out = run(db, "diff", RIVER).output
    assert out.splitlines()[:3] == [
        "--- version 2  2026-11-20T09:05:00Z",
        "+++ version 3  2026-11-20T10:10:00Z  (about 1 hour later)",
        "+32 −10 characters: 1 paragraph changed.",
    ]
    assert ('~ Council leader Phil Bialyk said: "This bridge will [-change-]{+transform+} how '
            'people [-move-]{+get+} around the city{+ and is long overdue+}."') in out
    assert "\x1b[" not in out  # not a terminal: no colour


def test_diff_text_between_any_two_versions(db):
    out = run(db, "diff", RIVER, "1", "3").output
    assert "Title: Council approves [-new-]{+£14m+} river crossing" in out
    assert "+ Construction is expected to begin next spring" in out


def test_diff_json(db):
    data = json.loads(run(db, "diff", RIVER, "1", "2", "--format", "json").output)
    assert (data["old"]["version"], data["new"]["version"]) == (1, 2)
    assert data["article"]["url"] == RIVER and data["title"]["changed"] is True
    assert [r["op"] for r in data["rows"]] == ["equal", "equal", "inserted", "equal", "equal",
                                              "equal", "equal"]
    assert data["rows"][2]["right"][0]["text"].startswith("Construction is expected")
    assert data["rows"][4]["left"] == [{"text": "Concerns over cost", "kind": "subheading"}]
    assert [w for w in data["title"]["words"] if w["op"] != "equal"] == [
        {"op": "delete", "text": "new"}, {"op": "insert", "text": "£14m"},
        {"op": "delete", "text": "for Exeter"}, {"op": "insert", "text": "despite cost concerns"}]
    assert data["stats"]["blocks_added"] == 1 and data["summary"].startswith("+")


def test_diff_html_is_a_full_escaped_page(db):
    html = run(db, "diff", HOSTILE_URL, "--format", "html").output
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//script | //img")
    assert doc.xpath("//div[contains(@class,'colhead')]/div[2]")[0].text_content().startswith(
        "Version 2")


def test_diff_colour_on_a_terminal():
    old = {"version": 1, "fetched_at": "2026-01-01T00:00:00Z", "title": "T", "byline": None,
           "body": "The cat sat."}
    new = {**old, "version": 2, "body": "The black cat sat."}
    coloured = text_diff(old, new, color=True)
    assert "\x1b[" in coloured and "black" in coloured
    assert "{+black +}" in text_diff(old, new)


@pytest.mark.parametrize("args, message", [
    (("diff", "https://nowhere.example/x"), "no tracked article with URL"),
    (("diff", RAIL), "nothing to diff"),
    (("diff", RIVER, "1", "9"), "no version 9: the article has versions 1 to 3"),
    (("show", RIVER, "--version", "7"), "no version 7"),
    (("search", "AND OR", "--raw"), "cannot search for 'AND OR'"),
])
def test_errors_are_one_line_without_traceback(db, args, message):
    result = run(db, *args, ok=False)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["changes", "export", "notify"])
def test_a_bad_since_is_a_usage_error_in_every_command(db, command):
    """One parser for every --since: one Error: line, exit status 2 (bad usage)."""
    result = run(db, command, "--since", "soon", ok=False)
    assert result.exit_code == 2, result.output
    assert result.output == ("Error: --since 'soon': use a duration like 30m, 12h, 1d, 2w "
                             "or a date like 2026-11-20\n")


def test_missing_database(tmp_path):
    result = CliRunner().invoke(cli, ["changes", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "database not found" in result.output
    assert not (tmp_path / "none.db").exists()


def test_history_and_show(db):
    out = run(db, "history", RIVER).output
    assert "3 versions" in out and "(about 1 hour later)" in out
    out = run(db, "show", RIVER, "--version", "1").output
    assert out.startswith("Council approves new river crossing for Exeter\nBy Jane Smith\n")


def test_changes(db):
    lines = run(db, "changes").output.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("2026-11-20T11:00:00Z  other  v2  +")
    assert lines[-1] == ("2026-11-20T09:05:00Z  bbc  v2  +130 -13  Council approves £14m river "
                         f"crossing despite cost concerns  {RIVER}")
    bbc = run(db, "changes", "--source", "bbc", "--since", "2026-11-20T10:00Z").output
    assert [line.split()[2] for line in bbc.splitlines()] == ["v2", "v3"]
    assert run(db, "changes", "--limit", "1").output.count("\n") == 1
    assert run(db, "changes", "--since", "2030-01-01").output == "no changes since 2030-01-01\n"


def test_search(db):
    out = run(db, "search", "funding decision").output.splitlines()
    assert [line.split()[2] for line in out[::2]] == ["v2", "v3"]
    assert "[funding] [decision]" in out[1]
    result = run(db, "search", "zeppelin")
    assert result.output == "no versions match 'zeppelin'\n"
    assert run(db, "search", "script", "--source", "other").output.count("  other  ") == 2


def test_search_newest_lists_the_versions_stored_last_first(db):
    def hits(*args):
        return [line.split()[:3] for line in run(db, "search", "the", *args).output.splitlines()[::2]]

    best, newest = hits("--limit", "100"), hits("--limit", "100", "--newest")
    assert sorted(best) == sorted(newest) and len(newest) > 3
    assert best != newest  # the orders differ on these versions
    assert [h[0] for h in newest] == sorted((h[0] for h in newest), reverse=True)
    assert hits("--newest", "--limit", "3") == newest[:3]
    assert [h[1] for h in hits("--newest", "--source", "bbc")] == ["bbc"] * sum(
        h[1] == "bbc" for h in newest)


def test_site_command_reports_written_and_unchanged(db, tmp_path):
    out = tmp_path / "public"
    first = run(db, "site", str(out)).output
    assert first.startswith(f"{out}: 29 files written, 0 unchanged (4 articles")
    second = run(db, "site", str(out)).output
    assert second.startswith(f"{out}: 0 files written, 29 unchanged (4 articles, 4 of them")
    full = run(db, "site", str(out), "--full", "--base-url", "https://d.example/").output
    assert "0 of them untouched" in full
    assert (out / "feed.xml").read_text(encoding="utf-8").count("https://d.example/") > 3


def test_metadata_command_writes_the_repo_metadata(db, tmp_path):
    printed = CliRunner().invoke(cli, ["metadata", "--db", "newsdiffs.db"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == (ROOT / "metadata.json").read_text(encoding="utf-8")
    run(db, "metadata", "-o", str(tmp_path / "m.json"))
    data = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert list(data["databases"]) == [db.stem]
    with Store(db) as store:
        assert store.counts()["versions"] == 8


def test_text_diff_of_a_split_a_move_and_a_reverse_diff():
    a = "The first paragraph says what happened at the council meeting on Tuesday night."
    b = "The second paragraph has the reaction of local residents and business owners."
    c = "The third paragraph has background about the cost of the project so far."
    old = {"version": 1, "fetched_at": "2026-01-01T00:00:00Z", "title": "T", "byline": None,
           "body": f"{a}\n\n{b} {c}"}
    new = {**old, "version": 2, "fetched_at": "2026-01-02T00:00:00Z",
           "body": f"{b}\n\n{c}\n\n{a.replace('Tuesday', 'Monday')}"}
    out = text_diff(old, new)
    assert f"~ (split into 2 paragraphs) {b}\n\n{c}\n" in out and "[- -]" not in out
    assert f"> (moved from paragraph 1) {a[:-14]}[-Tuesday-]{{+Monday+}} night." in out
    back = text_diff(new, old)
    assert "(1 day earlier)" in back.splitlines()[1]
    assert f"~ (2 paragraphs merged) {b} {c}" in back
