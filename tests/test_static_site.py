"""The static site: layout, byte-identical re-runs, Atom feeds, escaping in every file."""

import posixpath
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import lxml.html
import pytest
from reading_data import (
    DEMO_BASE,
    HOSTILE_BODY_2,
    HOSTILE_TITLE,
    HOSTILE_URL,
    build_demo_db,
    record,
)

from newsdiffs.items import Block
from newsdiffs.static_site import article_dir, build_site
from newsdiffs.store import Store

RIVER = f"{DEMO_BASE}/news/articles/c1demo0001o"
LIBRARY = f"{DEMO_BASE}/news/articles/c3demo0003o"
ATOM = "{http://www.w3.org/2005/Atom}"
HEADLINES = "headlines/feed.xml"


@pytest.fixture
def demo(tmp_path):
    with Store(build_demo_db(tmp_path / "demo.db")) as store:
        yield store


@pytest.fixture
def hostile(tmp_path):
    with Store(build_demo_db(tmp_path / "hostile.db", hostile=True)) as store:
        yield store


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def adir(store, url):
    return article_dir(store.article(url))


def test_layout_and_counts(demo, tmp_path):
    out = tmp_path / "site"
    report = build_site(demo, out)
    river, rail = adir(demo, RIVER), adir(demo, f"{DEMO_BASE}/news/articles/c2demo0002o")
    expected = {"index.html", "feed.xml", "source/bbc/index.html", "source/bbc/feed.xml",
                f"{river}/index.html", f"{river}/1.html", f"{river}/2.html", f"{river}/3.html",
                f"{river}/feed.xml", f"{rail}/index.html", f"{rail}/1.html", f"{rail}/feed.xml"}
    assert expected <= set(files(out))
    assert (report.written, report.unchanged) == (len(files(out)), 0)
    assert (report.articles, report.version_pages) == (3, 6)
    # The index lists changed articles only, newest change first, linking to the latest diff.
    index = lxml.html.fromstring((out / "index.html").read_bytes())
    assert index.xpath("//table[@class='changes']/tbody/tr/td[2]/a/text()") == [
        "Library opening hours extended after student campaign",
        "Council approves £14m river crossing despite cost concerns"]
    assert f"{river}/3.html" in index.xpath("//table[@class='changes']//td[1]/a/@href")


def test_rerun_writes_nothing_and_new_version_rewrites_only_its_files(demo, tmp_path):
    out = tmp_path / "site"
    first = build_site(demo, out)
    before = files(out)
    again = build_site(demo, out)
    assert (again.written, again.unchanged) == (0, first.written)
    assert again.skipped == 3
    full = build_site(demo, out, full=True)  # everything rendered again: same bytes
    assert (full.written, full.skipped) == (0, 0)
    assert files(out) == before

    versions = demo.versions(demo.article(LIBRARY)["id"])
    body = [Block(t) for t in versions[-1]["body"].split("\n\n")] + [Block("A new line.")]
    record(demo, url=LIBRARY, source="bbc", at="2026-11-20T12:00:00Z",
           title=versions[-1]["title"], body=body)
    third = build_site(demo, out)
    library, river = adir(demo, LIBRARY), adir(demo, RIVER)
    assert f"{library}/3.html" in third.written_paths
    assert {"index.html", "feed.xml", "source/bbc/feed.xml"} <= set(third.written_paths)
    assert not [p for p in third.written_paths if p.startswith(river)]
    assert third.written + third.unchanged == len(files(out))


def test_all_changes_feed_holds_the_demo_changes(demo, tmp_path):
    out = tmp_path / "site"
    build_site(demo, out)
    feed = feedparser.parse((out / "feed.xml").read_bytes(),
                            response_headers={"content-location": "http://site.test/feed.xml",
                                              "content-type": "application/atom+xml"})
    assert not feed.bozo, feed.bozo_exception
    assert [(e.title, e.updated) for e in feed.entries] == [
        ("Library opening hours extended after student campaign (version 2)",
         "2026-11-20T10:10:00Z"),
        ("Council approves £14m river crossing despite cost concerns (version 3)",
         "2026-11-20T10:10:00Z"),
        ("Council approves £14m river crossing despite cost concerns (version 2)",
         "2026-11-20T09:05:00Z"),
    ]
    assert feed.feed.updated == "2026-11-20T10:10:00Z"
    library, river = adir(demo, LIBRARY), adir(demo, RIVER)
    assert [e.link for e in feed.entries] == [
        f"http://site.test/{library}/2.html", f"http://site.test/{river}/3.html",
        f"http://site.test/{river}/2.html"]
    for e in feed.entries:
        assert (out / e.link.removeprefix("http://site.test/")).is_file()
        assert e.id.startswith("tag:newsdiffs,2026-11-20:article/")
    assert "transform" in feed.entries[1].content[0].value
    assert [t.term for t in feed.entries[0].tags] == ["bbc"]
    assert feed.entries[0].links[1].href == LIBRARY  # rel="related": the original


def test_feed_ids_are_stable_and_article_feeds_complete(demo, tmp_path):
    build_site(demo, tmp_path / "a")
    build_site(demo, tmp_path / "b", full=True)
    for name in ("feed.xml", "source/bbc/feed.xml", f"{adir(demo, RIVER)}/feed.xml"):
        a = feedparser.parse((tmp_path / "a" / name).read_bytes())
        b = feedparser.parse((tmp_path / "b" / name).read_bytes())
        assert a.feed.id == b.feed.id and a.feed.id.startswith("tag:newsdiffs,")
        assert [e.id for e in a.entries] == [e.id for e in b.entries]
        assert len({e.id for e in a.entries}) == len(a.entries)
    river = feedparser.parse((tmp_path / "a" / adir(demo, RIVER) / "feed.xml").read_bytes())
    assert [e.title.rsplit(" ", 1)[-1] for e in river.entries] == ["3)", "2)"]
    assert river.entries[0].link == "3.html"  # relative to the feed, no base URL given
    assert river.feed.updated == "2026-11-20T10:10:00Z"
    # An article that never changed still has a valid (empty) feed.
    rail = feedparser.parse((tmp_path / "a" / adir(
        demo, f"{DEMO_BASE}/news/articles/c2demo0002o") / "feed.xml").read_bytes())
    assert not rail.bozo and rail.entries == []


def test_base_url_makes_links_absolute(demo, tmp_path):
    out = tmp_path / "site"
    build_site(demo, out, base_url="https://diffs.example.org/news")
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.entries[0].link == f"https://diffs.example.org/news/{adir(demo, LIBRARY)}/2.html"
    assert feed.entries[0].id.startswith("tag:diffs.example.org,2026-11-20:")
    assert feed.feed.id == "tag:diffs.example.org,2025:feed/all"
    self_link = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_link == ["https://diffs.example.org/news/feed.xml"]


def test_paging_and_source_pages(hostile, tmp_path):
    out = tmp_path / "site"
    build_site(hostile, out, page_size=1)
    # Three changed articles, all last changed on 20 Nov: index.html holds the newest
    # (the day's newest part), the day's older parts are archive pages named for the day.
    listed = {n for n in files(out) if n.endswith(".html") and not n.startswith(
        ("article/", "all/", "headlines/", "source/"))} - {"most-changed.html", "search.html"}
    assert "index.html" in listed and "changes/2026-11-20.html" in listed
    assert all(re.match(r"^changes/2026-11-20(-\d{4})?\.html$", n) for n in listed - {
        "index.html"})
    # Following the "older" links from index.html lists every changed article once, newest
    # change first, and each page's "newer" link goes back.
    rows, page, newer = [], "index.html", None
    while page:
        doc = lxml.html.fromstring((out / page).read_bytes())
        rows += doc.xpath("//table[@class='changes']/tbody/tr/td[1]//time/@datetime")
        back = doc.xpath("//a[@rel='prev']/@href")
        assert [posixpath.normpath(posixpath.join(posixpath.dirname(page), h))
                for h in back] == ([newer] if newer else [])
        if page != "index.html":
            assert doc.xpath("//h1/text()") == ["Articles changed on 20 Nov 2026"]
            assert "latest change was on 20 Nov 2026 (UTC)" in doc.xpath(
                "string(//p[@class='meta'])")
            listed.remove(page)
        older = doc.xpath("//a[@rel='next']/@href")
        newer, page = page, posixpath.normpath(posixpath.join(posixpath.dirname(page),
                                                              older[0])) if older else None
    assert rows == sorted(rows, reverse=True) and len(rows) == 3
    assert listed == {"index.html"}
    assert {"source/bbc/index.html", "source/other/index.html",
            "source/other/feed.xml"} <= set(files(out))
    other = lxml.html.fromstring((out / "source/other/index.html").read_bytes())
    assert other.xpath("//table[@class='changes']/tbody/tr/td[2]/a/text()") == [
        HOSTILE_TITLE + " <i>"]


def test_every_link_in_the_site_resolves(hostile, tmp_path):
    out = tmp_path / "site"
    build_site(hostile, out, page_size=2)
    for name in files(out):
        if not name.endswith(".html"):
            continue
        doc = lxml.html.fromstring((out / name).read_bytes())
        for href in doc.xpath("//a/@href | //link/@href"):
            if href.startswith(("http:", "https:", "#")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), href))
            assert (out / target).is_file(), f"{name}: broken link {href}"


def test_hostile_text_is_inert_and_exact_in_every_page_and_feed(hostile, tmp_path):
    out = tmp_path / "site"
    build_site(hostile, out)
    pages = {n: b for n, b in files(out).items() if n.endswith(".html")}
    for name, data in pages.items():
        doc = lxml.html.fromstring(data)
        # The search page's only script is the site's own file, nothing inline.
        scripts = doc.xpath("//script")
        assert [(x.get("src"), x.text) for x in scripts] == (
            [("search.js", None)] if name == "search.html" else []), name
        assert not doc.xpath("//img | //iframe"), name
        assert not [a for el in doc.iter() if isinstance(el.tag, str)
                    for a in el.attrib if a.startswith("on")], name
        assert b"<script>" not in data, name
    page = lxml.html.fromstring(pages[f"{adir(hostile, HOSTILE_URL)}/2.html"])
    new_cells = page.xpath("//div[contains(@class,'row') and not(contains(@class,'title'))"
                           " and not(contains(@class,'byline'))]"
                           "/div[contains(@class,'cell new')]/*[self::p or self::h3]")
    assert [c.text_content() for c in new_cells] == [b.text for b in HOSTILE_BODY_2]
    index = lxml.html.fromstring(pages["index.html"])
    assert HOSTILE_TITLE + " <i>" in index.xpath("//table//a/text()")

    for name in [n for n in files(out) if n.endswith(".xml")]:
        root = ET.fromstring((out / name).read_bytes())  # well-formed XML
        for entry in root.iter(f"{ATOM}entry"):
            content = lxml.html.fragment_fromstring(entry.find(f"{ATOM}content").text,
                                                    create_parent="div")
            assert not content.xpath(".//script | .//img | .//b | .//i"), name
            if entry.find(f"{ATOM}title").text.startswith("Hacker") and name != HEADLINES:
                assert entry.find(f"{ATOM}title").text == HOSTILE_TITLE + " <i> (version 2)"
                text = content.text_content()
                assert '"><img src=x onerror=alert(1)>' in text and "<script>alert(2)</script>" in text
                related = [li.get("href") for li in entry.findall(f"{ATOM}link")
                           if li.get("rel") == "related"]
                assert related == [HOSTILE_URL]
        parsed = feedparser.parse((out / name).read_bytes())
        assert not parsed.bozo, (name, parsed.bozo_exception)


def test_control_characters_do_not_break_feeds(tmp_path):
    with Store(tmp_path / "c.db") as store:
        url = "https://example.org/ctl"
        record(store, url=url, source="x", at="2026-01-01T00:00:00Z", title="Bell\x07 title",
               body=[Block("First\x0b text.")])
        record(store, url=url, source="x", at="2026-01-01T01:00:00Z", title="Bell\x07 title",
               body=[Block("First\x0b text, changed.")])
        build_site(store, tmp_path / "site")
    parsed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert not parsed.bozo and parsed.entries[0].title == "Bell title (version 2)"


def test_a_reextraction_is_shown_but_not_fed_as_a_change(demo, tmp_path):
    from dataclasses import replace

    from newsdiffs.store import NewVersion

    article = demo.article(RIVER)
    latest = demo.latest_version(article["id"])
    fixed = NewVersion(**{k: latest[k] for k in (
        "fetched_at", "url", "title", "byline", "published", "published_raw", "modified",
        "modified_raw", "hash", "chars_added", "chars_removed", "extractor")},
        body=latest["body"] + "\n\nA caption the old extractor missed.", kind="reextract")
    demo.record_reextraction(corrects=latest, new_version=replace(fixed, hash="fixed"),
                             checked_at="2026-11-21T00:00:00Z")
    assert [c["version"] for c in demo.changes() if c["url"] == RIVER] == [3, 2]
    out = tmp_path / "site"
    build_site(demo, out)
    river = adir(demo, RIVER)
    page = lxml.html.fromstring((out / river / "4.html").read_bytes())
    assert "not an edit by the publisher" in page.xpath("//p[@class='note']")[0].text_content()
    listing = lxml.html.fromstring((out / river / "index.html").read_bytes())
    assert "re-extracted, not an edit" in listing.xpath("//tr[@id='v4']")[0].text_content()
    for feed in ("feed.xml", f"{river}/feed.xml"):
        titles = [e.title for e in feedparser.parse((out / feed).read_bytes()).entries]
        assert not [t for t in titles if t.endswith("(version 4)")], feed


def test_demo_crawl_end_to_end(tmp_path):
    """The real demo (three crawls of the replay site), then the site and its feed."""
    import subprocess
    import sys

    db = tmp_path / "demo.db"
    result = subprocess.run([sys.executable, "-m", "newsdiffs.demo.run", "--db", str(db),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True,
                            timeout=180, cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    with Store(db) as store:
        report = build_site(store, tmp_path / "site")
    assert report.articles == 3 and report.written > 0
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert sorted(e.title for e in feed.entries) == [
        "Council approves £14m river crossing despite cost concerns (version 2)",
        "Council approves £14m river crossing despite cost concerns (version 3)",
        "Library opening hours extended after student campaign (version 2)"]
    assert [e.updated for e in feed.entries] == sorted((e.updated for e in feed.entries),
                                                       reverse=True)
    for e in feed.entries:
        assert (tmp_path / "site" / e.link).is_file()
