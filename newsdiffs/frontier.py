"""The frontier: what a spider asks about the articles it tracks, without opening the database.

A spider needs four answers: which tracked articles of a source are due a
re-check (with the validators for a conditional GET), which links are tracked
already, one tracked article's row, and whether a URL is already requested in
this run. It also reports each feed fetch. :class:`LocalFrontier` answers from
the SQLite database (one machine, the default); ``newsdiffs.distributed``'s
``RedisFrontier`` answers from Redis, filled by ``newsdiffs dispatch``, so
that crawlers on other machines need no database at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from .config import DEFAULT_DB
from .store import Store, StoreError


class FrontierError(Exception):
    """The frontier could not record something (database or Redis unavailable)."""


class Frontier(Protocol):
    """What a spider reads about tracked articles (see the module docstring)."""

    #: True when several crawler processes share the work (dispatch, Redis).
    shared: bool

    def due(self, source: str, now: str, limit: int, *,
            include_finished: bool = False) -> list[dict]:
        """Articles of ``source`` to re-check now: rows with ``url``, ``etag``, ``last_modified``."""

    def known(self, urls: Iterable[str]) -> set[str]:
        """Which of these canonical URLs are tracked articles."""

    def article(self, url: str) -> dict | None:
        """The tracked article at this canonical URL (``url``, validators), or ``None``."""

    def claim(self, url: str) -> bool:
        """Take the URL for this run: ``False`` when another crawler already did."""

    def feed_checked(self, *, source: str, url: str, checked_at: str, http_status: int | None,
                     ok: bool, entries: int = 0, new_links: int = 0,
                     error: str | None = None) -> None:
        """Record one fetch of a feed or sitemap (table ``feed_checks``)."""

    def close(self) -> None:
        """Release what the frontier holds."""


class LocalFrontier:
    """The frontier over the SQLite database, opened on first use (one process, one machine).

    Claims are not needed here: the spider's own record of what it requested
    is the whole run's.
    """

    shared = False

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = db_path
        self._store: Store | None = None

    def serves(self, db_path: str | Path) -> bool:
        """Whether this frontier reads the database file at ``db_path``."""
        return Path(self.db_path).resolve() == Path(db_path).resolve()

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.db_path)
        return self._store

    def due(self, source: str, now: str, limit: int, *,
            include_finished: bool = False) -> list[dict]:
        return self.store.due(now, source, limit, include_finished=include_finished)

    def known(self, urls: Iterable[str]) -> set[str]:
        return self.store.known(urls)

    def article(self, url: str) -> dict | None:
        return self.store.article(url)

    def claim(self, url: str) -> bool:
        return True

    def feed_checked(self, **row) -> None:
        try:
            self.store.record_feed_check(**row)
        except StoreError as exc:
            raise FrontierError(str(exc)) from None

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def frontier_for(settings, spider_name: str = "") -> Frontier:
    """The frontier the settings ask for: Redis with ``NEWSDIFFS_REDIS_URL``, else the database."""
    if settings.get("NEWSDIFFS_REDIS_URL"):
        from .distributed import redis_frontier  # redis-py only in distributed mode

        return redis_frontier(settings, spider_name)
    return LocalFrontier(settings.get("NEWSDIFFS_DB", DEFAULT_DB))
