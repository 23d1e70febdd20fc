"""BBC News (bbc.co.uk, bbc.com): three generations of article page.

Which layout a page uses is recognised from its markup, not its URL; the
first that matches reads the page. Selectors are data at the top of this
module.

**Current layout** (bbc.co.uk/news/articles/<id>, 2023-; Next.js). Supported
structure, in document order inside ``<article>`` (or the page, if there is no
``<article>`` holding text blocks)::

    <head>
      <link rel="canonical" href="https://www.bbc.co.uk/news/articles/<id>">
      <script type="application/ld+json">{"@type": "ReportageNewsArticle" | "NewsArticle",
        "headline", "datePublished", "dateModified", "author": [{"@type": "Person", "name"}],
        "articleBody" (optional)}</script>
    <article>
      <div data-component="headline-block"><h1 id="main-heading">Headline</h1></div>
      <div data-component="byline-block">
        <div class="...-TextContributorName">By Jane Doe</div>       (one per author)
        <div class="...-TextContributorRole">Role, BBC News</div>
        ... <time datetime="2024-03-05T09:00:00.000Z">2 hours ago</time> ...
      </div>
      <figure><div data-component="image-block">... <figcaption>caption</figcaption></div></figure>
      <div data-component="text-block"><p>Paragraph</p> <p>...</p> <ul><li>item</li></ul></div>
      <div data-component="subheadline-block"><h2>Subheading</h2></div>
      <div data-component="links-block">related stories</div>
      <div data-component="tags"> | <div data-component="tag-list-block">  topic links
    </article>

Body blocks come only from ``text-block`` (``<p>``: paragraph, ``<li>``:
list item, ``<h2>``/``<h3>``: subheading) and ``subheadline-block`` (its
heading: subheading), in document order. Figures, captions, image credits,
visually hidden labels, links/tags/topic blocks and the byline block (with its
"Published 2 hours ago" and share buttons) are never body, and neither is a
list item that is nothing but a link (a "related story" promo). Authors come
from ``...TextContributorName`` elements (a leading "By " dropped) or the
bbc.com ``data-testid="byline-contributors-contributor-N"`` (or
``byline-new-contributors-contributor-N``) elements (first ``<span>``), else the
JSON-LD Person authors. Dates come from JSON-LD, else the byline ``<time>``.

**Story-body layout** (bbc.com/news/<section>-<number>, about 2015-2020): the
body is the direct ``<p>``, ``<h2>`` and ``<ul>`` children of
``div.story-body__inner``; headline ``h1.story-body__h1``; byline
``.byline__name``. The 2012 World Service layout (``div.bodytext``) is read
the same way.

**Classic layout** (news.bbc.co.uk ``.stm`` pages, 1999-2010, ISO-8859-1):
the story lies between the ``<!-- S BO -->`` and ``<!-- E BO -->`` comments;
images, boxouts, pull quotes, inline links and captions inside it are dropped
by their comment markers and classes. Headline from ``<meta name="Headline">``
(else the story's ``<h1>``), publication time from ``<meta
name="OriginalPublicationDate">`` (GMT), last update from the "Page last
updated at ..." line.

When a page yields no body this way, the JSON-LD ``articleBody`` is used,
then the generic extractor's trafilatura reading with the BBC parts that are
never body (byline, captions, links, tags) pruned first; when that finds
nothing either, :class:`ExtractionError`. A page in no known layout that is
not marked as an article (no JSON-LD article, no ``og:type`` article: a
consent or error page) raises at once, as does a live page
(``LiveBlogPosting``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from lxml import etree
from parsel import Selector

from ..items import ArticleItem, Block
from ..times import to_iso
from .base import ExtractionError, Extractor
from .generic import (
    Segment,
    canonical_link,
    first_text,
    iter_events,
    join_names,
    jsonld_article,
    meta_content,
    parse_date,
    parse_html,
    segment_blocks,
    segments_of,
    text_of,
)
from .site import (
    LIVE_PAGE,
    NOT_AN_ARTICLE,
    body_children,
    body_or_fallbacks,
    first_match,
    is_marked_article,
    ld_author,
    skipper,
    without_by,
    without_promos,
)
from .urlrules import UrlRules

# --- which URLs are articles -------------------------------------------------

BBC_DOMAINS = ("bbc.co.uk", "bbc.com")

#: News article paths: /news/articles/<id>, /news/<section>-<number>, classic /1/hi/.../<n>.stm.
ARTICLE_PATHS = (
    re.compile(r"^/news/articles/[a-z0-9]+$"),
    re.compile(r"^/news/(?:[a-z0-9_]+-)*\d{6,}$"),
    re.compile(r"^/\d/(?:hi|low)/(?:[a-z0-9_]+/)*\d+\.stm$"),
)
#: Sport article paths, followed only when asked for.
SPORT_PATHS = (
    re.compile(r"^/sport/(?:[a-z0-9-]+/)*articles/[a-z0-9]+$"),
    re.compile(r"^/sport/(?:[a-z0-9-]+/)+\d{6,}$"),
    re.compile(r"^/sport\d/(?:hi|low)/(?:[a-z0-9_]+/)*\d+\.stm$"),
)
#: Never articles: live pages, video and audio, programme pages, topic indexes, galleries.
NOT_ARTICLE_PARTS = (
    "/live/", "/iplayer/", "/av/", "/videos/", "/programmes/", "/sounds/", "/news/topics/",
    "in_pictures", "in-pictures",
)  # fmt: skip
#: Only one trailing slash is dropped; sport paths are articles only with ``allow_sport``.
URL_RULES = UrlRules(
    BBC_DOMAINS, ARTICLE_PATHS, NOT_ARTICLE_PARTS, strip="one", extra_paths=SPORT_PATHS
)


def is_article_url(url: str, allow_sport: bool = False) -> bool:
    """True when a BBC URL is a news article worth following (sport too with ``allow_sport``)."""
    return URL_RULES.match(url, extra=allow_sport)


# --- selectors ----------------------------------------------------------------

# Current layout (2023-).
CURRENT_TEXT_BLOCK = '[data-component="text-block"]'
CURRENT_BLOCKS = (
    '[data-component="text-block"], [data-component="subheadline-block"], '
    '[data-component="crosshead-block"], [data-component="unordered-list-block"]'
)
CURRENT_HEADLINE = ('[data-component="headline-block"] h1', "h1#main-heading")
CURRENT_BYLINE_BLOCK = '[data-component="byline-block"]'
CURRENT_AUTHOR_NAMES = '[class*="TextContributorName"]'
CURRENT_CONTRIBUTORS = (
    '[data-testid^="byline-contributors-contributor-"], '
    '[data-testid^="byline-new-contributors-contributor-"]'
)
CURRENT_TIME = "time[datetime]"
CURRENT_NOT_BODY = (
    "figure, figcaption, aside, nav, "
    '[data-component="image-block"], [data-component="caption-block"], '
    '[data-component="video-block"], [data-component="media-block"], '
    '[data-component="links-block"], [data-component="tags"], [data-component="tag-list-block"], '
    '[data-component="topic-list"], [data-component="ad-slot"], [data-component="byline-block"], '
    '[class*="VisuallyHidden"], [class*="visually-hidden"]'
)

# Story-body layout (about 2015-2020) and the 2012 World Service layout.
STORY_BODY = ("div.story-body__inner", 'div[property="articleBody"]', "div.bodytext")
STORY_HEADLINE = ("h1.story-body__h1", "h1.story-header", ".story-body h1", "h1")
STORY_BYLINE = ".byline__name"
STORY_DATE_SECONDS = "div.date[data-seconds]::attr(data-seconds)"
#: Direct children of the body container that hold body text.
STORY_BLOCK_TAGS = frozenset({"p", "h2", "h3", "ul", "ol"})
STORY_NOT_BODY = (
    "figure, figcaption, .media-caption, .caption, p.caption, .off-screen, .story-image-copyright, "
    ".bbccom_slot, .mpu-ad"
)

# Classic layout (news.bbc.co.uk .stm pages).
CLASSIC_START, CLASSIC_END = "S BO", "E BO"
#: Comment-delimited parts of the story that are not story text.
CLASSIC_SKIP_MARKERS = {
    "S IIMA": "E IIMA",  # inline image with caption
    "S IBOX": "E IBOX",  # boxout
    "S IBQ": "E IBQ",  # pull quote
    "S ILIN": "E ILIN",  # inline related links
    "S IINC": "E IINC",  # include (most popular, promos)
    "S BYL": "E BYL",  # byline
    "S IBYL": "E IBYL",
    "caption": "END - caption",  # video caption
}
CLASSIC_NOT_BODY = (
    "table, .cap, .caption, .videoInStoryC, .emp, .sharesb, .mvtb, .byl, .byd, .ibox, .bx"
)
CLASSIC_HEADLINE_META = "Headline"
CLASSIC_HEADLINE = ("div.mxb h1", "div.mxb div.sh", "h1")
CLASSIC_PUBLISHED_META = "OriginalPublicationDate"
CLASSIC_UPDATED = (".ds", ".datestamp")
CLASSIC_BYLINE = ".byl"
#: A bold-only paragraph this short is a crosshead ("'Barmy'"), not the bold intro.
CLASSIC_CROSSHEAD_MAX = 80

#: Removed before the generic fallback reads a BBC page whose layout gave no body.
FALLBACK_PRUNE = (
    CURRENT_NOT_BODY,
    STORY_NOT_BODY,
    '[data-component="headline-block"], [data-component="most-read"], header, footer',
    ".byline, .story-body__mini-info-list-and-share",
)

#: <title> decorations around the headline.
TITLE_SUFFIXES = (" - BBC News", " - BBC Sport", " - BBC")
_UPDATED_LABEL = re.compile(r"^\s*(?:page\s+)?last\s+updated(?:\s+at)?\s*:?\s*", re.I)
# "19:26 GMT, Sunday, 5 April 2009 20:26 UK" and "Saturday, 21 October 2006, 14:41 GMT 15:41 UK".
_CLASSIC_TIME_FIRST = re.compile(r"(\d{1,2}:\d{2}) GMT,\s*\w+,\s*(\d{1,2} \w+ \d{4})")
_CLASSIC_DATE_FIRST = re.compile(r"\w+,\s*(\d{1,2} \w+ \d{4}),\s*(\d{1,2}:\d{2}) GMT")


# --- reading the layouts -------------------------------------------------------


@dataclass
class _Reading:
    """What one layout found on the page."""

    layout: str
    title: str = ""
    byline: str | None = None
    published_raw: str | None = None
    modified_raw: str | None = None
    body: list[Block] = field(default_factory=list)


def _page_title(sel: Selector) -> str:
    title = first_text(sel, "title")
    for suffix in TITLE_SUFFIXES:
        title = title.removesuffix(suffix)
    return title.rsplit(" | ", 1)[-1].strip()


def _read_current(sel: Selector, ld: dict) -> _Reading | None:
    articles = [a for a in sel.css("article") if a.css(CURRENT_TEXT_BLOCK)]
    scope = max(articles, key=lambda a: len(a.css(CURRENT_TEXT_BLOCK))) if articles else sel
    if not scope.css(CURRENT_TEXT_BLOCK) and not sel.css('[data-component="headline-block"]'):
        return None
    skip = skipper(scope, CURRENT_NOT_BODY)
    body: list[Block] = []
    for block in scope.css(CURRENT_BLOCKS):
        segments = segment_blocks(block, skip)
        if block.attrib.get("data-component") in ("subheadline-block", "crosshead-block"):
            segments = [Segment(s.text, "subheading") for s in segments]
        body.extend(without_promos(segments))

    byline_block = sel.css(CURRENT_BYLINE_BLOCK)
    names = [without_by(text_of(n)) for n in byline_block.css(CURRENT_AUTHOR_NAMES)]
    if not names:
        for contributor in byline_block.css(CURRENT_CONTRIBUTORS):
            # The name is the first innermost <span>; a role may follow it.
            spans = [text_of(s) for s in contributor.xpath(".//span") if not s.xpath(".//span")]
            names.append(without_by(next((s for s in spans if s), text_of(contributor))))
    byline = join_names(names) or ld_author(ld)
    return _Reading(
        layout="current",
        title=first_text(sel, *CURRENT_HEADLINE) or ld.get("headline") or "",
        byline=byline,
        published_raw=ld.get("datePublished")
        or byline_block.css(CURRENT_TIME).attrib.get("datetime")
        or meta_content(sel, "article:published_time"),
        modified_raw=ld.get("dateModified") or meta_content(sel, "article:modified_time"),
        body=body,
    )


def _read_story_body(sel: Selector, ld: dict) -> _Reading | None:
    container = first_match(sel, STORY_BODY)
    if container is None:
        return None
    skip = skipper(container, STORY_NOT_BODY)
    body: list[Block] = []
    for child in body_children(container, STORY_BLOCK_TAGS, skip):
        body.extend(without_promos(segment_blocks(child, skip)))
    byline = first_text(sel, STORY_BYLINE) or ld_author(ld)
    published_raw = ld.get("datePublished")
    if not published_raw:
        seconds = sel.css(STORY_DATE_SECONDS).get()
        if seconds and seconds.isdigit():
            published_raw = seconds
    return _Reading(
        layout="story-body",
        title=first_text(sel, *STORY_HEADLINE) or ld.get("headline") or "",
        byline=without_by(byline) if byline else None,
        published_raw=published_raw,
        modified_raw=ld.get("dateModified"),
        body=body,
    )


def _classic_events(root: etree._Element):
    """The events between the first ``S BO`` comment and the next ``E BO``."""
    inside = False
    for event, value in iter_events(root):
        if event == "comment" and value == CLASSIC_START and not inside:
            inside = True
        elif event == "comment" and value == CLASSIC_END and inside:
            return
        elif inside:
            yield event, value


def _classic_updated(sel: Selector) -> str | None:
    for query in CLASSIC_UPDATED:
        text = first_text(sel, query)
        if _UPDATED_LABEL.match(text):
            return _UPDATED_LABEL.sub("", text)
    return None


def _date(raw: str | None) -> str | None:
    """ISO 8601 UTC from any date a BBC page gives: ISO, Unix seconds, classic "Last updated" text.

    "19:26 GMT, Sunday, 5 April 2009 20:26 UK" -> "2009-04-05T19:26:00Z".
    """
    if not raw:
        return None
    if raw.isdigit():  # story-body pages give Unix seconds
        return to_iso(datetime.fromtimestamp(int(raw), timezone.utc))
    if match := _CLASSIC_TIME_FIRST.search(raw):
        return parse_date(f"{match.group(2)} {match.group(1)} GMT")
    if match := _CLASSIC_DATE_FIRST.search(raw):
        return parse_date(f"{match.group(1)} {match.group(2)} GMT")
    return parse_date(raw)


def _read_classic(sel: Selector, ld: dict) -> _Reading | None:
    if not sel.xpath(f'//comment()[normalize-space(.)="{CLASSIC_START}"]'):
        return None
    skip = skipper(sel, CLASSIC_NOT_BODY)
    segments = segments_of(_classic_events(sel.root), skip, CLASSIC_SKIP_MARKERS)
    for i, s in enumerate(segments):
        if i > 0 and s.bold and len(s.text) <= CLASSIC_CROSSHEAD_MAX:
            s.kind = "subheading"
    byline = first_text(sel, CLASSIC_BYLINE)
    return _Reading(
        layout="classic",
        title=meta_content(sel, CLASSIC_HEADLINE_META) or first_text(sel, *CLASSIC_HEADLINE),
        byline=without_by(byline) if byline else None,
        published_raw=meta_content(sel, CLASSIC_PUBLISHED_META),
        modified_raw=_classic_updated(sel),
        body=without_promos(segments),
    )


#: Layout readers, most recent first.
LAYOUTS = (_read_current, _read_story_body, _read_classic)


class BBCExtractor(Extractor):
    """BBC News articles in the current, story-body and classic layouts."""

    name = "bbc"
    version = "4"
    domains = BBC_DOMAINS

    def extract(self, html: str | bytes, url: str) -> ArticleItem:
        sel = parse_html(html)
        ld = jsonld_article(sel) or {}
        if ld.get("live"):
            raise ExtractionError(LIVE_PAGE)
        reading = next((r for r in (read(sel, ld) for read in LAYOUTS) if r is not None), None)
        if reading is None:
            if not is_marked_article(sel, ld):
                raise ExtractionError(NOT_AN_ARTICLE)
            reading = _Reading(
                layout="none",
                title=ld.get("headline") or meta_content(sel, "og:title") or _page_title(sel),
                byline=ld_author(ld),
                published_raw=ld.get("datePublished"),
                modified_raw=ld.get("dateModified"),
            )
        # The generic fallbacks, without the parts of BBC pages that are never body.
        body = body_or_fallbacks(sel, url, reading.body, ld, FALLBACK_PRUNE)
        if not body:
            raise ExtractionError("no article body")
        return ArticleItem(
            url=url,
            canonical_url=canonical_link(sel, url),
            title=reading.title or _page_title(sel),
            byline=reading.byline,
            published_raw=reading.published_raw,
            published=_date(reading.published_raw),
            modified_raw=reading.modified_raw,
            modified=_date(reading.modified_raw),
            body=body,
        )
