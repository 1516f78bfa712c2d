"""Speakers: one per person, in order of appearance (interviews/parsing/speakers.py)."""

from __future__ import annotations

from interviews.parsing import SpeakerHint
from tests.parsing.helpers import parse


def test_speakers_in_order_of_appearance_with_first_label_and_hint_role():
    hints = [SpeakerHint("Harry Stebbings", "host", ["Q", "Harry"]), SpeakerHint("Aidan Gomez", "guest")]
    result = parse("Aidan Gomez: Hi.\n\nQ: Hello.\n\nHarry: Again.\n\nAidan Gomez: Bye.", speakers=hints)
    assert [(s.label, s.name, s.role) for s in result.speakers] == [
        ("Aidan Gomez", "Aidan Gomez", "guest"),
        ("Q", "Harry Stebbings", "host"),
    ]
    assert [turn.label for turn in result.turns] == ["Aidan Gomez", "Q", "Harry", "Aidan Gomez"]


def test_label_spellings_that_differ_only_in_case_are_one_speaker():
    result = parse("HOST: Hallo.\n\nBob: Hi.\n\nHost: Gut.\n\nBob: Ja.")
    assert [turn.speaker for turn in result.turns] == ["HOST", "Bob", "HOST", "Bob"]
    assert [turn.label for turn in result.turns][2] == "Host"
