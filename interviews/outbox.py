"""Index work recorded with the data: the seam between writers and the search index.

Whoever changes turns calls `enqueue()` inside the same transaction. The rows commit or roll back
with the data, so the index can never be told about a turn that does not exist, nor miss one
that does. After the commit the registered processor (the search module) applies them; rows it
cannot apply stay pending for the next run or for `check_index --fix`.
"""
from django.db import transaction

from .models import IndexTask

_processor = None


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
    if _processor is not None:
        _processor()
