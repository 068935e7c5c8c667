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
EPS = np.finfo(float).eps
ACTIVE_FROM = 200_000  # pairs above which the rounds run on an active subset
PATIENCE = 30  # rounds without a better bound before the step factor halves
CHECK_EVERY = 20  # rounds between pair fixings


def lagrangian(data: StageData, core: np.ndarray, idx, upper: float, seconds: float = 5.0,
               constant: float = 0.0, keep: np.ndarray | None = None, target_pairs: int = 0,
               max_iter: int = 100_000, improve=None) -> tuple[float, np.ndarray]:
    """Lagrangian bound of the pair MIP of the ``core`` stages over the pairs of ``idx``.

    ``upper`` is the incumbent's cost (the target of the steps and the fixing threshold),
    ``constant`` is added to every bound (cost of eliminated stages), ``keep`` marks pairs
    never dropped (the incumbent's). ``improve(S, SI)``, if given, is shown the stage minima of
    the best multipliers at every full pricing (service times of ``data``'s stages, 0 outside
    the core; a Lagrangian heuristic) and returns the incumbent's cost, which may have
    dropped; ``upper`` follows it. Stops after ``seconds``, when the bound reaches ``upper``,
    when the steps vanish, or when at most ``target_pairs`` pairs are left.

    On tables above ``ACTIVE_FROM`` pairs the rounds run on an active subset (the incumbent's
    pairs, per stage and inbound time the pairs with S = 0 and the largest S, and every pair
    that has been a stage minimum); every ``CHECK_EVERY`` rounds all pairs are priced: that
    value is the bound (the active one can only be higher), and pairs cheaper than their
    stage's active minimum join the active set.
    Returns (best bound, per-pair bound: the least cost of any plan using the pair, as proven by
    the multipliers of the pricing that dropped it, or of the best pricing if it stayed).
    """
    from .gsm_lp import first_columns

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

    full = _Pairs(np.arange(len(idx.pair_k)), loc[idx.pair_k], idx.pair_a, idx.pair_b,
                  idx.pair_cost, width,
                  np.zeros(len(idx.pair_k), bool) if keep is None else np.asarray(keep, bool))
    if len(full.starts) != nk:
        raise ValueError("every core stage needs at least one pair")
    pair_lb = np.full(len(full.live), -np.inf)
    restricted = len(full.live) > ACTIVE_FROM
    if restricted:
        start = first_columns(idx, full.fixed)
        start[_argmin(full.cost, np.minimum.reduceat(full.cost, full.starts), full.starts,
                      full.counts)] = True
        act = full.subset(start)
    else:
        act = full
    lam = np.zeros(len(rs))
    # any lam >= 0 gives a bound, so capping lam costs no validity; the cap (the dearest pair
    # of every stage, summed) is far above any useful multiplier and keeps the modified costs
    # where float64 rounding stays small (averaged directions can nearly cancel, and the
    # Polyak step over their norm then diverged to lam ~ 1e16 on a 4-stage line)
    lam_cap = float(np.maximum.reduceat(np.abs(full.cost), full.starts).sum()) + 1.0
    best_l, best_ct, best_min, best_err = -np.inf, full.cost, np.zeros(nk), 0.0
    best_act, theta, stall, d, price_next = -np.inf, 1.0, 0, None, False

    def pair_bounds() -> np.ndarray:  # least cost of a plan using each pair, best pricing
        return best_l + best_ct - np.repeat(best_min, full.counts) - 2 * best_err

    for it in range(max_iter):
        cum_out = np.cumsum(np.bincount(out_pos, weights=lam, minlength=nk * width)
                            .reshape(nk, width), axis=1).ravel()
        cum_in = np.cumsum(np.bincount(in_pos, weights=lam, minlength=nk * width)
                           .reshape(nk, width), axis=1).ravel()
        ct_act = act.modified(cum_out, cum_in)
        mins_act = np.minimum.reduceat(ct_act, act.starts)
        value = float(mins_act.sum()) + constant
        if value > best_act + 1e-12 * max(1.0, abs(value)):
            best_act, stall = value, 0
        else:
            stall += 1
            if stall >= PATIENCE:
                theta, stall = theta / 2, 0
        priced = not restricted or it % CHECK_EVERY == 0 or price_next
        price_next = False
        if priced:  # every pair: the valid bound
            ct = ct_act if not restricted else full.modified(cum_out, cum_in)
            mins = mins_act if not restricted else np.minimum.reduceat(ct, full.starts)
            # rounding: each modified cost is off by a few ulps of its terms' size, the sum of
            # the minima by as much per stage; the bound and the pair bounds keep that margin
            err = 8 * EPS * (float(np.abs(full.cost).max(initial=0.0)) + float(cum_out.max())
                             + float(cum_in.max()))
            full_value = float(mins.sum()) + constant - nk * err \
                - EPS * nk * float(np.abs(mins).sum())
            if full_value > best_l + 1e-12 * max(1.0, abs(full_value)):
                best_l, best_ct, best_min, best_err = full_value, ct, mins, err
            if restricted:
                cheaper = ct < np.repeat(mins_act, full.counts) - 1e-12
                if cheaper.any():
                    act = full.subset(full.in_subset(act) | cheaper)
                    ct_act = act.modified(cum_out, cum_in)
                    mins_act = np.minimum.reduceat(ct_act, act.starts)
        done = (upper - best_l <= tol or time.perf_counter() > t_end or theta < 1e-6
                or not len(rs) or it == max_iter - 1)
        if done or (it + 1) % CHECK_EVERY == 0:
            if improve is not None:
                upper = min(upper, improve(*_plan(data.n, ck, full.a, full.b, best_ct,
                                                  best_min, full.starts, full.counts)))
                tol = 1e-7 * max(1.0, abs(upper))
            bound = pair_bounds()
            drop = (bound > upper + tol) & ~full.fixed
            if done or len(full.live) - int(drop.sum()) <= target_pairs:
                pair_lb[full.live] = bound
                break
            if drop.any():
                pair_lb[full.live[drop]] = bound[drop]
                in_act = full.in_subset(act)[~drop]
                full, best_ct = full.subset(~drop), best_ct[~drop]
                act = full.subset(in_act) if restricted else full
                ct_act = act.modified(cum_out, cum_in)
                mins_act = np.minimum.reduceat(ct_act, act.starts)
        # subgradient at the (active) stage minimizers: +1 where S_i >= s, -1 where SI_k >= s
        arg = _argmin(ct_act, mins_act, act.starts, act.counts)
        g = (act.b[arg][ri] >= rs).astype(float) - (act.a[arg][rk] >= rs)
        if not (g @ g):
            if not restricted or (priced and float(mins.sum()) >= float(mins_act.sum())):
                # 0 is a supergradient of the full dual: these multipliers are optimal
                pair_lb[full.live] = pair_bounds()
                break
            price_next = True  # optimal for the active pairs: price all of them next round
            continue
        d = g if d is None else AVERAGE * g + (1 - AVERAGE) * d
        norm = float(d @ d)
        if norm == 0:
            d, norm = g, float(g @ g)
        lam = np.clip(lam + theta * max(upper - value, tol) / norm * d, 0.0, lam_cap)
    return best_l, pair_lb


class _Pairs:
    """Pairs of a table (positions ``live`` in it), grouped by stage, with their cells."""

    def __init__(self, live, pk, a, b, cost, width, fixed):
        self.live, self.pk, self.a, self.b, self.cost, self.fixed = live, pk, a, b, cost, fixed
        self.width = width
        self.cell_a, self.cell_b = pk * width + a, pk * width + b
        self.starts = np.flatnonzero(np.r_[True, pk[1:] != pk[:-1]])
        self.counts = np.diff(np.r_[self.starts, len(pk)])

    def subset(self, mask: np.ndarray) -> _Pairs:
        return _Pairs(self.live[mask], self.pk[mask], self.a[mask], self.b[mask],
                      self.cost[mask], self.width, self.fixed[mask])

    def in_subset(self, other: _Pairs) -> np.ndarray:
        """Mask of this table's pairs that are in ``other`` (a subset of it)."""
        return np.isin(self.live, other.live, assume_unique=True)

    def modified(self, cum_out: np.ndarray, cum_in: np.ndarray) -> np.ndarray:
        return self.cost + cum_out[self.cell_b] - cum_in[self.cell_a]


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
