"""Lagrangian bound and pair fixing for the GSM pair MIP (see models/buffers.md, "Algorithms").

Dualize the service-order rows z[k, s] >= x[i, s] with multipliers lam >= 0. Each stage then
picks its cheapest pair alone, under the modified cost

    c_kab + sum_{s <= b} sum_j lam[k, j, s] - sum_{s <= a} sum_i lam[i, k, s],

and the sum of the stage minima is a lower bound L(lam) for *any* lam >= 0 (Fisher 1981). Its
maximum equals the pair LP's value: one pair per stage is all that remains of each stage's
rows, so the LP and the Lagrangian dual coincide (Geoffrion 1974). A plan that uses pair p
costs at least L(lam) + (modified cost of p - its stage's minimum); pairs whose bound exceeds
the incumbent's cost cannot be in a better plan and are dropped ("Lagrangian fixing").

The maximum is approached by subgradient ascent (Held, Wolfe & Crowder 1974) with averaged
directions (see ``AVERAGE``). One evaluation is a few passes over the pair arrays, so millions
of pairs cost a fraction of a second, where the simplex LP needs minutes. Dropped pairs leave the arrays as the bound rises, so later rounds get
cheaper; the bound stays valid for every plan cheaper than the incumbent.
"""

from __future__ import annotations

import time

import numpy as np

from .gsm_graph import StageData
from .gsm_mip import order_rows

# Steps follow an exponential average of the subgradients (weight AVERAGE on the newest), the
# direction of the volume algorithm (Barahona & Anbil 2000; deflected subgradients, Camerini,
# Fratta & Maffioli 1975), with Polyak's step length towards the incumbent's cost. Plain
# subgradients zig-zag here: they have one +-1 entry per violated service-order row and level,
# most of which cancel from one round to the next, so their norm is large and the steps tiny.
# Measured on gsm_bench cases (15-20 s from lam = 0): plain subgradients closed 35 % of the
# gap; the average with weight 0.2 reached the pair LP's value on distribution:2000:2:lt=30,
# mixed:1000:2:lt=60 and mixed:2000:2:lt=20 (0.1 failed on the second, 0.3 was slower on the
# first).
AVERAGE = 0.2
PATIENCE = 30  # rounds without a better bound before the step factor halves
CHECK_EVERY = 20  # rounds between pair fixings


def lagrangian(data: StageData, core: np.ndarray, idx, upper: float, seconds: float = 5.0,
               constant: float = 0.0, keep: np.ndarray | None = None, target_pairs: int = 0,
               max_iter: int = 100_000, improve=None) -> tuple[float, np.ndarray]:
    """Lagrangian bound of the pair MIP of the ``core`` stages over the pairs of ``idx``.

    ``upper`` is the incumbent's cost (the target of the steps and the fixing threshold),
    ``constant`` is added to every bound (cost of eliminated stages), ``keep`` marks pairs
    never dropped (the incumbent's). ``improve(S, SI)``, if given, is shown the stage minima of
    the best multipliers every ``CHECK_EVERY`` rounds (service times of ``data``'s stages, 0
    outside the core; a Lagrangian heuristic) and returns the incumbent's cost, which may
    have dropped; ``upper`` follows it. Stops after ``seconds``, when the bound reaches
    ``upper``, when the steps vanish, or when at most ``target_pairs`` pairs are left.
    Returns (best bound, per-pair bound: the least cost of any plan using the pair, as proven by
    the multipliers of the round that dropped it, or of the best round if it stayed).
    """
    t_end = time.perf_counter() + seconds
    ck = np.flatnonzero(core)
    loc = np.full(data.n, -1, dtype=np.int64)
    loc[ck] = np.arange(len(ck))
    ri, rk, rs = order_rows(data, core)
    ri, rk = loc[ri], loc[rk]
    width = int(max(data.s_max[ck].max(initial=0), data.si_max[ck].max(initial=0))) + 2
    nk = len(ck)
    out_pos, in_pos = ri * width + rs, rk * width + rs  # row -> (stage, level) cell
    tol = 1e-7 * max(1.0, abs(upper))

    # arrays of the pairs still in play (``live`` = their positions in idx)
    live = np.arange(len(idx.pair_k))
    pk = loc[idx.pair_k]
    cell_b, cell_a = pk * width + idx.pair_b, pk * width + idx.pair_a
    cost = idx.pair_cost
    fixed = np.zeros(len(live), dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    pa, pb = idx.pair_a, idx.pair_b
    pair_lb = np.full(len(live), -np.inf)

    def groups(stage: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        starts = np.flatnonzero(np.r_[True, stage[1:] != stage[:-1]])
        return starts, np.diff(np.r_[starts, len(stage)])

    starts, counts = groups(pk)
    if len(starts) != nk:
        raise ValueError("every core stage needs at least one pair")
    lam = np.zeros(len(rs))
    best_l, best_ct, best_min = -np.inf, cost, np.zeros(nk)
    theta, stall, d = 1.0, 0, None
    for it in range(max_iter):
        mu_out = np.bincount(out_pos, weights=lam, minlength=nk * width)
        mu_in = np.bincount(in_pos, weights=lam, minlength=nk * width)
        cum_out = np.cumsum(mu_out.reshape(nk, width), axis=1).ravel()
        cum_in = np.cumsum(mu_in.reshape(nk, width), axis=1).ravel()
        ct = cost + cum_out[cell_b] - cum_in[cell_a]
        mins = np.minimum.reduceat(ct, starts)
        value = float(mins.sum()) + constant
        if value > best_l + 1e-12 * max(1.0, abs(value)):
            best_l, best_ct, best_min, stall = value, ct, mins, 0
        else:
            stall += 1
            if stall >= PATIENCE:
                theta, stall = theta / 2, 0
        done = (upper - best_l <= tol or time.perf_counter() > t_end or theta < 1e-6
                or not len(rs) or it == max_iter - 1)
        if done or (it + 1) % CHECK_EVERY == 0:
            if improve is not None:
                upper = min(upper, improve(*_plan(data.n, ck, pa, pb, best_ct, best_min,
                                                  starts, counts)))
                tol = 1e-7 * max(1.0, abs(upper))
            bound = best_l + best_ct - np.repeat(best_min, counts)
            drop = (bound > upper + tol) & ~fixed
            if drop.any() and not done:
                pair_lb[live[drop]] = bound[drop]
                stay = ~drop
                live, pk, cell_a, cell_b = live[stay], pk[stay], cell_a[stay], cell_b[stay]
                cost, fixed, pa, pb = cost[stay], fixed[stay], pa[stay], pb[stay]
                best_ct, ct = best_ct[stay], ct[stay]
                starts, counts = groups(pk)
                mins = np.minimum.reduceat(ct, starts)
            if done or len(live) <= target_pairs:
                pair_lb[live] = bound[~drop] if drop.any() and not done else bound
                break
        # subgradient at the stage minimizers: +1 where S_i >= s, -1 where SI_k >= s
        arg = _argmin(ct, mins, starts, counts)
        S_star, SI_star = pb[arg], pa[arg]
        g = (S_star[ri] >= rs).astype(float) - (SI_star[rk] >= rs)
        if not (g @ g):  # 0 is a supergradient: these multipliers are optimal
            pair_lb[live] = best_l + best_ct - np.repeat(best_min, counts)
            break
        d = g if d is None else AVERAGE * g + (1 - AVERAGE) * d
        norm = float(d @ d)
        if norm == 0:
            d, norm = g, float(g @ g)
        lam = np.maximum(0.0, lam + theta * max(upper - value, tol) / norm * d)
    return best_l, pair_lb


def _plan(n: int, ck: np.ndarray, pa: np.ndarray, pb: np.ndarray, ct: np.ndarray,
          mins: np.ndarray, starts: np.ndarray, counts: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """(S, SI) of every stage's cheapest pair under the modified costs ``ct`` (0 off the core)."""
    arg = _argmin(ct, mins, starts, counts)
    S, SI = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    S[ck], SI[ck] = pb[arg], pa[arg]
    return S, SI


def _argmin(ct: np.ndarray, mins: np.ndarray, starts: np.ndarray, counts: np.ndarray
            ) -> np.ndarray:
    """Position of the first cheapest pair of every stage (pairs grouped by stage)."""
    pos = np.flatnonzero(ct == np.repeat(mins, counts))
    return pos[np.searchsorted(pos, starts)]
