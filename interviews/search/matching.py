"""Whoosh's matcher trees evaluated with numpy: every match of a segment and its score at once.

Whoosh finds matches by stepping a tree of matchers one document at a time in Python (a union
of two terms asks both for their current document, compares, advances one...), about a tenth
of a millisecond per match at 100k turns, most of a search's time. ``evaluate(matcher)`` reads
the same tree bottom up instead: each term's remaining postings as arrays (a block at a time),
scored by the term's scorer over the whole array, then unions, intersections and exclusions as
array operations. A node adds its children's scores exactly as Whoosh's node does (the same
pairs in the same tree), so every score is the same float and every page the same.

Phrases are read the same way (`_phrase`): each word's postings with their positions, the
documents having every word, and of those the ones where the words follow one another. Nodes it
does not know (preloaded unions of small segments, phrases with a slop, any other) are stepped
through as Whoosh would, and their matches and scores taken as they come: slower, never
different.

It reads a term's posting blocks through the attributes of Whoosh 2.7.4's ``W3LeafMatcher``
(``_ids``, ``_weights``, ``_maxid``, ``_next_block()``...) and the layout of a block's pickle
(only its ids and weights are unpickled, not the positions), which are not a public interface:
Whoosh is pinned in requirements.txt, and tests/search/test_matching.py holds every kind of
query to Whoosh's own stepping.
"""

from __future__ import annotations

import pickle
import re
import threading
import zlib
from bisect import bisect_left
from collections import OrderedDict

import numpy as np
from whoosh import collectors
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import binary, mcore, wrappers
from whoosh.query.spans import SpanNear2
from whoosh.scoring import WeightScorer

from interviews.search.scoring import ArrayBM25FScorer, is_segment, term_info

_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def evaluate(matcher, within=None) -> tuple[np.ndarray, np.ndarray]:
    """``(docnums, scores)`` of every match ``matcher`` has from its current position on, in
    document order: what stepping it to the end and asking each match's score would give.
    With ``within`` (sorted docnums), only the matches among those: an intersection reads its
    smaller side first and the other only where that one matched, skipping the blocks of
    postings it cannot need, as Whoosh's ``skip_to`` does. Consumes the matcher."""
    if within is not None and not len(within):
        return _EMPTY
    kind = type(matcher)
    # Not positioned on a first match yet (Deferred): each side is read from where it stands.
    if kind is binary.IntersectionMatcher or kind is DeferredIntersection:
        a, b = matcher.a, matcher.b
        if _size(b) < _size(a):
            b_found = evaluate(b, within)
            a_found = evaluate(a, b_found[0])
        else:
            a_found = evaluate(a, within)
            b_found = evaluate(b, a_found[0])
        return _intersection(a_found, b_found)
    if kind is binary.AndNotMatcher or kind is DeferredAndNot:
        ids, scores = evaluate(matcher.a, within)
        keep = ~np.isin(ids, evaluate(matcher.b, ids)[0], assume_unique=True)
        return ids[keep], scores[keep]
    if kind is binary.UnionMatcher:
        return _union(evaluate(matcher.a, within), evaluate(matcher.b, within))
    if kind is wrappers.WrappingMatcher:  # a boost
        ids, scores = evaluate(matcher.child, within)
        return ids, scores * matcher.boost
    # Asked only here, below the nodes that may hold a Deferred: is_active() would position it.
    if not matcher.is_active():
        return _EMPTY
    if kind is W3LeafMatcher:
        return _leaf(matcher, within)
    if kind is binary.AndMaybeMatcher:
        a_found = evaluate(matcher.a, within)
        return _and_maybe(a_found, evaluate(matcher.b, a_found[0]))
    if kind is wrappers.FilterMatcher:  # deleted documents left out (or only some let in)
        ids, scores = evaluate(matcher.child, within)
        listed = _in_sorted(ids, _sorted_ids(matcher))
        keep = ~listed if matcher._exclude else listed
        return ids[keep], scores[keep] * matcher.boost
    if isinstance(matcher, mcore.NullMatcherClass):
        return _EMPTY
    if kind is SpanNear2.SpanNear2Matcher and _is_phrase(matcher):
        return _phrase(matcher, within)
    return _step(matcher, within)


def _is_phrase(matcher) -> bool:
    """A ``SpanNear2Matcher`` as Whoosh's ``Phrase`` builds it: its words' postings, in order,
    each right after the one before, scored by a scorer `_leaf` reads as arrays; in a segment
    with deletions, each word's postings wrapped in the filter that leaves the deleted out."""
    return (
        matcher.slop == 1
        and matcher.mindist == 1
        and matcher.ordered
        and len(matcher.ms) > 1
        and all(
            type(leaf) is W3LeafMatcher
            and not leaf._byteids
            and isinstance(leaf.scorer, (ArrayBM25FScorer, WeightScorer))
            and leaf.format.supports("positions")
            for leaf in map(_unfiltered, matcher.ms)
        )
    )


def _unfiltered(word):
    """A phrase word's postings without the filter of a segment's deleted documents (a
    ``FilterMatcher`` that excludes them, unboosted), or None when it is something else."""
    if type(word) is wrappers.FilterMatcher:
        return word.child if word._exclude and word.boost == 1.0 else None
    return word


def _deleted(words) -> np.ndarray | None:
    """The documents a phrase's words' filters leave out (the segment's deleted), sorted."""
    filters = {id(word._ids): word for word in words if type(word) is wrappers.FilterMatcher}
    if len(filters) == 1:  # the words of one segment share its set
        return _sorted_ids(next(iter(filters.values())))
    left_out = set().union(*(word._ids for word in filters.values()))
    return np.array(sorted(left_out), dtype=np.int64) if left_out else None


def segment_deleted(reader) -> tuple[frozenset, np.ndarray]:
    """A segment's deleted documents (``reader`` a ``SegmentReader``): the set Whoosh's
    ``FilterMatcher`` leaves out, and the same sorted, made once per reader (again if its
    deletions changed) where Whoosh makes the set for every term of every search. A living
    archive's large segments gather deletions (every edited turn is one) until they are
    compacted: with 5,000 of them in the 100,000-turn archive, a search asked once cost 14.9 ms
    of CPU where it cost 8.4-9.5 without (`asked_once.py`, 7 December 2026), most of the
    difference in making the set per term and in numpy's hashing to test the hits against it."""
    segment = reader.segment()
    count = segment.deleted_count()
    kept = reader.__dict__.get("_archive_deleted")
    if kept is None or kept[0] != count:
        docs = frozenset(segment.deleted_docs()) if count else frozenset()
        kept = (count, docs, np.array(sorted(docs), dtype=np.int64))
        reader.__dict__["_archive_deleted"] = kept
    return kept[1], kept[2]


def _sorted_ids(matcher) -> np.ndarray:
    """A ``FilterMatcher``'s documents, sorted: as `segment_deleted` made them for it, else now."""
    found = getattr(matcher, "sorted_ids", None)
    if found is None:
        found = np.array(sorted(matcher._ids), dtype=np.int64)
    return found


def _in_sorted(ids, table) -> np.ndarray:
    """Which of ``ids`` are in ``table`` (sorted, unique): a binary search each, where
    ``np.isin`` would hash both sides first."""
    if not len(table) or not len(ids):
        return np.zeros(len(ids), dtype=bool)
    at = np.searchsorted(table, ids)
    at[at == len(table)] = len(table) - 1
    return table[at] == ids


def _phrase(matcher, within=None):
    """The matches of a phrase (`_is_phrase`) from where it stands (its constructor stepped to
    its first), as Whoosh finds them: the documents having every word, each scored as the
    intersection tree Whoosh builds of the words' matchers scores it (their scores added in the
    same order), and of those the ones where the words' positions follow one another. Whoosh
    steps through the same documents one at a time, making and sorting span objects for each,
    some 15 µs a document (phrases were 5% of the CPU of the load test's mix: "co-founder", a
    Chinese word jieba cuts in two); here only a set operation per document is Python.

    The rarest word is read first, the others only in the blocks that can hold its documents.
    In a segment with deletions the words' postings are read unfiltered and the deleted left out
    of what they find: the same documents and floats as the filters give (their boost is 1).
    Every turn edited is a deletion in its old segment, so a living archive's segments have them."""
    deleted = _deleted(matcher.ms)
    words = [_unfiltered(word) for word in matcher.ms]
    read = {}
    narrowed = within
    for word in sorted(words, key=_size):
        ids, weights, values = _postings_with_values(word, narrowed)
        if not len(ids):
            return _EMPTY
        read[id(word)] = (*_scored(word.scorer, ids, weights), values)
        narrowed = ids  # each word read within the last: the last read are the documents with all
    found = narrowed
    if deleted is not None:
        found = found[~_in_sorted(found, deleted)]
    scores, positions = [], []
    for word in words:
        ids, word_scores, values = read[id(word)]
        at = np.searchsorted(ids, found)
        scores.append(word_scores[at])
        decode = word.format.decoder("positions")
        positions.append([decode(values[i]) for i in at.tolist()])
    keep = np.zeros(len(found), dtype=bool)
    for row in range(len(found)):
        starts = set(positions[0][row])
        for offset in range(1, len(words)):
            starts.intersection_update([position - offset for position in positions[offset][row]])
            if not starts:
                break
        keep[row] = bool(starts)
    return found[keep], _tree_sum(scores)[keep]


def _tree_sum(scores: list):
    """What ``make_binary_tree(IntersectionMatcher, matchers)`` scores a document with all of
    them: each node ``a + b``, the first half of the list on the left."""
    if len(scores) == 1:
        return scores[0]
    half = len(scores) // 2
    return _tree_sum(scores[:half]) + _tree_sum(scores[half:])


def _postings_with_values(matcher, within=None) -> tuple:
    """``(ids, weights, values)`` of a term's postings from where it stands, each value the
    encoded positions of one document, as Whoosh's own block reading gives them; with ``within``,
    only those documents, and only the blocks that can hold one of them are read."""
    ids, weights, values = [], [], []
    for _ in _blocks(matcher, within):
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        if matcher._values is None:
            matcher._read_values()
        start = matcher._i  # past 0 in the block the phrase's first match was found in
        ids.extend(matcher._ids[start:])
        weights.extend(matcher._weights[start:])
        values.extend(matcher._values[start:])
    ids = np.asarray(ids, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    if within is not None:
        at = np.flatnonzero(np.isin(ids, within, assume_unique=True))
        ids, weights, values = ids[at], weights[at], [values[i] for i in at.tolist()]
    return ids, weights, values


def _size(matcher) -> float:
    """A cheap guess of how many matches ``matcher`` has (the bytes of a term's postings)."""
    kind = type(matcher)
    if kind is W3LeafMatcher:
        length = matcher._length  # an int, or a 1-tuple as some terms' extents give it
        return length[0] if isinstance(length, tuple) else length
    if kind is binary.UnionMatcher:
        return _size(matcher.a) + _size(matcher.b)
    if kind is binary.IntersectionMatcher or kind is DeferredIntersection:
        return min(_size(matcher.a), _size(matcher.b))
    if kind in (binary.AndNotMatcher, DeferredAndNot, binary.AndMaybeMatcher):
        return _size(matcher.a)
    if kind in (wrappers.WrappingMatcher, wrappers.FilterMatcher):
        return _size(matcher.child)
    return float("inf")  # stepped through: read it last, only where the other side matched


class _Deferred:
    """A Whoosh binary matcher built without looking for its first match. Whoosh's
    ``IntersectionMatcher`` and ``AndNotMatcher`` step both sides to their first match as they are
    built, a posting at a time (some tenth of a search's time at 100k turns); ``evaluate()`` reads
    each side from where it stands and needs none of that. Asked anything else (Whoosh stepping
    through it, inside a node ``evaluate()`` steps through), it becomes the Whoosh matcher it stands
    for, positioned as that matcher's constructor would have left it."""

    whooshs: type  # the Whoosh matcher class it stands for

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __getattr__(self, name):  # only for what the instance and its class do not have
        self.__class__ = self.whooshs
        self._find_first()
        return getattr(self, name)

    # Whoosh's matchers compare by class alone (a matcher tree's shape sorts them by size, and by
    # this on equal sizes), so these compare as the matcher they stand for would.
    __eq__ = mcore.Matcher.__eq__
    __ne__ = mcore.Matcher.__ne__
    __lt__ = mcore.Matcher.__lt__
    __gt__ = mcore.Matcher.__gt__
    __le__ = mcore.Matcher.__le__
    __ge__ = mcore.Matcher.__ge__
    __hash__ = None


class DeferredIntersection(_Deferred):
    whooshs = binary.IntersectionMatcher


class DeferredAndNot(_Deferred):
    whooshs = binary.AndNotMatcher


def matching_docnums(searcher, q) -> np.ndarray:
    """``searcher.docs_for_query(q)`` as an array, each segment's at once."""
    parts = [_EMPTY[0]]
    needed = needed_terms(q)
    for subsearcher, offset in searcher.leaf_searchers():
        if not may_match(needed, subsearcher.reader()):
            continue
        ids, _ = evaluate(q.matcher(subsearcher, subsearcher.boolean_context()))  # as Query.docs()
        parts.append(ids + offset)
    return np.concatenate(parts)


#: Query nodes a document matches only by having one of the terms below them: the words,
#: phrases and their combinations the archive writes (``Not`` is not among them: it matches
#: documents by what they lack; nor the pattern queries, whose terms depend on the segment).
_NEEDS_A_TERM = (wq.And, wq.Or, wq.AndMaybe, wq.AndNot, wq.DisjunctionMax)


def needed_terms(q) -> list[tuple[str, str]] | None:
    """``(field, text)`` of the terms of ``q``, of which a document must have one to match; None
    when ``q`` may match a document with none of them."""
    terms, nodes = [], [q]
    while nodes:
        node = nodes.pop()
        if isinstance(node, wq.Term):  # the backend's own Term is one
            terms.append((node.fieldname, node.text))
        elif type(node) is wq.Phrase:
            terms.extend((node.fieldname, word) for word in node.words)
        elif isinstance(node, _NEEDS_A_TERM):
            nodes.extend(node.children())
        else:
            return None
    return terms


def may_match(terms, reader) -> bool:
    """Whether a segment (``reader``) may hold a match of a query whose matches need one of
    ``terms`` (`needed_terms`): False when it has none of them. A living archive's index has
    a few small segments beside its large ones (each edit commits one, merged ten at a time),
    and the words of a search are mostly in none of them: building a query's matcher tree for
    such a segment cost some 0.09 ms a search, for nothing (the load test's mix on the
    100,000-turn archive with four one-turn segments, 7 December 2026)."""
    if terms is None or not is_segment(reader):
        return True
    schema = reader.schema
    for fieldname, text in terms:
        if fieldname not in schema:
            return True  # Whoosh's own way then
        try:
            tbytes = schema[fieldname].to_bytes(text)
        except ValueError:
            return True
        if term_info(reader, fieldname, tbytes) is not None:
            return True
    return False


def _step(matcher, within=None):
    """Whoosh's own way, for nodes not known here: every match, or with ``within`` a skip to
    each of those."""
    ids, scores = [], []
    if within is None:
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
    else:
        wanted = within.tolist()
        i, n = 0, len(wanted)
        while i < n and matcher.is_active():
            current, target = matcher.id(), wanted[i]
            if current < target:
                matcher.skip_to(target)
            elif current > target:
                i = bisect_left(wanted, current, i + 1)
            else:
                ids.append(current)
                scores.append(matcher.score())
                matcher.next()
                i += 1
    return np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64)


#: A term's postings in a segment, decoded: ``(segment key, field, term bytes)`` -> ``(ids,
#: weights)``, kept by the process up to this many postings (about 16 bytes each). A segment
#: never changes (deletions are filtered above its postings), and the same words recur from one
#: search to the next, asked once or not: decoding a term's posting blocks was most of reading it.
POSTINGS_KEPT = 1_000_000
_POSTINGS: OrderedDict = OrderedDict()
_POSTINGS_LOCK = threading.Lock()
_postings_held = 0


def keep_postings(matcher, key) -> None:
    """Let ``evaluate()`` keep the postings of the term matcher ``matcher`` (fresh from the
    postings file) under ``key``, and read them from there next time."""
    if type(matcher) is W3LeafMatcher:
        matcher.postings_key = key
        matcher.postings_start = matcher._dataoffset


def _kept_postings(key):
    with _POSTINGS_LOCK:
        found = _POSTINGS.get(key)
        if found is not None:
            _POSTINGS.move_to_end(key)
        return found


def _keep(key, ids, weights) -> None:
    global _postings_held
    if len(ids) > POSTINGS_KEPT // 4:
        return
    ids.flags.writeable = False  # shared by every search from now on
    weights.flags.writeable = False
    with _POSTINGS_LOCK:
        if key in _POSTINGS:
            return
        _POSTINGS[key] = (ids, weights)
        _postings_held += len(ids)
        while _postings_held > POSTINGS_KEPT:
            _, (old, _) = _POSTINGS.popitem(last=False)
            _postings_held -= len(old)


def _among(ids, within):
    """The positions in ``ids`` of the docnums also in ``within`` (both sorted, unique)."""
    at = np.searchsorted(ids, within)
    inside = at < len(ids)
    at = at[inside]
    return at[ids[at] == within[inside]]


def _leaf(matcher, within=None):
    """A term's postings from the current one on, block by block, scored as arrays; with
    ``within``, only the blocks that can hold one of those are read."""
    scorer = matcher.scorer
    if not isinstance(scorer, (ArrayBM25FScorer, WeightScorer)) or matcher._byteids:
        return _step(matcher, within)
    key = getattr(matcher, "postings_key", None)
    if key is not None and (matcher._i or matcher._dataoffset != matcher.postings_start):
        key = None  # stepped into already: read from where it stands
    kept = _kept_postings(key) if key is not None else None
    if kept is not None:
        ids, weights = kept
        matcher._atend = True  # consumed, as if read to the end
        if within is not None:
            at = _among(ids, within)
            ids, weights = ids[at], weights[at]
        return _scored(scorer, ids, weights)
    low = 0  # no document of the current block is below this
    head = None  # the rest of the current block, when Whoosh has stepped into it already
    if matcher.is_active() and (matcher._ids is not None or matcher._i):
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        start = matcher._i
        head = (
            np.asarray(matcher._ids[start:], dtype=np.int64),
            np.asarray(matcher._weights[start:], dtype=np.float64),
        )
        low = matcher._maxid + 1
        matcher._next_block()
    # The blocks read here, as one run of differences between ids: each block writes its first id
    # whole and the others as differences, so its first becomes the difference to the last block's
    # last id (its maximum, known from the block's header).
    deltas, weights = [], []
    last = 0
    for _ in _blocks(matcher, within, low):
        block_deltas, block_weights = _deltas_and_weights(matcher)
        first = len(deltas)
        deltas += block_deltas
        deltas[first] -= last
        weights += block_weights
        last = matcher._maxid
    ids = np.cumsum(np.asarray(deltas, dtype=np.int64))
    weights = np.asarray(weights, dtype=np.float64)
    if head is not None:
        ids, weights = np.concatenate((head[0], ids)), np.concatenate((head[1], weights))
    if key is not None and within is None:  # every posting read: keep them
        _keep(key, ids, weights)
    if not len(ids):
        return _EMPTY
    if within is not None:
        keep = np.isin(ids, within, assume_unique=True)
        ids, weights = ids[keep], weights[keep]
    return _scored(scorer, ids, weights)


def _blocks(matcher, within=None, low=0):
    """Steps a term's matcher through its posting blocks from where it stands, stopping (a
    ``yield``) at each block the caller reads; with ``within``, a block that cannot hold one of
    those documents is skipped unread, and none after the last. ``low``: no document of the
    current block is below it."""
    while matcher.is_active():
        if within is not None:
            j = np.searchsorted(within, low)
            if j == len(within):
                return
            if within[j] > matcher._maxid:  # nothing wanted in this block: skip it unread
                low = matcher._maxid + 1
                matcher._next_block()
                continue
        yield
        low = matcher._maxid + 1
        matcher._next_block()


def _scored(scorer, ids, weights):
    if not len(ids):
        return _EMPTY
    if isinstance(scorer, WeightScorer):
        return ids, weights  # WeightScorer.score() is the weight
    # ArrayBM25FScorer.score(), element by element.
    return ids, scorer.idf * ((weights * scorer._k1_plus_1) / (weights + scorer.norm_array[ids]))


# The start of a posting block as Whoosh 2.7.4 pickles it (protocol 2): a tuple of the ids
# (differences, ints), the weights (None for all 1.0, one float for all alike, or a float each)
# and the values. Each opcode's length is known from its first byte, so this matches exactly the
# ids and the weights, and no further.
_INT = rb"(?:K.|M..|J....)"  # BININT1, BININT2, BININT
_FLOAT = rb"(?:G.{8})"  # BINFLOAT
_TUPLE_N = rb"[\x85-\x87]"  # TUPLE1-3: a tuple of up to three items needs no MARK
_BLOCK_HEAD = re.compile(
    rb"\x80\x02"  # PROTO 2
    rb"(?:\(" + _INT + rb"*t|" + _INT + rb"{1,3}" + _TUPLE_N + rb")"  # the ids
    rb"(?:q.)?"  # BINPUT: the tuple remembered
    # the weights; one float last, or it would match the first of a short tuple of them
    rb"(?:N|\(" + _FLOAT + rb"*t|" + _FLOAT + rb"{1,3}" + _TUPLE_N + rb"|" + _FLOAT + rb")",
    re.DOTALL,
)


def _deltas_and_weights(matcher) -> tuple:
    """``(id differences, weights)`` of the current block of a ``W3LeafMatcher``, as Whoosh's
    ``_read_ids()`` (before adding up the differences) and ``_read_weights()`` give them, without
    unpickling the block's values: the positions of every posting, which only phrases read (the
    phrase matchers step through Whoosh's own reading). Most of a block's pickle is its values,
    each position list a bytes object decoded through a call to ``codecs.encode``."""
    n = matcher._blocklength
    raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    if matcher._compression:
        # The ids and weights are at most 14 bytes a posting: only that much is decompressed.
        raw = zlib.decompressobj().decompress(raw, 14 * n + 16)
    head = _BLOCK_HEAD.match(raw)
    if head is not None:
        deltas, weights = pickle.loads(head.group() + b"\x86.")  # TUPLE2, STOP: (ids, weights)
    if head is None or len(deltas) != n or (isinstance(weights, tuple) and len(weights) != n):
        # Not the layout above: read it as Whoosh does.
        matcher._read_data()
        matcher._read_weights()
        return matcher._data[0], matcher._weights
    if weights is None:
        return deltas, [1.0] * n
    if isinstance(weights, float):
        # Whoosh spreads one weight over an array of C floats: the same rounding here.
        return deltas, [float(np.float32(weights))] * n
    return deltas, weights


def _union(a, b):
    """UnionMatcher: a document in both scores ``a + b``, one in either its own score."""
    a_ids, a_scores = a
    b_ids, b_scores = b
    if not len(b_ids):
        return a
    if not len(a_ids):
        return b
    # Two sorted runs: a stable sort merges them (timsort), each shared document's ``a`` first.
    ids = np.concatenate((a_ids, b_ids))
    order = np.argsort(ids, kind="stable")
    ids, scores = ids[order], np.concatenate((a_scores, b_scores))[order]
    shared = np.flatnonzero(ids[1:] == ids[:-1])  # an ``a`` followed by the same document's ``b``
    if not len(shared):
        return ids, scores
    scores[shared] = scores[shared] + scores[shared + 1]
    keep = np.ones(len(ids), dtype=bool)
    keep[shared + 1] = False
    return ids[keep], scores[keep]


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
        self.needed = needed_terms(q)

    def set_subsearcher(self, subsearcher, offset):
        if may_match(self.needed, subsearcher.reader()):
            super().set_subsearcher(subsearcher, offset)
        else:  # no matcher tree built for a segment without any of the query's terms
            self.subsearcher, self.offset, self.matcher = subsearcher, offset, mcore.NullMatcher()

    def collect_matches(self):
        ids, scores = evaluate(self.matcher)
        self.docnums.append(ids + self.offset)
        self.scores.append(scores)

    def results(self) -> tuple[np.ndarray, np.ndarray]:
        """``(docnums, scores)`` of every match, in document order."""
        if not self.docnums:
            return _EMPTY
        return np.concatenate(self.docnums), np.concatenate(self.scores)
