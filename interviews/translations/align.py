"""Align the turns of two translations of the same interview.

Pure Python: nothing here imports Django, and nothing needs a model or a dictionary.

Two published translations of one conversation rarely have the same turns: one may be
abridged (turns left out, answers merged with the next question), the other may have lost
a turn or folded an interjection into the answer around it. :func:`align` finds, for every
turn of the *shorter* transcript, the turn or the run of consecutive turns of the *longer*
one that says the same thing, or nothing.

Direction
    ``align(a, b)`` always links from the side with fewer turns (the *source*) to the side
    with more turns (the *target*); on a tie ``a`` is the source. :func:`source_side` tells
    which one it was. ``Link.source`` is an ordinal of the source side, ``Link.targets`` are
    consecutive ordinals of the target side. A source turn without a counterpart has no
    link. Several source turns may share a target turn (the target side merged them).

Only what survives translation is used (see :class:`AlignParams` for the weights):

* order: the alignment is monotonic (dynamic programming, Gale–Church style) with moves
  1-1, 1-k (one source turn = k consecutive target turns), m-1 (m source turns share one
  target turn), 0-1 (a target turn left out of the source) and 1-0 (a source turn with no
  counterpart); left-out target turns come in blocks (abridgement drops whole exchanges),
  so opening a block costs more than extending one (an affine gap cost), except before the
  first and after the last source turn (an untranslated intro or outro);
* the speaker sequence: a host turn aligns to host turns, a mixed-speaker merge is allowed
  but costs in proportion to the text that belongs to the other speaker;
* relative length: log(target chars / source chars) is modelled as a Student-t around a
  ratio estimated from the data itself (a first pass with a per-language prior, then the
  median and spread of the confidently aligned pairs), with a wider tail on the side where
  the target is longer (abridged sources are expected);
* anchors that are written the same way in both languages: numbers normalised to canonical
  values (``1,7 Billionen`` = ``1.7 万亿`` = ``1.7 trillion``; ``500 Millionen`` = ``5 亿``)
  and Latin-script names and terms (``OpenAI``, ``GPT-4``, ``Mike Volpi``) found in both
  documents, weighted by how rare they are (idf);
* question marks at the end of a turn.

The confidence of a link is the posterior probability (soft-min forward–backward over the
same lattice) that the source turn is aligned to a span containing the link's main target,
times a logistic of the link's own evidence cost (speakers, length, anchors, questions), so
that a link which is merely the least bad option, with texts that disagree, stays low.

No translation model or dictionary is used: a multilingual sentence-embedding model would
be the natural next feature, but none ships inside a registry package that loads offline.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from interviews import languages

__all__ = [
    "AlignInput",
    "AlignParams",
    "Link",
    "align",
    "extract_numbers",
    "latin_terms",
    "source_side",
]


@dataclass
class AlignInput:
    """One turn of a transcript."""

    ordinal: int
    role: str  # "host", "guest" or "" (unknown); any other label is compared verbatim
    text: str
    language: str = ""  # ISO 639-1, e.g. "de", "zh", "en"


@dataclass
class Link:
    """``source`` (an ordinal of the shorter transcript) says the same as ``targets``."""

    source: int
    targets: list[int]  # consecutive ordinals of the longer transcript, 1..k of them
    confidence: float  # 0..1; wrong links tend to be below 0.5


@dataclass
class AlignParams:
    """Weights of the cost function. All costs are roughly in nats (negative log-odds)."""

    skip_target: float = 1.0  # each target turn the source left out (abridged source: cheap)
    skip_target_open: float = 3.0  # extra for starting a block of left-out target turns
    skip_source: float = 4.0  # a source turn with no counterpart (rare: expensive)
    max_target_merge: int = 5  # a source turn may cover up to this many consecutive targets
    max_source_merge: int = 3  # up to this many consecutive source turns may share one target
    target_merge: float = 1.3  # per extra target turn in a merge
    absorbed_question: float = 1.5  # per question of the other speaker inside a merge
    source_merge: float = 2.0  # per extra source turn sharing one target
    length_weight: float = 1.0
    length_nu: float = 3.0  # degrees of freedom of the Student-t on the log length ratio
    sigma_shorter: float = 0.45  # spread of log ratio when the target is shorter than expected
    sigma_longer: float = 0.9  # ... when the target is longer (the source abridged it)
    speaker_mismatch: float = 6.0  # times the share of text spoken by the other speaker
    speaker_absent: float = 4.0  # extra when the other side has no turn of this speaker at all
    anchor_reward: float = 1.3  # per idf unit of an anchor found on both sides
    anchor_missing_source: float = 0.6  # per idf unit of a source anchor absent from the target
    anchor_missing_target: float = 0.15  # per idf unit of a target anchor absent from the source
    idf_cap: float = 4.0
    soft_number_factor: float = 0.5  # number words (drei, 三年) are weaker evidence than digits
    question_match: float = 0.6  # bonus: a question aligned with a turn that asks
    question_missing: float = 0.8  # penalty: a question aligned with no question at all
    temperature: float = 1.0  # of the soft-min used for the confidences
    evidence_offset: float = 3.0  # local evidence cost at which a link's confidence halves
    reestimate: bool = True  # second pass with the length ratio estimated from pass one


# --------------------------------------------------------------------------------------
# Numbers


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


def _numbers(text: str, language: str = "") -> list[tuple[float, bool]]:
    """(value, soft) pairs; soft = number words and small bare integers, weaker evidence."""
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
        end = m.end()
        scale = None
        gap = len(text[end : end + 2]) - len(text[end : end + 2].lstrip(" \u00a0"))
        after = text[end + gap : end + gap + 2]
        for word, val in _CJK_SCALES:  # 1.7 万亿, 130 亿, 2500万
            if after.startswith(word):
                scale = val
                end += gap + len(word)
                break
        if scale is None:
            sm = _SCALE_AFTER_RE.match(text, end)
            if sm:
                w = sm.group(1).lower()
                if w in ("billion", "billions"):
                    scale = 1e12 if long_scale else 1e9
                elif w in _SCALE_WORDS:
                    scale = _SCALE_WORDS[w]
                elif (
                    sm.start(1) == m.end() and w in _CURRENCY_SUFFIX and m.start() > 0 and text[m.start() - 1] in "$€£¥"
                ):
                    scale = _CURRENCY_SUFFIX[w]
                if scale is not None:
                    end = sm.end()
        found.append([m.start(), end, base, scale])
    # "1 bis 2 Millionen", "100～200 万": the scale of the second applies to the first
    for k in range(len(found) - 2, -1, -1):
        cur, nxt = found[k], found[k + 1]
        if cur[3] is None and nxt[3] is not None and _RANGE_RE.match(text[cur[1] : nxt[0]]):
            if cur[2] <= nxt[2]:
                cur[3] = nxt[3]
    # small bare integers ("Version 2", "3 Schritte") are common and weak evidence
    out: list[tuple[float, bool]] = [(b * (s or 1), s is None and b <= 12 and b == int(b)) for _, _, b, s in found]

    for m in _WORD_NUM_RE.finditer(text):
        out.append((float(_WORD_NUMBERS[m.group(1).lower()]), True))
    for m in _ORDINAL_RE.finditer(text):  # "zweite Version", "third round": ordinals
        out.append((float(_ORDINALS[(m.group(1) or m.group(2)).lower()]), True))
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
    return [v for v, _ in _numbers(text, language)]


def _num_key(v: float) -> str:
    return "#" + format(v, ".4g")


# --------------------------------------------------------------------------------------
# Latin-script terms

_LATIN = "A-Za-zÀ-ÖØ-öø-ɏ"
_TERM_RE = re.compile(rf"[{_LATIN}][{_LATIN}0-9]*(?:-[{_LATIN}0-9]+)*")
_CAMEL_RE = re.compile(r"[A-ZÀ-ÖØ-Þ]+(?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ])|[A-ZÀ-ÖØ-Þ]?[a-zß-öø-ÿ]+|[A-ZÀ-ÖØ-Þ]+|\d+")


def _norm_term(t: str) -> str:
    t = t.lower()
    if len(t) > 4 and t.endswith("s") and not t.endswith("ss"):
        t = t[:-1]
    return t


_SENTENCE_END = set(".!?。！？:;…\n")
_OPENERS = set(" \t\"'„“”‚‘’«»‹›()[]（）「」『』*_-–—")


def _sentence_initial(text: str, pos: int) -> bool:
    k = pos - 1
    while k >= 0 and text[k] in _OPENERS:
        k -= 1
    return k < 0 or text[k] in _SENTENCE_END


def _terms(text: str) -> dict[str, bool]:
    """Latin-script terms -> whether written like a name somewhere: a capital that is not just
    the start of a sentence ("OpenAI", "Mike", German nouns), or a digit ("GPT-4")."""
    out: dict[str, bool] = {}

    def add(tok: str, initial: bool) -> None:
        if len(tok) < 2 or tok.isdigit():
            return
        key = _norm_term(tok)
        marked = (
            any(c.isdigit() for c in tok) or any(c.isupper() for c in tok[1:]) or (tok[0].isupper() and not initial)
        )
        out[key] = out.get(key, False) or marked

    for m in _TERM_RE.finditer(text):
        tok = m.group(0)
        initial = _sentence_initial(text, m.start())
        add(tok, initial)
        parts = tok.split("-")
        if len(parts) > 1:
            for k, p in enumerate(parts):
                add(p, initial and k == 0)
        for p in parts:  # glued words lost their spaces: "wieMetaSolche"
            camel = _CAMEL_RE.findall(p)
            if len(camel) > 1:
                for c in camel:
                    add(c, False)
    return out


def latin_terms(text: str) -> set[str]:
    """Lower-cased Latin-script words and their parts (``GPT-4`` → gpt-4, gpt)."""
    return set(_terms(text))


# --------------------------------------------------------------------------------------
# Alignment

# Characters per unit of content, relative to English; only the first-pass prior.
_CHARS_PER_CONTENT = {
    "en": 1.0,
    "de": 1.2,
    "fr": 1.15,
    "es": 1.1,
    "it": 1.1,
    "pt": 1.1,
    "nl": 1.15,
    "ru": 1.05,
    "pl": 1.05,
    "sv": 1.0,
    "zh": 0.33,
    "ja": 0.5,
    "ko": 0.5,
}
_QUESTION_END_RE = re.compile(r"[?？][\s\"'”“»«」』)）]*$")


@dataclass
class _Turn:
    ordinal: int
    role: str
    length: int
    anchors: dict[str, float] = field(default_factory=dict)
    q_end: bool = False
    q_any: bool = False


@dataclass
class _Span:
    start: int
    size: int
    length: int
    anchors: dict[str, float]
    roles: dict[str, int]  # role -> chars
    known: int  # chars of turns whose role is known
    q_end: bool
    q_any: bool


def source_side(a: list[AlignInput], b: list[AlignInput]) -> str:
    """``"a"`` or ``"b"``: which argument of :func:`align` the links start from."""
    return "b" if len(b) < len(a) else "a"


def _language(turns: list[AlignInput]) -> str:
    c = Counter(languages.base(t.language) for t in turns if t.language)
    return c.most_common(1)[0][0] if c else ""


def _char_len(text: str) -> int:
    return max(1, sum(1 for ch in text if not ch.isspace()))


def _is_latin_script(turns: list[AlignInput]) -> bool:
    latin = other = 0
    for t in turns:
        for ch in t.text:
            if ch.isalpha():
                if ch.isascii() or "\u00c0" <= ch <= "\u024f":
                    latin += 1
                else:
                    other += 1
    return latin > other


def _prepare(src: list[AlignInput], tgt: list[AlignInput], p: AlignParams):
    """Per-turn features, with anchors restricted to what both documents contain."""
    lang_s, lang_t = _language(src), _language(tgt)
    raw = []
    for side, lang in ((src, lang_s), (tgt, lang_t)):
        rows = []
        for t in side:
            nums = {}
            for v, soft in _numbers(t.text, t.language or lang):
                k = _num_key(v)
                nums[k] = nums.get(k, True) and soft
            rows.append((nums, _terms(t.text)))
        raw.append(rows)
    latin_s, latin_t = _is_latin_script(src), _is_latin_script(tgt)

    def vocab(rows, latin):
        v: dict[str, bool] = {}
        for nums, terms in rows:
            for k in nums:
                v[k] = True
            for k, marked in terms.items():
                v["w:" + k] = v.get("w:" + k, False) or marked or not latin
        return v

    vs, vt = vocab(raw[0], latin_s), vocab(raw[1], latin_t)
    # a term counts when both documents have it; in a Latin-script document it must be
    # written like a name somewhere (capital or digit), so "in"/"was" do not count
    shared = {k for k in vs if k in vt and vs[k] and vt[k]}
    df: Counter[str] = Counter()
    for rows in raw:
        for nums, terms in rows:
            keys = set(nums) | {"w:" + k for k in terms}
            df.update(keys & shared)
    n_docs = len(src) + len(tgt)
    # terms in most turns of a document carry no information
    too_common = {k for k, c in df.items() if c > max(4, 0.4 * n_docs)}
    weights = {k: min(p.idf_cap, math.log(n_docs / c)) for k, c in df.items() if k not in too_common}
    out = []
    for side, rows in zip((src, tgt), raw):
        turns = []
        for t, (nums, terms) in zip(side, rows):
            anchors: dict[str, float] = {}
            for k, soft in nums.items():
                if k in weights:
                    anchors[k] = weights[k] * (p.soft_number_factor if soft else 1.0)
            for k in terms:
                kk = "w:" + k
                if kk in weights:
                    anchors[kk] = weights[kk]
            text = t.text.strip()
            turns.append(
                _Turn(
                    ordinal=t.ordinal,
                    role=(t.role or "").strip().lower(),
                    length=_char_len(text),
                    anchors=anchors,
                    q_end=bool(_QUESTION_END_RE.search(text)),
                    q_any=("?" in text or "？" in text),
                )
            )
        out.append(turns)
    return out[0], out[1], lang_s, lang_t


def _spans(turns: list[_Turn], max_size: int) -> list[list[_Span]]:
    spans: list[list[_Span]] = []
    for j in range(len(turns)):
        row = []
        anchors: dict[str, float] = {}
        roles: dict[str, int] = {}
        length = 0
        q_end = q_any = False
        for k in range(max_size):
            if j + k >= len(turns):
                break
            t = turns[j + k]
            anchors = {**anchors, **t.anchors}
            roles = dict(roles)
            roles[t.role] = roles.get(t.role, 0) + t.length
            length += t.length
            q_end = q_end or t.q_end
            q_any = q_any or t.q_any
            known = sum(c for r, c in roles.items() if r)
            row.append(_Span(j, k + 1, length, anchors, roles, known, q_end, q_any))
        spans.append(row)
    return spans


def _speaker_cost(one: _Turn, many: _Span, p: AlignParams) -> float:
    if not one.role:
        return 0.0
    known = many.known
    if not known:
        return 0.0
    same = many.roles.get(one.role, 0)
    cost = p.speaker_mismatch * (known - same) / known
    if same == 0:
        cost += p.speaker_absent
    return cost


def _structural_cost(src: _Span, tgt: _Span, s_turns, t_turns, p: AlignParams) -> float:
    """The prior cost of the shape of a match: merges and swallowed questions."""
    if src.size > 1:
        return p.source_merge * (src.size - 1)
    cost = p.target_merge * (tgt.size - 1)
    one = s_turns[src.start]
    if one.role:  # an answer rarely swallows the next question of the other speaker
        for k in range(tgt.start + 1, tgt.start + tgt.size):
            t = t_turns[k]
            if t.q_end and t.role and t.role != one.role:
                cost += p.absorbed_question
    return cost


def _evidence_cost(src: _Span, tgt: _Span, s_turns, t_turns, p: AlignParams) -> float:
    """What the texts say (speakers, anchors, questions), for sources src and targets tgt."""
    if src.size == 1:
        cost = _speaker_cost(s_turns[src.start], tgt, p)
    else:
        cost = _speaker_cost(t_turns[tgt.start], src, p)
    a, b = src.anchors, tgt.anchors
    for k, w in a.items():
        if k in b:
            cost -= p.anchor_reward * min(w, b[k])
        else:
            cost += p.anchor_missing_source * w
    for k, w in b.items():
        if k not in a:
            cost += p.anchor_missing_target * w
    if src.q_end:
        cost += -p.question_match if tgt.q_any else p.question_missing
    elif tgt.q_end and not src.q_any and src.size == 1 and tgt.size == 1:
        cost += p.question_missing * 0.5
    return cost


def _static_cost(src: _Span, tgt: _Span, s_turns, t_turns, p: AlignParams) -> float:
    """Everything but the length term."""
    return _structural_cost(src, tgt, s_turns, t_turns, p) + _evidence_cost(src, tgt, s_turns, t_turns, p)


def _length_cost(la: int, lb: int, mu: float, s_lo: float, s_hi: float, p: AlignParams) -> float:
    expected = la * math.exp(mu)
    r = math.log(lb / expected)
    sigma = s_hi if r > 0 else s_lo
    var = sigma * sigma + 1.0 / (expected + 1.0)
    nu = p.length_nu
    return p.length_weight * 0.5 * (nu + 1) * math.log1p(r * r / (var * nu))


#: Pairs with at most this many cells (source turns x target turns) use the whole lattice; larger
#: ones a band around the diagonal, at least MIN_BAND target turns wide on each side.
FULL_LATTICE_CELLS = 20_000
MIN_BAND = 24


class _Lattice:
    """The alignment lattice: cells (i, j) = i source and j target turns consumed, each in two
    states: s=1 right after skipping a target turn, s=0 otherwise. Omitted target turns come in
    blocks (an abridgement drops whole exchanges), so opening a block of skipped target turns
    costs more than extending one (an affine gap cost).

    With ``band``, only cells within ``band`` target turns of the diagonal from (0, 0) to (n, m)
    exist: row i holds j in [lo[i], hi[i]]. Nodes are numbered row by row over the cells that
    exist, so time and memory grow with n * band instead of n * m.
    """

    def __init__(self, s_turns, t_turns, p: AlignParams, band: int | None = None):
        self.s, self.t, self.p = s_turns, t_turns, p
        self.n, self.m = n, m = len(s_turns), len(t_turns)
        self.band = band
        if band is None or band >= m:
            self.lo, self.hi = [0] * (n + 1), [m] * (n + 1)
        else:
            centre = [i * m / n for i in range(n + 1)]
            self.lo = [max(0, math.floor(c - band)) for c in centre]
            self.hi = [min(m, math.ceil(c + band)) for c in centre]
        self.offset = [0] * (n + 2)  # cells before row i
        for i in range(n + 1):
            self.offset[i + 1] = self.offset[i] + self.hi[i] - self.lo[i] + 1
        self.size = self.offset[n + 1] * 2
        self.s_spans = s_spans = _spans(s_turns, p.max_source_merge)
        self.t_spans = t_spans = _spans(t_turns, p.max_target_merge)
        lo, hi = self.lo, self.hi
        # match moves per cell (row i, column j - lo[i]):
        # (i0, j0, i1, j1, cost without the length term, la, lb)
        self.matches: list[list[list[tuple]]] = []
        for i in range(n):
            row = []
            src1 = s_spans[i][0]
            for j in range(lo[i], min(hi[i], m - 1) + 1):
                cell = []
                for tgt in t_spans[j]:
                    i1, j1 = i + 1, j + tgt.size
                    if lo[i1] <= j1 <= hi[i1]:
                        c = _static_cost(src1, tgt, s_turns, t_turns, p)
                        cell.append((i, j, i1, j1, c, src1.length, tgt.length))
                tgt1 = t_spans[j][0]
                for src in s_spans[i][1:]:
                    i1, j1 = i + src.size, j + 1
                    if lo[i1] <= j1 <= hi[i1]:
                        c = _static_cost(src, tgt1, s_turns, t_turns, p)
                        cell.append((i, j, i1, j1, c, src.length, tgt1.length))
                row.append(cell)
            self.matches.append(row)

    def node(self, i: int, j: int, s: int) -> int:
        return (self.offset[i] + j - self.lo[i]) * 2 + s

    def touches_edge(self, path, margin: int) -> bool:
        """Whether a path comes within ``margin`` target turns of a band edge that is not the
        lattice's own edge: then a better path may lie outside the band."""
        if self.band is None or self.band >= self.m:
            return False
        for e in path:
            for i, j in ((e[3], e[4]), (e[5], e[6])):
                if (self.lo[i] > 0 and j - self.lo[i] < margin) or (self.hi[i] < self.m and self.hi[i] - j < margin):
                    return True
        return False

    def edges(self, mu: float, s_lo: float, s_hi: float) -> list[tuple]:
        """(from node, to node, cost, i0, j0, i1, j1), sorted by from node; all move forward."""
        p, n, m = self.p, self.n, self.m
        lo, hi, offset = self.lo, self.hi, self.offset
        skip_t, skip_open, skip_s = p.skip_target, p.skip_target_open, p.skip_source
        out = []
        append = out.append
        for i in range(n + 1):
            row = self.matches[i] if i < n else None
            lo_i, hi_i = lo[i], hi[i]
            down_ok = i < n
            if down_ok:
                lo_d, hi_d, off_d = lo[i + 1], hi[i + 1], offset[i + 1]
            # before the first and after the last source turn a block of left-out target
            # turns opens for free (an intro or outro the source did not translate)
            open_cost = 0.0 if i == 0 or i == n else skip_open
            for j in range(lo_i, hi_i + 1):
                base = (offset[i] + j - lo_i) * 2
                moves = [
                    ((offset[i1] + j1 - lo[i1]) * 2, c + _length_cost(la, lb, mu, s_lo, s_hi, p), i1, j1)
                    for (_, _, i1, j1, c, la, lb) in (row[j - lo_i] if row is not None and j < m else ())
                ]
                right = j < hi_i
                down = down_ok and lo_d <= j <= hi_d
                if down:
                    down_base = (off_d + j - lo_d) * 2
                for s in (0, 1):
                    u = base + s
                    if right:
                        append((u, base + 3, skip_t if s else skip_t + open_cost, i, j, i, j + 1))
                    if down:  # a dropped source turn does not interrupt a block of skips
                        append((u, down_base + s, skip_s, i, j, i + 1, j))
                    for v, c, i1, j1 in moves:
                        append((u, v, c, i, j, i1, j1))
        return out


def _viterbi(lat: _Lattice, edges) -> list[tuple]:
    size = lat.size
    inf = math.inf
    best = [inf] * size
    back: list[tuple | None] = [None] * size
    best[lat.node(0, 0, 0)] = 0.0
    for e in edges:
        v = best[e[0]] + e[2]
        if v < best[e[1]]:
            best[e[1]] = v
            back[e[1]] = e
    end0, end1 = lat.node(lat.n, lat.m, 0), lat.node(lat.n, lat.m, 1)
    u = end0 if best[end0] <= best[end1] else end1
    path = []
    start = lat.node(0, 0, 0)
    while u != start:
        e = back[u]
        path.append(e)
        u = e[0]
    path.reverse()
    return path


def _logaddexp(x: float, y: float) -> float:
    if x < y:
        x, y = y, x
    if y == -math.inf:
        return x
    return x + math.log1p(math.exp(y - x))


def _posteriors(lat: _Lattice, edges, tau: float):
    """Soft-min forward/backward: log-weights of reaching (fwd) and leaving (bwd) each node.

    ``edges`` are sorted by their start node and every edge moves forward, so a node is
    complete before any edge leaves it (forward) or enters it (backward).
    """
    size = lat.size
    ninf = -math.inf
    exp, log1p = math.exp, math.log1p
    fwd = [ninf] * size
    fwd[lat.node(0, 0, 0)] = 0.0
    for e in edges:
        u, v, c = e[0], e[1], e[2]
        x = fwd[u]
        if x == ninf:
            continue
        x -= c / tau
        y = fwd[v]
        if y == ninf:
            fwd[v] = x
        elif x > y:
            fwd[v] = x + log1p(exp(y - x))
        else:
            fwd[v] = y + log1p(exp(x - y))
    ends = (lat.node(lat.n, lat.m, 0), lat.node(lat.n, lat.m, 1))
    total = _logaddexp(fwd[ends[0]], fwd[ends[1]])
    bwd = [ninf] * size
    for u in ends:
        bwd[u] = 0.0
    for e in reversed(edges):
        u, v, c = e[0], e[1], e[2]
        x = bwd[v]
        if x == ninf:
            continue
        x -= c / tau
        y = bwd[u]
        if y == ninf:
            bwd[u] = x
        elif x > y:
            bwd[u] = x + log1p(exp(y - x))
        else:
            bwd[u] = y + log1p(exp(x - y))
    return fwd, bwd, total


def _estimate_length_model(path, s_turns, t_turns, mu, s_lo, s_hi):
    """Median and one-sided robust spreads of log(target/source) over the 1-1 links found."""
    ratios = sorted(
        math.log(t_turns[j0].length / s_turns[i0].length)
        for _, _, _, i0, j0, i1, j1 in path
        if i1 - i0 == 1 and j1 - j0 == 1 and s_turns[i0].length >= 40
    )
    if len(ratios) < 8:
        return mu, s_lo, s_hi
    med = ratios[len(ratios) // 2]
    lo = sorted(med - r for r in ratios if r < med)
    hi = sorted(r - med for r in ratios if r > med)
    if not lo or not hi:
        return mu, s_lo, s_hi
    sig_lo = min(max(lo[len(lo) // 2] * 1.4826, 0.2), 1.0)
    sig_hi = min(max(hi[len(hi) // 2] * 1.4826, sig_lo, 0.3), 1.5)
    return med, sig_lo, sig_hi


def align(a: list[AlignInput], b: list[AlignInput], params: AlignParams | None = None) -> list[Link]:
    """Links from each turn of the shorter transcript to the turns of the longer one.

    The side with fewer turns is the source (``a`` on a tie; see :func:`source_side`).
    Returns one :class:`Link` per source turn that has a counterpart, in source order;
    source turns without a counterpart are absent. Targets are consecutive ordinals.
    """
    p = params or AlignParams()
    if not a or not b:
        return []
    src, tgt = (b, a) if source_side(a, b) == "b" else (a, b)
    src = sorted(src, key=lambda t: t.ordinal)
    tgt = sorted(tgt, key=lambda t: t.ordinal)
    s_turns, t_turns, lang_s, lang_t = _prepare(src, tgt, p)

    cs, ct = _CHARS_PER_CONTENT.get(lang_s), _CHARS_PER_CONTENT.get(lang_t)
    if cs and ct:
        mu = math.log(ct / cs)
    else:  # no prior: the ratio of totals (biased by abridgement, refined below)
        mu = math.log(sum(t.length for t in t_turns) / sum(t.length for t in s_turns))
    s_lo, s_hi = p.sigma_shorter, p.sigma_longer
    mu0, s_lo0, s_hi0 = mu, s_lo, s_hi

    # Small pairs get the whole lattice. Larger ones start in a band around the diagonal and
    # widen it while the best path runs along its edge (a long left-out block pulls the path
    # off the diagonal): 300 x 300 turns took 4 s and 1 GB in the whole lattice.
    n, m = len(s_turns), len(t_turns)
    band = None if n * m <= FULL_LATTICE_CELLS else max(MIN_BAND, m // 8)
    margin = p.max_target_merge + 1
    model = (mu, s_lo, s_hi)
    while True:
        mu, s_lo, s_hi = model
        lat = _Lattice(s_turns, t_turns, p, band)
        edges = lat.edges(mu, s_lo, s_hi)
        path = _viterbi(lat, edges)
        if p.reestimate:
            model = _estimate_length_model(path, s_turns, t_turns, mu, s_lo, s_hi)
            if model != (mu, s_lo, s_hi):
                mu, s_lo, s_hi = model
                edges = lat.edges(mu, s_lo, s_hi)
                path = _viterbi(lat, edges)
        if not lat.touches_edge(path, margin):
            break
        band *= 2
        model = (mu0, s_lo0, s_hi0)

    tau = p.temperature
    fwd, bwd, total = _posteriors(lat, edges, tau)
    by_source: list[list[tuple]] = [[] for _ in range(lat.n)]  # match edges by first source
    for e in edges:
        if e[5] > e[3] and e[6] > e[4]:
            by_source[e[3]].append(e)

    def cover_prob(i: int, j_main: int) -> float:
        """Posterior that source i is aligned to a span that contains target j_main."""
        acc = 0.0
        for i0 in range(max(0, i - p.max_source_merge + 1), i + 1):
            for u, v, c, _, j0, i1, j1 in by_source[i0]:
                if i < i1 and j0 <= j_main < j1:
                    acc += math.exp(fwd[u] - c / tau + bwd[v] - total)
        return min(1.0, acc)

    links: list[Link] = []
    for _, _, c, i0, j0, i1, j1 in path:
        if i1 == i0 or j1 == j0:
            continue
        # the posterior only compares the alignments the model allows; a link that is the
        # best of bad options (its own texts disagree) is marked down by its local evidence
        src_span, tgt_span = lat.s_spans[i0][i1 - i0 - 1], lat.t_spans[j0][j1 - j0 - 1]
        evidence = c - _structural_cost(src_span, tgt_span, s_turns, t_turns, p)
        local = 1.0 / (1.0 + math.exp(evidence - p.evidence_offset))
        targets = [t_turns[j].ordinal for j in range(j0, j1)]
        for i in range(i0, i1):
            main = _main_target(s_turns[i], t_turns, j0, j1)
            conf = cover_prob(i, main) * local
            links.append(Link(source=s_turns[i].ordinal, targets=list(targets), confidence=round(conf, 4)))
    return links


def _main_target(s: _Turn, t_turns: list[_Turn], j0: int, j1: int) -> int:
    """The longest target turn of the source's speaker in [j0, j1) (else the longest)."""
    same = [j for j in range(j0, j1) if t_turns[j].role == s.role]
    pool = same or list(range(j0, j1))
    return max(pool, key=lambda j: t_turns[j].length)
