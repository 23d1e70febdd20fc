"""The re-check policy as tables over a simulated clock, and its wiring into the store pipeline."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newsdiffs.items import ArticleItem, Block
from newsdiffs.schedule import (
    DEFAULT_POLICY,
    Policy,
    ScheduleError,
    backoff_delay,
    cron_fields,
    format_duration,
    parse_duration,
    policy_for,
    retry_after_seconds,
)
from newsdiffs.store import Store
from newsdiffs.times import from_iso, to_iso
from pipelines.record import RecordPipeline

M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
T0 = datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "expected"), [
    ("15m", 15 * M), ("3h", 3 * H), ("2d", 2 * D), ("1w", 7 * D), ("90s", timedelta(seconds=90)),
    ("1h30m", 90 * M), (" 2D ", 2 * D), ("1d 12h", 36 * H), (45, timedelta(seconds=45)),
    (3 * H, 3 * H),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "15", "abc", "m15", "1.5h", "-1h", "3 hours", "15m!"])
def test_parse_duration_rejects(text):
    with pytest.raises(ScheduleError):
        parse_duration(text)


@pytest.mark.parametrize(("delta", "text"), [
    (15 * M, "15m"), (90 * M, "1h30m"), (24 * H, "24h"), (36 * H, "36h"), (3 * D, "3d"),
    (30 * D, "30d"), (timedelta(seconds=5), "5s"), (timedelta(0), "0s"),
])
def test_format_duration_round_trips(delta, text):
    assert format_duration(delta) == text
    assert parse_duration(text) == delta


# quiet = time since the last change; the documented default table.
@pytest.mark.parametrize(("quiet", "interval"), [
    (timedelta(0), 15 * M),
    (2 * H + 59 * M, 15 * M),
    (3 * H, 1 * H),
    (23 * H, 1 * H),
    (24 * H, 3 * H),
    # diffengine's bug: (2 days 1 hour).seconds == 3600 would put this in the first tier.
    (2 * D + 1 * H, 3 * H),
    (3 * D, 12 * H),
    (6 * D + 23 * H, 12 * H),
    (7 * D, 1 * D),
    (29 * D + 23 * H, 1 * D),
    (30 * D, None),
    (45 * D, None),
    (-5 * M, 15 * M),  # a clock that stepped back counts as fresh
])
def test_default_intervals(quiet, interval):
    assert DEFAULT_POLICY.interval(quiet) == interval


@pytest.mark.parametrize(("policy", "now", "last_changed", "expected"), [
    (DEFAULT_POLICY, T0, T0, T0 + 15 * M),
    (DEFAULT_POLICY, T0 + 5 * H, T0, T0 + 6 * H),
    (DEFAULT_POLICY, T0 + 29 * D, T0, T0 + 30 * D),
    (DEFAULT_POLICY, T0 + 30 * D, T0, None),
    # The next check never passes the end of the quiet period.
    (Policy(tiers=((1 * H, 15 * M), (10 * D, 3 * D)), finish_after=10 * D),
     T0 + 9 * D, T0, T0 + 10 * D),
    (Policy(finish_after=14 * D), T0 + 13 * D + 12 * H, T0, T0 + 14 * D),
])
def test_next_check(policy, now, last_changed, expected):
    assert policy.next_check(now, last_changed) == expected


@pytest.mark.parametrize(("in_a_row", "expected"), [
    (1, T0 + 1 * H), (2, T0 + 6 * H), (3, T0 + 1 * D), (4, None), (0, None),
])
def test_gone_retries(in_a_row, expected):
    assert DEFAULT_POLICY.next_gone_check(T0, in_a_row) == expected


def test_policy_per_source_from_settings():
    setting = {
        "default": {"finish_after": "20d"},
        "bbc": {"finish_after": "14d", "tiers": [["3h", "10m"], ["2d", "2h"]], "gone": ["2h"]},
    }
    bbc, other = policy_for("bbc", setting), policy_for("guardian", setting)
    assert bbc.finish_after == 14 * D and other.finish_after == 20 * D
    assert bbc.tiers == ((3 * H, 10 * M), (2 * D, 2 * H))
    assert bbc.interval(5 * D) == 2 * H  # past the last tier: its interval, until finished
    assert bbc.gone_retries == (2 * H,)
    assert other.tiers == DEFAULT_POLICY.tiers
    assert policy_for("bbc", None) == DEFAULT_POLICY == policy_for("bbc", {})


@pytest.mark.parametrize("setting", [
    {"bbc": {"finish": "14d"}},
    {"bbc": {"tiers": [["3h", "10m"], ["1h", "1h"]]}},
    {"bbc": {"tiers": [["3h", "0m"]]}},
    {"bbc": {"tiers": []}},
    {"bbc": {"tiers": "3h"}},
    {"bbc": {"tiers": [["3h"]]}},
    {"bbc": {"finish_after": "soon"}},
    {"bbc": "14d"},
])
def test_bad_schedule_settings(setting):
    with pytest.raises(ScheduleError):
        policy_for("bbc", setting)


# -- 60 simulated days -------------------------------------------------------------------

def after_change(changed: datetime) -> list[datetime]:
    """The checks the README table predicts after a change at ``changed``, up to the finish."""
    return (
        [changed + k * 15 * M for k in range(1, 13)]            # < 3h: every 15m (12)
        + [changed + 3 * H + k * H for k in range(1, 22)]       # < 24h: hourly (21)
        + [changed + 24 * H + k * 3 * H for k in range(1, 17)]  # < 3d: every 3h (16)
        + [changed + 3 * D + k * 12 * H for k in range(1, 9)]   # < 7d: every 12h (8)
        + [changed + 7 * D + k * D for k in range(1, 24)]       # < 30d: daily (23)
    )


#: When the simulated article is edited: soon after publication, then a late correction.
EDITS = [T0 + 20 * M, T0 + 2 * H + 5 * M, T0 + 52 * H]


def simulate(policy: Policy, start: datetime, edits: list[datetime], days: int = 60):
    """Follow one article with a clock that jumps to each next check; return the checks."""
    def text_at(t: datetime) -> int:
        return sum(e <= t for e in edits)

    now, last_changed, seen = start, start, text_at(start)
    checks = [(now, "new")]
    while (due := policy.next_check(now, last_changed)) is not None:
        assert due > now
        if due > start + days * D:
            break
        now = due
        if text_at(now) != seen:
            seen, last_changed = text_at(now), now
            checks.append((now, "changed"))
        else:
            checks.append((now, "unchanged"))
    return checks, (now if due is None else None)


def test_sixty_day_simulation():
    checks, finished_at = simulate(DEFAULT_POLICY, T0, EDITS)
    changes = [t for t, outcome in checks if outcome == "changed"]
    # Each edit is seen at the first check after it.
    l1, l2, l3 = T0 + 30 * M, T0 + 2 * H + 15 * M, T0 + 2 * H + 15 * M + 51 * H
    assert changes == [l1, l2, l3]
    predicted = (
        [T0, T0 + 15 * M, l1]
        + [l1 + k * 15 * M for k in range(1, 8)]
        + [t for t in after_change(l2) if t <= l3]
        + after_change(l3)
    )
    assert [t for t, _ in checks] == predicted
    assert finished_at == l3 + 30 * D == checks[-1][0]
    assert len(checks) == 132
    days = (finished_at - T0).total_seconds() / 86400
    per_day = [sum(T0 + d * D <= t < T0 + (d + 1) * D for t, _ in checks) for d in range(60)]
    print(f"\n60-day simulation: {len(checks)} checks, {1 + len(changes)} versions; "
          f"checks per day {per_day[:8]} ... then 1/day; finished at day {days:.1f} "
          f"(30 days after the last change), no checks on days {int(days) + 1}-60")
    assert per_day[int(days) + 1:] == [0] * (59 - int(days))


def test_simulation_with_a_shorter_source_policy():
    policy = policy_for("bbc", {"bbc": {"finish_after": "14d"}})
    checks, finished_at = simulate(policy, T0, [])
    assert finished_at == T0 + 14 * D
    assert len(checks) == 1 + 12 + 21 + 16 + 8 + 7


# -- the policy wired into the store pipeline --------------------------------------------

BODY = [Block("A paragraph long enough to be a real article body. " * 4)]


def item(at: datetime, body: list[Block] = BODY, **fields) -> ArticleItem:
    return ArticleItem(url="https://www.bbc.co.uk/news/articles/c0sim", title="Title",
                       body=body, source="bbc", fetched_at=to_iso(at), extractor="bbc",
                       extractor_version="1", **fields)


def run_pipeline(pipeline: RecordPipeline, it: ArticleItem) -> None:
    from scrapy.exceptions import DropItem

    try:
        pipeline.process_item(it)
    except DropItem:
        pass


def test_pipeline_follows_the_schedule_until_finished(db_path):
    pipeline = RecordPipeline(str(db_path))
    pipeline.open_spider()
    edits = iter(EDITS)
    body, next_edit = BODY, next(edits)
    now = T0
    run_pipeline(pipeline, item(now))
    url = "https://www.bbc.co.uk/news/articles/c0sim"
    while (row := pipeline.store.article(url))["next_check"] is not None:
        now = from_iso(row["next_check"])
        while next_edit and next_edit <= now:
            body = [*body, Block(f"Update at {to_iso(next_edit)}.")]
            next_edit = next(edits, None)
        run_pipeline(pipeline, item(now, body))
    pipeline.close_spider()
    with Store(db_path) as store:
        row = store.article(url)
        assert row["status"] == "finished" and row["next_check"] is None
        assert row["version_count"] == 4 and row["check_count"] == 132
        assert row["last_checked"] == to_iso(from_iso(row["last_changed"]) + 30 * D)


def test_pipeline_reads_per_source_schedule(db_path):
    pipeline = RecordPipeline(str(db_path), schedule={"bbc": {"tiers": [["3h", "10m"]]}})
    pipeline.open_spider()
    run_pipeline(pipeline, item(T0))
    assert pipeline.store.article("https://www.bbc.co.uk/news/articles/c0sim")["next_check"] \
        == to_iso(T0 + 10 * M)
    pipeline.close_spider()
    with pytest.raises(ScheduleError):
        RecordPipeline(str(db_path), schedule={"bbc": {"tiers": "often"}})


# -- retry backoff, cron intervals, redirect notes ----------------------------------------

@pytest.mark.parametrize(("attempt", "retry_after", "expected"), [
    (1, None, 2.0), (2, None, 4.0), (3, None, 8.0), (10, None, 60.0),
    (1, 30.0, 30.0), (1, 600.0, 60.0), (3, 1.0, 8.0),
])
def test_backoff_delay(attempt, retry_after, expected):
    assert backoff_delay(attempt, base=2.0, cap=60.0, retry_after=retry_after) == expected


@pytest.mark.parametrize(("header", "expected"), [
    ("120", 120.0), ("Sun, 01 Mar 2026 06:02:00 GMT", 120.0),
    ("Sun, 01 Mar 2026 05:00:00 GMT", 0.0), ("soon", None), (None, None),
])
def test_retry_after(header, expected):
    assert retry_after_seconds(header, T0) == expected


@pytest.mark.parametrize(("every", "fields"), [
    ("15m", "*/15 * * * *"), ("1m", "* * * * *"), ("30m", "*/30 * * * *"), ("1h", "0 * * * *"),
    ("6h", "0 */6 * * *"), ("1d", "0 0 * * *"), ("60m", "0 * * * *"),
])
def test_cron_fields(every, fields):
    assert cron_fields(parse_duration(every)) == fields


@pytest.mark.parametrize("every", ["45m", "90s", "30s", "5h", "2d", "7h"])
def test_cron_fields_rejects_uneven(every):
    with pytest.raises(ScheduleError):
        cron_fields(parse_duration(every))
