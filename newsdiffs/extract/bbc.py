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
JSON-LD Person authors. Dates come from JSON-LD, else ``article:*_time`` meta tags, else
the byline ``<time>``.

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

from lxml import etree
from parsel import Selector

from ..items import Block
from .jsonld import join_names
from .metadata import without_by
from .nodes import (
    TextRun,
    body_children,
    first_match,
    first_text,
    iter_events,
    meta_content,
    segment_blocks,
    segments_of,
    skipper,
    text_of,
    without_promos,
)
from .template import Reading, TemplateExtractor
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
#: Only one trailing slash is dropped; sport paths are articles only with ``extra``.
URL_RULES = UrlRules(
    BBC_DOMAINS, ARTICLE_PATHS, NOT_ARTICLE_PARTS, strip="one", extra_paths=SPORT_PATHS
)


def is_article_url(url: str, any_host: bool = False, extra: bool = False) -> bool:
    """True when a URL is a BBC News article (``any_host``: judge by the path alone;
    ``extra``: BBC Sport articles too)."""
    return URL_RULES.match(url, any_host, extra)


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

#: <title> decorations around the headline: a site suffix, and the classic pages' section path
#: before it ("BBC NEWS | UK | Politics | Headline").
TITLE_DECORATION = re.compile(r"^.* \| | - BBC(?: News| Sport)?$")
_UPDATED_LABEL = re.compile(r"^\s*(?:page\s+)?last\s+updated(?:\s+at)?\s*:?\s*", re.I)


# --- reading the layouts -------------------------------------------------------


def _read_current(sel: Selector) -> Reading | None:
    articles = [a for a in sel.css("article") if a.css(CURRENT_TEXT_BLOCK)]
    scope = max(articles, key=lambda a: len(a.css(CURRENT_TEXT_BLOCK))) if articles else sel
    if not scope.css(CURRENT_TEXT_BLOCK) and not sel.css('[data-component="headline-block"]'):
        return None
    skip = skipper(scope, CURRENT_NOT_BODY)
    body: list[Block] = []
    for block in scope.css(CURRENT_BLOCKS):
        segments = segment_blocks(block, skip)
        if block.attrib.get("data-component") in ("subheadline-block", "crosshead-block"):
            segments = [TextRun(s.text, "subheading") for s in segments]
        body.extend(without_promos(segments))

    byline_block = sel.css(CURRENT_BYLINE_BLOCK)
    names = [without_by(text_of(n)) for n in byline_block.css(CURRENT_AUTHOR_NAMES)]
    if not names:
        for contributor in byline_block.css(CURRENT_CONTRIBUTORS):
            # The name is the first innermost <span>; a role may follow it.
            spans = [text_of(s) for s in contributor.xpath(".//span") if not s.xpath(".//span")]
            names.append(without_by(next((s for s in spans if s), text_of(contributor))))
    return Reading(
        layout="current",
        title=first_text(sel, *CURRENT_HEADLINE),
        byline=join_names(names),
        published_raw=byline_block.css(CURRENT_TIME).attrib.get("datetime"),
        body=body,
    )


def _read_story_body(sel: Selector) -> Reading | None:
    container = first_match(sel, STORY_BODY)
    if container is None:
        return None
    skip = skipper(container, STORY_NOT_BODY)
    body: list[Block] = []
    for child in body_children(container, STORY_BLOCK_TAGS, skip):
        body.extend(without_promos(segment_blocks(child, skip)))
    return Reading(
        layout="story-body",
        title=first_text(sel, *STORY_HEADLINE),
        byline=without_by(first_text(sel, STORY_BYLINE)) or None,
        published_raw=first_text(sel, STORY_DATE_SECONDS) or None,
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


def _read_classic(sel: Selector) -> Reading | None:
    if not sel.xpath(f'//comment()[normalize-space(.)="{CLASSIC_START}"]'):
        return None
    skip = skipper(sel, CLASSIC_NOT_BODY)
    segments = segments_of(_classic_events(sel.root), skip, CLASSIC_SKIP_MARKERS)
    for i, s in enumerate(segments):
        if i > 0 and s.bold and len(s.text) <= CLASSIC_CROSSHEAD_MAX:
            s.kind = "subheading"
    return Reading(
        layout="classic",
        title=meta_content(sel, CLASSIC_HEADLINE_META) or first_text(sel, *CLASSIC_HEADLINE),
        byline=without_by(first_text(sel, CLASSIC_BYLINE)) or None,
        published_raw=meta_content(sel, CLASSIC_PUBLISHED_META),
        modified_raw=_classic_updated(sel),
        body=without_promos(segments),
    )


#: Layout readers, most recent first.
LAYOUTS = (_read_current, _read_story_body, _read_classic)


class BBCExtractor(TemplateExtractor):
    """BBC News articles in the current, story-body and classic layouts."""

    name = "bbc"
    version = "5"  # 5: the trafilatura reading keeps text split by <!-- --> comments
    domains = BBC_DOMAINS
    #: Each layout reads its own headline.
    headline = ()
    title_suffix = TITLE_DECORATION
    fallback_prune = FALLBACK_PRUNE

    def read(self, sel: Selector, ld: dict) -> Reading | None:
        return next((r for r in (read(sel) for read in LAYOUTS) if r is not None), None)
