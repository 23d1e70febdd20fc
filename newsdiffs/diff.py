"""Diffing article versions: blocks first, then words inside changed blocks.

Char-mode diff-match-patch on two very different texts runs into its timeout
and silently returns a non-minimal diff, so texts are never diffed whole:
blocks (paragraphs) are aligned first in line mode, then each changed pair is
diffed word by word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

EQUAL, INSERT, DELETE = 0, 1, -1
_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0  # inputs are tokens (blocks or words): small, so no timeout needed
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


def diff_tokens(a: list[str], b: list[str], *, cleanup: bool = False) -> list[tuple[int, list[str]]]:
    """Diff two token lists; returns ``(op, tokens)`` runs."""
    ea, eb, index = _encode(a, b)
    dmp = _dmp()
    diffs = dmp.diff_main(ea, eb, False)
    if cleanup:
        dmp.diff_cleanupSemantic(diffs)
    return [(op, [index[ord(c) - 0x100] for c in text]) for op, text in diffs]


def words(text: str) -> list[str]:
    """Split text into word, space and punctuation tokens (joining them gives the text back)."""
    return _WORDS.findall(text)


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


def split_blocks(text: str) -> list[str]:
    """Stored body text -> block strings."""
    return [b for b in text.split("\n\n") if b]


def change_stats(old: str, new: str) -> Stats:
    """Characters and blocks added/removed between two stored texts (body or title)."""
    added = removed = b_add = b_rem = b_chg = 0
    runs = diff_tokens(split_blocks(old), split_blocks(new))
    i = 0
    while i < len(runs):
        op, blocks = runs[i]
        if op == EQUAL:
            i += 1
            continue
        # A run of deletions next to a run of insertions is a set of edited blocks.
        dels: list[str] = []
        ins: list[str] = []
        while i < len(runs) and runs[i][0] != EQUAL:
            (dels if runs[i][0] == DELETE else ins).extend(runs[i][1])
            i += 1
        paired = min(len(dels), len(ins))
        for old_block, new_block in zip(dels[:paired], ins[:paired]):
            for wop, text in diff_words(old_block, new_block):
                if wop == INSERT:
                    added += len(text)
                elif wop == DELETE:
                    removed += len(text)
        b_chg += paired
        for block in dels[paired:]:
            removed += len(block)
            b_rem += 1
        for block in ins[paired:]:
            added += len(block)
            b_add += 1
    return Stats(added, removed, b_add, b_rem, b_chg)
