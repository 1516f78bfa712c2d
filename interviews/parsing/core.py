"""Turn a published transcript into speakers, sections and turns.

The steps, each a small function below:

1. ``decode``: bytes to normalised text (encodings, binary checks, newlines, NFC).
2. Source format to ``_Line``s: HTML is sanitised with nh3 and rewritten as light Markdown;
   Markdown chrome (images, links, emphasis, escapes) is removed while each line keeps the
   flags the later steps need (heading, rule, image-only, link-only, bold, paragraph start).
3. Labels: every line start is a label *candidate*; a candidate is accepted when it recurs,
   matches a speaker hint, or (seen once, inside the conversation) carries the bold or
   timestamp markup the file's other labels carry. Then labels glued to their text are found.
4. Layout: the conversation runs from the first label to an end marker or, after the last
   label, to the first chrome block; the part before it gives title, description and
   perhaps the first section heading.
5. Turns, sections, speakers, language and warnings for the editor.

Everything is linear in the size of the input: no regex here can backtrack over more than a
line, nothing recurses, and nh3 is shielded from the inputs that make html5ever slow.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath

import nh3

from interviews import languages

from .types import ParsedSection, ParsedSpeaker, ParsedTranscript, ParsedTurn, ParseError, SpeakerHint

# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------

_BINARY_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (Word and OpenDocument files are ZIP archives too)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document (save it as plain text)"),
    (b"ID3", "an MP3 file"),
    (b"OggS", "an Ogg media file"),
    (b"\x7fELF", "a program"),
)
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# C0/C1 controls other than tab and the line breaks; NEL (\x85) is a line break too.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_MAX_CONTROL_RATIO = 0.01
_LINE_BREAK_RE = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# Zero-width characters WeChat and web editors scatter through text; ZWJ/ZWNJ stay (scripts need them).
_INVISIBLE_RE = re.compile("[\u200b\u2060\ufeff]")


def decode(data: bytes) -> str:
    """Bytes of a transcript file as normalised text, or ParseError with a message for the user."""
    if not data.strip():
        raise ParseError("The file is empty.")
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise ParseError(f"This file is {what}, not a text transcript.")
    if data[4:8] == b"ftyp":
        raise ParseError("This file is a video or audio file, not a text transcript.")
    text = _decode_bytes(data)
    return _normalise(text)


def _decode_bytes(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict_decode(data, [encoding])
    utf16 = _sniff_utf16_without_bom(data)
    if utf16:
        return _strict_decode(data, [utf16])
    if b"\x00" in data:
        raise ParseError("This file contains binary data, not text.")
    return _strict_decode(data, ["utf-8", "gb18030"])


def _strict_decode(data: bytes, encodings: list[str]) -> str:
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ParseError("This file is not valid text in UTF-8, UTF-16 or GB18030. Save it as UTF-8 and try again.")


def _sniff_utf16_without_bom(data: bytes) -> str:
    """UTF-16 without a BOM shows up as NUL bytes on one side of every pair (for Latin text)."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return ""
    zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
    if zeros_odd > 0.3 * half and zeros_even < 0.05 * half:
        return "utf-16-le"
    if zeros_even > 0.3 * half and zeros_odd < 0.05 * half:
        return "utf-16-be"
    return ""


def _normalise(text: str) -> str:
    if "\x00" in text:
        raise ParseError("This file contains binary data, not text.")
    controls = len(text) - len(_CONTROL_RE.sub("", text))
    if controls > _MAX_CONTROL_RATIO * len(text):
        raise ParseError("This file contains binary data, not text.")
    text = _LINE_BREAK_RE.sub("\n", text)
    text = _INVISIBLE_RE.sub("", _CONTROL_RE.sub("", text))
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise ParseError("The file is empty.")
    return text


# --------------------------------------------------------------------------------------------
# Characters and small text tests
# --------------------------------------------------------------------------------------------

_SENTENCE_END = set(".?!。？！:：;；…~～")
_CLOSERS = "\"')]}»›”’」』】）》"


_CJK_RE = languages.CJK_CHAR_RE


def _cjk_count(text: str) -> int:
    return len(_CJK_RE.findall(text))


def _width(text: str) -> int:
    """Display width: a CJK character counts as two Latin ones."""
    return len(text) + _cjk_count(text)


def _words(text: str) -> int:
    """Words, counting each CJK character as half a word (Chinese has no spaces)."""
    cjk = _cjk_count(text)
    latin = len(_CJK_RE.sub(" ", text).split())
    return latin + (cjk + 1) // 2


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    return bool(stripped) and stripped[-1] in _SENTENCE_END


_NO_WORD_RE = re.compile(r"[\W_]+")


def _is_punctuation_only(text: str) -> bool:
    return bool(_NO_WORD_RE.fullmatch(text))


@lru_cache(maxsize=4096)
def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


# --------------------------------------------------------------------------------------------
# HTML: sanitise with nh3, then rewrite as light Markdown for the line reader
# --------------------------------------------------------------------------------------------

# A start or end tag with its attributes. Possessive quantifiers and the `<` excluded from bare
# attribute text keep this linear even on a 50,000-attribute tag or an unclosed quote.
_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*+)((?:[^<>\"']++|\"[^\"]*+\"|'[^']*+')*+)>")
_EVENT_HANDLER_RE = re.compile(r"(?:^|[\s/\"'])on[a-zA-Z]++\s*+=")
_HTML_VOID = {
    "br",
    "hr",
    "img",
    "meta",
    "link",
    "input",
    "wbr",
    "area",
    "base",
    "col",
    "embed",
    "source",
    "track",
    "param",
}
_HTML_MAX_DEPTH = 200
_HTML_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "center",
    "details",
    "summary",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "caption",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
}
_HTML_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_HTML_INLINE = {
    "b",
    "strong",
    "em",
    "i",
    "u",
    "span",
    "a",
    "img",
    "small",
    "sup",
    "sub",
    "mark",
    "code",
    "q",
    "cite",
    "time",
    "abbr",
    "s",
    "del",
    "ins",
    "br",
    "hr",
    "li",
    "td",
    "th",
}
_HTML_ALLOWED = _HTML_BLOCKS | set(_HTML_HEADINGS) | _HTML_INLINE
# Dropped with their content: code, styling, page furniture.
_HTML_DROPPED = {
    "script",
    "style",
    "title",
    "nav",
    "footer",
    "aside",
    "noscript",
    "template",
    "iframe",
    "object",
    "svg",
    "math",
    "button",
    "select",
    "form",
    "head",
}
_MARKDOWN_SPECIALS_RE = re.compile(r"([\\`*_\[\]!#&<>\-=+~|])")


@dataclass
class _HtmlResult:
    markdown: str
    title: str
    warning: str


def _looks_like_html(text: str, filename: str) -> bool:
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return True
    if suffix in (".md", ".markdown"):
        return False
    head = text[:2000].lstrip().lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<?xml")):
        return True
    sample = text[:50000].lower()
    return head.startswith("<") and sample.count("</p>") + sample.count("<br") + sample.count("</div>") >= 3


def _html_to_markdown(source: str) -> _HtmlResult:
    title = _html_title(source)
    stripped, scripts, handlers = _strip_attributes(source)
    cleaned = nh3.clean(
        stripped,
        tags=_HTML_ALLOWED,
        clean_content_tags=_HTML_DROPPED,
        attributes={},
        link_rel=None,
        strip_comments=True,
    )
    warning = ""
    if scripts or handlers:
        warning = (
            f"Removed {scripts} script/style element{'s' if scripts != 1 else ''} and "
            f"{handlers} event-handler attribute{'s' if handlers != 1 else ''} from the HTML."
        )
    return _HtmlResult(_sanitised_html_as_markdown(cleaned), title, warning)


def _html_title(source: str) -> str:
    lower = source[:200000].lower()
    start = lower.find("<title")
    if start < 0:
        return ""
    start = lower.find(">", start)
    end = lower.find("</title", start)
    if start < 0 or end < 0:
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", source[start + 1 : end])).split())[:300]


def _strip_attributes(source: str) -> tuple[str, int, int]:
    """Drop every attribute and cap element nesting before nh3 sees the HTML.

    We keep no attributes anyway, and html5ever (under nh3) is quadratic in the number of
    attributes on one tag (50,000 of them took 12 s) and in the depth of nested blocks.
    Returns the HTML plus how many script/style elements and event handlers it had.
    """
    scripts = handlers = depth = 0
    dropped: Counter[str] = Counter()

    def replace(match: re.Match) -> str:
        nonlocal scripts, handlers, depth
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if dropped[name]:
                dropped[name] -= 1
                return ""
            depth = max(0, depth - 1)
            return f"</{name}>"
        if name in ("script", "style"):
            scripts += 1
        handlers += len(_EVENT_HANDLER_RE.findall(attributes))
        if name not in _HTML_VOID and not attributes.rstrip().endswith("/"):
            if depth >= _HTML_MAX_DEPTH:
                dropped[name] += 1
                return ""
            depth += 1
        return f"<{name}>"

    return _HTML_TAG_RE.sub(replace, source), scripts, handlers


def _sanitised_html_as_markdown(cleaned: str) -> str:
    """nh3's output (no attributes, text escaped) as Markdown the line reader understands."""
    out: list[str] = []
    in_pre = 0
    for token in re.split(r"(<[^>]*>)", cleaned):
        if not token:
            continue
        if token.startswith("<"):
            closing = token.startswith("</")
            name = token.strip("</>").split()[0].lower() if token.strip("</>") else ""
            if name == "pre":
                in_pre += -1 if closing else 1
            out.append(_markdown_for_tag(name, closing))
            continue
        text = html.unescape(token)
        if not in_pre:
            text = re.sub(r"\s+", " ", text)
        # Text that happens to look like Markdown must stay text.
        out.append(_MARKDOWN_SPECIALS_RE.sub(r"\\\1", text))
    return "".join(out)


def _markdown_for_tag(name: str, closing: bool) -> str:
    if name == "br":
        return "\n"
    if name == "hr":
        return "\n\n---\n\n"
    if name in _HTML_HEADINGS:
        return "\n\n" if closing else "\n\n" + "#" * _HTML_HEADINGS[name] + " "
    if name == "li":
        return "\n\n" if closing else "\n\n• "
    if name in _HTML_BLOCKS:
        return "\n\n"
    if name in ("td", "th"):
        return " "
    if name in ("b", "strong"):
        return "**"
    if name == "a":
        return "](#)" if closing else "["
    if name == "img":
        return "![](#)"
    return ""


# --------------------------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------------------------


@dataclass
class _Label:
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
class _Line:
    text: str  # markup removed, whitespace collapsed
    para_start: bool = True
    para_end: bool = True
    heading: int = 0  # Markdown/HTML heading level, 0 for none
    rule: bool = False
    image: bool = False  # the line held nothing but images
    link_only: bool = False  # the line held nothing but links (their text is kept)
    bold_start: bool = False  # the line opened with bold markup
    bold_all: bool = False  # the whole line was bold
    candidate: _Label | None = None
    label: _Label | None = None
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


def _looks_like_markdown(text: str, filename: str) -> bool:
    if PurePath(filename).suffix.lower() in (".md", ".markdown"):
        return True
    return len(_MARKDOWN_SNIFF_RE.findall(text[:200000])) >= 2


def _read_lines(text: str, markup: str) -> list[_Line]:
    """Split text into non-blank lines that remember paragraph breaks and Markdown structure.

    markup is "plain", "markdown" or "html" (HTML already rewritten as Markdown).
    """
    raw_lines = text.split("\n")
    nonblank = sum(1 for raw in raw_lines if raw.strip())
    # Files without blank lines put one paragraph on each line.
    one_paragraph_per_line = (len(raw_lines) - nonblank) * 20 < nonblank
    lines: list[_Line] = []
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
            lines.append(_Line("", para_start, rule=True))
            continue
        lines.append(_read_line(stripped, markup, para_start))
    for line, following in zip(lines, lines[1:]):
        line.para_end = following.para_start
    return lines


def _read_line(stripped: str, markup: str, para_start: bool) -> _Line:
    if markup == "markdown" and stripped.startswith(">"):
        stripped = stripped.lstrip("> \t") or stripped  # a blockquote is still text
    heading, s = _atx_heading(stripped)
    if markup == "plain":
        return _Line(" ".join(s.split()), para_start, heading=heading)
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
        link_only = _is_punctuation_only(rest or " ")
    return _Line(
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


# --------------------------------------------------------------------------------------------
# Page chrome
# --------------------------------------------------------------------------------------------

_END_RE = re.compile(
    r"[-—–_=*·\s]*+(?-i:(?:THE\s+)?END)[-—–_=*·\s]*+"  # capitals only: "The end" may be a sentence
    r"|[(（\[【]?(?:全文完|完|本文完)[)）\]】]?"
    r"|(?:Videoadresse|Video-Adresse|Originalvideo|Original-Video|Original video|Original|Video address"
    r"|Video link|Source video|Watch the video|原文链接|原文地址|原视频|视频地址|视频链接|原文|阅读原文"
    r"|Read more|Read the original|Weiterlesen|Mehr lesen|Lire la suite|Leer más)"
    r"\s*+[:：]?\s*+(?:https?://\S*+)?"
    r"|跳转到.{0,40}查看",
    re.I,
)
_URL_LINE_RE = re.compile(r"(?:https?://|www\.)\S++")
_DATE_RE = re.compile(
    r"\d{4}\s*+[-./年]\s*+\d{1,2}\s*+[-./月]\s*+\d{1,2}\s*+日?"
    r"(?:\s*+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}\.\s*+\d{1,2}\.\s*+\d{4}|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|\d{1,2}\.?\s++\w{3,12}\.?\s++\d{4}|\w{3,12}\.?\s++\d{1,2},?\s++\d{4}"
)
_ACCOUNT_RE = re.compile(
    r"^\d+\s*篇原创内容$|^(?:微信)?公众号$|^(?:微信)?公众号\s*[:：]|Öffentliches Konto|Offizielles Konto"
    r"|Official Account|^关注(?:我们|公众号)|^长按.{0,20}(?:关注|识别)|^扫码关注|^点击.{0,20}(?:关注|蓝字)",
    re.I,
)
_CLICK_RE = re.compile(r"^(?:点击|长按|扫码|扫描二维码|Click here|Klicken Sie hier)", re.I)
_PROMO_RE = re.compile(
    r"报名|扫码|二维码|添加微信|加微信|Meetup|路演|早鸟|商务合作|联系我们|欢迎关注|关注我们|投稿|招聘"
    r"|sign[ -]?up|register|registration|tickets?\b|subscribe|newsletter|webinar|follow us|contact us"
    r"|anmelden|Anmeldung|Veranstaltung|abonnieren",
    re.I,
)
_LANGUAGE_NAMES = (
    "English",
    "Deutsch",
    "Français",
    "Español",
    "español",
    "Italiano",
    "Italian",
    "Português",
    "Русский",
    "日本語",
    "한국어",
    "한어",
    "中文",
    "简体",
    "繁體",
    "Indonesian",
    "Bahasa",
    "Sanskrit",
    "Ελληνικά",
    "Nederlands",
    "Polski",
    "Türkçe",
    "العربية",
    "हिन्दी",
    "Tiếng Việt",
    "ภาษาไทย",
    "Svenska",
    "Українська",
)


_LANGUAGE_NAME_RE = re.compile("|".join(map(re.escape, _LANGUAGE_NAMES)))


def _is_language_menu(text: str) -> bool:
    """A language switcher flattened into one line: "한어Русский языкEnglishFrançais…"."""
    return len(text) <= 400 and len(set(_LANGUAGE_NAME_RE.findall(text))) >= 3


def _chrome_kind(line: _Line) -> str:
    """Why a line is page chrome (navigation, account furniture, images...), or ""."""
    if line.image:
        return "image"
    if line.rule:
        return "rule"
    if line.link_only:
        return "link"
    text = line.text
    if 20 <= len(text) <= 400 and _is_language_menu(text):
        return "menu"
    if " " not in text and _URL_LINE_RE.fullmatch(text):
        return "url"
    if len(text) > 80:  # chrome below is short; most lines are prose and stop here
        return ""
    if _END_RE.fullmatch(text):
        return "end"
    if _is_punctuation_only(text):
        return "punctuation"
    if len(text) <= 40 and _DATE_RE.fullmatch(text):
        return "date"
    if _ACCOUNT_RE.search(text) and _width(text) <= 80:
        return "account"
    if _CLICK_RE.match(text) and _width(text) <= 60:
        return "account"
    return ""


_CARD_LINES = 3  # an account card: name, slogan, article count around the "公众号" line


def _mark_account_blocks(lines: list[_Line]) -> None:
    """An account card ("有新Newin / 无限向新力。/ 665篇原创内容 / 公众号") is a few short lines
    around one telltale line: spread the chrome mark to the short plain lines next to it."""
    telltales = [i for i, line in enumerate(lines) if line.chrome == "account"]
    for i in telltales:
        for step in (-1, 1):
            j, absorbed = i + step, 0
            while 0 <= j < len(lines) and absorbed < _CARD_LINES:
                if lines[j].chrome in ("account", "punctuation"):
                    j += step
                    continue
                if not _is_card_line(lines, j):
                    break
                lines[j].chrome = "account"
                absorbed += 1
                j += step


def _is_card_line(lines: list[_Line], i: int) -> bool:
    line = lines[i]
    if line.chrome or line.label or line.heading:
        return False
    if i > 0 and lines[i - 1].label and not lines[i - 1].label.rest:
        return False  # the first words after a standalone label are that speaker's
    return line.whole_paragraph and _width(line.text) <= 24


# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------

_TIMESTAMP = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_LEADING_TIMESTAMP_RE = re.compile(rf"[\[(]?({_TIMESTAMP})[\])]?\s*+")
_NAME_TIMESTAMP_RE = re.compile(rf"([^\[\](){{}}:：\n]{{1,60}}?)\s*+[\[(]({_TIMESTAMP})[\])]\s*+[:：]*+\s*+")
_NAME_BARE_TIMESTAMP_RE = re.compile(rf"([^\[\](){{}}:：\n]{{1,60}}?)\s++({_TIMESTAMP})\s*+[:：]?")
_NAME_FORBIDDEN = set(',;!?。，；！？、"“”„«»()[]{}<>|/\\=…')
_NAME_BAD_START = set("-–—•*>#+·(\"'“„«[")
_URL_SCHEMES = {"http", "https", "ftp", "mailto", "file", "tel", "data", "javascript", "www"}
_MAX_CJK_IN_LABEL = 12
_MAX_WORDS_IN_LABEL = 4

# Words that open sentences or page furniture with a colon, not speakers, in the languages we see.
_NOT_LABELS = {
    "note",
    "notes",
    "nb",
    "hinweis",
    "anmerkung",
    "achtung",
    "example",
    "examples",
    "beispiel",
    "zum beispiel",
    "z. b.",
    "z.b.",
    "e.g.",
    "i.e.",
    "例如",
    "比如",
    "譬如",
    "注",
    "注意",
    "备注",
    "提示",
    "说明",
    "summary",
    "zusammenfassung",
    "fazit",
    "总结",
    "小结",
    "update",
    "edit",
    "ps",
    "p.s.",
    "source",
    "sources",
    "quelle",
    "quellen",
    "来源",
    "出处",
    "原文",
    "原文链接",
    "原文地址",
    "video",
    "videoadresse",
    "link",
    "links",
    "url",
    "website",
    "email",
    "e-mail",
    "mail",
    "tel",
    "telefon",
    "phone",
    "fax",
    "wechat",
    "微信",
    "date",
    "datum",
    "time",
    "zeit",
    "uhrzeit",
    "ort",
    "location",
    "venue",
    "时间",
    "地点",
    "日期",
    "报名",
    "费用",
    "议程",
    "评委",
    "地址",
    "address",
    "adresse",
    "warning",
    "warnung",
    "important",
    "wichtig",
    "tip",
    "tipp",
    "disclaimer",
    "transcript",
    "transkript",
    "tags",
    "keywords",
    "关键词",
    "标签",
    "作者",
    "author",
    "autor",
    "autorin",
    "by",
    "editor",
    "redaktion",
    "编辑",
    "责编",
    "责任编辑",
    "排版",
    "校对",
    "审校",
    "translator",
    "übersetzer",
    "übersetzung",
    "translation",
    "翻译",
    "编译",
    "photo",
    "foto",
    "图片",
    "图",
    "图源",
    "image",
    "bild",
    "bildquelle",
    "credit",
    "credits",
    "first",
    "second",
    "third",
    "finally",
    "erstens",
    "zweitens",
    "drittens",
    "第一",
    "第二",
    "第三",
    "首先",
    "其次",
    "最后",
    "另外",
    "此外",
    "总之",
    "original",
    "original video",
}
# Generic labels: who asks and who answers, in the languages we see.
_QUESTION_LABELS = {
    "q",
    "question",
    "frage",
    "f",
    "interviewer",
    "interviewerin",
    "host",
    "moderator",
    "moderatorin",
    "moderation",
    "主持人",
    "主持",
    "问",
    "提问",
    "记者",
    "采访者",
    "采访人",
    "journalist",
    "journalistin",
    "reporter",
    "司会",
    "質問",
    "聞き手",
    "вопрос",
    "интервьюер",
    "질문",
    "사회자",
    "entrevistador",
    "entrevistadora",
    "pregunta",
    "p",
    "intervieweur",
    "animateur",
    "animatrice",
    "d",
    "domanda",
    "intervistatore",
}
_ANSWER_LABELS = {
    "a",
    "answer",
    "antwort",
    "答",
    "回答",
    "嘉宾",
    "guest",
    "gast",
    "réponse",
    "r",
    "respuesta",
    "risposta",
    "ответ",
    "답",
    "답변",
    "答え",
    "ゲスト",
    "invité",
    "invitée",
    "invitado",
    "ospite",
}


def _label_candidate(line: _Line) -> _Label | None:
    """The speaker label this line would open with, judged on its own (not yet accepted)."""
    if line.heading or line.chrome or not line.text:
        return None
    text, timestamp = line.text, ""
    head = text[:80]
    if ":" not in head and "：" not in head:  # every label form has a colon, if only in its timestamp
        return None
    match = _LEADING_TIMESTAMP_RE.match(text)
    if match and match.end() < len(text) and not text[match.end()].isdigit():
        text, timestamp = text[match.end() :], match.group(1)
    label = _name_then_timestamp(text, timestamp) or _name_then_colon(text, timestamp)
    if label and line.bold_start:
        label.bold = True
    return label


def _name_then_timestamp(text: str, timestamp: str) -> _Label | None:
    """`Name (00:01:02)`, `Name [01:02]: text`, or `Name 00:01:02` alone on its line."""
    if timestamp:
        return None
    match = _NAME_TIMESTAMP_RE.match(text)
    if not match:
        match = _NAME_BARE_TIMESTAMP_RE.fullmatch(text)
    if not match or not _looks_like_name(match.group(1)):
        return None
    return _Label(" ".join(match.group(1).split()), text[match.end() :].strip(), match.group(2))


def _name_then_colon(text: str, timestamp: str) -> _Label | None:
    """`Name: text`, `Name：text`, `Name:` alone, `Q::text` (colons repeated by a lost edit)."""
    head = text[:80]
    colon, wide = head.find(":"), head.find("：")
    if colon < 0 or 0 <= wide < colon:
        colon = wide
    if colon <= 0:
        return None
    name, rest = text[:colon], text[colon:].lstrip(":：").strip()
    if rest.startswith("//") or not _looks_like_name(name):
        return None
    return _Label(" ".join(name.split()), rest, timestamp)


@lru_cache(maxsize=4096)
def _looks_like_name(name: str) -> bool:
    """Short and name-shaped: 1–4 words (or up to 12 CJK characters), no sentence punctuation."""
    name = " ".join(name.split())
    if not name or len(name) > 48 or name[0] in _NAME_BAD_START:
        return False
    if not any(ch.isalpha() for ch in name) or any(ch in _NAME_FORBIDDEN for ch in name):
        return False
    if name.casefold() in _URL_SCHEMES:
        return False
    cjk = _cjk_count(name)
    words = name.split()
    if cjk > _MAX_CJK_IN_LABEL or len(words) > _MAX_WORDS_IN_LABEL:
        return False
    if any("." in word and len(word) > 4 for word in words):
        return False  # "Dr." and "J." are fine, "Punkt.Satz" is not
    first_letter = next(ch for ch in name if ch.isalpha())
    return not first_letter.islower()


def _find_labels(lines: list[_Line], speakers: _SpeakerIndex) -> None:
    """Set line.label on the lines that open a turn."""
    for line in lines:
        line.candidate = _label_candidate(line)
    candidates = [line.candidate for line in lines if line.candidate]
    counts = Counter(_key(c.name) for c in candidates)
    # `Name:` once plus `NameText` (colon lost) elsewhere is a label seen twice.
    glued_once = _glued_labels(lines, {c.name for c in candidates}, skip_candidates=True)
    counts.update(_key(label.name) for label in glued_once.values())
    accepted = {key for key, n in counts.items() if speakers.knows(key) or (n >= 2 and key not in _NOT_LABELS)}
    _accept_single_strong_labels(lines, counts, accepted)
    for line in lines:
        if line.candidate and _key(line.candidate.name) in accepted:
            line.label = line.candidate
    spellings = {c.name for c in candidates if _key(c.name) in accepted} | speakers.spellings
    for i, label in _glued_labels(lines, spellings, skip_candidates=False).items():
        lines[i].label = label


def _accept_single_strong_labels(lines: list[_Line], counts: Counter, accepted: set[str]) -> None:
    """A label seen once still counts when it is bold or timestamped like the file's other labels
    and sits in the conversation: a third person who speaks once. A bare `Word:` seen once is a
    sentence, and a bold `Sign up:` after the conversation is promotion."""
    recurring = [i for i, line in enumerate(lines) if line.candidate and _key(line.candidate.name) in accepted]
    if not recurring:
        return
    strong_forms = {_strong_form(lines[i].candidate) for i in recurring if lines[i].candidate.strong}
    end = next((i for i in range(recurring[-1] + 1, len(lines)) if _ends_last_turn(lines[i])), len(lines))
    for line in lines[recurring[0] : end]:
        c = line.candidate
        if c and c.strong and counts[_key(c.name)] == 1 and _key(c.name) not in _NOT_LABELS:
            if _strong_form(c) in strong_forms:
                accepted.add(_key(c.name))


def _strong_form(label: _Label) -> tuple[bool, bool]:
    return label.bold, bool(label.timestamp)


def _glued_labels(lines: list[_Line], spellings: set[str], *, skip_candidates: bool) -> dict[int, _Label]:
    """Known labels at a paragraph start whose colon and space were lost: `Aidan GomezFast alle`.

    A spelling counts only before an uppercase letter that follows a lowercase one (a case change
    no word has), or before colons: after `Q` or `AI` an uppercase letter proves nothing.
    """
    by_start: dict[str, list[str]] = {}
    for spelling in sorted(spellings, key=len, reverse=True):
        by_start.setdefault(spelling[:2], []).append(spelling)
    found = {}
    for i, line in enumerate(lines):
        if line.label or (skip_candidates and line.candidate):
            continue
        if not line.para_start or line.heading or line.chrome:
            continue
        for spelling in by_start.get(line.text[:2], ()):
            if line.text.startswith(spelling) and len(line.text) > len(spelling):
                following = line.text[len(spelling)]
                if following in ":：" or (following.isupper() and spelling[-1].islower()):
                    rest = line.text[len(spelling) :].lstrip(":：").strip()
                    found[i] = _Label(spelling, rest, bold=line.bold_start, glued=True)
                    break
    return found


# --------------------------------------------------------------------------------------------
# Speakers
# --------------------------------------------------------------------------------------------


def generic_role(label: str) -> str:
    """ "host" for a label that names the asker ("Q", "主持人"), "guest" for the answerer ("A"), else ""."""
    key = _key(label)
    return "host" if key in _QUESTION_LABELS else "guest" if key in _ANSWER_LABELS else ""


class _SpeakerIndex:
    """What the hints say about who is behind a label."""

    def __init__(self, hints: list[SpeakerHint] | None):
        self.hints = [_as_hint(h) for h in hints or []]
        self.spellings: set[str] = set()  # names and aliases as written in the hints
        self._by_key: dict[str, SpeakerHint] = {}
        self._by_name_part: dict[str, list[SpeakerHint]] = {}
        self._resolved: dict[str, tuple[str, str]] = {}
        for hint in self.hints:
            for spelling in (hint.name, *hint.aliases):
                spelling = " ".join(spelling.split())
                if spelling:
                    self.spellings.add(spelling)
                    self._by_key.setdefault(_key(spelling), hint)
            for part in hint.name.split():
                if len(part) >= 3:
                    self._by_name_part.setdefault(part.casefold(), []).append(hint)

    def knows(self, key: str) -> bool:
        return key in self._by_key or len(self._by_name_part.get(key, ())) == 1

    def resolve(self, label: str) -> tuple[str, str]:
        """(name, role) for a label: a hint's name and role, else the label itself as first spelled
        ("HOST" and later "Host" are one speaker)."""
        key = _key(label)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(label, key)
        return self._resolved[key]

    def _resolve(self, label: str, key: str) -> tuple[str, str]:
        hint = self._by_key.get(key) or self._by_generic_role(key)
        if hint is None and len(self._by_name_part.get(key, ())) == 1:
            hint = self._by_name_part[key][0]
        if hint is not None:
            return hint.name, hint.role
        if key in _QUESTION_LABELS:
            return label, "host"
        if key in _ANSWER_LABELS:
            return label, "guest"
        return label, ""

    def _by_generic_role(self, key: str) -> SpeakerHint | None:
        role = "host" if key in _QUESTION_LABELS else "guest" if key in _ANSWER_LABELS else ""
        matching = [h for h in self.hints if role and h.role == role]
        return matching[0] if len(matching) == 1 else None


def _as_hint(hint) -> SpeakerHint:
    if isinstance(hint, SpeakerHint):
        return hint
    return SpeakerHint(name=hint["name"], role=hint.get("role", ""), aliases=list(hint.get("aliases", [])))


# --------------------------------------------------------------------------------------------
# Layout: where the conversation starts and ends
# --------------------------------------------------------------------------------------------

# Chrome that cannot be part of a turn even in the middle of the conversation.
_DROPPED_INSIDE = {"image", "rule", "punctuation", "menu", "account"}


def _conversation_bounds(lines: list[_Line]) -> tuple[int, int]:
    """[start, end) of the conversation: first label up to an end marker, or after the last label
    up to the first chrome block (image, link, rule, account card, heading, promotion)."""
    label_lines = [i for i, line in enumerate(lines) if line.label]
    if not label_lines:
        raise ParseError('No speaker turns found. Each turn should start with a speaker label such as "Name:".')
    start = label_lines[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].chrome == "end"), len(lines))
    last = max(i for i in label_lines if i < end)
    for i in range(last + 1, end):
        if _ends_last_turn(lines[i]):
            return start, i
    return start, end


def _ends_last_turn(line: _Line) -> bool:
    if line.chrome or line.heading:
        return True
    if line.bold_all and _heading_like(line.text):
        return True
    return bool(_PROMO_RE.search(line.text))


_HEADING_MAX_CHARS = 100
_HEADING_MAX_CHARS_CJK = 60
_HEADING_MAX_CJK = 30


def _heading_like(text: str) -> bool:
    """Short, no sentence-final punctuation, not a bullet or a continuation."""
    if not text or _ends_sentence(text) or "://" in text:
        return False
    cjk = _cjk_count(text)
    if cjk > _HEADING_MAX_CJK or len(text) > (_HEADING_MAX_CHARS_CJK if cjk else _HEADING_MAX_CHARS):
        return False
    if text[0].islower() or text[0] in "-–—•*·,，、(（":
        return False
    return any(ch.isalpha() for ch in text)


# --------------------------------------------------------------------------------------------
# The conversation: turns and sections
# --------------------------------------------------------------------------------------------


@dataclass
class _DraftTurn:
    label: _Label
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
class _Conversation:
    turns: list[_DraftTurn] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    plain_sections: int = 0  # headings recognised without Markdown/HTML markup
    dropped: list[str] = field(default_factory=list)  # chrome dropped from inside the conversation


def _read_conversation(lines: list[_Line], start: int, end: int) -> _Conversation:
    conversation = _Conversation()
    turn: _DraftTurn | None = None
    for i in range(start, end):
        line = lines[i]
        if line.label:
            section = len(conversation.sections) - 1 if conversation.sections else None
            turn = _DraftTurn(line.label, section)
            conversation.turns.append(turn)
            if line.label.rest:
                turn.add(line.label.rest, new_paragraph=True)
        elif line.chrome in _DROPPED_INSIDE:
            if line.chrome not in ("image", "rule"):
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


def _is_plain_section_heading(lines: list[_Line], i: int, end: int) -> bool:
    """A short standalone line between turns that the next label follows."""
    line = lines[i]
    if not line.whole_paragraph or not _heading_like(line.text):
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


def _read_preamble(lines: list[_Line], conversation_has_plain_sections: bool, html_title: str) -> _Preamble:
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


def _first_section_line(body: list[_Line], conversation_has_plain_sections: bool) -> _Line | None:
    """A heading right before the first turn opens the first section. A plain line counts only when
    the conversation has plain headings too; otherwise it is more likely a byline or a title."""
    if not body:
        return None
    last = body[-1]
    if not last.whole_paragraph or last.chrome:
        return None
    if last.heading or (conversation_has_plain_sections and _heading_like(last.text)):
        return last
    return None


def _title_line(body: list[_Line], section: _Line | None, *, allow_plain: bool) -> _Line | None:
    """The first heading; else (when HTML gave no <title>) the first substantial non-chrome line."""
    headings = [line for line in body if line.heading and line is not section]
    if headings:
        return headings[0]
    if not allow_plain:
        return None
    plain = (line for line in body if line is not section and not line.chrome)
    return next((line for line in plain if _title_like(line.text)), None)


def _title_like(text: str) -> bool:
    words = _words(text)
    if words < 2 or _width(text) > 200 or _is_language_menu(text):
        return False
    if text[-1] in ":：" or (text[-1] in ".。" and words > 15):
        return False
    return True


def _description(body: list[_Line]) -> str:
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
    if _is_language_menu(text):
        return False
    return (_ends_sentence(text) and _words(text) >= 5) or _width(text) >= 80


# --------------------------------------------------------------------------------------------
# Language
# --------------------------------------------------------------------------------------------

_LANGUAGES = (
    "de",
    "en",
    "zh",
    "ja",
    "fr",
    "es",
    "it",
    "ko",
    "ru",
    "pt",
    "nl",
    "pl",
    "sv",
    "da",
    "no",
    "fi",
    "tr",
    "cs",
    "uk",
    "el",
    "hu",
    "ro",
    "ar",
    "he",
    "hi",
    "id",
    "vi",
    "th",
)
_LANGUAGE_SAMPLE = 20000


@lru_cache(maxsize=1)
def _language_identifier():
    # Imported here: loading the model takes half a second and most callers pass a language.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(_LANGUAGES)
    return identifier


def _language_sample(turns: list[ParsedTurn]) -> str:
    sample, size = [], 0
    for turn in turns:
        sample.append(turn.text)
        size += len(turn.text)
        if size >= _LANGUAGE_SAMPLE:
            break
    return "\n\n".join(sample)


def _detect_language(sample: str) -> str:
    if not any(ch.isalpha() for ch in sample):
        return ""
    language, _score = _language_identifier().classify(sample[:_LANGUAGE_SAMPLE])
    return language


def _normalise_language(code: str) -> str:
    """ "zh-CN" → "zh", "de_DE" → "de": the archive stores ISO 639-1 codes."""
    return languages.base(code)


# --------------------------------------------------------------------------------------------
# Putting it together
# --------------------------------------------------------------------------------------------

_LONG_TURN = 3000


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
    text = decode(bytes(data)) if isinstance(data, (bytes, bytearray, memoryview)) else _normalise(data)
    index = _SpeakerIndex(speakers)
    warnings: list[str] = []
    html_title = ""
    if _looks_like_html(text, filename):
        converted = _html_to_markdown(text)
        lines = _read_lines(converted.markdown, "html")
        html_title = converted.title
        warnings += [converted.warning] if converted.warning else []
    else:
        lines = _read_lines(text, "markdown" if _looks_like_markdown(text, filename) else "plain")

    for line in lines:
        line.chrome = _chrome_kind(line)
    _find_labels(lines, index)
    _mark_account_blocks(lines)
    start, end = _conversation_bounds(lines)
    conversation = _read_conversation(lines, start, end)
    preamble = _read_preamble(lines[:start], conversation.plain_sections > 0, html_title)

    sections = [preamble.first_section] if preamble.first_section else []
    offset = len(sections)
    drafts = [turn for turn in conversation.turns if turn.paragraphs]
    if not drafts:
        raise ParseError("No speaker turns found: the speaker labels have no text after them.")
    turns = [_parsed_turn(turn, index, offset) for turn in drafts]
    sections += conversation.sections

    warnings += _warnings(lines, start, end, conversation, turns)
    if not sections:
        warnings.append("No section headings found.")
    return ParsedTranscript(
        title=title.strip() or preamble.title or PurePath(filename).stem,
        language=_normalise_language(language) or _detect_language(_language_sample(turns)),
        description=preamble.description,
        speakers=_speakers(drafts, turns, index),
        sections=[ParsedSection(heading) for heading in sections],
        turns=turns,
        warnings=warnings,
        text=text,
    )


def _parsed_turn(turn: _DraftTurn, index: _SpeakerIndex, offset: int) -> ParsedTurn:
    """offset is 1 when the preamble gave the first section: it holds the turns before any other."""
    if turn.section is not None:
        section = turn.section + offset
    else:
        section = 0 if offset else None
    name, _role = index.resolve(turn.label.name)
    return ParsedTurn(
        speaker=name, label=turn.label.name, text=turn.text, section=section, timestamp=turn.label.timestamp
    )


def _speakers(drafts: list[_DraftTurn], turns: list[ParsedTurn], index: _SpeakerIndex) -> list[ParsedSpeaker]:
    """One speaker per resolved name, in order of appearance, with the first label spelling seen."""
    speakers: dict[str, ParsedSpeaker] = {}
    for draft, turn in zip(drafts, turns):
        if turn.speaker not in speakers:
            _name, role = index.resolve(draft.label.name)
            speakers[turn.speaker] = ParsedSpeaker(label=turn.label, name=turn.speaker, role=role)
    return list(speakers.values())


_MAX_WARNINGS_PER_KIND = 10


def _warnings(
    lines: list[_Line], start: int, end: int, conversation: _Conversation, turns: list[ParsedTurn]
) -> list[str]:
    """What an editor should look at before publishing, at most ten of each kind."""
    drafts = [turn for turn in conversation.turns if turn.paragraphs]
    kinds = (
        _single_label_warnings(turns),
        _missed_label_warnings(lines[start:end], lines),
        [
            f'Label "{turn.label.name}" has no text after it; it was left out.'
            for turn in conversation.turns
            if not turn.paragraphs
        ],
        _long_turn_warnings(turns),
        _repeated_speaker_warnings(turns),
        _chrome_warnings(drafts, turns, conversation.dropped),
    )
    return [warning for messages in kinds for warning in _capped(messages)]


def _capped(messages: list[str]) -> list[str]:
    if len(messages) <= _MAX_WARNINGS_PER_KIND:
        return messages
    more = len(messages) - _MAX_WARNINGS_PER_KIND
    return messages[:_MAX_WARNINGS_PER_KIND] + [f"…and {more} more like the one above."]


def _single_label_warnings(turns: list[ParsedTurn]) -> list[str]:
    label_turns = Counter(_key(turn.label) for turn in turns)
    return [
        f'Label "{turn.label}" appears only once (turn {number}); check that it is a speaker.'
        for number, turn in enumerate(turns, 1)
        if label_turns[_key(turn.label)] == 1
    ]


def _missed_label_warnings(conversation_lines: list[_Line], lines: list[_Line]) -> list[str]:
    label_forms = {_form(line.label) for line in lines if line.label and not line.label.glued}
    return [
        f'"{line.candidate.name}:" looks like a speaker label but appears only once; it was kept as text.'
        for line in conversation_lines
        if line.candidate and not line.label and _could_be_missed_speaker(line.candidate, label_forms)
    ]


def _long_turn_warnings(turns: list[ParsedTurn]) -> list[str]:
    return [
        f"Turn {number} ({turn.speaker}) is very long ({len(turn.text)} characters); a speaker label may be missing."
        for number, turn in enumerate(turns, 1)
        if len(turn.text) > _LONG_TURN
    ]


def _repeated_speaker_warnings(turns: list[ParsedTurn]) -> list[str]:
    return [
        f"{turn.speaker} has two turns in a row (turns {number - 1} and {number}); "
        "the source may have lost a turn or a label."
        for number, (previous, turn) in enumerate(zip(turns, turns[1:]), 2)
        if previous.speaker == turn.speaker
    ]


def _chrome_warnings(drafts: list[_DraftTurn], turns: list[ParsedTurn], dropped: list[str]) -> list[str]:
    warnings = [
        f'Turn {number} ({turn.speaker}) contains text that looks like page chrome: "{_clip(text)}".'
        for number, (draft, turn) in enumerate(zip(drafts, turns), 1)
        for text in draft.chrome
    ]
    if dropped:
        shown = ", ".join(f'"{_clip(text)}"' for text in dropped[:3])
        warnings.append(f"Dropped {len(dropped)} line(s) of page chrome inside the conversation: {shown}.")
    return warnings


def _form(label: _Label) -> tuple[bool, bool]:
    return label.bold, not label.rest


def _could_be_missed_speaker(candidate: _Label, label_forms: set[tuple[bool, bool]]) -> bool:
    """A rejected candidate shaped like the file's labels: a third person who spoke once?"""
    return (
        _key(candidate.name) not in _NOT_LABELS
        and _form(candidate) in label_forms
        and len(candidate.name.split()) <= 3
        and _cjk_count(candidate.name) <= 6
    )


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
