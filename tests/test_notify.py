"""Notifications: rule matching (a table), the rules file, messages, and real deliveries.

Deliveries go through apprise ``json://`` to a listener on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from reading_data import record

from newsdiffs.cli import cli
from newsdiffs.diff import compare
from newsdiffs.items import Block
from newsdiffs.notify import (
    BadNotifyConfig,
    Change,
    Rule,
    changed_text,
    matches,
    message,
    parse_config,
    word_pattern,
)
from newsdiffs.store import Store

# -- matching: a pure function, a table ------------------------------------------------

BASE = Change(version_id=7, source="bbc", url="https://www.bbc.co.uk/news/a1", version=2,
              time="2026-11-20T09:00:00Z", headline_old="Old headline", headline="Old headline",
              chars_added=30, chars_removed=10, removed="the minister said",
              added="the minister resigned on Tuesday")
RULE = Rule(name="r", targets=())


@pytest.mark.parametrize("rule, change, expected", [
    (RULE, BASE, True),
    (replace(RULE, sources=frozenset({"bbc", "cnn"})), BASE, True),
    (replace(RULE, sources=frozenset({"cnn"})), BASE, False),
    (replace(RULE, headline_changed=True), BASE, False),
    (replace(RULE, headline_changed=True), replace(BASE, headline="New headline"), True),
    (replace(RULE, min_chars=40), BASE, True),  # 30 added + 10 removed
    (replace(RULE, min_chars=41), BASE, False),
    # re-extractions are skipped unless the rule asks for them
    (RULE, replace(BASE, kind="reextract"), False),
    (replace(RULE, skip_reextractions=False), replace(BASE, kind="reextract"), True),
    # reverts (a text seen before) are sent unless skipped
    (RULE, replace(BASE, repeats_version=1), True),
    (replace(RULE, skip_reverts=True), replace(BASE, repeats_version=1), False),
    # words: whole words, in the removed or the added text, any case
    (replace(RULE, patterns=(word_pattern("Resigned"),)), BASE, True),
    (replace(RULE, patterns=(word_pattern("said"),)), BASE, True),
    (replace(RULE, patterns=(word_pattern("resign"),)), BASE, False),
    (replace(RULE, patterns=(word_pattern("Wednesday"), word_pattern("Tuesday"))), BASE, True),
    # a word of a script without spaces is found inside a run of characters
    (replace(RULE, patterns=(word_pattern("辞任"),)),
     replace(BASE, added="首相が辞任を表明した"), True),
    (replace(RULE, patterns=(word_pattern("辞任"),)), BASE, False),
    # every filter must pass
    (replace(RULE, headline_changed=True, min_chars=10, patterns=(word_pattern("resigned"),)),
     replace(BASE, headline="New"), True),
    (replace(RULE, headline_changed=True, min_chars=100, patterns=(word_pattern("resigned"),)),
     replace(BASE, headline="New"), False),
])
def test_matches(rule, change, expected):
    assert matches(rule, change) is expected


def test_regex_and_words_from_the_rules_file():
    config = parse_config({"rule": [{"name": "r", "targets": "json://127.0.0.1:9/x",
                                     "words": ["killed"], "regex": [r"death toll (rose|rises)"]}]})
    rule = config.rules[0]
    assert matches(rule, replace(BASE, added="The death toll rose to 12"))
    assert matches(rule, replace(BASE, removed="Two people were KILLED"))
    assert not matches(rule, replace(BASE, added="unskilled workers"))


def test_changed_text_is_what_was_removed_and_added():
    diff = compare("One two three.\n\nGone paragraph.", "One two four.\n\nNew paragraph here.",
                   old_title="Title", new_title="Title changed")
    removed, added = changed_text(diff)
    assert "three" in removed and "four" not in removed
    assert "four" in added and "changed" in added and "three" not in added


# -- the rules file --------------------------------------------------------------------

GOOD = {"name": "r", "targets": ["json://127.0.0.1:9/hook"]}


@pytest.mark.parametrize("data, error", [
    ({}, "no rules"),
    ({"rule": [GOOD], "colour": "red"}, "unknown key(s) colour"),
    ({"rule": [{**GOOD, "minchars": 3}]}, "unknown key(s) minchars"),
    ({"rule": [{"targets": GOOD["targets"]}]}, "needs a name"),
    ({"rule": [GOOD, GOOD]}, "two rules have this name"),
    ({"rule": [{"name": "r"}]}, "no targets"),
    ({"rule": [{**GOOD, "targets": ["nosuchservice://x"]}]}, "not a valid apprise URL"),
    ({"rule": [{**GOOD, "targets": []}]}, "no targets"),
    ({"rule": [{**GOOD, "targets": [3]}]}, "expected a string or a list"),
    ({"rule": [{**GOOD, "min_chars": -1}]}, "min_chars"),
    ({"rule": [{**GOOD, "min_chars": True}]}, "min_chars"),
    ({"rule": [{**GOOD, "headline_changed": "yes"}]}, "true or false"),
    ({"rule": [{**GOOD, "regex": ["(unclosed"]}]}, "bad regex"),
    ({"rule": [{**GOOD, "title": "$nosuchfield"}]}, "unknown field $nosuchfield"),
    ({"rule": [{**GOOD, "body": "costs $5"}]}, "lone $"),
    ({"rule": [GOOD], "base_url": "javascript:alert(1)"}, "not an http(s) URL"),
])
def test_bad_rules_file(data, error):
    with pytest.raises(BadNotifyConfig) as info:
        parse_config(data)
    assert error in str(info.value)


def test_secret_of_a_target_is_masked():
    config = parse_config({"rule": [{**GOOD, "targets": "json://user:s3cret@127.0.0.1:9/h"}]})
    (target,) = config.rules[0].targets
    assert "s3cret" not in target.shown and "s3cret" not in target.key
    assert target.shown.startswith("json://user:")


# -- messages --------------------------------------------------------------------------


def test_default_message():
    change = replace(BASE, headline="New headline", url="https://www.bbc.co.uk/news/a1")
    title, body = message(RULE, change, "https://diffs.example.org/")
    assert title == "bbc: New headline"
    lines = body.splitlines()
    assert lines[0] == "Headline: Old headline → New headline"
    assert lines[1].startswith("+30 / −10 characters, version 2")
    assert lines[2].startswith("Changes: https://diffs.example.org/article/bbc/a1-")
    assert lines[2].endswith("/2.html")
    assert lines[3] == "Original: https://www.bbc.co.uk/news/a1"


def test_message_links_only_http_and_no_control_characters():
    change = replace(BASE, url="javascript:alert(1)", headline="Evil\x1b[31m\rheadline")
    title, body = message(RULE, change)  # no base URL: no version page link
    assert "javascript" not in body and "Changes:" not in body and "Original:" not in body
    assert "\x1b" not in title + body and "\r" not in title + body


def test_custom_template():
    rule = parse_config({"rule": [{**GOOD, "title": "[$source] v$version",
                                   "body": "$headline_change (+$chars_added/-$chars_removed) "
                                           "$url $$5"}]}).rules[0]
    title, body = message(rule, replace(BASE, headline="New"))
    assert title == "[bbc] v2"
    assert body == "Old headline → New (+30/-10) https://www.bbc.co.uk/news/a1 $5"


# -- deliveries through apprise to a loopback listener ---------------------------------


class Listener:
    """An HTTP server on 127.0.0.1 that records JSON posts; paths in ``failing`` answer 500."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        self.failing: set[str] = set()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                size = int(self.headers.get("Content-Length", 0))
                listener.posts.append((self.path, json.loads(self.rfile.read(size))))
                self.send_response(500 if self.path in listener.failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       kwargs={"poll_interval": 0.05})  # a quick shutdown
        self.thread.start()

    def target(self, path: str, query: str = "") -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}{path}{query}"

    def titles(self, path: str) -> list[str]:
        return [p["title"] for got, p in self.posts if got == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


URL_A = "https://www.bbc.co.uk/news/articles/a"
URL_B = "https://www.bbc.co.uk/news/articles/b"
PARAGRAPH = "The council said the repairs would cost about two million pounds in total."


def build_db(db_path) -> None:
    """Two articles: A gets a new headline (small edit), B a long new paragraph (same title)."""
    with Store(db_path) as store:
        record(store, url=URL_A, source="bbc", at="2026-11-20T08:00:00Z",
               title="Harbour repairs", body=[Block(PARAGRAPH)])
        record(store, url=URL_B, source="bbc", at="2026-11-20T08:00:00Z",
               title="Storm closes roads", body=[Block(PARAGRAPH)])
        record(store, url=URL_A, source="bbc", at="2026-11-20T09:00:00Z",
               title="Harbour repairs to cost more", body=[Block(PARAGRAPH)])
        record(store, url=URL_B, source="bbc", at="2026-11-20T09:00:00Z",
               title="Storm closes roads", body=[Block(PARAGRAPH), Block(PARAGRAPH.upper() * 2)])


def write_rules(tmp_path, listener, *, extra: str = "") -> str:
    path = tmp_path / "notify.toml"
    path.write_text(f"""
base_url = "https://diffs.example.org/"

[[rule]]
name = "headlines"
targets = ["{listener.target('/headlines')}"]
headline_changed = true

[[rule]]
name = "big"
targets = ["{listener.target('/big')}", "{listener.target('/big-2')}"]
min_chars = 100
{extra}
""", encoding="utf-8")
    return str(path)


def notify(db_path, rules, *args: str):
    result = CliRunner().invoke(cli, ["notify", "--db", str(db_path), "--config", rules, *args])
    return result


def test_filters_and_no_duplicates_across_runs(tmp_path, db_path, listener):
    build_db(db_path)
    rules = write_rules(tmp_path, listener)
    result = notify(db_path, rules, "--since", "2026-11-20T00:00:00Z")
    assert result.exit_code == 0, result.output
    # headline-only: A (headline changed), not B; size: B (long paragraph), not A (a few chars)
    assert listener.titles("/headlines") == ["bbc: Harbour repairs to cost more"]
    assert listener.titles("/big") == ["bbc: Storm closes roads"]
    assert listener.titles("/big-2") == ["bbc: Storm closes roads"]
    (path, post) = listener.posts[0]
    assert "Headline: Harbour repairs → Harbour repairs to cost more" in post["message"]
    assert "Changes: https://diffs.example.org/article/bbc/a-" in post["message"]
    assert f"Original: {URL_A}" in post["message"]
    assert "notify: 3 sent, 0 failed" in result.output

    # A second run sends nothing again.
    assert notify(db_path, rules).exit_code == 0
    assert len(listener.posts) == 3
    # A new change is sent once, to the rule it matches.
    with Store(db_path) as store:
        record(store, url=URL_B, source="bbc", at="2026-11-20T10:00:00Z",
               title="Storm closes roads and rail lines", body=[Block(PARAGRAPH)])
    result = notify(db_path, rules)
    assert result.exit_code == 0, result.output
    assert listener.titles("/headlines")[1:] == ["bbc: Storm closes roads and rail lines"]
    result = notify(db_path, rules)
    assert len(listener.posts) == 6  # headlines + big + big-2 (the paragraph went away)


def test_first_run_starts_at_the_newest_change(tmp_path, db_path, listener):
    build_db(db_path)
    rules = write_rules(tmp_path, listener)
    result = notify(db_path, rules)
    assert result.exit_code == 0, result.output
    assert listener.posts == []
    assert "first run, starting after the newest change" in result.output
    with Store(db_path) as store:
        record(store, url=URL_A, source="bbc", at="2026-11-20T10:00:00Z",
               title="Harbour repairs delayed", body=[Block(PARAGRAPH)])
    assert notify(db_path, rules).exit_code == 0
    assert [p for p, _ in listener.posts] == ["/headlines"]


def test_dry_run_sends_and_records_nothing(tmp_path, db_path, listener):
    build_db(db_path)
    rules = write_rules(tmp_path, listener)
    notify(db_path, rules)  # migrates the database; the targets start at the newest change
    with Store(db_path) as store:
        record(store, url=URL_A, source="bbc", at="2026-11-20T10:00:00Z",
               title="Harbour repairs delayed", body=[Block(PARAGRAPH)])
    for _ in range(2):
        result = notify(db_path, rules, "--dry-run")
        assert result.exit_code == 0, result.output
        assert "headlines -> json://127.0.0.1" in result.output
        assert "would send" in result.output and "1 would be sent" in result.output
    assert listener.posts == []
    assert notify(db_path, rules).exit_code == 0
    assert len(listener.posts) == 1


def test_a_failing_target_is_reported_and_retried(tmp_path, db_path, listener):
    build_db(db_path)
    rules = write_rules(tmp_path, listener)
    listener.failing.add("/big")
    result = notify(db_path, rules, "--since", "2026-11-20T00:00:00Z")
    assert result.exit_code == 1
    assert "Error: big -> json://127.0.0.1" in result.output
    assert "error=500" in result.output or "Internal server error" in result.output
    assert "1 notification(s) not delivered" in result.output
    # The other targets, even of the same rule, got theirs.
    assert len(listener.titles("/headlines")) == 1 and len(listener.titles("/big-2")) == 1
    with Store(db_path) as store:
        (failure,) = store._all("SELECT * FROM notify_failures")
        assert failure["rule"] == "big" and failure["attempts"] == 1

    # Still failing: retried, reported again, nothing sent twice elsewhere.
    result = notify(db_path, rules)
    assert result.exit_code == 1 and "(retry)" in result.output
    assert len(listener.titles("/big")) == 2
    # Back up: delivered once, then nothing more.
    listener.failing.clear()
    result = notify(db_path, rules)
    assert result.exit_code == 0, result.output
    assert len(listener.titles("/big")) == 3
    assert notify(db_path, rules).exit_code == 0
    assert len(listener.titles("/big")) == 3
    assert len(listener.titles("/headlines")) == 1 and len(listener.titles("/big-2")) == 1
    with Store(db_path) as store:
        assert store._all("SELECT * FROM notify_failures") == []
        shown = {r["target_shown"] for r in store._all("SELECT * FROM notify_cursors")}
        assert listener.target("/big") in shown


def test_after_a_failure_the_rest_waits_for_the_next_run(tmp_path, db_path, listener):
    build_db(db_path)

    rules_path = tmp_path / "all.toml"
    rules_path.write_text(f'[[rule]]\nname = "all"\ntargets = ["{listener.target("/all")}"]\n')
    listener.failing.add("/all")
    result = notify(db_path, str(rules_path), "--since", "2026-11-20T00:00:00Z")
    assert result.exit_code == 1
    assert len(listener.posts) == 1  # the second change was not tried against a failing target
    assert "skipped" in result.output and "2 notification(s) not delivered" in result.output
    listener.failing.clear()
    assert notify(db_path, str(rules_path)).exit_code == 0
    assert listener.titles("/all")[1:] == ["bbc: Harbour repairs to cost more",
                                           "bbc: Storm closes roads"]


def test_article_text_reaches_html_targets_as_text(tmp_path, db_path, listener):
    with Store(db_path) as store:
        record(store, url=URL_A, source="bbc", at="2026-11-20T08:00:00Z",
               title="Plain", body=[Block(PARAGRAPH)])
        record(store, url=URL_A, source="bbc", at="2026-11-20T09:00:00Z",
               title="<b>Bold</b> & <script>x</script>", body=[Block(PARAGRAPH)])
    rules = tmp_path / "html.toml"
    rules.write_text(f'[[rule]]\nname = "h"\n'
                     f'targets = ["{listener.target("/html", "?format=html")}"]\n')
    assert notify(db_path, str(rules), "--since", "2026-11-20T00:00:00Z").exit_code == 0
    ((_, post),) = listener.posts
    assert "<script>" not in post["message"] and "&lt;script&gt;" in post["message"]


@pytest.mark.parametrize("content, error", [
    (None, "no such rules file"),
    ("[[rule]\n", "not valid TOML"),
    ('[[rule]]\nname = "x"\ntargets = ["bogus://x"]\n', "not a valid apprise URL"),
])
def test_bad_rules_file_is_one_line_and_exit_2(tmp_path, db_path, content, error):
    build_db(db_path)
    rules = tmp_path / "notify.toml"
    if content is not None:
        rules.write_text(content, encoding="utf-8")
    result = notify(db_path, str(rules))
    assert result.exit_code == 2
    assert error in result.output and len(result.output.strip().splitlines()) == 1


def test_bad_since_and_base_url(tmp_path, db_path, listener):
    build_db(db_path)
    rules = write_rules(tmp_path, listener)
    assert notify(db_path, rules, "--since", "yesterday-ish").exit_code == 2
    result = notify(db_path, rules, "--base-url", "ftp://x")
    assert result.exit_code == 2 and "not an http(s) URL" in result.output


# -- crawl --notify ---------------------------------------------------------------------


def test_crawl_notify_sends_after_a_successful_crawl(tmp_path, db_path, listener, server,
                                                    crawl, monkeypatch):
    from newsdiffs.demo.pages import DemoArticle, render_article
    from newsdiffs.demo.server import Page

    v1 = DemoArticle(
        slug="c9notify01o", title="Harbour repairs to cost more than expected",
        published="2026-11-20T08:00:00.000Z", ago="2 hours ago", byline="Sam Jones",
        blocks=[("p", "Repairs to the storm-damaged harbour wall will cost about £2m more "
                      "than first estimated, the town council has said."),
                ("p", "Engineers said the damage was worse than it looked from the surface.")],
        sidebar=[])
    v2 = replace(v1, title="Harbour repairs to cost £2m more")
    path = "/news/articles/c9notify01o"
    rules = tmp_path / "notify.toml"
    rules.write_text(f'[[rule]]\nname = "h"\nheadline_changed = true\n'
                     f'targets = ["{listener.target("/crawl")}"]\n', encoding="utf-8")
    monkeypatch.setenv("NEWSDIFFS_NOTIFY", str(rules))
    monkeypatch.setenv("NEWSDIFFS_SITE_URL", "https://diffs.example.org")
    server.set_pages({path: Page(render_article(v1), etag=False)})
    first = crawl(db_path, "bbc", "-a", f"url={server.url(path)}", "--notify")
    assert "first run, starting after the newest change" in first.stdout
    server.set_pages({path: Page(render_article(v2), etag=False)})
    crawl(db_path, "bbc", "-a", f"url={server.url(path)}", "--notify")
    ((got, post),) = listener.posts
    assert got == "/crawl" and post["title"] == "bbc: Harbour repairs to cost £2m more"
    assert "Changes: https://diffs.example.org/article/bbc/" in post["message"]


@pytest.mark.parametrize("old, new, changed", [
    ('Mayor says "no"', "Mayor says \u201cno\u201d", False),
    ("Rates rise - again", "Rates rise \u2014 again", False),
    ("Rates\u200b rise", "Rates rise", False),
    ("Rates rise", "Rates fall", True),
])
def test_headline_changed_ignores_typography(old, new, changed):
    from newsdiffs.notify import Change
    change = Change(version_id=1, source="s", url="https://x.example/a", version=2,
                    time="2026-01-01T00:00:00Z", headline_old=old, headline=new,
                    chars_added=1, chars_removed=1)
    assert change.headline_changed is changed
