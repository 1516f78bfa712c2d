"""Judged queries: how well search finds what a reader wants, in every language.

A judged query names the turns (by key) a reader typing it wants to see. ``evaluate()`` runs each
query through the same ``search()`` the pages and the API use and scores it:

- recall@20: the share of its relevant turns on the first page (20 results, each with the
  versions in other languages it shows when grouped);
- success@10: whether at least one relevant turn is among the first 10 results.

Scores are given per query language and overall, and split by whether the query's words occur
literally in the archive's texts (names, Latin terms) or not (ordinary words a reader types, which
only a translation finds).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from interviews import languages
from interviews.models import Turn
from interviews.search.query import SearchParams, search

JUDGED_QUERIES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "queries" / "judged.json"


@dataclass(frozen=True)
class JudgedQuery:
    query: str
    language: str
    relevant: frozenset


@dataclass(frozen=True)
class Outcome:
    judged: JudgedQuery
    literal: bool
    found_in_20: int
    success_at_10: bool


@dataclass(frozen=True)
class Score:
    queries: int
    recall_at_20: float
    success_at_10: float
    relevant: int
    found: int


def load(path=JUDGED_QUERIES) -> list[JudgedQuery]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [JudgedQuery(q["query"], q["language"], frozenset(q["relevant"])) for q in data["queries"]]


def occurs_literally(query: str, texts: list[str]) -> bool:
    """True when every word of the query occurs as written (folded) in some text."""
    words = re.findall(r"\w+", languages.fold(query))
    folded = [languages.fold(text) for text in texts]

    def found(word):
        if languages.has_cjk(word):
            return any(word in text for text in folded)
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
        return any(pattern.search(text) for text in folded)

    return bool(words) and all(found(word) for word in words)


def evaluate(judged: list[JudgedQuery]) -> list[Outcome]:
    texts = list(Turn.objects.values_list("text", flat=True))
    outcomes = []
    for item in judged:
        # A result grouped across languages shows each version: all of them are on the page.
        shown = [
            {hit.key, *(t.key for t in hit.translations or ())} for hit in search(SearchParams(q=item.query)).results
        ]
        outcomes.append(
            Outcome(
                judged=item,
                literal=occurs_literally(item.query, texts),
                found_in_20=len(item.relevant & set().union(*shown[:20])),
                success_at_10=bool(item.relevant & set().union(*shown[:10])),
            )
        )
    return outcomes


def score(outcomes: list[Outcome]) -> Score:
    relevant = sum(len(o.judged.relevant) for o in outcomes)
    found = sum(o.found_in_20 for o in outcomes)
    return Score(
        queries=len(outcomes),
        recall_at_20=found / relevant if relevant else 0.0,
        success_at_10=sum(o.success_at_10 for o in outcomes) / len(outcomes) if outcomes else 0.0,
        relevant=relevant,
        found=found,
    )


def breakdown(outcomes: list[Outcome]) -> dict[str, Score]:
    """Scores per query language, for literal and non-literal queries, and overall."""
    groups = {}
    for code in dict.fromkeys(o.judged.language for o in outcomes):
        groups[code] = [o for o in outcomes if o.judged.language == code]
    groups["literal"] = [o for o in outcomes if o.literal]
    groups["not literal"] = [o for o in outcomes if not o.literal]
    groups["overall"] = list(outcomes)
    return {name: score(group) for name, group in groups.items() if group}
