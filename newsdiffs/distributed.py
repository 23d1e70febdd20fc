"""Many crawler machines, one database: the Redis side of ``dispatch``, the crawlers and ``ingest``.

The picture (README "Running on many machines")::

    newsdiffs dispatch --> Redis: one request queue per spider (due re-checks, feeds),
         (cron, on the       |   claimed URLs of the round, tracked-article index
          database host)     v   ^
                      crawler 1 ... crawler N  (scrapy-redis scheduler + dupefilter)
                             |
                             v  Redis stream of items (one per check or feed fetch)
                      newsdiffs ingest --> SQLite (the only writer)

Work is handed out in *rounds*: ``dispatch`` starts one (``round`` counter)
only when the previous one is finished (nothing queued, nothing being
downloaded, every item ingested), and puts the round's requests (due re-checks
with their validators, feeds, sitemaps, front pages) straight into the
scrapy-redis request queue of each spider. Within a round each article URL is
requested at most once by all the crawlers together (a Redis set of claimed
URLs per round, filled by ``dispatch`` and by the crawlers for new links).
Every item has an id made from its round and its article, so an item stored
twice (an ingest replaying after a crash, a page fetched again after a crawler
died) is stored once: ``ingest`` writes the id in the transaction that stores
the check and skips ids it has (table ``ingested_items``).

A crawler takes a request from the queue and notes it in its own ``inflight``
hash in one step (a Lua script), and removes it in the same Redis transaction
that puts the request's last item on the stream (or, for a request with no
item, once its follow-up requests are queued), and keeps an ``alive`` key
with a short expiry. When a crawler dies (its key expires) another crawler,
or the next ``dispatch``, puts its in-flight requests back in the queue: only
requests whose result never reached the stream are fetched again.

This module is plain Python (redis-py, no Scrapy); the Scrapy side is
``pipelines.distributed``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import secrets
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields

import redis

from .config import DEFAULT_KEEP_HTML, DEFAULT_REDIS_PREFIX
from .frontier import LocalFrontier
from .items import ArticleItem, Block
from .store import Store
from .times import now_iso

logger = logging.getLogger(__name__)

#: Seconds a crawler's ``alive`` key lasts; it is renewed every third of that.
ALIVE_SECONDS = 10
#: Seconds the ingest waits for a batch to fill before it stores a part of one.
LINGER_SECONDS = 0.25
#: The consumer group ``newsdiffs ingest`` reads the item stream with.
GROUP = "ingest"


class RedisUnavailable(Exception):
    """Redis cannot be reached (bad URL, server down)."""


class RoundInProgress(Exception):
    """The previous round's work is not finished: ``dispatch`` starts no new one."""


def redis_error_text(exc: Exception) -> str:
    """redis-py's error in the words of the system ("Connection refused")."""
    text = str(exc).strip()
    match = re.fullmatch(r"Error -?\d+ connecting to \S+?\. (.+?)\.?", text)
    return match[1] if match else text.rstrip(".") or type(exc).__name__


def connect(url: str) -> redis.Redis:
    """A client for ``redis://host:port/db``, checked with a PING."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                      health_check_interval=30)
        client.ping()
    except (ValueError, redis.RedisError) as exc:
        raise RedisUnavailable(f"cannot reach Redis at {url}: {redis_error_text(exc)}") from None
    return client


def unreachable(url: str) -> str | None:
    """Why Redis at ``url`` cannot be used (one line), or ``None`` when it answers."""
    try:
        connect(url).close()
    except RedisUnavailable as exc:
        return str(exc)
    return None


def wait_for_redis(url: str, give_up: Callable[[], bool], every: float = 5.0) -> bool:
    """Wait until Redis answers again (``True``), or until ``give_up()`` (``False``)."""
    while not give_up():
        if unreachable(url) is None:
            return True
        deadline = time.monotonic() + every
        while time.monotonic() < deadline and not give_up():
            time.sleep(0.2)
    return False


@dataclass(frozen=True)
class Keys:
    """The Redis key names, all under one prefix (``NEWSDIFFS_REDIS_PREFIX``)."""

    prefix: str = DEFAULT_REDIS_PREFIX

    @property
    def round(self) -> str:
        return f"{self.prefix}:round"

    @property
    def round_id(self) -> str:
        """The current round's number and a random token: item ids are made from it, so
        that a round counter that starts again (Redis lost its data) repeats no id."""
        return f"{self.prefix}:round:id"

    @property
    def stream(self) -> str:
        return f"{self.prefix}:items"

    @property
    def tracked(self) -> str:
        return f"{self.prefix}:tracked"

    def claims(self, number: int | str) -> str:
        return f"{self.prefix}:claimed:{number}"

    def inflight(self, spider: str, crawler: str) -> str:
        """The requests of ``spider`` that ``crawler`` took from the queue and is processing."""
        return f"{self.prefix}:{spider}:inflight:{crawler}"

    def alive(self, crawler: str) -> str:
        return f"{self.prefix}:alive:{crawler}"

    def requests(self, spider: str) -> str:
        """The scrapy-redis request queue of a spider (``SCHEDULER_QUEUE_KEY``)."""
        return f"{self.prefix}:{spider}:requests"

    def dupefilter(self, spider: str) -> str:
        """The scrapy-redis dupefilter set of a spider (``SCHEDULER_DUPEFILTER_KEY``)."""
        return f"{self.prefix}:{spider}:dupefilter"


# -- items on the stream -------------------------------------------------------

def item_id(round_id: int | str, kind: str, key: str, extra: str = "") -> str:
    """The id of an item: the same for the same article (or feed) and round, whoever fetched it."""
    return hashlib.sha256(f"{round_id}\0{kind}\0{key}\0{extra}".encode()).hexdigest()[:32]


def check_item_id(round_id: int | str, item: ArticleItem) -> str:
    """:func:`item_id` of an article check: by the article it is about (a move note apart)."""
    about = item.canonical_url or item.url
    return item_id(round_id, "check", about, "moved" if item.redirected_to else "")


def encode_item(item: ArticleItem, item_id_: str, *, keep_html: bool = True) -> dict[str, bytes]:
    """Stream fields of a validated, normalised item; the page gzip-compressed when kept."""
    data = {f.name: getattr(item, f.name) for f in fields(item)
            if f.name not in ("html", "body", "cleaned")}
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

#: Take the first request of a queue (a sorted set) and note it in the crawler's in-flight
#: hash, in one step: a crawler killed at any moment loses no request.
POP_SCRIPT = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
local field = r[2] .. ':' .. redis.sha1hex(r[1])
redis.call('HSET', KEYS[2], field, r[1])
return {field, r[1]}
"""

#: Add a URL to the claims of the current round; 1 when it was not claimed yet.
CLAIM_SCRIPT = """
local round = redis.call('GET', KEYS[1]) or '0'
return redis.call('SADD', KEYS[2] .. round, ARGV[1])
"""


class RedisFrontier:
    """The frontier of a crawler on any machine: answers come from Redis.

    ``known`` and ``article`` read the tracked-article index that ``dispatch``
    keeps; ``claim`` takes a URL for the current round; feed checks go to the
    item stream for ``newsdiffs ingest``. ``due`` is empty: ``dispatch`` queues
    the re-checks.

    It also keeps this crawler's ledger of requests taken from the shared
    queue (fields of its ``inflight`` hash): :meth:`take` notes one,
    :meth:`push_item` puts an item on the stream and, when it is the last one
    its request is waiting for, removes the request's entry in the same
    transaction. The connection is opened on first use (a crawler whose Redis
    cannot be reached is refused before it needs one).
    """

    shared = True

    def __init__(self, client: redis.Redis | str, keys: Keys, crawler: str, *,
                 spider: str = "", keep_html: bool = True) -> None:
        self._client = client if isinstance(client, redis.Redis) else None
        self.url = client if isinstance(client, str) else None
        self.keys = keys
        #: This crawler's name (host and process id): its ``alive`` and ``inflight`` keys.
        self.crawler = crawler
        self.spider = spider
        self.keep_html = keep_html
        self._claim = self._take = None
        #: In-flight entries this process holds (taken, not finished).
        self.taken: set[str] = set()
        #: Items of a request on their way to the stream (in the item pipelines).
        self._pending: Counter[str] = Counter()
        #: Requests whose callback is still producing items and requests.
        self._producing: set[str] = set()

    @property
    def client(self) -> redis.Redis:
        if self._client is None:
            self._client = connect(self.url or "")
        return self._client

    @property
    def inflight_key(self) -> str:
        return self.keys.inflight(self.spider, self.crawler)

    def current_round(self) -> str:
        """The id of the round ``dispatch`` started last (:attr:`Keys.round_id`; read each
        time: a crawler outlives rounds)."""
        return (self.client.get(self.keys.round_id) or b"0").decode()

    def due(self, source: str, now: str, limit: int, *,
            include_finished: bool = False) -> list[dict]:
        return []

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
        if self._claim is None:
            self._claim = self.client.register_script(CLAIM_SCRIPT)
        return self._claim(keys=[self.keys.round, self.keys.claims("")], args=[url]) == 1

    def feed_checked(self, **row) -> None:
        from .frontier import FrontierError

        ident = item_id(self.current_round(), "feed", row["url"])
        try:
            self.client.xadd(self.keys.stream, encode_feed_check(row, ident))
        except redis.RedisError as exc:
            raise FrontierError(f"feed check not sent to Redis: {exc}") from None

    # -- the ledger of requests taken from the shared queue ---------------------

    def take(self, queue_key: str) -> tuple[str, bytes] | None:
        """The first request of a queue, noted in this crawler's in-flight hash in the same
        step: ``(field, request data)``, or ``None`` when the queue is empty."""
        if self._take is None:
            self._take = self.client.register_script(POP_SCRIPT)
        got = self._take(keys=[queue_key, self.inflight_key])
        if not got:
            return None
        field = got[0].decode()
        self.taken.add(field)
        return field, got[1]

    def requeue(self, queue_key: str, data: bytes, score: float, field: str | None) -> None:
        """Queue a request; ``field``: the request it continues (a redirect, a retry),
        finished in the same transaction."""
        with self.client.pipeline() as pipe:
            pipe.zadd(queue_key, {data: score})
            if field in self.taken:
                pipe.hdel(self.inflight_key, field)
            pipe.execute()
        self._forget(field)

    def producing(self, field: str) -> None:
        """The callback of request ``field`` started: it is not finished before it ends."""
        self._producing.add(field)

    def item_coming(self, field: str) -> None:
        """Request ``field`` produced an item that is on its way through the pipelines."""
        self._pending[field] += 1

    def produced(self, field: str) -> None:
        """The callback of request ``field`` ended: finished now if no item is on its way."""
        self._producing.discard(field)
        if not self._pending[field]:
            self.finish([field])

    def push_item(self, item: ArticleItem, field: str | None = None) -> str:
        """Put a check on the stream for ``newsdiffs ingest``; its id. When it is the last
        item request ``field`` was waiting for, the request is finished in the same
        transaction (a crawler killed after it does not fetch the page again)."""
        ident = check_item_id(self.current_round(), item)
        done = field is not None and self._settle(field)
        with self.client.pipeline() as pipe:
            pipe.xadd(self.keys.stream, encode_item(item, ident, keep_html=self.keep_html))
            if done:
                pipe.hdel(self.inflight_key, field)
            pipe.execute()
        if done:
            self._forget(field)
        return ident

    def item_gone(self, field: str) -> None:
        """An item of request ``field`` was dropped or failed before the stream."""
        if self._settle(field):
            self.finish([field])

    def _settle(self, field: str) -> bool:
        """One item of ``field`` is settled; whether the request is finished with it."""
        if self._pending[field] > 0:
            self._pending[field] -= 1
        return field in self.taken and not self._pending[field] and field not in self._producing

    def finish(self, fields: Iterable[str]) -> int:
        """Remove requests from the in-flight hash: they are done (how many)."""
        done = [f for f in fields if f in self.taken]
        if done:
            self.client.hdel(self.inflight_key, *done)
            for field in done:
                self._forget(field)
        return len(done)

    def finish_all(self) -> int:
        """Every request taken is done (the crawler is idle or closing): remove them all."""
        return self.finish(list(self.taken))

    def _forget(self, field: str | None) -> None:
        self.taken.discard(field)  # type: ignore[arg-type]
        self._pending.pop(field, None)  # type: ignore[arg-type]
        self._producing.discard(field)  # type: ignore[arg-type]

    def heartbeat(self) -> int:
        """Say this crawler is alive; put back the in-flight requests of dead ones (how many)."""
        self.client.set(self.keys.alive(self.crawler), now_iso(), ex=ALIVE_SECONDS)
        return recover(self.client, self.keys)

    def close(self) -> None:
        """Stop saying this crawler is alive (what it still holds is redone after the expiry)."""
        if self._client is None:
            return
        try:
            self._client.delete(self.keys.alive(self.crawler))
        except redis.RedisError:
            pass


def crawler_summary(stats: dict, seconds: float | None = None) -> str:
    """What a crawler did, from its Scrapy stats (summed over its spiders): pages fetched
    (robots.txt files aside), checks queued for ``newsdiffs ingest`` (and how many of them
    are failed checks), feeds fetched."""
    def count(key: str) -> int:
        value = stats.get(key, 0)
        return value if isinstance(value, int) else 0

    feeds = count("newsdiffs/feed_ok") + count("newsdiffs/feed_failed")
    trouble = "".join(f", {label} {count(key)}" for key, label in (
        ("newsdiffs/recovered", "requests of dead crawlers queued again"),
        ("newsdiffs/store_errors", "not sent to Redis"),
        ("newsdiffs/item_errors", "pipeline errors"),
        ("spider_exceptions/count", "spider errors")) if count(key))
    pages = count("downloader/response_count") - count("robotstxt/response_count")
    return (f"fetched {pages} pages, queued "
            f"{count('newsdiffs/queued')} checks for ingest (failed "
            f"{count('newsdiffs/queued_failed')}), {feeds} feed fetches (failed "
            f"{count('newsdiffs/feed_failed')}){trouble}"
            + (f" in {seconds:.1f}s" if seconds is not None else ""))


def redis_frontier(settings, spider_name: str = "") -> RedisFrontier:
    """The :class:`RedisFrontier` of a crawler from its Scrapy settings (not connected yet)."""
    name = settings.get("NEWSDIFFS_CRAWLER_NAME") or f"{socket.gethostname()}-{os.getpid()}"
    return RedisFrontier(settings.get("NEWSDIFFS_REDIS_URL"),
                         Keys(settings.get("NEWSDIFFS_REDIS_PREFIX") or DEFAULT_REDIS_PREFIX),
                         name, spider=spider_name,
                         keep_html=settings.getbool("NEWSDIFFS_KEEP_HTML", DEFAULT_KEEP_HTML))


def recover(client: redis.Redis, keys: Keys) -> int:
    """Put the in-flight requests of crawlers whose ``alive`` key expired back in their queue."""
    moved = 0
    for raw_key in client.scan_iter(match=keys.inflight("*", "*"), count=100):
        key = raw_key.decode()
        if ":recovering:" in key:
            continue
        spider, _, crawler = key.removeprefix(f"{keys.prefix}:").partition(":inflight:")
        if client.exists(keys.alive(crawler)):
            continue
        taken = f"{key}:recovering:{time.time_ns()}"
        try:  # RENAME is atomic: of two crawlers recovering at once, one gets the hash
            client.rename(key, taken)
        except redis.ResponseError:
            continue
        jobs = client.hgetall(taken)
        with client.pipeline() as pipe:  # MULTI: all back in the queue, or none
            for field, data in jobs.items():
                pipe.zadd(keys.requests(spider), {data: float(field.split(b":")[0])})
            pipe.delete(taken)
            pipe.execute()
        if jobs:
            logger.warning("crawler %s is gone: %d request(s) it was processing are queued again",
                           crawler, len(jobs))
        moved += len(jobs)
    return moved


# -- dispatch --------------------------------------------------------------------

@dataclass
class Dispatched:
    """What one ``newsdiffs dispatch`` handed out."""

    round: int
    requests: dict[str, int] = field(default_factory=dict)
    due: int = 0
    tracked: int = 0
    recovered: int = 0

    def summary(self) -> str:
        return (f"round {self.round}: {sum(self.requests.values())} requests queued "
                f"({', '.join(f'{s} {n}' for s, n in sorted(self.requests.items())) or 'none'}), "
                f"{self.due} of them re-checks, {self.tracked} tracked articles indexed"
                + (f", {self.recovered} requests of dead crawlers queued again"
                   if self.recovered else ""))


def work_left(client: redis.Redis, keys: Keys, spiders: Iterable[str]) -> list[str]:
    """What of the current round is not done yet (empty: the round is over)."""
    left = []
    for spider in spiders:
        if count := client.zcard(keys.requests(spider)):
            left.append(f"{spider}: {count} queued requests")
    processing = sum(client.hlen(k) for k in client.scan_iter(match=keys.inflight("*", "*")))
    if processing:
        left.append(f"{processing} requests being processed")
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


def start_round(client: redis.Redis, keys: Keys, spiders: Iterable[str], *,
                force: bool = False) -> Dispatched:
    """Begin a new round; :class:`RoundInProgress` while the previous one has work left
    (the crawlers or the ingest are behind: a new round would fetch articles twice)."""
    spiders = list(spiders)
    recovered = recover(client, keys)
    left = work_left(client, keys, spiders)
    if left and not force:
        raise RoundInProgress(f"round {int(client.get(keys.round) or 0)} is not finished: "
                              + "; ".join(left))
    number = int(client.incr(keys.round))
    client.set(keys.round_id, f"{number}.{secrets.token_hex(8)}")
    with client.pipeline(transaction=False) as pipe:
        pipe.delete(keys.claims(number - 1))
        for spider in spiders:
            # A new round may fetch every sitemap again (scrapy-redis' dupefilter is per round).
            pipe.delete(keys.dupefilter(spider))
        pipe.execute()
    return Dispatched(round=number, recovered=recovered)


class DispatchFrontier(LocalFrontier):
    """The frontier of ``newsdiffs dispatch``: the database, and the round's claims in Redis.

    A spider built with it makes the round's requests exactly as a local crawl
    starts (``NewsSpider.round_requests``); every re-check it makes claims its URL.
    It reads the database as the local frontier does, through the caller's open store.
    """

    def __init__(self, store: Store, client: redis.Redis, keys: Keys, round_number: int) -> None:
        super().__init__(store.path)
        self._store = store
        self.client, self.keys, self.round = client, keys, round_number

    def claim(self, url: str) -> bool:
        key = self.keys.claims(self.round)
        with self.client.pipeline() as pipe:
            pipe.sadd(key, url)
            pipe.expire(key, 7 * 86400)
            added, _ = pipe.execute()
        return added == 1

    def feed_checked(self, **row) -> None:
        raise NotImplementedError("dispatch fetches nothing")

    def close(self) -> None:
        pass  # the store is the caller's


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

#: Outcomes of a stored check, in the order the ingest's summary lists them.
OUTCOMES = ("new", "changed", "unchanged", "failed", "pending")


@dataclass
class IngestStats:
    """What ``newsdiffs ingest`` did: items read, stored, skipped as replays, and time spent.

    ``outcomes`` counts what the compare-and-store code found (the local
    pipeline's ``newsdiffs/`` stats without the prefix: ``new``, ``changed``,
    ``unchanged`` ...); ``seconds`` is the time spent storing and
    acknowledging, not waiting for items.
    """

    items: int = 0
    stored: int = 0
    feeds: int = 0
    replayed: int = 0
    bad: int = 0
    batches: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        """Count an outcome (the stats interface the store pipeline reports to)."""
        self.outcomes[key.removeprefix("newsdiffs/")] += count

    def summary(self) -> str:
        checks = self.stored - self.feeds
        found = ", ".join(f"{k} {self.outcomes[k]}" for k in OUTCOMES)
        extra = "".join(f", {k} {v}" for k, v in sorted(self.outcomes.items())
                        if k not in OUTCOMES and v)
        return (f"ingested {self.items} items in {self.batches} batches "
                f"in {self.seconds:.1f}s: {self.per_second:.0f} items/s; "
                f"stored {checks} checks ({found}{extra}), {self.feeds} feed fetches; "
                f"{self.replayed} already stored, {self.bad} unreadable")


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
        batch = entries[0][1] if entries else []
        # Items trickle in while crawlers run: wait a moment for more, so that one
        # transaction stores many (a commit per item would cost more than the items).
        deadline = time.monotonic() + LINGER_SECONDS
        while batch and len(batch) < size and (left := deadline - time.monotonic()) > 0:
            more = client.xreadgroup(GROUP, consumer, {keys.stream: ">"},
                                     count=size - len(batch), block=max(1, int(left * 1000)))
            if not more:
                break
            batch += more[0][1]
        yield batch


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
                stats.feeds += 1
            store.mark_ingested(message.id, at)
            stats.stored += 1
    stats.items += len(entries)
    stats.batches += 1


def ingest(store: Store, client: redis.Redis, keys: Keys, record: Callable[[ArticleItem], None],
           *, consumer: str = "ingest", batch: int = 500, block_ms: int = 1000,
           stop: Callable[[IngestStats, bool], bool] | None = None,
           report: Callable[[IngestStats], None] | None = None,
           stats: IngestStats | None = None) -> IngestStats:
    """Read the item stream and store every item exactly once, ``batch`` items a transaction.

    An entry is acknowledged (and deleted from the stream) only after the
    transaction that stored it committed. ``stop(stats, idle)`` is asked after
    each read; ``report(stats)`` after each batch. ``stats``: count into this one (give the
    same to the store pipeline to count outcomes).
    """
    ensure_group(client, keys)
    stats = stats if stats is not None else IngestStats()
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

