"""The transcript's language: from the metadata, else detected from the turns (interviews/parsing/language.py)."""

from __future__ import annotations

import pytest

from interviews.parsing import parse_transcript
from tests.parsing.helpers import TWO, parse


def test_metadata_language_wins_and_is_stored_as_a_two_letter_code():
    assert parse(TWO, language="zh-CN").language == "zh"


@pytest.mark.parametrize(
    "text, language",
    [
        ("Anna: Wir haben über die Zukunft der Arbeit gesprochen.\n\nBob: Das ist eine wichtige Frage.", "de"),
        ("Anna: We talked about the future of work.\n\nBob: That is an important question.", "en"),
        ("主持人：我们聊聊工作的未来。\n\n嘉宾：这是一个对我们所有人都很重要的问题。", "zh"),
    ],
)
def test_language_is_detected_from_the_turns(text, language):
    assert parse_transcript(text + "\n\n" + text).language == language
