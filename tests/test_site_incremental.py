"""Incremental site builds: only what changed is rendered, and the result is the same bytes
as a full build of the same database (issue 12)."""

import posixpath
from pathlib import Path

import lxml.html
import pytest
from reading_data import DEMO_BASE, HOSTILE_URL, build_demo_db, record

import newsdiffs.static_site as site
from newsdiffs.items import Block
from newsdiffs.static_site import article_dir, build_site
from newsdiffs.store import NewVersion, Store

LIBRARY = f"{DEMO_BASE}/news/articles/c3demo0003o"
RAIL = f"{DEMO_BASE}/news/articles/c2demo0002o"


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


@pytest.fixture
def hostile(tmp_path):
    with Store(build_demo_db(tmp_path / "hostile.db", hostile=True)) as store:
        yield store


def add_version(store: Store, url: str, at: str, text: str, title: str | None = None) -> None:
    latest = store.latest_version(store.article(url)["id"])
    body = [Block(t) for t in latest["body"].split("\n\n")] + [Block(text)]
    record(store, url=url, source=store.article(url)["source"], at=at,
           title=title or latest["title"], body=body)


def test_incremental_build_is_the_full_build(hostile, tmp_path):
    out, fresh = tmp_path / "site", tmp_path / "fresh"
    build_site(hostile, out, page_size=1, feed_size=2)
    # A new version with a new headline, a status change, a capture, a deleted article.
    add_version(hostile, LIBRARY, "2026-11-21T08:00:00Z", "A new line.", title="Library shut")
    record(hostile, url=RAIL, source="bbc", at="2026-11-21T09:00:00Z", status="finished",
           title=hostile.latest_version(hostile.article(RAIL)["id"])["title"],
           body=[Block(t) for t in hostile.latest_version(
               hostile.article(RAIL)["id"])["body"].split("\n\n")])
    hostile.record_archive(hostile.latest_version(hostile.article(LIBRARY)["id"])["id"],
                           at="2026-11-21T10:00:00Z",
                           archive_url=f"https://web.archive.org/web/1/{LIBRARY}")
    gone = hostile.article(HOSTILE_URL)["id"]
    for sql in ("DELETE FROM checks WHERE article_id = ?",
                "DELETE FROM versions WHERE article_id = ?", "DELETE FROM articles WHERE id = ?"):
        hostile.db.execute(sql, [gone])
    report = build_site(hostile, out, page_size=1, feed_size=2)
    assert report.skipped == 1  # the river story: no version, check or capture since
    build_site(hostile, fresh, page_size=1, feed_size=2)
    assert files(out) == files(fresh)
    assert report.written + report.unchanged == len(files(out))
    again = build_site(hostile, out, page_size=1, feed_size=2, full=True)
    assert again.written == 0 and again.unchanged == len(files(out))


def test_nothing_new_renders_nothing(hostile, tmp_path, monkeypatch):
    out = tmp_path / "site"
    first = build_site(hostile, out)

    def no_render(*args, **kwargs):
        raise AssertionError("rendered a page although nothing changed")

    for name in ("listing_page", "version_page", "article_page"):
        monkeypatch.setattr(site, name, no_render)
    monkeypatch.setattr(site, "compare_versions", no_render)
    again = build_site(hostile, out)
    assert (again.written, again.unchanged, again.skipped) == (0, first.written, 4)


def test_a_change_at_the_top_leaves_older_pages_alone(tmp_path):
    with Store(tmp_path / "many.db") as store:
        for i in range(12):
            record(store, url=f"https://example.org/news/{i}", source=f"s{i % 2}",
                   at=f"2026-11-01T{i:02d}:00:00Z", title=f"Story {i}", body=[Block("One.")])
            record(store, url=f"https://example.org/news/{i}", source=f"s{i % 2}",
                   at=f"2026-11-02T{i:02d}:00:00Z", title=f"Story {i}",
                   body=[Block("One."), Block("Two.")])
        out = tmp_path / "site"
        build_site(store, out, page_size=3)
        # The story changed last changes again: it stays first, so only first pages change.
        add_version(store, "https://example.org/news/11", "2026-11-03T00:00:00Z", "Three.")
        report = build_site(store, out, page_size=3)
        written = set(report.written_paths)
        adir = article_dir(store.article("https://example.org/news/11"))
        assert f"{adir}/3.html" in written and report.skipped == 11
        assert {"index.html", "source/s1/index.html", "feed.xml", "source/s1/feed.xml"} <= written
        assert not [p for p in written
                    if p.startswith(("source/s0/", "headlines/", "all/page-"))]
        # Of the archive, at most the newest part of 2 Nov (it loses the story) changes.
        assert len([p for p in written if p.startswith("changes/")]) <= 1
        assert len([p for p in written if p.startswith("source/s1/changes/")]) <= 1
        assert report.written + report.unchanged == len(files(out))


def listing_pages(paths: list[str]) -> list[str]:
    """The changed-articles listing pages among ``paths`` (site-wide and per source)."""
    return sorted(p for p in paths if p.endswith(".html") and (
        p == "index.html" or p.startswith(("changes/", "source/"))))


def test_an_old_article_changing_rewrites_a_few_listing_pages(tmp_path):
    """Issue 12: a new version of an article far down the list of changed articles moves it
    to the top; that must not shift (and rewrite) every listing page above its old place."""
    count, size = 360, 4
    with Store(tmp_path / "old.db") as store:
        with store.batch():
            for i in range(count):  # 360 changes over 4 days, 90 a day: about 20 parts a day
                url, source = f"https://example.org/news/{i}", f"s{i % 2}"
                changed = f"2026-11-{2 + i // 90:02d}T{i % 90 // 4:02d}:{i % 4 * 15:02d}:00Z"
                for at, body in (("2026-11-01T00:00:00Z", [Block("One.")]),
                                 (changed, [Block("One."), Block("Two.")])):
                    record(store, url=url, source=source, at=at, title=f"Story {i}", body=body)
        out, fresh = tmp_path / "site", tmp_path / "fresh"
        build_site(store, out, page_size=size)
        before = listing_pages([str(p.relative_to(out)) for p in out.rglob("*.html")])
        assert len(before) > 100  # the site-wide listing and two sources', paged by day
        assert {"changes/2026-11-02.html", "source/s0/changes/2026-11-02.html"} <= set(before)
        for n, i in enumerate((3, 100, 181, 270, 359)):  # old to new, both sources
            add_version(store, f"https://example.org/news/{i}", f"2026-11-06T0{n}:00:00Z",
                        "Three.")
            report = build_site(store, out, page_size=size)
            written = listing_pages(report.written_paths)
            # In the site-wide listing and in the article's source's: index.html, the part the
            # article left, a neighbour when a cut near it moved (and the page whose "newer"
            # link named a renamed part), a part leaving index.html for the archive and the
            # page before it; never the pages in between.
            assert "index.html" in written and f"source/s{i % 2}/index.html" in written
            for listing in ("", f"source/s{i % 2}/"):
                mine = [p for p in written if p.startswith(listing) and (
                    listing or not p.startswith("source/"))]
                assert len(mine) <= 6, (i, written)
            assert not [p for p in written if p.startswith(f"source/s{1 - i % 2}/")]
            assert report.written < 20
        # And the result is what a full build makes.
        build_site(store, fresh, page_size=size)
        assert files(out) == files(fresh)
        # The front page shows the latest changes first, the archive all the others once.
        front = lxml.html.fromstring((out / "index.html").read_bytes())
        titles = front.xpath("//table[@class='changes']/tbody/tr/td[2]/a/text()")
        assert titles[:5] == ["Story 359", "Story 270", "Story 181", "Story 100", "Story 3"]
        seen, page, names = [], "index.html", []
        while page:  # follow the "older" links to the end
            names.append(page)
            doc = lxml.html.fromstring((out / page).read_bytes())
            seen += doc.xpath("//table[@class='changes']/tbody/tr/td[1]//time/@datetime")
            older = doc.xpath("//a[@rel='next']/@href")
            page = posixpath.normpath(posixpath.join(posixpath.dirname(page), older[0])) \
                if older else None
        assert len(seen) == count and seen == sorted(seen, reverse=True)
        assert len(names) == len(set(names)) == len([n for n in listing_pages(list(files(out)))
                                                     if not n.startswith("source/")])
        for name in listing_pages(list(files(out))):  # every link of the archive resolves
            doc = lxml.html.fromstring((out / name).read_bytes())
            for href in doc.xpath("//a/@href | //link/@href"):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(name), href))
                assert (out / target).is_file(), f"{name}: broken link {href}"


def test_listings_show_the_stored_change_sizes(tmp_path):
    url = "https://example.org/news/sizes"
    with Store(tmp_path / "sizes.db") as store:
        for n, (at, text) in enumerate([("2026-11-01T08:00:00Z", "First text."),
                                        ("2026-11-01T09:00:00Z", "Second text.")]):
            store.record_check(
                url=url, source="gazette", checked_at=at, http_status=200,
                outcome="changed" if n else "new", new_version=NewVersion(
                    fetched_at=at, url=url, title="Sizes", byline=None, published=None,
                    published_raw=None, modified=None, modified_raw=None, body=text,
                    hash=f"h{n}", chars_added=1234, chars_removed=567, extractor="test/1"))
        out = tmp_path / "site"
        build_site(store, out)
        adir = article_dir(store.article(url))
    index = lxml.html.fromstring((out / "index.html").read_bytes())
    assert index.xpath("//table[@class='changes']//td[5]")[0].text_content() == "+1234 −567"
    article = lxml.html.fromstring((out / adir / "index.html").read_bytes())
    assert "+1234 −567" in article.xpath("//tr[@id='v2']")[0].text_content()


def test_an_id_used_again_by_another_article_takes_its_old_pages_away(hostile, tmp_path):
    out, fresh = tmp_path / "site", tmp_path / "fresh"
    build_site(hostile, out)
    last = hostile.article(HOSTILE_URL)
    old_dir = out / article_dir(last)
    for sql in ("DELETE FROM checks WHERE article_id = ?",
                "DELETE FROM versions WHERE article_id = ?", "DELETE FROM articles WHERE id = ?"):
        hostile.db.execute(sql, [last["id"]])
    url = "https://example.org/news/another"
    hostile.db.execute("INSERT INTO articles (id, url, source, first_seen) VALUES (?, ?, ?, ?)",
                       [last["id"], url, "other", "2026-11-21T08:00:00Z"])
    record(hostile, url=url, source="other", at="2026-11-21T08:00:00Z", title="Another",
           body=[Block("Text.")])
    build_site(hostile, out)
    assert not old_dir.exists() and (out / article_dir(hostile.article(url))).is_dir()
    build_site(hostile, fresh)
    assert files(out) == files(fresh)
