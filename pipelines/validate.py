"""Mark items that must not become versions (error pages, empty or near-empty bodies)."""

from __future__ import annotations

from scrapy.crawler import Crawler

from newsdiffs.config import DEFAULT_MIN_BODY_CHARS
from newsdiffs.items import ArticleItem
from newsdiffs.outcome import reads_page, validation_problem
from newsdiffs.revision import clean_item


class ValidatePipeline:
    """Sets ``error`` on an item that is not a readable article.

    The item goes on to the store pipeline, which records it as a failed
    check: a consent wall or a 404 is never stored as a revision that
    "deletes" the article.

    The text is validated as it will be stored: the item is cleaned here
    (:func:`newsdiffs.revision.clean_item`, once; the normalise pipeline then
    has nothing left to do) and the cleaned item goes on.
    """

    def __init__(self, min_body_chars: int = DEFAULT_MIN_BODY_CHARS) -> None:
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler.settings.getint("NEWSDIFFS_MIN_BODY_CHARS", DEFAULT_MIN_BODY_CHARS))

    def process_item(self, item: ArticleItem) -> ArticleItem:
        item = clean_item(item)
        if item.same_page or not reads_page(item.http_status, item.redirected_to):
            # No page was read (the same page as the stored text's was not read again):
            # nothing to validate.
            return item
        item.error = validation_problem(
            http_status=item.http_status or 200,
            title=item.title,
            body=item.body,
            error=item.error,
            min_body_chars=self.min_body_chars,
            cleaned=True,
        )
        return item
