"""German analysis: the position-keeping stop filter, compound splitting (index time only) and
Snowball stemming with the loan-word and feminine-form fixes. See ``analysis`` for the design
and the measurements behind it."""

from __future__ import annotations

import gzip
import re
import threading
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import Filter
from whoosh.lang import stemmer_for_language

from interviews.search.tokenizer import fold

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
GERMAN_WORDLIST = DATA_DIR / "de_compound_words.tsv.gz"

# --------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------


class PositionKeepingStopFilter(Filter):
    """Drop stop words and close the gaps they leave, keeping same-position tokens together.

    Whoosh's ``StopFilter(renumber=True)`` numbers every surviving token anew, which would pull
    apart tokens that share a position; this one subtracts the number of removed positions.
    """

    def __init__(self, stoplist):
        self.stops = frozenset(stoplist)

    def __call__(self, tokens):
        stops = self.stops
        removed = 0
        last_removed = None
        for t in tokens:
            is_stop = not getattr(t, "whole", False) and t.text in stops
            if is_stop and t.removestops:
                if t.positions and t.pos != last_removed:
                    removed += 1
                    last_removed = t.pos
                continue
            t.stopped = is_stop  # kept only when the caller asked for removestops=False
            if t.positions and removed:
                t.pos -= removed
            yield t


class GermanCompoundFilter(Filter):
    """At index time, follow each compound with its parts (same position and characters)."""

    def __call__(self, tokens):
        for t in tokens:
            if getattr(t, "whole", False) or t.mode == "query":
                yield t
                continue
            # Split before yielding: the filters after this one rewrite t.text in place.
            parts = []
            for part in split_german_compound(t.text):
                if part != t.text and part not in parts:
                    parts.append(part)
            yield t
            for part in parts:
                t.text = part
                t.boost = 1.0
                yield t


class GermanStemFilter(Filter):
    """Snowball German stemming plus the loan-word plural fix (see :func:`_stem_de`)."""

    def __call__(self, tokens):
        for t in tokens:
            if not getattr(t, "whole", False):
                t.text = _stem_de(t.text)
            yield t


_german_stem = stemmer_for_language("de")
_LOANWORD_S_BEFORE = frozenset("aiouywpc")
# Feminine agent nouns: Gründerin(nen) -> Gründer, Investorin(nen) -> Investor.
_FEMININE_RE = re.compile(r"^([a-z]{3,}(?:er|or))(?:in|innen)$")
# Snowball maps Gründer to "grund", the stem of Grund/Gründe (reason); in a founder archive the
# founders must stay apart, so (Mit-, Serien-)Gründer(n/s) keep their own term.
_GRUENDER_RE = re.compile(r"^([a-z]*grunder)(?:n|s)?$")


@lru_cache(maxsize=100000)
def _stem_de(word: str) -> str:
    feminine = _FEMININE_RE.match(word)
    if feminine:
        word = feminine.group(1)
    founder = _GRUENDER_RE.match(word)
    if founder:
        return founder.group(1)
    stem = _german_stem(word)
    # Snowball German only strips -s after b d f g h k l m n r t, so English loan words keep
    # their plural -s (Interviews, Startups) and -s plurals of vowel-final nouns stay (Autos).
    if len(stem) >= 4 and stem[-1] == "s" and stem[-2] in _LOANWORD_S_BEFORE and stem.isascii() and stem.isalpha():
        stem = stem[:-1]
    return stem


# Modest German stop list (folded): articles, pronoun "es/sich", the commonest conjunctions and
# prepositions, and the copula.  "nicht", "kein" and question words are kept on purpose.
GERMAN_STOPWORDS = frozenset(
    fold(w)
    for w in """
    der die das den dem des ein eine einen einem einer eines
    und oder aber als auch so dass da
    zu zum zur im in am an auf aus bei mit von vom für
    ist sind war es sich
""".split()
)


# --------------------------------------------------------------------------------------------
# German compound splitting
# --------------------------------------------------------------------------------------------

_MIN_PART = 4  # letters per part
_MIN_COMPOUND = 8  # letters of a word worth trying to split
_MAX_PARTS = 4
_COMMON_ZIPF = 350  # Zipf x 100: words this common (or their base form) are never split
_SHORT_PART_ZIPF = 320  # a part of exactly _MIN_PART letters must be at least this common
_LINKERS = ("", "s", "es", "n", "en", "e", "er", "ens")
_INFLECTIONS = ("e", "en", "er", "es", "em", "n", "s", "ern", "ste", "sten", "ster", "stes", "stem")
# Parts that are really particles, prefixes or function words.
_NOT_PARTS = frozenset(
    fold(w)
    for w in """
    aber alle allem allen aller alles also ander andere anderen anders auch dann dass dein deine
    denn dich dies diese diesem diesen dieser dieses doch dort durch eine einem einen einer eines
    etwas euch euer eure gegen ganz hier hinter ihre ihrem ihren ihrer immer jede jedem jeden
    jeder jedes jene jetzt kein keine mein meine mich nach nicht noch ohne oder sein seine sehr
    selbst sich sind schon sonst über unser unter viel vom von wann weil wenn werden wieder wird
    zwar zwischen
    heraus herein hervor hinzu hinaus hinein zurück zusammen voran vorbei vorher nachher weiter
    weit fort bevor überein letzt erst einzug vorab
    inter trans para proto anti auto mono poly semi super ultra mega mikro micro mini multi
    ausg lieg line spezi techno tran domini bill gege
""".split()
)
# Heads that are derivational/inflectional endings rather than words.
_NOT_HEADS = frozenset(
    """
    ende endes ender enden endem ionen ares erweise sten ster stes ming stor nich former seller
    lich liche licher lichen lichem isch ische ischer ischen ischem tisch logisch logische
    heit heiten keit keiten schaft schaften ling linge tion tionen ungen igen iges iger ige igem
    igkeit bare barer baren barem weise erin innen erinnen
""".split()
)

_wordlist_lock = threading.Lock()
_wordlist = None


def _german_words() -> dict:
    """folded word -> Zipf frequency x 100, loaded on first use."""
    global _wordlist
    if _wordlist is not None:
        return _wordlist
    with _wordlist_lock:
        if _wordlist is None:
            words = {}
            with gzip.open(GERMAN_WORDLIST, "rt", encoding="utf-8") as fh:
                for line in fh:
                    if not line or line[0] == "#":
                        continue
                    word, _, zipf = line.rstrip("\n").partition("\t")
                    words[word] = int(zipf)
            _wordlist = words
    return _wordlist


def _part_zipf(part: str, head: bool):
    if len(part) < _MIN_PART or part in _NOT_PARTS or (head and part in _NOT_HEADS):
        return None
    zipf = _german_words().get(part)
    if zipf is not None and len(part) == _MIN_PART and zipf < _SHORT_PART_ZIPF:
        return None  # rare 4-letter strings are mostly noise ("rent" in weiterentwickeln)
    return zipf


@lru_cache(maxsize=65536)
def _best_split(rest: str, parts_left: int):
    """Best split of ``rest`` into 1..parts_left parts: (sum of zipf, parts) or None."""
    best = None
    zipf = _part_zipf(rest, head=True)
    if zipf is not None:
        best = (zipf, (rest,))
    if parts_left < 2 or len(rest) < 2 * _MIN_PART:
        return best
    for i in range(_MIN_PART, len(rest) - _MIN_PART + 1):
        left = rest[:i]
        left_best = None
        for linker in _LINKERS:
            if linker and not left.endswith(linker):
                continue
            base = left[: len(left) - len(linker)] if linker else left
            z = _part_zipf(base, head=False)
            if z is not None and (left_best is None or z > left_best[0]):
                left_best = (z, base)
        if left_best is None:
            continue
        right = _best_split(rest[i:], parts_left - 1)
        if right is None:
            continue
        parts = (left_best[1],) + right[1]
        total = left_best[0] + right[0]
        # Compare geometric means of the frequencies, i.e. mean Zipf per part.
        if best is None or total / len(parts) > best[0] / len(best[1]):
            best = (total, parts)
    return best


@lru_cache(maxsize=100000)
def split_german_compound(word: str) -> tuple:
    """The parts of a folded, lower-cased German compound, or ``()`` if it is not split.

    >>> split_german_compound("datenqualitat")
    ('daten', 'qualitat')
    """
    if len(word) < _MIN_COMPOUND or not word.isascii() or not word.isalpha():
        return ()
    feminine = _FEMININE_RE.match(word)  # Seriengründerinnen is split like Seriengründer
    if feminine:
        word = feminine.group(1)
    words = _german_words()
    if words.get(word, 0) >= _COMMON_ZIPF:
        return ()
    for ending in _INFLECTIONS:
        if word.endswith(ending) and words.get(word[: -len(ending)], 0) >= _COMMON_ZIPF:
            return ()
    best = _best_split(word, _MAX_PARTS)
    if best is None or len(best[1]) < 2:
        return ()
    return best[1]
