"""Keeping the index in step with the database.

- ``process_index_tasks()``: applies the outbox (IndexTask rows written by ingest in its
  transaction), one index commit per batch; registered in ``InterviewsConfig.ready()``.
- ``index_turns()``, ``rebuild()`` (with our Whoosh backend: build a new index generation, then
  swap) and ``check_index()``: the maintenance behind the management commands.

What differs between engines is in ``engines.py``; this module is the same for all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from interviews import outbox
from interviews.models import IndexTask, Turn
from interviews.search.engines import engine
from interviews.search.generations import MAX_MERGE_TURNS, MERGE_FACTOR


@dataclass
class IndexRun:
    applied: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0
    kept: int = 0  # applied, but kept pending for a rebuild in progress
    error: str = ""


def process_index_tasks(
    *, batch_size=1000, lock_timeout=None, max_seconds=None, bulk=False, max_batches=None
) -> IndexRun:
    """Apply pending IndexTask rows to the index, one commit per batch.

    The database is the truth: a key whose turn exists is (re)indexed from it, a key whose turn is
    gone is removed. Rows that could not be applied stay, with ``attempts`` and ``last_error``, for
    the next run (the next ingest, or ``manage.py check_index --fix``). Never raises: it runs after
    a commit that has succeeded. With ``max_seconds``, no new batch starts after that long (the
    rest waits for the next run). ``bulk`` (a command-line bulk load) merges segments in tiers of
    similar size, never more than a bound at once (``generations.tiered_merge``). With
    ``max_batches``, no more than that many commits (a bulk load's drainer makes one at a time, so
    that rows written meanwhile never make a small segment of their own).
    """
    run = IndexRun()
    engine().apply_index_tasks(
        run,
        batch_size=batch_size,
        lock_timeout=lock_timeout,
        max_seconds=max_seconds,
        bulk=bulk,
        max_batches=max_batches,
    )
    return run


def index_turns(turns) -> int:
    """Index these turns now, in one commit (for scripts and tests; ingest uses the outbox)."""
    return engine().index_turns(turns)


def rebuild(*, progress: Callable[[int, int], None] | None = None, batch_size=500) -> int:
    """Write every turn's document again, then apply the index work committed meanwhile.

    Searches stay complete throughout (see each engine's ``rebuild``). Raises ``RebuildRunning``
    if another rebuild holds the marker.
    """
    total = Turn.objects.count()
    if progress:
        progress(0, total)
    done = engine().rebuild(total=total, progress=progress, batch_size=batch_size)
    process_index_tasks()
    return done


#: A bulk load's merges leave segments of up to some 20,000 turns (generations.tiered_merge): 10 in
#: the bench's 100,000-turn load, 100 in its 1,000,000-turn load. At 10, compacting them into one
#: cut the CPU of a search page asked once by 10-30% (`benchmarks/asked_once.py --warm 400
#: --requests 300` on that archive and a compacted copy, alternating: 11.6-12.0 against 13.7-16.6
#: ms, p95 19-24 against 24-28 ms on a quiet machine; 15.4 against 20.8 ms at load 5.7). At 100 it
#: cut the search p95 of `manage.py bench --search-again` from 204.6 to 68.4 ms (docs/benchmarks.md).
COMPACT_ABOVE = 5
#: Segments smaller than this are not counted against COMPACT_ABOVE: ten of them fit in one of
#: the merges an ordinary commit makes (generations.bounded_merge), so a living archive's small
#: segments, one per edit, are merged as they come; and a search passes by those that hold none
#: of its words (matching.may_match).
SMALL_SEGMENT = MAX_MERGE_TURNS // MERGE_FACTOR
#: Every edited or re-ingested turn leaves a deleted document in its segment, read past by every
#: search that matches it until a merge or a rebuild rewrites the segment; small segments are
#: merged, the large ones only by `rebuild_index`. With 5% of the 100,000-turn archive's documents
#: deleted (what re-ingesting some 25 corrected transcripts leaves), a search asked once cost
#: 10.1-11.5 ms of CPU against 8.4-9.5 on the same index without them (`asked_once.py`, 7 December
#: 2026, measured an hour apart on a machine whose speed varies by a fifth).
COMPACT_DELETED_SHARE = 0.05


def compaction_advice(sizes: list[int] | None, deleted: int | None, documents: int) -> str | None:
    """What to tell the person who runs the archive about the index's shape, or None: compact it
    when it is in more than COMPACT_ABOVE segments of SMALL_SEGMENT documents or more
    (``sizes``: each segment's), or more than COMPACT_DELETED_SHARE of its documents are deleted
    turns (``documents``: those of live turns)."""
    reasons = []
    large = sum(1 for size in sizes if size >= SMALL_SEGMENT) if sizes else 0
    if large > COMPACT_ABOVE:
        reasons.append(f"the search index is in {large} segments of {SMALL_SEGMENT:,} turns or more")
    if deleted and deleted > COMPACT_DELETED_SHARE * (documents + deleted):
        reasons.append(f"{deleted:,} of its {documents + deleted:,} documents are deleted turns, read past by searches")
    if not reasons:
        return None
    return (
        "; ".join(reasons) + ": `manage.py rebuild_index` compacts it into one, "
        "which makes searches faster (searches keep working while it runs)"
    )


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
    segment_sizes: list | None = None  # documents per part of the index, where the engine can say
    deleted: int | None = None  # deleted documents still in them (Engine.deleted_documents)
    fixed: bool = False

    @property
    def segments(self) -> int | None:
        return None if self.segment_sizes is None else len(self.segment_sizes)

    @property
    def advice(self) -> str | None:
        return compaction_advice(self.segment_sizes, self.deleted, self.documents)

    @property
    def ok(self):
        return not (self.missing or self.ghosts or self.duplicates or self.pending) and self.schema_ok


def check_index(*, fix=False) -> IndexReport:
    """Compare the index with the database; with ``fix``, queue and apply the repairs."""
    current = engine()
    indexed = current.indexed_keys()
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
        schema_ok=current.schema_matches(),
        segment_sizes=current.segment_sizes(),
        deleted=current.deleted_documents(),
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
