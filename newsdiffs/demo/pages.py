"""The demo news site: invented articles in the current BBC News page layout, in three stages.

Between stages the articles change the way real ones do:

* ``c1demo0001o``: stage 2 edits the headline and adds a paragraph, stage 3
  rewords a quote (3 versions);
* ``c2demo0002o``: stage 2 changes only the "Published ... ago" line, the
  sidebar and some whitespace - not an edit, so it stays at 1 version;
* ``c3demo0003o``: appears in stage 2, gains a correction in stage 3 (2 versions).

The feed also lists a live page and a video, which the spider must skip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape

from .server import Page


@dataclass
class DemoArticle:
    slug: str
    title: str
    published: str
    ago: str
    byline: str
    blocks: list[tuple[str, str]]  # (kind, text): kind is p, h2 or li
    sidebar: list[str] = field(default_factory=list)
    caption: str = "The artist's impression released by the council"


RIVER = [
    ("p", "Plans for a new pedestrian and cycle bridge across the River Exe have been "
          "approved by Exeter City Council."),
    ("p", "The £14m crossing will link the quayside with the Haven Banks area and is due "
          "to open in 2028."),
    ("p", 'Council leader Phil Bialyk said: "This bridge will change how people move '
          'around the city."'),
    ("h2", "Concerns over cost"),
    ("p", "Some residents have questioned whether the money would be better spent on "
          "repairing existing roads & pavements."),
    ("p", "A public consultation last year received more than 1,200 responses."),
]

RAIL = [
    ("p", "Train services across the south west will be reduced on Saturday because of "
          "a strike by signalling staff."),
    ("p", "Great Western Railway said it expected to run about half of its usual timetable "
          "and advised passengers to check before they travel."),
    ("p", "The union said its members had rejected a pay offer that did not keep pace "
          "with inflation."),
    ("li", "Services between Exeter and Plymouth will stop at 18:00"),
    ("li", "No trains will run on the Tarka Line"),
]

LIBRARY = [
    ("p", "Exeter's central library will open until 20:00 on weekdays from next month, "
          "the county council has announced."),
    ("p", "The change follows a campaign by students who said they had nowhere quiet to "
          "study in the evenings."),
    ("p", "The extra hours will be paid for from the council's community fund and reviewed "
          "after six months."),
]


def stage_articles(stage: int) -> list[DemoArticle]:
    """The articles as the site shows them at ``stage`` (1, 2 or 3)."""
    river = list(RIVER)
    river_title = "Council approves new river crossing for Exeter"
    if stage >= 2:
        river_title = "Council approves £14m river crossing despite cost concerns"
        river.insert(2, ("p", "Construction is expected to begin next spring, subject to a "
                              "final funding decision by central government."))
    if stage >= 3:
        river[3] = ("p", 'Council leader Phil Bialyk said: "This bridge will transform how '
                         'people get around the city and is long overdue."')

    rail = list(RAIL)
    rail_ago, rail_sidebar = "3 hours ago", ["Storm warning for Devon coast", "Exeter City win"]
    if stage >= 2:
        # Timestamp, sidebar and whitespace only: not an edit.
        rail_ago, rail_sidebar = "5 hours ago", ["Exeter City win", "Harbour wall repaired"]
        rail[1] = ("p", rail[1][1].replace(" and ", "  and\n "))

    articles = [
        DemoArticle("c1demo0001o", river_title, "2026-11-20T08:00:00.000Z",
                    "2 hours ago", "Jane Smith", river, ["Exeter City win"]),
        DemoArticle("c2demo0002o", "Rail strike to halve train services on Saturday",
                    "2026-11-20T07:30:00.000Z", rail_ago, "Tom Evans", rail, rail_sidebar),
    ]
    if stage >= 2:
        library = list(LIBRARY)
        if stage >= 3:
            library.append(("p", "Correction: An earlier version of this article said the "
                                 "library would open until 21:00. It will close at 20:00."))
        articles.append(DemoArticle("c3demo0003o", "Library opening hours extended after "
                                    "student campaign", "2026-11-20T09:10:00.000Z",
                                    "1 hour ago", "Priya Patel", library))
    return articles


def _jsonld(a: DemoArticle) -> str:
    data = {"@context": "http://schema.org", "@type": "ReportageNewsArticle", "headline": a.title,
            "datePublished": a.published, "dateModified": a.published,
            "author": [{"@type": "Person", "name": a.byline}]}
    # "</" would end the script element early.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def render_article(a: DemoArticle) -> str:
    """The article as a page in the current bbc.co.uk/news layout. All text is escaped."""
    blocks = []
    for kind, text in a.blocks:
        if kind == "h2":
            blocks.append(f'<div data-component="subheadline-block" class="ssrcss-sub">'
                          f'<h2 class="ssrcss-h2">{escape(text)}</h2></div>')
        elif kind == "li":
            blocks.append(f'<div data-component="text-block" class="ssrcss-text"><ul>'
                          f'<li>{escape(text)}</li></ul></div>')
        else:
            blocks.append(f'<div data-component="text-block" class="ssrcss-text">'
                          f'<p class="ssrcss-p">{escape(text)}</p></div>')
    sidebar = "".join(f'<li><a href="/news/articles/x{i}">{escape(s)}</a></li>'
                      for i, s in enumerate(a.sidebar))
    title = escape(a.title)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{title} - BBC News</title>
<link rel="canonical" href="/news/articles/{a.slug}">
<meta property="og:title" content="{title}">
<script type="application/ld+json">{_jsonld(a)}</script>
</head>
<body>
<header><nav><a href="/news">Home</a> <a href="/news/uk">UK</a> <a href="/sport">Sport</a></nav></header>
<div id="main-content">
<main>
<article>
<div data-component="headline-block"><h1 id="main-heading" class="ssrcss-heading"><span role="text">{title}</span></h1></div>
<div data-component="byline-block"><time data-testid="timestamp" datetime="{a.published}">{a.ago}</time>
<div data-testid="byline-new-contributors"><div><span data-testid="byline-new-contributors-contributor-0">
<span class="ssrcss-68pt20-Text-TextContributorName e8mq1e96">{escape(a.byline)}</span>
<span class="ssrcss-84ltp5-Text">BBC News, Devon</span></span></div></div></div>
<figure data-component="image-block"><img src="/img/{a.slug}.jpg" alt="">
<figcaption>{escape(a.caption)}</figcaption></figure>
{chr(10).join(blocks)}
<div data-component="links-block"><h2>More on this story</h2><ul><li><a href="/news/uk">Related story</a></li></ul></div>
<div data-component="tags"><h2>Related Topics</h2><a href="/news/topics/devon">Devon</a></div>
</article>
<section data-component="most-read"><h2>Most read</h2><ol>{sidebar}</ol></section>
</main>
</div>
<footer>Copyright 2026 BBC. The BBC is not responsible for the content of external sites.</footer>
</body>
</html>
"""


def render_feed(articles: list[DemoArticle], base: str) -> str:
    """An RSS feed of the stage's articles, plus a live page and a video to be skipped."""
    items = [(a.title, f"{base}/news/articles/{a.slug}") for a in articles]
    items += [("Live: storm updates", f"{base}/news/live/uk-12345678"),
              ("Video: harbour wall", f"{base}/news/av/uk-england-devon-12345679")]
    body = "".join(f"<item><title>{escape(t)}</title><link>{escape(u)}</link></item>"
                   for t, u in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>BBC News - Devon (demo)</title><link>{base}/news</link>{body}</channel></rss>")


def stage_pages(stage: int, base: str) -> dict[str, Page]:
    """Every page of the site at ``stage``, keyed by path."""
    articles = stage_articles(stage)
    pages = {f"/news/articles/{a.slug}": Page(render_article(a)) for a in articles}
    pages["/news/rss.xml"] = Page(render_feed(articles, base), content_type="application/rss+xml")
    pages["/robots.txt"] = Page("User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    return pages
