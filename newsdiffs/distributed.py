"""Many crawler machines, one database: the Redis side of ``dispatch``, the crawlers and ``ingest``.

The picture (README "Running on many machines")::

    newsdiffs dispatch --> Redis lists (due re-checks, feed jobs), shared request queue
         (cron, on the       |                      ^
          database host)     v                      |  (scrapy-redis scheduler + dupefilter)
                      crawler 1 ... crawler N  -----+
                             |
                             v  Redis stream of items (one per check or feed fetch)
                      newsdiffs ingest --> SQLite (the only writer)

Work is handed out in *rounds*: ``dispatch`` starts one (``round`` counter),
and within a round each article URL is requested at most once by all the
crawlers together (a Redis set of claimed URLs per round). Every item has an
id made from its round and its article, so an item stored twice (an ingest
replaying after a crash, a page fetched again after a crawler died) is stored
once: ``ingest`` writes the id in the transaction that stores the check and
skips ids it has (table ``ingested_items``).

A crawler lists the article requests it is downloading in its own ``inflight``
hash and keeps an ``alive`` key with a short expiry; when a crawler dies (its
key expires) another crawler, or the next ``dispatch``, moves its in-flight
requests to a ``redo`` list that any crawler of that spider takes up.

This module is plain Python (redis-py, no Scrapy).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields

import redis

from .items import ArticleItem, Block
from .store import Store
from .times import now_iso

logger = logging.getLogger(__name__)

#: Seconds a crawler's ``alive`` key lasts; it is renewed every third of that.
ALIVE_SECONDS = 10
#: The consumer group ``newsdiffs ingest`` reads the item stream with.
GROUP = "ingest"


class RedisUnavailable(Exception):
    """Redis cannot be reached (bad URL, server down)."""


class RoundInProgress(Exception):
    """The previous round's work is not finished: ``dispatch`` starts no new one."""


def connect(url: str) -> redis.Redis:
    """A client for ``redis://host:port/db``, checked with a PING."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=30, health_check_interval=30)
        client.ping()
    except (ValueError, redis.RedisError) as exc:
        raise RedisUnavailable(f"cannot reach Redis at {url}: {exc}") from None
    return client


@dataclass(frozen=True)
class Keys:
    """The Redis key names, all under one prefix (``NEWSDIFFS_REDIS_PREFIX``)."""

    prefix: str = "newsdiffs"

    @property
    def round(self) -> str:
        return f"{self.prefix}:round"

    @property
    def stream(self) -> str:
        return f"{self.prefix}:items"

    @property
    def tracked(self) -> str:
        return f"{self.prefix}:tracked"

    def claims(self, number: int) -> str:
        return f"{self.prefix}:claimed:{number}"

    def due(self, source: str) -> str:
        return f"{self.prefix}:due:{source}"

    def feeds(self, spider: str) -> str:
        return f"{self.prefix}:feeds:{spider}"

    def redo(self, spider: str) -> str:
        return f"{self.prefix}:redo:{spider}"

    def inflight(self, crawler: str) -> str:
        return f"{self.prefix}:inflight:{crawler}"

    def alive(self, crawler: str) -> str:
        return f"{self.prefix}:alive:{crawler}"

    def requests(self, spider: str) -> str:
        """The scrapy-redis request queue of a spider (``SCHEDULER_QUEUE_KEY``)."""
        return f"{self.prefix}:{spider}:requests"

    def dupefilter(self, spider: str) -> str:
        """The scrapy-redis dupefilter set of a spider (``SCHEDULER_DUPEFILTER_KEY``)."""
        return f"{self.prefix}:{spider}:dupefilter"


# -- items on the stream -------------------------------------------------------

def item_id(round_number: int, kind: str, key: str, extra: str = "") -> str:
    """The id of an item: the same for the same article (or feed) and round, whoever fetched it."""
    return hashlib.sha256(f"{round_number}\0{kind}\0{key}\0{extra}".encode()).hexdigest()[:32]


def check_item_id(round_number: int, item: ArticleItem) -> str:
    """:func:`item_id` of an article check: by the article it is about (a move note apart)."""
    about = item.canonical_url or item.url
    return item_id(round_number, "check", about, "moved" if item.redirected_to else "")


def encode_item(item: ArticleItem, item_id_: str, *, keep_html: bool = True) -> dict[str, bytes]:
    """Stream fields of a validated, normalised item; the page gzip-compressed when kept."""
    data = {f.name: getattr(item, f.name) for f in fields(item) if f.name not in ("html", "body")}
    data["body"] = [[b.text, b.kind] for b in item.body]
    message = {"kind": b"check", "id": item_id_.encode(), "data": json.dumps(data).encode()}
    if keep_html and item.html:
        message["html"] = gzip.compress(item.html, compresslevel=6, mtime=0)
    return message


def encode_feed_check(row: dict, item_id_: str) -> dict[str, bytes]:
    """Stream fields of one feed or sitemap fetch (a ``feed_checks`` row)."""
    return {"kind": b"feed", "id": item_id_.encode(), "data": json.dumps(row).encode()}


@dataclass(frozen=True)
class Message:
    """One item read back from the stream."""

    entry: bytes
    kind: str
    id: str
    item: ArticleItem | None = None
    feed_check: dict | None = None


def decode_message(entry: bytes, values: dict[bytes, bytes]) -> Message:
    """An item of the stream; ``ValueError`` for one that is not ours or is damaged."""
    try:
        kind, ident = values[b"kind"].decode(), values[b"id"].decode()
        data = json.loads(values[b"data"])
        if kind == "feed":
            return Message(entry, kind, ident, feed_check=dict(data))
        if kind != "check":
            raise ValueError(f"unknown kind {kind!r}")
        data["body"] = [Block(text, block_kind) for text, block_kind in data["body"]]
        html = gzip.decompress(values[b"html"]) if b"html" in values else None
        return Message(entry, kind, ident, item=ArticleItem(**data, html=html))
    except (KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError, OSError,
            EOFError) as exc:
        raise ValueError(f"stream entry {entry!r} is not a newsdiffs item: {exc}") from None


# -- the crawler's side ----------------------------------------------------------

class RedisFrontier:
    """The frontier of a crawler on any machine: work and answers come from Redis.

    ``due`` hands out re-checks that ``newsdiffs dispatch`` pushed (each to one
    crawler); ``known`` and ``article`` read the tracked-article index the
    dispatch keeps; ``claim`` takes a URL for the round; feed checks and
    items go to the stream for ``newsdiffs ingest``.
    """

    shared = True

    def __init__(self, client: redis.Redis, keys: Keys, crawler: str, *,
                 keep_html: bool = True) -> None:
        self.client = client
        self.keys = keys
        #: This crawler's name (host and process id): its ``alive`` and ``inflight`` keys.
        self.crawler = crawler
        self.keep_html = keep_html
        self.round = 0
        self.refresh_round()

    def refresh_round(self) -> int:
        """Read the current round (a dispatch may have started one since)."""
        self.round = int(self.client.get(self.keys.round) or 0)
        return self.round

    def due(self, source: str, now: str, limit: int, *,
            include_finished: bool = False) -> list[dict]:
        raw = self.client.lpop(self.keys.due(source), limit) or []
        return [json.loads(r) for r in raw]

    def redo(self, spider: str, limit: int) -> list[dict]:
        """Requests of a crawler that died while downloading them, to be made again."""
        raw = self.client.lpop(self.keys.redo(spider), limit) or []
        return [json.loads(r) for r in raw]

    def known(self, urls: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return set()
        found = self.client.hmget(self.keys.tracked, wanted)
        return {url for url, row in zip(wanted, found, strict=True) if row is not None}

    def article(self, url: str) -> dict | None:
        row = self.client.hget(self.keys.tracked, url)
        return {**json.loads(row), "url": url} if row is not None else None

    def claim(self, url: str) -> bool:
        return self.client.sadd(self.keys.claims(self.round), url) == 1

    def feeds_due(self, spider: str) -> bool:
        return self.client.lpop(self.keys.feeds(spider)) is not None

    def feed_checked(self, **row) -> None:
        ident = item_id(self.round, "feed", row["url"])
        self.client.xadd(self.keys.stream, encode_feed_check(row, ident))

    def push_item(self, item: ArticleItem) -> str:
        """Put a check on the stream for ``newsdiffs ingest``; its id."""
        ident = check_item_id(self.round, item)
        self.client.xadd(self.keys.stream, encode_item(item, ident, keep_html=self.keep_html))
        return ident

    def downloading(self, key: str, job: dict) -> None:
        """Note an article request this crawler is downloading (redone if the crawler dies)."""
        self.client.hset(self.keys.inflight(self.crawler), key, json.dumps(job))

    def processed(self, key: str) -> None:
        """The request's items are on the stream: nothing to redo for it."""
        self.client.hdel(self.keys.inflight(self.crawler), key)

    def idle(self) -> None:
        """Nothing is being downloaded or processed: nothing of ours to redo."""
        self.client.delete(self.keys.inflight(self.crawler))

    def heartbeat(self) -> int:
        """Say this crawler is alive; take up the in-flight work of dead ones (how many)."""
        self.client.set(self.keys.alive(self.crawler), now_iso(), ex=ALIVE_SECONDS)
        return recover(self.client, self.keys)

    def close(self) -> None:
        self.client.delete(self.keys.alive(self.crawler), self.keys.inflight(self.crawler))


def recover(client: redis.Redis, keys: Keys) -> int:
    """Move the in-flight requests of crawlers whose ``alive`` key expired to ``redo`` lists."""
    moved = 0
    for raw_key in client.scan_iter(match=keys.inflight("*"), count=100):
        key = raw_key.decode()
        crawler = key.removeprefix(keys.inflight(""))
        if ":recovering:" in crawler or client.exists(keys.alive(crawler)):
            continue
        taken = f"{key}:recovering:{time.time_ns()}"
        try:  # RENAME is atomic: of two crawlers recovering at once, one gets the hash
            client.rename(key, taken)
        except redis.ResponseError:
            continue
        jobs = client.hgetall(taken)
        with client.pipeline() as pipe:
            for job in jobs.values():
                pipe.rpush(keys.redo(json.loads(job)["spider"]), job)
            pipe.delete(taken)
            pipe.execute()
        if jobs:
            logger.warning("crawler %s is gone: %d request(s) it was downloading are redone",
                           crawler, len(jobs))
        moved += len(jobs)
    return moved


# -- dispatch --------------------------------------------------------------------

@dataclass
class Dispatched:
    """What one ``newsdiffs dispatch`` handed out."""

    round: int
    due: dict[str, int] = field(default_factory=dict)
    feeds: list[str] = field(default_factory=list)
    tracked: int = 0
    recovered: int = 0

    def summary(self) -> str:
        return (f"round {self.round}: {sum(self.due.values())} re-checks due "
                f"({', '.join(f'{s} {n}' for s, n in sorted(self.due.items())) or 'none'}), "
                f"feeds for {', '.join(self.feeds) or 'no spider'}, "
                f"{self.tracked} tracked articles indexed"
                + (f", {self.recovered} requests of dead crawlers redone" if self.recovered
                   else ""))


def work_left(client: redis.Redis, keys: Keys, spiders: dict[str, list[str]]) -> list[str]:
    """What of the current round is not done yet (empty: the round is over)."""
    left = []
    for spider, sources in spiders.items():
        for label, key, size in (("feed jobs", keys.feeds(spider), client.llen),
                                 ("requests to redo", keys.redo(spider), client.llen),
                                 ("queued requests", keys.requests(spider), client.zcard)):
            if count := size(key):
                left.append(f"{spider}: {count} {label}")
        for source in sources:
            if count := client.llen(keys.due(source)):
                left.append(f"{source}: {count} re-checks not taken")
    downloading = sum(client.hlen(k) for k in client.scan_iter(match=keys.inflight("*")))
    if downloading:
        left.append(f"{downloading} requests being downloaded")
    unread = stream_backlog(client, keys)
    if unread:
        left.append(f"{unread} items not ingested")
    return left


def stream_backlog(client: redis.Redis, keys: Keys) -> int:
    """Items on the stream that ``ingest`` has not acknowledged (read or not)."""
    if not client.exists(keys.stream):
        return 0
    groups = {g["name"].decode() if isinstance(g["name"], bytes) else g["name"]: g
              for g in client.xinfo_groups(keys.stream)}
    group = groups.get(GROUP)
    if group is None:
        return client.xlen(keys.stream)
    lag = group.get("lag")
    return int(group.get("pending") or 0) + int(lag if lag is not None else client.xlen(keys.stream))


def dispatch(store: Store, client: redis.Redis, keys: Keys, spiders: dict[str, list[str]], *,
             now: str, limit: int, include_finished: bool = False,
             feeds: bool = True) -> Dispatched:
    """Start a round: index tracked articles, push each source's due re-checks and feed jobs.

    ``spiders`` maps each spider to the sources it crawls. Raises
    :class:`RoundInProgress` while the previous round has work left (the
    crawlers are behind: a new round would fetch articles twice).
    """
    recovered = recover(client, keys)
    left = work_left(client, keys, spiders)
    if left:
        raise RoundInProgress(f"round {int(client.get(keys.round) or 0)} is not finished: "
                              + "; ".join(left))
    result = Dispatched(round=int(client.incr(keys.round)), recovered=recovered)
    result.tracked = index_tracked(store, client, keys)
    claims = keys.claims(result.round)
    with client.pipeline(transaction=False) as pipe:
        pipe.delete(keys.claims(result.round - 1))
        for spider, sources in spiders.items():
            # A new round may fetch every sitemap again (scrapy-redis' dupefilter is per round).
            pipe.delete(keys.dupefilter(spider))
            for source in sources:
                rows = store.due(now, source, limit, include_finished=include_finished)
                result.due[source] = len(rows)
                for row in rows:
                    job = {k: row[k] for k in ("id", "url", "source", "etag", "last_modified")}
                    pipe.sadd(claims, row["url"])
                    pipe.rpush(keys.due(source), json.dumps(job))
            if feeds:
                pipe.rpush(keys.feeds(spider), str(result.round))
                result.feeds.append(spider)
        pipe.expire(claims, 7 * 86400)
        pipe.execute()
    return result


def index_tracked(store: Store, client: redis.Redis, keys: Keys, chunk: int = 5000) -> int:
    """Replace the Redis index of tracked articles (URL -> validators) with the database's."""
    fresh = f"{keys.tracked}:new"
    client.delete(fresh)
    count = 0
    batch: dict[str, str] = {}
    for row in store.frontier_rows():
        batch[row["url"]] = json.dumps({"id": row["id"], "source": row["source"],
                                        "etag": row["etag"],
                                        "last_modified": row["last_modified"]})
        if len(batch) >= chunk:
            client.hset(fresh, mapping=batch)
            count += len(batch)
            batch = {}
    if batch:
        client.hset(fresh, mapping=batch)
        count += len(batch)
    if count:
        client.rename(fresh, keys.tracked)
    else:
        client.delete(keys.tracked)
    return count


# -- ingest ----------------------------------------------------------------------

@dataclass
class IngestStats:
    """What ``newsdiffs ingest`` did: items read, stored, skipped as replays, and time spent."""

    items: int = 0
    stored: int = 0
    replayed: int = 0
    bad: int = 0
    batches: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (f"ingested {self.items} items in {self.batches} batches "
                f"({self.stored} stored, {self.replayed} already stored, {self.bad} unreadable) "
                f"in {self.seconds:.1f}s: {self.per_second:.0f} items/s")


def ensure_group(client: redis.Redis, keys: Keys) -> None:
    """Create the stream and its ``ingest`` consumer group (from the stream's start) if missing."""
    try:
        client.xgroup_create(keys.stream, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def read_batches(client: redis.Redis, keys: Keys, consumer: str, size: int,
                 block_ms: int) -> Iterator[list[tuple[bytes, dict]]]:
    """Batches of stream entries for this consumer: first those it read before and did not
    acknowledge (it crashed), then those another consumer left idle a minute, then new ones."""
    while True:
        entries = client.xreadgroup(GROUP, consumer, {keys.stream: "0"}, count=size)
        pending = entries[0][1] if entries else []
        if not pending:
            break
        yield pending
    claimed = client.xautoclaim(keys.stream, GROUP, consumer, min_idle_time=60_000,
                                count=size)
    if len(claimed) > 1 and claimed[1]:
        yield from read_batches(client, keys, consumer, size, block_ms)
    while True:
        entries = client.xreadgroup(GROUP, consumer, {keys.stream: ">"}, count=size,
                                    block=block_ms)
        yield entries[0][1] if entries else []


def ingest_batch(store: Store, entries: list[tuple[bytes, dict]],
                 record: Callable[[ArticleItem], None], stats: IngestStats) -> None:
    """Store a batch of stream entries in one transaction; items already stored are skipped."""
    messages = []
    for entry, values in entries:
        try:
            messages.append(decode_message(entry, values))
        except ValueError as exc:
            logger.error("newsdiffs ingest: %s (skipped)", exc)
            stats.bad += 1
    at = now_iso()
    with store.batch():
        done = store.ingested(m.id for m in messages)
        for message in messages:
            if message.id in done:
                stats.replayed += 1
                continue
            done.add(message.id)
            if message.item is not None:
                record(message.item)
            else:
                store.record_feed_check(**message.feed_check)
            store.mark_ingested(message.id, at)
            stats.stored += 1
    stats.items += len(entries)
    stats.batches += 1


def ingest(store: Store, client: redis.Redis, keys: Keys, record: Callable[[ArticleItem], None],
           *, consumer: str = "ingest", batch: int = 500, block_ms: int = 1000,
           stop: Callable[[IngestStats, bool], bool] | None = None,
           report: Callable[[IngestStats], None] | None = None) -> IngestStats:
    """Read the item stream and store every item exactly once, ``batch`` items a transaction.

    An entry is acknowledged (and deleted from the stream) only after the
    transaction that stored it committed. ``stop(stats, idle)`` is asked after
    each read; ``report(stats)`` after each batch.
    """
    ensure_group(client, keys)
    stats = IngestStats()
    for entries in read_batches(client, keys, consumer, batch, block_ms):
        if entries:
            started = time.perf_counter()
            ingest_batch(store, entries, record, stats)
            ids = [entry for entry, _ in entries]
            with client.pipeline() as pipe:
                pipe.xack(keys.stream, GROUP, *ids)
                pipe.xdel(keys.stream, *ids)
                pipe.execute()
            stats.seconds += time.perf_counter() - started
            if report is not None:
                report(stats)
        if stop is not None and stop(stats, not entries):
            break
    return stats

