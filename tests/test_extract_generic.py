"""Shared extraction helpers (dates, JSON-LD, links, text of nodes, decoding) and the generic extractor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdiffs.extract import ExtractionError, extractor_for_url, get_extractor
from newsdiffs.extract.fallback import blocks_from_plain_text
from newsdiffs.extract.generic import GenericExtractor
from newsdiffs.extract.jsonld import join_names, jsonld_article
from newsdiffs.extract.metadata import canonical_link, parse_date
from newsdiffs.extract.nodes import segment_blocks, text_of
from newsdiffs.extract.page import decode_html, parse_html
from newsdiffs.items import Block
from newsdiffs.text import clean_blocks, clean_text, markup_leak

FIXTURES = Path(__file__).parent / "fixtures" / "generic"


def page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def ld(*objects: object) -> str:
    return "".join(f'<script type="application/ld+json">{json.dumps(o)}</script>' for o in objects)


# --- parse_date ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2009-05-23T10:00:00Z", "2009-05-23T10:00:00Z"),
        ("2020-04-10T17:58:15+01:00", "2020-04-10T16:58:15Z"),
        ("2015-07-24T05:36:09+0100", "2015-07-24T04:36:09Z"),
        ("2022-10-10T13:21:17.000Z", "2022-10-10T13:21:17Z"),
        ("2024-01-31T23:30:00-05:00", "2024-02-01T04:30:00Z"),
        ("2024-03-05T07:30", "2024-03-05T07:30:00Z"),
        ("2019-11-19", "2019-11-19T00:00:00Z"),
        ("Sat, 23 May 2009 10:00:00 GMT", "2009-05-23T10:00:00Z"),
        ("Tue, 10 Jun 2003 04:00:00 -0500", "2003-06-10T09:00:00Z"),
        ("23 May 2009 10:00 GMT", "2009-05-23T10:00:00Z"),
        ("2009/05/23 10:00:00", "2009-05-23T10:00:00Z"),
        ("  2006/10/21 14:41:10 ", "2006-10-21T14:41:10Z"),
        # Unix times (BBC story-body seconds, AP milliseconds); a short number is no time.
        ("1704912063", "2024-01-10T18:41:03Z"),
        ("1704912063000", "2024-01-10T18:41:03Z"),
        ("20240105", None),
        # The classic BBC "Last updated" line, in both its orders.
        ("19:26 GMT, Sunday, 5 April 2009 20:26 UK", "2009-04-05T19:26:00Z"),
        ("Saturday, 21 October 2006, 14:41 GMT 15:41 UK", "2006-10-21T14:41:00Z"),
        ("yesterday", None),
        ("2 hours ago", None),
        ("2024-13-45", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(raw: str | None, expected: str | None) -> None:
    assert parse_date(raw) == expected


# --- JSON-LD ------------------------------------------------------------------

ARTICLE = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Bridge reopens",
    "datePublished": "2024-01-02T03:04:05Z",
    "dateModified": "2024-01-02T06:00:00Z",
    "author": [
        {"@type": "Person", "name": "Ann Example"},
        {"@type": "Person", "name": "Bo Sample"},
    ],
    "articleBody": "First paragraph.\n\nSecond paragraph.",
}


def test_jsonld_article_single_object() -> None:
    found = jsonld_article(parse_html(page(ld(ARTICLE))))
    assert found is not None
    assert found["type"] == "NewsArticle"
    assert found["headline"] == "Bridge reopens"
    assert found["author"] == "Ann Example and Bo Sample"
    assert found["author_is_organization"] is False
    assert found["datePublished"] == "2024-01-02T03:04:05Z"
    assert found["dateModified"] == "2024-01-02T06:00:00Z"
    assert found["articleBody"] == "First paragraph.\n\nSecond paragraph."
    assert found["live"] is False


def test_jsonld_article_in_a_list_after_other_objects() -> None:
    html = page(ld([{"@type": "BreadcrumbList"}, {"@type": "WebPage", "name": "x"}, ARTICLE]))
    assert jsonld_article(parse_html(html))["headline"] == "Bridge reopens"


def test_jsonld_article_in_graph() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "name": "Paper"},
            {**ARTICLE, "@type": ["ReportageNewsArticle"]},
        ],
    }
    found = jsonld_article(parse_html(page(ld(graph))))
    assert found["type"] == "ReportageNewsArticle"
    assert found["headline"] == "Bridge reopens"


def test_jsonld_broken_scripts_are_skipped() -> None:
    broken = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
    html = page(broken + ld(ARTICLE))
    assert jsonld_article(parse_html(html))["headline"] == "Bridge reopens"
    assert jsonld_article(parse_html(page(broken))) is None


def test_jsonld_trailing_comma_and_html_comment_tolerated() -> None:
    script = '<script type="application/ld+json"><!-- {"@type": "Article", "headline": "Loose",} --></script>'
    assert jsonld_article(parse_html(page(script)))["headline"] == "Loose"


def test_jsonld_prefers_the_news_article() -> None:
    html = page(
        ld(
            {"@type": "Article", "headline": "Generic"},
            {"@type": "NewsArticle", "headline": "News"},
        )
    )
    assert jsonld_article(parse_html(html))["headline"] == "News"


def test_jsonld_organization_author_is_flagged() -> None:
    obj = {
        "@type": "ReportageNewsArticle",
        "headline": "h",
        "author": {"@type": "NewsMediaOrganization", "name": "BBC News"},
    }
    found = jsonld_article(parse_html(page(ld(obj))))
    assert found["author"] == "BBC News"
    assert found["author_is_organization"] is True


def test_jsonld_live_blog_is_flagged() -> None:
    found = jsonld_article(parse_html(page(ld({"@type": "LiveBlogPosting", "headline": "Live"}))))
    assert found["live"] is True


def test_jsonld_without_article() -> None:
    assert jsonld_article(parse_html(page(ld({"@type": "WebSite", "name": "x"})))) is None
    assert jsonld_article(parse_html(page())) is None


def test_join_names() -> None:
    assert join_names([]) is None
    assert join_names(["A"]) == "A"
    assert join_names(["A", "B"]) == "A and B"
    assert join_names(["A", "B", "C", "B"]) == "A, B and C"


# --- canonical_link -----------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "url", "expected"),
    [
        (
            '<link rel="canonical" href="https://www.bbc.com/news/uk-1">',
            "https://www.bbc.co.uk/news/uk-1?x",
            "https://www.bbc.co.uk/news/uk-1",
        ),
        (
            '<link rel="canonical" href="/news/uk-2">',
            "https://www.bbc.co.uk/news/uk-2?at_medium=RSS",
            "https://www.bbc.co.uk/news/uk-2",
        ),
        (
            '<meta property="og:url" content="http://example.org/a?utm_source=x&id=3">',
            "https://example.org/b",
            "https://example.org/a?id=3",
        ),
        (
            '<link rel="Canonical" href="https://example.org/c"><meta property="og:url" content="https://example.org/d">',
            "https://example.org/e",
            "https://example.org/c",
        ),
        ("", "http://example.org/f#top", "https://example.org/f"),
    ],
)
def test_canonical_link(head: str, url: str, expected: str) -> None:
    assert canonical_link(parse_html(page(head)), url) == expected


# --- text of nodes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<p>a <b>bold</b> and <a href='#'>link</a>.</p>", "a bold and link."),
        ("<p>co<b>mp</b>ound</p>", "compound"),
        ("<div><p>one</p><p>two</p></div>", "one two"),
        ("<p>line<br>break</p>", "line break"),
        ("<p>kept<script>var x = '<p>no</p>';</script><style>p{}</style></p>", "kept"),
        ("<p>Smith &amp; Sons&#8217; caf&eacute;</p>", "Smith & Sons\u2019 caf\u00e9"),
        ("<ul><li>a</li><li>b</li></ul>", "a b"),
    ],
)
def test_text_of(body: str, expected: str) -> None:
    node = parse_html(page(body=f"<div id='x'>{body}</div>")).css("#x")[0]
    text = text_of(node)
    assert clean_text(text) == expected
    assert markup_leak(text) is None


def test_text_of_nothing() -> None:
    assert text_of(None) == ""


def test_segment_blocks_kinds_and_promos() -> None:
    html = page(
        body="<div id='x'><h2>Head</h2><p>Para <i>one</i></p><ul><li>item</li>"
        "<li><a href='/y'>Promo</a></li></ul><blockquote><p>Quote</p></blockquote></div>"
    )
    segments = segment_blocks(parse_html(html).css("#x")[0])
    assert [(s.kind, s.text, s.linked) for s in segments] == [
        ("subheading", "Head", False),
        ("paragraph", "Para one", False),
        ("list_item", "item", False),
        ("list_item", "Promo", True),
        ("paragraph", "Quote", False),
    ]


def test_blocks_from_plain_text() -> None:
    assert blocks_from_plain_text("One.\n\n  Two  words.\r\n\r\nThree.") == [
        Block("One."),
        Block("Two words."),
        Block("Three."),
    ]
    assert blocks_from_plain_text("Line one.\nLine two.") == [
        Block("Line one."),
        Block("Line two."),
    ]
    assert blocks_from_plain_text("  ") == []
    assert blocks_from_plain_text(None) == []


# --- decoding -----------------------------------------------------------------


def test_decode_declared_iso_8859_1() -> None:
    data = '<meta http-equiv="content-type" content="text/html; charset=ISO-8859-1"><p>\u00a3200 \u2019</p>'
    raw = data.encode("cp1252")  # what such a page holds: windows-1252 bytes
    assert "\u00a3200 \u2019" in decode_html(raw)


def test_decode_meta_charset_and_xml_declaration() -> None:
    assert "\u00e9" in decode_html('<meta charset="windows-1252"><p>caf\u00e9</p>'.encode("cp1252"))
    assert "\u00e9" in decode_html(
        '<?xml version="1.0" encoding="iso-8859-1"?><p>caf\u00e9</p>'.encode("latin-1")
    )


def test_decode_undeclared_is_sniffed() -> None:
    assert decode_html("<p>caf\u00e9</p>".encode()) == "<p>caf\u00e9</p>"
    # Not UTF-8 and nothing declared: windows-1252, as browsers read it (see test_charset.py).
    assert decode_html(b"<p>caf\xe9 ok</p>") == "<p>caf\u00e9 ok</p>"
    assert decode_html(b"\xef\xbb\xbf<p>bom</p>") == "<p>bom</p>"
    assert (
        decode_html(b'<meta charset="no-such-codec"><p>x</p>')
        == '<meta charset="no-such-codec"><p>x</p>'
    )


def test_parse_html_of_nothing() -> None:
    assert parse_html(b"").css("p") == []


# --- the generic extractor ----------------------------------------------------


def test_generic_fixture() -> None:
    case = FIXTURES / "gazette-article"
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    url = (case / "url.txt").read_text(encoding="utf-8").strip()
    item = GenericExtractor()((case / "page.html").read_bytes(), url)

    problems = [
        f"{name}: expected {expected[name]!r}, got {getattr(item, name)!r}"
        for name in ("title", "byline", "published", "modified", "canonical_url")
        if getattr(item, name) != expected[name]
    ]
    body = clean_blocks(item.body)
    if [[b.kind, b.text] for b in body] != expected["body"]:
        problems.append(f"body: got {[[b.kind, b.text] for b in body]!r}")
    text = "\n\n".join(b.text for b in body)
    problems += [f"body lacks {s!r}" for s in expected["must_contain"] if s not in text]
    problems += [f"body has {s!r}" for s in expected["must_not_contain"] if s in text]
    assert not problems, "\n".join(problems)
    assert (item.extractor, item.extractor_version) == ("generic", GenericExtractor.version)


def test_generic_falls_back_to_jsonld_article_body() -> None:
    html = page(ld(ARTICLE), "<div id='app'></div>")
    item = GenericExtractor()(html, "https://example.org/bridge")
    assert item.body == [Block("First paragraph."), Block("Second paragraph.")]
    assert item.title == "Bridge reopens"
    assert item.published == "2024-01-02T03:04:05Z"


def test_generic_raises_without_body() -> None:
    with pytest.raises(ExtractionError, match="no article body"):
        GenericExtractor()(
            page("<title>Nothing</title>", "<nav><a href='/'>Home</a></nav>"),
            "https://example.org/",
        )


def test_generic_is_registered_and_the_default() -> None:
    assert isinstance(get_extractor("generic"), GenericExtractor)
    assert isinstance(extractor_for_url("https://unknown.example.net/story/1"), GenericExtractor)
