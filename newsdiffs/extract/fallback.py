"""The body when a page's own layout gives none: the page's data copy, trafilatura.

:func:`trafilatura_blocks` reads a page with trafilatura (both its modes,
merged: see :mod:`~newsdiffs.extract.recall`); :func:`body_copies` are the
story as the page holds it in data (JSON-LD ``articleBody``, framework
state); :func:`data_then_trafilatura` is the fallback of the site extractors,
:func:`trafilatura_or_copy` the body of the generic one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from ..items import Block
from ..text import collapse_whitespace
from .boilerplate import drop_boilerplate
from .nodes import NEVER_TEXT, has_markup, markup_blocks, segment_blocks, tag_of


def blocks_from_plain_text(text: str | None) -> list[Block]:
    """Paragraph blocks from plain text such as JSON-LD articleBody: split on blank lines, else lines."""
    if not text or not text.strip():
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [Block(collapse_whitespace(c)) for c in chunks if c.strip()]


def blocks_from_body_text(text: str | None) -> list[Block]:
    """Blocks of a data copy of the story (JSON-LD ``articleBody``): read as HTML when it is
    HTML (its paragraphs, without scripts, styles and the like), else as plain text."""
    if not text or not has_markup(text):
        return blocks_from_plain_text(text)
    return markup_blocks(text)


#: Text the balanced second try must find to count as an article body.
MIN_RETRY_CHARS = 200


#: Page furniture that trafilatura's last-resort baseline can hand back verbatim.
_FURNITURE = frozenset({"nav", "header", "footer", "aside", "form", "menu"})


def _not_body(element: etree._Element) -> bool:
    # trafilatura keeps the page's <h1> as <head rend="h1">: the headline, not body.
    if element.tag == "head" and element.get("rend") == "h1":
        return True
    return tag_of(element) in _FURNITURE


def _trafilatura_reading(
    sel: Selector, url: str, prune: Sequence[str], precision: bool
) -> list[Block]:
    from trafilatura import bare_extraction

    document = bare_extraction(
        sel.root,
        url=url,
        include_comments=False,
        include_tables=False,
        favor_precision=precision,
        prune_xpath=[css2xpath(css) for css in prune] or None,
    )
    body = getattr(document, "body", None)
    if body is None:
        return []
    return [Block(s.text, s.kind) for s in segment_blocks(body, _not_body)]


def strip_comments(root: etree._Element) -> None:
    """Remove the page's comments and processing instructions, their text tails kept in
    place. React pages split one sentence into text nodes with ``<!-- -->`` between
    them ("When <!-- -->President<!-- --> Trump's advisers ..."): trafilatura, handed a
    tree that holds them, ends the paragraph at the first one ("When"). Parsing bytes
    itself, it drops them first; this does the same for the tree it is given."""
    etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)


#: A drop cap: an element holding one capital letter and nothing else.
_DROP_CAP = re.compile(r"^[^\W\d_]$")


def join_drop_caps(root: etree._Element) -> None:
    """Give a drop cap set as an element of its own (``<div class="dropcap">T</div><p>he
    ...``) back to its word, in the page itself: trafilatura drops a one-letter block, and the
    word would stay cut ("he ..."). Only an element whose whole text is one capital letter,
    followed by an element whose text starts in lower case, is joined."""
    for leaf in list(root.iter()):
        if not isinstance(leaf.tag, str) or len(leaf) or tag_of(leaf) in NEVER_TEXT:
            continue
        letter = (leaf.text or "").strip()
        if not _DROP_CAP.match(letter) or not letter.isupper():
            continue
        # The outermost wrapper holding only the letter (<div class="dropcap"><span>T</span>).
        element = leaf
        while (parent := element.getparent()) is not None and len(parent) == 1 and not (
                (parent.text or "").strip() or (element.tail or "").strip()):
            element = parent
        following = element.getnext()
        if (following is None or not isinstance(following.tag, str)
                or (element.tail or "").strip()):
            continue
        first = next((node for node in following.iter()
                      if isinstance(node.tag, str) and node.text and node.text.strip()), None)
        if first is None or not first.text.lstrip()[0].islower():
            continue
        first.text = letter + first.text.lstrip()
        parent = element.getparent()
        if parent is not None:
            previous = element.getprevious()
            if element.tail and previous is not None:
                previous.tail = (previous.tail or "") + element.tail
            elif element.tail:
                parent.text = (parent.text or "") + element.tail
            parent.remove(element)


def trafilatura_blocks(sel: Selector, url: str, prune: Sequence[str] = ()) -> list[Block]:
    """Body blocks found by trafilatura: both its precision and its balanced mode, no comments.

    ``prune`` lists CSS selectors of elements removed before extraction (parts
    of a known layout that are never body).

    The precision reading is the base; what only the balanced reading found
    is added where it reads as story (see
    :func:`~newsdiffs.extract.recall.merge_modes`), so a page where precision
    keeps only the first paragraphs, or drops a lede or quoted paragraphs,
    keeps them. When precision finds nothing (old table layouts), the balanced
    reading is kept only if it finds at least :data:`MIN_RETRY_CHARS` of text
    (else it returns menus). The page's comments are first removed
    (:func:`strip_comments`) and drop caps set apart joined to their word
    (:func:`join_drop_caps`), in the page itself. Headings become subheadings (the ``<h1>``
    headline is dropped), list items list items, the rest paragraphs;
    boilerplate (:mod:`~newsdiffs.extract.boilerplate`) is dropped.
    """
    from .recall import merge_modes, text_length

    strip_comments(sel.root)
    join_drop_caps(sel.root)
    precise = _trafilatura_reading(sel, url, prune, precision=True)
    balanced = _trafilatura_reading(sel, url, prune, precision=False)
    if not precise:
        return drop_boilerplate(balanced) if text_length(balanced) >= MIN_RETRY_CHARS else []
    return drop_boilerplate(merge_modes(precise, balanced))


def body_copies(sel: Selector, ld: dict | None) -> list[list[Block]]:
    """The story as the page holds it in data: JSON-LD ``articleBody``, framework state."""
    from .recall import state_paragraphs

    copies = [drop_boilerplate(blocks_from_body_text((ld or {}).get("articleBody")))]
    copies.append(drop_boilerplate(state_paragraphs(sel)))
    return [c for c in copies if c]



def data_then_trafilatura(
    sel: Selector, url: str, ld: dict, prune: Sequence[str] = ()
) -> list[Block]:
    """The fallback of the site extractors: JSON-LD ``articleBody``, else trafilatura (``prune``
    removed first); without boilerplate (:func:`~newsdiffs.extract.boilerplate.drop_boilerplate`:
    ads, gallery captions, promos, appeals, banners, rails)."""
    return drop_boilerplate(blocks_from_body_text(ld.get("articleBody"))) or trafilatura_blocks(
        sel, url, prune=prune)


def trafilatura_or_copy(
    sel: Selector, url: str, ld: dict, prune: Sequence[str] = ()
) -> list[Block]:
    """The body of the generic reading: trafilatura's (``prune`` removed first), replaced by a
    copy the page holds in data when that holds clearly more of the story
    (:func:`~newsdiffs.extract.recall.choose_body`)."""
    from .recall import choose_body

    return choose_body(trafilatura_blocks(sel, url, prune), body_copies(sel, ld))
