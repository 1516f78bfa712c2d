"""Transcript formats other than text: WebVTT, SRT, the podcast JSON transcript and Word files,
each recognised by its content (the file name's suffix only breaks no ties).

Subtitle and podcast formats are timed cues, merged into turns in `cues`; a Word document is
turned into text and read by the text parser like any other transcript.
"""

from __future__ import annotations

from pathlib import PurePath

from interviews.parsing.formats import cues, docx, podcast_json, srt, webvtt
from interviews.parsing.types import ParsedTranscript, SpeakerHint

_CUE_READERS = {"webvtt": webvtt, "srt": srt, "podcast_json": podcast_json}


def sniff(data: bytes) -> str:
    """ "docx", "webvtt", "srt", "podcast_json", or "" for text (plain, Markdown, HTML)."""
    if docx.looks_like(data):
        return "docx"
    head = _head_text(data)
    for kind, reader in _CUE_READERS.items():
        if reader.looks_like(head):
            return kind
    return ""


def _head_text(data: bytes) -> str:
    """The file's first bytes as text, for sniffing only (the readers decode it properly)."""
    head = data[:4096]
    for encoding in ("utf-8-sig", "utf-16"):
        if encoding == "utf-16" and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return head.decode(encoding, errors="ignore")
        except UnicodeDecodeError:  # pragma: no cover - errors="ignore"
            continue
    return ""


def parse_cues(
    kind: str, text: str, *, filename: str, language: str, title: str, speakers: list[SpeakerHint] | None
) -> ParsedTranscript:
    read = _CUE_READERS[kind].read_cues(text)
    found = read
    changes = []
    if kind != "podcast_json":
        cues.name_prefixes(found)
        changes = cues.speakers_at_changes(found)
    return cues.transcript_from_cues(
        found,
        title=title.strip() or PurePath(filename).stem,
        language=language,
        speakers=speakers,
        warnings=cues.order_warnings(found, "segments" if kind == "podcast_json" else "cues") + changes,
    )
