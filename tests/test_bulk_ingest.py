"""A bulk load (`manage.py ingest` of many files, the bench's build): the index work runs in a
second process while the next files are ingested (interviews/outbox.py, `BulkLoad`).

A second process only sees committed rows in a database both can open, so these tests (slow: a
fresh Django process each) run the command in a fresh process on an SQLite file of its own (as an
operator does), with a small BATCH_TURNS so that the index process commits several times during
the load. The last test
runs in this process: on PostgreSQL (`.ci/with-postgres`) its index work runs in a second process
too; on the in-memory SQLite of the tests, in this one.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from interviews import outbox
from interviews.models import IndexTask
from interviews.search import indexing
from tests.factories import SEEDS, SHORT_INTERVIEW

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["data", "model", "dumbest1", "Daten", "模型", "compute -cleaning"]

# Runs in a fresh process: patches what the test asks for, ingests, then prints what the archive
# holds as one JSON line (the exit status is the command's).
ARCHIVE_PROCESS = """
import json, sys
import django
django.setup()
from django.core.management import call_command, execute_from_command_line
from interviews import outbox
from interviews.models import IndexTask
from interviews.search import indexing
from interviews.search.engines import TunedWhoosh
from interviews.search.query import SearchParams, search

config = json.loads(sys.argv[1])
call_command("migrate", verbosity=0)
outbox.BATCH_TURNS = config["batch_turns"]
outbox.MAX_PENDING_TURNS = config.get("max_pending", 4 * config["batch_turns"])
if config.get("one_process"):
    outbox._second_process_can_see_rows = lambda: False
if config.get("index_fails"):
    def fail(*args, **kwargs):
        raise OSError("No space left on device")
    TunedWhoosh._write_batch = fail
status = 0
try:
    execute_from_command_line(["manage.py", "ingest", *config["paths"]])
except SystemExit as exc:
    status = exc.code
report = indexing.check_index()
pages = {q: search(SearchParams(q=q, page_size=500)) for q in config["queries"]}
print(json.dumps({
    "pending": IndexTask.objects.count(),
    "failing": [error for _key, _attempts, error in report.failing],
    "documents": sorted(indexing.engine().indexed_keys()),
    "missing": report.missing,
    "hits": {q: [page.count, sorted(hit.key for hit in page.results)] for q, page in pages.items()},
}))
sys.exit(status)
"""


def run_ingest(data_dir, paths, **config):
    """`manage.py ingest paths` in a fresh process on a fresh SQLite archive in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(ARCHIVE_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="archive.settings", ARCHIVE_SEARCH_CACHE="0")
    config = {"batch_turns": 40, "queries": QUERIES, "paths": [str(p) for p in paths], **config}
    done = subprocess.run(
        [sys.executable, "-c", ARCHIVE_PROCESS, json.dumps(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    return done.returncode, json.loads(lines[-1]), done.stdout, done.stderr


@pytest.fixture
def files(tmp_path):
    """The two seed transcripts (German and Chinese, aligned) and twelve short English talks."""
    talks = tmp_path / "talks"
    talks.mkdir()
    for n in range(12):
        text = SHORT_INTERVIEW.replace("A talk about data", f"Talk {n} about data")
        (talks / f"talk-{n:02}.txt").write_text(text.replace("dumbest", f"dumbest{n % 3}"), encoding="utf-8")
    return [SEEDS, talks]


@pytest.mark.slow
def test_index_process_leaves_the_same_index_as_one_process(tmp_path, files):
    """The same files ingested with the index work in a second process and in the ingest's own
    process: the same documents, the same hits for each query, and nothing pending after the
    command. (Hits of equal score may come in another order: it follows the index's segments,
    which depend on when each commit was made.)"""
    status, two, out, err = run_ingest(tmp_path / "two", files)
    assert status == 0, err
    assert "14 created, 0 updated, 0 unchanged, 0 failed" in out
    status, one, _, err = run_ingest(tmp_path / "one", files, one_process=True)
    assert status == 0, err

    assert two["pending"] == 0 and two["missing"] == []
    assert len(two["documents"]) == 199 + 12 * 4
    assert two["documents"] == one["documents"]
    assert two["hits"] == one["hits"]
    assert all(count > 0 for count, _keys in two["hits"].values())


@pytest.mark.slow
def test_ingest_waits_for_the_index_process_when_too_much_is_pending(tmp_path, files):
    """With at most 8 turns pending before the ingest waits, the load still ends complete."""
    status, archive, _, err = run_ingest(tmp_path / "small", files, batch_turns=4, max_pending=8)
    assert status == 0, err
    assert archive["pending"] == 0 and archive["missing"] == []


@pytest.mark.slow
def test_failing_index_process_fails_the_ingest_and_keeps_the_work_for_the_next_run(tmp_path, files):
    """The index cannot be written (a full disk): the command stops with the reason and a
    non-zero exit status; the transcripts saved so far keep their index work in the outbox, so
    the next run, with the disk fixed, ingests the rest and makes every turn searchable."""
    status, archive, out, err = run_ingest(tmp_path / "archive", files, index_fails=True)
    assert status != 0
    assert ": created (74 turns)" in out
    assert "the search index could not be updated: OSError: No space left on device" in err
    assert archive["pending"] > 0
    assert archive["failing"] and "No space left on device" in archive["failing"][0]

    status, archive, out, err = run_ingest(tmp_path / "archive", files)
    assert status == 0, err
    assert ": unchanged (74 turns)" in out and ", 0 failed" in out
    assert archive["pending"] == 0 and archive["missing"] == []
    assert len(archive["documents"]) == 199 + 12 * 4


@pytest.mark.django_db(transaction=True)
def test_bulk_load_on_this_database_applies_all_index_work(monkeypatch, tmp_path, files):
    """The ingest command on the test database, committed as in production: every turn is
    indexed and the outbox is empty when it ends. On PostgreSQL the index work ran in a second
    process (its reads and deletes of outbox rows beside the ingest's transactions)."""
    from django.db import connection

    monkeypatch.setattr(outbox, "BATCH_TURNS", 40)
    second_processes = []
    start = outbox.BulkLoad._start
    monkeypatch.setattr(outbox.BulkLoad, "_start", lambda load: second_processes.append(start(load)))
    call_command("ingest", *map(str, files), stdout=io.StringIO(), stderr=io.StringIO())
    assert IndexTask.objects.count() == 0
    report = indexing.check_index()
    assert report.ok and report.documents == 199 + 12 * 4
    assert len(second_processes) == (1 if connection.vendor == "postgresql" else 0)
