"""Unattended reliability (issue 8): write failures, concurrent writers, schema checks, exit codes.

Most cases fail before Scrapy starts and run in-process with CliRunner; the
few real crawls (a full disk, two crawls and a re-extraction at once, a bad
setting under `scrapy crawl`) run in child processes.
"""

from __future__ import annotations

import errno
import os
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import forked
import pytest
from click.testing import CliRunner
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsdiffs.cli import cli
from newsdiffs.cli_ops import run_warnings
from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page, ReplayServer
from newsdiffs.items import ArticleItem, Block
from newsdiffs.lock import CrawlLock, LockFailed, held_here, lock_path
from newsdiffs.store import (
    SchemaMismatch,
    SchemaOutdated,
    SchemaTooNew,
    Store,
    WriteFailed,
    migrations,
)
from pipelines.record import RecordPipeline

ROOT = Path(__file__).resolve().parents[1]
TEXT = ("A paragraph that is long enough to be the body of a real news article, with a little "
        "more detail about what happened and who said what.")
QUIET_SETTINGS = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                  "-s", "RETRY_TIMES=0", "-s", "ROBOTSTXT_OBEY=False"]


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args))


def one_line_error(result, code: int = 1) -> str:
    """The single ``Error:`` line a failed command printed (and nothing like a traceback)."""
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    assert lines[-1].startswith("Error: "), result.output
    return lines[-1]


def pages(n: int, prefix: str) -> dict[str, Page]:
    return {f"/news/articles/{prefix}{i:03d}o": Page(render_article(DemoArticle(
        f"{prefix}{i:03d}o", f"Story {i}", "2026-03-01T08:00:00.000Z", "1 hour ago",
        "A. Reporter", [("p", f"{TEXT} Number {i}.")] * 3)), etag=False) for i in range(n)}


def url_file(tmp_path: Path, server, paths) -> Path:
    path = tmp_path / "urls.txt"
    path.write_text("".join(server.url(p) + "\n" for p in paths))
    return path


def checks(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT outcome, detail FROM checks").fetchall()
    finally:
        conn.close()


# -- BEGIN IMMEDIATE: concurrent writers wait instead of failing -------------------------

WRITER = """
import sys
from newsdiffs.store import Store, StoreError
errors = 0
with Store(sys.argv[1]) as store:
    for i in range(int(sys.argv[2])):
        try:
            store.record_check(url=f"https://x/{i % 10}", source="s", http_status=200,
                               checked_at=f"{sys.argv[3]}{i:05d}", outcome="unchanged")
        except StoreError as exc:
            errors += 1
            print(exc, file=sys.stderr)
print(errors)
"""


def test_two_processes_writing_at_once_lose_nothing(db_path):
    # Before BEGIN IMMEDIATE: a deferred transaction read, the other process
    # committed, and the write failed at once with "database is locked"
    # (SQLITE_BUSY_SNAPSHOT, no busy wait): 330-510 of 600 checks lost per trial.
    Store(db_path).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), "300", tag],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [out.strip() for out, _ in outputs] == ["0", "0"], outputs
    assert len(checks(db_path)) == 600


def test_every_write_transaction_begins_immediate(db_path):
    with Store(db_path) as store:
        seen: list[str] = []
        store.db.conn.set_trace_callback(seen.append)
        store.record_check(url="https://x/1", source="s", checked_at="t1", http_status=200,
                           outcome="unchanged")
        run = store.start_run(started="t2", command="test", spiders=["s"])
        store.finish_run(run, finished="t3", counts={}, exit_status=0, summary="ok")
    begins = [s for s in seen if s.upper().startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE"] * 3
    assert seen.count("COMMIT") == 3


def test_a_failed_write_is_rolled_back_as_write_failed(db_path):
    with Store(db_path) as store:
        with pytest.raises(WriteFailed, match="cannot record a check of https://x/1 in .*surrogate"):
            store.record_check(url="https://x/1", source="s", checked_at="t1",
                               http_status=200, outcome="failed", detail="bad \ud800 text")
        assert store.counts() == {"articles": 0, "versions": 0, "checks": 0}
        assert not store.db.conn.in_transaction


# -- the pipeline counts a write that failed --------------------------------------------

def test_store_pipeline_counts_store_errors(db_path):
    crawler = get_crawler(settings_dict={"NEWSDIFFS_DB": str(db_path)})
    crawler.stats.open_spider()
    pipeline = build_from_crawler(RecordPipeline, crawler)
    pipeline.open_spider()
    try:
        # A lone surrogate reaches SQLite only here; the check is counted, not lost silently.
        bad = ArticleItem(url="https://www.bbc.co.uk/news/articles/c0bad0001o", source="bbc",
                          title="Bad \ud800 title", body=[Block(TEXT)],
                          fetched_at="2026-01-01T00:00:00Z", extractor="bbc",
                          extractor_version="1", http_status=200)
        with pytest.raises(DropItem, match="not stored"):
            pipeline.process_item(bad)
    finally:
        pipeline.close_spider()
    assert crawler.stats.get_value("newsdiffs/store_errors") == 1
    assert crawler.stats.get_value("newsdiffs/new") is None


# -- opening: schema checks, read-only readers ---------------------------------------

def test_readers_never_create_or_migrate(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    for args in (["history", "https://x/1"], ["changes"], ["status"], ["search", "word"],
                 ["export"], ["site", str(tmp_path / "site")]):
        line = one_line_error(run_cli(*args, "--db", str(empty)))
        assert "is not a newsdiffs database" in line and "newsdiffs migrate" in line
        missing = tmp_path / "missing.db"
        assert "not found" in one_line_error(run_cli(*args, "--db", str(missing)))
        assert not missing.exists()
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def test_pending_migrations_ask_for_migrate(db_path):
    with sqlite3.connect(db_path):
        pass
    import sqlite_utils

    db = sqlite_utils.Database(db_path)
    migrations.apply(db, stop_before="m006_runs")
    db.close()
    with pytest.raises(SchemaOutdated):
        Store(db_path, readonly=True)
    line = one_line_error(run_cli("status", "--db", str(db_path)))
    assert line == (f"Error: database {db_path} needs upgrading: "
                    f"run newsdiffs migrate --db {db_path}")
    result = run_cli("migrate", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    assert run_cli("status", "--db", str(db_path)).output == "no articles tracked yet\n"


def test_schema_from_the_future_is_refused(db_path):
    Store(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('newsdiffs', 'm999_from_the_future', '2030-01-01')")
    with pytest.raises(SchemaTooNew):
        Store(db_path)
    for args in (["status"], ["crawl", "bbc"], ["migrate"]):
        line = one_line_error(run_cli(*args, "--db", str(db_path)))
        assert "upgraded by a newer newsdiffs (unknown migrations: m999_from_the_future)" in line


def test_schema_missing_columns_is_refused(db_path):
    Store(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP INDEX idx_runs_started")
        conn.execute("ALTER TABLE runs DROP COLUMN store_errors")
    with pytest.raises(SchemaMismatch, match="table runs lacks store_errors"):
        Store(db_path, readonly=True)
    assert "lacks store_errors" in one_line_error(run_cli("crawl", "--db", str(db_path)))


# -- newsdiffs crawl: checked before Scrapy starts -------------------------------------

@pytest.mark.parametrize("setting, message", [
    ("NEWSDIFFS_MIN_BODY_CHARS=abc", "NEWSDIFFS_MIN_BODY_CHARS='abc': expected a number"),
    ("DOWNLOAD_TIMEOUT=abc", "DOWNLOAD_TIMEOUT='abc': expected a number"),
    ("NEWSDIFFS_SCHEDULE={bad json", "NEWSDIFFS_SCHEDULE='{bad json': expected a JSON object"),
    ("NEWSDIFFS_SCHEDULE=[1,2]", "NEWSDIFFS_SCHEDULE='[1,2]': expected a JSON object"),
    ('NEWSDIFFS_SCHEDULE={"bbc": {"tiers": 3}}', "schedule tiers must be a list"),
    ("LOG_LEVEL=BOGUS", "LOG_LEVEL='BOGUS': choose from CRITICAL"),
    ("NEWSDIFFS_MAX_DUE_PER_RUN=-1", "NEWSDIFFS_MAX_DUE_PER_RUN='-1': must be at least 0"),
    ("NEWSDIFFS_KEEP_HTML=maybe", "NEWSDIFFS_KEEP_HTML='maybe': expected True or False"),
])
def test_bad_settings_are_one_line_usage_errors(db_path, setting, message):
    result = run_cli("crawl", "--db", str(db_path), "-s", setting)
    assert message in one_line_error(result, code=2)
    assert not db_path.exists()


def test_unusable_files_are_one_line_errors(tmp_path, db_path):
    line = one_line_error(run_cli("crawl", "--db", str(db_path), "--log", "/proc/x/y.log"))
    assert line.startswith("Error: cannot write the log file /proc/x/y.log")
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database " * 500)
    line = one_line_error(run_cli("crawl", "--db", str(corrupt)))
    assert line == f"Error: cannot open database {corrupt}: file is not a database"
    assert corrupt.read_bytes() == b"this is not a database " * 500
    # A database whose WAL file cannot be created takes no write (root ignores chmod).
    Store(db_path).close()
    (tmp_path / "test.db-wal").mkdir()
    line = one_line_error(run_cli("crawl", "--db", str(db_path)))
    assert line.startswith(f"Error: cannot open database {db_path}")
    with pytest.raises(LockFailed, match="cannot create the lock file /proc/"):
        CrawlLock("/proc/newsdiffs-test.lock").acquire()


def test_symlinked_database_shares_the_lock(tmp_path, db_path):
    Store(db_path).close()
    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    assert lock_path(link) == lock_path(db_path)
    with CrawlLock(lock_path(db_path)):
        assert held_here(lock_path(link))
        result = run_cli("crawl", "--db", str(link), "bbc")
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"another crawl of {link} is running (pid {os.getpid()}")
        line = one_line_error(run_cli("reextract", "--db", str(link)))
        assert line.startswith(f"Error: a crawl of {link} is running (pid {os.getpid()}")
        dry = run_cli("reextract", "--db", str(link), "--dry-run")
        assert dry.exit_code == 0, dry.output
    assert not held_here(lock_path(db_path))
    assert run_cli("reextract", "--db", str(link)).exit_code == 0


# -- status warns about runs ------------------------------------------------------------

def test_status_warns_about_failed_and_unfinished_runs(db_path):
    with Store(db_path) as store:
        ok = store.start_run(started="2026-03-01T06:00:00Z", command="newsdiffs crawl",
                             spiders=["bbc"], pid=1)
        store.finish_run(ok, finished="2026-03-01T06:01:00Z", counts={"checked": 5},
                         exit_status=0, summary="checked 5")
        assert run_warnings(store.runs()) == []
        bad = store.start_run(started="2026-03-01T06:15:00Z", command="newsdiffs crawl",
                              spiders=["bbc"], pid=1)
        store.finish_run(bad, finished="2026-03-01T06:16:00Z",
                         counts={"checked": 2, "store_errors": 148}, exit_status=1,
                         summary="checked 2, store errors 148 in 3.1s")
        store.start_run(started="2026-03-01T06:30:00Z", command="scrapy crawl", spiders=["bbc"],
                        pid=2)
        runs = store.runs()
    assert runs[1]["store_errors"] == 148 and runs[1]["exit_status"] == 1
    assert run_warnings(runs, alive=lambda pid: False) == [
        "1 of 3 crawl runs since 2026-03-01T06:00:00Z failed; last: newsdiffs crawl started "
        "2026-03-01T06:15:00Z: checked 2, store errors 148 in 3.1s",
        "crawl run 3 (scrapy crawl, pid 2) started 2026-03-01T06:30:00Z never finished: "
        "killed, or its end not recorded",
    ]
    assert run_warnings(runs, alive=lambda pid: True)[1:] == []


# -- leftovers on a full disk ---------------------------------------------------------

def test_no_partial_files_when_writing_fails(tmp_path, db_path, monkeypatch):
    from newsdiffs import cli_read
    from newsdiffs import static_site as site

    Store(db_path).close()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "export.csv"
    monkeypatch.setattr(cli_read, "write_rows", full)
    line = one_line_error(run_cli("export", "--db", str(db_path), "-o", str(out)))
    assert line == f"Error: cannot write {out}: No space left on device"
    monkeypatch.setattr(site.os, "replace", full)
    with pytest.raises(OSError):
        site.replace_file(tmp_path / "page.html", b"<p>x</p>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.db", "test.db-shm", "test.db-wal"]


# -- real crawls ------------------------------------------------------------------------

def test_full_disk_is_counted_and_fails_the_run(tmp_path, db_path):
    """`ulimit -f`: most checks cannot be stored; the run says so and exits 1 (quietly)."""
    Store(db_path).close()  # created and migrated; the WAL is folded in on close
    limit = db_path.stat().st_size + 8192  # room for the run's row, not for 20 checks

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    with ReplayServer() as server:
        served = pages(20, "c0full")
        server.set_pages(served)
        urls = url_file(tmp_path, server, served)
        result = subprocess.run(
            [sys.executable, "-m", "newsdiffs", "crawl", "--db", str(db_path), "bbc", "--quiet",
             "-a", f"urls={urls}", *QUIET_SETTINGS],
            cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=small_files,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""  # --quiet: nothing but errors, and those on stderr
    assert " INFO: " not in result.stderr and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: the crawl failed: store errors "), result.stderr
    lost = int(last.split("store errors ")[1].split(",")[0])
    stored = len(checks(db_path))
    assert lost >= 10 and lost + stored == 20, (lost, stored)
    assert result.stderr.count("not stored: cannot record a check") == lost
    status = run_cli("status", "--db", str(db_path))
    assert status.exit_code == 1
    assert "WARNING " in status.output and "crawl run" in status.output, status.output


class GatedServer(ReplayServer):
    """Holds every article page until :attr:`gate` opens, so that runs surely overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def get(self, path: str) -> Page | None:
        if path.startswith("/news/"):
            self.gate.wait(timeout=90)
        return super().get(path)


def test_two_scrapy_crawls_and_a_reextract_at_once(tmp_path, db_path):
    """One crawl runs; the others are refused at once, visibly; nothing is lost or locked."""
    Store(db_path).close()
    link = tmp_path / "link.db"
    link.symlink_to(db_path)  # a symlinked database used to bypass the lock
    env = {**os.environ, "NEWSDIFFS_DB": str(db_path)}
    with GatedServer() as server:
        served = pages(8, "c0both")
        server.set_pages(served)
        urls = url_file(tmp_path, server, served)
        crawls = [subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "bbc", "-a", f"urls={urls}",
             "-s", f"NEWSDIFFS_DB={db}", "-s", "LOG_LEVEL=WARNING", *QUIET_SETTINGS],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for db in (db_path, link)]
        deadline = time.monotonic() + 60
        while not server.requests:
            assert time.monotonic() < deadline, "no crawl ever fetched"
            time.sleep(0.05)
        reextract = subprocess.run([sys.executable, "-m", "newsdiffs", "reextract", "--db",
                                    str(db_path)], cwd=ROOT, capture_output=True, text=True,
                                   timeout=60)
        # The crawl that fetches is held by the server; the other one must give up on its own.
        while all(c.poll() is None for c in crawls):
            assert time.monotonic() < deadline, "neither crawl was refused"
            time.sleep(0.05)
        server.gate.set()
        outputs = [(c.wait(timeout=120), *c.communicate()) for c in crawls]
    everything = reextract.stderr + "".join(o + e for _, o, e in outputs)
    assert "database is locked" not in everything and "Traceback" not in everything
    codes = sorted(code for code, _, _ in outputs)
    assert codes == [0, 1], everything
    refused = next(err for code, _, err in outputs if code == 1)
    assert "is running (pid" in refused and "; not starting" in refused
    assert reextract.returncode == 1
    assert reextract.stderr.startswith(f"Error: a crawl of {db_path} is running (pid ")
    assert sorted(o for o, _ in checks(db_path)) == ["new"] * 8  # every check, once
    with Store(db_path, readonly=True) as store:
        runs = store.runs()
    assert [(r["command"], r["exit_status"], r["checked"]) for r in runs] == [
        ("scrapy crawl", 0, 8)]


def test_scrapy_crawl_bad_setting_is_one_line_and_exit_1(tmp_path, db_path):
    with ReplayServer() as server:
        served = pages(1, "c0bads")
        server.set_pages(served)
        result = forked.run(
            [sys.executable, "-m", "scrapy", "crawl", "bbc", "-a",
             f"url={server.url(next(iter(served)))}", "-s", f"NEWSDIFFS_DB={db_path}",
             "-s", "NEWSDIFFS_SCHEDULE=[1,2]", "-s", "LOG_LEVEL=WARNING"],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert not server.requests
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Unhandled" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 2, result.stderr
    assert errors[0].endswith("newsdiffs: setting NEWSDIFFS_SCHEDULE='[1,2]': expected a JSON "
                              'object, e.g. {"bbc": {"finish_after": "14d"}}')
    assert errors[1].endswith("the crawl failed: stopped: newsdiffs_bad_setting")


@pytest.mark.parametrize("stats, reasons, problems", [
    ({"newsdiffs/failed": 150}, ["finished"], []),  # pages that failed: a normal outcome
    ({"newsdiffs/store_errors": 148}, ["finished"], ["store errors 148"]),
    ({"spider_exceptions/count": 2, "newsdiffs/item_errors": 1}, ["finished", "finished"],
     ["spider errors 2", "pipeline errors 1"]),
    ({}, ["finished", "closespider_timeout"], []),
    ({}, ["shutdown", "finished"], ["stopped: shutdown"]),
])
def test_which_runs_fail(stats, reasons, problems):
    from newsdiffs.crawl import run_problems, summary_line

    assert run_problems(stats, reasons) == problems
    line = summary_line({"new": 2, "failed": 1}, 3.14, problems)
    assert line.startswith("checked 3, changed 0, new 2, unchanged 0 (not modified 0), failed 1 ")
    assert line.endswith("".join(f", {p}" for p in problems) + " in 3.1s")
