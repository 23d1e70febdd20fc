"""The New York Times (nytimes.com): articles in two layouts.

**Current layout** (about 2018-): the body is ``section[name="articleBody"]``,
its text in ``div.StoryBodyCompanionColumn`` blocks between empty companion
``<aside>`` columns; photos, videos, interactive graphics, newsletter sign-ups
and "More about ..." link lists sit between the columns and are never body.
Corrections and editors' notes (a ``<strong>Correction:</strong>`` label
followed by the note) live at the ``.bottom-of-article`` and are kept as the
last paragraph: a correction is exactly the kind of change newsdiffs records.
The author bio and the "A version of this article appears in print" line there
are not body.

**Story-body layout** (about 2014-2018): every body paragraph is a
``.story-body-text`` element inside ``article#story``; ads, photos and
newsletter boxes sit between them. Reporting credits and notes are the
``.story-notes`` of the story footer.

The byline comes from the ``author`` meta tag (old pages), the author names in
the page, JSON-LD, else the ``byl`` meta tag ("By ..."). When a page yields no
body, the JSON-LD ``articleBody`` is used, then trafilatura with the NYT
furniture pruned. Live pages (``LiveBlogPosting``) and pages not marked as
articles raise :class:`ExtractionError`.
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

NYT_DOMAINS = ("nytimes.com",)

#: /<yyyy>/<mm>/<dd>/<section>[/<subsection>]/<slug>.html; wire copies under /aponline/, /reuters/.
ARTICLE_PATH = re.compile(
    r"^/(?:aponline/|reuters/)?\d{4}/\d{2}/\d{2}/(?:[a-z0-9-]+/)+[a-z0-9-]+\.html$"
)
#: Path parts of pages that are not articles.
NOT_ARTICLE_PARTS = (
    "/live/", "/interactive/", "/video/", "/slideshow/", "/podcasts/", "/briefing/",
    "/crosswords/", "/puzzles/", "/games/",
)  # fmt: skip


def is_article_url(url: str, any_host: bool = False) -> bool:
    """True when a URL is a NYT article (``any_host``: judge by the path alone)."""
    host = host_of(url)
    if not any_host and not any(host == d or host.endswith("." + d) for d in NYT_DOMAINS):
        return False
    path = urlsplit(url).path.lower()
    if any(part in path for part in NOT_ARTICLE_PARTS):
        return False
    return bool(ARTICLE_PATH.match(path))


# --- selectors ----------------------------------------------------------------

CURRENT_BODY = 'section[name="articleBody"]'
CURRENT_COLUMNS = ".StoryBodyCompanionColumn"
CURRENT_NOT_BODY = (
    "figure, figcaption, aside, section, nav, "
    '[data-testid="photoviewer-wrapper"], [data-testid="VideoBlock"], [id^="story-ad"], .ad'
)
#: The bold label that starts a correction or an editors' note.
_NOTE_LABEL = (
    "[self::strong or self::b]"
    '[starts-with(normalize-space(.), "Correction") or starts-with(normalize-space(.), "Editor")]'
)
#: A correction or editors' note: a block that starts with the label (or with a paragraph that does).
CORRECTIONS = (
    '//*[contains(concat(" ", @class, " "), " bottom-of-article ")]'
    f"//*[self::div or self::section][*[1]{_NOTE_LABEL} or *[1][self::p]/*[1]{_NOTE_LABEL}]"
)

STORY_BODY_TEXT = "article#story .story-body-text, #story .story-body-text"
STORY_NOTES = "footer.story-footer .story-notes p"
STORY_NOT_BODY = "figure, figcaption, .ad, .newsletter-signup, .visually-hidden"

HEADLINE = (
    'h1[data-testid="headline"]', 'h1[itemprop="headline"]:not(.is-hidden)', "h1#headline",
    "h1.headline", "h1",
)  # fmt: skip
#: Author names in the page (current layout, then story-body layout).
AUTHOR_NAMES = (
    '[itemprop~="author"] [itemprop="name"]',
    '.byline-prefix ~ [itemprop="name"]',
    ".byline-author",
)
PUBLISHED_META = ("article:published_time", "article:published", "datePublished")
MODIFIED_META = ("article:modified_time", "article:modified", "dateModified")
#: The dateline's time, when the page has no date in meta tags or JSON-LD.
HEADER_TIME = "header time[datetime]::attr(datetime)"
#: Removed before the generic fallback reads a NYT page whose layout gave no body.
FALLBACK_PRUNE = (
    CURRENT_NOT_BODY,
    "header, footer, #site-index, .bottom-of-article, .story-header, .supplemental",
)
_BY = re.compile(r"^\s*by\s+", re.I)
TITLE_SUFFIX = " - The New York Times"


# --- reading ------------------------------------------------------------------


def _skipper(scope: Selector, css: str) -> Callable[[etree._Element], bool]:
    # CSS matches the scope itself too; the scope is never skipped.
    elements = {found.root for found in scope.css(css)} - {scope.root}
    return elements.__contains__


def _blocks(segments: list[Segment]) -> list[Block]:
    # A list item that is nothing but a link is a "related story" promo.
    return [Block(s.text, s.kind) for s in segments if not (s.kind == "list_item" and s.linked)]


def _current_body(sel: Selector) -> list[Block]:
    # Early pages of this layout (2018) have the columns without the named section.
    columns = sel.css(CURRENT_COLUMNS) or sel.css(CURRENT_BODY)[:1]
    if not columns:
        return []
    blocks: list[Block] = []
    for column in columns:
        blocks.extend(_blocks(segment_blocks(column, _skipper(column, CURRENT_NOT_BODY))))
    blocks.extend(Block(text_of(note)) for note in sel.xpath(CORRECTIONS) if text_of(note))
    return blocks


def _story_body(sel: Selector) -> list[Block]:
    skip = _skipper(sel, STORY_NOT_BODY)
    blocks: list[Block] = []
    for node in sel.css(STORY_BODY_TEXT):
        blocks.extend(_blocks(segment_blocks(node, skip)))
    if blocks:
        blocks.extend(Block(text_of(note)) for note in sel.css(STORY_NOTES) if text_of(note))
    return blocks


def _byline(sel: Selector, ld: dict) -> str | None:
    if name := meta_content(sel, "author"):
        return name
    for query in AUTHOR_NAMES:
        names = [_BY.sub("", text_of(n)).strip(" ,") for n in sel.css(query)]
        if any(names):
            return join_names(names)
    if ld.get("author") and not ld.get("author_is_organization"):
        return ld["author"]
    byl = meta_content(sel, "byl")
    return _BY.sub("", byl).strip() if byl else None


class NYTimesExtractor(Extractor):
    """New York Times articles in the current and story-body layouts."""

    name = "nytimes"
    version = "1"
    domains = NYT_DOMAINS

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        ld = jsonld_article(sel) or {}
        if ld.get("live"):
            raise ExtractionError("live page, not an article")
        is_article = bool(ld) or (meta_content(sel, "og:type") or "").lower() == "article"
        body = _current_body(sel) or _story_body(sel)
        if not body and not is_article:
            raise ExtractionError("no article on this page (no article markup or JSON-LD)")
        body = body or blocks_from_plain_text(ld.get("articleBody"))
        if not body:
            body = trafilatura_blocks(sel, url, prune=FALLBACK_PRUNE)
        if not body:
            raise ExtractionError("no article body")
        published_raw = (
            meta_content(sel, *PUBLISHED_META)
            or ld.get("datePublished")
            or sel.css(HEADER_TIME).get()
        )
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
