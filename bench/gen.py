"""Generated databases for the benchmarks, written through the Store API.

``build(path, articles)`` makes ``articles`` articles over ten sources, each
with ``versions`` versions (small edits: one paragraph rewritten per version),
one check per version, all in a few big transactions (``Store.batch``).
Databases are cached per process: the reads and site benchmarks share them.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from newsdiffs.store import NewVersion, Store
from newsdiffs.times import to_iso

SOURCES = [f"source{i}" for i in range(10)]
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
_rng = random.Random(12)
VOCABULARY = ["".join(_rng.choices("abcdefghijklmnopqrstuvwxyz", k=_rng.randint(2, 9)))
              for _ in range(3000)]
_CACHE: dict[tuple[int, int], Path] = {}


def scale() -> float:
    """``BENCH_SCALE`` (default 1): every benchmark multiplies its sizes by it."""
    return float(os.environ.get("BENCH_SCALE", "1"))


def scaled(n: int, minimum: int = 1) -> int:
    return max(minimum, int(n * scale()))


def paragraph(rng: random.Random, words: int = 35) -> str:
    text = " ".join(rng.choices(VOCABULARY, k=words))
    return text[0].upper() + text[1:] + "."


def history(rng: random.Random, versions: int, paragraphs: int = 4) -> Iterator[tuple[str, str]]:
    """``(title, body)`` of each version: each edit rewrites one paragraph."""
    title = paragraph(rng, 8)[:-1]
    body = [paragraph(rng) for _ in range(paragraphs)]
    for n in range(versions):
        if n:
            body[rng.randrange(len(body))] = paragraph(rng)
        yield title, "\n\n".join(body)


def version_of(url: str, title: str, body: str, at: str, previous: str | None) -> NewVersion:
    added = len(body) if previous is None else 220
    return NewVersion(fetched_at=at, url=url, title=title, byline="A. Writer", published=None,
                      published_raw=None, modified=None, modified_raw=None, body=body,
                      hash=hashlib.sha256(f"{title}\n{body}".encode()).hexdigest(), chars_added=added,
                      chars_removed=0 if previous is None else 215, extractor="generic/1")


def checked_at(first: datetime, n: int) -> datetime:
    """When version ``n`` (from 0) of an article first seen at ``first`` was stored."""
    return first + timedelta(hours=6 * n)


def last_check(articles: int, versions: int = 3) -> datetime:
    """The newest check of a generated database (its newest article's last version)."""
    return checked_at(START + timedelta(minutes=articles - 1), versions - 1)


def add_article(store: Store, i: int, versions: int, rng: random.Random,
                first: datetime | None = None) -> None:
    """Article ``i`` with its versions (one ``record_check`` each, as a crawl stores them)."""
    url = f"https://news{i % len(SOURCES)}.example/story/{i}"
    first = first or START + timedelta(minutes=i)
    previous = None
    for n, (title, body) in enumerate(history(rng, versions)):
        at = to_iso(checked_at(first, n))
        store.record_check(url=url, source=SOURCES[i % len(SOURCES)], checked_at=at,
                           http_status=200, outcome="new" if n == 0 else "changed",
                           new_version=version_of(url, title, body, at, previous),
                           next_check=to_iso(first + timedelta(days=2)), status="active")
        previous = body


def build(path: Path, articles: int, versions: int = 3, chunk: int = 5000) -> float:
    """Write the database; seconds taken."""
    started = time.perf_counter()
    rng = random.Random(articles)
    with Store(path) as store:
        for start in range(0, articles, chunk):
            with store.batch():
                for i in range(start, min(articles, start + chunk)):
                    add_article(store, i, versions, rng)
    return time.perf_counter() - started


def database(articles: int, versions: int = 3) -> Path:
    """A generated database of this size, built once per process (in a temporary directory)."""
    key = (articles, versions)
    if key not in _CACHE:
        root = Path(tempfile.mkdtemp(prefix="newsdiffs-bench-"))
        path = root / f"bench-{articles}.db"
        seconds = build(path, articles, versions)
        print(f"  (generated {articles:,} articles x {versions} versions in {seconds:.1f}s)")
        _CACHE[key] = path
    return _CACHE[key]
