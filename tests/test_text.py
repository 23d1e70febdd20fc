import pytest

from newsdiffs.items import Block, blocks_from_text, blocks_to_text
from newsdiffs.text import (
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
        # Text from the parsed page is decoded already: entities are left as written.
        ("Fish &amp; chips", "Fish &amp; chips"),
        ("It&#8217;s here", "It&#8217;s here"),
        ("a\u00a0b", "a b"),
        ("  many   spaces\n\tand\r\nlines  ", "many spaces and lines"),
        ("co\u00adoperate", "cooperate"),
        ("zero\u200bwidth\u200d joiner\ufeff", "zerowidth joiner"),
        ("Cafe\u0301", "Caf\u00e9"),  # NFC
        ("narrow\u202fno-break\u00a0space", "narrow no-break space"),
        ("\u3000ideographic\u2009thin ", "ideographic thin"),
        ("", ""),
        (None, ""),
        ("AT&T stays", "AT&T stays"),  # a bare ampersand is text
        ("&lt;script&gt; is text", "&lt;script&gt; is text"),
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


# --- issue 11: what never counts as a headline change ---------------------------------------

HEADLINE = "Minister says \u201cno deal\u201d \u2014 talks go on"


@pytest.mark.parametrize(
    "variant",
    [
        # bidi marks: LRM, RLM, ALM, embeddings/overrides (LRE RLE PDF LRO RLO), isolates
        "\u200eMinister says \u201cno deal\u201d \u2014 talks go on\u200f",
        "Minister\u061c says \u201cno deal\u201d \u2014 talks go on",
        "\u202aMinister says \u201cno deal\u201d \u2014 talks go on\u202c",
        "\u202bMinister says\u202c \u202d\u201cno deal\u201d\u202c \u202e\u2014 talks go on\u202c",
        "\u2066Minister\u2069 says \u2067\u201cno deal\u201d\u2069 \u2068\u2014 talks go on\u2069",
        # zero-width characters, word joiner, BOM, soft hyphen, invisible operators
        "Minis\u200bter says \u201cno\u200c deal\u200d\u201d \u2014 talks\u2060 go on\ufeff",
        "Minis\u00adter says \u201cno deal\u201d \u2014 talks go\u180e on\u2063",
        # quote variants: straight, low-9, guillemets double and single, primes, ornaments
        'Minister says "no deal" - talks go on',
        "Minister says \u201eno deal\u201c \u2013 talks go on",
        "Minister says \u00abno deal\u00bb -- talks go on",
        "Minister says \u00ab\u00a0no deal\u00a0\u00bb \u2014 talks go on",
        "Minister says \u2033no deal\u2033 \u2015 talks go on",
        "Minister says \u275dno deal\u275e \u2212 talks go on",
        "Minister says \u301dno deal\u301e \u2012 talks go on",
        "Minister says \uff02no deal\uff02 \ufe58 talks go on",
        "Minister says \u2036no deal\u2036 \u2011 talks go on",
        # spacing: NBSP, thin and narrow spaces, line breaks
        "Minister\u00a0says \u201cno\u2009deal\u201d\u202f\u2014\ntalks  go on",
    ],
)
def test_fold_variant_is_never_a_headline_change(variant):
    assert fold(variant) == fold(HEADLINE)
    body = [Block("Unchanged paragraph.")]
    assert fingerprint(variant, body) == fingerprint(HEADLINE, body)


@pytest.mark.parametrize(
    "a, b",
    [
        ("It\u2019s over", "It's over"),
        ("It\u02bcs over", "It's over"),
        ("It\u00b4s over", "It's over"),
        ("It\u2035s over", "It's over"),
        ("It\u275bs over\u275c", "It's over'"),
        ("\u2039Non\u203a, dit-il", "'Non', dit-il"),
        ("\u00abNon\u00bb, dit-il", '"Non", dit-il'),
        ("\u2018single\u2019 \u201asingle\u201b", "'single' 'single'"),
        ("\u2e42quoted\u201c", '"quoted"'),
        ("\u05e9\u05dc\u05d5\u05dd\u200f 2024", "\u05e9\u05dc\u05d5\u05dd 2024"),  # RLM after Hebrew
        ("\u0645\u0631\u062d\u0628\u0627\u061c!", "\u0645\u0631\u062d\u0628\u0627!"),  # ALM
    ],
)
def test_fold_table(a, b):
    assert fold(a) == fold(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Minister says no deal", "Minister says new deal"),  # a word is an edit
        ("Talks fail", "Talks fail?"),  # punctuation that is not a quote or dash variant
        ("Price 5-10", "Price 5+10"),
        ("He said 'no'", "He said no"),  # quotes added or removed are an edit
        ("Hawai\u02bbi", "Hawai'i"),  # the okina is a letter, not an apostrophe
    ],
)
def test_fold_keeps_editorial_differences(a, b):
    assert fold(a) != fold(b)
    assert fingerprint(a, []) != fingerprint(b, [])
