"""CNN (cnn.com, edition.cnn.com, money.cnn.com): articles in four layouts.

**Current layout** (about 2022-): the body is the direct ``<p>``, heading, list
and ``<blockquote>`` children of ``div.article__content``; the "CNN —" source
line, images, videos and ads are other elements and never body.

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
from collections.abc import Callable
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from ..items import ArticleItem, Block
from ..urls import host_of
from .base import ExtractionError, Extractor
from .generic import (
    Segment,
    blocks_from_plain_text,
    canonical_link,
    first_text,
    join_names,
    jsonld_article,
    meta_content,
    parse_date,
    parse_html,
    segment_blocks,
    text_of,
    trafilatura_blocks,
)

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


def is_article_url(url: str, any_host: bool = False) -> bool:
    """True when a URL is a CNN article (``any_host``: judge by the path alone)."""
    host = host_of(url)
    if not any_host and not any(host == d or host.endswith("." + d) for d in CNN_DOMAINS):
        return False
    path = urlsplit(url).path.lower()
    if any(part in path for part in NOT_ARTICLE_PARTS):
        return False
    path = path.rstrip("/")
    return any(p.match(path) for p in ARTICLE_PATHS)


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
    # The "(CNN)" dateline: the current layout sets it apart ("CNN —"), so keeping it in
    # the zone layout's first paragraph would make one story read as two texts.
    "cite.el-editorial-source"
)
HEADLINE = (
    'h1[data-editable="headlineText"]', "h1.headline__text", "h1.pg-headline",
    "h1.article-title", "#cnnContentContainer h1", "h1",
)  # fmt: skip
#: Author names (current layout), then whole byline lines ("By A and B, CNN").
AUTHOR_NAMES = ".byline__name"
BYLINE_LINES = (".metadata__byline__author", ".cnnByline", ".byline-timestamp .byline", ".byline")
PUBLISHED_META = ("article:published_time", "pubdate", "og:pubdate", "datePublished")
MODIFIED_META = ("article:modified_time", "lastmod", "dateModified")
#: Removed before the generic fallback reads a CNN page whose layout gave no body.
FALLBACK_PRUNE = (NOT_BODY, "header, footer, nav, .metadata, .byline, .headline, .zn-story-bottom")
_BY = re.compile(r"^\s*by\s+", re.I)
TITLE_SUFFIX = re.compile(r"\s*[-|]\s*CNN(?:\.com| Business| Politics)?$")


# --- reading ------------------------------------------------------------------


def _skipper(scope: Selector, css: str) -> Callable[[etree._Element], bool]:
    # CSS matches the scope itself too; the scope is never skipped.
    elements = {found.root for found in scope.css(css)} - {scope.root}
    return elements.__contains__


def _blocks(segments: list[Segment]) -> list[Block]:
    # A paragraph or list item that is all link is a promo ("Related: ...", "Sign up").
    return [Block(s.text, s.kind) for s in segments if not s.linked]


def _body(sel: Selector) -> list[Block]:
    skip = _skipper(sel, NOT_BODY)
    blocks: list[Block] = []
    paragraphs = sel.css(ZONE_PARAGRAPHS)
    if paragraphs:
        for paragraph in paragraphs:
            blocks.extend(_blocks(segment_blocks(paragraph, skip)))
        return blocks
    container = next((found[0] for found in map(sel.css, CHILD_BODIES) if found), None)
    if container is None:
        return []
    for child in container.xpath("./*"):
        if child.root.tag in BODY_TAGS and not skip(child.root):
            segments = segment_blocks(child, skip)
            if not blocks and child.root.tag == "h2":
                # CNN Money sets the lede sentence as an <h2> above the first paragraph.
                segments = [Segment(s.text, "paragraph", linked=s.linked) for s in segments]
            blocks.extend(_blocks(segments))
    return blocks


def _byline(sel: Selector, ld: dict) -> str | None:
    names = [text_of(n) for n in sel.css(AUTHOR_NAMES)]
    if any(names):
        return join_names(names)
    for query in BYLINE_LINES:
        line = _BY.sub("", first_text(sel, query)).strip()
        if line:
            return line
    author = meta_content(sel, "author")
    if author:
        return author
    return None if ld.get("author_is_organization") else ld.get("author")


class CNNExtractor(Extractor):
    """CNN articles in the current, zone, CNN Money and classic layouts."""

    name = "cnn"
    version = "1"
    domains = CNN_DOMAINS

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        ld = jsonld_article(sel) or {}
        if ld.get("live"):
            raise ExtractionError("live story, not an article")
        og_type = (meta_content(sel, "og:type") or "").lower()
        if og_type.startswith("video"):
            raise ExtractionError("video page, not an article")
        body = _body(sel)
        if not body and not (ld or og_type == "article"):
            raise ExtractionError("no article on this page (no article markup or JSON-LD)")
        body = body or blocks_from_plain_text(ld.get("articleBody"))
        if not body:
            body = trafilatura_blocks(sel, url, prune=FALLBACK_PRUNE)
        if not body:
            raise ExtractionError("no article body")
        published_raw = meta_content(sel, *PUBLISHED_META) or ld.get("datePublished")
        modified_raw = meta_content(sel, *MODIFIED_META) or ld.get("dateModified")
        return ArticleItem(
            url=url,
            canonical_url=canonical_link(sel, url),
            title=first_text(sel, *HEADLINE)
            or ld.get("headline")
            or TITLE_SUFFIX.sub("", first_text(sel, "title")),
            byline=_byline(sel, ld),
            published_raw=published_raw,
            published=parse_date(published_raw),
            modified_raw=modified_raw,
            modified=parse_date(modified_raw),
            body=body,
        )
