"""Haystack's Whoosh backend, tuned for this archive.

Haystack stays the interface (SearchIndex, SearchQuerySet, narrow/facet/order_by); this subclass
changes what Whoosh does underneath, each change for a measured reason (see
docs/search.md):

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
- Matches and scores: Whoosh builds its matcher tree for a query as usual, but the tree is read
  as arrays (``matching.py``), every match of a segment and its score at once, where Whoosh
  steps through it one document at a time; BM25F reads each segment's field lengths once
  (``scoring.py``). Each term of a query is looked up once per segment (``_Term``), and
  intersections are not stepped to a first match as they are built (``_And``). The scores
  are Whoosh's, float for float.
- No ``django_ct`` narrow query, no spelling suggestion unless a search found nothing.
- The index lives in a generation directory named by a pointer file; rebuilds build a new
  generation and swap the pointer atomically (Haystack's ``clear()`` + ``update()`` left searches
  empty or partial during a rebuild).
- Writes wait for the lock for a bounded time and raise ``IndexLocked`` instead of silently losing
  a delete (Haystack's ``remove()`` fails at once and, with ``SILENTLY_FAIL``, says nothing).
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.utils.encoding import force_str
from haystack.backends import BaseEngine
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.models import SearchResult
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import STOP_WORDS as ENGLISH_STOP_WORDS
from whoosh.fields import ID as WHOOSH_ID
from whoosh.fields import KEYWORD, NUMERIC, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.matching import FilterMatcher, NullMatcher, WrappingMatcher
from whoosh.qparser import AndGroup, QueryParser

from interviews import languages
from interviews.search import query_syntax
from interviews.search.analysis import ANALYSIS_VERSION
from interviews.search.columns import Columns
from interviews.search.fields import AnalyzedTextField
from interviews.search.generations import IndexLocation, IndexLocked, WriterCodec, bounded_merge, tiered_merge
from interviews.search.german import GERMAN_STOPWORDS
from interviews.search.matching import (
    DeferredAndNot,
    DeferredIntersection,
    EveryScoreCollector,
    keep_postings,
    matching_docnums,
    segment_deleted,
)
from interviews.search.scoring import ArrayBM25F, is_segment, term_info

#: The memory a bulk load's writer may give its postings before Whoosh writes them to disk in
#: sorted runs and merges those back at the commit (pickling and unpickling every posting). Whoosh's
#: default, 128 MB by its estimate of ~130 bytes a posting, is reached at ~10,000 turns, the bulk
#: load's largest commit (measured: 20,000 turns in two commits, 37 s of CPU against 57 s with the
#: default; the process's peak memory 447 MB against 383 MB).
BULK_POOL_MB = 512

# --- Queries ---------------------------------------------------------------------------------------


# English and German stop words: dropped from every query, so suggesting one finds nothing.
_NEVER_SUGGESTED = frozenset(ENGLISH_STOP_WORDS) | GERMAN_STOPWORDS


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


class _Term(wq.Term):
    """Whoosh's Term, looking itself up once in each segment.

    To build a term's matcher Whoosh looks the term up in the segment's terms file three times
    (whether it is there, the scorer's statistics, where its postings are) and again for its size,
    which shapes the query's matcher tree (asked twice or more); most of a query's terms are in no
    segment at all (each word is looked for in every language field). Here one ``TermInfo``
    (``scoring.term_info``, kept by the process) answers all of these. The matchers, their scorers
    and sizes, so the trees and the scores, are those Whoosh builds. Made by ``_looked_up_once``
    from a parsed query."""

    def _info(self, reader):
        """``(term bytes, TermInfo or None)`` in the segment ``reader``; None if not a segment
        or not a term of this schema (Whoosh's own way then). Asked several times per segment
        (the matcher, then the size at each level of the tree): answered by the query itself
        after the first, as a query lives for one search."""
        found = self.__dict__.setdefault("_found", {})
        key = (id(reader), self.fieldname, self.text)  # a copy (Term.replace) shares the dict
        if key not in found:
            found[key] = self._look_up(reader)
        return found[key]

    def _look_up(self, reader):
        if not is_segment(reader) or self.fieldname not in reader.schema:
            return None
        try:
            tbytes = reader.schema[self.fieldname].to_bytes(self.text)
        except ValueError:
            return None
        return tbytes, term_info(reader, self.fieldname, tbytes)

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        weighting = (searcher.weighting if context is None else context.weighting) or searcher.weighting
        found = self._info(reader) if isinstance(weighting, ArrayBM25F) else None
        if found is None:
            return super().matcher(searcher, context)
        tbytes, info = found
        if info is None:
            return NullMatcher()
        # Term.matcher() -> Searcher.postings() -> SegmentReader.postings(), with the TermInfo found.
        fieldname = self.fieldname
        scorer = weighting.scorer(searcher, fieldname, tbytes, terminfo=info)
        terms = reader._terms
        m = terms._codec.postings_reader(
            terms._postfile, info, reader.schema[fieldname].format, term=(fieldname, tbytes), scorer=scorer
        )
        keep_postings(m, (getattr(reader._storage, "folder", None), reader._segment.segment_id(), fieldname, tbytes))
        deleted, deleted_sorted = segment_deleted(reader)
        if deleted:
            m = FilterMatcher(m, deleted, exclude=True)
            m.sorted_ids = deleted_sorted  # for evaluate(): Whoosh's matcher only needs the set
        if self.minquality:
            m.set_min_quality(self.minquality)
        if self.boost != 1.0:
            m = WrappingMatcher(m, boost=self.boost)
        return m

    def estimate_size(self, ixreader):
        found = self._info(ixreader)
        if found is None:
            return super().estimate_size(ixreader)
        info = found[1]
        return 0 if info is None else info.doc_frequency()


class _And(wq.And):
    """Whoosh's And, its intersections built without looking for their first match
    (``matching.DeferredIntersection``): the same tree, shaped by the same sizes."""

    def _matcher(self, subs, searcher, context):
        r = searcher.reader()
        return self._tree_matcher(subs, DeferredIntersection, searcher, context, lambda q: 0 - q.estimate_size(r))


class _AndNot(wq.AndNot):
    """Whoosh's AndNot, built without looking for its first match (``matching.DeferredAndNot``)."""

    def matcher(self, searcher, context=None):
        return DeferredAndNot(self.a.matcher(searcher, context), self.b.matcher(searcher, searcher.boolean_context()))


def _looked_up_once(q):
    """``q`` with its terms made ``_Term`` and its intersections ``_And``, in place. In place,
    not rebuilt: rebuilding a Whoosh query tree (``accept``) drops some nodes' settings, and a
    parser given another term class no longer merges a term with the same term written as a
    one-word phrase."""
    if q is None or q is wq.NullQuery:
        return q
    nodes = [q]
    while nodes:
        node = nodes.pop()
        if type(node) is wq.Term:
            node.__class__ = _Term
        elif type(node) is wq.And:
            node.__class__ = _And
        elif type(node) is wq.AndNot:
            node.__class__ = _AndNot
        if not isinstance(node, _Term):  # a phrase's words are looked up by the phrase's own terms
            nodes.extend(node.children())
    return q


# --- The backend -------------------------------------------------------------------------------


def _listing_version(directory):
    """``(inode, modification time)`` of a generation's directory, which every commit changes (it
    writes a new table of contents there); None when that time is too recent to vouch for the
    listing: a file system stamps times in ticks of some milliseconds, so a second commit in the
    same tick as the first would leave the time as it was. Whoosh's ``refresh()`` lists the
    directory to find its latest commit, four times a search; with this, only when it changed."""
    checked = time.time_ns()
    try:
        st = os.stat(directory)
    except OSError:
        return None
    if st.st_mtime_ns > checked - 2_000_000_000:
        return None
    return st.st_ino, st.st_mtime_ns


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
        self._generation = None
        self._columns = None
        self._listed = None

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
            self._generation = ix.storage.folder
            self._searcher = ix.searcher(weighting=ArrayBM25F())
            self._listed = None
        else:
            listed = _listing_version(self._generation)
            if listed is None or listed != self._listed:
                self._searcher = self._searcher.refresh()  # lists the generation's files
                self._listed = listed
        return self._searcher

    def index_stamp(self) -> str:
        """The version of the index a search now reads: the live generation and its last commit.
        Any commit by any process, and any swap, changes it."""
        searcher = self.searcher()
        return f"{self._generation}@{searcher.reader().generation()}"

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
        self._generation = None

    def parse_query(self, query_string):
        """``(positive, negative)`` Whoosh queries; positive None means every document."""
        query_string = force_str(query_string).strip()
        if query_string in ("", "*", "*:*"):
            return None, None
        positive_parts, negative_parts = [], []
        # The whole query is parsed once per language field (with that field's analyzer) and the
        # results OR-ed, as analysis.multilingual_query does; the parsers are kept, not rebuilt.
        # A query of the syntax the archive writes is read once, not by Whoosh's parser, into the
        # tree that parser makes (query_syntax.py); each field's parser makes its query of it.
        tree = query_syntax.read(query_string, self.schema, AndGroup)
        for parser in self._field_parsers():
            parsed = parser.parse(query_string) if tree is None else query_syntax.query_for(tree, parser)
            pos, neg = split_negations(parsed)
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
        return _looked_up_once(positive), _looked_up_once(negative)

    def _field_parsers(self):
        if getattr(self, "_parsers", None) is None:
            self._parsers = [QueryParser(name, self.schema, group=AndGroup) for name in self.text_fields]
        return self._parsers

    def _docs_mask(self, searcher, columns, q):
        mask = np.zeros(columns.size, dtype=bool)
        if q is wq.NullQuery:
            return mask
        mask[matching_docnums(searcher, q)] = True
        return mask

    def _narrow(self, searcher, columns, narrow_query):
        """``(field or None, mask)``: a narrow on one facet field gets that field's fast path."""
        q = query_syntax.parsed(self.parser, force_str(narrow_query))  # field:"value" OR ...
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
        narrows = [self._narrow(searcher, columns, nq) for nq in (narrow_queries or ())]
        hits, ranked = self._hits(searcher, columns, positive, negative, ranked=not sort_by)
        final = self._final(hits, narrows)
        count = int(final.sum())
        facet_counts = {fieldname: self._facet_count(columns, fieldname, hits, narrows) for fieldname in facets or ()}

        start = max(0, int(start_offset or 0))
        end = count if end_offset is None else max(start, min(int(end_offset), count))
        page = self._page(columns, final, ranked, sort_by, start, end) if start < count else []

        suggestion = None
        if count == 0 and (spelling_query or (positive is not None and positive is not wq.NullQuery)):
            suggestion = self.create_spelling_suggestion(spelling_query or query_string)

        return {
            "results": [self._result(searcher, docnum, score, result_class) for docnum, score in page],
            "hits": count,
            "facets": {"fields": facet_counts} if facets else {},
            "spelling_suggestion": suggestion,
        }

    def _hits(self, searcher, columns, positive, negative, *, ranked):
        """``(mask of every hit, (docnums, scores) or None)``; scores only when ``ranked`` and
        the query has words to rank by."""
        if positive is None:
            hits = columns.live.copy()
            if negative is not None:
                hits &= ~self._docs_mask(searcher, columns, negative)
            return hits, None
        q = positive if negative is None or positive is wq.NullQuery else _AndNot(positive, negative)
        if not ranked:
            return self._docs_mask(searcher, columns, q), None
        hits = np.zeros(columns.size, dtype=bool)
        if q is wq.NullQuery:  # only stop words
            return hits, (np.zeros(0, dtype=np.int64), np.zeros(0))
        collector = EveryScoreCollector()
        searcher.search_with_collector(q, collector)
        docnums, scores = collector.results()
        hits[docnums] = True
        return hits, (docnums, scores)

    @staticmethod
    def _final(hits, narrows):
        """The hits every narrow keeps."""
        final = hits.copy()
        for _, mask in narrows:
            final &= mask
        return final

    def ranked_keys(self, query_string, narrow_queries=(), limit=None, facets=()):
        """``(keys, count, facet counts)``: the ``key`` of every hit, best first (at most
        ``limit``), from the key column rather than the stored fields; how many hits there are;
        and the facet counts as ``search()`` gives them. One scored search."""
        if not self.setup_complete:
            self.setup()
        searcher = self.searcher()
        columns = self.columns(searcher)
        positive, negative = self.parse_query(query_string)
        narrows = [self._narrow(searcher, columns, nq) for nq in narrow_queries]
        hits, ranked = self._hits(searcher, columns, positive, negative, ranked=True)
        final = self._final(hits, narrows)
        count = int(final.sum())
        facet_counts = {fieldname: self._facet_count(columns, fieldname, hits, narrows) for fieldname in facets}
        page = self._page(columns, final, ranked, None, 0, count if limit is None else min(limit, count))
        return columns.values_at("key", [docnum for docnum, _ in page]), count, facet_counts

    def results_for_keys(self, keys, result_class=None):
        """The stored results of the documents with these keys, in that order (no scores)."""
        searcher = self.searcher()
        out = []
        for key in keys:
            docnum = searcher.document_number(key=key)
            if docnum is not None:
                out.append(self._result(searcher, docnum, 0.0, result_class))
        return out

    def _facet_count(self, columns, fieldname, hits, narrows):
        """Counts over the hits narrowed by every narrow except those on ``fieldname`` itself."""
        if fieldname not in columns.single_fields and fieldname not in columns.multi_fields:
            raise SearchBackendError(f"{fieldname!r} is not a facet field of this index.")
        mask = hits.copy()
        for narrowed_field, narrow_mask in narrows:
            if narrowed_field != fieldname:
                mask &= narrow_mask
        return columns.counts(fieldname, mask)

    def _page(self, columns, final, ranked, sort_by, start, end):
        """``[(docnum, score), ...]`` of one page: by ``sort_by``, by score, or in index order."""
        if ranked is not None:
            docnums, scores = ranked  # in index order
            kept = final[docnums]
            docnums, scores = docnums[kept], scores[kept]
            if end <= start:
                return []
            if end < len(docnums):
                # Only the first ``end`` are ordered: those scoring at least the end-th best score
                # (ties at that score included, so ties stay in index order as a full sort leaves them).
                threshold = np.partition(scores, len(scores) - end)[len(scores) - end]
                candidates = np.flatnonzero(scores >= threshold)
            else:
                candidates = np.arange(len(docnums))
            order = candidates[np.argsort(-scores[candidates], kind="stable")]  # best first; ties in index order
            return [(int(docnums[i]), float(scores[i])) for i in order[start:end]]
        if sort_by:
            for name in sort_by:
                if name.lstrip("-") not in columns.single_fields:
                    raise SearchBackendError(f"cannot sort by {name.lstrip('-')!r}: not a column field")
            order = columns.order(tuple(sort_by))
            docnums = order[final[order]]
        else:
            docnums = np.flatnonzero(final)
        return [(int(d), 0.0) for d in docnums[start:end]]

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
                and not languages.has_cjk(lower)  # edit distances say nothing about CJK words
                and not reader.frequency(self.content_field_name, lower)
            ):
                for maxdist in (1, 2):
                    # A stop word is never a suggestion: "data" -> "das" finds nothing either.
                    found = [
                        w
                        for w in corrector.suggest(lower, limit=5, maxdist=maxdist, prefix=1)
                        if w not in _NEVER_SUGGESTED
                    ]
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
        Merges segments by `bounded_merge`, or by `tiered_merge` if ``bulk`` (a command-line bulk
        load: larger segments, merged in tiers, never more than a bound at once). A bulk load's
        writer keeps its postings in memory (``BULK_POOL_MB``) rather than spilling them to disk.
        """
        ix = self.open_index()
        try:
            writer = ix.writer(
                timeout=self.write_lock_timeout if timeout is None else timeout,
                delay=0.05,
                compound=False,
                codec=WriterCodec(),
                **({"limitmb": BULK_POOL_MB} if bulk else {}),
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
            writer.commit(optimize=optimize, mergetype=tiered_merge if bulk else bounded_merge)

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
        """True when the live index was written with the fields this code declares, and its terms
        with the analysis this code does (``ANALYSIS_VERSION``)."""
        ix = self.open_index()
        written = whoosh_index.TOC.read(ix.storage, ix.indexname).schema
        if sorted(written.names()) != sorted(self.schema.names()):
            return False
        return self.location.analysis_version(ix.storage.folder) == ANALYSIS_VERSION


class ArchiveWhooshEngine(BaseEngine):
    backend = ArchiveWhooshBackend
    query = WhooshSearchQuery
