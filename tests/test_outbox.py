"""The outbox (interviews/outbox.py): index work left behind by a process that died after its commit
is applied without anyone having to remember to.

Inside a test transaction nothing commits, so after-commit callbacks never run unless a test asks
for them: an ingest here leaves its IndexTask rows pending exactly as a writer killed between its
commit and the index write does. benchmarks/fault_injection.py does the real kill -9.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from interviews import outbox
from interviews.models import IndexTask
from interviews.search import indexing
from interviews.search import query as search
from interviews.search.engines import engine
from interviews.search.query import SearchParams
from tests.factories import SHORT_INTERVIEW, ingest_text

pytestmark = pytest.mark.django_db


def found(q):
    return search.search(SearchParams(q=q)).count


def age_tasks(seconds):
    IndexTask.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=seconds))


@pytest.fixture
def fresh_throttle(monkeypatch):
    monkeypatch.setattr(outbox, "_last_stale_check", float("-inf"))


def test_next_ingest_applies_what_a_killed_ingest_left_pending(tmp_path, monkeypatch):
    """An operator re-runs the ingest that died: the file is unchanged, and its turns become
    searchable anyway."""
    transcript = tmp_path / "talk.txt"
    transcript.write_text(SHORT_INTERVIEW, encoding="utf-8")
    with monkeypatch.context() as killed:  # the process dies after its commit, before the index write
        killed.setattr(outbox, "_processor", None)
        call_command("ingest", str(transcript), stdout=io.StringIO())
    assert IndexTask.objects.count() == 4 and found("dumbest") == 0

    out = io.StringIO()
    call_command("ingest", str(transcript), stdout=out)
    assert "unchanged" in out.getvalue()
    assert IndexTask.objects.count() == 0
    assert found("dumbest") == 1
    assert indexing.check_index().ok


def test_dry_run_writes_nothing_not_even_the_index(tmp_path):
    transcript = tmp_path / "talk.txt"
    transcript.write_text(SHORT_INTERVIEW, encoding="utf-8")
    ingest_text()
    call_command("ingest", "--dry-run", str(transcript), stdout=io.StringIO())
    assert IndexTask.objects.count() == 4


def test_running_site_applies_work_older_than_the_retry_interval(settings, fresh_throttle):
    settings.ARCHIVE_INDEX_RETRY_SECONDS = 60
    ingest_text()
    age_tasks(61)
    run = outbox.process_stale(now=1000.0)
    assert run.applied == 4
    assert found("dumbest") == 1


def test_running_site_leaves_young_work_to_its_writer(settings, fresh_throttle):
    """Rows committed a moment ago are being applied by the process that wrote them."""
    settings.ARCHIVE_INDEX_RETRY_SECONDS = 60
    ingest_text()
    age_tasks(5)
    assert outbox.process_stale(now=1000.0) is None
    assert IndexTask.objects.count() == 4


def test_running_site_checks_at_most_once_per_interval(settings, fresh_throttle, django_assert_num_queries):
    settings.ARCHIVE_INDEX_RETRY_SECONDS = 60
    outbox.process_stale(now=1000.0)
    ingest_text()
    age_tasks(120)
    with django_assert_num_queries(0):
        assert outbox.process_stale(now=1030.0) is None  # 30 s after the last look
    assert outbox.process_stale(now=1061.0).applied == 4


def test_running_site_does_not_wait_for_a_held_index_lock(settings, fresh_throttle):
    settings.ARCHIVE_INDEX_RETRY_SECONDS = 60
    ingest_text()
    age_tasks(61)
    with engine().backend.writer():  # a writer is busy: the response must not wait behind it
        run = outbox.process_stale(now=1000.0)
    assert run.error == "the index is locked by another writer"
    assert IndexTask.objects.count() == 4
    assert indexing.process_index_tasks().applied == 4


def test_retry_can_be_switched_off(settings, fresh_throttle):
    settings.ARCHIVE_INDEX_RETRY_SECONDS = -1
    ingest_text()
    age_tasks(3600)
    assert outbox.process_stale(now=1000.0) is None
    assert IndexTask.objects.count() == 4


def test_bulk_load_commits_index_work_once_per_batch(monkeypatch):
    """`manage.py ingest` of many files (outbox.batched) writes the index once per BATCH_TURNS
    pending turns, all of them in one commit, not once per transcript: each commit is a Whoosh
    segment, and many small ones slow searches and set off merges. Every turn is searchable at
    the end."""
    from interviews.ingest import ingest_transcript
    from tests.factories import make_source

    monkeypatch.setattr(outbox, "BATCH_TURNS", 5)
    index = engine().backend.open_index()
    before = index.latest_generation()
    with outbox.batched() as apply_index_work_if_due:
        for n in range(5):  # 4 turns each: 8 pending after the 2nd and the 4th, 4 at the end
            text = SHORT_INTERVIEW.replace("A talk about data", f"Talk {n} about data")
            ingest_transcript(make_source(text=text, slug=f"talk-{n}", title=f"Talk {n}", filename=f"talk-{n}.txt"))
            apply_index_work_if_due()
    assert index.refresh().latest_generation() - before == 3
    assert IndexTask.objects.count() == 0
    assert found("dumbest") == 5


@pytest.mark.parametrize(
    "sizes, expected",
    [
        ([200] * 9 + [50_000], []),  # fewer than 10 small segments: no merge yet
        ([200] * 10 + [50_000], list(range(10))),  # ten uploads' segments: merged, the big one left
        ([5_000] * 30, []),  # a bulk load's segments: 4 fit in 20,000, too few
        ([100, 100_000, 150] + [300] * 12, [0, 2] + list(range(3, 15))),
    ],
)
def test_commits_outside_a_bulk_load_merge_only_small_segments(sizes, expected):
    """An upload's commit must finish within the request: it merges only the smallest segments,
    at most 20,000 turns of them (some 26 s), and only once there are ten to merge."""
    from interviews.search.generations import segments_to_merge

    assert sorted(segments_to_merge(sizes)) == expected


@pytest.mark.parametrize(
    "sizes, expected",
    [
        ([5_100] * 4, []),  # four bulk commits: fewer than five in their tier, no merge yet
        ([5_100] * 5, [0, 1]),  # five of similar size: as many as fit in 15,000 merged (10,200 turns)
        ([4_000] * 5, [0, 1, 2]),  # smaller ones: three fit
        ([25_500] * 6, []),  # larger segments than the bound: never merged in the load
        ([25_500] * 3 + [5_100] * 5, [3, 4]),  # the small tier merged, the large left alone
        ([200] * 5 + [5_100] * 5, list(range(5))),  # the lowest tier first: one merge per commit
        ([7_000] * 5, [0, 1]),  # three would pass 15,000: as many as fit
        ([200] * 3 + [5_100] * 2 + [900], []),  # sizes differ: each tier too small to merge
    ],
)
def test_a_bulk_load_merges_segments_of_similar_size_and_never_more_than_a_bound(sizes, expected):
    """A bulk load's commit merges segments in tiers of similar size, at most 15,000 turns at once
    (some 20-30 s, besides the commit's own batch), so no commit stalls the load for a minute or
    more as Whoosh's own policy did."""
    from interviews.search.generations import tiered_segments_to_merge

    assert sorted(tiered_segments_to_merge(sizes)) == expected


def test_a_bulk_load_merges_by_tiers_not_by_whooshs_own_policy(monkeypatch):
    """With the limits scaled down (a commit per 4 turns, tiers of 3, merges of at most 12 turns):
    six 4-turn transcripts in one bulk load. The fourth commit merges the first three segments
    (12 turns) into its own; the last two stay as they are, where Whoosh's own policy merged every
    small segment at each commit. Every turn is searchable."""
    from interviews.ingest import ingest_transcript
    from interviews.search import generations
    from tests.factories import make_source

    monkeypatch.setattr(outbox, "BATCH_TURNS", 4)
    monkeypatch.setattr(generations, "BULK_TIER_BASE", 1)
    monkeypatch.setattr(generations, "BULK_MERGE_FACTOR", 3)
    monkeypatch.setattr(generations, "BULK_MAX_MERGE_TURNS", 12)
    with outbox.batched() as apply_index_work_if_due:
        for n in range(6):
            text = SHORT_INTERVIEW.replace("A talk about data", f"Talk {n} about data")
            ingest_transcript(make_source(text=text, slug=f"talk-{n}", title=f"Talk {n}", filename=f"talk-{n}.txt"))
            apply_index_work_if_due()
    assert sorted(s.doc_count_all() for s in engine().backend.open_index()._segments()) == [4, 4, 16]
    assert found("dumbest") == 6


def test_an_upload_commit_leaves_large_segments_alone(monkeypatch):
    """With the limits scaled down (merge at most 12 turns, once 3 segments fit): a bulk load's
    8-turn segment, then uploads of 4 turns, one commit each. The fourth upload's commit merges
    the three earlier 4-turn segments with its own turns and leaves the bulk load's alone;
    Whoosh's own policy merges nothing among 4 segments, so the merge is ours."""
    from interviews.ingest import ingest_transcript
    from interviews.search import generations
    from tests.factories import make_source

    monkeypatch.setattr(generations, "MAX_MERGE_TURNS", 12)
    monkeypatch.setattr(generations, "MERGE_FACTOR", 3)
    sources = [
        make_source(
            text=SHORT_INTERVIEW.replace("A talk about data", f"Talk {n} about data"),
            slug=f"talk-{n}",
            title=f"Talk {n}",
            filename=f"talk-{n}.txt",
        )
        for n in range(6)
    ]
    with outbox.batched():  # one bulk commit of 8 turns
        for source in sources[:2]:
            ingest_transcript(source)

    def sizes():
        return sorted(s.doc_count_all() for s in engine().backend.open_index()._segments())

    assert sizes() == [8]
    for source in sources[2:]:  # then one commit each, as uploads
        ingest_transcript(source)
        indexing.process_index_tasks()
    assert sizes() == [8, 16]
    assert found("dumbest") == 6
