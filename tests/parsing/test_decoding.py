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


def test_undecodable_bytes_are_rejected():
    """Latin-1 text (neither UTF-8, UTF-16 nor GB18030) asks to be saved as UTF-8."""
    with pytest.raises(ParseError, match="not valid text in UTF-8, UTF-16 or GB18030"):
        parse("Anna: Café olé\n\nBen: Ça va?".encode("latin-1"))


def test_text_without_speaker_turns_is_rejected():
    with pytest.raises(ParseError, match="No speaker turns found"):
        parse("Just an essay.\n\nIt has paragraphs: but nobody speaks.")
