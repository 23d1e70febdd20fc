"""Guarding recall: choosing the body among trafilatura's modes and the page's embedded copies.

trafilatura's precision mode keeps little furniture but sometimes keeps too
little of the story: only the first paragraphs, a lede, a run of quoted
paragraphs. Its default (balanced) mode keeps them, with teasers and rails
around them. Many pages also carry the story a second time as data: the
JSON-LD ``articleBody``, or a framework's state (``__NEXT_DATA__``, Apollo,
Fusion) that holds paragraphs the HTML has not rendered.

The rules, in order (all tested in ``tests/test_extract_recall.py``):

1. :func:`merge_modes`: the precision blocks, plus every run of blocks only the
   balanced mode found that reads as story (prose paragraphs, not a rail of
   headlines: see :func:`is_prose` and :func:`is_rail_run`), in the balanced
   order.
2. :func:`choose_body`: a copy from the page's data (JSON-LD ``articleBody``,
   else the longest run of paragraphs in embedded JSON) replaces the HTML
   reading when the HTML reading has less than :data:`SHORTER_SHARE` of its
   text and the copy contains most of the HTML reading (so it is this
   article, not a list of others).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from parsel import Selector

from ..items import Block
from ..text import collapse_whitespace, decode_entities
from .boilerplate import boilerplate_class, is_rail_heading

#: Words a block needs to count as a paragraph of story.
PROSE_MIN_WORDS = 6
#: How a sentence of story ends (closing quotes and brackets allowed after it).
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"\w+")


def text_length(blocks: Sequence[Block]) -> int:
    """Characters of text in ``blocks``."""
    return sum(len(b.text) for b in blocks)


#: Words of a standfirst (a lede paragraph without a full stop) just above the story.
LEDE_MIN_WORDS = 12


def is_prose(block: Block, lede: bool = False) -> bool:
    """Whether a block reads as a paragraph of story: a paragraph of at least
    :data:`PROSE_MIN_WORDS` words ending a sentence, not in capitals, not boilerplate.

    Headlines of other stories (no closing full stop), all-caps promos ("CLICK
    HERE TO GET THE APP"), "Read: ..." teasers and datelines fail. With
    ``lede`` (the block just above the story) a paragraph of
    :data:`LEDE_MIN_WORDS` words needs no full stop: a standfirst.
    """
    text = block.text.strip()
    letters = _LETTER.findall(text)
    words = len(_WORD.findall(text))
    return (
        block.kind == "paragraph"
        and words >= PROSE_MIN_WORDS
        and (bool(_SENTENCE_END.search(text)) or (lede and words >= LEDE_MIN_WORDS))
        and bool(letters)
        and sum(c.isupper() for c in letters) < 0.5 * len(letters)
        and boilerplate_class(text) is None
        and not is_rail_heading(text)
    )


def is_rail_run(run: Sequence[Block], lede: bool = False) -> bool:
    """Whether a run of blocks is a rail of other stories rather than missing story text.

    A rail alternates headlines and teasers: it has two or more headings or
    list items, or a rail heading ("More from ..."), or fewer prose
    paragraphs than other blocks (with ``lede``, the last block may be a standfirst).
    """
    prose = sum(is_prose(b, lede=lede and i == len(run) - 1) for i, b in enumerate(run))
    headings = sum(b.kind in ("subheading", "list_item") for b in run)
    return (
        headings >= 2
        or any(is_rail_heading(b.text) for b in run)
        or prose < len(run) - prose
    )


def merge_modes(precise: Sequence[Block], balanced: Sequence[Block]) -> list[Block]:
    """The precision blocks with the story the balanced mode alone found (rule 1).

    Blocks of ``balanced`` not in ``precise`` form runs between the shared
    blocks; a run that is not a rail (:func:`is_rail_run`) gives its prose
    paragraphs. The result follows the balanced order. When the two modes split
    a paragraph differently, it is kept once, whole, where its pieces were.
    When the two share no block the balanced reading's prose and subheadings are
    taken if they hold more text than the precision reading, else the precision
    reading (the balanced one may hold the same story in one block that is no
    paragraph of prose: never trade a reading for nothing).
    """
    if not balanced:
        return list(precise)
    kept = {b.text for b in precise}
    if not precise or not kept.intersection(b.text for b in balanced):
        prose = [b for b in balanced if is_prose(b) or b.kind == "subheading"]
        return prose if text_length(prose) > text_length(precise) else list(precise)
    out: list[Block] = []
    run: list[Block] = []
    # The two modes sometimes split one paragraph differently (at an empty <strong>, a
    # <br>): a piece of a paragraph the other reading has whole is never added again.
    whole = [b.text for b in balanced] + [b.text for b in precise]

    def is_piece(block: Block) -> bool:
        return any(block.text in text and block.text != text for text in whole)

    def close_run() -> None:
        lede = run[-1] if run and not out else None  # the run right above the story
        if run and not is_rail_run(run, lede=lede is not None):
            out.extend(b for b in run if is_prose(b, lede=b is lede) and not is_piece(b))
        run.clear()

    in_balanced = {b.text for b in balanced}
    for block in balanced:
        if block.text in kept:
            close_run()
            out.append(block)
            continue
        # A piece of a precision paragraph the balanced reading split: the whole one, here.
        whole_one = next((b for b in precise if b.text not in in_balanced
                          and block.text in b.text and b not in out), None)
        if whole_one is not None:
            close_run()
            out.append(whole_one)
        else:
            run.append(block)
    close_run()
    # Precision blocks the balanced reading lacks (rare) are kept, at the end, unless they
    # are pieces of a paragraph it has whole.
    seen = {b.text for b in out}
    out.extend(b for b in precise if b.text not in seen and not is_piece(b))
    return out


# --- the story as data ------------------------------------------------------

#: Share of a copy's text below which the HTML reading is "clearly shorter".
SHORTER_SHARE = 0.6
#: Share of the HTML reading's words the copy must contain to be the same article.
SAME_ARTICLE_SHARE = 0.6
#: Share of the words two readings must share to be the same text.
SAME_TEXT_SHARE = 0.95
#: Scripts holding a framework's page state: their id or the assignment they start with.
STATE_IDS = ("__NEXT_DATA__", "__NUXT_DATA__", "fusion-metadata")
_STATE_ASSIGNMENT = re.compile(
    r"(?:window\.)?(?:__APOLLO_STATE__|__PRELOADED_STATE__|__INITIAL_STATE__|__NUXT__|"
    r"Fusion\.globalContent|__STATE__)\s*=\s*"
)
#: Keys of a paragraph's text in embedded state ("content" in Arc/Fusion, "text" elsewhere).
TEXT_KEYS = ("content", "text", "html", "body", "value", "paragraph")


def _markup_text(value: str) -> list[str]:
    """The paragraphs of a string that may hold HTML (``"<p>One</p><p>Two</p>"``)."""
    from .nodes import has_markup, markup_blocks

    if not has_markup(value):  # text as the page's state holds it: still HTML-escaped
        return [collapse_whitespace(decode_entities(value))] if value.strip() else []

    return [b.text for b in markup_blocks(value)]


def state_objects(sel: Selector) -> Iterator[Any]:
    """The JSON of the page's framework state scripts (Next.js, Apollo, Fusion ...)."""
    decoder = json.JSONDecoder()
    for script in sel.xpath("//script[not(@src)]"):
        text = script.xpath("string()").get() or ""
        script_id = script.attrib.get("id", "")
        kind = script.attrib.get("type", "")
        start = None
        if script_id in STATE_IDS or (kind == "application/json" and len(text) > 1000):
            start = text.find("{")
        elif match := _STATE_ASSIGNMENT.search(text):
            start = match.end()
        if start is None or start < 0:
            continue
        try:
            yield decoder.raw_decode(text[start:].lstrip())[0]
        except ValueError:
            continue


def _paragraph_text(item: Any) -> list[str]:
    if isinstance(item, str):
        return _markup_text(item)
    if isinstance(item, dict):
        kind = str(item.get("type") or item.get("__typename") or "").lower()
        if kind and kind != "p" and not any(k in kind for k in ("text", "paragraph")):
            return []
        for key in TEXT_KEYS:
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                return _markup_text(value)
    return []


def _walk(data: Any) -> Iterator[Any]:
    stack = [data]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def state_paragraphs(sel: Selector) -> list[Block]:
    """The longest run of story paragraphs held in the page's embedded state, if any.

    Candidates are lists of paragraph objects (``{"type": "text", "content":
    "..."}``) or strings, and single strings of HTML with several ``<p>``; the
    one with the most prose text wins.
    """
    best: list[Block] = []
    for data in state_objects(sel):
        for node in _walk(data):
            texts: list[str] = []
            if isinstance(node, list) and len(node) >= 2:
                for item in node:
                    texts.extend(_paragraph_text(item))
            elif isinstance(node, str) and node.count("<p") >= 2:
                texts = _markup_text(node)
            blocks = [Block(t) for t in texts if t]
            prose = [b for b in blocks if is_prose(b)]
            if len(prose) >= 2 and text_length(prose) > text_length(best):
                best = prose
    return best


def _words(blocks: Sequence[Block]) -> set[str]:
    return {w.casefold() for b in blocks for w in _WORD.findall(b.text)}


def is_fuller_copy(html_body: Sequence[Block], copy: Sequence[Block]) -> bool:
    """Whether ``copy`` is the same article as ``html_body`` and clearly longer (rule 2), or
    the same text in more paragraphs: trafilatura, finding next to nothing in the HTML,
    reads JSON-LD ``articleBody`` itself, as one run with its tags cut out and its scripts'
    code left in; the copy is that text read as HTML, paragraph by paragraph."""
    if not copy:
        return False
    ours, theirs = _words(html_body), _words(copy)
    if text_length(html_body) >= SHORTER_SHARE * text_length(copy):
        return (len(copy) > len(html_body) and bool(ours) and bool(theirs)
                and len(ours & theirs) >= SAME_TEXT_SHARE * max(len(ours), len(theirs)))
    return not ours or len(ours & theirs) >= SAME_ARTICLE_SHARE * len(ours)


def choose_body(html_body: list[Block], copies: Sequence[Sequence[Block]]) -> list[Block]:
    """``html_body``, unless one of ``copies`` (in order of trust) is a fuller copy of it."""
    for copy in copies:
        if is_fuller_copy(html_body, copy):
            return list(copy)
    return html_body
