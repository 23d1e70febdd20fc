"""Failure classes of issue 11, one hand-written case each, through the real extractors.

Every case in ``tests/fixtures/classes/<case>/`` is a small page written for
one class (never a copy of a real page): a boilerplate class on a dedicated
site or the generic path (ads, link suffixes, gallery captions, footers,
promo and newsletter boxes, embedded tweets, banners, rails, appeals, paywall
prompts, photo credits, drop caps), or a recall class (trafilatura's
precision mode dropping story paragraphs, the story only in ``__NEXT_DATA__``,
Fusion state or JSON-LD ``articleBody``). The page is read by the extractor
the project picks for its URL, cleaned as stored, and checked with
``must_contain`` / ``must_not_contain`` (and ``body`` where the exact blocks
matter); ``extractor`` names the extractor that must have read it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_check import case_id, fixture_cases, load_case, problems_with

from newsdiffs.evaluate import contains
from newsdiffs.extract import extractor_for_url
from newsdiffs.extract.boilerplate import boilerplate_class, is_rail_heading
from newsdiffs.items import blocks_to_text
from newsdiffs.text import clean_blocks

CASES = fixture_cases("classes")


def test_every_class_of_issue_11_has_a_case() -> None:
    names = {case.name for case in CASES}
    wanted = {
        "reuters-ad-scroll", "reuters-opens-new-tab", "reuters-gallery-caption",
        "reuters-standards-footer", "ap-what-to-know", "ap-newsletter-signup",
        "washingtonpost-embedded-tweet", "independent-breaking-banner", "generic-related-rail",
        "generic-donation-appeal", "generic-paywall-prompt", "generic-photo-credit",
        "generic-drop-cap", "recall-precision-collapsed-body", "recall-next-data-body",
        "recall-fusion-body", "recall-jsonld-articlebody", "cnn-newsletter-launch",
        "nytimes-inbox-promo", "nytimes-storybody-correction", "generic-newsletter-note-and-buttons",
        "nytimes-inbody-caption", "nytimes-storybody-caption", "washingtonpost-inline-caption",
    }  # fmt: skip
    assert wanted <= names


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_class_case(case: Path) -> None:
    html, url, expected = load_case(case)
    extractor = extractor_for_url(url)
    assert extractor is not None
    item = extractor(html, url)
    problems = problems_with(item, expected)
    if item.extractor != expected["extractor"]:
        problems.append(f"read by {item.extractor!r}, expected {expected['extractor']!r}")
    text = blocks_to_text(clean_blocks(item.body))
    # The eval's looser match too (whitespace and typography folded): a leak must not hide
    # behind a curly quote or a line break.
    problems += [f"body has (folded) {s!r}" for s in expected.get("must_not_contain", [])
                 if contains(text, s)]
    assert not problems, f"{case_id(case)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_no_kept_block_is_boilerplate(case: Path) -> None:
    """Whatever a case keeps is story: no block of it falls in a boilerplate class."""
    html, url, _ = load_case(case)
    extractor = extractor_for_url(url)
    assert extractor is not None
    for block in clean_blocks(extractor(html, url).body):
        assert boilerplate_class(block.text) is None, block.text
        assert not is_rail_heading(block.text), block.text


#: Newsletter, button and follow lines (promos), each beside a story sentence that only looks alike.
PROMO_LINES = [
    ("CNN will soon launch Royal News, a weekly newsletter bringing you the inside track on the "
     "royal family, what they are up to in public and what's happening behind palace walls. "
     "Sign up here.", "promos"),
    ("[What you need to know to start the day: Get New York Today in your inbox.]", "promos"),
    ("Get the Morning Briefing in your inbox.", "promos"),
    ("Continue Reading", "promos"),
    ("Continue reading the main story", "promos"),
    ("FOLLOW US ON SOCIAL MEDIA", "promos"),
    ("Cet article est paru dans notre newsletter « La lettre éco ». Si vous êtes abonné au "
     "Monde, vous pouvez vous inscrire à cette lettre quotidienne en suivant ce lien. Chaque "
     "jour à 12 h 30, vous y retrouverez les informations du Monde.", "promos"),
    ("Phishing emails that land in your inbox are getting harder to spot, the agency warned on "
     "Tuesday.", None),
    ("Get ready for more spam in your inbox, experts said.", None),
    ("Continue reading to find out how the new timetable changes the early sailings.", None),
    ("The police asked people to follow the advice on social media and stay at home.", None),
    ("The weekly newsletter, founded in 1998 by two retired teachers, had 40,000 readers at its "
     "peak and was printed in a church basement until last spring, when the press broke down. "
     "Its editors said readers could still sign up for the online edition, which will go on.",
     None),
    ("Substack newsletters, which readers subscribe to for a monthly fee, have grown quickly "
     "since 2020.", None),
    ("Subscribe to the Morning Briefing newsletter.", "promos"),
]


@pytest.mark.parametrize(("text", "wanted"), PROMO_LINES)
def test_promo_lines(text: str, wanted: str | None) -> None:
    assert boilerplate_class(text) == wanted


@pytest.mark.parametrize("text", [
    "Advertisement", "Sign up here.", "Read more: the inquiry", "[1/5] Police stand guard",
    "Our Standards: The Thomson Reuters Trust Principles.", "Photo: AFP", "(Getty Images)",
    "Get the full story", "[What you need to know: Get New York Today in your inbox.]",
    "Listen again here.", "The Times is committed to publishing a diversity of letters to the editor.",
    "A weekly newsletter bringing you the best of the week. Sign up here.",
    "Subscribe to our newsletter for free now, delivered to your inbox",
    "Newsletters, which readers subscribe to for a fee, grew last year.",
    "He said the licensing rights were sold in 2019.", "SIGN UP", "ſign up here",
    "The minister said on Tuesday that the review would be published next month, after "
    "criticism from campaigners who wanted it sooner. " * 8,
])
def test_the_fast_class_check_agrees_with_trying_every_pattern(text):
    """boilerplate_class tries each class as one alternation and skips keyed patterns whose
    key word is absent: the same answer as trying every pattern in turn."""
    from newsdiffs.extract import boilerplate

    naive = next((name for name, patterns in boilerplate.CLASSES.items()
                  if any(p.search(text) for p in patterns)), None)
    assert boilerplate_class(text) == naive
