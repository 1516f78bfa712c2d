"""Quote cards: the OpenGraph image (1200x630 PNG) behind each quote permalink.

Pure Python + Pillow, no Django imports, so it is tested on plain strings.

    content = CardContent(quote="...", speaker="...", interview="...", date="2024-08-24", language="zh")
    png = render_card(content)          # bytes, deterministic for the same content
    key = card_cache_key(content)       # sha256 over the fields + RENDERER_VERSION

Fonts are looked up on the machine (well-known Debian paths first, then fontconfig):
Noto Serif/Sans CJK (package ``fonts-noto-cjk``) for Chinese, Japanese and Korean, with the face
index of the .ttc chosen per language (SC for zh, JP for ja, KR for ko), and a Latin serif/sans
(Noto, else Liberation, else DejaVu) for everything else. Text that needs CJK glyphs when no CJK
font is installed raises :class:`FontMissing` (the view turns that into a fallback image) instead
of drawing tofu boxes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont

from interviews import languages

# Bump when the layout, fonts or line breaking change, so cached cards are regenerated.
RENDERER_VERSION = "1"

WIDTH, HEIGHT = 1200, 630
CJK_PACKAGE = "fonts-noto-cjk"
LATIN_PACKAGE = "fonts-dejavu-core"

ELLIPSIS = "\u2026"

# ---------------------------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardContent:
    quote: str  # the quote text (or selected span), plain text
    speaker: str
    interview: str  # interview title
    date: str  # already formatted, e.g. "2024-08-24" (may be "")
    language: str  # ISO 639-1 of the quote: "de", "zh", "en", "ja", ...
    site_name: str = "Founder Interview Archive"


def card_cache_key(content: CardContent) -> str:
    """A stable key for the rendered card: changes when any field or the renderer changes."""
    payload = json.dumps(
        [
            RENDERER_VERSION,
            content.quote,
            content.speaker,
            content.interview,
            content.date,
            content.language,
            content.site_name,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------------------------

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
_KANA_RANGES = ((0x3040, 0x309F), (0x30A0, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))


def _in(ranges, ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in ranges)


def is_breakable_cjk(ch: str) -> bool:
    """A character after/before which a line may break without a space (Chinese/Japanese)."""
    return _in(_BREAKABLE_RANGES, ch)


def needs_cjk_font(text: str) -> bool:
    """True when the text has characters only a CJK font draws (Han, kana, Hangul, CJK punctuation)."""
    return any(_in(_BREAKABLE_RANGES, ch) or _in(_HANGUL_RANGES, ch) for ch in text)


# Kinsoku shori: characters that must not start a line / must not end a line.
NO_LINE_START = frozenset(
    "，。、；：！？）」』》〉】〕〗〙〛｝］｠．,.!?;:)]}”’»›%％‰°℃…‥・ー〜～々ゝゞヽヾ"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
)
NO_LINE_END = frozenset("（「『《〈【〔〖〘〚｛［｟([{“‘«‹")


def _norm_lang(language: str) -> str:
    return (language or "").strip().lower().replace("_", "-")


def _cjk_region(language: str, text: str = "") -> str:
    """Which face of the Noto CJK collection fits: SC, TC, HK, JP or KR."""
    lang = _norm_lang(language)
    base = lang.split("-")[0]
    if base == "ja":
        return "JP"
    if base == "ko":
        return "KR"
    if base == "zh":
        if any(tag in lang for tag in ("-hk", "-mo")):
            return "HK"
        if any(tag in lang for tag in ("-tw", "-hant")):
            return "TC"
        return "SC"
    # Not a CJK language, but the text (a name, a title) is CJK: guess from the script.
    if any(_in(_KANA_RANGES, ch) for ch in text):
        return "JP"
    if any(_in(_HANGUL_RANGES, ch) for ch in text):
        return "KR"
    return "SC"


# ---------------------------------------------------------------------------------------------
# Fonts
# ---------------------------------------------------------------------------------------------


class FontMissing(RuntimeError):
    """No installed font can draw the text. The message names the Debian package to install."""

    def __init__(self, message: str, package: str = CJK_PACKAGE):
        super().__init__(message)
        self.package = package


@dataclass(frozen=True)
class FontInfo:
    path: str
    index: int  # face index inside a .ttc collection (0 for plain .ttf/.otf)
    family: str  # e.g. "Noto Serif CJK SC"
    style: str  # "serif" or "sans"
    weight: str  # "regular" or "bold"
    cjk: bool  # has CJK glyphs

    def load(self, size: int) -> ImageFont.FreeTypeFont:
        return load_font(self, size)


_NOTO_CJK_DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/opentype/noto-cjk",
    "/usr/local/share/fonts",
)

# (style, weight) -> candidate files. Tests monkeypatch these to simulate a bare machine.
CJK_FONT_CANDIDATES: dict[tuple[str, str], tuple[str, ...]] = {
    (style, weight): tuple(
        f"{d}/{name}"
        for name in (
            f"Noto{'Serif' if style == 'serif' else 'Sans'}CJK-{'Bold' if weight == 'bold' else 'Regular'}.ttc",
            f"Noto{'Serif' if style == 'serif' else 'Sans'}CJK-{'Bold' if weight == 'bold' else 'Regular'}.otc",
            f"Noto{'Serif' if style == 'serif' else 'Sans'}CJKsc-{'Bold' if weight == 'bold' else 'Regular'}.otf",
        )
        for d in _NOTO_CJK_DIRS
    )
    for style in ("serif", "sans")
    for weight in ("regular", "bold")
}

LATIN_FONT_CANDIDATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("serif", "regular"): (
        "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    ),
    ("serif", "bold"): (
        "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    ),
    ("sans", "regular"): (
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    ),
    ("sans", "bold"): (
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    ),
}

# Ask fontconfig (fc-list / fc-match) when the well-known paths have nothing.
USE_FONTCONFIG = True

_FC_LANG = {"SC": "zh-cn", "TC": "zh-tw", "HK": "zh-hk", "JP": "ja", "KR": "ko"}


def _faces(path: str) -> list[tuple[int, str, str]]:
    """(index, family, style name) of every face in a font file; [] if it cannot be read."""
    faces = []
    for index in range(64):
        try:
            family, stylename = ImageFont.truetype(path, 12, index=index).getname()
        except (OSError, ValueError):
            break
        faces.append((index, family or "", stylename or ""))
    return faces


def _pick_cjk_face(path: str, region: str) -> tuple[int, str] | None:
    """The face of a (collection) font for a region, e.g. "Noto Serif CJK SC" for SC; never Mono."""
    faces = _faces(path)
    if not faces:
        return None
    proportional = [f for f in faces if "mono" not in f[1].lower()] or faces
    for index, family, _ in proportional:
        if family.upper().endswith(" " + region) or f"CJK {region}" in family.upper():
            return index, family
    # Not a Noto collection (e.g. WenQuanYi, Droid Sans Fallback): its first face.
    index, family, _ = proportional[0]
    return index, family


def _fc_run(args: list[str]) -> str:
    exe = shutil.which(args[0])
    if not exe:
        return ""
    try:
        out = subprocess.run([exe, *args[1:]], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout if out.returncode == 0 else ""


def _fontconfig_cjk_files(region: str, style: str, weight: str) -> list[str]:
    """CJK-capable font files fontconfig knows, best style/weight match first."""
    if not USE_FONTCONFIG:
        return []
    out = _fc_run(["fc-list", "--format", "%{file}|%{family}|%{style}\n", f":lang={_FC_LANG.get(region, 'zh-cn')}"])
    scored = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) < 3 or not parts[0]:
            continue
        path, family, stylename = parts[0], parts[1].lower(), parts[2].lower()
        score = 0
        score += 4 if ("bold" in stylename) == (weight == "bold") else 0
        score += 2 if ("serif" in family and "sans" not in family) == (style == "serif") else 0
        score += 1 if "noto" in family or "source han" in family else 0
        score -= 8 if "mono" in family else 0
        scored.append((-score, path))
    seen, result = set(), []
    for _, path in sorted(scored):
        if path not in seen:
            seen.add(path)
            result.append(path)
    return result


def _fontconfig_latin_file(style: str, weight: str) -> str | None:
    if not USE_FONTCONFIG:
        return None
    pattern = (
        f"{'serif' if style == 'serif' else 'sans-serif'}:lang=en:weight={'bold' if weight == 'bold' else 'regular'}"
    )
    out = _fc_run(["fc-match", "--format", "%{file}", pattern]).strip()
    return out if out and os.path.isfile(out) else None


@cache
def _find_cjk_font(region: str, style: str, weight: str) -> FontInfo:
    # Exact style first; a sans CJK face is a fine fallback for a serif request (and vice versa).
    other = "sans" if style == "serif" else "serif"
    for st in (style, other):
        for path in CJK_FONT_CANDIDATES.get((st, weight), ()) + CJK_FONT_CANDIDATES.get((st, "regular"), ()):
            if os.path.isfile(path):
                picked = _pick_cjk_face(path, region)
                if picked:
                    return FontInfo(path, picked[0], picked[1], st, weight, cjk=True)
    for path in _fontconfig_cjk_files(region, style, weight):
        picked = _pick_cjk_face(path, region)
        if picked:
            fam = picked[1].lower()
            st = "serif" if ("serif" in fam and "sans" not in fam) or "ming" in fam or "song" in fam else "sans"
            return FontInfo(path, picked[0], picked[1], st, weight, cjk=True)
    raise FontMissing(
        f"No CJK font is installed, so Chinese/Japanese/Korean text cannot be drawn "
        f"(it would show as empty boxes). Install the Debian package {CJK_PACKAGE}: "
        f"apt-get install {CJK_PACKAGE}",
        package=CJK_PACKAGE,
    )


@cache
def _find_latin_font(style: str, weight: str) -> FontInfo:
    other = "sans" if style == "serif" else "serif"
    for st in (style, other):
        for path in LATIN_FONT_CANDIDATES.get((st, weight), ()):
            if os.path.isfile(path):
                faces = _faces(path)
                if faces:
                    return FontInfo(path, 0, faces[0][1], st, weight, cjk=False)
    found = _fontconfig_latin_file(style, weight)
    if found:
        faces = _faces(found)
        if faces:
            return FontInfo(found, 0, faces[0][1], style, weight, cjk=False)
    raise FontMissing(
        f"No Latin font is installed. Install the Debian package {LATIN_PACKAGE}: apt-get install {LATIN_PACKAGE}",
        package=LATIN_PACKAGE,
    )


def find_font(language: str, weight: str = "regular", style: str = "sans") -> FontInfo:
    """The font for text in `language` ("zh" -> Noto CJK SC face, "ja" -> JP, "ko" -> KR, else Latin).

    Raises FontMissing (naming fonts-noto-cjk) when a CJK language has no CJK font installed.
    """
    weight = "bold" if weight == "bold" else "regular"
    style = "serif" if style == "serif" else "sans"
    if languages.is_cjk(language):
        return _find_cjk_font(_cjk_region(language), style, weight)
    return _find_latin_font(style, weight)


def font_for_text(text: str, language: str, weight: str = "regular", style: str = "sans") -> FontInfo:
    """The font that draws this text: a CJK face if it has any CJK character (the CJK fonts also
    carry Latin glyphs, so mixed text stays in one font), else the Latin font."""
    weight = "bold" if weight == "bold" else "regular"
    style = "serif" if style == "serif" else "sans"
    if needs_cjk_font(text):
        return _find_cjk_font(_cjk_region(language, text), style, weight)
    return _find_latin_font(style, weight)


@lru_cache(maxsize=256)
def load_font(info: FontInfo, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(info.path, size, index=info.index)


def clear_font_cache() -> None:
    """Forget found and loaded fonts (after installing fonts, or in tests)."""
    _find_cjk_font.cache_clear()
    _find_latin_font.cache_clear()
    load_font.cache_clear()


# ---------------------------------------------------------------------------------------------
# Text clean-up
# ---------------------------------------------------------------------------------------------

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


class _Line(NamedTuple):
    text: str
    split_word: bool  # the line ends inside a word (hyphenated or force-split)


def _width(font: ImageFont.FreeTypeFont, text: str) -> float:
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
            if _width(font, word[:i]) <= avail:
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
        head_w = _width(font, word[:i] + "-")
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
            if _width(font, word[:i] + "-") <= avail:
                return word[:i] + "-", word[i:]
    if not forced:
        return None
    # 4. Anywhere (very narrow boxes, URLs, digit strings): as many characters as fit.
    for i in range(n - 1, 0, -1):
        hyphen = "-" if word[i - 1].isalpha() and word[i].isalpha() and i >= 2 else ""
        if _width(font, word[:i] + hyphen) <= avail:
            return word[:i] + hyphen, word[i:]
    return word[:1], word[1:]


def _split_atom(atom: str, font, avail: float, forced: bool) -> tuple[str, str] | None:
    if any(is_breakable_cjk(ch) for ch in atom):
        # CJK chain (e.g. a character glued to its punctuation): split between characters.
        for i in range(len(atom) - 1, 0, -1):
            if atom[i] in NO_LINE_START or atom[i - 1] in NO_LINE_END:
                continue
            if _width(font, atom[:i]) <= avail:
                return atom[:i], atom[i:]
        if not forced:
            return None
        for i in range(len(atom) - 1, 0, -1):
            if _width(font, atom[:i]) <= avail:
                return atom[:i], atom[i:]
        return atom[:1], atom[1:]
    return _split_word(atom, font, avail, forced)


def _wrap(
    text: str, font: ImageFont.FreeTypeFont, max_width: float, language: str, limit: int | None = None
) -> list[_Line]:
    """The lines; with `limit`, stops early once more than `limit` lines are produced."""
    text = clean_text(text)
    if not text:
        return []
    fill_hyphenate = languages.base(language) in _FILL_HYPHENATE_LANGS
    lines: list[_Line] = []
    cur = ""
    for atom, space_before in _atoms(text):
        if limit is not None and len(lines) > limit:
            return lines
        sep = " " if (cur and space_before) else ""
        if _width(font, cur + sep + atom) <= max_width:
            cur = cur + sep + atom
            continue
        if cur:
            placed = False
            # A long compound at the end of a German line: hyphenate it to fill the line rather
            # than leave a big gap (only if a good break point exists).
            if fill_hyphenate and _letters(atom) >= 10:
                avail = max_width - _width(font, cur + sep)
                if avail >= 0.25 * max_width:
                    split = _split_word(atom, font, avail, forced=False)
                    if split and _letters(split[0]) >= 4 and _letters(split[1]) >= 4:
                        lines.append(_Line(cur + sep + split[0], True))
                        atom = split[1]
                        placed = True
            if not placed:
                lines.append(_Line(cur, False))
            cur = ""
        # The atom starts a new line; split it while it is wider than a whole line.
        while _width(font, atom) > max_width:
            head, atom = _split_atom(atom, font, max_width, forced=True)
            lines.append(_Line(head, True))
        cur = atom
    if cur:
        lines.append(_Line(cur, False))
    return lines


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: float, language: str = "en") -> list[str]:
    """Break text into lines no wider than max_width pixels in `font`.

    Chinese/Japanese break between any two characters (kinsoku: no line starts with ，。、；：！？）」』》
    etc., none ends with （「『《 etc.); Latin text breaks at spaces; a word wider than a line is
    hyphenated (after an existing hyphen if possible, else at a syllable-like point); in German
    and other compounding languages a long word at a line end is hyphenated to fill the line.
    Latin words inside CJK text are kept whole unless wider than a line.
    """
    return [line.text for line in _wrap(text, font, max_width, language)]


def _ellipsize(line: _Line, font, max_width: float) -> str:
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
    while text and _width(font, text + ELLIPSIS) > max_width:
        if is_breakable_cjk(text[-1]) or " " not in text:
            text = text[:-1]
        else:
            text = text[: text.rindex(" ")]
        text = tidy(text)
    return text + ELLIPSIS


def truncate_to_width(text: str, font, max_width: float) -> str:
    """One line: the text as is if it fits, else cut at a word/CJK boundary with "…"."""
    text = clean_text(text)
    if _width(font, text) <= max_width:
        return text
    fitting = ""
    for atom, space in _atoms(text):
        candidate = fitting + (" " if fitting and space else "") + atom
        if _width(font, candidate + ELLIPSIS) > max_width:
            break
        fitting = candidate
    if not fitting:  # first word alone is too long: cut by characters
        for i in range(len(text), 0, -1):
            if _width(font, text[:i] + ELLIPSIS) <= max_width:
                return text[:i].rstrip() + ELLIPSIS
        return ELLIPSIS
    return _ellipsize(_Line(fitting, False), font, max_width)


# ---------------------------------------------------------------------------------------------
# Fitting the quote into its box
# ---------------------------------------------------------------------------------------------

MAX_QUOTE_SIZE = 56
MIN_QUOTE_SIZE = 30
MAX_QUOTE_CHARS = 2000  # longer input is cut before layout (it could never fit anyway)


class FitResult(NamedTuple):
    lines: list[str]
    font_size: int
    truncated: bool


def line_height(size: int, cjk: bool) -> int:
    return round(size * (1.5 if cjk else 1.3))


def _block_height(n_lines: int, size: int, cjk: bool) -> float:
    # The first line's cap/ideograph height plus the leading of the rest.
    return (n_lines - 1) * line_height(size, cjk) + size * 1.1


def fit_quote(
    text: str,
    font: FontInfo,
    box: tuple[int, int],
    language: str = "en",
    max_size: int = MAX_QUOTE_SIZE,
    min_size: int = MIN_QUOTE_SIZE,
) -> FitResult:
    """Lines and font size for the quote in a (width, height) box.

    Tries sizes from max_size down to min_size (step 2) and takes the first at which the wrapped
    text fits; if it does not fit even at min_size, keeps as many lines as fit and ends the last
    one with "…" at a word or CJK-character boundary (truncated=True).
    """
    box_w, box_h = box
    text = clean_text(text)
    truncated = False
    if len(text) > MAX_QUOTE_CHARS:
        text = text[:MAX_QUOTE_CHARS]
        truncated = True

    def max_lines(size: int) -> int:
        return max(1, int((box_h - size * 1.1) // line_height(size, font.cjk)) + 1)

    if not truncated:
        for size in range(max_size, min_size - 1, -2):
            lines = _wrap(text, load_font(font, size), box_w, language, limit=max_lines(size))
            if len(lines) <= max_lines(size):
                return FitResult([ln.text for ln in lines], size, False)
    size = min_size
    fnt = load_font(font, size)
    lines = _wrap(text, fnt, box_w, language, limit=max_lines(size))
    keep = max_lines(size)
    if len(lines) <= keep and not truncated:
        return FitResult([ln.text for ln in lines], size, False)
    kept = lines[:keep]
    last = _ellipsize(kept[-1], fnt, box_w)
    return FitResult([ln.text for ln in kept[:-1]] + [last], size, True)


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

BACKGROUND = (247, 244, 238)
INK = (28, 27, 25)
MUTED = (112, 106, 97)
ACCENT = (176, 72, 44)
RULE = (221, 214, 201)

MARGIN_X = 80
QUOTE_BOX = (176, 76, 1120, 452)  # left, top, right, bottom
FOOTER_RULE_Y = 486
SPEAKER_BASELINE = 540
META_BASELINE = 584


def _draw_text(draw: ImageDraw.ImageDraw, xy, text: str, font, fill, anchor="ls") -> None:
    if text:
        draw.text(xy, text, font=font, fill=fill, anchor=anchor)


def render_card(content: CardContent) -> bytes:
    """The 1200x630 PNG for a quote. Raises FontMissing if CJK text has no CJK font to draw it."""
    language = _norm_lang(content.language) or "en"
    quote = strip_outer_quotes(clean_text(content.quote))
    speaker = clean_text(content.speaker)
    interview = clean_text(content.interview)
    date = clean_text(content.date)
    site = clean_text(content.site_name)

    # Fonts first: a missing CJK font fails before any drawing.
    quote_font = font_for_text(quote, language, "regular", "serif")
    speaker_font_info = font_for_text(speaker, language, "bold", "sans")
    meta_text_probe = interview + date
    meta_font_info = font_for_text(meta_text_probe, language, "regular", "sans")
    site_font_info = font_for_text(site, "en", "bold", "sans")
    mark_font = load_font(_find_latin_font("serif", "bold"), 168)

    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)

    draw.rectangle((0, 0, 11, HEIGHT), fill=ACCENT)  # accent band on the left edge

    # The quote, vertically centred in its box.
    left, top, right, bottom = QUOTE_BOX
    box_w, box_h = right - left, bottom - top
    lines, size, _ = fit_quote(quote or ELLIPSIS, quote_font, (box_w, box_h), language)
    fnt = load_font(quote_font, size)
    lh = line_height(size, quote_font.cjk)
    block = _block_height(len(lines), size, quote_font.cjk)
    # Centre optically: short quotes sit a little above the middle.
    y0 = top + max(0.0, (box_h - block) * 0.42)
    first_baseline = y0 + size * 0.88
    for i, line in enumerate(lines):
        _draw_text(draw, (left, round(first_baseline + i * lh)), line, fnt, INK)

    # A large quotation mark in the gutter, its top level with the top of the first line.
    probe = "\u56fd" if quote_font.cjk else "H"
    line_top = first_baseline + fnt.getbbox(probe, anchor="ls")[1]
    mark = "\u201c"
    mbox = mark_font.getbbox(mark, anchor="ls")
    draw.text((MARGIN_X - mbox[0], round(line_top - mbox[1])), mark, font=mark_font, fill=ACCENT, anchor="ls")

    # Footer: hairline, speaker (bold) with the site name on the right, then title · date.
    draw.line((MARGIN_X, FOOTER_RULE_Y, WIDTH - MARGIN_X, FOOTER_RULE_Y), fill=RULE, width=2)
    site_font = load_font(site_font_info, 20)
    site_w = _width(site_font, site.upper())
    site_text = site.upper()
    if site_text:
        # Letter-spaced small caps look: draw character by character with 1.5 px tracking.
        tracking = 1.5
        total = sum(_width(site_font, ch) for ch in site_text) + tracking * (len(site_text) - 1)
        if total > 460:
            site_text = truncate_to_width(site_text, site_font, 460)
            total = _width(site_font, site_text)
            tracking = 0.0
        x = WIDTH - MARGIN_X - total
        for ch in site_text:
            _draw_text(draw, (round(x), SPEAKER_BASELINE), ch, site_font, ACCENT)
            x += _width(site_font, ch) + tracking
        site_w = total
    speaker_font = load_font(speaker_font_info, 30)
    speaker_max = WIDTH - 2 * MARGIN_X - site_w - 40
    _draw_text(
        draw, (MARGIN_X, SPEAKER_BASELINE), truncate_to_width(speaker, speaker_font, speaker_max), speaker_font, INK
    )

    meta_font = load_font(meta_font_info, 22)
    sep = "  \u00b7  "
    meta_max = WIDTH - 2 * MARGIN_X
    date_part = (sep + date) if (date and interview) else date
    title_max = meta_max - _width(meta_font, date_part)
    title = truncate_to_width(interview, meta_font, title_max) if interview else ""
    _draw_text(draw, (MARGIN_X, META_BASELINE), title + date_part, meta_font, MUTED)

    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
