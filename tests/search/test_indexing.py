"""Keeping the index in step with the database: the outbox applied after each commit,
``check_index`` and ``rebuild``."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from interviews.models import IndexTask, Turn
from interviews.search import indexing
from interviews.search.analysis import ANALYSIS_VERSION
from interviews.search.engines import engine
from interviews.search.generations import ANALYSIS_FILE, RebuildRunning
from tests.factories import ingest_text
from tests.search.test_query import run

# --- The outbox: the index follows the database ------------------------------------------------


def test_ingest_makes_turns_searchable_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ingest_text()
        assert run("dumbest").count == 0  # not before the commit
    assert run("dumbest").count == 1
    assert IndexTask.objects.count() == 0


def test_rolled_back_ingest_leaves_no_index_documents(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            ingest_text()
            raise RuntimeError("the upload failed after the turns were written")
    assert callbacks == []
    assert run().count == 0
    assert indexing.check_index().ok


def test_removed_turn_disappears_from_search(db, indexed):
    indexed()
    assert run("dumbest").count == 1
    shorter = "A talk about data\n\nHost: Welcome to the show. What matters most in training models?\n"
    indexed(text=shorter)
    assert run("dumbest").count == 0
    assert run("welcome").count == 1
    assert indexing.check_index().ok


def test_locked_index_keeps_tasks_for_the_next_run(db, django_capture_on_commit_callbacks):
    backend = engine().backend
    with backend.writer():  # another writer holds the lock throughout the ingest
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            ingest_text()
        result = indexing.process_index_tasks(lock_timeout=0.2)
    assert result.error == "the index is locked by another writer"
    assert callbacks  # ingest asked for processing after its commit
    tasks = list(IndexTask.objects.all())
    assert len(tasks) == 4 and all(t.attempts == 1 and "locked" in t.last_error for t in tasks)
    assert run("dumbest").count == 0

    assert indexing.process_index_tasks().applied == 4
    assert IndexTask.objects.count() == 0
    assert run("dumbest").count == 1


def test_tasks_another_process_applied_while_this_one_waited_for_the_lock(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    """Two drains at once (a worker's and the upload job runner's): the second sees tasks, waits
    for the lock, and finds them gone; it has nothing to do, and says so without an error."""
    with django_capture_on_commit_callbacks(execute=False):
        ingest_text()
    backend = engine().backend
    real_writer = backend.writer

    def writer_after_the_other_drain(*args, **kwargs):
        monkeypatch.setattr(backend, "writer", real_writer)
        assert indexing.process_index_tasks().applied == 4  # the other process, first to the lock
        return real_writer(*args, **kwargs)

    monkeypatch.setattr(backend, "writer", writer_after_the_other_drain)
    result = indexing.process_index_tasks()
    assert (result.applied, result.failed, result.error) == (0, 0, "")
    assert IndexTask.objects.count() == 0
    assert run("dumbest").count == 1


def test_one_failing_turn_does_not_block_the_batch(db, django_capture_on_commit_callbacks, monkeypatch):
    from interviews.search.indexes import TurnIndex

    with django_capture_on_commit_callbacks(execute=False):
        ingest_text()
    original = TurnIndex.prepare_text

    def broken(self, obj):
        if "dumbest" in obj.text:
            raise ValueError("cannot prepare")
        return original(self, obj)

    monkeypatch.setattr(TurnIndex, "prepare_text", broken)
    result = indexing.process_index_tasks()
    assert (result.applied, result.failed) == (3, 1)
    (task,) = IndexTask.objects.all()
    assert task.attempts == 1 and "cannot prepare" in task.last_error
    assert run("welcome").count == 1


# --- check_index and rebuild ----------------------------------------------------------------------


def test_check_index_finds_and_fixes_a_missing_and_a_ghost_document(db, indexed):
    indexed()
    missing = Turn.objects.get(text__startswith="Welcome")
    ghost = Turn.objects.get(text__contains="dumbest")
    with engine().backend.writer() as writer:
        writer.delete_by_term("key", missing.key)
    Turn.objects.filter(pk=ghost.pk).delete()  # behind the outbox's back

    report = indexing.check_index()
    assert report.missing == [missing.key]
    assert report.ghosts == [ghost.key]
    assert not report.ok

    fixed = indexing.check_index(fix=True)
    assert fixed.fixed
    assert indexing.check_index().ok
    assert run("dumbest").count == 0
    assert [hit.key for hit in run("welcome").results] == [missing.key]


def test_check_index_counts_the_deleted_documents_turns_leave_and_advises_compacting(db, indexed, monkeypatch):
    """Every turn indexed again leaves a deleted document in the segment it was in, read past by
    searches until a merge or a rebuild rewrites it: the report counts them, and says to compact
    once they are too large a share of the index (or the index is in too many segments)."""
    indexed()
    turns = Turn.objects.count()
    report = indexing.check_index()
    assert report.ok and (report.segments, report.deleted, report.advice) == (1, 0, None)
    indexing.index_turns(list(Turn.objects.order_by("pk")[:2]))  # an editor's corrections, say
    report = indexing.check_index()
    assert report.ok and report.documents == turns and (report.segments, report.deleted) == (2, 2)
    assert report.advice == (
        f"2 of its {turns + 2} documents are deleted turns, read past by searches: `manage.py rebuild_index` "
        "compacts it into one, which makes searches faster (searches keep working while it runs)"
    )  # more than COMPACT_DELETED_SHARE of them
    out = io.StringIO()
    call_command("check_index", stdout=out)
    assert "the index is in 2 segments holding 2 deleted documents" in out.getvalue()
    assert f"2 of its {turns + 2} documents are deleted turns" in out.getvalue()
    monkeypatch.setattr(indexing, "COMPACT_DELETED_SHARE", 2 / (turns + 2))
    assert indexing.check_index().advice is None
    monkeypatch.setattr(indexing, "COMPACT_ABOVE", 1)
    assert indexing.check_index().advice is None  # two small segments: merged as more come
    monkeypatch.setattr(indexing, "SMALL_SEGMENT", 1)
    assert indexing.check_index().advice.startswith("the search index is in 2 segments of 1 turns or more: ")
    call_command("rebuild_index", stdout=io.StringIO(), stderr=io.StringIO())
    report = indexing.check_index()
    assert (report.segments, report.deleted, report.advice) == (1, 0, None)


def test_an_index_analysed_by_an_older_version_is_rebuilt(db, indexed):
    """A generation records the analysis version its terms were made with (a missing record is
    version 1); another version than the code's is reported, and ``--fix`` rebuilds the index."""
    indexed()
    location = engine().backend.location
    old = location.current(engine().backend.schema)
    assert location.analysis_version(old) == ANALYSIS_VERSION
    (old / ANALYSIS_FILE).unlink()  # as an index written before the version was recorded

    report = indexing.check_index()
    assert not report.schema_ok and not report.ok
    assert indexing.check_index(fix=True).fixed
    new = location.current(engine().backend.schema)
    assert new != old and location.analysis_version(new) == ANALYSIS_VERSION
    assert indexing.check_index().ok
    assert run("dumbest").count == 1


def test_rebuild_keeps_searches_complete_and_swaps(db, indexed):
    for n in range(3):
        indexed(
            slug=f"talk-{n}",
            filename=f"t{n}.txt",
            title=f"Talk {n}",
            text=f"Talk {n}\n\nHost: Question {n} about data?\n\nGuest: Answer {n} about data.\n",
        )
    before = engine().backend.location.current(engine().backend.schema)
    seen = []

    def progress(done, total):
        seen.append((done, total, run("data").count))  # a search while the rebuild runs

    assert indexing.rebuild(progress=progress, batch_size=2) == 6
    assert [count for _, _, count in seen] == [6] * len(seen) and len(seen) == 4
    assert engine().backend.location.current(engine().backend.schema) != before
    assert run("data").count == 6


def test_the_rebuild_command_says_when_it_merges_the_new_index(db, indexed):
    """The last step, merging the written turns into one segment, shows no count of its own: the
    command says it has begun and how long it took, between the count and the closing line."""
    indexed()
    out = io.StringIO()
    call_command("rebuild_index", stdout=out)
    lines = out.getvalue().splitlines()
    merging = lines.index("every turn written; merging the new index into one segment on disk")
    assert lines[merging - 1].startswith("[" + "#" * 30 + "]")
    assert lines[-2].startswith("merged in ") and lines[-2].endswith(" s")
    assert lines[-1].startswith("indexed ") and lines[-1].endswith("the new index is live")


def test_the_rebuild_command_shows_the_merge_going_on(db, indexed, monkeypatch):
    from interviews.management.commands import rebuild_index

    indexed()
    monkeypatch.setattr(rebuild_index._Finishing, "EVERY_S", 0.001)
    out = io.StringIO()
    call_command("rebuild_index", stdout=out)
    assert any(line.startswith("merging: ") and line.endswith(" s so far") for line in out.getvalue().splitlines())


def test_index_work_during_a_rebuild_reaches_the_new_index(db, indexed, django_capture_on_commit_callbacks):
    indexed()

    def ingest_meanwhile(done, total):
        if done == total:  # the new generation is written; the pointer is not swapped yet
            with django_capture_on_commit_callbacks(execute=True):
                ingest_text(slug="late", filename="late.txt", title="Late", text="Late\n\nHost: A latecomer speaks.\n")

    indexing.rebuild(progress=ingest_meanwhile)
    assert run("latecomer").count == 1
    assert IndexTask.objects.count() == 0


def test_a_second_rebuild_is_refused_while_one_runs(db):
    location = engine().backend.location
    with location.rebuilding():
        with pytest.raises(RebuildRunning):
            indexing.rebuild()


# --- Writing segments ------------------------------------------------------------------------------


def test_the_writers_field_lengths_are_whooshs_own(tmp_path):
    """Flushing a segment reads every posting's field length; our writers read each length column
    once into memory. The lengths (and Whoosh's None for a field a document lacks) are exactly the
    ones Whoosh's own reader gives, so the postings written are the same."""
    from whoosh.codec.whoosh3 import W3PerDocReader
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import FileStorage

    from interviews.search.generations import WriterCodec

    schema = Schema(key=ID(stored=True), en=TEXT, de=TEXT)
    ix = FileStorage(str(tmp_path)).create_index(schema)
    writer = ix.writer(codec=WriterCodec())
    for n in range(300):  # lengths from 0 to far past a byte, some documents without a field
        fields = {"key": str(n), "en": " ".join(["word"] * n)}
        if n % 3:
            fields["de"] = "ein Wort"
        writer.add_document(**fields)
    writer.commit()
    (segment,) = ix._segments()
    ours, whooshs = WriterCodec().per_document_reader(ix.storage, segment), W3PerDocReader(ix.storage, segment)
    for docnum in range(300):
        for fieldname in ("key", "en", "de", "absent"):
            assert ours.doc_field_length(docnum, fieldname) == whooshs.doc_field_length(docnum, fieldname)
