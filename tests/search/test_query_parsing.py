"""Parsing: a query of plain words is read without Whoosh's query parser, into the very tree the
parser makes, in every language field; anything else still goes through the parser."""

import pytest
from whoosh import query as wq

from interviews.search.engines import engine
from interviews.search.whoosh_backend import parse_plain_words

PLAIN = [
    "daten",
    "modelle lernen",
    "Datenqualität",
    "datenqualität modelle",
    "数据质量",
    "數據質量",
    "数据 质量 数据",
    "データ品質",
    "the",  # an English stop word: no English term
    "the and of",  # only stop words in some fields
    "data data",
    "modelle modell",  # one stem twice
    "café naïve Straße",
    "x_y 2023",
    "42",
    "ｆｕｌｌ",
]
NOT_PLAIN = [
    '"data quality"',
    "daten NOT modelle",
    "a AND b",
    "(daten OR data^0.5) modelle",
    'speaker:"gita-guest"^4 OR daten',
    "datenqual*",
    "don't",
    "e-mail",
    "word  word",
    "word\tword",
    " daten",
    "",
]


def _tree(q):
    """A query tree with every attribute of every node (where in the text, boosts), to compare."""
    attributes = sorted((name, repr(value)) for name, value in vars(q).items() if name != "subqueries")
    return [type(q).__name__, attributes, [_tree(sub) for sub in getattr(q, "subqueries", ())]]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_words_give_the_parsers_tree_in_every_language_field(archive, text):
    for parser in engine().backend._field_parsers():
        read = parse_plain_words(parser, text)
        parsed = parser.parse(text)
        assert read is not None
        assert read == parsed
        if parsed is not wq.NullQuery:
            assert _tree(read) == _tree(parsed)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_any_other_query_is_left_to_the_parser(archive, text):
    for parser in engine().backend._field_parsers():
        assert parse_plain_words(parser, text) is None


def test_a_search_of_plain_words_finds_what_the_parser_finds(archive, monkeypatch):
    """The backend's whole query (every language field, exclusions apart) is the same either way."""
    from interviews.search import whoosh_backend

    backend = engine().backend
    read = [backend.parse_query(text) for text in PLAIN]
    monkeypatch.setattr(whoosh_backend, "parse_plain_words", lambda parser, text: None)
    assert [backend.parse_query(text) for text in PLAIN] == read
