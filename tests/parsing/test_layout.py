"""Layout: sections, title, description, and the page chrome around the conversation
(interviews/parsing/layout.py and chrome.py)."""

from __future__ import annotations

from tests.parsing.helpers import TWO, parse, said

# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def test_short_line_between_turns_is_a_section_heading():
    text = "Anna: Hallo.\n\nBen: Hi.\n\nÜber das Geld\n\nAnna: Wie viel?\n\nBen: Genug."
    result = parse(text)
    assert [s.heading for s in result.sections] == ["Über das Geld"]
    assert [turn.section for turn in result.turns] == [None, None, 0, 0]
    assert "Über das Geld" not in " ".join(turn.text for turn in result.turns)


def test_short_line_ending_a_sentence_is_not_a_heading():
    result = parse("Anna: Hallo.\n\nBen: Hi.\n\nDas ist alles.\n\nAnna: Gut.\n\nBen: Ja.")
    assert result.sections == []
    assert said(result)[1] == ("Ben", "Hi.\n\nDas ist alles.")


def test_first_words_after_a_standalone_label_are_never_a_heading():
    result = parse("Anna:\n\nJa\n\nBen:\n\nNein\n\nAnna:\n\nGut\n\nBen:\n\nOk")
    assert said(result) == [("Anna", "Ja"), ("Ben", "Nein"), ("Anna", "Gut"), ("Ben", "Ok")]


def test_heading_right_before_the_first_turn_opens_the_first_section():
    text = (
        "Ein Gespräch über Geld.\n\nDer Anfang\n\nAnna: Hallo.\n\nBen: Hi.\n\nDas Ende\n\nAnna: Tschüss.\n\nBen: Ciao."
    )
    result = parse(text)
    assert [s.heading for s in result.sections] == ["Der Anfang", "Das Ende"]
    assert [turn.section for turn in result.turns] == [0, 0, 1, 1]


def test_markdown_headings_in_the_conversation_are_sections():
    text = "# Titel\n\n## Teil 1\n\n**Anna:** Hallo.\n\n**Ben:** Hi.\n\n## Teil 2\n\n**Anna:** Ende.\n\n**Ben:** Ja."
    result = parse(text, filename="t.md")
    assert result.title == "Titel"
    assert [s.heading for s in result.sections] == ["Teil 1", "Teil 2"]


def test_missing_sections_are_reported():
    assert "No section headings found." in parse(TWO).warnings


# --------------------------------------------------------------------------------------------
# Title, description and page chrome
# --------------------------------------------------------------------------------------------

PAGE = """Nachricht

Ein Gespräch über Boote

2024-08-24

EnglishDeutschFrançaisEspañolItaliano

Hafen Weekly |. Öffentliches Konto HafenWeekly

Bob Marsh baut seit dreißig Jahren Holzboote. Wir sprachen mit ihm über das Meer.

  • Warum er nie verkauft hat

Anna: Wie fing es an?

Bob: Mit einem kleinen Boot.

Anna: Und heute?

Bob: Heute baue ich große Boote.

Videoadresse:
https://www.youtube.com/watch?v=abc

Mehr von Hafen Weekly lesen
"""


def test_chrome_before_the_first_turn_is_dropped_and_the_intro_becomes_the_description():
    result = parse(PAGE)
    assert result.title == "Ein Gespräch über Boote"
    assert result.description == (
        "Bob Marsh baut seit dreißig Jahren Holzboote. Wir sprachen mit ihm über das Meer.\n\n"
        "• Warum er nie verkauft hat"
    )


def test_chrome_after_the_conversation_is_dropped():
    result = parse(PAGE)
    assert said(result)[-1] == ("Bob", "Heute baue ich große Boote.")


def test_promotion_after_a_chrome_block_is_not_part_of_the_last_turn():
    text = (
        "Anna: Wie fing es an?\n\nBob: Mit einem Boot.\n\nAnna: Und?\n\nBob: Es schwamm.\n\n"
        "![](https://example.com/qr.png)\n\nAm 31. August treffen wir uns in Kiel. Jetzt anmelden!"
    )
    assert said(parse(text, filename="t.md"))[-1] == ("Bob", "Es schwamm.")


def test_end_marker_ends_the_conversation():
    text = TWO + "\n\n— END —\n\nLeserkommentare\n\nKlaus: Toll!\n\nKlaus: Wirklich!"
    assert said(parse(text))[-1] == ("Bob", "Ja.")


def test_images_inside_the_conversation_are_dropped_silently():
    text = "**Anna:** Hallo.\n\n![Foto](https://example.com/a.jpg)\n\nNoch etwas.\n\n**Bob:** Hi.\n\n**Anna:** Ja."
    assert said(parse(text, filename="t.md"))[0] == ("Anna", "Hallo.\n\nNoch etwas.")


def test_metadata_title_wins_and_filename_is_the_last_resort():
    assert parse(PAGE, title="Mein Titel").title == "Mein Titel"
    assert parse(TWO, filename="uploads/boote-2024.txt").title == "boote-2024"
