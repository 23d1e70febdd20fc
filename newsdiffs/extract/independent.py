"""The Independent (independent.co.uk).

Both layouts keep the story in ``div#main`` inside the ``<article>``:

**Current layout** (2022-): ``<p>`` and ``<h2>`` children of ``#main``,
between inline "Read more" boxes, ad slots, newsletter sign-ups and figures,
which are left out.

**2020 layout** (AMP, styled-components classes such as ``sc-qOiPt``): each
paragraph wrapped in its own ``<div>``; a picture gallery ("UK news in
pictures"), the "Read more" aside and the "More about" tag list sit in
``#main`` too and are left out.

Headline: the ``<h1>`` of ``header#articleHeader`` (the standfirst ``<h2>`` is
not body); authors: its ``/author/`` links, else JSON-LD; times from JSON-LD.
Live blogs (``LiveBlogPosting``) raise :class:`ExtractionError`; see
:func:`is_article_url` for what the spider follows.
"""

from __future__ import annotations

import re

from .layouts import CssLayoutExtractor, Layout
from .urlrules import UrlRules

INDEPENDENT_DOMAINS = ("independent.co.uk",)

#: Story paths end in an id: -b1234567.html (2020-), -a1234567.html or -1234567.html (older).
ARTICLE_PATH = re.compile(r"^/(?:[a-z0-9_-]+/)+[a-z0-9-]+-[ab]?\d{5,}\.html$")
#: Live blogs: "...-live-b2512345.html", "...-live-updates-b...", "live-blog".
LIVE_SLUG = re.compile(r"(?:^|[/-])live(?:-(?:updates?|blog|latest|news))*-[ab]?\d{5,}\.html$|"
                       r"live-?blog|live-updates")
#: Never stories: video (Independent TV), galleries, podcasts, topic and author pages.
NOT_ARTICLE_PARTS = (
    "/tv/", "/video/", "/videos/", "/gallery/", "/galleries/", "/in-pictures", "/podcasts/",
    "/topic/", "/author/", "/live/",
)  # fmt: skip


#: The path is read as given: no slash stripped, the parts looked for in it as it stands.
URL_RULES = UrlRules(
    INDEPENDENT_DOMAINS, (ARTICLE_PATH,), NOT_ARTICLE_PARTS,
    strip="none", parts_after_strip=False, not_article_path=LIVE_SLUG,
)  # fmt: skip


def is_article_url(url: str, any_host: bool = False, extra: bool = False) -> bool:
    """True when a URL is an Independent story worth following, not a live blog
    (``any_host``: judge by the path alone)."""
    return URL_RULES.match(url, any_host, extra)


#: Inside #main: related boxes, ads, galleries, sign-ups, share and comment tools.
NOT_BODY = (
    ".inline-readmore, .inline-related, .related, .related-item, .ad-wrapper, [data-mpu], "
    ".teads, [class*=newsletter], [data-newsletter], .gallery-btn, [data-gallery-length], "
    "amp-lightbox, amp-carousel, #article-im-prompt, .article-im-prompt, .social-share, "
    ".comment-count, .apester-media, .i-gallery, .icon-gallery, .video-player, .jw-player"
)

LAYOUTS = (
    Layout(
        name="main",
        body="#main",
        not_body=NOT_BODY,
        title=("header#articleHeader h1", "article h1"),
        byline=('header#articleHeader a[href*="/author/"]',),
        published=("header#articleHeader [datetime]::attr(datetime)",),
    ),
)


class IndependentExtractor(CssLayoutExtractor):
    """The Independent's stories, current and 2020 (AMP) layouts."""

    name = "independent"
    version = "5"  # 5: the trafilatura reading keeps text split by <!-- --> comments
    domains = INDEPENDENT_DOMAINS
    layouts = LAYOUTS
    fallback_prune = (NOT_BODY, "header#articleHeader, .comments, #comments")
    title_suffix = re.compile(r"(?: \| The Independent)+$")
