"""Numbers as they survive translation: ``1,7 Billionen`` (de) = ``1.7 万亿`` (zh) = ``1.7 trillion``
(en). Pure Python, no Django; the aligner uses them as anchors between two translations.
"""

from __future__ import annotations

import re

from interviews import languages

_COMMA_DECIMAL = {
    "de",
    "fr",
    "es",
    "it",
    "nl",
    "pt",
    "ru",
    "pl",
    "sv",
    "da",
    "fi",
    "nb",
    "no",
    "nn",
    "cs",
    "sk",
    "tr",
    "id",
    "ro",
    "hu",
    "el",
    "uk",
    "bg",
    "hr",
    "sl",
    "sr",
    "lt",
    "lv",
    "et",
    "ca",
}
_LONG_SCALE = {
    "de",
    "fr",
    "es",
    "it",
    "nl",
    "pt",
    "pl",
    "sv",
    "da",
    "fi",
    "nb",
    "no",
    "nn",
    "cs",
    "sk",
    "ro",
    "hu",
    "hr",
    "sl",
    "ca",
}

# Latin-script scale words (lower case). "billion" depends on the language (long scale).
_SCALE_WORDS = {
    "thousand": 1e3,
    "thousands": 1e3,
    "tausend": 1e3,
    "tsd": 1e3,
    "mille": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "millionen": 1e6,
    "mio": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "millón": 1e6,
    "millones": 1e6,
    "milione": 1e6,
    "milioni": 1e6,
    "miljoen": 1e6,
    "miljoner": 1e6,
    "milhão": 1e6,
    "milhões": 1e6,
    "milliarde": 1e9,
    "milliarden": 1e9,
    "mrd": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
    "miliardo": 1e9,
    "miliardi": 1e9,
    "miljard": 1e9,
    "miljarden": 1e9,
    "mld": 1e9,
    "bn": 1e9,
    "billionen": 1e12,
    "billón": 1e12,
    "billones": 1e12,
    "bilione": 1e12,
    "trillion": 1e12,
    "trillions": 1e12,
}
_CJK_SCALES = [  # longest first
    ("万亿", 1e12),
    ("萬億", 1e12),
    ("千亿", 1e11),
    ("百亿", 1e10),
    ("十亿", 1e9),
    ("亿", 1e8),
    ("億", 1e8),
    ("千万", 1e7),
    ("千萬", 1e7),
    ("百万", 1e6),
    ("百萬", 1e6),
    ("十万", 1e5),
    ("十萬", 1e5),
    ("万", 1e4),
    ("萬", 1e4),
    ("千", 1e3),
    ("百", 1e2),
    ("억", 1e8),
    ("만", 1e4),
    ("조", 1e12),
]
_CURRENCY_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9, "mn": 1e6}

_NUM_RE = re.compile(
    r"(?<![0-9A-Za-zÀ-ÖØ-öø-ɏ_.,])"  # not inside a word like H100 or a number like 1.5.3
    r"(\d{1,3}(?:[.,\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
)
_SCALE_AFTER_RE = re.compile(r"\s*([A-Za-zÀ-ÿ]+)\.?")
_RANGE_RE = re.compile(r"^\s*(?:[-–—~～〜]|到|至|或|bis|to|or|oder|à|a|e|und|and)\s*$", re.IGNORECASE)

_WORD_NUMBERS = {
    # German
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "elf": 11,
    "zwölf": 12,
    "zwanzig": 20,
    "dreißig": 30,
    "vierzig": 40,
    "fünfzig": 50,
    "hundert": 100,
    "tausend": 1000,
    # English
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
_WORD_NUM_RE = re.compile(
    r"(?<![A-Za-zÀ-ÿ])(" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")"
    r"(fache[nrs]?|fold|mal)?(?![A-Za-zÀ-ÿ])",
    re.IGNORECASE,
)
_ORDINALS = {
    "zweit": 2,
    "dritt": 3,
    "viert": 4,
    "fünft": 5,
    "sechst": 6,
    "siebt": 7,
    "neunt": 9,
    "zehnt": 10,
    "zwanzigst": 20,
    "hundertst": 100,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "twentieth": 20,
    "hundredth": 100,
}
_ORDINAL_RE = re.compile(
    r"(?<![A-Za-zÀ-ÿ])(zweit|dritt|viert|fünft|sechst|siebt|neunt|zehnt|zwanzigst|hundertst)"
    r"(?:e|en|er|es|em)(?![A-Za-zÀ-ÿ])"
    r"|(?<![A-Za-zÀ-ÿ])(third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|twentieth|hundredth)"
    r"(?![A-Za-zÀ-ÿ])",
    re.IGNORECASE,
)
_CJK_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000}
_CJK_BIG = {"万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8}
_CJK_NUM_RE = re.compile(r"[零〇一二两兩三四五六七八九十百千万萬亿億]+")
_CJK_CLASSIFIERS = set("年个個倍次家周週月天轮輪岁歲名位条條%")
_CJK_RANGE = set("到至或")


def _parse_digits(s: str, comma_decimal: bool) -> float:
    s = s.replace("\u00a0", " ").replace("\u202f", " ")
    if " " in s:  # "1 000 000": groups
        s = s.replace(" ", "")
    seps = [(k, c) for k, c in enumerate(s) if c in ".,"]
    if not seps:
        return float(s)
    kinds = {c for _, c in seps}
    if len(kinds) == 2:  # "1.234,5" / "1,234.5": the last one is the decimal mark
        dec = seps[-1][1]
        grp = "," if dec == "." else "."
        return float(s.replace(grp, "").replace(dec, "."))
    c = seps[0][1]
    if len(seps) > 1:  # "1.000.000"
        return float(s.replace(c, ""))
    after = len(s) - seps[0][0] - 1
    grouping = "." if comma_decimal else ","
    if c == grouping and after == 3:
        return float(s.replace(c, ""))
    return float(s.replace(c, "."))


def _cjk_value(run: str) -> float | None:
    """Value of a Chinese numeral like 三, 十二, 两百, 一千五百万."""
    total = 0.0
    section = 0.0
    digit = None
    for ch in run:
        if ch in _CJK_DIGITS:
            if digit is not None:  # two digits in a row: not a positional numeral
                return None
            digit = _CJK_DIGITS[ch]
        elif ch in _CJK_UNITS:
            section += (1 if digit is None else digit) * _CJK_UNITS[ch]
            digit = None
        elif ch in _CJK_BIG:
            section += digit or 0
            total += (section or 1) * _CJK_BIG[ch]
            section = 0
            digit = None
        else:
            return None
    section += digit or 0
    return total + section


def read_numbers(text: str, language: str = "") -> list[tuple[float, bool]]:
    """(value, soft) pairs; soft = number words and small bare integers, weaker evidence."""
    return _digit_numbers(text, language) + _word_numbers(text) + _cjk_numbers(text)


def _digit_numbers(text: str, language: str) -> list[tuple[float, bool]]:
    """Numbers written in digits, with the scale word after them, read in ``language``."""
    lang = languages.base(language)
    comma_decimal = lang in _COMMA_DECIMAL
    if not lang and re.search(r"\d,\d{1,2}(?!\d)", text) and not re.search(r"\d\.\d", text):
        comma_decimal = True
    long_scale = lang in _LONG_SCALE or (not lang and re.search(r"(?i)milliarde", text))
    found: list[list] = []  # [start, end, base, scale]
    for m in _NUM_RE.finditer(text):
        try:
            base = _parse_digits(m.group(1), comma_decimal)
        except ValueError:
            continue
        end, scale = _scale_after(text, m, long_scale)
        found.append([m.start(), end, base, scale])
    # "1 bis 2 Millionen", "100～200 万": the scale of the second applies to the first
    for k in range(len(found) - 2, -1, -1):
        cur, nxt = found[k], found[k + 1]
        if cur[3] is None and nxt[3] is not None and _RANGE_RE.match(text[cur[1] : nxt[0]]):
            if cur[2] <= nxt[2]:
                cur[3] = nxt[3]
    # small bare integers ("Version 2", "3 Schritte") are common and weak evidence
    return [(b * (s or 1), s is None and b <= 12 and b == int(b)) for _, _, b, s in found]


def _scale_after(text: str, m: re.Match, long_scale: bool) -> tuple[int, float | None]:
    """Where the number matched by ``m`` ends and its scale: 万亿, Millionen, billion, $5m."""
    end = m.end()
    gap = len(text[end : end + 2]) - len(text[end : end + 2].lstrip(" \u00a0"))
    after = text[end + gap : end + gap + 2]
    for word, val in _CJK_SCALES:  # 1.7 万亿, 130 亿, 2500万
        if after.startswith(word):
            return end + gap + len(word), val
    sm = _SCALE_AFTER_RE.match(text, end)
    if not sm:
        return end, None
    w = sm.group(1).lower()
    scale = None
    if w in ("billion", "billions"):
        scale = 1e12 if long_scale else 1e9
    elif w in _SCALE_WORDS:
        scale = _SCALE_WORDS[w]
    elif sm.start(1) == m.end() and w in _CURRENCY_SUFFIX and m.start() > 0 and text[m.start() - 1] in "$€£¥":
        scale = _CURRENCY_SUFFIX[w]
    return (sm.end(), scale) if scale is not None else (end, None)


def _word_numbers(text: str) -> list[tuple[float, bool]]:
    """Spelled-out German and English numbers and ordinals ("drei", "zweite", "third")."""
    out = [(float(_WORD_NUMBERS[m.group(1).lower()]), True) for m in _WORD_NUM_RE.finditer(text)]
    for m in _ORDINAL_RE.finditer(text):  # "zweite Version", "third round": ordinals
        out.append((float(_ORDINALS[(m.group(1) or m.group(2)).lower()]), True))
    return out


def _cjk_numbers(text: str) -> list[tuple[float, bool]]:
    """Chinese numerals that count something (三年, 两三年, 三到五年) or rank it (第二)."""
    out: list[tuple[float, bool]] = []
    for m in _CJK_NUM_RE.finditer(text):
        run = m.group(0)
        nxt = text[m.end() : m.end() + 1]
        prev = text[m.start() - 1 : m.start()]
        if prev.isdigit() or (prev == " " and text[m.start() - 2 : m.start() - 1].isdigit()):
            continue  # the scale word of a number written in digits
        if prev == "第":  # 第二版本: an ordinal
            v = _cjk_value(run)
            if v is not None and v > 1:
                out.append((v, True))
            continue
        if not any(c in _CJK_DIGITS or c in _CJK_UNITS for c in run[:1]):
            continue  # a bare 万 / 亿 is not a number
        values: list[float] = []
        if len(run) == 2 and all(c in _CJK_DIGITS for c in run):  # 两三年: "two or three"
            values = [float(_CJK_DIGITS[c]) for c in run]
        else:
            v = _cjk_value(run)
            if v is not None:
                values = [v]
        if not values:
            continue
        follows = nxt in _CJK_CLASSIFIERS
        if not follows and nxt in _CJK_RANGE:  # 三到五年
            m2 = _CJK_NUM_RE.match(text, m.end() + 1)
            follows = bool(m2) and text[m2.end() : m2.end() + 1] in _CJK_CLASSIFIERS
        if follows:
            out.extend((v, True) for v in values if v > 1)
    return out


def extract_numbers(text: str, language: str = "") -> list[float]:
    """Canonical values of the numbers in ``text``, in a form that survives translation.

    Digits with their scale words are read in the conventions of ``language``:
    ``"1,7 Billionen"`` (de) and ``"1.7 万亿"`` (zh) and ``"1.7 trillion"`` (en) all give
    ``1.7e12``; ``"13 Milliarden"`` and ``"130 亿"`` give ``1.3e10``; ``"5 %"`` gives 5.
    A range shares its scale: ``"1 bis 2 Millionen"`` gives 1e6 and 2e6. Spelled-out
    numbers above one (``drei``, ``Zehnfache``, ``三年``, ``十年``) are included too.
    """
    return [v for v, _ in read_numbers(text, language)]


def num_key(v: float) -> str:
    return "#" + format(v, ".4g")
