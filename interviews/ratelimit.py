"""Per-client request limits on search, the API, transcript pages and new card renders: one client
cannot knock the archive over.

A window per client, opened by its first request: at most N requests in the S seconds from it
(`ARCHIVE_RATE_LIMIT="N/S"`) on the heavy paths (ARCHIVE_RATE_LIMIT_PATHS), and a budget of its
own for quote cards that have to be drawn (`ARCHIVE_CARD_RENDER_LIMIT`; a card already drawn is
free), counted in a small SQLite file under ARCHIVE_DATA_DIR that every gunicorn worker shares. A
refused request gets 429 with `Retry-After` (seconds until the window ends) and a short body:
JSON under /api/, a page elsewhere.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
import os
import random
import sqlite3
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from archive.client_ip import client_ip
from interviews import api_errors, sqlite_files

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: int

    @classmethod
    @functools.lru_cache(maxsize=8)
    def parse(cls, value: str) -> Limit | None:
        """`"120/60"` → 120 requests per 60 s; `"off"`, `"0"` or empty → no limit."""
        value = (value or "").strip().lower()
        if value in {"", "0", "off", "none"}:
            return None
        try:
            requests, seconds = (int(part) for part in value.split("/"))
        except ValueError:
            raise ImproperlyConfigured(
                f"ARCHIVE_RATE_LIMIT={value!r}: use REQUESTS/SECONDS, e.g. 120/60, or off"
            ) from None
        if requests < 1 or seconds < 1:
            raise ImproperlyConfigured(f"ARCHIVE_RATE_LIMIT={value!r}: both numbers must be at least 1")
        return cls(requests, seconds)


def client_address(request) -> str:
    """Who is asking, as the login throttle sees it too (archive/client_ip.py)."""
    return client_key(client_ip(request) or "")


def client_key(address: str) -> str:
    """One key per client: an IPv4 address, or an IPv6 /64 (what one subscriber is given, so
    rotating through it does not buy a fresh limit). Anything unparseable is hashed, keeping
    cache keys short and printable."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "other-" + hashlib.sha256(address.encode("utf-8", "replace")).hexdigest()[:16]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Counters:
    """Request counts per client in a small SQLite file of their own, shared by every worker.

    Why not Django's cache: FileBasedCache lists its whole directory on every write (measured
    p50 7 ms per request with 5,000 clients) and increments by get-then-set (4 processes making
    2,000 increments each left a count of 2,222, not 8,000). A DatabaseCache on the main SQLite
    file would queue every search behind a long upload's write lock. Here one UPSERT counts
    atomically (the same 4 x 2,000 gave 8,000) in ~12 us, whatever the number of clients. The
    counts are disposable: no fsync.

    A client's window opens with its first request and ends S seconds later, not on the clock's
    minute: a burst that straddles a minute never finds a fresh allowance halfway through. Each
    row keeps when its window ends, so pruning never cuts short a longer window of another kind.
    """

    PRUNE_EVERY = 1000  # requests, on average

    def __init__(self, path):
        self.path = str(path)
        self.pid = os.getpid()
        self.db = sqlite_files.connect(
            self.path,
            timeout=1.0,
            synchronous="OFF",
            schema="CREATE TABLE IF NOT EXISTS windows (client TEXT PRIMARY KEY, ends REAL NOT NULL,"
            " count INTEGER NOT NULL) WITHOUT ROWID",
        )

    def count(self, client: str, now: float, seconds: int) -> tuple[int, float]:
        """Count one request by `client` at `now`: how many it has made in its window, and when
        that window ends (a new one opens when the last has ended)."""
        count, ends = self.db.execute(
            "INSERT INTO windows (client, ends, count) VALUES (?1, ?2 + ?3, 1) ON CONFLICT (client) DO UPDATE SET"
            " count = CASE WHEN ends > ?2 THEN count + 1 ELSE 1 END,"
            " ends = CASE WHEN ends > ?2 THEN ends ELSE excluded.ends END RETURNING count, ends",
            (client, now, seconds),
        ).fetchone()
        if random.randrange(self.PRUNE_EVERY) == 0:
            self.db.execute("DELETE FROM windows WHERE ends <= ?", (now,))
        return count, ends


_local = threading.local()


def counters() -> Counters:
    """This process's (and thread's) connection to the counter file, opened on first use so a
    forked gunicorn worker never shares its parent's connection."""
    path = settings.ARCHIVE_RATE_LIMIT_DB
    current = getattr(_local, "counters", None)
    if current is None or current.path != str(path) or current.pid != os.getpid():
        if current is not None and current.pid == os.getpid():
            current.db.close()
        current = _local.counters = Counters(path)
    return current


def hit(client: str, limit: Limit, *, now: float | None = None) -> tuple[bool, int]:
    """Count one request by `client`. Returns (allowed, seconds until its window resets)."""
    now = time.time() if now is None else now
    try:
        count, ends = counters().count(client, now, limit.seconds)
    except sqlite3.Error:
        # A limiter that cannot count must not take search down with it.
        logger.warning("rate limit counters unavailable; request allowed", exc_info=True)
        return True, limit.seconds
    return count <= limit.requests, max(1, math.ceil(ends - now))


def too_many_requests(request, limit: Limit, retry_after: int):
    # Refused before LocaleMiddleware has run: the refusal picks the reader's language itself.
    with translation.override(translation.get_language_from_request(request)):
        if api_errors.is_json_path(request.path_info):
            message = _("Too many requests: at most %(requests)d every %(seconds)d seconds.") % {
                "requests": limit.requests,
                "seconds": limit.seconds,
            }
            message += " " + _("Try again in %(seconds)d seconds.") % {"seconds": retry_after}
            response = api_errors.error_response(429, message, retry_after=retry_after)
        else:
            response = render(request, "429.html", {"retry_after": retry_after, "limit": limit}, status=429)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response["Retry-After"] = str(retry_after)
    return response


def check(request, scope: str, value: str):
    """Count one request of kind `scope` by this client against its own limit `value` ("N/S" or
    "off"): the 429 response when over it, else None."""
    limit = Limit.parse(value)
    if limit is None:
        return None
    allowed, reset_in = hit(f"{scope}:{client_address(request)}", limit)
    return None if allowed else too_many_requests(request, limit, reset_in)


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # A bad value fails at start-up, not per request.
        Limit.parse(settings.ARCHIVE_RATE_LIMIT)
        Limit.parse(settings.ARCHIVE_CARD_RENDER_LIMIT)

    def __call__(self, request):
        limit = Limit.parse(settings.ARCHIVE_RATE_LIMIT)
        if limit is not None and request.path_info.startswith(tuple(settings.ARCHIVE_RATE_LIMIT_PATHS)):
            allowed, reset_in = hit(client_address(request), limit)
            if not allowed:
                return too_many_requests(request, limit, reset_in)
        return self.get_response(request)
