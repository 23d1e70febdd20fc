"""The one extraction flow (newsdiffs/extract/template.py): the same order for every extractor."""

from __future__ import annotations

import json
import re

import pytest

from newsdiffs.extract import ExtractionError, get_extractor
from newsdiffs.extract.jsonld import jsonld_article
from newsdiffs.extract.metadata import is_media_page, page_title, without_by
from newsdiffs.extract.page import parse_html
from newsdiffs.extract.template import TemplateExtractor

STORY = "".join(f"<p>Paragraph {i} of the story, long enough to be read as body text here.</p>"
                for i in range(6))


def page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def ld(**fields: object) -> str:
    data = {"@type": "NewsArticle", "headline": "From JSON-LD", **fields}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


META = ('<meta property="article:published_time" content="2024-02-02T00:00:00Z">'
        '<meta property="article:modified_time" content="2024-02-03T00:00:00Z">')
IN_PAGE = '<time itemprop="datePublished" datetime="2024-03-03T00:00:00Z"></time>'


@pytest.mark.parametrize("name", ["generic", "guardian", "bbc", "apnews", "cnn"])
def test_dates_are_json_ld_then_meta_then_page_for_every_extractor(name: str) -> None:
    extractor = get_extractor(name)
    body = f'<div class="article-body-commercial-selector">{STORY}</div>{IN_PAGE}'
    both = extractor(page(ld(datePublished="2024-01-01T00:00:00Z") + META, body),
                     "https://example.com/a")
    assert (both.published, both.modified) == ("2024-01-01T00:00:00Z", "2024-02-03T00:00:00Z")
    meta_only = extractor(page(ld() + META, body), "https://example.com/a")
    assert meta_only.published == "2024-02-02T00:00:00Z"


def test_the_page_itself_is_read_last() -> None:
    body = f'<div class="article-body-commercial-selector">{STORY}</div>{IN_PAGE}'
    item = get_extractor("guardian")(page(ld(), body), "https://www.theguardian.com/a")
    assert item.published == "2024-03-03T00:00:00Z"


class _Bare(TemplateExtractor):
    """A site with no layout of its own: everything is the template's."""

    title_suffix = re.compile(r" \| Example$")


def test_a_site_without_hooks_reads_by_the_template() -> None:
    item = _Bare()(page(ld() + "<title>T | Example</title>", f"<article>{STORY}</article>"),
                   "https://example.com/a")
    assert item.body and item.title == "From JSON-LD"  # no <h1>: the JSON-LD headline
    untitled = _Bare()(page('<meta property="og:type" content="article"><title>T | Example</title>',
                            f"<article>{STORY}</article>"), "https://example.com/a")
    assert untitled.title == "T"
    with pytest.raises(ExtractionError, match="no article on this page"):
        _Bare()(page("<title>Index</title>", STORY), "https://example.com/")
    with pytest.raises(ExtractionError, match="live page"):
        _Bare()(page(ld(**{"@type": "LiveBlogPosting"}), STORY), "https://example.com/live")


@pytest.mark.parametrize(
    ("head", "media"),
    [
        ('<meta property="og:type" content="video.other">', True),
        ('<script type="application/ld+json">{"@type": "VideoObject", "name": "v"}</script>', True),
        # An article embedding a video is an article.
        ('<meta property="og:type" content="article">'
         '<script type="application/ld+json">{"@type": "VideoObject", "name": "v"}</script>', False),
        (ld() + '<script type="application/ld+json">{"@type": "VideoObject", "name": "v"}</script>',
         False),
        ("", False),
    ],
)
def test_media_pages(head: str, media: bool) -> None:
    sel = parse_html(page(head, STORY))
    assert is_media_page(sel, jsonld_article(sel) or {}) is media


def test_page_title_and_by_lines() -> None:
    sel = parse_html(page("<title>BBC NEWS | UK | Headline - BBC News</title>"))
    assert page_title(sel, get_extractor("bbc").title_suffix) == "Headline"
    assert page_title(sel) == "BBC NEWS | UK | Headline - BBC News"
    assert [without_by(n) for n in ("By: Jane Doe", "by\u00a0Jo Roe", "Byron Example")] == [
        "Jane Doe", "Jo Roe", "Byron Example"]


def test_an_unknown_extractor_name_is_a_named_error_not_a_key_error():
    from newsdiffs.extract import UnknownExtractor

    with pytest.raises(UnknownExtractor, match="no extractor named 'nosuch'") as caught:
        get_extractor("nosuch")
    assert not isinstance(caught.value, KeyError)
