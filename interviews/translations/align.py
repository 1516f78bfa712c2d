"""Align the turns of two translations of the same interview.

Pure Python: nothing here imports Django, and nothing needs a model or a dictionary (word
meanings from one are optional and passed in as a function).

Two published translations of one conversation rarely have the same turns: one may be
abridged (turns left out, answers merged with the next question), the other may have lost
a turn or folded an interjection into the answer around it. :func:`align` finds, for every
turn of the *shorter* transcript, the turn or the run of consecutive turns of the *longer*
one that says the same thing, or nothing.

Direction
    ``align(a, b)`` always links from the side with fewer turns (the *source*) to the side
    with more turns (the *target*); on a tie ``a`` is the source. :func:`source_side` tells
    which one it was. ``Link.source`` is an ordinal of the source side, ``Link.targets`` are
    consecutive ordinals of the target side. A source turn without a counterpart has no
    link. Several source turns may share a target turn (the target side merged them).

Only what survives translation is used (see :class:`AlignParams` for the weights):

* order: the alignment is monotonic (dynamic programming, Gale–Church style) with moves
  1-1, 1-k (one source turn = k consecutive target turns), m-1 (m source turns share one
  target turn), 0-1 (a target turn left out of the source) and 1-0 (a source turn with no
  counterpart); left-out target turns come in blocks (abridgement drops whole exchanges),
  so opening a block costs more than extending one (an affine gap cost), except before the
  first and after the last source turn (an untranslated intro or outro);
* the speaker sequence: a host turn aligns to host turns, a mixed-speaker merge is allowed
  but costs in proportion to the text that belongs to the other speaker;
* relative length: log(target chars / source chars) is modelled as a Student-t around a
  ratio estimated from the data itself (a first pass with a per-language prior, then the
  median and spread of the confidently aligned pairs), with a wider tail on the side where
  the target is longer (abridged sources are expected);
* anchors that are written the same way in both languages: numbers normalised to canonical
  values (``1,7 Billionen`` = ``1.7 万亿`` = ``1.7 trillion``; ``500 Millionen`` = ``5 亿``)
  and Latin-script names and terms (``OpenAI``, ``GPT-4``, ``Mike Volpi``) found in both
  documents, weighted by how rare they are (idf);
* question marks at the end of a turn.

The confidence of a link is the posterior probability (soft-min forward–backward over the
same lattice) that the source turn is aligned to a span containing the link's main target,
times a logistic of the link's own evidence cost (speakers, length, anchors, questions), so
that a link which is merely the least bad option, with texts that disagree, stays low; a link
from one long source turn is also marked down by how far its length ratio is from that of the
pair's other long links (:class:`LongTurnNorm`).

With a ``glosses`` function (:mod:`~interviews.translations.meanings`), word meanings from
bilingual dictionaries are one more piece of evidence.

Last, with word meanings, the source turns the path leaves without a sure link are decided again
between the sure links around them (:mod:`~interviews.translations.gaps`): where speakers and
plausible lengths allow a placement of those turns on the target turns between the same links
and clearly more shared meaning singles one out, they are linked there (an abridged opening
whose first exchange is a loose rewording); otherwise they stay as the path had them.

The features live in :mod:`~interviews.translations.numbers`, :mod:`~interviews.translations.terms`
and :mod:`~interviews.translations.features`; the lattice and its dynamic programming in
:mod:`~interviews.translations.lattice`.

No translation model is used: a multilingual sentence-embedding model would be the natural
next feature, but none ships inside a registry package that loads offline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from interviews.translations import gaps, meanings
from interviews.translations.features import (
    CHARS_PER_CONTENT,
    Meanings,
    TurnFeatures,
    evidence_cost,
    length_model,
    meaning_cost,
    prepare,
    structural_cost,
)
from interviews.translations.lattice import Lattice, estimate_length_model, posteriors, viterbi
from interviews.translations.meanings import Glosses

__all__ = [
    "AlignInput",
    "AlignParams",
    "Link",
    "align",
    "source_side",
]


@dataclass
class AlignInput:
    """One turn of a transcript."""

    ordinal: int
    role: str  # "host", "guest" or "" (unknown); any other label is compared verbatim
    text: str
    language: str = ""  # ISO 639-1, e.g. "de", "zh", "en"


@dataclass
class Link:
    """``source`` (an ordinal of the shorter transcript) says the same as ``targets``."""

    source: int
    targets: list[int]  # consecutive ordinals of the longer transcript, 1..k of them
    confidence: float  # 0..1; wrong links tend to be below 0.5


@dataclass
class AlignParams:
    """Weights of the cost function. All costs are roughly in nats (negative log-odds)."""

    skip_target: float = 1.0  # each target turn the source left out (abridged source: cheap)
    skip_target_open: float = 3.0  # extra for starting a block of left-out target turns
    skip_source: float = 4.0  # a source turn with no counterpart (rare: expensive)
    max_target_merge: int = 5  # a source turn may cover up to this many consecutive targets
    max_source_merge: int = 3  # up to this many consecutive source turns may share one target
    target_merge: float = 1.3  # per extra target turn in a merge
    absorbed_question: float = 1.5  # per question of the other speaker inside a merge
    source_merge: float = 2.0  # per extra source turn sharing one target
    length_weight: float = 1.0
    length_nu: float = 3.0  # degrees of freedom of the Student-t on the log length ratio
    sigma_shorter: float = 0.45  # spread of log ratio when the target is shorter than expected
    sigma_longer: float = 0.9  # ... when the target is longer (the source abridged it)
    speaker_mismatch: float = 6.0  # times the share of text spoken by the other speaker
    speaker_absent: float = 4.0  # extra when the other side has no turn of this speaker at all
    anchor_reward: float = 1.3  # per idf unit of an anchor found on both sides
    anchor_missing_source: float = 0.6  # per idf unit of a source anchor absent from the target
    anchor_missing_target: float = 0.15  # per idf unit of a target anchor absent from the source
    idf_cap: float = 4.0
    soft_number_factor: float = 0.5  # number words (drei, 三年) are weaker evidence than digits
    question_match: float = 0.6  # bonus: a question aligned with a turn that asks
    question_missing: float = 0.8  # penalty: a question aligned with no question at all
    # word meanings (only with a ``glosses`` function): per unit of gloss cosine above (reward) or
    # below (penalty) the pair's typical cosine between unrelated turns plus the margin
    meaning_weight: float = 8.0
    meaning_margin: float = 0.1
    meaning_full_glosses: int = 12  # the penalty is full once the shorter side has this many glosses
    temperature: float = 1.0  # of the soft-min used for the confidences
    evidence_offset: float = 3.0  # local evidence cost at which a link's confidence halves
    # Below this confidence a source turn is left unlinked: a reader is better served by no link
    # than by a "possible match" to the wrong turn. On the seeds it unlinks the 4 wrong links (the
    # opening pair, turns with no counterpart) and none of the 69 right ones
    # (tests/translations/alignment/eval_alignment.py).
    min_confidence: float = 0.33
    # A link from one long source turn (expected to give at least long_turn target characters)
    # loses half its confidence at long_turn_off_norm robust spreads from the length ratio of the
    # path's other long links (learnt when there are long_turn_min_links of them).
    long_turn: int = 80
    long_turn_off_norm: float = 7.0
    long_turn_min_links: int = 8
    long_turn_min_spread: float = 0.1
    reestimate: bool = True  # second pass with the length ratio estimated from pass one
    # Gaps (interviews.translations.gaps): the source turns without a link of at least gap_sure
    # between sure links are decided again when one placement is the clear choice. A pair in a
    # placement is plausible up to this length cost (about 5.8 spreads of the length model) and
    # this much evidence against it from anchors and questions (a rare name missing on one side).
    # 0.7: the path's wrong link for the seeds' opening question is at 0.47, and at up to 0.65
    # when the Chinese intro or a later exchange is left out; a link below 0.7 leaves its gap open.
    gap_sure: float = 0.7
    gap_max_length_cost: float = 5.0
    gap_max_evidence: float = 2.0
    gap_meaning_margin: float = 0.05  # the best placement's mean gloss cosine above the next one's


def source_side(a: list[AlignInput], b: list[AlignInput]) -> str:
    """``"a"`` or ``"b"``: which argument of :func:`align` the links start from."""
    return "b" if len(b) < len(a) else "a"


#: Pairs with at most this many cells (source turns x target turns) use the whole lattice; larger
#: ones a band around the diagonal, at least MIN_BAND target turns wide on each side.
FULL_LATTICE_CELLS = 20_000
MIN_BAND = 24


def align(
    a: list[AlignInput], b: list[AlignInput], params: AlignParams | None = None, glosses: Glosses | None = None
) -> list[Link]:
    """Links from each turn of the shorter transcript to the turns of the longer one.

    The side with fewer turns is the source (``a`` on a tie; see :func:`source_side`).
    Returns one :class:`Link` per source turn that has a counterpart, in source order;
    source turns without a counterpart, or whose link is below ``min_confidence``, are absent. Targets are consecutive ordinals.
    """
    p = params or AlignParams()
    if not a or not b:
        return []
    src, tgt = (b, a) if source_side(a, b) == "b" else (a, b)
    src = sorted(src, key=lambda t: t.ordinal)
    tgt = sorted(tgt, key=lambda t: t.ordinal)
    s_turns, t_turns, lang_s, lang_t, found = prepare(src, tgt, p, glosses)
    prior = _length_prior(s_turns, t_turns, lang_s, lang_t, p)
    lat, edges, path, model = _best_path(s_turns, t_turns, prior, p, found)
    norm = LongTurnNorm.from_path(lat, path, model[0], p)
    links = _links(lat, edges, path, p, norm)
    return _decide_gaps(lat, links, model, norm, p)


def _length_prior(s_turns, t_turns, lang_s: str, lang_t: str, p: AlignParams) -> tuple[float, float, float]:
    """(mu, sigma below, sigma above) of log(target chars / source chars) before any alignment."""
    cs, ct = CHARS_PER_CONTENT.get(lang_s), CHARS_PER_CONTENT.get(lang_t)
    if cs and ct:
        mu = math.log(ct / cs)
    else:  # no prior: the ratio of totals (biased by abridgement, refined below)
        mu = math.log(sum(t.length for t in t_turns) / sum(t.length for t in s_turns))
    return mu, p.sigma_shorter, p.sigma_longer


def _best_path(s_turns, t_turns, prior, p: AlignParams, found: Meanings):
    """The lattice, its edges under the final length model, the best path through it and that
    model (mu, sigma below, sigma above).

    Small pairs get the whole lattice. Larger ones start in a band around the diagonal and
    widen it while the best path runs along its edge (a long left-out block pulls the path
    off the diagonal): 300 x 300 turns took 4 s and 1 GB in the whole lattice.
    """
    n, m = len(s_turns), len(t_turns)
    band = None if n * m <= FULL_LATTICE_CELLS else max(MIN_BAND, m // 8)
    margin = p.max_target_merge + 1
    model = prior
    while True:
        mu, s_lo, s_hi = model
        lat = Lattice(s_turns, t_turns, p, band, found)
        edges = lat.edges(mu, s_lo, s_hi)
        path = viterbi(lat, edges)
        if p.reestimate:
            model = estimate_length_model(path, s_turns, t_turns, mu, s_lo, s_hi)
            if model != (mu, s_lo, s_hi):
                mu, s_lo, s_hi = model
                edges = lat.edges(mu, s_lo, s_hi)
                path = viterbi(lat, edges)
        if not lat.touches_edge(path, margin):
            return lat, edges, path, (mu, s_lo, s_hi)
        band *= 2
        model = prior


class LongTurnNorm:
    """The length ratio of long turns, learnt from the path's links that start from one long source
    turn: their median log ratio and its robust spread. Characters measure the content of a long
    turn well (a 300-character German answer and its Chinese differ little in how much they say),
    so a long turn whose counterpart is far longer or shorter than the norm is most likely a turn
    with no counterpart, linked to the least bad place; such a link loses its confidence."""

    def __init__(self, mu: float, p: AlignParams, median: float | None = None, spread: float = 0.0):
        self.mu, self.p, self.median, self.spread = mu, p, median, spread

    @classmethod
    def from_path(cls, lat: Lattice, path, mu: float, p: AlignParams) -> LongTurnNorm:
        norm = cls(mu, p)
        ratios = []
        for _, _, _, i0, j0, i1, j1 in path:
            if i1 - i0 == 1 and j1 > j0 and norm.is_long(lat.s_spans[i0][0]):
                ratios.append(math.log(lat.t_spans[j0][j1 - j0 - 1].length / lat.s_spans[i0][0].length))
        if len(ratios) < p.long_turn_min_links:
            return norm
        ratios.sort()
        median = ratios[len(ratios) // 2]
        deviations = sorted(abs(r - median) for r in ratios)
        spread = max(deviations[len(deviations) // 2] * 1.4826, p.long_turn_min_spread)
        return cls(mu, p, median, spread)

    def is_long(self, src) -> bool:
        return src.size == 1 and src.length * math.exp(self.mu) >= self.p.long_turn

    def agreement(self, src, tgt) -> float:
        """1 for a link at the norm (or not between long turns), falling to 0 far from it."""
        if self.median is None or not self.is_long(src):
            return 1.0
        z = abs(math.log(tgt.length / src.length) - self.median) / self.spread
        return 1.0 / (1.0 + math.exp(z - self.p.long_turn_off_norm))


def _links(lat: Lattice, edges, path, p: AlignParams, norm: LongTurnNorm | None = None) -> list[Link]:
    """One link per source turn on the path's match moves, with its confidence."""
    s_turns, t_turns = lat.s, lat.t
    tau = p.temperature
    fwd, bwd, total = posteriors(lat, edges, tau)
    by_source: list[list[tuple]] = [[] for _ in range(lat.n)]  # match edges by first source
    for e in edges:
        if e[5] > e[3] and e[6] > e[4]:
            by_source[e[3]].append(e)

    def cover_prob(i: int, j_main: int) -> float:
        """Posterior that source i is aligned to a span that contains target j_main."""
        acc = 0.0
        for i0 in range(max(0, i - p.max_source_merge + 1), i + 1):
            for u, v, c, _, j0, i1, j1 in by_source[i0]:
                if i < i1 and j0 <= j_main < j1:
                    acc += math.exp(fwd[u] - c / tau + bwd[v] - total)
        return min(1.0, acc)

    links: list[Link] = []
    for _, _, c, i0, j0, i1, j1 in path:
        if i1 == i0 or j1 == j0:
            continue
        # the posterior only compares the alignments the model allows; a link that is the
        # best of bad options (its own texts disagree) is marked down by its local evidence
        src_span, tgt_span = lat.s_spans[i0][i1 - i0 - 1], lat.t_spans[j0][j1 - j0 - 1]
        evidence = c - structural_cost(src_span, tgt_span, s_turns, t_turns, p)
        local = 1.0 / (1.0 + math.exp(evidence - p.evidence_offset))
        if norm is not None:
            local *= norm.agreement(src_span, tgt_span)
        targets = [t_turns[j].ordinal for j in range(j0, j1)]
        for i in range(i0, i1):
            main = _main_target(s_turns[i], t_turns, j0, j1)
            conf = cover_prob(i, main) * local
            if conf < p.min_confidence:
                continue
            links.append(Link(source=s_turns[i].ordinal, targets=list(targets), confidence=round(conf, 4)))
    return links


def _main_target(s: TurnFeatures, t_turns: list[TurnFeatures], j0: int, j1: int) -> int:
    """The longest target turn of the source's speaker in [j0, j1) (else the longest)."""
    same = [j for j in range(j0, j1) if t_turns[j].role == s.role]
    pool = same or list(range(j0, j1))
    return max(pool, key=lambda j: t_turns[j].length)


def _decide_gaps(lat: Lattice, links: list[Link], model, norm: LongTurnNorm, p: AlignParams) -> list[Link]:
    """The path's links, with the gaps between its sure links decided again (:mod:`gaps`); without
    word meanings there is nothing to decide them by."""
    if not lat.found.idf:
        return links
    s_turns, t_turns = lat.s, lat.t
    s_index = {t.ordinal: i for i, t in enumerate(s_turns)}
    t_index = {t.ordinal: j for j, t in enumerate(t_turns)}
    sure = {
        s_index[lk.source]: (t_index[lk.targets[0]], t_index[lk.targets[-1]])
        for lk in links
        if lk.confidence >= p.gap_sure
    }
    length_cost = length_model(*model, p)
    baseline = lat.found.baseline

    def plausible(i: int, j: int) -> bool:
        src, tgt = lat.s_spans[i][0], lat.t_spans[j][0]
        if length_cost(src.length, tgt.length) > p.gap_max_length_cost:
            return False
        against = evidence_cost(src, tgt, s_turns, t_turns, p, baseline) - meaning_cost(src, tgt, p, baseline)
        return against <= p.gap_max_evidence and norm.agreement(src, tgt) >= 0.5

    def meaning(i: int, j: int) -> float:
        src, tgt = lat.s_spans[i][0], lat.t_spans[j][0]
        return meanings.dot(src.meaning, tgt.meaning) - baseline - p.meaning_margin

    decided = gaps.fill_gaps(
        lat.n,
        lat.m,
        sure,
        [t.role for t in s_turns],
        [t.role for t in t_turns],
        plausible,
        meaning,
        margin=p.gap_meaning_margin,
        weight=p.meaning_weight,
    )
    if not decided:
        return links
    redone = {i for gap in decided for i in gap.source}
    kept = [lk for lk in links if s_index[lk.source] not in redone]
    for gap_links in decided.values():
        for g in gap_links:
            if g.confidence >= p.min_confidence:
                kept.append(Link(s_turns[g.source].ordinal, [t_turns[g.target].ordinal], round(g.confidence, 4)))
    return sorted(kept, key=lambda lk: lk.source)
