"""Time codes that stand on lines of their own, as caption exports and transcript sites print them.

`Speaker 1` / `00:06` / text, `• Unknown A` / text / `(0:00:30)`, or `Name :` / `[` / `0:01] text`
(a bracketed time code broken over two lines). Time-only lines are dropped from the text, a time
code right after a label becomes the label's time, and a speaker's consecutive timed segments are
one turn: a captioning tool cuts at pauses, not at changes of speaker.
"""

from __future__ import annotations

import re
from collections import Counter

from interviews.parsing.labels import NOT_LABELS, looks_like_name
from interviews.parsing.layout import DraftTurn
from interviews.parsing.lines import Label, Line
from interviews.parsing.messages import Message
from interviews.parsing.text import label_key
from interviews.timecodes import TIMECODE as _TIMESTAMP  # the one definition of a time code

_TIME_ONLY_RE = re.compile(rf"[\[(]?({_TIMESTAMP})[\])]?")
_BROKEN_OPEN_RE = re.compile(rf"{_TIMESTAMP}[\])]")
_LEADING_RE = re.compile(rf"[\[(]({_TIMESTAMP})[\])]\s*+")
_BULLET_RE = re.compile(r"[•·▪◦*-]\s+")


def join_broken_time_codes(lines: list[Line]) -> list[Line]:
    """`[` alone, then `0:01] text`: one line `[0:01] text`."""
    joined: list[Line] = []
    for line in lines:
        if joined and joined[-1].text in ("[", "(") and _BROKEN_OPEN_RE.match(line.text):
            line.text = joined[-1].text + line.text
            line.para_start = joined[-1].para_start
            joined.pop()
        joined.append(line)
    return joined


def mark_time_only_lines(lines: list[Line]) -> int:
    count = 0
    for line in lines:
        if not line.chrome and _TIME_ONLY_RE.fullmatch(line.text):
            line.chrome = "timecode"
            count += 1
    return count


def label_name_lines(lines: list[Line]) -> list[Message]:
    """In a file with time-only lines, a short name alone on its line that recurs opens a turn:
    `Speaker 1`, `• Unknown A`. Only when the label step found nothing."""
    if sum(line.chrome == "timecode" for line in lines) < 2:
        return []
    names = {i: name for i, line in enumerate(lines) if (name := _name_line(line))}
    counts = Counter(label_key(name) for name in names.values())
    # Diarization numbers its speakers: `Unknown C` seen once is one of `Unknown A`'s kind.
    families = {key.rsplit(" ", 1)[0] for key, n in counts.items() if n >= 2 and " " in key}
    names = {
        i: name
        for i, name in names.items()
        if label_key(name) not in NOT_LABELS
        and (counts[label_key(name)] >= 2 or label_key(name).rsplit(" ", 1)[0] in families)
    }
    found = 0
    for i, name in names.items():
        if _text_follows(lines, i, names):
            following = lines[i + 1] if i + 1 < len(lines) else None
            timestamp = ""
            if following is not None and following.chrome == "timecode":
                timestamp = _TIME_ONLY_RE.fullmatch(following.text).group(1)
            lines[i].label = Label(name, "", timestamp)
            found += 1
    if not found:
        return []
    return [Message("layout.names_on_own_lines")]


def _name_line(line: Line) -> str:
    if line.chrome or line.heading or ":" in line.text or "：" in line.text:
        return ""
    text = _BULLET_RE.sub("", line.text, count=1) if _BULLET_RE.match(line.text) else line.text
    return text if looks_like_name(text) else ""


def _text_follows(lines: list[Line], i: int, names: dict[int, str]) -> bool:
    j = i + 1
    while j < len(lines) and lines[j].chrome == "timecode":
        j += 1
    return j < len(lines) and j not in names and not lines[j].chrome


def lift_leading_time_codes(lines: list[Line]) -> None:
    """`Name :` alone, then `[0:01] text`: the time code is the label's, not the turn's text."""
    for line, following in zip(lines, lines[1:]):
        label = line.label
        if label and not label.rest and not label.timestamp and not following.label:
            match = _LEADING_RE.match(following.text)
            if match and match.end() < len(following.text):
                label.timestamp = match.group(1)
                following.text = following.text[match.end() :]


def merge_timed_segments(turns: list[DraftTurn]) -> list[DraftTurn]:
    merged: list[DraftTurn] = []
    for turn in turns:
        previous = merged[-1] if merged else None
        if (
            previous
            and previous.label.timestamp
            and turn.label.timestamp
            and label_key(previous.label.name) == label_key(turn.label.name)
            and previous.section == turn.section
            and turn.paragraphs
        ):
            previous.paragraphs += turn.paragraphs
            previous.chrome += turn.chrome
            continue
        merged.append(turn)
    return merged
