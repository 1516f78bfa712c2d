"""Relevance pages score only the hits that can make the page (Whoosh's top-N collector with its
block-quality skipping); counts and facets come from the matching documents, unscored. Whatever
the search, the pages, counts and facets are those of scoring every hit and ranking them all."""

import random

import pytest
from whoosh.codec.whoosh3 import W3Codec

from benchmarks.queries import query_words
from benchmarks.synthetic import Generator
from interviews.ingest import ingest_transcript
from interviews.models import Turn
from interviews.search import query as search
from interviews.search.columns import TopWithinCollector
from interviews.search.engines import engine
from interviews.search.generations import WriterCodec
from interviews.search.whoosh_backend import ArchiveWhooshBackend
from interviews.sources import collect_sources

PAGES = (1, 2, 3)
PAGE_SIZE = 10


@pytest.fixture
def generated(db, tmp_path, settings, monkeypatch, django_capture_on_commit_callbacks):
    """770 generated turns in English, German and Chinese, some interviews translated (aligned
    turns, for the grouping across languages). Postings are written in blocks of 4 documents
    instead of 128, so that a small archive has blocks to skip."""
    settings.ARCHIVE_SEARCH_CACHE = False
    monkeypatch.setattr(WriterCodec, "__init__", lambda self: W3Codec.__init__(self, blocklimit=4))
    generator = Generator(seed=3)
    for languages in (["en"], ["de"], ["zh"], ["en", "de"], ["de", "zh"], ["zh", "en"], ["en"], ["de"]):
        generator.interview(70, languages=languages).write(tmp_path)
    sources, errors = collect_sources([tmp_path])
    assert not errors
    with django_capture_on_commit_callbacks(execute=True):
        for _, source in sources:
            ingest_transcript(source)
    assert Turn.objects.count() == 770


def _searches():
    """Words of each language, 1-3 at a time, phrases, exclusions, and the same with filters,
    by date, with translations shown, ungrouped and typed-only."""
    rng = random.Random(5)
    turns = list(Turn.objects.select_related("transcript").order_by("pk"))
    words = [query_words(rng, language, n) for language in ("en", "de", "zh") for n in (1, 1, 2, 3)]
    phrases = []
    for turn in rng.sample(turns, 4):
        parts = turn.text.split()
        if turn.transcript.language == "zh":
            phrases.append(f'"{turn.text[2:6]}"')
        elif len(parts) > 3:
            phrases.append(f'"{parts[1]} {parts[2]}"')
    texts = words + phrases + [f"{words[0]} -{words[1]}", f"-{words[4]}", "the"]
    searches = [search.SearchParams(q=q, page_size=PAGE_SIZE) for q in texts]
    for q in texts[::3]:
        searches.append(search.SearchParams(q=q, page_size=PAGE_SIZE, sort="date"))
        searches.append(search.SearchParams(q=q, page_size=PAGE_SIZE, group=False))
        searches.append(search.SearchParams(q=q, page_size=PAGE_SIZE, exact=True))
    return searches


def _with_filters(params, first):
    """``params`` narrowed by the first values of the facets of its first page."""
    for names in (("language",), ("speaker",), ("year", "topic"), ("interview",)):
        filters = {name: [first.facets[name][0].value] for name in names if first.facets.get(name)}
        if filters:
            yield search.SearchParams(q=params.q, page_size=PAGE_SIZE, filters=filters, sort=params.sort)
    language = first.facets.get("language")
    if language:
        yield search.SearchParams(
            q=params.q, page_size=PAGE_SIZE, filters={"language": [language[0].value]}, translations=True
        )


def _outcome(params):
    """What a reader sees of pages 1-3: the hits (with their translations), count and facets."""
    pages = []
    for page in PAGES:
        try:
            found = search.search(search.SearchParams(**{**vars(params), "page": page}))
        except search.PageNotFound:
            break
        pages.append(
            (
                [(hit.key, [t.key for t in hit.translations or ()]) for hit in found.results],
                found.count,
                found.facets,
                found.grouped,
            )
        )
    return pages


def _scoring_every_hit(monkeypatch, function, *args):
    with monkeypatch.context() as patch:
        patch.setattr(ArchiveWhooshBackend, "score_every_hit", True)
        return function(*args)


def test_pages_counts_and_facets_are_those_of_scoring_every_hit(generated, monkeypatch):
    skipped = []
    results = TopWithinCollector.results
    monkeypatch.setattr(TopWithinCollector, "results", lambda self: skipped.append(self.skipped_times) or results(self))
    compared = 0
    for params in _searches():
        first = search.search(params)
        for each in [params, *_with_filters(params, first)]:
            fast = _outcome(each)
            assert fast == _scoring_every_hit(monkeypatch, _outcome, each), each
            compared += bool(fast and fast[0][1])
    assert compared > 60  # most searches found something to compare
    assert sum(skipped) > 0  # blocks of postings were skipped, unscored


def test_the_ranked_keys_for_grouping_are_those_of_scoring_every_hit(generated, monkeypatch):
    backend = engine().backend
    for q in ("data", "Daten modelle", "数据", "model -data"):
        syntax = search.parse_query(q).whoosh_syntax()
        for limit in (1, 25, 200, None):
            fast = backend.ranked_keys(syntax, [], limit, ("speaker", "year"))
            full = _scoring_every_hit(monkeypatch, backend.ranked_keys, syntax, [], limit, ("speaker", "year"))
            assert fast == full, (q, limit)
