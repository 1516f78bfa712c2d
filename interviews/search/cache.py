"""Search results shared by every worker of one machine, until the index changes.

``cached(stamp, request, compute)`` returns what ``compute()`` returned for the same request on
the same version of the index, from any worker, or computes and keeps it. The key is the
normalised request (``request``), the index's stamp (``Engine.index_stamp()``: the live
generation and its last commit, changed by any write from any process) and the search code
itself, so a write or a deploy is seen at once and nothing stale is ever served; entries for an
older index are simply never asked for again and age out.

What is kept is what the index alone decides (hits with their snippets, counts, facet counts, the
suggestion). What the database decides is not kept here: each hit's translations are read per
request, so an editor's change of a link shows at once; the facets' names are kept by each
process for one version of the index (``query._facet_labels``: a rename re-indexes the turns it
touches).

Django's file-based cache (``CACHES["search"]``, ``DATA_DIR/cache/search``): every worker on the
machine shares it, it needs no server, and a write is a rename, so it never waits on a lock. The
database cache was the other candidate; on SQLite its writes would queue behind ingest's
transactions on the archive's database. ``ARCHIVE_SEARCH_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache

ALIAS = "search"


def files_stamp(paths) -> str:
    """A digest of some files' bytes: a deploy that changes any of them changes every key made with it."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def source_stamp(package_dir: Path) -> str:
    """A digest of a package's source: a deploy that changes how a result is made changes every key."""
    return files_stamp(package_dir.glob("*.py"))


CODE_STAMP = source_stamp(Path(__file__).resolve().parent)  # the search package's

_RECOMPUTING: ContextVar[bool] = ContextVar("recomputing", default=False)


@contextmanager
def recomputing():
    """Within it, ``cached()`` computes every value and reads none kept (it still keeps what it
    computes): for a worker's warm-up (``query.warm_up``), which searches to load into its process
    what computing reads (the index's columns, the length norms), and which the results another
    worker kept would otherwise skip."""
    token = _RECOMPUTING.set(True)
    try:
        yield
    finally:
        _RECOMPUTING.reset(token)


def cached(stamp: str | None, request: tuple, compute: Callable):
    """``compute()``'s value for ``request`` on the index version ``stamp``; with no stamp (an
    engine that cannot tell when it changed) or the cache off, ``compute()`` every time."""
    if stamp is None or not settings.ARCHIVE_SEARCH_CACHE:
        return compute()
    key = hashlib.sha256(repr((CODE_STAMP, stamp, request)).encode()).hexdigest()
    cache = caches[ALIAS]
    value = None if _RECOMPUTING.get() else cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value


class SearchResultCache(FileBasedCache):
    """Django's file-based cache, culling on about one write in 50 instead of every write: its
    cull lists every file in the directory before deciding there is nothing to do (measured at
    5,000 entries: a few ms on each miss)."""

    def _cull(self):
        if random.random() < 0.02:
            super()._cull()
