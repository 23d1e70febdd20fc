"""Al Jazeera English (aljazeera.com).

**Current layout** (2020-): the story is the text of ``div.wysiwyg`` (``<p>``,
``<h2>``, lists); the "Recommended stories" box, newsletter sign-up and ad
containers inside it are left out. Headline ``header.article-header h1``,
authors ``.article-author-name-item a``, times from JSON-LD.

**2019 layout** (``/news/2019/11/<slug>-<id>.html``, ``/ajimpact/...``): the
paragraphs of ``div.article-p-wrapper``; the "More:" heading with its list of
links, inline story embeds and the "SOURCE:" line are left out. Headline
``h1.post-title``, author ``a[rel=author]`` in the heading, times from JSON-LD
("19 Nov 2019 07:09 GMT").

Live blogs (``LiveBlogPosting``) raise :class:`ExtractionError`; the spider
does not follow them, nor video, gallery, programme or podcast pages (see
:func:`is_article_url`).
"""

from __future__ import annotations

import re

from .layouts import CssLayoutExtractor, Layout
from .urlrules import UrlRules

AJ_DOMAINS = ("aljazeera.com",)

#: Story paths: /<section>/YYYY/M/D/<slug> (2020-) and /<section>/.../<slug>-<12+ digit id>.html.
ARTICLE_PATHS = (
    re.compile(r"^/[a-z-]+/\d{4}/\d{1,2}/\d{1,2}/[a-z0-9-]+$"),
    re.compile(r"^/(?:[a-z-]+/)+(?:\d{4}/\d{1,2}/)?[a-z0-9-]+-\d{12,}\.html$"),
)
#: Never stories: live blogs, video, galleries, TV programmes, podcasts, indexes.
NOT_ARTICLE_PARTS = (
    "/liveblog/", "/live/", "/video/", "/videos/", "/gallery/", "/galleries/", "/inpictures/",
    "/in-pictures/", "/program/", "/programmes/", "/podcasts/", "/audio/", "/tag/", "/author/",
    "/where/", "/topics/", "/interactives/",
)  # fmt: skip


URL_RULES = UrlRules(AJ_DOMAINS, ARTICLE_PATHS, NOT_ARTICLE_PARTS)


def is_article_url(url: str, any_host: bool = False, extra: bool = False) -> bool:
    """True when a URL is an Al Jazeera story (``any_host``: judge by the path alone)."""
    return URL_RULES.match(url, any_host, extra)


LAYOUTS = (
    Layout(
        name="current",
        body="div.wysiwyg",
        not_body=(
            '.more-on, [class*="more-on"], [class*="recommended"], [class*="newsletter"], '
            '.container--ads, .ads, [class*="ad-container"], .article-info-block, '
            ".article-dates, .article-featured-image, .responsive-image"
        ),
        title=("header.article-header h1", "#main-content-area h1"),
        byline=(".article-author-name-item a", ".article-author-name a", "a.author-link"),
    ),
    Layout(
        name="2019",
        body="div.article-p-wrapper",
        not_body=".inpage-embed, .inpage-auto-embed, .article-body-artSource, .article-guid",
        title=("h1.post-title",),
        byline=(".article-heading-author-name a[rel=author]",),
    ),
)


class AlJazeeraExtractor(CssLayoutExtractor):
    """Al Jazeera English stories in the current and 2019 layouts."""

    name = "aljazeera"
    version = "5"  # 5: the trafilatura reading keeps text split by <!-- --> comments
    domains = AJ_DOMAINS
    layouts = LAYOUTS
    fallback_prune = (
        LAYOUTS[0].not_body,
        LAYOUTS[1].not_body,
        ".article-heading, .article-header, .article-about-the-author, .article-body-tags",
    )
    title_suffix = re.compile(r"(?: \| (?:Al Jazeera(?: English)?|News|Features|Opinions))+$")
