"""CLI: ``newsdiffs archive``, Wayback Machine captures of new versions (see archive.py)."""

from __future__ import annotations

import os

import click

from .archive import DEFAULT_ENDPOINT, ArchiveError, ArchiveSettings, archive_versions
from .cli import COUNT, DB_OPTION, cli, open_store
from .store import StoreError


def settings_from_env(**given: object) -> ArchiveSettings:
    """Archive settings: the values given, else ``NEWSDIFFS_ARCHIVE_*`` variables, else defaults."""
    env = {"endpoint": ("NEWSDIFFS_ARCHIVE_ENDPOINT", str),
           "limit": ("NEWSDIFFS_ARCHIVE_LIMIT", int),
           "delay": ("NEWSDIFFS_ARCHIVE_DELAY", float),
           "max_attempts": ("NEWSDIFFS_ARCHIVE_ATTEMPTS", int)}
    values: dict[str, object] = {}
    for key, (name, kind) in env.items():
        if given.get(key) is not None:
            values[key] = given[key]
        elif os.environ.get(name):
            try:
                values[key] = kind(os.environ[name])
            except ValueError:
                raise click.BadParameter(f"{name}={os.environ[name]!r} is not a number") from None
    try:
        return ArchiveSettings(**values)  # type: ignore[arg-type]
    except ArchiveError as exc:
        raise click.BadParameter(str(exc)) from None


def run_archive(db_path: str, settings: ArchiveSettings, *, quiet: bool = False) -> None:
    """Request captures and print the one-line report (errors: one line, exit status 1)."""
    try:
        with open_store(db_path, write=True) as store:
            report = archive_versions(store, settings)
    except StoreError as exc:
        raise click.ClickException(f"cannot archive: {exc}") from None
    if not quiet:
        click.echo(str(report))
    elif report.failed or report.rate_limited:
        # Under cron (--quiet) a failed capture is still seen; it is retried by the next run.
        click.echo(f"Warning: archive: {report} (kept for the next run)", err=True)


@cli.command()
@DB_OPTION
@click.option("--limit", type=COUNT, default=None,
              help="Capture requests in this run, at most (env NEWSDIFFS_ARCHIVE_LIMIT; 20).")
@click.option("--delay", type=click.FloatRange(min=0), default=None,
              help="Seconds between requests (env NEWSDIFFS_ARCHIVE_DELAY; 10).")
@click.option("--max-attempts", type=click.IntRange(min=1), default=None,
              help="Give up on a version after this many failures "
                   "(env NEWSDIFFS_ARCHIVE_ATTEMPTS; 3).")
@click.option("--endpoint", default=None,
              help=f"Save Page Now URL, the page URL is appended (env NEWSDIFFS_ARCHIVE_ENDPOINT;"
                   f" {DEFAULT_ENDPOINT}).")
def archive(db_path: str, limit: int | None, delay: float | None, max_attempts: int | None,
            endpoint: str | None) -> None:
    """Ask the Wayback Machine to capture articles whose latest version has no capture yet.

    Each answer is recorded in the archives table (the capture URL, or the
    failure, retried by later runs); the version pages link "archived copy".

    Example: newsdiffs archive --limit 10
    """
    settings = settings_from_env(limit=limit, delay=delay, max_attempts=max_attempts,
                                 endpoint=endpoint)
    run_archive(db_path, settings)
