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
import logging
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


@contextmanager
def batched():
    """For bulk loads: apply index work once per ~BATCH_TURNS pending turns (and at the end), in
    one Whoosh commit, not after every transcript's commit.

    The rows are still written in each transcript's own transaction, so a crash loses nothing:
    the next run applies them. Each Whoosh commit adds a segment and may merge segments; one
    commit per small transcript made bulk ingest slower as the index grew.
    """
    global _batching
    _batching = True
    try:
        yield apply_if_due
    finally:
        _batching = False
        process_pending(batch_size=2 * BATCH_TURNS, bulk=True)  # what is left: under 2 x, one commit


def _commit_size(pending):
    """Turns per commit when draining `pending` in a bulk load: all of them in one, up to twice
    BATCH_TURNS. Batches of exactly BATCH_TURNS left the few over for a commit of their own, and
    such tiny segments set Whoosh's merge policy off early (its threshold counts segments): a
    merge of 50,000 turns at 55,000 in `bench`, 90 s."""
    return max(BATCH_TURNS, min(pending, 2 * BATCH_TURNS))


def apply_if_due():
    pending = IndexTask.objects.count() if _processor is not None else 0
    if pending >= BATCH_TURNS:
        _processor(batch_size=_commit_size(pending), bulk=True)


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
