"""What an editor should look at before publishing: labels seen once, long turns, chrome in turns."""

from __future__ import annotations

from collections import Counter

from interviews.parsing.labels import NOT_LABELS
from interviews.parsing.layout import Conversation, DraftTurn
from interviews.parsing.lines import Label, Line
from interviews.parsing.messages import Message
from interviews.parsing.text import cjk_count, label_key
from interviews.parsing.types import ParsedTurn

_LONG_TURN = 3000


_MAX_WARNINGS_PER_KIND = 10


def editor_warnings(
    lines: list[Line],
    start: int,
    end: int,
    conversation: Conversation,
    turns: list[ParsedTurn],
    *,
    one_label_per_turn: bool = False,
) -> list[Message]:
    """What an editor should look at before publishing, at most ten of each kind. A label seen
    once is news unless every turn has its own on purpose (`one_label_per_turn`)."""
    drafts = [turn for turn in conversation.turns if turn.paragraphs]
    kinds = (
        [] if one_label_per_turn else _single_label_warnings(turns),
        _missed_label_warnings(lines[start:end], lines),
        [
            Message("checks.label_without_text", label=turn.label.name)
            for turn in conversation.turns
            if not turn.paragraphs
        ],
        _long_turn_warnings(turns),
        _repeated_speaker_warnings(turns),
        _chrome_warnings(drafts, turns, conversation.dropped),
    )
    return [warning for messages in kinds for warning in _capped(messages)]


def _capped(messages: list[Message]) -> list[Message]:
    if len(messages) <= _MAX_WARNINGS_PER_KIND:
        return messages
    more = len(messages) - _MAX_WARNINGS_PER_KIND
    return messages[:_MAX_WARNINGS_PER_KIND] + [Message("checks.more", count=more)]


def _single_label_warnings(turns: list[ParsedTurn]) -> list[Message]:
    label_turns = Counter(label_key(turn.label) for turn in turns)
    return [
        Message("checks.label_once", label=turn.label, turn=number)
        for number, turn in enumerate(turns, 1)
        if label_turns[label_key(turn.label)] == 1
    ]


def _missed_label_warnings(conversation_lines: list[Line], lines: list[Line]) -> list[Message]:
    label_forms = {_form(line.label) for line in lines if line.label and not line.label.glued}
    return [
        Message("checks.missed_label", label=line.candidate.name)
        for line in conversation_lines
        if line.candidate and not line.label and _could_be_missed_speaker(line.candidate, label_forms)
    ]


def _long_turn_warnings(turns: list[ParsedTurn]) -> list[Message]:
    return [
        Message("checks.long_turn", turn=number, speaker=turn.speaker, length=len(turn.text))
        for number, turn in enumerate(turns, 1)
        if len(turn.text) > _LONG_TURN
    ]


def _repeated_speaker_warnings(turns: list[ParsedTurn]) -> list[Message]:
    return [
        Message("checks.same_speaker_twice", speaker=turn.speaker, previous=number - 1, turn=number)
        for number, (previous, turn) in enumerate(zip(turns, turns[1:]), 2)
        if previous.speaker == turn.speaker
    ]


def _chrome_warnings(drafts: list[DraftTurn], turns: list[ParsedTurn], dropped: list[str]) -> list[Message]:
    warnings = [
        Message("checks.chrome_in_turn", turn=number, speaker=turn.speaker, text=_clip(text))
        for number, (draft, turn) in enumerate(zip(drafts, turns), 1)
        for text in draft.chrome
    ]
    if dropped:
        shown = ", ".join(f'"{_clip(text)}"' for text in dropped[:3])
        warnings.append(Message("checks.chrome_dropped", count=len(dropped), shown=shown))
    return warnings


def _form(label: Label) -> tuple[bool, bool]:
    return label.bold, not label.rest


def _could_be_missed_speaker(candidate: Label, label_forms: set[tuple[bool, bool]]) -> bool:
    """A rejected candidate shaped like the file's labels: a third person who spoke once?"""
    return (
        label_key(candidate.name) not in NOT_LABELS
        and _form(candidate) in label_forms
        and len(candidate.name.split()) <= 3
        and cjk_count(candidate.name) <= 6
    )


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
