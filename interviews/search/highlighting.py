"""Query terms and highlighting: the analysed terms of a user's query, and a safe HTML snippet
whose only tags are ``<mark>``."""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from fnmatch import translate as _fnmatch_translate
from functools import cache, lru_cache
from pathlib import Path

from whoosh import query as wq
from whoosh.analysis import CompositeAnalyzer, RegexTokenizer, StemFilter
from whoosh.fields import ID, TEXT, Schema
from whoosh.lang.porter import stem as porter_stem
from whoosh.qparser import QueryParser

from interviews.languages import base, fold, to_simplified
from interviews.search import query_syntax
from interviews.search.analysis import _GENERIC, ANALYZERS, EnglishStopFilter, analyzer_for
from interviews.search.expansion import SPEAKER_FIELD
from interviews.search.german import GermanCompoundFilter, GermanStemFilter, PositionKeepingStopFilter
from interviews.search.tokenizer import _HAN, _KANA, _RUN_RE, FoldFilter, MixedScriptTokenizer, _is_cjk

_WORD_CHAR_RE = re.compile(r"\w")
_WHITESPACE_RE = re.compile(r"\s+")

# --------------------------------------------------------------------------------------------
# Query terms and highlighting
# --------------------------------------------------------------------------------------------

_QT_FIELD = "t"


@lru_cache(maxsize=32)
def _term_parser(code: str) -> QueryParser:
    """A parser of the query's text as ``code``'s analyzer indexes it. The expansion's field
    clauses (``speaker:"aidan-chen"``: every turn of a speaker the query names) are read as the
    other field they are, so that their words are not marked in the text."""
    analyzer = ANALYZERS.get(code, _GENERIC)
    schema = Schema(**{_QT_FIELD: TEXT(analyzer=analyzer, phrase=True), SPEAKER_FIELD.rstrip(":"): ID()})
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
    parser = _term_parser(base(language))
    try:
        q = query_syntax.parsed(parser, query_string)  # the syntax the archive writes, read faster
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


def _matched_spans(text: str, terms, language) -> list:
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
    if patterns:
        for offset, tokens, _ in _runs(text, language):
            for start, end, term in tokens:
                if (term in exact or any(p.match(term) for p in patterns)) and end > start:
                    spans.append((offset + start, offset + end, term))
    else:
        key = _analysis_key(language)
        for offset, tokens, _ in _runs(text, language, wanted=exact, holds=_may_hold(key, frozenset(exact))):
            for start, end, term in tokens:
                if term in exact and end > start:
                    spans.append((offset + start, offset + end, term))
    spans.sort()
    return spans


def _analysis_key(language) -> str:
    """The analyzer's language ("de", "zh", "en"), or "" for the generic one."""
    code = base(language)
    return code if code in ANALYZERS else ""


def _word_runs(analyzer):
    """The expression whose matches the analyzer's tokenizer cuts one by one, or None. Every
    filter of our analyzers works on one token at a time, so the terms of a text are the terms
    of each such run analysed alone (tests/search/test_analysis.py holds them equal)."""
    tokenizer = analyzer.items[0] if isinstance(analyzer, CompositeAnalyzer) else None
    if isinstance(tokenizer, MixedScriptTokenizer):
        return _RUN_RE
    if isinstance(tokenizer, RegexTokenizer) and not tokenizer.gaps:
        return tokenizer.expression
    return None


def _runs(text: str, language, *, wanted=None, holds=None):
    """``(offset, tokens, terms)`` for each run of word characters of ``text``, its tokens
    ``(start, end, term)`` as ``language``'s analyzer indexes them, relative to ``offset``, and the
    set of their terms (None when the text is analysed whole). With ``wanted`` (a set of terms),
    only the runs with one of them; ``holds`` (from :func:`_may_hold`) tells from a run's
    normalised text that it cannot have one, so such a run is not analysed at all.

    Highlighting a page analyses each hit's whole text again; the same words recur from hit to
    hit and page to page, so each run is analysed once per process (``_known_runs``) rather than
    once per hit: the analyzer's chain of generators, German compound splitting and stemming were
    a sixth of a search page's time. A text the process has not seen is mostly runs it has not
    analysed either (a Chinese run is a whole clause, cut by jieba), and only a few of them hold
    a term of the query: those alone are analysed. Measured in process on the 100k benchmark
    archive (highlight() timed inside 200 search pages and 200 API searches of the load test's
    mix, each served once after 600 others, load 2.2-3.4): 3.5-4.0 -> 1.7-2.1 ms a search page,
    4.7-5.3 -> 1.9-2.0 ms an API search; pages served again cost what they did (0.8-1.2 ms)."""
    key = _analysis_key(language)
    analyzer = ANALYZERS.get(key, _GENERIC)
    runs = _word_runs(analyzer)
    if runs is None:
        yield 0, [(t.startchar, t.endchar, t.text) for t in analyzer(text, chars=True, mode="index")], None
        return
    known = _known_runs(key)
    get = known.get
    normalise = _normaliser(key) if holds is not None else None
    analyse = _run_tokens_of(key)
    # This loop is most of highlighting: one dictionary look-up per run it has analysed.
    for match in runs.finditer(text):
        run = match.group()
        entry = get(run)
        if entry.__class__ is not tuple:  # not analysed yet: None, _SEEN, or a clause's normalised text
            if normalise is not None and entry is not _SEEN:
                if entry is None:
                    entry = normalise(run)
                    if entry is not None:
                        _keep(known, run, entry if match.lastgroup == "han" else _SEEN)
                if entry is not None and not holds(entry):
                    continue
            entry = analyse(run)
            _keep(known, run, entry)
        if wanted is not None and wanted.isdisjoint(entry[1]):
            continue  # most runs of a text hold no term of the query: one set test each
        yield match.start(), entry[0], entry[1]


def _tokens(text: str, language):
    """``(start, end, term)`` of every token of ``text``, as ``_runs`` finds them."""
    for offset, tokens, _ in _runs(text, language):
        for start, end, term in tokens:
            yield offset + start, offset + end, term


#: Runs kept per analyzer: analysed, seen once, or a Han clause's normalised text.
_KNOWN_RUNS = 65_536
_SEEN = False


@cache  # one per analysis key
def _known_runs(key: str) -> dict:
    """What the analyzer of ``key`` made of the runs of its last texts: ``run -> (tokens, terms)``
    once analysed. A run skipped (``_may_hold``) is kept as ``_SEEN`` and analysed when seen
    again, so a word that recurs costs one look-up; a Han clause (jieba's, some 50 µs to cut)
    keeps its normalised text instead and is tested again each time it is seen, analysed only
    for a query it may match. Emptied when ``_KNOWN_RUNS`` are kept."""
    return {}


def _keep(known: dict, run: str, entry) -> None:
    if len(known) >= _KNOWN_RUNS and run not in known:
        known.clear()
    known[run] = entry


@cache  # one per analysis key
def _run_tokens_of(key: str):
    """``run -> (tokens, terms)`` for the analyzer of ``key``: ``(start, end, term)`` of the tokens
    of one run of word characters, offsets into the run, and the set of their terms."""
    analyzer = ANALYZERS.get(key, _GENERIC)

    def run_tokens(run: str) -> tuple:
        tokens = tuple((t.startchar, t.endchar, t.text) for t in analyzer(run, chars=True, mode="index"))
        return tokens, frozenset(term for _, _, term in tokens)

    return run_tokens


# --------------------------------------------------------------------------------------------
# Runs that cannot hold a term: what each analyzer's filters can make of a run
# --------------------------------------------------------------------------------------------
#
# Each analyzer's chain is known (analysis.py), and so is what its filters can make of a run's
# text; a necessary condition for "analysing this run yields term t" is tested on the run's
# normalised text N instead of analysing it:
#
# - German (fold, stop words, compound parts, Snowball + fixes): every term is a substring of
#   N = fold(run).lower(). A word run is one token; its compound parts are substrings of it
#   (split_german_compound cuts off linking elements and -in/-innen, nothing else), and each
#   stem is a prefix of its word lower-cased (Snowball German only cuts suffixes, its u/y
#   marks are undone, ä/ö/ü/ß are gone after fold(); _stem_de's fixes cut suffixes too). A Han
#   run's tokens are jieba's substrings of it, and fold() is one character for one on Han
#   characters (NFKD maps a compatibility ideograph to one ideograph, nothing composes).
# - generic (fold): every term is a substring of N = fold(run), for the same reasons.
# - Chinese (fold, then traditional -> simplified): a word run is one token, its term is N =
#   to_simplified(fold(run)). A Han run's terms are to_simplified(fold(w)) for substrings w; OpenCC
#   cuts its input into keys of its dictionaries (or single characters it leaves as they are) and
#   writes each key's first value, so a text with no key whose value differs from it is left as it
#   is. Where fold(run) has such a key (T2S_CHANGES, from the dictionaries), the run is analysed;
#   elsewhere every term is a substring of N = fold(run).
# - English (fold, stop words, Porter): a run is one token, its term is stem(fold(run)). Whoosh's
#   Porter stemmer keeps a prefix of its word of at least one character and writes at most four
#   of its own after it (its longest replacement, "tion", "ence", "ance"): N = fold(run) starts
#   with the term's first len(term) - 4 characters, and at least its first.
# - Kana runs (bigrams, where fold() can merge a half-width sound mark into the kana before it)
#   and any chain not listed here: analysed, as before.
# tests/search/test_highlighting.py holds the spans with and without this test equal.

_HAN_START_RE = re.compile(f"[{_HAN}]")
_KANA_START_RE = re.compile(f"[{_KANA}]")
T2S_CHANGES = Path(__file__).resolve().parents[1] / "data" / "zh_t2s_changes.txt"


def _chain(analyzer) -> str:
    """Which of the analyzers above ``analyzer`` is, item for item, or "" if none."""
    if not isinstance(analyzer, CompositeAnalyzer):
        return ""
    items = analyzer.items
    kinds = [type(item) for item in items]
    if kinds and kinds[0] is MixedScriptTokenizer:
        if kinds == [MixedScriptTokenizer, FoldFilter]:
            return "zh" if getattr(items[1], "simplify", False) else "generic"
        if kinds == [
            MixedScriptTokenizer,
            FoldFilter,
            PositionKeepingStopFilter,
            GermanCompoundFilter,
            GermanStemFilter,
        ]:
            return "" if getattr(items[1], "simplify", False) else "de"
        return ""
    if kinds == [RegexTokenizer, FoldFilter, EnglishStopFilter, StemFilter]:
        stem = items[3]
        if not getattr(items[1], "simplify", False) and stem.stemfn is porter_stem and stem.lang is None:
            return "en"
    return ""


@cache  # one per analysis key
def _normaliser(key: str):
    """``run -> normalised text`` for the analyzer of ``key`` (None for a run to analyse anyway),
    or None if its chain is not one of those above."""
    chain = _chain(ANALYZERS.get(key, _GENERIC))
    if chain == "en":
        return fold
    if not chain:
        return None
    changed_chars, changed_words = _t2s_changes() if chain == "zh" else (None, None)

    def normalise(run: str):
        if _HAN_START_RE.match(run):  # a run is all Han, all kana or neither (_RUN_RE)
            folded = fold(run)
            if changed_chars is not None and (changed_chars.search(folded) or changed_words.search(folded)):
                return None
            return folded
        if _KANA_START_RE.match(run):
            return None
        if chain == "de":
            return fold(run).lower()
        return to_simplified(fold(run)) if chain == "zh" else fold(run)

    return normalise


@lru_cache(maxsize=256)
def _may_hold(key: str, terms: frozenset):
    """``normalised run -> truthy`` if the run may yield one of ``terms`` (see above), or None
    when every run is to be analysed. One per query and language, shared by the page's hits."""
    chain = _chain(ANALYZERS.get(key, _GENERIC))
    if not chain or not terms:
        return None
    if chain == "en":
        prefixes = sorted({term[: max(1, len(term) - 4)] for term in terms}, key=lambda p: (-len(p), p))
        return re.compile("|".join(map(re.escape, prefixes))).match
    needles = sorted(terms, key=lambda t: (-len(t), t))
    return re.compile("|".join(map(re.escape, needles))).search


@cache
def _t2s_changes() -> tuple:
    """Two expressions that find, between them, any key of OpenCC's t2s dictionaries whose first
    value differs from it (interviews/data/zh_t2s_changes.txt, one a line): the single characters
    (and any character beyond the Basic Multilingual Plane: a class holding some of those is
    searched character by character, some 80 µs a clause instead of 1 µs), and the longer keys
    that hold none of them."""
    keys = [line for line in T2S_CHANGES.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    chars = {key for key in keys if len(key) == 1}
    longer = sorted((key for key in keys if len(key) > 1 and not chars & set(key)), key=lambda k: (-len(k), k))
    plane = "".join(re.escape(c) for c in sorted(chars) if c <= "\uffff")
    return re.compile(f"[{plane}\U00010000-\U0010ffff]"), re.compile("|".join(map(re.escape, longer)))


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
    spans = _matched_spans(text, _coerce_terms(query, language), language)
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
