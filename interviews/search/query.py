"""Search: the only module that talks to Haystack and the index.

- ``parse_query(text)``: a user's query -> ``UserQuery`` (words, "phrases", -exclusions), safe
  by construction: only word characters reach Whoosh's query parser, plus the quotes and NOTs
  this module writes itself. Everything else (operators, field names, wildcards, brackets) is
  treated as text and explained in ``notes``.
- ``search(params) -> SearchPage``: one page of results, facet counts over all hits, highlighted
  snippets (escaped, then marked), each hit's aligned translations (one database query for the
  page), and a "did you mean" when nothing matched.
- ``process_index_tasks()``: applies the outbox (IndexTask rows written by ingest in its
  transaction) in one Whoosh commit per batch; registered in ``InterviewsConfig.ready()``.
- ``index_turns()``, ``rebuild()`` (build a new index generation, then swap) and
  ``check_index()``: the maintenance behind the management commands.

The default engine is our tuned Whoosh backend (``search_backend.py``), whose fast paths (column
facets, generations, the write lock) the code above uses. Any other Haystack engine (Solr,
Elasticsearch: ``SEARCH_URL``) takes the generic path at the end of this module, through
``SearchQuerySet`` alone; tests/test_search_generic.py runs it on Haystack's stock Whoosh engine.
"""

from __future__ import annotations

import datetime
import logging
import math
import operator
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from haystack import connections
from haystack.constants import DEFAULT_ALIAS
from haystack.inputs import Clean, Exact
from haystack.query import SQ, SearchQuerySet
from whoosh import query as wq

from interviews import languages, outbox
from interviews.models import IndexTask, Interview, Speaker, Topic, Turn
from interviews.search.analysis import highlight, query_terms
from interviews.search.indexes import document_id
from interviews.search.whoosh_backend import AnalyzedTextField, ArchiveWhooshBackend, IndexLocked, RebuildRunning  # noqa: F401  (re-exported for callers)
from interviews.translations.store import Translation, first_per_transcript, translations_for_keys

MAX_QUERY_CHARS = 256
MAX_QUERY_WORDS = 24
MAX_FILTER_VALUES = 50
PAGE_SIZE = 20
MAX_PAGE = 10_000

logger = logging.getLogger(__name__)

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

    @property
    def is_empty(self) -> bool:
        return not self.include and not self.exclude

    def whoosh_syntax(self) -> str:
        """The query in Whoosh syntax. Words are lower-cased runs of word characters, so none can be
        an operator (Whoosh's are upper-case) or carry syntax; quotes and NOT are ours."""
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


def parse_query(text: str) -> UserQuery:
    """Read a user's query safely; never raises. See the module docstring for the syntax."""
    notes = []
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"Your search was shortened to its first {MAX_QUERY_CHARS} characters.")
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
            f"{names} {'is' if len(dropped_operators) == 1 else 'are'} not an operator here: every word must match; use -word to exclude one."
        )
    if wildcards:
        notes.append("Wildcards (*, ?) are not supported: words are matched in all their forms already.")
    if too_many:
        notes.append(f"Only the first {MAX_QUERY_WORDS} words of your search were used.")
    if text and not include and not exclude:
        notes.append("Your search has no words to look for, so every turn is shown.")
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
    # Each hit carries its translations (params.translations with a language filter). They are
    # not hits: count, pages and facets are the filtered language's alone.
    shows_translations: bool = False

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.num_pages

    @property
    def start_index(self):
        return (self.page - 1) * PAGE_SIZE + 1 if self.count else 0

    @property
    def end_index(self):
        return min(self.page * PAGE_SIZE, self.count)

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


def _backend():
    return connections[DEFAULT_ALIAS].get_backend()


def _turn_index():
    return connections[DEFAULT_ALIAS].get_unified_index().get_index(Turn)


def _tuned(backend) -> bool:
    """True for our Whoosh backend; False for any other engine (the generic path)."""
    return isinstance(backend, ArchiveWhooshBackend)


def facet_vocabulary() -> dict:
    """Every value each facet has in the index: what a filter may name (others are ignored)."""
    backend = _backend()
    if not _tuned(backend):
        return _generic_vocabulary()
    columns = backend.columns()
    return {name: set(map(str, columns.vocabulary(fieldname))) for name, fieldname in FACETS.items()}


def _narrow_query(fieldname, values) -> str:
    # Values were checked against the index's own vocabulary; quoting is belt and braces.
    return " OR ".join(f'{fieldname}:"{value}"' for value in values if '"' not in value and "\\" not in value)


def search(params: SearchParams) -> SearchPage:
    """One page of results for ``params``. Raises ``PageNotFound`` past the last page."""
    started = time.perf_counter()
    query = parse_query(params.q)
    sort = params.sort if params.sort in SORTS else ("relevance" if query.include else "date")
    if not query.include:
        sort = "date"  # nothing to rank by
    page = params.page
    if not 1 <= page <= MAX_PAGE:
        raise PageNotFound(page)

    tuned = _tuned(_backend())
    filters = {
        name: list(dict.fromkeys(values))[:MAX_FILTER_VALUES]
        for name, values in params.filters.items()
        if name in FACETS and values
    }
    sqs = _filtered(query, filters, tuned=tuned)
    for fieldname in FACETS.values():
        sqs = sqs.facet(fieldname)
    if sort == "date":
        sqs = sqs.order_by(*DATE_ORDER)

    backend_query = sqs.query
    backend_query.set_limits((page - 1) * PAGE_SIZE, page * PAGE_SIZE)
    backend_query.set_spelling_query(query.display())
    backend_query.run()
    count = backend_query.get_count()
    num_pages = max(1, math.ceil(count / PAGE_SIZE))
    if page > num_pages:
        raise PageNotFound(page)

    terms = _HighlightTerms(query)
    results = [_hit(result, terms) for result in backend_query.get_results()]
    shows_translations = params.translations and bool(filters.get("language"))
    _add_translations(results, terms, nested=shows_translations)
    facet_counts = backend_query.get_facet_counts().get("fields", {})
    if not tuned:
        facet_counts = _generic_facet_counts(facet_counts, query, filters)
    facets = _facet_values(facet_counts, filters)
    suggestion = backend_query.get_spelling_suggestion() if count == 0 else None
    return SearchPage(
        query=query,
        params=params,
        sort=sort,
        count=count,
        page=page,
        num_pages=num_pages,
        results=results,
        facets=facets,
        suggestion=suggestion,
        took_ms=(time.perf_counter() - started) * 1000,
        shows_translations=shows_translations,
    )


def _filtered(query: UserQuery, filters: dict, *, tuned=True, skip=None) -> SearchQuerySet:
    """The query and every filter but ``skip``'s, as a SearchQuerySet."""
    sqs = SearchQuerySet().using(DEFAULT_ALIAS)
    if tuned and not query.is_empty:
        sqs = sqs.raw_search(query.whoosh_syntax())
    elif not tuned:
        sqs = _generic_text_query(sqs, query)
    narrows = [_narrow_query(FACETS[name], values) for name, values in filters.items() if name != skip]
    narrows = [narrow for narrow in narrows if narrow]
    if tuned:
        for narrow in narrows:  # one per facet: the backend counts each facet without its own
            sqs = sqs.narrow(narrow)
    elif narrows:
        # One narrow for all: the same for Solr and Elasticsearch, and Haystack's stock Whoosh
        # backend drops narrows whose intersection is empty instead of returning nothing.
        sqs = sqs.narrow(" AND ".join(f"({narrow})" for narrow in narrows))
    return sqs


class _HighlightTerms(dict):
    """The query's analysed terms per language, computed once per page rather than once per hit."""

    def __init__(self, query: UserQuery):
        super().__init__()
        self.syntax = query.whoosh_syntax()

    def __missing__(self, language):
        terms = query_terms(self.syntax, language) if self.syntax else []
        self[language] = wq.Or([wq.Term("t", term) for term in terms])
        return self[language]


def _hit(result, highlight_terms) -> Hit:
    date = getattr(result, "date", None)
    text = result.text or ""
    language = getattr(result, "language", "") or ""
    return Hit(
        key=result.key,
        permalink=reverse("interviews:quote", args=[result.key]),
        speaker=getattr(result, "speaker_name", ""),
        speaker_url=reverse("interviews:speaker", args=[result.speaker]),
        interview=getattr(result, "interview_title", ""),
        interview_url=reverse("interviews:interview", args=[result.interview]),
        language=language,
        language_name=languages.name(language),
        date=datetime.date.fromisoformat(date) if date else None,
        ordinal=int(getattr(result, "ordinal", 0) or 0),
        text=text,
        # analysis.highlight escapes every piece of the text; its only markup is <mark>.
        snippet_html=mark_safe(highlight(text, highlight_terms[language], language, width=_snippet_width(language))),
        topics=list(getattr(result, "topics", None) or []),
    )


def _add_translations(hits, highlight_terms, *, nested: bool) -> None:
    """Give each hit its "also in" links (and, if ``nested``, all its aligned turns with a
    snippet): one database query for the whole page, by the keys the index stored."""
    aligned = translations_for_keys(hit.key for hit in hits)
    for hit in hits:
        found = aligned.get(hit.key, [])
        hit.also_in = [_counterpart(t) for t in first_per_transcript(found)]
        if nested:
            hit.translations = [_counterpart(t, highlight_terms) for t in found]


def _counterpart(translation: Translation, highlight_terms=None) -> Counterpart:
    turn, transcript = translation.turn, translation.turn.transcript
    snippet = ""
    if highlight_terms is not None:
        # Names, numbers and Latin terms survive translation: mark them where the query has them.
        terms = highlight_terms[transcript.language]
        snippet = mark_safe(highlight(turn.text, terms, transcript.language, width=_snippet_width(transcript.language)))
    return Counterpart(
        key=turn.key,
        permalink=turn.get_absolute_url(),
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


def _facet_values(facet_counts, filters) -> dict:
    labels = _facet_labels(
        {name: [value for value, _ in facet_counts.get(fieldname, [])] for name, fieldname in FACETS.items()}
    )
    facets = {}
    for name, fieldname in FACETS.items():
        selected = set(filters.get(name, ()))
        values = [
            FacetValue(str(value), labels[name].get(str(value), str(value)), count, str(value) in selected)
            for value, count in facet_counts.get(fieldname, [])
        ]
        if name == "year":
            values.sort(key=lambda v: v.value, reverse=True)
        # A selected value stays visible (and removable) even when the other filters leave it no hits.
        for value in selected - {v.value for v in values}:
            values.append(FacetValue(value, labels[name].get(value, value), 0, True))
        facets[name] = values
    return facets


def _facet_labels(values: dict) -> dict:
    """Display names for facet identifiers: one query per facet, for the values shown only."""
    return {
        "speaker": dict(Speaker.objects.filter(slug__in=values["speaker"]).values_list("slug", "name")),
        "interview": dict(Interview.objects.filter(slug__in=values["interview"]).values_list("slug", "title")),
        "topic": dict(Topic.objects.filter(slug__in=values["topic"]).values_list("slug", "name_en")),
        "language": {code: languages.name(code) for code in values["language"]},
        "year": {},
    }


def filter_labels(filters: dict) -> dict:
    """Display names for the given filter values: ``{facet: {identifier: label}}``."""
    return _facet_labels({name: list(filters.get(name, ())) for name in FACETS})


# --- Keeping the index in step with the database ------------------------------------------------


@dataclass
class IndexRun:
    applied: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0
    kept: int = 0  # applied, but kept pending for a rebuild in progress
    error: str = ""


def _index_queryset():
    return _turn_index().index_queryset()


def process_index_tasks(*, batch_size=1000, lock_timeout=None, max_seconds=None, bulk=False) -> IndexRun:
    """Apply pending IndexTask rows to the index, one Whoosh commit per batch.

    The database is the truth: a key whose turn exists is (re)indexed from it, a key whose turn is
    gone is removed. Rows are read and turns loaded while holding the index's write lock, so two
    processes draining at once cannot write an older version over a newer one. Rows that could
    not be applied stay, with ``attempts`` and ``last_error``, for the next run (the next ingest,
    or ``manage.py check_index --fix``). Never raises: it runs after a commit that has succeeded.
    With ``max_seconds``, no new batch starts after that long (the rest waits for the next run).
    ``bulk`` (a command-line bulk load) lets Whoosh merge segments without a bound.
    """
    backend = _backend()
    index = _turn_index()
    if not _tuned(backend):
        return _generic_process_index_tasks(backend, index, batch_size)
    run = IndexRun()
    last_id = 0
    started = time.monotonic()
    while True:
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            return run
        pending_ids = list(IndexTask.objects.filter(id__gt=last_id).values_list("id", flat=True)[:batch_size])
        if not pending_ids:
            return run
        try:
            with backend.writer(timeout=lock_timeout, bulk=bulk) as writer:
                tasks = list(IndexTask.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
                logger.info("index: writing %d tasks", len(tasks))
                keys = {task.turn_key for task in tasks}
                turns = {turn.key: turn for turn in _index_queryset().filter(key__in=keys)}
                failed = {}
                # One searcher for the batch's deletes: update_document() opens a searcher over
                # every segment per document (measured: 24 of 104 s of index time at 5k turns).
                searcher = writer.searcher()
                try:
                    for key in keys:
                        writer.delete_by_term("key", key, searcher=searcher)
                        if key not in turns:
                            run.deleted += 1
                            continue
                        try:
                            writer.add_document(**backend.document(index, turns[key]))
                            run.updated += 1
                        except Exception as exc:  # one bad turn must not block the others
                            failed[key] = f"{type(exc).__name__}: {exc}"
                finally:
                    searcher.close()
                generation = writer.path
        except Exception as exc:
            message = (
                "the index is locked by another writer"
                if isinstance(exc, IndexLocked)
                else f"{type(exc).__name__}: {exc}"
            )
            IndexTask.objects.filter(id__in=pending_ids).update(attempts=F("attempts") + 1, last_error=message[:1000])
            logger.warning("index: %d tasks kept for the next run: %s", len(pending_ids), message)
            run.error = message
            return run
        logger.info("index: committed %d tasks to %s", len(tasks), generation.name)
        done = [task.id for task in tasks if task.turn_key not in failed]
        for key, message in failed.items():
            IndexTask.objects.filter(id__in=[t.id for t in tasks if t.turn_key == key]).update(
                attempts=F("attempts") + 1, last_error=message[:1000]
            )
        run.failed += len(failed)
        last_id = tasks[-1].id
        if backend.location.rebuild_running():
            run.kept += len(done)  # the rebuild drains them into its new generation after the swap
            continue
        if backend.location.current(backend.schema) != generation:
            last_id = 0  # a rebuild swapped in a new generation meanwhile: apply again there
            continue
        IndexTask.objects.filter(id__in=done).delete()
        logger.info("index: cleared %d tasks", len(done))
        run.applied += len(done)


def index_turns(turns) -> int:
    """Index these turns now, in one commit (for scripts and tests; ingest uses the outbox)."""
    backend = _backend()
    index = _turn_index()
    if not _tuned(backend):
        turns = list(turns)
        backend.update(index, turns)
        return len(turns)
    with backend.writer() as writer:
        count = 0
        searcher = writer.searcher()  # one for all the deletes, as in process_index_tasks()
        try:
            for turn in turns:
                writer.delete_by_term("key", turn.key, searcher=searcher)
                writer.add_document(**backend.document(index, turn))
                count += 1
        finally:
            searcher.close()
    return count


def rebuild(*, progress: Callable[[int, int], None] | None = None, batch_size=500) -> int:
    """Build a complete index in a new generation directory, then swap it in atomically.

    Searches keep using the old generation until the swap. Index work committed meanwhile stays
    in the outbox (writers see the rebuild marker) and is applied to the new generation after the
    swap. Raises ``RebuildRunning`` if another rebuild holds the marker.
    """
    backend = _backend()
    index = _turn_index()
    total = Turn.objects.count()
    done = 0
    if progress:
        progress(0, total)
    if not _tuned(backend):
        return _generic_rebuild(backend, index, total, progress, batch_size)
    with backend.location.rebuilding():
        with backend.new_generation_writer(limitmb=256) as writer:
            last_pk = 0
            while True:
                batch = list(_index_queryset().filter(pk__gt=last_pk).order_by("pk")[:batch_size])
                if not batch:
                    break
                for turn in batch:
                    writer.add_document(**backend.document(index, turn))
                last_pk = batch[-1].pk
                done += len(batch)
                if progress:
                    progress(done, total)
    process_index_tasks()
    return done


@dataclass
class IndexReport:
    turns: int
    documents: int
    missing: list  # turn keys with no index document
    ghosts: list  # index keys whose turn is gone
    duplicates: list  # keys with more than one document
    pending: int  # outbox rows not yet applied
    failing: list  # (key, attempts, last_error) of rows that failed before
    schema_ok: bool
    fixed: bool = False

    @property
    def ok(self):
        return not (self.missing or self.ghosts or self.duplicates or self.pending) and self.schema_ok


def check_index(*, fix=False) -> IndexReport:
    """Compare the index with the database; with ``fix``, queue and apply the repairs."""
    backend = _backend()
    tuned = _tuned(backend)
    indexed = [str(key) for key in (backend.indexed_values("key") if tuned else _generic_indexed_keys())]
    indexed_set = set(indexed)
    turn_keys = set(Turn.objects.values_list("key", flat=True))
    report = IndexReport(
        turns=len(turn_keys),
        documents=len(indexed),
        missing=sorted(turn_keys - indexed_set),
        ghosts=sorted(indexed_set - turn_keys),
        duplicates=sorted(key for key, n in Counter(indexed).items() if n > 1),
        pending=IndexTask.objects.count(),
        failing=list(IndexTask.objects.filter(attempts__gt=0).values_list("turn_key", "attempts", "last_error")[:20]),
        # Solr's and Elasticsearch's schema is deployed from deploy/ (export_search_schema), not here.
        schema_ok=backend.schema_matches() if tuned else True,
    )
    if fix and not report.schema_ok:  # only the tuned backend can tell
        rebuild()
        report.fixed = True
    elif fix:
        with transaction.atomic():
            outbox.enqueue(report.missing + report.duplicates, IndexTask.UPDATE)
            outbox.enqueue(report.ghosts, IndexTask.DELETE)
        process_index_tasks()  # also drains rows that were already pending
        report.fixed = True
    return report


# --- Any other Haystack engine (Solr, Elasticsearch): the generic path ----------------------------
# The same behaviour through SearchQuerySet alone. What our Whoosh backend does in one pass is done
# here with the engine's own means: one more query per filtered facet (its counts ignore its own
# filter), a database row lock instead of the index's write lock, documents replaced in place
# instead of a new generation. Snippets are ours in both (analysis.highlight, escaped, <mark> only).


def _text_fields() -> list:
    fields = connections[DEFAULT_ALIAS].get_unified_index().all_searchfields().values()
    return sorted(f.index_fieldname for f in fields if isinstance(f, AnalyzedTextField) and not f.document)


def _generic_text_query(sqs, query: UserQuery):
    """Every word or phrase must match in one language field (the whole query is matched per
    language, as our Whoosh backend does), and an excluded one in none of them."""
    if query.is_empty:
        return sqs
    fields = _text_fields()

    def clause(fieldname, words):
        value = Exact(" ".join(words)) if len(words) > 1 else Clean(words[0])
        return SQ(**{f"{fieldname}__content": value})

    if query.include:
        per_language = [reduce(operator.and_, (clause(f, words) for words in query.include)) for f in fields]
        sqs = sqs.filter(reduce(operator.or_, per_language))
    for words in query.exclude:
        sqs = sqs.exclude(reduce(operator.or_, (clause(f, words) for f in fields)))
    return sqs


def _generic_facet_counts(facet_counts: dict, query: UserQuery, filters: dict) -> dict:
    """Counts most frequent first; a filtered facet counted again without its own filter."""

    def ordered(values):  # without the bucket of documents lacking a value, which some engines add
        return sorted(
            ((value, n) for value, n in values if value is not None), key=lambda item: (-item[1], str(item[0]))
        )

    counts = {name: ordered(values) for name, values in facet_counts.items()}
    for name in filters:
        fieldname = FACETS[name]
        own = _filtered(query, filters, tuned=False, skip=name).facet(fieldname).query
        own.set_limits(0, 1)
        own.run()
        counts[fieldname] = ordered(own.get_facet_counts().get("fields", {}).get(fieldname, []))
    return counts


def _generic_vocabulary() -> dict:
    sqs = SearchQuerySet().using(DEFAULT_ALIAS)
    for fieldname in FACETS.values():
        sqs = sqs.facet(fieldname)
    backend_query = sqs.query
    backend_query.set_limits(0, 1)
    backend_query.run()
    fields = backend_query.get_facet_counts().get("fields", {})
    return {
        name: {str(value) for value, count in fields.get(fieldname, []) if count and value is not None}
        for name, fieldname in FACETS.items()
    }


def _generic_write(backend, index, turns_queryset) -> tuple:
    """Write the documents of these turns; ``(written, failed {key: error})``.

    The caller holds a transaction: the turns are read ``FOR UPDATE`` (on SQLite, the IMMEDIATE
    transaction locks the database), so an edit of one of them waits until this older version
    is written and cannot be overtaken by it (the tuned path reads under the index's write lock).
    """
    turns = list(turns_queryset.select_for_update(of=("self",)))
    good, failed = [], {}
    for turn in turns:  # one bad turn must not block the others
        try:
            index.full_prepare(turn)
            good.append(turn)
        except Exception as exc:
            failed[turn.key] = f"{type(exc).__name__}: {exc}"
    if good:
        backend.update(index, good)
    return good, failed


def _generic_process_index_tasks(backend, index, batch_size) -> IndexRun:
    run = IndexRun()
    last_id = 0
    while True:
        tasks = list(IndexTask.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not tasks:
            return run
        keys = {task.turn_key for task in tasks}
        try:
            with transaction.atomic():
                written, failed = _generic_write(backend, index, _index_queryset().filter(key__in=keys))
                gone = keys - {turn.key for turn in written} - set(failed)
                for key in gone:
                    backend.remove(document_id(key))
                IndexTask.objects.filter(id__in=[t.id for t in tasks if t.turn_key not in failed]).delete()
        except Exception as exc:  # the engine is down or refused: keep every row for the next run
            message = f"{type(exc).__name__}: {exc}"
            IndexTask.objects.filter(id__in=[t.id for t in tasks]).update(
                attempts=F("attempts") + 1, last_error=message[:1000]
            )
            run.error = message
            return run
        for key, message in failed.items():
            IndexTask.objects.filter(id__in=[t.id for t in tasks if t.turn_key == key]).update(
                attempts=F("attempts") + 1, last_error=message[:1000]
            )
        run.updated += len(written)
        run.deleted += len(gone)
        run.failed += len(failed)
        run.applied += sum(1 for t in tasks if t.turn_key not in failed)
        last_id = tasks[-1].id


def _generic_rebuild(backend, index, total, progress, batch_size) -> int:
    """Every document written again in place, so searches stay complete throughout; then the
    documents of turns deleted meanwhile are removed. (A changed analysis needs a new Solr
    collection or Elasticsearch index: README "Scaling out".)"""
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            pks = list(Turn.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not pks:
                break
            written, _ = _generic_write(backend, index, _index_queryset().filter(pk__in=pks))
        last_pk = pks[-1]
        done += len(written)
        if progress:
            progress(done, total)
    check_index(fix=True)
    return done


def _generic_indexed_keys(page_size=5000) -> list:
    """Every document's key, a page at a time in key order (no deep offsets: Elasticsearch refuses
    pages past 10,000 hits, and Solr slows down on them)."""
    keys, last = [], None
    while True:
        sqs = SearchQuerySet().using(DEFAULT_ALIAS).order_by("key")
        if last is not None:
            sqs = sqs.filter(key__gt=last)
        page = [str(key) for key in sqs.values_list("key", flat=True)[:page_size]]
        keys += page
        if len(page) < page_size:
            return keys
        last = page[-1]
