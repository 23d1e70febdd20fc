"""Compare an item with the article's latest version and store what happened."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DropItem

from newsdiffs.config import DEFAULT_DB, DEFAULT_KEEP_HTML, DEFAULT_MIN_BODY_CHARS
from newsdiffs.frontier import LocalFrontier
from newsdiffs.items import ArticleItem, blocks_to_text
from newsdiffs.outcome import (
    CONFIRM,
    FAILED,
    GONE,
    HELD,
    HOLD,
    MOVED,
    NOT_MODIFIED,
    REDIRECTED,
    REJECT,
    SEEN,
    STORED,
    UNCHANGED,
    ConfirmRule,
    Verdict,
    classify,
    confirmation,
    next_state,
)
from newsdiffs.reextract import correct_latest
from newsdiffs.revision import current_fingerprint, is_clean, new_version, read_otherwise
from newsdiffs.schedule import GONE_STATUSES, Policy, policy_for
from newsdiffs.store import Candidate, Store, StoreError
from newsdiffs.text import fingerprint
from newsdiffs.times import from_iso, now_iso, to_iso
from newsdiffs.urls import BadUrl, check_url, identity

logger = logging.getLogger(__name__)


class RecordPipeline:
    """Writes a check for every item and a version only when the article changed.

    Outcomes are counted in Scrapy stats as ``newsdiffs/new``,
    ``newsdiffs/changed``, ``newsdiffs/unchanged``, ``newsdiffs/failed`` (and
    ``newsdiffs/revert`` for a return to an earlier text, ``newsdiffs/not_modified``
    for a 304, ``newsdiffs/gone`` for a 404/410, ``newsdiffs/redirected``,
    ``newsdiffs/same_page`` for the very page the latest text was read from, not read again,
    ``newsdiffs/reextracted`` for a latest version read again from its kept page by the
    extractor (or extractor version) that read the fetched page, when another one stored it;
    ``newsdiffs/reextract_failed`` when that reading crashed and the page was compared as is).

    A changed text that looks like a partial page or a stale copy is held as
    a ``pending`` check until the next fetch confirms it (``newsdiffs/pending``,
    ``newsdiffs/confirmed``, ``newsdiffs/rejected``; see
    ``newsdiffs.outcome.confirmation``).

    Each check also sets the article's next check and status from the
    source's re-check policy (``NEWSDIFFS_SCHEDULE``, see ``newsdiffs.schedule``):
    ``active``, ``finished`` once quiet for the policy's period, ``gone`` after
    a 404/410 (re-checked a few times, active again if it comes back).
    """

    #: When a changed text needs a second fetch (README "Confirmation rule").
    rule: ConfirmRule = ConfirmRule()

    def __init__(self, db_path: str, stats=None,
                 schedule: Mapping[str, Mapping] | None = None, keep_html: bool = True,
                 min_body_chars: int = DEFAULT_MIN_BODY_CHARS) -> None:
        self.db_path = db_path
        self.min_body_chars = min_body_chars
        #: Extractors made by name to read kept pages again (see ``newsdiffs.revision.read_otherwise``).
        self._extractors: dict = {}
        #: Keep each new version's page (compressed) for ``newsdiffs reextract``.
        self.keep_html = keep_html
        self.stats = stats
        self.schedule = dict(schedule or {})
        # Read every configured policy now, so that a bad setting stops the crawl at once.
        self.policies: dict[str, Policy] = {
            name: policy_for(name, self.schedule) for name in self.schedule
        }
        self.store: Store | None = None
        #: Whether :attr:`store` is this pipeline's own connection (else the spider's).
        self._owns_store = True
        self.crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordPipeline:
        settings = crawler.settings
        pipeline = cls(settings.get("NEWSDIFFS_DB", DEFAULT_DB), crawler.stats,
                       settings.getdict("NEWSDIFFS_SCHEDULE"),
                       keep_html=settings.getbool("NEWSDIFFS_KEEP_HTML", DEFAULT_KEEP_HTML),
                       min_body_chars=settings.getint("NEWSDIFFS_MIN_BODY_CHARS",
                                                      DEFAULT_MIN_BODY_CHARS))
        pipeline.crawler = crawler
        return pipeline

    def policy(self, source: str) -> Policy:
        """The re-check policy of a source."""
        if source not in self.policies:
            self.policies[source] = policy_for(source, self.schedule)
        return self.policies[source]

    def open_spider(self) -> None:
        try:
            self.store, self._owns_store = self._open_store()
        except StoreError as exc:
            logger.error("newsdiffs: %s", exc)
            raise CloseSpider("newsdiffs_store_error") from None
        logger.info("newsdiffs database: %s", self.db_path)

    def _open_store(self) -> tuple[Store, bool]:
        """The crawl's database connection, and whether it is this pipeline's own: the
        spider's when its frontier reads the same database (one connection per crawler;
        the spider closes it), else a new one."""
        frontier = getattr(getattr(self.crawler, "spider", None), "_frontier", None)
        if isinstance(frontier, LocalFrontier) and frontier.serves(self.db_path):
            return frontier.store, False
        return Store(self.db_path), True

    def close_spider(self) -> None:
        if self.store is not None and self._owns_store:
            self.store.close()
        self.store = None

    def _inc(self, key: str, when: bool = True) -> None:
        if self.stats is not None and when:
            self.stats.inc_value(f"newsdiffs/{key}")

    def process_item(self, item):
        """Store the check; one that cannot be written is counted (``newsdiffs/store_errors``)
        and logged in one line, and the crawl goes on (it exits non-zero at the end)."""
        try:
            return self._process(item)
        except (StoreError, sqlite3.Error, UnicodeEncodeError) as exc:
            self._inc("store_errors")
            url = ItemAdapter(item).get("url")
            logger.error("newsdiffs: check of %s not stored: %s", url, exc)
            raise DropItem(f"not stored: {url}", log_level="DEBUG") from None

    def store_item(self, item) -> str:
        """Compare and store one item: the single implementation of the decision, run by
        this pipeline in a local crawl and by ``newsdiffs ingest`` for items from Redis.

        ``"stored"`` when a version was written, else why not (the check is
        recorded either way); :class:`newsdiffs.store.StoreError` when the write failed.
        """
        try:
            self._process(item)
        except DropItem as exc:
            return str(exc)
        return "stored"

    def _process(self, item):
        assert self.store is not None, "RecordPipeline used before open_spider"
        # An ArticleItem's fields are read as they are (an ItemAdapter costs more than a check).
        adapter = vars(item) if isinstance(item, ArticleItem) else ItemAdapter(item)
        given = adapter.get("canonical_url") or adapter["url"]
        try:  # the last guard: an identity is an http(s) URL, never javascript:, file: ...
            # A cleaned item's URL is canonical already (clean_item): only checked here.
            url = check_url(given) if is_clean(item) else identity(given)
        except BadUrl as exc:
            self._inc("bad_url")
            raise DropItem(f"not stored: {exc}", log_level="WARNING") from None
        checked_at = adapter.get("fetched_at") or now_iso()
        common = dict(
            url=url,
            source=adapter.get("source") or "unknown",
            checked_at=checked_at,
            http_status=adapter.get("http_status"),
        )
        # The one read of the article: passed on to every write (record_check(article=)).
        article = self.store.article_for_check(url)
        check = Check(common, article, self.policy(common["source"]), from_iso(checked_at),
                      from_iso((article or {}).get("last_changed")
                               or (article or {}).get("first_seen") or checked_at))
        kind, reason = classify(http_status=common["http_status"],
                                redirected_to=adapter.get("redirected_to"),
                                error=adapter.get("error"), tracked=article is not None)
        if kind == NOT_MODIFIED:  # no page to read: the stored version still stands
            self._not_modified(check, adapter)
        if kind == REDIRECTED:
            self._redirected(check, adapter["redirected_to"])
        if kind == FAILED:
            self._failed(check, reason or "failed")
        validators = (adapter.get("etag"), adapter.get("last_modified"))
        if adapter.get("same_page"):
            self._same_page(check, adapter, validators)

        # An unchanged re-check costs the fingerprint and the one lookup above;
        # the stored text is read only when the fetched one differs.
        new_hash = fingerprint(adapter["title"], adapter["body"])
        verdict, latest = self._verdict(article, adapter, checked_at, new_hash)
        rejected = self._rejected(article, verdict)
        if verdict.action in (UNCHANGED, REJECT):
            self.store.record_check(
                **common, **self._state(check, SEEN), validators=validators, detail=rejected,
                outcome="unchanged", article=article, page_digest=adapter.get("page_digest"),
            )
            self._inc("unchanged")
            self._inc("rejected", bool(rejected))
            raise DropItem(f"unchanged: {url}", log_level="DEBUG")
        if verdict.action == HOLD:
            self._hold(check, adapter, verdict, rejected, new_hash)

        outcome = "new" if latest is None else "changed"
        version = new_version(item, fetched_at=checked_at, previous=latest, digest=new_hash)
        added, removed = version.chars_added, version.chars_removed
        result = self.store.record_check(
            **common,
            outcome=outcome,
            detail=rejected or (f"confirmed: first seen {article['pending_since']}"
                                if verdict.action == CONFIRM else None),
            new_version=version,
            **self._state(check, STORED),
            validators=validators,
            html=adapter.get("html") if self.keep_html else None,
            html_charset=adapter.get("charset"),
            article=article,
            page_digest=adapter.get("page_digest"),
        )
        self._inc(outcome)
        self._inc("confirmed", verdict.action == CONFIRM)
        self._inc("rejected", bool(rejected))
        if result.repeats_version:
            self._inc("revert")
        logger.info("%s %s: version %s (+%d -%d)%s", outcome, url, result.version, added, removed,
                    f", repeats version {result.repeats_version}" if result.repeats_version else "")
        return item

    def _verdict(self, article: dict | None, adapter: Mapping[str, Any], checked_at: str,
                 new_hash: str) -> tuple[Verdict, dict | None]:
        """The confirmation rule's verdict on the fetched text; the latest version if it was read."""
        store = self.store
        assert store is not None
        latest_hash = article["latest_hash"] if article else None
        latest, replaced = None, {}
        if article is not None and latest_hash not in (None, new_hash):
            latest = store.latest_version(article["id"])
            if latest is not None and read_otherwise(latest["extractor"], adapter.get("extractor"),
                                                     adapter.get("extractor_version")):
                try:
                    corrected = correct_latest(
                        store, latest, adapter["extractor"], adapter.get("source") or "unknown",
                        self._extractors, checked_at=checked_at,
                        min_body_chars=self.min_body_chars)
                except StoreError:
                    raise
                except Exception as exc:  # an extractor's bug on the old page: compare as is
                    logger.warning("newsdiffs: could not read the kept page of %s again: %r",
                                   adapter.get("url"), exc)
                    self._inc("reextract_failed")
                    corrected = None
                if corrected is not None:
                    latest = corrected
                    self._inc("reextracted")
                    logger.info("re-extracted %s: the latest version read again by %s/%s",
                                adapter.get("url"), adapter.get("extractor"),
                                adapter.get("extractor_version"))
            if latest is not None and current_fingerprint(latest) == new_hash:
                # The stored text again, hashed by an older fingerprint rule: no edit.
                latest_hash = new_hash
            else:
                since = to_iso(from_iso(checked_at) - self.rule.revert_window)
                replaced = {h: from_iso(t)
                            for h, t in store.replaced_hashes(article["id"], since).items()}
        verdict = confirmation(
            latest_hash=latest_hash, latest_body=latest["body"] if latest else None,
            new_hash=new_hash,
            new_body=blocks_to_text(adapter["body"]) if latest_hash != new_hash else "",
            candidate_hash=article["pending_hash"] if article else None,
            replaced=replaced, now=from_iso(checked_at), rule=self.rule)
        return verdict, latest

    @staticmethod
    def _rejected(article: dict | None, verdict: Verdict) -> str | None:
        """When this check drops a held text unconfirmed: the check's detail saying so."""
        if not article or not article["pending_hash"] or verdict.action == CONFIRM:
            return None
        fetched = "the stored text came back" if verdict.action == REJECT else "another text came"
        return f"rejected the text held since {article['pending_since']}: {fetched}"

    def _hold(self, check: Check, adapter: Mapping[str, Any], verdict: Verdict,
              rejected: str | None, new_hash: str) -> NoReturn:
        """Record a suspicious text as a ``pending`` check, due again soon for confirmation."""
        candidate = Candidate(hash=new_hash, title=adapter["title"],
                              body=blocks_to_text(adapter["body"]), reason=verdict.reason or "")
        # The stored validators are kept: a 304 then means the stored text still stands.
        self.store.record_check(  # type: ignore[union-attr]
            **check.common, **self._state(check, HELD), outcome="pending", candidate=candidate,
            detail=f"held for confirmation: {verdict.reason}" + (f"; {rejected}" if rejected else ""),
            article=check.article,
        )
        self._inc("pending")
        self._inc("rejected", bool(rejected))
        raise DropItem(f"held for confirmation: {check.common['url']}: {verdict.reason}",
                       log_level="INFO")

    def _not_modified(self, check: Check, adapter: Mapping[str, Any]) -> NoReturn:
        """Record a 304 as an unchanged check, keeping the validators unless new ones came.

        The validators are those of the stored text, so a 304 also rejects a held one.
        """
        article = check.article
        assert article is not None
        rejected = self._rejected(article, Verdict(REJECT))
        self.store.record_check(  # type: ignore[union-attr]
            **check.common, **self._state(check, SEEN), outcome="unchanged", detail=rejected,
            validators=(adapter.get("etag") or article["etag"],
                        adapter.get("last_modified") or article["last_modified"]),
            article=article, page_digest=article.get("page_digest"),
        )
        self._inc("unchanged")
        self._inc("not_modified")
        self._inc("rejected", bool(rejected))
        raise DropItem(f"not modified: {check.common['url']}", log_level="DEBUG")

    def _same_page(self, check: Check, adapter: Mapping[str, Any],
                   validators: tuple[str | None, str | None]) -> NoReturn:
        """Record the check of a page that is byte for byte the one the article's latest text
        was read from (``same_page``: the spider did not read it again) as unchanged, which
        is what reading it would have found.

        Unless the article changed since the spider compared the page (a re-extraction,
        a text held for confirmation): then nothing is recorded and the digest is
        forgotten, so that the article, still due, is read at its next check.
        """
        article, url, digest = check.article, check.common["url"], adapter.get("page_digest")
        if (article is None or not digest or article.get("page_digest") != digest
                or article.get("pending_hash") or article.get("latest_hash") is None):
            if article is not None:
                self.store.forget_page_digest(url)  # type: ignore[union-attr]
            self._inc("same_page_stale")
            raise DropItem(f"not stored: {url} changed since its page was compared",
                           log_level="INFO")
        self.store.record_check(  # type: ignore[union-attr]
            **check.common, **self._state(check, SEEN), outcome="unchanged",
            validators=validators, article=article, page_digest=digest)
        self._inc("unchanged")
        self._inc("same_page")
        raise DropItem(f"unchanged (the same page): {url}", log_level="DEBUG")

    def _redirected(self, check: Check, target: str) -> NoReturn:
        """Record that a tracked article now leads to another one (which is tracked in its own right)."""
        self.store.record_check(  # type: ignore[union-attr]
            **check.common, **self._state(check, MOVED), outcome="unchanged",
            detail=f"redirected to {target}", redirected_to=target, article=check.article)
        self._inc("unchanged")
        self._inc("redirected")
        raise DropItem(f"{check.common['url']} redirected to {target}", log_level="INFO")

    def _failed(self, check: Check, error: str) -> NoReturn:
        """Record a check that read no article: moved elsewhere, gone, or failed."""
        store, url, article = self.store, check.common["url"], check.article
        assert store is not None
        if check.common["http_status"] in GONE_STATUSES:
            gone = 1 + (store.streak(article["id"], GONE_STATUSES) if article else 0)
            store.record_check(**check.common, **self._state(check, GONE, gone),
                               outcome="failed", detail=error, article=article)
            self._inc("failed")
            self._inc("gone")
            raise DropItem(f"gone ({gone} in a row): {url}: {error}", log_level="INFO")
        store.record_check(**check.common, **self._state(check, SEEN), outcome="failed",
                           detail=error, article=article)
        self._inc("failed")
        raise DropItem(f"extraction failed for {url}: {error}", log_level="WARNING")

    def _state(self, check: Check, done: str, gone_in_a_row: int = 0) -> dict[str, str | None]:
        """``next_check`` and ``status`` of the article after this check (``next_state``)."""
        moment, status = next_state(done, policy=check.policy, now=check.now,
                                    quiet_since=check.quiet_since,
                                    gone_in_a_row=gone_in_a_row, rule=self.rule)
        return {"next_check": to_iso(moment) if moment else None, "status": status}


@dataclass(frozen=True)
class Check:
    """What every write of one check needs: the check's columns, the article row read once
    (``None``: not stored yet), its re-check policy, the check's time and the article's last
    change (or first sighting)."""

    common: dict[str, Any]
    article: dict | None
    policy: Policy
    #: ``checked_at``, parsed.
    now: datetime
    quiet_since: datetime
