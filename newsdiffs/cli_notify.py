"""CLI command ``notify``: send notifications of new changes (rules in ``notify.toml``)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .cli import DB_OPTION, BadValue, cli, echo, open_store, since_iso, since_option
from .links import http_link
from .lock import AlreadyLocked, CrawlLock, LockFailed, lock_path
from .notify import BadNotifyConfig, Report, load_config, run
from .store import StoreError
from .times import now_iso, shown

#: Where the rules are read from when no --config is given (env NEWSDIFFS_NOTIFY).
DEFAULT_CONFIG = "notify.toml"


def notify_lock(db_path: str) -> CrawlLock:
    """``<database>.notify.lock``: two runs at once would send the same change twice."""
    crawl_lock = lock_path(db_path)
    return CrawlLock(crawl_lock.with_name(crawl_lock.stem + ".notify.lock"))


def _print(report: Report, quiet: bool) -> None:
    if not quiet:
        for rule, target in report.started:
            echo(f"{rule} -> {target}: first run, starting after the newest change "
                 "(--since sends earlier ones)")
    for o in report.outcomes:
        again = " (retry)" if o.retry else ""
        line = f"{o.rule} -> {o.target}: {o.status}{again}: version {o.version} of {o.url}"
        if o.error is not None:
            echo(f"Error: {line}: {o.error}", err=True)
        elif not quiet:
            echo(f"{line}  {o.title}")
    if not quiet:
        echo(report.summary())


def send_notifications(db_path: str, config_path: str, *, base_url: str | None = None,
                       since: str | None = None, dry_run: bool = False,
                       quiet: bool = False) -> None:
    """Run the notification rules; a one-line error and exit status 1 if a send failed."""
    try:
        config = load_config(config_path)
    except BadNotifyConfig as exc:
        raise BadValue(str(exc)) from None
    if base_url is not None:
        if base_url and not http_link(base_url):
            raise BadValue(f"--base-url {shown(base_url)} is not an http(s) URL with a host")
        config = type(config)(config.rules, base_url)
    lock = notify_lock(db_path)
    if not dry_run:
        try:
            lock.acquire()
        except AlreadyLocked:
            if not quiet:
                click.echo(f"notify: another notify run of {db_path} is going; nothing done")
            return
        except LockFailed as exc:
            raise click.ClickException(str(exc)) from None
    try:
        with open_store(db_path, write=not dry_run) as store:
            report = run(store, config, now=now_iso(), since=since, dry_run=dry_run)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if not dry_run:
            lock.release()
    _print(report, quiet)
    if report.failed:
        echo(f"Error: {len(report.failed)} notification(s) not delivered; they are kept and "
             "retried by the next run", err=True)
        click.get_current_context().exit(1)


def notify_after_crawl(db_path: str, quiet: bool) -> None:
    """``crawl --notify``: the rules file and base URL from the environment (or defaults)."""
    send_notifications(db_path, os.environ.get("NEWSDIFFS_NOTIFY") or DEFAULT_CONFIG,
                       base_url=os.environ.get("NEWSDIFFS_SITE_URL") or None, quiet=quiet)


@cli.command()
@DB_OPTION
@click.option("--config", "-c", "config_path", envvar="NEWSDIFFS_NOTIFY", default=DEFAULT_CONFIG,
              show_default=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Rules file (env NEWSDIFFS_NOTIFY).")
@click.option("--base-url", envvar="NEWSDIFFS_SITE_URL", default=None,
              help="Public URL of the static site, for links to version pages "
                   "(env NEWSDIFFS_SITE_URL; default: base_url in the rules file).")
@since_option("Leave out changes stored before this (30m, 12h, 1d, 2w or a date); on a "
              "target's first run, send the changes from then on.")
@click.option("--dry-run", "-n", is_flag=True,
              help="Print what would be sent; send and record nothing.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
def notify(db_path: str, config_path: Path, base_url: str | None, since: str | None,
           dry_run: bool, quiet: bool) -> None:
    """Send notifications of the changes stored since the last run.

    Each rule of the rules file sends the changes that match it to its
    targets (apprise URLs). What was sent is remembered per rule and target
    in the database: nothing is sent twice, and a failed send is kept and
    retried by the next run. A target's first run sends nothing and starts
    after the newest change, unless --since is given.

    Exit status: 0 when everything went out; 1 when a send failed (it is
    retried next time) or the database is unusable; 2 for a bad rules file
    or option.

    Example: newsdiffs notify --config notify.toml --since 1d
    """
    send_notifications(db_path, str(config_path), base_url=base_url, since=since_iso(since),
                       dry_run=dry_run, quiet=quiet)
