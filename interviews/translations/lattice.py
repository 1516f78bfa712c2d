"""The alignment lattice and the dynamic programming over it: the best path (Viterbi), the soft-min
forward-backward weights behind the confidences, and the length ratio re-estimated from a path.
Pure Python, no Django.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from interviews.translations.features import Meanings, length_model, span_table, static_cost

if TYPE_CHECKING:
    from interviews.translations.align import AlignParams


class Lattice:
    """The alignment lattice: cells (i, j) = i source and j target turns consumed, each in two
    states: s=1 right after skipping a target turn, s=0 otherwise. Omitted target turns come in
    blocks (an abridgement drops whole exchanges), so opening a block of skipped target turns
    costs more than extending one (an affine gap cost).

    With ``band``, only cells within ``band`` target turns of the diagonal from (0, 0) to (n, m)
    exist: row i holds j in [lo[i], hi[i]]. Nodes are numbered row by row over the cells that
    exist, so time and memory grow with n * band instead of n * m.
    """

    def __init__(self, s_turns, t_turns, p: AlignParams, band: int | None = None, found: Meanings | None = None):
        self.s, self.t, self.p = s_turns, t_turns, p
        self.found = found = found or Meanings()
        self.n, self.m = n, m = len(s_turns), len(t_turns)
        self.band = band
        if band is None or band >= m:
            self.lo, self.hi = [0] * (n + 1), [m] * (n + 1)
        else:
            centre = [i * m / n for i in range(n + 1)]
            self.lo = [max(0, math.floor(c - band)) for c in centre]
            self.hi = [min(m, math.ceil(c + band)) for c in centre]
        self.offset = [0] * (n + 2)  # cells before row i
        for i in range(n + 1):
            self.offset[i + 1] = self.offset[i] + self.hi[i] - self.lo[i] + 1
        self.size = self.offset[n + 1] * 2
        self.s_spans = s_spans = span_table(s_turns, p.max_source_merge, found)
        self.t_spans = t_spans = span_table(t_turns, p.max_target_merge, found)
        lo, hi = self.lo, self.hi
        # match moves per cell (row i, column j - lo[i]):
        # (i0, j0, i1, j1, cost without the length term, la, lb)
        self.matches: list[list[list[tuple]]] = []
        for i in range(n):
            row = []
            src1 = s_spans[i][0]
            for j in range(lo[i], min(hi[i], m - 1) + 1):
                cell = []
                for tgt in t_spans[j]:
                    i1, j1 = i + 1, j + tgt.size
                    if lo[i1] <= j1 <= hi[i1]:
                        c = static_cost(src1, tgt, s_turns, t_turns, p, found.baseline)
                        cell.append((i, j, i1, j1, c, src1.length, tgt.length))
                tgt1 = t_spans[j][0]
                for src in s_spans[i][1:]:
                    i1, j1 = i + src.size, j + 1
                    if lo[i1] <= j1 <= hi[i1]:
                        c = static_cost(src, tgt1, s_turns, t_turns, p, found.baseline)
                        cell.append((i, j, i1, j1, c, src.length, tgt1.length))
                row.append(cell)
            self.matches.append(row)

    def node(self, i: int, j: int, s: int) -> int:
        return (self.offset[i] + j - self.lo[i]) * 2 + s

    def touches_edge(self, path, margin: int) -> bool:
        """Whether a path comes within ``margin`` target turns of a band edge that is not the
        lattice's own edge: then a better path may lie outside the band."""
        if self.band is None or self.band >= self.m:
            return False
        for e in path:
            for i, j in ((e[3], e[4]), (e[5], e[6])):
                if (self.lo[i] > 0 and j - self.lo[i] < margin) or (self.hi[i] < self.m and self.hi[i] - j < margin):
                    return True
        return False

    def edges(self, mu: float, s_lo: float, s_hi: float) -> list[tuple]:
        """(from node, to node, cost, i0, j0, i1, j1), sorted by from node; all move forward."""
        p, n, m = self.p, self.n, self.m
        lo, hi, offset = self.lo, self.hi, self.offset
        skip_t, skip_open, skip_s = p.skip_target, p.skip_target_open, p.skip_source
        length_cost = length_model(mu, s_lo, s_hi, p)
        out = []
        append = out.append
        for i in range(n + 1):
            row = self.matches[i] if i < n else None
            lo_i, hi_i = lo[i], hi[i]
            down_ok = i < n
            if down_ok:
                lo_d, hi_d, off_d = lo[i + 1], hi[i + 1], offset[i + 1]
            # before the first and after the last source turn a block of left-out target
            # turns opens for free (an intro or outro the source did not translate)
            open_cost = 0.0 if i == 0 or i == n else skip_open
            for j in range(lo_i, hi_i + 1):
                base = (offset[i] + j - lo_i) * 2
                moves = [
                    ((offset[i1] + j1 - lo[i1]) * 2, c + length_cost(la, lb), i1, j1)
                    for (_, _, i1, j1, c, la, lb) in (row[j - lo_i] if row is not None and j < m else ())
                ]
                right = j < hi_i
                down = down_ok and lo_d <= j <= hi_d
                if down:
                    down_base = (off_d + j - lo_d) * 2
                for s in (0, 1):
                    u = base + s
                    if right:
                        append((u, base + 3, skip_t if s else skip_t + open_cost, i, j, i, j + 1))
                    if down:  # a dropped source turn does not interrupt a block of skips
                        append((u, down_base + s, skip_s, i, j, i + 1, j))
                    for v, c, i1, j1 in moves:
                        append((u, v, c, i, j, i1, j1))
        return out


def viterbi(lat: Lattice, edges) -> list[tuple]:
    size = lat.size
    inf = math.inf
    best = [inf] * size
    back: list[tuple | None] = [None] * size
    best[lat.node(0, 0, 0)] = 0.0
    for e in edges:
        v = best[e[0]] + e[2]
        if v < best[e[1]]:
            best[e[1]] = v
            back[e[1]] = e
    end0, end1 = lat.node(lat.n, lat.m, 0), lat.node(lat.n, lat.m, 1)
    u = end0 if best[end0] <= best[end1] else end1
    path = []
    start = lat.node(0, 0, 0)
    while u != start:
        e = back[u]
        path.append(e)
        u = e[0]
    path.reverse()
    return path


def _logaddexp(x: float, y: float) -> float:
    if x < y:
        x, y = y, x
    if y == -math.inf:
        return x
    return x + math.log1p(math.exp(y - x))


def posteriors(lat: Lattice, edges, tau: float):
    """Soft-min forward/backward: log-weights of reaching (fwd) and leaving (bwd) each node.

    ``edges`` are sorted by their start node and every edge moves forward, so a node is
    complete before any edge leaves it (forward) or enters it (backward).
    """
    size = lat.size
    ninf = -math.inf
    exp, log1p = math.exp, math.log1p
    fwd = [ninf] * size
    fwd[lat.node(0, 0, 0)] = 0.0
    for e in edges:
        u, v, c = e[0], e[1], e[2]
        x = fwd[u]
        if x == ninf:
            continue
        x -= c / tau
        y = fwd[v]
        if y == ninf:
            fwd[v] = x
        elif x > y:
            fwd[v] = x + log1p(exp(y - x))
        else:
            fwd[v] = y + log1p(exp(x - y))
    ends = (lat.node(lat.n, lat.m, 0), lat.node(lat.n, lat.m, 1))
    total = _logaddexp(fwd[ends[0]], fwd[ends[1]])
    bwd = [ninf] * size
    for u in ends:
        bwd[u] = 0.0
    for e in reversed(edges):
        u, v, c = e[0], e[1], e[2]
        x = bwd[v]
        if x == ninf:
            continue
        x -= c / tau
        y = bwd[u]
        if y == ninf:
            bwd[u] = x
        elif x > y:
            bwd[u] = x + log1p(exp(y - x))
        else:
            bwd[u] = y + log1p(exp(x - y))
    return fwd, bwd, total


def estimate_length_model(path, s_turns, t_turns, mu, s_lo, s_hi):
    """Median and one-sided robust spreads of log(target/source) over the 1-1 links found."""
    ratios = sorted(
        math.log(t_turns[j0].length / s_turns[i0].length)
        for _, _, _, i0, j0, i1, j1 in path
        if i1 - i0 == 1 and j1 - j0 == 1 and s_turns[i0].length >= 40
    )
    if len(ratios) < 8:
        return mu, s_lo, s_hi
    med = ratios[len(ratios) // 2]
    lo = sorted(med - r for r in ratios if r < med)
    hi = sorted(r - med for r in ratios if r > med)
    if not lo or not hi:
        return mu, s_lo, s_hi
    sig_lo = min(max(lo[len(lo) // 2] * 1.4826, 0.2), 1.0)
    sig_hi = min(max(hi[len(hi) // 2] * 1.4826, sig_lo, 0.3), 1.5)
    return med, sig_lo, sig_hi
