"""Notifications: tell people when a tracked article changes (``newsdiffs notify``).

Rules come from a TOML file (``notify.toml``): which changes (sources,
headline changes only, a minimum size, words or patterns in the removed or
added text, reverts, re-extractions) go to which targets (apprise URLs:
e-mail, JSON webhooks, Slack, Matrix, ntfy ...) with what message.

Delivery state is kept per rule and target in the database (``notify_cursors``,
``notify_failures``): each target has its own cursor (the last ``versions.id``
dealt with), and a failed delivery is kept and retried by the next run, so one
broken target neither blocks nor duplicates the others.

:func:`matches` (a rule against a change) and :func:`message` are pure;
:func:`run` does the sending through a ``send`` callable (apprise by default).
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from .diff import NO_SPACE_SCRIPTS, VersionDiff, compare_versions
from .links import http_link
from .static_site import article_dir
from .store import Store
from .text import fold

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class NotifyError(Exception):
    """Base class for notification errors."""


class BadNotifyConfig(NotifyError):
    """The rules file is missing, unreadable or not valid."""


#: Placeholders a ``title`` or ``body`` template may use (``$name`` or ``${name}``).
FIELDS = ("rule", "source", "headline", "headline_old", "headline_change", "chars_added",
          "chars_removed", "version", "time", "version_url", "url", "note")
#: Keys a ``[[rule]]`` table may have.
RULE_KEYS = frozenset({"name", "targets", "sources", "headline_changed", "min_chars", "words",
                       "regex", "skip_reverts", "skip_reextractions", "title", "body"})
DEFAULT_TITLE = "$source: $headline"
# C0/C1 controls (but newline and tab) never reach a message: some targets act on them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_EDGE = re.compile(rf"[^\W{NO_SPACE_SCRIPTS}]")


@dataclass(frozen=True)
class Target:
    """One apprise URL: ``key`` (a hash: the URL may hold secrets) names it in the database,
    ``shown`` is the URL with its secrets masked, for messages and the database."""

    url: str
    key: str
    shown: str


@dataclass(frozen=True)
class Rule:
    """Which changes go to which targets, and the message."""

    name: str
    targets: tuple[Target, ...]
    sources: frozenset[str] = frozenset()
    headline_changed: bool = False
    min_chars: int = 0
    #: ``words`` and ``regex`` of the file, compiled: one must occur in the removed or added text.
    patterns: tuple[re.Pattern[str], ...] = ()
    skip_reverts: bool = False
    skip_reextractions: bool = True
    title: Template = field(default_factory=lambda: Template(DEFAULT_TITLE))
    body: Template | None = None

    @property
    def needs_text(self) -> bool:
        """Whether matching needs the removed and added text (a diff of the two versions)."""
        return bool(self.patterns)


@dataclass(frozen=True)
class NotifyConfig:
    """A rules file: the rules, and the site's public URL for version-page links."""

    rules: tuple[Rule, ...]
    base_url: str = ""


@dataclass(frozen=True)
class Change:
    """One stored change (a version after an article's first), as rules see it."""

    version_id: int
    source: str
    url: str
    version: int
    time: str
    headline_old: str
    headline: str
    chars_added: int
    chars_removed: int
    kind: str = "edit"
    repeats_version: int | None = None
    #: The text only in the old version, and only in the new one (title, byline and body).
    removed: str = ""
    added: str = ""

    @property
    def headline_changed(self) -> bool:
        return fold(self.headline_old) != fold(self.headline)


# -- the rules file ----------------------------------------------------------------


def word_pattern(word: str) -> re.Pattern[str]:
    """A word as a case-insensitive pattern: whole words in scripts written with spaces,
    anywhere in scripts without them (a Japanese word has no boundary to look for)."""
    text = re.escape(word.strip())
    start = r"(?<!\w)" if _EDGE.match(word.strip()[:1]) else ""
    end = r"(?!\w)" if _EDGE.match(word.strip()[-1:]) else ""
    return re.compile(start + text + end, re.IGNORECASE)


def make_target(url: str, where: str) -> Target:
    """Check an apprise URL (unknown service, bad syntax: :class:`BadNotifyConfig`)."""
    import apprise  # loads its plugins: only when there are rules to use

    if not isinstance(url, str) or not url.strip():
        raise BadNotifyConfig(f"{where}: a target must be an apprise URL (text)")
    plugin = apprise.Apprise.instantiate(url.strip(), suppress_exceptions=True)
    if not plugin:
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        raise BadNotifyConfig(
            f"{where}: target {_printable(scheme)}://... is not a valid apprise URL "
            "(see https://github.com/caronc/apprise/wiki)")
    shown = plugin.url(privacy=True).split("?", 1)[0]
    key = hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:20]
    return Target(url.strip(), key, shown)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    """A string or a list of strings (each non-empty)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise BadNotifyConfig(f"{where}: expected a string or a list of non-empty strings")
    return tuple(items)


def _template(text: Any, where: str) -> Template:
    """A ``$field`` template whose placeholders are all known."""
    if not isinstance(text, str):
        raise BadNotifyConfig(f"{where}: expected a string")
    template = Template(text)
    for match in template.pattern.finditer(text):
        name = match.group("named") or match.group("braced")
        if match.group("invalid") is not None:
            raise BadNotifyConfig(f"{where}: a lone $ (write $$ for a dollar sign)")
        if name and name not in FIELDS:
            raise BadNotifyConfig(
                f"{where}: unknown field ${name} (known: {', '.join('$' + f for f in FIELDS)})")
    return template


def _flag(table: dict, key: str, default: bool, where: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise BadNotifyConfig(f"{where}: {key} must be true or false")
    return value


def parse_rule(table: Any, number: int, names: set[str]) -> Rule:
    """One ``[[rule]]`` table as a :class:`Rule` (``number`` and ``names`` for messages)."""
    where = f"rule {number}"
    if not isinstance(table, dict):
        raise BadNotifyConfig(f"{where}: expected a table ([[rule]])")
    unknown = sorted(set(table) - RULE_KEYS)
    if unknown:
        raise BadNotifyConfig(f"{where}: unknown key(s) {', '.join(unknown)} "
                              f"(known: {', '.join(sorted(RULE_KEYS))})")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadNotifyConfig(f"{where}: a rule needs a name (it keys what was sent)")
    where = f"rule {name!r}"
    if name in names:
        raise BadNotifyConfig(f"{where}: two rules have this name")
    names.add(name)
    if "targets" not in table:
        raise BadNotifyConfig(f"{where}: no targets (apprise URLs)")
    urls = _strings(table["targets"], f"{where} targets")
    if not urls:
        raise BadNotifyConfig(f"{where}: no targets (apprise URLs)")
    targets = tuple(make_target(u, where) for u in urls)
    if len({t.key for t in targets}) != len(targets):
        raise BadNotifyConfig(f"{where}: a target is listed twice")
    min_chars = table.get("min_chars", 0)
    if isinstance(min_chars, bool) or not isinstance(min_chars, int) or min_chars < 0:
        raise BadNotifyConfig(f"{where}: min_chars must be a whole number from 0")
    patterns = [word_pattern(w) for w in _strings(table.get("words", []), f"{where} words")]
    for text in _strings(table.get("regex", []), f"{where} regex"):
        try:
            patterns.append(re.compile(text, re.IGNORECASE))
        except re.error as exc:
            raise BadNotifyConfig(f"{where}: bad regex {text!r}: {exc}") from None
    return Rule(
        name=name,
        targets=targets,
        sources=frozenset(_strings(table.get("sources", []), f"{where} sources")),
        headline_changed=_flag(table, "headline_changed", False, where),
        min_chars=min_chars,
        patterns=tuple(patterns),
        skip_reverts=_flag(table, "skip_reverts", False, where),
        skip_reextractions=_flag(table, "skip_reextractions", True, where),
        title=_template(table.get("title", DEFAULT_TITLE), f"{where} title"),
        body=_template(table["body"], f"{where} body") if "body" in table else None,
    )


def parse_config(data: dict) -> NotifyConfig:
    """The parsed TOML of a rules file as a :class:`NotifyConfig`."""
    unknown = sorted(set(data) - {"base_url", "rule"})
    if unknown:
        raise BadNotifyConfig(f"unknown key(s) {', '.join(unknown)} (known: base_url, rule)")
    base_url = data.get("base_url", "")
    if base_url and not http_link(base_url):
        raise BadNotifyConfig(f"base_url {_printable(str(base_url))} is not an http(s) URL")
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not tables:
        raise BadNotifyConfig("no rules: add at least one [[rule]] table")
    names: set[str] = set()
    rules = tuple(parse_rule(t, n, names) for n, t in enumerate(tables, 1))
    return NotifyConfig(rules, base_url)


def load_config(path: str | Path) -> NotifyConfig:
    """Read and check a rules file (:class:`BadNotifyConfig` with the file's name)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadNotifyConfig(f"{path}: no such rules file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadNotifyConfig(f"{path}: cannot read it: {exc}") from None
    try:
        return parse_config(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise BadNotifyConfig(f"{path}: not valid TOML: {exc}") from None
    except BadNotifyConfig as exc:
        raise BadNotifyConfig(f"{path}: {exc}") from None


# -- matching and messages (pure) -------------------------------------------------


def matches(rule: Rule, change: Change) -> bool:
    """Whether a change passes every filter of a rule."""
    if rule.sources and change.source not in rule.sources:
        return False
    if rule.skip_reextractions and change.kind == "reextract":
        return False
    if rule.skip_reverts and change.repeats_version is not None:
        return False
    if rule.headline_changed and not change.headline_changed:
        return False
    if change.chars_added + change.chars_removed < rule.min_chars:
        return False
    if rule.patterns:
        return any(p.search(change.removed) or p.search(change.added) for p in rule.patterns)
    return True


def changed_text(diff: VersionDiff) -> tuple[str, str]:
    """The removed and the added text of a diff (title, byline, body), one piece a line."""
    removed: list[str] = []
    added: list[str] = []
    ops = [*diff.title.words, *diff.byline.words]
    for row in diff.rows:
        if row.op == "inserted":
            added += [b.text for b in row.right]
        elif row.op == "deleted":
            removed += [b.text for b in row.left]
        else:
            ops += row.words
    for op in ops:
        if op.op == "delete":
            removed.append(op.text)
        elif op.op == "insert":
            added.append(op.text)
    return "\n".join(removed), "\n".join(added)


def _printable(text: str) -> str:
    """One line of article text for a message: no control characters."""
    return _CONTROL.sub(" ", text)


def version_url(base_url: str, change: Change) -> str:
    """The change's page on the static site (``newsdiffs site``), or "" without a base URL."""
    if not base_url:
        return ""
    page = f"{article_dir({'url': change.url, 'source': change.source})}/{change.version}.html"
    return http_link(base_url.rstrip("/") + "/" + page) or ""


def fields(rule: Rule, change: Change, base_url: str) -> dict[str, str]:
    """The values of a message's ``$fields`` (plain text)."""
    old, new = _printable(change.headline_old), _printable(change.headline)
    notes = []
    if change.kind == "reextract":
        notes.append("re-extracted from the stored page (not an edit)")
    if change.repeats_version is not None:
        notes.append(f"returns to the text of version {change.repeats_version}")
    return {
        "rule": rule.name,
        "source": _printable(change.source),
        "headline": new,
        "headline_old": old,
        "headline_change": f"{old} → {new}" if old != new else new,
        "chars_added": str(change.chars_added),
        "chars_removed": str(change.chars_removed),
        "version": str(change.version),
        "time": change.time,
        "version_url": version_url(base_url, change),
        "url": http_link(change.url) or "",
        "note": "; ".join(notes),
    }


def message(rule: Rule, change: Change, base_url: str = "") -> tuple[str, str]:
    """The title and plain-text body of the notification of a change."""
    values = fields(rule, change, base_url)
    title = rule.title.substitute(values)
    if rule.body is not None:
        return title, rule.body.substitute(values)
    lines = [
        f"Headline: {values['headline_change']}" if change.headline_changed
        else f"Headline (unchanged): {values['headline']}",
        f"+{change.chars_added} / −{change.chars_removed} characters, "
        f"version {change.version} ({change.time})",
    ]
    if values["note"]:
        lines.append(values["note"].capitalize())
    if values["version_url"]:
        lines.append(f"Changes: {values['version_url']}")
    if values["url"]:
        lines.append(f"Original: {values['url']}")
    return title, "\n".join(lines)


# -- sending ------------------------------------------------------------------------

#: ``send(target_url, title, body)``: ``None`` when it went out, else why not.
Sender = Callable[[str, str, str], "str | None"]


def apprise_send(url: str, title: str, body: str) -> str | None:
    """Send one plain-text message with apprise; ``None`` or the reason it failed."""
    import logging

    import apprise

    sender = apprise.Apprise()
    if not sender.add(url):
        return "not a valid apprise URL"
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
        # TEXT: apprise escapes it for HTML and Markdown targets (no markup from articles).
        ok = sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
    if ok:
        return None
    lines = [line.strip() for line in log.getvalue().splitlines() if line.strip()]
    return _printable(lines[-1] if lines else "the target did not accept it")[:500]


@dataclass
class Outcome:
    """What happened to one change for one target."""

    rule: str
    target: str
    version_id: int
    url: str
    version: int
    title: str
    #: ``sent``, ``failed``, ``skipped`` (the target failed earlier in the run), ``would send``.
    status: str
    error: str | None = None
    retry: bool = False


@dataclass
class Report:
    """One run: every outcome, and the targets that started fresh."""

    outcomes: list[Outcome] = field(default_factory=list)
    started: list[tuple[str, str]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in ("failed", "skipped")]

    def summary(self) -> str:
        return (f"notify: {self.count('sent')} sent, {len(self.failed)} failed (kept for the "
                f"next run), {self.count('would send')} would be sent (dry run)")


def to_change(row: dict, diff: VersionDiff | None = None) -> Change:
    """A :class:`Change` from a ``Store.notify_changes`` row (and its diff, for the text)."""
    removed, added = changed_text(diff) if diff is not None else ("", "")
    return Change(
        version_id=row["version_id"], source=row["source"], url=row["url"],
        version=row["version"], time=row["time"], headline_old=row["old_title"] or "",
        headline=row["title"] or "", chars_added=row["chars_added"] or 0,
        chars_removed=row["chars_removed"] or 0, kind=row["kind"],
        repeats_version=row["repeats_version"], removed=removed, added=added)


class _Changes:
    """Changes built from store rows, diffed once however many rules need the text."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache: dict[int, Change] = {}

    def get(self, row: dict, with_text: bool) -> Change:
        known = self.cache.get(row["version_id"])
        if known is not None and (known.removed or known.added or not with_text):
            return known
        diff = None
        if with_text:
            new = self.store.version_by_id(row["version_id"])
            old = self.store.version(row["article_id"], row["version"] - 1)
            diff = compare_versions(old, new)
        change = self.cache[row["version_id"]] = to_change(row, diff)
        return change


def run(store: Store, config: NotifyConfig, *, now: str, since: str | None = None,
        dry_run: bool = False, send: Sender = apprise_send,
        rules: Iterable[Rule] | None = None) -> Report:
    """Send, for every rule and target, the failures kept from earlier runs, then the
    matching changes stored since its cursor.

    A target never run before starts at the newest change (nothing is sent)
    unless ``since`` is given: then the changes from ``since`` on are sent.
    ``since`` also leaves out older changes for targets that have a cursor.
    Each outcome is written as soon as it is known (a crash re-sends at most
    one message). After a failure, the rest of that target's changes are not
    tried this run and are kept as failures. ``dry_run`` sends and writes nothing.
    """
    report = Report()
    changes = _Changes(store)
    upto = store.last_version_id()
    for rule in rules if rules is not None else config.rules:
        for target in rule.targets:
            _run_target(store, config, rule, target, report, changes, now=now, since=since,
                        upto=upto, dry_run=dry_run, send=send)
    return report


def _run_target(store: Store, config: NotifyConfig, rule: Rule, target: Target, report: Report,
                changes: _Changes, *, now: str, since: str | None, upto: int, dry_run: bool,
                send: Sender) -> None:
    cursor = store.notify_cursor(rule.name, target.key)
    down: str | None = None  # why the target failed earlier in this run

    def deliver(row: dict, retry: bool) -> None:
        nonlocal down
        change = changes.get(row, rule.needs_text)
        if not retry and not matches(rule, change):
            return  # the cursor passes it at the end of the run
        outcome = Outcome(rule.name, target.shown, change.version_id, change.url,
                          change.version, change.headline, "would send", retry=retry)
        report.outcomes.append(outcome)
        if dry_run:
            return
        if down is not None:
            outcome.status, outcome.error = "skipped", f"not tried: {down}"
        else:
            title, body = message(rule, change, config.base_url)
            outcome.error = send(target.url, title, body)
            outcome.status = "sent" if outcome.error is None else "failed"
            down = outcome.error
        store.record_delivery(rule.name, target.key, target.shown, change.version_id, now,
                              error=outcome.error, advance=not retry)

    for row in store.notify_failures(rule.name, target.key):
        deliver(row, retry=True)
    if cursor is None and since is None:
        report.started.append((rule.name, target.shown))
        if not dry_run:
            store.set_notify_cursor(rule.name, target.key, target.shown, upto, now)
        return
    for row in store.notify_changes(cursor or 0, upto, since):
        deliver(row, retry=False)
    if not dry_run and upto > (cursor or 0):
        store.set_notify_cursor(rule.name, target.key, target.shown, upto, now)
