"""Haystack's Whoosh backend, tuned for this archive.

Haystack stays the interface (SearchIndex, SearchQuerySet, narrow/facet/order_by); this subclass
changes what Whoosh does underneath, each change for a measured reason (see
/work/shared/notes/haystack-whoosh.md and README "Search"):

- Schema: every field says which Whoosh field it is. Text fields carry their language's analyzer;
  facet fields are un-tokenised IDs backed by a column (Haystack's default makes them stemmed
  TEXT, so "Dr. Anna Wang" became the facets "dr", "anna", "wang").
- One persistent searcher per thread, refreshed with ``searcher.refresh()`` before each search:
  a commit by another process is seen on the next query; nothing is reopened when nothing changed.
  Segments are written non-compound, so a refresh opens files instead of copying them into memory.
- Facets, filters and date sorting use per-segment numpy arrays read once from the columns (cached
  by segment id, so an ingest only reads its own new segment). Whoosh's own facet and sort
  collectors call Python code for every matching document: 111 ms for facets over 10k documents
  against 13 ms this way. Facet counts for a field ignore the narrow queries on that same field
  (multi-select faceting: ticking one speaker still shows the others with their counts).
- No ``django_ct`` narrow query, no spelling suggestion unless a search found nothing.
- The index lives in a generation directory named by a pointer file; rebuilds build a new
  generation and swap the pointer atomically (Haystack's ``clear()`` + ``update()`` left searches
  empty or partial during a rebuild).
- Writes wait for the lock for a bounded time and raise ``IndexLocked`` instead of silently losing
  a delete (Haystack's ``remove()`` fails at once and, with ``SILENTLY_FAIL``, says nothing).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.utils.encoding import force_str
from haystack import indexes
from haystack.backends import BaseEngine
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.models import SearchResult
from whoosh import collectors
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import writing as whoosh_writing
from whoosh.analysis import IDAnalyzer
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3Segment
from whoosh.fields import ID as WHOOSH_ID
from whoosh.fields import KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.qparser import AndGroup, QueryParser

POINTER = "CURRENT"
REBUILD_MARKER = "REBUILDING"
GENERATION_PREFIX = "index-"


class _LengthsReader(W3PerDocReader):
    """Whoosh's per-document reader, remembering which length columns a segment lacks.

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
    from whoosh.reading import SegmentReader

    chosen = set(segments_to_merge([s.doc_count_all() for s in segments]))
    for i in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, segments[i])
        writer.add_reader(reader)
        reader.close()
    return [s for i, s in enumerate(segments) if i not in chosen]


class IndexLocked(Exception):
    """The index's write lock stayed held by another writer for the whole timeout."""


class RebuildRunning(Exception):
    """Another process is already rebuilding the index."""


# --- Field declarations ---------------------------------------------------------------------------
# Each knows the Whoosh field it becomes; build_schema() asks it instead of guessing from the type.


class AnalyzedTextField(indexes.CharField):
    """Full text analysed with a given Whoosh analyzer (one per language)."""

    def __init__(self, *, analyzer, phrase=True, **kwargs):
        kwargs.setdefault("stored", False)
        super().__init__(analyzer=analyzer, **kwargs)
        self.phrase = phrase

    def whoosh_field(self):
        return TEXT(analyzer=self.analyzer, phrase=self.phrase, stored=self.stored)


class ExactField(indexes.CharField):
    """An un-tokenised value (slug, code, ISO date) with a column: for facets, filters and sorting."""

    def __init__(self, *, unique=False, **kwargs):
        # Engines that only read ``analyzer`` (Haystack's stock Whoosh backend) keep the value whole
        # too; Solr and Elasticsearch get string/keyword fields from interviews/search_schema.py.
        kwargs.setdefault("analyzer", IDAnalyzer())
        super().__init__(**kwargs)
        self.unique = unique

    def whoosh_field(self):
        return WHOOSH_ID(stored=self.stored, unique=self.unique, sortable=True)


class ExactListField(indexes.MultiValueField):
    """Several un-tokenised values (e.g. topic slugs); faceted from the postings."""

    def whoosh_field(self):
        return KEYWORD(stored=self.stored, commas=True, lowercase=False, scorable=False)


class NumberField(indexes.IntegerField):
    """An integer with a column, for sorting (e.g. a turn's position in its transcript)."""

    def whoosh_field(self):
        return NUMERIC(numtype=int, bits=32, stored=self.stored, sortable=True)


class StoredField(indexes.CharField):
    """Shown in results, never searched."""

    def __init__(self, **kwargs):
        super().__init__(indexed=False, stored=True, **kwargs)

    def whoosh_field(self):
        return STORED()


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
        return path

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


# --- Columns as numpy arrays ----------------------------------------------------------------------

_SEGMENT_CACHE: OrderedDict = OrderedDict()
_SEGMENT_CACHE_LOCK = threading.Lock()
_SEGMENT_CACHE_SIZE = 256


class _SegmentColumns:
    """The values of one immutable segment: per field a sorted vocabulary and a code per document.

    Cached across searchers, so it keeps no reader: Whoosh's ``refresh()`` closes the reader that
    first saw a segment, and a field first asked for later (date order after relevance searches)
    would then be read from a closed reader (``ReaderClosed``). Each call reads from the caller's
    reader, which belongs to the searcher in use and is open."""

    def __init__(self, size):
        self.size = size
        self._fields = {}

    def single(self, reader, fieldname):
        if fieldname not in self._fields:
            column = reader.column_reader(fieldname, translate=True)
            values = list(column) if self.size else []
            vocab = sorted({v for v in values if v not in ("", None)})
            index = {v: i for i, v in enumerate(vocab)}
            codes = np.fromiter((index.get(v, -1) for v in values), dtype=np.int32, count=len(values))
            self._fields[fieldname] = (vocab, codes)
        return self._fields[fieldname]

    def multi(self, reader, fieldname):
        if fieldname not in self._fields:
            vocab, rows = [], []
            for btext in reader.lexicon(fieldname):
                ids = np.fromiter(reader.postings(fieldname, btext).all_ids(), dtype=np.int64)
                row = np.zeros(self.size, dtype=bool)
                row[ids] = True
                vocab.append(btext.decode("utf-8"))
                rows.append(row)
            matrix = np.array(rows, dtype=bool).reshape(len(rows), self.size)
            self._fields[fieldname] = (vocab, matrix)
        return self._fields[fieldname]


def _segment_columns(leaf_reader):
    segment = leaf_reader.segment()
    key = (str(leaf_reader.storage().folder) if hasattr(leaf_reader.storage(), "folder") else "", segment.segment_id())
    with _SEGMENT_CACHE_LOCK:
        cached = _SEGMENT_CACHE.get(key)
        if cached is not None:
            _SEGMENT_CACHE.move_to_end(key)
            return cached
    cached = _SegmentColumns(leaf_reader.doc_count_all())
    with _SEGMENT_CACHE_LOCK:
        _SEGMENT_CACHE[key] = cached
        while len(_SEGMENT_CACHE) > _SEGMENT_CACHE_SIZE:
            _SEGMENT_CACHE.popitem(last=False)
    return cached


class Columns:
    """Column values of a whole reader (all its segments) as global numpy arrays."""

    def __init__(self, reader, single_fields, multi_fields):
        leaves = [(r, offset) for r, offset in reader.leaf_readers() if r.doc_count_all()]  # skip EmptyReader
        self.leaves = [(_segment_columns(r), r, offset) for r, offset in leaves]
        self.size = reader.doc_count_all()
        self.single_fields = set(single_fields)
        self.multi_fields = set(multi_fields)
        self.live = np.ones(self.size, dtype=bool)
        for r, offset in leaves:
            deleted = list(r.segment().deleted_docs()) if r.has_deletions() else []
            if deleted:
                self.live[np.asarray(deleted, dtype=np.int64) + offset] = False
        self._merged = {}

    def _merge(self, fieldname, multi):
        if fieldname in self._merged:
            return self._merged[fieldname]
        parts = [
            (segcols.multi(r, fieldname) if multi else segcols.single(r, fieldname)) for segcols, r, _ in self.leaves
        ]
        vocab = sorted(set().union(*(set(v) for v, _ in parts))) if parts else []
        index = {v: i for i, v in enumerate(vocab)}
        if multi:
            matrix = np.zeros((len(vocab), self.size), dtype=bool)
            for (seg_vocab, seg_matrix), (segcols, _, offset) in zip(parts, self.leaves):
                for row, value in enumerate(seg_vocab):
                    matrix[index[value], offset : offset + segcols.size] = seg_matrix[row]
            merged = (vocab, index, matrix)
        else:
            codes = np.full(self.size, -1, dtype=np.int32)
            for (seg_vocab, seg_codes), (segcols, _, offset) in zip(parts, self.leaves):
                mapping = np.array([index[v] for v in seg_vocab] + [-1], dtype=np.int32)
                codes[offset : offset + segcols.size] = mapping[seg_codes]  # -1 picks the last slot: -1
            merged = (vocab, index, codes)
        self._merged[fieldname] = merged
        return merged

    def vocabulary(self, fieldname):
        return self._merge(fieldname, fieldname in self.multi_fields)[0]

    def mask_for(self, fieldname, values):
        """Documents having any of ``values`` in ``fieldname``."""
        multi = fieldname in self.multi_fields
        _, index, data = self._merge(fieldname, multi)
        codes = [index[v] for v in values if v in index]
        if not codes:
            return np.zeros(self.size, dtype=bool)
        if multi:
            return data[codes].any(axis=0)
        return np.isin(data, codes)

    def counts(self, fieldname, mask):
        """``[(value, count), ...]`` over the documents in ``mask``, most frequent first."""
        multi = fieldname in self.multi_fields
        vocab, _, data = self._merge(fieldname, multi)
        if not vocab:
            return []
        if multi:
            counts = data[:, mask].sum(axis=1)
        else:
            counts = np.bincount(data[mask] + 1, minlength=len(vocab) + 1)[1:]
        found = [(vocab[i], int(counts[i])) for i in np.flatnonzero(counts)]
        return sorted(found, key=lambda item: (-item[1], str(item[0])))

    def sort_key(self, fieldname, docnums, reverse):
        """A key for ``np.lexsort``: value order, missing values last in either direction."""
        _, _, codes = self._merge(fieldname, False)
        key = codes[docnums].astype(np.int64)
        missing = key < 0
        if reverse:
            key = -key
        key[missing] = np.iinfo(np.int64).max
        return key


# --- Queries ---------------------------------------------------------------------------------------


class _EveryScoreCollector(collectors.ScoredCollector):
    """Every matching document with its score, in one pass and without Whoosh's per-hit set and
    sort: facets need the whole hit set anyway, and numpy ranks it."""

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self.docnums = []
        self.scores = []

    def _collect(self, global_docnum, score):
        self.docnums.append(global_docnum)
        self.scores.append(score)
        return 0 - score

    def results(self):
        return np.asarray(self.docnums, dtype=np.int64), np.asarray(self.scores, dtype=np.float64)


def split_negations(q):
    """``(positive, negative)`` parts of a parsed query: ``a NOT b`` -> ``(a, b)``.

    Whoosh evaluates a bare ``Not`` against every document, and a query parsed once per language
    field and OR-ed would turn ``NOT b`` into "not b in German OR not b in Chinese" (everything).
    So exclusions are pulled out, OR-ed across all fields and subtracted once.
    """
    if q is None or q is wq.NullQuery:
        return None, None
    if isinstance(q, wq.Not):
        return None, q.query
    if isinstance(q, wq.AndNot):
        pos, neg = split_negations(q.a)
        return pos, _or(neg, q.b)
    if isinstance(q, wq.And):
        positives, negatives = [], []
        for child in q.subqueries:
            pos, neg = split_negations(child)
            if pos is not None:
                positives.append(pos)
            if neg is not None:
                negatives.append(neg)
        positive = wq.And(positives).normalize() if positives else None
        negative = wq.Or(negatives).normalize() if negatives else None
        return positive, negative
    return q, None


def _or(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return wq.Or([a, b]).normalize()


# --- The backend -------------------------------------------------------------------------------


class ArchiveWhooshBackend(WhooshSearchBackend):
    #: How long a writer waits for another process's commit before giving up (seconds).
    write_lock_timeout = 10.0

    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        if not self.use_file_storage:
            raise SearchBackendError("ArchiveWhooshBackend needs file storage (a PATH).")
        self.location = IndexLocation(self.path)
        self._searcher = None
        self._stamp = None
        self._columns = None

    # Schema

    def setup(self):
        from haystack import connections

        unified = connections[self.connection_alias].get_unified_index()
        self.content_field_name, self.schema = self.build_schema(unified.all_searchfields())
        self.parser = QueryParser(self.content_field_name, schema=self.schema)
        self.text_fields = sorted(
            f.index_fieldname
            for f in unified.all_searchfields().values()
            if isinstance(f, AnalyzedTextField) and not f.document
        )
        # Column-backed fields (facets, filters, sorting) and multi-valued keyword fields.
        self.single_fields = [
            n for n, f in self.schema.items() if isinstance(f, (WHOOSH_ID, NUMERIC)) and f.column_type is not None
        ]
        self.multi_fields = [n for n, f in self.schema.items() if isinstance(f, KEYWORD)]
        self.location.current(self.schema)
        self.setup_complete = True

    def build_schema(self, fields):
        schema_fields = {
            ID: WHOOSH_ID(stored=True, unique=True),
            DJANGO_CT: WHOOSH_ID(stored=True),
            DJANGO_ID: WHOOSH_ID(stored=True),
        }
        content_field_name = ""
        for field in fields.values():
            if hasattr(field, "whoosh_field"):
                schema_fields[field.index_fieldname] = field.whoosh_field()
            else:  # a plain Haystack field: let Haystack decide, as it would without us
                _, single = super().build_schema({field.index_fieldname: field})
                schema_fields[field.index_fieldname] = single[field.index_fieldname]
            if field.document:
                content_field_name = field.index_fieldname
        if not content_field_name:
            raise SearchBackendError("One search field must be marked document=True.")
        return content_field_name, Schema(**schema_fields)

    # Reading

    def open_index(self):
        """The live generation's Whoosh index (follows the pointer)."""
        if not self.setup_complete:
            self.setup()
        path = self.location.current(self.schema)
        return FileStorage(str(path)).open_index(schema=self.schema)

    def searcher(self):
        """The persistent searcher, refreshed: sees every commit made so far by any process."""
        if not self.setup_complete:
            self.setup()
        stamp = self.location.stamp()
        if self._searcher is None or stamp != self._stamp:
            self.close()
            # Stat before opening: if a swap lands in between, the next search sees a new stamp.
            ix = self.open_index()
            self._stamp = stamp
            self._searcher = ix.searcher()
        else:
            self._searcher = self._searcher.refresh()
        return self._searcher

    def columns(self, searcher=None):
        searcher = searcher or self.searcher()
        if self._columns is None or self._columns[0] is not searcher:
            self._columns = (searcher, Columns(searcher.reader(), self.single_fields, self.multi_fields))
        return self._columns[1]

    def close(self):
        if self._searcher is not None:
            try:
                self._searcher.close()
            except Exception:  # closing a searcher whose files a rebuild removed
                pass
        self._searcher = None
        self._columns = None
        self._stamp = None

    def parse_query(self, query_string):
        """``(positive, negative)`` Whoosh queries; positive None means every document."""
        query_string = force_str(query_string).strip()
        if query_string in ("", "*", "*:*"):
            return None, None
        positive_parts, negative_parts = [], []
        # The whole query is parsed once per language field (with that field's analyzer) and the
        # results OR-ed, as analysis.multilingual_query does; the parsers are kept, not rebuilt.
        for parser in self._field_parsers():
            pos, neg = split_negations(parser.parse(query_string))
            if pos is not None:
                positive_parts.append(pos)
            if neg is not None:
                negative_parts.append(neg)
        if not positive_parts and not negative_parts:
            return wq.NullQuery, None  # only stop words: nothing can match
        # DefaultOr: Whoosh's automatic choice for small indexes (< 5,000 documents) pre-reads scores
        # into arrays in pure Python, which took most of a search's time on the seed archive.
        positive = wq.DefaultOr(positive_parts).normalize() if positive_parts else None
        negative = wq.DefaultOr(negative_parts).normalize() if negative_parts else None
        return positive, negative

    def _field_parsers(self):
        if getattr(self, "_parsers", None) is None:
            self._parsers = [QueryParser(name, self.schema, group=AndGroup) for name in self.text_fields]
        return self._parsers

    def _docs_mask(self, searcher, columns, q):
        mask = np.zeros(columns.size, dtype=bool)
        if q is wq.NullQuery:
            return mask
        ids = np.fromiter(searcher.docs_for_query(q), dtype=np.int64)
        mask[ids] = True
        return mask

    def _narrow(self, searcher, columns, narrow_query):
        """``(field or None, mask)``: a narrow on one facet field gets that field's fast path."""
        q = self.parser.parse(force_str(narrow_query))
        leaves = q.subqueries if isinstance(q, wq.Or) else [q]
        if leaves and all(isinstance(leaf, wq.Term) for leaf in leaves):
            fields = {leaf.fieldname for leaf in leaves}
            field = fields.pop() if len(fields) == 1 else None
            if field in columns.multi_fields or (
                field in columns.single_fields and isinstance(self.schema[field], WHOOSH_ID)
            ):
                return field, columns.mask_for(field, [force_str(leaf.text) for leaf in leaves])
        return None, self._docs_mask(searcher, columns, q) & columns.live

    def search(self, query_string, **kwargs):
        try:
            return self._search(query_string, **kwargs)
        except OSError:
            # An index file vanished under an open searcher (a second rebuild removed the generation
            # this process was still reading): reopen from the pointer and try once more.
            self.close()
            return self._search(query_string, **kwargs)

    def _search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        result_class=None,
        **kwargs,
    ):
        if not self.setup_complete:
            self.setup()
        if date_facets or query_facets:
            raise SearchBackendError("ArchiveWhooshBackend supports field facets only.")
        searcher = self.searcher()
        columns = self.columns(searcher)

        positive, negative = self.parse_query(query_string)
        ranked = None  # (docnums, scores) of every hit, when ranking by relevance
        if positive is None:
            hits = columns.live.copy()
            if negative is not None:
                hits &= ~self._docs_mask(searcher, columns, negative)
        else:
            q = positive if negative is None or positive is wq.NullQuery else wq.AndNot(positive, negative)
            if sort_by:
                hits = self._docs_mask(searcher, columns, q)
            elif q is wq.NullQuery:  # only stop words
                ranked = (np.zeros(0, dtype=np.int64), np.zeros(0))
                hits = np.zeros(columns.size, dtype=bool)
            else:
                collector = _EveryScoreCollector()
                searcher.search_with_collector(q, collector)
                ranked = collector.results()
                hits = np.zeros(columns.size, dtype=bool)
                hits[ranked[0]] = True

        narrows = [self._narrow(searcher, columns, nq) for nq in (narrow_queries or ())]
        final = hits.copy()
        for _, mask in narrows:
            final &= mask
        count = int(final.sum())

        facet_counts = {}
        for fieldname in facets or ():
            if fieldname not in columns.single_fields and fieldname not in columns.multi_fields:
                raise SearchBackendError(f"{fieldname!r} is not a facet field of this index.")
            mask = hits.copy()
            for narrowed_field, narrow_mask in narrows:
                if narrowed_field != fieldname:
                    mask &= narrow_mask
            facet_counts[fieldname] = columns.counts(fieldname, mask)

        start = max(0, int(start_offset or 0))
        end = count if end_offset is None else max(start, min(int(end_offset), count))
        page = []  # (docnum, score)
        if start < count:
            if sort_by or positive is None:
                docnums = np.flatnonzero(final)
                if sort_by:
                    keys = []
                    for order in reversed(list(sort_by)):  # np.lexsort: last key is the primary one
                        reverse = order.startswith("-")
                        name = order.lstrip("-")
                        if name not in columns.single_fields:
                            raise SearchBackendError(f"cannot sort by {name!r}: not a column field")
                        keys.append(columns.sort_key(name, docnums, reverse))
                    docnums = docnums[np.lexsort(keys)]
                page = [(int(d), 0.0) for d in docnums[start:end]]
            else:
                docnums, scores = ranked
                order = np.lexsort((docnums, -scores))  # best first; ties in index order
                order = order[final[docnums[order]]]
                page = [(int(docnums[i]), float(scores[i])) for i in order[start:end]]

        suggestion = None
        if count == 0 and (spelling_query or (positive is not None and positive is not wq.NullQuery)):
            suggestion = self.create_spelling_suggestion(spelling_query or query_string)

        return {
            "results": [self._result(searcher, docnum, score, result_class) for docnum, score in page],
            "hits": count,
            "facets": {"fields": facet_counts} if facets else {},
            "spelling_suggestion": suggestion,
        }

    def _result(self, searcher, docnum, score, result_class):
        stored = dict(searcher.stored_fields(docnum))
        app_label, model_name = stored.pop(DJANGO_CT).split(".")
        pk = stored.pop(DJANGO_ID)
        for name in self.multi_fields:
            if name in stored:
                stored[name] = [v for v in stored[name].split(",") if v]
        return (result_class or SearchResult)(app_label, model_name, pk, score, **stored)

    def create_spelling_suggestion(self, query_string):
        """The query with each word missing from the archive replaced by its closest known word.

        None when nothing would change. Words are matched against the surface forms in the
        document field (lower-cased, not stemmed), so a suggestion is something a user can type.
        """
        searcher = self.searcher()
        reader = searcher.reader()
        corrector = reader.corrector(self.content_field_name)
        changed = False
        out = []
        for token in force_str(query_string).split():
            lead = len(token) - len(token.lstrip('-"'))
            trail = len(token) - len(token.rstrip('"'))
            word = token[lead : len(token) - trail] if trail else token[lead:]
            lower = word.lower()
            if (
                lower
                and lower.isalpha()
                and not any("\u3040" <= ch <= "\u9fff" for ch in lower)
                and not reader.frequency(self.content_field_name, lower)
            ):
                for maxdist in (1, 2):
                    found = corrector.suggest(lower, limit=1, maxdist=maxdist, prefix=1)
                    if found:
                        word, changed = found[0], True
                        break
            out.append(token[:lead] + word + (token[len(token) - trail :] if trail else ""))
        return " ".join(out) if changed else None

    # Writing

    @contextmanager
    def writer(self, timeout=None, optimize=False, bulk=False):
        """A writer on the live generation; commits on success, cancels on error.

        Yields an ``IndexWriter`` whose ``path`` attribute is the generation it writes to.
        Raises ``IndexLocked`` if another writer holds the lock for ``timeout`` seconds.
        Merges segments by `bounded_merge` unless ``bulk`` (a command-line bulk load, with no
        request timeout to keep), which lets Whoosh merge as it likes.
        """
        ix = self.open_index()
        try:
            writer = ix.writer(
                timeout=self.write_lock_timeout if timeout is None else timeout,
                delay=0.05,
                compound=False,
                codec=WriterCodec(),
            )
        except LockError:
            raise IndexLocked("the search index is locked by another writer") from None
        writer.path = Path(ix.storage.folder)
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        else:
            writer.commit(optimize=optimize, mergetype=whoosh_writing.MERGE_SMALL if bulk else bounded_merge)

    def document(self, index, obj):
        """The Whoosh document for ``obj``: Haystack's prepared data without empty values."""
        doc = {}
        for key, value in index.full_prepare(obj).items():
            if value is None or value == "" or value == []:
                continue
            if key in self.multi_fields:
                value = ",".join(force_str(v) for v in value)
            elif not isinstance(value, (int, float)):
                value = force_str(value)
            if key in self.schema:
                doc[key] = value
        return doc

    def update(self, index, iterable, commit=True):
        with self.writer() as writer:
            for obj in iterable:
                try:
                    writer.update_document(**self.document(index, obj))
                except SkipDocument:
                    continue

    def remove(self, obj_or_string, commit=True):
        from haystack.utils import get_identifier

        with self.writer() as writer:
            writer.delete_by_term(ID, get_identifier(obj_or_string))

    def clear(self, models=None, commit=True):
        """Empty the index by swapping in a new, empty generation (readers never see half)."""
        if not self.setup_complete:
            self.setup()
        self.location.swap(self.location.new_generation(self.schema))
        self.close()

    def delete_index(self):
        self.clear()

    def optimize(self):
        with self.writer(optimize=True):
            pass

    @contextmanager
    def new_generation_writer(self, limitmb=128):
        """A writer on a fresh generation; on success the pointer is swapped to it."""
        if not self.setup_complete:
            self.setup()
        path = self.location.new_generation(self.schema)
        self.location.mark_building(path)
        ix = FileStorage(str(path)).open_index(schema=self.schema)
        writer = ix.writer(limitmb=limitmb, compound=False, codec=WriterCodec())
        writer.path = path
        try:
            yield writer
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        writer.commit(optimize=True)
        self.location.swap(path)
        self.close()

    def indexed_values(self, fieldname):
        """Every live document's value of a column field: ``[value, ...]`` (with repeats)."""
        searcher = self.searcher()
        values = []
        for leaf, _ in searcher.reader().leaf_readers():
            if not leaf.doc_count_all():
                continue
            column = leaf.column_reader(fieldname, translate=True)
            for docnum, value in enumerate(column):
                if not leaf.is_deleted(docnum):
                    values.append(value)
        return values

    def schema_matches(self):
        """True when the live index was written with the fields this code declares."""
        ix = self.open_index()
        written = whoosh_index.TOC.read(ix.storage, ix.indexname).schema
        return sorted(written.names()) == sorted(self.schema.names())


class ArchiveWhooshEngine(BaseEngine):
    backend = ArchiveWhooshBackend
    query = WhooshSearchQuery
