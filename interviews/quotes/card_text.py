"""The text of a quote card: clean-up, and line breaking in pixels for any script.

Chinese and Japanese break between characters with kinsoku shori (no line starts with a closing
mark, none ends with an opening one); Latin text breaks at spaces, and a word that does not fit is
hyphenated at a syllable-like point (German compounds after their linking -s). Pure Python; the
fonts passed in only need ``getlength`` (Pillow's ``FreeTypeFont``).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

from interviews import languages

if TYPE_CHECKING:
    from PIL import ImageFont

ELLIPSIS = "\u2026"

# Characters between which a line may break without a space (Han, kana, CJK punctuation,
# fullwidth forms). Hangul is not here: Korean puts spaces between words and breaks there.
_BREAKABLE_RANGES = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x31A0, 0x31BF),  # Bopomofo extended
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3200, 0x33FF),  # Enclosed CJK, CJK compatibility
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # Halfwidth and fullwidth forms
    (0x20000, 0x3134F),  # CJK extensions B-H
)
_HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF))


def _in(ranges, ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in ranges)


def is_breakable_cjk(ch: str) -> bool:
    """A character after/before which a line may break without a space (Chinese/Japanese)."""
    return _in(_BREAKABLE_RANGES, ch)


def is_hangul(ch: str) -> bool:
    """Hangul syllables and jamo (Korean breaks at spaces, but needs a CJK font)."""
    return _in(_HANGUL_RANGES, ch)


def needs_cjk_font(text: str) -> bool:
    """True when the text has characters only a CJK font draws (Han, kana, Hangul, CJK punctuation)."""
    return any(_in(_BREAKABLE_RANGES, ch) or _in(_HANGUL_RANGES, ch) for ch in text)


# Kinsoku shori: characters that must not start a line / must not end a line.
NO_LINE_START = frozenset(
    "，。、；：！？）」』》〉】〕〗〙〛｝］｠．,.!?;:)]}”’»›%％‰°℃…‥・ー〜～々ゝゞヽヾ"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
)
NO_LINE_END = frozenset("（「『《〈【〔〖〘〚｛［｟([{“‘«‹")


_QUOTE_PAIRS = {'"': '"', "“": "”", "„": "“", "«": "»", "»": "«", "「": "」", "『": "』", "‘": "’", "‚": "‘"}


def clean_text(text: str) -> str:
    """NFC, control/format characters removed, whitespace runs collapsed to one space."""
    text = unicodedata.normalize("NFC", str(text or ""))
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )
    return re.sub(r" {2,}", " ", text).strip()


def strip_outer_quotes(text: str) -> str:
    """Drop one pair of quotation marks around the whole quote (the card draws its own)."""
    if len(text) >= 3 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        inner = text[1:-1].strip()
        # Only if the marks really enclose the whole text (no other closing mark inside).
        if text[-1] not in inner and text[0] not in inner:
            return inner
    return text


# ---------------------------------------------------------------------------------------------
# Line breaking
# ---------------------------------------------------------------------------------------------


_VOWELS = frozenset("aeiouyäöüàáâãåæèéêëìíîïòóôõøùúûýÿœ")
# Letter pairs a break must not fall between (German/English digraphs and diphthongs).
_NO_SPLIT_PAIRS = frozenset(
    {
        "ch",
        "ck",
        "ph",
        "th",
        "sh",
        "gh",
        "qu",
        "ie",
        "ei",
        "ai",
        "au",
        "eu",
        "äu",
        "ey",
        "ay",
        "oi",
        "ou",
        "ee",
        "oo",
        "aa",
    }
)
_CONSONANT_UNITS = (
    "schr", "schl", "schw", "spr", "str", "sch", "chr",
    "ch", "ck", "ph", "th", "sh", "qu",
    "br", "bl", "dr", "fr", "fl", "gr", "gl", "kr", "kl", "pr", "pl", "tr",
)  # fmt: skip
# Endings of the first part of a German compound with its linking -s (Fugen-s).
_LINKING_S_ENDINGS = (
    "ungs",
    "heits",
    "keits",
    "schafts",
    "tions",
    "ions",
    "ings",
    "täts",
    "tums",
    "lings",
    "arbeits",
    "fahrts",
)
_HYPHENS_AFTER = "-\u2010\u2011\u2013/"  # break after these, no extra hyphen
# Languages with long compounds where a word at the end of a line is hyphenated to fill it.
_FILL_HYPHENATE_LANGS = {"de", "nl", "sv", "da", "nb", "nn", "no", "fi", "is", "et", "hu"}


class Line(NamedTuple):
    text: str
    split_word: bool  # the line ends inside a word (hyphenated or force-split)


def text_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text) if text else 0.0


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(token, space_before): single CJK characters, or runs of other non-space characters."""
    tokens: list[tuple[str, bool]] = []
    buf, buf_space, pending_space = "", False, False
    for ch in text:
        if ch == " ":
            if buf:
                tokens.append((buf, buf_space))
                buf = ""
            pending_space = True
        elif is_breakable_cjk(ch):
            if buf:
                tokens.append((buf, buf_space))
                buf = ""
            tokens.append((ch, pending_space))
            pending_space = False
        else:
            if not buf:
                buf_space, pending_space = pending_space, False
            buf += ch
    if buf:
        tokens.append((buf, buf_space))
    return tokens


def _atoms(text: str) -> list[tuple[str, bool]]:
    """Unbreakable units: tokens glued together where kinsoku forbids a break between them."""
    atoms: list[list] = []
    for tok, space in _tokens(text):
        glue = atoms and not space and (tok[0] in NO_LINE_START or atoms[-1][0][-1] in NO_LINE_END)
        if glue:
            atoms[-1][0] += tok
        else:
            atoms.append([tok, space])
    return [(a, s) for a, s in atoms]


def _letters(s: str) -> int:
    return sum(ch.isalpha() for ch in s)


def _syllable_ok(word: str, i: int) -> bool:
    """Whether breaking `word` before index i looks like a syllable boundary (German/English-ish)."""
    a, b = word[i - 1], word[i]
    if not (a.isalpha() and b.isalpha()):
        return False
    lw = word.lower()
    if lw[i - 1 : i + 1] in _NO_SPLIT_PAIRS:
        return False
    if lw[i - 1] == "s" and lw[i : i + 2] == "ch":  # s|ch
        return False
    # Do not split an onset like gr/pl after another consonant: Datenschutz|grund, not ...zg|rund.
    if i >= 2 and lw[i - 1] in "bdfgpt" and lw[i] in "rl" and lw[i - 2] not in _VOWELS:
        return False
    if i + 1 >= len(lw) or not lw[i + 1].isalpha():
        return False
    head, tail = lw[:i], lw[i:]
    if not any(ch in _VOWELS for ch in head) or not any(ch in _VOWELS for ch in tail):
        return False
    # Break before the last consonant (or consonant unit: sch, ch, ck, ph, th, sh, qu) ahead of
    # a vowel: Mo|del, Del|len, Ent|wick, dampf|schiff, Zu|cker.
    if lw[i] in _VOWELS:
        return False
    unit = 1
    for u in _CONSONANT_UNITS:
        if lw.startswith(u, i):
            unit = len(u)
            break
    return i + unit < len(lw) and lw[i + unit] in _VOWELS


def _split_word(word: str, font, avail: float, forced: bool) -> tuple[str, str] | None:
    """Split a word so that the head (with its hyphen) fits `avail` pixels.

    Preference: after an existing hyphen ("Open-Source-|Modellen"), then a syllable-like point
    leaving >= 3 letters each side ("Sprach-|modellen", "Entwicklungs-|abteilungen"). Only when
    `forced` (the word is wider than a whole line): any point leaving >= 3 letters each side, and
    failing that, anywhere.
    """
    n = len(word)
    if n < 2:
        return None
    # 1. Existing hyphens / slashes.
    for i in range(n - 1, 0, -1):
        if word[i - 1] in _HYPHENS_AFTER and _letters(word[:i]) >= 2 and _letters(word[i:]) >= 2:
            if text_width(font, word[:i]) <= avail:
                return word[:i], word[i:]
    # 2. Syllable-ish points, scored: a compound joint after a linking -s ("Entwicklungs-|abteilung")
    #    beats a break inside a consonant cluster ("Sprach-|modell"), which beats V|CV ("Mo-|dell");
    #    among equals, the fuller line wins.
    candidates = [
        i
        for i in range(n - 1, 0, -1)
        if word[i - 1].isalpha() and word[i].isalpha() and _letters(word[:i]) >= 3 and _letters(word[i:]) >= 3
    ]
    best, best_score = None, -1.0
    for i in candidates:
        lw = word[:i].lower()
        joint = lw.endswith(_LINKING_S_ENDINGS) and any(ch in _VOWELS for ch in word[i:].lower())
        if not (joint or _syllable_ok(word, i)):
            continue
        head_w = text_width(font, word[:i] + "-")
        if head_w > avail:
            continue
        if joint:
            bonus = 0.6
        elif lw[-1] not in _VOWELS:
            bonus = 0.3
        else:
            bonus = 0.0
        score = bonus + head_w / avail
        if score > best_score:
            best, best_score = i, score
    if best is not None:
        return word[:best] + "-", word[best:]
    # 3. Any point leaving >= 3 letters each side (only when the word must be split).
    if forced:
        for i in candidates:
            if text_width(font, word[:i] + "-") <= avail:
                return word[:i] + "-", word[i:]
    if not forced:
        return None
    # 4. Anywhere (very narrow boxes, URLs, digit strings): as many characters as fit.
    for i in range(n - 1, 0, -1):
        hyphen = "-" if word[i - 1].isalpha() and word[i].isalpha() and i >= 2 else ""
        if text_width(font, word[:i] + hyphen) <= avail:
            return word[:i] + hyphen, word[i:]
    return word[:1], word[1:]


def _split_atom(atom: str, font, avail: float, forced: bool) -> tuple[str, str] | None:
    if any(is_breakable_cjk(ch) for ch in atom):
        # CJK chain (e.g. a character glued to its punctuation): split between characters.
        for i in range(len(atom) - 1, 0, -1):
            if atom[i] in NO_LINE_START or atom[i - 1] in NO_LINE_END:
                continue
            if text_width(font, atom[:i]) <= avail:
                return atom[:i], atom[i:]
        if not forced:
            return None
        for i in range(len(atom) - 1, 0, -1):
            if text_width(font, atom[:i]) <= avail:
                return atom[:i], atom[i:]
        return atom[:1], atom[1:]
    return _split_word(atom, font, avail, forced)


def wrap_lines(
    text: str, font: ImageFont.FreeTypeFont, max_width: float, language: str, limit: int | None = None
) -> list[Line]:
    """The lines; with `limit`, stops early once more than `limit` lines are produced."""
    text = clean_text(text)
    if not text:
        return []
    fill_hyphenate = languages.base(language) in _FILL_HYPHENATE_LANGS
    lines: list[Line] = []
    cur = ""
    for atom, space_before in _atoms(text):
        if limit is not None and len(lines) > limit:
            return lines
        sep = " " if (cur and space_before) else ""
        if text_width(font, cur + sep + atom) <= max_width:
            cur = cur + sep + atom
            continue
        if cur:
            placed = False
            # A long compound at the end of a German line: hyphenate it to fill the line rather
            # than leave a big gap (only if a good break point exists).
            if fill_hyphenate and _letters(atom) >= 10:
                avail = max_width - text_width(font, cur + sep)
                if avail >= 0.25 * max_width:
                    split = _split_word(atom, font, avail, forced=False)
                    if split and _letters(split[0]) >= 4 and _letters(split[1]) >= 4:
                        lines.append(Line(cur + sep + split[0], True))
                        atom = split[1]
                        placed = True
            if not placed:
                lines.append(Line(cur, False))
            cur = ""
        # The atom starts a new line; split it while it is wider than a whole line.
        while text_width(font, atom) > max_width:
            head, atom = _split_atom(atom, font, max_width, forced=True)
            lines.append(Line(head, True))
        cur = atom
    if cur:
        lines.append(Line(cur, False))
    return lines


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: float, language: str = "en") -> list[str]:
    """Break text into lines no wider than max_width pixels in `font`.

    Chinese/Japanese break between any two characters (kinsoku: no line starts with ，。、；：！？）」』》
    etc., none ends with （「『《 etc.); Latin text breaks at spaces; a word wider than a line is
    hyphenated (after an existing hyphen if possible, else at a syllable-like point); in German
    and other compounding languages a long word at a line end is hyphenated to fill the line.
    Latin words inside CJK text are kept whole unless wider than a line.
    """
    return [line.text for line in wrap_lines(text, font, max_width, language)]


def ellipsize(line: Line, font, max_width: float) -> str:
    """The line with "…" appended, trimmed back to a word (or CJK character) boundary to fit."""
    text = line.text
    if line.split_word:
        # Ends inside a word: drop the fragment, unless it is the whole line.
        cut = text.rstrip("-\u2010")
        if " " in cut:
            cut = cut[: cut.rindex(" ")]
        text = cut

    def tidy(s: str) -> str:
        return s.rstrip(" ,.;:!?-\u2013\u2014，。、；：！？（「『《([{“‘„")

    text = tidy(text)
    while text and text_width(font, text + ELLIPSIS) > max_width:
        if is_breakable_cjk(text[-1]) or " " not in text:
            text = text[:-1]
        else:
            text = text[: text.rindex(" ")]
        text = tidy(text)
    return text + ELLIPSIS


def truncate_to_width(text: str, font, max_width: float) -> str:
    """One line: the text as is if it fits, else cut at a word/CJK boundary with "…"."""
    text = clean_text(text)
    if text_width(font, text) <= max_width:
        return text
    fitting = ""
    for atom, space in _atoms(text):
        candidate = fitting + (" " if fitting and space else "") + atom
        if text_width(font, candidate + ELLIPSIS) > max_width:
            break
        fitting = candidate
    if not fitting:  # first word alone is too long: cut by characters
        for i in range(len(text), 0, -1):
            if text_width(font, text[:i] + ELLIPSIS) <= max_width:
                return text[:i].rstrip() + ELLIPSIS
        return ELLIPSIS
    return ellipsize(Line(fitting, False), font, max_width)
