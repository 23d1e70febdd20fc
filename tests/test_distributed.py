"""Distributed mode against a real redis-server on 127.0.0.1 (``make redis`` installs it).

A small version of ``make test-distributed`` (tests/distributed/run.py), and
the pieces it rests on: the JSON request queue, recovery of a dead crawler's
requests, the ingest's exactly-once effect and acknowledgement after commit.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("redis")
pytest.importorskip("scrapy_redis")
if not shutil.which("redis-server"):
    pytest.skip("redis-server is not installed (make redis)", allow_module_level=True)

sys.path.insert(0, str(Path(__file__).parent / "distributed"))

import dist_harness as h  # noqa: E402
import forked  # noqa: E402
from scrapy import Request  # noqa: E402

from newsdiffs.distributed import (  # noqa: E402
    GROUP,
    Keys,
    RoundInProgress,
    check_item_id,
    connect,
    encode_item,
    ensure_group,
    ingest,
    recover,
    start_round,
    stream_backlog,
    work_left,
)
from newsdiffs.items import ArticleItem, Block  # noqa: E402
from newsdiffs.store import Store  # noqa: E402
from pipelines import redis_json  # noqa: E402
from pipelines.record import RecordPipeline  # noqa: E402

NOW = "2030-01-01T00:00:00Z"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def redis_server():
    """redis-server on a free port of 127.0.0.1, no persistence, stopped afterwards."""
    with h.RedisServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _warm_commands(monkeypatch):
    """``newsdiffs dispatch`` and other short commands are forked from a warm helper
    (tests/forked.py): same command, output and status; crawlers and the ingest, which run
    side by side and are signalled, stay processes of their own."""
    def newsdiffs(*args: str, **kwargs) -> subprocess.CompletedProcess:
        return forked.run([sys.executable, "-m", "newsdiffs", *args], cwd=h.ROOT, env=h.env(),
                          capture_output=True, text=True, **kwargs)

    monkeypatch.setattr(h, "newsdiffs", newsdiffs)


@pytest.fixture
def client(redis_server):
    client = connect(redis_server.url)
    client.flushdb()
    return client


def test_requests_are_queued_as_json():
    request = Request("http://127.0.0.1:1/a?b=1", headers={"If-None-Match": '"x"'},
                      meta={"article_url": "http://127.0.0.1:1/a", "redirect_urls": []},
                      dont_filter=True, priority=3)
    data = request.to_dict()
    encoded = redis_json.dumps(data)
    assert b"pickle" not in encoded and encoded.startswith(b"{")
    assert redis_json.loads(encoded) == data


def test_spiders_do_not_open_the_database():
    for name in ("base.py", "feeds.py"):
        assert "newsdiffs.store" not in (ROOT / "spiders" / name).read_text()


def test_requests_of_a_dead_crawler_are_queued_again(client):
    keys = Keys()
    client.hset(keys.inflight("bbc", "host-1"), "-2:abc", b'{"url": "http://x/1"}')
    client.set(keys.alive("host-2"), "now")
    client.hset(keys.inflight("bbc", "host-2"), "0:def", b'{"url": "http://x/2"}')
    assert work_left(client, keys, ["bbc"]) == ["2 requests being processed"]
    assert recover(client, keys) == 1  # host-1 has no alive key: it is gone
    assert client.zrange(keys.requests("bbc"), 0, -1, withscores=True) == [
        (b'{"url": "http://x/1"}', -2.0)]
    assert client.hlen(keys.inflight("bbc", "host-2")) == 1  # alive: left alone


def test_no_new_round_while_work_is_left(client, redis_server, tmp_path):
    keys = Keys()
    client.zadd(keys.requests("bbc"), {b"{}": 0})
    with pytest.raises(RoundInProgress, match="1 queued requests"):
        start_round(client, keys, ["bbc"])
    done = h.dispatch(redis_server.url, tmp_path / "n.db", "http://127.0.0.1:1/feed", NOW)
    assert done.returncode == 3 and "not dispatched" in done.stdout
    client.delete(keys.requests("bbc"))
    assert start_round(client, keys, ["bbc"]).round == 1


def test_unreachable_redis_is_one_line_and_status_1(tmp_path):
    url = f"redis://127.0.0.1:{h.free_port()}/0"  # nothing listens there
    line = f"cannot reach Redis at {url}: Connection refused"
    for args in (["crawl", "--redis", url, "bbc"], ["dispatch", "--redis", url, "bbc"],
                 ["ingest", "--redis", url]):
        done = forked.run([sys.executable, "-m", "newsdiffs", *args, "--db",
                           str(tmp_path / "n.db")],
                          cwd=ROOT, env=h.env(), capture_output=True, text=True, timeout=120)
        assert (done.returncode, done.stdout, done.stderr) == (1, "", f"Error: {line}\n"), args
    done = forked.run([sys.executable, "-m", "scrapy", "crawl", "bbc",
                       "-s", f"NEWSDIFFS_REDIS_URL={url}", "-s", "LOG_LEVEL=WARNING"],
                      cwd=ROOT, env=h.env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert [x.split("] ", 1)[1] for x in done.stderr.splitlines()] == [f"ERROR: newsdiffs: {line}"]
    assert not (tmp_path / "n.db").exists()


def test_a_request_is_finished_with_its_last_item_on_the_stream(client):
    """The in-flight entry of a request goes in the Redis transaction that pushes its last
    item, so that a crawler killed after it does not fetch the page again; a request that
    produced no item goes when its callback ends, a redirect when its continuation is queued."""
    from newsdiffs.distributed import RedisFrontier

    keys = Keys()
    frontier = RedisFrontier(client, keys, "host-1", spider="bbc")
    queue = keys.requests("bbc")
    client.zadd(queue, {b'{"url": "http://x/1"}': 0, b'{"url": "http://x/2"}': 1,
                        b'{"url": "http://x/3"}': 2, b'{"url": "http://x/4"}': 3})
    taken = [frontier.take(queue)[0] for _ in range(4)]
    assert frontier.take(queue) is None
    assert client.hlen(frontier.inflight_key) == 4 and client.zcard(queue) == 0

    def held() -> set[str]:
        return {f.decode() for f in client.hkeys(frontier.inflight_key)}

    # A callback that yields two items (a move note, then the page).
    one = taken[0]
    frontier.producing(one)
    frontier.item_coming(one)
    frontier.item_coming(one)
    frontier.produced(one)  # both still in the pipelines
    frontier.push_item(_item(1, "Text one."), one)
    assert one in held()
    frontier.push_item(_item(2, "Text two."), one)
    assert one not in held() and client.xlen(keys.stream) == 2
    # An item pushed while the callback still runs: the request waits for its end.
    two = taken[1]
    frontier.producing(two)
    frontier.item_coming(two)
    frontier.push_item(_item(3, "Text three."), two)
    assert two in held()
    frontier.produced(two)
    assert two not in held()
    # A download failure's item (an errback: no callback around it), a dropped item.
    frontier.push_item(_item(4, "Text four."), taken[2])
    frontier.producing(taken[3])
    frontier.item_coming(taken[3])
    frontier.produced(taken[3])
    frontier.item_gone(taken[3])
    assert held() == set() and frontier.taken == set()
    # A redirect of a held request: queued and the held one finished, in one transaction.
    client.zadd(queue, {b'{"url": "http://x/5"}': 0})
    five = frontier.take(queue)[0]
    frontier.requeue(queue, b'{"url": "http://x/5b"}', 0, five)
    assert held() == set() and client.zrange(queue, 0, -1) == [b'{"url": "http://x/5b"}']


def _item(n: int, text: str) -> ArticleItem:
    url = f"http://127.0.0.1:1/news/articles/c{n:09d}o"
    return ArticleItem(url=url, canonical_url=url, source="bbc", title=f"Story {n}",
                       body=[Block(f"{text} " * 30)], fetched_at="2026-12-01T10:00:00Z",
                       http_status=200, extractor="bbc", extractor_version="1",
                       html=b"<html>page</html>")


def test_ingest_stores_each_item_once_and_acknowledges_after_commit(client, tmp_path):
    keys, db = Keys(), tmp_path / "n.db"
    ensure_group(client, keys)
    items = [_item(n, "First text of the story.") for n in range(5)]
    for item in items:
        client.xadd(keys.stream, encode_item(item, check_item_id(1, item)))
    # A replay: the same check pushed again (a crawler died after pushing it).
    client.xadd(keys.stream, encode_item(items[0], check_item_id(1, items[0])))
    # An ingest that read three items and died before committing them.
    client.xreadgroup(GROUP, "ingest-1", {keys.stream: ">"}, count=3)
    assert stream_backlog(client, keys) == 6
    with Store(db) as store:
        recorder = RecordPipeline(str(db))
        recorder.store = store
        stats = ingest(store, client, keys, recorder.store_item, consumer="ingest-1",
                       batch=2, block_ms=10, stop=lambda stats, idle: idle)
        assert (stats.items, stats.stored, stats.replayed) == (6, 5, 1)
        assert stream_backlog(client, keys) == 0 and client.xlen(keys.stream) == 0
        articles = store.articles()
        assert len(articles) == 5
        assert all(len(store.checks(a["id"])) == 1 for a in articles)
        assert all(len(store.versions(a["id"])) == 1 for a in articles)
        # The next round's check of a changed article is stored as a new version.
        changed = _item(0, "Second text of the story, rewritten.")
        changed.fetched_at = "2026-12-01T12:00:00Z"
        client.xadd(keys.stream, encode_item(changed, check_item_id(2, changed)))
        ingest(store, client, keys, recorder.store_item, consumer="ingest-1",
               block_ms=10, stop=lambda stats, idle: idle)
        first = next(a for a in store.articles() if a["url"] == changed.url)
        assert len(store.versions(first["id"])) == 2
        assert store.integrity_check() == "ok"


def test_two_crawlers_and_an_ingest_over_rounds(redis_server, client, tmp_path):
    """dispatch, two crawlers (``scrapy crawl -s NEWSDIFFS_REDIS_URL=``, ``newsdiffs crawl
    --redis``) and one ingest, three rounds of a 50-article site."""
    site = h.Site(50).start()
    feed = site.server.url(h.FEED_PATH)
    db, keys = tmp_path / "n.db", Keys()
    crawlers = [h.start_crawler(redis_server.url, feed, tmp_path / "c1.log", "LOG_LEVEL=INFO"),
                h.start_crawler(redis_server.url, feed, tmp_path / "c2.log", tool="newsdiffs")]
    ingester = h.start_ingest(redis_server.url, db, tmp_path / "ingest.log")
    try:
        for number in (1, 2, 3):
            site.serve_round(number)
            done = h.dispatch(redis_server.url, db, feed, NOW)
            assert done.returncode == 0, done.stdout + done.stderr
            assert f"round {number}: " in done.stdout
            if number > 1:
                assert "50 of them re-checks" in done.stdout
            h.wait_round(client, keys, [h.SPIDER], 180, [*crawlers, ingester])
            fetches = site.fetches()
            assert len(fetches) == 50 and max(fetches.values()) == 1
    finally:
        # Ctrl-C or SIGTERM is how a crawler or the ingest that runs until stopped is
        # stopped: a clean stop, exit status 0.
        codes = [h.stop(crawlers[0], signal.SIGTERM), h.stop(crawlers[1], signal.SIGINT),
                 h.stop(ingester, signal.SIGINT)]
        site.stop()
    assert codes == [0, 0, 0]
    expected = site.expected_versions(3)
    with Store(db) as store:
        articles = {a["url"]: a for a in store.articles()}
        assert set(articles) == {site.server.url(site.path(i)) for i in range(50)}
        for i in range(50):
            article = articles[site.server.url(site.path(i))]
            assert len(store.checks(article["id"])) == 3
            assert len(store.versions(article["id"])) == expected[i]
        assert store.integrity_check() == "ok"
    assert not Path("/nonexistent").exists()  # the crawlers opened no database
    # What each crawler did (what it queued, not what the ingest stored): scrapy crawl logs
    # it, newsdiffs crawl --redis prints it; together every check once, every feed fetch.
    said = [re.findall(r"(?:^crawler|newsdiffs crawler bbc \(shutdown\)): fetched (\d+) "
                       r"pages, queued (\d+) checks for ingest \(failed (\d+)\), (\d+) feed "
                       r"fetches \(failed 0\)", (tmp_path / f"c{i}.log").read_text(), re.M)
            for i in (1, 2)]
    assert [len(s) for s in said] == [1, 1], said
    for i in (1, 2):  # scrapy-redis' calls of APIs Scrapy deprecates are not the operator's
        assert "DeprecationWarning" not in (tmp_path / f"c{i}.log").read_text()
    (fetched, queued, failed, feeds), = [[sum(int(s[0][k]) for s in said) for k in range(4)]]
    assert (queued, failed, feeds, fetched) == (150, 0, 3, 153)
    # ... and what the ingest stored, by outcome.
    final = (tmp_path / "ingest.log").read_text().splitlines()[-1]
    changed = sum(expected) - 50
    assert re.search(rf"items/s; stored 150 checks \(new 50, changed {changed}, "
                     rf"unchanged {150 - 50 - changed}, failed 0, pending 0(, [a-z_]+ \d+)*\), "
                     r"3 feed fetches; "
                     r"0 already stored, 0 unreadable \(pid \d+, stopped by a signal\)$", final), final


def test_crawler_and_ingest_wait_out_a_redis_restart(tmp_path):
    """Redis dies between two rounds (and loses everything: no persistence): the crawler and
    the ingest keep running, and the next dispatch's round is crawled and stored."""
    site = h.Site(20).start()
    feed = site.server.url(h.FEED_PATH)
    db, keys = tmp_path / "n.db", Keys()
    with h.RedisServer() as server:
        crawler = h.start_crawler(server.url, feed, tmp_path / "c.log", tool="newsdiffs")
        ingester = h.start_ingest(server.url, db, tmp_path / "ingest.log")
        try:
            site.serve_round(1)
            assert h.dispatch(server.url, db, feed, NOW).returncode == 0
            h.wait_round(connect(server.url), keys, [h.SPIDER], 120, [crawler, ingester])
            server.crash()
            time.sleep(7)  # a failed heartbeat or two, and the ingest's next read
            assert crawler.poll() is None and ingester.poll() is None
            server.start()
            site.serve_round(2)
            done = h.dispatch(server.url, db, feed, NOW)
            assert done.returncode == 0, done.stdout + done.stderr
            assert "20 of them re-checks" in done.stdout
            h.wait_round(connect(server.url), keys, [h.SPIDER], 120, [crawler, ingester])
            assert len(site.fetches()) == 20
        finally:
            codes = [h.stop(crawler), h.stop(ingester)]
            site.stop()
    assert codes == [0, 0]
    log = (tmp_path / "ingest.log").read_text()
    assert "lost Redis at" in log and "is back" in log and "Traceback" not in log
    assert "Traceback" not in (tmp_path / "c.log").read_text()
    with Store(db) as store:
        assert sum(len(store.checks(a["id"])) for a in store.articles()) == 40


def _post(url: str, fields: list[tuple[str, str | bytes]]) -> dict:
    """POST form fields (multipart when a value is bytes) to Scrapyd; its JSON answer."""
    import json
    import urllib.request
    import uuid

    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields:
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"".encode()
        if isinstance(value, bytes):
            body += f"; filename=\"{name}.egg\"\r\nContent-Type: application/octet-stream".encode()
        else:
            value = value.encode()
        body += b"\r\n\r\n" + value + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def _get(url: str) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def _project_copy(to: Path) -> Path:
    """The files scrapyd-deploy builds the egg from (it writes build/ next to them)."""
    to.mkdir()
    for name in ("scrapy.cfg", "setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, to / name)
    for package in ("newsdiffs", "spiders", "pipelines"):
        shutil.copytree(ROOT / package, to / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return to


def test_scrapyd_deploy_and_schedule_run_a_crawler(redis_server, client, tmp_path):
    """scrapyd-deploy builds the project egg and uploads it to a local Scrapyd (a target
    added to scrapy.cfg's); a bbc job scheduled with NEWSDIFFS_REDIS_URL crawls the
    dispatched round and its items reach the ingest."""
    pytest.importorskip("scrapyd")
    deploy = Path(sys.executable).with_name("scrapyd-deploy")
    if not deploy.exists():
        pytest.skip("scrapyd-deploy is not installed (scrapyd-client, the test extra)")

    port = h.free_port()
    (tmp_path / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = eggs\n"
        "logs_dir = logs\ndbs_dir = dbs\nitems_dir =\nmax_proc = 1\npoll_interval = 0.5\n")
    scrapyd = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    site = h.Site(10).start()
    feed = site.server.url(h.FEED_PATH)
    db = tmp_path / "n.db"
    ingester = h.start_ingest(redis_server.url, db, tmp_path / "ingest.log")
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _get(f"{base}/daemonstatus.json")
                break
            except OSError:
                time.sleep(0.2)
        (tmp_path / "xdg").mkdir()
        (tmp_path / "xdg" / "scrapy.cfg").write_text(
            f"[deploy:test]\nurl = {base}/\nproject = newsdiffs\n")
        deployed = subprocess.run(
            [str(deploy), "test", "--version", "1"], cwd=_project_copy(tmp_path / "project"),
            env={**h.env(), "XDG_CONFIG_HOME": str(tmp_path / "xdg")},
            capture_output=True, text=True, timeout=300)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert '"status": "ok"' in deployed.stdout, deployed.stdout + deployed.stderr
        listed = _get(f"{base}/listspiders.json?project=newsdiffs")
        assert "bbc" in listed["spiders"], listed
        site.serve_round(1)
        assert h.dispatch(redis_server.url, db, feed, NOW).returncode == 0
        job = _post(f"{base}/schedule.json", [
            ("project", "newsdiffs"), ("spider", "bbc"), ("feeds", feed),
            *[("setting", s) for s in (f"NEWSDIFFS_REDIS_URL={redis_server.url}",
                                        "NEWSDIFFS_REDIS_IDLE_CLOSE=3", *h.CRAWL_SETTINGS)]])
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            jobs = _get(f"{base}/listjobs.json?project=newsdiffs")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the Scrapyd job did not finish: {jobs}")
        h.wait_round(client, Keys(), [h.SPIDER], 60, [ingester])
    finally:
        h.stop(ingester)
        scrapyd.terminate()
        scrapyd.wait(30)
        site.stop()
    with Store(db) as store:
        assert len(store.articles()) == 10
    assert len(site.fetches()) == 10
