"""Text hygiene: control characters and lone surrogates, entities decoded once, deep pages.

Issue 8, defects 10, 12 and 13. The unit tests read pages with the extractors and
the cleaning the pipelines use; the crawl test serves hostile pages from 127.0.0.1
and checks what is stored.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from click.testing import CliRunner

from newsdiffs.cli import cli
from newsdiffs.demo.pages import DemoArticle, render_article
from newsdiffs.demo.server import Page
from newsdiffs.extract import ExtractionError, get_extractor
from newsdiffs.extract.page import MAX_PAGE_DEPTH, PageTooDeep, parse_html
from newsdiffs.items import ArticleItem, Block
from newsdiffs.outcome import markup_leak, validation_problem
from newsdiffs.revision import clean_item
from newsdiffs.store import Store
from newsdiffs.text import clean_text, fingerprint, remove_controls

#: What a terminal acts on: C0 controls but tab and newline, DEL, C1 controls.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SURROGATE = re.compile("[\ud800-\udfff]")

# --- defect 10: controls and lone surrogates ------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Title\x1b]0;owned\x07 here", "Title]0;owned here"),  # OSC: ESC and BEL dropped
        ("red \x1b[31mtext\x1b[0m", "red [31mtext[0m"),
        ("bell\x07 nul\x00 del\x7f", "bell nul del"),
        ("one-byte CSI \x9b5n", "one-byte CSI 5n"),
        ("Jo \ud800Smith\udfff", "Jo Smith"),  # lone surrogates (JSON "\ud800")
        ("pair \U0001f986 kept", "pair \U0001f986 kept"),
        ("line\r\nbreaks\x0bvt\x0cff\x85nel\x1fus", "line breaks vt ff nel us"),
        ("tab\tand\nnewline", "tab and newline"),
        ("caf\u00e9 \u6771\u4eac", "caf\u00e9 \u6771\u4eac"),
    ],
)
def test_clean_text_drops_controls_and_lone_surrogates(raw, expected):
    cleaned = clean_text(raw)
    assert cleaned == expected
    cleaned.encode("utf-8")  # storable


def test_remove_controls_keeps_whitespace():
    assert remove_controls("a\tb\nc\x1bd\ud800e") == "a\tb\ncde"


def test_every_field_of_an_item_is_cleaned():
    dirty = "x\x1b]0;t\x07\ud800y"
    item = ArticleItem(
        url="https://example.com/a", canonical_url="https://example.com/a\ud800",
        title=dirty, byline=dirty, published=dirty, published_raw=dirty, modified=dirty,
        modified_raw=dirty, body=[Block(dirty), Block(dirty, "subheading")], error=dirty,
    )
    cleaned = clean_item(item)
    for name in ("title", "byline", "published", "published_raw", "modified", "modified_raw",
                 "error"):
        assert getattr(cleaned, name) == "x]0;ty", name
    assert [b.text for b in cleaned.body] == ["x]0;ty", "x]0;ty"]
    assert not SURROGATE.search(cleaned.canonical_url)


# --- defect 13: entities decoded once ---------------------------------------------------------

LD = ('<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{headline}", '
      '"author": {{"@type": "Person", "name": "{author}"}}, "articleBody": "{body}"}}</script>')
PARAGRAPHS = "".join(
    f"<p>Paragraph {i} of the story is long enough to be read as the body of the article.</p>"
    for i in range(4))


def generic_page(h1: str, extra: str, head: str = "") -> str:
    return (f"<html><head><title>x</title>{head}</head><body><article><h1>{h1}</h1>"
            f"{PARAGRAPHS}<p>{extra}</p></article></body></html>")


def stored(html: str, url: str = "https://news.example/2026/story") -> ArticleItem:
    """The item as the pipelines store it: extracted, then cleaned."""
    return clean_item(get_extractor("generic")(html, url))


@pytest.mark.parametrize(
    "written, shown",
    [
        ("Use the &amp;lt;p&amp;gt; tag for paragraphs.", "Use the &lt;p&gt; tag for paragraphs."),
        ("Shares in AT&amp;amp;T rose.", "Shares in AT&amp;T rose."),
        ("Shares in AT&amp;T rose.", "Shares in AT&T rose."),
        ("It&#8217;s &quot;here&quot;.", "It\u2019s \"here\"."),
    ],
)
def test_page_text_is_decoded_once(written, shown):
    item = stored(generic_page("A headline for the story", written))
    assert item.body[-1].text == shown
    assert validation_problem(http_status=200, title=item.title, body=item.body, error=None,
                              min_body_chars=50) is None
    assert markup_leak("\n\n".join(b.text for b in item.body)) is None


def test_headline_from_the_page_is_decoded_once():
    item = stored(generic_page("AT&amp;amp;T &amp;lt;b&amp;gt; results", "Last."))
    assert item.title == "AT&amp;T &lt;b&gt; results"


def test_json_ld_strings_are_decoded_once():
    # A script's text is not decoded by the parser: JSON-LD strings are decoded once, here.
    head = LD.format(headline="Fish &amp; chips &amp;amp; peas", author="Ren&eacute;e &amp; Jo",
                     body="")
    page = generic_page("", "Last.", head).replace("<h1></h1>", "")
    item = stored(page)
    assert item.title == "Fish & chips &amp; peas"
    assert item.byline == "Ren\u00e9e & Jo"


def test_meta_content_is_decoded_once_by_the_parser():
    head = '<meta property="og:title" content="Fish &amp;amp; chips &amp; peas">'
    item = stored(generic_page("", "Last.", head).replace("<h1></h1>", ""))
    assert item.title == "Fish &amp; chips & peas"


def test_fingerprint_treats_an_entity_as_its_character():
    # Versions stored when text was decoded twice ("AT&T") keep their fingerprint now
    # that the same page reads "AT&amp;T": no phantom version after the fix.
    assert fingerprint("AT&amp;T", [Block("a &lt;p&gt; b")]) == fingerprint(
        "AT&T", [Block("a <p> b")])
    assert fingerprint("AT&T", [Block("x")]) != fingerprint("AT&T", [Block("y")])


# --- defect 12: deep pages --------------------------------------------------------------------


def nested(depth: int, inner: str) -> str:
    return "<div>" * depth + inner + "</div>" * depth


def test_a_page_deeper_than_libxml2_builds_is_read_whole():
    page = (f"<html><body><p>first</p>{nested(3000, '<p>deep last</p>')}<p>after</p>"
            "</body></html>")
    sel = parse_html(page)
    assert sel.css("p::text").getall() == ["first", "deep last", "after"]
    assert len(sel.css("div")) == 3000


def test_a_page_too_deep_to_read_is_a_clear_extraction_error():
    page = f"<html><body>{nested(MAX_PAGE_DEPTH + 10, '<p>x</p>')}</body></html>"
    with pytest.raises(PageTooDeep, match=f"nested deeper than {MAX_PAGE_DEPTH} levels"):
        parse_html(page)
    assert issubclass(PageTooDeep, ExtractionError)


def test_an_ordinary_page_parses_as_before():
    from parsel import Selector

    page = generic_page("Title", "Last &amp; final.", '<meta charset="utf-8">')
    assert parse_html(page).get() == Selector(text=page, type="html").get()


# --- through a crawl ----------------------------------------------------------------------------

BASE = DemoArticle(
    slug="c9hyg0000o",
    title="Harbour repairs to cost more than expected",
    published="2026-11-20T08:00:00.000Z",
    ago="2 hours ago",
    byline="Sam Jones",
    blocks=[
        ("p", "Repairs to the storm-damaged harbour wall will cost about two million pounds "
              "more than first estimated, the town council has said."),
        ("p", "Engineers said the damage was worse than it looked from the surface."),
        ("p", "The council said work would start in spring and last about six months."),
    ],
)
LAST = BASE.blocks[-1][1]


def page_with(slug: str, last: str = LAST, title: str = BASE.title) -> str:
    """The demo BBC page; the last paragraph and the headline are raw HTML (not escaped)."""
    page = render_article(replace(BASE, slug=slug))
    page = page.replace(f">{LAST}<", f">{last}<")
    return page.replace(f'<span role="text">{BASE.title}</span>',
                        f'<span role="text">{title}</span>')


def hostile_page(slug: str) -> str:
    """Escape sequences in the headline and body; a lone surrogate and escapes in JSON-LD."""
    page = page_with(slug, last="Work starts in spring\x1b[2J\x1b]0;owned\x07 \x9b5n.",
                     title="Harbour\x1b]0;owned\x07 repairs")
    # The DOM byline block removed: the byline comes from JSON-LD.
    page = re.sub(r'<div data-testid="byline-new-contributors">.*?</div></div>', "", page,
                  flags=re.S)
    assert "byline-new-contributors" not in page and '"name": "Sam Jones"' in page
    page = page.replace('"name": "Sam Jones"', '"name": "Sam \\ud800Jones\\u001b[8m"')
    date = '"datePublished": "2026-11-20T08:00:00.000Z"'
    assert date in page
    return page.replace(date, date[:-1] + '\\u0007\\ud83d"')


def deep_page(slug: str, last: str) -> str:
    page = page_with(slug)
    block = f'<div data-component="text-block" class="ssrcss-text"><p class="ssrcss-p">{LAST}</p></div>'
    assert block in page
    return page.replace(block, nested(3000, block.replace(LAST, last)))


def test_hostile_text_through_a_crawl(server, db_path, crawl, tmp_path):
    paths = {name: f"/news/articles/c9hyg000{i}o" for i, name in enumerate(
        ("hostile", "markup", "amp", "upgrade", "deep", "too_deep"), 1)}
    urls = {name: server.url(path) for name, path in paths.items()}
    too_deep = page_with("c9hyg0006o").replace(
        "<article>", "<article>" + nested(MAX_PAGE_DEPTH + 5, "<p>x</p>"))

    def serve(deep_last: str, upgrade: str) -> None:
        server.set_pages({path: Page(page, etag=False) for path, page in {
            paths["hostile"]: hostile_page("c9hyg0001o"),
            paths["markup"]: page_with("c9hyg0002o", "Use the &amp;lt;p&amp;gt; tag."),
            paths["amp"]: page_with("c9hyg0003o", "Shares in AT&amp;amp;T rose."),
            paths["upgrade"]: page_with("c9hyg0004o", upgrade),
            paths["deep"]: deep_page("c9hyg0005o", deep_last),
            paths["too_deep"]: too_deep,
        }.items()})

    url_file = tmp_path / "urls.txt"
    url_file.write_text("\n".join(urls.values()) + "\n", encoding="utf-8")
    # "upgrade": first the text an older newsdiffs stored for "AT&amp;amp;T" (decoded twice).
    serve("The last paragraph as first published.", "Shares in AT&amp;T rose.")
    crawl(db_path, "bbc", "-a", f"urls={url_file}")
    serve("The last paragraph, edited deep in the page.", "Shares in AT&amp;amp;T rose.")
    crawl(db_path, "bbc", "-a", f"urls={url_file}")

    with Store(db_path) as store:
        def history(name):
            article = store.article(urls[name])
            assert article is not None, name
            return store.versions(article["id"]), [c["outcome"] for c in store.checks(
                article["id"])], store.checks(article["id"])

        versions, outcomes, _ = history("hostile")
        assert outcomes == ["new", "unchanged"]
        v = versions[0]
        for field in ("title", "byline", "body", "published_raw", "modified_raw", "published"):
            assert not RAW_CONTROL.search(v[field] or ""), (field, v[field])
        assert v["title"] == "Harbour]0;owned repairs"
        assert v["byline"] == "Sam Jones[8m"
        assert v["published_raw"] == "2026-11-20T08:00:00.000Z"
        assert v["body"].endswith("Work starts in spring[2J]0;owned 5n.")

        versions, outcomes, _ = history("markup")
        assert outcomes == ["new", "unchanged"]
        assert versions[0]["body"].endswith("Use the &lt;p&gt; tag.")
        versions, outcomes, _ = history("amp")
        assert versions[0]["body"].endswith("Shares in AT&amp;T rose.")
        assert outcomes == ["new", "unchanged"]
        # Stored "AT&T" (decoded twice) then read "AT&amp;T" (once): no phantom version.
        versions, outcomes, _ = history("upgrade")
        assert outcomes == ["new", "unchanged"] and len(versions) == 1

        versions, outcomes, _ = history("deep")
        assert outcomes == ["new", "changed"]
        assert versions[0]["body"].endswith("The last paragraph as first published.")
        assert versions[1]["body"].endswith("The last paragraph, edited deep in the page.")
        assert versions[1]["body"].split("\n\n")[:2] == [t for _, t in BASE.blocks[:2]]

        versions, outcomes, checks = history("too_deep")
        assert versions == [] and outcomes == ["failed", "failed"]
        assert f"page nested deeper than {MAX_PAGE_DEPTH} levels" in checks[-1]["detail"]

    # The stored text reaches a terminal without a raw escape.
    for args in (["show", urls["hostile"]], ["history", urls["hostile"]]):
        result = CliRunner().invoke(cli, [args[0], "--db", str(db_path), *args[1:]])
        assert result.exit_code == 0, result.output
        assert not RAW_CONTROL.search(result.output)


def test_extract_command_prints_no_raw_control(tmp_path):
    saved = tmp_path / "page.html"
    saved.write_text(hostile_page("c9hyg0007o"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(saved), "--url",
                                      "https://www.bbc.co.uk/news/articles/c9hyg0007o"])
    assert result.exit_code == 0, result.output
    assert not RAW_CONTROL.search(result.output) and not SURROGATE.search(result.output)
    assert "Harbour]0;owned repairs" in result.output
