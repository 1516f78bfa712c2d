"""Haystack's stock Whoosh backend over the same turns: what a Django developer gets out of the box.

A plain ``SearchIndex`` of the kind Haystack's tutorial writes (a ``document=True`` text field,
facet fields declared ``faceted=True``), Haystack's own ``WhooshEngine`` on its own connection
(``peer-haystack-whoosh/``), built by ``update_index`` and searched as its faceting tutorial does:
``SearchQuerySet().filter(content=AutoQuery(q))``, one ``narrow('<field>_exact:"value"')`` per
filter (what ``FacetedSearchForm`` does), ``.facet()`` per facet and ``.highlight()``, then one page.

No tuning: Haystack's default analyzer (English stemming, ``\\w+`` tokens: a run of Han characters is
one token, so most Chinese queries find nothing), its default schema (facet fields tokenised), and
``HAYSTACK_LIMIT_TO_REGISTERED_MODELS`` at its default (on), which the archive turns off. The one
departure: ``update_index`` writes every turn in one batch, not in its default batches of 1,000,
whose rate falls as the index grows (665 to 31 docs/s over ten batches, see the notes on Haystack),
which would make the peer unbuildable at 100,000 turns. Facet counts are Haystack's: each facet
counted with every filter, its own included (the archive counts a facet without its own filter),
and a page past the last result gets no hit count from it (counted as finding nothing).

The archive's ``GenericHaystack`` engine (interviews/search/engines.py) also runs on the stock engine,
but with the archive's index (a text field per language with its analyzers, ID facet fields): that
is the archive's tuning on Haystack's engine, not what a developer starts from.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.queries import FACETS, PAGE_SIZE

DIRNAME = "peer-haystack-whoosh"
ALIAS = "stock_whoosh"
STOCK_ENGINE = "haystack.backends.whoosh_backend.WhooshEngine"
#: Above this many turns the peer times only the first LARGE_ARCHIVE_QUERIES queries of the mix
#: (a third per language, as the mix alternates them), in every round: at 100,000 turns one of its
#: searches takes about a second, and the whole mix would add most of an hour to `bench`.
FULL_MIX_TURNS = 20_000
LARGE_ARCHIVE_QUERIES = 30


def plain_index():
    """The SearchIndex a developer writes for Turn, following Haystack's tutorial."""
    from haystack import indexes

    from interviews.models import Turn

    class TurnIndex(indexes.SearchIndex, indexes.Indexable):
        text = indexes.CharField(document=True, model_attr="text")
        speaker = indexes.CharField(model_attr="speaker__slug", faceted=True)
        language = indexes.CharField(model_attr="transcript__language", faceted=True)
        interview = indexes.CharField(model_attr="transcript__interview__slug", faceted=True)
        year = indexes.IntegerField(faceted=True, null=True)
        topic = indexes.MultiValueField(faceted=True)

        def get_model(self):
            return Turn

        def index_queryset(self, using=None):
            return Turn.objects.select_related("speaker", "transcript__interview").prefetch_related(
                "transcript__interview__transcripts", "topic_links__topic"
            )

        def prepare_year(self, turn):
            date = turn.transcript.interview.date
            return date.year if date else None

        def prepare_topic(self, turn):
            return sorted({topic.slug for topic in turn.effective_topics()})

    return TurnIndex()


def connect(directory: Path) -> None:
    """Add the peer's connection (its own index directory and SearchIndex) to this process."""
    from haystack import connections
    from haystack.utils.loading import UnifiedIndex

    connections.connections_info[ALIAS] = {"ENGINE": STOCK_ENGINE, "PATH": str(directory / DIRNAME)}
    unified = UnifiedIndex()
    unified.build(indexes=[plain_index()])
    connections[ALIAS]._index = unified


def build(directory: Path) -> dict:
    """``update_index`` into the peer's directory; {docs, seconds} (the whole command's time)."""
    from django.core.management import call_command

    from interviews.models import Turn

    connect(directory)
    total = Turn.objects.count()
    started = time.perf_counter()
    call_command("update_index", "interviews", using=[ALIAS], batchsize=max(total, 1), verbosity=0)
    return {"docs": total, "seconds": round(time.perf_counter() - started, 2)}


def is_built(directory: Path) -> bool:
    return (directory / DIRNAME).is_dir() and any((directory / DIRNAME).glob("*.toc"))


def queries_timed(turns: int, mix_size: int) -> int:
    """How many queries of the mix (from its start) the peer times on an archive of ``turns``."""
    return mix_size if turns <= FULL_MIX_TURNS else min(mix_size, LARGE_ARCHIVE_QUERIES)


class StockHaystackSearch:
    def __init__(self, directory: Path):
        from django.conf import settings

        connect(directory)
        # Haystack's default, which the archive's settings turn off; the archive's own backend
        # ignores it, so only this peer is affected.
        settings.HAYSTACK_LIMIT_TO_REGISTERED_MODELS = True

    def __call__(self, query: dict) -> int:
        """One results page with highlights and every facet's counts; returns the number of hits."""
        from haystack.inputs import AutoQuery
        from haystack.query import SearchQuerySet

        sqs = SearchQuerySet(using=ALIAS)
        if query["q"].strip():
            sqs = sqs.filter(content=AutoQuery(query["q"]))
        for facet, value in query["filters"].items():
            sqs = sqs.narrow(f'{facet}_exact:"{sqs.query.clean(str(value))}"')
        for facet in FACETS:
            sqs = sqs.facet(facet)
        sqs = sqs.highlight()
        start = (query["page"] - 1) * PAGE_SIZE
        list(sqs[start : start + PAGE_SIZE])
        sqs.facet_counts()
        return sqs.count()
