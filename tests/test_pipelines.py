"""The pipelines built the Scrapy way, run on items directly (no network)."""

import pytest
from scrapy.exceptions import DropItem

from newsdiffs.items import ArticleItem, Block
from newsdiffs.store import Store
from pipelines.clean import CleanPipeline
from pipelines.validate import ValidatePipeline

URL = "https://www.bbc.co.uk/news/articles/c0pipe0001o"
TEXT = "The first paragraph of a story that is long enough to count as an article body. " * 3


def item(title="A headline", body=None, **kw):
    return ArticleItem(url=URL + "?at_medium=RSS", canonical_url=URL, source="bbc", title=title,
                       body=[Block(TEXT)] if body is None else body,
                       fetched_at=kw.pop("fetched_at", "2026-01-01T00:00:00Z"),
                       extractor="bbc", extractor_version="1", **kw)


@pytest.fixture
def chain(pipeline_stages):
    stages, stats = pipeline_stages

    def run(it):
        for stage in stages:
            it = stage.process_item(it)
        return it

    return run, stats


def test_outcomes_and_stats(chain, db_path):
    run, stats = chain
    run(item())
    with pytest.raises(DropItem):
        run(item(title="  A   headline ", fetched_at="2026-01-01T00:15:00Z"))  # only spacing
    run(item(title="A new headline", fetched_at="2026-01-01T00:30:00Z"))
    with pytest.raises(DropItem):
        run(item(body=[], fetched_at="2026-01-01T00:45:00Z"))
    with pytest.raises(DropItem):
        run(item(http_status=404, fetched_at="2026-01-01T01:00:00Z"))
    with pytest.raises(DropItem):  # back to version 1's text: held until confirmed
        run(item(fetched_at="2026-01-01T01:15:00Z"))
    run(item(fetched_at="2026-01-01T01:30:00Z"))  # the same text again: confirmed
    counted = stats.get_stats()
    for outcome, n in {"new": 1, "unchanged": 1, "changed": 2, "failed": 2, "revert": 1,
                       "pending": 1, "confirmed": 1}.items():
        assert counted.get(f"newsdiffs/{outcome}") == n, outcome
    with Store(db_path) as store:
        art = store.article(URL)
        versions = store.versions(art["id"])
        assert [v["version"] for v in versions] == [1, 2, 3]
        assert versions[2]["repeats_version"] == 1
        assert versions[0]["url"] == URL + "?at_medium=RSS"  # what was fetched is kept too
        assert versions[1]["chars_added"] == len("new ")
        assert [c["outcome"] for c in store.checks(art["id"])] == [
            "new", "unchanged", "changed", "failed", "failed", "pending", "changed"]


def test_normalise_cleans_fields(db_path):
    pipe = CleanPipeline()
    # Text from the parsed page is decoded already: an "&amp;" there was written so.
    out = pipe.process_item(item(title=" Fish & chips\u00a0", byline="  ",
                                 body=[Block("a\u00adb"), Block(" "), Block("x", "subheading")]))
    assert out.title == "Fish & chips"
    assert out.byline is None
    assert out.body == [Block("ab"), Block("x", "subheading")]


def test_validate_marks_problem_but_keeps_item():
    pipe = ValidatePipeline(min_body_chars=100)
    out = pipe.process_item(item(body=[Block("Too short.")]))
    assert out.error and "near-empty" in out.error


def test_a_crawler_uses_one_database_connection(tmp_path):
    """The store pipeline writes through the connection the spider's frontier reads with,
    and leaves closing it to the spider; another database gets its own connection."""
    from spider_pages import make_spider

    from pipelines.record import RecordPipeline

    db = tmp_path / "one.db"
    spider = make_spider(db)
    spider.crawler.spider = spider
    pipeline = RecordPipeline.from_crawler(spider.crawler)
    pipeline.open_spider()
    shared = spider.frontier.store
    assert pipeline.store is shared
    pipeline.close_spider()
    assert shared.counts()["articles"] == 0  # still open: the spider's to close
    spider.closed("finished")
    assert spider.frontier._store is None

    other = RecordPipeline(str(tmp_path / "other.db"))
    other.crawler = spider.crawler
    other.open_spider()
    assert other.store is not spider.frontier.store
    other.close_spider()
