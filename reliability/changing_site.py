"""A changing news site for the fault server: articles whose text changes per round.

Article ``i`` changes every ``1 + i % 4`` rounds; revision ``k`` of an article
is a pure function of ``(i, k)``, and the texts only grow or reword (never
lose words, never return), so every served change is a real revision under
the confirmation rule. The server logs each revision it served, which is
what a scenario compares the database with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from newsdiffs.demo.pages import DemoArticle, render_article, render_feed

from .server import Reply

FEED = "/news/rss.xml"
PREFIX = "/news/articles/"


def slug(i: int) -> str:
    return f"rel{i:04d}"


def revision(i: int, round_: int) -> int:
    """The revision of article ``i`` the site shows in round ``round_``."""
    return round_ // (1 + i % 4)


def paragraphs(i: int, k: int) -> list[str]:
    """The body of revision ``k`` of article ``i``, paragraph by paragraph."""
    return [
        f"Article {i} reports that the harbour wall in town number {i} was damaged in the storm "
        "and that repairs will cost more than the council first said.",
        f"The council said on revision {k} that {1000 + 37 * k} homes were affected, "
        "and that engineers would inspect the wall again before the end of the month.",
        *(f"Update {j}: officials added that the figures would be published in full, and that "
          f"residents could ask questions at meeting {j} in the town hall."
          for j in range(1, k + 1)),
    ]


def body(i: int, k: int) -> str:
    """The body as newsdiffs stores it: paragraphs separated by a blank line."""
    return "\n\n".join(paragraphs(i, k))


def article(i: int, k: int, blocks: list[tuple[str, str]] | None = None,
            title: str | None = None) -> DemoArticle:
    return DemoArticle(slug=slug(i), title=title or f"Harbour wall repairs in town {i}",
                       published="2026-11-20T08:00:00.000Z", ago="2 hours ago",
                       byline="Sam Jones", blocks=blocks or [("p", p) for p in paragraphs(i, k)])


@dataclass
class ChangingSite:
    """``n`` articles and a feed listing them all; set ``round`` between crawls."""

    n: int
    base: str
    round: int = 0
    #: Paths answered otherwise (path -> reply, or ``n -> reply``; ``None``: as usual).
    faults: dict[str, Reply | Callable[[int], Reply | None]] = field(default_factory=dict)
    robots: str = "User-agent: *\nDisallow: /private/\n"
    #: More links listed in the feed (hostile ones, other pages).
    extra_links: list[str] = field(default_factory=list)
    #: Articles whose text never changes (always revision 0).
    frozen: set[int] = field(default_factory=set)

    def route(self, path: str, n: int) -> Reply | None:
        fault = self.faults.get(path)
        if fault is not None:
            reply = fault(n) if callable(fault) else fault
            if reply is not None:
                return reply
        if path == "/robots.txt":
            return Reply(self.robots, content_type="text/plain")
        if path == FEED:
            return Reply(self.feed(), content_type="application/rss+xml")
        if path.startswith(PREFIX) and path[len(PREFIX):].startswith("rel"):
            try:
                i = int(path[len(PREFIX) + 3:])
            except ValueError:
                return None
            if 0 <= i < self.n:
                k = 0 if i in self.frozen else revision(i, self.round)
                return Reply(render_article(article(i, k)), tag=(i, k))
        return None

    def feed(self) -> str:
        """The RSS feed: every article, then ``extra_links``."""
        xml = render_feed([article(i, 0) for i in range(self.n)], self.base)
        extra = "".join(f"<item><title>x</title><link>{escape(u)}</link></item>"
                        for u in self.extra_links)
        return xml.replace("</channel>", extra + "</channel>")

    def url(self, i: int) -> str:
        return f"{self.base}{PREFIX}{slug(i)}"
