"""A floor under ``make eval``: extraction quality over the shared corpus must not drop (optional).

The corpus lives outside the repository (``../shared/corpus`` next to the
checkout, or ``$NEWSDIFFS_CORPUS``); without it this test is skipped. The
floors sit a little below the numbers measured when they were set (see the
README, "Extraction quality and re-extraction"); raise them as the extractors
improve. Only the project's own readings are scored here (trafilatura alone
is left to ``make eval``).
"""

from __future__ import annotations

import fcntl
import json
import os

import pytest

from newsdiffs.evaluate import CorpusMissing, corpus_dir, evaluate

try:
    CORPUS = corpus_dir()
    SKIP = None
except CorpusMissing as exc:
    CORPUS, SKIP = None, str(exc)

#: Measured (issue 11): title 97% (58/60), F1 overall 0.981, dedicated 0.982, generic 0.980
#: (trafilatura default: 0.965 / 0.980 / 0.956), 2 leaks of 77 unwanted snippets,
#: 88/91 wanted snippets, 100% prefixes; lowest page F1 0.865.
FLOORS = {
    ("overall", "title_rate"): 0.93,
    ("overall", "f1"): 0.975,
    ("dedicated", "f1"): 0.975,
    ("generic", "f1"): 0.975,
    ("overall", "prefix_rate"): 0.9,
}
#: No page with a full expected text may fall below this body F1 (one page losing most of
#: its body hides behind a good mean).
MIN_PAGE_F1 = 0.85
MAX_LEAKS = 3
MIN_MUST_SHARE = 0.95
#: Version sets where a phantom change is known and understood: set -> why.
KNOWN_PHANTOMS: dict[str, str] = {}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    if SKIP:
        pytest.skip(SKIP)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return evaluate(CORPUS, baseline=False)
    # Under pytest-xdist (make test) the workers of one run share a temporary directory:
    # the first to get here scores the corpus (several seconds), the others read its result.
    shared = tmp_path_factory.getbasetemp().parent / "eval-floor-results.json"
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shared.exists():
            shared.write_text(json.dumps(evaluate(CORPUS, baseline=False)), encoding="utf-8")
        return json.loads(shared.read_text(encoding="utf-8"))


def test_extraction_quality_floor(results):
    summary = results["summary"]
    problems = []
    for (group, key), floor in FLOORS.items():
        value = summary[group]["ours"][key]
        if value is None or value < floor:
            problems.append(f"{group} {key} = {value} < {floor}")
    problems += [f"{p['site']}/{p['name']} F1 = {p['ours']['f1']:.3f} < {MIN_PAGE_F1}"
                 for p in results["pages"]
                 if p["ours"]["f1"] is not None and p["ours"]["f1"] < MIN_PAGE_F1]
    ours = summary["overall"]["ours"]
    if ours["leaks"] > MAX_LEAKS:
        problems.append(f"{ours['leaks']} unwanted snippets in bodies > {MAX_LEAKS}")
    if ours["must_found"] < MIN_MUST_SHARE * ours["must_total"]:
        problems.append(f"wanted snippets {ours['must_found']}/{ours['must_total']}")
    assert not problems, "\n".join(problems)


def test_no_phantom_or_missed_changes(results):
    sets = results["version_sets"]
    missed = [s["name"] for s in sets if s["missed"]]
    phantom = [s["name"] for s in sets if s["phantom"] and s["name"] not in KNOWN_PHANTOMS]
    assert not missed, f"changes not detected in {missed}"
    assert not phantom, f"phantom changes in {phantom}: " + "; ".join(
        f"{s['name']}: {s['saves']}" for s in sets if s["name"] in phantom)
