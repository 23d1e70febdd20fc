"""Shared checks for extractor fixture cases: ``tests/fixtures/<site>/<case>/``.

A case holds ``page.html``, ``url.txt`` and ``expected.json``. Expected fields
are compared after the normalise step (``clean_text`` / ``clean_blocks``), as
the pipeline stores them:

``title``, ``byline``, ``published``, ``modified``, ``canonical_url``
    exact values (``null`` for "none");
``body``
    block texts, or ``[kind, text]`` pairs when the kinds matter;
``must_contain`` / ``must_not_contain``
    snippets the stored body text must / must not hold;
``raises``
    the name of the error the extractor must raise (the case then has no other keys
    that matter); ``note`` is free text.

:func:`check_fixture` reports every field that broke, not just the first.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from newsdiffs.extract import ExtractionError
from newsdiffs.items import ArticleItem, blocks_to_text
from newsdiffs.text import clean_blocks, clean_text, fold, markup_leak

FIXTURES = Path(__file__).parent / "fixtures"
ERRORS: dict[str, type[Exception]] = {"ExtractionError": ExtractionError}
FIELDS = ("title", "byline", "published", "modified", "canonical_url")


def fixture_cases(*sites: str) -> list[Path]:
    """Every case directory (one with an ``expected.json``) of the given sites, sorted."""
    return sorted(
        case
        for site in sites
        if (FIXTURES / site).is_dir()
        for case in (FIXTURES / site).iterdir()
        if (case / "expected.json").is_file()
    )


def case_id(case: Path) -> str:
    """``site/case``: a readable pytest id."""
    return f"{case.parent.name}/{case.name}"


def load_case(case: Path) -> tuple[bytes, str, dict]:
    """The page bytes, its URL and the expected values of one case."""
    html = (case / "page.html").read_bytes()
    url = (case / "url.txt").read_text(encoding="utf-8").strip()
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    return html, url, expected


def problems_with(item: ArticleItem, expected: dict, extractor_name: str | None = None) -> list[str]:
    """Every way the item differs from the expected values, one line each."""
    problems = []
    for name in FIELDS:
        if name not in expected:
            continue
        got = getattr(item, name)
        if name in ("title", "byline"):
            got = clean_text(got) or None
        if got != expected[name]:
            problems.append(f"{name}: expected {expected[name]!r}, got {got!r}")

    blocks = clean_blocks(item.body)
    if "body" in expected:
        want = [tuple(b) if isinstance(b, list) else (None, b) for b in expected["body"]]
        got_blocks = [(b.kind, b.text) for b in blocks]
        for i in range(max(len(want), len(got_blocks))):
            w = want[i] if i < len(want) else None
            g = got_blocks[i] if i < len(got_blocks) else None
            if w is None or g is None or g[1] != w[1] or (w[0] is not None and g[0] != w[0]):
                problems.append(f"body[{i}]: expected {w!r}, got {g!r}")
        if len(want) != len(got_blocks):
            problems.append(f"body: expected {len(want)} blocks, got {len(got_blocks)}")

    text = blocks_to_text(blocks)
    problems += [f"body lacks {s!r}" for s in expected.get("must_contain", []) if s not in text]
    problems += [f"body has {s!r}" for s in expected.get("must_not_contain", []) if s in text]
    problems += [f"markup in body: {b.text!r}" for b in item.body if markup_leak(b.text)]
    if extractor_name is not None and item.extractor != extractor_name:
        problems.append(f"extractor: expected {extractor_name!r}, got {item.extractor!r}")
    return problems


def check_fixture(case: Path, extractor: Callable[[bytes, str], ArticleItem]) -> None:
    """Run ``extractor`` on one case and assert everything ``expected.json`` asks for.

    ``extractor`` is an :class:`~newsdiffs.extract.Extractor` instance (its
    ``name`` must then be the item's ``extractor``) or any callable of (html, url).
    """
    html, url, expected = load_case(case)
    if "raises" in expected:
        with pytest.raises(ERRORS[expected["raises"]]):
            extractor(html, url)
        return
    item = extractor(html, url)
    problems = problems_with(item, expected, getattr(extractor, "name", None))
    assert not problems, f"{case_id(case)}:\n  " + "\n  ".join(problems)


def titles_match(got: str, want: str) -> bool:
    """Whether an extracted headline is the truth's: equal after folding, one inside the
    other (truths keep a site suffix " - CNN.com" or a columnist " | Name"), or close.
    An empty headline never matches (``"" in want`` is true for every ``want``)."""
    got, want = fold(got).casefold().strip(), fold(want).casefold().strip()
    if not got or not want:
        return False
    return got in want or want in got or difflib.SequenceMatcher(None, got, want).ratio() >= 0.8
