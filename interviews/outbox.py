"""Index work recorded with the data: the seam between writers and the search index.

Whoever changes turns calls `enqueue()` inside the same transaction. The rows commit or roll back
with the data, so the index can never be told about a turn that does not exist, nor miss one
that does. After the commit the registered processor (the search module) applies them.

A process can die between its commit and the index write (`kill -9`, the OOM killer, gunicorn
killing a worker past its timeout in the middle of a large upload). Its rows stay, and three
places apply them, so nobody has to remember to:

- the next ingest: `manage.py ingest` drains the outbox before it starts, and every commit drains
  all pending rows, not only its own;
- the running site: after a response, a gunicorn worker applies rows older than
  ``ARCHIVE_INDEX_RETRY_SECONDS`` (their writer is gone), at most one query per that interval,
  within a time budget and without waiting for the index lock (`process_stale()`);
- `manage.py check_index --fix` (run by `make data`), which also repairs what no row records.
"""

import datetime
import gc
import logging
import os
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from interviews.models import IndexTask

logger = logging.getLogger(__name__)

_processor = None
_batching = False
BATCH_TURNS = 5000  # per Whoosh commit in a bulk load: fewer commits, fewer segment merges
_last_stale_check = float("-inf")

#: Longest a server process spends applying stale rows after one response. gunicorn does not hear
#: from a worker while it does this, so it must stay well under the worker timeout.
STALE_BUDGET_SECONDS = 10.0


def register_processor(func):
    """Called by the search module at start-up with the function that drains pending tasks."""
    global _processor
    _processor = func
    return func


def enqueue(turn_keys, action=IndexTask.UPDATE):
    keys = list(dict.fromkeys(turn_keys))
    if not keys:
        return
    IndexTask.objects.bulk_create([IndexTask(turn_key=key, action=action) for key in keys])
    transaction.on_commit(process_pending, robust=True)


def process_pending(**options):
    if _processor is not None and not _batching:
        return _processor(**options)
    return None


#: Most turns a bulk load leaves pending before the ingest waits for the index process: keeps the
#: outbox, and what the index process has to catch up on at the end, bounded.
MAX_PENDING_TURNS = 4 * BATCH_TURNS
_POLL_SECONDS = 0.2


class IndexWorkFailed(Exception):
    """The index process of a bulk load stopped with an error; its rows stay for the next run."""


@contextmanager
def batched(*, waiting=None):
    """For bulk loads: apply index work once per ~BATCH_TURNS pending turns (and at the end), in
    one Whoosh commit, not after every transcript's commit. Yields a `BulkLoad`: call it after
    each transcript.

    The index work runs in a second process (`BulkLoad`) while this one ingests the next files,
    so parsing, alignment and the database writes overlap with the index's analysis and commits.
    The rows are still written in each transcript's own transaction, so a crash of either process
    loses nothing: the next run applies them. Each Whoosh commit adds a segment and may merge
    segments; one commit per small transcript made bulk ingest slower as the index grew.

    ``waiting(pending)``, if given, is called every few seconds while the ingest waits for the
    index (too much pending, or the last rows at the end). Raises `IndexWorkFailed` when the index
    work fails; leaving the block returns only once the outbox is drained and committed.
    """
    global _batching
    _batching = True
    load = BulkLoad(waiting=waiting)
    try:
        yield load
        load.finish()
    except BaseException:  # the ingest failed or was interrupted (Ctrl-C), the last wait included
        load.abort()
        raise
    finally:
        _batching = False


def _commit_size(pending):
    """Turns per commit when draining `pending` in a bulk load: all of them in one, up to twice
    BATCH_TURNS. Batches of exactly BATCH_TURNS left the few over for a commit of their own, and
    such tiny segments set Whoosh's merge policy off early (its threshold counts segments): a
    merge of 50,000 turns at 55,000 in `bench`, 90 s."""
    return max(BATCH_TURNS, min(pending, 2 * BATCH_TURNS))


def _last_commit_size(pending):
    """Turns per commit when draining what a bulk load leaves at its end: equal commits of at
    most twice BATCH_TURNS, so no small remainder gets a segment of its own."""
    commits = -(-pending // (2 * BATCH_TURNS))
    return -(-pending // max(commits, 1))


def _run_failed(run):
    if run is None:
        return ""
    if run.error:
        return run.error
    if run.failed:
        return f"{run.failed} turns could not be indexed (their reasons are kept in the outbox)"
    return ""


class BulkLoad:
    """The index side of a bulk load: a second process that applies the outbox in commits of
    ~BATCH_TURNS as rows appear, while the caller ingests.

    The second process is forked, so it shares this one's settings; it opens its own database
    connection and index files, takes the index's write lock for each commit as every writer
    does, and reads and deletes only IndexTask rows the ingest has committed (the ingest only
    inserts them). When no second process can see the rows (the database is SQLite in memory, or
    the caller is inside a transaction, as tests are), or no processor is registered, the work
    is applied in this process, after the transcript that makes a batch due.

    ``commit_seconds``: how long each index commit took; ``waited_seconds``: how long the ingest
    stood still waiting for the index.
    """

    def __init__(self, *, waiting=None):
        self.commit_seconds: list[float] = []
        self.waited_seconds = 0.0
        self._waiting = waiting
        self._process = None
        if _processor is not None and _second_process_can_see_rows():
            self._start()

    @property
    def concurrent(self):
        return self._process is not None

    def __call__(self):
        """After each transcript: apply a due batch here, or wait while the index process has too
        much to catch up on (then this process would only outrun it)."""
        if self._process is None:
            self._apply_here(lambda pending: pending >= BATCH_TURNS, _commit_size)
            return
        self._check()
        if IndexTask.objects.count() >= MAX_PENDING_TURNS:
            self._wait(lambda: IndexTask.objects.count() >= MAX_PENDING_TURNS)

    def finish(self):
        """Apply what is left, in its last commits; returns once the outbox is drained."""
        if self._process is None:
            self._apply_here(lambda pending: pending > 0, _last_commit_size)
            return
        self._stop.set()
        self._wait(self._process.is_alive)
        self._collect()

    def abort(self):
        """The ingest failed: the index process ends after its current commit; the rows it has
        not applied stay for the next run."""
        if self._process is None:
            return
        self._abort.set()
        self._process.join()
        if not self._receive.closed:
            self._receive.close()

    def _apply_here(self, due, size):
        while _processor is not None:
            pending = IndexTask.objects.count()
            if not due(pending):
                return
            started = time.monotonic()
            run = _processor(batch_size=size(pending), bulk=True, max_batches=1)
            self.commit_seconds.append(time.monotonic() - started)
            failure = _run_failed(run)
            if failure:
                raise IndexWorkFailed(failure)
            if not run or not run.applied:
                return

    def _start(self):
        import multiprocessing

        from django.db import connections
        from haystack import connections as search_connections

        context = multiprocessing.get_context("fork")
        self._stop, self._abort = context.Event(), context.Event()
        self._receive, send = context.Pipe(duplex=False)
        # Nothing open is shared with the child: it opens its own connection and index files.
        connections.close_all()
        backend = search_connections["default"].get_backend()
        if hasattr(backend, "close"):  # our Whoosh backend keeps a searcher open
            backend.close()
        self._process = context.Process(
            target=_drain, args=(self._stop, self._abort, send, os.getpid()), name="archive index"
        )
        # The index process never collects what it inherits (the analyzers, the dictionaries), so
        # the pages they sit on stay shared rather than copied by its collections.
        gc.freeze()
        try:
            self._process.start()
        finally:
            gc.unfreeze()
        send.close()

    def _wait(self, still):
        started = last_report = time.monotonic()
        while still():
            self._check()
            if self._waiting and time.monotonic() - last_report >= 5:
                self._waiting(IndexTask.objects.count())
                last_report = time.monotonic()
            time.sleep(_POLL_SECONDS)
        self.waited_seconds += time.monotonic() - started

    def _check(self):
        if self._receive.closed or (self._process.is_alive() and not self._receive.poll()):
            return
        self._collect()

    def _collect(self):
        """Read the index process's report once it has one; raises `IndexWorkFailed` if it failed."""
        if self._process.exitcode is not None and self._receive.closed:
            return  # already collected
        message = None
        if self._receive.poll(timeout=0 if self._process.is_alive() else 5):
            try:
                message = self._receive.recv()
            except EOFError:
                pass
        self._process.join()
        self._receive.close()
        if message is None:
            raise IndexWorkFailed(f"the index process stopped (exit status {self._process.exitcode})")
        if message[0] == "error":
            raise IndexWorkFailed(message[1])
        self.commit_seconds.extend(message[1])


def _second_process_can_see_rows():
    import multiprocessing

    from django.db import connection

    if "fork" not in multiprocessing.get_all_start_methods():  # Windows: the index work stays here
        return False
    if connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _die_with_parent():
    """Linux: the kernel kills this process when the ingest dies (``PR_SET_PDEATHSIG``), so a
    killed ingest stops its index work at once, mid-commit or not, as a one-process ingest would;
    it never keeps the index's write lock from the next run. Elsewhere the loop below notices."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _drain(stop, abort, report, parent):
    """The index process of a bulk load: one commit whenever BATCH_TURNS rows are pending; when
    told to stop, the rest in equal commits. Sends ("done", commit seconds) or ("error", reason)."""
    import signal

    from django.db import connections

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches both: the ingest decides, then stops this
    _die_with_parent()
    commits = []
    # Rows a commit applied but could not clear: a rebuild in progress keeps them and drains them
    # after its swap. They do not count towards the next batch, or this would commit them forever.
    kept = 0
    try:
        while not abort.is_set():
            if os.getppid() != parent:
                return  # the ingest died: its rows wait for the next run
            finishing = stop.is_set()
            pending = IndexTask.objects.count()
            kept = min(kept, pending)  # the rebuild has drained them since
            if pending - kept >= BATCH_TURNS or (finishing and pending > kept):
                size = _last_commit_size(pending) if finishing else _commit_size(pending)
                started = time.monotonic()
                run = _processor(batch_size=size, bulk=True, max_batches=1)
                commits.append(time.monotonic() - started)
                failure = _run_failed(run)
                if failure:
                    report.send(("error", failure))
                    return
                kept = pending if run.kept and not run.applied else 0
            elif finishing:
                break
            else:
                time.sleep(_POLL_SECONDS)
        report.send(("done", commits))
    except BaseException as exc:
        report.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        report.close()
        connections.close_all()


def process_stale(*, now=None):
    """Apply rows whose writer died before applying them; for long-running server processes.

    Cheap when there is nothing to do: at most one indexed query per ``ARCHIVE_INDEX_RETRY_SECONDS``
    per process. Rows younger than that are left alone: their writer is most likely applying them
    right now. Never waits for the index lock (a writer holding it is draining anyway) and never
    raises: it runs after a response has been sent.
    """
    global _last_stale_check
    interval = settings.ARCHIVE_INDEX_RETRY_SECONDS
    now = time.monotonic() if now is None else now
    if interval < 0 or now - _last_stale_check < interval:
        return None
    _last_stale_check = now
    try:
        cutoff = timezone.now() - datetime.timedelta(seconds=interval)
        if not IndexTask.objects.filter(created_at__lte=cutoff).exists():
            return None
        run = process_pending(lock_timeout=0, batch_size=200, max_seconds=STALE_BUDGET_SECONDS)
        if run is not None and run.applied:
            logger.warning("index: applied %d tasks left behind by a process that stopped", run.applied)
        return run
    except Exception:
        logger.exception("index: could not apply stale index tasks")
        return None
