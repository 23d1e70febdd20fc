"""The confirmation rule: partial pages and stale copies are held, not stored as revisions.

A table for the pure rule, the store's ``pending`` outcome and its migration,
and the pipelines run on items for each failure seen in the wild (a truncated
response, a paywall teaser, a CDN alternating two copies) and for a genuine
large deletion, which must still be stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlite_utils
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsdiffs.crawl import summary_line
from newsdiffs.items import ArticleItem, Block
from newsdiffs.outcome import (
    CONFIRM,
    HOLD,
    REJECT,
    STORE,
    UNCHANGED,
    ConfirmRule,
    confirmation,
    cut_short,
)
from newsdiffs.store import Candidate, NewVersion, Store, migrations
from pipelines.clean import CleanPipeline
from pipelines.record import RecordPipeline
from pipelines.validate import ValidatePipeline

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TEN = " ".join(f"w{i}" for i in range(10))  # ten words
SIX = " ".join(f"w{i}" for i in range(6))
EIGHT = " ".join(f"w{i}" for i in range(8))
NINE_EDITED = " ".join(f"w{i}" for i in range(8)) + " x9"
HALF_WORD = " ".join(f"w{i}" for i in range(8)) + " w"  # the 9th word, "w8", cut after "w"


# -- the pure rule ----------------------------------------------------------------

# fmt: off
RULE_TABLE = [
    # case, (latest hash, body), (new hash, body), held hash, replaced, action, reason
    ("first version", (None, None), ("h1", TEN), None, {}, STORE, None),
    ("same text", ("h1", None), ("h1", TEN), None, {}, UNCHANGED, None),
    ("small edit", ("h1", TEN), ("h2", NINE_EDITED), None, {}, STORE, None),
    ("growth", ("h1", SIX), ("h2", TEN), None, {}, STORE, None),
    ("loses 40% of the words", ("h1", TEN), ("h2", "a b c d e f"), None, {}, HOLD,
     "loses 40% of the words (10 -> 6)"),
    ("loses exactly 30%: stored", ("h1", TEN), ("h2", "a b c d e f g"), None, {}, STORE, None),
    ("cut at a word boundary", ("h1", TEN), ("h2", EIGHT), None, {}, HOLD,
     "cut short: ends after 8 of 10 words"),
    ("cut inside a word", ("h1", TEN), ("h2", HALF_WORD), None, {}, HOLD,
     "cut short: ends after 9 of 10 words"),
    ("revert within the window", ("h2", TEN), ("h1", TEN), None,
     {"h1": NOW - timedelta(hours=2)}, HOLD, "returns to a text replaced about 2 hours ago"),
    ("revert after the window", ("h2", TEN), ("h1", TEN), None,
     {"h1": NOW - timedelta(days=3)}, STORE, None),
    ("held text seen again", ("h1", TEN), ("h2", SIX), "h2", {}, CONFIRM, None),
    ("stored text back", ("h1", None), ("h1", TEN), "h2", {}, REJECT, None),
    ("a third text, fine", ("h1", TEN), ("h3", NINE_EDITED), "h2", {}, STORE, None),
    ("a third text, suspicious", ("h1", TEN), ("h3", "a b"), "h2", {}, HOLD,
     "loses 80% of the words (10 -> 2)"),
]
# fmt: on


@pytest.mark.parametrize(
    ("case", "latest", "new", "candidate", "replaced", "action", "reason"),
    RULE_TABLE,
    ids=[row[0] for row in RULE_TABLE],
)
def test_rule_table(case, latest, new, candidate, replaced, action, reason):
    verdict = confirmation(
        latest_hash=latest[0],
        latest_body=latest[1],
        new_hash=new[0],
        new_body=new[1],
        candidate_hash=candidate,
        replaced=replaced,
        now=NOW,
    )
    assert (verdict.action, verdict.reason) == (action, reason), case


def test_rule_settings_are_used():
    strict = ConfirmRule(max_word_loss=0.1, revert_window=timedelta(days=7))
    verdict = confirmation(
        latest_hash="h1",
        latest_body=TEN,
        new_hash="h2",
        new_body="a b c d e f g h",
        candidate_hash=None,
        replaced={},
        now=NOW,
        rule=strict,
    )
    assert verdict.action == HOLD
    verdict = confirmation(
        latest_hash="h2",
        latest_body=TEN,
        new_hash="h1",
        new_body=TEN,
        candidate_hash=None,
        replaced={"h1": NOW - timedelta(days=3)},
        now=NOW,
        rule=strict,
    )
    assert verdict.action == HOLD


@pytest.mark.parametrize(
    ("old", "new", "cut"),
    [
        ("a b c d", "a b c", True),
        ("a b cat d", "a b ca", True),
        ("a b c d", "a b c d", False),  # not shorter
        ("a b c d", "a x c", False),  # an edit, not a cut
        ("a b c d", "", False),
        ("a b c d", "b c d", False),  # the start is gone, not the end
    ],
)
def test_cut_short(old, new, cut):
    assert cut_short(old, new) is cut


# -- the store ---------------------------------------------------------------------


def test_migration_keeps_checks_and_allows_pending(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m008_pending")
    db.execute("INSERT INTO articles (id, url, source, first_seen) VALUES (7, 'u', 'bbc', 't')")
    db.execute("""INSERT INTO checks (id, article_id, checked_at, http_status, outcome, detail)
                  VALUES (41, 7, 't1', 200, 'new', NULL), (42, 7, 't2', 404, 'failed', 'HTTP 404')""")
    db.execute("CREATE VIEW failed_checks AS SELECT * FROM checks WHERE outcome = 'failed'")
    db.conn.commit()
    db.close()

    with Store(path) as store:
        assert [(c["id"], c["outcome"]) for c in store.checks(7)] == [(41, "new"), (42, "failed")]
        indexes = {i.name for i in store.db["checks"].indexes}
        assert {"idx_checks_article", "idx_checks_time"} <= indexes
        assert [r["id"] for r in store.db.query("SELECT id FROM failed_checks")] == [42]
        assert store.db["checks"].foreign_keys[0].other_table == "articles"
        store.record_check(
            url="u",
            source="bbc",
            checked_at="t3",
            http_status=200,
            outcome="pending",
            candidate=Candidate("h", "T", "B", "cut short"),
        )
        assert store.checks(7)[-1]["outcome"] == "pending"
        assert store.pending_version(7)["hash"] == "h"


def version(body: str, digest: str, fetched_at: str = "t") -> NewVersion:
    return NewVersion(
        fetched_at=fetched_at,
        url="u",
        title="T",
        byline=None,
        published=None,
        published_raw=None,
        modified=None,
        modified_raw=None,
        body=body,
        hash=digest,
        chars_added=0,
        chars_removed=0,
        extractor="x/1",
    )


def test_store_holds_and_settles_candidates(db_path):
    with Store(db_path) as store:
        check = dict(url="u", source="bbc", http_status=200)
        store.record_check(**check, checked_at="t1", outcome="new", new_version=version("b", "h1"))
        held = Candidate("h2", "T", "cut", "cut short")
        store.record_check(**check, checked_at="t2", outcome="pending", candidate=held)
        article = store.article_for_check("u")
        assert (article["pending_hash"], article["pending_since"]) == ("h2", "t2")
        assert article["version_count"] == 1 and article["check_count"] == 2
        store.record_check(**check, checked_at="t3", outcome="failed", detail="timeout")
        assert store.pending_version(article["id"])["first_seen"] == "t2"  # failed: kept
        store.record_check(**check, checked_at="t4", outcome="unchanged")
        assert store.pending_version(article["id"]) is None  # read again: settled
        assert store.article_for_check("u")["pending_hash"] is None
        with pytest.raises(ValueError):
            store.record_check(**check, checked_at="t5", outcome="pending")
        with pytest.raises(ValueError):
            store.record_check(**check, checked_at="t5", outcome="unchanged", candidate=held)


def test_replaced_hashes(db_path):
    with Store(db_path) as store:
        for n, (at, digest) in enumerate([("t1", "A"), ("t3", "B"), ("t5", "A"), ("t7", "C")]):
            store.record_check(
                url="u",
                source="bbc",
                checked_at=at,
                http_status=200,
                outcome="changed" if n else "new",
                new_version=version(digest, digest, at),
            )
        aid = store.article("u")["id"]
        assert store.replaced_hashes(aid, "t0") == {"A": "t7", "B": "t5"}
        assert store.replaced_hashes(aid, "t6") == {"A": "t7"}


# -- the pipelines ------------------------------------------------------------------

URL = "https://www.bbc.co.uk/news/articles/c0conf001o"
TITLE = "Council approves harbour repairs after storm damage"
FULL = [
    f"Paragraph {n} of the story says something specific about the harbour, the council "
    f"and the storm, in words that make a real sentence number {n}."
    for n in range(1, 11)
]


def fetched(body: list[str], minute: int, title: str = TITLE, **kw) -> ArticleItem:
    at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=minute)
    return ArticleItem(
        url=URL,
        canonical_url=URL,
        source="bbc",
        title=title,
        body=[Block(t) for t in body],
        fetched_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        extractor="bbc",
        extractor_version="1",
        **kw,
    )


@pytest.fixture
def chain(db_path):
    crawler = get_crawler(
        settings_dict={"NEWSDIFFS_DB": str(db_path), "NEWSDIFFS_MIN_BODY_CHARS": 100}
    )
    crawler.stats.open_spider()
    stages = [
        build_from_crawler(cls, crawler)
        for cls in (ValidatePipeline, CleanPipeline, RecordPipeline)
    ]
    stages[-1].open_spider()

    def run(it: ArticleItem) -> str:
        """Run one fetched item through the pipelines; ``stored`` or ``dropped``."""
        try:
            for stage in stages:
                it = stage.process_item(it)
        except DropItem:
            return "dropped"
        return "stored"

    yield run, crawler.stats
    stages[-1].close_spider()


def history(db_path) -> tuple[list[dict], list[dict]]:
    with Store(db_path) as store:
        article = store.article(URL)
        return store.versions(article["id"]), store.checks(article["id"])


def counted(stats, *keys: str) -> dict[str, int]:
    values = stats.get_stats()
    return {k: values.get(f"newsdiffs/{k}", 0) for k in keys}


def test_truncated_response_is_no_phantom(chain, db_path):
    """A close-delimited response cut mid-paragraph, three times, with full pages in between."""
    run, stats = chain
    assert run(fetched(FULL, 0)) == "stored"
    minute = 15
    for cut in (5, 3, 8):  # paragraphs kept before the cut; the next one stops mid-word
        partial = FULL[:cut] + [FULL[cut][:37]]
        assert run(fetched(partial, minute)) == "dropped"
        assert run(fetched(FULL, minute + 10)) == "dropped"  # the next run: full text again
        minute += 30
    versions, checks = history(db_path)
    assert len(versions) == 1
    assert [c["outcome"] for c in checks] == ["new"] + ["pending", "unchanged"] * 3
    assert all(c["detail"].startswith("held for confirmation: cut short") for c in checks[1::2])
    assert all(c["detail"].startswith("rejected the text held since") for c in checks[2::2])
    assert counted(stats, "pending", "rejected", "confirmed", "changed") == {
        "pending": 3,
        "rejected": 3,
        "confirmed": 0,
        "changed": 0,
    }


def test_small_truncation_is_held_too(chain, db_path):
    """Cut after 9 of 10 paragraphs: under the 30% loss, but a cut-off text all the same."""
    run, _ = chain
    run(fetched(FULL, 0))
    assert run(fetched(FULL[:9] + [FULL[9][:20]], 15)) == "dropped"
    assert history(db_path)[1][-1]["outcome"] == "pending"


def test_paywall_teaser_is_no_phantom(chain, db_path):
    run, stats = chain
    run(fetched(FULL, 0))
    teaser = FULL[:2] + ["Subscribe to continue reading. Already a subscriber? Sign in."]
    for start in (15, 45, 75):
        assert run(fetched(teaser, start)) == "dropped"
        assert run(fetched(FULL, start + 10)) == "dropped"
    versions, checks = history(db_path)
    assert len(versions) == 1
    assert "loses" in checks[1]["detail"]
    assert counted(stats, "pending", "rejected") == {"pending": 3, "rejected": 3}


def test_cdn_alternating_two_copies_gives_one_change(chain, db_path):
    run, stats = chain
    old_copy = FULL
    new_copy = FULL[:-1] + [FULL[-1] + " A spokesperson later added a comment."]
    results = [run(fetched(old_copy if n % 2 == 0 else new_copy, 15 * n)) for n in range(8)]
    versions, checks = history(db_path)
    assert len(versions) == 2  # the first text and one change, not one version per fetch
    assert results[:2] == ["stored", "stored"] and set(results[2:]) == {"dropped"}
    assert [c["outcome"] for c in checks[2:]] == ["pending", "unchanged"] * 3
    assert counted(stats, "pending", "rejected", "confirmed") == {
        "pending": 3,
        "rejected": 3,
        "confirmed": 0,
    }


def test_genuine_large_deletion_is_stored_once_confirmed(chain, db_path):
    run, stats = chain
    run(fetched(FULL, 0))
    cut = FULL[:2] + FULL[7:]  # half the story removed, and it stays removed
    assert run(fetched(cut, 15)) == "dropped"
    with Store(db_path) as store:
        article = store.article(URL)
        assert article["next_check"] == "2026-03-01T08:25:00Z"  # due again soon
        assert store.pending_version(article["id"])["body"] == "\n\n".join(cut)
    assert run(fetched(cut, 25)) == "stored"
    versions, checks = history(db_path)
    assert len(versions) == 2 and versions[1]["body"] == "\n\n".join(cut)
    assert versions[1]["fetched_at"] == "2026-03-01T08:25:00Z"  # as the confirming fetch read it
    assert checks[-1]["outcome"] == "changed" and checks[-1]["version"] == 2
    assert checks[-1]["detail"] == "confirmed: first seen 2026-03-01T08:15:00Z"
    assert versions[1]["chars_removed"] > 0 and versions[1]["chars_added"] == 0
    assert counted(stats, "pending", "confirmed", "rejected", "changed") == {
        "pending": 1,
        "confirmed": 1,
        "rejected": 0,
        "changed": 1,
    }
    with Store(db_path) as store:
        assert store.pending_version(store.article(URL)["id"]) is None


def test_genuine_revert_is_stored_once_confirmed(chain, db_path):
    run, stats = chain
    edited = FULL[:-1] + ["An edited last paragraph that the editors later took back again."]
    run(fetched(FULL, 0))
    run(fetched(edited, 15))
    assert run(fetched(FULL, 30)) == "dropped"  # back to version 1 within a day: held
    assert run(fetched(FULL, 40)) == "stored"
    versions, _ = history(db_path)
    assert [v["repeats_version"] for v in versions] == [None, None, 1]
    assert counted(stats, "revert", "confirmed") == {"revert": 1, "confirmed": 1}


def test_third_text_replaces_the_held_one(chain, db_path):
    run, stats = chain
    run(fetched(FULL, 0))
    assert run(fetched(FULL[:3], 15)) == "dropped"
    assert run(fetched(FULL[:6], 25)) == "dropped"  # another cut text: held in its place
    with Store(db_path) as store:
        held = store.pending_version(store.article(URL)["id"])
        assert held["first_seen"] == "2026-03-01T08:25:00Z"
    updated = FULL + ["A new paragraph added to the full story by the editors today."]
    assert run(fetched(updated, 35)) == "stored"  # a fine new text: stored, held one dropped
    versions, checks = history(db_path)
    assert len(versions) == 2
    assert [c["outcome"] for c in checks] == ["new", "pending", "pending", "changed"]
    assert checks[-1]["detail"].endswith("another text came")
    assert counted(stats, "pending", "rejected", "confirmed") == {
        "pending": 2,
        "rejected": 2,
        "confirmed": 0,
    }


def test_not_modified_rejects_the_held_text(chain, db_path):
    """A held check keeps the stored text's validators: a 304 means the stored text stands."""
    run, stats = chain
    run(fetched(FULL, 0, etag='"full"'))
    assert run(fetched(FULL[:4], 15, etag='"teaser"')) == "dropped"
    with Store(db_path) as store:
        assert store.article(URL)["etag"] == '"full"'
    assert run(fetched([], 25, http_status=304)) == "dropped"
    versions, checks = history(db_path)
    assert len(versions) == 1 and checks[-1]["outcome"] == "unchanged"
    assert counted(stats, "rejected", "not_modified") == {"rejected": 1, "not_modified": 1}


def test_failed_check_keeps_the_held_text(chain, db_path):
    run, _ = chain
    run(fetched(FULL, 0))
    run(fetched(FULL[:3], 15))
    assert run(fetched(FULL, 25, http_status=503, error="HTTP 503")) == "dropped"
    assert run(fetched(FULL[:3], 35)) == "stored"  # still confirmed by the next good read
    assert len(history(db_path)[0]) == 2


def test_summary_counts_confirmation_only_when_used():
    quiet = {"new": 1, "unchanged": 2}
    assert "pending" not in summary_line(quiet, 1.0)
    line = summary_line(
        {"changed": 1, "unchanged": 3, "pending": 2, "confirmed": 1, "rejected": 1}, 1.0
    )
    assert line.startswith("checked 6, changed 1,")
    assert "pending 2 (confirmed 1, rejected 1), failed 0" in line
