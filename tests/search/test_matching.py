"""Matching: Whoosh's matcher trees evaluated as arrays find what stepping through them finds,
with the same scores, for every kind of query the archive writes."""

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.matching.wrappers import FilterMatcher

from interviews.search.engines import engine
from interviews.search.matching import _step, evaluate, matching_docnums

QUERIES = [
    "data",
    "Datenqualität",
    "modelle lernen",
    "数据质量",
    '"data quality"',  # a phrase
    "daten -modelle",
    "(daten OR data^0.5) modelle",  # translations, weighted below the words typed
    "(modelle lernen)^10 OR modelle OR lernen OR rechenleistung",  # some of the words
    'speaker:"gita-guest"^4 OR daten',  # a named speaker
    "NOT daten",
]


def _parsed(text):
    """A searcher and the whole query the archive writes for ``text`` (its exclusions included)."""
    backend = engine().backend
    positive, negative = backend.parse_query(text)
    if positive is None:
        return backend.searcher(), negative
    if negative is None:
        return backend.searcher(), positive
    return backend.searcher(), wq.AndNot(positive, negative)


def _both_ways(text):
    searcher, q = _parsed(text)
    found = []
    for subsearcher, offset in searcher.leaf_searchers():
        context = searcher.context(weighting=searcher.weighting)
        ids, scores = evaluate(q.matcher(subsearcher, context))
        step_ids, step_scores = _step(q.matcher(subsearcher, context))
        found.append(((ids + offset).tolist(), scores.tolist(), (step_ids + offset).tolist(), step_scores.tolist()))
    return found


@pytest.mark.parametrize("text", QUERIES)
def test_arrays_find_what_stepping_finds_with_the_same_scores(archive, text):
    found = _both_ways(text)
    assert any(ids for ids, *_ in found)
    for ids, scores, step_ids, step_scores in found:
        assert ids == step_ids
        assert scores == step_scores  # equal floats, not approximately equal


def test_deleted_turns_are_left_out_as_whoosh_leaves_them_out(archive):
    """A segment with deletions wraps each term's postings in a FilterMatcher of the deleted."""
    backend = engine().backend
    searcher = backend.searcher()
    positive, _ = backend.parse_query("daten modelle")
    for subsearcher, _ in searcher.leaf_searchers():
        context = searcher.context(weighting=searcher.weighting)
        every, _ = _step(positive.matcher(subsearcher, context))
        if not len(every):
            continue
        deleted = frozenset(every[:1].tolist())
        ids, scores = evaluate(FilterMatcher(positive.matcher(subsearcher, context), deleted, exclude=True))
        step_ids, step_scores = _step(FilterMatcher(positive.matcher(subsearcher, context), deleted, exclude=True))
        assert ids.tolist() == step_ids.tolist() == every[1:].tolist()
        assert scores.tolist() == step_scores.tolist()


@pytest.mark.parametrize("text", QUERIES)
def test_matching_docnums_are_whooshs_docs_for_query(archive, text):
    searcher, q = _parsed(text)
    assert matching_docnums(searcher, q).tolist() == list(searcher.docs_for_query(q))


@pytest.mark.parametrize("text", QUERIES)
def test_within_some_documents_finds_those_of_them_that_match(archive, text):
    searcher, q = _parsed(text)
    for subsearcher, _ in searcher.leaf_searchers():
        context = searcher.context(weighting=searcher.weighting)
        every, every_score = _step(q.matcher(subsearcher, context))
        within = np.arange(0, subsearcher.doc_count_all(), 2)
        ids, scores = evaluate(q.matcher(subsearcher, context), within)
        wanted = np.isin(every, within)
        assert ids.tolist() == every[wanted].tolist()
        assert scores.tolist() == every_score[wanted].tolist()


def _many_postings_index(tmp_path, *, compression):
    """A plain Whoosh index (the archive's codec) with posting lists of several blocks: a word in
    every document, once or twice (weights of a float each), one in 300 documents once (no
    weights written), one in 200 twice (one weight for the whole block) and one in 2 or 3."""
    from whoosh import fields
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.filedb.filestore import FileStorage

    schema = fields.Schema(body=fields.TEXT(phrase=True))
    ix = FileStorage(str(tmp_path)).create_index(schema)
    writer = ix.writer(codec=W3Codec(compression=compression))
    for n in range(600):
        words = ["every"] * (1 + n % 2)
        if n % 2:
            words.append("odd")
        if n < 400 and n % 2 == 0:
            words += ["twice", "twice"]
        if n in (7, 300, 599):
            words.append("rare")
        if n in (11, 500):
            words += ["pair"] * (1 + n % 2)
        writer.add_document(body=" ".join(words + ["filler"] * (n % 5)))
    writer.commit()
    return ix


@pytest.mark.parametrize("compression", [0, 3])
def test_blocks_read_without_their_positions_give_whooshs_ids_and_weights(tmp_path, compression):
    from whoosh.util.numlists import delta_decode

    from interviews.search.matching import _deltas_and_weights

    with _many_postings_index(tmp_path, compression=compression).reader() as reader:
        blocks = 0
        for word in ("every", "odd", "twice", "rare", "pair"):
            m = reader.postings("body", word)
            while m.is_active():
                deltas, weights = _deltas_and_weights(m)
                m._read_ids()
                m._read_weights()
                assert list(delta_decode(deltas)) == list(m._ids)
                assert list(weights) == list(m._weights)
                blocks += 1
                m._next_block()
        assert blocks > 5


@pytest.mark.parametrize("compression", [0, 3])
@pytest.mark.parametrize("word", ["every", "odd", "twice", "rare", "pair"])
def test_long_posting_lists_score_as_whoosh_steps_them(tmp_path, compression, word):
    """Every block of a term, whole or only where wanted, or from where stepping left it."""
    from interviews.search.scoring import ArrayBM25F

    with _many_postings_index(tmp_path, compression=compression).searcher(weighting=ArrayBM25F()) as searcher:
        q = wq.Term("body", word)
        _arrays_find_what_stepping_finds(lambda: q.matcher(searcher))


def _arrays_find_what_stepping_finds(matcher):
    """``evaluate()`` on a fresh ``matcher()`` finds Whoosh's stepping's matches with the same
    floats: all of them, only those wanted, or from where stepping left it. Returns them."""
    every, every_score = _step(matcher())
    ids, scores = evaluate(matcher())
    assert ids.tolist() == every.tolist() and scores.tolist() == every_score.tolist()
    within = np.arange(0, 600, 7)
    ids, scores = evaluate(matcher(), within)
    wanted = np.isin(every, within)
    assert ids.tolist() == every[wanted].tolist() and scores.tolist() == every_score[wanted].tolist()
    stepped = matcher()
    for _ in range(min(150, len(every) - 1)):
        stepped.next()
    ids, scores = evaluate(stepped)
    assert ids.tolist() == every[-len(ids) :].tolist() and scores.tolist() == every_score[-len(ids) :].tolist()
    return every


PHRASES = [
    ["every", "odd"],  # odd documents: "every every odd"
    ["every", "every", "odd"],  # three words
    ["twice", "twice"],  # a word right after itself
    ["every", "twice", "twice"],
    ["twice", "filler"],  # not where "rare" or "pair" comes between
    ["filler", "filler", "filler"],
    ["odd", "every"],  # both words in the same documents, never in this order
]


@pytest.mark.parametrize("compression", [0, 3])
@pytest.mark.parametrize("words", PHRASES, ids=" ".join)
def test_phrases_read_as_arrays_find_and_score_what_stepping_does(tmp_path, compression, words):
    """Over posting lists of several blocks: every match, only where wanted, or from where
    stepping left the phrase, with the same floats."""
    from interviews.search import matching
    from interviews.search.scoring import ArrayBM25F

    with _many_postings_index(tmp_path, compression=compression).searcher(weighting=ArrayBM25F()) as searcher:
        q = wq.Phrase("body", words)
        every = _arrays_find_what_stepping_finds(lambda: q.matcher(searcher))
        if words == ["odd", "every"]:
            assert not len(every)
        else:
            assert len(every) > 50 and matching._is_phrase(q.matcher(searcher))


@pytest.mark.parametrize("words", PHRASES, ids=" ".join)
def test_phrases_in_a_segment_with_deletions_are_read_as_arrays_and_leave_the_deleted_out(tmp_path, words):
    """Every turn edited is a deletion in its old segment: there each word's postings come
    wrapped in a filter of the deleted documents, and a phrase is still read as arrays."""
    from interviews.search import matching
    from interviews.search.scoring import ArrayBM25F

    ix = _many_postings_index(tmp_path, compression=3)
    deleted = [1, 2, 7, 300, 301, 599]  # among them matches of every phrase but the last
    with ix.writer() as writer:
        writer.merge = False  # kept in their segment, marked deleted
        for docnum in deleted:
            writer.delete_document(docnum)
    with ix.searcher(weighting=ArrayBM25F()) as searcher:
        assert searcher.reader().has_deletions()
        q = wq.Phrase("body", words)
        every = _arrays_find_what_stepping_finds(lambda: q.matcher(searcher))
        assert not set(every.tolist()) & set(deleted)
        if words == ["odd", "every"]:
            assert not len(every)
        else:
            matcher = q.matcher(searcher)
            assert all(type(word) is FilterMatcher for word in matcher.ms)
            assert len(every) > 50 and matching._is_phrase(matcher)


def test_a_segment_without_any_of_the_querys_terms_is_skipped_and_the_matches_are_the_same(tmp_path):
    """A living archive's small segments (each edit commits one) mostly hold none of a search's
    words: no matcher tree is built there, and every match elsewhere is still found."""
    from interviews.search.matching import EveryScoreCollector, may_match, needed_terms
    from interviews.search.scoring import ArrayBM25F

    ix = _many_postings_index(tmp_path, compression=3)
    with ix.writer() as writer:
        writer.merge = False  # a segment of its own, as an edit's commit leaves it
        writer.add_document(body="tiny rare tiny")
    with ix.searcher(weighting=ArrayBM25F()) as searcher:
        (large, _), (small, _) = searcher.leaf_searchers()
        assert small.doc_count_all() == 1
        cases = {  # whether the large segment and the small one may hold a match
            wq.Term("body", "every"): (True, False),
            wq.And([wq.Term("body", "every"), wq.Term("body", "odd")]): (True, False),
            wq.Phrase("body", ["every", "odd"]): (True, False),
            wq.Term("body", "tiny"): (False, True),
            wq.Or([wq.Term("body", "every"), wq.Term("body", "rare")]): (True, True),
            wq.Phrase("body", ["rare", "tiny"]): (True, True),  # each has one of the words
            wq.AndNot(wq.Term("body", "every"), wq.Term("body", "tiny")): (True, True),  # every word counts
        }
        for q, (in_large, in_small) in cases.items():
            assert may_match(needed_terms(q), large.reader()) is in_large, q
            assert may_match(needed_terms(q), small.reader()) is in_small, q
            collector = EveryScoreCollector()
            searcher.search_with_collector(q, collector)
            ids, scores = collector.results()
            expected = [(_step(q.matcher(sub, sub.context())), at) for sub, at in searcher.leaf_searchers()]
            assert ids.tolist() == [i + at for (found, _), at in expected for i in found.tolist()]
            assert scores.tolist() == [x for (_, found), _ in expected for x in found.tolist()]
            assert len(ids)
        # A query that may match a document without its terms is never skipped.
        for q in (wq.Not(wq.Term("body", "every")), wq.Prefix("body", "ti"), wq.Every()):
            assert needed_terms(q) is None and may_match(needed_terms(q), small.reader())


def test_the_backends_terms_leave_a_segments_deleted_out_as_whoosh_does(tmp_path):
    """The backend's terms make a segment's deleted set once per reader, and sorted, where
    Whoosh makes the set for every term of every search: the same matches and floats."""
    from interviews.search.matching import segment_deleted
    from interviews.search.scoring import ArrayBM25F
    from interviews.search.whoosh_backend import _looked_up_once

    ix = _many_postings_index(tmp_path, compression=3)
    deleted = [0, 1, 2, 7, 300, 301, 598, 599]
    with ix.writer() as writer:
        writer.merge = False
        for docnum in deleted:
            writer.delete_document(docnum)
    queries = [
        lambda: wq.Term("body", "every"),
        lambda: wq.And([wq.Term("body", "every"), wq.Term("body", "twice")]),
        lambda: wq.Or([wq.Term("body", "rare"), wq.Term("body", "pair")]),
        lambda: wq.Phrase("body", ["every", "odd"]),
    ]
    with ix.searcher(weighting=ArrayBM25F()) as searcher:
        reader = searcher.reader()
        docs, in_order = segment_deleted(reader)
        assert docs == frozenset(deleted) and in_order.tolist() == deleted
        assert segment_deleted(reader)[1] is in_order  # made once for the reader
        for make in queries:
            ours = _looked_up_once(make())
            ids, scores = evaluate(ours.matcher(searcher))
            whooshs, whooshs_scores = _step(make().matcher(searcher))
            assert len(ids) and not set(ids.tolist()) & set(deleted)
            assert ids.tolist() == whooshs.tolist() and scores.tolist() == whooshs_scores.tolist()
        assert getattr(_looked_up_once(wq.Term("body", "every")).matcher(searcher), "sorted_ids", None) is in_order


def _as_whooshs_terms(q):
    """``q`` with its terms Whoosh's own ``Term`` again (the backend makes them look up once)."""
    for leaf in q.leaves():
        if isinstance(leaf, wq.Term):
            leaf.__class__ = wq.Term
    return q


@pytest.mark.parametrize("text", QUERIES)
def test_terms_looked_up_once_give_whooshs_sizes_matches_and_scores(archive, text):
    searcher, q = _parsed(text)
    _, whooshs = _parsed(text)
    _as_whooshs_terms(whooshs)
    for subsearcher, _ in searcher.leaf_searchers():
        reader = subsearcher.reader()
        for ours, theirs in zip(q.leaves(), whooshs.leaves(), strict=True):
            assert ours.estimate_size(reader) == theirs.estimate_size(reader)
        context = searcher.context(weighting=searcher.weighting)
        ids, scores = evaluate(q.matcher(subsearcher, context))
        their_ids, their_scores = evaluate(whooshs.matcher(subsearcher, context))
        assert ids.tolist() == their_ids.tolist()
        assert scores.tolist() == their_scores.tolist()


def test_a_search_looks_each_term_up_once_per_segment(archive, monkeypatch):
    """Whoosh would look a term up three or four times in each segment to build its matcher."""
    from collections import Counter

    from whoosh.filedb.filetables import HashReader

    from interviews.search import scoring

    looked_up = Counter()
    ranges_for_key = HashReader.ranges_for_key

    def counted(self, key):
        looked_up[(id(self), key)] += 1
        return ranges_for_key(self, key)

    monkeypatch.setattr(scoring, "_TERM_INFOS", {})
    monkeypatch.setattr(HashReader, "ranges_for_key", counted)
    searcher, q = _parsed("modelle lernen OR daten -rechenleistung")
    searcher._idf_cache.clear()
    for subsearcher, _ in searcher.leaf_searchers():
        evaluate(q.matcher(subsearcher, searcher.context(weighting=searcher.weighting)))
    assert looked_up and set(looked_up.values()) == {1}
    looked_up.clear()
    for subsearcher, _ in searcher.leaf_searchers():  # the same words again: known already
        evaluate(q.matcher(subsearcher, searcher.context(weighting=searcher.weighting)))
    assert not looked_up


# A search after a write refreshes the searcher: Whoosh leaves some of the old readers to the
# garbage collector (a ResourceWarning; see tests/search/test_cache.py).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_term_is_looked_up_again_in_a_new_segment(archive, indexed):
    """What the process keeps of a segment's terms is never taken for another segment's."""
    from interviews.search.engines import engine

    backend = engine().backend
    assert backend.search("Kochrezepte")["hits"] == 0
    indexed(text="Gita Guest: Kochrezepte sind wichtig.\n", filename="rezepte.txt", slug="rezepte", language="de")
    assert backend.search("Kochrezepte")["hits"] == 1


@pytest.mark.parametrize("text", ["modelle lernen", "daten -modelle", "(modelle lernen)^10 OR daten -rechenleistung"])
def test_a_search_never_steps_to_a_first_match_before_reading_arrays(archive, monkeypatch, text):
    """Whoosh's intersections and exclusions step both sides to their first match as they are
    built; the archive's read each side as arrays from where it stands, and find the same."""
    from whoosh.matching import binary

    from interviews.search.whoosh_backend import _AndNot

    stepped = []
    for kind in (binary.IntersectionMatcher, binary.AndNotMatcher):
        find_first = kind._find_first
        monkeypatch.setattr(kind, "_find_first", lambda self, f=find_first: stepped.append(self) or f(self))
    backend = engine().backend
    searcher = backend.searcher()
    positive, negative = backend.parse_query(text)
    q = positive if negative is None else _AndNot(positive, negative)
    found = []
    for subsearcher, _ in searcher.leaf_searchers():
        context = searcher.context(weighting=searcher.weighting)
        found.append(evaluate(q.matcher(subsearcher, context)))
    assert not stepped
    for (ids, scores), (subsearcher, _) in zip(found, searcher.leaf_searchers(), strict=True):
        step_ids, step_scores = _step(q.matcher(subsearcher, searcher.context(weighting=searcher.weighting)))
        assert ids.tolist() == step_ids.tolist() and scores.tolist() == step_scores.tolist()
    assert stepped  # stepping through them is Whoosh's own way again


def test_the_terms_kept_are_bounded_and_the_least_recently_used_go_first(archive, monkeypatch):
    from interviews.search import scoring

    monkeypatch.setattr(scoring, "_TERM_INFOS", {})
    monkeypatch.setattr(scoring, "TERM_INFOS_KEPT", 2)
    segment, word = next(
        (leaf, next(iter(leaf.lexicon("text_de"))))
        for leaf, _ in engine().backend.searcher().reader().leaf_readers()
        if "text_de" in leaf.indexed_field_names()
    )
    found = scoring.term_info(segment, "text_de", word)
    assert found is not None and found.doc_frequency() == segment.doc_frequency("text_de", word)
    assert scoring.term_info(segment, "text_de", b"quokka") is None
    scoring.term_info(segment, "text_de", word)  # used again: now the most recent
    scoring.term_info(segment, "text_zh", b"quokka")
    assert [key[2:] for key in scoring._TERM_INFOS] == [("text_de", word), ("text_zh", b"quokka")]


@pytest.mark.parametrize("text", QUERIES)
def test_postings_kept_from_an_earlier_search_give_the_same_matches_and_scores(archive, monkeypatch, text):
    """A term's postings read once are kept (``POSTINGS_KEPT``); a search reading them from there,
    whole or only within some documents, finds what stepping through Whoosh's matchers finds."""
    from interviews.search import matching

    monkeypatch.setattr(matching, "_POSTINGS", matching.OrderedDict())
    monkeypatch.setattr(matching, "_postings_held", 0)
    blocks_read = []
    read = matching._deltas_and_weights
    monkeypatch.setattr(matching, "_deltas_and_weights", lambda m: blocks_read.append(m) or read(m))
    first = _both_ways(text)
    read_first, blocks_read[:] = len(blocks_read), []
    again = _both_ways(text)
    assert again == first
    for ids, scores, step_ids, step_scores in again:
        assert ids == step_ids and scores == step_scores
    if read_first:  # a term read whole is kept (one read only where others matched is not)
        assert matching._POSTINGS and len(blocks_read) < read_first
    test_within_some_documents_finds_those_of_them_that_match(archive, text)


def test_the_postings_kept_are_bounded_and_the_least_recently_used_go_first(monkeypatch):
    from interviews.search import matching

    monkeypatch.setattr(matching, "_POSTINGS", matching.OrderedDict())
    monkeypatch.setattr(matching, "_postings_held", 0)
    monkeypatch.setattr(matching, "POSTINGS_KEPT", 20)
    for key in ("a", "b", "c", "d"):
        matching._keep(key, np.arange(5), np.ones(5))
    matching._kept_postings("a")  # used again: now the most recent
    matching._keep("e", np.arange(6), np.ones(6))  # over a quarter of the bound: never kept
    matching._keep("f", np.arange(5), np.ones(5))  # one too many: the least recently used goes
    assert list(matching._POSTINGS) == ["c", "d", "a", "f"]
    assert matching._postings_held == 20
    with pytest.raises(ValueError):
        matching._kept_postings("a")[0][0] = 5  # shared by every search: read-only


def test_a_union_of_arrays_scores_a_shared_document_a_plus_b_as_whoosh_adds_them():
    """Every document of either side once, in order; a shared one scores a + b (in that order:
    floats are added as Whoosh's UnionMatcher adds them), the others their own score."""
    from interviews.search.matching import _union

    a = (np.array([1, 4, 7, 9]), np.array([0.1, 0.2, 0.3, 0.4]))
    b = (np.array([0, 4, 9, 12]), np.array([1.1, 1.2, 1.3, 1.4]))
    ids, scores = _union(a, b)
    assert ids.tolist() == [0, 1, 4, 7, 9, 12]
    assert scores.tolist() == [1.1, 0.1, 0.2 + 1.2, 0.3, 0.4 + 1.3, 1.4]
    assert _union(a, (np.zeros(0, dtype=np.int64), np.zeros(0))) is a
