"""Issue 12, crawl overhead: a re-check that fetches byte for byte the page the stored text was
read from records an unchanged check without extracting it again (``articles.page_digest``),
and Scrapy's per-response source check of callbacks is done once here instead."""

from __future__ import annotations

import inspect
import pkgutil
from dataclasses import replace

import pytest
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.misc import is_generator_with_return_value
from spider_pages import make_spider

import spiders
from newsdiffs.config import newsdiffs_version
from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page
from newsdiffs.extract.bbc import BBCExtractor
from newsdiffs.revision import page_digest
from newsdiffs.store import NewVersion, Store
from spiders.base import NewsSpider
from spiders.bbc import BBCSpider
from spiders.feeds import FeedsSpider

URL = "http://127.0.0.1:8999/news/articles/c9digest01o"
V1 = DemoArticle(
    slug="c9digest01o", title="Harbour wall to be rebuilt", published="2026-11-20T08:00:00.000Z",
    ago="2 hours ago", byline="Sam Jones",
    blocks=[("p", "Repairs to the storm-damaged harbour wall will cost about two million pounds "
                  "more than first estimated, the town council has said on Monday."),
            ("p", "Engineers said the damage was worse than it looked from the surface, and that "
                  "work would start in spring and last about six months.")],
)
V2 = replace(V1, blocks=[*V1.blocks, ("p", "The council will publish the figures next week.")])
SETTINGS = {"NEWSDIFFS_MIN_BODY_CHARS": 100}


def page(article: DemoArticle, ago: str | None = None) -> bytes:
    return render_article(replace(article, ago=ago) if ago else article).encode()


def fetch(db_path, body: bytes, *, url: str = URL, settings: dict | None = None,
          charset: str = "utf-8") -> list:
    """One run's check of ``url`` answered with ``body``: what the bbc spider yields."""
    spider = make_spider(db_path, BBCSpider, {**SETTINGS, **(settings or {})})
    request = spider.request_for(url)
    assert request is not None
    response = HtmlResponse(url, body=body, request=request,
                            headers={"Content-Type": f"text/html; charset={charset}"})
    items = list(spider.parse_article(response))
    spider.closed("finished")
    return items


@pytest.fixture
def record(pipeline_stages):
    stages, stats = pipeline_stages

    def run(items: list) -> list[str]:
        outcomes = []
        for it in items:
            try:
                for stage in stages:
                    it = stage.process_item(it)
                outcomes.append("stored")
            except DropItem as exc:
                outcomes.append(str(exc).split(":")[0])
        return outcomes

    return run, stats


def article_row(db_path) -> dict:
    with Store(db_path) as store:
        return store.article_for_check(URL)


def outcomes(db_path) -> list[str]:
    with Store(db_path) as store:
        return [c["outcome"] for c in store.checks(store.article(URL)["id"])]


def test_same_bytes_are_an_unchanged_check_without_extraction(db_path, record, monkeypatch):
    run, stats = record
    assert run(fetch(db_path, page(V1))) == ["stored"]
    stored = article_row(db_path)["page_digest"]
    assert stored and len(stored) == 64

    def no_extraction(self, html, url):
        raise AssertionError("the same page was extracted again")

    monkeypatch.setattr(BBCExtractor, "extract", no_extraction)
    (item,) = fetch(db_path, page(V1))
    assert item.same_page and item.page_digest == stored and not item.body
    assert run([item]) == ["unchanged (the same page)"]
    monkeypatch.undo()
    assert outcomes(db_path) == ["new", "unchanged"]
    assert stats.get_value("newsdiffs/same_page") == 1
    assert article_row(db_path)["check_count"] == 2
    assert article_row(db_path)["page_digest"] == stored

    # Other bytes with the same text ("published ... ago" moved on): read, unchanged, and
    # the digest follows the page now served.
    (item,) = fetch(db_path, page(V1, ago="5 hours ago"))
    assert not item.same_page and item.body
    assert run([item]) == ["unchanged"]
    assert article_row(db_path)["page_digest"] not in (None, stored)

    # An edit is read and stored as usual.
    assert run(fetch(db_path, page(V2))) == ["stored"]
    assert outcomes(db_path) == ["new", "unchanged", "unchanged", "changed"]
    assert stats.get_value("newsdiffs/same_page") == 1


def test_another_extractor_version_or_setting_reads_the_page_again(db_path, record, monkeypatch):
    run, stats = record
    run(fetch(db_path, page(V1)))
    monkeypatch.setattr(BBCExtractor, "version", BBCExtractor.version + ".1")
    (item,) = fetch(db_path, page(V1))
    assert not item.same_page and item.body and item.extractor_version.endswith(".1")
    assert run([item]) == ["unchanged"]
    (item,) = fetch(db_path, page(V1), settings={"NEWSDIFFS_MIN_BODY_CHARS": 120})
    assert not item.same_page and item.body
    # The header's charset is part of the reading too.
    (item,) = fetch(db_path, page(V1), charset="windows-1252")
    assert not item.same_page
    assert stats.get_value("newsdiffs/same_page") is None


def test_held_text_is_never_skipped(db_path, record):
    """A text held for confirmation forgets the digest: the page that confirms or rejects it
    is read."""
    run, _ = record
    run(fetch(db_path, page(V2)))
    assert run(fetch(db_path, page(V1))) == ["held for confirmation"]  # two-thirds of the words
    assert article_row(db_path)["page_digest"] is None
    (item,) = fetch(db_path, page(V2))
    assert not item.same_page
    assert run([item]) == ["unchanged"]  # the stored text came back: the held one rejected
    assert article_row(db_path)["pending_hash"] is None
    assert article_row(db_path)["page_digest"] is not None


def test_article_changed_since_the_comparison(db_path, record):
    """A same-page item for an article whose row no longer has that digest (a re-extraction
    or another writer in between) records nothing and forgets the digest: the next check reads."""
    run, stats = record
    run(fetch(db_path, page(V1)))
    (item,) = fetch(db_path, page(V1))
    assert item.same_page
    with Store(db_path) as store:
        latest = store.latest_version(store.article(URL)["id"])
        store.record_reextraction(corrects=latest, checked_at="2026-12-01T00:00:00Z",
                                  new_version=NewVersion(
                                      fetched_at=latest["fetched_at"], url=URL, title="Fixed",
                                      byline=None, published=None, published_raw=None,
                                      modified=None, modified_raw=None, body=latest["body"],
                                      hash="f" * 32, chars_added=0, chars_removed=0,
                                      extractor="bbc/fixed", kind="reextract"))
    assert article_row(db_path)["page_digest"] is None  # the re-extraction forgot it
    assert run([item]) == ["not stored"]
    assert stats.get_value("newsdiffs/same_page_stale") == 1
    assert sorted(outcomes(db_path)) == ["changed", "new"]  # the re-extraction's check only
    (item,) = fetch(db_path, page(V1))
    assert not item.same_page


def test_failed_and_not_modified_checks(db_path, record):
    run, _ = record
    run(fetch(db_path, page(V1)))
    digest = article_row(db_path)["page_digest"]
    with Store(db_path) as store:
        store.record_check(url=URL, source="bbc", checked_at="2026-12-01T00:00:00Z",
                           http_status=304, outcome="unchanged",
                           page_digest=store.article_for_check(URL)["page_digest"])
    assert article_row(db_path)["page_digest"] == digest
    assert run(fetch(db_path, b"<html><head><title>Sorry</title></head><body></body></html>"))
    assert article_row(db_path)["page_digest"] is None  # a failed check forgets it
    (item,) = fetch(db_path, page(V1))
    assert not item.same_page


def test_digest_covers_what_the_reading_depends_on():
    base = page_digest(b"<html>", url=URL, charset="utf-8", context="bbc/4 min_body_chars=250")
    assert base == page_digest(b"<html>", url=URL, charset="utf-8",
                               context="bbc/4 min_body_chars=250")
    assert len({base,
                page_digest(b"<html> ", url=URL, charset="utf-8", context="bbc/4 min_body_chars=250"),
                page_digest(b"<html>", url=URL + "x", charset="utf-8",
                            context="bbc/4 min_body_chars=250"),
                page_digest(b"<html>", url=URL, charset=None, context="bbc/4 min_body_chars=250"),
                page_digest(b"<html>", url=URL, charset="utf-8", context="bbc/5 min_body_chars=250"),
                # the parts are delimited: moving a character from one to the next is another page
                page_digest(b"<html>", url=URL, charset="utf-8x", context="bbc/4 min_body_chars=25")
                }) == 6


def test_no_digests_for_per_source_extractors(db_path):
    """The feeds spider's extractors have settings (selectors) no version covers."""
    spider = make_spider(db_path, FeedsSpider)
    assert spider.page_digest_context is None
    assert make_spider(db_path, BBCSpider, SETTINGS).page_digest_context == (
        f"bbc/{BBCExtractor.version} min_body_chars=100 newsdiffs/{newsdiffs_version()}")


def test_crawl_records_same_page(server, db_path, crawl):
    """The real stack: the second crawl of an unchanged page reads nothing."""
    server.set_pages({"/news/articles/c9digest01o": Page(page(V1), etag=False)})
    url = server.url("/news/articles/c9digest01o")
    crawl(db_path, "bbc", "-a", f"url={url}")
    result = crawl(db_path, "bbc", "-a", f"url={url}")
    assert "'newsdiffs/same_page': 1" in result.stderr
    with Store(db_path) as store:
        checks = store.checks(store.articles()[0]["id"])
    assert [c["outcome"] for c in checks] == ["new", "unchanged"]


def spider_classes() -> list[type[NewsSpider]]:
    for info in pkgutil.iter_modules(spiders.__path__):
        __import__(f"spiders.{info.name}")
    found, todo = set(), [NewsSpider]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__qualname__)


@pytest.mark.parametrize("cls", spider_classes(), ids=lambda c: c.__qualname__)
def test_callbacks_return_nothing(cls):
    """What Scrapy's WARN_ON_GENERATOR_RETURN_VALUE (off in the settings: it re-parsed the
    callback's source on most responses) would warn about: a generator callback that returns
    a value, which Scrapy would drop."""
    callbacks = [m for name, m in inspect.getmembers(cls, inspect.isfunction)
                 if name.startswith(("parse", "article_failed", "feed_failed"))]
    assert callbacks
    for callback in callbacks:
        assert not is_generator_with_return_value(callback), callback.__qualname__
