"""Compare an item with the article's latest version and store what happened."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsdiffs.compare import outcome_for
from newsdiffs.diff import change_stats
from newsdiffs.items import blocks_to_text
from newsdiffs.normalize import fingerprint
from newsdiffs.schedule import DEFAULT_POLICY, Policy, next_check
from newsdiffs.store import NewVersion, Store
from newsdiffs.times import from_iso, now_iso, to_iso
from newsdiffs.urls import canonicalize

logger = logging.getLogger(__name__)


class StorePipeline:
    """Writes a check for every item and a version only when the article changed.

    Outcomes are counted in Scrapy stats as ``newsdiffs/new``,
    ``newsdiffs/changed``, ``newsdiffs/unchanged``, ``newsdiffs/failed`` (and
    ``newsdiffs/revert`` for a return to an earlier text).
    """

    def __init__(self, db_path: str, stats=None, policy: Policy = DEFAULT_POLICY) -> None:
        self.db_path = db_path
        self.stats = stats
        self.policy = policy
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler.settings.get("NEWSDIFFS_DB", "newsdiffs.db"), crawler.stats)

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
        article = self.store.article(url)
        error = adapter.get("error")
        if error:
            quiet_since = (article or {}).get("last_changed") or checked_at
            self.store.record_check(
                **common, outcome="failed", detail=error,
                next_check=self._next(checked_at, quiet_since),
            )
            self._inc("failed")
            raise DropItem(f"extraction failed for {url}: {error}", log_level="WARNING")

        title, body = adapter["title"], adapter["body"]
        new_hash = fingerprint(title, body)
        latest = self.store.latest_version(article["id"]) if article else None
        outcome = outcome_for(latest["hash"] if latest else None, new_hash)
        if outcome == "unchanged":
            self.store.record_check(
                **common, outcome="unchanged",
                next_check=self._next(checked_at, article["last_changed"] or checked_at),
            )
            self._inc("unchanged")
            raise DropItem(f"unchanged: {url}", log_level="DEBUG")

        body_text = blocks_to_text(body)
        if latest:
            t, b = change_stats(latest["title"], title), change_stats(latest["body"], body_text)
            added, removed = t.chars_added + b.chars_added, t.chars_removed + b.chars_removed
        else:
            added, removed = len(title) + len(body_text), 0
        result = self.store.record_check(
            **common,
            outcome=outcome,
            new_version=NewVersion(
                fetched_at=checked_at,
                url=adapter["url"],
                title=title,
                byline=adapter.get("byline"),
                published=adapter.get("published"),
                published_raw=adapter.get("published_raw"),
                modified=adapter.get("modified"),
                modified_raw=adapter.get("modified_raw"),
                body=body_text,
                hash=new_hash,
                chars_added=added,
                chars_removed=removed,
                extractor=f"{adapter.get('extractor')}/{adapter.get('extractor_version')}",
            ),
            next_check=self._next(checked_at, checked_at),
        )
        self._inc(outcome)
        if result.repeats_version:
            self._inc("revert")
        logger.info("%s %s: version %s (+%d -%d)%s", outcome, url, result.version, added, removed,
                    f", repeats version {result.repeats_version}" if result.repeats_version else "")
        return item

    def _next(self, checked_at: str, quiet_since: str) -> str | None:
        moment = next_check(from_iso(checked_at), from_iso(quiet_since), self.policy)
        return to_iso(moment) if moment else None
