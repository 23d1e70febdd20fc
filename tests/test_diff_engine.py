"""The diff engine: blocks aligned first, words inside changed blocks, moves, splits, merges."""

import json
import random
import time

import pytest

from newsdiffs.diff import SEPARATOR, VersionDiff, compare, compare_versions
from newsdiffs.items import Block, blocks_to_text

A = "The council approved plans for a new pedestrian bridge across the river on Tuesday."
B = "The crossing will cost fourteen million pounds and should open in the spring of 2028."
C = "Council leader Phil Bialyk said the bridge would change how people move around the city."
D = "A public consultation last year received more than twelve hundred written responses."
E = "Some residents asked whether the money would be better spent on repairing roads."


def body(*blocks: str) -> str:
    return SEPARATOR.join(blocks)


def ops(diff: VersionDiff) -> list[str]:
    return [r.op for r in diff.rows]


def changed_words(row) -> list[tuple[str, str]]:
    return [(w.op, w.text) for w in row.words if w.op != "equal"]


def side_text(diff: VersionDiff, side: str) -> str:
    """Rebuild one version's body from the rows (every block exactly once, in order)."""
    blocks = []
    for row in diff.rows:
        blocks += [b.as_text() for b in (row.left if side == "old" else row.right)]
    return SEPARATOR.join(blocks)


def check_rebuilds(old: str, new: str, diff: VersionDiff) -> None:
    assert side_text(diff, "old") == old
    assert side_text(diff, "new") == new
    for row in diff.rows:
        if row.op == "changed":
            assert "".join(w.text for w in row.words if w.op != "insert") == SEPARATOR.join(
                b.text for b in row.left)
            assert "".join(w.text for w in row.words if w.op != "delete") == SEPARATOR.join(
                b.text for b in row.right)


def test_a_word_inserted_in_a_sentence():
    old, new = body(A, B), body(A, B.replace("should open", "should finally open"))
    diff = compare(old, new)
    assert ops(diff) == ["equal", "changed"]
    assert changed_words(diff.rows[1]) == [("insert", "finally ")]
    assert (diff.stats.chars_added, diff.stats.chars_removed) == (len("finally "), 0)
    assert diff.stats.blocks_changed == 1
    check_rebuilds(old, new, diff)


def test_a_paragraph_split_in_two_is_one_changed_row_without_text_change():
    old, new = body(A + " " + B, C), body(A, B, C)
    diff = compare(old, new)
    assert ops(diff) == ["changed", "equal"]
    row = diff.rows[0]
    assert [b.text for b in row.left] == [A + " " + B]
    assert [b.text for b in row.right] == [A, B]
    assert diff.stats.chars_added == diff.stats.chars_removed == 0
    assert diff.stats.blocks_changed == 1 and diff.stats.blocks_added == 0
    check_rebuilds(old, new, diff)


def test_two_paragraphs_merged_into_one():
    old, new = body(A, B, C), body(A + " " + B, C)
    diff = compare(old, new)
    assert ops(diff) == ["changed", "equal"]
    assert [b.text for b in diff.rows[0].left] == [A, B]
    assert [b.text for b in diff.rows[0].right] == [A + " " + B]
    assert diff.stats.chars_added == diff.stats.chars_removed == 0
    check_rebuilds(old, new, diff)


def test_a_moved_paragraph_shows_as_moved_not_deleted_and_inserted():
    old, new = body(A, B, C, D), body(B, C, A, D)
    diff = compare(old, new)
    assert ops(diff) == ["moved", "equal", "equal", "moved", "equal"]
    src, dst = diff.rows[0], diff.rows[3]
    assert src.partner == 3 and dst.partner == 0
    assert src.left[0].text == dst.right[0].text == A
    assert (src.left_index, dst.right_index) == (0, 2)
    assert diff.stats.blocks_moved == 1
    assert diff.stats.chars_added == diff.stats.chars_removed == 0
    check_rebuilds(old, new, diff)


def test_a_paragraph_moved_with_a_small_edit_keeps_its_word_ops():
    old, new = body(A, B, C, D), body(B, C, A.replace("Tuesday", "Wednesday"), D)
    diff = compare(old, new)
    moved = [r for r in diff.rows if r.op == "moved"]
    assert len(moved) == 2
    assert changed_words(moved[1]) == [("delete", "Tuesday"), ("insert", "Wednesday")]
    assert diff.stats.blocks_moved == 1
    assert (diff.stats.chars_added, diff.stats.chars_removed) == (len("Wednesday"), len("Tuesday"))


def test_a_deleted_paragraph_stands_alone():
    old, new = body(A, B, C), body(A, C)
    diff = compare(old, new)
    assert ops(diff) == ["equal", "deleted", "equal"]
    assert diff.rows[1].left[0].text == B and diff.rows[1].right == []
    assert diff.stats.blocks_removed == 1 and diff.stats.chars_removed == len(B)
    check_rebuilds(old, new, diff)


def test_a_list_item_added_keeps_its_kind():
    old = body(A, "- Services will stop at 18:00", "- No trains on the Tarka Line")
    new = old + SEPARATOR + "- Buses will replace some trains"
    diff = compare(old, new)
    assert ops(diff) == ["equal", "equal", "equal", "inserted"]
    added = diff.rows[-1].right[0]
    assert (added.kind, added.text) == ("list_item", "Buses will replace some trains")
    assert diff.stats.blocks_added == 1 and diff.stats.chars_added == len(added.text)


def test_a_headline_change_is_a_word_diff_and_counts_in_stats():
    diff = compare(body(A), body(A), old_title="Council approves new river crossing",
                   new_title="Council approves £14m river crossing despite concerns")
    assert diff.title.changed and not diff.byline.changed
    assert [(w.op, w.text) for w in diff.title.words if w.op != "equal"] == [
        ("delete", "new"), ("insert", "£14m"), ("insert", " despite concerns")]
    assert ops(diff) == ["equal"]
    assert diff.stats.chars_removed == len("new")
    assert diff.stats.chars_added == len("£14m") + len(" despite concerns")


def test_byline_diff():
    diff = compare(A, A, old_byline="Jane Smith", new_byline="Jane Smith and Tom Evans")
    assert diff.byline.changed
    assert [(w.op, w.text) for w in diff.byline.words if w.op != "equal"] == [
        ("insert", " and Tom Evans")]


def test_blocks_are_paired_by_similarity_not_position():
    # A new paragraph lands in front of an edited one: position would pair D with B.
    old, new = body(A, B), body(A, D, B.replace("spring", "summer"))
    diff = compare(old, new)
    assert ops(diff) == ["equal", "inserted", "changed"]
    assert changed_words(diff.rows[2]) == [("delete", "spring"), ("insert", "summer")]
    assert diff.rows[1].right[0].text == D


def test_a_fully_rewritten_article_is_fast_and_has_no_false_pairs():
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(4000)]
    old = body(*(" ".join(rng.choices(vocab, k=70)) + "." for _ in range(120)))
    new = body(*(" ".join(rng.choices(vocab, k=70)) + "." for _ in range(120)))
    started = time.perf_counter()
    diff = compare(old, new, old_title="Old", new_title="New")
    assert time.perf_counter() - started < 1.0
    assert diff.stats.blocks_added == diff.stats.blocks_removed == 120
    assert diff.stats.blocks_changed == 0
    assert diff.stats.chars_added == len(new.replace(SEPARATOR, "")) + len("New")
    check_rebuilds(old, new, diff)


def test_one_huge_block_rewritten_is_fast():
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(300)]
    old = ". ".join(" ".join(rng.choices(vocab, k=12)) for _ in range(2000))
    new = ". ".join(" ".join(rng.choices(vocab, k=12)) for _ in range(2000))
    started = time.perf_counter()
    diff = compare(old, new)
    assert time.perf_counter() - started < 2.0
    check_rebuilds(old, new, diff)


def test_unchanged_text_is_all_equal():
    diff = compare(body(A, B), body(A, B), old_title="T", new_title="T")
    assert ops(diff) == ["equal", "equal"] and not diff.changed_rows
    assert diff.stats.chars_added == diff.stats.chars_removed == 0


def test_json_output_holds_rows_and_word_ops():
    old = {"title": "Bridge approved", "byline": None, "body": body(A, B, C)}
    new = {"title": "Bridge approved", "byline": None,
           "body": body(A, B.replace("spring", "summer"), D)}
    data = json.loads(json.dumps(compare_versions(old, new).to_dict()))
    assert [r["op"] for r in data["rows"]] == ["equal", "changed", "deleted", "inserted"]
    changed = data["rows"][1]
    assert changed["left"] == [{"text": B, "kind": "paragraph"}]
    assert changed["right"] == [{"text": B.replace("spring", "summer"), "kind": "paragraph"}]
    assert [w for w in changed["words"] if w["op"] != "equal"] == [
        {"op": "delete", "text": "spring"}, {"op": "insert", "text": "summer"}]
    assert (changed["left_index"], changed["right_index"]) == (1, 1)
    assert data["rows"][2] == {"op": "deleted", "left": [{"text": C, "kind": "paragraph"}],
                               "right": [], "left_index": 2, "right_index": None,
                               "words": [], "partner": None}
    assert data["title"]["changed"] is False
    assert data["stats"] == {"chars_added": len("summer") + len(D),
                             "chars_removed": len("spring") + len(C), "blocks_added": 1,
                             "blocks_removed": 1, "blocks_changed": 1, "blocks_moved": 0}


@pytest.mark.parametrize("seed", range(12))
def test_random_edits_always_rebuild_both_versions(seed):
    rng = random.Random(seed)
    pool = [A, B, C, D, E, "## Background", "- a list item", "Short.", A + " " + B]
    old = [rng.choice(pool) for _ in range(rng.randint(0, 8))]
    new = list(old)
    for _ in range(rng.randint(1, 5)):
        action = rng.choice(["insert", "delete", "edit", "move"])
        if action == "insert" or not new:
            new.insert(rng.randint(0, len(new)), rng.choice(pool))
        elif action == "delete":
            new.pop(rng.randrange(len(new)))
        elif action == "edit":
            k = rng.randrange(len(new))
            new[k] = new[k].replace("the", "a", 1) + " Updated."
        else:
            new.insert(rng.randint(0, len(new) - 1), new.pop(rng.randrange(len(new))))
    diff = compare(body(*old), body(*new))
    check_rebuilds(body(*old), body(*new), diff)
    for row in diff.rows:
        if row.op == "moved":
            assert diff.rows[row.partner].partner == diff.rows.index(row)


def test_a_split_does_not_swallow_a_neighbour_and_a_crossing_edit_is_a_move():
    # Nothing is equal here (one hunk): B+C is split, and an edited A jumps past it.
    old, new = body(A, B + " " + C), body(B, C, A.replace("Tuesday", "Monday"))
    diff = compare(old, new)
    assert ops(diff) == ["moved", "changed", "moved"]
    assert [b.text for b in diff.rows[1].right] == [B, C]
    assert (diff.rows[0].partner, diff.rows[2].partner) == (2, 0)
    assert changed_words(diff.rows[2]) == [("delete", "Tuesday"), ("insert", "Monday")]
    check_rebuilds(old, new, diff)


def test_one_word_changed_in_a_huge_block_without_sentence_breaks_is_one_word():
    # 5,000 words with no full stop: the sentence pass cannot split it, and the
    # whole block used to be marked deleted and inserted.
    rng = random.Random(3)
    vocabulary = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    words = rng.choices(vocabulary, k=5000)
    edited = words[:]
    edited[2500] = "CHANGED"
    result = compare(" ".join(words), " ".join(edited))
    assert result.stats.blocks_changed == 1
    assert result.stats.chars_added == len("CHANGED")
    assert result.stats.chars_removed == len(words[2500])
    (row,) = [r for r in result.rows if r.op == "changed"]
    assert [op.text for op in row.words if op.op == "insert"] == ["CHANGED"]


@pytest.mark.parametrize("new", [
    [Block("One."), Block("Two, changed."), Block("Three.")],
    [Block("A heading", "subheading"), Block("One."), Block("Item", "list_item")],
    [Block("Three."), Block("One.")],
    [],
])
def test_blocks_compare_as_their_stored_text(new):
    """A fetched item's blocks, compared as they are, give the diff of their stored text."""
    old = "One.\n\nTwo.\n\nThree."
    assert compare(old, new, old_title="T", new_title="T2") == compare(
        old, blocks_to_text(new), old_title="T", new_title="T2")
