"""Step 1: the bytes of a transcript file as normalised text (encodings, BOMs, binary checks,
newlines, invisible characters, NFC), or ParseError with a message for the user."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from interviews.parsing.messages import Message
from interviews.parsing.types import ParseError

_BINARY_SIGNATURES = (
    (b"%PDF-", "kind.pdf"),
    (b"PK\x03\x04", "kind.zip"),
    (b"\x89PNG", "kind.png"),
    (b"\xff\xd8\xff", "kind.jpeg"),
    (b"GIF87a", "kind.gif"),
    (b"GIF89a", "kind.gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "kind.office"),
    (b"\x1f\x8b", "kind.gzip"),
    (b"Rar!\x1a\x07", "kind.rar"),
    (b"7z\xbc\xaf\x27\x1c", "kind.7z"),
    (b"{\\rtf", "kind.rtf"),
    (b"ID3", "kind.mp3"),
    (b"OggS", "kind.ogg"),
    (b"\x7fELF", "kind.program"),
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


# What an editor may choose when detection is wrong: (codec, what it is for).
ENCODINGS = (
    ("utf-8", "UTF-8"),
    ("utf-16", "UTF-16"),
    ("cp1252", "Western European (Windows-1252)"),
    ("latin_1", "Western European (ISO 8859-1)"),
    ("cp1250", "Central European (Windows-1250)"),
    ("gb18030", "Simplified Chinese (GB18030, GBK)"),
    ("big5", "Traditional Chinese (Big5)"),
    ("shift_jis", "Japanese (Shift JIS)"),
    ("euc_kr", "Korean (EUC-KR)"),
    ("cp1251", "Cyrillic (Windows-1251)"),
    ("koi8_r", "Cyrillic (KOI8-R)"),
)
# The legacy encodings detection chooses among (charset-normalizer's codec names). Left free it
# may answer with any of ninety (short GB18030 Chinese came back as Thai cp874).
_DETECTED = [name for name, _ in ENCODINGS if not name.startswith("utf")]
# When detection finds nothing (very short files), the old defaults for Chinese, in order.
_FALLBACK = ("gb18030", "big5")
# When the detector's answer decodes the file exactly as one of these would, name the common one
# (charset-normalizer often answers cp1250 for German that is byte for byte cp1252).
_PREFERRED = ("cp1252", "gb18030", "big5", "shift_jis", "euc_kr", "cp1251", "latin_1")


def decode(data: bytes, encoding: str = "") -> str:
    """Bytes of a transcript file as normalised text, or ParseError with a message for the user."""
    return decode_file(data, encoding)[0]


def decode_file(data: bytes, encoding: str = "") -> tuple[str, str]:
    """(normalised text, the encoding used): `encoding` when the editor chose one, else what the
    BOM says, else UTF-8 or UTF-16 when the bytes are valid as such, else what charset-normalizer
    detects. Refuses binary files with a message for the user."""
    if not data.strip():
        raise ParseError(Message("file.empty"))
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise ParseError(Message("file.not_text", kind=Message(kind)))
    if data[4:8] == b"ftyp":
        raise ParseError(Message("file.media"))
    text, used = _decode_as(data, encoding) if encoding else _decode_bytes(data)
    return normalise(text), used


def is_unicode(encoding: str) -> bool:
    """UTF-8, -16 or -32: the bytes say what they are, so the text is never a guess."""
    return encoding.lower().replace("_", "-").startswith("utf")


def _decode_as(data: bytes, encoding: str) -> tuple[str, str]:
    try:
        return data.decode(encoding), encoding
    except LookupError:
        raise ParseError(Message("encoding.unknown", encoding=encoding)) from None
    except UnicodeDecodeError as exc:
        raise ParseError(Message("encoding.unreadable_byte", encoding=encoding, byte=exc.start)) from None


def _decode_bytes(data: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict_decode(data, encoding), encoding.removesuffix("-sig")
    utf16 = _sniff_utf16_without_bom(data)
    if utf16:
        return _strict_decode(data, utf16), utf16
    if b"\x00" in data:
        raise ParseError(Message("file.binary"))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = detect_encoding(data)
    return _strict_decode(data, encoding), encoding


def detect_encoding(data: bytes) -> str:
    """The legacy encoding (cp1252, Big5, GB18030, ...) charset-normalizer finds most plausible:
    it decodes with each candidate and scores the result for mess and for language coherence,
    where GB18030 alone accepted German and Big5 Chinese as garbled Chinese. What it reads is
    still checked against the text's language (pipeline.check_plausible)."""
    from charset_normalizer import from_bytes  # imported here: only files that are not UTF-8 need it

    best = from_bytes(data, cp_isolation=_DETECTED).best()
    if best is None:
        for encoding in _FALLBACK:
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return encoding
        raise ParseError(Message("encoding.none_fits"))
    same = set(best.could_be_from_charset)
    return next((name for name in _PREFERRED if name in same), best.encoding)


def _strict_decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ParseError(Message("encoding.invalid", encoding=encoding)) from None


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
        raise ParseError(Message("file.binary"))
    controls = len(text) - len(_CONTROL_RE.sub("", text))
    if controls > _MAX_CONTROL_RATIO * len(text):
        raise ParseError(Message("file.binary"))
    text = _LINE_BREAK_RE.sub("\n", text)
    text = _INVISIBLE_RE.sub("", _CONTROL_RE.sub("", text))
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise ParseError(Message("file.empty"))
    return text


def text_sha256(text: str) -> str:
    """A hash of what a file says, not of its bytes: the same transcript re-saved with CRLF line
    ends, a BOM, as UTF-16 or with trailing spaces hashes alike. `text` is decode()'s output
    (NFC, LF, no BOM); each line is stripped and blank lines at either end dropped."""
    lines = [line.strip() for line in unicodedata.normalize("NFC", text).split("\n")]
    return hashlib.sha256("\n".join(lines).strip("\n").encode("utf-8")).hexdigest()
