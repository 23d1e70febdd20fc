"""`newsdiffs status`: per-source health, warning lines, exit codes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from newsdiffs.cli import cli
from newsdiffs.store import NewVersion, Store
from newsdiffs.times import to_iso

NOW = datetime.now(timezone.utc)


def ago(**delta) -> str:
    return to_iso(NOW - timedelta(**delta))


def version(h: str, at: str) -> NewVersion:
    return NewVersion(fetched_at=at, url="u", title="T", byline=None, published=None,
                      published_raw=None, modified=None, modified_raw=None, body="Body.",
                      hash=h, chars_added=5, chars_removed=0, extractor="bbc/1")


def check(store: Store, url: str, source: str, at: str, outcome: str, http: int | None = 200,
          status: str | None = None, next_check: str | None = None, h: str = "h1") -> None:
    store.record_check(url=url, source=source, checked_at=at, http_status=http, outcome=outcome,
                       detail=None if outcome != "failed" else f"HTTP {http}",
                       new_version=version(h, at) if outcome in ("new", "changed") else None,
                       status=status, next_check=next_check)


@pytest.fixture
def healthy(db_path):
    with Store(db_path) as s:
        check(s, "https://b/1", "bbc", ago(hours=3), "new", next_check=ago(minutes=5))
        check(s, "https://b/1", "bbc", ago(hours=2), "unchanged", http=304,
              next_check=ago(minutes=5))
        check(s, "https://b/2", "bbc", ago(minutes=90), "new", next_check=ago(minutes=-30))
        check(s, "https://b/2", "bbc", ago(minutes=30), "failed", http=500,
              next_check=ago(minutes=-30))
        check(s, "https://b/3", "bbc", ago(days=40), "new")
        check(s, "https://b/3", "bbc", ago(days=2), "unchanged", status="finished")
        check(s, "https://b/4", "bbc", ago(days=3), "new")
        check(s, "https://b/4", "bbc", ago(minutes=10), "failed", http=404, status="gone",
              next_check=ago(minutes=-50))
    return db_path


def status(db_path, *args: str):
    return CliRunner().invoke(cli, ["status", "--db", str(db_path), *args])


def test_healthy_source(healthy):
    result = status(healthy)
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    assert header.split() == ["source", "tracked", "active", "due", "finished", "gone", "checks",
                              "24h", "failed", "24h", "last", "successful", "check"]
    # tracked 4: 2 active (1 due), 1 finished, 1 gone; 5 checks in 24h, 1 failure (the 404
    # is a gone article, not a failure); last successful check 90 minutes ago.
    assert row.split()[:9] == ["bbc", "4", "2", "1", "1", "1", "5", "1", ago(minutes=90)]
    assert row.endswith("(about 2 hours ago)")


def test_broken_source_warns_and_exits_1(healthy):
    with Store(healthy) as s:
        check(s, "https://g/1", "guardian", ago(days=3), "new", next_check=ago(hours=1))
        for minutes in (50, 40, 30):
            check(s, "https://g/1", "guardian", ago(minutes=minutes), "failed", http=200,
                  next_check=ago(minutes=-10))
    result = status(healthy)
    assert result.exit_code == 1, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("WARNING")]
    assert warnings == [
        "WARNING guardian: no successful extraction in the last 24h",
        "WARNING guardian: 3 of 3 checks failed in the last 24h (100% > 50%)",
    ]
    assert result.output.splitlines()[1].startswith("bbc ")


@pytest.mark.parametrize(("args", "code", "warning"), [
    ((), 0, None),
    (("--max-failure-rate", "10"), 1, "WARNING bbc: 1 of 5 checks failed in the last 24h (20% > 10%)"),
    (("--window", "1h"), 1, "WARNING bbc: no successful extraction in the last 1h"),
])
def test_threshold_and_window_options(healthy, args, code, warning):
    result = status(healthy, *args)
    assert result.exit_code == code, result.output
    assert (warning in result.output) if warning else "WARNING" not in result.output


def test_only_not_modified_answers_are_no_extraction(db_path):
    with Store(db_path) as s:
        check(s, "https://b/1", "bbc", ago(days=2), "new")
        check(s, "https://b/1", "bbc", ago(hours=1), "unchanged", http=304)
    result = status(db_path)
    assert result.exit_code == 1
    assert "WARNING bbc: no successful extraction in the last 24h" in result.output


def test_empty_and_missing_database(db_path, tmp_path):
    Store(db_path).close()
    result = status(db_path)
    assert result.exit_code == 0 and result.output == "no articles tracked yet\n"
    missing = status(tmp_path / "nope.db")
    assert missing.exit_code == 1 and "database not found" in missing.output
    assert status(db_path, "--window", "soon").exit_code == 2
