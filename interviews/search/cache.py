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

One SQLite file of its own (``CACHES["search"]``: ``DATA_DIR/cache/search/entries.sqlite3``,
`SearchResultCache`): every worker on the machine shares it and it needs no server. In WAL mode a
read never waits for a write, and a write is one short transaction of its own, never queued behind
ingest's transactions on the archive's database (the reason Django's database cache was not
used), nor Django's file-based cache: each write creates a file (0.2-0.7 ms of CPU on the 2-core
machine's disk) and compresses it at zlib's default level, and the load test's mix writes almost
one entry a request (3,719 in its first 4,000 requests). ``ARCHIVE_SEARCH_CACHE=0``
turns the cache off.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import pickle
import random
import sqlite3
import time
import zlib
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path

import lz4.block
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

from interviews import sqlite_files

log = logging.getLogger(__name__)

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


def entry_key(stamp: str, request: tuple) -> str:
    """The cache's key of ``request`` on the index version ``stamp``, with this code's stamp."""
    return hashlib.sha256(repr((CODE_STAMP, stamp, request)).encode()).hexdigest()


def cached(stamp: str | None, request: tuple, compute: Callable, *, one_at_a_time: bool = False):
    """``compute()``'s value for ``request`` on the index version ``stamp``; with no stamp (an
    engine that cannot tell when it changed) or the cache off, ``compute()`` every time.
    ``one_at_a_time``: for a value that takes seconds (counts over the whole archive), computed
    by one process while the others that miss it wait and then read what it kept, rather than
    every worker computing it at once after each write."""
    if stamp is None or not settings.ARCHIVE_SEARCH_CACHE:
        return compute()
    key = entry_key(stamp, request)
    cache = caches[ALIAS]
    read = not _RECOMPUTING.get()
    value = cache.get(key) if read else None
    if value is None:
        # Another backend configured for the cache (one without the lock) computes as every miss does.
        lock = getattr(cache, "one_at_a_time", None) if one_at_a_time else None
        with lock(key) if lock else nullcontext():
            if lock and read:
                value = cache.get(key)  # kept by the process this one waited for
            if value is None:
                value = compute()
                cache.set(key, value)
    return value


#: How an entry's value is stored (its ``compressed`` column): 0 as pickled, else compressed by
#: `_DECOMPRESS`'s codec. A file an earlier version wrote may hold zlib's (1): their keys are
#: never asked for again (the code's stamp is in every key), but a value is read as it was written.
ZLIB, LZ4 = 1, 2
_DECOMPRESS = {ZLIB: zlib.decompress, LZ4: lz4.block.decompress}


class SearchResultCache(BaseCache):
    """A Django cache backend in one SQLite file, shared by the processes of one machine.

    Each process opens its own connection on first use (a forked worker never shares its
    parent's). Values are pickled; those over `COMPRESS_OVER` bytes are compressed with LZ4 (the
    small ones cost more to compress than to store). On the 2-core machine, 3,000 entries the load
    test's mix wrote (38 KB pickled on average), each written then read: 0.37-0.40 ms of CPU a
    write and 0.14-0.16 ms a read, against 0.74-0.80 and 0.16-0.19 ms for Django's file-based
    cache, both with zlib at its fastest level. LZ4 takes about a fifth of zlib's time to compress
    and a seventh to decompress: the 2,863 entries over `COMPRESS_OVER` in a load test's cache
    file (51 KB on average) took 0.27 and 0.12 ms each with zlib, 0.06 and 0.02 ms with
    ``lz4.block``, for 12.6 KB stored instead of 10.1 KB. Sampled with py-spy under the load test,
    the cache's reads and writes were 9.0% of the workers' samples with zlib and no index on the
    expiry times (below), 5.4% with LZ4 and the index.

    The cache is an aid, never a source: an entry that cannot be read or written in time (the file
    locked by another writer for longer than `TIMEOUT_S`, removed, damaged) is a miss, logged, and
    the request computes its value. About one write in `CULL_EVERY` also removes the expired
    entries and, past ``MAX_ENTRIES``, the oldest written ``1 / CULL_FREQUENCY`` of them. The
    expiry times have an index of their own: without it that cull read the whole file (4.5 ms of
    CPU at 5,000 entries, 0.09 ms a write); with it 0.02 ms, for 0.01 ms more a write.
    """

    FILENAME = "entries.sqlite3"
    COMPRESS_OVER = 16 * 1024
    CULL_EVERY = 50
    TIMEOUT_S = 0.5
    LOCKS = 64  # lock files for `one_at_a_time`; two keys may share one and then wait in turn
    LOCK_WAIT_S = 60

    def __init__(self, location, params):
        super().__init__(params)
        self.path = Path(location) / self.FILENAME
        self._db = None
        self._pid = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():
            self._db = sqlite_files.connect(
                self.path,
                timeout=self.TIMEOUT_S,
                synchronous="NORMAL",  # a crash may lose the last entries, never damage the file
                schema="CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, expires REAL,"
                " compressed INTEGER NOT NULL, value BLOB NOT NULL);"
                " CREATE INDEX IF NOT EXISTS entries_expires ON entries (expires);",
            )
            self._pid = os.getpid()
        return self._db

    @contextmanager
    def one_at_a_time(self, key: str):
        """Held by one process (or thread) at a time for ``key``: a lock file beside the cache's,
        one of `LOCKS`. After `LOCK_WAIT_S` (a holder stuck), or if the file cannot be opened, the
        caller goes on without it: the lock saves work, it guards nothing."""
        path = self.path.parent / "locks" / f"{int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % self.LOCKS}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a")  # noqa: SIM115  (closed below, which also releases the lock)
        except OSError as error:
            log.warning("search cache: lock %s not opened: %s", path, error)
            yield
            return
        try:
            deadline = time.monotonic() + self.LOCK_WAIT_S
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        log.warning(
                            "search cache: lock %s still held after %s s; computing anyway", path, self.LOCK_WAIT_S
                        )
                        break
                    time.sleep(0.02)
            yield
        finally:
            handle.close()

    def _run(self, what: str, sql: str, parameters=()):
        """The statement's rows; None (logged) if the file could not be read or written."""
        try:
            return self._connection().execute(sql, parameters).fetchall()
        except sqlite3.Error as error:
            log.warning("search cache: %s failed (%s); carrying on without it", what, error)
            if self._db is not None:  # open again next time: the file may have been removed or replaced
                self._db.close()
            self._db = None
            return None

    def get(self, key, default=None, version=None):
        rows = self._run(
            "a read",
            "SELECT compressed, value FROM entries WHERE key = ? AND (expires IS NULL OR expires > ?)",
            (self.make_and_validate_key(key, version=version), time.time()),
        )
        if not rows:
            return default
        compressed, value = rows[0]
        try:
            return pickle.loads(_DECOMPRESS[compressed](value) if compressed else value)
        except Exception as error:  # a damaged entry: any error unpickling can raise
            log.warning("search cache: an entry could not be read (%r); carrying on without it", error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        compressed = LZ4 if len(data) > self.COMPRESS_OVER else 0
        if compressed:
            data = lz4.block.compress(data)
        self._run(
            "a write",
            "INSERT OR REPLACE INTO entries (key, expires, compressed, value) VALUES (?, ?, ?, ?)",
            (self.make_and_validate_key(key, version=version), self.get_backend_timeout(timeout), compressed, data),
        )
        if random.randrange(self.CULL_EVERY) == 0:
            self._cull()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self.has_key(key, version=version):
            return False
        self.set(key, value, timeout, version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        rows = self._run(
            "a touch",
            "UPDATE entries SET expires = ? WHERE key = ? RETURNING 1",
            (self.get_backend_timeout(timeout), self.make_and_validate_key(key, version=version)),
        )
        return bool(rows)

    def delete(self, key, version=None):
        rows = self._run(
            "a delete",
            "DELETE FROM entries WHERE key = ? RETURNING 1",
            (self.make_and_validate_key(key, version=version),),
        )
        return bool(rows)

    def clear(self):
        self._run("clearing", "DELETE FROM entries")

    def entry_count(self) -> int:
        """How many entries the file holds, expired ones included until the next cull."""
        rows = self._run("counting", "SELECT count(*) FROM entries")
        return rows[0][0] if rows else 0

    def _cull(self):
        self._run("removing expired entries", "DELETE FROM entries WHERE expires <= ?", (time.time(),))
        entries = self.entry_count()
        if entries >= self._max_entries:
            # Oldest written first (INSERT OR REPLACE gives a rewritten entry a new rowid); all of
            # them for a CULL_FREQUENCY of 0, as Django's caches do.
            count = entries // self._cull_frequency if self._cull_frequency else -1
            self._run(
                "culling",
                "DELETE FROM entries WHERE rowid IN (SELECT rowid FROM entries ORDER BY rowid LIMIT ?)",
                (count,),
            )
