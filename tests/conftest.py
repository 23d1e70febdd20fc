"""Shared fixtures: a replay server on 127.0.0.1, a temporary database, a crawl runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import forked
import pytest

from newsdiffs.demo.server import ReplayServer

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def server_session():
    with ReplayServer() as server:
        yield server


@pytest.fixture
def server(server_session):
    """The loopback server, emptied for each test."""
    server_session.set_pages({})
    server_session.requests.clear()
    return server_session


@pytest.fixture(autouse=True)
def _no_database_left_in_the_checkout():
    """Tests are isolated (they run in parallel under ``make test``): none may leave the CLI's
    default database, ``newsdiffs.db``, in the checkout."""
    stray = ROOT / "newsdiffs.db"
    there = stray.exists()
    yield
    if not there and stray.exists():
        pytest.fail(f"{stray} was created while this test ran (a command without --db or "
                    "NEWSDIFFS_DB, run from the checkout)", pytrace=False)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.db"


def run_crawl(db: Path, *args: str, tool: str = "newsdiffs", fork: bool = True
              ) -> subprocess.CompletedProcess:
    """Run a real crawl in a child process (Scrapy's reactor cannot restart in-process):
    forked from a warm helper (tests/forked.py), or started afresh when ``fork`` is false."""
    settings = ["LOG_LEVEL=INFO", "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False",
                "RETRY_TIMES=0"]
    env = {**os.environ, "NEWSDIFFS_DB": str(db)}
    if tool == "scrapy":
        cmd = [sys.executable, "-m", "scrapy", "crawl", *args]
        for s in settings:
            cmd += ["-s", s]
        cmd += ["-s", f"NEWSDIFFS_DB={db}"]
    else:
        cmd = [sys.executable, "-m", "newsdiffs", "crawl", "--db", str(db), *args]
        for s in settings:
            cmd += ["-s", s]
    result = (forked.run if fork else subprocess.run)(cmd, cwd=ROOT, env=env, capture_output=True,
                                                      text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def crawl():
    return run_crawl


@pytest.fixture
def pipeline_stages(db_path):
    """The project's three item pipelines built the Scrapy way (validate, normalise, store),
    on ``db_path``, and the crawler's stats; the store is closed afterwards."""
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler

    from pipelines.clean import CleanPipeline
    from pipelines.record import RecordPipeline
    from pipelines.validate import ValidatePipeline

    crawler = get_crawler(settings_dict={"NEWSDIFFS_DB": str(db_path),
                                         "NEWSDIFFS_MIN_BODY_CHARS": 100})
    crawler.stats.open_spider()
    stages = [build_from_crawler(cls, crawler)
              for cls in (ValidatePipeline, CleanPipeline, RecordPipeline)]
    stages[-1].open_spider()
    yield stages, crawler.stats
    stages[-1].close_spider()
