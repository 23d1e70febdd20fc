"""CNN (cnn.com, edition.cnn.com, money.cnn.com): articles in four layouts.

**Current layout** (about 2022-): the body is the direct ``<p>``, heading, list
and ``<blockquote>`` children of ``div.article__content``; images, videos and
ads are other elements and never body.

**Zone layout** (about 2014-2022): every body paragraph is a
``.zn-body__paragraph`` element (a ``<div>`` or ``<p>``; subheadings are an
``<h3>`` inside one), partly hidden behind a "Read More" button; embedded
stories, images and ads sit between them.

**CNN Money layout** (money.cnn.com, about 2014-2019): the direct children of
``div#storytext``; videos, ads, calculators and the "First published" line are
other elements.

**Classic layout** (about 2008-2014): the direct ``<p>`` children of
``div.cnn_strycntntlft``; "Story highlights", related topics and share tools
are boxes between them.

The dateline ("Hong Kong (CNN Business) —", "(CNN) —") opens the story as it is
printed: it is the start of the first paragraph, written ``<place> (<source>) —``
whichever layout sets it (the zone layout's ``<cite>`` inside that paragraph, the
current layout's source line above it), so that a story moved from one layout to
the other reads the same.

In every layout a paragraph that is nothing but a link ("Related: ...", a
newsletter "Sign up") is a promo, not body. The byline comes from the page's
author names or byline line, else the ``author`` meta tag; dates from
``article:*_time`` / ``pubdate`` / ``lastmod`` meta tags or JSON-LD. A page
without a known body falls back to JSON-LD ``articleBody``, then trafilatura
with CNN's furniture pruned. Live stories (``LiveBlogPosting``), video pages
(``og:type`` video) and pages not marked as articles raise
:class:`ExtractionError`; the spider skips gallery and video paths.
"""

from __future__ import annotations

import re

from parsel import Selector

from ..items import Block
from .metadata import author_names, ld_author, without_by
from .nodes import (
    TextRun,
    body_children,
    first_match,
    first_text,
    meta_content,
    segment_blocks,
    skipper,
    without_promos,
)
from .template import TemplateExtractor
from .urlrules import UrlRules

# --- which URLs are articles -------------------------------------------------

CNN_DOMAINS = ("cnn.com",)

#: /<yyyy>/<mm>/<dd>/<section>/<slug>[/index.html]; before 2011 /<yyyy>/<SECTION>/<mm>/<dd>/<slug>/.
ARTICLE_PATHS = (
    re.compile(r"^/\d{4}/\d{2}/\d{2}/(?:[a-z0-9-]+/)+[a-z0-9.-]+(?:/index\.html)?$"),
    re.compile(r"^/\d{4}/[a-z.]+/\d{2}/\d{2}/[a-z0-9.-]+(?:/index\.html)?$"),
)
#: Path parts of pages that are not articles: live stories, video, galleries, podcasts.
NOT_ARTICLE_PARTS = (
    "/live-news/", "/videos/", "/video/", "/gallery/", "/audio/", "/podcasts/",
    "/interactive/", "/specials/",
)  # fmt: skip


#: The parts are looked for in the path as given, the article paths matched without its slashes.
URL_RULES = UrlRules(CNN_DOMAINS, ARTICLE_PATHS, NOT_ARTICLE_PARTS, parts_after_strip=False)


def is_article_url(url: str, any_host: bool = False, extra: bool = False) -> bool:
    """True when a URL is a CNN article (``any_host``: judge by the path alone)."""
    return URL_RULES.match(url, any_host, extra)


# --- selectors ----------------------------------------------------------------

#: Body containers whose direct children are the text, and the tags of those children.
CHILD_BODIES = ("div.article__content", "div#storytext", "div.cnn_strycntntlft")
BODY_TAGS = frozenset({"p", "h2", "h3", "h4", "ul", "ol", "blockquote"})
#: The zone layout: each paragraph marked by class, wherever it sits.
ZONE_PARAGRAPHS = ".zn-body__paragraph"
NOT_BODY = (
    "figure, figcaption, aside, .source, .cnnplayer, .ad, .ad-slot, [id^='ad_'], .teads-inread, "
    "#smartassetcontainer, .storytimestamp, .cnn_strylftcntnt, .cnn_strybtntoolsbttm, "
    ".el__embedded, .el__leafmedia--featured-video-collection, .zn-body__read-more, "
    # The dateline: read by dateline() and put before the first paragraph in one form.
    "cite.el-editorial-source, .source__cite"
)
#: The dateline of the zone layout ("Hong Kong (CNN Business)"), of the current one
#: (place and source apart: "Chicago", "CNN").
ZONE_DATELINE = "cite.el-editorial-source"
DATELINE_PLACE, DATELINE_SOURCE = ".source__cite .source__location", ".source__cite .source__text"
#: Author names (current layout), then whole byline lines ("By A and B, CNN").
AUTHOR_NAMES = (".byline__name",)
BYLINE_LINES = (".metadata__byline__author", ".cnnByline", ".byline-timestamp .byline", ".byline")


class CNNExtractor(TemplateExtractor):
    """CNN articles in the current, zone, CNN Money and classic layouts."""

    name = "cnn"
    version = "5"  # 5: the dateline; the trafilatura fallback keeps text split by <!-- -->
    domains = CNN_DOMAINS
    headline = (
        'h1[data-editable="headlineText"]', "h1.headline__text", "h1.pg-headline",
        "h1.article-title", "#cnnContentContainer h1", "h1",
    )  # fmt: skip
    title_suffix = re.compile(r"\s*[-|]\s*CNN(?:\.com| Business| Politics)?$")
    published_meta = ("article:published_time", "pubdate", "og:pubdate", "datePublished")
    modified_meta = ("article:modified_time", "lastmod", "dateModified")
    fallback_prune = (
        NOT_BODY,
        "header, footer, nav, .metadata, .byline, .headline, .zn-story-bottom",
    )
    live_message = "live story, not an article"
    refuse_media = True

    def body(self, sel: Selector) -> list[Block]:
        blocks = self._body(sel)
        line = dateline(sel)
        if line and blocks and blocks[0].kind == "paragraph" and not blocks[0].text.startswith(line):
            blocks[0] = Block(f"{line} \u2014 {blocks[0].text}", "paragraph")
        return blocks

    def _body(self, sel: Selector) -> list[Block]:
        skip = skipper(sel, NOT_BODY)
        paragraphs = sel.css(ZONE_PARAGRAPHS)
        if paragraphs:
            segments = [s for p in paragraphs for s in segment_blocks(p, skip)]
            return without_promos(segments, any_kind=True)
        container = first_match(sel, CHILD_BODIES)
        if container is None:
            return []
        blocks: list[Block] = []
        for child in body_children(container, BODY_TAGS, skip):
            segments = segment_blocks(child, skip)
            if not blocks and child.root.tag == "h2":
                # CNN Money sets the lede sentence as an <h2> above the first paragraph.
                segments = [TextRun(s.text, "paragraph", linked=s.linked) for s in segments]
            # A paragraph or list item that is all link is a promo ("Related: ...", "Sign up").
            blocks.extend(without_promos(segments, any_kind=True))
        return blocks

    def byline(self, sel: Selector, ld: dict) -> str | None:
        if names := author_names(sel, AUTHOR_NAMES, clean=str):
            return names
        for query in BYLINE_LINES:
            if line := without_by(first_text(sel, query)):
                return line
        return meta_content(sel, "author") or ld_author(ld)


def dateline(sel: Selector) -> str | None:
    """``<place> (<source>)`` or ``(<source>)`` from either layout's dateline, else ``None``."""
    if zone := " ".join(first_text(sel, ZONE_DATELINE).split()).rstrip(" \u2014-"):
        return zone
    source = " ".join(first_text(sel, DATELINE_SOURCE).split())
    if not source:
        return None
    place = " ".join(first_text(sel, DATELINE_PLACE).split())
    return f"{place} ({source})" if place else f"({source})"
