import pytest

from newsdiffs.diff import change_stats, diff_words
from newsdiffs.items import Block
from newsdiffs.outcome import markup_leak, validation_problem

LONG = [Block("A reasonably long paragraph of article text. " * 5)]


@pytest.mark.parametrize(
    "kwargs, problem",
    [
        (dict(), None),
        (dict(http_status=404), "HTTP 404"),
        (dict(http_status=503), "HTTP 503"),
        (dict(title=""), "no title"),
        (dict(title="Page not found"), "error or consent page"),
        (dict(title="Before you continue to YouTube"), "error or consent page"),
        (dict(body=[]), "empty body"),
        (dict(body=[Block(" \u00a0 ")]), "empty body"),
        (dict(body=[Block("Short teaser.")]), "near-empty body"),
        (dict(error="extraction failed: no body"), "extraction failed"),
        (dict(body=[Block('Text class="bulletList"> more ' * 10)]), "markup in extracted text"),
        (dict(body=[Block("<p>leaked paragraph</p> " * 10)]), "markup in extracted text"),
    ],
)
def test_validation_problem(kwargs, problem):
    args = dict(http_status=200, title="A headline", body=LONG, error=None, min_body_chars=100)
    args.update(kwargs)
    result = validation_problem(**args)
    if problem is None:
        assert result is None
    else:
        assert result is not None and problem in result


def test_prose_about_tags_is_not_a_leak():
    assert markup_leak("Attackers inject a <script> tag into the page") is None
    assert markup_leak('He wrote <div class="x">') is not None


@pytest.mark.parametrize(
    "old, new, added, removed",
    [
        ("Same text.", "Same text.", 0, 0),
        ("The cat sat.", "The black cat sat.", len("black "), 0),
        ("One.\n\nTwo.", "One.\n\nTwo.\n\nThree added.", len("Three added."), 0),
        ("One.\n\nGone paragraph.\n\nTwo.", "One.\n\nTwo.", 0, len("Gone paragraph.")),
        ('He said "yes".', 'He said "no".', 2, 3),
    ],
)
def test_change_stats(old, new, added, removed):
    stats = change_stats(old, new)
    assert (stats.chars_added, stats.chars_removed) == (added, removed)


def test_change_stats_on_a_full_rewrite_is_fast_and_exact():
    import time

    old = "\n\n".join(f"Old paragraph {i} about the budget and the economy." for i in range(60))
    new = "\n\n".join(f"Entirely new wording number {i} on a different topic." for i in range(60))
    started = time.perf_counter()
    stats = change_stats(old, new)
    assert time.perf_counter() - started < 1.0  # dmp's own timeout would be 1 s per call
    # Nothing in common: every old paragraph deleted, every new one inserted.
    assert (stats.blocks_removed, stats.blocks_added, stats.blocks_changed) == (60, 60, 0)
    assert stats.chars_removed == len(old.replace("\n\n", ""))
    assert stats.chars_added == len(new.replace("\n\n", ""))


def test_diff_words_reconstructs_both_texts():
    a, b = "The quick brown fox jumps.", "The slow brown fox leaps high."
    ops = diff_words(a, b)
    assert "".join(t for op, t in ops if op != 1) == a
    assert "".join(t for op, t in ops if op != -1) == b
