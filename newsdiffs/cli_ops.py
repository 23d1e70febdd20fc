"""CLI commands for running newsdiffs unattended: cron, status, compact."""

from __future__ import annotations

import os
import shlex
import sys
from datetime import datetime, timedelta
from pathlib import Path

import click

from .cli import DB_OPTION, BadValue, cli, echo, open_store
from .schedule import ScheduleError, cron_fields, format_duration, parse_duration
from .store import StoreError
from .times import UTC, BadDuration, from_iso, in_words, parse_span, to_iso

#: Comment that marks the crontab entry of one database.
CRON_MARK = "newsdiffs crawl "

CRONTAB_OPTION = click.option(
    "--crontab-file", envvar="NEWSDIFFS_CRONTAB_FILE", hidden=True,
    type=click.Path(dir_okay=False),
    help="Edit this crontab file instead of the user's crontab (env NEWSDIFFS_CRONTAB_FILE).",
)


def _duration(value: str) -> timedelta:
    """A ``--window``: read and bounded like every duration option (``times.parse_span``)."""
    try:
        return parse_span(value)
    except BadDuration as exc:
        raise click.BadParameter(str(exc), param_hint="--window") from None


def newsdiffs_program() -> list[str]:
    """How cron should start newsdiffs: the script next to this Python, else ``python -m``."""
    script = Path(sys.executable).with_name("newsdiffs")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "newsdiffs"]


def crawl_command(db: Path, log: Path, spiders: tuple[str, ...] = (),
                  overrides: tuple[str, ...] = ()) -> str:
    """The shell command of a cron run: absolute paths, log to a file, nothing on stdout."""
    words = [*newsdiffs_program(), "crawl", "--db", str(db), "--log", str(log), "--quiet"]
    for pair in overrides:
        words += ["-s", pair]
    return shlex.join([*words, *spiders])


def open_crontab(path: str | None):
    """The user's crontab, or a crontab file (created if missing)."""
    from crontab import CronTab

    try:
        if path:
            Path(path).touch(exist_ok=True)
            return CronTab(tabfile=path)
        return CronTab(user=True)
    except OSError as exc:
        raise click.ClickException(f"cannot read the crontab: {exc}") from None


def write_crontab(tab) -> None:
    try:
        tab.write()
    except OSError as exc:
        raise click.ClickException(f"cannot write the crontab: {exc}") from None


def our_jobs(tab, db: Path | None = None) -> list:
    """The newsdiffs entries (of one database, when given)."""
    return [job for job in tab if job.comment.startswith(CRON_MARK)
            and (db is None or job.comment == CRON_MARK + str(db))]


@cli.group()
def cron() -> None:
    """Install, show or remove the crontab entry that runs `newsdiffs crawl`."""


@cron.command("install")
@DB_OPTION
@click.argument("spiders", nargs=-1)
@click.option("--every", default="15m", show_default=True,
              help="How often to crawl: minutes dividing 60, hours dividing 24, or 1d.")
@click.option("--log", "log_file", type=click.Path(dir_okay=False),
              help="Log file, rotated (default: next to the database, DB name + .log).")
@click.option("--set", "-s", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Scrapy setting for the cron runs (repeatable).")
@click.option("--dry-run", "-n", is_flag=True,
              help="Print the crontab line; change nothing.")
@CRONTAB_OPTION
def cron_install(db_path: str, spiders: tuple[str, ...], every: str, log_file: str | None,
                 overrides: tuple[str, ...], dry_run: bool, crontab_file: str | None) -> None:
    """Add (or replace) the crontab entry that crawls this database.

    SPIDERS (default: every enabled one) must be spiders of the project.

    Example: newsdiffs cron install --every 15m --log ~/newsdiffs/crawl.log
    """
    from .crawl import UnknownSpider, chosen_spiders, project_settings

    try:
        fields = cron_fields(parse_duration(every))
    except ScheduleError as exc:
        raise click.BadParameter(str(exc), param_hint="--every") from None
    try:  # an unknown name would only fail later, in cron, unseen
        chosen_spiders(list(spiders), project_settings())
    except UnknownSpider as exc:
        raise BadValue(str(exc)) from None
    db = Path(db_path).expanduser().resolve()
    log = Path(log_file).expanduser().resolve() if log_file else db.with_suffix(".log")
    if dry_run:
        from crontab import CronTab

        job = CronTab(tab="").new(command=crawl_command(db, log, spiders, overrides),
                                  comment=CRON_MARK + str(db))
        job.setall(fields)
        click.echo(job.render())
        return
    tab = open_crontab(crontab_file)
    for job in our_jobs(tab, db):
        tab.remove(job)
    job = tab.new(command=crawl_command(db, log, spiders, overrides), comment=CRON_MARK + str(db))
    job.setall(fields)
    write_crontab(tab)
    click.echo(f"installed: {job.render()}")
    click.echo(f"log: {log}")


@cron.command("show")
@CRONTAB_OPTION
def cron_show(crontab_file: str | None) -> None:
    """Print the newsdiffs crontab entries.

    Example: newsdiffs cron show
    """
    jobs = our_jobs(open_crontab(crontab_file))
    if not jobs:
        click.echo("no newsdiffs entry in the crontab")
    for job in jobs:
        click.echo(job.render())


@cron.command("remove")
@DB_OPTION
@CRONTAB_OPTION
def cron_remove(db_path: str, crontab_file: str | None) -> None:
    """Remove the crontab entry that crawls this database.

    Example: newsdiffs cron remove
    """
    db = Path(db_path).expanduser().resolve()
    tab = open_crontab(crontab_file)
    jobs = our_jobs(tab, db)
    for job in jobs:
        tab.remove(job)
    if jobs:
        write_crontab(tab)
    click.echo(f"removed {len(jobs)} entr{'y' if len(jobs) == 1 else 'ies'} for {db}")


def health_warnings(row: dict, window: timedelta, max_failure_rate: float) -> list[str]:
    """Why a source looks broken: no successful extraction in the window, or too many failures."""
    span = format_duration(window)
    warnings = []
    if not row["extractions"]:
        warnings.append(f"{row['source']}: no successful extraction in the last {span}")
    if row["checks"] and row["failures"] / row["checks"] * 100 > max_failure_rate:
        warnings.append(
            f"{row['source']}: {row['failures']} of {row['checks']} checks failed in the last "
            f"{span} ({row['failures'] / row['checks']:.0%} > {max_failure_rate:g}%)"
        )
    return warnings


def with_feed_health(rows: list[dict], feeds: list[dict]) -> list[dict]:
    """The health rows with each source's feed fetches (``Store.feed_health``) merged in;
    a source with feed fetches but no article yet gets a row of its own."""
    by_source = {r["source"]: r for r in rows}
    for feed in feeds:
        row = by_source.get(feed["source"])
        if row is None:
            row = {"source": feed["source"], "tracked": 0, "active": 0, "due": 0, "finished": 0,
                   "gone": 0, "checks": 0, "failures": 0, "extractions": 0, "last_ok": None}
            rows.append(row)
        row.update(feed)
    return rows


def feed_warnings(row: dict, window: timedelta, now: datetime,
                  max_failure_rate: float) -> list[str]:
    """Why a source's feeds look broken: too many failed fetches, or no new links, lately."""
    fetches = row.get("feed_fetches") or 0
    if not fetches:
        return []
    failed = row["feed_failures"]
    warnings = []
    if failed / fetches * 100 > max_failure_rate:
        warnings.append(
            f"{row['source']}: feeds failing: {failed} of {fetches} feed fetches failed in the "
            f"last {format_duration(window)} (last error: {row['feed_last_error']})")
    last_new = row.get("last_new_links")
    if failed < fetches and (not last_new or from_iso(last_new) < now - window):
        since = f"for {in_words(now - from_iso(last_new))}" if last_new else "yet"
        warnings.append(f"{row['source']}: no new links from its feeds {since}")
    return warnings


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id runs on this machine."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def run_warnings(runs: list[dict], alive=pid_alive) -> list[str]:
    """Warnings about crawl runs (newest first): failed ones, and ones that never finished."""
    warnings = []
    failed = [r for r in runs if r["exit_status"] not in (None, 0)]
    if failed:
        last = failed[0]
        warnings.append(
            f"{len(failed)} of {len(runs)} crawl runs since {runs[-1]['started']} failed; "
            f"last: {last['command']} started {last['started']}: {last['summary']}")
    for r in runs:
        if r["exit_status"] is None and not alive(r["pid"]):
            warnings.append(f"crawl run {r['id']} ({r['command']}, pid {r['pid']}) started "
                            f"{r['started']} never finished: killed, or its end not recorded")
    return warnings


def _last_ok(value: str | None, now: datetime) -> str:
    return f"{value} ({in_words(now - from_iso(value))} ago)" if value else "never"


@cli.command()
@DB_OPTION
@click.option("--window", default="24h", show_default=True,
              help="Period the check and failure counts cover.")
@click.option("--max-failure-rate", default=50.0, show_default=True, metavar="PERCENT",
              help="Warn when more than this percentage of a source's checks failed.")
def status(db_path: str, window: str, max_failure_rate: float) -> None:
    """Health of each source: articles by state, due now, recent checks and failures.

    Prints a warning line for a source with no successful extraction, or a
    failure rate above the threshold, in the window; exits with status 1 when
    any warning is printed (for monitoring). 404/410 answers are counted as
    gone articles, not failures. Crawl runs in the window that failed (store
    errors, unhandled errors, stopped early) or never finished are warnings too,
    and so is a source whose feed fetches failed above the threshold, or whose
    feeds brought no new article link in the window (table feed_checks).

    Example: newsdiffs status --window 24h --max-failure-rate 50
    """
    span = _duration(window)
    now = datetime.now(UTC)
    with open_store(db_path) as store:
        rows = store.health(to_iso(now), to_iso(now - span))
        rows = with_feed_health(rows, store.feed_health(to_iso(now - span)))
        runs = store.runs(to_iso(now - span), limit=10_000) or store.runs(limit=1)
    run_trouble = run_warnings(runs)
    if not rows:
        click.echo("no articles tracked yet")
        for warning in run_trouble:
            echo(f"WARNING {warning}")
        if run_trouble:
            click.get_current_context().exit(1)
        return
    label = format_duration(span)
    header = ["source", "tracked", "active", "due", "finished", "gone",
              f"checks {label}", f"failed {label}", "last successful check"]
    table = [header] + [
        [r["source"], r["tracked"], r["active"], r["due"], r["finished"], r["gone"],
         r["checks"], r["failures"], _last_ok(r["last_ok"], now)]
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(header))]
    for line in table:
        cells = [str(v).ljust(w) if i in (0, len(header) - 1) else str(v).rjust(w)
                 for i, (v, w) in enumerate(zip(line, widths, strict=True))]
        echo("  ".join(cells).rstrip())  # source names are stored text: no raw escapes
    warnings = [w for r in rows for w in (health_warnings(r, span, max_failure_rate)
                                          + feed_warnings(r, span, now, max_failure_rate))]
    warnings += run_trouble
    for warning in warnings:
        echo(f"WARNING {warning}")
    if warnings:
        click.get_current_context().exit(1)


@cli.command()
@DB_OPTION
@click.option("--source", help="Only this source (spider name).")
@click.option("--vacuum", is_flag=True,
              help="Then rebuild the file without the free room inside it (SQLite VACUUM: "
                   "needs free disk as large as the database, and no crawl writing meanwhile).")
def compact(db_path: str, source: str | None, vacuum: bool) -> None:
    """Recompress the kept pages and latest texts with zstd dictionaries trained per source.

    Pages of one site share its template, so a dictionary trained on the
    source's newest pages shrinks each one several times more than zstd
    alone; latest bodies get one of their own where it saves more than its
    size. New pages and texts use the newest dictionary of their source; run
    this now and then (e.g. weekly from cron) so that new sources get one.
    The rows shrink, the file does not until --vacuum.

    Example: newsdiffs compact --db newsdiffs.db --vacuum
    """
    with open_store(db_path, write=True) as store:
        try:
            reports = store.compact(source)
            texts = store.compact_texts(source)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
        _print_compaction(reports, texts)
        if vacuum:
            echo(f"vacuuming {db_path} ({store.file_bytes()[1]:,} bytes free inside it) ...")
            try:
                before, after = store.vacuum()
            except StoreError as exc:
                raise click.ClickException(str(exc)) from None
            echo(f"vacuumed: database file {before:,} -> {after:,} bytes")


def _print_compaction(reports: list[dict], texts: list[dict]) -> None:
    for r in reports:
        dictionary = f"dictionary {r['dict_id']}" if r["dict_id"] else "no dictionary (too few)"
        ratio = r["after_bytes"] / r["raw_bytes"] if r["raw_bytes"] else 0.0
        echo(f"{r['source']}: {r['pages']} pages, {r['raw_bytes']:,} bytes as fetched, "
             f"{r['before_bytes']:,} -> {r['after_bytes']:,} stored ({ratio:.3f} of raw), "
             f"{dictionary}")
    if not reports:
        echo("no kept pages")
    for r in texts:
        dictionary = f"dictionary {r['dict_id']}" if r["dict_id"] else "no dictionary"
        ratio = r["after_bytes"] / r["raw_bytes"] if r["raw_bytes"] else 0.0
        echo(f"{r['source']}: {r['texts']} latest texts, {r['raw_bytes']:,} bytes, "
             f"{r['before_bytes']:,} -> {r['after_bytes']:,} stored ({ratio:.3f}), {dictionary}")
