"""HTML for people: version pages (two aligned columns), article pages, index pages.

Templates live in ``newsdiffs/templates`` and are rendered by Jinja2 with
autoescaping on, so article text (which may quote ``<script>`` tags) is always
shown as text. This module turns a :class:`~newsdiffs.diff.VersionDiff` into
cells of paragraphs made of plain/deleted/inserted segments; the templates
only loop over them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from .diff import SEPARATOR, Row, VersionDiff, WordOp, compare_versions, parse_block, split_blocks
from .items import Block
from .links import http_link
from .times import from_iso, in_words


@dataclass(frozen=True)
class Run:
    """A run of text in a cell; ``mark`` is ``""``, ``"del"`` or ``"ins"``."""

    text: str
    mark: str = ""


@dataclass
class Para:
    """One block as shown: its kind and its segments."""

    kind: str
    segments: list[Run]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class Cell:
    """One side of a row: paragraphs, how the block changed, and a note for moves."""

    paras: list[Para]
    mark: str = ""  # "", "changed", "deleted", "inserted" or "moved"
    anchor: str | None = None
    note: str | None = None
    note_href: str | None = None


@dataclass
class ViewRow:
    """A row of the two-column view (a deleted and an inserted block may share one)."""

    op: str
    left: Cell | None = None
    right: Cell | None = None


@dataclass
class Links:
    """Where a page links to; ``None`` leaves the link out (a standalone page)."""

    home: str | None = None
    source: str | None = None
    article: str | None = None
    feed: str | None = None
    prev: str | None = None
    prev_label: str = "previous change"
    next: str | None = None
    next_label: str = "next change"
    #: Relative path from the page to the site's root directory ("" at the root, "../../../"
    #: in an article directory); ``None`` leaves the site-wide navigation out.
    root: str | None = None


def when(iso: str | None) -> str:
    """A stored timestamp as people read it: ``20 Nov 2026, 08:00 UTC``."""
    if not iso:
        return ""
    return from_iso(iso).strftime("%-d %b %Y, %H:%M UTC")


def when_given(value: str | None, raw: str | None = None) -> str:
    """A date a page gave about itself: as people read it if it parses, else as given."""
    if value:
        try:
            return when(value)
        except ValueError:
            pass
    return value or raw or ""


def changed_times(version_count: int) -> str:
    """``has changed 3 times`` from a version count (the first version is not a change)."""
    changes = max(int(version_count or 0) - 1, 0)
    if changes == 0:
        return "has not changed since"
    if changes == 1:
        return "has changed once"
    return f"has changed {changes} times"


def later(old_time: str, new_time: str) -> str:
    """``about 1 hour later`` (or ``... earlier``) from one stored timestamp to another."""
    delta = from_iso(new_time) - from_iso(old_time)
    return f"{in_words(delta)} {'earlier' if delta.total_seconds() < 0 else 'later'}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment (autoescaping on for every template)."""
    env = Environment(
        loader=PackageLoader("newsdiffs", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["when"] = when
    env.filters["changed_times"] = changed_times
    env.filters["when_given"] = when_given
    # Every stored URL that could become an href goes through this filter.
    env.filters["http_link"] = http_link
    return env


def _render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


# -- cells --------------------------------------------------------------------


def _plain(blocks: list[Block], mark: str = "") -> list[Para]:
    return [Para(b.kind, [Run(b.text, mark)]) for b in blocks]


def _side(blocks: list[Block], ops: list[WordOp], side: str) -> list[Para]:
    """The paragraphs of one side of a changed row, with the changed words marked."""
    own, mark = ("delete", "del") if side == "old" else ("insert", "ins")
    paras: list[list[Run]] = [[]]
    for op in ops:
        if op.op not in ("equal", own):
            continue
        # A changed space (a split paragraph) is not worth a highlight.
        m = mark if op.op == own and op.text.strip() else ""
        for k, piece in enumerate(op.text.split(SEPARATOR)):
            if k:
                paras.append([])
            if piece:
                paras[-1].append(Run(piece, m))
    joined = ["".join(s.text for s in p) for p in paras]
    if joined != [b.text for b in blocks]:
        return _plain(blocks)  # never show words that are not the block's own
    return [Para(b.kind, p) for b, p in zip(blocks, paras, strict=True)]


def _field_cells(old: str | None, new: str | None, ops: list[WordOp],
                 kind: str) -> ViewRow:
    left = Cell(_side([Block(old or "")], ops, "old")) if old else None
    right = Cell(_side([Block(new or "")], ops, "new")) if new else None
    changed = (old or "") != (new or "")
    return ViewRow(f"{kind} {'changed' if changed else 'equal'}", left, right)


def head_rows(diff: VersionDiff) -> list[ViewRow]:
    """Headline and byline rows (the byline only when either version has one)."""
    rows = [_field_cells(diff.title.old, diff.title.new, diff.title.words, "title")]
    if diff.byline.old or diff.byline.new:
        rows.append(_field_cells(diff.byline.old, diff.byline.new, diff.byline.words, "byline"))
    return rows


def view_rows(diff: VersionDiff) -> list[ViewRow]:
    """The diff's rows as cells; a run of deleted blocks followed by a run of
    inserted ones is shown side by side (they stay separate blocks in the data)."""
    out: list[ViewRow] = []
    rows = diff.rows
    for index, row in enumerate(rows):
        if row.op == "equal":
            out.append(ViewRow("equal", Cell(_plain(row.left)), Cell(_plain(row.right))))
        elif row.op == "changed":
            out.append(ViewRow("changed", Cell(_side(row.left, row.words, "old"), "changed"),
                               Cell(_side(row.right, row.words, "new"), "changed")))
        elif row.op == "deleted":
            out.append(ViewRow("deleted", Cell(_plain(row.left, "del"), "deleted"), None))
        elif row.op == "inserted":
            out.append(ViewRow("inserted", None, Cell(_plain(row.right, "ins"), "inserted")))
        else:
            out.append(_moved(index, row, rows))
    return _pack(out)


def _moved(index: int, row: Row, rows: list[Row]) -> ViewRow:
    """One half of a move: where the block was (left) or where it went (right)."""
    assert row.partner is not None
    partner = rows[row.partner]
    direction = "down" if row.partner > index else "up"
    href = f"#moved-{row.partner}"
    if row.left:
        paras = _side(row.left, row.words, "old") if row.words else _plain(row.left)
        where = (partner.right_index or 0) + 1
        cell = Cell(paras, "moved", f"moved-{index}",
                    f"Moved {direction} to paragraph {where}", href)
        return ViewRow("moved", cell, None)
    paras = _side(row.right, row.words, "new") if row.words else _plain(row.right)
    where = (partner.left_index or 0) + 1
    cell = Cell(paras, "moved", f"moved-{index}",
                f"Moved {direction} from paragraph {where}", href)
    return ViewRow("moved", None, cell)


def _pack(rows: list[ViewRow]) -> list[ViewRow]:
    """Put each deleted block of a run beside an inserted block of the run after it."""
    out: list[ViewRow] = []
    i = 0
    while i < len(rows):
        if rows[i].op != "deleted":
            out.append(rows[i])
            i += 1
            continue
        dels = []
        while i < len(rows) and rows[i].op == "deleted":
            dels.append(rows[i])
            i += 1
        ins = []
        while i < len(rows) and rows[i].op == "inserted":
            ins.append(rows[i])
            i += 1
        for k in range(max(len(dels), len(ins))):
            d = dels[k] if k < len(dels) else None
            n = ins[k] if k < len(ins) else None
            op = "replaced" if d and n else "deleted" if d else "inserted"
            out.append(ViewRow(op, d.left if d else None, n.right if n else None))
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(diff: VersionDiff) -> str:
    """One line: characters added/removed and what happened to paragraphs."""
    s = diff.stats
    counts = [(n, verb) for n, verb in ((s.blocks_changed, "changed"), (s.blocks_added, "added"),
              (s.blocks_removed, "removed"), (s.blocks_moved, "moved")) if n]
    details = []
    if diff.title.changed:
        details.append("headline changed")
    if diff.byline.changed:
        details.append("byline changed")
    if counts:
        (n, verb), rest = counts[0], counts[1:]
        details.append(", ".join([f"{_plural(n, 'paragraph')} {verb}",
                                  *(f"{m} {v}" for m, v in rest)]))
    text = f"+{s.chars_added} −{s.chars_removed} characters"
    return text + (": " + "; ".join(details) if details else "") + "."


# -- pages --------------------------------------------------------------------


def version_page(article: dict, new: dict, old: dict | None = None, *,
                 diff: VersionDiff | None = None, links: Links | None = None,
                 versions: list[dict] | None = None, evidence: dict[int, dict] | None = None,
                 pairs: list[dict] | None = None, lang: str = "en") -> str:
    """The NewsSniffer-style page: header sentence, then the two versions side by side.

    With ``old`` ``None`` the page shows the first version on its own.
    ``versions`` (each with ``version``, ``fetched_at``, ``href``,
    ``repeats_version``) lists every version of the article; ``evidence`` maps
    a version number to its ``raw_href`` (kept page) and ``archive_url`` /
    ``archived_at`` (Wayback capture); ``pairs`` are other comparisons
    (``old``, ``new``, ``href``).
    """
    links = links or Links()
    extra = {"versions": versions or [], "evidence": evidence or {}, "pairs": pairs or [],
             "lang": lang}
    if old is None:
        first = [ViewRow("title equal", Cell([Para("paragraph", [Run(new["title"])])]))]
        if new.get("byline"):
            first.append(ViewRow("byline equal", Cell([Para("paragraph",
                                                            [Run(new["byline"])])])))
        rows = [ViewRow("equal", Cell(_plain([parse_block(b)])))
                for b in split_blocks(new["body"])]
        return _render("version.html", article=article, old=None, new=new, links=links,
                       head_rows=first, rows=rows, summary="", later="", **extra)
    diff = diff or compare_versions(old, new)
    return _render("version.html", article=article, old=old, new=new, links=links,
                   head_rows=head_rows(diff), rows=view_rows(diff), summary=summary(diff),
                   later=later(old["fetched_at"], new["fetched_at"]), **extra)


def article_page(article: dict, versions: list[dict], *, links: Links | None = None,
                 href: Callable[[int], str] = lambda n: f"{n}.html",
                 evidence: dict[int, dict] | None = None, lang: str = "en") -> str:
    """Every version of an article: when, how much changed, a link to each diff."""
    rows = []
    previous = None
    for v in versions:
        rows.append({**v, "href": href(v["version"]),
                     "later": later(previous, v["fetched_at"]) if previous else ""})
        previous = v["fetched_at"]
    return _render("article.html", article=article, versions=rows, links=links or Links(),
                   evidence=evidence or {}, lang=lang)


def listing_page(template: str, *, links: Links, lang: str = "en", **context: Any) -> str:
    """One of the site-wide listings (all articles, headline changes, most changed,
    search): ``template`` with its rows in ``context``."""
    return _render(template, links=links, lang=lang, **context)


def headline_entry_html(old: str, new: str, href: str | None = None) -> str:
    """A headline change as an HTML fragment (an entry of the headline-changes feed)."""
    return _render("headline_entry.html", old=old, new=new, href=href)


def feed_entry_html(diff: VersionDiff, href: str | None = None) -> str:
    """The changes of one version as an HTML fragment (an Atom entry's content)."""
    rows = []
    for r in diff.rows:
        if r.op == "equal" or (r.op == "moved" and not r.right):
            continue
        blocks = r.right if r.op == "inserted" else r.left
        words = r.words or [WordOp("equal", SEPARATOR.join(b.text for b in r.right))]
        rows.append({"op": r.op, "text": " ".join(b.text for b in blocks), "words": [
            WordOp(w.op, w.text.replace(SEPARATOR, " ¶ ")) for w in words]})
    return _render("feed_entry.html", diff=diff, rows=rows, summary=summary(diff), href=href)
