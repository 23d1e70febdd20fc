"""The quick scenarios of ``make reliability``, run by ``make test`` through the same code.

Among them issue 8 defect 18: ``newsdiffs crawl --quiet`` without ``--log``
printed Scrapy's INFO log, and Scrapy's "Gave up retrying" line at ERROR for
a 503 that the project records as a failed check.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import forked
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # reliability/ is run from the repository root, not installed
    sys.path.insert(0, str(ROOT))

from reliability import harness  # noqa: E402
from reliability.changing_site import FEED, ChangingSite  # noqa: E402
from reliability.run import table, verdict  # noqa: E402
from reliability.scenarios import FAST, SCENARIOS, Row  # noqa: E402
from reliability.server import FaultServer, Reply  # noqa: E402

#: What reliability/harness.py runs its commands with, here: forked from a warm helper
#: (tests/forked.py), same commands, output and exit status; `make reliability` starts each.
FORKED = SimpleNamespace(run=forked.run, TimeoutExpired=subprocess.TimeoutExpired)


@pytest.mark.parametrize("name", FAST)
def test_fast_scenario(name, tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "subprocess", FORKED)
    row = SCENARIOS[name](tmp_path)
    assert row.passed, (row.failures, row)
    assert row.trials and row.expected and row.recorded == row.expected


def test_quiet_crawl_prints_nothing_for_a_503_and_a_good_page(tmp_path):
    """Defect 18, as a user runs it: nothing on stdout or stderr, and the 503 is still a check."""
    db = tmp_path / "q.db"
    site = ChangingSite(2, "")
    with FaultServer() as server:
        site.base = server.base
        server.route = site.route
        site.faults = {"/news/articles/rel0000": Reply("Service Unavailable", status=503)}
        cmd = harness.command(db, args={"feeds": server.url(FEED)}, quiet=True,
                              settings={"LOG_LEVEL": "INFO", "RETRY_TIMES": "1"})
        done = forked.run(cmd, cwd=ROOT, env=harness.env(db), capture_output=True, text=True,
                          timeout=120)
        statuses = [h.status for h in server.hits("/news/articles/rel0000")]
        audit = harness.audit_site(db, site, server.hits())
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert statuses == [503, 503]  # asked, retried once, then given up
    assert " INFO: " not in output and "Gave up retrying" not in output
    assert output == ""
    assert audit.checks == 2 and audit.versions == 1 and not audit.problems  # the 503 is a check


def test_quiet_crawl_still_prints_errors(tmp_path):
    """Quiet is errors only, not nothing: an unusable database is still a one-line error."""
    db = tmp_path / "corrupt.db"
    db.write_bytes(b"SQLite format 3\x00" + b"\x13" * 4000)
    run = forked.run([sys.executable, "-m", "newsdiffs", "crawl", "--db", str(db), "bbc", "--quiet",
                      "-a", "url=http://127.0.0.1:9/news/articles/x"],
                     cwd=ROOT, env=harness.env(db), capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.startswith("Error: ") and len(run.stderr.strip().splitlines()) == 1


def test_lock_survives_a_full_disk(tmp_path):
    """`ulimit -f 0`: the pid line cannot be written; the lock is still taken, no traceback."""
    code = ("import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0));"
            f"from newsdiffs.lock import CrawlLock; lock = CrawlLock({str(tmp_path / 'x.lock')!r});"
            "lock.acquire(); lock.release(); print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")


def test_table_and_last_line():
    good = Row("good", trials=2, expected=4, recorded=4, codes=[0, 0])
    bad = Row("bad", trials=1, expected=3, recorded=2, lost=1, silent=1, codes=[0],
              failures=["1 check lost"])
    lines = table([good, bad]).splitlines()
    assert lines[0].startswith("| scenario ") and len(lines) == 4
    cells = [[c.strip() for c in line.split("|")[1:-1]] for line in lines]
    assert cells[2][:3] == ["good", "2", "4/4"] and cells[2][-1] == "pass"
    assert cells[3][2:4] == ["3/2", "1"] and cells[3][-1] == "FAIL"
    assert verdict([good, bad]) == ("reliability: scenarios=2 passed=1 lost=1 duplicated=0 "
                                    "phantom=0 silent_failures=1")


@pytest.mark.parametrize(("settings", "level"), [
    ({}, "WARNING"),  # giving up is a failed check, recorded: not an error line
    ({"RETRY_GIVE_UP_LOG_LEVEL": "ERROR"}, "ERROR"),  # an explicit choice wins
    ({"RETRY_GIVE_UP_LOG_LEVEL": "DEBUG"}, "DEBUG"),
])
def test_retry_gives_up_at_warning_unless_told(settings, level):
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler

    from spiders.middlewares import BackoffRetryMiddleware

    crawler = get_crawler(settings_dict=settings)
    assert build_from_crawler(BackoffRetryMiddleware, crawler).give_up_log_level == level
