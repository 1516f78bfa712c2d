"""Text analysis for the interview search: German, Chinese, English and a generic fallback.

Pure Whoosh + jieba; this module imports nothing from Django, so it can be used by the Haystack
search indexes, by management commands and by plain unit tests alike.

Public API
==========
``german_analyzer()``, ``chinese_analyzer()``, ``english_analyzer()``, ``generic_analyzer()``
    Whoosh analyzers.  ``ANALYZERS = {"de": ..., "zh": ..., "en": ...}``; ``analyzer_for(code)``
    picks one by language code ("de-DE", "zh_Hans", "EN" work) and falls back to the generic one.
``multilingual_fields(prefix="text")`` / ``multilingual_query(query_string, schema, fieldnames)``
    One TEXT field per language and a query that is parsed once *per field* and OR-ed.
``query_terms(query_string, language)``
    The analysed terms of a user query, for highlighting.
``highlight(text, query, language)``
    A safe HTML snippet whose only tags are ``<mark>``.
``split_german_compound(word)`` and ``fold(text)``
    The building blocks, exposed for inspection and tests.

How the analyzers behave
========================
Every analyzer gives each *word* its own sequential position (0, 1, 2, ...) so quoted phrase
queries work; extra tokens that only exist to widen recall (German compound parts, longer/shorter
Chinese words) are added *at index time only*, at the position of the word they come from, and
carry the word's start/end characters, so highlighting maps back onto the original text.  A query
(``mode="query"``) produces exactly one token per position, because Whoosh's phrase parser flattens
the token list and would otherwise demand the overlapping tokens one after the other.
``tokenize=False`` (what Whoosh uses for ``*``, prefix and wildcard terms) yields the whole value
as one token (folded, not stemmed), so ``*`` still parses to "every document" -- jieba's stock
``ChineseAnalyzer`` ignores that flag and breaks ``SearchQuerySet().all()``.

Chinese (and Han runs in any field): jieba's precise cut on Han runs only; every other run of word
characters is a plain lower-cased token (Latin words and numbers inside Chinese text are searchable),
kana runs become overlapping bigrams.  A jieba word longer than two characters is split into the
smallest sequence of shorter dictionary words ("atoms": 数据质量 -> 数据 质量, 至关重要 -> 至关 重要)
when one covers it completely; atoms get the positions, and at index time the whole word plus every
other dictionary word inside it (what ``cut_for_search`` adds) is indexed as well.  Queries are cut
into atoms, which are decided by the word alone, so a query and a document agree even where jieba
cuts the surrounding sentence differently (大数据质量 is cut 大/数据/质量, yet 数据质量 finds it).

German: lower-case and fold (ä->a, ö->o, ü->u, ß->ss, other Latin accents dropped) so datenqualitat
finds Datenqualität; a modest stop list (articles, a few conjunctions and prepositions); compound
splitting at index time (below); Snowball German stemming, plus one fix for English loan words the
German stemmer leaves alone: a final -s after a, i, o, u, y, w, p or c is dropped from the stem
(Interviews -> interview, Startups -> startup, Autos -> auto).  The fix is applied to the stem, so
every inflection of a word still gets the same term.  Feminine -erin/-erinnen/-orin(nen) forms are
stemmed like the masculine (Gründerinnen -> Gründer), and Gründer keeps its own term instead of
Snowball's "grund" (which it shares with Grund/Gründe, "reason").

German compounds -- design choice
---------------------------------
Dictionary splitting with word frequencies (Koehn & Knight 2003 style), index time only.  The
word list (``interviews/data/de_compound_words.tsv.gz``, 59k folded words of >= 4 letters with
their Zipf frequency, derived from the PyPI package wordfreq 3.1.1, CC BY-SA 4.0; see the file's
header) lets a word of >= 8 letters be split into 2-4 known parts of >= 4 letters (Zipf >= 2.7, and
>= 3.2 for 4-letter parts), with the linking elements -s-, -es-, -n-, -en-, -e-, -er-, -ens-
allowed between parts (feminine -in/-innen is set aside first); among the possible
splits the one with the highest geometric-mean frequency wins.  A word is *not* split when it (or
its form without a common inflection ending) is itself a common word (Zipf >= 3.5: wahrscheinlich,
unternehmen, erstellen, parameter), and parts may not be function words, verb particles or
suffix-like fragments (-ende, -lich, -isch, ...).  The compound and its stemmed parts are all indexed
at the compound's position, so Datenqualität is found by Datenqualität, datenqualitat, Daten and
Qualität, and a quoted phrase containing the compound still matches.  The query side keeps the
compound whole: every inflection of a compound indexes the compound's stem, whereas the decision
to split can differ between inflections (one form common, another rare).

Why not the alternatives: Whoosh's ``CompoundWordFilter`` leaves a word alone as soon as it is in
the word list (a real list contains many compounds) and knows no linking elements, so with this
same list it left Rechenleistung and Forschungsergebnisse unsplit; it also takes the shortest known
prefix first instead of weighing the alternatives; prefix/suffix
or n-gram sub-tokens match fragments across unrelated words (Kandidaten -> daten) and multiply the
index; the PyPI decompounders (compound-split 2020, charsplit-fst 0.1.x) are unmaintained or very
new.  Measured on the German sample transcript (153 paragraphs, indexed 20 times): the parts add
8% tokens, 2% distinct terms, 4% index size and about 10% indexing time (0.68 -> 0.76 s).

Searching several languages
===========================
Give each language its own TEXT field with its own analyzer (``multilingual_fields()``) and put a
turn's text into the field of its language.  Match a user query against every field by parsing the
*whole* query once per field and OR-ing the results (``multilingual_query()``; in Haystack:
``SQ(text_de=AutoQuery(q)) | SQ(text_zh=AutoQuery(q)) | SQ(text_en=AutoQuery(q))``).  Don't use
Whoosh's ``MultifieldParser`` for this: it ORs the fields term by term, so a word that is a stop
word in one language and absent from the other fields ("die Daten") makes the whole AND fail.
In Haystack a field gets its analyzer through the field's ``analyzer`` attribute, e.g.
``CharField(model_attr=..., analyzer=german_analyzer())``; Whoosh pickles the analyzer into the
index's table of contents, which is why every class here is plain, module-level and picklable.

jieba is initialised once, lazily, quietly (its logger is set to WARNING) and with its cache file
in a writable directory (``$JIEBA_CACHE_DIR``, else the system temp dir, else ``~/.cache/jieba``).
"""

from __future__ import annotations

import gzip
import html
import logging
import math
import os
import re
import tempfile
import threading
import unicodedata
import warnings
from bisect import bisect_right
from fnmatch import translate as _fnmatch_translate
from functools import lru_cache
from pathlib import Path

from whoosh import query as wq
from whoosh.analysis import Filter, StemmingAnalyzer, Token, Tokenizer
from whoosh.fields import TEXT, Schema
from whoosh.lang import stemmer_for_language
from whoosh.qparser import AndGroup, QueryParser

__all__ = [
    "ANALYZERS",
    "LANGUAGES",
    "analyzer_for",
    "chinese_analyzer",
    "english_analyzer",
    "fold",
    "generic_analyzer",
    "german_analyzer",
    "highlight",
    "multilingual_fields",
    "multilingual_query",
    "query_terms",
    "split_german_compound",
]

LANGUAGES = ("de", "zh", "en")

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
GERMAN_WORDLIST = DATA_DIR / "de_compound_words.tsv.gz"

# --------------------------------------------------------------------------------------------
# Character classes and folding
# --------------------------------------------------------------------------------------------

# CJK unified ideographs (incl. extension A, compatibility ideographs, extensions B-F and the
# compatibility supplement) and ideographic iteration/zero marks.
_HAN = "\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
# Hiragana, katakana (incl. the prolonged sound mark), katakana extensions, half-width katakana.
_KANA = "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_RUN_RE = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<kana>[{_KANA}]+)|(?P<word>[^\W{_HAN}{_KANA}]+)")
_CJK_CHAR_RE = re.compile(rf"[{_HAN}{_KANA}\u3040-\u30ff\uac00-\ud7af]")
_WORD_CHAR_RE = re.compile(r"\w")
_COMBINING_RE = re.compile("[\u0300-\u036f]")
_WHITESPACE_RE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case-fold and strip Latin diacritics: ``"Datenqualität"`` -> ``"datenqualitat"``.

    ß becomes ss (``str.casefold``), full-width Latin letters and digits become ASCII (NFKC), and
    only the combining diacritical marks U+0300-U+036F are removed, so Japanese voiced kana
    (が) and Hangul survive unchanged.
    """
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.casefold())
    text = _COMBINING_RE.sub("", text)
    return unicodedata.normalize("NFKC", text)


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_CHAR_RE.match(ch))


# --------------------------------------------------------------------------------------------
# jieba: lazy, quiet, once
# --------------------------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba_dt = None


def _writable_dir(path) -> bool:
    return bool(path) and os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def _jieba_cache_dir():
    env = os.environ.get("JIEBA_CACHE_DIR")
    if env:
        try:
            os.makedirs(env, exist_ok=True)
        except OSError:
            pass
        if _writable_dir(env):
            return env
    tmp = tempfile.gettempdir()
    if _writable_dir(tmp):
        return tmp
    home_cache = os.path.join(os.path.expanduser("~"), ".cache", "jieba")
    try:
        os.makedirs(home_cache, exist_ok=True)
    except OSError:
        return None
    return home_cache if _writable_dir(home_cache) else None


def _jieba():
    """The initialised default jieba tokenizer (``jieba.dt``), set up on first use."""
    global _jieba_dt
    if _jieba_dt is not None:
        return _jieba_dt
    with _jieba_lock:
        if _jieba_dt is None:
            with warnings.catch_warnings():
                # jieba 0.42 imports pkg_resources (deprecated in newer setuptools) and has
                # invalid escape sequences (SyntaxWarning on Python >= 3.12): keep stderr clean.
                warnings.filterwarnings("ignore", module=r"jieba(\.|$)")
                warnings.filterwarnings("ignore", message=".*pkg_resources")
                import jieba

            # jieba logs "Building prefix dict ..." at DEBUG to stderr on every first use.
            jieba.setLogLevel(logging.WARNING)
            cache_dir = _jieba_cache_dir()
            if cache_dir:
                jieba.dt.tmp_dir = cache_dir
            jieba.dt.initialize()
            _jieba_dt = jieba.dt
    return _jieba_dt


def _han_freq(word: str) -> int:
    # jieba's FREQ also holds every prefix of every word with count 0.
    return _jieba().FREQ.get(word, 0)


@lru_cache(maxsize=65536)
def _han_atoms(word: str) -> tuple:
    """Split a jieba word into the fewest shorter dictionary words covering it completely.

    Returns ``((start, end), ...)`` offsets inside ``word``; ``((0, len(word)),)`` when the word has
    three characters or fewer or no complete cover by words of >= 2 characters exists.
    """
    n = len(word)
    if n <= 3:  # a 3-character word cannot be covered by pieces of >= 2 characters
        return ((0, n),)
    # best[j] = (pieces, cost, path) for word[:j]; cost = -sum(log freq) breaks ties.
    best = [None] * (n + 1)
    best[0] = (0, 0.0, ())
    for j in range(2, n + 1):
        for i in range(0, j - 1):
            if best[i] is None or (i == 0 and j == n):
                continue
            freq = _han_freq(word[i:j])
            if freq <= 0:
                continue
            pieces, cost, path = best[i]
            cand = (pieces + 1, cost - math.log(freq), path + ((i, j),))
            if best[j] is None or cand[:2] < best[j][:2]:
                best[j] = cand
    if best[n] is None:
        return ((0, n),)
    return best[n][2]


@lru_cache(maxsize=1024)
def _han_tokens(run: str, index_mode: bool) -> tuple:
    """Tokens of one run of Han characters: ``((relative_pos, text, start, end), ...)``.

    Positions are relative to the run; the number of positions used is ``last_pos + 1``.
    Sorted by position, so each term's position list stays ascending.
    """
    out = []
    pos = 0
    offset = 0
    for word in _jieba().cut(run, HMM=True):
        n = len(word)
        atoms = _han_atoms(word)
        word_tokens = []
        atom_pos = []
        for a, b in atoms:
            word_tokens.append((pos, word[a:b], offset + a, offset + b))
            atom_pos.append((a, b, pos))
            pos += 1
        if index_mode and n > 2:
            seen = {(a, b) for a, b in atoms}
            if len(atoms) > 1:
                word_tokens.append((atom_pos[0][2], word, offset, offset + n))
                seen.add((0, n))
            for length in range(2, n):
                for i in range(0, n - length + 1):
                    if (i, i + length) in seen or _han_freq(word[i : i + length]) <= 0:
                        continue
                    p = next(ap for a, b, ap in atom_pos if a <= i < b)
                    word_tokens.append((p, word[i : i + length], offset + i, offset + i + length))
        word_tokens.sort(key=lambda tok: (tok[0], tok[2], -tok[3]))
        out.extend(word_tokens)
        offset += n
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------


class MixedScriptTokenizer(Tokenizer):
    """Han runs through jieba, kana runs as bigrams, every other ``\\w+`` run as one token.

    Positions are sequential per word (per jieba atom, per kana bigram); ``startchar``/``endchar``
    are offsets into the original value.  ``tokenize=False`` yields the whole value as one token
    (marked ``token.whole = True`` so later filters leave it alone apart from folding).
    """

    def __init__(self, kana_bigrams: bool = True):
        self.kana_bigrams = kana_bigrams

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            t.stopped = False
            t.whole = True
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return

        t.whole = False
        index_mode = mode != "query"
        pos = start_pos
        for match in _RUN_RE.finditer(value):
            kind = match.lastgroup
            if kind == "word":
                pieces = ((0, match.group(), match.start(), match.end()),)
                used = 1
            elif kind == "kana":
                run = match.group()
                base = match.start()
                if len(run) == 1 or not self.kana_bigrams:
                    pieces = ((0, run, base, base + len(run)),)
                else:
                    pieces = tuple((i, run[i : i + 2], base + i, base + i + 2) for i in range(len(run) - 1))
                used = len(pieces)
            else:
                base = match.start()
                pieces = tuple(
                    (p, text, base + s, base + e) for p, text, s, e in _han_tokens(match.group(), index_mode)
                )
                used = (pieces[-1][0] + 1) if pieces else 0
            for rel_pos, text, s, e in pieces:
                t.text = text
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = text
                if positions:
                    t.pos = pos + rel_pos
                if chars:
                    t.startchar = start_char + s
                    t.endchar = start_char + e
                yield t
            pos += used


# --------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------


class FoldFilter(Filter):
    """Lower-case and fold every token with :func:`fold` (also the ``tokenize=False`` one)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


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


# --------------------------------------------------------------------------------------------
# Analyzers
# --------------------------------------------------------------------------------------------


def german_analyzer():
    """Fold, modest stop list, compound parts (index time), Snowball German + loan-word fix."""
    return (
        MixedScriptTokenizer()
        | FoldFilter()
        | PositionKeepingStopFilter(GERMAN_STOPWORDS)
        | GermanCompoundFilter()
        | GermanStemFilter()
    )


def chinese_analyzer():
    """jieba on Han runs (atoms + search-mode sub-words), folded ``\\w+`` tokens elsewhere."""
    return MixedScriptTokenizer() | FoldFilter()


def english_analyzer():
    """Whoosh's ``StemmingAnalyzer`` (Porter stemmer, its short default stop list)."""
    return StemmingAnalyzer()


def generic_analyzer():
    """Fallback for other languages: jieba on Han runs, kana bigrams, folded words elsewhere."""
    return MixedScriptTokenizer(kana_bigrams=True) | FoldFilter()


ANALYZERS = {
    "de": german_analyzer(),
    "zh": chinese_analyzer(),
    "en": english_analyzer(),
}
_GENERIC = generic_analyzer()


def _lang_code(language) -> str:
    if not language:
        return ""
    return re.split(r"[-_]", str(language).strip().lower(), maxsplit=1)[0]


def analyzer_for(language_code):
    """The analyzer for a language code ("de", "de-AT", "zh_Hans", ...); generic otherwise."""
    return ANALYZERS.get(_lang_code(language_code), _GENERIC)


def multilingual_fields(prefix: str = "text", languages=LANGUAGES, **text_kwargs) -> dict:
    """``{"text_de": TEXT(...), "text_zh": ..., "text_en": ...}``, one field per language.

    ``text_kwargs`` go to every ``TEXT`` (e.g. ``stored=True``); ``phrase=True`` by default.
    """
    text_kwargs.setdefault("phrase", True)
    return {f"{prefix}_{lang}": TEXT(analyzer=analyzer_for(lang), **text_kwargs) for lang in languages}


def multilingual_query(query_string: str, schema, fieldnames, group=AndGroup):
    """Parse the whole query once per field (each with its own analyzer) and OR the results."""
    subqueries = []
    for name in fieldnames:
        q = QueryParser(name, schema, group=group).parse(query_string)
        if q is not None and q is not wq.NullQuery:
            subqueries.append(q)
    return wq.Or(subqueries).normalize()


# --------------------------------------------------------------------------------------------
# Query terms and highlighting
# --------------------------------------------------------------------------------------------

_QT_FIELD = "t"


@lru_cache(maxsize=32)
def _term_parser(code: str) -> QueryParser:
    analyzer = ANALYZERS.get(code, _GENERIC)
    schema = Schema(**{_QT_FIELD: TEXT(analyzer=analyzer, phrase=True)})
    return QueryParser(_QT_FIELD, schema)


def _terms_of(q, out: list, field=_QT_FIELD) -> None:
    """Collect the text terms of a query tree (of ``field``, or of any field if None)."""
    if q is None or isinstance(q, (wq.Not, wq.Every)) or q is wq.NullQuery:
        return
    if isinstance(q, wq.AndNot):
        _terms_of(q.a, out, field)
        return
    ours = field is None or getattr(q, "fieldname", None) == field
    if isinstance(q, wq.Phrase):
        if ours:
            out.extend(w for w in q.words if isinstance(w, str) and w)
        return
    if isinstance(q, (wq.Prefix, wq.Wildcard, wq.Term, wq.FuzzyTerm, wq.Variations)):
        text = q.text
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if ours and isinstance(text, str) and text:
            out.append(text + "*" if isinstance(q, wq.Prefix) else text)
        return
    if q.is_leaf():
        return  # ranges and other non-text leaves are not highlighted
    for child in q.children():
        _terms_of(child, out, field)


def query_terms(query_string: str, language) -> list:
    """The analysed terms of a user query, as the index stores them, in query order, unique.

    Query syntax is understood (quotes, AND/OR/NOT, ``*``); terms under NOT are left out; a
    prefix/wildcard term keeps its ``*``/``?`` (``["datenqual*"]``).
    """
    if not query_string or not query_string.strip():
        return []
    try:
        q = _term_parser(_lang_code(language)).parse(query_string)
    except Exception:  # Whoosh's parser is lenient; this is belt and braces
        analyzer = analyzer_for(language)
        terms = [t.text for t in analyzer(query_string, mode="query")]
    else:
        terms = []
        _terms_of(q, terms)
    seen = set()
    unique = []
    for term in terms:
        if term and term != "*" and term not in seen:
            seen.add(term)
            unique.append(term)
    return unique


def _coerce_terms(query, language) -> list:
    if query is None:
        return []
    if isinstance(query, str):
        return query_terms(query, language)
    if isinstance(query, wq.Query):
        terms = []
        _terms_of(query, terms, field=None)
        return terms
    terms = []
    for item in query:  # an iterable of terms, e.g. from query_terms(); analysing again is harmless
        if not item:
            continue
        item = str(item)
        terms.append(item)
        terms.extend(query_terms(item, language))
    return terms


def _matched_spans(text: str, terms, analyzer) -> list:
    exact = set()
    patterns = []
    for term in terms:
        if "*" in term or "?" in term:
            if term.strip("*?"):
                patterns.append(re.compile(_fnmatch_translate(term)))
        else:
            exact.add(term)
    if not exact and not patterns:
        return []
    spans = []
    for t in analyzer(text, positions=True, chars=True, mode="index"):
        if t.text in exact or any(p.match(t.text) for p in patterns):
            if t.endchar > t.startchar:
                spans.append((t.startchar, t.endchar, t.text))
    spans.sort()
    return spans


def _merge(spans) -> list:
    merged = []
    for s, e, _ in spans:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1][1] = e
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _is_boundary(text: str, i: int) -> bool:
    """True if a snippet may start/end at offset ``i`` without cutting a word in two."""
    if i <= 0 or i >= len(text):
        return True
    before, after = text[i - 1], text[i]
    if not _WORD_CHAR_RE.match(before) or not _WORD_CHAR_RE.match(after):
        return True
    return _is_cjk(before) or _is_cjk(after)


def _snap_start(text: str, start: int, limit: int) -> int:
    if _is_boundary(text, start):
        return start
    i = start
    while i < limit and not _is_boundary(text, i):
        i += 1
    if _is_boundary(text, i):
        return i
    while start > 0 and not _is_boundary(text, start):
        start -= 1
    return start


def _snap_end(text: str, end: int, minimum: int) -> int:
    if _is_boundary(text, end):
        return end
    i = end
    while i > minimum and not _is_boundary(text, i):
        i -= 1
    if i > minimum or (i == minimum and _is_boundary(text, i)):
        return i
    while end < len(text) and not _is_boundary(text, end):
        end += 1
    return end


def _window(text: str, spans, width: int):
    n = len(text)
    if n <= width:
        return 0, n
    if not spans:
        return 0, _snap_end(text, width, 0)
    best = None
    reach = max(1, int(width * 0.8))
    starts = [sp[0] for sp in spans]
    for i, (s, _, _) in enumerate(spans[:500]):
        j = bisect_right(starts, s + reach)
        inside = [sp for sp in spans[i:j] if sp[1] <= s + reach] or [spans[i]]
        score = (len({sp[2] for sp in inside}), len(inside))
        if best is None or score > best[0]:
            best = (score, s, max(sp[1] for sp in inside))
    _, first, last = best
    free = max(0, width - (last - first))
    start = max(0, first - free // 3)
    end = min(n, start + width)
    if end < last:
        end = last
    if end == n:
        start = min(first, max(0, n - width))
    start = _snap_start(text, start, first)
    end = _snap_end(text, end, last)
    return start, end


def highlight(text: str, query, language=None, *, width: int | None = None) -> str:
    """A safe HTML snippet of ``text`` with the query's matches wrapped in ``<mark>``.

    ``query`` is a user query string (analysed with :func:`query_terms`), a Whoosh query, or an
    iterable of terms.  Matches are found by running ``language``'s analyzer over the original
    text and marking the start/end characters of every token whose term matches, so a stemmed
    German match (Modelle for "Modell"), a compound part (Datenqualität for "Daten") or a jieba
    word is marked where it stands.  The snippet is a window of about ``width`` characters
    (200, or 80 for CJK text) around the densest cluster of matches, cut at word boundaries (any
    character boundary in CJK text), with "…" where text was cut off.

    Safety: the text is split into marked and unmarked pieces and each piece is HTML-escaped
    (``html.escape(quote=True)``), which is the same as escaping the whole text first and then
    inserting the tags; the only markup in the result is ``<mark>`` and ``</mark>``.
    """
    if not text:
        return ""
    text = str(text)
    analyzer = analyzer_for(language)
    spans = _matched_spans(text, _coerce_terms(query, language), analyzer)
    if width is None:
        cjk = sum(1 for ch in text[:2000] if _is_cjk(ch))
        letters = sum(1 for ch in text[:2000] if _WORD_CHAR_RE.match(ch)) or 1
        width = 80 if cjk / letters > 0.3 else 200
    start, end = _window(text, spans, width)
    # Trim whitespace at the edges of the window.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1

    def esc(piece: str) -> str:
        return html.escape(_WHITESPACE_RE.sub(" ", piece), quote=True)

    out = ["…"] if start > 0 else []
    cursor = start
    for s, e in _merge(spans):
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(esc(text[cursor:s]))
        out.append("<mark>" + esc(text[s:e]) + "</mark>")
        cursor = e
    out.append(esc(text[cursor:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)
