"""Word tokens for diffs: scripts without spaces split into characters (graphemes)."""

from __future__ import annotations

import pytest

from newsdiffs.diff import _terms, compare, word_ops, words


@pytest.mark.parametrize("text, tokens", [
    ("The minister's plan.", ["The", " ", "minister", "'", "s", " ", "plan", "."]),
    # Japanese: kanji and kana one by one, punctuation alone, Latin words whole
    ("東京都は今日、計画を発表した。", ["東", "京", "都", "は", "今", "日", "、", "計", "画", "を",
                                  "発", "表", "し", "た", "。"]),
    ("iPhone発売 2026年", ["iPhone", "発", "売", " ", "2026", "年"]),
    ("コーヒー", ["コ", "ー", "ヒ", "ー"]),
    ("ｶﾀｶﾅ", ["ｶ", "ﾀ", "ｶ", "ﾅ"]),
    ("中文新闻", ["中", "文", "新", "闻"]),
    ("𠮷野家", ["𠮷", "野", "家"]),  # outside the Basic Multilingual Plane
    # Thai: a combining vowel or tone mark stays with its consonant
    ("ง่ายนิด", ["ง่", "า", "ย", "นิ", "ด"]),
    # Korean is written with spaces: its words stay whole
    ("한국어 문장", ["한국어", " ", "문장"]),
    # combining marks stay in their word (they used to split it)
    ("cafe\u0301 ok", ["cafe\u0301", " ", "ok"]),
    ("हिन्दी भाषा", ["हिन्दी", " ", "भाषा"]),
    ("Ｆｕｌｌ１２３", ["Ｆｕｌｌ１２３"]),
    ("", []),
])
def test_words(text, tokens):
    assert words(text) == tokens
    assert "".join(words(text)) == text


@pytest.mark.parametrize("text", [
    "\u0301leading mark", "a\u200db", "😀👍🏽 mixed ไทย 日本 text\n\nwith\tspace", "\x00\x7f ok",
])
def test_words_give_the_text_back(text):
    assert "".join(words(text)) == text


def test_a_one_word_japanese_edit_marks_only_that_word():
    ops = word_ops("政府は新しい計画を発表した。", "政府は新たな計画を発表した。")
    assert [(o.op, o.text) for o in ops if o.op != "equal"] == [("delete", "しい"),
                                                               ("insert", "たな")]


def test_an_edited_japanese_paragraph_is_paired_not_replaced():
    old = "政府は新しい経済対策を発表した。\n\n首相は記者会見で説明した。"
    new = "政府は新たな経済対策を発表した。\n\n首相は記者会見で説明した。"
    (row,) = compare(old, new).changed_rows
    assert row.op == "changed"
    assert "".join(o.text for o in row.words if o.op == "insert") == "たな"


def test_long_japanese_text_is_diffed_by_sentences():
    sentence = "政府は新しい経済対策を発表した。"
    old = sentence * 200
    new = sentence * 100 + "政府は新たな経済対策を発表した。" + sentence * 99
    ops = word_ops(old, new)
    assert [(o.op, o.text) for o in ops if o.op != "equal"] == [("delete", "しい"),
                                                               ("insert", "たな")]


def test_terms_of_scripts_without_spaces_are_character_pairs():
    assert _terms("新しい plan") == {"新し", "しい", "plan"}
    assert _terms("The Plan") == {"the", "plan"}
