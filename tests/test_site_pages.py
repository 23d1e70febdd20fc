"""The site's listings and evidence (issue 10): all articles, headline changes, most changed,
search index, version lists, reverts, dates, kept pages, archived copies, pairs, pruning, lang,
and the Datasette canned search with nothing typed yet."""

import asyncio
import json
import re

import feedparser
import lxml.html
import pytest
from click.testing import CliRunner
from reading_data import DEMO_BASE, HOSTILE_TITLE, HOSTILE_URL, build_demo_db, record

from newsdiffs.cli import cli
from newsdiffs.export import datasette_metadata
from newsdiffs.items import Block
from newsdiffs.static_site import SEARCH_SHARD, SiteError, article_dir, build_site, parse_langs
from newsdiffs.store import NewVersion, Store
from newsdiffs.text import fingerprint

RIVER = f"{DEMO_BASE}/news/articles/c1demo0001o"
RAIL = f"{DEMO_BASE}/news/articles/c2demo0002o"
LIBRARY = f"{DEMO_BASE}/news/articles/c3demo0003o"
PAGE = b'<html><body><script>alert("publisher")</script><h1>Kept</h1></body></html>'


@pytest.fixture
def hostile(tmp_path):
    with Store(build_demo_db(tmp_path / "hostile.db", hostile=True)) as store:
        yield store


def html(path):
    return lxml.html.fromstring(path.read_bytes())


def adir(store, url):
    return article_dir(store.article(url))


def store_version(store, url, at, title, text, *, html=None, published=None,
                  published_raw=None, modified=None, source="gazette"):
    """One check with a new text, as the pipeline stores it (optionally with its page)."""
    latest = store.article(url)
    store.record_check(
        url=url, source=source, checked_at=at, http_status=200,
        outcome="changed" if latest else "new", html=html,
        new_version=NewVersion(
            fetched_at=at, url=url, title=title, byline=None, published=published,
            published_raw=published_raw, modified=modified, modified_raw=None, body=text,
            hash=fingerprint(title, [Block(text)]), chars_added=len(text), chars_removed=3,
            extractor="test/1"))


@pytest.fixture
def evidence_db(tmp_path):
    """An article edited and reverted (A, B, A), its pages kept; another never changed."""
    with Store(tmp_path / "e.db") as store:
        url = "https://gazette.example/news/2026/11/story"
        store_version(store, url, "2026-11-20T08:00:00Z", "Mayor resigns", "First text here.",
                      html=PAGE, published="2026-11-20T07:45:00Z",
                      modified="2026-11-20T07:50:00Z")
        store_version(store, url, "2026-11-20T09:00:00Z", "Mayor resigns amid row",
                      "Second text here.", html=PAGE + b"<!-- 2 -->",
                      published="2026-11-20T07:45:00Z", published_raw="Friday 7.45am")
        store_version(store, url, "2026-11-20T10:00:00Z", "Mayor resigns", "First text here.",
                      html=PAGE + b"<!-- 3 -->", published_raw="Friday morning")
        store_version(store, "https://gazette.example/news/2026/11/quiet",
                      "2026-11-20T08:30:00Z", "Quiet story", "Nothing happens.")
        yield store, url


def test_all_articles_index_lists_unchanged_ones_too_and_pages(hostile, tmp_path):
    out = tmp_path / "site"
    build_site(hostile, out, page_size=2)
    # Pages are numbered from the oldest: page-1.html holds the first two articles seen,
    # index.html the newest two (up to three).
    assert sorted(p.name for p in (out / "all").iterdir()) == ["index.html", "page-1.html"]
    pages = [html(out / "all/index.html"), html(out / "all/page-1.html")]
    titles = [t for p in pages for t in p.xpath("//table[@class='all']/tbody/tr/td[2]/a/text()")]
    # Newest first seen first; the rail story never changed and is listed all the same.
    rows = sorted(hostile.articles(), key=lambda a: (a["first_seen"], a["id"]), reverse=True)
    assert titles == [a["title"] for a in rows]
    assert "Rail strike to halve train services on Saturday" in titles and len(titles) == 4
    assert pages[0].xpath("//a[@rel='next']/@href") == ["page-1.html"]
    assert pages[1].xpath("//a[@rel='prev']/@href") == ["index.html"]
    assert "4 articles" in pages[0].xpath("string(//p[@class='meta'])")
    assert "Page 1 " in pages[1].xpath("string(//p[@class='meta'])")
    # Fewer pages after a bigger page size: the archive pages go away.
    report = build_site(hostile, out, page_size=10)
    assert not (out / "all/page-1.html").exists()
    assert report.removed >= 1


def test_index_columns_have_distinct_names(hostile, tmp_path):
    out = tmp_path / "site"
    build_site(hostile, out)
    heads = html(out / "index.html").xpath("//table[@class='changes']/thead//th/text()")
    assert heads == ["Changed at", "Article", "Source", "Versions", "Size of last change"]
    assert len(set(heads)) == len(heads)


def test_headline_changes_page_and_feed(hostile, tmp_path):
    out = tmp_path / "site"
    build_site(hostile, out)
    page = html(out / "headlines/index.html")
    rows = page.xpath("//table[@class='headlines']/tbody/tr")
    assert [(r.xpath("string(td[2]/del)"), r.xpath("string(td[2]/ins)")) for r in rows] == [
        (HOSTILE_TITLE, HOSTILE_TITLE + " <i>"),
        ("Council approves new river crossing for Exeter",
         "Council approves £14m river crossing despite cost concerns")]
    assert rows[1].xpath("td[1]/a/@href") == [f"../{adir(hostile, RIVER)}/2.html"]
    assert page.xpath("//link[@rel='alternate']/@href") == ["feed.xml"]
    feed = feedparser.parse((out / "headlines/feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert [e.title for e in feed.entries] == [
        f"{HOSTILE_TITLE} → {HOSTILE_TITLE} <i>",
        "Council approves new river crossing for Exeter → Council approves £14m river "
        "crossing despite cost concerns"]
    content = lxml.html.fragment_fromstring(feed.entries[0].content[0].value,
                                            create_parent="div")
    assert not content.xpath(".//script | .//i")
    assert content.xpath("string(.//ins)") == HOSTILE_TITLE + " <i>"
    assert feed.entries[1].link == f"../{adir(hostile, RIVER)}/2.html"
    assert len({e.id for e in feed.entries}) == 2


def test_most_changed_by_edits_and_by_characters(hostile, tmp_path):
    out = tmp_path / "site"
    build_site(hostile, out)
    page = html(out / "most-changed.html")
    by_edits = page.xpath("//table[contains(@class,'by-versions')]/tbody/tr")
    assert [r.xpath("string(td[1])") for r in by_edits] == ["2", "1", "1"]
    assert by_edits[0].xpath("string(td[3])").startswith("Council approves")
    by_chars = page.xpath("//table[contains(@class,'by-chars')]/tbody/tr")
    chars = [int(r.xpath("string(td[2])")) for r in by_chars]
    assert chars == sorted(chars, reverse=True)
    # Stored sizes (versions.chars_added + chars_removed), not a diff computed again.
    river = hostile.article(RIVER)["id"]
    assert sum(v["chars_added"] + v["chars_removed"]
               for v in hostile.versions(river)[1:]) in chars


def test_version_page_lists_every_version_marks_reverts_and_dates(evidence_db, tmp_path):
    store, url = evidence_db
    out = tmp_path / "site"
    build_site(store, out)
    base = out / article_dir(store.article(url))
    page = html(base / "3.html")
    vlist = page.xpath("//ol[@class='vlist']/li")
    assert [li.text_content().split(" 20 Nov")[0] for li in vlist] == [
        "Version 1", "Version 2", "Version 3"]
    assert page.xpath("//ol[@class='vlist']/li/a/@href") == ["1.html", "2.html"]
    assert "(same as version 1)" in vlist[2].text_content()
    assert "same text as version 1" in page.xpath("string(//p[contains(@class,'revert')])")
    # Both columns carry an absolute time.
    assert [" ".join(c.text_content().split()) for c in page.xpath(
        "//div[contains(@class,'colhead')]/div")] == [
        "Version 2 20 Nov 2026, 09:00 UTC", "Version 3 20 Nov 2026, 10:00 UTC (about 1 hour later)"]
    # Dates the page gave: parsed ones as people read them, unparsed ones as given.
    assert " ".join(html(base / "1.html").xpath("string(//p[@class='dates'])").split()) == (
        "Dates the page gave in version 1: published 20 Nov 2026, 07:45 UTC; "
        "modified 20 Nov 2026, 07:50 UTC.")
    assert "published Friday morning" in " ".join(page.xpath("string(//p[@class='dates'])")
                                                  .split())
    article = html(base / "index.html")
    assert "same as version 1" in article.xpath("string(//tr[@id='v3'])")


def test_kept_pages_are_plain_text_files_linked_from_the_pages(evidence_db, tmp_path):
    store, url = evidence_db
    out = tmp_path / "site"
    build_site(store, out)
    base = out / article_dir(store.article(url))
    assert (base / "raw/1.txt").read_bytes() == PAGE
    assert (base / "raw/3.txt").read_bytes() == PAGE + b"<!-- 3 -->"
    assert not list(out.rglob("raw/*.html")) and not list(out.rglob("*.html.gz"))
    page = html(base / "3.html")
    assert page.xpath("//p[@class='evidence']//a/@href") == ["raw/2.txt", "raw/3.txt"]
    assert page.xpath("//p[@class='evidence']//a/@type") == ["text/plain", "text/plain"]
    assert "raw/1.txt" in html(base / "index.html").xpath("//a/@href")
    # The quiet story kept no page: no link, no file.
    quiet = out / article_dir(store.article("https://gazette.example/news/2026/11/quiet"))
    assert not (quiet / "raw").exists() and not html(quiet / "1.html").xpath(
        "//p[@class='evidence']")
    # Turned off: the files stay out and the links go.
    build_site(store, tmp_path / "plain", raw_pages=False)
    assert not list((tmp_path / "plain").rglob("*.txt"))


def test_archived_copy_is_linked_and_rerenders_only_its_article(evidence_db, tmp_path):
    store, url = evidence_db
    out = tmp_path / "site"
    build_site(store, out)
    latest = store.latest_version(store.article(url)["id"])
    capture = f"https://web.archive.org/web/20261120100100/{url}"
    store.record_archive(latest["id"], at="2026-11-20T10:01:00Z", archive_url=capture)
    report = build_site(store, out)
    adir_ = article_dir(store.article(url))
    assert report.skipped == 1  # the quiet story is untouched
    assert f"{adir_}/3.html" in report.written_paths
    page = html(out / adir_ / "3.html")
    links = page.xpath("//p[@class='evidence']//a[text()='archived copy']/@href")
    assert links == [capture]
    # A failed request, or a capture URL that is not http(s), is never a link.
    store.record_archive(latest["id"], at="2026-11-20T10:02:00Z", archive_url="javascript:x")
    build_site(store, out)
    assert "javascript:" not in (out / adir_ / "3.html").read_text(encoding="utf-8")


def test_pairs_give_every_comparison_when_asked(evidence_db, tmp_path):
    store, url = evidence_db
    out = tmp_path / "site"
    build_site(store, out)
    base = out / article_dir(store.article(url))
    assert not (base / "1-3.html").exists()
    assert not html(base / "3.html").xpath("//details[@class='pairs']")
    build_site(store, out, pairs=True)
    page = html(base / "1-3.html")
    assert [" ".join(c.text_content().split())[:9] for c in page.xpath(
        "//div[contains(@class,'colhead')]/div")] == ["Version 1", "Version 3"]
    assert html(base / "2.html").xpath("//details[@class='pairs']//a/@href") == ["1-3.html"]


def test_pages_of_deleted_articles_are_removed(hostile, tmp_path):
    out = tmp_path / "site"
    build_site(hostile, out)
    gone = out / adir(hostile, HOSTILE_URL)
    assert gone.is_dir() and (out / "source/other/index.html").is_file()
    (out / "article/notes.txt").write_text("mine")  # not ours: left alone
    article_id = hostile.article(HOSTILE_URL)["id"]
    for sql in ("DELETE FROM checks WHERE article_id = ?",
                "DELETE FROM versions WHERE article_id = ?", "DELETE FROM articles WHERE id = ?"):
        hostile.db.execute(sql, [article_id])
    report = build_site(hostile, out)
    assert not gone.exists() and not (out / "article/other").exists()
    assert not (out / "source/other").exists()
    assert (out / "article/notes.txt").is_file()
    assert report.removed == 2
    assert "xss" not in (out / "search/0.js").read_text(encoding="utf-8")


def test_lang_is_set_per_source(hostile, tmp_path):
    out = tmp_path / "site"
    build_site(hostile, out, langs={"other": "de"}, default_lang="fr")
    lang = lambda rel: html(out / rel).get("lang")  # noqa: E731
    assert lang(f"{adir(hostile, RIVER)}/2.html") == "en-GB"  # built-in: bbc
    assert lang(f"{adir(hostile, HOSTILE_URL)}/2.html") == "de"
    assert lang(f"{adir(hostile, HOSTILE_URL)}/index.html") == "de"
    assert lang("source/other/index.html") == "de"
    assert lang("index.html") == "fr" and lang("headlines/index.html") == "fr"
    assert parse_langs(["en-US", "gazette=de courier=fr-CH"]) == (
        "en-US", {"gazette": "de", "courier": "fr-CH"})
    with pytest.raises(SiteError):
        parse_langs(["bbc=<script>"])


def test_site_command_lang_option(tmp_path):
    db = build_demo_db(tmp_path / "demo.db")
    runner = CliRunner()
    result = runner.invoke(cli, ["site", "--db", str(db), str(tmp_path / "s"), "--lang",
                                 "bbc=cy"])
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        assert html(tmp_path / "s" / adir(store, RIVER) / "2.html").get("lang") == "cy"
    bad = runner.invoke(cli, ["site", "--db", str(db), str(tmp_path / "s"), "--lang", "bbc=x y"])
    assert bad.exit_code == 2 and "language" in bad.output


def test_search_index_is_sharded_escaped_and_incremental(hostile, tmp_path):
    out = tmp_path / "site"
    build_site(hostile, out)
    text = (out / "search/0.js").read_text(encoding="ascii")  # plain ASCII, whatever the titles
    rows = json.loads(re.fullmatch(r'newsdiffsShard\("0", (.*)\);\n', text).group(1))
    by_title = {r[0]: r for r in rows}
    assert by_title[HOSTILE_TITLE + " <i>"][1:4] == [
        f"{adir(hostile, HOSTILE_URL)}/index.html", "other", 2]
    # Earlier headlines are searchable too.
    river = by_title["Council approves £14m river crossing despite cost concerns"]
    assert river[4] == "Council approves new river crossing for Exeter"
    page = html(out / "search.html")
    assert page.xpath("//ol[@id='results']/@data-shards") == ["0"]
    assert [s.get("src") for s in page.xpath("//script")] == ["search.js"]
    js = (out / "search.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js and "textContent" in js
    # A new article far away in id space gets a shard of its own; shard 0 is not rewritten.
    hostile.db.execute("INSERT INTO articles (id, url, source, first_seen) VALUES (?, ?, ?, ?)",
                       [SEARCH_SHARD * 3 + 5, "https://example.org/news/later", "other",
                        "2026-11-21T08:00:00Z"])
    record(hostile, url="https://example.org/news/later", source="other",
           at="2026-11-21T08:00:00Z", title="A later story", body=[Block("Text.")])
    report = build_site(hostile, out)
    assert "search/3.js" in report.written_paths and "search/0.js" not in report.written_paths
    assert html(out / "search.html").xpath("//ol[@id='results']/@data-shards") == ["3 0"]


def test_datasette_canned_search_answers_before_anything_is_typed(tmp_path):
    datasette_app = pytest.importorskip("datasette.app", reason="datasette extra not installed")
    db = build_demo_db(tmp_path / "demo.db")
    ds = datasette_app.Datasette([str(db)], metadata=datasette_metadata(db.stem))

    async def run():
        return [await ds.client.get(f"/{db.stem}/{p}") for p in (
            "search", "search?q=", "search?q=+", "search.json?q=&_shape=array",
            "search.json?q=bridge&_shape=array")]

    empty, blank, space, as_json, found = asyncio.run(run())
    assert [r.status_code for r in (empty, blank, space, as_json, found)] == [200] * 5
    assert as_json.json() == []
    # Every version is found (older bodies are packed; the index keeps no text to snippet).
    assert sorted(r["version"] for r in found.json()) == [1, 2, 3]


def test_a_typography_only_headline_difference_is_not_a_headline_change(tmp_path):
    url = "https://gazette.example/news/quotes"
    with Store(tmp_path / "q.db") as store:
        store_version(store, url, "2026-11-01T10:00:00Z", 'Mayor says "no" to the bridge',
                      "First text of the story.")
        # The body changed; the headline only swapped straight quotes for curly ones.
        store_version(store, url, "2026-11-01T11:00:00Z", "Mayor says \u201cno\u201d to the bridge",
                      "Second text of the story.")
        store_version(store, url, "2026-11-01T12:00:00Z", "Mayor says yes to the bridge",
                      "Third text of the story.")
        changes = store.headline_changes()
        assert [(c["version"], c["old_title"]) for c in changes] == [
            (3, "Mayor says \u201cno\u201d to the bridge")]
        assert store.count_headline_changes() == 1
