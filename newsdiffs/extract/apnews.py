"""The Associated Press (apnews.com, and AP stories on hosted.ap.org).

**Current layout** (apnews.com, 2023-): the story is the ``<p>`` and ``<h2>``
text of ``div.RichTextStoryBody``; embedded photos, videos, "related" link
modules and ads sit inside it in ``div.Enhancement`` / ``.Advertisement``
blocks and are left out. Headline ``h1.Page-headline``, byline
``.Page-authors`` ("By NAME and NAME"), times from JSON-LD / meta tags, else
the ``bsp-timestamp`` milliseconds.

**Card layout** (apnews.com, about 2017-2023): ``div[data-key="article"]``
holds the paragraphs; headline in ``[data-key="card-headline"]``, byline
``span[class*="Component-bylines"]``, time ``[data-key="timestamp"]``.

**Hosted layout** (hosted.ap.org/<paper>/article/..., about 2017-2020): the
paragraphs of ``div.ap-story``, without its headline, byline, photo strip,
share buttons and the topic / trending sections after the story.

Separator lines ("___") and promotion lines ("Follow AP's coverage at ...",
"AP is solely responsible for all content") are dropped; the credit and
correction lines after a separator are kept. A live page (``LiveBlogPosting``) raises
:class:`ExtractionError`; see :func:`is_article_url` for what the spider follows.
"""

from __future__ import annotations

import re

from .layouts import CssLayoutExtractor, Layout
from .urlrules import UrlRules

AP_DOMAINS = ("apnews.com", "hosted.ap.org")

#: Story paths: /article/<slug>-<32 hex> (or the id alone), the older /<32 hex>,
#: and hosted.ap.org/<paper>/article/<32 hex>/<slug>.
ARTICLE_PATHS = (
    re.compile(r"^/article/(?:[a-z0-9-]+-)?[0-9a-f]{32}$"),
    re.compile(r"^/article/[a-z0-9-]+$"),
    re.compile(r"^/[0-9a-f]{32}(?:/[a-z0-9-]+)?$"),
    re.compile(r"^/[a-z0-9_-]+/article/[0-9a-f]{32}(?:/[a-z0-9-]+)?$"),
)
#: Never stories: live pages, video, photo galleries, topic hubs, projects, podcasts.
NOT_ARTICLE_PARTS = (
    "/live/", "/video/", "/videos/", "/photo-gallery/", "/gallery/", "/hub/", "/projects/",
    "/podcasts/", "/podcast/",
)  # fmt: skip


URL_RULES = UrlRules(AP_DOMAINS, ARTICLE_PATHS, NOT_ARTICLE_PARTS)


def is_article_url(url: str, any_host: bool = False, extra: bool = False) -> bool:
    """True when a URL is an AP story worth following (``any_host``: judge by the path alone)."""
    return URL_RULES.match(url, any_host, extra)


#: Inside any AP story container: embeds, ads, related-story modules, photo strips.
NOT_BODY = (
    ".Enhancement, .Advertisement, .HTMLModuleEnhancement, .AudioEnhancement, .displayNone, "
    '[data-parsely-title="Related Stories"], .Page-dateModified, .CarouselSlide, .Figure, '
    '[class*="Component-signature"], [data-key="related-story-embed"], '
    '[data-key="embed-layer"], [class*="ad-placeholder"], '
    # "What to know about ..." promo boxes (their text is repeated in data-gtm-region)
    '.Infobox[data-gtm-region^="What to know"]'
)

LAYOUTS = (
    Layout(
        name="current",
        body="div.RichTextStoryBody",
        not_body=NOT_BODY,
        title=("h1.Page-headline",),
        byline=(".Page-authors",),
        published=("bsp-timestamp::attr(data-timestamp)",),
    ),
    Layout(
        name="card",
        body='div[data-key="article"]',
        not_body=NOT_BODY,
        title=('[data-key="card-headline"] h1', ".CardHeadline h1"),
        byline=('span[class*="Component-bylines"]',),
        published=('[data-key="timestamp"]::attr(data-source)',),
    ),
    Layout(
        name="hosted",
        body="div.ap-story",
        not_body=(
            "section, .ap-story-headline, .ap-story-byline, .ap-story-timestamp, #ap-story-slug, "
            ".gallery-teaser, .ap-story-media-blk-wrap, .social-share-top, .bottom-social-share"
        ),
        title=("h2.ap-story-headline",),
        byline=(".ap-story-byline .field-name-field-byline-original", ".ap-story-byline"),
        published=(".ap-story-timestamp",),
    ),
)


class APNewsExtractor(CssLayoutExtractor):
    """AP stories in the current, card and hosted layouts."""

    name = "apnews"
    version = "5"  # 5: the trafilatura reading keeps text split by <!-- --> comments
    domains = AP_DOMAINS
    layouts = LAYOUTS
    fallback_prune = (NOT_BODY, ".Page-header, .Page-byline, .Page-authors, .Page-footer")
    title_suffix = re.compile(r"(?: \| AP News| \| Hosted| - AP News)+$")
    boilerplate = (
        re.compile(r"^(?:Follow|Find|Read|See|Watch|Get|Sign up for)\b.{0,40}\bAP['’]s? ", re.I),
        re.compile(r"\bAP is solely responsible for all content\b"),
    )
