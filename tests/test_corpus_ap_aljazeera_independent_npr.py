"""The AP, Al Jazeera, Independent and NPR extractors over the shared corpus (optional).

The corpus lives outside the repository (``../shared/corpus`` next to the
checkout, or ``$NEWSDIFFS_CORPUS``); without it these tests skip, saying so.
Its pages are only read here, never copied into the repository.

Per page: the title (where the truth has one), the must / must-not snippets,
and, where the truth holds the full text, the body's token F1 against it
(words after folding quotes, dashes and case, counted as a multiset) must
reach :data:`MIN_F1`.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from fixture_check import titles_match

from newsdiffs.extract import get_extractor
from newsdiffs.text import clean_blocks, clean_text, fingerprint, fold, markup_leak

CORPUS = Path(
    os.environ.get("NEWSDIFFS_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
HAVE_CORPUS = (CORPUS / "MANIFEST.tsv").is_file()
NO_CORPUS = f"corpus not found at {CORPUS} (set NEWSDIFFS_CORPUS to its directory)"

#: Corpus site name -> extractor name.
SITES = {"ap": "apnews", "aljazeera": "aljazeera", "independent": "independent", "npr": "npr"}
#: Body token F1 every page with a full-text truth must reach (all reach 0.95 at present).
MIN_F1 = 0.9
#: Truth snippets this extractor leaves out on purpose: page -> {snippet: reason}.
EXPECTED_MISSES: dict[str, dict[str, str]] = {
    "mercury-npr-org": {
        "Dylann Roof is escorted from the Shelby Police Department in Shelby, N.C., on":
            "the parser project's first words are the lead photo's caption; captions are never body",
    },
}  # fmt: skip

_WORD = re.compile(r"[^\W_]+")


def tokens(text: str) -> Counter[str]:
    """Words of a text, folded (quotes, dashes, case), as a multiset."""
    return Counter(_WORD.findall(fold(text).casefold()))


def token_f1(got: str, want: str) -> float:
    """F1 of the word multisets of two texts (1.0: the same words)."""
    a, b = tokens(got), tokens(want)
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def _rows(kind: str = "page") -> list[dict]:
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if r["site"] in SITES and r["kind"] == kind]


def _pages() -> list:
    if not HAVE_CORPUS:
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason=NO_CORPUS))]
    return [pytest.param(row, id=f"{row['site']}/{Path(row['local_path']).stem}") for row in _rows()]


def _version_sets() -> list:
    if not HAVE_CORPUS:
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason=NO_CORPUS))]
    sets = json.loads((CORPUS / "versions" / "versions.json").read_text(encoding="utf-8"))
    return [pytest.param(s, id=s["set"]) for s in sets if s["site"] in SITES]


@pytest.mark.parametrize("row", _pages())
def test_corpus_page(row: dict) -> None:
    name = Path(row["local_path"]).stem
    truth = json.loads((CORPUS / row["truth_path"]).read_text(encoding="utf-8"))["normalized"]
    item = get_extractor(SITES[row["site"]])((CORPUS / row["local_path"]).read_bytes(),
                                             row["original_url"])
    text = "\n\n".join(fold(b.text) for b in clean_blocks(item.body))
    misses = EXPECTED_MISSES.get(name, {})
    problems = [f"markup in body: {b.text[:80]!r}" for b in item.body if markup_leak(b.text)]
    if truth["title"] and not titles_match(clean_text(item.title), truth["title"]):
        problems.append(f"title: expected {truth['title']!r}, got {item.title!r}")
    problems += [f"body lacks {s!r}" for s in truth["must_contain"]
                 if fold(s) not in text and s not in misses]
    problems += [f"body has {s!r}" for s in truth["must_not_contain"] if fold(s) in text]
    if truth["body_prefix"]:
        start = fold(truth["body_prefix"])[:200]
        if start not in text:
            problems.append(f"body lacks its beginning {start[:60]!r}")
    if truth["body_text"]:
        f1 = token_f1(text, truth["body_text"])
        if f1 < MIN_F1:
            problems.append(f"body token F1 {f1:.3f} < {MIN_F1}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("vset", _version_sets())
def test_corpus_versions(vset: dict) -> None:
    extractor = get_extractor(SITES[vset["site"]])
    prints = {}
    for save in vset["files"]:
        item = extractor((CORPUS / save["file"]).read_bytes(), vset["url"])
        prints[save["label"]] = fingerprint(clean_text(item.title), clean_blocks(item.body))
    assert (len(set(prints.values())) > 1) == vset["article_body_changed"], prints


def test_token_f1() -> None:
    assert token_f1("The cat sat.", "the  cat sat") == 1.0
    assert token_f1("“Quoted” – text", '"quoted" - text') == 1.0
    assert token_f1("a b", "c d") == 0.0
    assert round(token_f1("a b c d", "a b"), 3) == 0.667
