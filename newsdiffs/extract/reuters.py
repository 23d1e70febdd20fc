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
JSON-LD; dates from JSON-LD, else the ``article:*_time`` meta tags (with or
without ``og:``). A page without a known body falls back to JSON-LD
``articleBody``, then trafilatura with Reuters furniture pruned. Live pages
and pages not marked as articles raise :class:`ExtractionError`.
"""

from __future__ import annotations

import re

from parsel import Selector

from ..items import Block
from .metadata import author_names, ld_author
from .nodes import TextRun, first_match, meta_content, segment_blocks, skipper
from .template import TemplateExtractor
from .urlrules import UrlRules

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


#: The article paths see the path's own case (only the /article/ one ignores it).
URL_RULES = UrlRules(REUTERS_DOMAINS, ARTICLE_PATHS, NOT_ARTICLE_PARTS, lower=False)


def is_article_url(url: str, any_host: bool = False, extra: bool = False) -> bool:
    """True when a URL is a Reuters article (``any_host``: judge by the path alone)."""
    return URL_RULES.match(url, any_host, extra)


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
#: Author links or byline lines, current layout first.
AUTHORS = (
    '[data-testid="AuthorByline"] a', 'a[rel="author"]', '[class*="Byline-author"]',
    ".BylineBar_byline", "#article-byline .author", ".byline",
)  # fmt: skip
#: A crosshead: a short paragraph set in capitals ("DISAPPOINTING NIGHT FOR 'IRISHMAN'").
CROSSHEAD_MAX = 80


def _is_crosshead(s: TextRun) -> bool:
    return len(s.text) <= CROSSHEAD_MAX and s.text.upper() == s.text and s.text.lower() != s.text


class ReutersExtractor(TemplateExtractor):
    """Reuters articles in the layouts from 2014 to the present."""

    name = "reuters"
    version = "5"  # 5: the trafilatura reading keeps text split by <!-- --> comments
    domains = REUTERS_DOMAINS
    headline = (
        'h1[data-testid="Heading"]', 'h1[class*="Headline-headline"]', "h1.ArticleHeader_headline",
        "h1.article-headline", "h1",
    )  # fmt: skip
    title_suffix = re.compile(r" \| Reuters$")
    published_meta = ("article:published_time", "og:article:published_time")
    modified_meta = ("article:modified_time", "og:article:modified_time")
    fallback_prune = (NOT_BODY, "header, footer, nav")

    def body(self, sel: Selector) -> list[Block]:
        container = first_match(sel, BODY)
        if container is None:
            return []
        return [
            Block(s.text, "subheading" if _is_crosshead(s) else s.kind)
            for s in segment_blocks(container, skipper(container, NOT_BODY))
            if not s.linked  # a promo: "Sign up here", a related story
        ]

    def byline(self, sel: Selector, ld: dict) -> str | None:
        return author_names(sel, AUTHORS) or meta_content(sel, "author", "Author") or ld_author(ld)
