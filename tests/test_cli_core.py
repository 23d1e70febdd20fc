"""history / show / diff on a small database, and one-line errors for bad input."""

import pytest
from click.testing import CliRunner

from newsdiffs.cli import cli
from newsdiffs.store import NewVersion, Store

URL = "https://www.bbc.co.uk/news/articles/c0test0001o"


def _version(title, body, t, h, added, removed):
    return NewVersion(fetched_at=t, url=URL, title=title, byline="Jo Bloggs", published=None,
                      published_raw=None, modified=None, modified_raw=None, body=body, hash=h,
                      chars_added=added, chars_removed=removed, extractor="bbc/1")


@pytest.fixture
def db(db_path):
    with Store(db_path) as store:
        store.record_check(url=URL, source="bbc", checked_at="2026-01-01T10:00:00Z",
                           http_status=200, outcome="new",
                           new_version=_version("Old title", "First para.\n\nSecond para.",
                                                "2026-01-01T10:00:00Z", "h1", 30, 0))
        store.record_check(url=URL, source="bbc", checked_at="2026-01-01T11:02:00Z",
                           http_status=200, outcome="changed",
                           new_version=_version("New title", "First para.\n\nSecond para edited.",
                                                "2026-01-01T11:02:00Z", "h2", 10, 3))
    return str(db_path)


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_history(db):
    result = run("history", "--db", db, URL)
    assert result.exit_code == 0, result.output
    assert "version   1" in result.output and "version   2" in result.output
    assert "+10" in result.output and "-3" in result.output
    assert "about 1 hour later" in result.output


def test_url_variants_find_the_article(db):
    variant = "http://www.bbc.com/news/articles/c0test0001o?at_medium=RSS#top"
    result = run("history", "--db", db, variant)
    assert result.exit_code == 0, result.output


def test_show(db):
    result = run("show", "--db", db, URL, "--version", "1")
    assert result.exit_code == 0, result.output
    assert "Old title" in result.output and "Second para." in result.output
    latest = run("show", "--db", db, URL)
    assert "Second para edited." in latest.output


def test_diff_shows_word_changes(db):
    result = run("diff", "--db", db, URL)
    assert result.exit_code == 0, result.output
    # plain (not a terminal): deletions as [-...-], insertions as {+...+}
    assert "[-Old-]" in result.output and "{+New+}" in result.output
    assert "{+ edited+}" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["history", "https://example.org/nope"], "no tracked article"),
        (["show", URL, "--version", "9"], "no version 9"),
        (["diff", URL, "1", "7"], "no version 7"),
    ],
)
def test_bad_input_gives_one_line_error(db, args, message):
    result = run(args[0], "--db", db, *args[1:])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_database_is_not_created(tmp_path):
    missing = tmp_path / "missing.db"
    result = run("history", "--db", str(missing), URL)
    assert result.exit_code != 0 and "database not found" in result.output
    assert not missing.exists()
