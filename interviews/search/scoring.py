"""BM25F with each document's field length read once per segment, not once per scored match.

Whoosh's ``BM25FScorer`` asks the segment for the length of the matched document's field on
every match it scores (a seek and a one-byte read in the length column, through four Python
calls): at 100k turns that was two thirds of scoring. ``ArrayBM25F`` scores the same formula
with the same operands, so every score is the same float; only the length normalisation of each
document, ``K1 * ((1 - B) + B * length / average length)``, is computed for a whole segment at
once, from the segment's length column, and kept with the segment's other columns
(``columns.py``) until the average length changes (any commit).
"""

from __future__ import annotations

from math import log

import numpy as np
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3TermInfo
from whoosh.util.numeric import _length_byte_cache

from interviews.search.columns import segment_columns

#: What each segment's terms file says of a term (its ``W3TermInfo``: documents, weights, lengths,
#: where its postings are), or None where the segment does not have it, kept by the process:
#: ``(segment, field, term) -> TermInfo or None``. Whoosh looks a term up in a segment two or three
#: times to build one matcher, and for most terms of a query finds nothing (each word is looked for
#: in every language field). A segment's terms never change once written (deletions are kept
#: apart), and a merge or a new segment has a new segment id, so nothing kept here goes stale.
_TERM_INFOS: dict = {}
TERM_INFOS_KEPT = 50_000  # some 25 MB a worker at most (about 550 bytes a term found)


def term_info(reader, fieldname: str, tbytes: bytes) -> W3TermInfo | None:
    """The ``TermInfo`` of a term in one segment (``reader`` a ``SegmentReader``), None if the
    segment does not have it: one lookup in its terms file, the first time only."""
    key = (getattr(reader._storage, "folder", None), reader._segment.segment_id(), fieldname, tbytes)
    try:
        info = _TERM_INFOS.pop(key)
    except KeyError:
        terms = reader._terms
        if fieldname in terms._fieldmap:  # else the segment has no term of that field at all
            found = terms._tindex.get(terms._keycoder(fieldname, tbytes))
            info = None if found is None else W3TermInfo.from_bytes(found)
        else:
            info = None
        if len(_TERM_INFOS) >= TERM_INFOS_KEPT:
            try:
                del _TERM_INFOS[next(iter(_TERM_INFOS))]  # the least recently used
            except (KeyError, RuntimeError, StopIteration):  # another thread's search got there first
                pass
    _TERM_INFOS[key] = info
    return info


def is_segment(reader) -> bool:
    """Whether ``term_info()`` can read ``reader``: one segment of a Whoosh 3 index on disk."""
    return hasattr(reader, "_segment") and hasattr(getattr(reader, "_terms", None), "_tindex")


# Whoosh keeps a field length in one byte, a logarithmic approximation: byte -> length.
_BYTE_TO_LENGTH = np.asarray(_length_byte_cache, dtype=np.float64)


def length_norms(reader, fieldname: str, avgfl: float, B: float, K1: float) -> np.ndarray:
    """``K1 * ((1 - B) + B * length / avgfl)`` for every document of the segment ``reader``,
    computed as ``scoring.bm25`` computes it. Kept: the length bytes (one a document) and the
    norms of the latest average length (eight bytes a document), per segment and field."""
    cached = segment_columns(reader)
    key = ("length-norms", fieldname)
    found = cached.extra.get(key)
    if found is not None and found[0] == (avgfl, B, K1):
        return found[1]
    codes = cached.extra.get(("length-bytes", fieldname))
    if codes is None:
        lenfield = f"_{fieldname}_len"  # whoosh.codec.whoosh3._lenfield
        # The lengths are a column of the segment's per-document reader, not of the schema, which
        # is what SegmentReader.doc_field_length() reads too.
        perdoc = reader._perdoc
        if perdoc.has_column(lenfield):
            column = perdoc.column_reader(lenfield, LENGTHS_COLUMN)
            codes = np.fromiter(column, dtype=np.uint8, count=cached.size)
        else:
            codes = np.zeros(cached.size, dtype=np.uint8)
        cached.extra[("length-bytes", fieldname)] = codes
    # The same operations in the same order as scoring.bm25, element by element: the same floats.
    norms = K1 * ((1 - B) + B * _BYTE_TO_LENGTH[codes] / avgfl)
    cached.extra[key] = ((avgfl, B, K1), norms)
    return norms


class ArrayBM25F(scoring.BM25F):
    """``scoring.BM25F``, scoring each match from the segment's precomputed length norms.

    ``scorer()`` takes the term's ``TermInfo`` when the caller has it already (``term_info()``), so
    that building a scorer looks nothing up again; the inverse document frequency adds up the
    segments' kept ``TermInfo``s too."""

    def scorer(self, searcher, fieldname, text, qf=1, terminfo=None):
        if not searcher.schema[fieldname].scorable:
            if terminfo is not None:
                return scoring.WeightScorer(terminfo.max_weight())  # WeightScorer.for_()
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        if not hasattr(searcher.reader(), "_perdoc"):  # not one segment: Whoosh reads each length
            return super().scorer(searcher, fieldname, text, qf=qf)
        B = self._field_B.get(fieldname, self.B)
        return ArrayBM25FScorer(searcher, fieldname, text, B, self.K1, qf=qf, terminfo=terminfo)

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        leaves = [leaf for leaf, _ in parent.reader().leaf_readers()]
        if fieldname not in parent.schema or not all(is_segment(leaf) for leaf in leaves):
            return super().idf(searcher, fieldname, text)
        # Weighting.idf() with its parent.doc_frequency(), the sum of the segments' frequencies.
        tbytes = parent.schema[fieldname].to_bytes(text)
        infos = [term_info(leaf, fieldname, tbytes) for leaf in leaves]
        n = sum(info.doc_frequency() for info in infos if info is not None)
        dc = parent.doc_count_all()
        return log(dc / (n + 1)) + 1


class ArrayBM25FScorer(scoring.BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf=1, terminfo=None):
        if terminfo is None:
            super().__init__(searcher, fieldname, text, B, K1, qf=qf)
        else:  # BM25FScorer.__init__() and setup(), with the TermInfo given
            parent = searcher.get_parent()
            self.idf = parent.idf(fieldname, text)
            self.avgfl = _average_field_length(parent, fieldname) or 1
            self.B, self.K1, self.qf = B, K1, qf
            self.dfl = lambda docid: searcher.doc_field_length(docid, fieldname, 1)
            self._maxquality = self._score(terminfo.max_weight(), terminfo.min_length())
        self.norm_array = length_norms(searcher.reader(), fieldname, self.avgfl, B, K1)
        self._k1_plus_1 = K1 + 1

    def score(self, matcher):
        # scoring.bm25(idf, tf, fl, avgfl, B, K1) with the length term looked up.
        tf = matcher.weight()
        return float(self.idf * ((tf * self._k1_plus_1) / (tf + self.norm_array[matcher.id()])))


def _average_field_length(searcher, fieldname):
    """``searcher.avg_field_length(fieldname)``, computed once per searcher (it adds up every
    segment's total): a searcher reads one version of the index."""
    kept = searcher.__dict__.setdefault("_archive_average_lengths", {})
    if fieldname not in kept:
        kept[fieldname] = searcher.avg_field_length(fieldname)
    return kept[fieldname]
