"""Query terms and highlighting: the analysed terms of a user's query, and a safe HTML snippet
whose only tags are ``<mark>``."""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from fnmatch import translate as _fnmatch_translate
from functools import cache, lru_cache

from whoosh import query as wq
from whoosh.analysis import CompositeAnalyzer, RegexTokenizer
from whoosh.fields import TEXT, Schema
from whoosh.qparser import QueryParser

from interviews.languages import base
from interviews.search import query_syntax
from interviews.search.analysis import _GENERIC, ANALYZERS, analyzer_for
from interviews.search.tokenizer import _RUN_RE, MixedScriptTokenizer, _is_cjk

_WORD_CHAR_RE = re.compile(r"\w")
_WHITESPACE_RE = re.compile(r"\s+")

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
    parser = _term_parser(base(language))
    try:
        q = query_syntax.parse(parser, query_string)  # the syntax the archive writes, read faster
        if q is None:
            q = parser.parse(query_string)
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
    key = _analysis_key(language)
    runs = _word_runs(ANALYZERS.get(key, _GENERIC))
    if runs is not None and not patterns:  # _runs() inlined: this loop is most of highlighting
        run_tokens = _run_tokens_of(key)
        for match in runs.finditer(text):
            tokens, terms_of_run = run_tokens(match.group())
            if exact.isdisjoint(terms_of_run):
                continue  # most runs of a text hold no term of the query: one set test each
            offset = match.start()
            for start, end, term in tokens:
                if term in exact and end > start:
                    spans.append((offset + start, offset + end, term))
        spans.sort()
        return spans
    for offset, tokens, _ in _runs(text, language):
        for start, end, term in tokens:
            if (term in exact or (patterns and any(p.match(term) for p in patterns))) and end > start:
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


def _runs(text: str, language):
    """``(offset, tokens, terms)`` for each run of word characters of ``text``, its tokens
    ``(start, end, term)`` as ``language``'s analyzer indexes them, relative to ``offset``, and the
    set of their terms (None when the text is analysed whole).

    Highlighting a page analyses each hit's whole text again; the same words recur from hit to
    hit and page to page, so each run is analysed once per process (``_run_tokens``) rather than
    once per hit: the analyzer's chain of generators, German compound splitting and stemming were
    a sixth of a search page's time."""
    key = _analysis_key(language)
    analyzer = ANALYZERS.get(key, _GENERIC)
    runs = _word_runs(analyzer)
    if runs is None:
        yield 0, [(t.startchar, t.endchar, t.text) for t in analyzer(text, chars=True, mode="index")], None
        return
    run_tokens = _run_tokens_of(key)
    for match in runs.finditer(text):
        yield (match.start(), *run_tokens(match.group()))


def _tokens(text: str, language):
    """``(start, end, term)`` of every token of ``text``, as ``_runs`` finds them."""
    for offset, tokens, _ in _runs(text, language):
        for start, end, term in tokens:
            yield offset + start, offset + end, term


@cache  # one per analysis key
def _run_tokens_of(key: str):
    """``run -> (tokens, terms)`` for the analyzer of ``key``: ``(start, end, term)`` of the tokens
    of one run of word characters, offsets into the run, and the set of their terms; the last
    16,384 runs of each analyzer kept (a cache of one argument is looked up fastest)."""
    analyzer = ANALYZERS.get(key, _GENERIC)

    @lru_cache(maxsize=16_384)
    def run_tokens(run: str) -> tuple:
        tokens = tuple((t.startchar, t.endchar, t.text) for t in analyzer(run, chars=True, mode="index"))
        return tokens, frozenset(term for _, _, term in tokens)

    return run_tokens


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
