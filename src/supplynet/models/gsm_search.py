"""Primal heuristics and LP-based pair elimination for the GSM MIP (see models/buffers.md).

- ``local_search``: best-response moves on one outbound service time at a time (with the
  stage's customers keeping theirs), until no move lowers the cost. Gives upper bounds.
- ``fixing``: reduced-cost fixing. With LP value LB, optimal duals and an incumbent of cost UB,
  any integer solution using a pair of reduced cost d costs at least LB + d, so pairs with
  LB + d > UB cannot be in a solution better than the incumbent and are left out of the MIP.
"""

from __future__ import annotations

import numpy as np

from .gsm_graph import UNBOUNDED, StageData, inbound_times


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
                if data.exact_si[j]:
                    ok &= si_j + T[j] - S[j] >= 1
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

    from .gsm_dp import fold

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

    from .gsm_graph import canonical

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


def lagrangian(data: StageData, core: np.ndarray, idx, upper: float, seconds: float = 5.0,
               constant: float = 0.0, max_iter: int = 3000):
    """Lagrangian dual of the pair MIP with the order rows z[k, s] >= x[i, s] dualized.

    For multipliers lam >= 0 on those rows each stage picks its cheapest pair under
    c_kab + sum_{s <= b} sum_j lam[k, j, s] - sum_{s <= a} sum_i lam[i, k, s]; the sum of the
    stage minima (+ ``constant``) is a lower bound L(lam) for any lam. Subgradient ascent with
    Polyak steps towards ``upper``. Returns (best bound, per-pair bound: L + modified cost of
    the pair - its stage's minimum, i.e. the least cost of any solution using that pair).
    """
    import time

    from .gsm_mip import order_rows

    t_end = time.perf_counter() + seconds
    ck = np.flatnonzero(core)
    loc = np.full(data.n, -1, dtype=np.int64)
    loc[ck] = np.arange(len(ck))
    ri, rk, rs = order_rows(data, core)
    ri, rk = loc[ri], loc[rk]
    width = int(max(data.s_max[ck].max(initial=0), data.si_max[ck].max(initial=0))) + 2
    nk = len(ck)
    pk, pa, pb, cost = loc[idx.pair_k], idx.pair_a, idx.pair_b, idx.pair_cost
    starts = np.flatnonzero(np.r_[True, pk[1:] != pk[:-1]])
    counts = np.diff(np.r_[starts, len(pk)])
    lam = np.zeros(len(rs))
    best_l, best_ct, best_min = -np.inf, cost, None
    theta, stall = 1.0, 0
    for _ in range(max_iter):
        mu_s = np.bincount(ri * width + rs, weights=lam, minlength=nk * width).reshape(nk, width)
        mu_i = np.bincount(rk * width + rs, weights=-lam, minlength=nk * width).reshape(nk, width)
        ct = cost + np.cumsum(mu_s, axis=1)[pk, pb] + np.cumsum(mu_i, axis=1)[pk, pa]
        mins = np.minimum.reduceat(ct, starts)
        value = float(mins.sum()) + constant
        if value > best_l + 1e-12 * max(1.0, abs(value)):
            best_l, best_ct, best_min, stall = value, ct, mins, 0
        else:
            stall += 1
            if stall >= 30:
                theta, stall = theta / 2, 0
        if upper - best_l <= 1e-9 * max(1.0, abs(upper)) or time.perf_counter() > t_end \
                or theta < 1e-4 or not len(rs):
            break
        pos = np.flatnonzero(ct == np.repeat(mins, counts))
        arg = pos[np.searchsorted(pos, starts)]
        S_star, SI_star = pb[arg], pa[arg]
        g = (S_star[ri] >= rs).astype(float) - (SI_star[rk] >= rs)
        norm = float(g @ g)
        if norm == 0:
            break
        # Polyak step towards a level between the best bound and the incumbent (a level at the
        # incumbent itself overshoots when the gap is wide)
        level = best_l + 0.1 * (upper - best_l)
        lam = np.maximum(0.0, lam + theta * max(level - value, 1e-12 * abs(upper)) / norm * g)
    if best_min is None:
        return best_l, np.full(len(cost), best_l)
    return best_l, best_l + best_ct - np.repeat(best_min, counts)
