"""Speaker labels: which line starts open a turn, and who the label means (interviews/parsing/labels.py)."""

from __future__ import annotations

from interviews.parsing import SpeakerHint
from tests.parsing.helpers import parse, said


def test_colon_labels_start_turns():
    result = parse("Anna: Hello.\n\nBen Miller: Hi there.\n\nAnna: Bye.\n\nBen Miller: Bye.")
    assert said(result) == [("Anna", "Hello."), ("Ben Miller", "Hi there."), ("Anna", "Bye."), ("Ben Miller", "Bye.")]


def test_full_width_colon_labels():
    result = parse("主持人：你为什么开店？\n\n嘉宾：因为我喜欢早起。\n\n主持人：真的吗？\n\n嘉宾：真的。")
    assert said(result)[:2] == [("主持人", "你为什么开店？"), ("嘉宾", "因为我喜欢早起。")]


def test_bold_labels_alone_on_a_line_take_the_paragraphs_below():
    """`**Name:**` on its own line (the Chinese seed's layout): the turn is the paragraphs below."""
    text = "**Anna:**\n\nErster Absatz.\n\nZweiter Absatz.\n\n**Ben:**\n\nAntwort.\n\n**Anna：**\n\nDanke."
    result = parse(text, filename="talk.md")
    assert said(result) == [("Anna", "Erster Absatz.\n\nZweiter Absatz."), ("Ben", "Antwort."), ("Anna", "Danke.")]


def test_bold_labels_inline():
    result = parse("**Anna:** Hallo.\n\n**Ben**: Hi.\n\n**Anna:** Tschüss.\n\n**Ben**: Ciao.", filename="t.md")
    assert said(result)[:2] == [("Anna", "Hallo."), ("Ben", "Hi.")]


def test_label_alone_on_a_line_with_text_right_below():
    result = parse("Anna:\nHallo.\n\nBen:\nHi.\n\nAnna:\nGut.\n\nBen:\nJa.")
    assert said(result)[:2] == [("Anna", "Hallo."), ("Ben", "Hi.")]


def test_timestamp_after_the_name_in_both_forms():
    """`Name (00:01:02)` alone on a line and `Name (01:02): text`; the timestamp is kept apart."""
    text = (
        "Priya Nair (00:00:04)\nWelcome.\n\nMaya Chen (00:07): Thanks.\n\n"
        "Priya Nair (00:00:10): Why?\n\nMaya Chen (00:12): Flour."
    )
    result = parse(text)
    assert said(result)[:2] == [("Priya Nair", "Welcome."), ("Maya Chen", "Thanks.")]
    assert [turn.timestamp for turn in result.turns] == ["00:00:04", "00:07", "00:00:10", "00:12"]


def test_timestamp_before_the_name():
    result = parse("[00:01:02] Priya: Welcome.\n\n[00:01:05] Maya: Thanks.\n\n[00:01:09] Priya: Why?")
    assert said(result)[:2] == [("Priya", "Welcome."), ("Maya", "Thanks.")]
    assert result.turns[1].timestamp == "00:01:05"


def test_label_glued_to_its_text_is_found_with_hints():
    """`Aidan GomezFast alle…`: the colon and space were lost, the hint says Aidan Gomez speaks."""
    text = "Q: Warum?\n\nAidan GomezFast alle Fortschritte kommen aus Daten.\n\nQ: Und?"
    result = parse(text, speakers=[SpeakerHint("Aidan Gomez", "guest")])
    assert ("Aidan Gomez", "Fast alle Fortschritte kommen aus Daten.") in said(result)


def test_label_glued_to_its_text_is_found_from_labels_elsewhere_in_the_file():
    text = "Q: Warum?\n\nAidan Gomez: Darum.\n\nQ: Sicher?\n\nAidan GomezJa, sicher.\n\nQ: Und?\n\nAidan Gomez:Gut."
    result = parse(text)
    assert said(result)[3:] == [("Aidan Gomez", "Ja, sicher."), ("Q", "Und?"), ("Aidan Gomez", "Gut.")]


def test_short_uppercase_label_is_not_read_into_a_capitalised_word():
    """After `Q` or `A`, a capital letter proves nothing: "AI is…" stays text, not a turn by A."""
    text = "Q: What changed?\n\nA: Everything.\n\nAI is the reason.\n\nQ: Really?\n\nA: Yes."
    result = parse(text)
    assert said(result)[1] == ("A", "Everything.\n\nAI is the reason.")


def test_repeated_colons_after_a_label():
    result = parse("Q: Wie?\n\nA: So.\n\nQ::Warum?\n\nA: Darum.")
    assert said(result)[2] == ("Q", "Warum?")


def test_generic_labels_are_kept_without_hints():
    """Without metadata, `Q` and `A` are the speakers' names, with the roles they imply."""
    result = parse("Q: Wie?\n\nA: So.\n\nQ: Warum?\n\nA: Darum.")
    assert [(s.label, s.name, s.role) for s in result.speakers] == [("Q", "Q", "host"), ("A", "A", "guest")]


def test_generic_question_label_maps_to_the_host_hint():
    """`Frage` is not among the hint's aliases, but the hint is the host, so Frage is Tom."""
    hints = [SpeakerHint("Tom Berger", "host"), SpeakerHint("Lena Vogt", "guest")]
    result = parse("Frage: Wie?\n\nAntwort: So.\n\nFrage: Warum?\n\nAntwort: Darum.", speakers=hints)
    assert [turn.speaker for turn in result.turns] == ["Tom Berger", "Lena Vogt"] * 2
    assert [turn.label for turn in result.turns][:2] == ["Frage", "Antwort"]


def test_alias_maps_a_label_to_its_speaker():
    """A publication name used as the interviewer's label maps through the hint's aliases."""
    hints = [SpeakerHint("Harry Stebbings", "host", ["20VC"]), SpeakerHint("Aidan Gomez", "guest", ["Aidan"])]
    result = parse("20VC: Hi.\n\nAidan: Hello.\n\n20VC: Bye.\n\nAidan: Bye.", speakers=hints)
    assert [(s.label, s.name, s.role) for s in result.speakers] == [
        ("20VC", "Harry Stebbings", "host"),
        ("Aidan", "Aidan Gomez", "guest"),
    ]


def test_hint_name_counts_as_a_label_even_once():
    hints = [SpeakerHint("Anna"), SpeakerHint("Ben")]
    assert said(parse("Anna: Hallo.\n\nBen: Hi.", speakers=hints)) == [("Anna", "Hallo."), ("Ben", "Hi.")]


def test_sentence_colons_are_not_labels():
    """ "Es gibt jedoch drei Dinge:" and "例如：" open sentences; they stay in the turn."""
    text = (
        "Anna: Was fehlt?\n\nBen: Es gibt jedoch drei Dinge:\n\nGeld und Zeit.\n\n"
        "例如：冬天。\n\nAnna: Und?\n\nBen: Nichts."
    )
    result = parse(text)
    assert said(result)[1] == ("Ben", "Es gibt jedoch drei Dinge:\n\nGeld und Zeit.\n\n例如：冬天。")


def test_label_like_line_seen_once_stays_text_and_is_reported():
    """A one-off `Carla: …` among plain labels might be a third speaker: the editor is told."""
    text = "Anna: Hallo.\n\nBen: Hi.\n\nCarla: Kaffee?\n\nAnna: Gern.\n\nBen: Ich auch."
    result = parse(text)
    assert said(result)[1] == ("Ben", "Hi.\n\nCarla: Kaffee?")
    assert any('"Carla:" looks like a speaker label but appears only once' in w for w in result.warnings)


def test_bold_or_timestamped_label_seen_once_counts_and_is_reported():
    text = (
        "[00:01] Anna: Hallo.\n\n[00:02] Ben: Hi.\n\n[00:03] Carla: Kaffee?\n\n[00:04] Anna: Gern.\n\n[00:05] Ben: Ja."
    )
    result = parse(text)
    assert ("Carla", "Kaffee?") in said(result)
    assert any('Label "Carla" appears only once' in w for w in result.warnings)


def test_unlabelled_paragraphs_continue_the_previous_speaker():
    result = parse("Anna: Eins.\n\nZwei.\n\nDrei.\n\nBen: Vier.\n\nAnna: Fünf.\n\nBen: Sechs.")
    assert said(result)[0] == ("Anna", "Eins.\n\nZwei.\n\nDrei.")


def test_same_speaker_twice_in_a_row_stays_two_turns():
    """As published: the source lost an answer; the parser keeps both turns and says so."""
    result = parse("Anna: Frage eins?\n\nAnna: Frage zwei?\n\nBen: Antwort.\n\nAnna: Danke.\n\nBen: Bitte.")
    assert said(result)[:2] == [("Anna", "Frage eins?"), ("Anna", "Frage zwei?")]
    assert any("Anna has two turns in a row (turns 1 and 2)" in w for w in result.warnings)
