"""The generic extractor's headline: the one readers see, not an SEO or site-suffixed title."""

from __future__ import annotations

import json

import pytest

from newsdiffs.extract.generic import GenericExtractor
from newsdiffs.extract.headline import displayed_headline
from newsdiffs.extract.page import parse_html

BODY = "".join(f"<p>Paragraph {i} of the story about the town's new ferry timetable.</p>"
               for i in range(6))


def page(head: str, h1: str = "") -> str:
    return (f"<html><head>{head}</head><body><header><a href='/'>Gazette</a></header>"
            f"<article>{h1}{BODY}</article></body></html>")


def ld_headline(text: str) -> str:
    return ('<script type="application/ld+json">'
            + json.dumps({"@type": "NewsArticle", "headline": text}) + "</script>")


@pytest.mark.parametrize(
    "head, h1, expected",
    [
        # JSON-LD carries an SEO headline; the <h1> is og:title: the <h1> wins.
        (ld_headline("Ferry firm to cut winter sailings, says council")
         + '<meta property="og:title" content="Winter ferry timetable cut">',
         "<h1>Winter ferry timetable cut</h1>", "Winter ferry timetable cut"),
        # og:title adds the site name; the <h1> is the first part.
        ('<meta property="og:title" content="Winter ferry timetable cut | Gazette">',
         "<h1>Winter ferry timetable cut</h1>", "Winter ferry timetable cut"),
        # A kicker in front, in the title and inside the <h1>.
        ('<meta property="og:title" content="Transport: Winter ferry timetable cut">',
         '<h1><span class="article-kicker">Transport</span><span class="visually-hidden">: '
         "</span><span>Winter ferry timetable cut</span></h1>", "Winter ferry timetable cut"),
        # No <h1>: the <title>'s site-name suffix (the host) is dropped.
        ("<title>Winter ferry timetable cut - GAZETTE</title>", "", "Winter ferry timetable cut"),
        # An <h1> that is only the site's logo text is never the headline.
        ("<title>Winter ferry timetable cut - Gazette</title>", "<h1>Gazette</h1>",
         "Winter ferry timetable cut"),
        # An unrelated <h1> (a section name) leaves the metadata title alone.
        ('<meta property="og:title" content="Winter ferry timetable cut">',
         "<h1>Latest news</h1>", "Winter ferry timetable cut"),
        # A colon inside a headline is not a separator unless an <h1> says so.
        ('<meta property="og:title" content="Ferries: the winter timetable explained">',
         "", "Ferries: the winter timetable explained"),
    ],
)
def test_generic_headline(head, h1, expected):
    item = GenericExtractor()(page(head, h1), "https://www.gazette.example/news/ferry")
    assert item.title == expected


def test_displayed_headline_keeps_a_title_with_no_better_candidate():
    sel = parse_html(page(""))
    assert displayed_headline(sel, "A plain headline", "https://gazette.example/x") == (
        "A plain headline")


def test_a_short_site_name_does_not_hide_a_headline():
    item = GenericExtractor()(page('<meta property="og:title" content="Gift shops">',
                                   "<h1>Gift shops</h1>"), "https://www.ft.com/content/x")
    assert item.title == "Gift shops"
