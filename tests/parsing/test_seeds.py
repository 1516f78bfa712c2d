"""The seed transcripts: turn counts, sections, chrome left out, and every word of the body kept."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.parsing.helpers import CHINESE_SEED, GERMAN_SEED, seed

CHROME_IN_SEEDS = (
    "![",
    "](",
    "有新Newin",
    "公众号",
    "篇原创内容",
    "Meetup",
    "报名",
    "StartupGrind",
    "Videoadresse",
    "youtube.com",
    "Öffentliches Konto",
    "Cubox",
)


def test_german_seed_has_74_turns_under_six_sections():
    result = seed(GERMAN_SEED)
    assert len(result.turns) == 74
    assert Counter(turn.speaker for turn in result.turns) == {"Harry Stebbings": 37, "Aidan Gomez": 37}
    assert len(result.sections) == 6
    assert result.sections[0].heading == (
        "Neben der Rechenleistung können auch Daten- und Modellinnovationen die KI-Leistung verbessern"
    )
    assert all(turn.section is not None for turn in result.turns)
    assert result.language == "de"


def test_german_seed_title_description_and_chrome():
    result = seed(GERMAN_SEED)
    assert result.title == (
        "Warnung des Autors von Transformer: Sie können OpenAI nicht spielen, indem Sie nur Modelle verkaufen!"
    )
    assert result.description.startswith("Transformator achtAidan Gomez, der Jüngste in der Gruppe")
    assert "• Die Datenqualität ist für Modelle von entscheidender Bedeutung" in result.description
    assert result.description.endswith("Spezifischere Inhalte finden Sie in der Textversion unten~")
    for chrome in ("Nachricht", "Русский", "Tao Le stammt", "Qubits", "2024-08-24"):
        assert chrome not in result.description


def test_german_seed_unlabelled_question_stays_in_the_answer_as_published():
    result = seed(GERMAN_SEED)
    holder = next(t for t in result.turns if "Wie wird sich der Markt für synthetische Daten" in t.text)
    assert holder.speaker == "Aidan Gomez"


def test_chinese_seed_has_125_turns():
    result = seed(CHINESE_SEED)
    assert len(result.turns) == 125
    assert Counter(turn.speaker for turn in result.turns) == {"Harry Stebbings": 63, "Aidan Gomez": 62}
    assert (
        result.title
        == "深度｜Cohere 创始人最新思考：模型进展已经变得越来越难！AI 下一个大的突破在机器人，模型需要更强大更便宜"
    )
    assert result.language == "zh"
    assert result.description.startswith("近日，Cohere 创始人&CEO Aidan Gomez对谈")


@pytest.mark.parametrize("path", [GERMAN_SEED, CHINESE_SEED], ids=["de", "zh"])
def test_seed_turns_hold_no_page_chrome(path):
    for turn in seed(path).turns:
        for chrome in CHROME_IN_SEEDS:
            assert chrome not in turn.text


def test_seeds_parse_sensibly_without_hints():
    """Without metadata the labels are the names: `Q` and `Aidan Gomez` in German."""
    german = seed(GERMAN_SEED, hints=None)
    assert Counter(turn.speaker for turn in german.turns) == {"Q": 37, "Aidan Gomez": 37}
    chinese = seed(CHINESE_SEED, hints=None)
    assert Counter(turn.speaker for turn in chinese.turns) == {"Harry Stebbings": 63, "Aidan Gomez": 62}


def _body_without_labels(path, first, last, label_re):
    source = path.read_text(encoding="utf-8")
    body = source[source.index(first) : source.index(last)]
    return "".join(label_re.sub("", body).split())


def _turns_in_reading_order(result):
    out, section = [], None
    for turn in result.turns:
        if turn.section != section:
            section = turn.section
            out.append(result.sections[section].heading)
        out.append(turn.text)
    return "".join("".join(out).split())


def test_german_seed_body_lands_in_the_turns_word_for_word():
    """Every sentence between the first label and the video link is in exactly one turn or heading."""
    expected = _body_without_labels(
        GERMAN_SEED, "Neben der Rechenleistung", "Videoadresse", re.compile(r"^(?:Q:+|Aidan Gomez:?)", re.M)
    )
    assert _turns_in_reading_order(seed(GERMAN_SEED)) == expected


def test_chinese_seed_body_lands_in_the_turns_word_for_word():
    expected = _body_without_labels(
        CHINESE_SEED,
        "**Harry Stebbings:**",
        "[Coatue",
        re.compile(r"^\*\*(?:Harry Stebbings|Aidan Gomez):\*\*$", re.M),
    )
    assert _turns_in_reading_order(seed(CHINESE_SEED)) == expected
