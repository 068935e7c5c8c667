"""Serial lines by a DP over extreme-point service times (see models/buffers.md, step 1b).

On a serial line the DP of ``gsm_dp`` evaluates every (SI, S) pair of every stage, and the
ranges grow with the depth: a line of 2000 stages is about 10^11 evaluations. Simpson (1958)
showed that an optimum has each stage either quote 0 or pass its orders through; with caps,
external service times and forced or forbidden buffers the same argument gives a short list of
candidate values per stage.

With SI_k = max(ext_k, S_{k-1}), the cost sum_k c_k sqrt(SI_k + T_k - S_k) is concave on each
region where the max is decided, and each region is a polyhedron whose constraints are bounds
(0 <= S_k <= s_max_k, S_{k-1} = ext_k on the region boundary, S_k <= ext_k + T_k - tau_min_k)
and differences S_k - S_{k-1} <= T_k - tau_min_k. An optimum therefore sits at a vertex,
where every S_k lies on a chain of tight differences ending at one bound (its anchor):

- anchored upstream: S_k = S_{k-1} + T_k - tau_min_k ("passes through", the edge is tight);
- anchored at stage k: 0, s_max_k, ext_k + T_k - tau_min_k, or ext_{k+1};
- anchored downstream: S_k = S_{k+1} - T_{k+1} + tau_min_{k+1} (and S_k >= ext_{k+1}).

The DP keeps, per stage, only the values so reached: a stage either passes through one of its
predecessor's values (one transition each) or takes one of the few values anchored at or below
it (``free_values``), for which every predecessor value is tried. The work is about
sum_k |values of k-1| x (1 + free values of k), O(n^2) on a plain line instead of O(n * range^2).
"""

from __future__ import annotations

import numpy as np

from .dp import DPSolution
from .graph import StageData, inbound_times


def is_serial(data: StageData) -> bool:
    """True when every stage has at most one supplier and at most one customer."""
    return all(len(p) <= 1 for p in data.preds) and all(len(s) <= 1 for s in data.succs)


def solve_serial(data: StageData) -> DPSolution:
    """Optimal outbound service times of a stage graph made of serial lines (see module doc)."""
    S = np.zeros(data.n, dtype=np.int64)
    total = 0.0
    for line in _lines(data):
        found = _solve_line(data, line)
        if found is None:
            return DPSolution("infeasible", None, None, None)
        total += found[0]
        S[line] = found[1]
    return DPSolution("optimal", total, S, inbound_times(data, S))


def _lines(data: StageData) -> list[list[int]]:
    """Stages of each serial line, from its source to its end."""
    out = []
    for k in range(data.n):
        if not data.preds[k]:
            line = [k]
            while data.succs[line[-1]]:
                line.append(data.succs[line[-1]][0])
            out.append(line)
    return out


def free_values(data: StageData, line: list[int]) -> list[np.ndarray]:
    """Per stage of ``line``: the values of S_k anchored at k or downstream (sorted, within
    [0, s_max_k]); empty for stages forbidden to hold stock, whose S_k is decided by SI_k."""
    T, ext, tmin, s_max = data.T, data.ext, data.tau_min, data.s_max
    out: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(line)
    below = np.zeros(0, dtype=np.int64)  # values of S_{k+1} anchored at or below k+1
    for j in range(len(line) - 1, -1, -1):
        k = line[j]
        own = [0, int(s_max[k]), int(ext[k] + T[k] - tmin[k])]
        if j + 1 < len(line):
            nxt = line[j + 1]
            own.append(int(ext[nxt]))
            shifted = below - int(T[nxt] - tmin[nxt])
            below = shifted[shifted >= ext[nxt]]
        values = np.unique(np.concatenate([below, np.array(own, dtype=np.int64)]))
        values = values[(values >= 0) & (values <= s_max[k])]
        below = values
        if not data.tau_zero[k]:
            out[j] = values
    return out


def _solve_line(data: StageData, line: list[int]) -> tuple[float, np.ndarray] | None:
    """(cost, S of the stages of ``line``) or None when no plan is feasible."""
    free = free_values(data, line)
    coef = data.cost_coef
    values = np.full(1, int(data.ext[line[0]]))  # the source's SI is its external time
    cost = np.zeros(1)
    kept, back = [], []  # per stage: its values, and the predecessor value behind each
    for j, k in enumerate(line):
        SI = np.maximum(int(data.ext[k]), values)
        T, tmin = int(data.T[k]), int(data.tau_min[k])
        # pass through: tau = tau_min (0 where stock is forbidden: then S_k = SI_k + T_k)
        through = SI + T - tmin
        ok = (through >= 0) & (through <= data.s_max[k])
        cand_v = [through[ok]]
        cand_c = [cost[ok] + coef[k] * np.sqrt(tmin)]
        cand_u = [np.flatnonzero(ok)]
        if len(free[j]):  # a value anchored at or below k, after any predecessor value
            tau = SI[None, :] + T - free[j][:, None]
            total = np.where(tau >= tmin, cost[None, :] + coef[k] * np.sqrt(np.maximum(tau, 0)),
                             np.inf)
            best = np.argmin(total, axis=1)
            low = total[np.arange(len(best)), best]
            take = np.isfinite(low)
            cand_v.append(free[j][take])
            cand_c.append(low[take])
            cand_u.append(best[take])
        v, c, u = (np.concatenate(x) for x in (cand_v, cand_c, cand_u))
        if not len(v):
            return None
        order = np.lexsort((c, v))
        v, c, u = v[order], c[order], u[order]
        first = np.r_[True, v[1:] != v[:-1]]
        values, cost = v[first], c[first]
        kept.append(values)
        back.append(u[first])
    pos = int(np.argmin(cost))
    best_cost = float(cost[pos])
    S = np.zeros(len(line), dtype=np.int64)
    for j in range(len(line) - 1, -1, -1):
        S[j] = kept[j][pos]
        pos = int(back[j][pos])
    return best_cost, S
