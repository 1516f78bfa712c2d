"""Index work recorded with the data: the seam between writers and the search index.

Whoever changes turns calls `enqueue()` inside the same transaction. The rows commit or roll back
with the data, so the index can never be told about a turn that does not exist, nor miss one
that does. After the commit the registered processor (the search module) applies them; rows it
cannot apply stay pending for the next run or for `check_index --fix`.
"""
from contextlib import contextmanager

from django.db import transaction

from .models import IndexTask

_processor = None
_batching = False
BATCH_TURNS = 2000


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


def process_pending():
    if _processor is not None and not _batching:
        _processor()


@contextmanager
def batched():
    """For bulk loads: apply index work once per ~BATCH_TURNS pending turns (and at the end),
    not after every transcript's commit.

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
        process_pending()


def apply_if_due():
    if _processor is not None and IndexTask.objects.count() >= BATCH_TURNS:
        _processor()
