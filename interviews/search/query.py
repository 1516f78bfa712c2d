"""Searching: the user's query, one page of results and its facets.

- ``parse_query(text)``: a user's query -> ``UserQuery`` (words, "phrases", -exclusions), safe
  by construction: only word characters reach Whoosh's query parser, plus the quotes and NOTs
  this module writes itself. Everything else (operators, field names, wildcards, brackets) is
  treated as text and explained in ``notes``.
- ``search(params) -> SearchPage``: one page of results, facet counts over all hits, highlighted
  snippets (escaped, then marked), each hit's aligned translations (one database query for the
  page), and a "did you mean" when nothing matched.

Keeping the index in step with the database is ``indexing.py``; what differs between our tuned
Whoosh backend and any other Haystack engine (Solr, Elasticsearch) is ``engines.py``.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
import time
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.urls.converters import get_converters
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext
from whoosh import query as wq

from interviews import languages
from interviews.models import Interview, Speaker, Topic
from interviews.search import cache
from interviews.search.analysis import ANALYZERS, analyzer_for
from interviews.search.engines import engine
from interviews.search.expansion import STOP_WORDS, Vocabulary, expand
from interviews.search.grouping import group_ranked
from interviews.search.highlighting import highlight, query_terms
from interviews.search.names import NameIndex
from interviews.translations.store import Translation, aligned_pairs, first_per_transcript, translations_for_keys

MAX_QUERY_CHARS = 256
MAX_QUERY_WORDS = 24
MAX_FILTER_VALUES = 50
PAGE_SIZE = 20
MAX_PAGE = 10_000

#: Facet name (as in URLs, forms and the API) -> index field.
FACETS = {
    "speaker": "speaker",
    "topic": "topics",
    "language": "language",
    "interview": "interview",
    "year": "year",
}
SORTS = ("relevance", "date")
DATE_ORDER = ("recency", "interview", "transcript", "ordinal")  # newest interview first, in reading order

# Query syntax the user may type: "a phrase" and -exclusion. Curly and low quotes count as quotes.
_QUOTES = '"“”„«»「」『』'
_TOKEN_RE = re.compile(rf"(?P<neg>-*)(?:[{_QUOTES}](?P<phrase>[^{_QUOTES}]*)[{_QUOTES}]?|(?P<word>[^\s{_QUOTES}]+))")
_WORD_RE = re.compile(r"\w+")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}


class PageNotFound(Exception):
    """The requested page is past the last page of results."""


# --- Queries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserQuery:
    """A parsed user query. ``include``/``exclude`` hold tuples of words: one word is a term,
    several are a phrase that must appear in that order."""

    include: tuple = ()
    exclude: tuple = ()
    notes: tuple = ()
    # Set by expansion.expand(): the query with its translations, in Whoosh syntax, and what
    # was searched besides the words typed ([Expansion]).
    expanded: str = ""
    expansions: tuple = ()
    speakers: tuple = ()  # slugs of the speakers the query names (expansion.expand())
    # The expanded query that also finds turns with only some of its words, ranked below those
    # with all: searched instead when few turns have all (expansion.expand()).
    relaxed: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.include and not self.exclude

    def whoosh_syntax(self) -> str:
        """The query in Whoosh syntax. Words are lower-cased runs of word characters, so none can be
        an operator (Whoosh's are upper-case) or carry syntax; quotes and NOT are ours."""
        if self.expanded:
            return self.expanded
        parts = [_clause(words) for words in self.include]
        parts += ["NOT " + _clause(words) for words in self.exclude]
        return " ".join(parts)

    def display(self) -> str:
        """The query as a user would type it: ``daten "neue modelle" -robotik``."""
        parts = [_clause(words) for words in self.include]
        parts += ["-" + _clause(words) for words in self.exclude]
        return " ".join(parts)


def _clause(words) -> str:
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a space when there is one: a word cut in
    half finds nothing and makes a nonsense suggestion."""
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else text[:limit]).rstrip()


def parse_query(text: str) -> UserQuery:
    """Read a user's query safely; never raises. See the module docstring for the syntax."""
    notes = []
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    if len(text) > MAX_QUERY_CHARS:
        text = _shorten(text, MAX_QUERY_CHARS)
        notes.append(
            gettext("Your search was shortened to its first %(count)d characters.") % {"count": MAX_QUERY_CHARS}
        )
    include, exclude = [], []
    seen = set()
    dropped_operators, wildcards, too_many = set(), False, False
    words_used = 0
    for match in _TOKEN_RE.finditer(text):
        raw = match.group("phrase") if match.group("phrase") is not None else match.group("word")
        negated = bool(match.group("neg"))
        if match.group("word") is not None and raw in _OPERATORS:
            dropped_operators.add(raw)
            continue
        if "*" in raw or "?" in raw:
            wildcards = True
        words = tuple(w.lower() for w in _WORD_RE.findall(raw))
        if not words:
            continue
        if words_used + len(words) > MAX_QUERY_WORDS:
            too_many = True
            break
        if (negated, words) in seen:
            continue
        seen.add((negated, words))
        words_used += len(words)
        (exclude if negated else include).append(words)
    if dropped_operators:
        names = ", ".join(sorted(dropped_operators))
        notes.append(
            ngettext(
                "%(names)s is not an operator here: every word must match; use -word to exclude one.",
                "%(names)s are not operators here: every word must match; use -word to exclude one.",
                len(dropped_operators),
            )
            % {"names": names}
        )
    if wildcards:
        notes.append(gettext("Wildcards (*, ?) are not supported: words are matched in all their forms already."))
    if too_many:
        notes.append(gettext("Only the first %(count)d words of your search were used.") % {"count": MAX_QUERY_WORDS})
    if text and not include and not exclude:
        notes.append(gettext("Your search has no words to look for, so every turn is shown."))
    return UserQuery(tuple(include), tuple(exclude), tuple(notes))


# --- Searching --------------------------------------------------------------------------------


@dataclass
class SearchParams:
    q: str = ""
    filters: dict = field(default_factory=dict)  # facet name -> [identifier, ...]
    sort: str = ""
    page: int = 1
    # With a language filter: show each hit's aligned turns in the other transcripts too.
    translations: bool = False
    # Search only the words typed: no translations, no other spellings.
    exact: bool = False
    # (interview slug, transcript slug): only that transcript's turns (the find box of a transcript).
    transcript: tuple = ()
    page_size: int = PAGE_SIZE
    # Aligned hits in several languages as one result, when the query was searched in its
    # translations (group=0 on the page turns it off).
    group: bool = True


@dataclass
class Counterpart:
    """A turn of another transcript that says what a hit says: its aligned translation."""

    key: str
    permalink: str
    language: str
    language_name: str
    speaker: str
    ordinal: int
    possible_match: bool
    snippet_html: SafeString | str = ""  # only for the translations shown under a hit


@dataclass
class Hit:
    key: str
    permalink: str
    speaker: str
    speaker_url: str
    interview: str
    interview_url: str
    language: str
    language_name: str
    date: datetime.date | None
    ordinal: int
    text: str
    snippet_html: SafeString
    topics: list
    also_in: list = field(default_factory=list)  # [Counterpart]: the first aligned turn per other transcript
    translations: list | None = None  # [Counterpart]: every aligned turn, when the page shows them

    @property
    def language_count(self) -> int:
        """In how many languages the result reads: its own and its translations'."""
        return len({self.language, *(t.language for t in self.translations or ())})


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchPage:
    query: UserQuery
    params: SearchParams
    sort: str
    count: int
    page: int
    num_pages: int
    results: list
    facets: dict  # facet name -> [FacetValue, ...]
    suggestion: str | None
    took_ms: float
    # Per facet, how many values `find`'s ``facet_limit`` left out of ``facets``.
    facets_left_out: dict = field(default_factory=dict)
    # Each hit carries its translations (params.translations with a language filter). They are
    # not hits: count, pages and facets are the filtered language's alone.
    shows_translations: bool = False
    # Aligned hits in several languages are one result (grouping.py): count and pages are of results.
    grouped: bool = False
    # The speakers the query names: their pages are offered above the results.
    speakers: list = field(default_factory=list)
    # Few turns had every word: turns with some of them follow those with all.
    relaxed: bool = False

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.num_pages

    @property
    def start_index(self):
        return (self.page - 1) * self.params.page_size + 1 if self.count else 0

    @property
    def end_index(self):
        return min(self.page * self.params.page_size, self.count)

    def page_window(self, size=2):
        """Page numbers to link, with None where a gap is elided: [1, None, 7, 8, 9, None, 40]."""
        pages = sorted({1, self.num_pages, *range(max(1, self.page - size), min(self.num_pages, self.page + size) + 1)})
        out, previous = [], 0
        for number in pages:
            if number - previous > 1:
                out.append(None)
            out.append(number)
            previous = number
        return out


def facet_vocabulary() -> dict:
    """Every value each facet has in the index: what a filter may name (others are ignored)."""
    vocabulary = engine().facet_vocabulary(FACETS.values())
    return {name: vocabulary[fieldname] for name, fieldname in FACETS.items()}


def _narrow_query(fieldname, values) -> str:
    # Values were checked against the index's own vocabulary; quoting is belt and braces.
    return " OR ".join(f'{fieldname}:"{value}"' for value in values if '"' not in value and "\\" not in value)


def search(params: SearchParams, *, facet_limit: int | None = None) -> SearchPage:
    """One page of results for ``params``. Raises ``PageNotFound`` past the last page."""
    return find(params, facet_limit=facet_limit).page()


def find(params: SearchParams, *, facet_limit: int | None = None) -> Found:
    """What one page of results for ``params`` shows, read but not drawn (``Found``). Raises
    ``PageNotFound`` past the last page. ``facet_limit``: at most this many values of each facet
    besides those filtered on, the first in the facet's order (a page lists no more; how many are
    left out is counted); None for every value."""
    started = time.perf_counter()
    current = engine()
    stamp = current.index_stamp()
    query = parse_query(params.q)
    if not params.exact:
        query = expand(query, names=speaker_names(stamp) if query.include else None, vocabulary=vocabulary(current))
    sort = params.sort if params.sort in SORTS else ("relevance" if query.include else "date")
    if not query.include:
        sort = "date"  # nothing to rank by
    page = params.page
    if not 1 <= page <= MAX_PAGE:
        raise PageNotFound(page)

    filters = {
        name: list(dict.fromkeys(values))[:MAX_FILTER_VALUES]
        for name, values in params.filters.items()
        if name in FACETS and values
    }
    narrows = _narrows(filters)
    if params.transcript:
        narrows["transcript"] = _transcript_narrow(*params.transcript)
    page_size = max(1, params.page_size)
    terms = _HighlightTerms(query)
    # The request as the index sees it: the same key for every spelling of the same search.
    request = (
        query.include,
        query.exclude,
        query.expanded,  # what is searched besides the words typed: "search only what I typed" differs
        tuple(sorted((name, tuple(sorted(values))) for name, values in filters.items())),
        tuple(params.transcript),
        sort,
        page,
        page_size,
    )
    grouped = (
        params.group
        and bool(query.expansions)
        and sort == "relevance"
        and not filters.get("language")
        and not params.transcript  # one transcript is one language: nothing to group
    )

    def found_for(query, request):
        if grouped:
            return _search_grouped(current, stamp, request, query, narrows, page, page_size, terms)
        return cache.cached(
            stamp, request, lambda: _search_index(current, query, narrows, sort, page, page_size, terms)
        )

    found = found_for(query, request)
    relaxed = bool(query.relaxed) and found.count < PAGE_SIZE and sort == "relevance" and not params.transcript
    if relaxed:  # few turns have every word: those with some follow
        query = replace(query, expanded=query.relaxed, relaxed="")
        found = found_for(query, (*request[:2], query.expanded, *request[3:]))
    num_pages = max(1, math.ceil(found.count / page_size))
    if page > num_pages:
        raise PageNotFound(page)

    shows_translations = grouped or (params.translations and bool(filters.get("language")))
    facets, facets_left_out = _facet_values(found.facet_counts, filters, stamp, facet_limit)
    return Found(
        params=params,
        query=query,
        sort=sort,
        stamp=stamp,
        index_page=found,
        num_pages=num_pages,
        facets=facets,
        facets_left_out=facets_left_out,
        aligned=translations_for_keys(hit.key for hit in found.hits),
        speakers=list(Speaker.objects.filter(slug__in=query.speakers)) if query.speakers else [],
        terms=terms,
        grouped=grouped,
        shows_translations=shows_translations,
        relaxed=relaxed,
        started=started,
    )


@dataclass
class Found:
    """One page of results as the index and the database decide it, before it is drawn:
    ``page()`` gives each hit its translations (with snippets, when the page shows them) and
    makes the ``SearchPage``; ``version()`` names everything the page shows, so a page drawn
    once can be kept under it (interviews/search_pages.py)."""

    params: SearchParams
    query: UserQuery
    sort: str
    stamp: str | None
    index_page: _IndexPage
    num_pages: int
    facets: dict  # facet name -> [FacetValue, ...]
    facets_left_out: dict  # facet name -> how many values ``facet_limit`` left out
    aligned: dict  # hit key -> [Translation]: read from the database on every request
    speakers: list
    terms: _HighlightTerms
    grouped: bool
    shows_translations: bool
    relaxed: bool
    started: float

    @property
    def count(self) -> int:
        return self.index_page.count

    def version(self) -> str | None:
        """A digest of everything the page shows: the request, the index's version (which
        decides the hits, their snippets and the counts), the interface language and script
        prefix, and what the database gave this request (the facets' names, the hits'
        translations with every column shown of them, the speakers named). A page drawn from
        the same inputs is the same page, so a write to the database (even one whose index
        work is still pending) or to the index changes it. None when the index cannot tell
        its version."""
        if self.stamp is None:
            return None
        translations = [
            (key, [(t.turn.key, t.turn.ordinal, t.turn.text, t.turn.transcript.language, t.turn.transcript.slug,
                    t.turn.speaker.name, t.confidence, t.status) for t in found])
            for key, found in sorted(self.aligned.items())
        ]  # fmt: skip
        facets = [
            (name, [(v.value, v.label, v.count, v.selected) for v in values]) for name, values in self.facets.items()
        ]  # how many values were left out follows from these and the index's counts
        parts = (
            self.stamp,
            cache.CODE_STAMP,
            get_language(),
            get_script_prefix(),
            self.params,
            self.query,
            self.sort,
            self.count,
            self.num_pages,
            self.index_page.suggestion,
            [hit.key for hit in self.index_page.hits],
            self.grouped,
            self.shows_translations,
            self.relaxed,
            facets,
            translations,
            [(speaker.slug, speaker.name) for speaker in self.speakers],
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def page(self) -> SearchPage:
        results = self.index_page.hits
        nested = self.shows_translations
        prefix = get_script_prefix()
        for hit in results:
            found = self.aligned.get(hit.key, [])
            hit.also_in = [_counterpart(t, prefix) for t in first_per_transcript(found)]
            if nested:
                hit.translations = [_counterpart(t, prefix, self.terms) for t in found]
        return SearchPage(
            query=self.query,
            params=self.params,
            sort=self.sort,
            count=self.count,
            page=self.params.page,
            num_pages=self.num_pages,
            results=results,
            facets=self.facets,
            facets_left_out=self.facets_left_out,
            suggestion=self.index_page.suggestion,
            took_ms=(time.perf_counter() - self.started) * 1000,
            shows_translations=self.shows_translations,
            grouped=self.grouped,
            speakers=self.speakers,
            relaxed=self.relaxed,
        )


def vocabulary(current) -> Vocabulary | None:
    """What the index holds, for choosing a query's translations; None when the engine cannot say."""
    count = current.document_frequency()
    return Vocabulary(count) if count is not None else None


def speaker_names(stamp) -> NameIndex:
    """Every speaker's name and aliases, to find the speakers a query names. Kept by the process
    for the index version ``stamp``: a change of a speaker's name or aliases reindexes their turns
    (``editing.reindex_speaker``), so the next search reads them again (one query)."""
    global _speaker_names
    if stamp is None or _speaker_names[0] != stamp:
        names = NameIndex.build(Speaker.objects.values_list("slug", "name", "aliases"), stop_words=STOP_WORDS)
        _speaker_names = (stamp, names)
    return _speaker_names[1]


_speaker_names: tuple = (None, None)


@dataclass
class _IndexPage:
    """What the index alone decides for one page: kept by the result cache (``cache.py``)."""

    count: int
    hits: list  # [Hit] without translations: those come from the database on every request
    facet_counts: dict
    suggestion: str | None


def _search_index(current, query, narrows, sort, page, page_size, terms) -> _IndexPage:
    # What sqs.facet() and sqs.order_by() would add, added to this search's own query in place:
    # each of those copies the whole query first (a sixth of a millisecond each).
    backend_query = current.searchqueryset(query, narrows).query
    for fieldname in FACETS.values():
        backend_query.add_field_facet(fieldname)
    if sort == "date":
        for order in DATE_ORDER:
            backend_query.add_order_by(order)
    backend_query.set_limits((page - 1) * page_size, page * page_size)
    backend_query.set_spelling_query(query.display())
    backend_query.run()
    count = backend_query.get_count()
    prefix = get_script_prefix()
    return _IndexPage(
        count=count,
        hits=[_hit(result, terms, prefix) for result in backend_query.get_results()],
        facet_counts=current.facet_counts(backend_query, query, narrows),
        suggestion=backend_query.get_spelling_suggestion() if count == 0 else None,
    )


#: Hits grouped across languages: the first this many, best first (a group counts once); hits
#: ranked below stand alone. A reader looks at the first pages; the links are read for these only
#: (reading them for 1,000 hits took 0.3 s on a 5,000-turn archive).
GROUP_WINDOW = 200


@dataclass
class _RankedKeys:
    """What the index decides for a grouped search: kept by the result cache like ``_IndexPage``."""

    keys: list  # the first hits' keys, best first
    count: int
    facet_counts: dict
    suggestion: str | None


def _search_grouped(current, stamp, request, query, narrows, page, page_size, terms) -> _IndexPage:
    """One page of results where aligned hits in several languages are one result, ranked where
    its best version ranks. The links come from the database on every request (an editor's
    rejection shows at once); the ranked keys and facets from the index, through the cache."""
    limit = GROUP_WINDOW + page * page_size

    def ranked():
        keys, count, facet_counts = current.ranked_keys(query, narrows, limit, tuple(FACETS.values()))
        return _RankedKeys(keys, count, facet_counts, None)

    found = cache.cached(stamp, (*request, "grouped", limit), ranked)
    if found.count == 0:  # nothing to group; the plain search makes the "did you mean"
        return cache.cached(
            stamp, request, lambda: _search_index(current, query, narrows, "relevance", 1, page_size, terms)
        )
    window = found.keys[:GROUP_WINDOW]
    groups = group_ranked(window, aligned_pairs(window)) + [[key] for key in found.keys[GROUP_WINDOW:]]
    count = len(groups) + max(0, found.count - len(found.keys))
    leaders = [group[0] for group in groups[(page - 1) * page_size : page * page_size]]
    prefix = get_script_prefix()
    hits = [_hit(result, terms, prefix) for result in current.results_for_keys(leaders)] if leaders else []
    return _IndexPage(count=count, hits=hits, facet_counts=found.facet_counts, suggestion=found.suggestion)


#: What a worker's warm-up searches: Chinese (jieba's dictionary), German (the compound word list),
#: a date-ordered browse (the searcher's sort and facet columns), and a search across languages
#: whatever dictionaries the archive has ("GPT4" also searches "gpt 4", so it is grouped): it reads
#: the key column and the length norms such a search scores with, 4.5 and 2.2 s at 1,000,000 turns,
#: which the first "20VC" search of a worker otherwise paid (4.68 s, then 0.06 s with it; the
#: warm-up 10.2 s, then 16.2 s; the bench's compacted 1M archive, 7 December 2026).
WARM_UP_SEARCHES = (
    SearchParams(q="数据质量"),
    SearchParams(q="Datenqualität"),
    SearchParams(sort="date"),
    SearchParams(q="GPT4"),
)
_WARM_UP_TEXT = "数据质量 Datenqualität データ品質 data quality"


def warm_up() -> float:
    """Load now what a process's first search would load lazily: every analyzer (jieba's
    dictionary, the German word list), the searcher and its columns, the facet vocabulary.
    gunicorn calls it as each worker starts (archive/gunicorn.conf.py), so no visitor waits
    seconds for the first search of a fresh worker. Returns the seconds it took."""
    started = time.perf_counter()
    for code in (*ANALYZERS, "und"):  # "und": the generic analyzer, for any other language
        for mode in ("index", "query"):
            list(analyzer_for(code)(_WARM_UP_TEXT, mode=mode))
    facet_vocabulary()
    with cache.recomputing():  # what another worker kept would leave this one's columns unread
        for params in WARM_UP_SEARCHES:
            search(params)
    return time.perf_counter() - started


def turns_per_language(facet: str) -> dict[str, dict[str, int]] | None:
    """{value of ``facet`` (a speaker's or topic's slug): {language: turns}} over the whole index,
    languages in order: a facet count for each language the index holds, from the index's
    columns. None when the engine's facet counts may stop short of every value: the caller
    counts in the database. At 1,000,000 turns the speakers' counts took 80 ms this way and 1.0 s
    in SQL, the topics' 3.7 s in SQL (the same counts; 7 December 2026)."""
    current = engine()
    if not current.counts_every_facet_value:
        return None
    everything = parse_query("")
    language, counted = FACETS["language"], FACETS[facet]
    _, _, held = current.ranked_keys(everything, {}, 1, (language,))
    counts: dict = {}
    for code in sorted(str(code) for code, n in held.get(language, []) if n):
        _, _, found = current.ranked_keys(everything, _narrows({"language": [code]}), 1, (counted,))
        for value, n in found.get(counted, []):
            if n:
                counts.setdefault(str(value), {})[code] = n
    return counts


def _narrows(filters: dict) -> dict:
    """{index field: narrow query} for the facets filtered on."""
    narrows = {FACETS[name]: _narrow_query(FACETS[name], values) for name, values in filters.items()}
    return {fieldname: narrow for fieldname, narrow in narrows.items() if narrow}


def _transcript_narrow(interview: str, transcript: str) -> str:
    """One transcript (slugs from the database, never typed): the index holds transcript slugs,
    unique only within their interview."""
    return f'interview:"{interview}" AND transcript:"{transcript}"'


class _HighlightTerms(dict):
    """The query's analysed terms per language, computed once per page rather than once per hit."""

    def __init__(self, query: UserQuery):
        super().__init__()
        self.syntax = query.whoosh_syntax()

    def __missing__(self, language):
        terms = query_terms(self.syntax, language) if self.syntax else []
        self[language] = wq.Or([wq.Term("t", term) for term in terms])
        return self[language]


def _hit(result, highlight_terms, prefix: str) -> Hit:
    """A hit of the index as the page shows it; ``prefix``: the script prefix, which its links
    are reversed under, read once a page (reading it costs some 2 µs, more than the links)."""
    date = getattr(result, "date", None)
    text = result.text or ""
    language = getattr(result, "language", "") or ""
    return Hit(
        key=result.key,
        permalink=_path("interviews:quote", result.key, prefix),
        speaker=getattr(result, "speaker_name", ""),
        speaker_url=_path("interviews:speaker", result.speaker, prefix),
        interview=getattr(result, "interview_title", ""),
        interview_url=_path("interviews:interview", result.interview, prefix),
        language=language,
        language_name=languages.name(language),
        date=datetime.date.fromisoformat(date) if date else None,
        ordinal=int(getattr(result, "ordinal", 0) or 0),
        text=text,
        # analysis.highlight escapes every piece of the text; its only markup is <mark>.
        snippet_html=mark_safe(highlight(text, highlight_terms[language], language, width=_snippet_width(language))),
        topics=list(getattr(result, "topics", None) or []),
    )


def _path(name: str, arg: str, script_prefix: str) -> str:
    """``reverse(name, args=[arg])``: a hit's links (its permalink, its speaker's and its
    interview's pages). Reversing a URL was a tenth of building a hit, so each address is reversed
    once per process and script prefix (which ``reverse()`` reads) with a stand-in argument, and
    each hit's argument is put in its place; an argument its URL's converter would not take (which
    ``reverse()`` refuses) goes through ``reverse()``."""
    before, after, takes = _path_template(name, script_prefix)
    if takes(arg):
        return before + arg + after
    return reverse(name, args=[arg])


#: The converter of the one argument of each address a hit links to (interviews/urls.py). Both
#: write what they take as it is, in characters that need no quoting in a URL.
_LINK_CONVERTERS = {"interviews:quote": "turnkey", "interviews:speaker": "slug", "interviews:interview": "slug"}
_STANDIN = "0standin0"  # taken by both converters


@lru_cache(maxsize=64)
def _path_template(name: str, script_prefix: str) -> tuple:
    """(the address before its argument, after it, whether an argument is written as it is)."""
    before, _, after = reverse(name, args=[_STANDIN]).partition(_STANDIN)
    takes = re.compile(get_converters()[_LINK_CONVERTERS[name]].regex).fullmatch
    return before, after, takes


def _counterpart(translation: Translation, prefix: str, highlight_terms=None) -> Counterpart:
    """The turn aligned with a hit, as the page shows it; its permalink is the turn's
    ``get_absolute_url()`` made the way the hit's own is (`_path`: a ``reverse()`` cost some 28
    µs, measured alone on a loaded machine, and a search page shows some 2.4 of them)."""
    turn, transcript = translation.turn, translation.turn.transcript
    snippet = ""
    if highlight_terms is not None:
        # Names, numbers and Latin terms survive translation: mark them where the query has them.
        terms = highlight_terms[transcript.language]
        snippet = mark_safe(highlight(turn.text, terms, transcript.language, width=_snippet_width(transcript.language)))
    return Counterpart(
        key=turn.key,
        permalink=_path("interviews:quote", turn.key, prefix),
        language=transcript.language,
        language_name=transcript.language_name,
        speaker=turn.speaker.name,
        ordinal=turn.ordinal,
        possible_match=translation.is_possible_match,
        snippet_html=snippet,
    )


def _snippet_width(language) -> int:
    # What analysis.highlight would pick by counting CJK characters, without the counting.
    return 80 if languages.is_cjk(language) else 200


def _facet_values(facet_counts, filters, stamp, limit=None) -> tuple[dict, dict]:
    """Each facet's values with their labels, most frequent first (years newest first), a value
    filtered on always among them; with ``limit``, at most that many others. And per facet, how
    many values the limit left out. A facet of a large archive has thousands of values, and a
    page lists some dozens: making and naming them all was the largest part of a repeated
    search request (the 5,091 values of an empty search at 1,000,000 turns in 4.6 ms, the 48 a
    facet a page lists in 1.0)."""
    kept, left_out = {}, {}
    selected_of = {name: set(filters.get(name, ())) for name in FACETS}
    for name, fieldname in FACETS.items():
        selected = selected_of[name]
        # Each value as text once.
        pairs = [(str(value), count) for value, count in facet_counts.get(fieldname, [])]
        if name == "year":
            pairs.sort(reverse=True)
        if limit is not None and len(pairs) > limit:
            others = 0
            shown = []
            for text, count in pairs:
                if text in selected:
                    shown.append((text, count))
                elif others < limit:
                    others += 1
                    shown.append((text, count))
            left_out[name] = len(pairs) - len(shown)
            pairs = shown
        kept[name] = pairs
    labels = _facet_labels(stamp, {name: [text for text, _ in pairs] for name, pairs in kept.items()})
    facets = {}
    for name, pairs in kept.items():
        selected = selected_of[name]
        named = labels[name].get
        values = [FacetValue(text, named(text, text), count, text in selected) for text, count in pairs]
        # A selected value stays visible (and removable) even when the other filters leave it no hits.
        for value in sorted(selected - {text for text, _ in pairs}):  # one order in every process
            values.append(FacetValue(value, named(value, value), 0, True))
        facets[name] = values
    return facets, left_out


#: What a facet value's label is read from, per facet named by identifiers in the database:
#: {identifier: a label, or the topic (its names in every language)}; one query for ``missing``.
_LABEL_READERS = {
    # Unordered: the models' default orderings cost a sort and are of no use to a dict.
    "speaker": lambda missing: Speaker.objects.filter(slug__in=missing).order_by().values_list("slug", "name"),
    "interview": lambda missing: Interview.objects.filter(slug__in=missing).order_by().values_list("slug", "title"),
    # Without the keyword rules and file snapshot: JSON, decoded for nothing.
    "topic": lambda missing: (
        (topic.slug, topic)
        for topic in Topic.objects.filter(slug__in=missing).order_by().only("slug", "name_en", "name_de", "name_zh")
    ),
}

#: (index version, {facet: {identifier: label, topic or None}}): the labels this process has read
#: for that version of the index; None for an identifier the database does not hold.
_labels: tuple = (None, {})


def _facet_labels(stamp, values: dict) -> dict:
    """Display names for facet identifiers, for the values shown only: read once per version of
    the index (``stamp``) by each process, at most one query per facet for the values it has not
    read yet. Never stale: every change of a name re-indexes the turns that carry it in the same
    transaction (a speaker's name, an interview's title: ``editing``, the admin, ``ingest``; a
    topic's names: the topic admin and ``load_topics``), and any commit to the index, from any
    process, changes its version. With no version (an engine that cannot say), read every time."""
    global _labels
    if stamp is None or _labels[0] != stamp:
        _labels = (stamp, {name: {} for name in _LABEL_READERS})
    known = _labels[1]
    for name, read in _LABEL_READERS.items():
        missing = [value for value in values[name] if value not in known[name]]
        if missing:
            known[name].update(dict.fromkeys(missing))
            known[name].update(read(missing))
    language = languages.base(get_language())  # topics in the interface language, after the result cache
    labels = {
        name: {value: known[name][value] for value in values[name] if known[name][value] is not None}
        for name in ("speaker", "interview")
    }
    labels["topic"] = {
        value: known["topic"][value].name_in(language) for value in values["topic"] if known["topic"][value]
    }
    labels["language"] = {code: languages.name(code) for code in values["language"]}
    labels["year"] = {}
    return labels
