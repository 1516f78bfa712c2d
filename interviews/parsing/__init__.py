"""Turn a published transcript (text, Markdown or HTML) into speakers, sections and turns.

Pure Python: nothing here imports Django.
"""

from interviews.parsing.types import ParsedSection, ParsedSpeaker, ParsedTranscript, ParsedTurn, ParseError, SpeakerHint

__all__ = [
    "ParseError",
    "ParsedSection",
    "ParsedSpeaker",
    "ParsedTranscript",
    "ParsedTurn",
    "SpeakerHint",
    "parse_transcript",
    "decode",
    "generic_role",
]


def parse_transcript(data, *, filename="", language="", title="", speakers=None, encoding="", max_turns=0):
    from interviews.parsing.pipeline import parse_transcript as _parse

    return _parse(
        data,
        filename=filename,
        language=language,
        title=title,
        speakers=speakers,
        encoding=encoding,
        max_turns=max_turns,
    )


def decode(data: bytes, encoding: str = "") -> str:
    from interviews.parsing.decoding import decode as _decode

    return _decode(data, encoding)


def generic_role(label: str) -> str:
    from interviews.parsing.speakers import generic_role as _generic_role

    return _generic_role(label)
