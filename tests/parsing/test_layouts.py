"""Layouts seen on real pages, each reduced to a few lines: what the parser makes of them."""

from tests.parsing.helpers import parse, said


def test_dashed_questions_and_unlabelled_answers_alternate():
    """Japanese print interviews: `──` opens the question, the answer has no label."""
    text = "──起業のきっかけは?\n\nきっかけは大病をしたことです。\n\n手術で完治しました。\n\n──その後は?\n\n会社を設立しました。"
    result = parse(text, language="ja")
    assert said(result) == [
        ("Q", "起業のきっかけは?"),
        ("A", "きっかけは大病をしたことです。\n\n手術で完治しました。"),
        ("Q", "その後は?"),
        ("A", "会社を設立しました。"),
    ]
    assert any("leading dash" in warning for warning in result.warnings)


def test_every_paragraph_dashed_means_strict_alternation():
    """Spanish press: `-¿…?` and `-…` both dashed; the answer may itself ask something."""
    text = "-¿Cuántas ha probado?\n\n-Unas 50. ¿Muchas?\n\n-¿Y eso se entiende?\n\n-No siempre."
    assert [speaker for speaker, _ in said(parse(text, language="es"))] == ["Q", "A", "Q", "A"]
    assert said(parse(text, language="es"))[1] == ("A", "Unas 50. ¿Muchas?")


def test_a_labelled_first_exchange_names_the_unlabelled_rest():
    text = (
        "Mathias Döpfner: Wann fliegen Sie zum Mars?\n\nElon Musk: In sechs Jahren.\n\n"
        "Wann kommt autonomes Fahren?\n\nBald. Vielleicht nächstes Jahr."
    )
    assert said(parse(text, language="de")) == [
        ("Mathias Döpfner", "Wann fliegen Sie zum Mars?"),
        ("Elon Musk", "In sechs Jahren."),
        ("Mathias Döpfner", "Wann kommt autonomes Fahren?"),
        ("Elon Musk", "Bald. Vielleicht nächstes Jahr."),
    ]


def test_prose_with_one_question_is_still_refused():
    import pytest

    from interviews.parsing import ParseError

    with pytest.raises(ParseError):
        parse("Ein Artikel über KI.\n\nWas bringt die Zukunft?\n\nNiemand weiß es.")


def test_labels_run_into_a_paragraph_are_split_out():
    text = (
        "¿Qué aporta cada quien? Diego padre: Mi experiencia. Diego hijo: La curiosidad.\n\n"
        "¿Por qué este formato? Diego padre: Por los audios. Diego hijo: Y la pandemia."
    )
    assert said(parse(text, language="es")) == [
        ("Q", "¿Qué aporta cada quien?"),
        ("Diego padre", "Mi experiencia."),
        ("Diego hijo", "La curiosidad."),
        ("Q", "¿Por qué este formato?"),
        ("Diego padre", "Por los audios."),
        ("Diego hijo", "Y la pandemia."),
    ]


def test_a_phrase_with_a_colon_inside_a_labelled_turn_is_no_speaker():
    """Where the labels open lines, `Letzte Frage:` after a sentence is the host's words, however
    often it recurs; a speaker of the transcript run into a paragraph is still split out."""
    text = (
        "Anna Berger: Ich möchte ein Kind. Letzte Frage: Welche Frage wurde Ihnen nie gestellt?\n\n"
        "Jonas Weber: Die Leute lieben diese Modelle.\n\n"
        "Anna Berger: Das stimmt. Letzte Frage: Wird dieser Fortschritt anhalten? Jonas Weber: Ja.\n\n"
        "Jonas Weber: Ganz sicher."
    )
    assert said(parse(text, language="de")) == [
        ("Anna Berger", "Ich möchte ein Kind. Letzte Frage: Welche Frage wurde Ihnen nie gestellt?"),
        ("Jonas Weber", "Die Leute lieben diese Modelle."),
        ("Anna Berger", "Das stimmt. Letzte Frage: Wird dieser Fortschritt anhalten?"),
        ("Jonas Weber", "Ja."),
        ("Jonas Weber", "Ganz sicher."),
    ]


def test_time_only_lines_give_the_label_its_time_and_leave_the_text():
    text = "Speaker 1\n00:00\nWelcome.\nSpeaker 2\n00:06\nHi.\nSpeaker 2\n00:08\nGlad to be here.\nSpeaker 1\n00:11\nGreat."
    result = parse(text)
    assert said(result) == [
        ("Speaker 1", "Welcome."),
        ("Speaker 2", "Hi.\n\nGlad to be here."),
        ("Speaker 1", "Great."),
    ]
    assert [turn.timestamp for turn in result.turns] == ["00:00", "00:06", "00:11"]


def test_a_time_code_broken_over_two_lines_is_the_labels():
    text = "Host :\n[\n0:01] Bonjour.\nGuest:\n[\n0:05] Salut.\nHost :\n[\n0:09] Ça va ?"
    result = parse(text, language="fr")
    assert said(result) == [("Host", "Bonjour."), ("Guest", "Salut."), ("Host", "Ça va ?")]
    assert result.turns[1].timestamp == "0:05"


def test_a_label_seen_once_answering_a_question_is_a_speaker():
    """Press interviews: `WELT:` asks twice, the guest answers once with the full name."""
    text = "WELT: Was muss ein Gründer mitbringen?\n\nRalf Dümmel: Leidenschaft.\n\nWELT: Wie viel arbeiten?"
    assert [speaker for speaker, _ in said(parse(text, language="de"))] == ["WELT", "Ralf Dümmel", "WELT"]


def test_full_name_once_then_initials():
    text = "Holly Cornell Oral History\n\nJENNIFER LEE: Where were you born?\n\nHOLLY CORNELL: In Boise.\n\nJL: Why Boise?\n\nHC: My father moved there.\n\nJL: I see."
    assert [speaker for speaker, _ in said(parse(text))] == ["JENNIFER LEE", "HOLLY CORNELL", "JL", "HC", "JL"]


def test_japanese_names_before_a_space():
    text = "清水 感動させるとかは、ものによってはできると思います。\n\n漆 でも、面と向かったらそうだけど、いけるんじゃないですか。\n\n清水 完全にそれはチューリング・テストですね。"
    assert [speaker for speaker, _ in said(parse(text, language="ja"))] == ["清水", "漆", "清水"]


def test_a_date_stamp_opening_the_file_is_not_the_first_words():
    """A page archive or search index writes ` date 2019-09` before the page's text."""
    result = parse(" date 2018-07 SPIEGEL: Herr Braun, wie geht es?\n\nBraun: Gut.\n\nSPIEGEL: Sicher?\n\nBraun: Ja.")
    assert said(result)[0] == ("SPIEGEL", "Herr Braun, wie geht es?")
    assert said(parse("Date: 2025-08-29\n\nAnna: Hallo.\n\nBob: Hi.\n\nAnna: Gut.\n\nBob: Ja."))[0] == (
        "Anna",
        "Hallo.",
    )


def test_a_date_inside_the_text_stays():
    assert said(parse("Anna: The date 2019-09 was set.\n\nBob: Hi.\n\nAnna: Gut.\n\nBob: Ja."))[0] == (
        "Anna",
        "The date 2019-09 was set.",
    )


def test_a_short_file_without_blank_lines_has_one_paragraph_per_line_even_with_a_final_newline():
    """Questions by their question mark need paragraphs; a final newline separates nothing."""
    text = "¿Cómo ves la IA?\nCreo que está sobrevalorada.\n¿Y en España?\nAquí va más lento.\n"
    assert [speaker for speaker, _ in said(parse(text, language="es"))] == ["Q", "A", "Q", "A"]


def test_a_label_with_initials_in_brackets_then_the_initials_alone():
    text = (
        "Una entrevista de Juan Lobo.\n\nJuan Lobo (JL): Hoy hablo con EMMA.\n\n(JL): EMMA, ¿quién eres?\n\nEMMA: Una creación humana.\n\n"
        "JL: ¿Y tu propósito?\n\nEMMA: Ayudarte."
    )
    assert said(parse(text, language="es")) == [
        ("Juan Lobo", "Hoy hablo con EMMA."),
        ("JL", "EMMA, ¿quién eres?"),
        ("EMMA", "Una creación humana."),
        ("JL", "¿Y tu propósito?"),
        ("EMMA", "Ayudarte."),
    ]


def test_an_aside_in_brackets_is_not_part_of_the_name():
    text = "Ann (laughs): Yes.\n\nBob: Why?\n\nAnn: Because.\n\nBob: Fine."
    assert [speaker for speaker, _ in said(parse(text))] == ["Ann", "Bob", "Ann", "Bob"]


def test_emoji_after_a_name_decorate_the_label():
    text = "蒋昌建👨🏻‍🦯➡️：今天AI大模型非常火爆。\n\n刘聪🎙️：是的。\n\n蒋昌建：为什么？\n\n刘聪：因为数据。"
    assert [speaker for speaker, _ in said(parse(text, language="zh"))] == ["蒋昌建", "刘聪", "蒋昌建", "刘聪"]
