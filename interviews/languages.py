"""Languages and scripts: the only home for language codes, their names, and the character ranges
of the scripts the archive treats specially. Pure Python, no Django.

The archive stores ISO 639-1 base codes ("de", "zh"); regional tags ("zh-TW", "de_DE") reduce
to their base with :func:`base`, except where a module needs the region (the card's CJK face).
"""

import re
import unicodedata

# The languages the archive's analyzers, topic vocabulary and interface are built for, in the
# order they are offered.
SUPPORTED = ("en", "de", "zh")

# Each language's name in itself: what a reader of that language looks for in a list.
NAMES = {
    "de": "Deutsch",
    "en": "English",
    "zh": "中文",
    "ja": "日本語",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "ko": "한국어",
    "ru": "Русский",
    "pt": "Português",
    "nl": "Nederlands",
}

# English names, for citations (written in English whatever the quote's language).
ENGLISH_NAMES = {
    "de": "German",
    "en": "English",
    "zh": "Chinese",
    "ja": "Japanese",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "ko": "Korean",
    "ru": "Russian",
    "pt": "Portuguese",
    "nl": "Dutch",
}

# A language tag as editors and manifests write it: "de", "zh-CN", "pt-BR", "gsw".
CODE_RE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", re.IGNORECASE)

# Languages written without spaces between words, in CJK scripts.
CJK = frozenset({"zh", "ja", "ko"})

# --- Script ranges (for character classes: use inside [...]) ---------------------------------------

# CJK unified ideographs (extension A, the main block, compatibility ideographs, extensions B-F
# and the compatibility supplement).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
# Hiragana, katakana (with the prolonged sound mark), katakana extensions, half-width katakana.
KANA = "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
# Hangul syllables.
HANGUL = "\uac00-\ud7af"
# Any character of a CJK script.
CJK_CHARS = HAN + KANA + HANGUL

CJK_CHAR_RE = re.compile(f"[{CJK_CHARS}]")

# Languages written in the Latin script (those uploads come in): a CJK character in their text is
# a sign of a wrong encoding, as is a Cyrillic, Greek or Arabic letter in Chinese, Japanese or Korean.
LATIN_SCRIPT = frozenset(
    {"en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "no", "fi", "tr", "cs", "hu", "ro", "id", "vi"}
)
# Greek, Cyrillic, Armenian, Hebrew, Arabic, Thai, Georgian: letters no CJK transcript is written in.
_NOT_IN_CJK_RE = re.compile("[\u0370-\u06ff\u0e00-\u0e7f\u10a0-\u10ff]")


def base(code: str | None) -> str:
    """``"zh-CN"`` → ``"zh"``, ``"de_DE"`` → ``"de"``, ``None`` → ``""``."""
    return (code or "").strip().replace("_", "-").split("-")[0].lower()


def name(code: str) -> str:
    """The language's own name, or the code itself for a language not listed."""
    return NAMES.get(code, code)


def english_name(code: str) -> str:
    return ENGLISH_NAMES.get(code, code)


def is_cjk(code: str | None) -> bool:
    """True for Chinese, Japanese and Korean, whatever the region tag."""
    return base(code) in CJK


def has_cjk(text: str) -> bool:
    return CJK_CHAR_RE.search(text) is not None


def foreign_letters(text: str, code: str) -> tuple[int, str]:
    """How many letters of `text` are in a script `code`'s language is not written in, and which
    script: (0, "") when all fit, or when the language's script is not known here."""
    code = base(code)
    if code in LATIN_SCRIPT:
        return len(CJK_CHAR_RE.findall(text)), "Chinese, Japanese or Korean"
    if code in CJK:
        return len(_NOT_IN_CJK_RE.findall(text)), "Greek, Cyrillic or Arabic"
    return 0, ""


_COMBINING_RE = re.compile("[\u0300-\u036f]")

# Latin letters Unicode does not decompose into a base letter and a mark, written as a reader
# without them types them (after case folding, so lower case only).
_LATIN_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def fold(text: str) -> str:
    """Case-fold and strip Latin diacritics: ``"Datenqualität"`` -> ``"datenqualitat"``.

    ß becomes ss (``str.casefold``), ligatures (ﬁ) and full-width Latin letters and digits become
    ASCII (NFKD/NFKC), ø æ œ ł đ ð þ ı become o ae oe l d d th i, and only the combining diacritical
    marks U+0300-U+036F are removed, so Japanese voiced kana (が) and Hangul survive unchanged.
    Search analysis and topic keywords fold alike, so Datenqualität, DATENQUALITÄT and
    datenqualitat are one word everywhere, as are Wiśniewski and Wisniewski.
    """
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_LATIN_LETTERS)
    text = _COMBINING_RE.sub("", text)
    return unicodedata.normalize("NFKC", text)


_HAN_RE = re.compile(f"[{HAN}]")
_to_simplified = None


def to_simplified(text: str) -> str:
    """Traditional Chinese characters as simplified ones (OpenCC's ``t2s``): ``"數據"`` -> ``"数据"``.

    The archive's Chinese is indexed and searched in simplified characters, so a reader in Taiwan
    or Hong Kong finds a simplified transcript and the other way round. Text without Han
    characters is returned as it is, without loading OpenCC.
    """
    global _to_simplified
    if not _HAN_RE.search(text):
        return text
    if _to_simplified is None:
        import opencc

        _to_simplified = opencc.OpenCC("t2s").convert
    return _to_simplified(text)
