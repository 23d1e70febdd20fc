"""Measure extraction quality over the shared corpus of saved news pages (``make eval``).

For every page with truth in ``MANIFEST.tsv`` it runs the extractor the
project would use (the site's own one via :func:`extractor_for_url`, else
``generic``) and, in the same run, trafilatura on its own (``extract()`` with
its defaults, and its metadata title). Both are scored the same way:

* **title**: exact match after folding whitespace, quotes and dashes
  (pages whose truth has a title);
* **body P / R / F1**: token precision, recall and F1 against the full
  expected text (pages whose truth has ``body_text``), averaged over pages;
* **must**: snippets that must be in the body, found / expected;
* **leaks**: snippets that must not be in the body, found / listed;
* **prefix**: pages whose body begins with the expected beginning (its first
  tokens, near the start).

Over the version sets (``versions/versions.json``) it plays each set's saves
to the project in order, as a crawl would (a save that fails extraction or
validation is a failed check and stores nothing), and counts **phantom**
changes (a stored fingerprint differs where the article did not change) and
**missed** ones (a set whose article changed but whose stored fingerprints
never differ).

Numbers are printed as a table and written to a JSON file (``--output``) so
that runs can be compared. Pure Python: no Scrapy. Run with
``python -m newsdiffs.evaluate [--corpus DIR] [--output FILE]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .config import DEFAULT_MIN_BODY_CHARS
from .extract import ExtractionError, Extractor, extractor_for_url
from .outcome import validation_problem
from .revision import clean_item, new_version
from .text import clean_text, decode_entities, fold

#: Where the corpus is looked for when ``NEWSDIFFS_CORPUS`` is not set: next to the checkout.
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
#: Validation threshold used when replaying version sets (the crawl default).
MIN_BODY_CHARS = DEFAULT_MIN_BODY_CHARS


class CorpusMissing(Exception):
    """The corpus directory (with its MANIFEST.tsv) is not there."""


# --- scoring: pure functions --------------------------------------------------

# CJK characters are words of their own; other letters and digits run into words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")


def fold_text(text: str | None) -> str:
    """Text as compared: entities decoded (truth texts hold some), cleaned, typographic
    quotes/dashes/ellipses and whitespace folded."""
    return fold(clean_text(decode_entities(text or "")))


def tokenize(text: str | None) -> list[str]:
    """Lower-case word tokens of folded text (each CJK character is a token)."""
    return _TOKEN.findall(fold_text(text).casefold())


@dataclass(frozen=True)
class PRF:
    """Token precision, recall and F1."""

    precision: float
    recall: float
    f1: float


def prf(got: Sequence[str], want: Sequence[str]) -> PRF:
    """Precision, recall and F1 of the tokens ``got`` against ``want``, counted as bags of words."""
    if not got and not want:
        return PRF(1.0, 1.0, 1.0)
    common = sum((Counter(got) & Counter(want)).values())
    precision = common / len(got) if got else 0.0
    recall = common / len(want) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if common else 0.0
    return PRF(precision, recall, f1)


# " - CNN.com", " | Eleanor Ainge Roy": a short site or author name after a separator.
_TITLE_SUFFIX = re.compile(r"\s+(?:[|\-:\u00b7\u2022]|::)\s+[^|:\u00b7\u2022]{1,40}$")


def title_matches(got: str | None, want: str) -> bool:
    """Whether a title is the expected one, after folding (case and words must match).

    Some truth files keep the page's ``<title>`` suffix (" - CNN.com", " |
    Author"); an expected title with one matches a title without it. A suffix
    on the extracted title is not forgiven.
    """
    got, want = fold_text(got), fold_text(want)
    return bool(got) and (got == want or got == _TITLE_SUFFIX.sub("", want))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", fold_text(text))


def contains(text: str, snippet: str) -> bool:
    """Whether ``snippet`` occurs in ``text``, both folded and with whitespace left out.

    Whitespace is ignored because truth snippets lose it between blocks
    ("a hoax."Donald Trump"); snippets may start or end mid-word, so they are
    matched as characters, not tokens.
    """
    needle = _squash(snippet)
    return bool(needle) and needle in _squash(text)


#: The expected beginning is judged by its first tokens ...
PREFIX_TOKENS = 30
#: ... which must start within this many tokens of the body's beginning.
PREFIX_SLACK = 40


def starts_with(text: str, prefix: str) -> bool:
    """Whether ``text`` begins (near its start) with the first tokens of ``prefix``.

    Only the first :data:`PREFIX_TOKENS` tokens count: long expected
    beginnings drift from any extractor's text (one source drops bold
    interview questions); a dateline or dek before the match is tolerated.
    """
    want = tokenize(prefix)[:PREFIX_TOKENS]
    if not want:
        return False
    got = tokenize(text)
    return any(got[i : i + len(want)] == want for i in range(min(PREFIX_SLACK, len(got)) + 1))


@dataclass
class PageScore:
    """How one reading of a page compares with its truth (``None``: the truth has no such value)."""

    title_ok: bool | None = None
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    must_found: int = 0
    must_total: int = 0
    leaks: int = 0
    leak_total: int = 0
    prefix_ok: bool | None = None


def score(title: str | None, body: str, truth: dict[str, Any]) -> PageScore:
    """Score an extracted title and body text against a truth record's ``normalized`` fields."""
    result = PageScore()
    if truth.get("title"):
        result.title_ok = title_matches(title, truth["title"])
    if truth.get("body_text"):
        s = prf(tokenize(body), tokenize(truth["body_text"]))
        result.precision, result.recall, result.f1 = s.precision, s.recall, s.f1
    must = [s for s in truth.get("must_contain") or [] if fold_text(s)]
    result.must_total = len(must)
    result.must_found = sum(contains(body, s) for s in must)
    never = [s for s in truth.get("must_not_contain") or [] if fold_text(s)]
    result.leak_total = len(never)
    result.leaks = sum(contains(body, s) for s in never)
    if truth.get("body_prefix"):
        result.prefix_ok = starts_with(body, truth["body_prefix"])
    return result


# --- the two readers --------------------------------------------------------


@dataclass
class Reading:
    """What a reader made of a page: title, body text, and why it would not be stored."""

    title: str = ""
    body: str = ""
    #: Extraction error or validation problem (the project would record a failed check).
    problem: str | None = None
    fingerprint: str | None = None


def read_project(html: bytes, url: str, extractor: Extractor) -> Reading:
    """The page as the project would store it: extracted, cleaned, validated, fingerprinted."""
    try:
        item = clean_item(extractor(html, url))
    except ExtractionError as exc:
        return Reading(problem=f"extraction failed: {exc}")
    body = "\n\n".join(b.text for b in item.body)
    problem = validation_problem(http_status=200, title=item.title, body=item.body, error=None,
                                 min_body_chars=MIN_BODY_CHARS)
    digest = None if problem else new_version(item, fetched_at="", previous=None).hash
    return Reading(item.title, body, problem, digest)


def read_trafilatura(html: bytes, url: str) -> Reading:
    """The page as trafilatura reads it alone: ``extract()`` with defaults, metadata title."""
    import trafilatura

    body = trafilatura.extract(html) or ""
    meta = trafilatura.extract_metadata(html, default_url=url)
    title = (meta.title if meta is not None else None) or ""
    return Reading(title, body, None if body else "no text")


# --- the corpus -------------------------------------------------------------


def corpus_dir(path: str | Path | None = None) -> Path:
    """The corpus directory: ``path``, else ``$NEWSDIFFS_CORPUS``, else ``../shared/corpus``."""
    root = Path(path or os.environ.get("NEWSDIFFS_CORPUS") or DEFAULT_CORPUS)
    if not (root / "MANIFEST.tsv").is_file():
        raise CorpusMissing(
            f"corpus not found at {root} (no MANIFEST.tsv); "
            "set NEWSDIFFS_CORPUS or pass --corpus DIR"
        )
    return root


def corpus_pages(root: Path) -> list[dict[str, str]]:
    """MANIFEST rows of the pages that have truth."""
    with open(root / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f, delimiter="\t")
                if r["kind"] == "page" and r["has_truth"] == "yes" and r["truth_path"]]


@dataclass
class PageResult:
    """One page, read by the project and by trafilatura."""

    site: str
    name: str
    extractor: str
    dedicated: bool
    ours: PageScore
    trafilatura: PageScore
    problem: str | None = None


def evaluate_page(root: Path, row: dict[str, str], baseline: bool = True) -> PageResult:
    """Read one corpus page both ways (only the project's way without ``baseline``) and score."""
    html = (root / row["local_path"]).read_bytes()
    truth = json.loads((root / row["truth_path"]).read_text(encoding="utf-8"))["normalized"]
    url = row["original_url"]
    extractor = extractor_for_url(url)
    assert extractor is not None  # the generic extractor is always registered
    ours = read_project(html, url, extractor)
    theirs = read_trafilatura(html, url) if baseline else Reading(problem="not run")
    return PageResult(
        site=row["site"], name=Path(row["local_path"]).stem, extractor=extractor.name,
        dedicated=extractor.name != "generic",
        ours=score(ours.title, ours.body, truth),
        trafilatura=score(theirs.title, theirs.body, truth),
        problem=ours.problem,
    )


@dataclass
class SetResult:
    """One version set replayed as a crawl would see it."""

    name: str
    body_changed: bool
    #: label -> fingerprint (first 8 hex digits), or the reason it stored nothing.
    saves: dict[str, str] = field(default_factory=dict)
    #: Stored versions: how many times a save's fingerprint differed from the last stored one.
    changes: int = 0
    #: Changes recorded between saves whose paragraphs are the same.
    phantom: int = 0
    missed: bool = False


def evaluate_version_set(root: Path, vset: dict[str, Any]) -> SetResult:
    """Replay a set's saves in order: fingerprints, changes, phantom and missed changes."""
    result = SetResult(vset["set"], bool(vset["article_body_changed"]))
    same_paragraphs = {(d["frm"], d["to"]) for d in vset.get("diffs", [])
                       if not d.get("paragraph_diff")}
    extractor = extractor_for_url(vset["url"])
    assert extractor is not None
    last: tuple[str, str] | None = None  # (label, fingerprint) of the last stored save
    for f in vset["files"]:
        reading = read_project((root / f["file"]).read_bytes(), vset["url"], extractor)
        if reading.fingerprint is None:
            result.saves[f["label"]] = f"failed ({reading.problem})"
            continue
        result.saves[f["label"]] = reading.fingerprint[:8]
        if last is not None and last[1] != reading.fingerprint:
            result.changes += 1
            if not result.body_changed or (last[0], f["label"]) in same_paragraphs:
                result.phantom += 1
        last = (f["label"], reading.fingerprint)
    result.missed = result.body_changed and result.changes == 0
    return result


# --- summaries --------------------------------------------------------------


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def summarise(scores: Sequence[PageScore]) -> dict[str, Any]:
    """Aggregate page scores: rates and mean P/R/F1 with the number of pages behind each."""
    titled = [s.title_ok for s in scores if s.title_ok is not None]
    bodies = [s for s in scores if s.f1 is not None]
    prefixed = [s.prefix_ok for s in scores if s.prefix_ok is not None]
    return {
        "pages": len(scores),
        "title_pages": len(titled),
        "title_rate": sum(titled) / len(titled) if titled else None,
        "body_pages": len(bodies),
        "precision": _mean(s.precision for s in bodies),
        "recall": _mean(s.recall for s in bodies),
        "f1": _mean(s.f1 for s in bodies),
        "must_found": sum(s.must_found for s in scores),
        "must_total": sum(s.must_total for s in scores),
        "leaks": sum(s.leaks for s in scores),
        "leak_total": sum(s.leak_total for s in scores),
        "prefix_pages": len(prefixed),
        "prefix_rate": sum(prefixed) / len(prefixed) if prefixed else None,
    }


def summarise_pages(pages: Sequence[PageResult]) -> dict[str, dict[str, Any]]:
    """Per site, then ``dedicated`` / ``generic`` (by extractor used) and ``overall``."""
    groups: dict[str, list[PageResult]] = {}
    for page in sorted(pages, key=lambda p: p.site):
        groups.setdefault(page.site, []).append(page)
    groups["dedicated"] = [p for p in pages if p.dedicated]
    groups["generic"] = [p for p in pages if not p.dedicated]
    groups["overall"] = list(pages)
    out = {}
    for name, members in groups.items():
        out[name] = {
            "extractors": sorted({p.extractor for p in members}),
            "failed": sum(p.problem is not None for p in members),
            "ours": summarise([p.ours for p in members]),
            "trafilatura": summarise([p.trafilatura for p in members]),
        }
    return out


# --- output -----------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _pair(ours: str, theirs: str) -> str:
    return f"{ours}/{theirs}"


def format_table(summary: dict[str, dict[str, Any]]) -> str:
    """The per-site table: each cell is ours/trafilatura."""
    head = (f"{'site':<19}{'extractor':<15}{'pages':>5}{'fail':>5}  {'title':>13}  "
            f"{'F1':>11}{'n':>3}  {'P':>11}  {'R':>11}  {'must':>11}  {'leaks':>9}  {'prefix':>9}")
    lines = ["Extraction quality: each cell is ours/trafilatura", head, "-" * len(head)]
    for name, group in summary.items():
        if name == "dedicated":
            lines.append("-" * len(head))
        o, t = group["ours"], group["trafilatura"]
        extractor = ",".join(group["extractors"]) if name not in (
            "dedicated", "generic", "overall") else ""
        title = "-" if not o["title_pages"] else (
            f"{_pair(_pct(o['title_rate']), _pct(t['title_rate']))} {o['title_pages']}")
        must = "-" if not o["must_total"] else _pair(
            str(o["must_found"]), str(t["must_found"])) + f"/{o['must_total']}"
        leaks = "-" if not o["leak_total"] else _pair(
            str(o["leaks"]), str(t["leaks"])) + f"/{o['leak_total']}"
        prefix = "-" if not o["prefix_pages"] else _pair(
            _pct(o["prefix_rate"]), _pct(t["prefix_rate"]))
        lines.append(
            f"{name:<19}{extractor[:14]:<15}{o['pages']:>5}{group['failed']:>5}  {title:>13}  "
            f"{_pair(_num(o['f1']), _num(t['f1'])) if o['body_pages'] else '-':>11}"
            f"{o['body_pages'] or '':>3}  "
            f"{_pair(_num(o['precision']), _num(t['precision'])) if o['body_pages'] else '-':>11}  "
            f"{_pair(_num(o['recall']), _num(t['recall'])) if o['body_pages'] else '-':>11}  "
            f"{must:>11}  {leaks:>9}  {prefix:>9}"
        )
    lines.append("(title: exact after folding, then pages with a truth title; F1/P/R: mean token "
                 "scores over the n pages with full text, must: snippets found "
                 "ours/trafilatura/expected; leaks: unwanted snippets found; fail: pages the "
                 "project would record as a failed check)")
    return "\n".join(lines)


#: A page whose body F1 is more than this below trafilatura's is flagged by ``make eval``.
FLAG_MARGIN = 0.05
#: The target of issue 11: no page's F1 more than this below trafilatura's (counted, marked ``under``).
TARGET_MARGIN = 0.02


def flagged_pages(pages: Iterable[dict[str, Any]], margin: float = FLAG_MARGIN) -> list[str]:
    """``site/name`` of the pages (as in the JSON results) whose F1 is over ``margin`` below
    trafilatura's."""
    return [f"{p['site']}/{p['name']}" for p in pages
            if p["ours"]["f1"] is not None and p["trafilatura"]["f1"] is not None
            and p["ours"]["f1"] < p["trafilatura"]["f1"] - margin]


def format_pages(pages: Sequence[dict[str, Any]], margin: float = FLAG_MARGIN) -> str:
    """Per page with a full expected text: our F1 and trafilatura's side by side, flagged
    ``BELOW`` when ours is more than ``margin`` lower (``under`` when more than
    :data:`TARGET_MARGIN` lower), with the count of such pages."""
    lines = [f"Body F1 per page: ours vs trafilatura default (BELOW: ours more than "
             f"{margin:.2f} lower, under: more than {TARGET_MARGIN:.2f} lower)"]
    for p in pages:
        ours, theirs = p["ours"]["f1"], p["trafilatura"]["f1"]
        if ours is None:
            continue
        delta = "" if theirs is None else f"{ours - theirs:+.3f}"
        flag = "" if theirs is None else (
            "BELOW" if ours < theirs - margin else "under" if ours < theirs - TARGET_MARGIN else "")
        lines.append(f"  {p['site'] + '/' + p['name'][:48]:<66}{p['extractor']:<15}"
                     f"{_num(ours)}  {_num(theirs)}  {delta:>7}  {flag}")
    for limit in sorted({margin, TARGET_MARGIN}, reverse=True):
        flagged = flagged_pages(pages, limit)
        lines.append(f"pages more than {limit:.2f} below trafilatura: {len(flagged)}"
                     + (f" ({', '.join(flagged)})" if flagged else ""))
    return "\n".join(lines)


def format_sets(sets: Sequence[SetResult]) -> str:
    """The version-set table: per set, fingerprints per save and the verdict."""
    lines = ["Change detection over version sets (fingerprints per save, in order)"]
    for s in sets:
        verdict = "ok"
        if s.phantom:
            verdict = f"PHANTOM x{s.phantom}"
        elif s.missed:
            verdict = "MISSED"
        saves = "  ".join(f"{label}={value}" for label, value in s.saves.items())
        changed = "changed" if s.body_changed else "same"
        lines.append(f"  {s.name:<34}{changed:<9}{verdict:<11}{saves}")
    phantom = sum(s.phantom for s in sets)
    missed = sum(s.missed for s in sets)
    lines.append(f"phantom changes: {phantom} (in {sum(bool(s.phantom) for s in sets)} sets), "
                 f"missed changes: {missed} (of {sum(s.body_changed for s in sets)} changed sets)")
    return "\n".join(lines)


def evaluate(root: Path, progress: bool = False, baseline: bool = True) -> dict[str, Any]:
    """Run the whole evaluation: pages, summaries and version sets, as one JSON-able dict.

    ``baseline=False`` leaves trafilatura alone out (its scores are then empty).
    """
    started = time.monotonic()
    pages = []
    rows = corpus_pages(root)
    for i, row in enumerate(rows, 1):
        if progress:
            print(f"\r{i}/{len(rows)} pages", end="", file=sys.stderr, flush=True)
        pages.append(evaluate_page(root, row, baseline))
    if progress:
        print(file=sys.stderr)
    vsets = json.loads((root / "versions" / "versions.json").read_text(encoding="utf-8"))
    sets = [evaluate_version_set(root, v) for v in vsets]
    page_dicts = [asdict(p) for p in pages]
    return {
        "corpus": str(root),
        "seconds": round(time.monotonic() - started, 1),
        "summary": summarise_pages(pages),
        "pages": page_dicts,
        "flagged_pages": flagged_pages(page_dicts) if baseline else [],
        "version_sets": [asdict(s) for s in sets],
        "phantom_changes": sum(s.phantom for s in sets),
        "missed_changes": sum(s.missed for s in sets),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsdiffs.evaluate",
        description="Score the extractors (and trafilatura alone) over the saved-page corpus.")
    parser.add_argument("--corpus", help="corpus directory (default: $NEWSDIFFS_CORPUS, "
                        "else ../shared/corpus next to the checkout)")
    parser.add_argument("--output", "-o", default="eval-results.json",
                        help="write the numbers here as JSON (default: %(default)s)")
    parser.add_argument("--pages", action="store_true", help="also list every page's scores")
    args = parser.parse_args(argv)
    try:
        root = corpus_dir(args.corpus)
    except CorpusMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results = evaluate(root, progress=sys.stderr.isatty())
    if args.pages:
        for p in results["pages"]:
            o = p["ours"]
            print(f"{p['site']:<16}{p['name'][:60]:<62}{p['extractor']:<10} "
                  f"title={o['title_ok']} f1={_num(o['f1'])} must={o['must_found']}/"
                  f"{o['must_total']} leaks={o['leaks']} prefix={o['prefix_ok']} "
                  f"{p['problem'] or ''}")
        print()
    print(format_table(results["summary"]))
    print()
    print(format_pages(results["pages"]))
    print()
    print(format_sets([SetResult(**s) for s in results["version_sets"]]))
    Path(args.output).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nnumbers written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
