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
``split_german_compound(word)`` and ``fold(text)`` (from ``interviews.languages``)
    The building blocks, exposed for inspection and tests.

The parts live beside this module: ``tokenizer.py`` (the mixed-script tokenizer, jieba, folding),
``german.py`` (stop words, compounds, stemming) and ``highlighting.py`` (``query_terms()`` and
``highlight()``: the analysed terms of a user query, and a safe HTML snippet whose only tags are
``<mark>``).

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

from whoosh import query as wq
from whoosh.analysis import (
    CompositeAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StemmingAnalyzer,
    StopFilter,
    Token,
)
from whoosh.fields import TEXT
from whoosh.qparser import AndGroup, QueryParser

from interviews.languages import SUPPORTED, base, fold
from interviews.search.german import (
    GERMAN_STOPWORDS,
    GermanCompoundFilter,
    GermanStemFilter,
    PositionKeepingStopFilter,
    split_german_compound,
)
from interviews.search.tokenizer import _RUN_RE, FoldFilter, MixedScriptTokenizer

# The analyzers' classes are importable from here: Whoosh pickles an index's analyzers into its
# table of contents by module and name, and indexes written before they moved name this module.
__all__ = [
    "ANALYSIS_VERSION",
    "ANALYZERS",
    "EnglishStopFilter",
    "GERMAN_STOPWORDS",
    "FoldFilter",
    "GermanCompoundFilter",
    "GermanStemFilter",
    "IndexingAnalyzer",
    "MixedScriptTokenizer",
    "PositionKeepingStopFilter",
    "analyzer_for",
    "chinese_analyzer",
    "english_analyzer",
    "fold",
    "generic_analyzer",
    "german_analyzer",
    "multilingual_fields",
    "multilingual_query",
    "split_german_compound",
]

# --------------------------------------------------------------------------------------------
# Analyzers
# --------------------------------------------------------------------------------------------

#: The version of what the analyzers make of a text. An index records the version it was built
#: with (generations.py); one built with another version no longer matches the code
#: (``schema_matches()``), and ``check_index --fix`` (``make run``) rebuilds it. Raise it with any
#: change to the analyzers or to what they call (``fold()``) that changes the terms of a text.
#: 2: the English field folds accents and ligatures; fold() maps ø æ œ ł đ ð þ ı.
#: 3: the English field keeps single digits (the 5 of GPT-5), as German and Chinese do.
ANALYSIS_VERSION = 3


def german_analyzer():
    """Fold, modest stop list, compound parts (index time), Snowball German + loan-word fix."""
    return IndexingAnalyzer(
        MixedScriptTokenizer()
        | FoldFilter()
        | PositionKeepingStopFilter(GERMAN_STOPWORDS)
        | GermanCompoundFilter()
        | GermanStemFilter()
    )


def chinese_analyzer():
    """jieba on Han runs (atoms + search-mode sub-words), folded ``\\w+`` tokens elsewhere."""
    return IndexingAnalyzer(MixedScriptTokenizer() | FoldFilter(simplify=True))


def english_analyzer():
    """Whoosh's ``StemmingAnalyzer`` (Porter stemmer, its short default stop list), folding
    accents and ligatures instead of only lower-casing: Wiśniewski, naïve café find Wisniewski,
    naive cafe and the other way round. Single digits are words (``EnglishStopFilter``)."""
    tokenizer, _lowercase, stops, *rest = StemmingAnalyzer().items
    return IndexingAnalyzer(tokenizer, FoldFilter(), EnglishStopFilter(stops.stops), *rest)


class EnglishStopFilter(StopFilter):
    """Whoosh's stop filter for English, except that a single digit is a word: Whoosh drops every
    one-character token, and then GPT-5 (the phrase "gpt 5") found every turn about GPT-4 as well.
    Single letters stay out (the s of "Wiśniewski's", the t of "don't"), as in Whoosh."""

    def __init__(self, stops):
        super().__init__(stoplist=stops, minsize=1)

    def __call__(self, tokens):
        pos = None
        for t in tokens:
            if t.text not in self.stops and (len(t.text) > 1 or t.text.isdigit()):
                if t.positions:  # renumbered, as Whoosh's filter does, so phrases skip stop words
                    pos = t.pos if pos is None else pos + 1
                    t.pos = pos
                t.stopped = False
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


def generic_analyzer():
    """Fallback for other languages: jieba on Han runs, kana bigrams, folded words elsewhere."""
    return IndexingAnalyzer(MixedScriptTokenizer(kana_bigrams=True) | FoldFilter())


class IndexingAnalyzer(CompositeAnalyzer):
    """A Whoosh analyzer with a fast path for what a writer asks when it indexes a field
    (``mode="index"``, with positions or without, nothing else); any other call (queries,
    highlighting, ``tokenize=False``) runs the generic token pipeline.

    Every filter here but the stop filters is a pure function of one token's text (folding,
    compound parts, stemming), so the fast path remembers what the filters make of each word (its
    terms, or nothing for a stop word) and replays the stop filter's numbering of positions: the
    same terms at the same positions, in the same order, as the pipeline gives, without running
    each word of a turn through four or five filters' generators. The memo is per analyzer and
    per process, emptied when it reaches ``MEMO_WORDS`` words, and never pickled into an index. A
    chain with a part the fast path does not know runs the generic pipeline.
    ``tests/search/test_indexing_analyzer.py`` holds the two to the same postings."""

    MEMO_WORDS = 200_000

    def __getstate__(self):
        return {name: value for name, value in self.__dict__.items() if not name.startswith("_fast")}

    def __call__(self, value, no_morph=False, **kwargs):
        if no_morph or kwargs.get("mode") != "index" or not kwargs.keys() <= _INDEX_CALL or not isinstance(value, str):
            return super().__call__(value, no_morph=no_morph, **kwargs)
        plan = self.__dict__.get("_fast_plan")
        if plan is None:
            plan = self._fast_plan = _fast_plan(self.items)
        if not plan:
            return super().__call__(value, **kwargs)
        return self._index_tokens(value, plan, kwargs.get("positions", False), kwargs.get("boosts", False))

    def _index_tokens(self, value, plan, positions, boosts):
        numbering, filters = plan
        memo = self.__dict__.get("_fast_memo")
        if memo is None or len(memo) >= self.MEMO_WORDS:
            memo = self._fast_memo = {}
        t = Token(positions, False, boosts=boosts, removestops=True, mode="index")
        t.stopped = False
        removed, last_removed, renumbered = 0, None, None
        for pos, text in self._words(value):
            terms = memo.get(text)
            if terms is None:
                terms = memo[text] = _filtered(text, filters)
            if not terms:  # a stop word: number the positions as the stop filter does
                if numbering == "keep" and pos != last_removed:
                    removed += 1
                    last_removed = pos
                continue
            if numbering == "keep":
                pos -= removed
            elif numbering == "renumber":
                pos = renumbered = pos if renumbered is None else renumbered + 1
            for term, boost in terms:
                t.text = term
                t.boost = boost
                t.pos = pos
                yield t

    def _words(self, value):
        """``[(position, text), ...]`` of the tokens the tokenizer makes, in its order. A turn's
        text is indexed in two fields whose analyzers start with the same tokenizer (``text`` and
        its language's): the last text's tokens are kept for the next field, for a tokenizer equal
        to the last one (same settings, ``MixedScriptTokenizer.__eq__``)."""
        tokenizer = self.items[0]
        if not isinstance(tokenizer, MixedScriptTokenizer):
            return [(pos, match.group(0)) for pos, match in enumerate(tokenizer.expression.finditer(value))]
        global _last_words
        key = (value, tokenizer)
        last_key, last_words = _last_words
        if last_key == key:
            return last_words
        words = []
        pos = 0
        for match in _RUN_RE.finditer(value):
            if match.lastgroup == "word":
                words.append((pos, match.group()))
                pos += 1
                continue
            pieces, used = tokenizer._pieces(match, True)
            words.extend((pos + rel_pos, text) for rel_pos, text, _start, _end in pieces)
            pos += used
        _last_words = (key, words)
        return words


_last_words = (None, None)


_INDEX_CALL = frozenset({"mode", "positions", "boosts"})
# Filters whose output at index time depends on one token's text alone; and the stop filters, by
# how they number the positions after a stop word (closing the gap, or counting on from the last).
_PURE_FILTERS = (FoldFilter, LowercaseFilter, GermanCompoundFilter, GermanStemFilter, StemFilter)
_NUMBERING = {PositionKeepingStopFilter: "keep", EnglishStopFilter: "renumber"}


def _fast_plan(items):
    """``(numbering, filters)`` for the fast path, or ``()`` if a part of the chain is unknown."""
    tokenizer, *filters = items
    if not (type(tokenizer) is MixedScriptTokenizer or (type(tokenizer) is RegexTokenizer and not tokenizer.gaps)):
        return ()
    stops = [f for f in filters if type(f) in _NUMBERING]
    if len(stops) > 1 or not all(type(f) in _PURE_FILTERS or type(f) in _NUMBERING for f in filters):
        return ()
    return (_NUMBERING[type(stops[0])] if stops else "", tuple(filters))


def _filtered(text, filters) -> tuple:
    """What the filters make of one word at index time: ``((term, boost), ...)``, ``()`` if stopped."""
    token = Token(True, False, boosts=True, removestops=True, mode="index")
    token.text, token.pos, token.boost, token.stopped, token.whole = text, 0, 1.0, False, False
    tokens = iter((token,))
    for f in filters:
        tokens = f(tokens)
    return tuple((t.text, t.boost) for t in tokens)


ANALYZERS = {
    "de": german_analyzer(),
    "zh": chinese_analyzer(),
    "en": english_analyzer(),
}
_GENERIC = generic_analyzer()


def analyzer_for(language_code):
    """The analyzer for a language code ("de", "de-AT", "zh_Hans", ...); generic otherwise."""
    return ANALYZERS.get(base(language_code), _GENERIC)


def multilingual_fields(prefix: str = "text", languages=SUPPORTED, **text_kwargs) -> dict:
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
