"""Timestamps as stored: ISO 8601 in UTC, second precision, ``Z`` suffix (sorts as text);
durations as people type them on the command line (``30m``, ``1d``, ``1h30m``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
#: The longest duration an option takes: far enough back for any archive, and far from
#: the limits of datetime (year 1), so "now minus it" can always be computed.
MAX_SPAN = timedelta(days=36500)
#: Seconds of each duration unit: the one table every duration newsdiffs reads uses
#: (options such as ``--since``, ``cron --every``, the ``NEWSDIFFS_SCHEDULE`` setting).
DURATION_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_PART = re.compile(r"(\d+)(min|[smhdw])")


class BadDuration(ValueError):
    """A duration that cannot be read, or is not more than 0 and at most :data:`MAX_SPAN`."""


def to_iso(moment: datetime) -> str:
    """Format an aware (or naive-UTC) datetime the way the database stores it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    # Four-digit years always (strftime gives "999" for 999), so stored times sort as text.
    return f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%SZ")


def from_iso(text: str) -> datetime:
    """Parse a stored timestamp (or any ISO 8601 string) into an aware datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def now_iso() -> str:
    """The current time, formatted for storage."""
    return to_iso(datetime.now(UTC))


def in_words(delta: timedelta) -> str:
    """A duration as people say it: "about 1 hour", "3 days", "less than a minute"."""
    seconds = abs(delta.total_seconds())
    if seconds < 60:
        return "less than a minute"
    minutes = round(seconds / 60)
    if minutes < 45:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(seconds / 3600)
    if hours < 24:
        return f"about {hours} hour{'s' if hours != 1 else ''}"
    days = round(seconds / 86400)
    if days < 30:
        return f"{days} day{'s' if days != 1 else ''}"
    months = round(days / 30)
    if months < 12:
        return f"about {months} month{'s' if months != 1 else ''}"
    years = round(days / 365)
    return f"about {years} year{'s' if years != 1 else ''}"


def shown(text: str, limit: int = 40) -> str:
    """A typed value quoted for an error message, cut short if it is long."""
    text = str(text).strip()
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def parse_span(text: str, *, maximum: timedelta | None = MAX_SPAN,
               allow_zero: bool = False) -> timedelta:
    """A duration typed as ``90s``, ``30m``/``30min``, ``12h``, ``1d``, ``2w`` or ``1h30m``.

    Raises :class:`BadDuration` unless it is more than 0 (or 0, with ``allow_zero``)
    and at most ``maximum`` (``None``: any length a ``timedelta`` holds).
    """
    compact = re.sub(r"\s+", "", str(text)).lower()
    if not compact or _DURATION_PART.sub("", compact):
        raise BadDuration(f"{shown(text)}: not a duration (write e.g. 30m, 12h, 1d, 2w, 1h30m)")
    try:
        seconds = sum(int(n) * DURATION_UNITS[u] for n, u in _DURATION_PART.findall(compact))
        span = timedelta(seconds=seconds)
    except (ValueError, OverflowError):  # more digits than int() reads, or than timedelta holds
        seconds = None
    limit = int((maximum or timedelta.max).total_seconds())
    if seconds is None or seconds > limit:
        raise BadDuration(f"{shown(text)}: too long (at most {limit // 86400}d)")
    if seconds == 0 and not allow_zero:
        raise BadDuration(f"{shown(text)}: must be more than 0")
    return span
