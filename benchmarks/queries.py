"""The benchmark's query mix, fixed by the seed, with realistic words and facet values from the
archive itself; and the search module as the search page calls it (the only place that knows its
signature: adjust here if interviews/search/query.py changes).
"""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

from benchmarks.synthetic import language_models
from interviews.languages import HAN

_HAN_RE = re.compile(f"[{HAN}]")

FACETS = ("speaker", "topic", "language", "interview", "year")
PAGE_SIZE = 20  # results per page, as interviews.search.query shows them


def _is_content_word(word: str, language: str) -> bool:
    """A word a user might type: not punctuation, not a short function word."""
    if language == "zh":
        return len(word) >= 2 and all(_HAN_RE.match(ch) for ch in word)
    if len(word) < 4 or not word.replace("-", "").isalnum() or word.isdigit():
        return False
    if language == "de":
        from interviews.search.analysis import GERMAN_STOPWORDS, fold

        return fold(word) not in GERMAN_STOPWORDS
    from whoosh.analysis import STOP_WORDS

    return word.lower() not in STOP_WORDS


@cache
def _content_words(language: str) -> tuple[str, ...]:
    # One entry per occurrence in the seed: popular words are drawn more often, as users do.
    return tuple(w for w in language_models()[language].words if _is_content_word(w, language))


def query_words(rng: random.Random, language: str, count: int) -> str:
    """`count` distinct content words: half the time a run read along the seed's word order (words
    that occur together), otherwise independent draws (which may find nothing together)."""
    model, pool = language_models()[language], _content_words(language)
    words: list[str] = []
    if count > 1 and rng.random() < 0.5:
        word = rng.choice(pool)
        words.append(word)
        for _ in range(12):
            followers = model.successors.get(word)
            if not followers or len(words) == count:
                break
            word = rng.choice(followers)
            if _is_content_word(word, language) and word not in words:
                words.append(word)
    while len(words) < count:
        word = rng.choice(pool)
        if word not in words:
            words.append(word)
    return " ".join(words)


def build_query_mix(size: int, seed: int, count) -> list[dict]:
    """`size` searches, a third per language: 1-3 words, 0-3 facet filters, page 1 or 5.

    Filters are read off a real turn of the query's language (its speaker, topic, interview, year),
    as a user narrows by the facets a result page shows, so combined filters are consistent. A
    quarter ask for page 5, and like a user who pages on, only of a query that has 5 pages:
    `count(query)` says how many turns match (words are drawn again until it is enough).
    """
    from interviews.models import Turn, TurnTopic

    rng = random.Random(seed * 7919 + size)
    mix = []
    languages = ("de", "zh", "en")
    by_language = {lang: Turn.objects.filter(transcript__language=lang).order_by("pk") for lang in languages}
    counts = {lang: qs.count() for lang, qs in by_language.items()}
    for i in range(size):
        language = languages[i % 3]
        if not counts[language]:
            language = max(counts, key=counts.get)
        words = rng.choices([1, 2, 3], weights=[4, 4, 2])[0]
        filters = rng.choices([0, 1, 2, 3], weights=[50, 25, 15, 10])[0]
        page = 5 if rng.random() < 0.25 else 1
        turn = by_language[language].select_related("speaker", "transcript__interview")[rng.randrange(counts[language])]
        interview = turn.transcript.interview
        topics = sorted(
            TurnTopic.objects.filter(turn=turn).exclude(source=TurnTopic.REMOVED).values_list("topic__slug", flat=True)
        )
        values = {
            "speaker": turn.speaker.slug,
            "language": language,
            "interview": interview.slug,
            "year": str(interview.date.year) if interview.date else None,
            "topic": rng.choice(topics) if topics else None,
        }
        available = [f for f in FACETS if values[f]]
        chosen = rng.sample(available, min(filters, len(available)))
        query = {
            "q": query_words(rng, language, words),
            "language": language,
            "filters": {f: values[f] for f in FACETS if f in chosen},
            "page": 1,
        }
        if page == 5:
            for attempt in range(30):
                if count(query) > 4 * PAGE_SIZE:
                    query["page"] = 5
                    break
                if attempt == 15:
                    query["filters"] = {}
                query["q"] = query_words(rng, language, rng.choice([1, 1, 2]))
        mix.append(query)
    return mix


def search_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("interviews.search.query") is not None


def archive_search(query: dict) -> int:
    """One search through the search page's code path; returns the number of matching turns
    (-1 when the page asked for is past the last one, which the raw path never says)."""
    from interviews.search import query as search

    params = search.SearchParams(
        q=query["q"], filters={k: [v] for k, v in query["filters"].items()}, page=query["page"]
    )
    try:
        return search.search(params).count
    except search.PageNotFound:
        return -1


def archive_expands(query: dict) -> bool:
    """Whether the archive searches more than the words typed for this query (translations,
    other spellings, the speakers a name names: ``expansion.expand``; or, when few turns have
    every word, the turns with some of them), which the raw reference does not: a different
    number of hits is then the archive's design, not a disagreement."""
    from interviews.search import query as search
    from interviews.search.engines import engine

    parsed = search.parse_query(query["q"])
    if not parsed.include:
        return False
    expanded = search.expand(parsed, names=search.speaker_names(engine().index_stamp()))
    if expanded.expansions or expanded.speakers:
        return True
    params = search.SearchParams(
        q=query["q"], filters={k: [v] for k, v in query["filters"].items()}, page=query["page"]
    )
    try:
        return search.search(params).relaxed
    except search.PageNotFound:
        return False


def search_index_dir() -> Path | None:
    from django.conf import settings

    connections = getattr(settings, "HAYSTACK_CONNECTIONS", {})
    path = connections.get("default", {}).get("PATH")
    return Path(path) if path else None
