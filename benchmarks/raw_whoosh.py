"""Raw tuned Whoosh: the benchmark's reference. Same analyzers, column facets, one writer, one
searcher.
"""

from __future__ import annotations

from whoosh import columns as whoosh_columns
from whoosh import fields as whoosh_fields

from benchmarks.queries import FACETS, PAGE_SIZE

RAW_TEXT_FIELDS = ("text_de", "text_zh", "text_en")


class TopicsField(whoosh_fields.KEYWORD):
    """Comma-separated topic slugs with a list column, so faceting reads a column instead of
    rebuilding every document's topic list from the postings on each search. Module-level:
    Whoosh pickles the schema into the index."""

    def __init__(self):
        super().__init__(stored=True, commas=True)
        self.column_type = whoosh_columns.VarBytesListColumn()

    def to_column_value(self, value):
        return [t.encode() for t in value.split(",") if t]

    def from_column_value(self, value):
        return [v.decode() for v in value]


def raw_schema():
    from interviews.search.analysis import multilingual_fields

    # Facets are few distinct values over many documents: a column of references into the
    # unique values reads much faster than Whoosh's default per-document byte strings.
    def facet():
        return whoosh_fields.ID(stored=True, sortable=whoosh_columns.RefBytesColumn())

    return whoosh_fields.Schema(
        key=whoosh_fields.ID(stored=True, unique=True),
        body=whoosh_fields.STORED(),
        language=facet(),
        speaker=facet(),
        interview=facet(),
        year=facet(),
        topic=TopicsField(),
        **multilingual_fields("text", languages=("de", "zh", "en")),
    )


def raw_documents(batch: int = 2000, *, after: int = 0):
    """Every turn (with a primary key above ``after``) as a raw Whoosh document, read from the
    database in batches."""
    from interviews.models import Turn, TurnTopic

    last = after
    while True:
        turns = list(
            Turn.objects.filter(pk__gt=last).order_by("pk").select_related("speaker", "transcript__interview")[:batch]
        )
        if not turns:
            return
        topics: dict[int, list[str]] = {}
        for turn_id, slug in (
            TurnTopic.objects.filter(turn__in=turns)
            .exclude(source=TurnTopic.REMOVED)
            .values_list("turn_id", "topic__slug")
        ):
            topics.setdefault(turn_id, []).append(slug)
        docs = []
        for turn in turns:
            transcript = turn.transcript
            date = transcript.interview.date_recorded or transcript.published_on
            language = transcript.language if transcript.language in ("de", "zh", "en") else "en"
            docs.append(
                {
                    "key": turn.key,
                    "body": turn.text,
                    "language": language,
                    "speaker": turn.speaker.slug,
                    "interview": transcript.interview.slug,
                    "year": str(date.year) if date else "",
                    "topic": ",".join(sorted(topics.get(turn.pk, []))),
                    f"text_{language}": turn.text,
                }
            )
        yield docs
        last = turns[-1].pk


def raw_search(searcher, query: dict) -> int:
    """The same work as a search page: parse, filter, facet counts, one page of highlighted hits.

    The words are read as the archive reads what a user types (``parse_query``: GPT-5 is the
    phrase "gpt 5", where Whoosh's own parser would AND gpt and 5 anywhere in the turn), without
    the archive's expansion (translations, spellings, speakers named): the words as typed."""
    from whoosh import query as wq
    from whoosh import sorting

    from interviews.search.analysis import multilingual_query
    from interviews.search.highlighting import highlight, query_terms
    from interviews.search.query import parse_query

    q = multilingual_query(parse_query(query["q"]).whoosh_syntax(), searcher.schema, RAW_TEXT_FIELDS)
    terms = [wq.Term(name, value) for name, value in query["filters"].items()]
    facets = {name: sorting.FieldFacet(name, maptype=sorting.Count, allow_overlap=name == "topic") for name in FACETS}
    results = searcher.search(
        q, limit=query["page"] * PAGE_SIZE, filter=wq.And(terms) if terms else None, groupedby=facets
    )
    for name in FACETS:
        results.groups(name)
    start = (query["page"] - 1) * PAGE_SIZE
    terms = {}  # the query's terms per language, analysed once per page rather than once per hit
    for hit in results[start : start + PAGE_SIZE]:
        language = hit["language"]
        if language not in terms:
            terms[language] = wq.Or([wq.Term("t", term) for term in query_terms(query["q"], language)])
        highlight(hit["body"], terms[language], language)
    return len(results)
