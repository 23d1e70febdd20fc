"""The Guardian (theguardian.com, formerly guardian.co.uk): articles in two layouts.

**Current layout** ("dotcom-rendering", about 2021-): the body is the direct
``<p>``, ``<h2>``, ``<h3>``, list and ``<blockquote>`` children of
``div.article-body-commercial-selector``; photos, rich links ("Read more"),
newsletter sign-ups and the sign-in gate sit in ``<figure>``, ``<aside>`` and
``<gu-island>`` children and are never body. Headline in
``[data-gu-name="headline"] h1``, byline in the ``address`` of the meta block.

**Frontend layout** (about 2014-2021): the direct children of
``div.content__article-body[itemprop="articleBody"]``; rich links are
``<aside>`` elements, the "Topics" block a ``div.submeta``. Photo essays put each
photo's caption in a list right after the photo: those lists are captions.

Dates come from ``article:published_time`` / ``article:modified_time`` (the
Guardian's web publication and last-modified times), else JSON-LD, else the
``<time itemprop="datePublished">`` of the frontend layout. When a page yields
no body this way, the JSON-LD ``articleBody`` is used, then trafilatura with
the Guardian's furniture pruned. A live blog (``LiveBlogPosting``, or the
frontend's live-blog, gallery and media page markup) or a page not marked as an
article raises :class:`ExtractionError`; the spider skips live, video, gallery
and audio paths.
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

GUARDIAN_DOMAINS = ("theguardian.com", "guardian.co.uk")

#: /<section>[/<series>]/<yyyy>/<mon>/<dd>/<slug>
ARTICLE_PATH = re.compile(r"^/(?:[a-z0-9-]+/)+\d{4}/[a-z]{3}/\d{2}/[a-z0-9-]+$")
#: Path parts of pages that are not articles: live blogs, media, interactives, puzzles.
NOT_ARTICLE_PARTS = (
    "/live/", "/video/", "/gallery/", "/picture/", "/audio/", "/podcasts/",
    "/interactive/", "/ng-interactive/", "/crosswords/",
)  # fmt: skip


def is_article_url(url: str, any_host: bool = False) -> bool:
    """True when a URL is a Guardian article (``any_host``: judge by the path alone)."""
    host = host_of(url)
    if not any_host and not any(host == d or host.endswith("." + d) for d in GUARDIAN_DOMAINS):
        return False
    path = urlsplit(url).path.lower().rstrip("/")
    if any(part in path + "/" for part in NOT_ARTICLE_PARTS):
        return False
    return bool(ARTICLE_PATH.match(path))


# --- selectors ----------------------------------------------------------------

#: Body containers, current layout first.
BODY = (
    "div.article-body-commercial-selector",
    "div.content__article-body",
    '[itemprop="articleBody"]',
    "div#article-body-blocks",
)
#: Direct children of the body container that hold body text.
BODY_TAGS = frozenset({"p", "h2", "h3", "ul", "ol", "blockquote"})
NOT_BODY = (
    "figure, figcaption, aside, gu-island, .submeta, .after-article, .element-rich-link, "
    '[data-component="rich-link"], [data-spacefinder-role], #sign-in-gate, '
    # Photo essays caption each photo with the list that follows it.
    'figure[class*="photo-essay"] + ul'
)
HEADLINE = ('[data-gu-name="headline"] h1', "h1.content__headline", 'h1[itemprop="headline"]', "h1")
#: Contributor links: both layouts mark them rel=author.
AUTHORS = (
    '[data-gu-name="meta"] a[rel="author"]',
    'address[data-component="meta-byline"] a[rel="author"]',
    'a[rel="author"] [itemprop="name"]',
    'a[rel="author"]',
)
BYLINE_BLOCK = 'address[data-component="meta-byline"], address[aria-label="Contributor info"]'
PUBLISHED_TIME = 'time[itemprop="datePublished"]::attr(datetime)'
MODIFIED_TIME = 'time[itemprop="dateModified"]::attr(datetime)'
#: Pages that are not articles whatever their URL: live blogs, galleries, audio, video.
NOT_ARTICLE_PAGES = (
    "#liveblog-body, .content--liveblog, .content--gallery, .content--media, "
    '[data-gu-name="liveblog"]'
)
#: Removed before the generic fallback reads a Guardian page whose layout gave no body.
FALLBACK_PRUNE = (
    "figure, aside, gu-island, nav, header, footer, .submeta, #sign-in-gate",
    '[data-gu-name="meta"], [data-gu-name="headline"], [data-gu-name="standfirst"]',
)
TITLE_SUFFIX = re.compile(r"\s*\|\s*(?:[^|]+\|\s*)?The Guardian$")


# --- reading ------------------------------------------------------------------


def _skipper(scope: Selector, css: str) -> Callable[[etree._Element], bool]:
    # CSS matches the scope itself too; the scope is never skipped.
    elements = {found.root for found in scope.css(css)} - {scope.root}
    return elements.__contains__


def _body(sel: Selector) -> list[Block]:
    container = next((found[0] for found in map(sel.css, BODY) if found), None)
    if container is None:
        return []
    skip = _skipper(container, NOT_BODY)
    blocks: list[Block] = []
    for child in container.xpath("./*"):
        if child.root.tag in BODY_TAGS and not skip(child.root):
            for s in segment_blocks(child, skip):
                # A list item that is nothing but a link is a "related story" promo.
                if not (s.kind == "list_item" and s.linked):
                    blocks.append(Block(s.text, s.kind))
    return blocks


def _byline(sel: Selector, ld: dict) -> str | None:
    for query in AUTHORS:
        names = [text_of(a) for a in sel.css(query)]
        if any(names):
            return join_names(names)
    return (
        first_text(sel, BYLINE_BLOCK)
        or meta_content(sel, "author")
        or (None if ld.get("author_is_organization") else ld.get("author"))
    )


def _page_title(sel: Selector) -> str:
    return TITLE_SUFFIX.sub("", first_text(sel, "title"))


class GuardianExtractor(Extractor):
    """Guardian articles in the current (dotcom-rendering) and frontend layouts."""

    name = "guardian"
    version = "1"
    domains = GUARDIAN_DOMAINS

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        ld = jsonld_article(sel) or {}
        if ld.get("live") or sel.css(NOT_ARTICLE_PAGES):
            raise ExtractionError("live blog, gallery or media page, not an article")
        is_article = bool(ld) or (meta_content(sel, "og:type") or "").lower() == "article"
        body = _body(sel)
        if not body and not is_article:
            raise ExtractionError("no article on this page (no article markup or JSON-LD)")
        body = body or blocks_from_plain_text(ld.get("articleBody"))
        if not body:
            body = trafilatura_blocks(sel, url, prune=FALLBACK_PRUNE)
        if not body:
            raise ExtractionError("no article body")
        published_raw = (
            meta_content(sel, "article:published_time")
            or ld.get("datePublished")
            or sel.css(PUBLISHED_TIME).get()
        )
        modified_raw = (
            meta_content(sel, "article:modified_time")
            or ld.get("dateModified")
            or sel.css(MODIFIED_TIME).get()
        )
        return ArticleItem(
            url=url,
            canonical_url=canonical_link(sel, url),
            title=first_text(sel, *HEADLINE) or ld.get("headline") or _page_title(sel),
            byline=_byline(sel, ld),
            published_raw=published_raw,
            published=parse_date(published_raw),
            modified_raw=modified_raw,
            modified=parse_date(modified_raw),
            body=body,
        )
