"""The recall rules of ``newsdiffs.extract.recall``, as tables (issue 11, classes 1 and 2).

Rule 1 (:func:`merge_modes`): trafilatura's precision reading, plus the runs of
story paragraphs only its balanced reading found, never a rail of other
stories. Rule 2 (:func:`choose_body`): a copy of the story held as data
(JSON-LD ``articleBody``, framework state) replaces the HTML reading when that
reading is clearly shorter and the copy holds most of it.
"""

from __future__ import annotations

import json

import pytest

from newsdiffs.extract.page import parse_html
from newsdiffs.extract.recall import (
    SHORTER_SHARE,
    choose_body,
    is_fuller_copy,
    is_prose,
    is_rail_run,
    merge_modes,
    state_objects,
    state_paragraphs,
    text_length,
)
from newsdiffs.items import Block


def P(text: str) -> Block:
    return Block(text)


def H(text: str) -> Block:
    return Block(text, "subheading")


def LI(text: str) -> Block:
    return Block(text, "list_item")


# Story paragraphs, numbered so that tables can name them.
S = [P(f"Paragraph {i} of the story says what the council decided and why it matters to "
       f"the town.") for i in range(10)]
RAIL = [H("More from the Herald"), P("School board approves new budget"),
        P("Farmers market returns to the square")]


# --- is_prose --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "block, lede, expected",
    [
        (P("The council voted on Tuesday to keep the library open."), False, True),
        (P("“We heard from hundreds of families,” Delgado said."), False, True),  # closing quote
        (P("He asked whether the bridge would be ready by June?"), False, True),
        (P("Police name driver in Route 9 crash"), False, False),  # a headline: no full stop
        (P("Too short to count."), False, False),
        (P("CLICK HERE TO GET THE APP FOR BREAKING NEWS."), False, False),  # capitals
        (P("Read more: Why the bridge was closed in the first place."), False, False),
        (P("Support independent journalism. Donate today to keep local news free."), False,
         False),
        (H("The council voted on Tuesday to keep the library open."), False, False),
        (LI("The council voted on Tuesday to keep the library open."), False, False),
        # a standfirst just above the story needs no full stop
        (P("Council reverses plan to close the only library on the east side of the river"),
         True, True),
        (P("Council reverses plan to close the only library on the east side of the river"),
         False, False),
        (P("Council reverses plan to close the library"), True, False),  # too short for a lede
    ],
)
def test_is_prose(block: Block, lede: bool, expected: bool) -> None:
    assert is_prose(block, lede=lede) is expected


# --- is_rail_run -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "run, expected",
    [
        ([S[3], S[4]], False),  # story paragraphs
        ([S[3]], False),
        (RAIL, True),  # a rail heading
        ([P("Popular"), S[3]], True),
        ([H("Crosshead"), H("Another"), S[3], S[4], S[5]], True),  # two headings
        ([LI("One story"), LI("Another story"), S[3]], True),  # list items
        ([P("Police name driver in Route 9 crash"), P("Storm damage closes three parks"), S[3]],
         True),  # more headlines than prose
        ([H("What happens next"), S[3], S[4]], False),  # one crosshead inside story text
    ],
)
def test_is_rail_run(run: list[Block], expected: bool) -> None:
    assert is_rail_run(run) is expected


# --- rule 1: merge_modes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "precise, balanced, expected",
    [
        # precision keeps only the first three paragraphs (118 of 775 words, as seen live)
        (S[:3], S[:8], S[:8]),
        # precision drops quoted paragraphs in the middle
        (S[:2] + S[5:7], S[:7], S[:7]),
        # balanced adds a rail after the story: not taken
        (S[:4], S[:4] + RAIL, S[:4]),
        # balanced adds a rail between story paragraphs: not taken, the story around it is
        (S[:2] + S[2:4], S[:2] + RAIL + S[2:4], S[:4]),
        # a rail of headlines without a heading
        (S[:3], S[:3] + [P("Police name driver in Route 9 crash"),
                         P("Storm damage closes three parks")], S[:3]),
        # balanced adds teasers and appeals: not story
        (S[:3], S[:3] + [P("Read more: Why the bridge was closed in the first place."),
                         P("Support independent journalism. Donate today to keep news free.")],
         S[:3]),
        # a standfirst right above the story is kept
        (S[1:4], [P("Council reverses plan to close the only library on the east side of the "
                    "river")] + S[1:4],
         [P("Council reverses plan to close the only library on the east side of the river")]
         + S[1:4]),
        # the same reading twice
        (S[:5], S[:5], S[:5]),
        # no balanced reading: precision as it is
        (S[:3], [], S[:3]),
        # nothing shared, balanced longer: its prose (and subheadings), not its headlines
        ([P("Cookie settings")], [S[0], H("Background"), S[1], P("Share this")],
         [S[0], H("Background"), S[1]]),
        # nothing shared, precision longer: precision
        (S[:4], [P("Cookie settings")], S[:4]),
        # nothing shared, balanced longer but all in one block that is no paragraph of
        # prose (the story run together with its author line): precision, not nothing
        (S[:4], [P(" ".join(b.text for b in S[:4]) + " Author: Jane Smith Lawyer")], S[:4]),
        # a precision block the balanced reading lacks is kept, at the end
        (S[:3] + [S[9]], S[:5], S[:5] + [S[9]]),
    ],
)
def test_merge_modes(precise: list[Block], balanced: list[Block],
                     expected: list[Block]) -> None:
    assert merge_modes(precise, balanced) == expected


def test_merge_modes_never_loses_a_precision_block() -> None:
    for cut in range(1, len(S)):
        merged = merge_modes(S[:cut], S[: cut // 2] + RAIL + S[cut // 2 :])
        assert [b for b in merged if b in S[:cut]] == S[:cut]


# --- rule 2: choose_body ----------------------------------------------------------------

ARTICLE = [P(f"Sentence {i} about the harbour dredging plan, its cost of six million and the "
             f"fishermen who asked for it.") for i in range(8)]
OTHER = [P(f"Sentence {i} about a football match, the goals scored in the second half and the "
           f"manager's reaction.") for i in range(12)]


@pytest.mark.parametrize(
    "html_body, copies, expected",
    [
        # the HTML shows two paragraphs, the JSON-LD the whole story
        (ARTICLE[:2], [ARTICLE], ARTICLE),
        # the first fuller copy in order of trust wins
        (ARTICLE[:2], [ARTICLE[:6], ARTICLE], ARTICLE[:6]),
        # a copy that is not clearly longer: the HTML reading stays
        (ARTICLE[:6], [ARTICLE], ARTICLE[:6]),
        # a longer copy of another story (a list of others in state): never taken
        (ARTICLE[:2], [OTHER], ARTICLE[:2]),
        # no copies
        (ARTICLE[:2], [], ARTICLE[:2]),
        # an empty copy
        (ARTICLE[:2], [[]], ARTICLE[:2]),
        # no HTML body at all: any copy is fuller
        ([], [ARTICLE], ARTICLE),
    ],
)
def test_choose_body(html_body: list[Block], copies: list[list[Block]],
                     expected: list[Block]) -> None:
    assert choose_body(html_body, copies) == expected


def test_shorter_share_is_the_threshold() -> None:
    copy = ARTICLE
    limit = SHORTER_SHARE * text_length(copy)
    shorter = [b for i, b in enumerate(ARTICLE) if text_length(ARTICLE[: i + 1]) < limit]
    assert text_length(shorter) < limit and is_fuller_copy(shorter, copy)
    longer = ARTICLE[: len(shorter) + 1]
    assert text_length(longer) >= limit and not is_fuller_copy(longer, copy)


# --- the story as data: state_paragraphs ---------------------------------------------------

TEXTS = [b.text for b in ARTICLE[:4]]


def page(script: str) -> str:
    return f"<html><head></head><body><article><p>{TEXTS[0]}</p></article>{script}</body></html>"


@pytest.mark.parametrize(
    "script",
    [
        # Next.js: a list of paragraph objects
        '<script id="__NEXT_DATA__" type="application/json">'
        + json.dumps({"props": {"pageProps": {"body": [{"type": "paragraph", "text": t}
                                                          for t in TEXTS]}}}) + "</script>",
        # Arc/Fusion: content_elements of type text, with an image element between
        "<script>Fusion.globalContent="
        + json.dumps({"content_elements": [{"type": "text", "content": TEXTS[0]},
                                           {"type": "image", "caption": "A boat. (Photo: Staff)"},
                                           *({"type": "text", "content": t} for t in TEXTS[1:])]})
        + ";Fusion.x=1;</script>",
        # Apollo: a string of HTML paragraphs
        "<script>window.__APOLLO_STATE__ = "
        + json.dumps({"Article:1": {"body": "".join(f"<p>{t}</p>" for t in TEXTS)}}) + ";</script>",
        # a list of strings
        "<script>window.__INITIAL_STATE__ = " + json.dumps({"story": {"paragraphs": TEXTS}})
        + "</script>",
    ],
    ids=["next-data", "fusion", "apollo-html", "strings"],
)
def test_state_paragraphs_reads_embedded_story(script: str) -> None:
    assert [b.text for b in state_paragraphs(parse_html(page(script)))] == TEXTS


@pytest.mark.parametrize(
    "script",
    [
        "",  # no state
        '<script id="__NEXT_DATA__" type="application/json">{not json</script>',  # broken
        # a list of headlines (no full stops): a rail, not a story
        '<script id="__NEXT_DATA__" type="application/json">'
        + json.dumps({"related": [{"type": "text", "text": "Police name driver in Route 9 crash"},
                                  {"type": "text", "text": "Storm damage closes three parks"}]})
        + "</script>",
        # only one paragraph: too little to be a copy of the story
        '<script id="__NEXT_DATA__" type="application/json">'
        + json.dumps({"body": [{"type": "text", "text": TEXTS[0]}]}) + "</script>",
        # paragraphs in objects of another type (image captions) are not story
        '<script id="__NEXT_DATA__" type="application/json">'
        + json.dumps({"body": [{"type": "image", "caption": t} for t in TEXTS]}) + "</script>",
        # a script with a src is never read
        f'<script id="__NEXT_DATA__" src="/x.js">{json.dumps({"body": TEXTS})}</script>',
    ],
    ids=["none", "broken-json", "rail", "one-paragraph", "captions", "external"],
)
def test_state_paragraphs_ignores_what_is_not_a_story(script: str) -> None:
    assert state_paragraphs(parse_html(page(script))) == []


def test_state_paragraphs_takes_the_longest_run() -> None:
    short = [{"type": "text", "text": t} for t in TEXTS[:2]]
    long = [{"type": "text", "text": t} for t in TEXTS]
    script = ('<script id="__NEXT_DATA__" type="application/json">'
              + json.dumps({"teaser": short, "story": long}) + "</script>")
    assert [b.text for b in state_paragraphs(parse_html(page(script)))] == TEXTS


def test_state_objects_reads_assignments_and_json_scripts() -> None:
    sel = parse_html(page("<script>window.__PRELOADED_STATE__ = {\"a\": 1}; more();</script>"
                          '<script id="__NEXT_DATA__" type="application/json">{"b": 2}</script>'))
    assert list(state_objects(sel)) == [{"a": 1}, {"b": 2}]


# --- a paragraph the two modes split differently ----------------------------------------------

WHOLE = P("His lawyer described what he had seen in the house. It was the worst case of his "
          "long career, he said.")
HALF_1 = P("His lawyer described what he had seen in the house.")
HALF_2 = P("It was the worst case of his long career, he said.")


@pytest.mark.parametrize(
    "precise, balanced",
    [
        # precision splits the paragraph (at an empty <strong>), balanced has it whole
        (S[:2] + [HALF_1, HALF_2] + S[2:4], S[:2] + [WHOLE] + S[2:4]),
        # balanced splits it, precision has it whole
        (S[:2] + [WHOLE] + S[2:4], S[:2] + [HALF_1, HALF_2] + S[2:4]),
    ],
    ids=["precision-split", "balanced-split"],
)
def test_merge_modes_keeps_a_split_paragraph_once_in_place(precise: list[Block],
                                                            balanced: list[Block]) -> None:
    assert merge_modes(precise, balanced) == S[:2] + [WHOLE] + S[2:4]
