"""Version, article and feed HTML: the header sentence, aligned columns, and text that stays text."""

import lxml.html
import pytest
from reading_data import (
    DEMO_BASE,
    HOSTILE_BODY_1,
    HOSTILE_BODY_2,
    HOSTILE_TITLE,
    HOSTILE_URL,
    build_demo_db,
)

from newsdiffs.diff import SEPARATOR, compare
from newsdiffs.render import Links, article_page, changed_times, feed_entry_html, version_page
from newsdiffs.store import Store

RIVER = f"{DEMO_BASE}/news/articles/c1demo0001o"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = build_demo_db(tmp_path_factory.mktemp("render") / "demo.db", hostile=True)
    with Store(path) as s:
        yield s


def page_for(store, url, a, b, links=None):
    article = store.article(url)
    old = store.version(article["id"], a) if a else None
    return lxml.html.fromstring(version_page(article, store.version(article["id"], b), old,
                                             links=links or Links()))


def texts(doc, xpath):
    return [el.text_content() for el in doc.xpath(xpath)]


def body_cells(doc, side):
    rows = "//div[@class='diff']/div[contains(@class,'row')][not(contains(@class,'colhead'))"
    rows += " and not(contains(@class,'title')) and not(contains(@class,'byline'))]"
    return texts(doc, f"{rows}/div[contains(@class,'cell {side}')]//*[self::p or self::h3 or self::li]")


def test_hostile_text_renders_inert_and_exact(store):
    html = version_page(store.article(HOSTILE_URL), *reversed(
        store.versions(store.article(HOSTILE_URL)["id"])))
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//script | //img | //*[@onerror] | //i | //b")
    assert "<script>" not in html and "<img" not in html
    assert doc.xpath("//h1")[0].text_content() == HOSTILE_TITLE + " <i>"
    assert body_cells(doc, "old") == [b.text for b in HOSTILE_BODY_1]
    assert body_cells(doc, "new") == [b.text for b in HOSTILE_BODY_2]
    title_row = doc.xpath("//div[contains(@class,'row title')]")[0]
    assert texts(title_row, ".//p") == [HOSTILE_TITLE, HOSTILE_TITLE + " <i>"]
    assert texts(title_row, ".//ins") == [" <i>"]
    assert texts(doc, "//div[contains(@class,'row byline')]//p") == [
        "<b>Mallory</b>", "<b>Mallory</b> & Eve"]
    assert doc.xpath("//a[text()='Original article']/@href") == [HOSTILE_URL]
    # A subheading stays a subheading; entities in the text stay literal.
    assert doc.xpath("//div[contains(@class,'cell new')]//h3")[0].text_content().startswith(
        "</div><p class=")
    assert "Entities stay literal: &amp; &lt;b&gt; and a real & sign." in body_cells(doc, "new")


def test_header_sentence_like_newssniffer(store):
    links = Links(feed="feed.xml", home="../../../index.html")
    doc = page_for(store, RIVER, 1, 2, links)
    meta = " ".join(doc.xpath("//p[@class='meta']")[0].text_content().split())
    assert meta == ("This article is from the source ‘bbc’ and was first seen on "
                    "20 Nov 2026, 08:00 UTC. The article has changed 2 times. There is an "
                    "Atom feed of changes available. Original article.")
    assert doc.xpath("//p[@class='meta']//a[contains(text(),'Atom feed')]/@href") == ["feed.xml"]
    assert doc.xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href") == [
        "feed.xml"]
    finished = page_for(store, HOSTILE_URL, 1, 2)
    assert "It will not be checked again." in finished.xpath("//p[@class='meta']")[0].text_content()
    assert changed_times(1) == "has not changed since" and changed_times(2) == "has changed once"


def test_two_columns_with_times_and_marked_words(store):
    doc = page_for(store, RIVER, 1, 2)
    head = doc.xpath("//div[contains(@class,'colhead')]")[0]
    assert " ".join(head.xpath("./div[1]")[0].text_content().split()) == (
        "Version 1 20 Nov 2026, 08:00 UTC")
    assert " ".join(head.xpath("./div[2]")[0].text_content().split()) == (
        "Version 2 20 Nov 2026, 09:05 UTC (about 1 hour later)")  # absolute times on both
    assert texts(doc, "//div[contains(@class,'row title')]//del") == ["new", "for Exeter"]
    assert texts(doc, "//div[contains(@class,'row title')]//ins") == [
        "£14m", "despite cost concerns"]
    inserted = doc.xpath("//div[contains(@class,'row inserted')]")
    assert len(inserted) == 1
    assert inserted[0].xpath("./div[contains(@class,'cell old')]/@class") == ["cell old empty"]
    assert texts(inserted[0], ".//ins")[0].startswith("Construction is expected")
    # Equal rows show the same text on both sides.
    equal = doc.xpath("//div[@class='row equal']")
    assert equal and all(len(set(texts(r, "./div/*[not(@class='label')]"))) == 1 for r in equal)


def test_prev_next_links(store):
    doc = page_for(store, RIVER, 2, 3, Links(prev="2.html", prev_label="versions 1–2",
                                             next=None))
    assert doc.xpath("//a[@rel='prev']/@href") == ["2.html"]
    assert not doc.xpath("//a[@rel='next']")


def test_first_version_page_shows_the_text_alone(store):
    doc = page_for(store, RIVER, None, 1)
    cells = texts(doc, "//div[@class='diff']//div[contains(@class,'cell old')]//p")
    assert cells[0] == "Council approves new river crossing for Exeter"
    assert not doc.xpath("//div[@class='diff']//*[self::del or self::ins]")


def test_responsive_layout_css():
    article = {"source": "s", "first_seen": "2026-01-01T00:00:00Z", "status": "active",
               "version_count": 2, "url": "https://example.org/a", "title": "T"}
    old = {"version": 1, "fetched_at": "2026-01-01T00:00:00Z", "title": "T", "byline": None,
           "body": "One."}
    new = {**old, "version": 2, "fetched_at": "2026-01-01T03:00:00Z", "body": "One two."}
    html = version_page(article, new, old)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media (max-width: 46rem)" in html
    assert "grid-template-columns: minmax(0, 1fr) minmax(0, 1fr)" in html


def test_moved_rows_link_to_each_other():
    a = "The first paragraph says what happened at the council meeting on Tuesday night."
    b = "The second paragraph has the reaction of local residents and business owners."
    c = "The third paragraph has background about the cost of the project so far."
    article = {"source": "s", "first_seen": "2026-01-01T00:00:00Z", "status": "active",
               "version_count": 2, "url": "https://example.org/a", "title": "T"}
    old = {"version": 1, "fetched_at": "2026-01-01T00:00:00Z", "title": "T", "byline": None,
           "body": SEPARATOR.join([a, b, c])}
    new = {**old, "version": 2, "body": SEPARATOR.join([b, c, a])}
    doc = lxml.html.fromstring(version_page(article, new, old))
    moved = doc.xpath("//div[contains(@class,'cell') and contains(@class,'moved')]")
    assert len(moved) == 2
    ids = {m.get("id") for m in moved}
    targets = {m.xpath(".//div[@class='note']/a/@href")[0].lstrip("#") for m in moved}
    assert ids == targets
    notes = [m.xpath(".//div[@class='note']")[0].text_content() for m in moved]
    assert notes == ["Moved down to paragraph 3", "Moved up from paragraph 1"]


def test_article_page_lists_every_version(store):
    article = store.article(RIVER)
    doc = lxml.html.fromstring(article_page(article, store.versions(article["id"])))
    assert doc.xpath("//table[@class='versions']//a/@href") == ["1.html", "2.html", "3.html"]
    assert "about 1 hour later" in doc.xpath("//tr[@id='v2']")[0].text_content()


def test_feed_entry_fragment_escapes_text():
    diff = compare("<script>alert(1)</script> stays", "<script>alert(1)</script> stays & grows",
                   old_title="A <b>", new_title="A <b> title")
    frag = lxml.html.fragment_fromstring(feed_entry_html(diff, "v2.html"), create_parent="div")
    assert not frag.xpath(".//script | .//b")
    assert "<script>alert(1)</script> stays & grows" in frag.text_content()
    assert frag.xpath(".//a/@href") == ["v2.html"]
