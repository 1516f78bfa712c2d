"""The search result cache: shared by the workers through one SQLite file, keyed by the index's version, never stale."""

import time

import pytest
from django.core.cache import caches

from interviews.search.engines import engine
from interviews.search.query import SearchParams, search
from tests.factories import index_first_turn_in_another_process


def cache_entries():
    return caches["search"].entry_count()


def keys(page):
    return [hit.key for hit in page.results]


def test_a_repeated_search_is_answered_from_the_cache(archive):
    """The second identical search finds its entry; the same search spelt differently (filters in
    another order, a value twice) finds the same entry."""
    first = search(SearchParams(q="daten", filters={"speaker": ["gita-guest", "hanna-host"], "language": ["de"]}))
    assert cache_entries() == 1
    again = search(
        SearchParams(q="daten", filters={"language": ["de"], "speaker": ["hanna-host", "gita-guest", "gita-guest"]})
    )
    assert cache_entries() == 1
    assert keys(again) == keys(first) and again.count == first.count
    assert [(f.value, f.count) for f in again.facets["speaker"]] == [
        (f.value, f.count) for f in first.facets["speaker"]
    ]


def test_pages_sorts_and_filters_are_separate_entries(archive):
    search(SearchParams(q="daten"))
    search(SearchParams(q="daten", sort="date"))
    search(SearchParams(q="daten", filters={"language": ["de"]}))
    search(SearchParams(q="modelle"))
    assert cache_entries() == 4


def test_the_cache_can_be_turned_off(archive, settings):
    settings.ARCHIVE_SEARCH_CACHE = False
    assert search(SearchParams(q="daten")).count >= 1
    assert cache_entries() == 0


def test_translations_are_read_per_request_not_cached(archive):
    """Each request gets its own hits: adding translations to one page never leaks into the next."""
    nested = search(SearchParams(q="daten", filters={"language": ["de"]}, translations=True))
    plain = search(SearchParams(q="daten", filters={"language": ["de"]}))
    assert nested.shows_translations and not plain.shows_translations
    assert all(hit.translations is None for hit in plain.results)


# Whoosh's Searcher.refresh() keys the readers it could reuse by generation, so of a multi-segment
# reader it closes one and leaves the others to the garbage collector (a ResourceWarning); the
# running site refreshes the same way after every write by another process.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_write_from_another_process_is_seen_through_the_cache_at_once(archive, indexed):
    """A search is cached; another process then commits a new turn to the index. The very next
    search sees it: the index's version is part of the key, so the old entry is never asked for."""
    before = search(SearchParams(q="quokka"))
    assert before.count == 0
    assert search(SearchParams(q="quokka")).count == 0  # now from the cache

    turn = index_first_turn_in_another_process("Have you ever met a quokka?")

    after = search(SearchParams(q="quokka"))
    assert after.count == 1 and keys(after) == [turn.key]


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_a_cached_page_past_the_last_still_raises(archive, sort):
    from interviews.search.query import PageNotFound

    for _ in range(2):
        with pytest.raises(PageNotFound):
            search(SearchParams(q="daten", sort=sort, page=9))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_index_unchanged_for_a_while_is_not_listed_again_yet_a_write_is_seen_at_once(archive, indexed, monkeypatch):
    """The searcher lists the index's files to find its latest commit only when the directory
    changed; a directory untouched for seconds is trusted. A commit by another process changes
    the directory, so the very next search still sees it."""
    import os
    import time

    from whoosh.searching import Searcher

    backend = engine().backend
    assert search(SearchParams(q="quokka")).count == 0
    long_ago = time.time_ns() - 60 * 10**9
    os.utime(backend._generation, ns=(long_ago, long_ago))
    search(SearchParams(q="quokka"))  # lists once more, and trusts the listing from now on
    refreshed = []
    refresh = Searcher.refresh
    monkeypatch.setattr(Searcher, "refresh", lambda self: refreshed.append(self) or refresh(self))
    assert search(SearchParams(q="quokka")).count == 0
    assert refreshed == []

    turn = index_first_turn_in_another_process("Have you ever met a quokka?")

    after = search(SearchParams(q="quokka"))
    assert refreshed and after.count == 1 and keys(after) == [turn.key]


# The backend itself: one SQLite file shared by the machine's processes, and never a failure.


def backend(tmp_path, **options):
    from interviews.search.cache import SearchResultCache

    return SearchResultCache(str(tmp_path / "shared"), {"TIMEOUT": 60, "OPTIONS": options})


def test_what_one_process_keeps_another_reads(tmp_path):
    """Two processes each open their own connection to the one file: a forked child reads what the
    parent wrote and writes what the parent then reads, large (compressed) values as small ones."""
    import multiprocessing

    parent = backend(tmp_path)
    big = {"hits": ["ein Satz über Daten"] * 5000}
    parent.set("small", [1, 2, 3])
    parent.set("big", big)

    def child(queue):
        # The same object, as a forked gunicorn worker inherits it: it must not use the parent's connection.
        queue.put((parent.get("small"), parent.get("big") == big))
        parent.set("from-child", "是的")

    queue = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=child, args=(queue,))
    process.start()
    read = queue.get(timeout=30)
    process.join(timeout=30)
    assert process.exitcode == 0 and read == ([1, 2, 3], True)
    assert parent.get("from-child") == "是的"
    assert backend(tmp_path).get("big") == big  # another connection, as another worker


def test_an_expired_entry_is_a_miss_and_a_cull_keeps_the_newest(tmp_path):
    cache = backend(tmp_path, MAX_ENTRIES=10, CULL_FREQUENCY=2)
    cache.set("gone", 1, timeout=0)
    assert cache.get("gone", "missing") == "missing"
    for number in range(30):
        cache.set(f"entry-{number}", number)
        cache._cull()  # as about one write in CULL_EVERY does
    assert cache.entry_count() <= 10
    assert cache.get("entry-29") == 29 and cache.get("entry-0") is None
    assert cache.delete("entry-29") and cache.get("entry-29") is None
    cache.clear()
    assert cache.entry_count() == 0


def test_a_cache_file_from_before_the_expiry_index_gets_it_and_its_zlib_entries_still_read(tmp_path):
    """A file written by the earlier code (no index on the expiry times, large values compressed
    with zlib) is opened as it is: the index is added, its values read, and the cull finds the
    expired entries by the index rather than reading the whole file."""
    import pickle
    import sqlite3
    import zlib

    (tmp_path / "shared").mkdir()
    old = sqlite3.connect(tmp_path / "shared" / "entries.sqlite3", isolation_level=None)
    old.execute(
        "CREATE TABLE entries (key TEXT PRIMARY KEY, expires REAL, compressed INTEGER NOT NULL, value BLOB NOT NULL)"
    )
    cache = backend(tmp_path)
    big = {"text": "模型的数据质量" * 10_000}
    old.execute(
        "INSERT INTO entries VALUES (?, NULL, 1, ?)",
        (cache.make_and_validate_key("old"), zlib.compress(pickle.dumps(big), 1)),
    )
    old.close()
    assert cache.get("old") == big
    cache.set("new", big)
    assert backend(tmp_path).get("new") == big
    plan = " ".join(
        row[-1] for row in cache._connection().execute("EXPLAIN QUERY PLAN DELETE FROM entries WHERE expires <= 1")
    )
    assert "entries_expires" in plan


def test_a_damaged_or_locked_file_is_a_miss_not_an_error(tmp_path):
    """The cache is never a source: a file another writer holds locked, or one that is not a
    database at all, makes reads miss and writes be skipped, and the caller computes its value."""
    import sqlite3

    cache = backend(tmp_path)
    cache.set("kept", "value")
    holder = sqlite3.connect(cache.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding the write lock
    cache.set("while-locked", "value")  # skipped after the lock timeout, not raised
    assert cache.get("kept") == "value"  # reads never wait for a writer
    holder.execute("ROLLBACK")
    holder.close()
    assert cache.get("while-locked") is None

    cache._db.close()
    cache._db = None
    for suffix in ("", "-wal", "-shm"):
        cache.path.with_name(cache.path.name + suffix).unlink(missing_ok=True)
    cache.path.write_bytes(b"this is not a database " * 100)
    assert cache.get("kept", "missing") == "missing"
    cache.set("kept", "value")  # no error


def test_a_search_works_while_the_cache_file_is_damaged(archive, settings):
    from pathlib import Path

    location = Path(settings.CACHES["search"]["LOCATION"])
    location.mkdir(parents=True, exist_ok=True)
    (location / "entries.sqlite3").write_bytes(b"this is not a database " * 100)
    assert search(SearchParams(q="daten")).count >= 1


def test_a_damaged_entry_is_a_miss(tmp_path):
    cache = backend(tmp_path)
    cache.set("small", "value")
    cache.set("big", "x" * 100_000)  # compressed
    cache._connection().execute("UPDATE entries SET value = x'00ff00ff'")
    assert cache.get("small", "missing") == "missing" and cache.get("big", "missing") == "missing"


def test_a_slow_value_missed_by_several_workers_at_once_is_computed_by_one(tmp_path):
    """After a write every worker misses the whole archive's counts at once (seconds each at a
    million turns): one computes them, the others wait and read what it kept."""
    import multiprocessing

    from interviews.search import cache

    computed = tmp_path / "computed"
    context = multiprocessing.get_context("fork")
    together = context.Barrier(3)

    def compute():
        with open(computed, "a") as log:
            log.write("x")
        time.sleep(0.5)
        return {"speakers": 42}

    def worker(queue):
        together.wait()
        queue.put(cache.cached("stamp", ("counts", "speakers"), compute, one_at_a_time=True))

    queue = context.Queue()
    workers = [context.Process(target=worker, args=(queue,)) for _ in range(3)]
    for process in workers:
        process.start()
    values = [queue.get(timeout=30) for _ in workers]
    for process in workers:
        process.join(timeout=30)
    assert values == [{"speakers": 42}] * 3
    assert computed.read_text() == "x"


def test_a_worker_stuck_computing_holds_the_others_up_only_so_long(monkeypatch, caplog):
    """The lock saves work and guards nothing: past LOCK_WAIT_S a worker computes anyway."""
    from interviews.search import cache

    monkeypatch.setattr(cache.SearchResultCache, "LOCK_WAIT_S", 0.2)
    request = ("counts", "topics")
    with caches["search"].one_at_a_time(cache.entry_key("stamp", request)):  # held, never let go in time
        assert cache.cached("stamp", request, lambda: "counted", one_at_a_time=True) == "counted"
    assert "still held after 0.2 s; computing anyway" in caplog.text


def test_a_warm_up_computes_a_value_kept_by_another_worker_one_at_a_time_too():
    """Within `recomputing()` (a worker's warm-up) nothing kept is read, with the lock or without."""
    from interviews.search import cache

    cache.cached("stamp", ("counts", "warm"), lambda: "kept by another worker", one_at_a_time=True)
    with cache.recomputing():
        assert cache.cached("stamp", ("counts", "warm"), lambda: "computed", one_at_a_time=True) == "computed"
