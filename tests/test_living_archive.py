"""The archive keeps answering while it grows: four gunicorn workers serve every kind of read while
other processes ingest, re-ingest, upload, edit, merge speakers, retag and rebuild the index.

This is the place where a feature that reads the index is exercised under writes: add its read to
``benchmarks.living_archive.READS`` (one line) and this test covers it. `benchmarks/living_archive.py`
runs the same for longer and prints the figures.
"""

import pytest

from benchmarks.living_archive import READS, LivingArchive

pytestmark = pytest.mark.slow  # about a minute: an archive set up and served with 4 workers


@pytest.fixture(scope="module")
def living(tmp_path_factory):
    living = LivingArchive(tmp_path_factory.mktemp("living-archive"), workers=4, readers=3)
    living.setup()
    living.start()
    report = living.run(seconds=0)  # one round of every kind of write, read all along
    living.stop()
    return report


def test_no_read_fails_while_other_processes_write(living):
    """Not one 5xx or dropped connection, on any kind of page, on any worker, through every write."""
    assert living.errors == [], living.summary()


def test_every_kind_of_read_was_served_and_answered(living):
    """Each read of the mix was made during the writes, and answered as it does on a quiet archive."""
    assert set(living.reads) == {name for name, _ in READS}
    assert {name: status for (name, status) in living.statuses if status != 200} == {}, living.summary()


def test_every_kind_of_write_ran(living):
    assert {name for name, _, _ in living.writes} >= {
        "ingest a new transcript",
        "re-ingest it corrected",
        "admin upload",
        "edit a turn's text and topics",
        "merge two speakers",
        "retag",
        "rebuild_index",
    }


def test_every_write_is_visible_to_every_worker_within_two_seconds(living):
    """After each write, 8 searches in a row (spread over the workers) find what it added, starting
    less than 2 s after the writing process finished."""
    assert living.worst_lag < 2.0, living.summary()
