"""The parser's messages in the reader's language: the one mapping from a message code
(`interviews.parsing.messages`) to its interface text.

The parser says what it found as a code with parameters and writes English itself, for the
command line and logs; the upload pages (preview, job, their JSON) put it into words here, in the
language of the request. Each text has the parser's English word for word as its msgid
(tests/upload/test_messages.py holds them equal), with the same named placeholders.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from interviews import languages
from interviews.parsing.messages import Message, render

# Translators: the parser's messages. A %(name)s that is a phrase of its own (a file kind, a cue
# number, a count of elements) is translated separately, under its own code.
INTERFACE = {
    "file.empty": _("The file is empty."),
    "file.not_text": _("This file is %(kind)s, not a text transcript."),
    "file.media": _("This file is a video or audio file, not a text transcript."),
    "file.binary": _("This file contains binary data, not text."),
    "kind.pdf": _("a PDF document"),
    "kind.zip": _("a ZIP archive (Word and OpenDocument files are ZIP archives too)"),
    "kind.png": _("a PNG image"),
    "kind.jpeg": _("a JPEG image"),
    "kind.gif": _("a GIF image"),
    "kind.office": _("an old Microsoft Office document"),
    "kind.gzip": _("a gzip archive"),
    "kind.rar": _("a RAR archive"),
    "kind.7z": _("a 7-Zip archive"),
    "kind.rtf": _("an RTF document (save it as plain text)"),
    "kind.mp3": _("an MP3 file"),
    "kind.ogg": _("an Ogg media file"),
    "kind.program": _("a program"),
    "encoding.unknown": _("“%(encoding)s” is not an encoding this archive knows."),
    "encoding.unreadable_byte": _(
        "This file is not valid %(encoding)s (byte %(byte)s cannot be read): choose another encoding."
    ),
    "encoding.invalid": _("This file is not valid %(encoding)s. Save it as UTF-8 and try again."),
    "encoding.none_fits": _(
        "This file is not valid text in UTF-8 or UTF-16, and no other encoding reads it either. Save it as UTF-8."
    ),
    "encoding.private_use": _(
        "Read as %(encoding)s, this file has %(count)s characters no language is written in: it is "
        "probably in another encoding. Choose the encoding it was saved in, or save it as UTF-8."
    ),
    "encoding.foreign_script": _(
        "Read as %(encoding)s, this file has %(count)s %(script)s characters in a text in "
        "%(language)s: it is probably in another encoding. Choose the encoding it was saved in, or "
        "save it as UTF-8."
    ),
    "script.cjk": _("Chinese, Japanese or Korean"),
    "script.greek_cyrillic_arabic": _("Greek, Cyrillic or Arabic"),
    "size.lines": _(
        "The file has %(lines)s lines; a transcript may have at most %(max_turns)s turns, and this "
        "cannot be one transcript. Check the file, or split it."
    ),
    "size.labels": _(
        "The file has %(labels)s lines that start with a speaker label; a transcript may have at most "
        "%(max_turns)s turns (a long interview has a few thousand). Check that it is one transcript, "
        "or split it."
    ),
    "size.turns": _(
        "The file has %(turns)s turns; a transcript may have at most %(max_turns)s (a long interview "
        "has a few thousand). Check that it is one transcript, or split it."
    ),
    "turns.no_labels": _('No speaker turns found. Each turn should start with a speaker label such as "Name:".'),
    "turns.labels_without_text": _("No speaker turns found: the speaker labels have no text after them."),
    "sections.none": _("No section headings found."),
    "checks.more": _("…and %(count)s more like the one above."),
    "checks.label_without_text": _('Label "%(label)s" has no text after it; it was left out.'),
    "checks.label_once": _('Label "%(label)s" appears only once (turn %(turn)s); check that it is a speaker.'),
    "checks.missed_label": _('"%(label)s:" looks like a speaker label but appears only once; it was kept as text.'),
    "checks.long_turn": _(
        "Turn %(turn)s (%(speaker)s) is very long (%(length)s characters); a speaker label may be missing."
    ),
    "checks.same_speaker_twice": _(
        "%(speaker)s has two turns in a row (turns %(previous)s and %(turn)s); the source may have "
        "lost a turn or a label."
    ),
    "checks.chrome_in_turn": _('Turn %(turn)s (%(speaker)s) contains text that looks like page chrome: "%(text)s".'),
    "checks.chrome_dropped": ngettext_lazy(
        "Dropped %(count)s line of page chrome inside the conversation: %(shown)s.",
        "Dropped %(count)s lines of page chrome inside the conversation: %(shown)s.",
        "count",
    ),
    "layout.inferred": _("No recurring speaker labels. %(how)s Check the turns."),
    "layout.inferred_map": _("No recurring speaker labels. %(how)s Check the turns. %(map)s"),
    "layout.how_alternating": _("Every paragraph starts with a dash: turns alternate, starting with a question."),
    "layout.how_dashes": _("Questions were recognised by their leading dash; answers are the paragraphs between."),
    "layout.how_question_marks": _(
        "Questions were recognised by their question mark; answers are the paragraphs between."
    ),
    "layout.map_one": _("Map %(label)s to people in the preview."),
    "layout.map_two": _("Map %(first)s and %(second)s to people in the preview."),
    "layout.dash_questions": ngettext_lazy(
        "%(count)s unlabelled paragraph opened by a dash was read as a question (Q); map Q in the preview.",
        "%(count)s unlabelled paragraphs opened by a dash were read as questions (Q); map Q in the preview.",
        "count",
    ),
    "layout.question_marks": ngettext_lazy(
        "%(count)s unlabelled paragraph ending with a question mark was read as a question (Q); map Q in the preview.",
        "%(count)s unlabelled paragraphs ending with a question mark were read as questions (Q); map Q in the preview.",
        "count",
    ),
    "layout.labels_once": _("Every speaker label appears only once; check that each is a speaker."),
    "layout.names_before_space": _("Speaker names stand before a space, without a colon; check the turns."),
    "layout.names_on_own_lines": _("Speaker names stand alone on their lines, without a colon; check the turns."),
    "html.removed": _("Removed %(scripts)s and %(handlers)s from the HTML."),
    "html.script_elements": ngettext_lazy(
        "%(count)s script/style element",
        "%(count)s script/style elements",
        "count",
    ),
    "html.handler_attributes": ngettext_lazy(
        "%(count)s event-handler attribute",
        "%(count)s event-handler attributes",
        "count",
    ),
    "cues.bad_timing": _("Line %(line)s is not a cue timing (%(text)s); nothing was read."),
    "cues.too_many": _(
        "The file has %(count)s cues; at most %(max)s are read (a three-hour recording has about "
        "5,000). Check that it is one transcript, or split it."
    ),
    "segments.too_many": _(
        "The file has %(count)s segments; at most %(max)s are read (a three-hour recording has about "
        "5,000). Check that it is one transcript, or split it."
    ),
    "cues.one": _("Cue %(number)s"),
    "cues.some": _("Cue %(number)s and %(more)s more"),
    "segments.one": _("Segment %(number)s"),
    "segments.some": _("Segment %(number)s and %(more)s more"),
    "cues.backwards": _("%(which)s: ends before it starts."),
    "cues.earlier": _("%(which)s: starts before the one above it (kept in file order)."),
    "cues.overlapping": _("%(which)s: overlaps the one above it."),
    "cues.unnamed_changes": ngettext_lazy(
        "%(count)s speaker change marked by “>>” or a dash name nobody: each went to the other of the "
        "two speakers before it. Check the turns, and who each label is.",
        "%(count)s speaker changes marked by “>>” or a dash name nobody: each went to the other of "
        "the two speakers before it. Check the turns, and who each label is.",
        "count",
    ),
    "cues.no_speakers": _(
        "The cues name no speakers: each cue is a turn of “%(name)s”. Choose who that is below, or "
        "give the file voice spans (<v Name>) or “Name:” prefixes."
    ),
    "cues.no_text": _("No speaker turns found: the file has no cues with text."),
    "cues.no_way": _(
        "Subtitle and podcast transcript files are read cue by cue: their speakers come from voice "
        "spans, “Name:” prefixes or the speaker mapping, not from a way of reading paragraphs."
    ),
    "srt.malformed": _("This SRT file has malformed cues (%(detail)s); nothing was read."),
    "webvtt.malformed": _("This WebVTT file has malformed cues (%(detail)s); nothing was read."),
    "json.invalid": _("This podcast transcript is not valid JSON (%(detail)s); nothing was read."),
    "json.no_segments": _('A podcast JSON transcript needs a "segments" list; nothing was read.'),
    "json.bad_segment": _('Segment %(number)s is not a segment with a text "body"; nothing was read.'),
    "json.bad_speaker": _('Segment %(number)s: its "speaker" is not text; nothing was read.'),
    "docx.unreadable": _("This Word document cannot be read (%(detail)s); nothing was read."),
    "docx.no_text": _("This Word document has no text."),
    "docx.damaged": _("This Word document is damaged (not a readable ZIP archive); nothing was read."),
    "docx.too_large": _(
        "This Word document would unpack to %(size)s bytes from %(packed)s; it is refused unread (at "
        "most %(limit)s MB)."
    ),
    "options.unknown_way": _("“%(way)s” is not a way to read a transcript; choose one of %(ways)s."),
    "options.skip_range": _("The paragraphs to skip must be a number from 0 to %(max)s."),
    "options.two_speakers": _("Alternating speakers need two different names: who speaks first, and who answers."),
    "options.speaker_too_long": _("A speaker's name can have at most %(max)s characters."),
    "options.not_object": _('parse_options must be an object such as {"way": "pattern", "pattern": "NAME:"}.'),
    "options.unknown_key": _("parse_options has no “%(key)s”; it knows way, speakers, pattern and skip."),
    "options.speakers_not_list": _("parse_options speakers must be a list of names."),
    "options.bad_types": _("parse_options pattern must be text and skip a number."),
    "options.nothing_left": _("No paragraphs left to read as turns; skip fewer paragraphs."),
    "options.too_many_paragraphs": _(
        "The file has %(count)s paragraphs; one speaker per paragraph can be chosen for at most "
        "%(max)s. Describe what the labels look like, or let the speakers alternate."
    ),
    "pattern.empty": _(
        "Type what a label looks like, with %(placeholder)s where the name stands, e.g. “%(placeholder)s:”."
    ),
    "pattern.too_long": _("A label pattern can have at most %(max)s characters; this one has %(length)s."),
    "pattern.no_name": _(
        "The label pattern needs %(placeholder)s where the speaker's name stands, e.g. “%(placeholder)s:”."
    ),
    "pattern.two_names": _("The label pattern can name one speaker: use %(placeholder)s once."),
    "pattern.no_mark": _(
        "The label pattern needs something beside %(placeholder)s that marks a label, such as “:” or “[ ]”."
    ),
    "pattern.multiline": _("A label pattern is one line."),
    "pattern.no_match": _("No line starts with a label like “%(pattern)s”. Check the pattern against the text."),
}


def interface_text(message: Message | str) -> str:
    """A parser message in the active language (a plain string is already words: as it is)."""
    if not isinstance(message, Message):
        return str(message)
    return render(
        message.code,
        message.params,
        lambda code, values: INTERFACE[code] % values,
        number=lambda n: number_format(n, force_grouping=True),
        # Content languages are named in themselves, as everywhere in the interface.
        language=languages.name,
    )


def stored(message: Message | str) -> dict | str:
    """What to keep of a message to say it again later, in whoever's language reads it then."""
    return message.to_json() if isinstance(message, Message) else str(message)


def from_stored(value: dict | str) -> str:
    """`stored()`'s value in the active language."""
    if isinstance(value, dict):
        try:
            return interface_text(Message.from_json(value))
        except (KeyError, TypeError):  # a code since retired: nothing better to say than nothing
            return ""
    return value or ""
