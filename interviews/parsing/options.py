"""How to read a transcript whose speaker labels the parser cannot find: the editor's way on.

Three ways, each an argument of ``parse_transcript`` (never read from a database), kept with the
transcript so a corrected re-upload is read the same way:

- ``alternating``: every paragraph is a turn, the speakers take turns, the first one named first;
- ``pattern``: labels look like a pattern the editor types, `NAME:` or `[NAME]` or `NAME -`, where
  ``NAME`` stands for the speaker and everything else is literal. It is compiled here into a
  bounded regex; the editor never writes a regex;
- ``paragraphs``: every paragraph is a turn of its own, labelled by its number, and the editor
  says who speaks in each (the upload preview's mapping).

``skip`` paragraphs at the start (a title, an introduction) stay out of the conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from interviews.parsing.lines import Label, Line
from interviews.parsing.messages import Message
from interviews.parsing.types import ParseError

ALTERNATING = "alternating"
PATTERN = "pattern"
PARAGRAPHS = "paragraphs"
WAYS = (ALTERNATING, PATTERN, PARAGRAPHS)

PLACEHOLDER = "NAME"
MAX_PATTERN = 30  # characters: a label's shape, not a sentence
MAX_NAME = 40  # characters a speaker's name may have in a pattern's place
MAX_SPEAKER = 200  # as a speaker's name in the archive
MAX_SKIP = 50
# Each paragraph becomes a label the editor maps by hand: more than this is a job for a pattern.
MAX_PARAGRAPHS = 200
PARAGRAPH_LABEL = "¶ {}"


@dataclass(frozen=True)
class ParseOptions:
    way: str = ""  # "" reads the labels the parser finds
    speakers: tuple[str, ...] = field(default_factory=tuple)  # alternating: the first, then the second
    pattern: str = ""  # pattern: what a label looks like, e.g. "NAME:"
    skip: int = 0  # paragraphs before the conversation

    def __post_init__(self):
        if self.way not in ("", *WAYS):
            raise ParseError(Message("options.unknown_way", way=self.way, ways=", ".join(WAYS)))
        if not isinstance(self.skip, int) or not 0 <= self.skip <= MAX_SKIP:
            raise ParseError(Message("options.skip_range", max=MAX_SKIP))
        if self.way == ALTERNATING:
            names = [" ".join(str(name).split()) for name in self.speakers]
            if len(names) != 2 or not all(names) or names[0].casefold() == names[1].casefold():
                raise ParseError(Message("options.two_speakers"))
            if any(len(name) > MAX_SPEAKER for name in names):
                raise ParseError(Message("options.speaker_too_long", max=MAX_SPEAKER))
            object.__setattr__(self, "speakers", tuple(names))
        if self.way == PATTERN:
            compile_label_pattern(self.pattern)

    @classmethod
    def from_json(cls, data) -> ParseOptions:
        """From a manifest or a stored transcript: {"way": …, "speakers": […], "pattern": …, "skip": n}."""
        if not data:
            return cls()
        if not isinstance(data, dict):
            raise ParseError(Message("options.not_object"))
        unknown = set(data) - {"way", "speakers", "pattern", "skip"}
        if unknown:
            raise ParseError(Message("options.unknown_key", key=sorted(unknown)[0]))
        speakers = data.get("speakers") or ()
        if not isinstance(speakers, (list, tuple)) or not all(isinstance(s, str) for s in speakers):
            raise ParseError(Message("options.speakers_not_list"))
        pattern, skip = data.get("pattern") or "", data.get("skip") or 0
        if not isinstance(pattern, str) or isinstance(skip, bool) or not isinstance(skip, int):
            raise ParseError(Message("options.bad_types"))
        return cls(way=str(data.get("way") or ""), speakers=tuple(speakers), pattern=pattern, skip=skip)

    def to_json(self) -> dict:
        """Only what the way uses: the default reads as {}."""
        if not self.way:
            return {}
        data: dict = {"way": self.way}
        if self.way == ALTERNATING:
            data["speakers"] = list(self.speakers)
        if self.way == PATTERN:
            data["pattern"] = self.pattern
        if self.skip:
            data["skip"] = self.skip
        return data


def compile_label_pattern(pattern: str) -> re.Pattern:
    """`NAME:` → a regex matching a label at a line start, the name in group "name".

    Everything but the placeholder is literal; a space stands for any run of spaces (or none).
    The name is 1 to MAX_NAME characters and the match is anchored, so matching a line costs at
    most MAX_NAME steps per pattern position: no input can make it backtrack further.
    """
    pattern = (pattern or "").strip()
    if not pattern:
        raise ParseError(Message("pattern.empty", placeholder=PLACEHOLDER))
    if len(pattern) > MAX_PATTERN:
        raise ParseError(Message("pattern.too_long", max=MAX_PATTERN, length=len(pattern)))
    count = pattern.count(PLACEHOLDER)
    if count == 0:
        raise ParseError(Message("pattern.no_name", placeholder=PLACEHOLDER))
    if count > 1:
        raise ParseError(Message("pattern.two_names", placeholder=PLACEHOLDER))
    before, after = pattern.split(PLACEHOLDER)
    if not (before + after).strip():
        raise ParseError(Message("pattern.no_mark", placeholder=PLACEHOLDER))
    if any(ch in "\n\r" for ch in pattern):
        raise ParseError(Message("pattern.multiline"))
    name = rf"(?P<name>[^\s{re.escape(after.strip()[:1])}](?:[^\n]{{0,{MAX_NAME - 2}}}?[^\s])?)"
    return re.compile(rf"[^\S\n]*{_literal(before)}{name}{_literal(after)}[^\S\n]*")


def _literal(text: str) -> str:
    # A colon typed on a Western keyboard also matches the full-width one of CJK labels (`名前：`).
    parts = (re.escape(part).replace(":", "[:：]") for part in text.split(" "))
    return r"[^\S\n]*".join(parts)


def apply(lines: list[Line], options: ParseOptions) -> list[Message]:
    """Label the lines as the editor's way says (replacing any labels found); return warnings."""
    for line in lines:
        line.label = None
    paragraphs = [
        i for i, line in enumerate(lines) if line.para_start and line.text and not line.heading and not line.chrome
    ][options.skip :]
    if not paragraphs:
        raise ParseError(Message("options.nothing_left"))
    if options.way == PATTERN:
        return _apply_pattern(lines, paragraphs[0], options.pattern)
    if options.way == ALTERNATING:
        for n, i in enumerate(paragraphs):
            lines[i].label = Label(options.speakers[n % 2], lines[i].text)
        return []
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise ParseError(Message("options.too_many_paragraphs", count=len(paragraphs), max=MAX_PARAGRAPHS))
    for n, i in enumerate(paragraphs, start=1):
        lines[i].label = Label(PARAGRAPH_LABEL.format(n), lines[i].text)
    return []


def _apply_pattern(lines: list[Line], first: int, pattern: str) -> list[Message]:
    regex = compile_label_pattern(pattern)
    found = 0
    for line in lines[first:]:
        match = regex.match(line.text)
        if match:
            line.label = Label(match.group("name"), line.text[match.end() :])
            line.chrome = ""
            found += 1
    if not found:
        raise ParseError(Message("pattern.no_match", pattern=pattern.strip()))
    return []
