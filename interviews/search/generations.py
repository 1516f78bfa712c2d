"""Where the index lives and how it is written: generation directories behind a pointer file,
the rebuild marker and lock, and the codec and merge policy our writers use.

Readers follow the pointer; a rebuild writes a new generation and swaps the pointer atomically
(Haystack's ``clear()`` + ``update()`` left searches empty or partial during a rebuild).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, W3Segment, _lenfield
from whoosh.filedb.filestore import FileStorage
from whoosh.util.numeric import byte_to_length

from interviews.search.analysis import ANALYSIS_VERSION

POINTER = "CURRENT"
#: A generation's file recording the analysis version (``ANALYSIS_VERSION``) its terms were made with.
ANALYSIS_FILE = "ANALYSIS"
REBUILD_MARKER = "REBUILDING"
GENERATION_PREFIX = "index-"


class _LengthsReader(W3PerDocReader):
    """Whoosh's per-document reader, remembering which length columns a segment lacks and what
    the ones it has hold.

    When a writer flushes a segment it looks up each posting's field length; for a field with no
    length column in that segment (ID and keyword fields, a language absent from the batch)
    Whoosh asks the file system again for every posting, never caching the answer. Measured in
    `manage.py bench --profile` at 20,000 turns: 588,000 stat calls, 7 s of 87 s of index time.
    """

    def has_column(self, fieldname):
        known = self.__dict__.setdefault("_has_column", {})
        if fieldname not in known:
            known[fieldname] = super().has_column(fieldname)
        return known[fieldname]

    def doc_field_length(self, docnum, fieldname, default=0):
        """Whoosh's answer, from each length column read once into memory: Whoosh reads the file
        again for every posting (measured in `manage.py bench --profile` at 20,000 turns: 2 million
        reads, 15 of 302 s)."""
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        loaded = self.__dict__.setdefault("_lengths", {})
        if fieldname not in loaded:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            loaded[fieldname] = None if reader is None else reader.load()
        lengths = loaded[fieldname]
        if lengths is None:
            return default
        lbyte = lengths[docnum] if docnum < len(lengths) else 0
        return byte_to_length(lbyte) if lbyte else None


class WriterCodec(W3Codec):
    """The default codec for our writers, with `_LengthsReader` for flushing. The files written
    are the default codec's, and segments record the plain `W3Codec`, so readers never depend
    on this class (a pickled reference to it in the index would tie the index to this module)."""

    def per_document_reader(self, storage, segment):
        return _LengthsReader(storage, segment)

    def new_segment(self, storage, indexname):
        return W3Segment(W3Codec(), indexname)


#: A commit outside a bulk load merges at most this many turns' segments, and only once this many
#: segments are small enough to merge. Whoosh's own policy (MERGE_SMALL) merges every segment up to
#: a point that grows with the number of segments: measured in the 1M-turn bench, one commit merged
#: for 15 minutes (at 667,000 turns). In an upload's request that is past gunicorn's timeout (120 s), and
#: the index work left pending would set the same merge off again in the next process. Merging
#: costs about 1.3 ms per turn here: 20,000 turns is some 26 s.
MAX_MERGE_TURNS = 20_000
MERGE_FACTOR = 10


def segments_to_merge(sizes: list[int], *, max_turns: int | None = None, factor: int | None = None) -> list[int]:
    """Indexes into ``sizes`` (documents per segment) of the segments a commit should merge: the
    smallest ones, as many as fit in ``max_turns`` together, if there are at least ``factor`` of
    them; else none. Segments only grow by merging, so each turn is merged a few times at most."""
    max_turns = MAX_MERGE_TURNS if max_turns is None else max_turns
    factor = MERGE_FACTOR if factor is None else factor
    chosen, total = [], 0
    for i in sorted(range(len(sizes)), key=lambda i: sizes[i]):
        if total + sizes[i] > max_turns:
            break
        chosen.append(i)
        total += sizes[i]
    return chosen if len(chosen) >= factor else []


def bounded_merge(writer, segments):
    """A Whoosh merge policy (``commit(mergetype=...)``) by `segments_to_merge`."""
    return _merge_chosen(writer, segments, segments_to_merge([s.doc_count_all() for s in segments]))


#: A bulk load (``manage.py ingest`` of many files, one commit per ~5,000 turns) merges segments in
#: tiers of similar size: tier t holds segments of BULK_TIER_BASE x BULK_MERGE_FACTOR^(t-1) up to
#: BULK_TIER_BASE x BULK_MERGE_FACTOR^t turns (tier 0 the smaller ones). Once a tier holds
#: BULK_MERGE_FACTOR segments, a commit merges its smallest, as many as fit in BULK_MAX_MERGE_TURNS,
#: one merge per commit. Nothing larger is merged during the load, so no commit pauses the load for
#: minutes: Whoosh's MERGE_SMALL merges every segment below a size that grows with their number,
#: and measured in the 1M-turn bench one such commit rewrote most of the index for 10-15 minutes
#: (at 667,000 turns). The bound keeps the longest commit under a minute: a merge commit also
#: writes its own batch, and at 30,000 turns (five ~5,500-turn segments) it took 71 s in the
#: 100k-turn bench; at 15,000 it merges two (11,000 turns), and fewer turns in all (at 100,000
#: turns 66,000 merged where 30,000 merged 82,500; counted by replaying the policy on the bench's
#: commit sizes). A fast load commits 10,000 turns at a time, and two such segments exceed the
#: bound, so they are left as they are: the bench's 1,000,000-turn load ended with 100 segments,
#: most of 9,000-10,000 turns (7 December 2026). They are compacted into one afterwards by
#: ``manage.py rebuild_index``, which shows its progress and keeps searches complete while it runs.
BULK_TIER_BASE = 1_000
BULK_MERGE_FACTOR = 5
BULK_MAX_MERGE_TURNS = 15_000


def tier(size: int, *, base: int | None = None, factor: int | None = None) -> int:
    """The tier of a segment of ``size`` documents (see BULK_TIER_BASE)."""
    base = BULK_TIER_BASE if base is None else base
    factor = BULK_MERGE_FACTOR if factor is None else factor
    level, bound = 0, base
    while size >= bound:
        level, bound = level + 1, bound * factor
    return level


def tiered_segments_to_merge(
    sizes: list[int], *, max_turns: int | None = None, factor: int | None = None, base: int | None = None
) -> list[int]:
    """Indexes into ``sizes`` (documents per segment) of the segments a bulk load's commit should
    merge: in the lowest tier that holds at least ``factor`` segments, its smallest ones, as many
    as fit in ``max_turns`` together (two at least); else none."""
    max_turns = BULK_MAX_MERGE_TURNS if max_turns is None else max_turns
    factor = BULK_MERGE_FACTOR if factor is None else factor
    tiers: dict[int, list[int]] = {}
    for i in sorted(range(len(sizes)), key=lambda i: sizes[i]):
        tiers.setdefault(tier(sizes[i], base=base, factor=factor), []).append(i)
    for level in sorted(tiers):
        members = tiers[level]
        if len(members) < factor:
            continue
        chosen, total = [], 0
        for i in members[:factor]:
            if total + sizes[i] > max_turns:
                break
            chosen.append(i)
            total += sizes[i]
        if len(chosen) >= 2:
            return chosen
    return []


def tiered_merge(writer, segments):
    """A Whoosh merge policy (``commit(mergetype=...)``) for bulk loads, by `tiered_segments_to_merge`."""
    return _merge_chosen(writer, segments, tiered_segments_to_merge([s.doc_count_all() for s in segments]))


def _merge_chosen(writer, segments, chosen):
    from whoosh.reading import SegmentReader

    chosen = set(chosen)
    for i in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, segments[i])
        writer.add_reader(reader)
        reader.close()
    return [s for i, s in enumerate(segments) if i not in chosen]


class IndexLocked(Exception):
    """The index's write lock stayed held by another writer for the whole timeout."""


class RebuildRunning(Exception):
    """Another process is already rebuilding the index."""


# --- Where the index lives: generations and the pointer ------------------------------------------


class IndexLocation:
    """``base/CURRENT`` names the live generation directory ``base/index-…``.

    Readers stat the pointer before each search and follow it when it changes; a rebuild writes a
    new generation and replaces the pointer with ``os.replace`` (atomic on POSIX). The previous
    generation is kept until the next rebuild, so a process still reading it is not cut off.
    """

    def __init__(self, base):
        self.base = Path(base)
        self.pointer = self.base / POINTER
        self.marker = self.base / REBUILD_MARKER

    def stamp(self):
        try:
            st = os.stat(self.pointer)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def current(self, schema) -> Path:
        """The live generation, creating an empty one on first use."""
        try:
            return self._read_pointer()
        except FileNotFoundError:
            pass
        self.base.mkdir(parents=True, exist_ok=True)
        with self._lock():
            try:
                return self._read_pointer()
            except FileNotFoundError:
                path = self.new_generation(schema)
                self.swap(path)
                return path

    def _read_pointer(self) -> Path:
        name = self.pointer.read_text(encoding="utf-8").strip()
        if not name or "/" in name or not name.startswith(GENERATION_PREFIX):
            raise FileNotFoundError(self.pointer)
        path = self.base / name
        if not path.is_dir():
            raise FileNotFoundError(path)
        return path

    def new_generation(self, schema) -> Path:
        name = f"{GENERATION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
        path = self.base / name
        path.mkdir(parents=True)
        FileStorage(str(path)).create_index(schema)
        (path / ANALYSIS_FILE).write_text(f"{ANALYSIS_VERSION}\n", encoding="utf-8")
        return path

    @staticmethod
    def analysis_version(path: Path) -> int:
        """The analysis version a generation was built with; 1 for one older than the file."""
        try:
            return int((Path(path) / ANALYSIS_FILE).read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return 1

    def swap(self, path: Path) -> None:
        try:
            previous = self._read_pointer().name
        except FileNotFoundError:
            previous = None
        tmp = self.base / f".{POINTER}.{os.getpid()}.{secrets.token_hex(3)}"
        tmp.write_text(path.name + "\n", encoding="utf-8")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.pointer)
        dir_fd = os.open(self.base, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        # Keep the previous generation (a process may still be reading it) and one being built.
        keep = {path.name, previous, self._building()}
        for old in self.base.iterdir():
            if old.is_dir() and old.name.startswith(GENERATION_PREFIX) and old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def _building(self):
        try:
            fields = self.marker.read_text().split()
        except FileNotFoundError:
            return None
        return fields[2] if len(fields) > 2 and self.rebuild_running() else None

    def mark_building(self, path: Path) -> None:
        """Name the generation a rebuild is writing, so that nothing removes it meanwhile."""
        if self.marker.exists():
            pid, started = self.marker.read_text().split()[:2]
            if int(pid) == os.getpid():
                self.marker.write_text(f"{pid} {started} {path.name}\n")

    @contextmanager
    def _lock(self):
        with open(self.base / ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # A rebuild announces itself so that index writers keep their outbox rows until it is done.

    def rebuild_running(self) -> bool:
        try:
            pid = int(self.marker.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False  # a rebuild that died; its marker means nothing
        except PermissionError:
            pass
        return True

    @contextmanager
    def rebuilding(self):
        self.base.mkdir(parents=True, exist_ok=True)
        with self._lock():
            if self.rebuild_running():
                raise RebuildRunning(f"another rebuild is running (pid {self.marker.read_text().split()[0]})")
            self.marker.write_text(f"{os.getpid()} {time.time():.0f}\n")
        try:
            yield
        finally:
            self.marker.unlink(missing_ok=True)
