"""One crawl at a time: a second, overlapping `newsdiffs crawl` exits 0 at once with a message."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import forked
import pytest

from newsdiffs.crawl import log_to_file
from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page, ReplayServer
from newsdiffs.lock import AlreadyLocked, CrawlLock, lock_path

ROOT = Path(__file__).resolve().parents[1]


def test_lock_is_exclusive_and_released(tmp_path):
    path = lock_path(tmp_path / "sub" / "news.db")
    assert path.name == "news.db.lock"
    with CrawlLock(path):
        with pytest.raises(AlreadyLocked, match=f"pid {os.getpid()} since "):
            CrawlLock(path).acquire()
    with CrawlLock(path):  # released: can be taken again
        pass
    assert path.exists()


class SlowServer(ReplayServer):
    """Takes ``delay`` seconds over every article page."""

    delay = 3.0

    def get(self, path: str) -> Page | None:
        if path.startswith("/news/"):
            time.sleep(self.delay)
        return super().get(path)


def command(db: Path, url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "newsdiffs", "crawl", "--db", str(db), "bbc",
            "-a", f"url={url}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            *extra]


def test_overlapping_crawl_exits_at_once(tmp_path):
    db = tmp_path / "news.db"
    text = [("p", "A paragraph that is long enough to be the body of a real news article, "
                  "with a little more detail about what happened and who said what.")] * 3
    page = render_article(DemoArticle("c0lock001o", "A slow story", "2026-03-01T08:00:00.000Z",
                                      "1 hour ago", "A. Reporter", text))
    env = {**os.environ, "NEWSDIFFS_DB": str(db)}
    forked.warm()
    with SlowServer() as server:
        server.set_pages({"/news/articles/c0lock001o": page})
        url = server.url("/news/articles/c0lock001o")
        first = subprocess.Popen(command(db, url), cwd=ROOT, env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not server.requests_for("/news/articles/c0lock001o"):
            assert time.monotonic() < deadline and first.poll() is None, "first crawl never fetched"
            time.sleep(0.05)
        started = time.monotonic()
        log = tmp_path / "crawl.log"
        # The second run is forked from a warm helper (tests/forked.py): a new Python's start-up
        # on a loaded machine could outlast the first crawl's slow page.
        second = forked.run(command(db, url, "--log", str(log)), cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
        took = time.monotonic() - started
        assert first.poll() is None, "the first crawl should still be running"
        out, err = first.communicate(timeout=60)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().startswith(f"another crawl of {db} is running (pid {first.pid}")
    assert len(second.stdout.strip().splitlines()) == 1
    assert "another crawl" in log.read_text()
    assert took < SlowServer.delay + 2
    assert first.returncode == 0, err
    assert out.startswith("checked 1, changed 0, new 1")
    assert len(server.requests_for("/news/articles/c0lock001o")) == 1


def test_log_file_rotates(tmp_path):
    path = tmp_path / "logs" / "crawl.log"
    handler = log_to_file(path, "INFO", max_bytes=500, backups=2)
    try:
        for i in range(100):
            logging.getLogger("newsdiffs.test").info("line %d of the crawl log", i)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert sorted(p.name for p in path.parent.iterdir()) == ["crawl.log", "crawl.log.1",
                                                              "crawl.log.2"]
    assert "line 99 of the crawl log" in path.read_text()
