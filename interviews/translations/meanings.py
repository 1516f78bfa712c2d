"""Word meanings as alignment evidence: each turn as a bag of English glosses of its words, looked
up in bilingual dictionaries, so that a German turn and a Chinese one that say the same thing share
keys (``Spiele`` -> games -> game, ``游戏`` -> game). Pure Python, no Django: the dictionary look-up
and the Chinese word segmenter are passed in (:func:`gloss_function`).

Translations are rarely word for word and a dictionary gives several senses, so one shared gloss
means little; what counts is how much more two turns share than a turn shares with the turns around
it. :func:`similarities` therefore weights each gloss by how rare it is in the two documents (idf),
keeps only glosses both documents have, and compares with a cosine.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable

from interviews import languages

#: ``translate(language, word)`` -> English glosses, best first (empty when unknown).
Translate = Callable[[str, str], list[str]]
#: ``segment(han_run)`` -> the words of a run of Chinese characters.
Segment = Callable[[str], Iterable[str]]
#: ``glosses(text, language)`` -> English gloss keys with counts: what :func:`~interviews.translations.align.align` takes.
Glosses = Callable[[str, str], Counter]

_LATIN_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_HAN_RUN_RE = re.compile(f"[{languages.HAN}]+")
# German inflections tried, longest first, when a word form is not in the dictionary.
_GERMAN_ENDINGS = ("ern", "en", "er", "es", "em", "e", "n", "s")
GLOSSES_PER_WORD = 3


# English words too common in glosses to tell turns apart ("to be fond of", "from childhood").
_GLOSS_FILLERS = frozenset(
    "a an and as at be by for from in into of on one or out sb sth someone something the to up with".split()
)


def _word_key(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith(("ches", "shes", "xes", "sses")):
            return word[:-2]
        return word[:-1]
    return word


def gloss_keys(gloss: str) -> list[str]:
    """Keys of one English gloss: its words without fillers, in the singular (``"Games"`` ->
    game; ``"from childhood"`` -> childhood; ``"be fond of"`` -> fond), so that glosses written
    differently in two dictionaries still meet."""
    words = re.findall(r"[a-z0-9]+", languages.fold(gloss))
    return [_word_key(w) for w in words if w not in _GLOSS_FILLERS and len(w) > 1]


def gloss_function(translate: Translate, segment: Segment | None = None) -> Glosses:
    """A :data:`Glosses` function over a dictionary look-up. Words the dictionary does not know
    add nothing (names and terms are the aligner's anchors already)."""
    cache: dict[tuple[str, str], tuple[str, ...]] = {}

    def lookup(language: str, word: str) -> tuple[str, ...]:
        key = (language, word)
        if key not in cache:
            found = translate(language, word)
            if not found and language == "de":
                for ending in _GERMAN_ENDINGS:
                    if len(word) - len(ending) >= 3 and word.endswith(ending):
                        found = translate(language, word[: -len(ending)])
                        if found:
                            break
            cache[key] = tuple(dict.fromkeys(k for g in found[:GLOSSES_PER_WORD] for k in gloss_keys(g)))
        return cache[key]

    def glosses(text: str, language: str) -> Counter:
        out: Counter = Counter()
        language = languages.base(language)
        if language in languages.CJK:
            if segment is None:
                return out
            for run in _HAN_RUN_RE.findall(text):
                for word in segment(run):
                    out.update(lookup(language, word))
        else:
            for word in _LATIN_WORD_RE.findall(text):
                out.update(lookup(language, languages.fold(word)))
        return out

    return glosses


def weights(bags_a: list[Counter], bags_b: list[Counter]) -> dict[str, float]:
    """idf of the glosses both documents have, over the turns of both."""
    df_a, df_b = Counter(), Counter()
    for bag in bags_a:
        df_a.update(bag.keys())
    for bag in bags_b:
        df_b.update(bag.keys())
    n = len(bags_a) + len(bags_b)
    return {k: math.log(n / (df_a[k] + df_b[k])) for k in df_a.keys() & df_b.keys()}


def vector(bag: Counter, idf: dict[str, float]) -> dict[str, float]:
    """Sub-linear term frequency times idf, for the glosses in ``idf``."""
    return {k: (1.0 + math.log(c)) * idf[k] for k, c in bag.items() if k in idf and idf[k] > 0}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b[k] for k, w in a.items() if k in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(w * w for w in a.values()) * sum(w * w for w in b.values()))


def unit(vector: dict[str, float]) -> dict[str, float]:
    """``vector`` scaled to length 1 (empty stays empty): the cosine of two unit vectors is their
    :func:`dot`, which the aligner computes for every cell of its lattice."""
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {k: w / norm for k, w in vector.items()} if norm else {}


def dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b[k] for k, w in a.items() if k in b)
