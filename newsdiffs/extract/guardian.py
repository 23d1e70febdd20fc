"""The Guardian (theguardian.com, formerly guardian.co.uk): articles in two layouts.

**Current layout** ("dotcom-rendering", about 2021-): the body is the direct
``<p>``, ``<h2>``, ``<h3>``, list and ``<blockquote>`` children of
``div.article-body-commercial-selector``; photos, rich links ("Read more"),
newsletter sign-ups and the sign-in gate sit in ``<figure>``, ``<aside>`` and
``<gu-island>`` children and are never body. Headline in
``[data-gu-name="headline"] h1``, byline in the ``address`` of the meta block.

**Frontend layout** (about 2014-2021): the direct children of
``div.content__article-body[itemprop="articleBody"]``; rich links are
``<aside>`` elements, the "Topics" block a ``div.submeta``. Photo essays set each
photo's caption as a list right after the photo (``figure.element-image--photo-essay``):
there the captions are written as part of the story (who is shown, where, what
happened), so they are kept, as paragraphs. Captions of other photos are not.

Dates come from JSON-LD, else ``article:published_time`` / ``article:modified_time``
(the Guardian's web publication and last-modified times), else the
``<time itemprop="datePublished">`` of the frontend layout (the template's order). When a page yields
no body this way, the JSON-LD ``articleBody`` is used, then trafilatura with
the Guardian's furniture pruned. A live blog (``LiveBlogPosting``, or the
frontend's live-blog, gallery and media page markup) or a page not marked as an
article raises :class:`ExtractionError`; the spider skips live, video, gallery
and audio paths.
"""

from __future__ import annotations

import re

from parsel import Selector

from ..items import Block
from .metadata import author_names, ld_author
from .nodes import (
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

GUARDIAN_DOMAINS = ("theguardian.com", "guardian.co.uk")

#: /<section>[/<series>]/<yyyy>/<mon>/<dd>/<slug>
ARTICLE_PATH = re.compile(r"^/(?:[a-z0-9-]+/)+\d{4}/[a-z]{3}/\d{2}/[a-z0-9-]+$")
#: Path parts of pages that are not articles: live blogs, media, interactives, puzzles.
NOT_ARTICLE_PARTS = (
    "/live/", "/video/", "/gallery/", "/picture/", "/audio/", "/podcasts/",
    "/interactive/", "/ng-interactive/", "/crosswords/",
)  # fmt: skip


URL_RULES = UrlRules(GUARDIAN_DOMAINS, (ARTICLE_PATH,), NOT_ARTICLE_PARTS)


def is_article_url(url: str, any_host: bool = False, extra: bool = False) -> bool:
    """True when a URL is a Guardian article (``any_host``: judge by the path alone)."""
    return URL_RULES.match(url, any_host, extra)


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
    '[data-component="rich-link"], [data-spacefinder-role], #sign-in-gate'
)
#: A photo essay's photo: the list right after it is that photo's caption (story text).
PHOTO_ESSAY_FIGURE = "photo-essay"
#: Contributor links: both layouts mark them rel=author.
AUTHORS = (
    '[data-gu-name="meta"] a[rel="author"]',
    'address[data-component="meta-byline"] a[rel="author"]',
    'a[rel="author"] [itemprop="name"]',
    'a[rel="author"]',
)
BYLINE_BLOCK = 'address[data-component="meta-byline"], address[aria-label="Contributor info"]'
#: Pages that are not articles whatever their URL: live blogs, galleries, audio, video.
NOT_ARTICLE_PAGES = (
    "#liveblog-body, .content--liveblog, .content--gallery, .content--media, "
    '[data-gu-name="liveblog"]'
)


def _is_photo_essay_caption(element: Selector) -> bool:
    """Whether a body list is the caption of the photo-essay photo just before it."""
    if element.root.tag != "ul":
        return False
    previous = element.root.getprevious()
    return (previous is not None and previous.tag == "figure"
            and PHOTO_ESSAY_FIGURE in (previous.get("class") or ""))


class GuardianExtractor(TemplateExtractor):
    """Guardian articles in the current (dotcom-rendering) and frontend layouts."""

    name = "guardian"
    version = "5"  # 5: the trafilatura reading keeps text split by <!-- --> comments
    domains = GUARDIAN_DOMAINS
    headline = (
        '[data-gu-name="headline"] h1', "h1.content__headline", 'h1[itemprop="headline"]', "h1",
    )  # fmt: skip
    title_suffix = re.compile(r"\s*\|\s*(?:[^|]+\|\s*)?The Guardian$")
    published_css = ('time[itemprop="datePublished"]::attr(datetime)',)
    modified_css = ('time[itemprop="dateModified"]::attr(datetime)',)
    fallback_prune = (
        "figure, aside, gu-island, nav, header, footer, .submeta, #sign-in-gate",
        '[data-gu-name="meta"], [data-gu-name="headline"], [data-gu-name="standfirst"]',
    )
    live_message = "live blog, gallery or media page, not an article"
    not_article_css = NOT_ARTICLE_PAGES

    def body(self, sel: Selector) -> list[Block]:
        container = first_match(sel, BODY)
        if container is None:
            return []
        skip = skipper(container, NOT_BODY)
        blocks: list[Block] = []
        for child in body_children(container, BODY_TAGS, skip):
            segments = segment_blocks(child, skip)
            if _is_photo_essay_caption(child):
                blocks.extend(Block(s.text) for s in segments)
            else:
                blocks.extend(without_promos(segments))
        return blocks

    def byline(self, sel: Selector, ld: dict) -> str | None:
        return (
            author_names(sel, AUTHORS, clean=str)
            or first_text(sel, BYLINE_BLOCK)
            or meta_content(sel, "author")
            or ld_author(ld)
        )
