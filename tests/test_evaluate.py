"""The scoring functions of ``make eval`` (pure), and the evaluation over a tiny made-up corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdiffs import evaluate
from newsdiffs.evaluate import (
    PageScore,
    contains,
    corpus_dir,
    fold_text,
    prf,
    score,
    starts_with,
    summarise,
    title_matches,
    tokenize,
)


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("Hello, World!", ["hello", "world"]),
        ("It\u2019s 10\u00a0pm \u2014 late", ["it", "s", "10", "pm", "late"]),
        ("Stra\u00dfe &amp; caf\u00e9", ["strasse", "café"]),  # casefold, entities decoded
        ("\u9999\u6e2f news", ["\u9999", "\u6e2f", "news"]),  # each CJK character a token
        ("", []),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    "got, want, expected",
    [
        ("a b c", "a b c", (1.0, 1.0, 1.0)),
        ("a b", "a b c d", (1.0, 0.5, 2 / 3)),
        ("a b c d", "a b", (0.5, 1.0, 2 / 3)),
        ("a a a", "a", (1 / 3, 1.0, 0.5)),  # bags of words: a repeat is not free
        ("x y", "a b", (0.0, 0.0, 0.0)),
        ("", "a b", (0.0, 0.0, 0.0)),
        ("", "", (1.0, 1.0, 1.0)),
    ],
)
def test_prf(got, want, expected):
    result = prf(got.split(), want.split())
    assert (result.precision, result.recall, result.f1) == pytest.approx(expected)


@pytest.mark.parametrize(
    "got, want, ok",
    [
        ("He said \u201cno\u201d \u2013 twice", 'He said "no" - twice', True),
        ("  Spacing   here ", "Spacing here", True),
        ("Democrats to use Social Security", "Democrats to use Social Security - CNN.com", True),
        ("Whale strandings", "Whale strandings | Eleanor Ainge Roy", True),
        ("Whale strandings | The Site", "Whale strandings", False),  # our suffix is not forgiven
        ("Whale Strandings", "Whale strandings", False),
        ("", "Anything", False),
        ("Kicker: Headline", "Headline", False),
    ],
)
def test_title_matches(got, want, ok):
    assert title_matches(got, want) is ok


def test_fold_text_folds_typography_and_double_hyphens():
    assert fold_text("a \u2014 b -- c\u2026") == "a - b - c..."


def test_contains_ignores_whitespace_and_typography():
    body = "Global warming \u2014 \u201cit\u2019s a hoax.\u201d\n\nDonald Trump said so."
    assert contains(body, 'Global warming - "it\'s a hoax."Donald Trump')
    assert contains(body, "ump said")  # snippets may cut words
    assert not contains(body, "Donald Duck")
    assert not contains(body, "   ")


def test_starts_with_uses_the_first_tokens_near_the_start():
    body = "LONDON (Reuters) - " + " ".join(f"w{i}" for i in range(100))
    assert starts_with(body, " ".join(f"w{i}" for i in range(40)) + " then it drifts")
    assert not starts_with(body, "w50 w51 w52")  # found, but not near the beginning
    assert not starts_with(body, "")


def test_score_and_summary():
    truth = {"title": "A headline", "body_text": "one two three four", "body_prefix": "one two",
             "must_contain": ["three", ""], "must_not_contain": ["Related", "four"]}
    s = score("A headline", "one two three five", truth)
    assert s.title_ok and s.prefix_ok
    assert (s.precision, s.recall) == pytest.approx((0.75, 0.75))
    assert (s.must_found, s.must_total, s.leaks, s.leak_total) == (1, 1, 0, 2)
    empty = score(None, "", {"title": None, "body_text": None, "body_prefix": None,
                             "must_contain": [], "must_not_contain": []})
    assert empty == PageScore()
    summary = summarise([s, empty])
    assert summary["pages"] == 2 and summary["title_pages"] == 1 and summary["title_rate"] == 1
    assert summary["body_pages"] == 1 and summary["f1"] == pytest.approx(0.75)


def test_missing_corpus_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(evaluate.CorpusMissing, match="set NEWSDIFFS_CORPUS"):
        corpus_dir(tmp_path)
    assert evaluate.main(["--corpus", str(tmp_path), "--output", str(tmp_path / "r.json")]) == 2
    assert "corpus not found" in capsys.readouterr().err


STORY = ("<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
         "<article><h1>{title}</h1>{paras}</article><footer>Contact us</footer></body></html>")


def _page(title: str, paragraphs: list[str]) -> str:
    return STORY.format(title=title, paras="".join(f"<p>{p}</p>" for p in paragraphs))


def test_evaluate_a_tiny_corpus(tmp_path):
    """Pages are scored for both readers and the version sets replayed: phantom and missed."""
    words = [f"Sentence number {i} of a story about the new harbour wall and the council."
             for i in range(12)]
    (tmp_path / "pages" / "gazette").mkdir(parents=True)
    (tmp_path / "truth" / "gazette").mkdir(parents=True)
    (tmp_path / "pages" / "gazette" / "one.html").write_text(_page("Harbour wall", words))
    truth = {"title": "Harbour wall", "body_text": "\n\n".join(words), "body_prefix": None,
             "must_contain": [words[3]], "must_not_contain": ["Contact us"], "url": None}
    (tmp_path / "truth" / "gazette" / "one.json").write_text(json.dumps({"normalized": truth}))
    header = "local_path\tsite\toriginal_url\thas_truth\tkind\ttruth_path\n"
    (tmp_path / "MANIFEST.tsv").write_text(
        header + "pages/gazette/one.html\tgazette\thttps://gazette.example/one\tyes\tpage\t"
        "truth/gazette/one.json\n")
    sets_dir = tmp_path / "versions"
    (sets_dir / "same").mkdir(parents=True)
    (sets_dir / "edit").mkdir(parents=True)
    (sets_dir / "same" / "a.html").write_text(_page("Harbour wall", words))
    (sets_dir / "same" / "b.html").write_text(_page("Harbour wall", words[:-1]))  # phantom
    (sets_dir / "edit" / "a.html").write_text(_page("Harbour wall", words))
    (sets_dir / "edit" / "b.html").write_text(_page("Harbour wall", words))  # missed
    sets = [{"set": name, "url": "https://gazette.example/one", "article_body_changed": changed,
             "files": [{"file": f"versions/{name}/{label}.html", "label": label}
                       for label in ("a", "b")], "diffs": []}
            for name, changed in (("same", False), ("edit", True))]
    (sets_dir / "versions.json").write_text(json.dumps(sets))

    results = evaluate.evaluate(Path(tmp_path))
    overall = results["summary"]["overall"]
    assert overall["ours"]["title_rate"] == 1.0
    assert overall["ours"]["f1"] > 0.95 and overall["trafilatura"]["f1"] > 0.9
    assert overall["ours"]["leaks"] == 0 and overall["ours"]["must_found"] == 1
    assert results["phantom_changes"] == 1 and results["missed_changes"] == 1
    table = evaluate.format_table(results["summary"])
    assert "gazette" in table and "overall" in table
    assert "PHANTOM x1" in evaluate.format_sets(
        [evaluate.SetResult(**s) for s in results["version_sets"]])
