"""Step 1: the bytes of a transcript file as normalised text (encodings, BOMs, binary checks,
newlines, invisible characters, NFC), or ParseError with a message for the user."""

from __future__ import annotations

import re
import unicodedata

from interviews.parsing.types import ParseError

_BINARY_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (Word and OpenDocument files are ZIP archives too)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document (save it as plain text)"),
    (b"ID3", "an MP3 file"),
    (b"OggS", "an Ogg media file"),
    (b"\x7fELF", "a program"),
)
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# C0/C1 controls other than tab and the line breaks; NEL (\x85) is a line break too.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_MAX_CONTROL_RATIO = 0.01
_LINE_BREAK_RE = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# Zero-width characters WeChat and web editors scatter through text; ZWJ/ZWNJ stay (scripts need them).
_INVISIBLE_RE = re.compile("[\u200b\u2060\ufeff]")


def decode(data: bytes) -> str:
    """Bytes of a transcript file as normalised text, or ParseError with a message for the user."""
    if not data.strip():
        raise ParseError("The file is empty.")
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise ParseError(f"This file is {what}, not a text transcript.")
    if data[4:8] == b"ftyp":
        raise ParseError("This file is a video or audio file, not a text transcript.")
    text = _decode_bytes(data)
    return normalise(text)


def _decode_bytes(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict_decode(data, [encoding])
    utf16 = _sniff_utf16_without_bom(data)
    if utf16:
        return _strict_decode(data, [utf16])
    if b"\x00" in data:
        raise ParseError("This file contains binary data, not text.")
    return _strict_decode(data, ["utf-8", "gb18030"])


def _strict_decode(data: bytes, encodings: list[str]) -> str:
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ParseError("This file is not valid text in UTF-8, UTF-16 or GB18030. Save it as UTF-8 and try again.")


def _sniff_utf16_without_bom(data: bytes) -> str:
    """UTF-16 without a BOM shows up as NUL bytes on one side of every pair (for Latin text)."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return ""
    zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
    if zeros_odd > 0.3 * half and zeros_even < 0.05 * half:
        return "utf-16-le"
    if zeros_even > 0.3 * half and zeros_odd < 0.05 * half:
        return "utf-16-be"
    return ""


def normalise(text: str) -> str:
    if "\x00" in text:
        raise ParseError("This file contains binary data, not text.")
    controls = len(text) - len(_CONTROL_RE.sub("", text))
    if controls > _MAX_CONTROL_RATIO * len(text):
        raise ParseError("This file contains binary data, not text.")
    text = _LINE_BREAK_RE.sub("\n", text)
    text = _INVISIBLE_RE.sub("", _CONTROL_RE.sub("", text))
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise ParseError("The file is empty.")
    return text
