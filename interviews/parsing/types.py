"""Plain data the parser returns. No Django imports here: the parser is tested on strings."""

from __future__ import annotations

from dataclasses import dataclass, field

from interviews.parsing.messages import Message


class ParseError(ValueError):
    """A transcript that cannot be read, and why: `message` (its str is the English)."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message


@dataclass
class SpeakerHint:
    """What the metadata says about a person: their name, role and the labels that mean them."""

    name: str
    role: str = ""  # "host", "guest" or ""
    aliases: list[str] = field(default_factory=list)


@dataclass
class ParsedSpeaker:
    label: str  # the label as published (first spelling seen), e.g. "Q" or "Aidan Gomez"
    name: str  # resolved real name, or the label when no metadata maps it
    role: str = ""  # "host", "guest" or ""


@dataclass
class ParsedSection:
    heading: str


@dataclass
class ParsedTurn:
    speaker: str  # resolved name (matches a ParsedSpeaker.name)
    label: str  # the label as it stood in the source for this turn
    text: str  # paragraphs joined by "\n\n", whitespace normalised, otherwise as published
    section: int | None = None  # index into ParsedTranscript.sections
    timestamp: str = ""  # as published beside the label ("00:01:02"), "" when there was none
    start: float | None = None  # seconds into the recording, when the source gives a time code
    end: float | None = None  # seconds, when the source gives where the turn ends (subtitles)


@dataclass
class ParsedTranscript:
    title: str
    language: str  # ISO 639-1 code: "de", "zh", "en", "ja", ...
    description: str
    speakers: list[ParsedSpeaker]
    sections: list[ParsedSection]
    turns: list[ParsedTurn]
    warnings: list[Message] = field(default_factory=list)  # what an editor should check, in file order
    text: str = ""  # the decoded source text
    encoding: str = ""  # the encoding the file was read in ("utf-8", "cp1252", ...); "" for text given as str

    def to_json(self) -> dict:
        """The `ingest --dry-run --json` shape."""
        return {
            "title": self.title,
            "language": self.language,
            "description": self.description,
            "speakers": [{"name": s.name, "label": s.label, "role": s.role} for s in self.speakers],
            "sections": [{"heading": s.heading} for s in self.sections],
            "turns": [
                {
                    "speaker": t.speaker,
                    "section": self.sections[t.section].heading if t.section is not None else None,
                    "text": t.text,
                    # Times only where the source has them: untimed transcripts keep their shape.
                    **({"start": t.start} if t.start is not None else {}),
                    **({"end": t.end} if t.end is not None else {}),
                }
                for t in self.turns
            ],
        }
