"""WebVTT (what podcast apps and video players read) through webvtt-py: cues with voice spans."""

from __future__ import annotations

import html
import re

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from interviews.parsing.formats.cues import Cue, check_count, check_timings, split_at_speaker_changes
from interviews.parsing.messages import Message
from interviews.parsing.types import ParseError

# `<v Ann Lee>` or `<v.loud Ann Lee>`; a cue may hold several voices.
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>|<\d[^>]*>")  # markup and karaoke timestamps (<00:00:01.000>)


def looks_like(text: str) -> bool:
    return text.lstrip("\ufeff").startswith("WEBVTT")


def read_cues(text: str) -> list[Cue]:
    check_count(text.count("-->"), "cues")
    check_timings(text)
    try:
        captions = webvtt.from_string(text)
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise ParseError(Message("webvtt.malformed", detail=str(exc))) from None
    cues: list[Cue] = []
    for caption in captions:
        start, end = _seconds(caption.start_time), _seconds(caption.end_time)
        for speaker, words, marked in _voices(caption.raw_text):
            cues.append(Cue(start, end, words, speaker, change=marked))
    return cues


def _seconds(stamp) -> float:
    return stamp.hours * 3600 + stamp.minutes * 60 + stamp.seconds + stamp.milliseconds / 1000


def _voices(raw: str) -> list[tuple[str, str, bool]]:
    """[(speaker, text, opened by a change mark)] of one cue's voice spans; ("", text, …) for
    the words before any span. Change marks count only outside voice spans, which name the speaker."""
    parts = _VOICE_RE.split(raw)
    spans = [("", parts[0])] + [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts), 2)]
    result = []
    for speaker, words in spans:
        words = html.unescape(_TAG_RE.sub("", words))
        pieces = split_at_speaker_changes(words) if not speaker else [(words, False)]
        for piece, marked in pieces:
            piece = " ".join(piece.split())
            if piece:
                result.append((speaker, piece, marked))
    return result
