"""The New York Times (nytimes.com): articles in two layouts.

**Current layout** (about 2018-): the body is ``section[name="articleBody"]``,
its text in ``div.StoryBodyCompanionColumn`` blocks between empty companion
``<aside>`` columns; photos, videos, interactive graphics, newsletter sign-ups
and "More about ..." link lists sit between the columns and are never body.
Corrections and editors' notes (a ``<strong>Correction:</strong>`` label
followed by the note) live at the ``.bottom-of-article`` and are kept as the
last paragraph: a correction is exactly the kind of change newsdiffs records.
The author bio and the "A version of this article appears in print" line there
are not body. The caption of a photo or video set between the columns is kept
where it stands (its text only: the credit is not story, and the template
words it differently from one year to the next); the lede image's caption and
the dek in the header are not (most expected texts leave them out).

**Story-body layout** (about 2014-2018): every body paragraph is a
``.story-body-text`` element inside ``article#story``; ads, photos and
newsletter boxes sit between them. Reporting credits and notes are the
``.story-notes`` of the story footer; corrections and editors' notes, the
``#addenda`` after the story, are kept as the last paragraphs, as in the
current layout. Photo captions in the story body (``.caption-text``, without the
credit) are kept where they stand.

The byline comes from the ``author`` meta tag (old pages), the author names in
the page, JSON-LD, else the ``byl`` meta tag ("By ..."). When a page yields no
body, the JSON-LD ``articleBody`` is used, then trafilatura with the NYT
furniture pruned. Live pages (``LiveBlogPosting``) and pages not marked as
articles raise :class:`ExtractionError`.
"""

from __future__ import annotations

import re

from parsel import Selector

from ..items import Block
from .metadata import author_names, ld_author, without_by
from .nodes import meta_content, segment_blocks, skipper, text_of, without_promos
from .template import TemplateExtractor
from .urlrules import UrlRules

# --- which URLs are articles -------------------------------------------------

NYT_DOMAINS = ("nytimes.com",)

#: /<yyyy>/<mm>/<dd>/<section>[/<subsection>]/<slug>.html; wire copies under /aponline/, /reuters/.
ARTICLE_PATH = re.compile(
    r"^/(?:aponline/|reuters/)?\d{4}/\d{2}/\d{2}/(?:[a-z0-9-]+/)+[a-z0-9-]+\.html$"
)
#: Path parts of pages that are not articles.
NOT_ARTICLE_PARTS = (
    "/live/", "/interactive/", "/video/", "/slideshow/", "/podcasts/", "/briefing/",
    "/crosswords/", "/puzzles/", "/games/",
)  # fmt: skip


#: The path is read as given: no slash stripped, the parts looked for in it as it stands.
URL_RULES = UrlRules(
    NYT_DOMAINS, (ARTICLE_PATH,), NOT_ARTICLE_PARTS, strip="none", parts_after_strip=False
)


def is_article_url(url: str, any_host: bool = False, extra: bool = False) -> bool:
    """True when a URL is a NYT article (``any_host``: judge by the path alone)."""
    return URL_RULES.match(url, any_host, extra)


# --- selectors ----------------------------------------------------------------

CURRENT_BODY = 'section[name="articleBody"]'
CURRENT_COLUMNS = ".StoryBodyCompanionColumn"
CURRENT_NOT_BODY = (
    "figure, figcaption, aside, section, nav, "
    '[data-testid="photoviewer-wrapper"], [data-testid="VideoBlock"], [id^="story-ad"], .ad'
)
#: A photo or video caption between the text columns (not the lede image's in the header):
#: its caption text, the figcaption's first child when a ``<span>`` (a credit-only caption
#: starts with the credit; recirculation images hold a ``<section>``).
CURRENT_CAPTIONS = (
    "figure[not(ancestor::header)]/descendant::figcaption[1]"
    "/*[1][self::span][not(@itemprop='copyrightHolder')]"
)
#: A photo credit read where a caption was expected ("Credit", "CreditName", "Credit...Name";
#: not "Credit card debt ...").
_CREDIT = re.compile(r"^(?:Photo\s*)?Credit(?![a-z])(?!\s+[a-z])")
#: The bold label that starts a correction or an editors' note.
_NOTE_LABEL = (
    "[self::strong or self::b]"
    '[starts-with(normalize-space(.), "Correction") or starts-with(normalize-space(.), "Editor")]'
)
#: A correction or editors' note: a block that starts with the label (or with a paragraph that does).
CORRECTIONS = (
    '//*[contains(concat(" ", @class, " "), " bottom-of-article ")]'
    f"//*[self::div or self::section][*[1]{_NOTE_LABEL} or *[1][self::p]/*[1]{_NOTE_LABEL}]"
)

STORY_BODY_TEXT = "article#story .story-body-text, #story .story-body-text"
#: The caption text of a photo or video in the story body (the credit is a span of its own).
STORY_CAPTIONS = ".story-body figure figcaption .caption-text"
STORY_NOTES = "footer.story-footer .story-notes p"
#: Corrections and editors' notes of this layout: "Correction: <date>" and the note, one block each.
STORY_ADDENDA = "#addenda .story-addendum"
STORY_NOT_BODY = "figure, figcaption, .ad, .newsletter-signup, .visually-hidden"

#: Author names in the page (current layout, then story-body layout).
AUTHOR_NAMES = (
    '[itemprop~="author"] [itemprop="name"]',
    '.byline-prefix ~ [itemprop="name"]',
    ".byline-author",
)


def _current_body(sel: Selector) -> list[Block]:
    # Early pages of this layout (2018) have the columns without the named section.
    columns = sel.css(CURRENT_COLUMNS) or sel.css(CURRENT_BODY)[:1]
    if not columns:
        return []
    # The captions of the figures between the columns, in reading order with them.
    container = columns[0].xpath("ancestor::*[self::section or self::article][1]")
    captions = {c.root for c in container.xpath(f".//{CURRENT_CAPTIONS}")} if container else set()
    blocks: list[Block] = []
    for node in _in_order(columns, captions):
        if node.root in captions:
            if (text := text_of(node)) and not _CREDIT.match(text):
                blocks.append(Block(text))
            continue
        blocks.extend(without_promos(segment_blocks(node, skipper(node, CURRENT_NOT_BODY))))
    blocks.extend(Block(text_of(note)) for note in sel.xpath(CORRECTIONS) if text_of(note))
    return blocks


def _in_order(nodes: list[Selector], extra: set) -> list[Selector]:
    """``nodes`` and the elements of ``extra`` not inside one of them, in document order."""
    if not extra or not nodes:
        return list(nodes)
    roots = {n.root for n in nodes}
    root = nodes[0].root.getroottree().getroot()
    order = {el: i for i, el in enumerate(root.iter())}
    wrap = {n.root: n for n in nodes}
    loose = [e for e in extra if not any(a in roots for a in e.iterancestors())]
    for e in loose:
        wrap[e] = Selector(root=e)
    return [wrap[e] for e in sorted(wrap, key=order.__getitem__)]


def _story_body(sel: Selector) -> list[Block]:
    skip = skipper(sel, STORY_NOT_BODY)
    paragraphs = sel.css(STORY_BODY_TEXT)
    captions = {c.root for c in sel.css(STORY_CAPTIONS)} if paragraphs else set()
    blocks: list[Block] = []
    for node in _in_order(paragraphs, captions):
        if node.root in captions:
            if text := text_of(node):
                blocks.append(Block(text))
            continue
        blocks.extend(without_promos(segment_blocks(node, skip)))
    if blocks:
        blocks.extend(Block(text_of(note)) for note in sel.css(STORY_NOTES) if text_of(note))
        blocks.extend(Block(text_of(note)) for note in sel.css(STORY_ADDENDA) if text_of(note))
    return blocks


class NYTimesExtractor(TemplateExtractor):
    """New York Times articles in the current and story-body layouts."""

    name = "nytimes"
    version = "6"  # 6: the trafilatura reading keeps text split by <!-- --> comments
    domains = NYT_DOMAINS
    headline = (
        'h1[data-testid="headline"]', 'h1[itemprop="headline"]:not(.is-hidden)', "h1#headline",
        "h1.headline", "h1",
    )  # fmt: skip
    title_suffix = re.compile(r" - The New York Times$")
    published_meta = ("article:published_time", "article:published", "datePublished")
    modified_meta = ("article:modified_time", "article:modified", "dateModified")
    #: The dateline's time, when the page has no date in meta tags or JSON-LD.
    published_css = ("header time[datetime]::attr(datetime)",)
    fallback_prune = (
        CURRENT_NOT_BODY,
        "header, footer, #site-index, .bottom-of-article, .story-header, .supplemental",
    )

    def body(self, sel: Selector) -> list[Block]:
        return _current_body(sel) or _story_body(sel)

    def byline(self, sel: Selector, ld: dict) -> str | None:
        if name := meta_content(sel, "author"):
            return name
        if names := author_names(sel, AUTHOR_NAMES, clean=lambda n: without_by(n, " ,")):
            return names
        if author := ld_author(ld):
            return author
        byl = meta_content(sel, "byl")
        return without_by(byl) if byl else None
