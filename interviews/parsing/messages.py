"""What the parser tells a person: every warning and refusal as a code with its parameters.

Pure Python, no Django. A ``Message`` is a ``str``: its English text, for the command line, logs,
tests and anything that prints or compares it. The interface says it in the reader's language
from its code and parameters (``interviews.upload.messages``, the one mapping of codes to
translated text), so the parser never needs to know who reads it.

Parameters are text, whole numbers (written grouped: ``12,345``; the interface groups them as the
reader's language does), other messages (a phrase that is itself translated), and, under the
name ``language``, a language code (written as the language's name).
"""

from __future__ import annotations

from collections.abc import Callable

from interviews import languages

# Code -> English, with %(name)s placeholders. A pair is (singular, plural), chosen by "count".
ENGLISH: dict[str, str | tuple[str, str]] = {
    # Reading the bytes (decoding.py)
    "file.empty": "The file is empty.",
    "file.not_text": "This file is %(kind)s, not a text transcript.",
    "file.media": "This file is a video or audio file, not a text transcript.",
    "file.binary": "This file contains binary data, not text.",
    "kind.pdf": "a PDF document",
    "kind.zip": "a ZIP archive (Word and OpenDocument files are ZIP archives too)",
    "kind.png": "a PNG image",
    "kind.jpeg": "a JPEG image",
    "kind.gif": "a GIF image",
    "kind.office": "an old Microsoft Office document",
    "kind.gzip": "a gzip archive",
    "kind.rar": "a RAR archive",
    "kind.7z": "a 7-Zip archive",
    "kind.rtf": "an RTF document (save it as plain text)",
    "kind.mp3": "an MP3 file",
    "kind.ogg": "an Ogg media file",
    "kind.program": "a program",
    "encoding.unknown": "“%(encoding)s” is not an encoding this archive knows.",
    "encoding.unreadable_byte": (
        "This file is not valid %(encoding)s (byte %(byte)s cannot be read): choose another encoding."
    ),
    "encoding.invalid": "This file is not valid %(encoding)s. Save it as UTF-8 and try again.",
    "encoding.none_fits": (
        "This file is not valid text in UTF-8 or UTF-16, and no other encoding reads it either. Save it as UTF-8."
    ),
    "encoding.private_use": (
        "Read as %(encoding)s, this file has %(count)s characters no language is written in: it is probably in "
        "another encoding. Choose the encoding it was saved in, or save it as UTF-8."
    ),
    "encoding.foreign_script": (
        "Read as %(encoding)s, this file has %(count)s %(script)s characters in a text in %(language)s: it is "
        "probably in another encoding. Choose the encoding it was saved in, or save it as UTF-8."
    ),
    "script.cjk": "Chinese, Japanese or Korean",
    "script.greek_cyrillic_arabic": "Greek, Cyrillic or Arabic",
    # Sizes (pipeline.py, formats)
    "size.lines": (
        "The file has %(lines)s lines; a transcript may have at most %(max_turns)s turns, and this cannot be "
        "one transcript. Check the file, or split it."
    ),
    "size.labels": (
        "The file has %(labels)s lines that start with a speaker label; a transcript may have at most "
        "%(max_turns)s turns (a long interview has a few thousand). Check that it is one transcript, or split it."
    ),
    "size.turns": (
        "The file has %(turns)s turns; a transcript may have at most %(max_turns)s (a long interview has a few "
        "thousand). Check that it is one transcript, or split it."
    ),
    # Turns, labels and sections (pipeline.py, layout.py)
    "turns.no_labels": 'No speaker turns found. Each turn should start with a speaker label such as "Name:".',
    "turns.labels_without_text": "No speaker turns found: the speaker labels have no text after them.",
    "sections.none": "No section headings found.",
    # What an editor should check (checks.py)
    "checks.more": "…and %(count)s more like the one above.",
    "checks.label_without_text": 'Label "%(label)s" has no text after it; it was left out.',
    "checks.label_once": 'Label "%(label)s" appears only once (turn %(turn)s); check that it is a speaker.',
    "checks.missed_label": '"%(label)s:" looks like a speaker label but appears only once; it was kept as text.',
    "checks.long_turn": (
        "Turn %(turn)s (%(speaker)s) is very long (%(length)s characters); a speaker label may be missing."
    ),
    "checks.same_speaker_twice": (
        "%(speaker)s has two turns in a row (turns %(previous)s and %(turn)s); the source may have lost a turn "
        "or a label."
    ),
    "checks.chrome_in_turn": 'Turn %(turn)s (%(speaker)s) contains text that looks like page chrome: "%(text)s".',
    "checks.chrome_dropped": (
        "Dropped %(count)s line of page chrome inside the conversation: %(shown)s.",
        "Dropped %(count)s lines of page chrome inside the conversation: %(shown)s.",
    ),
    # Layouts without the usual labels (questions.py, timecodes.py)
    "layout.inferred": "No recurring speaker labels. %(how)s Check the turns.",
    "layout.inferred_map": "No recurring speaker labels. %(how)s Check the turns. %(map)s",
    "layout.how_alternating": "Every paragraph starts with a dash: turns alternate, starting with a question.",
    "layout.how_dashes": "Questions were recognised by their leading dash; answers are the paragraphs between.",
    "layout.how_question_marks": (
        "Questions were recognised by their question mark; answers are the paragraphs between."
    ),
    "layout.map_one": "Map %(label)s to people in the preview.",
    "layout.map_two": "Map %(first)s and %(second)s to people in the preview.",
    "layout.dash_questions": (
        "%(count)s unlabelled paragraph opened by a dash was read as a question (Q); map Q in the preview.",
        "%(count)s unlabelled paragraphs opened by a dash were read as questions (Q); map Q in the preview.",
    ),
    "layout.question_marks": (
        "%(count)s unlabelled paragraph ending with a question mark was read as a question (Q); map Q in the preview.",
        "%(count)s unlabelled paragraphs ending with a question mark were read as questions (Q); map Q in the preview.",
    ),
    "layout.labels_once": "Every speaker label appears only once; check that each is a speaker.",
    "layout.names_before_space": "Speaker names stand before a space, without a colon; check the turns.",
    "layout.names_on_own_lines": "Speaker names stand alone on their lines, without a colon; check the turns.",
    # HTML (html.py)
    "html.removed": "Removed %(scripts)s and %(handlers)s from the HTML.",
    "html.script_elements": ("%(count)s script/style element", "%(count)s script/style elements"),
    "html.handler_attributes": ("%(count)s event-handler attribute", "%(count)s event-handler attributes"),
    # Subtitles and podcast transcripts (formats/)
    "cues.bad_timing": "Line %(line)s is not a cue timing (%(text)s); nothing was read.",
    "cues.too_many": (
        "The file has %(count)s cues; at most %(max)s are read (a three-hour recording has about 5,000). "
        "Check that it is one transcript, or split it."
    ),
    "segments.too_many": (
        "The file has %(count)s segments; at most %(max)s are read (a three-hour recording has about 5,000). "
        "Check that it is one transcript, or split it."
    ),
    "cues.one": "Cue %(number)s",
    "cues.some": "Cue %(number)s and %(more)s more",
    "segments.one": "Segment %(number)s",
    "segments.some": "Segment %(number)s and %(more)s more",
    "cues.backwards": "%(which)s: ends before it starts.",
    "cues.earlier": "%(which)s: starts before the one above it (kept in file order).",
    "cues.overlapping": "%(which)s: overlaps the one above it.",
    "cues.unnamed_changes": (
        # The singular's "name" is as it always was: tests and editors' notes quote it.
        "%(count)s speaker change marked by “>>” or a dash name nobody: each went to the other of the two "
        "speakers before it. Check the turns, and who each label is.",
        "%(count)s speaker changes marked by “>>” or a dash name nobody: each went to the other of the two "
        "speakers before it. Check the turns, and who each label is.",
    ),
    "cues.no_speakers": (
        "The cues name no speakers: each cue is a turn of “%(name)s”. Choose who that is below, or give the "
        "file voice spans (<v Name>) or “Name:” prefixes."
    ),
    "cues.no_text": "No speaker turns found: the file has no cues with text.",
    "cues.no_way": (
        "Subtitle and podcast transcript files are read cue by cue: their speakers come from voice spans, "
        "“Name:” prefixes or the speaker mapping, not from a way of reading paragraphs."
    ),
    "srt.malformed": "This SRT file has malformed cues (%(detail)s); nothing was read.",
    "webvtt.malformed": "This WebVTT file has malformed cues (%(detail)s); nothing was read.",
    "json.invalid": "This podcast transcript is not valid JSON (%(detail)s); nothing was read.",
    "json.no_segments": 'A podcast JSON transcript needs a "segments" list; nothing was read.',
    "json.bad_segment": 'Segment %(number)s is not a segment with a text "body"; nothing was read.',
    "json.bad_speaker": 'Segment %(number)s: its "speaker" is not text; nothing was read.',
    "docx.unreadable": "This Word document cannot be read (%(detail)s); nothing was read.",
    "docx.no_text": "This Word document has no text.",
    "docx.damaged": "This Word document is damaged (not a readable ZIP archive); nothing was read.",
    "docx.too_large": (
        "This Word document would unpack to %(size)s bytes from %(packed)s; it is refused unread "
        "(at most %(limit)s MB)."
    ),
    # The editor's way of reading a file (options.py)
    "options.unknown_way": "“%(way)s” is not a way to read a transcript; choose one of %(ways)s.",
    "options.skip_range": "The paragraphs to skip must be a number from 0 to %(max)s.",
    "options.two_speakers": "Alternating speakers need two different names: who speaks first, and who answers.",
    "options.speaker_too_long": "A speaker's name can have at most %(max)s characters.",
    "options.not_object": 'parse_options must be an object such as {"way": "pattern", "pattern": "NAME:"}.',
    "options.unknown_key": "parse_options has no “%(key)s”; it knows way, speakers, pattern and skip.",
    "options.speakers_not_list": "parse_options speakers must be a list of names.",
    "options.bad_types": "parse_options pattern must be text and skip a number.",
    "options.nothing_left": "No paragraphs left to read as turns; skip fewer paragraphs.",
    "options.too_many_paragraphs": (
        "The file has %(count)s paragraphs; one speaker per paragraph can be chosen for at most %(max)s. "
        "Describe what the labels look like, or let the speakers alternate."
    ),
    "pattern.empty": "Type what a label looks like, with %(placeholder)s where the name stands, e.g. “%(placeholder)s:”.",
    "pattern.too_long": "A label pattern can have at most %(max)s characters; this one has %(length)s.",
    "pattern.no_name": (
        "The label pattern needs %(placeholder)s where the speaker's name stands, e.g. “%(placeholder)s:”."
    ),
    "pattern.two_names": "The label pattern can name one speaker: use %(placeholder)s once.",
    "pattern.no_mark": (
        "The label pattern needs something beside %(placeholder)s that marks a label, such as “:” or “[ ]”."
    ),
    "pattern.multiline": "A label pattern is one line.",
    "pattern.no_match": "No line starts with a label like “%(pattern)s”. Check the pattern against the text.",
}

# The script names languages.foreign_letters() gives, as the codes of their phrases.
SCRIPTS = {"Chinese, Japanese or Korean": "script.cjk", "Greek, Cyrillic or Arabic": "script.greek_cyrillic_arabic"}


class Message(str):
    """One thing the parser says: a code (a key of ENGLISH) and its parameters; as a str, its English."""

    code: str
    params: dict

    def __new__(cls, code: str, **params) -> Message:
        if code not in ENGLISH:
            raise KeyError(f"no message {code!r} in interviews.parsing.messages.ENGLISH")
        self = super().__new__(cls, render(code, params, english))
        self.code, self.params = code, params
        return self

    def __repr__(self) -> str:
        return f"Message({self.code!r}, {self.params!r})"

    def __reduce__(self):  # copy and pickle keep the code
        return (_rebuild, (self.code, self.params))

    def to_json(self) -> dict:
        """{"code", "params"}, nested messages alike: what a job keeps to say it again later."""
        return {
            "code": self.code,
            "params": {k: v.to_json() if isinstance(v, Message) else v for k, v in self.params.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> Message:
        params = {k: cls.from_json(v) if isinstance(v, dict) else v for k, v in data["params"].items()}
        return cls(data["code"], **params)


def _rebuild(code: str, params: dict) -> Message:
    return Message(code, **params)


class Number(int):
    """A whole number that prints as given (grouped as a language groups it) and still chooses a
    plural form as the number it is."""

    def __new__(cls, value: int, shown: str) -> Number:
        self = super().__new__(cls, value)
        self.shown = shown
        return self

    def __str__(self) -> str:
        return self.shown


def english(code: str, values: dict) -> str:
    """The English text filled in, its plural form chosen by values["count"]."""
    text = ENGLISH[code]
    if isinstance(text, tuple):
        text = text[0] if values.get("count") == 1 else text[1]
    return text % values


def render(
    code: str,
    params: dict,
    fill: Callable[[str, dict], str],
    *,
    number: Callable[[int], str] = "{:,}".format,
    language: Callable[[str], str] = languages.english_name,
) -> str:
    """A message's text, `fill(code, values)`: the values are the parameters with nested messages
    rendered the same way, numbers written by `number` and the `language` parameter (a code)
    written by `language`."""
    values = {}
    for key, value in params.items():
        if isinstance(value, Message):
            value = render(value.code, value.params, fill, number=number, language=language)
        elif key == "language":
            value = language(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            value = Number(value, number(value))
        values[key] = value
    return fill(code, values)
