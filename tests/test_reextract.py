"""Kept pages and ``newsdiffs reextract``: a round trip on a temporary database."""

from __future__ import annotations

from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsdiffs.cli import cli
from newsdiffs.extract import Extractor, get_extractor, registry
from newsdiffs.extract.nodes import text_of
from newsdiffs.extract.page import parse_html
from newsdiffs.items import ArticleItem, Block
from newsdiffs.revision import clean_item, new_version, read_otherwise
from newsdiffs.store import StaleVersion, Store
from pipelines.clean import CleanPipeline
from pipelines.record import RecordPipeline
from pipelines.validate import ValidatePipeline

FIXTURES = Path(__file__).parent / "fixtures"
URL = "https://news.example/story/reextract-1"
PAGE = """<html><head><title>Harbour wall repairs to start in spring</title></head><body>
<h1>Harbour wall repairs to start in spring</h1>
<div class="story">
  <p>Repairs to the storm-damaged harbour wall will begin in March, the town council said.</p>
  <p>The work is expected to take eleven weeks and will close the east pier to walkers.</p>
  <p>Fishing boats will moor at the temporary pontoon by the lifeboat station meanwhile.</p>
  <p class="related">Related: Storm leaves trail of damage along the coast</p>
</div></body></html>"""


class StoryExtractor(Extractor):
    """A tiny site extractor whose "fix" (dropping the related link) tests can switch on."""

    name = "reextract-test"
    version = "1"
    fixed = False

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        paragraphs = sel.css("div.story p" + (":not(.related)" if self.fixed else ""))
        return ArticleItem(url=url, canonical_url=URL, title=text_of(sel.css("h1")[0]),
                           body=[Block(text_of(p)) for p in paragraphs])


@pytest.fixture(autouse=True)
def _registered():
    registry[StoryExtractor.name] = StoryExtractor
    yield
    registry.pop(StoryExtractor.name, None)


def crawled(html: bytes | str, fetched_at: str, extractor: Extractor | None = None,
            url: str = URL) -> ArticleItem:
    """What the spider hands the pipelines for a page: the extracted item plus the response."""
    raw = html.encode() if isinstance(html, str) else html
    item = (extractor or StoryExtractor())(raw, url)
    item.url, item.source, item.fetched_at, item.http_status, item.html = (
        url, "example", fetched_at, 200, raw)
    return item


def pipeline_chain(db_path: Path, **settings):
    crawler = get_crawler(settings_dict={"NEWSDIFFS_DB": str(db_path), **settings})
    crawler.stats.open_spider()
    stages = [build_from_crawler(cls, crawler)
              for cls in (ValidatePipeline, CleanPipeline, RecordPipeline)]
    stages[-1].open_spider()

    def run(item):
        for stage in stages:
            item = stage.process_item(item)
        return item

    return run, stages[-1]


def reextract(db_path: Path, *args: str):
    result = CliRunner().invoke(cli, ["reextract", "--db", str(db_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_kept_page_round_trip_through_the_pipelines(db_path):
    run, store_stage = pipeline_chain(db_path)
    run(crawled(PAGE, "2026-02-01T10:00:00Z"))
    store_stage.close_spider()
    with Store(db_path) as store:
        (version,) = store.versions(store.article(URL)["id"])
        assert version["kind"] == "edit"
        assert store.page_html(version["id"]) == PAGE.encode()
        stored = store.db.execute(
            "SELECT encoding, html FROM version_html WHERE version_id = ?", [version["id"]]
        ).fetchone()
        # zstd (no dictionary yet for this source: ``newsdiffs compact`` trains one)
        assert stored[0] == "zstd" and zstandard.decompress(stored[1]) == PAGE.encode()

    out = reextract(db_path)
    assert "1 articles: 1 with a kept page, 1 re-extracted, 0 corrected, 1 unchanged, 0 failed" in out
    with Store(db_path) as store:
        assert store.counts() == {"articles": 1, "versions": 1, "checks": 1}


def test_keep_html_setting_off_keeps_no_page(db_path):
    run, store_stage = pipeline_chain(db_path, NEWSDIFFS_KEEP_HTML=False)
    run(crawled(PAGE, "2026-02-01T10:00:00Z"))
    store_stage.close_spider()
    with Store(db_path) as store:
        assert store.counts()["versions"] == 1
        assert store.db.execute("SELECT count(*) FROM version_html").fetchone()[0] == 0
    assert "0 with a kept page, 0 re-extracted" in reextract(db_path)


def test_fixed_extractor_stores_one_corrected_revision(db_path, monkeypatch):
    run, store_stage = pipeline_chain(db_path)
    run(crawled(PAGE, "2026-02-01T10:00:00Z"))
    with pytest.raises(DropItem):  # the same page again: unchanged
        run(crawled(PAGE, "2026-02-01T11:00:00Z"))
    store_stage.close_spider()
    with Store(db_path) as store:
        before = store.article(URL)

    monkeypatch.setattr(StoryExtractor, "fixed", True)
    assert "would correct" in reextract(db_path, "--dry-run")
    out = reextract(db_path, "--source", "example")
    assert f"corrected {URL} version 1 -> version 2" in out
    assert "1 corrected, 0 unchanged, 0 failed" in out

    with Store(db_path) as store:
        article = store.article(URL)
        v1, v2 = store.versions(article["id"])
        assert (v1["kind"], v2["kind"]) == ("edit", "reextract")
        assert "Related:" in v1["body"] and "Related:" not in v2["body"]
        assert v2["fetched_at"] == v1["fetched_at"]  # the text is what that fetch said
        assert v2["chars_removed"] > 0 and v2["extractor"] == "reextract-test/1"
        assert store.page_html(v2["id"]) == PAGE.encode()
        last = store.checks(article["id"])[-1]
        assert (last["outcome"], last["detail"], last["version"], last["http_status"]) == (
            "changed", "reextract", 2, None)
        # Nothing was fetched and the story was not edited: the schedule stands.
        for column in ("last_checked", "last_changed", "next_check", "check_count", "status"):
            assert article[column] == before[column], column
        assert article["version_count"] == 2

    # Run again: the corrected text is the latest, nothing more to do.
    assert "1 re-extracted, 0 corrected, 1 unchanged" in reextract(db_path)
    # A later crawl of the same page compares with the corrected text: unchanged.
    run, store_stage = pipeline_chain(db_path)
    with pytest.raises(DropItem, match="unchanged"):
        run(crawled(PAGE, "2026-02-01T12:00:00Z"))
    store_stage.close_spider()


@pytest.mark.parametrize("stored, name, version, expected", [
    ("cnn/4", "cnn", "5", True),          # an older version of the page's extractor
    ("generic/3", "cnn", "5", True),      # another extractor (the site got its own)
    ("cnn/5", "cnn", "5", False),         # the same
    ("configured/6", "configured", "6", False),  # selectors carry no version: never
    ("generic/3", "configured", "6", False),
    ("generic/3", "", "", False),         # an item that names no extractor
])
def test_read_otherwise(stored, name, version, expected):
    assert read_otherwise(stored, name, version) is expected


def crawled_then_upgraded(db_path: Path, monkeypatch, version: str = "2", **settings):
    """PAGE crawled once by the extractor as it was; then the extractor fixed (dropping
    the related link) with ``version``: a new pipeline chain for the next crawl."""
    run, store_stage = pipeline_chain(db_path, **settings)
    run(crawled(PAGE, "2026-02-01T10:00:00Z"))
    store_stage.close_spider()
    monkeypatch.setattr(StoryExtractor, "fixed", True)
    monkeypatch.setattr(StoryExtractor, "version", version)
    return pipeline_chain(db_path, **settings)


def test_a_newer_extractor_version_reads_the_kept_page_again_not_an_edit(db_path, monkeypatch):
    run, store_stage = crawled_then_upgraded(db_path, monkeypatch)
    with pytest.raises(DropItem, match="unchanged"):  # the page itself has not changed
        run(crawled(PAGE, "2026-02-01T11:00:00Z"))
    assert store_stage.stats.get_value("newsdiffs/reextracted") == 1
    assert store_stage.stats.get_value("newsdiffs/changed") is None
    store_stage.close_spider()
    with Store(db_path) as store:
        article = store.article(URL)
        v1, v2 = store.versions(article["id"])
        assert (v1["kind"], v2["kind"]) == ("edit", "reextract")
        assert "Related:" in v1["body"] and "Related:" not in v2["body"]
        assert v2["extractor"] == "reextract-test/2"
        assert [(c["outcome"], c["detail"]) for c in store.checks(article["id"])] == [
            ("new", None), ("changed", "reextract"), ("unchanged", None)]
        assert article["last_changed"] == "2026-02-01T10:00:00Z"  # the story was not edited


def test_an_edit_after_an_extractor_upgrade_is_measured_against_the_corrected_text(
        db_path, monkeypatch):
    run, store_stage = crawled_then_upgraded(db_path, monkeypatch)
    run(crawled(PAGE.replace("eleven weeks", "twelve weeks"), "2026-02-02T10:00:00Z"))
    store_stage.close_spider()
    with Store(db_path) as store:
        versions = store.versions(store.article(URL)["id"])
        assert [v["kind"] for v in versions] == ["edit", "reextract", "edit"]
        edit = versions[-1]
        assert "twelve weeks" in edit["body"] and "Related:" not in edit["body"]
        # Only the story's edit is counted, not the related link the fix dropped.
        assert (edit["chars_added"], edit["chars_removed"]) == (6, 6)


def test_a_page_now_read_by_another_extractor_reads_the_kept_page_with_it(db_path, monkeypatch):
    """A site that got its own extractor after its pages were read by another one."""
    run, store_stage = crawled_then_upgraded(db_path, monkeypatch, version="1")
    monkeypatch.setattr(StoryExtractor, "name", "reextract-new")
    monkeypatch.setitem(registry, "reextract-new", StoryExtractor)
    with pytest.raises(DropItem, match="unchanged"):
        run(crawled(PAGE, "2026-02-01T11:00:00Z"))
    store_stage.close_spider()
    with Store(db_path) as store:
        versions = store.versions(store.article(URL)["id"])
        assert [(v["kind"], v["extractor"]) for v in versions] == [
            ("edit", "reextract-test/1"), ("reextract", "reextract-new/1")]


def test_a_crash_reading_the_kept_page_again_is_counted_and_the_page_compared_as_is(
        db_path, monkeypatch):
    run, store_stage = crawled_then_upgraded(db_path, monkeypatch)
    item = crawled(PAGE.replace("eleven weeks", "twelve weeks"), "2026-02-02T10:00:00Z")

    def crash(self, html, url):
        raise IndexError("list index out of range")

    monkeypatch.setattr(StoryExtractor, "extract", crash)  # the kept page's reading crashes
    run(item)
    assert store_stage.stats.get_value("newsdiffs/reextract_failed") == 1
    assert store_stage.stats.get_value("newsdiffs/reextracted") is None
    store_stage.close_spider()
    with Store(db_path) as store:
        assert [v["kind"] for v in store.versions(store.article(URL)["id"])] == ["edit", "edit"]


@pytest.mark.parametrize("settings,version", [({}, "1"), ({"NEWSDIFFS_KEEP_HTML": False}, "2")])
def test_without_a_version_bump_or_a_kept_page_the_new_reading_is_an_edit(
        db_path, monkeypatch, settings, version):
    run, store_stage = crawled_then_upgraded(db_path, monkeypatch, version, **settings)
    with pytest.raises(DropItem, match="held for confirmation: .* cut short"):
        run(crawled(PAGE, "2026-02-01T11:00:00Z"))  # a shorter text: an edit, held first
    assert store_stage.stats.get_value("newsdiffs/reextracted") is None
    assert store_stage.stats.get_value("newsdiffs/pending") == 1
    store_stage.close_spider()
    with Store(db_path) as store:
        assert [v["kind"] for v in store.versions(store.article(URL)["id"])] == ["edit"]


def test_older_versions_are_reported_not_rewritten(db_path, monkeypatch):
    run, store_stage = pipeline_chain(db_path)
    run(crawled(PAGE, "2026-02-01T10:00:00Z"))
    run(crawled(PAGE.replace("eleven weeks", "twelve weeks"), "2026-02-02T10:00:00Z"))
    store_stage.close_spider()
    monkeypatch.setattr(StoryExtractor, "fixed", True)
    out = reextract(db_path, "--all-versions")
    assert f"differs {URL} version 1" in out and "left as stored" in out
    assert f"corrected {URL} version 2 -> version 3" in out
    assert "2 re-extracted, 1 corrected, 0 unchanged, 0 failed, 1 older versions differ" in out
    with Store(db_path) as store:
        assert [v["kind"] for v in store.versions(store.article(URL)["id"])] == [
            "edit", "edit", "reextract"]


def test_failures_are_counted_and_nothing_is_written(db_path, monkeypatch):
    run, store_stage = pipeline_chain(db_path)
    run(crawled(PAGE, "2026-02-01T10:00:00Z"))
    store_stage.close_spider()

    def empty(self, html, url):
        return ArticleItem(url=url, title="Harbour wall", body=[])

    monkeypatch.setattr(StoryExtractor, "extract", empty)
    out = reextract(db_path)
    assert f"failed {URL} version 1: empty body" in out
    assert "0 corrected, 0 unchanged, 1 failed" in out
    registry.pop(StoryExtractor.name)  # an extractor that no longer exists
    assert "no extractor named 'reextract-test'" in reextract(db_path)
    with Store(db_path) as store:
        assert store.counts()["versions"] == 1


def test_real_extractor_reproduces_the_crawled_fingerprint(db_path):
    """The pipelines and reextract turn a page into text the same way (bbc fixture)."""
    case = FIXTURES / "bbc" / "current-2024"
    url = (case / "url.txt").read_text().strip()
    run, store_stage = pipeline_chain(db_path)
    run(crawled((case / "page.html").read_bytes(), "2026-02-01T10:00:00Z",
                get_extractor("bbc"), url))
    store_stage.close_spider()
    out = reextract(db_path)
    assert "1 re-extracted, 0 corrected, 1 unchanged, 0 failed" in out


def test_record_reextraction_refuses_a_stale_version(db_path):
    with Store(db_path) as store:
        item = clean_item(StoryExtractor()(PAGE, URL))
        for at in ("2026-02-01T10:00:00Z", "2026-02-02T10:00:00Z"):
            latest = store.latest_version(store.article(URL)["id"]) if store.article(URL) else None
            version = new_version(item, fetched_at=at, previous=latest)
            store.record_check(url=URL, source="example", checked_at=at, http_status=200,
                               outcome="changed" if latest else "new",
                               new_version=version, html=PAGE.encode())
            item.title += " (updated)"
        first = store.versions(store.article(URL)["id"])[0]
        correction = new_version(item, fetched_at=first["fetched_at"], previous=first,
                                 kind="reextract")
        with pytest.raises(StaleVersion):
            store.record_reextraction(corrects={**first}, new_version=correction,
                                      checked_at="2026-02-03T10:00:00Z")
        assert store.counts()["versions"] == 2


def test_schema_has_kind_and_version_html(db_path):
    with Store(db_path) as store:
        assert store.db["versions"].columns_dict["kind"] is str
        assert set(store.db["version_html"].columns_dict) == {"version_id", "encoding", "html",
                                                              "charset"}
        assert store.db["version_html"].pks == ["version_id"]
        applied = [r["name"] for r in store.db.query("SELECT name FROM _sqlite_migrations")]
        assert "m004_raw_html" in applied


def test_configured_source_is_read_with_its_selectors(db_path, tmp_path):
    from newsdiffs.extract.configured import ConfiguredExtractor
    from newsdiffs.sources import add_source, make_source

    sources = tmp_path / "sources.toml"
    sources.write_text(add_source("", make_source(
        name="gazette", feeds=["https://news.example/rss.xml"], pattern="^https://news.example/",
        body="div.story", exclude=".related")))
    extractor = ConfiguredExtractor(body="div.story", exclude=".related")
    with Store(db_path) as store:
        item = clean_item(extractor(PAGE, URL))
        assert "Related:" not in item.body_text()
        store.record_check(url=URL, source="gazette", checked_at="2026-02-01T10:00:00Z",
                           http_status=200, outcome="new", html=PAGE.encode(),
                           new_version=new_version(item, fetched_at="2026-02-01T10:00:00Z",
                                                   previous=None))
    out = reextract(db_path, "--sources-file", str(sources))
    assert "1 re-extracted, 0 corrected, 1 unchanged, 0 failed" in out
    out = reextract(db_path, "--sources-file", str(tmp_path / "none.toml"))
    assert "no extractor or source named 'gazette'" in out and "1 failed" in out
