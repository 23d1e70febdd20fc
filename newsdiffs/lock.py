"""A lock file that keeps two crawls of one database from running at once.

``fcntl.flock`` on ``<database>.lock``: the kernel drops the lock when the
holding process ends, however it ends, so a crash never leaves a stale lock.
The file itself stays (deleting it would let two processes lock two files).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from .times import now_iso


class AlreadyLocked(Exception):
    """Another process holds the lock."""


def lock_path(db_path: str | Path) -> Path:
    """The lock file of a database: ``<database>.lock`` next to it."""
    return Path(f"{db_path}.lock")


class CrawlLock:
    """An exclusive, non-blocking lock on a file; ``with CrawlLock(path):`` or acquire/release."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`AlreadyLocked` at once (never waits)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644), "r+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = handle.read().strip()
            handle.close()
            raise AlreadyLocked(holder or "another process") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {now_iso()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            self._file.close()  # closing the last descriptor drops the flock
            self._file = None

    def __enter__(self) -> CrawlLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
