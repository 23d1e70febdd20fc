import pytest

from newsdiffs.items import Block, blocks_from_text, blocks_to_text
from newsdiffs.normalize import (
    clean_blocks,
    clean_text,
    collapse_whitespace,
    decode_entities,
    fingerprint,
    fold,
    remove_invisible,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Fish &amp; chips", "Fish & chips"),
        ("It&#8217;s here", "It\u2019s here"),
        ("a&nbsp;b", "a b"),
        ("  many   spaces\n\tand\r\nlines  ", "many spaces and lines"),
        ("co\u00adoperate", "cooperate"),
        ("zero\u200bwidth\u200d joiner\ufeff", "zerowidth joiner"),
        ("Cafe\u0301", "Caf\u00e9"),  # NFC
        ("narrow\u202fno-break\u00a0space", "narrow no-break space"),
        ("\u3000ideographic\u2009thin ", "ideographic thin"),
        ("", ""),
        (None, ""),
        ("AT&T stays", "AT&T stays"),  # a bare ampersand is text
        ("&lt;script&gt; is text", "<script> is text"),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_small_pieces():
    assert decode_entities("&quot;x&quot;") == '"x"'
    assert remove_invisible("a\u00adb\u200bc") == "abc"
    assert collapse_whitespace(" a \n b ") == "a b"


def test_clean_blocks_drops_empty_and_keeps_kinds():
    blocks = [Block(" one "), Block("\u200b \u00a0"), Block("Sub", "subheading"), Block("")]
    assert clean_blocks(blocks) == [Block("one"), Block("Sub", "subheading")]


@pytest.mark.parametrize(
    "a, b",
    [
        ("He said \u201chello\u201d", 'He said "hello"'),
        ("it\u2019s", "it's"),
        ("2010\u20132012", "2010-2012"),
        ("wait\u2026", "wait..."),
        ("a \u2014 b", "a - b"),
        ("double  space", "double space"),
        ("\u00abquoted\u00bb", '"quoted"'),
    ],
)
def test_fold_equates_typographic_variants(a, b):
    assert fold(a) == fold(b)


def test_fingerprint_ignores_typography_but_not_words():
    base = fingerprint("Title", [Block("He said \u201cyes\u201d \u2014 twice.")])
    assert base == fingerprint("Title", [Block('He said "yes" - twice.')])
    assert base == fingerprint(" Title ", [Block("He said  \u201cyes\u201d \u2014 twice. ")])
    assert base != fingerprint("Title", [Block('He said "no" - twice.')])
    assert base != fingerprint("Title 2", [Block('He said "yes" - twice.')])
    # splitting one paragraph in two is an editorial change
    two = fingerprint("T", [Block("One."), Block("Two.")])
    assert two != fingerprint("T", [Block("One. Two.")])


def test_fingerprint_ignores_block_kind():
    assert fingerprint("T", [Block("x", "list_item")]) == fingerprint("T", [Block("x")])


def test_body_text_round_trip():
    blocks = [Block("Para one."), Block("A heading", "subheading"), Block("item", "list_item")]
    text = blocks_to_text(blocks)
    assert text == "Para one.\n\n## A heading\n\n- item"
    assert blocks_from_text(text) == blocks
