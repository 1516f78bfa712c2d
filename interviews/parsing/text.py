"""Small text measures the steps share: CJK-aware width and word counts, sentence ends, label keys."""

from __future__ import annotations

import re
from functools import lru_cache

from interviews import languages

_SENTENCE_END = set(".?!。？！:：;；…~～")
_CLOSERS = "\"')]}»›”’」』】）》"


def cjk_count(text: str) -> int:
    return len(languages.CJK_CHAR_RE.findall(text))


def display_width(text: str) -> int:
    """Display width: a CJK character counts as two Latin ones."""
    return len(text) + cjk_count(text)


def word_count(text: str) -> int:
    """Words, counting each CJK character as half a word (Chinese has no spaces)."""
    cjk = cjk_count(text)
    latin = len(languages.CJK_CHAR_RE.sub(" ", text).split())
    return latin + (cjk + 1) // 2


def ends_sentence(text: str) -> bool:
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    return bool(stripped) and stripped[-1] in _SENTENCE_END


_NO_WORD_RE = re.compile(r"[\W_]+")


def is_punctuation_only(text: str) -> bool:
    return bool(_NO_WORD_RE.fullmatch(text))


@lru_cache(maxsize=4096)
def label_key(label: str) -> str:
    """What two spellings of one label share: "HOST" and "Host ", "Aidan  Gomez" and "aidan gomez"."""
    return " ".join(label.split()).casefold()
