"""Primal heuristics for the GSM (see models/buffers.md, "Algorithms").

- ``local_search``: best-response moves on one outbound service time at a time (with the
  stage's customers keeping theirs), until no move lowers the cost. Gives upper bounds.
- ``lns``: large-neighbourhood search, re-optimizing random forest-shaped sets of stages by the
  tree DP with all other service times fixed.
"""

from __future__ import annotations

import numpy as np

from .graph import UNBOUNDED, StageData, inbound_times


def local_search(data: StageData, S: np.ndarray, rounds: int = 50) -> np.ndarray:
    """Improve feasible service times S by single-stage best responses (cost never rises)."""
    S = np.asarray(S, dtype=np.int64).copy()
    coef, T = data.cost_coef, data.T
    n = data.n
    SI = inbound_times(data, S)
    for _ in range(rounds):
        improved = False
        for k in list(range(n)) + list(reversed(range(n))):
            if data.tau_zero[k]:
                continue
            hi = min(int(data.s_max[k]), int(SI[k] + T[k] - data.tau_min[k]))
            if data.quoted[k] != UNBOUNDED:
                hi = min(hi, int(data.quoted[k]))
            if hi < 0:
                continue
            v = np.arange(hi + 1)
            cost = coef[k] * np.sqrt(SI[k] + T[k] - v)
            ok = np.ones(hi + 1, dtype=bool)
            for j in data.succs[k]:
                other = max([int(data.ext[j])] + [int(S[i]) for i in data.preds[j] if i != k])
                si_j = np.maximum(other, v)
                tau_j = si_j + T[j] - S[j]
                if data.tau_zero[j]:
                    ok &= tau_j == 0
                ok &= tau_j >= data.tau_min[j]
                cost = cost + coef[j] * np.sqrt(np.maximum(tau_j, 0))
            cost = np.where(ok, cost, np.inf)
            best = int(np.argmin(cost))
            if cost[best] < cost[S[k]] - 1e-9 * max(1.0, abs(cost[S[k]])) if S[k] <= hi else False:
                S[k] = best
                for j in data.succs[k]:
                    SI[j] = max([int(data.ext[j])] + [int(S[i]) for i in data.preds[j]])
                improved = True
        if not improved:
            break
    return S


class _DSU:
    def __init__(self, n: int):
        self.p = list(range(n))

    def find(self, a: int) -> int:
        while self.p[a] != a:
            self.p[a] = self.p[self.p[a]]
            a = self.p[a]
        return a


def _neighbourhood(data: StageData, rng: np.random.Generator, blocked: np.ndarray
                   ) -> tuple[list[int], list[int]]:
    """A random maximal set H of stages such that H plus the stages O fed by H, with the arcs
    inside H and from H to O, form a forest (so the tree DP re-optimizes H exactly)."""
    n = data.n
    dsu = _DSU(n)
    in_h = np.zeros(n, dtype=bool)
    in_o = np.zeros(n, dtype=bool)
    for h in rng.permutation(n).tolist():
        if blocked[h]:
            continue
        # arcs p -> h from H are in the forest since p joined (h was in O); h adds h -> s
        roots = [dsu.find(h)] + [dsu.find(x) for x in data.succs[h]]
        if len(set(roots)) < len(roots):
            continue
        for r in roots[1:]:
            dsu.p[r] = roots[0]
        in_h[h] = True
        in_o[h] = False
        for x in data.succs[h]:
            if not in_h[x]:
                in_o[x] = True
    return np.flatnonzero(in_h).tolist(), np.flatnonzero(in_o).tolist()


def _solve_neighbourhood(data: StageData, S: np.ndarray, H: list[int], fed: list[int]
                         ) -> np.ndarray | None:
    from dataclasses import replace

    from .dp import fold

    nodes = H + fed
    loc = {g: i for i, g in enumerate(nodes)}
    in_h = set(H)
    arcs = [(loc[i], loc[k]) for k in nodes for i in data.preds[k] if i in in_h]
    m = len(nodes)
    preds = [[] for _ in range(m)]
    succs = [[] for _ in range(m)]
    for i, k in arcs:
        preds[k].append(i)
        succs[i].append(k)
    idx = np.array(nodes, dtype=np.int64)
    ext = np.array([max([int(data.ext[g])] + [int(S[i]) for i in data.preds[g] if i not in in_h])
                    for g in nodes], dtype=np.int64)
    s_max = data.s_max[idx].copy()
    quoted = data.quoted[idx].copy()
    uS = {}
    for g in fed:
        j = loc[g]
        s_max[j] = S[g]
        u = np.full(int(S[g]) + 1, np.inf)
        u[int(S[g])] = 0.0
        uS[j] = u
    sub = replace(data, name="neighbourhood", ids=nodes, index=loc, T=data.T[idx], h=data.h[idx],
                  zsigma=data.zsigma[idx], mean=data.mean[idx], ext=ext, s_max=s_max,
                  si_max=np.maximum(data.si_max[idx], ext), quoted=quoted,
                  tau_min=data.tau_min[idx], tau_zero=data.tau_zero[idx],
                  exact_si=np.zeros(m, dtype=bool), is_demand=data.is_demand[idx],
                  finished=data.finished[idx], preds=preds, succs=succs,
                  arcs=np.array(arcs, dtype=np.int64).reshape(-1, 2),
                  quantity=np.ones(len(arcs)))
    f = fold(sub, everything=False, seed_unary=uS)
    if not f.feasible or f.core.any():
        return None
    S_loc, _ = f.recover(m)
    out = S.copy()
    for g in H:
        out[g] = S_loc[loc[g]]
    return out


def lns(data: StageData, S: np.ndarray, iterations: int = 500, patience: int = 30,
        seed: int = 0, seconds: float = 5.0) -> np.ndarray:
    """Large-neighbourhood search: re-optimize random forest-shaped sets of stages by the tree DP
    (all other outbound service times fixed), keep improvements; stop after ``patience``
    neighbourhoods without one or after ``seconds``. Returns feasible service times no worse
    than S."""
    import time

    from .graph import canonical

    t_end = time.perf_counter() + seconds
    rng = np.random.default_rng(seed)
    blocked = data.exact_si.copy()
    for k in np.flatnonzero(data.exact_si).tolist():
        blocked[data.preds[k]] = True
    S = canonical(data, S)
    best = data.cost_of(S)[0]
    idle = 0
    for _ in range(iterations):
        H, fed = _neighbourhood(data, rng, blocked)
        cand = _solve_neighbourhood(data, S, H, fed)
        if cand is not None:
            cand = canonical(data, cand)
            c = data.cost_of(cand)[0]
            if c < best - 1e-9 * max(1.0, abs(best)):
                S, best, idle = cand, c, 0
                if time.perf_counter() > t_end:
                    break
                continue
        idle += 1
        if idle >= patience or time.perf_counter() > t_end:
            break
    return S

