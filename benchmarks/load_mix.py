"""The load test's request mix: real traffic's shape, fixed by a seed, drawn from the archive itself.

A long tail with a popular head: about 68% of requests are drawn from a popular set with Zipf
popularity (s = 1.1: the most popular request is asked for about twice as often as the second),
the rest are asked for exactly once (someone's own search, a link followed once). Kinds, in shares
of the distinct requests: the search page (every language, 0-3 words, 0-3 filters, relevance or date
order, pages 1-5, translations=1 under a language filter), the JSON API, transcript pages and quote
pages. Pages past the first are only asked of searches that have that many pages, as a user pages on.

Written by `manage.py bench --phase load-mix` as ``loadtest-mix.tsv`` (kind, tab, path) in the
benchmark archive's directory, and replayed in that order by `benchmarks/loadtest.py`.
"""

from __future__ import annotations

import random
from collections import Counter
from urllib.parse import urlencode

from benchmarks.queries import FACETS, PAGE_SIZE, query_words

ZIPF_S = 1.1
KINDS = {"search": 50, "search+translations": 7, "api": 25, "transcript": 8, "quote": 10}


def build_load_mix(*, seed: int, requests: int = 20_000, once: float = 0.32, popular: int = 20_000) -> list:
    """``requests`` (kind, path) pairs in the order they are sent."""
    rng = random.Random(seed * 104_729 + requests)
    repeated = requests - round(requests * once)
    weights = [1 / rank**ZIPF_S for rank in range(1, popular + 1)]
    ranks = rng.choices(range(popular), weights=weights, k=repeated)
    ranks += range(popular, popular + requests - repeated)  # the one-off requests: one rank each
    rng.shuffle(ranks)
    make = _RequestMaker(rng)
    items = {rank: make() for rank in dict.fromkeys(ranks)}
    return [items[rank] for rank in ranks]


def describe(mix: list) -> dict:
    counts = Counter(path for _, path in mix)
    return {
        "requests": len(mix),
        "distinct": len(counts),
        "never_repeated_share": round(sum(1 for n in counts.values() if n == 1) / len(mix), 3),
        "most_popular_share": round(counts.most_common(1)[0][1] / len(mix), 3),
        "by_kind": dict(Counter(kind for kind, _ in mix)),
    }


class _RequestMaker:
    """Each call: one new (kind, path), its facet values read off a random turn of the archive."""

    def __init__(self, rng: random.Random):
        from interviews.models import Transcript, Turn, TurnTopic

        self.rng = rng
        self.turns = list(
            Turn.objects.order_by("pk").values_list(
                "pk", "key", "transcript__language", "speaker__slug", "transcript__interview__slug"
            )
        )
        self.years = {
            slug: (str(d.year) if (d := interview.date) else None)
            for slug, interview in {
                t.interview.slug: t.interview for t in Transcript.objects.select_related("interview")
            }.items()
        }
        self.transcripts = [t.get_absolute_url() for t in Transcript.objects.select_related("interview")]
        self.topics: dict = {}
        for turn_id, slug in (
            TurnTopic.objects.exclude(source=TurnTopic.REMOVED)
            .order_by("turn_id", "topic__slug")
            .values_list("turn_id", "topic__slug")
        ):
            self.topics.setdefault(turn_id, []).append(slug)
        self.seen: set = set()

    def __call__(self) -> tuple:
        while True:
            item = self._draw()
            if item not in self.seen:
                self.seen.add(item)
                return item

    def _draw(self) -> tuple:
        from django.urls import reverse

        kind = self.rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        if kind == "transcript":
            return kind, self.rng.choice(self.transcripts)
        pk, key, language, speaker, interview = self.rng.choice(self.turns)
        if kind == "quote":
            return kind, reverse("interviews:quote", args=[key])
        values = {
            "speaker": speaker,
            "language": language,
            "interview": interview,
            "year": self.years.get(interview),
            "topic": self.rng.choice(self.topics[pk]) if self.topics.get(pk) else None,
        }
        available = [f for f in FACETS if values[f]]
        chosen = set(
            self.rng.sample(available, min(self.rng.choices([0, 1, 2, 3], [45, 30, 15, 10])[0], len(available)))
        )
        words = self.rng.choices([0, 1, 2, 3], weights=[8, 45, 35, 12])[0]
        params = {"q": query_words(self.rng, language, words) if words else ""}
        if kind == "search+translations":
            chosen.add("language")
            params["translations"] = "1"
        params.update({f: values[f] for f in FACETS if f in chosen})
        if self.rng.random() < 0.2:
            params["sort"] = "date"
        page = self.rng.choices([1, 2, 3, 4, 5], weights=[70, 12, 8, 5, 5])[0]
        if page > 1:
            page = min(page, self._pages(params))
        if page > 1:
            params["page"] = str(page)
        name = "interviews:api_search" if kind == "api" else "interviews:search"
        return kind, reverse(name) + "?" + urlencode({k: v for k, v in params.items() if v})

    @staticmethod
    def _pages(params: dict) -> int:
        from interviews.search import query as search

        filters = {f: [params[f]] for f in FACETS if f in params}
        found = search.search(search.SearchParams(q=params["q"], filters=filters, sort=params.get("sort", "")))
        return max(1, -(-found.count // PAGE_SIZE))
