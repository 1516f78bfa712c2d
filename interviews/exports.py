"""A transcript written out for readers and other tools: plain text, WebVTT, SRT and the podcast
namespace's JSON transcript, with times when the turns have them.

Pure functions of `ExportTurn`s; each format is one the ingest reads back to the same turns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from interviews import timecodes

FORMATS = {
    # name: (file suffix, content type)
    "txt": ("txt", "text/plain; charset=utf-8"),
    "vtt": ("vtt", "text/vtt; charset=utf-8"),
    "srt": ("srt", "application/x-subrip; charset=utf-8"),
    "json": ("json", "application/json"),
}
_WORDS_PER_SECOND = 2.5  # speech, for cue times of untimed turns
_MIN_CUE = 1.0


@dataclass
class ExportTurn:
    speaker: str
    text: str  # paragraphs joined by blank lines
    start: float | None = None
    end: float | None = None


def render(name: str, title: str, turns: list[ExportTurn]) -> str:
    return {"txt": plain_text, "vtt": webvtt, "srt": srt, "json": podcast_json}[name](title, turns)


def plain_text(title: str, turns: list[ExportTurn]) -> str:
    """`Name: text`, or `[00:01:23] Name: text` for a timed turn, one turn after another."""
    blocks = [title] if title else []
    for turn in turns:
        time = f"[{timecodes.full(turn.start)[:8]}] " if turn.start is not None else ""
        blocks.append(f"{time}{turn.speaker}: {turn.text}")
    return "\n\n".join(blocks) + "\n"


def webvtt(title: str, turns: list[ExportTurn]) -> str:
    """One cue per turn, its speaker as a voice span."""
    lines = ["WEBVTT", ""]
    if not any(turn.start is not None for turn in turns):
        lines += ["NOTE This transcript has no time codes: cue times are estimated from each turn's length.", ""]
    for number, (turn, (start, end)) in enumerate(zip(turns, cue_times(turns)), 1):
        voice = " ".join(turn.speaker.replace("<", "").replace(">", "").split())
        lines += [
            str(number),
            f"{timecodes.full(start)} --> {timecodes.full(end)}",
            f"<v {voice}>{_vtt_escape(_cue_text(turn.text))}",
            "",
        ]
    return "\n".join(lines)


def srt(title: str, turns: list[ExportTurn]) -> str:
    """One numbered cue per turn, opened by `Name:`."""
    lines = []
    for number, (turn, (start, end)) in enumerate(zip(turns, cue_times(turns)), 1):
        lines += [
            str(number),
            f"{timecodes.full(start, ',')} --> {timecodes.full(end, ',')}",
            f"{turn.speaker}: {_cue_text(turn.text)}",
            "",
        ]
    return "\n".join(lines)


def podcast_json(title: str, turns: list[ExportTurn]) -> str:
    """`{"version", "segments"}`; a segment has startTime and endTime only when the turn has them."""
    segments = []
    for turn in turns:
        segment = {"speaker": turn.speaker}
        if turn.start is not None:
            segment["startTime"] = turn.start
        if turn.end is not None:
            segment["endTime"] = turn.end
        segment["body"] = " ".join(turn.text.split())
        segments.append(segment)
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=1) + "\n"


def cue_times(turns: list[ExportTurn]) -> list[tuple[float, float]]:
    """(start, end) for every turn: its own times where it has them; else from the turn before, up
    to the next known start, or as long as its words take to say. Never running backwards."""
    next_start: list[float | None] = [None] * len(turns)
    upcoming = None
    for i in range(len(turns) - 1, -1, -1):
        next_start[i] = upcoming
        if turns[i].start is not None:
            upcoming = turns[i].start
    times, previous_end = [], 0.0
    for turn, following in zip(turns, next_start):
        start = turn.start if turn.start is not None else previous_end
        spoken = max(_MIN_CUE, len(turn.text.split()) / _WORDS_PER_SECOND)
        end = turn.end if turn.end is not None else (following if following is not None else start + spoken)
        end = max(end, start)
        times.append((start, end))
        previous_end = end
    return times


def _cue_text(text: str) -> str:
    # A blank line ends a cue: paragraphs become lines of one cue (readers join them with spaces).
    return "\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
