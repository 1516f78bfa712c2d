"""Step 2: source text (plain, Markdown, or HTML rewritten as Markdown) as non-blank lines.

Markdown chrome (images, links, emphasis, escapes) is removed while each line keeps the flags the
later steps need (heading, rule, image-only, link-only, bold, paragraph start)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import PurePath

from interviews.parsing.text import is_punctuation_only


@dataclass
class Label:
    name: str  # as published, e.g. "Q" or "Aidan Gomez"
    rest: str  # the text after the label on the same line ("" when the label stands alone)
    timestamp: str = ""
    bold: bool = False
    glued: bool = False

    @property
    def strong(self) -> bool:
        """Markup that only labels carry."""
        return self.bold or bool(self.timestamp)


@dataclass
class Line:
    text: str  # markup removed, whitespace collapsed
    para_start: bool = True
    para_end: bool = True
    heading: int = 0  # Markdown/HTML heading level, 0 for none
    rule: bool = False
    image: bool = False  # the line held nothing but images
    link_only: bool = False  # the line held nothing but links (their text is kept)
    bold_start: bool = False  # the line opened with bold markup
    bold_all: bool = False  # the whole line was bold
    candidate: Label | None = None
    label: Label | None = None
    chrome: str = ""  # why the line is page chrome, "" when it is not

    @property
    def whole_paragraph(self) -> bool:
        return self.para_start and self.para_end


_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PLACEHOLDER_BASE = 0xE000  # escaped punctuation is parked in the private use area meanwhile
_RESTORE_ESCAPES = {_PLACEHOLDER_BASE + o: chr(o) for o in range(0x21, 0x7F)}
_URL_IN_PARENS = r"\((?:[^()\s]++|\([^()\s]*+\))*+(?:\s++\"[^\"\n]*+\")?\s*+\)"
_IMAGE_RE = re.compile(r"!\[[^\[\]\n]*+\]" + _URL_IN_PARENS)
_LINK_RE = re.compile(r"\[([^\[\]\n]*+)\]" + _URL_IN_PARENS)
_AUTOLINK_RE = re.compile(r"<((?:https?|mailto):[^<>\s]++)>")
_STAR_EMPHASIS_RE = re.compile(r"(\*{1,3})(?=[^\s*])([^*\n]+?)(?<=[^\s*])\1")
_UNDERSCORE_EMPHASIS_RE = re.compile(r"__(?=\S)([^_\n]+?)(?<=\S)__")
_LEFTOVER_STARS_RE = re.compile(r"\*{2,}")
_BOLD_LINE_RE = re.compile(r"\s*(\*\*|__)[^*_]+\1\s*")
_MARKUP_AND_SPACE_RE = re.compile(r"[*_\s]")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_RULE_RE = re.compile(r"([-*_=~—–─━═])(?:[ \t]*+\1){2,}")
_SETEXT_RE = re.compile(r"={2,}|-{2,}")
_MARKDOWN_SNIFF_RE = re.compile(r"!\[[^\]\n]{0,200}\]\(|\]\(https?:|^\*\*[^*\n]{1,80}\*\*|^#{1,6} |^={3,}\s*$", re.M)


def looks_like_markdown(text: str, filename: str) -> bool:
    if PurePath(filename).suffix.lower() in (".md", ".markdown"):
        return True
    return len(_MARKDOWN_SNIFF_RE.findall(text[:200000])) >= 2


def read_lines(text: str, markup: str) -> list[Line]:
    """Split text into non-blank lines that remember paragraph breaks and Markdown structure.

    markup is "plain", "markdown" or "html" (HTML already rewritten as Markdown).
    """
    raw_lines = text.split("\n")
    nonblank = sum(1 for raw in raw_lines if raw.strip())
    # Files without blank lines put one paragraph on each line. Blank lines at the very start or
    # end (a final newline) separate nothing.
    blank = sum(1 for raw in text.strip().split("\n") if not raw.strip())
    one_paragraph_per_line = blank * 20 < nonblank
    lines: list[Line] = []
    previous_blank = True
    for raw in raw_lines:
        stripped = raw.strip()
        if not stripped:
            previous_blank = True
            continue
        para_start = previous_blank or one_paragraph_per_line
        underline = not previous_blank and lines and _SETEXT_RE.fullmatch(stripped)
        previous_blank = False
        if underline and not lines[-1].heading and not lines[-1].rule and lines[-1].text:
            lines[-1].heading = 1 if stripped[0] == "=" else 2
            continue
        if _RULE_RE.fullmatch(stripped):
            lines.append(Line("", para_start, rule=True))
            continue
        lines.append(_read_line(stripped, markup, para_start))
    for line, following in zip(lines, lines[1:]):
        line.para_end = following.para_start
    return lines


def _read_line(stripped: str, markup: str, para_start: bool) -> Line:
    if markup == "markdown" and stripped.startswith(">"):
        stripped = stripped.lstrip("> \t") or stripped  # a blockquote is still text
    heading, s = _atx_heading(stripped)
    if markup == "plain":
        return Line(" ".join(s.split()), para_start, heading=heading)
    escaped = "\\" in s
    if escaped:
        s = _ESCAPE_RE.sub(lambda m: chr(_PLACEHOLDER_BASE + ord(m.group(1))), s)
    images = links = 0
    without_links = s
    if "[" in s or "<" in s:
        s, images = _IMAGE_RE.subn("", s)
        s = _AUTOLINK_RE.sub(r"[\1](#)", s)
        without_links, links = _LINK_RE.subn("", s)
        s = _LINK_RE.sub(r"\1", s)
    bold_start = s.lstrip().startswith(("**", "__"))
    bold_all = bold_start and bool(_BOLD_LINE_RE.fullmatch(s))
    if markup == "html":
        # Literal stars were escaped on the way in, so every star left is bold markup.
        s = s.replace("*", "")
    else:
        if "*" in s or "__" in s:
            s = _UNDERSCORE_EMPHASIS_RE.sub(r"\1", _STAR_EMPHASIS_RE.sub(r"\2", s))
            s = _LEFTOVER_STARS_RE.sub("", s)
        if "&" in s:
            s = _ENTITY_RE.sub(lambda m: html.unescape(m.group(0)), s)
    if escaped:
        s = s.translate(_RESTORE_ESCAPES)
    text = " ".join(s.split())
    link_only = False
    if links:
        rest = _MARKUP_AND_SPACE_RE.sub("", without_links).translate(_RESTORE_ESCAPES)
        link_only = is_punctuation_only(rest or " ")
    return Line(
        text,
        para_start,
        heading=heading,
        image=bool(images) and not text,
        link_only=link_only,
        bold_start=bold_start,
        bold_all=bold_all,
    )


def _atx_heading(stripped: str) -> tuple[int, str]:
    """`## Heading ##` → (2, "Heading"); string methods, not a regex, so long lines stay cheap."""
    if not stripped.startswith("#"):
        return 0, stripped
    level = len(stripped) - len(stripped.lstrip("#"))
    if not 1 <= level <= 6 or (len(stripped) > level and stripped[level] not in " \t"):
        return 0, stripped
    content = stripped[level:].strip()
    if content.rstrip("#") != content and content.rstrip("#")[-1:] in (" ", "\t", ""):
        content = content.rstrip("#").rstrip()
    return (level, content) if content else (0, stripped)
