"""Mark items that must not become versions (error pages, empty or near-empty bodies)."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newsdiffs.compare import validation_problem


class ValidatePipeline:
    """Sets ``error`` on an item that is not a readable article.

    The item goes on to the store pipeline, which records it as a failed
    check: a consent wall or a 404 is never stored as a revision that
    "deletes" the article.
    """

    def __init__(self, min_body_chars: int = 150) -> None:
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler.settings.getint("NEWSDIFFS_MIN_BODY_CHARS", 150))

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("http_status") == 304 or adapter.get("redirected_to"):
            return item  # no page was read: nothing to validate
        adapter["error"] = validation_problem(
            http_status=adapter.get("http_status") or 200,
            title=adapter.get("title") or "",
            body=adapter.get("body") or [],
            error=adapter.get("error"),
            min_body_chars=self.min_body_chars,
        )
        return item
