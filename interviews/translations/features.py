"""What the aligner knows about each turn and each run of turns, and what a match between them
costs: speakers, relative length, shared anchors (numbers, names), questions. Pure Python, no Django.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from interviews import languages
from interviews.translations import meanings
from interviews.translations.numbers import num_key, read_numbers
from interviews.translations.terms import find_terms

if TYPE_CHECKING:
    from interviews.translations.align import AlignInput, AlignParams

# Characters per unit of content, relative to English; only the first-pass prior.
CHARS_PER_CONTENT = {
    "en": 1.0,
    "de": 1.2,
    "fr": 1.15,
    "es": 1.1,
    "it": 1.1,
    "pt": 1.1,
    "nl": 1.15,
    "ru": 1.05,
    "pl": 1.05,
    "sv": 1.0,
    "zh": 0.33,
    "ja": 0.5,
    "ko": 0.5,
}
_QUESTION_END_RE = re.compile(r"[?？][\s\"'”“»«」』)）]*$")


@dataclass
class TurnFeatures:
    ordinal: int
    role: str
    length: int
    anchors: dict[str, float] = field(default_factory=dict)
    q_end: bool = False
    q_any: bool = False
    glosses: Counter = field(default_factory=Counter)  # English glosses of its words, shared keys only


@dataclass
class Span:
    start: int
    size: int
    length: int
    anchors: dict[str, float]
    roles: dict[str, int]  # role -> chars
    known: int  # chars of turns whose role is known
    q_end: bool
    q_any: bool
    meaning: dict[str, float] = field(default_factory=dict)  # idf-weighted gloss vector, length 1


@dataclass
class Meanings:
    """What word meanings know about a pair of documents: the idf of the glosses both have, and
    the cosine two turns that do not say the same thing typically have (the median over pairs of
    turns, nearly all of which are not counterparts)."""

    idf: dict[str, float] = field(default_factory=dict)
    baseline: float = 0.0

    def vector(self, bag: Counter) -> dict[str, float]:
        return meanings.vector(bag, self.idf) if self.idf else {}


def _language(turns: list[AlignInput]) -> str:
    c = Counter(languages.base(t.language) for t in turns if t.language)
    return c.most_common(1)[0][0] if c else ""


def _char_len(text: str) -> int:
    return max(1, sum(1 for ch in text if not ch.isspace()))


def _is_latin_script(turns: list[AlignInput]) -> bool:
    latin = other = 0
    for t in turns:
        for ch in t.text:
            if ch.isalpha():
                if ch.isascii() or "\u00c0" <= ch <= "\u024f":
                    latin += 1
                else:
                    other += 1
    return latin > other


def prepare(src: list[AlignInput], tgt: list[AlignInput], p: AlignParams, glosses: meanings.Glosses | None = None):
    """Per-turn features, with anchors and glosses restricted to what both documents contain, and
    the :class:`Meanings` of the pair (empty without ``glosses``)."""
    lang_s, lang_t = _language(src), _language(tgt)
    raw_s, raw_t = _raw_anchors(src, lang_s), _raw_anchors(tgt, lang_t)
    weights = _anchor_weights(src, tgt, raw_s, raw_t, p)
    s_turns = [_turn_features(t, nums, found, weights, p) for t, (nums, found) in zip(src, raw_s)]
    t_turns = [_turn_features(t, nums, found, weights, p) for t, (nums, found) in zip(tgt, raw_t)]
    found = Meanings()
    if glosses is not None:
        bags_s = [glosses(t.text, t.language or lang_s) for t in src]
        bags_t = [glosses(t.text, t.language or lang_t) for t in tgt]
        idf = meanings.weights(bags_s, bags_t)
        for turns, bags in ((s_turns, bags_s), (t_turns, bags_t)):
            for turn, bag in zip(turns, bags):
                turn.glosses = Counter({k: c for k, c in bag.items() if k in idf})
        found = Meanings(idf=idf)
        found.baseline = _meaning_baseline(s_turns, t_turns, found)
    return s_turns, t_turns, lang_s, lang_t, found


def _meaning_baseline(s_turns, t_turns, found: Meanings, pairs: int = 20_000) -> float:
    """The median cosine between a source turn and a target turn, over (at most ``pairs`` of) all
    pairs of turns that have glosses."""
    vs = [v for v in (found.vector(t.glosses) for t in s_turns) if v]
    vt = [v for v in (found.vector(t.glosses) for t in t_turns) if v]
    if not vs or not vt:
        return 0.0
    step = max(1, len(vs) * len(vt) // pairs)
    values = sorted(meanings.cosine(vs[k // len(vt)], vt[k % len(vt)]) for k in range(0, len(vs) * len(vt), step))
    return values[len(values) // 2]


def _raw_anchors(side: list[AlignInput], lang: str) -> list[tuple[dict[str, bool], dict[str, bool]]]:
    """Per turn: number keys (-> soft) and Latin-script terms (-> written like a name)."""
    rows = []
    for t in side:
        nums: dict[str, bool] = {}
        for v, soft in read_numbers(t.text, t.language or lang):
            k = num_key(v)
            nums[k] = nums.get(k, True) and soft
        rows.append((nums, find_terms(t.text)))
    return rows


def _vocabulary(rows, latin: bool) -> dict[str, bool]:
    v: dict[str, bool] = {}
    for nums, found in rows:
        for k in nums:
            v[k] = True
        for k, marked in found.items():
            v["w:" + k] = v.get("w:" + k, False) or marked or not latin
    return v


def _anchor_weights(src, tgt, raw_s, raw_t, p: AlignParams) -> dict[str, float]:
    """idf of each anchor both documents share, leaving out those in most turns."""
    vs, vt = _vocabulary(raw_s, _is_latin_script(src)), _vocabulary(raw_t, _is_latin_script(tgt))
    # a term counts when both documents have it; in a Latin-script document it must be
    # written like a name somewhere (capital or digit), so "in"/"was" do not count
    shared = {k for k in vs if k in vt and vs[k] and vt[k]}
    df: Counter[str] = Counter()
    for rows in (raw_s, raw_t):
        for nums, found in rows:
            keys = set(nums) | {"w:" + k for k in found}
            df.update(keys & shared)
    n_docs = len(src) + len(tgt)
    # terms in most turns of a document carry no information
    too_common = {k for k, c in df.items() if c > max(4, 0.4 * n_docs)}
    return {k: min(p.idf_cap, math.log(n_docs / c)) for k, c in df.items() if k not in too_common}


def _turn_features(t: AlignInput, nums, found, weights: dict[str, float], p: AlignParams) -> TurnFeatures:
    anchors: dict[str, float] = {}
    for k, soft in nums.items():
        if k in weights:
            anchors[k] = weights[k] * (p.soft_number_factor if soft else 1.0)
    for k in found:
        kk = "w:" + k
        if kk in weights:
            anchors[kk] = weights[kk]
    text = t.text.strip()
    return TurnFeatures(
        ordinal=t.ordinal,
        role=(t.role or "").strip().lower(),
        length=_char_len(text),
        anchors=anchors,
        q_end=bool(_QUESTION_END_RE.search(text)),
        q_any=("?" in text or "？" in text),
    )


def span_table(turns: list[TurnFeatures], max_size: int, found: Meanings | None = None) -> list[list[Span]]:
    spans: list[list[Span]] = []
    for j in range(len(turns)):
        row = []
        bag: Counter = Counter()
        anchors: dict[str, float] = {}
        roles: dict[str, int] = {}
        length = 0
        q_end = q_any = False
        for k in range(max_size):
            if j + k >= len(turns):
                break
            t = turns[j + k]
            anchors = {**anchors, **t.anchors}
            roles = dict(roles)
            roles[t.role] = roles.get(t.role, 0) + t.length
            length += t.length
            q_end = q_end or t.q_end
            q_any = q_any or t.q_any
            known = sum(c for r, c in roles.items() if r)
            meaning = {}
            if found is not None and found.idf:
                bag = bag + t.glosses
                meaning = meanings.unit(found.vector(bag))
            row.append(Span(j, k + 1, length, anchors, roles, known, q_end, q_any, meaning))
        spans.append(row)
    return spans


def _speaker_cost(one: TurnFeatures, many: Span, p: AlignParams) -> float:
    if not one.role:
        return 0.0
    known = many.known
    if not known:
        return 0.0
    same = many.roles.get(one.role, 0)
    cost = p.speaker_mismatch * (known - same) / known
    if same == 0:
        cost += p.speaker_absent
    return cost


def structural_cost(src: Span, tgt: Span, s_turns, t_turns, p: AlignParams) -> float:
    """The prior cost of the shape of a match: merges and swallowed questions."""
    if src.size > 1:
        return p.source_merge * (src.size - 1)
    cost = p.target_merge * (tgt.size - 1)
    one = s_turns[src.start]
    if one.role:  # an answer rarely swallows the next question of the other speaker
        for k in range(tgt.start + 1, tgt.start + tgt.size):
            t = t_turns[k]
            if t.q_end and t.role and t.role != one.role:
                cost += p.absorbed_question
    return cost


def evidence_cost(src: Span, tgt: Span, s_turns, t_turns, p: AlignParams, baseline: float = 0.0) -> float:
    """What the texts say (speakers, anchors, questions, word meanings), for sources src and
    targets tgt; ``baseline`` is the typical cosine of glosses between turns that are not
    counterparts (:class:`Meanings`)."""
    if src.size == 1:
        cost = _speaker_cost(s_turns[src.start], tgt, p)
    else:
        cost = _speaker_cost(t_turns[tgt.start], src, p)
    a, b = src.anchors, tgt.anchors
    for k, w in a.items():
        if k in b:
            cost -= p.anchor_reward * min(w, b[k])
        else:
            cost += p.anchor_missing_source * w
    for k, w in b.items():
        if k not in a:
            cost += p.anchor_missing_target * w
    if src.q_end:
        cost += -p.question_match if tgt.q_any else p.question_missing
    elif tgt.q_end and not src.q_any and src.size == 1 and tgt.size == 1:
        cost += p.question_missing * 0.5
    return cost + meaning_cost(src, tgt, p, baseline)


def meaning_cost(src: Span, tgt: Span, p: AlignParams, baseline: float) -> float:
    """Reward for sharing more word meanings than turns that are not counterparts do, penalty for
    sharing fewer; the penalty grows with how many glosses the shorter side has (two short turns
    that share no gloss say little, two long ones say a lot)."""
    if not src.meaning or not tgt.meaning:
        return 0.0
    x = meanings.dot(src.meaning, tgt.meaning) - baseline - p.meaning_margin
    if x >= 0:
        return -p.meaning_weight * x
    sure = min(1.0, min(len(src.meaning), len(tgt.meaning)) / p.meaning_full_glosses)
    return -p.meaning_weight * x * sure


def static_cost(src: Span, tgt: Span, s_turns, t_turns, p: AlignParams, baseline: float = 0.0) -> float:
    """Everything but the length term."""
    return structural_cost(src, tgt, s_turns, t_turns, p) + evidence_cost(src, tgt, s_turns, t_turns, p, baseline)


def length_model(mu: float, s_lo: float, s_hi: float, p: AlignParams):
    """``cost(source chars, target chars)``: the Student-t cost of log(target / source chars)
    around ``mu`` (spread ``s_hi`` above, ``s_lo`` below), with what does not depend on the
    lengths worked out once (the lattice asks for millions of them)."""
    ratio, nu = math.exp(mu), p.length_nu
    scale = p.length_weight * 0.5 * (nu + 1)
    log, log1p = math.log, math.log1p

    def cost(la: int, lb: int) -> float:
        expected = la * ratio
        r = log(lb / expected)
        sigma = s_hi if r > 0 else s_lo
        var = sigma * sigma + 1.0 / (expected + 1.0)
        return scale * log1p(r * r / (var * nu))

    return cost
