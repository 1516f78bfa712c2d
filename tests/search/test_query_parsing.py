"""Parsing: a query of the syntax the archive writes (words, "phrases", OR inside brackets,
field:"value", ^boosts, NOT) is read without Whoosh's query parser, into the very tree the parser
makes, in every language field and for highlighting; anything else still goes through the parser."""

import pytest
from whoosh import query as wq

from interviews.search import dictionaries, query_syntax
from interviews.search.engines import engine
from interviews.search.expansion import STOP_WORDS, expand
from interviews.search.highlighting import _term_parser, query_terms
from interviews.search.names import NameIndex
from interviews.search.query import parse_query
from tests.search.dictionary_samples import CEDICT, DING

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
# The grammar the archive writes (expansion.expand, UserQuery.whoosh_syntax) and its corners.
SYNTAX = [
    '"data quality"',
    '"neue modelle" daten',
    '"daten"',  # a phrase of one word
    '"the of"',  # a phrase of stop words only (none left in English)
    '""',
    '"数据质量"',  # a CJK word, a phrase of its parts
    '(数据质量 OR "数据质量") 创新',
    '"gpt 4" gpt4',
    '"a (b) c^2 d:e*"',  # a phrase's text is only text
    "daten NOT modelle",
    'daten NOT "neue modelle"',
    "NOT daten",
    "NOT the",  # a negated stop word: nothing to exclude in English
    "(daten OR data^0.5) modelle",
    "daten^4 modelle^.5 lernen^10.25",
    "(daten OR data OR 数据) (modelle OR models)",
    "(the OR of) daten",  # a group of stop words only, in English
    "(the) daten",
    "()",
    "(daten)",
    "(daten modelle)",
    "(daten modelle)^2",
    "((daten (modelle lernen))^3 OR (rechenleistung))",
    "(((daten)))",
    "daten OR modelle",
    "daten OR modelle OR lernen",
    "daten modelle OR lernen gut",
    "daten OR modelle gut OR lernen",
    "NOT daten OR modelle",
    "daten OR NOT modelle",
    "(NOT daten modelle)",
    "NOT (daten modelle)^2 gut",
    'speaker:"gita-guest"^4 OR daten',
    '(gita OR speaker:"gita-guest"^4 OR speaker:"hanna-host"^4) daten',
    '(((aidan OR speaker:"aidan-chen"^4) (gomez OR speaker:"alex-gomez"^4))^10 OR (aidan OR speaker:"aidan-chen"^4)'
    ' OR (gomez OR speaker:"alex-gomez"^4)) NOT robotik',
    "speaker:gita",
    'speaker:"gita guest"',
    'nofield:"daten modelle"',  # a field the schema lacks: its name stays in the text
    "nofield:daten^2",
    "language:de",
    'language:"de"',  # the filters' syntax (query._narrow_query)
    'speaker:"gita-guest" OR speaker:"hanna-host"',
    'topics:"models-and-architecture"',
    'year:"2023" OR year:"2024"',
    "text_de:daten text_zh:数据",
    "or and not",  # lower case: words, not operators
    "TO daten",
]
NOT_OURS = [
    "daten AND modelle",
    "daten ANDNOT modelle",
    "daten REQUIRE modelle",
    'interview:"a-talk" AND transcript:"en"',  # one transcript's filter: AND is left to the parser
    "daten OR",
    "OR daten",
    "(OR daten)",
    "daten NOT",
    "NOT NOT daten",
    "NOT OR daten",
    "daten OR OR modelle",
    "datenqual*",
    "*",
    "*:*",
    "don't",
    "e-mail",
    "speaker:gita-guest",
    "word  word",
    "word\tword",
    " daten",
    "daten ",
    "( daten)",
    "(daten )",
    "(daten",
    "daten)",
    "(daten))",
    '"daten',
    'daten"modelle"',
    '"daten"modelle',
    '"daten"~2',
    "daten^",
    "daten^x",
    "daten^2x",
    "daten^2^3",
    "daten ^2",
    "speaker:",
    "speaker: daten",
    "a:b:c",
    "speaker:(daten)",
    "speaker:OR",
    "[a TO b]",
    "daten(modelle)",
    "daten\u3000modelle",
]


def _tree(q):
    """A query tree with every attribute of every node (where in the text, boosts), to compare."""
    attributes = sorted((name, repr(value)) for name, value in vars(q).items() if name != "subqueries")
    return [type(q).__name__, attributes, [_tree(sub) for sub in getattr(q, "subqueries", ())]]


def _syntax_tree(node):
    """A syntax tree (Whoosh's parser's before it makes the query) with every attribute."""
    attributes = sorted((name, repr(value)) for name, value in vars(node).items() if name not in ("nodes", "_parent"))
    return [type(node).__name__, attributes, [_syntax_tree(sub) for sub in getattr(node, "nodes", ())]]


@pytest.fixture
def parsers(archive):
    """The backend's parser of each language field and of filters (``narrow``), and
    highlighting's parser of each language (whose schema has no field but its own)."""
    backend = engine().backend
    return backend._field_parsers() + [backend.parser] + [_term_parser(code) for code in ("de", "en", "zh", "und")]


def assert_read_as_parsed(parsers, text):
    for parser in parsers:
        read = query_syntax.parse(parser, text)
        parsed = parser.parse(text)
        assert read is not None, text
        assert read == parsed, (parser.fieldname, text)
        if parsed is not wq.NullQuery:
            assert _tree(read) == _tree(parsed), (parser.fieldname, text)


@pytest.mark.parametrize("text", PLAIN)
def test_plain_words_give_the_parsers_tree_in_every_field(parsers, text):
    assert_read_as_parsed(parsers, text)


@pytest.mark.parametrize("text", SYNTAX)
def test_the_archives_syntax_gives_the_parsers_tree_in_every_field(parsers, text):
    assert_read_as_parsed(parsers, text)


@pytest.mark.parametrize("text", PLAIN + SYNTAX)
def test_the_syntax_tree_is_the_parsers_after_its_filters(parsers, text):
    """Node for node, before either is made a query (whose normalize() hides some of it)."""
    for parser in (parsers[0], parsers[-1]):  # a field of the archive's schema; highlighting's
        assert _syntax_tree(query_syntax.read(text, parser.schema, parser.group)) == _syntax_tree(parser.process(text))


@pytest.mark.parametrize("text", NOT_OURS)
def test_any_other_query_is_left_to_the_parser(parsers, text):
    assert query_syntax.read(text, engine().backend.schema) is None
    for parser in parsers:
        assert query_syntax.parse(parser, text) is None


# What expansion writes, from the small dictionaries of tests/search/dictionary_samples.py.
SPEAKERS = [
    ("aidan-chen", "Aidan Chen", []),
    ("aidan-gomez", "Aidan Gomez", ["艾丹·戈麦斯"]),
    ("gita-guest", "Gita Guest", []),
    ("wang-fang", "王芳", []),
]
USER_QUERIES = [
    "data",
    "Daten Modelle",
    "supply chain data",
    "synthetic of data",
    "children -robotik",
    '"supply chain" kinder',
    "数据",
    "數據 模型",
    "大模型",
    "合成数据",
    "GPT4 Datenqualitaet",
    "gpt 4",
    "Aidan Gomez",
    "aidan data",
    "艾丹戈麦斯 数据",
    "王芳",
    'Gita synthetic -daten -"big data"',
    "the of and",
]


@pytest.fixture
def expanded(tmp_path):
    path = tmp_path / "dictionaries.sqlite3"
    dictionaries.build(path, cedict_lines=CEDICT, ding_lines=DING, topics=[])
    dicts = dictionaries.Dictionaries(path)
    names = NameIndex.build(SPEAKERS, stop_words=STOP_WORDS)
    return lambda text: expand(parse_query(text), dicts, names=names)


@pytest.mark.parametrize("text", USER_QUERIES)
def test_what_expansion_writes_gives_the_parsers_tree_in_every_field(parsers, expanded, text):
    query = expanded(text)
    assert query.whoosh_syntax()
    for syntax in filter(None, (query.whoosh_syntax(), query.relaxed, parse_query(text).whoosh_syntax())):
        assert_read_as_parsed(parsers, syntax)


def test_expansion_writes_each_part_of_the_grammar(expanded):
    """The queries above cover what expansion writes: brackets, OR, phrases, speakers, boosts,
    exclusions."""
    written = " ".join(expanded(text).whoosh_syntax() + " " + expanded(text).relaxed for text in USER_QUERIES)
    for part in (" OR ", '"', 'speaker:"', ")^10", "NOT "):
        assert part in written


def test_a_search_finds_what_the_parser_finds(parsers, expanded, monkeypatch):
    """The backend's whole query (every language field, exclusions apart) and the terms a page
    highlights are the same either way."""
    texts = PLAIN + SYNTAX + [expanded(text).relaxed or expanded(text).whoosh_syntax() for text in USER_QUERIES]
    backend = engine().backend

    def backend_trees(text):
        return [q if q is None or q is wq.NullQuery else _tree(q) for q in backend.parse_query(text)]

    read = [backend_trees(text) for text in texts]
    terms = [query_terms(text, language) for text in texts for language in ("de", "en", "zh", "und")]
    monkeypatch.setattr(query_syntax, "read", lambda text, schema, group=None: None)
    assert [backend_trees(text) for text in texts] == read
    assert [query_terms(text, language) for text in texts for language in ("de", "en", "zh", "und")] == terms
