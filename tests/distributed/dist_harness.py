"""A distributed crawl on one machine: redis-server, a loopback site, dispatch, crawlers, ingest.

Used by ``tests/test_distributed.py`` (about fifty articles) and by
``tests/distributed/run.py`` (``make test-distributed``: 5,000 articles, two
crawlers, crawler and ingest killed mid-round). Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page, ReplayServer

ROOT = Path(__file__).resolve().parents[2]
FEED_PATH = "/news/rss.xml"
SPIDER = "bbc"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway redis-server on 127.0.0.1 (free port, no persistence, temporary dir)."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="newsdiffs-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def crash(self) -> None:
        """Kill the server (SIGKILL; no persistence: its data is gone), keeping its port."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _article(number: int, edition: int) -> DemoArticle:
    slug = f"c{number:09d}o"
    return DemoArticle(
        slug=slug,
        title=f"Council report number {number} on harbour repairs",
        published="2026-11-20T08:00:00.000Z",
        ago="2 hours ago",
        byline="Sam Jones",
        blocks=[
            ("p", f"Repairs to harbour wall number {number} will cost more than first "
                  "estimated, the town council has said in a report published today."),
            ("p", "Engineers said the damage was worse than it looked from the surface, "
                  "and that work would take most of the year."),
            ("p", f"The latest estimate, revision {edition}, puts the bill at "
                  f"{1000 + 17 * edition + number % 97} thousand pounds."),
        ],
    )


@dataclass
class Site:
    """``articles`` BBC-style pages and one RSS feed; some articles change each round."""

    articles: int
    server: ReplayServer = field(default_factory=ReplayServer)
    #: Edition of each article's text served in each round (round -> list).
    editions: dict[int, list[int]] = field(default_factory=dict)

    def path(self, number: int) -> str:
        return f"/news/articles/c{number:09d}o"

    def start(self) -> Site:
        httpd = self.server.httpd
        report = httpd.handle_error

        def handle_error(request, address) -> None:
            # A crawler killed on purpose resets its connections: not worth a traceback.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                report(request, address)

        httpd.handle_error = handle_error
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def serve_round(self, number: int) -> None:
        """Round 1 serves edition 0 of every article; each later round changes a third."""
        previous = self.editions.get(number - 1, [0] * self.articles)
        editions = [e + 1 if number > 1 and (i + number) % 3 == 0 else e
                    for i, e in enumerate(previous)]
        self.editions[number] = editions
        pages: dict[str, Page | str | bytes] = {
            self.path(i): Page(render_article(replace(_article(i, e))))
            for i, e in enumerate(editions)}
        links = "".join(f"<item><title>Story {i}</title><link>{self.server.url(self.path(i))}"
                        "</link></item>" for i in range(self.articles))
        pages[FEED_PATH] = Page(f'<?xml version="1.0"?><rss version="2.0"><channel><title>N'
                                f"</title>{links}</channel></rss>",
                                content_type="application/rss+xml")
        with self.server._lock:
            self.server.requests.clear()
        self.server.set_pages(pages)

    def fetches(self) -> Counter:
        """Article paths fetched since the round was served, with how many times."""
        with self.server._lock:
            return Counter(p for m, p, _ in self.server.requests if p.startswith("/news/articles/"))

    def expected_versions(self, rounds: int) -> list[int]:
        """Versions each article should have after ``rounds`` rounds (one per served text)."""
        return [1 + sum(self.editions[r][i] != self.editions[r - 1][i]
                        for r in range(2, rounds + 1)) for i in range(self.articles)]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPY_SETTINGS_MODULE": "newsdiffs.settings"}


def newsdiffs(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsdiffs", *args], cwd=ROOT, env=env(),
                          capture_output=True, text=True, **kwargs)


def dispatch(redis_url: str, db: Path, feed: str, now: str) -> subprocess.CompletedProcess:
    return newsdiffs("dispatch", "--redis", redis_url, "--db", str(db), SPIDER,
                     "-a", f"feeds={feed}", "-s", "NEWSDIFFS_MAX_DUE_PER_RUN=100000",
                     "--now", now, timeout=300)


CRAWL_SETTINGS = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_TIMES=1",
                  "CONCURRENT_REQUESTS=8", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
                  "LOG_LEVEL=WARNING", "NEWSDIFFS_RECHECK_FEED_LINKS=False")


def start_crawler(redis_url: str, feed: str, log: Path, *extra: str,
                  tool: str = "scrapy") -> subprocess.Popen:
    """A crawler process in distributed mode, running until stopped: ``scrapy crawl bbc -s
    NEWSDIFFS_REDIS_URL=...`` or (``tool="newsdiffs"``) ``newsdiffs crawl --redis URL bbc``."""
    if tool == "scrapy":
        cmd = [sys.executable, "-m", "scrapy", "crawl", SPIDER,
               "-s", f"NEWSDIFFS_REDIS_URL={redis_url}"]
    else:
        cmd = [sys.executable, "-m", "newsdiffs", "crawl", "--redis", redis_url, SPIDER]
    cmd += ["-a", f"feeds={feed}", "-s", "NEWSDIFFS_DB=/nonexistent/none.db"]
    for setting in (*CRAWL_SETTINGS, *extra):
        cmd += ["-s", setting]
    return subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=open(log, "ab"),  # noqa: SIM115
                            stderr=subprocess.STDOUT)


def start_ingest(redis_url: str, db: Path, log: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "newsdiffs", "ingest", "--redis", redis_url, "--db", str(db),
           "--consumer", "ingest-1", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=open(log, "ab"),  # noqa: SIM115
                            stderr=subprocess.STDOUT)


def crawler_name(process: subprocess.Popen) -> str:
    """The name a crawler process goes by in Redis (host and process id)."""
    return f"{socket.gethostname()}-{process.pid}"


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(30)


def stop(process: subprocess.Popen, signum: int | None = None) -> int | None:
    """Stop a crawler (SIGINT: Scrapy's graceful stop) or the ingest (SIGTERM); its exit
    status (``None``: it was running no more, or had to be killed)."""
    if process.poll() is not None:
        return None
    if signum is None:
        signum = signal.SIGTERM if "ingest" in process.args else signal.SIGINT
    process.send_signal(signum)
    try:
        return process.wait(60)
    except subprocess.TimeoutExpired:
        kill(process)
        return None


def inflight_urls(client, prefix: str = "newsdiffs", crawler: str = "*") -> set[str]:
    """URLs of the requests crawlers (or one, by name) hold right now (taken from the queue,
    results not on the stream yet)."""
    from pipelines import redis_json

    urls = set()
    for key in client.scan_iter(match=f"{prefix}:*:inflight:{crawler}"):
        for data in client.hvals(key):
            urls.add(redis_json.loads(data)["url"])
    return urls


def wait_round(client, keys, spiders, timeout: float, procs=()) -> None:
    """Wait until the round's work is done (nothing queued, held or unread, twice in a row)."""
    from newsdiffs.distributed import work_left

    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"process {p.args[:4]} exited with {p.returncode}")
        left = work_left(client, keys, spiders)
        quiet = 0 if left else quiet + 1
        if quiet >= 3:
            return
        time.sleep(0.5)
    raise TimeoutError(f"round not finished: {'; '.join(left)}")
