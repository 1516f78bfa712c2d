"""SubRip (.srt) through the srt library: numbered cues with `00:00:01,000` times."""

from __future__ import annotations

import html
import re

import srt

from interviews.parsing.formats.cues import Cue, check_count, check_timings, split_at_speaker_changes
from interviews.parsing.messages import Message
from interviews.parsing.types import ParseError

_SRT_START_RE = re.compile(r"\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")
_TAG_RE = re.compile(r"</?(?:[biu]|font)(?:\s[^>]*)?>|\{\\[^}]*\}")  # <i>, <font color>, {\an8}


def looks_like(text: str) -> bool:
    return bool(_SRT_START_RE.match(text.lstrip("\ufeff")))


def read_cues(text: str) -> list[Cue]:
    check_count(text.count("-->"), "cues")
    check_timings(text)
    try:
        subtitles = list(srt.parse(text, ignore_errors=False))
    except srt.SRTParseError as exc:
        raise ParseError(Message("srt.malformed", detail=str(exc))) from None
    return [
        Cue(sub.start.total_seconds(), sub.end.total_seconds(), " ".join(words.split()), change=marked)
        for sub in subtitles
        for words, marked in split_at_speaker_changes(html.unescape(_TAG_RE.sub("", sub.content)))
    ]
