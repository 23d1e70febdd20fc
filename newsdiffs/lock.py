"""A lock file that keeps two crawls of one database from running at once.

``fcntl.flock`` on ``<database>.lock``: the kernel drops the lock when the
holding process ends, however it ends, so a crash never leaves a stale lock.
The file itself stays (deleting it would let two processes lock two files).

Every writer of a database takes it: ``newsdiffs crawl``, ``scrapy crawl``
(through ``spiders.extensions.CrawlGuard``) and ``newsdiffs reextract``. The
path is that of the resolved database file, so a symlink to the database
shares its lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO

from .times import now_iso


class AlreadyLocked(Exception):
    """Another process holds the lock."""


class LockFailed(Exception):
    """The lock file cannot be created or written (read-only directory, disk full ...)."""


#: Lock files this process holds (flock would refuse a second descriptor of our own).
_held: set[Path] = set()


def lock_path(db_path: str | Path) -> Path:
    """The lock file of a database: ``<database>.lock`` next to the real (resolved) file."""
    return Path(f"{Path(db_path).expanduser().resolve()}.lock")


def held_here(path: str | Path) -> bool:
    """Whether this process holds the lock file at ``path``."""
    return Path(path).resolve() in _held


class CrawlLock:
    """An exclusive, non-blocking lock on a file; ``with CrawlLock(path):`` or acquire/release."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`AlreadyLocked` at once (never waits).

        :class:`LockFailed` when the file cannot be made or written.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644), "r+")
        except OSError as exc:
            raise LockFailed(f"cannot create the lock file {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = handle.read().strip()
            handle.close()
            raise AlreadyLocked(holder or "another process") from None
        # Written past the text buffer: a failed buffered write (a full disk, `ulimit -f`)
        # would be retried, and raise again, at every later seek or close.
        try:
            os.ftruncate(handle.fileno(), 0)
            os.pwrite(handle.fileno(), f"pid {os.getpid()} since {now_iso()}\n".encode(), 0)
        except OSError:
            # Who holds it is only a courtesy to the reader: the flock is what counts.
            with contextlib.suppress(OSError):
                os.ftruncate(handle.fileno(), 0)
        self._file = handle
        _held.add(self.path.resolve())

    def release(self) -> None:
        if self._file is not None:
            _held.discard(self.path.resolve())
            try:
                self._file.seek(0)
                self._file.truncate()
            except OSError:
                pass  # the lock goes with the descriptor anyway
            self._file.close()  # closing the last descriptor drops the flock
            self._file = None

    def __enter__(self) -> CrawlLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
