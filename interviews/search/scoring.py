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

import numpy as np
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.util.numeric import _length_byte_cache

from interviews.search.columns import segment_columns

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
    """``scoring.BM25F``, scoring each match from the segment's precomputed length norms."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        if not hasattr(searcher.reader(), "_perdoc"):  # not one segment: Whoosh reads each length
            return super().scorer(searcher, fieldname, text, qf=qf)
        B = self._field_B.get(fieldname, self.B)
        return ArrayBM25FScorer(searcher, fieldname, text, B, self.K1, qf=qf)


class ArrayBM25FScorer(scoring.BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf=1):
        super().__init__(searcher, fieldname, text, B, K1, qf=qf)
        self.norm_array = length_norms(searcher.reader(), fieldname, self.avgfl, B, K1)
        self._k1_plus_1 = K1 + 1

    def score(self, matcher):
        # scoring.bm25(idf, tf, fl, avgfl, B, K1) with the length term looked up.
        tf = matcher.weight()
        return float(self.idf * ((tf * self._k1_plus_1) / (tf + self.norm_array[matcher.id()])))
