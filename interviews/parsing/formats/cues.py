"""Timed cues (subtitle cues, podcast transcript segments) merged into speaker turns.

A cue names its speaker by a WebVTT voice span (`<v Ann Lee>`), a segment's `speaker`, or a
`Name:` prefix that recurs in the file; a cue that names nobody continues the turn before it.
When no cue names anybody, each cue is a turn of one unnamed speaker for the editor to map.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from interviews import languages, timecodes
from interviews.parsing.language import detect_language, language_sample
from interviews.parsing.messages import Message
from interviews.parsing.speakers import SpeakerIndex
from interviews.parsing.text import cjk_count
from interviews.parsing.types import ParsedSpeaker, ParsedTranscript, ParsedTurn, ParseError, SpeakerHint

# A 3-hour recording has 3,000 to 5,000 subtitle cues; podcast segments can be a word each.
MAX_CUES = 50_000
UNNAMED = "Speaker"

# `Ann:`, `DR. LEE:`, `主持人：` opening a cue: short, no sentence punctuation, no digits.
_NAME_PREFIX_RE = re.compile(r"([^\W\d_][^:：.!?。？！\n\d]{0,38}?)\s*[:：]\s+(?=\S)")


@dataclass
class Cue:
    start: float | None
    end: float | None
    text: str
    speaker: str = ""  # as the cue names it, "" when it does not
    change: bool = False  # opened by a speaker-change mark (`>>`, a dialogue dash)


_TIMING_LINE_RE = re.compile(
    r"\s*(?:\d+:)?[0-5]?\d:[0-5]\d[.,]\d{1,3}\s+-->\s+(?:\d+:)?[0-5]?\d:[0-5]\d[.,]\d{1,3}(?:\s.*)?"
)


def check_timings(text: str) -> None:
    """Every `-->` line must be a timing line: the libraries skip a malformed one silently, and
    with it the words of its cue."""
    for number, line in enumerate(text.split("\n"), 1):
        if "-->" in line and not _TIMING_LINE_RE.fullmatch(line):
            raise ParseError(Message("cues.bad_timing", line=number, text=repr(line[:60])))


def check_count(count: int, what: str) -> None:
    """`what` is "cues" or "segments"."""
    if count > MAX_CUES:
        raise ParseError(Message(f"{what}.too_many", count=count, max=MAX_CUES))


def order_warnings(cues: list[Cue], what: str = "cues") -> list[Message]:
    """Backwards and overlapping times, named by cue number: kept in file order, but said. `what` is
    "cues" or "segments"."""
    backwards, earlier, overlapping = [], [], []
    previous: Cue | None = None
    for number, cue in enumerate(cues, 1):
        if cue.start is not None and cue.end is not None and cue.end < cue.start:
            backwards.append(number)
        same_cue = previous is not None and (previous.start, previous.end) == (cue.start, cue.end)
        if previous and previous.start is not None and cue.start is not None and not same_cue:
            if cue.start < previous.start:
                earlier.append(number)
            elif previous.end is not None and cue.start < previous.end:
                overlapping.append(number)
        previous = cue
    warnings = []
    for numbers, problem in (
        (backwards, "cues.backwards"),
        (earlier, "cues.earlier"),
        (overlapping, "cues.overlapping"),
    ):
        if numbers:
            which = (
                Message(f"{what}.some", number=numbers[0], more=len(numbers) - 1)
                if len(numbers) > 1
                else Message(f"{what}.one", number=numbers[0])
            )
            warnings.append(Message(problem, which=which))
    return warnings


# Captioners mark a new speaker inside the text: `>>` (broadcast captions, anywhere in a cue) or a
# dash opening a line (subtitles: `- Hi.` / `- Hello.` are two people in one cue).
_CHEVRONS_RE = re.compile(r"(?:^|(?<=\s))>>+[^\S\n]*")
_DIALOGUE_DASH_RE = re.compile(r"^[^\S\n]*[-‐–—][^\S\n]+(?=\S)", re.M)


def split_at_speaker_changes(text: str) -> list[tuple[str, bool]]:
    """[(words, opened by a change mark)] of one cue's text, before its whitespace is collapsed."""
    cuts = sorted(
        {(m.start(), m.end()) for m in _CHEVRONS_RE.finditer(text)}
        | {(m.start(), m.end()) for m in _DIALOGUE_DASH_RE.finditer(text)}
    )
    if not cuts:
        return [(text, False)]
    parts = [(text[: cuts[0][0]], False)]
    for (_start, end), following in zip(cuts, [*(c[0] for c in cuts[1:]), len(text)]):
        parts.append((text[end:following], True))
    return [(words, marked) for words, marked in parts if words.strip()]


def speakers_at_changes(cues: list[Cue]) -> list[Message]:
    """A cue opened by a change mark that names nobody goes to the other of the two speakers seen
    last (most interviews have two); before any name is known, "Speaker 1" and "Speaker 2" take
    turns. Returns the warning that says so, since a mark is not a name."""
    if not any(cue.change and not cue.speaker for cue in cues):
        return []
    if not cues[0].speaker:
        cues[0].change = True
    current, other, guessed = "", "", 0
    for cue in cues:
        if not cue.speaker and cue.change:
            cue.speaker = other or (f"{UNNAMED} 2" if current == f"{UNNAMED} 1" else f"{UNNAMED} 1")
            guessed += 1
        if cue.speaker and cue.speaker != current:
            other, current = current, cue.speaker
    return [Message("cues.unnamed_changes", count=guessed)]


def name_prefixes(cues: list[Cue]) -> None:
    """Take a `Name:` prefix off each cue's text as its speaker. Only in a file where some name
    opens two cues or more; then a capitalised name seen once counts too (a lone `Note:` in a
    file of unlabelled cues stays text), as it does after a speaker-change mark. Cues that name
    their speaker already are left alone."""
    found: dict[str, int] = {}
    for cue in cues:
        match = None if cue.speaker else _NAME_PREFIX_RE.match(cue.text)
        if match and len(match.group(1).split()) <= 4:
            found[match.group(1)] = found.get(match.group(1), 0) + 1
    if not any(count >= 2 for count in found.values()) and not any(cue.change for cue in cues):
        return
    names = {name for name, count in found.items() if count >= 2 or (name[0].isupper() or cjk_count(name[0]))}
    for cue in cues:
        match = None if cue.speaker else _NAME_PREFIX_RE.match(cue.text)
        # Right after a change mark (`>> ANN LEE:`), a capitalised name counts even once.
        if match and (match.group(1) in names or (cue.change and match.group(1)[:1].isupper())):
            cue.speaker, cue.text = match.group(1), cue.text[match.end() :]


def _join(left: str, right: str) -> str:
    if not left or not right:
        return left or right
    # Chinese and Japanese have no spaces between words; U+2E80 on are their scripts and punctuation.
    return left + right if ord(left[-1]) >= 0x2E80 and ord(right[0]) >= 0x2E80 else f"{left} {right}"


def transcript_from_cues(
    cues: list[Cue],
    *,
    title: str,
    language: str = "",
    speakers: list[SpeakerHint] | None = None,
    warnings: list[Message] | None = None,
) -> ParsedTranscript:
    """Consecutive cues of one speaker become one turn, from the first cue's start to the last's end."""
    cues = [cue for cue in cues if cue.text.strip()]
    if not cues:
        raise ParseError(Message("cues.no_text"))
    warnings = list(warnings or [])
    named = any(cue.speaker for cue in cues)
    if not named:
        warnings.append(Message("cues.no_speakers", name=UNNAMED))
    index = SpeakerIndex(speakers)
    turns: list[ParsedTurn] = []
    label = cues[0].speaker or UNNAMED
    for cue in cues:
        text = " ".join(cue.text.split())
        new_speaker = bool(cue.speaker) and cue.speaker != label
        if turns and named and not new_speaker:
            turn = turns[-1]
            turn.text = _join(turn.text, text)
            turn.end = cue.end if cue.end is not None else turn.end
            continue
        label = cue.speaker or label
        name, _role = index.resolve(label)
        turns.append(ParsedTurn(speaker=name, label=label, text=text, start=cue.start, end=cue.end))
    people: dict[str, ParsedSpeaker] = {}
    for turn in turns:
        if turn.speaker not in people:
            _name, role = index.resolve(turn.label)
            people[turn.speaker] = ParsedSpeaker(label=turn.label, name=turn.speaker, role=role)
    return ParsedTranscript(
        title=title,
        language=languages.base(language) or detect_language(language_sample(turns)),
        description="",
        speakers=list(people.values()),
        sections=[],
        turns=turns,
        warnings=warnings,
        text="\n\n".join(f"{t.label}: {t.text}" for t in turns),
    )


def seconds_or_none(value) -> float | None:
    """A time from a JSON number or a time code string; None when absent or unreadable."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return timecodes.seconds(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None
