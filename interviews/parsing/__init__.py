"""Turn a published transcript (text, Markdown, HTML, WebVTT, SRT, podcast JSON or Word) into
speakers, sections and turns.

Pure Python: nothing here imports Django.
"""

from pathlib import PurePath

from interviews.parsing.messages import Message
from interviews.parsing.options import ParseOptions
from interviews.parsing.types import ParsedSection, ParsedSpeaker, ParsedTranscript, ParsedTurn, ParseError, SpeakerHint

__all__ = [
    "Message",
    "ParseError",
    "ParseOptions",
    "ParsedSection",
    "ParsedSpeaker",
    "ParsedTranscript",
    "ParsedTurn",
    "SpeakerHint",
    "parse_transcript",
    "decode",
    "generic_role",
]


def parse_transcript(
    data, *, filename="", language="", title="", speakers=None, encoding="", max_turns=0, options=None
):
    """Any supported format, recognised by content: subtitle and podcast files as timed cues, a
    Word document as its text, everything else by the text parser. ``encoding`` is the editor's
    choice for a text file that is not UTF-8; ``max_turns`` refuses absurd files early; ``options``
    (a ``ParseOptions``) is the editor's way of reading a text whose labels the parser cannot find."""
    from interviews.parsing import formats
    from interviews.parsing.pipeline import parse_transcript as _parse

    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        kind = formats.sniff(data)
        if kind == "docx":
            data = formats.docx.read_text(data)
            filename = str(PurePath(filename).with_suffix(".txt")) if filename else ""
        elif kind:
            if options is not None and options.way:
                raise ParseError(Message("cues.no_way"))
            parsed = formats.parse_cues(
                kind, decode(data, encoding), filename=filename, language=language, title=title, speakers=speakers
            )
            if max_turns and len(parsed.turns) > max_turns:
                raise ParseError(Message("size.turns", turns=len(parsed.turns), max_turns=max_turns))
            return parsed
    return _parse(
        data,
        filename=filename,
        language=language,
        title=title,
        speakers=speakers,
        encoding=encoding,
        max_turns=max_turns,
        options=options,
    )


def decode(data: bytes, encoding: str = "") -> str:
    from interviews.parsing.decoding import decode as _decode

    return _decode(data, encoding)


def generic_role(label: str) -> str:
    from interviews.parsing.speakers import generic_role as _generic_role

    return _generic_role(label)
