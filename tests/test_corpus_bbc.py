"""The BBC extractor over the shared corpus of real saved pages (optional).

The corpus lives outside the repository (``../shared/corpus`` next to the
checkout, or ``$NEWSDIFFS_CORPUS``); without it these tests skip. Its pages are
only read here, never copied into the repository.

Truth values come from other projects and follow their conventions, so text is
compared after folding (quotes, dashes, whitespace) and with some tolerance:
full-text truths include captions and "related story" links that this
extractor drops on purpose, and omit "Follow us" lines that it keeps.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from fixture_check import titles_match

from newsdiffs.extract.bbc import BBCExtractor
from newsdiffs.text import clean_blocks, clean_text, fingerprint, fold, markup_leak

CORPUS = Path(
    os.environ.get("NEWSDIFFS_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
HAVE_CORPUS = (CORPUS / "MANIFEST.tsv").is_file()
NO_CORPUS = f"corpus not found at {CORPUS} (set NEWSDIFFS_CORPUS to its directory)"

#: Pages whose truth cannot match this extractor honestly: name -> reason. (None at present.)
UNMATCHABLE: dict[str, str] = {}
#: Share of full-text truth paragraphs found in the extracted body, and of extracted blocks
#: found in the truth. The misses are promo link lists and captions in the truth, "Follow
#: Newsbeat" lines in the page.
MIN_RECALL = 0.9
MIN_PRECISION = 0.9


def _pages() -> list:
    if not HAVE_CORPUS:
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason=NO_CORPUS))]
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as f:
        rows = [
            r
            for r in csv.DictReader(f, delimiter="\t")
            if r["site"] == "bbc" and r["kind"] == "page"
        ]
    params = []
    for row in rows:
        name = Path(row["local_path"]).stem
        marks = [pytest.mark.skip(reason=UNMATCHABLE[name])] if name in UNMATCHABLE else []
        params.append(pytest.param(row, id=name, marks=marks))
    return params


def _version_sets() -> list:
    if not HAVE_CORPUS:
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason=NO_CORPUS))]
    sets = json.loads((CORPUS / "versions" / "versions.json").read_text(encoding="utf-8"))
    return [pytest.param(s, id=s["set"]) for s in sets if s["site"] == "bbc"]


def _paragraphs(text: str) -> list[str]:
    return [fold(p) for p in text.split("\n\n") if p.strip()]


@pytest.mark.parametrize("row", _pages())
def test_corpus_page(row: dict) -> None:
    truth = json.loads((CORPUS / row["truth_path"]).read_text(encoding="utf-8"))["normalized"]
    item = BBCExtractor()((CORPUS / row["local_path"]).read_bytes(), row["original_url"])
    blocks = [fold(b.text) for b in clean_blocks(item.body)]
    text = "\n\n".join(blocks)
    problems = [f"markup in body: {b.text[:80]!r}" for b in item.body if markup_leak(b.text)]

    if truth["title"] and not titles_match(clean_text(item.title), truth["title"]):
        problems.append(f"title: expected {truth['title']!r}, got {item.title!r}")
    problems += [f"body lacks {s!r}" for s in truth["must_contain"] if fold(s) not in text]
    problems += [f"body has {s!r}" for s in truth["must_not_contain"] if fold(s) in text]
    if truth["body_prefix"]:
        # Each paragraph of the expected beginning is in the body (the last one may be cut short).
        problems += [
            f"body lacks prefix part {p[:60]!r}"
            for p in _paragraphs(truth["body_prefix"])
            if p not in text
        ]
    if truth["body_text"]:
        want = _paragraphs(truth["body_text"])
        if not blocks or blocks[0] != want[0]:
            problems.append(f"first paragraph: expected {want[0][:60]!r}, got {blocks[:1]!r}")
        recall = sum(p in text for p in want) / len(want)
        precision = sum(b in "\n\n".join(want) for b in blocks) / max(len(blocks), 1)
        if recall < MIN_RECALL:
            problems.append(
                f"recall {recall:.2f} < {MIN_RECALL}: missing {[p[:50] for p in want if p not in text]}"
            )
        if precision < MIN_PRECISION:
            problems.append(f"precision {precision:.2f} < {MIN_PRECISION}")
    assert not problems, "\n".join(problems)


def _fingerprint(path: Path, url: str) -> str:
    item = BBCExtractor()(path.read_bytes(), url)
    return fingerprint(clean_text(item.title), clean_blocks(item.body))


@pytest.mark.parametrize("vset", _version_sets())
def test_corpus_versions(vset: dict) -> None:
    prints = {f["label"]: _fingerprint(CORPUS / f["file"], vset["url"]) for f in vset["files"]}
    if not vset["article_body_changed"]:
        assert len(set(prints.values())) == 1, prints
        return
    assert len(set(prints.values())) > 1, prints
    # Saves whose paragraphs did not change (B and B without its Headline meta) must match.
    for diff in vset["diffs"]:
        same = prints[diff["frm"]] == prints[diff["to"]]
        assert same == (not diff["paragraph_diff"]), f"{diff['frm']} -> {diff['to']}: same={same}"
