"""The re-check schedule: when to look at an article again. Pure functions, clock passed in.

An article is checked often while it is fresh and changing, and less often
as it settles: the interval follows the time since it last changed (or was
first seen). After a quiet period with no change it is *finished* and will not
be checked again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: (article quiet for less than this, check again after this), in order.
DEFAULT_TIERS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=3), timedelta(minutes=15)),
    (timedelta(hours=24), timedelta(hours=1)),
    (timedelta(days=3), timedelta(hours=3)),
    (timedelta(days=7), timedelta(hours=12)),
    (timedelta(days=30), timedelta(days=1)),
)


@dataclass(frozen=True)
class Policy:
    """A re-check policy: interval tiers and the quiet period that finishes an article."""

    tiers: tuple[tuple[timedelta, timedelta], ...] = field(default=DEFAULT_TIERS)
    finish_after: timedelta = timedelta(days=30)

    def interval(self, quiet: timedelta) -> timedelta | None:
        """How long to wait after a check, given how long the article has been unchanged."""
        if quiet.total_seconds() >= self.finish_after.total_seconds():
            return None
        for limit, every in self.tiers:
            if quiet.total_seconds() < limit.total_seconds():
                return every
        return self.tiers[-1][1]


DEFAULT_POLICY = Policy()


def next_check(now: datetime, last_changed: datetime, policy: Policy = DEFAULT_POLICY) -> datetime | None:
    """When to check next after a check at ``now``; ``None`` means finished."""
    every = policy.interval(now - last_changed)
    return None if every is None else now + every
