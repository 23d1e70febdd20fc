"""One decision per check: the kind of a check and the article's next state are pure
functions (table tests), and the pipelines clean, fingerprint and read the article once."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from scrapy.exceptions import DropItem

from newsdiffs.items import ArticleItem, Block, blocks_to_text
from newsdiffs.outcome import (
    FAILED,
    GONE,
    HELD,
    MOVED,
    NOT_MODIFIED,
    PAGE,
    REDIRECTED,
    SEEN,
    STORED,
    ConfirmRule,
    classify,
    next_state,
)
from newsdiffs.schedule import Policy
from newsdiffs.store import Candidate, NewVersion, Store
from newsdiffs.text import fingerprint
from pipelines.clean import CleanPipeline
from pipelines.validate import ValidatePipeline

URL = "https://news.example.org/2026/harbour"
TEXT = "The harbour wall was rebuilt after the winter storms, the council said on Monday. " * 3


@pytest.mark.parametrize(
    "http_status, redirected_to, error, tracked, kind, reason",
    [
        (200, None, None, True, PAGE, None),
        (200, None, None, False, PAGE, None),
        (304, None, None, True, NOT_MODIFIED, None),
        (304, None, None, False, FAILED, "HTTP 304 (not modified) for an article that is not stored"),
        (301, URL + "/new", None, True, REDIRECTED, None),
        (301, URL + "/new", None, False, FAILED,
         f"redirected to {URL}/new, for an article that is not stored"),
        (200, None, "no title", True, FAILED, "no title"),
        (404, None, "HTTP 404", True, FAILED, "HTTP 404"),
        (None, None, "download failed: timeout", False, FAILED, "download failed: timeout"),
        # A 304 or a move about a stored article wins over an error found on the way.
        (304, None, "no title", True, NOT_MODIFIED, None),
        (301, URL + "/new", "no title", True, REDIRECTED, None),
    ],
)
def test_classify(http_status, redirected_to, error, tracked, kind, reason):
    assert classify(http_status=http_status, redirected_to=redirected_to, error=error,
                    tracked=tracked) == (kind, reason)


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
H, M, D = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)


@pytest.mark.parametrize(
    "done, quiet_for, gone_in_a_row, expected",
    [
        # Default policy: 15 min while < 3 h quiet, 1 h < 24 h, 3 h < 3 days, 12 h < 7 days,
        # 1 day < 30 days, then finished; never later than the end of the quiet period.
        (SEEN, 1 * H, 0, (NOW + 15 * M, "active")),
        (SEEN, 5 * H, 0, (NOW + 1 * H, "active")),
        (SEEN, 2 * D, 0, (NOW + 3 * H, "active")),
        (SEEN, 29 * D + 23 * H, 0, (NOW + 1 * H, "active")),  # the quiet period ends first
        (SEEN, 30 * D, 0, (None, "finished")),
        (STORED, 10 * D, 0, (NOW + 15 * M, "active")),  # a change starts the clock again
        (GONE, 0 * H, 1, (NOW + 1 * H, "gone")),
        (GONE, 0 * H, 2, (NOW + 6 * H, "gone")),
        (GONE, 0 * H, 3, (NOW + 1 * D, "gone")),
        (GONE, 0 * H, 4, (None, "gone")),  # given up
        (MOVED, 1 * H, 0, (None, "finished")),
        (HELD, 40 * D, 0, (NOW + 10 * M, "active")),  # confirmation is due soon, even if quiet
    ],
)
def test_next_state(done, quiet_for, gone_in_a_row, expected):
    assert next_state(done, policy=Policy(), now=NOW, quiet_since=NOW - quiet_for,
                      gone_in_a_row=gone_in_a_row, rule=ConfirmRule()) == expected


def test_next_state_refuses_an_unknown_result():
    with pytest.raises(ValueError):
        next_state("lost", policy=Policy(), now=NOW, quiet_since=NOW)


# -- the pipelines ---------------------------------------------------------------


def item(body=TEXT, at="2026-03-01T10:00:00Z", **kw):
    return ArticleItem(url=URL, canonical_url=URL, source="example", title="Harbour wall rebuilt",
                       body=[Block(body)], fetched_at=at, extractor="x", extractor_version="1",
                       **kw)


@pytest.fixture
def chain(pipeline_stages):
    stages, stats = pipeline_stages

    def run(it):
        try:
            for stage in stages:
                it = stage.process_item(it)
        except DropItem:
            return None
        return it

    return run, stats, stages[-1]


def test_the_text_is_cleaned_once():
    raw = item(body=" A\u00a0body   with\u200b spacing " + TEXT)
    validated = ValidatePipeline(min_body_chars=100).process_item(raw)
    assert validated.body[0].text.startswith("A body with spacing ")
    # The validate pipeline cleaned it: the normalise pipeline passes the same item on.
    assert CleanPipeline().process_item(validated) is validated
    # An error made only of control characters stays an error.
    failed = CleanPipeline().process_item(item(error="\x1b\x07"))
    assert failed.error == "failed"
    assert validated.cleaned and not raw.cleaned
    # Sent to another machine's ingest, the item is cleaned again there (the flag stays here).
    from newsdiffs.distributed import check_item_id, decode_message, encode_item

    sent = encode_item(validated, check_item_id(1, validated))
    received = decode_message(b"1-0", {k.encode(): v for k, v in sent.items()}).item
    assert not received.cleaned and received.body == validated.body


def test_a_new_fingerprint_rule_adds_no_phantom_version(chain, db_path):
    """A version stored when bidi marks were not folded yet: the same text read again is
    unchanged, though its fingerprint today differs from the stored one."""
    run, stats, _ = chain
    body = "\u200eThe harbour wall\u200f was rebuilt. " + TEXT
    old_rule = hashlib.sha256("\n".join(["Harbour wall rebuilt", body.strip()]).encode()).hexdigest()
    assert old_rule != fingerprint("Harbour wall rebuilt", [Block(body.strip())])
    with Store(db_path) as store:
        store.record_check(
            url=URL, source="example", checked_at="2026-03-01T09:00:00Z", http_status=200,
            outcome="new", new_version=NewVersion(
                fetched_at="2026-03-01T09:00:00Z", url=URL, title="Harbour wall rebuilt",
                byline=None, published=None, published_raw=None, modified=None,
                modified_raw=None, body=blocks_to_text([Block(body.strip())]), hash=old_rule,
                chars_added=0, chars_removed=0, extractor="x/1"))
    assert run(item(body=body)) is None
    assert stats.get_value("newsdiffs/unchanged") == 1
    assert stats.get_value("newsdiffs/changed") is None
    assert stats.get_value("newsdiffs/pending") is None
    with Store(db_path) as store:
        art = store.article(URL)
        assert art["version_count"] == 1
        assert [c["outcome"] for c in store.checks(art["id"])] == ["new", "unchanged"]
    # A real edit is still one.
    assert run(item(body=body + " A new sentence was added.", at="2026-03-01T11:00:00Z"))
    assert stats.get_value("newsdiffs/changed") == 1


def test_an_unchanged_check_reads_once_and_writes_little(chain, db_path):
    run, _, pipeline = chain
    run(item())
    statements: list[str] = []
    pipeline.store.db.conn.set_trace_callback(statements.append)
    try:
        assert run(item(at="2026-03-01T10:15:00Z")) is None
    finally:
        pipeline.store.db.conn.set_trace_callback(None)
    verbs = [" ".join(s.split()[:2]) for s in statements]
    # One read, one transaction: the article row, the check; no held text to drop.
    assert verbs == ["SELECT a.*,", "BEGIN IMMEDIATE", "UPDATE articles", "INSERT INTO", "COMMIT"]


def test_a_304_for_an_article_not_stored_is_a_failed_check(chain, db_path):
    run, stats, _ = chain
    assert run(item(body="", http_status=304)) is None
    assert stats.get_value("newsdiffs/failed") == 1
    with Store(db_path) as store:
        art = store.article(URL)
        assert art["version_count"] == 0
        assert store.checks(art["id"])[0]["detail"].startswith("HTTP 304")


def version(body: str, at: str) -> NewVersion:
    return NewVersion(fetched_at=at, url=URL, title="T", byline=None, published=None,
                      published_raw=None, modified=None, modified_raw=None, body=body,
                      hash=body, chars_added=0, chars_removed=0, extractor="x/1")


def test_record_check_with_a_row_another_writer_changed(db_path):
    """The row read before the transaction is used as it is, unless another writer changed
    the article in between: then it is read again inside the transaction."""
    with Store(db_path) as store, Store(db_path) as other:
        check = dict(url=URL, source="example", http_status=200)
        store.record_check(**check, checked_at="t1", outcome="new", new_version=version("a", "t1"))
        row = store.article_for_check(URL)
        # Meanwhile another writer stores a version and holds a text.
        other.record_check(**check, checked_at="t2", outcome="changed",
                           new_version=version("b", "t2"))
        other.record_check(**check, checked_at="t3", outcome="pending",
                           candidate=Candidate("c", "T", "c", "cut short"))
        result = store.record_check(**check, checked_at="t4", outcome="changed",
                                    new_version=version("d", "t4"), article=row)
        assert result.version == 3  # not 2: the counts were read again
        art = store.article(URL)
        assert (art["version_count"], art["check_count"]) == (3, 4)
        assert store.pending_version(art["id"]) is None  # the held text was settled too
        # An up-to-date row is used as it is.
        result = store.record_check(**check, checked_at="t5", outcome="unchanged",
                                    article=store.article_for_check(URL))
        assert store.article(URL)["check_count"] == 5
