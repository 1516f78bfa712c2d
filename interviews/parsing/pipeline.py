"""Turn a published transcript into speakers, sections and turns: the steps, in order.

1. ``decode``: bytes to normalised text (encodings, binary checks, newlines, NFC).
2. ``html`` and ``lines``: source format to ``Line``s. HTML is sanitised with nh3 and rewritten as
   light Markdown; Markdown chrome (images, links, emphasis, escapes) is removed while each line
   keeps the flags the later steps need (heading, rule, image-only, link-only, bold, paragraph
   start). ``chrome`` marks the lines that belong to the web page, not the conversation.
3. ``labels``: every line start is a label *candidate*; a candidate is accepted when it recurs,
   matches a speaker hint, or (seen once, inside the conversation) carries the bold or
   timestamp markup the file's other labels carry. Then labels glued to their text are found.
4. ``layout``: the conversation runs from the first label to an end marker or, after the last
   label, to the first chrome block; the part before it gives title, description and
   perhaps the first section heading.
5. Turns, sections, ``speakers``, ``language`` and ``checks`` (warnings for the editor).

Everything is linear in the size of the input: no regex in these modules can backtrack over more
than a line, nothing recurses, and nh3 is shielded from the inputs that make html5ever slow.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from interviews import languages, timecodes
from interviews.parsing.checks import editor_warnings
from interviews.parsing.chrome import chrome_kind, drop_leading_date_stamp, mark_account_blocks
from interviews.parsing.decoding import decode_file, is_unicode, normalise
from interviews.parsing.html import html_to_markdown, looks_like_html
from interviews.parsing.inline import split_inline_labels
from interviews.parsing.labels import find_labels
from interviews.parsing.language import detect_language, language_sample
from interviews.parsing.layout import DraftTurn, conversation_bounds, read_conversation, read_preamble
from interviews.parsing.lines import Line, looks_like_markdown, read_lines
from interviews.parsing.messages import SCRIPTS, Message
from interviews.parsing.options import PARAGRAPHS, ParseOptions
from interviews.parsing.options import apply as apply_options
from interviews.parsing.questions import (
    accept_single_labels,
    infer_question_labels,
    label_cjk_names_before_space,
    label_dash_questions,
    label_unlabelled_questions,
)
from interviews.parsing.speakers import SpeakerIndex
from interviews.parsing.timecodes import (
    join_broken_time_codes,
    label_name_lines,
    lift_leading_time_codes,
    mark_time_only_lines,
    merge_timed_segments,
)
from interviews.parsing.types import ParsedSection, ParsedSpeaker, ParsedTranscript, ParsedTurn, ParseError, SpeakerHint


def parse_transcript(
    data: bytes | str,
    *,
    filename: str = "",
    language: str = "",
    title: str = "",
    speakers: list[SpeakerHint] | None = None,
    encoding: str = "",
    max_turns: int = 0,
    options: ParseOptions | None = None,
) -> ParsedTranscript:
    """Parse a transcript (plain text, Markdown or HTML) into title, description, sections and turns.

    Metadata wins over what the file says: `language`, `title`, and `speakers` hints that map
    labels (names, aliases, generic labels like "Q") to people. `encoding` reads the bytes in the
    encoding an editor chose instead of the detected one. `options` is the editor's way of reading
    a file whose labels the parser cannot find (`options.py`). Raises ParseError with a message for the
    user when the file is not a readable transcript.

    Long on purpose: it is the list of steps, in the order they run, each a call into its module;
    split up, the order (which the steps depend on) would no longer be readable in one place.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        text, encoding = decode_file(bytes(data), encoding)
        if not is_unicode(encoding):  # a legacy encoding is a guess, or an editor's choice: check it
            check_plausible(text, languages.base(language) or detect_language(text), encoding)
    else:
        text, encoding = normalise(data), ""
    if max_turns:
        check_size(text, max_turns)
    text = drop_leading_date_stamp(text)
    index = SpeakerIndex(speakers)
    warnings: list[Message] = []
    html_title = ""
    if looks_like_html(text, filename):
        converted = html_to_markdown(text)
        lines = read_lines(converted.markdown, "html")
        html_title = converted.title
        warnings += [converted.warning] if converted.warning else []
    else:
        lines = read_lines(text, "markdown" if looks_like_markdown(text, filename) else "plain")

    lines = join_broken_time_codes(lines)
    for line in lines:
        line.chrome = chrome_kind(line)
    mark_time_only_lines(lines)
    if options and options.way:
        warnings += apply_options(lines, options)  # the editor's way on: labels as they say
    else:
        lines, found = _labelled(lines, index)
        warnings += found
    lift_leading_time_codes(lines)
    mark_account_blocks(lines)
    start, end = conversation_bounds(lines)
    conversation = read_conversation(lines, start, end)
    preamble = read_preamble(lines[:start], conversation.plain_sections > 0, html_title)

    sections = [preamble.first_section] if preamble.first_section else []
    offset = len(sections)
    conversation.turns = merge_timed_segments(conversation.turns)
    drafts = [turn for turn in conversation.turns if turn.paragraphs]
    if not drafts:
        raise ParseError(Message("turns.labels_without_text"))
    if max_turns and len(drafts) > max_turns:
        raise ParseError(Message("size.turns", turns=len(drafts), max_turns=max_turns))
    turns = [_parsed_turn(turn, index, offset) for turn in drafts]
    sections += conversation.sections

    warnings += editor_warnings(
        lines, start, end, conversation, turns, one_label_per_turn=bool(options and options.way == PARAGRAPHS)
    )
    if not sections:
        warnings.append(Message("sections.none"))
    return ParsedTranscript(
        title=title.strip() or preamble.title or PurePath(filename).stem,
        # A metadata tag reduces to its base ("zh-CN" → "zh"): the archive stores ISO 639-1 codes.
        language=languages.base(language) or detect_language(language_sample(turns)),
        description=preamble.description,
        speakers=_speakers(drafts, turns, index),
        sections=[ParsedSection(heading) for heading in sections],
        turns=turns,
        warnings=warnings,
        text=text,
        encoding=encoding,
    )


def _labelled(lines: list[Line], index: SpeakerIndex) -> tuple[list[Line], list[Message]]:
    """Step 3: labels found, then the layouts where labels are missing or misplaced (only when
    the label step found none, as a dash or a question mark is weaker evidence)."""
    lines = split_inline_labels(lines)
    find_labels(lines, index)
    if any(line.label for line in lines):
        return lines, label_dash_questions(lines) + label_unlabelled_questions(lines)
    return lines, (
        label_name_lines(lines)
        or label_cjk_names_before_space(lines)
        or infer_question_labels(lines)
        or accept_single_labels(lines)
    )


# A line that could start a turn: a label of up to 60 characters and a colon (ASCII or full width).
_LABEL_LIKE_RE = re.compile(r"^[^\S\n]*[^\s:：][^\n:：]{0,59}[:：]", re.MULTILINE)
# The full parse finds fewer turns than label-like lines (headings, "Note:" lines, times); only a
# file far over the limit is refused this early, with the counts that show it.
_PRECHECK_MARGIN = 2
_MAX_LINES_PER_TURN = 50  # a turn of many short paragraphs; 20,000 turns of them is a million lines


def check_size(text: str, max_turns: int) -> None:
    """Refuse in well under a second what the full parse would refuse after many (816,000 tiny
    turns in 4.9 MB took 19.5 s to parse): a count of lines and of label-like line starts."""
    lines = text.count("\n") + 1
    if lines > _MAX_LINES_PER_TURN * max_turns:
        raise ParseError(Message("size.lines", lines=lines, max_turns=max_turns))
    labels = sum(1 for _ in _LABEL_LIKE_RE.finditer(text))
    if labels > _PRECHECK_MARGIN * max_turns:
        raise ParseError(Message("size.labels", labels=labels, max_turns=max_turns))


# A few stray characters (a name in Chinese in a German text) are fine; more mean the bytes were
# read in the wrong encoding.
_MAX_FOREIGN = 3
_MAX_FOREIGN_SHARE = 0.002


# Private-use code points: what a multi-byte encoding gives for byte pairs it has no character for.
_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")


def check_plausible(text: str, language: str, encoding: str) -> None:
    """Refuse text read in a legacy encoding that gives letters its language is not written in:
    cp1252 German read as GB18030 turns "Gespräch" into "Gespr鋍h"."""
    private = len(_PRIVATE_USE_RE.findall(text))
    if private > _MAX_FOREIGN:
        raise ParseError(Message("encoding.private_use", encoding=encoding, count=private))
    foreign, script = languages.foreign_letters(text, language)
    letters = sum(c.isalpha() for c in text) or 1
    if foreign > _MAX_FOREIGN and foreign > _MAX_FOREIGN_SHARE * letters:
        raise ParseError(
            Message(
                "encoding.foreign_script",
                encoding=encoding,
                count=foreign,
                script=Message(SCRIPTS[script]),
                language=language,
            )
        )


def _parsed_turn(turn: DraftTurn, index: SpeakerIndex, offset: int) -> ParsedTurn:
    """offset is 1 when the preamble gave the first section: it holds the turns before any other."""
    if turn.section is not None:
        section = turn.section + offset
    else:
        section = 0 if offset else None
    name, _role = index.resolve(turn.label.name)
    # A time code beside the label, or opening the turn's text (`Name: [00:00:04] text`, or `Name:`
    # alone and the next line `[0:20] text`), is the turn's start: data, never part of its words.
    start = timecodes.seconds(turn.label.timestamp) if turn.label.timestamp else None
    text = turn.text
    leading, rest = timecodes.split_leading(text)
    if leading is not None and rest.strip():
        text = rest
        start = leading if start is None else start
    return ParsedTurn(
        speaker=name, label=turn.label.name, text=text, section=section, timestamp=turn.label.timestamp, start=start
    )


def _speakers(drafts: list[DraftTurn], turns: list[ParsedTurn], index: SpeakerIndex) -> list[ParsedSpeaker]:
    """One speaker per resolved name, in order of appearance, with the first label spelling seen."""
    speakers: dict[str, ParsedSpeaker] = {}
    for draft, turn in zip(drafts, turns):
        if turn.speaker not in speakers:
            _name, role = index.resolve(draft.label.name)
            speakers[turn.speaker] = ParsedSpeaker(label=turn.label, name=turn.speaker, role=role)
    return list(speakers.values())
