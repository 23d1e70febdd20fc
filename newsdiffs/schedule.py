"""The re-check schedule: when to look at an article again. Pure functions, clock passed in.

An article is checked often while it is fresh and changing, and less often as
it settles: the wait after a check follows how long the article has gone
unchanged (since its last change, or since it was first seen). A change
resets the clock. After a quiet period with no change the article is
*finished* and will not be checked again. The default policy::

    unchanged for less than   check again after
    3 hours                   15 minutes
    24 hours                  1 hour
    3 days                    3 hours
    7 days                    12 hours
    30 days                   1 day
    30 days (finish_after)    never: the article is finished

A next check is never put later than the moment the quiet period ends, so the
finishing check happens exactly ``finish_after`` after the last change.

An article that answers 404 or 410 is *gone*: it is re-checked after 1 hour,
6 hours and 1 day in case it comes back, then no more.

Every duration is compared as a whole (``total_seconds()``): diffengine's
schedule used ``timedelta.seconds``, which drops whole days, and so checked
week-old articles as if they were minutes old.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from .times import DURATION_UNITS, BadDuration, parse_span

Tier = tuple[timedelta, timedelta]

#: (article unchanged for less than this, check again after this), in order.
DEFAULT_TIERS: tuple[Tier, ...] = (
    (timedelta(hours=3), timedelta(minutes=15)),
    (timedelta(hours=24), timedelta(hours=1)),
    (timedelta(days=3), timedelta(hours=3)),
    (timedelta(days=7), timedelta(hours=12)),
    (timedelta(days=30), timedelta(days=1)),
)
#: Waits before re-checking a gone article (after its 1st, 2nd, 3rd 404/410 in a row).
DEFAULT_GONE_RETRIES: tuple[timedelta, ...] = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
)

#: HTTP statuses that mean the article is gone.
GONE_STATUSES = frozenset({404, 410})



class ScheduleError(ValueError):
    """A duration, schedule setting or cron interval could not be read."""


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """A duration written ``90s``, ``15m``, ``3h``, ``2d``, ``1w`` or ``1h30m`` (numbers are seconds).

    Read by :func:`newsdiffs.times.parse_span` (the same units), without its bound
    and allowing 0.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    try:
        return parse_span(str(value), maximum=None, allow_zero=True)
    except BadDuration:
        raise ScheduleError(f"cannot read duration {value!r} (write e.g. 15m, 3h, 2d)") from None


def format_duration(delta: timedelta) -> str:
    """A duration in the form :func:`parse_duration` reads: ``15m``, ``1h30m``, ``24h``, ``3d``."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    # "24h" and "36h" read better than "1d" and "1d12h"; days from two on.
    for unit in ("dhms" if seconds >= 2 * DURATION_UNITS["d"] else "hms"):
        count, seconds = divmod(seconds, DURATION_UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


@dataclass(frozen=True)
class Policy:
    """A re-check policy: interval tiers, the quiet period that finishes an article, gone retries."""

    tiers: tuple[Tier, ...] = field(default=DEFAULT_TIERS)
    finish_after: timedelta = timedelta(days=30)
    gone_retries: tuple[timedelta, ...] = field(default=DEFAULT_GONE_RETRIES)

    def __post_init__(self) -> None:
        if not self.tiers:
            raise ScheduleError("a schedule needs at least one tier")
        limits = [limit.total_seconds() for limit, _ in self.tiers]
        if any(limits[i] >= limits[i + 1] for i in range(len(limits) - 1)):
            raise ScheduleError("schedule tiers must be in increasing order of age")
        if any(every.total_seconds() <= 0 for _, every in self.tiers):
            raise ScheduleError("a check interval must be longer than zero")
        if self.finish_after.total_seconds() <= 0:
            raise ScheduleError("finish_after must be longer than zero")
        if any(wait.total_seconds() <= 0 for wait in self.gone_retries):
            raise ScheduleError("a gone re-check wait must be longer than zero")

    def interval(self, quiet: timedelta) -> timedelta | None:
        """How long to wait after a check, given how long the article has been unchanged."""
        if quiet.total_seconds() >= self.finish_after.total_seconds():
            return None
        for limit, every in self.tiers:
            if quiet.total_seconds() < limit.total_seconds():
                return every
        return self.tiers[-1][1]

    def next_check(self, now: datetime, last_changed: datetime) -> datetime | None:
        """When to check after a check at ``now``; ``None`` means finished."""
        every = self.interval(now - last_changed)
        if every is None:
            return None
        return min(now + every, last_changed + self.finish_after)

    def next_gone_check(self, now: datetime, gone_in_a_row: int) -> datetime | None:
        """When to check after the ``gone_in_a_row``-th 404/410 in a row; ``None``: stop."""
        if gone_in_a_row < 1 or gone_in_a_row > len(self.gone_retries):
            return None
        return now + self.gone_retries[gone_in_a_row - 1]

    def updated(self, overrides: Mapping[str, object]) -> Policy:
        """This policy with some fields replaced, read from a settings mapping.

        Keys: ``tiers`` (list of [age, interval] pairs), ``finish_after`` and
        ``gone`` (list of waits), durations written as :func:`parse_duration` reads.
        """
        unknown = set(overrides) - {"tiers", "finish_after", "gone"}
        if unknown:
            raise ScheduleError(f"unknown schedule key(s): {', '.join(sorted(unknown))}")
        changes: dict[str, object] = {}
        if "tiers" in overrides:
            changes["tiers"] = tuple(_tier(t) for t in _sequence(overrides["tiers"], "tiers"))
        if "finish_after" in overrides:
            changes["finish_after"] = parse_duration(overrides["finish_after"])  # type: ignore[arg-type]
        if "gone" in overrides:
            changes["gone_retries"] = tuple(
                parse_duration(w) for w in _sequence(overrides["gone"], "gone")  # type: ignore[arg-type]
            )
        return replace(self, **changes)  # type: ignore[arg-type]


def _sequence(value: object, name: str) -> Sequence:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ScheduleError(f"schedule {name} must be a list, got {value!r}")
    return value


def _tier(pair: object) -> Tier:
    if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise ScheduleError(f"a schedule tier is [age, interval], got {pair!r}")
    return parse_duration(pair[0]), parse_duration(pair[1])


DEFAULT_POLICY = Policy()


def policy_for(source: str, setting: Mapping[str, Mapping[str, object]] | None) -> Policy:
    """The policy of one source: the defaults, then ``setting["default"]``, then ``setting[source]``.

    ``setting`` is the ``NEWSDIFFS_SCHEDULE`` setting, e.g.
    ``{"bbc": {"finish_after": "14d", "tiers": [["3h", "10m"], ["1d", "1h"]]}}``.
    """
    policy = DEFAULT_POLICY
    for key in ("default", source):
        overrides = (setting or {}).get(key)
        if overrides:
            if not isinstance(overrides, Mapping):
                raise ScheduleError(f"schedule for {key!r} must be a mapping, got {overrides!r}")
            policy = policy.updated(overrides)
    return policy


def next_check(now: datetime, last_changed: datetime,
               policy: Policy = DEFAULT_POLICY) -> datetime | None:
    """When to check next after a check at ``now``; ``None`` means finished."""
    return policy.next_check(now, last_changed)


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1, 2 ...): doubling from ``base``, capped.

    A server's ``Retry-After`` is honoured when it asks for longer, up to ``cap``.
    """
    delay = base * 2 ** max(attempt - 1, 0)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return max(0.0, min(delay, cap))


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds from ``now``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def cron_fields(every: timedelta) -> str:
    """The five cron time fields that run a job every ``every`` (minutes, hours or a day)."""
    seconds = int(every.total_seconds())
    minutes, rest = divmod(seconds, 60)
    if rest or minutes < 1:
        raise ScheduleError("cron runs at most once a minute: use whole minutes (e.g. 15m)")
    # Only steps that divide the hour (or day) keep the runs evenly spaced.
    if minutes < 60 and 60 % minutes == 0:
        return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
    hours, rest = divmod(minutes, 60)
    if not rest and hours < 24 and 24 % hours == 0:
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    if minutes == 24 * 60:
        return "0 0 * * *"
    raise ScheduleError(
        f"cannot run every {format_duration(every)} evenly with cron: use a number of minutes "
        "that divides 60 (5m, 10m, 15m, 30m ...), of hours that divides 24, or 1d"
    )
