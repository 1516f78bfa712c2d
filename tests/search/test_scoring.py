"""Scoring: the archive's BM25F gives every match the very score Whoosh's own BM25F gives it."""

import pytest
from whoosh import scoring
from whoosh.searching import Searcher

from interviews.search.engines import engine
from interviews.search.matching import EveryScoreCollector
from interviews.search.scoring import ArrayBM25F


def _scores(searcher, backend, text):
    positive, _ = backend.parse_query(text)
    collector = EveryScoreCollector()
    searcher.search_with_collector(positive, collector)
    docnums, scores = collector.results()
    return dict(zip(docnums.tolist(), scores.tolist()))


@pytest.mark.parametrize(
    "text", ["data", "Datenqualität", "modelle lernen", "数据质量", '"data quality"', "rechenleistung teuerste"]
)
def test_every_score_equals_whooshs_bm25f(archive, text):
    backend = engine().backend
    reader = backend.searcher().reader()
    assert len(list(reader.leaf_readers())) > 1  # several segments, each with its own lengths
    ours = _scores(Searcher(reader, weighting=ArrayBM25F(), closereader=False), backend, text)
    whooshs = _scores(Searcher(reader, weighting=scoring.BM25F(), closereader=False), backend, text)
    assert ours
    assert ours == whooshs  # equal floats, not approximately equal


def test_the_archive_searches_with_array_bm25f(archive):
    assert isinstance(engine().backend.searcher().weighting, ArrayBM25F)
