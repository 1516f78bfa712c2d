"""The query syntax the archive writes, read without Whoosh's query parser.

Every search parses its query string once per language field (``whoosh_backend``), again for
each language whose hits it highlights (``highlighting.query_terms``), and each of its filters.
Whoosh's ``QueryParser`` finds the syntax by trying its taggers' regular expressions (some 17) at
every character of the string, then rearranges the nodes in eight filter passes; for a name
search with a speaker and a topic filter that was 14,388 regular expression matches. The strings
searched are written by the archive itself (``UserQuery.whoosh_syntax()``, ``expansion.expand()``,
``query._narrow_query()``), in a small grammar:

    level    := item (' ' item)*
    item     := ['OR '] ['NOT '] operand                   OR only after an operand
    operand  := ([field ':'] ('"' text '"' | word) | '(' [level] ')') ['^' boost]

where a word is a run of word characters other than Whoosh's upper-case operators, a text is
anything but a double quote or a line break, and each operand ends the string or is followed by
a space or ``)``. ``read()`` makes a string of that grammar into the syntax tree Whoosh's parser
has after its taggers and filters (the same node classes, texts, fields, boosts and character
positions: see ``_operand`` and ``_level`` for what each step of the parser does to them);
``query_for()`` then turns it into a query with Whoosh's own code, as ``QueryParser.parse()``
does, once per field parser. Any other string is not read (None) and goes to ``parser.parse()``.
tests/search/test_query_parsing.py holds the two equal, node for node.

Measured over the distinct queries of the 100k benchmark's mix, expanded (2 cores, load 3): for
the 704 that are not plain words, the backend's query (four fields) took 0.6-0.8 ms a query
against 1.7 ms with the parser, highlighting's terms in three languages 0.4-0.7 against 1.2 ms;
plain words as before in the backend (which had its own path for them), 0.1 against 0.3 ms for
highlighting.
"""

from __future__ import annotations

import re

from whoosh import query as wq
from whoosh.qparser import syntax
from whoosh.qparser.plugins import PhrasePlugin

#: Whoosh's operator words (``OperatorsPlugin``): read here only as OR and NOT where they are
#: operators, anything else with one of them goes to the parser.
_OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE"})

# A field's name, then a phrase or a word; a boost (BoostPlugin's number: 4, 0.5, .5, 10.25).
_OPERAND_RE = re.compile(r'(?:(\w+):)?(?:"([^"\n]*)"|(\w+))(?:\^([0-9]*(?:\.[0-9]+)?))?')
_BOOST_RE = re.compile(r"\^([0-9]*(?:\.[0-9]+)?)")


class _NotOurs(Exception):
    """The string is not of the grammar: the parser reads it."""


def read(text: str, schema, group=syntax.AndGroup):
    """The syntax tree Whoosh's ``QueryParser`` (default plugins, this ``schema`` and ``group``)
    makes of ``text`` before turning it into a query, or None if ``text`` is not of the grammar
    above. The tree does not depend on the parser's default field: one serves every field."""
    try:
        nodes, items, pos = _level(text, 0, schema, group)
    except _NotOurs:
        return None
    if pos != len(text):  # a ")" that closes nothing
        return None
    if items == 1 and text[0] == "(" and text[-1] == ")" and isinstance(nodes[0], syntax.GroupNode):
        # GroupPlugin.do_groups: a query that is one bracketed group (no boost, no operator) is
        # that group.
        return nodes[0]
    return group(nodes)


def query_for(tree, parser):
    """``parser.parse(text)`` for the tree ``read(text, parser.schema, parser.group)``."""
    q = tree.query(parser)
    if not q:
        q = wq.NullQuery
    return q.normalize()


def parse(parser, text: str):
    """``parser.parse(text)`` without the parser's taggers and filters, or None if ``text`` is
    not of the grammar above."""
    tree = read(text, parser.schema, parser.group)
    return None if tree is None else query_for(tree, parser)


def parsed(parser, text: str):
    """``parser.parse(text)``: read here when ``text`` is of the grammar above, else by the parser."""
    q = parse(parser, text)
    return parser.parse(text) if q is None else q


def _level(text, pos, schema, group):
    """``(nodes, items, pos)``: the nodes of one level of brackets from ``pos`` up to the ``)``
    that ends it or the end of the text, with Whoosh's operators applied (OperatorsPlugin runs
    NOT, then AND, then OR over each level: NOT takes the node after it into a ``NotGroup``; a
    run of ORs makes one ``OrGroup`` of the nodes either side, in order); ``items`` counts the
    operands and operators read."""
    nodes = []
    items = 0
    end = len(text)
    if pos == end or text[pos] == ")":
        return nodes, items, pos
    while True:
        either = nodes and text.startswith("OR ", pos)
        if either:
            pos += 3
            items += 1
        negated = text.startswith("NOT ", pos)
        if negated:
            pos += 4
            items += 1
        node, pos = _operand(text, pos, schema, group)
        items += 1
        if negated:
            node = syntax.NotGroup([node])
        if not either:
            nodes.append(node)
        elif isinstance(nodes[-1], syntax.OrGroup):  # InfixOperator.replace_self, merging
            nodes[-1].append(node)
        else:
            nodes[-1] = syntax.OrGroup([nodes[-1], node])
        if pos == end or text[pos] == ")":
            return nodes, items, pos
        if text[pos] != " ":
            raise _NotOurs
        pos += 1


def _operand(text, pos, schema, group):
    """``(node, pos after it)`` for the operand at ``pos``."""
    if text.startswith("(", pos):
        # GroupPlugin: the parser's group of what the brackets hold.
        nodes, _, pos = _level(text, pos + 1, schema, group)
        if not text.startswith(")", pos):
            raise _NotOurs  # never closed
        node = group(nodes)
        pos += 1
        match = _BOOST_RE.match(text, pos)
        if match:
            node.set_boost(_boost(match.group(1)))
            pos = match.end()
    else:
        match = _OPERAND_RE.match(text, pos)
        if not match:
            raise _NotOurs
        field, phrase, word, boost = match.groups()
        if phrase is not None:
            # PhrasePlugin: the node spans the quotes; its words are found in the text after the
            # opening quote.
            node = PhrasePlugin.PhraseNode(phrase, match.start(2), 1)
            node.startchar, node.endchar = match.start(2) - 1, match.end(2) + 1
        else:
            if word in _OPERATOR_WORDS:
                raise _NotOurs
            # The text between the tags is a word, spanning only itself.
            node = syntax.WordNode(word)
            node.startchar, node.endchar = match.start(3), match.end(3)
        if field is not None:
            # FieldsPlugin: a field of the schema is the node's field; another is text, put back
            # in front of the node's own.
            if not schema or field in schema:
                node.fieldname = field
            else:
                node.text = field + ":" + node.text
        if boost is not None:
            node.set_boost(_boost(boost))
        pos = match.end()
    if pos < len(text) and text[pos] not in " )":
        raise _NotOurs
    return node, pos


def _boost(number: str) -> float:
    if not number:  # "^" alone: a word to the parser
        raise _NotOurs
    return float(number)
