"""Field declarations for the search index: each knows the Whoosh field it becomes, so the
backend's ``build_schema()`` asks it instead of guessing from the type (Haystack's default made
facet fields stemmed TEXT, so "Dr. Anna Wang" became the facets "dr", "anna", "wang")."""

from haystack import indexes
from whoosh.analysis import IDAnalyzer
from whoosh.fields import ID as WHOOSH_ID
from whoosh.fields import KEYWORD, NUMERIC, STORED, TEXT

# --- Field declarations ---------------------------------------------------------------------------
# Each knows the Whoosh field it becomes; build_schema() asks it instead of guessing from the type.


class AnalyzedTextField(indexes.CharField):
    """Full text analysed with a given Whoosh analyzer (one per language)."""

    def __init__(self, *, analyzer, phrase=True, **kwargs):
        kwargs.setdefault("stored", False)
        super().__init__(analyzer=analyzer, **kwargs)
        self.phrase = phrase

    def whoosh_field(self):
        return TEXT(analyzer=self.analyzer, phrase=self.phrase, stored=self.stored)


class ExactField(indexes.CharField):
    """An un-tokenised value (slug, code, ISO date) with a column: for facets, filters and sorting."""

    def __init__(self, *, unique=False, **kwargs):
        # Engines that only read ``analyzer`` (Haystack's stock Whoosh backend) keep the value whole
        # too; Solr and Elasticsearch get string/keyword fields from interviews/search_schema.py.
        kwargs.setdefault("analyzer", IDAnalyzer())
        super().__init__(**kwargs)
        self.unique = unique

    def whoosh_field(self):
        return WHOOSH_ID(stored=self.stored, unique=self.unique, sortable=True)


class ExactListField(indexes.MultiValueField):
    """Several un-tokenised values (e.g. topic slugs); faceted from the postings."""

    def whoosh_field(self):
        return KEYWORD(stored=self.stored, commas=True, lowercase=False, scorable=False)


class NumberField(indexes.IntegerField):
    """An integer with a column, for sorting (e.g. a turn's position in its transcript)."""

    def whoosh_field(self):
        return NUMERIC(numtype=int, bits=32, stored=self.stored, sortable=True)


class StoredField(indexes.CharField):
    """Shown in results, never searched."""

    def __init__(self, **kwargs):
        super().__init__(indexed=False, stored=True, **kwargs)

    def whoosh_field(self):
        return STORED()
