"""Running crawls as a user would (child processes) and auditing the database after.

Only ``newsdiffs.store.Store`` reads the database; the one raw statement is
``PRAGMA integrity_check``, through the store's read-only query helper.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from newsdiffs.store import Store

from . import changing_site as sitemod
from .server import Served

ROOT = Path(__file__).resolve().parents[1]
LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[^]]*\] ")

#: Settings for a fast crawl of 127.0.0.1: no politeness delays, short retries.
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "NEWSDIFFS_RETRY_BACKOFF": "0.05",
    "NEWSDIFFS_RETRY_BACKOFF_MAX": "0.2",
    "LOG_LEVEL": "WARNING",
}


def command(db: Path, spider: str = "bbc", args: dict[str, str] | None = None,
            settings: dict[str, str] | None = None, *, tool: str = "newsdiffs",
            quiet: bool = False) -> list[str]:
    """The command line of one crawl."""
    merged = {**FAST, **(settings or {})}
    if tool == "scrapy":
        cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
        merged["NEWSDIFFS_DB"] = str(db)
    else:
        cmd = [sys.executable, "-m", "newsdiffs", "crawl", "--db", str(db), spider]
        if quiet:
            cmd.append("--quiet")
    for name, value in (args or {}).items():
        cmd += ["-a", f"{name}={value}"]
    for name, value in merged.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def env(db: Path) -> dict[str, str]:
    return {**os.environ, "NEWSDIFFS_DB": str(db), "PYTHONPATH": str(ROOT)}


@dataclass
class Run:
    """A finished child process: exit status and output."""

    rc: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def error_line(self) -> str:
        """The first line a user would read as an error or warning ("-" for none),
        without the log line's time and logger name."""
        for line in self.output.splitlines():
            low = line.lower()
            if ("error" in low or "traceback" in low or "warning" in low) and line.strip():
                return LOG_PREFIX.sub("", line.strip())
        return "-"


def run(cmd: list[str], db: Path, timeout: float = 120) -> Run:
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env(db), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return Run(-1, str(exc.stdout or ""), f"timeout after {timeout}s")
    return Run(done.returncode, done.stdout, done.stderr)


def crawl(db: Path, spider: str = "bbc", args: dict[str, str] | None = None,
          settings: dict[str, str] | None = None, *, tool: str = "newsdiffs",
          quiet: bool = False, timeout: float = 120) -> Run:
    """One crawl in a child process, as cron would run it."""
    return run(command(db, spider, args, settings, tool=tool, quiet=quiet), db, timeout)


def cli(db: Path, *args: str, timeout: float = 60) -> Run:
    """One ``newsdiffs`` command in a child process."""
    return run([sys.executable, "-m", "newsdiffs", *args], db, timeout)


# -- auditing ---------------------------------------------------------------


@dataclass
class Audit:
    """What the database holds against what the server served."""

    checks: int = 0
    versions: int = 0
    expected_versions: int = 0
    lost: int = 0
    duplicated: int = 0
    phantom: int = 0
    problems: list[str] = field(default_factory=list)
    integrity: str = "ok"


def integrity(db: Path) -> str:
    with Store(db) as store:
        return store.integrity_check().replace("\n", "; ")


def served_revisions(hits: list[Served]) -> dict[int, list[int]]:
    """Article number -> revisions served completely with status 200, in order."""
    out: dict[int, list[int]] = {}
    for hit in hits:
        if isinstance(hit.tag, tuple) and hit.status == 200 and hit.complete:
            out.setdefault(hit.tag[0], []).append(hit.tag[1])
    return out


def audit_site(db: Path, site: sitemod.ChangingSite, hits: list[Served], *,
               strict: bool = True) -> Audit:
    """Compare every article of ``site`` in the database with what was served.

    * phantom: a stored text the server never served for that article;
    * duplicated: a version repeating its predecessor's text, or numbers not 1..n;
    * lost: ``strict`` (every fetch should have been stored): each served
      revision missing from the versions; else (crawls were killed) only the
      last served revision must be the latest version.
    """
    result = Audit()
    served = served_revisions(hits)
    result.integrity = integrity(db)
    if result.integrity != "ok":
        result.problems.append(f"integrity_check: {result.integrity}")
    with Store(db) as store:
        for i in range(site.n):
            revs = served.get(i, [])
            row = store.article(site.url(i))
            versions = store.versions(row["id"]) if row else []
            result.checks += len(store.checks(row["id"])) if row else 0
            result.versions += len(versions)
            wanted = sorted(set(revs))
            result.expected_versions += len(wanted)
            texts = {sitemod.body(i, k): k for k in wanted}
            numbers = [v["version"] for v in versions]
            if numbers != list(range(1, len(numbers) + 1)):
                result.duplicated += 1
                result.problems.append(f"{site.url(i)}: version numbers {numbers}")
            stored = []
            for v in versions:
                if v["body"] not in texts:
                    result.phantom += 1
                    result.problems.append(f"{site.url(i)} v{v['version']}: text never served")
                else:
                    stored.append(texts[v["body"]])
            result.duplicated += sum(1 for a, b in zip(stored, stored[1:], strict=False) if a == b)
            if strict:
                missing = [k for k in wanted if k not in stored]
                result.lost += len(missing)
                if missing:
                    result.problems.append(f"{site.url(i)}: revisions {missing} not stored")
            elif revs and (not stored or stored[-1] != revs[-1]):
                result.lost += 1
                result.problems.append(f"{site.url(i)}: latest is not the last served text")
    return result
