"""The BBC extractor against hand-written pages in tests/fixtures/bbc/<case>/.

Each case holds ``page.html``, ``url.txt`` and ``expected.json``. Expected
fields are compared after the normalise step (``clean_text`` /
``clean_blocks``), as the pipeline stores them. ``body`` lists block texts, or
``[kind, text]`` pairs when the kinds matter. A case with ``"raises"`` must
fail with that error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdiffs.extract import ExtractionError, extractor_for_url
from newsdiffs.extract.bbc import BBCExtractor, is_article_url
from newsdiffs.items import ArticleItem, blocks_to_text
from newsdiffs.text import clean_blocks, clean_text, markup_leak

FIXTURES = Path(__file__).parent / "fixtures" / "bbc"
CASES = sorted(p for p in FIXTURES.iterdir() if (p / "expected.json").is_file())
ERRORS = {"ExtractionError": ExtractionError}


def load_case(case: Path) -> tuple[bytes, str, dict]:
    html = (case / "page.html").read_bytes()
    url = (case / "url.txt").read_text(encoding="utf-8").strip()
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    return html, url, expected


def problems_with(item: ArticleItem, expected: dict) -> list[str]:
    """Every way the item differs from the expected fields, one line each."""
    problems = []
    for name in ("title", "byline", "published", "modified", "canonical_url"):
        if name not in expected:
            continue
        got = getattr(item, name)
        got = clean_text(got) or None if name in ("title", "byline") else got
        if got != expected[name]:
            problems.append(f"{name}: expected {expected[name]!r}, got {got!r}")

    blocks = clean_blocks(item.body)
    if "body" in expected:
        want = [tuple(b) if isinstance(b, list) else (None, b) for b in expected["body"]]
        got = [(b.kind, b.text) for b in blocks]
        for i in range(max(len(want), len(got))):
            w = want[i] if i < len(want) else None
            g = got[i] if i < len(got) else None
            if w is None or g is None or g[1] != w[1] or (w[0] is not None and g[0] != w[0]):
                problems.append(f"body[{i}]: expected {w!r}, got {g!r}")
                break
        if len(want) != len(got):
            problems.append(f"body: expected {len(want)} blocks, got {len(got)}")

    text = blocks_to_text(blocks)
    problems += [f"body lacks {s!r}" for s in expected.get("must_contain", []) if s not in text]
    problems += [f"body has {s!r}" for s in expected.get("must_not_contain", []) if s in text]
    problems += [f"markup in body: {b.text!r}" for b in item.body if markup_leak(b.text)]
    if item.extractor != "bbc":
        problems.append(f"extractor: expected 'bbc', got {item.extractor!r}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path) -> None:
    html, url, expected = load_case(case)
    if "raises" in expected:
        with pytest.raises(ERRORS[expected["raises"]]):
            BBCExtractor()(html, url)
        return
    item = BBCExtractor()(html, url)
    problems = problems_with(item, expected)
    assert not problems, f"{case.name}:\n  " + "\n  ".join(problems)


def test_fixtures_cover_the_layouts() -> None:
    names = {c.name for c in CASES}
    assert len(names) >= 5
    for prefix in ("classic", "storybody", "current", "current-jsonld-fallback", "consent"):
        assert any(n.startswith(prefix) for n in names), prefix


def test_page_given_as_text_reads_the_same() -> None:
    html, url, _ = load_case(FIXTURES / "current-2024")
    assert BBCExtractor()(html.decode("utf-8"), url).body == BBCExtractor()(html, url).body


def test_bbc_urls_dispatch_to_the_bbc_extractor() -> None:
    for url in (
        "https://www.bbc.co.uk/news/articles/c9xq2example0o",
        "http://news.bbc.co.uk/1/hi/uk/1.stm",
        "https://www.bbc.com/news/world-europe-50473792",
    ):
        assert isinstance(extractor_for_url(url), BBCExtractor), url


@pytest.mark.parametrize(
    ("url", "article"),
    [
        ("https://www.bbc.co.uk/news/articles/c9xq2example0o", True),
        ("https://www.bbc.com/news/articles/c4storm123xo?at_medium=RSS", True),
        ("https://www.bbc.co.uk/news/uk-politics-12345678", True),
        ("https://www.bbc.com/news/world-us-canada-52241221", True),
        ("https://www.bbc.co.uk/news/uk-england-london-12345678#comments", True),
        ("https://www.bbc.co.uk/news/63588631", True),
        ("http://news.bbc.co.uk/1/hi/uk_politics/7984711.stm", True),
        ("http://news.bbc.co.uk/2/low/uk_news/england/devon/7996447.stm", True),
        ("https://bbc.co.uk/news/articles/c9xq2example0o/", True),
        ("https://www.bbc.co.uk/news/live/uk-politics-69999999", False),
        ("https://www.bbc.co.uk/news/live/world-12345678", False),
        ("https://www.bbc.co.uk/iplayer/episode/m0012345/some-programme", False),
        ("https://www.bbc.co.uk/sport/football/12345678", False),
        ("https://www.bbc.co.uk/sport/football/articles/c0sport123o", False),
        ("https://www.bbc.co.uk/news/av/world-us-canada-36306260", False),
        ("https://www.bbc.co.uk/news/videos/c0video123o", False),
        ("https://www.bbc.co.uk/programmes/p0012345", False),
        ("http://news.bbc.co.uk/2/hi/programmes/from_our_own_correspondent/7981478.stm", False),
        ("https://www.bbc.co.uk/sounds/play/m0012345", False),
        ("https://www.bbc.co.uk/news/topics/cgemwggl2net", False),
        ("https://www.bbc.co.uk/news/in_pictures", False),
        ("http://news.bbc.co.uk/1/hi/in_pictures/7984454.stm", False),
        ("https://www.bbc.co.uk/news", False),
        ("https://www.bbc.co.uk/news/uk", False),
        ("https://www.bbc.co.uk/weather/2643743", False),
        ("https://www.example.com/news/articles/c9xq2example0o", False),
        ("https://www.bbc.co.uk.example.com/news/uk-12345678", False),
    ],
)
def test_is_article_url(url: str, article: bool) -> None:
    assert is_article_url(url) is article


@pytest.mark.parametrize(
    "url",
    [
        "https://www.bbc.co.uk/sport/football/12345678",
        "https://www.bbc.com/sport/football/articles/c0sport123o",
        "http://news.bbc.co.uk/sport1/hi/football/7984000.stm",
    ],
)
def test_sport_articles_when_allowed(url: str) -> None:
    assert is_article_url(url, extra=True)
    assert not is_article_url(url)


def test_live_sport_stays_out_even_when_sport_is_allowed() -> None:
    assert not is_article_url(
        "https://www.bbc.co.uk/sport/live/football/12345678", extra=True
    )
