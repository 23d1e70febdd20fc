"""Compare an item with the article's latest version and store what happened."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from typing import NoReturn

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DropItem

from newsdiffs.compare import (
    CONFIRM,
    HOLD,
    REJECT,
    UNCHANGED,
    ConfirmRule,
    Verdict,
    confirmation,
)
from newsdiffs.items import blocks_to_text
from newsdiffs.normalize import fingerprint
from newsdiffs.revision import new_version
from newsdiffs.schedule import GONE_STATUSES, Policy, policy_for
from newsdiffs.store import Candidate, Store, StoreError
from newsdiffs.times import from_iso, now_iso, to_iso
from newsdiffs.urls import BadUrl, identity

logger = logging.getLogger(__name__)


class StorePipeline:
    """Writes a check for every item and a version only when the article changed.

    Outcomes are counted in Scrapy stats as ``newsdiffs/new``,
    ``newsdiffs/changed``, ``newsdiffs/unchanged``, ``newsdiffs/failed`` (and
    ``newsdiffs/revert`` for a return to an earlier text, ``newsdiffs/not_modified``
    for a 304, ``newsdiffs/gone`` for a 404/410, ``newsdiffs/redirected``).

    A changed text that looks like a partial page or a stale copy is held as
    a ``pending`` check until the next fetch confirms it (``newsdiffs/pending``,
    ``newsdiffs/confirmed``, ``newsdiffs/rejected``; see
    ``newsdiffs.compare.confirmation``).

    Each check also sets the article's next check and status from the
    source's re-check policy (``NEWSDIFFS_SCHEDULE``, see ``newsdiffs.schedule``):
    ``active``, ``finished`` once quiet for the policy's period, ``gone`` after
    a 404/410 (re-checked a few times, active again if it comes back).
    """

    #: When a changed text needs a second fetch (README "Confirmation rule").
    rule: ConfirmRule = ConfirmRule()

    def __init__(self, db_path: str, stats=None,
                 schedule: Mapping[str, Mapping] | None = None, keep_html: bool = True) -> None:
        self.db_path = db_path
        #: Keep each new version's page (compressed) for ``newsdiffs reextract``.
        self.keep_html = keep_html
        self.stats = stats
        self.schedule = dict(schedule or {})
        # Read every configured policy now, so that a bad setting stops the crawl at once.
        self.policies: dict[str, Policy] = {
            name: policy_for(name, self.schedule) for name in self.schedule
        }
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler.settings.get("NEWSDIFFS_DB", "newsdiffs.db"), crawler.stats,
                   crawler.settings.getdict("NEWSDIFFS_SCHEDULE"),
                   keep_html=crawler.settings.getbool("NEWSDIFFS_KEEP_HTML", True))

    def policy(self, source: str) -> Policy:
        """The re-check policy of a source."""
        if source not in self.policies:
            self.policies[source] = policy_for(source, self.schedule)
        return self.policies[source]

    def open_spider(self) -> None:
        try:
            self.store = Store(self.db_path)
        except StoreError as exc:
            logger.error("newsdiffs: %s", exc)
            raise CloseSpider("newsdiffs_store_error") from None
        logger.info("newsdiffs database: %s", self.db_path)

    def close_spider(self) -> None:
        if self.store is not None:
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
        assert self.store is not None, "StorePipeline used before open_spider"
        adapter = ItemAdapter(item)
        try:  # the last guard: an identity is an http(s) URL, never javascript:, file: ...
            url = identity(adapter.get("canonical_url") or adapter["url"])
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
        article = self.store.article_for_check(url)
        policy = self.policy(common["source"])
        quiet_since = (article or {}).get("last_changed") or (article or {}).get(
            "first_seen") or checked_at
        # A 304 has no page to read: the stored version still stands.
        if common["http_status"] == 304 and article is not None:
            self._not_modified(common, article, policy, quiet_since, adapter)
        if adapter.get("redirected_to") and article is not None:
            self._redirected(common, adapter["redirected_to"])
        if adapter.get("error"):
            self._failed(common, article, policy, quiet_since, adapter["error"])
        validators = (adapter.get("etag"), adapter.get("last_modified"))

        # An unchanged re-check costs the fingerprint and the one lookup above;
        # the stored text is read only when the fetched one differs.
        verdict, latest = self._verdict(article, adapter, checked_at)
        rejected = self._rejected(article, verdict)
        if verdict.action in (UNCHANGED, REJECT):
            next_at, status = self._next(policy, checked_at, quiet_since)
            self.store.record_check(
                **common, outcome="unchanged", next_check=next_at, status=status,
                validators=validators, detail=rejected,
            )
            self._inc("unchanged")
            self._inc("rejected", bool(rejected))
            raise DropItem(f"unchanged: {url}", log_level="DEBUG")
        if verdict.action == HOLD:
            self._hold(common, adapter, verdict, rejected)

        outcome = "new" if latest is None else "changed"
        version = new_version(item, fetched_at=checked_at, previous=latest)
        added, removed = version.chars_added, version.chars_removed
        result = self.store.record_check(
            **common,
            outcome=outcome,
            detail=rejected or (f"confirmed: first seen {article['pending_since']}"
                                if verdict.action == CONFIRM else None),
            new_version=version,
            next_check=self._next(policy, checked_at, checked_at)[0],
            status="active",
            validators=validators,
            html=adapter.get("html") if self.keep_html else None,
            html_charset=adapter.get("charset"),
        )
        self._inc(outcome)
        self._inc("confirmed", verdict.action == CONFIRM)
        self._inc("rejected", bool(rejected))
        if result.repeats_version:
            self._inc("revert")
        logger.info("%s %s: version %s (+%d -%d)%s", outcome, url, result.version, added, removed,
                    f", repeats version {result.repeats_version}" if result.repeats_version else "")
        return item

    def _verdict(self, article: dict | None, adapter: ItemAdapter,
                 checked_at: str) -> tuple[Verdict, dict | None]:
        """The confirmation rule's verdict on the fetched text; the latest version if it was read."""
        store = self.store
        assert store is not None
        latest_hash = article["latest_hash"] if article else None
        new_hash = fingerprint(adapter["title"], adapter["body"])
        latest, replaced = None, {}
        if article is not None and latest_hash not in (None, new_hash):
            latest = store.latest_version(article["id"])
            since = to_iso(from_iso(checked_at) - self.rule.revert_window)
            replaced = {h: from_iso(t) for h, t in store.replaced_hashes(article["id"], since).items()}
        verdict = confirmation(
            latest_hash=latest_hash, latest_body=latest["body"] if latest else None,
            new_hash=new_hash, new_body=blocks_to_text(adapter["body"]),
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

    def _hold(self, common: dict, adapter: ItemAdapter, verdict: Verdict,
              rejected: str | None) -> NoReturn:
        """Record a suspicious text as a ``pending`` check, due again soon for confirmation."""
        soon = to_iso(from_iso(common["checked_at"]) + self.rule.recheck_after)
        candidate = Candidate(hash=fingerprint(adapter["title"], adapter["body"]),
                              title=adapter["title"], body=blocks_to_text(adapter["body"]),
                              reason=verdict.reason or "")
        # The stored validators are kept: a 304 then means the stored text still stands.
        self.store.record_check(  # type: ignore[union-attr]
            **common, outcome="pending", candidate=candidate, next_check=soon, status="active",
            detail=f"held for confirmation: {verdict.reason}" + (f"; {rejected}" if rejected else ""),
        )
        self._inc("pending")
        self._inc("rejected", bool(rejected))
        raise DropItem(f"held for confirmation: {common['url']}: {verdict.reason}",
                       log_level="INFO")

    def _not_modified(self, common: dict, article: dict, policy: Policy, quiet_since: str,
                      adapter: ItemAdapter) -> NoReturn:
        """Record a 304 as an unchanged check, keeping the validators unless new ones came.

        The validators are those of the stored text, so a 304 also rejects a held one.
        """
        next_at, status = self._next(policy, common["checked_at"], quiet_since)
        rejected = self._rejected(article, Verdict(REJECT))
        self.store.record_check(  # type: ignore[union-attr]
            **common, outcome="unchanged", next_check=next_at, status=status, detail=rejected,
            validators=(adapter.get("etag") or article["etag"],
                        adapter.get("last_modified") or article["last_modified"]),
        )
        self._inc("unchanged")
        self._inc("not_modified")
        self._inc("rejected", bool(rejected))
        raise DropItem(f"not modified: {common['url']}", log_level="DEBUG")

    def _redirected(self, common: dict, target: str) -> NoReturn:
        """Record that a tracked article now leads to another one (which is tracked in its own right)."""
        self.store.record_check(  # type: ignore[union-attr]
            **common, outcome="unchanged", detail=f"redirected to {target}", next_check=None,
            status="finished", redirected_to=target)
        self._inc("unchanged")
        self._inc("redirected")
        raise DropItem(f"{common['url']} redirected to {target}", log_level="INFO")

    def _failed(self, common: dict, article: dict | None, policy: Policy, quiet_since: str,
                error: str) -> NoReturn:
        """Record a check that read no article: moved elsewhere, gone, or failed."""
        store, url = self.store, common["url"]
        assert store is not None
        if common["http_status"] in GONE_STATUSES:
            gone = 1 + (store.streak(article["id"], GONE_STATUSES) if article else 0)
            moment = policy.next_gone_check(from_iso(common["checked_at"]), gone)
            store.record_check(**common, outcome="failed", detail=error, status="gone",
                               next_check=to_iso(moment) if moment else None)
            self._inc("failed")
            self._inc("gone")
            raise DropItem(f"gone ({gone} in a row): {url}: {error}", log_level="INFO")
        next_at, status = self._next(policy, common["checked_at"], quiet_since)
        store.record_check(**common, outcome="failed", detail=error, next_check=next_at,
                           status=status)
        self._inc("failed")
        raise DropItem(f"extraction failed for {url}: {error}", log_level="WARNING")

    @staticmethod
    def _next(policy: Policy, checked_at: str, quiet_since: str) -> tuple[str | None, str]:
        """``(next_check, status)`` after a check that found the article in place."""
        moment = policy.next_check(from_iso(checked_at), from_iso(quiet_since))
        return (to_iso(moment), "active") if moment else (None, "finished")
