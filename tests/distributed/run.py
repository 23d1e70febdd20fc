"""``make test-distributed``: a distributed crawl of 5,000 articles, with crashes, checked.

redis-server on a free port, a generated loopback site whose articles change
between rounds, ``newsdiffs dispatch``, two crawler processes (``scrapy crawl
bbc -s NEWSDIFFS_REDIS_URL=...``) and one ``newsdiffs ingest``, for three
rounds. One crawler is killed (SIGKILL) in the middle of round 2 and the
ingest in the middle of round 3; both are started again. Then the database
is checked against what the site served: every article tracked once, one
check per article and round, one version per served text, integrity_check
ok, and no URL fetched twice in a round.

``fetched_twice`` counts every article fetched twice in a round, the killed
crawler's included, with one exception, reported apart as
``refetched_after_kill``: an article the killed crawler held (in its
in-flight hash at the kill) whose stored check of the round is from the
second fetch, so the first fetch's result never reached the stream. One
whose result was pushed and that was fetched again anyway (its stored check
is from before the kill) is a real duplicate and counts in ``fetched_twice``.

Usage: python tests/distributed/run.py [--articles N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import dist_harness as h  # noqa: E402

from newsdiffs.distributed import Keys, connect, stream_backlog  # noqa: E402
from newsdiffs.store import Store  # noqa: E402
from newsdiffs.times import now_iso  # noqa: E402

ROUNDS = 3
NOW = "2030-01-01T00:00:00Z"  # every tracked article is due at each dispatch


def wait_fetched(site: h.Site, share: float, timeout: float, procs) -> None:
    """Wait until this share of the round's articles has been fetched."""
    deadline = time.monotonic() + timeout
    while len(site.fetches()) < share * site.articles:
        if time.monotonic() > deadline:
            raise TimeoutError("the crawlers do not advance")
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"{p.args[:4]} exited with {p.returncode}")
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--keep", help="Keep the database and logs in this directory.")
    options = parser.parse_args()
    if not shutil.which("redis-server"):
        print("distributed: redis-server is not installed (make redis)", file=sys.stderr)
        return 1
    work = Path(options.keep or tempfile.mkdtemp(prefix="newsdiffs-distributed-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "newsdiffs.db"
    for old in [*work.glob("newsdiffs.db*"), *work.glob("*.log")]:
        old.unlink()
    site = h.Site(options.articles).start()
    feed = site.server.url(h.FEED_PATH)
    problems: list[str] = []
    fetched_twice = 0
    ingest_rate = 0.0
    held: set[str] = set()  # article paths the killed crawler held
    kill_at = ""
    twice_after_kill: set[str] = set()  # round 2's paths fetched twice, judged at the end
    started = time.monotonic()
    with h.RedisServer() as redis_server:
        client, keys = connect(redis_server.url), Keys()
        crawlers = [h.start_crawler(redis_server.url, feed, work / f"crawler{i}.log")
                    for i in (1, 2)]
        ingest = h.start_ingest(redis_server.url, db, work / "ingest.log")
        try:
            for number in range(1, ROUNDS + 1):
                site.serve_round(number)
                began = time.monotonic()
                done = h.dispatch(redis_server.url, db, feed, NOW)
                if done.returncode != 0:
                    raise RuntimeError(f"dispatch failed: {done.stdout}{done.stderr}")
                print(f"round {number}: {done.stdout.strip()}", flush=True)
                if number == 2:  # a crawler dies in the middle of a round
                    wait_fetched(site, 0.4, 300, [*crawlers, ingest])
                    name = h.crawler_name(crawlers[0])
                    h.kill(crawlers[0])
                    kill_at = now_iso()
                    held = {urlsplit(u).path for u in h.inflight_urls(client, crawler=name)}
                    print(f"round 2: crawler 1 killed with {len(held)} requests whose result "
                          "was not on the stream", flush=True)
                    crawlers[0] = h.start_crawler(redis_server.url, feed, work / "crawler1.log")
                if number == 3:  # the ingest dies in the middle of a round
                    wait_fetched(site, 0.4, 300, [*crawlers, ingest])
                    h.kill(ingest)
                    print(f"round 3: ingest killed with {stream_backlog(client, keys)} items "
                          "not acknowledged", flush=True)
                    ingest = h.start_ingest(redis_server.url, db, work / "ingest.log")
                h.wait_round(client, keys, [h.SPIDER], 900, [*crawlers, ingest])
                fetches = site.fetches()
                twice = {p for p, n in fetches.items() if n > 1}
                if number == 2:
                    twice_after_kill = twice & held
                fetched_twice += len(twice - twice_after_kill if number == 2 else twice)
                missing = site.articles - len(fetches)
                if missing:
                    problems.append(f"round {number}: {missing} articles not fetched")
                print(f"round {number}: {len(fetches)} articles fetched "
                      f"({len(twice)} twice, {len(twice & held)} of them held by the "
                      f"killed crawler) in {time.monotonic() - began:.1f}s", flush=True)
        finally:
            # SIGINT for the crawlers, SIGTERM for the ingest: a clean stop, exit status 0.
            codes = [h.stop(process) for process in [*crawlers, ingest]]
            site.stop()
    if codes != [0, 0, 0]:
        problems.append(f"exit status after a stop (crawler 1, crawler 2, ingest): {codes}")
    # The last line of each ingest process (the killed one's last report): items and the
    # seconds spent storing them (reading, waiting for items not counted).
    ingested: list[tuple[int, float]] = []
    for line in (work / "ingest.log").read_text().splitlines():
        match = re.match(r"ingested (\d+) items .* in ([\d.]+)s: ", line)
        if match:
            counted = (int(match[1]), float(match[2]))
            if ingested and counted[0] >= ingested[-1][0]:
                ingested[-1] = counted  # a later report of the same process
            else:
                ingested.append(counted)
    items, seconds = sum(n for n, _ in ingested), sum(t for _, t in ingested)
    ingest_rate = items / seconds if seconds else 0.0
    duplicates = lost = refetched = 0
    expected = site.expected_versions(ROUNDS)
    with Store(db) as store:
        articles = {a["url"]: a for a in store.articles()}
        for path in sorted(twice_after_kill):
            article = articles.get(site.server.url(path))
            checks = store.checks(article["id"]) if article else []
            # Round 2's check: stored from the killed crawler's fetch (before the kill: its
            # result was pushed, fetching it again was a duplicate) or from the second one.
            if len(checks) >= 2 and checks[1]["checked_at"] > kill_at:
                refetched += 1
            else:
                fetched_twice += 1
        wanted = {site.server.url(site.path(i)): i for i in range(site.articles)}
        if set(articles) != set(wanted):
            problems.append(f"tracked {len(articles)} articles, served {len(wanted)} "
                            f"({len(set(articles) - set(wanted))} unexpected)")
        for url, number in wanted.items():
            article = articles.get(url)
            if article is None:
                lost += ROUNDS + expected[number]
                continue
            checks = len(store.checks(article["id"]))
            versions = len(store.versions(article["id"]))
            duplicates += max(0, checks - ROUNDS) + max(0, versions - expected[number])
            lost += max(0, ROUNDS - checks) + max(0, expected[number] - versions)
        integrity = store.integrity_check()
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    if fetched_twice or duplicates or lost:
        problems.append(f"fetched_twice={fetched_twice} duplicates={duplicates} lost={lost}")
    print(f"checked {len(articles)} articles, {sum(expected)} versions expected, "
          f"{len(held)} requests held by the killed crawler, {refetched} of them fetched "
          f"again, {time.monotonic() - started:.0f}s in all; files in {work}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"distributed: articles={site.articles} crawlers=2 fetched_twice={fetched_twice} "
          f"duplicates={duplicates} lost={lost} ingest_items_per_s={ingest_rate:.0f} "
          f"refetched_after_kill={refetched}")
    if not options.keep and not problems:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
