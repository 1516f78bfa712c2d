"""Reading the file: encodings, byte order marks, binary files and empty files (interviews/parsing/decoding.py)."""

from __future__ import annotations

import pytest

from interviews.parsing import ParseError, decode
from tests.parsing.helpers import parse, said

DIALOGUE = "Anna: Hallo, schön dass Sie da sind.\n\nBen: Danke für die Einladung.\n"


def test_utf8_with_bom_is_read():
    """A file saved by Windows Notepad (UTF-8 with BOM) reads like any other; the BOM is gone."""
    result = parse(b"\xef\xbb\xbf" + DIALOGUE.encode("utf-8") * 2)
    assert result.turns[0].speaker == "Anna"
    assert not result.text.startswith("\ufeff")


def test_utf16_with_bom_is_read():
    result = parse((DIALOGUE * 2).encode("utf-16"))
    assert [speaker for speaker, _ in said(result)] == ["Anna", "Ben", "Anna", "Ben"]


def test_utf16_without_bom_is_recognised_by_its_nul_bytes():
    for encoding in ("utf-16-le", "utf-16-be"):
        result = parse((DIALOGUE * 2).encode(encoding))
        assert said(result)[1] == ("Ben", "Danke für die Einladung.")


def test_gb18030_is_read():
    """Chinese files saved in the mainland legacy encoding read correctly."""
    text = "主持人：你好，欢迎。\n\n嘉宾：谢谢。\n\n主持人：开始吧。\n\n嘉宾：好的。\n"
    result = parse(text.encode("gb18030"), language="")
    assert said(result)[1] == ("嘉宾", "谢谢。")
    assert result.language == "zh"


def test_newlines_and_unicode_forms_are_normalised():
    """Windows and old Mac line ends, and decomposed accents, come out as one canonical text."""
    text = "Anna: Caf\u0065\u0301?\r\n\r\nBen: Ja.\r\rAnna: Gut.\r\n\r\nBen: Gut."
    result = parse(text.encode("utf-8"))
    assert said(result)[0] == ("Anna", "Café?")
    assert "\r" not in result.text


def test_decode_returns_normalised_text():
    assert decode("Q: Café\r\n".encode("utf-16")) == "Q: Café\n"


def test_empty_file_is_rejected():
    for data in (b"", b"  \n\t\n"):
        with pytest.raises(ParseError, match="The file is empty"):
            parse(data)


@pytest.mark.parametrize(
    "data, what",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"Anna: hi\x00\x01\x02\x03 binary", "binary"),
        (b"Anna: " + bytes(range(1, 9)) * 20, "binary"),
    ],
)
def test_binary_files_are_rejected_with_what_they_are(data, what):
    """Uploading a PDF or an image says so, instead of producing garbage turns."""
    with pytest.raises(ParseError, match=what):
        parse(data)


GERMAN = (
    "Gespräch über Käse\n\n"
    "Jürgen Müller: Grüß Gott. Wir sprechen heute über große Modelle, Daten und Rechenleistung.\n\n"
    "Moderatorin: Und was heißt das für die Zukunft? Über Größe muss man reden.\n\n"
    "Jürgen Müller: Schöne Frage. Die Qualität der Daten zählt mehr als ihre Größe.\n\n"
    "Moderatorin: Danke für das Gespräch.\n"
)
CHINESE_TRADITIONAL = (
    "對話：人工智慧的未來\n\n主持人：歡迎來到節目。今天我們談談訓練模型最重要的是什麼？\n\n"
    "嘉賓：數據質量比什麼都重要。一個壞的數據點就能改變一個模型。\n\n主持人：謝謝你。\n\n嘉賓：不客氣。\n"
)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_western_european_file_is_detected_not_read_as_chinese(encoding):
    """A German file saved by old Windows software reads as German, umlauts and all, and says how it was read."""
    result = parse(GERMAN.encode(encoding), language="")
    assert said(result)[0] == (
        "Jürgen Müller",
        "Grüß Gott. Wir sprechen heute über große Modelle, Daten und Rechenleistung.",
    )
    assert result.encoding == "cp1252" and result.language == "de"


def test_latin1_file_with_little_text_is_read():
    result = parse("Anna: Café olé\n\nBen: Ça va?\n\nAnna: Très bien.\n\nBen: Merci.".encode("latin-1"))
    assert said(result)[:2] == [("Anna", "Café olé"), ("Ben", "Ça va?")]


def test_big5_chinese_is_detected():
    """Traditional Chinese in Big5 is not read as GB18030 (which gives "и惠璶癚")."""
    result = parse(CHINESE_TRADITIONAL.encode("big5"), language="")
    assert said(result)[0] == ("主持人", "歡迎來到節目。今天我們談談訓練模型最重要的是什麼？")
    assert result.encoding == "big5" and result.language == "zh"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_unicode_files_say_their_encoding(encoding):
    result = parse(GERMAN.encode(encoding))
    assert said(result)[0][0] == "Jürgen Müller" and result.encoding.startswith("utf")


def test_the_editor_can_choose_the_encoding():
    """Detection is a best guess: the encoding an editor chooses is the one used."""
    result = parse(GERMAN.encode("cp1252"), language="", encoding="cp1250")
    assert result.encoding == "cp1250" and said(result)[0][0] == "Jürgen Müller"


def test_wrong_encoding_that_gives_chinese_in_german_is_refused_with_the_reason():
    with pytest.raises(ParseError, match="Read as gb18030, this file has .* Chinese, Japanese or Korean characters"):
        parse(GERMAN.encode("cp1252"), language="de", encoding="gb18030")


def test_wrong_encoding_that_gives_cyrillic_in_chinese_is_refused():
    with pytest.raises(ParseError, match="Read as gb18030, this file has .* characters no language is written in"):
        parse(CHINESE_TRADITIONAL.encode("big5"), language="zh", encoding="gb18030")


def test_encoding_that_cannot_read_the_file_says_so():
    with pytest.raises(ParseError, match="not valid utf-8"):
        parse(GERMAN.encode("cp1252"), encoding="utf-8")
    with pytest.raises(ParseError, match="not an encoding"):
        parse(GERMAN.encode("cp1252"), encoding="no-such-codec")


def test_text_without_speaker_turns_is_rejected():
    with pytest.raises(ParseError, match="No speaker turns found"):
        parse("Just an essay.\n\nIt has paragraphs: but nobody speaks.")
