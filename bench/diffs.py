"""Diff worst cases: each must finish well inside a second and give a useful diff.

"Useful" is checked, not assumed: a one-word edit must show as one changed
block with a handful of changed characters; reordered paragraphs as moves, not
as everything deleted and inserted; a full rewrite as every block changed.

    python bench/diffs.py
"""

from __future__ import annotations

import random
import time

import gen

from newsdiffs.diff import compare

LIMIT_S = 1.0


def _text(rng: random.Random, paragraphs: int, words: int = 35) -> list[str]:
    return [gen.paragraph(rng, words) for _ in range(paragraphs)]


def cases() -> dict[str, tuple[str, str, callable]]:
    rng = random.Random(5)
    out = {}
    # 50 KB rewritten from the first word to the last.
    old, new = _text(rng, 60, 130), _text(rng, 60, 130)
    out["rewrite_50kb"] = ("\n\n".join(old), "\n\n".join(new),
                           lambda d: d.stats.chars_added > 40_000 and d.stats.chars_removed > 40_000)
    # 40 paragraphs, shuffled.
    paras = _text(rng, 40)
    shuffled = paras[:]
    random.Random(6).shuffle(shuffled)
    out["reordered"] = ("\n\n".join(paras), "\n\n".join(shuffled),
                        lambda d: d.stats.blocks_moved > 0 and d.stats.chars_added < 2_000)
    # One 30 KB paragraph with one word changed.
    giant = gen.paragraph(rng, 5000)
    words = giant.split(" ")
    words[2500] = "CHANGED"
    out["giant_one_word"] = (giant, " ".join(words),
                             lambda d: d.stats.chars_added <= 10 and d.stats.blocks_changed == 1)
    # 2,000 paragraphs, one sentence edited in the middle.
    many = _text(rng, 2000, 20)
    edited = many[:]
    edited[1000] = edited[1000] + " A sentence added."
    out["2000_paragraphs_one_change"] = ("\n\n".join(many), "\n\n".join(edited),
                                         lambda d: d.stats.blocks_changed == 1
                                         and d.stats.chars_added <= 20)
    return out


def run() -> dict[str, float]:
    figures = {}
    worst = 0.0
    for name, (old, new, useful) in cases().items():
        started = time.perf_counter()
        result = compare(old, new)
        seconds = time.perf_counter() - started
        ok = useful(result) and seconds < LIMIT_S
        s = result.stats
        print(f"  {name:<28} {seconds * 1000:8.1f} ms  +{s.chars_added} -{s.chars_removed} "
              f"changed={s.blocks_changed} moved={s.blocks_moved}  {'ok' if ok else 'BAD'}")
        figures[f"diff_{name}_ms"] = round(seconds * 1000, 1)
        worst = max(worst, seconds)
        if not ok:
            raise SystemExit(f"diff worst case {name}: not useful or too slow")
    figures["diff_worst_ms"] = round(worst * 1000, 1)
    return figures


if __name__ == "__main__":
    run()
