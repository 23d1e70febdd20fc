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
from urllib.parse import urlsplit

from ..urls import host_of
from .configured import Layout, LayoutExtractor

NPR_DOMAINS = ("npr.org",)

#: Story paths: [/sections/<name> | /blogs/<name>]/YYYY/MM/DD/<id>/<slug>, the id numeric
#: (505723552) or of the newer "nx-s1-5012345" form; and the old story.php?storyId= pages.
ARTICLE_PATHS = (
    re.compile(r"^(?:/(?:sections|blogs)/[a-z0-9_-]+)?/\d{4}/\d{2}/\d{2}/(?:\d{6,}|[a-z]{1,3}-s\d+-\d+)(?:/[a-z0-9-]+)?$"),
    re.compile(r"^/templates/story/story\.php$"),
)  # fmt: skip
#: Never stories: live updates, podcasts and programme pages, transcripts, players, photo galleries.
NOT_ARTICLE_PARTS = (
    "/live-updates", "live-updates/", "/podcasts/", "/programs/", "/transcripts/", "/player/",
    "/sections/pictureshow/", "/series/", "/video/",
)  # fmt: skip


def is_article_url(url: str) -> bool:
    """True when an NPR URL is a story worth following."""
    host = host_of(url)
    if not any(host == d or host.endswith("." + d) for d in NPR_DOMAINS):
        return False
    parts = urlsplit(url)
    path = parts.path.lower().rstrip("/") or "/"
    if any(part in path + "/" for part in NOT_ARTICLE_PARTS) or "live-updates" in path:
        return False
    if path == "/templates/story/story.php":
        return "storyid=" in parts.query.lower()
    return any(p.match(path) for p in ARTICLE_PATHS)


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


class NPRExtractor(LayoutExtractor):
    """NPR stories (``#storytext`` layout)."""

    name = "npr"
    version = "1"
    domains = NPR_DOMAINS
    layouts = LAYOUTS
    prune = (NOT_BODY, ".storytitle, #story-meta, .story-tools, .slug-wrap")
    title_suffixes = (" : NPR",)
