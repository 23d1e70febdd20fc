"""Diffing article versions: blocks first, then words inside changed blocks.

Char-mode diff-match-patch on two very different texts runs into its timeout
and silently returns a non-minimal diff, so texts are never diffed whole:
blocks (paragraphs) are aligned first, then each changed pair is diffed word
by word.

:func:`compare` is the engine behind every reader-facing view (version pages,
feeds, ``newsdiffs diff``). It returns a :class:`VersionDiff`: rows that put
the old and new blocks side by side, each with an op:

* ``equal``: the same block on both sides;
* ``changed``: an edited block, with word ops; one block split in two (or
  more) and blocks merged into one are ``changed`` rows with several blocks on
  one side;
* ``inserted`` / ``deleted``: a block on one side only;
* ``moved``: a block that left one place and reappeared (exactly or nearly)
  in another; it takes two rows, one where it was and one where it went,
  which name each other in ``partner``.

Deleted and inserted blocks in one run are paired by word similarity, not by
position, so a new paragraph in front of an edited one does not turn into
two unrelated "changes".

:func:`change_stats` is the summary the pipelines store as ``chars_added`` /
``chars_removed``: the same alignment, so stored figures match the highlights.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from diff_match_patch import diff_match_patch

from .items import Block, parse_block, split_blocks

EQUAL, INSERT, DELETE = 0, 1, -1
_TERMS = re.compile(r"\w+", re.UNICODE)
# Sentences end at . ! ? … followed by space, and at the CJK full stops (no space follows them).
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？])\s*")
#: Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, Tai Le,
#: New Tai Lue, Khmer symbols, Tai Tham, Balinese, Javanese, Tai Viet, CJK radicals,
#: ideographic iteration marks, Hiragana, Katakana (and the prolonged sound mark),
#: Bopomofo, CJK ideographs (with extensions and compatibility forms), Yi,
#: halfwidth Katakana, Kana supplements. A run of them is diffed character by
#: character: a "word" there is a whole sentence. Hangul is written with spaces.
NO_SPACE_SCRIPTS = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u1950-\u19df\u19e0-\u19ff\u1a20-\u1aaf"
    "\u1b00-\u1b7f\ua980-\ua9df\uaa60-\uaadf\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029"
    "\u3031-\u3035\u3038-\u303c\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uf900-\ufaff\uff66-\uff9f"
    "\U00016fe0-\U00016fff\U0001b000-\U0001b16f\U00020000-\U0003ffff"
)
_NO_SPACE = re.compile(f"[{NO_SPACE_SCRIPTS}]")

RowOp = Literal["equal", "changed", "inserted", "deleted", "moved"]
WordOpName = Literal["equal", "insert", "delete"]
_OP_NAMES: dict[int, WordOpName] = {EQUAL: "equal", INSERT: "insert", DELETE: "delete"}

#: Two blocks with at least this word similarity (Dice over word sets) are one edited block.
PAIR_MIN = 0.5
#: A split or merge (one block against 2-3 neighbours) needs this similarity ...
GROUP_MIN = 0.75
#: ... and each of the neighbours must have this share of its words in the one block.
GROUP_PART_MIN = 0.75
#: A block deleted in one place and inserted elsewhere with this similarity is a move ...
MOVE_MIN = 0.8
#: ... if it has at least this many words (short lines repeat too easily).
MOVE_MIN_WORDS = 6
#: Largest number of (deleted x inserted) blocks in one run that is paired by
#: similarity; past it (a rewrite of hundreds of paragraphs) the blocks stand alone.
PAIRING_BUDGET = 40_000
#: Splits and merges are looked for only in runs up to this size.
GROUPING_BUDGET = 10_000
#: Texts longer than this many tokens (on both sides) are diffed sentence first.
BIG_TEXT_TOKENS = 1500
#: Sentence runs bigger than this (tokens x tokens) are shown as replaced, not word-diffed.
BIG_HUNK_PRODUCT = 1_000_000
#: Paragraph separator inside the text of a split/merged side.
SEPARATOR = "\n\n"
#: Token sequences whose product of lengths is above this get a time limit: Myers'
#: diff is O(N*D), and a long, mostly rewritten text would otherwise take seconds.
#: Below it the diff is exact and deterministic (pages are compared byte for byte).
BOUNDED_PRODUCT = 250_000
#: The time limit, in seconds (past it dmp returns a valid but less minimal diff).
BOUNDED_TIMEOUT = 1.0


def _dmp(timeout: float = 0) -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout  # inputs are tokens (blocks or words): usually small enough
    return dmp


def _encode(tokens_a: list[str], tokens_b: list[str]) -> tuple[str, str, list[str]]:
    """Map each distinct token to one character, so dmp diffs token sequences."""
    table: dict[str, str] = {}
    index: list[str] = []

    def enc(tokens: list[str]) -> str:
        out = []
        for tok in tokens:
            ch = table.get(tok)
            if ch is None:
                ch = table[tok] = chr(len(index) + 0x100)
                index.append(tok)
            out.append(ch)
        return "".join(out)

    return enc(tokens_a), enc(tokens_b), index


def diff_tokens(a: list[str], b: list[str], *, cleanup: bool = False,
                timeout: float = 0) -> list[tuple[int, list[str]]]:
    """Diff two token lists; returns ``(op, tokens)`` runs."""
    if not set(a) & set(b):
        # Nothing in common (a rewrite): what dmp would answer, without its O(N*D) search.
        return [(op, toks) for op, toks in ((DELETE, a), (INSERT, b)) if toks]
    ea, eb, index = _encode(a, b)
    dmp = _dmp(timeout)
    diffs = dmp.diff_main(ea, eb, False)
    if cleanup:
        dmp.diff_cleanupSemantic(diffs)
    return [(op, [index[ord(c) - 0x100] for c in text]) for op, text in diffs]


def _char_class(codepoints: Iterable[int]) -> str:
    """A regex character class body (``a-z...``) for ascending code points."""
    ranges: list[list[int]] = []
    for c in codepoints:
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "")
                   for a, b in ranges)


@functools.cache
def _word_pattern() -> re.Pattern[str]:
    """The token pattern (built on first use: the mark class comes from ``unicodedata``).

    Tokens are spaces; words (letters, digits and combining marks of scripts
    written with spaces); one character of a script written without spaces,
    with the combining marks that follow it (a grapheme: Thai tone marks stay
    on their consonant); one other character (punctuation), with its marks.
    Only the Basic Multilingual Plane's marks are listed: a class with
    supplementary ranges makes ``re`` test every range one by one.
    """
    marks = _char_class(c for c in range(0x300, 0x10000)
                        if unicodedata.category(chr(c)).startswith("M"))
    ns = NO_SPACE_SCRIPTS
    return re.compile(rf"\s+|[^\W{ns}]+(?:[{marks}]+[^\W{ns}]*)*|[{ns}][{marks}]*|[^\w\s][{marks}]*")


def words(text: str) -> list[str]:
    """Split text into word, space and punctuation tokens (joining them gives the text back).

    Scripts without spaces (CJK, Thai ...) are split into characters, each
    with its combining marks; words of other scripts stay whole.
    """
    return _word_pattern().findall(text)


def diff_words(old: str, new: str) -> list[tuple[int, str]]:
    """Word-level diff of two short texts, semantically cleaned up."""
    return [(op, "".join(toks)) for op, toks in diff_tokens(words(old), words(new), cleanup=True)]


@dataclass(frozen=True)
class Stats:
    """Size of a change between two versions."""

    chars_added: int
    chars_removed: int
    blocks_added: int = 0
    blocks_removed: int = 0
    blocks_changed: int = 0
    blocks_moved: int = 0


def change_stats(old: str, new: str) -> Stats:
    """Characters and blocks added/removed between two stored texts (body or title).

    The same alignment as :func:`compare` (what the pages highlight), so the
    stored ``chars_added``/``chars_removed`` match what readers see.
    """
    return compare(old, new).stats


# -- the aligned diff ---------------------------------------------------------


@dataclass(frozen=True)
class WordOp:
    """A run of text that is the same in both versions, or only in the old or the new one."""

    op: WordOpName
    text: str


@dataclass
class Row:
    """One line of the side-by-side view: old blocks on the left, new ones on the right."""

    op: RowOp
    left: list[Block] = field(default_factory=list)
    right: list[Block] = field(default_factory=list)
    #: Position (0-based) of the first left/right block in its version's body.
    left_index: int | None = None
    right_index: int | None = None
    #: Word ops of a changed row or of a move with edits. The text of a side with
    #: several blocks is its blocks joined by ``SEPARATOR``.
    words: list[WordOp] = field(default_factory=list)
    #: For a moved row: the index (in ``VersionDiff.rows``) of the other half.
    partner: int | None = None


@dataclass
class FieldDiff:
    """A one-line field (title, byline) in both versions."""

    old: str | None
    new: str | None
    words: list[WordOp] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return (self.old or "") != (self.new or "")


@dataclass
class VersionDiff:
    """Everything that differs between two versions, ready to render or serialise."""

    title: FieldDiff
    byline: FieldDiff
    rows: list[Row]
    #: Characters counted over title and body (like the stored counts); blocks over the body.
    stats: Stats

    @property
    def changed_rows(self) -> list[Row]:
        return [r for r in self.rows if r.op != "equal"]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (``json.dumps(diff.to_dict())``)."""
        data = asdict(self)
        data["title"]["changed"] = self.title.changed
        data["byline"]["changed"] = self.byline.changed
        return data


def _terms(text: str) -> frozenset[str]:
    """The words of a block, for similarity; in scripts without spaces, character pairs."""
    if not _NO_SPACE.search(text):
        return frozenset(_TERMS.findall(text.lower()))
    terms: set[str] = set()
    run: list[str] = []
    for token in [*words(text.lower()), " "]:
        if _NO_SPACE.match(token):
            run.append(token)
            continue
        # One character alone is a term; a longer run gives its overlapping pairs.
        terms.update(run if len(run) == 1 else (a + b for a, b in zip(run, run[1:], strict=False)))
        run = []
        terms.update(_TERMS.findall(token))
    return frozenset(terms)


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two word sets (1.0 = same words)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def _could_reach(a: frozenset[str], b: frozenset[str], minimum: float) -> bool:
    """Cheap upper bound: can these two sets have at least ``minimum`` similarity?"""
    small, large = sorted((len(a), len(b)))
    return large > 0 and 2 * small / (small + large) >= minimum


def _ops(runs: list[tuple[int, str]]) -> list[WordOp]:
    out: list[WordOp] = []
    for op, text in runs:
        if not text:
            continue
        if out and out[-1].op == _OP_NAMES[op]:
            out[-1] = WordOp(out[-1].op, out[-1].text + text)
        else:
            out.append(WordOp(_OP_NAMES[op], text))
    return out


def word_ops(old: str, new: str) -> list[WordOp]:
    """Word-level diff of two texts, semantically cleaned up, bounded in time.

    Very long texts (an article extracted as one huge paragraph) are diffed by
    sentences first and word by word only inside changed sentence runs, so
    the cost stays near-linear and the result deterministic.
    """
    if old == new:
        return [WordOp("equal", old)] if old else []
    a, b = words(old), words(new)
    if min(len(a), len(b)) <= BIG_TEXT_TOKENS:
        return _ops([(op, "".join(t)) for op, t in _bounded(a, b, cleanup=True)])
    runs: list[tuple[int, str]] = []
    sentence_runs = _bounded(_sentences(old), _sentences(new))
    i = 0
    while i < len(sentence_runs):
        op, sents = sentence_runs[i]
        if op == EQUAL:
            runs.append((EQUAL, "".join(sents)))
            i += 1
            continue
        gone, came = [], []
        while i < len(sentence_runs) and sentence_runs[i][0] != EQUAL:
            (gone if sentence_runs[i][0] == DELETE else came).extend(sentence_runs[i][1])
            i += 1
        runs += _word_runs(words("".join(gone)), words("".join(came)))
    return _ops(runs)


def _word_runs(a: list[str], b: list[str]) -> list[tuple[int, str]]:
    """Word runs of one changed stretch of a long text: the words both ends share are kept
    equal (linear), and only what is left between is diffed, or replaced when still huge."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    runs = [(EQUAL, "".join(a[:head]))]
    if len(mid_a) * len(mid_b) > BIG_HUNK_PRODUCT:
        runs += [(DELETE, "".join(mid_a)), (INSERT, "".join(mid_b))]
    else:
        runs += [(op, "".join(t)) for op, t in _bounded(mid_a, mid_b, cleanup=True)]
    return runs + [(EQUAL, "".join(a[len(a) - tail :]))]


def _bounded(a: list[str], b: list[str], *, cleanup: bool = False) -> list[tuple[int, list[str]]]:
    """:func:`diff_tokens`, with a time limit only for very long inputs."""
    timeout = BOUNDED_TIMEOUT if len(a) * len(b) > BOUNDED_PRODUCT else 0
    return diff_tokens(a, b, cleanup=cleanup, timeout=timeout)


def _sentences(text: str) -> list[str]:
    """Sentences with their trailing space (joining them gives the text back)."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def _count(ops: list[WordOp], name: str) -> int:
    """Characters inserted or deleted; whitespace swapped for whitespace (a split) is free."""
    total = 0
    for k, o in enumerate(ops):
        if o.op != name:
            continue
        if not o.text.strip():
            neighbours = ops[max(k - 1, 0) : k] + ops[k + 1 : k + 2]
            if any(n.op not in ("equal", name) and not n.text.strip() for n in neighbours):
                continue
        total += len(o.text) - o.text.count(SEPARATOR) * len(SEPARATOR)
    return total


@dataclass
class _Hunk:
    """A run of deleted and inserted blocks between two equal ones (indices into the bodies)."""

    dels: list[int]
    ins: list[int]


@dataclass
class _Group:
    """One row-to-be inside a hunk: old and new block indices (one side may be empty)."""

    old: list[int]
    new: list[int]


def _align(dels: list[int], ins: list[int], old_terms: list[frozenset[str]],
           new_terms: list[frozenset[str]]) -> list[_Group]:
    """Pair the deleted and inserted blocks of one hunk by similarity, keeping order.

    A dynamic programme over (deleted, inserted) maximises the summed
    similarity of the pairs; a 1:2 or 1:3 group (a split or merge) scores its
    similarity times (blocks in it) / 2, so it wins over a pair plus a lone
    block only when the group really is the same text.
    """
    m, n = len(dels), len(ins)
    if not m or not n or m * n > PAIRING_BUDGET:
        return [_Group([d], []) for d in dels] + [_Group([], [i]) for i in ins]
    groups_allowed = m * n <= GROUPING_BUDGET
    score = [[0.0] * (n + 1) for _ in range(m + 1)]
    back: list[list[tuple[int, int, float]]] = [[(0, 0, 0.0)] * (n + 1) for _ in range(m + 1)]
    for i in range(m + 1):
        for j in range(n + 1):
            if i == 0 and j == 0:
                continue
            best, step = -1.0, (0, 0, 0.0)
            if i and score[i - 1][j] > best:
                best, step = score[i - 1][j], (1, 0, 0.0)
            if j and score[i][j - 1] > best:
                best, step = score[i][j - 1], (0, 1, 0.0)
            if i and j:
                a, b = old_terms[dels[i - 1]], new_terms[ins[j - 1]]
                if _could_reach(a, b, PAIR_MIN):
                    s = _similarity(a, b)
                    if s >= PAIR_MIN and score[i - 1][j - 1] + s > best:
                        best, step = score[i - 1][j - 1] + s, (1, 1, s)
                if groups_allowed:
                    for k in (2, 3):
                        if j >= k:  # one old block split into k new ones
                            s = _group_score(a, [new_terms[x] for x in ins[j - k : j]])
                            if s and score[i - 1][j - k] + s > best:
                                best, step = score[i - 1][j - k] + s, (1, k, s)
                        if i >= k:  # k old blocks merged into one
                            s = _group_score(b, [old_terms[x] for x in dels[i - k : i]])
                            if s and score[i - k][j - 1] + s > best:
                                best, step = score[i - k][j - 1] + s, (k, 1, s)
            score[i][j], back[i][j] = best, step
    groups: list[_Group] = []
    i, j = m, n
    while i or j:
        di, dj, _ = back[i][j]
        groups.append(_Group(dels[i - di : i], ins[j - dj : j]))
        i, j = i - di, j - dj
    groups.reverse()
    return _dels_first(groups)


def _group_score(whole: frozenset[str], parts: list[frozenset[str]]) -> float:
    """Score of one block against several (a split or merge), or 0 when it is not one.

    Every part must be mostly made of the whole's words, so an unrelated
    neighbour is never swallowed into a group.
    """
    if any(not p or len(p & whole) < GROUP_PART_MIN * len(p) for p in parts):
        return 0.0
    s = _similarity(whole, frozenset().union(*parts))
    return s * (len(parts) + 1) / 2 if s >= GROUP_MIN else 0.0


def _dels_first(groups: list[_Group]) -> list[_Group]:
    """Between two pairs, put the lone deleted blocks before the lone inserted ones."""
    out: list[_Group] = []
    pending_del: list[_Group] = []
    pending_ins: list[_Group] = []
    for g in groups:
        if g.old and g.new:
            out += pending_del + pending_ins + [g]
            pending_del, pending_ins = [], []
        elif g.old:
            pending_del.append(g)
        else:
            pending_ins.append(g)
    return out + pending_del + pending_ins


def _place(groups: list[_Group], group: _Group) -> None:
    """Insert a lone block's group into a hunk's ordered groups by its index."""
    if group.old:
        k = group.old[0]
        pos = next((p for p, g in enumerate(groups) if g.old and g.old[0] > k), len(groups))
        while pos > 0 and not groups[pos - 1].old:
            pos -= 1
    else:
        k = group.new[0]
        pos = next((p for p, g in enumerate(groups) if g.new and g.new[0] > k), len(groups))
    groups.insert(pos, group)


def _hunks(old: list[str], new: list[str]) -> list[tuple[int, int, int] | _Hunk]:
    """Block-level diff as equal runs ``(old_start, new_start, length)`` and hunks."""
    runs = _bounded(old, new)
    out: list[tuple[int, int, int] | _Hunk] = []
    i = j = 0
    for op, blocks in runs:
        if not blocks:
            continue
        if op == EQUAL:
            out.append((i, j, len(blocks)))
            i += len(blocks)
            j += len(blocks)
            continue
        if not out or not isinstance(out[-1], _Hunk):
            out.append(_Hunk([], []))
        hunk = out[-1]
        assert isinstance(hunk, _Hunk)
        if op == DELETE:
            hunk.dels += range(i, i + len(blocks))
            i += len(blocks)
        else:
            hunk.ins += range(j, j + len(blocks))
            j += len(blocks)
    return out


def _exact_moves(hunks: list[_Hunk], old: list[str], new: list[str]) -> dict[int, int]:
    """Old index -> new index of blocks deleted in one hunk and inserted unchanged in another."""
    where: dict[str, list[tuple[int, int]]] = {}
    for h, hunk in enumerate(hunks):
        for d in hunk.dels:
            where.setdefault(old[d], []).append((h, d))
    moves: dict[int, int] = {}
    for h, hunk in enumerate(hunks):
        for n in hunk.ins:
            candidates = where.get(new[n], [])
            for c, (dh, d) in enumerate(candidates):
                if dh != h:
                    moves[d] = n
                    del candidates[c]
                    break
    return moves


def _near_moves(dels: list[int], ins: list[int], old_terms: list[frozenset[str]],
                new_terms: list[frozenset[str]]) -> dict[int, int]:
    """Old index -> new index of lone blocks that are nearly the same text, best first.

    They are lone because pairing them in place would have crossed another
    pair (or they sit in different hunks): so the text moved.
    """
    dels = [d for d in dels if len(old_terms[d]) >= MOVE_MIN_WORDS]
    ins = [n for n in ins if len(new_terms[n]) >= MOVE_MIN_WORDS]
    if len(dels) * len(ins) > PAIRING_BUDGET:
        return {}
    scored = []
    for d in dels:
        for n in ins:
            if _could_reach(old_terms[d], new_terms[n], MOVE_MIN):
                s = _similarity(old_terms[d], new_terms[n])
                if s >= MOVE_MIN:
                    scored.append((-s, d, n))
    moves: dict[int, int] = {}
    used_new: set[int] = set()
    for _, d, n in sorted(scored):
        if d not in moves and n not in used_new:
            moves[d] = n
            used_new.add(n)
    return moves


def _stored_blocks(body: str | Sequence[Block]) -> tuple[list[str], list[Block]]:
    """A body as its stored block strings and its blocks: stored text is split and read,
    blocks (a fetched item's) are used as they are."""
    if isinstance(body, str):
        stored = split_blocks(body)
        return stored, [parse_block(b) for b in stored]
    return [b.as_text() for b in body], list(body)


def compare(old_body: str | Sequence[Block], new_body: str | Sequence[Block], *,
            old_title: str = "", new_title: str = "",
            old_byline: str | None = None, new_byline: str | None = None) -> VersionDiff:
    """Align two versions block by block and diff changed blocks word by word. Each body is
    stored text or blocks (a fetched item's, compared without being joined and split)."""
    (old, old_blocks), (new, new_blocks) = _stored_blocks(old_body), _stored_blocks(new_body)
    parts = _hunks(old, new)
    hunks = [p for p in parts if isinstance(p, _Hunk)]
    # Word sets only for blocks that changed (equal blocks are never compared).
    empty: frozenset[str] = frozenset()
    old_terms, new_terms = [empty] * len(old), [empty] * len(new)
    for hunk in hunks:
        for d in hunk.dels:
            old_terms[d] = _terms(old_blocks[d].text)
        for n in hunk.ins:
            new_terms[n] = _terms(new_blocks[n].text)

    # 1. exact moves; 2. in-place pairing of what is left; 3. near-exact moves
    #    among the blocks that are still alone.
    moves = _exact_moves(hunks, old, new)
    moved_new = set(moves.values())
    aligned: list[list[_Group]] = []
    for hunk in hunks:
        groups = _align([d for d in hunk.dels if d not in moves],
                        [n for n in hunk.ins if n not in moved_new], old_terms, new_terms)
        for d in hunk.dels:
            if d in moves:
                _place(groups, _Group([d], []))
        for n in hunk.ins:
            if n in moved_new:
                _place(groups, _Group([], [n]))
        aligned.append(groups)
    lone_old = [d for groups in aligned for g in groups if g.old and not g.new
                for d in g.old if d not in moves]
    lone_new = [n for groups in aligned for g in groups if g.new and not g.old
                for n in g.new if n not in moved_new]
    moves.update(_near_moves(lone_old, lone_new, old_terms, new_terms))

    rows: list[Row] = []
    hunk_groups = iter(aligned)
    for part in parts:
        if isinstance(part, tuple):
            i, j, length = part
            rows += [Row("equal", [old_blocks[i + k]], [new_blocks[j + k]], i + k, j + k)
                     for k in range(length)]
            continue
        for g in next(hunk_groups):
            left = [old_blocks[d] for d in g.old]
            right = [new_blocks[n] for n in g.new]
            row = Row("changed" if left and right else "deleted" if left else "inserted",
                      left, right, g.old[0] if g.old else None, g.new[0] if g.new else None)
            if left and right:
                row.words = word_ops(SEPARATOR.join(b.text for b in left),
                                     SEPARATOR.join(b.text for b in right))
            rows.append(row)
    _link_moves(rows, moves, old_blocks, new_blocks)

    title = FieldDiff(old_title, new_title, word_ops(old_title, new_title))
    byline = FieldDiff(old_byline, new_byline, word_ops(old_byline or "", new_byline or ""))
    return VersionDiff(title, byline, rows, _stats(rows, title))


def _link_moves(rows: list[Row], moves: dict[int, int], old_blocks: list[Block],
                new_blocks: list[Block]) -> None:
    """Turn the lone halves of each move into ``moved`` rows that name each other."""
    source = {r.left_index: p for p, r in enumerate(rows) if r.op == "deleted"}
    target = {r.right_index: p for p, r in enumerate(rows) if r.op == "inserted"}
    for d, n in moves.items():
        a, b = source[d], target[n]
        edits = [] if old_blocks[d].text == new_blocks[n].text else word_ops(
            old_blocks[d].text, new_blocks[n].text)
        rows[a].op = rows[b].op = "moved"
        rows[a].partner, rows[b].partner = b, a
        rows[a].words, rows[b].words = edits, list(edits)


def _stats(rows: list[Row], title: FieldDiff) -> Stats:
    added, removed = _count(title.words, "insert"), _count(title.words, "delete")
    counts = dict.fromkeys(("inserted", "deleted", "changed", "moved"), 0)
    for row in rows:
        if row.op == "inserted":
            added += sum(len(b.text) for b in row.right)
        elif row.op == "deleted":
            removed += sum(len(b.text) for b in row.left)
        elif row.op in ("changed", "moved"):
            if row.op == "changed" or row.right:  # count a move's edits once
                added += _count(row.words, "insert")
                removed += _count(row.words, "delete")
        else:
            continue
        counts[row.op] += 1
    return Stats(added, removed, counts["inserted"], counts["deleted"], counts["changed"],
                 counts["moved"] // 2)


def compare_versions(old: dict[str, Any], new: dict[str, Any]) -> VersionDiff:
    """:func:`compare` two stored version rows (dicts with title, byline and body)."""
    return compare(old["body"], new["body"], old_title=old["title"], new_title=new["title"],
                   old_byline=old.get("byline"), new_byline=new.get("byline"))
