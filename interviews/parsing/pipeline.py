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

from pathlib import PurePath

from interviews import languages, timecodes
from interviews.parsing.checks import editor_warnings
from interviews.parsing.chrome import chrome_kind, mark_account_blocks
from interviews.parsing.decoding import decode, normalise
from interviews.parsing.html import html_to_markdown, looks_like_html
from interviews.parsing.inline import split_inline_labels
from interviews.parsing.labels import find_labels
from interviews.parsing.language import detect_language, language_sample
from interviews.parsing.layout import DraftTurn, conversation_bounds, read_conversation, read_preamble
from interviews.parsing.lines import looks_like_markdown, read_lines
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
) -> ParsedTranscript:
    """Parse a transcript (plain text, Markdown or HTML) into title, description, sections and turns.

    Metadata wins over what the file says: `language`, `title`, and `speakers` hints that map
    labels (names, aliases, generic labels like "Q") to people. Raises ParseError with a message
    for the user when the file is not a readable transcript.
    """
    text = decode(bytes(data)) if isinstance(data, (bytes, bytearray, memoryview)) else normalise(data)
    index = SpeakerIndex(speakers)
    warnings: list[str] = []
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
    lines = split_inline_labels(lines)
    find_labels(lines, index)
    if any(line.label for line in lines):
        warnings += label_dash_questions(lines) + label_unlabelled_questions(lines)
    else:
        warnings += (
            label_name_lines(lines)
            or label_cjk_names_before_space(lines)
            or infer_question_labels(lines)
            or accept_single_labels(lines)
        )
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
        raise ParseError("No speaker turns found: the speaker labels have no text after them.")
    turns = [_parsed_turn(turn, index, offset) for turn in drafts]
    sections += conversation.sections

    warnings += editor_warnings(lines, start, end, conversation, turns)
    if not sections:
        warnings.append("No section headings found.")
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
