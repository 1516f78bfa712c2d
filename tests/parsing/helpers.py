"""What the parser tests share: a parse with English as the default language, the seeds and their hints."""

from __future__ import annotations

from pathlib import Path

from interviews.parsing import SpeakerHint, parse_transcript

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "transcripts"
GERMAN_SEED = GOLDEN / "de_qbitai_aidan_gomez_abridged.txt"
CHINESE_SEED = GOLDEN / "zh_newin_aidan_gomez_markdown.txt"
SEED_HINTS = [
    SpeakerHint("Harry Stebbings", "host", ["Q", "Harry", "Stebbings"]),
    SpeakerHint("Aidan Gomez", "guest", ["Aidan", "Gomez"]),
]
# The smallest transcript: two speakers, two turns each.
TWO = "Anna: Hallo.\n\nBob: Hi.\n\nAnna: Gut.\n\nBob: Ja."


def parse(text, **kwargs):
    kwargs.setdefault("language", "en")  # most tests are not about language detection
    return parse_transcript(text, **kwargs)


def said(result):
    """(speaker, text) per turn."""
    return [(turn.speaker, turn.text) for turn in result.turns]


def seed(path, hints=SEED_HINTS):
    return parse_transcript(path.read_bytes(), filename=path.name, speakers=hints)
