"""Search: the only module that talks to Haystack and the index.

- ``parse_query(text)``: a user's query -> ``UserQuery`` (words, "phrases", -exclusions), safe
  by construction: only word characters reach Whoosh's query parser, plus the quotes and NOTs
  this module writes itself. Everything else (operators, field names, wildcards, brackets) is
  treated as text and explained in ``notes``.
- ``search(params) -> SearchPage``: one page of results, facet counts over all hits, highlighted
  snippets (escaped, then marked), and a "did you mean" when nothing matched.
- ``process_index_tasks()``: applies the outbox (IndexTask rows written by ingest in its
  transaction) in one Whoosh commit per batch; registered in ``InterviewsConfig.ready()``.
- ``index_turns()``, ``rebuild()`` (build a new index generation, then swap) and
  ``check_index()``: the maintenance behind the management commands.
"""
from __future__ import annotations

import datetime
import logging
import math
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from haystack import connections
from haystack.constants import DEFAULT_ALIAS
from haystack.query import SearchQuerySet
from whoosh import query as wq

from . import outbox
from .analysis import highlight, query_terms
from .models import IndexTask, Interview, Speaker, Topic, Turn, language_name
from .search_backend import IndexLocked, RebuildRunning  # noqa: F401  (re-exported for callers)

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
DATE_ORDER = ("-date", "interview", "transcript", "ordinal")

# Query syntax the user may type: "a phrase" and -exclusion. Curly and low quotes count as quotes.
_QUOTES = "\"“”„«»「」『』"
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
        notes.append(f"{names} {'is' if len(dropped_operators) == 1 else 'are'} not an operator here: every word must match; use -word to exclude one.")
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


def facet_vocabulary() -> dict:
    """Every value each facet has in the index: what a filter may name (others are ignored)."""
    backend = _backend()
    columns = backend.columns()
    return {name: set(map(str, columns.vocabulary(fieldname))) for name, fieldname in FACETS.items()}


def _narrow_query(fieldname, values) -> str:
    # Values were checked against the index's own vocabulary; quoting is belt and braces.
    return " OR ".join(f'{fieldname}:"{value}"' for value in values if '"' not in value)


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

    sqs = SearchQuerySet().using(DEFAULT_ALIAS)
    if not query.is_empty:
        sqs = sqs.raw_search(query.whoosh_syntax())
    filters = {name: list(dict.fromkeys(values))[:MAX_FILTER_VALUES] for name, values in params.filters.items() if name in FACETS and values}
    for name, values in filters.items():
        narrow = _narrow_query(FACETS[name], values)
        if narrow:
            sqs = sqs.narrow(narrow)
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
    facet_counts = backend_query.get_facet_counts().get("fields", {})
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
    )


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
        language_name=language_name(language),
        date=datetime.date.fromisoformat(date) if date else None,
        ordinal=int(getattr(result, "ordinal", 0) or 0),
        text=text,
        # analysis.highlight escapes every piece of the text; its only markup is <mark>.
        snippet_html=mark_safe(highlight(text, highlight_terms[language], language, width=_snippet_width(language))),
        topics=list(getattr(result, "topics", None) or []),
    )


def _snippet_width(language) -> int:
    # What analysis.highlight would pick by counting CJK characters, without the counting.
    return 80 if language.split("-")[0].lower() in {"zh", "ja", "ko"} else 200


def _facet_values(facet_counts, filters) -> dict:
    labels = _facet_labels({name: [value for value, _ in facet_counts.get(fieldname, [])] for name, fieldname in FACETS.items()})
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
        "language": {code: language_name(code) for code in values["language"]},
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


def process_index_tasks(*, batch_size=1000, lock_timeout=None, max_seconds=None) -> IndexRun:
    """Apply pending IndexTask rows to the index, one Whoosh commit per batch.

    The database is the truth: a key whose turn exists is (re)indexed from it, a key whose turn is
    gone is removed. Rows are read and turns loaded while holding the index's write lock, so two
    processes draining at once cannot write an older version over a newer one. Rows that could
    not be applied stay, with ``attempts`` and ``last_error``, for the next run (the next ingest,
    or ``manage.py check_index --fix``). Never raises: it runs after a commit that has succeeded.
    With ``max_seconds``, no new batch starts after that long (the rest waits for the next run).
    """
    backend = _backend()
    index = _turn_index()
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
            with backend.writer(timeout=lock_timeout) as writer:
                tasks = list(IndexTask.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
                logger.info("index: writing %d tasks", len(tasks))
                keys = {task.turn_key for task in tasks}
                turns = {turn.key: turn for turn in _index_queryset().filter(key__in=keys)}
                failed = {}
                for key in keys:
                    if key in turns:
                        try:
                            writer.update_document(**backend.document(index, turns[key]))
                            run.updated += 1
                        except Exception as exc:  # one bad turn must not block the others
                            failed[key] = f"{type(exc).__name__}: {exc}"
                    else:
                        writer.delete_by_term("key", key)
                        run.deleted += 1
                generation = writer.path
        except Exception as exc:
            message = "the index is locked by another writer" if isinstance(exc, IndexLocked) else f"{type(exc).__name__}: {exc}"
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
    with backend.writer() as writer:
        count = 0
        for turn in turns:
            writer.update_document(**backend.document(index, turn))
            count += 1
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
    indexed = [str(key) for key in backend.indexed_values("key")]
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
        schema_ok=backend.schema_matches(),
    )
    if fix and not report.schema_ok:
        rebuild()
        report.fixed = True
    elif fix:
        with transaction.atomic():
            outbox.enqueue(report.missing + report.duplicates, IndexTask.UPDATE)
            outbox.enqueue(report.ghosts, IndexTask.DELETE)
        process_index_tasks()  # also drains rows that were already pending
        report.fixed = True
    return report
