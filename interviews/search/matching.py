"""Whoosh's matcher trees evaluated with numpy: every match of a segment and its score at once.

Whoosh finds matches by stepping a tree of matchers one document at a time in Python (a union
of two terms asks both for their current document, compares, advances one...), about a tenth
of a millisecond per match at 100k turns, most of a search's time. ``evaluate(matcher)`` reads
the same tree bottom up instead: each term's remaining postings as arrays (a block at a time),
scored by the term's scorer over the whole array, then unions, intersections and exclusions as
array operations. A node adds its children's scores exactly as Whoosh's node does (the same
pairs in the same tree), so every score is the same float and every page the same.

Nodes it does not know (phrases, preloaded unions of small segments, any other) are stepped
through as Whoosh would, and their matches and scores taken as they come: slower, never
different.
"""

from __future__ import annotations

import numpy as np
from whoosh import collectors
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import binary, mcore, wrappers
from whoosh.scoring import WeightScorer

from interviews.search.scoring import ArrayBM25FScorer

_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def evaluate(matcher) -> tuple[np.ndarray, np.ndarray]:
    """``(docnums, scores)`` of every match ``matcher`` has from its current position on, in
    document order: what stepping it to the end and asking each match's score would give.
    Consumes the matcher."""
    if not matcher.is_active():
        return _EMPTY
    kind = type(matcher)
    if kind is W3LeafMatcher:
        return _leaf(matcher)
    if kind is binary.UnionMatcher:
        return _union(evaluate(matcher.a), evaluate(matcher.b))
    if kind is binary.IntersectionMatcher:
        return _intersection(evaluate(matcher.a), evaluate(matcher.b))
    if kind is binary.AndNotMatcher:
        ids, scores = evaluate(matcher.a)
        keep = ~np.isin(ids, evaluate(matcher.b)[0], assume_unique=True)
        return ids[keep], scores[keep]
    if kind is binary.AndMaybeMatcher:
        return _and_maybe(evaluate(matcher.a), evaluate(matcher.b))
    if kind is wrappers.WrappingMatcher:  # a boost
        ids, scores = evaluate(matcher.child)
        return ids, scores * matcher.boost
    if kind is wrappers.FilterMatcher:  # deleted documents left out (or only some let in)
        ids, scores = evaluate(matcher.child)
        listed = np.isin(ids, np.fromiter(matcher._ids, dtype=np.int64, count=len(matcher._ids)))
        keep = ~listed if matcher._exclude else listed
        return ids[keep], scores[keep] * matcher.boost
    if isinstance(matcher, mcore.NullMatcherClass):
        return _EMPTY
    return _step(matcher)


def _step(matcher):
    """Whoosh's own way, for nodes not known here."""
    ids, scores = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        scores.append(matcher.score())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64)


def _leaf(matcher):
    """A term's postings from the current one on, block by block, scored as arrays."""
    scorer = matcher.scorer
    if not isinstance(scorer, (ArrayBM25FScorer, WeightScorer)):
        return _step(matcher)
    id_parts, weight_parts = [], []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        start = matcher._i
        id_parts.append(np.asarray(matcher._ids[start:], dtype=np.int64))
        weight_parts.append(np.asarray(matcher._weights[start:], dtype=np.float64))
        matcher._next_block()
    ids = np.concatenate(id_parts)
    weights = np.concatenate(weight_parts)
    if isinstance(scorer, WeightScorer):
        return ids, weights  # WeightScorer.score() is the weight
    # ArrayBM25FScorer.score(), element by element.
    return ids, scorer.idf * ((weights * scorer._k1_plus_1) / (weights + scorer.norm_array[ids]))


def _union(a, b):
    """UnionMatcher: a document in both scores ``a + b``, one in either its own score."""
    a_ids, a_scores = a
    b_ids, b_scores = b
    if not len(b_ids):
        return a
    if not len(a_ids):
        return b
    ids = np.union1d(a_ids, b_ids)
    scores = np.zeros(len(ids), dtype=np.float64)
    in_a = np.searchsorted(ids, a_ids)
    in_b = np.searchsorted(ids, b_ids)
    scores[in_a] = a_scores
    both = np.zeros(len(ids), dtype=bool)
    both[in_a] = True
    shared = both[in_b]
    scores[in_b[~shared]] = b_scores[~shared]
    scores[in_b[shared]] = scores[in_b[shared]] + b_scores[shared]
    return ids, scores


def _intersection(a, b):
    """IntersectionMatcher: documents in both, scoring ``a + b``."""
    a_ids, a_scores = a
    b_ids, b_scores = b
    ids, in_a, in_b = np.intersect1d(a_ids, b_ids, assume_unique=True, return_indices=True)
    return ids, a_scores[in_a] + b_scores[in_b]


def _and_maybe(a, b):
    """AndMaybeMatcher: ``a``'s documents, scoring ``a + b`` where ``b`` has them too."""
    a_ids, a_scores = a
    b_ids, b_scores = b
    _, in_a, in_b = np.intersect1d(a_ids, b_ids, assume_unique=True, return_indices=True)
    scores = a_scores.copy()
    scores[in_a] = a_scores[in_a] + b_scores[in_b]
    return a_ids, scores


class EveryScoreCollector(collectors.ScoredCollector):
    """Every matching document with its score, each segment's at once (``evaluate``), without
    Whoosh's per-hit set and sort: facets need the whole hit set anyway, and numpy ranks it."""

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        if self.final_fn:
            raise ValueError("EveryScoreCollector needs a weighting without a final() step")
        self.docnums = []  # an array per segment
        self.scores = []

    def collect_matches(self):
        ids, scores = evaluate(self.matcher)
        self.docnums.append(ids + self.offset)
        self.scores.append(scores)

    def results(self) -> tuple[np.ndarray, np.ndarray]:
        """``(docnums, scores)`` of every match, in document order."""
        if not self.docnums:
            return _EMPTY
        return np.concatenate(self.docnums), np.concatenate(self.scores)
