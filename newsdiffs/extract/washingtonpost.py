"""The Washington Post (washingtonpost.com): articles in the current and earlier layouts.

**Current layout** (about 2020-): the body is spread over several
``div[data-qa="article-body"]`` blocks holding ``p[data-el="text"]``
paragraphs, subheadings and lists; "Story continues below advertisement",
interstitial "[Read: ...]" links, newsletter and subscription promos, photos
and videos are other elements.

**Earlier layout** (about 2014-2019, also the ``/news/<blog>/wp/`` blogs): the
``<article>`` inside ``div#article-body``; the signature line, inline photos,
galleries and videos (``.inline-content``) and ``p.interstitial-link`` related
links are not body, but the caption of an inline photo or video (``.pb-caption``,
the Post's own text) is, where it stands.

In both, a paragraph that is nothing but a link is a promo and the closing
"Read more:" list of related stories is dropped. The byline comes from the
author names in the page, else JSON-LD; dates from ``article:*_time`` meta
tags or JSON-LD. A page without a known body falls back to JSON-LD
``articleBody``, then trafilatura with the Post's furniture pruned. Live pages
(``LiveBlogPosting``), video pages and pages not marked as articles raise
:class:`ExtractionError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree
from parsel import Selector

from ..items import Block
from .metadata import author_names, ld_author
from .nodes import meta_content, segment_blocks, skipper
from .template import TemplateExtractor
from .urlrules import UrlRules

# --- which URLs are articles -------------------------------------------------

WAPO_DOMAINS = ("washingtonpost.com",)

#: Current: /<section>/<yyyy>/<mm>/<dd>/<slug>/ ; earlier: /<section>/<slug>/<yyyy>/<mm>/<dd>/<id>_story.html;
#: blogs: /news/<blog>/wp/<yyyy>/<mm>/<dd>/<slug>/
ARTICLE_PATHS = (
    re.compile(r"^/(?:[a-z0-9-]+/)+\d{4}/\d{2}/\d{2}/[a-z0-9-]+$"),
    re.compile(r"^/(?:[a-z0-9-]+/)+\d{4}/\d{2}/\d{2}/[a-z0-9-]+_story\.html$"),
)
#: Path parts of pages that are not articles.
NOT_ARTICLE_PARTS = (
    "/live-updates/", "/live/", "/video/", "/podcasts/", "/photography/", "/graphics/",
    "/interactive/", "/games/", "/crossword",
)  # fmt: skip
#: Live coverage often has an ordinary article path and a slug that says so.
LIVE_SLUG = re.compile(r"(?:^|-)live-updates?(?:-|$)")


URL_RULES = UrlRules(WAPO_DOMAINS, ARTICLE_PATHS, NOT_ARTICLE_PARTS, not_article_slug=LIVE_SLUG)


def is_article_url(url: str, any_host: bool = False, extra: bool = False) -> bool:
    """True when a URL is a Washington Post article (``any_host``: judge by the path alone)."""
    return URL_RULES.match(url, any_host, extra)


# --- selectors ----------------------------------------------------------------

#: Body containers (the outermost matches are read), current layout first.
BODY = ('[data-qa="article-body"], div.article-body', "#article-body article", "#article-body")
NOT_BODY = (
    "figure, figcaption, aside, nav, button, wp-ad, .inline-content, .interstitial-link, "
    ".author-sig-line-wrapper, .pb-sig-line, .trailer, .extra, .hide-for-print, "
    '[data-qa="interstitial-link"], [data-qa="subscribe-promo"], [data-qa*="newsletter"], '
    '[data-qa="article-body-ad"], [data-qa*="ad-container"], [data-qa="article-end"], '
    # Embedded posts (tweets, Instagram, TikTok ...) quote the platform, not the story.
    'blockquote.twitter-tweet, blockquote.twitter-video, blockquote.instagram-media, '
    'blockquote.tiktok-embed, blockquote.bluesky-embed, blockquote.threads-embed, '
    '[data-qa="embed-container"], [data-oembed-type], .social-embed'
)
#: Author names in the page, current layout first; the last ones are "By ..." lines.
AUTHORS = (
    '[data-qa="author-name"]',
    ".author-byline .author-name",
    ".pb-author-name",
    ".pb-byline",
)
#: The closing list of related stories starts with this label.
READ_MORE = re.compile(r"^read more\b[^:]{0,60}:$", re.I)


#: Captions of the photos and videos set in the body (earlier layout): the Post's own text,
#: kept where they stand although the media blocks around them are not body. The caption of a
#: linked graphic (the headline of another page) and gallery slides are not kept.
CAPTIONS = ".inline-photo .pb-caption, .inline-video .pb-caption"


def _skipper_keeping(scope: Selector, css: str, keep: str) -> Callable[[etree._Element], bool]:
    """Like :func:`skipper` (the elements ``css`` finds are skipped), except the elements
    ``keep`` finds: those are read, with nothing else of the skipped blocks around them."""
    skip = skipper(scope, css)
    kept = {k.root for k in scope.css(keep)}
    if not kept:
        return skip
    path: set[etree._Element] = set()  # ancestors of kept elements, up to the scope
    opened: set[etree._Element] = set()  # those at or inside a skipped block
    for element in kept:
        chain = [a for a in element.iterancestors()]
        chain = chain[: chain.index(scope.root)] if scope.root in chain else []
        path.update(chain)
        inside = False
        for ancestor in reversed(chain):  # from the scope down
            inside = inside or skip(ancestor)
            if inside:
                opened.add(ancestor)

    def test(element: etree._Element) -> bool:
        if element in kept or element in path:
            return False
        return skip(element) or element.getparent() in opened

    return test


def _outermost(found: list[Selector]) -> list[Selector]:
    roots = {f.root for f in found}
    return [f for f in found if not any(a in roots for a in f.root.iterancestors())]


class WashingtonPostExtractor(TemplateExtractor):
    """Washington Post articles in the current and earlier layouts."""

    name = "washingtonpost"
    version = "6"  # 6: the trafilatura reading keeps text split by <!-- --> comments
    domains = WAPO_DOMAINS
    headline = (
        'h1[data-qa="headline"]', 'h1[itemprop="headline"]', "#topper-headline-wrapper h1", "h1",
    )  # fmt: skip
    title_suffix = re.compile(r"\s*-\s*The Washington Post$")
    fallback_prune = (NOT_BODY, "header, footer, .pb-sig-line, [data-qa='headline']")
    refuse_media = True

    def body(self, sel: Selector) -> list[Block]:
        containers = next((_outermost(found) for found in map(sel.css, BODY) if found), [])
        blocks: list[Block] = []
        for container in containers:
            for s in segment_blocks(container, _skipper_keeping(container, NOT_BODY, CAPTIONS)):
                if READ_MORE.match(s.text):
                    return blocks
                if not s.linked:  # a paragraph that is all link is a promo
                    blocks.append(Block(s.text, s.kind))
        return blocks

    def byline(self, sel: Selector, ld: dict) -> str | None:
        if names := author_names(sel, AUTHORS):
            return names
        author = meta_content(sel, "author")
        if author and "://" not in author:  # the Post's author meta is often a Facebook URL
            return author
        return ld_author(ld)
