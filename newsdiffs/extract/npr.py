"""NPR (npr.org).

**Story layout** (2010s to now): the story is the ``<p>``, heading and list
text of ``div#storytext``. Everything else in it lives in ``.bucketwrap``
blocks (images with their "hide caption" / "toggle caption" credits, audio
players, "related story" internal links, embeds, pull quotes) or ad
``<aside>`` elements, and is left out. Headline ``.storytitle h1``, authors
``.byline__name``, publication time ``.dateblock time[datetime]`` (JSON-LD when
the page has it).

Live-update pages (``LiveBlogPosting``) raise :class:`ExtractionError`; see
:func:`is_article_url` for what the spider follows (no podcasts, programme
pages, transcripts or photo galleries).
"""

from __future__ import annotations

import re

from .layouts import CssLayoutExtractor, Layout
from .urlrules import UrlRules

NPR_DOMAINS = ("npr.org",)

#: Story paths: [/sections/<name> | /blogs/<name>]/YYYY/MM/DD/<id>/<slug>, the id numeric
#: (505723552) or of the newer "nx-s1-5012345" form; and the old story.php?storyId= pages.
ARTICLE_PATHS = (
    re.compile(r"^(?:/(?:sections|blogs)/[a-z0-9_-]+)?/\d{4}/\d{2}/\d{2}/(?:\d{6,}|[a-z]{1,3}-s\d+-\d+)(?:/[a-z0-9-]+)?$"),
    re.compile(r"^/templates/story/story\.php$"),
)  # fmt: skip
#: Never stories: live updates, podcasts and programme pages, transcripts, players, photo galleries.
NOT_ARTICLE_PARTS = (
    "live-updates", "/podcasts/", "/programs/", "/transcripts/", "/player/",
    "/sections/pictureshow/", "/series/", "/video/",
)  # fmt: skip
#: story.php is a story only with a storyId= in its query.
URL_RULES = UrlRules(
    NPR_DOMAINS, ARTICLE_PATHS, NOT_ARTICLE_PARTS,
    query_paths=(("/templates/story/story.php", "storyid="),),
)  # fmt: skip


def is_article_url(url: str, any_host: bool = False, extra: bool = False) -> bool:
    """True when a URL is an NPR story worth following (``any_host``: judge by the path alone)."""
    return URL_RULES.match(url, any_host, extra)


#: Inside #storytext: media, captions, related links, players, ads, callouts.
NOT_BODY = (
    ".bucketwrap, .credit-caption, .caption, .credit, .enlarge_html, .enlarge_measure, "
    ".enlarge-options, .hide-caption, .toggle-caption, .internallink, .resaudio, .audio-module, "
    ".ad-backstage, .ad-secondary, [class*=ad-wrap], .callout, [id*=newsletter], "
    "[id^=callout], .tags, .share-tools, .pullquote"
)

LAYOUTS = (
    Layout(
        name="storytext",
        body="div#storytext",
        not_body=NOT_BODY,
        title=(".storytitle h1", "article.story h1"),
        byline=(".byline__name", ".byline .name"),
        published=(".dateblock time::attr(datetime)", "time[datetime]::attr(datetime)"),
    ),
)


class NPRExtractor(CssLayoutExtractor):
    """NPR stories (``#storytext`` layout)."""

    name = "npr"
    version = "5"  # 5: the trafilatura reading keeps text split by <!-- --> comments
    domains = NPR_DOMAINS
    layouts = LAYOUTS
    fallback_prune = (NOT_BODY, ".storytitle, #story-meta, .story-tools, .slug-wrap")
    title_suffix = re.compile(r" : NPR$")
