"""Reuters (reuters.com and its regional editions): articles in five layouts.

Each layout has one body container; the body is all of its text except the
parts that are never body (byline bars, "Related Coverage" boxes, photos and
slideshows, videos, ads, the "Trust Principles" badge):

* current (about 2021-): ``[class*="article-body__content"]`` (renamed
  ``article-body-module__content`` later), paragraphs ``[data-testid="paragraph-N"]``;
* 2020-2021: ``div.ArticleBodyWrapper``, paragraphs ``p.Paragraph-paragraph-*``;
* 2018-2020: ``div.StandardArticleBody_body``;
* 2016-2017: ``#article-text``;
* 2014-2015: ``#articleText``.

The sign-off line ("Reporting by ...; Editing by ...") is kept: it is part of
the story as Reuters files it. A paragraph that is nothing but a link is a
promo ("Sign up here"), not body; a short paragraph in capitals is a crosshead.
The byline comes from the page's byline, else the ``author`` meta tag or
JSON-LD; dates from the ``article:*_time`` meta tags (with or without
``og:``), else JSON-LD. A page without a known body falls back to JSON-LD
``articleBody``, then trafilatura with Reuters furniture pruned. Live pages
and pages not marked as articles raise :class:`ExtractionError`.
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

REUTERS_DOMAINS = ("reuters.com",)

#: Current: /<section>[/<subsection>]/<slug>-<yyyy>-<mm>-<dd>/ ; before 2021: /article/...id<CODE>.
ARTICLE_PATHS = (
    re.compile(r"^/(?:[a-z0-9-]+/)+[a-z0-9-]+-\d{4}-\d{2}-\d{2}$"),
    re.compile(r"^/article/(?:[a-z0-9-]+/)*[a-z0-9-]*id[a-z0-9]{8,}$", re.I),
)
#: Path parts of pages that are not articles.
NOT_ARTICLE_PARTS = (
    "/live/", "/video/", "/videos/", "/pictures/", "/graphics/", "/podcasts/",
    "/investigates/special-report/", "/markets/quote/",
)  # fmt: skip


def is_article_url(url: str, any_host: bool = False) -> bool:
    """True when a URL is a Reuters article (``any_host``: judge by the path alone)."""
    host = host_of(url)
    if not any_host and not any(host == d or host.endswith("." + d) for d in REUTERS_DOMAINS):
        return False
    path = urlsplit(url).path.rstrip("/")
    if any(part in path.lower() + "/" for part in NOT_ARTICLE_PARTS):
        return False
    return any(p.match(path) for p in ARTICLE_PATHS)


# --- selectors ----------------------------------------------------------------

#: Body containers, current layout first.
BODY = (
    '[class*="article-body__content"], [class*="article-body-module__content"]',
    "div.ArticleBodyWrapper",
    "div.StandardArticleBody_body",
    "#article-text",
    "#articleText",
)
NOT_BODY = (
    "figure, figcaption, aside, button, svg, #article-byline, "
    '[class*="byline"], [class*="Byline"], [class*="RelatedCoverage"], [class*="related-"], '
    '[class*="Slideshow"], [class*="slideshow"], [class*="PrimaryAsset"], [class*="Image_container"], '
    '[class*="RCOMVideo"], [class*="AdSlot"], [class*="read-time"], [class*="TrustBadge"], '
    '[class*="trustBadge"], [class*="dianomi"], [data-testid="promo-box"], '
    '[data-testid="Image"], [data-testid="primary-gallery"]'
)
HEADLINE = (
    'h1[data-testid="Heading"]', 'h1[class*="Headline-headline"]', "h1.ArticleHeader_headline",
    "h1.article-headline", "h1",
)  # fmt: skip
#: Author links or byline lines, current layout first.
AUTHORS = (
    '[data-testid="AuthorByline"] a', 'a[rel="author"]', '[class*="Byline-author"]',
    ".BylineBar_byline", "#article-byline .author", ".byline",
)  # fmt: skip
PUBLISHED_META = ("article:published_time", "og:article:published_time")
MODIFIED_META = ("article:modified_time", "og:article:modified_time")
#: Removed before the generic fallback reads a Reuters page whose layout gave no body.
FALLBACK_PRUNE = (NOT_BODY, "header, footer, nav")
#: A crosshead: a short paragraph set in capitals ("DISAPPOINTING NIGHT FOR 'IRISHMAN'").
CROSSHEAD_MAX = 80
_BY = re.compile(r"^\s*by\s+", re.I)
TITLE_SUFFIX = " | Reuters"


# --- reading ------------------------------------------------------------------


def _skipper(scope: Selector, css: str) -> Callable[[etree._Element], bool]:
    # CSS matches the scope itself too; the scope is never skipped.
    elements = {found.root for found in scope.css(css)} - {scope.root}
    return elements.__contains__


def _is_crosshead(s: Segment) -> bool:
    return len(s.text) <= CROSSHEAD_MAX and s.text.upper() == s.text and s.text.lower() != s.text


def _body(sel: Selector) -> list[Block]:
    container = next((found[0] for found in map(sel.css, BODY) if found), None)
    if container is None:
        return []
    blocks: list[Block] = []
    for s in segment_blocks(container, _skipper(container, NOT_BODY)):
        if s.linked:  # a promo: "Sign up here", a related story
            continue
        blocks.append(Block(s.text, "subheading" if _is_crosshead(s) else s.kind))
    return blocks


def _byline(sel: Selector, ld: dict) -> str | None:
    for query in AUTHORS:
        names = [_BY.sub("", text_of(n)).strip() for n in sel.css(query)]
        if any(names):
            return join_names(names)
    if name := meta_content(sel, "author", "Author"):
        return name
    return None if ld.get("author_is_organization") else ld.get("author")


class ReutersExtractor(Extractor):
    """Reuters articles in the layouts from 2014 to the present."""

    name = "reuters"
    version = "1"
    domains = REUTERS_DOMAINS

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        ld = jsonld_article(sel) or {}
        if ld.get("live"):
            raise ExtractionError("live page, not an article")
        is_article = bool(ld) or (meta_content(sel, "og:type") or "").lower() == "article"
        body = _body(sel)
        if not body and not is_article:
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
            or first_text(sel, "title").removesuffix(TITLE_SUFFIX),
            byline=_byline(sel, ld),
            published_raw=published_raw,
            published=parse_date(published_raw),
            modified_raw=modified_raw,
            modified=parse_date(modified_raw),
            body=body,
        )
