"""The search engine behind one interface: what differs between our tuned Whoosh backend and any
other Haystack engine (Solr, Elasticsearch: ``SEARCH_URL``).

``engine()`` is the only place that looks at which backend is configured. ``query`` and
``indexing`` call the operations below and never ask which engine they have.

- ``TunedWhoosh`` (the default, ``whoosh_backend.py``): the query in Whoosh syntax, one narrow per
  facet (the backend counts each facet without its own filter), facets from numpy columns, index
  work under the index's write lock, rebuilds in a new generation directory swapped in atomically.
- ``GenericHaystack``: the same behaviour through ``SearchQuerySet`` alone, with the engine's own
  means: one more query per filtered facet, a database row lock instead of the index's write
  lock, documents replaced in place instead of a new generation.
  tests/search/test_generic_engine.py runs it on Haystack's stock Whoosh engine.

Snippets are ours with both (``analysis.highlight``, escaped, ``<mark>`` only).
"""

from __future__ import annotations

import logging
import operator
import time
from collections.abc import Callable
from functools import reduce

from django.db import transaction
from django.db.models import F
from haystack import connections
from haystack.constants import DEFAULT_ALIAS
from haystack.inputs import Clean, Exact
from haystack.query import SQ, SearchQuerySet

from interviews import outbox
from interviews.models import IndexTask, Turn
from interviews.search.fields import AnalyzedTextField
from interviews.search.generations import IndexLocked
from interviews.search.indexes import document_id
from interviews.search.whoosh_backend import ArchiveWhooshBackend

logger = logging.getLogger(__name__)


def engine() -> Engine:
    """The configured engine, wrapped in the interface its callers use."""
    connection = connections[DEFAULT_ALIAS]
    backend = connection.get_backend()
    index = connection.get_unified_index().get_index(Turn)
    cls = TunedWhoosh if isinstance(backend, ArchiveWhooshBackend) else GenericHaystack
    return cls(backend, index)


def _fail(task_ids, message) -> None:
    """Keep these outbox rows for the next run, with the reason."""
    IndexTask.objects.filter(id__in=task_ids).update(attempts=F("attempts") + 1, last_error=message[:1000])


def _fail_keys(tasks, failed: dict) -> None:
    for key, message in failed.items():
        _fail([t.id for t in tasks if t.turn_key == key], message)


class Engine:
    """The operations whose implementation depends on the engine."""

    #: Whether `facet_counts` gives every value of a facet, however many: the archive then counts
    #: turns per speaker and topic from the index (`query.turns_per_language`). A search server's
    #: facets stop at a limit (Solr's `facet.limit`, 100 by default).
    counts_every_facet_value = False

    def __init__(self, backend, index):
        self.backend = backend
        self.index = index

    def index_queryset(self):
        return self.index.index_queryset()

    # --- Searching ---

    def searchqueryset(self, query, narrows: dict) -> SearchQuerySet:
        """``query`` (a ``UserQuery``) narrowed by ``narrows`` ({index field: narrow query})."""
        raise NotImplementedError

    def facet_counts(self, backend_query, query, narrows: dict) -> dict:
        """{index field: [(value, count), ...]} for a search that has run; a filtered facet is
        counted without its own filter (ticking one speaker still shows the others)."""
        raise NotImplementedError

    def facet_vocabulary(self, fieldnames) -> dict:
        """{index field: every value it has in the index}."""
        raise NotImplementedError

    def ranked_keys(self, query, narrows: dict, limit: int, facets=()) -> tuple[list, int, dict]:
        """``(keys, count, facet counts)``: the keys of the first ``limit`` hits, best first, the
        number of hits, and the counts of ``facets`` as ``facet_counts()`` gives them."""
        sqs = self.searchqueryset(query, narrows)
        for fieldname in facets:
            sqs = sqs.facet(fieldname)
        backend_query = sqs.query
        backend_query.set_limits(0, limit)
        backend_query.run()
        keys = [result.key for result in backend_query.get_results()]
        return keys, backend_query.get_count(), self.facet_counts(backend_query, query, narrows)

    def results_for_keys(self, keys) -> list:
        """The stored search results of the documents with these keys, in that order."""
        sqs = self.searchqueryset(None, {"key": " OR ".join(f'key:"{key}"' for key in keys)})
        by_key = {result.key: result for result in sqs[: len(keys)]}
        return [by_key[key] for key in keys if key in by_key]

    def document_frequency(self):
        """``count(field, term)``: how many documents hold the analysed ``term`` in ``field``, in
        the index as it is now; None when the engine cannot say cheaply (then a query's
        translations are not chosen by what the archive holds)."""
        return None

    def index_stamp(self) -> str | None:
        """A value that changes whenever the index does (any write, from any process), for the
        result cache; None when the engine cannot say, and then nothing is cached."""
        return None

    # --- Keeping the index in step with the database ---

    def apply_index_tasks(
        self, run, *, batch_size, lock_timeout=None, max_seconds=None, bulk=False, max_batches=None
    ) -> None:
        """Apply pending IndexTask rows, counting into ``run`` (an ``indexing.IndexRun``); with
        ``max_batches``, no more than that many commits."""
        raise NotImplementedError

    def index_turns(self, turns) -> int:
        raise NotImplementedError

    def rebuild(self, *, total: int, progress: Callable[[int, int], None] | None, batch_size: int) -> int:
        """Write every turn's document again; the caller then applies the outbox."""
        raise NotImplementedError

    def indexed_keys(self) -> list:
        """Every document's key, duplicates included."""
        raise NotImplementedError

    def schema_matches(self) -> bool:
        raise NotImplementedError

    def segment_sizes(self) -> list[int] | None:
        """The documents (deleted ones included) of each part the index is in, where the engine
        keeps them apart and searches each in turn (so that fewer is faster); None when it
        cannot say."""
        return None

    def deleted_documents(self) -> int | None:
        """How many deleted documents the index's parts still hold until they are rewritten;
        None when it cannot say."""
        return None


class TunedWhoosh(Engine):
    """Our Whoosh backend, with its fast paths: columns, generations, the write lock."""

    counts_every_facet_value = True

    def searchqueryset(self, query, narrows):
        sqs = SearchQuerySet().using(DEFAULT_ALIAS)
        if not query.is_empty:
            sqs = sqs.raw_search(query.whoosh_syntax())
        for narrow in narrows.values():  # one per facet: the backend counts each facet without its own
            sqs = sqs.narrow(narrow)
        return sqs

    def facet_counts(self, backend_query, query, narrows):
        return backend_query.get_facet_counts().get("fields", {})

    def index_stamp(self):
        return self.backend.index_stamp()

    def document_frequency(self):
        return self.backend.searcher().doc_frequency  # one searcher for the whole query

    def ranked_keys(self, query, narrows, limit, facets=()):
        syntax = query.whoosh_syntax() if not query.is_empty else "*"
        return self.backend.ranked_keys(syntax, list(narrows.values()), limit, facets)

    def results_for_keys(self, keys):
        return self.backend.results_for_keys(keys)

    def facet_vocabulary(self, fieldnames):
        columns = self.backend.columns()
        return {fieldname: columns.vocabulary_texts(fieldname) for fieldname in fieldnames}

    def apply_index_tasks(self, run, *, batch_size, lock_timeout=None, max_seconds=None, bulk=False, max_batches=None):
        """Rows are read and turns loaded while holding the index's write lock, so two processes
        draining at once cannot write an older version over a newer one."""
        last_id = 0
        started = time.monotonic()
        location = self.backend.location
        batches = 0
        while True:
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                return
            if max_batches is not None and batches >= max_batches:
                return
            batches += 1
            pending_ids = list(IndexTask.objects.filter(id__gt=last_id).values_list("id", flat=True)[:batch_size])
            if not pending_ids:
                return
            try:
                tasks, failed, generation = self._write_batch(run, last_id, batch_size, lock_timeout, bulk)
            except Exception as exc:
                message = (
                    "the index is locked by another writer"
                    if isinstance(exc, IndexLocked)
                    else f"{type(exc).__name__}: {exc}"
                )
                _fail(pending_ids, message)
                logger.warning("index: %d tasks kept for the next run: %s", len(pending_ids), message)
                run.error = message
                return
            logger.info("index: committed %d tasks to %s", len(tasks), generation.name)
            if not tasks:  # another process applied them between the look and the lock
                return
            done = [task.id for task in tasks if task.turn_key not in failed]
            _fail_keys(tasks, failed)
            run.failed += len(failed)
            last_id = tasks[-1].id
            if location.rebuild_running():
                run.kept += len(done)  # the rebuild drains them into its new generation after the swap
                continue
            if location.current(self.backend.schema) != generation:
                last_id = 0  # a rebuild swapped in a new generation meanwhile: apply again there
                continue
            IndexTask.objects.filter(id__in=done).delete()
            logger.info("index: cleared %d tasks", len(done))
            run.applied += len(done)

    def _write_batch(self, run, last_id, batch_size, lock_timeout, bulk):
        """One Whoosh commit: ``(tasks, failed {key: error}, the generation written to)``."""
        with self.backend.writer(timeout=lock_timeout, bulk=bulk) as writer:
            tasks = list(IndexTask.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
            logger.info("index: writing %d tasks", len(tasks))
            keys = {task.turn_key for task in tasks}
            turns = {turn.key: turn for turn in self.index_queryset().filter(key__in=keys)}
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
                        writer.add_document(**self.backend.document(self.index, turns[key]))
                        run.updated += 1
                    except Exception as exc:  # one bad turn must not block the others
                        failed[key] = f"{type(exc).__name__}: {exc}"
            finally:
                searcher.close()
            return tasks, failed, writer.path

    def index_turns(self, turns):
        with self.backend.writer() as writer:
            count = 0
            searcher = writer.searcher()  # one for all the deletes, as in _write_batch()
            try:
                for turn in turns:
                    writer.delete_by_term("key", turn.key, searcher=searcher)
                    writer.add_document(**self.backend.document(self.index, turn))
                    count += 1
            finally:
                searcher.close()
        return count

    def rebuild(self, *, total, progress, batch_size):
        """A complete index in a new generation directory, then swapped in atomically. Searches
        keep using the old generation until the swap; index work committed meanwhile stays in the
        outbox (writers see the rebuild marker). Raises ``RebuildRunning`` if another rebuild
        holds the marker."""
        done = 0
        with self.backend.location.rebuilding():
            with self.backend.new_generation_writer(limitmb=256) as writer:
                last_pk = 0
                while True:
                    batch = list(self.index_queryset().filter(pk__gt=last_pk).order_by("pk")[:batch_size])
                    if not batch:
                        break
                    for turn in batch:
                        writer.add_document(**self.backend.document(self.index, turn))
                    last_pk = batch[-1].pk
                    done += len(batch)
                    if progress:
                        progress(done, total)
        return done

    def indexed_keys(self):
        return [str(key) for key in self.backend.indexed_values("key")]

    def schema_matches(self):
        return self.backend.schema_matches()

    def segment_sizes(self):
        return [reader.doc_count_all() for reader, _ in self.backend.searcher().reader().leaf_readers()]

    def deleted_documents(self):
        reader = self.backend.searcher().reader()
        return reader.doc_count_all() - reader.doc_count()


class GenericHaystack(Engine):
    """Any other Haystack engine, through ``SearchQuerySet`` alone."""

    def _text_fields(self) -> list:
        fields = connections[DEFAULT_ALIAS].get_unified_index().all_searchfields().values()
        return sorted(f.index_fieldname for f in fields if isinstance(f, AnalyzedTextField) and not f.document)

    def _text_query(self, sqs, query):
        """Every word or phrase must match in one language field (the whole query is matched per
        language, as our Whoosh backend does), and an excluded one in none of them."""
        if query.is_empty:
            return sqs
        fields = self._text_fields()

        def clause(fieldname, words):
            value = Exact(" ".join(words)) if len(words) > 1 else Clean(words[0])
            return SQ(**{f"{fieldname}__content": value})

        if query.include:
            per_language = [reduce(operator.and_, (clause(f, words) for words in query.include)) for f in fields]
            sqs = sqs.filter(reduce(operator.or_, per_language))
        for words in query.exclude:
            sqs = sqs.exclude(reduce(operator.or_, (clause(f, words) for f in fields)))
        return sqs

    def searchqueryset(self, query, narrows):
        sqs = self._text_query(SearchQuerySet().using(DEFAULT_ALIAS), query)
        if narrows:
            # One narrow for all: the same for Solr and Elasticsearch, and Haystack's stock Whoosh
            # backend drops narrows whose intersection is empty instead of returning nothing.
            sqs = sqs.narrow(" AND ".join(f"({narrow})" for narrow in narrows.values()))
        return sqs

    def facet_counts(self, backend_query, query, narrows):
        """Counts most frequent first; a filtered facet counted again without its own filter."""

        def ordered(values):  # without the bucket of documents lacking a value, which some engines add
            return sorted(
                ((value, n) for value, n in values if value is not None), key=lambda item: (-item[1], str(item[0]))
            )

        fields = backend_query.get_facet_counts().get("fields", {})
        counts = {fieldname: ordered(values) for fieldname, values in fields.items()}
        for fieldname in narrows.keys() & counts.keys():  # a narrow that is no facet (one transcript) is not counted
            others = {name: narrow for name, narrow in narrows.items() if name != fieldname}
            own = self.searchqueryset(query, others).facet(fieldname).query
            own.set_limits(0, 1)
            own.run()
            counts[fieldname] = ordered(own.get_facet_counts().get("fields", {}).get(fieldname, []))
        return counts

    def facet_vocabulary(self, fieldnames):
        sqs = SearchQuerySet().using(DEFAULT_ALIAS)
        for fieldname in fieldnames:
            sqs = sqs.facet(fieldname)
        backend_query = sqs.query
        backend_query.set_limits(0, 1)
        backend_query.run()
        fields = backend_query.get_facet_counts().get("fields", {})
        return {
            fieldname: {str(value) for value, count in fields.get(fieldname, []) if count and value is not None}
            for fieldname in fieldnames
        }

    def _write(self, turns_queryset) -> tuple:
        """Write the documents of these turns; ``(written, failed {key: error})``.

        The caller holds a transaction: the turns are read ``FOR UPDATE`` (on SQLite, the IMMEDIATE
        transaction locks the database), so an edit of one of them waits until this older version
        is written and cannot be overtaken by it (the tuned engine reads under the index's write lock).
        """
        turns = list(turns_queryset.select_for_update(of=("self",)))
        good, failed = [], {}
        for turn in turns:  # one bad turn must not block the others
            try:
                self.index.full_prepare(turn)
                good.append(turn)
            except Exception as exc:
                failed[turn.key] = f"{type(exc).__name__}: {exc}"
        if good:
            self.backend.update(self.index, good)
        return good, failed

    def apply_index_tasks(self, run, *, batch_size, lock_timeout=None, max_seconds=None, bulk=False, max_batches=None):
        """``lock_timeout``, ``max_seconds`` and ``bulk`` are the tuned engine's: here each batch
        is one transaction and the engine's own commit."""
        last_id = 0
        batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            tasks = list(IndexTask.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
            if not tasks:
                return
            keys = {task.turn_key for task in tasks}
            try:
                with transaction.atomic():
                    written, failed = self._write(self.index_queryset().filter(key__in=keys))
                    gone = keys - {turn.key for turn in written} - set(failed)
                    for key in gone:
                        self.backend.remove(document_id(key))
                    IndexTask.objects.filter(id__in=[t.id for t in tasks if t.turn_key not in failed]).delete()
            except Exception as exc:  # the engine is down or refused: keep every row for the next run
                run.error = f"{type(exc).__name__}: {exc}"
                _fail([t.id for t in tasks], run.error)
                return
            _fail_keys(tasks, failed)
            run.updated += len(written)
            run.deleted += len(gone)
            run.failed += len(failed)
            run.applied += sum(1 for t in tasks if t.turn_key not in failed)
            last_id = tasks[-1].id

    def index_turns(self, turns):
        turns = list(turns)
        self.backend.update(self.index, turns)
        return len(turns)

    def rebuild(self, *, total, progress, batch_size):
        """Every document written again in place, so searches stay complete throughout; then the
        documents of turns deleted meanwhile are queued for removal. (A changed analysis needs a
        new Solr collection or Elasticsearch index: docs/scaling.md.)"""
        done = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                pks = list(Turn.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size])
                if not pks:
                    break
                written, _ = self._write(self.index_queryset().filter(pk__in=pks))
            last_pk = pks[-1]
            done += len(written)
            if progress:
                progress(done, total)
        ghosts = set(self.indexed_keys()) - set(Turn.objects.values_list("key", flat=True))
        with transaction.atomic():
            outbox.enqueue(sorted(ghosts), IndexTask.DELETE)
        return done

    def indexed_keys(self, page_size=5000):
        """Page by page in key order (no deep offsets: Elasticsearch refuses pages past 10,000
        hits, and Solr slows down on them)."""
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

    def schema_matches(self):
        # Solr's and Elasticsearch's schema is deployed from deploy/ (export_search_schema), not here.
        return True
