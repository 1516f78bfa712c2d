"""Haystack's Elasticsearch 7 engine with this archive's index body (SEARCH_URL=elasticsearch://...).

Haystack maps every CharField to English ``snowball`` text, which cannot be faceted and knows no
German or Chinese. This subclass creates the index from interviews/search_schema.py instead (the
same body as deploy/elasticsearch/index.json) and asks for every facet value rather than the
terms aggregation's default of ten. Imported only when configured: it needs the
``elasticsearch>=7,<8`` client. Nothing else differs: engines.GenericHaystack talks to it through
SearchQuerySet, like to any engine but our Whoosh backend.
"""

from haystack.backends import BaseEngine
from haystack.backends.elasticsearch7_backend import Elasticsearch7SearchBackend, Elasticsearch7SearchQuery

from interviews.search import schema as search_schema

#: Terms aggregation size: more than any facet of the archive has values (speakers, topics, ...).
FACET_SIZE = 10_000


class ArchiveElasticsearch7Backend(Elasticsearch7SearchBackend):
    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self.DEFAULT_SETTINGS = {"settings": search_schema.elasticsearch_index()["settings"]}

    def build_schema(self, fields):
        return search_schema.document_field(fields), search_schema.elasticsearch_properties(fields)

    def _get_current_mapping(self, field_mapping):
        return {"dynamic": "strict", "properties": field_mapping}

    def build_search_kwargs(self, *args, **kwargs):
        search_kwargs = super().build_search_kwargs(*args, **kwargs)
        for aggregation in search_kwargs.get("aggs", {}).values():
            if "terms" in aggregation:
                aggregation["terms"].setdefault("size", FACET_SIZE)
        return search_kwargs


class ArchiveElasticsearch7Engine(BaseEngine):
    backend = ArchiveElasticsearch7Backend
    query = Elasticsearch7SearchQuery
