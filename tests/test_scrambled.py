"""Paywall-scrambled text (every character shifted one code point) fails validation."""

from __future__ import annotations

from newsdiffs.items import Block
from newsdiffs.outcome import (
    common_word_share,
    looks_scrambled,
    shift_characters,
    validation_problem,
)

GERMAN = ("Der Hafen der Stadt wird im Frühjahr saniert, und die Arbeiten an der Mauer sollen "
          "nach Angaben des Senats elf Wochen dauern. Die Fähren fahren in dieser Zeit von einem "
          "Ponton an der Station der Seenotretter, wie die Verwaltung am Montag mitteilte. ") * 3
ENGLISH = ("The harbour wall will be repaired in the spring and the work is expected to take "
           "eleven weeks, the council said on Monday. Boats will moor at a pontoon by the "
           "lifeboat station while it is closed to walkers. ") * 3


def test_shift_characters_round_trip():
    scrambled = shift_characters("Das ist ein Test.", 1)
    assert scrambled == "Ebt jtu fjo Uftu/"
    assert shift_characters(scrambled, -1) == "Das ist ein Test."


def test_plain_prose_is_not_scrambled():
    for text in (GERMAN, ENGLISH):
        assert common_word_share(text) > 0.15
        assert not looks_scrambled(text)


def test_shifted_prose_is_scrambled():
    assert looks_scrambled(shift_characters(GERMAN, 1))
    assert looks_scrambled(shift_characters(ENGLISH, 1))


def test_text_of_other_languages_or_lists_is_left_alone():
    finnish = "Leudot talvet tekevät meistä väsyneempiä näillä keinoilla torjut kaamosta " * 6
    chinese = "香港行政长官梁振英在各方压力下就其大宅的违章建筑问题到立法会接受质询 " * 6
    scores = "Arsenal 2 Chelsea 1 Liverpool 3 Everton 0 Leeds 1 Fulham 1 " * 6
    for text in (finnish, chinese, scores, "Too short to judge"):
        assert not looks_scrambled(text)


def test_validation_rejects_a_scrambled_body():
    body = [Block(shift_characters(p, 1)) for p in GERMAN.split(". ") if p]
    body.insert(1, Block("Ungewöhnliche Einsätze sichern den Nachschub", "subheading"))
    problem = validation_problem(http_status=200, title="Warum Mangos teurer sind", body=body,
                                 error=None, min_body_chars=150)
    assert problem and problem.startswith("scrambled body text")
    assert validation_problem(http_status=200, title="Warum Mangos teurer sind",
                              body=[Block(GERMAN)], error=None, min_body_chars=150) is None
