"""Compare an item with the article's latest version and store what happened."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import NoReturn

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsdiffs.compare import outcome_for
from newsdiffs.normalize import fingerprint
from newsdiffs.revision import new_version
from newsdiffs.schedule import GONE_STATUSES, Policy, policy_for
from newsdiffs.store import Store
from newsdiffs.times import from_iso, now_iso, to_iso
from newsdiffs.urls import canonicalize

logger = logging.getLogger(__name__)


class StorePipeline:
    """Writes a check for every item and a version only when the article changed.

    Outcomes are counted in Scrapy stats as ``newsdiffs/new``,
    ``newsdiffs/changed``, ``newsdiffs/unchanged``, ``newsdiffs/failed`` (and
    ``newsdiffs/revert`` for a return to an earlier text, ``newsdiffs/not_modified``
    for a 304, ``newsdiffs/gone`` for a 404/410, ``newsdiffs/redirected``).

    Each check also sets the article's next check and status from the
    source's re-check policy (``NEWSDIFFS_SCHEDULE``, see ``newsdiffs.schedule``):
    ``active``, ``finished`` once quiet for the policy's period, ``gone`` after
    a 404/410 (re-checked a few times, active again if it comes back).
    """

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
        self.store = Store(self.db_path)
        logger.info("newsdiffs database: %s", self.db_path)

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newsdiffs/{key}")

    def process_item(self, item):
        assert self.store is not None, "StorePipeline used before open_spider"
        adapter = ItemAdapter(item)
        url = canonicalize(adapter.get("canonical_url") or adapter["url"])
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
        # the stored text is read only to size a change.
        latest_hash = article["latest_hash"] if article else None
        outcome = outcome_for(latest_hash, fingerprint(adapter["title"], adapter["body"]))
        if outcome == "unchanged":
            next_at, status = self._next(policy, checked_at, quiet_since)
            self.store.record_check(
                **common, outcome="unchanged", next_check=next_at, status=status,
                validators=validators,
            )
            self._inc("unchanged")
            raise DropItem(f"unchanged: {url}", log_level="DEBUG")

        latest = self.store.latest_version(article["id"]) if latest_hash else None
        version = new_version(item, fetched_at=checked_at, previous=latest)
        added, removed = version.chars_added, version.chars_removed
        result = self.store.record_check(
            **common,
            outcome=outcome,
            new_version=version,
            next_check=self._next(policy, checked_at, checked_at)[0],
            status="active",
            validators=validators,
            html=adapter.get("html") if self.keep_html else None,
        )
        self._inc(outcome)
        if result.repeats_version:
            self._inc("revert")
        logger.info("%s %s: version %s (+%d -%d)%s", outcome, url, result.version, added, removed,
                    f", repeats version {result.repeats_version}" if result.repeats_version else "")
        return item

    def _not_modified(self, common: dict, article: dict, policy: Policy, quiet_since: str,
                      adapter: ItemAdapter) -> NoReturn:
        """Record a 304 as an unchanged check, keeping the validators unless new ones came."""
        next_at, status = self._next(policy, common["checked_at"], quiet_since)
        self.store.record_check(  # type: ignore[union-attr]
            **common, outcome="unchanged", next_check=next_at, status=status,
            validators=(adapter.get("etag") or article["etag"],
                        adapter.get("last_modified") or article["last_modified"]),
        )
        self._inc("unchanged")
        self._inc("not_modified")
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
