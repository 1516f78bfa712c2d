"""Small SQLite files of one machine's own, beside the archive's database: the rate limiter's
counts (interviews/ratelimit.py) and the search result cache (interviews/search/cache.py). Each is
shared by the machine's processes, disposable, and written in short transactions of its own, never
queued behind ingest's on the archive's database."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path, *, timeout: float, synchronous: str, schema: str) -> sqlite3.Connection:
    """A connection to the file at ``path`` (made, with its directory, if missing): autocommit,
    WAL (a read never waits for a write), ``synchronous`` (OFF or NORMAL: no fsync per write),
    ``schema`` (its statements, each ended by ``;``) created if it is not there. A process opens
    its own, on first use: a forked gunicorn worker must never use its parent's connection."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.executescript(schema)
    return db
