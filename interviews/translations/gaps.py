"""The turns the alignment path leaves unsure, decided again between the links it is sure of.

Pure Python, no Django. A *gap* is a run of source turns without a sure link, between two sure
links (or the start or end of both transcripts), together with the target turns between those
links' targets. Inside a gap the path's evidence is weakest: a loose rewording or very different
lengths (a 10-character Chinese question for a 98-character German one) make an untranslated
block the cheaper explanation, and an abridged opening leaves several places where the source's
exchange could sit.

:func:`fill_gaps` places the shorter side of a gap, turn for turn and in order, onto consecutive
turns of the longer side, wherever the speakers agree (host, guest alternating) and every pair
is *plausible* (its lengths and anchors are not far off; the caller decides what that means).
It links a placement only when it is the one choice: every pair of it shares more word meaning
than unrelated turns do, and its mean is clearly above every other plausible placement's.
Without word meanings nothing is linked: speakers and lengths say where the turns *can* go, not
where they do (an untranslated intro, or a source turn with no counterpart next to a wrong sure
link, fits them just as well: on the seed transcripts with one exchange left out at a time, the
lone placements linked without meanings were right 3 times and wrong once, and the wrong one, a
German opening with no counterpart, survived every stricter condition tried).

Anything else (several placements alike, speakers that do not match, an implausible pair) leaves
the gap as the path had it. The turns of the longer side outside the placement stay unlinked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: ``(source index, target index)`` pairs of one placement, in order.
Placement = list[tuple[int, int]]


@dataclass(frozen=True)
class Gap:
    source: range  # source indices without a sure link
    target: range  # target indices between the sure links around them


@dataclass(frozen=True)
class GapLink:
    source: int
    target: int
    confidence: float


def find_gaps(n_source: int, n_target: int, sure: dict[int, tuple[int, int]]) -> list[Gap]:
    """The gaps between sure links. ``sure`` maps a source index to the (first, last) target index
    of its link; links are monotonic (never cross). Gaps with no turn on one side are left out."""
    gaps = []
    i = 0
    last_target = -1
    while i < n_source:
        if i in sure:
            last_target = max(last_target, sure[i][1])
            i += 1
            continue
        start = i
        while i < n_source and i not in sure:
            i += 1
        next_target = min((sure[k][0] for k in range(i, n_source) if k in sure), default=n_target)
        target = range(last_target + 1, next_target)
        if target:
            gaps.append(Gap(range(start, i), target))
    return gaps


def placements(gap: Gap, source_roles: Sequence[str], target_roles: Sequence[str]) -> list[Placement]:
    """Every way to put the shorter side of the gap onto consecutive turns of the longer side,
    turn for turn, with the same speaker on both sides of each pair (an unknown speaker, "",
    matches any)."""
    src, tgt = list(gap.source), list(gap.target)
    flip = len(src) > len(tgt)
    short, long_ = (tgt, src) if flip else (src, tgt)
    roles_short, roles_long = (target_roles, source_roles) if flip else (source_roles, target_roles)
    found = []
    for offset in range(len(long_) - len(short) + 1):
        window = long_[offset : offset + len(short)]
        if all(_same_speaker(roles_short[a], roles_long[b]) for a, b in zip(short, window)):
            pairs = list(zip(window, short)) if flip else list(zip(short, window))
            found.append(pairs)
    return found


def _same_speaker(a: str, b: str) -> bool:
    return not a or not b or a == b


def choose(
    options: list[Placement],
    plausible: Callable[[int, int], bool],
    meaning: Callable[[int, int], float] | None,
    margin: float,
    weight: float,
) -> tuple[Placement, float] | None:
    """The placement to link and its confidence, or None.

    ``meaning(i, j)`` is how much more word meaning the pair shares than unrelated turns do (0 at
    the margin the aligner already requires); None when there are no word meanings. The confidence
    is the placement's share of a soft-max over the plausible placements and leaving the gap as it
    is (score 0), with each placement scored ``weight`` times its pairs' summed meaning."""
    if meaning is None:
        return None
    possible = [pl for pl in options if all(plausible(i, j) for i, j in pl)]
    if not possible:
        return None
    scored = sorted(
        ((sum(meaning(i, j) for i, j in pl) / len(pl), pl) for pl in possible), key=lambda x: x[0], reverse=True
    )
    best_mean, best = scored[0]
    if any(meaning(i, j) < 0 for i, j in best):
        return None
    if len(scored) > 1 and best_mean - scored[1][0] < margin:
        return None
    weights = [math.exp(weight * mean * len(pl)) for mean, pl in scored]
    return best, weights[0] / (sum(weights) + 1.0)


def fill_gaps(
    n_source: int,
    n_target: int,
    sure: dict[int, tuple[int, int]],
    source_roles: Sequence[str],
    target_roles: Sequence[str],
    plausible: Callable[[int, int], bool],
    meaning: Callable[[int, int], float] | None = None,
    margin: float = 0.05,
    weight: float = 8.0,
) -> dict[Gap, list[GapLink]]:
    """For each gap where one placement is the clear choice, its links (one target each)."""
    decided = {}
    for gap in find_gaps(n_source, n_target, sure):
        chosen = choose(placements(gap, source_roles, target_roles), plausible, meaning, margin, weight)
        if chosen is not None:
            pairs, confidence = chosen
            decided[gap] = [GapLink(i, j, confidence) for i, j in pairs]
    return decided
