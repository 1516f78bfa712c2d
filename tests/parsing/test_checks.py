"""Warnings for the editor (interviews/parsing/checks.py)."""

from __future__ import annotations

from tests.parsing.helpers import parse, said


def test_very_long_turn_is_reported():
    result = parse("Anna: Frage?\n\nBob: " + "Sehr lange Antwort. " * 200 + "\n\nAnna: Danke.\n\nBob: Bitte.")
    assert any(w.startswith("Turn 2 (Bob) is very long") for w in result.warnings)


def test_chrome_looking_text_inside_a_turn_is_kept_and_reported():
    result = parse("Anna: Frage?\n\nBob: Antwort.\n\nhttps://example.com/paper\n\nAnna: Danke.\n\nBob: Gern.")
    assert said(result)[1] == ("Bob", "Antwort.\n\nhttps://example.com/paper")
    assert any("contains text that looks like page chrome" in w for w in result.warnings)
