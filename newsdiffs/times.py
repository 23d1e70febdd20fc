"""Timestamps as stored: ISO 8601 in UTC, second precision, ``Z`` suffix (sorts as text)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

UTC = timezone.utc


def to_iso(moment: datetime) -> str:
    """Format an aware (or naive-UTC) datetime the way the database stores it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
