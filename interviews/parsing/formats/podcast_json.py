"""The podcast namespace's JSON transcript: `{"version", "segments": [{"speaker", "startTime",
"endTime", "body"}]}` (https://github.com/Podcastindex-org/podcast-namespace, transcripts.md)."""

from __future__ import annotations

import json

from interviews.parsing.formats.cues import Cue, check_count, seconds_or_none
from interviews.parsing.messages import Message
from interviews.parsing.types import ParseError


def looks_like(text: str) -> bool:
    head = text.lstrip("\ufeff \t\n")[:2000]
    return head.startswith("{") and '"segments"' in text[:200000]


def read_cues(text: str) -> list[Cue]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(Message("json.invalid", detail=str(exc))) from None
    segments = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(segments, list):
        raise ParseError(Message("json.no_segments"))
    check_count(len(segments), "segments")
    cues = []
    for number, segment in enumerate(segments, 1):
        if not isinstance(segment, dict) or not isinstance(segment.get("body", ""), str):
            raise ParseError(Message("json.bad_segment", number=number))
        speaker = segment.get("speaker") or ""
        if not isinstance(speaker, str):
            raise ParseError(Message("json.bad_speaker", number=number))
        cues.append(
            Cue(
                seconds_or_none(segment.get("startTime")),
                seconds_or_none(segment.get("endTime")),
                segment.get("body", ""),
                " ".join(speaker.split())[:200],
            )
        )
    return cues
