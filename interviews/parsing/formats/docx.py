"""Word documents (.docx, what transcription services export) through python-docx, as text.

A .docx is a ZIP archive: its sizes are checked from the archive's directory before anything is
extracted, so a small file that inflates to gigabytes (a zip bomb) is refused unread.
"""

from __future__ import annotations

import io
import zipfile

from interviews.parsing.messages import Message
from interviews.parsing.types import ParseError

MAX_UNCOMPRESSED = 50 * 1024 * 1024  # a 5-hour transcript's document.xml is about 5 MB
MAX_RATIO = 200  # XML compresses about 10:1; bombs by thousands


def looks_like(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def read_text(data: bytes) -> str:
    """The document's paragraphs, one per paragraph of text (blank lines between them)."""
    _check_sizes(data)
    import docx  # imported here: lxml is loaded only when a Word file arrives

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors… on broken parts
        raise ParseError(Message("docx.unreadable", detail=type(exc).__name__)) from None
    paragraphs = [paragraph.text.strip() for paragraph in document.paragraphs]
    text = "\n\n".join(p for p in paragraphs if p)
    if not text:
        raise ParseError(Message("docx.no_text"))
    return text


def _check_sizes(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise ParseError(Message("docx.damaged")) from None
    total = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise ParseError(
            Message("docx.too_large", size=total, packed=len(data), limit=MAX_UNCOMPRESSED // 1024 // 1024)
        )
