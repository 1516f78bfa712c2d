"""Step 4: layout. The conversation runs from the first label to an end marker or, after the last
label, to the first chrome block; inside it lines become turns and sections, and the part before
it gives title, description and perhaps the first section heading."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from interviews.parsing.chrome import PROMO_RE, is_language_menu
from interviews.parsing.lines import Label, Line
from interviews.parsing.messages import Message
from interviews.parsing.text import cjk_count, display_width, ends_sentence, word_count
from interviews.parsing.types import ParseError

# Chrome that cannot be part of a turn even in the middle of the conversation.
_DROPPED_INSIDE = {"image", "rule", "punctuation", "menu", "account", "timecode"}


def conversation_bounds(lines: list[Line]) -> tuple[int, int]:
    """[start, end) of the conversation: first label up to an end marker, or after the last label
    up to the first chrome block (image, link, rule, account card, heading, promotion)."""
    label_lines = [i for i, line in enumerate(lines) if line.label]
    if not label_lines:
        raise ParseError(Message("turns.no_labels"))
    start = label_lines[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].chrome == "end"), len(lines))
    last = max(i for i in label_lines if i < end)
    for i in range(last + 1, end):
        if ends_last_turn(lines[i]):
            return start, i
    return start, end


def ends_last_turn(line: Line) -> bool:
    if line.chrome == "timecode":
        return False  # a caption's time, inside the last turn
    if line.chrome or line.heading:
        return True
    if line.bold_all and heading_like(line.text):
        return True
    return bool(PROMO_RE.search(line.text))


_HEADING_MAX_CHARS = 100
_HEADING_MAX_CHARS_CJK = 60
_HEADING_MAX_CJK = 30


def heading_like(text: str) -> bool:
    """Short, no sentence-final punctuation, not a bullet or a continuation."""
    if not text or ends_sentence(text) or "://" in text:
        return False
    cjk = cjk_count(text)
    if cjk > _HEADING_MAX_CJK or len(text) > (_HEADING_MAX_CHARS_CJK if cjk else _HEADING_MAX_CHARS):
        return False
    if text[0].islower() or text[0] in "-–—•*·,，、(（":
        return False
    return any(ch.isalpha() for ch in text)


# --------------------------------------------------------------------------------------------
# The conversation: turns and sections
# --------------------------------------------------------------------------------------------


@dataclass
class DraftTurn:
    label: Label
    section: int | None
    paragraphs: list[list[str]] = field(default_factory=list)
    chrome: list[str] = field(default_factory=list)  # kept lines that look like page chrome

    def add(self, text: str, new_paragraph: bool) -> None:
        if new_paragraph or not self.paragraphs:
            self.paragraphs.append([text])
        else:
            self.paragraphs[-1].append(text)

    @property
    def text(self) -> str:
        return "\n\n".join("\n".join(paragraph) for paragraph in self.paragraphs)


@dataclass
class Conversation:
    turns: list[DraftTurn] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    plain_sections: int = 0  # headings recognised without Markdown/HTML markup
    dropped: list[str] = field(default_factory=list)  # chrome dropped from inside the conversation


def read_conversation(lines: list[Line], start: int, end: int) -> Conversation:
    conversation = Conversation()
    turn: DraftTurn | None = None
    for i in range(start, end):
        line = lines[i]
        if line.label:
            section = len(conversation.sections) - 1 if conversation.sections else None
            turn = DraftTurn(line.label, section)
            conversation.turns.append(turn)
            if line.label.rest:
                turn.add(line.label.rest, new_paragraph=True)
        elif line.chrome in _DROPPED_INSIDE:
            if line.chrome not in ("image", "rule", "timecode"):
                conversation.dropped.append(line.text)
        elif line.heading:
            conversation.sections.append(line.text)
        elif turn.paragraphs and _is_plain_section_heading(lines, i, end):
            conversation.sections.append(line.text)
            conversation.plain_sections += 1
        else:
            turn.add(line.text, line.para_start)
            if line.chrome or _looks_like_chrome_text(line.text):
                turn.chrome.append(line.text)
    return conversation


def _is_plain_section_heading(lines: list[Line], i: int, end: int) -> bool:
    """A short standalone line between turns that the next label follows."""
    line = lines[i]
    if not line.whole_paragraph or not heading_like(line.text):
        return False
    following = next((j for j in range(i + 1, end) if lines[j].chrome not in _DROPPED_INSIDE), end)
    return following < end and lines[following].label is not None


_CHROME_TEXT_RE = re.compile(r"https?://|www\.|公众号|阅读原文|扫码|二维码|Videoadresse|Öffentliches Konto", re.I)


def _looks_like_chrome_text(text: str) -> bool:
    return bool(_CHROME_TEXT_RE.search(text))


# --------------------------------------------------------------------------------------------
# Before the conversation: title, description, first section
# --------------------------------------------------------------------------------------------


@dataclass
class _Preamble:
    title: str = ""
    description: str = ""
    first_section: str = ""


def read_preamble(lines: list[Line], conversation_has_plain_sections: bool, html_title: str) -> _Preamble:
    body = [line for line in lines if not (line.image or line.rule)]
    section = _first_section_line(body, conversation_has_plain_sections)
    title_line = _title_line(body, section, allow_plain=not html_title)
    if title_line is None and section is not None and not html_title:
        title_line, section = section, None  # the only line fit for a title is the title
    excluded = {id(title_line), id(section)}
    return _Preamble(
        title=title_line.text if title_line else html_title,
        description=_description([line for line in body if id(line) not in excluded]),
        first_section=section.text if section else "",
    )


def _first_section_line(body: list[Line], conversation_has_plain_sections: bool) -> Line | None:
    """A heading right before the first turn opens the first section. A plain line counts only when
    the conversation has plain headings too; otherwise it is more likely a byline or a title."""
    if not body:
        return None
    last = body[-1]
    if not last.whole_paragraph or last.chrome:
        return None
    if last.heading or (conversation_has_plain_sections and heading_like(last.text)):
        return last
    return None


def _title_line(body: list[Line], section: Line | None, *, allow_plain: bool) -> Line | None:
    """The first heading; else (when HTML gave no <title>) the first substantial non-chrome line."""
    headings = [line for line in body if line.heading and line is not section]
    if headings:
        return headings[0]
    if not allow_plain:
        return None
    plain = (line for line in body if line is not section and not line.chrome)
    return next((line for line in plain if _title_like(line.text)), None)


def _title_like(text: str) -> bool:
    words = word_count(text)
    if words < 2 or display_width(text) > 200 or is_language_menu(text):
        return False
    if text[-1] in ":：" or (text[-1] in ".。" and words > 15):
        return False
    return True


def _description(body: list[Line]) -> str:
    """The intro: from the first real prose paragraph on, without chrome and headings. Short lines
    before it (bylines, account names, menus, dates) are chrome."""
    paragraphs: dict[int, list[str]] = {}
    paragraph = 0
    started = False
    for line in body:
        paragraph += line.para_start
        if line.chrome or line.heading:
            continue
        if not started and not _is_prose(line.text):
            continue
        started = True
        paragraphs.setdefault(paragraph, []).append(line.text)
    return "\n\n".join("\n".join(texts) for texts in paragraphs.values())


def _is_prose(text: str) -> bool:
    if is_language_menu(text):
        return False
    return (ends_sentence(text) and word_count(text) >= 5) or display_width(text) >= 80
