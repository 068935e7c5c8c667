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

from .graph import StageData
from .levels import order_rows

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
               max_iter: int = 100_000, improve=None, start: np.ndarray | None = None
               ) -> tuple[float, np.ndarray, np.ndarray]:
    """Lagrangian bound of the pair MIP of the ``core`` stages over the pairs of ``idx``.

    ``upper`` is the incumbent's cost (the target of the steps and the fixing threshold),
    ``constant`` is added to every bound (cost of eliminated stages), ``keep`` marks pairs
    never dropped (the incumbent's). ``improve(S, SI)``, if given, is shown the stage minima of
    the best multipliers at every fixing (service times of ``data``'s stages, 0 outside
    the core; a Lagrangian heuristic) and returns the incumbent's cost, which may have
    dropped; ``upper`` follows it. Stops after ``seconds``, when the bound reaches ``upper``,
    when the steps vanish, or when at most ``target_pairs`` pairs are left.

    On tables above ``ACTIVE_FROM`` pairs the rounds run on an active subset (the incumbent's
    pairs, per stage and inbound time the pairs with S = 0 and the largest S, and every pair
    that has been a stage minimum); every ``CHECK_EVERY`` rounds all pairs are priced: that
    value is the bound (the active one can only be higher), and pairs cheaper than their
    stage's active minimum join the active set.
    ``start``: first multipliers, one per row of ``gsm_levels.order_rows(data, core)`` (zero by
    default; any lam >= 0 gives a valid bound, a good start only a faster ascent).
    Returns (best bound, per-pair bound: the least cost of any plan using the pair, the best
    proven by the pricings up to the one that dropped it, or up to the end if it stayed, and
    the multipliers of the best pricing, per row of ``order_rows``).
    """
    from .lp import first_columns

    t_end = time.perf_counter() + seconds
    ck = np.flatnonzero(core)
    loc = np.full(data.n, -1, dtype=np.int32)
    loc[ck] = np.arange(len(ck))
    ri, rk, rs = order_rows(data, core)
    ri, rk = loc[ri], loc[rk]
    nk = len(ck)
    # cells: stage k's service-time values v at offset_k + v, one stretch per stage (as long as
    # its own range: the widest stage would make a grid several times longer)
    span = np.maximum(data.s_max[ck], data.si_max[ck]).astype(np.int64) + 2
    offset = np.cumsum(span) - span
    n_cells = int(span.sum())
    out_pos, in_pos = offset[ri] + rs, offset[rk] + rs  # row -> (stage, level) cell
    # the per-round subgradient reads these: 32-bit halves its memory traffic
    ri, rk, rs = ri.astype(np.int32), rk.astype(np.int32), rs.astype(np.int32)
    tol = 1e-7 * max(1.0, abs(upper))

    full = _Pairs.of(loc[idx.pair_k], idx.pair_a, idx.pair_b, idx.pair_cost, offset,
                     np.zeros(len(idx.pair_k), bool) if keep is None else np.asarray(keep, bool))
    pair_lb = np.full(len(full.live), -np.inf)
    restricted = len(full.live) > ACTIVE_FROM
    if restricted:  # act_mask marks the active pairs among those of ``full``
        act_mask = first_columns(idx, full.fixed)
        act_mask[_argmin(full.cost, np.minimum.reduceat(full.cost, full.starts), full.starts,
                         full.counts)] = True
        act = full.subset(act_mask)
    else:
        act = full
    n_rows = len(rs)
    row_id = np.arange(n_rows)  # rows leave (``binding_rows``); their multipliers are 0
    lam = np.zeros(n_rows) if start is None else np.clip(np.asarray(start, float), 0.0, None)
    # any lam >= 0 gives a bound, so capping lam costs no validity; the cap (the dearest pair
    # of every stage, summed) is far above any useful multiplier and keeps the modified costs
    # where float64 rounding stays small (averaged directions can nearly cancel, and the
    # Polyak step over their norm then diverged to lam ~ 1e16 on a 4-stage line)
    lam_cap = float(np.maximum.reduceat(np.abs(full.cost), full.starts).sum()) + 1.0
    cost_max = float(np.abs(full.cost).max(initial=0.0))
    # lb: per pair of ``full``, the best bound on any plan that uses it over the pricings so far
    # (each pricing proves L(lam) + its modified cost - its stage's minimum, so the maximum is
    # valid too); best_plan: the stage minima of the best pricing
    lb = np.full(len(full.live), -np.inf)
    best_l, best_plan, best_lam = -np.inf, None, (row_id, lam.copy())
    best_act, theta, stall, d, price_next = -np.inf, 1.0, 0, None, False

    def price(ct: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float, float]:
        """(modified costs, stage minima (both shifted, see ``cumulated``), bound, rounding
        margin) of all pairs of ``full``."""
        ct = full.modified(cum_out, cum_in) if ct is None else ct
        mins = np.minimum.reduceat(ct, full.starts)
        # rounding: each modified cost is off by a few ulps of the running sums it reads (at
        # most their totals), the sum of the minima by as much per stage; the bound and the
        # pair bounds keep that margin (80-5000x the error measured in review)
        err = 8 * EPS * (cost_max + float(cum_out[-1]) + float(cum_in[-1]))
        return ct, mins, float(mins.sum()) - shift + constant - nk * err \
            - EPS * nk * (float(np.abs(mins).sum()) + abs(shift)), err

    def raise_bounds(ct: np.ndarray, mins: np.ndarray, full_value: float, err: float) -> None:
        now = ct - np.repeat(mins, full.counts)
        now += full_value - 2 * err
        np.maximum(lb, now, out=lb)

    def cumulated() -> tuple[np.ndarray, np.ndarray, float]:
        """Multipliers summed over the rows at cells up to each cell, for S (out) and SI (in),
        and the shift: one running sum over all stages, so a stage's sums are off by what the
        stages before it carry, the same for all its pairs. Its minimum is off by as much, the
        pairs' differences to it are exact, and the bound subtracts the total shift. (One pass
        over the cells instead of one per stage.)"""
        out = np.cumsum(np.bincount(out_pos, weights=lam, minlength=n_cells), dtype=float)
        inn = np.cumsum(np.bincount(in_pos, weights=lam, minlength=n_cells), dtype=float)
        before = offset[1:] - 1
        return out, inn, float(out[before].sum() - inn[before].sum())

    def binding_rows() -> np.ndarray:
        """Mask of the rows z[k, s] >= x[i, s] some plan of the pairs left could violate: s
        above k's smallest SI and at most i's largest S. The others hold for every such plan;
        their multipliers only lower the bound (the row's term is <= 0 whatever the plan),
        so they are set to 0 and the rows leave (they were a third to three quarters of the
        rows after fixing, on gsm_bench cases)."""
        a_min = np.minimum.reduceat(full.cell_a, full.starts) - offset
        b_max = np.maximum.reduceat(full.cell_b, full.starts) - offset
        return (rs > a_min[rk]) & (rs <= b_max[ri])

    for it in range(max_iter):
        cum_out, cum_in, shift = cumulated()
        ct_act = act.modified(cum_out, cum_in)
        mins_act = np.minimum.reduceat(ct_act, act.starts)
        value = float(mins_act.sum()) - shift + constant
        if value > best_act + 1e-12 * max(1.0, abs(value)):
            best_act, stall = value, 0
        else:
            stall += 1
            if stall >= PATIENCE:
                theta, stall = theta / 2, 0
        priced = not restricted or it % CHECK_EVERY == 0 or price_next
        price_next = False
        if priced:  # every pair: the valid bound
            ct, mins, full_value, err = price(None if restricted else ct_act)
            priced_sum = float(mins.sum()) - shift  # unshifted: rows may leave before its use
            better = full_value > best_l + 1e-12 * max(1.0, abs(full_value))
            if better or restricted or (it + 1) % CHECK_EVERY == 0:
                raise_bounds(ct, mins, full_value, err)
            if better:
                best_l, best_plan = full_value, full.plan(data.n, ck, ct, mins)
                best_lam = (row_id, lam.copy())
            if restricted:
                cheaper = ct < np.repeat(mins_act, full.counts) - 1e-12
                if cheaper.any():
                    act_mask |= cheaper
                    act = full.subset(act_mask)
                    ct_act = act.modified(cum_out, cum_in)
                    mins_act = np.minimum.reduceat(ct_act, act.starts)
        done = (upper - best_l <= tol or time.perf_counter() > t_end or theta < 1e-6
                or not len(rs) or it == max_iter - 1)
        if done or (it + 1) % CHECK_EVERY == 0:
            if improve is not None:
                upper = min(upper, improve(*best_plan))
                tol = 1e-7 * max(1.0, abs(upper))
            drop = (lb > upper + tol) & ~full.fixed
            n_drop = int(drop.sum())
            if done or len(full.live) - n_drop <= target_pairs:
                pair_lb[full.live] = lb
                break
            # copying the arrays costs about two pricings: only for a twentieth of them or more
            # (the others stay, with their bounds, and are dropped later or at the end)
            if n_drop >= len(full.live) // 20:
                pair_lb[full.live[drop]] = lb[drop]
                full, lb = full.subset(~drop), lb[~drop]
                if restricted:
                    act_mask = act_mask[~drop]
                    act = full.subset(act_mask)
                else:
                    act = full
                rows = binding_rows()
                if not rows.all():
                    ri, rk, rs, out_pos, in_pos, lam, row_id = (
                        v[rows] for v in (ri, rk, rs, out_pos, in_pos, lam, row_id))
                    d = None if d is None else d[rows]
                    cum_out, cum_in, shift = cumulated()
                    price_next = True  # the bound may have risen
                ct_act = act.modified(cum_out, cum_in)
                mins_act = np.minimum.reduceat(ct_act, act.starts)
        # subgradient at the (active) stage minimizers: +1 where S_i >= s, -1 where SI_k >= s
        S_act, SI_act = (v.astype(np.int32) for v in act.minimizers(ct_act, mins_act))
        g = (S_act[ri] >= rs).view(np.int8) - (SI_act[rk] >= rs).view(np.int8)
        if not g.any():
            if not restricted or (priced and priced_sum >= float(mins_act.sum()) - shift):
                # 0 is a supergradient of the full dual: these multipliers are optimal
                raise_bounds(*price())  # ``full`` may have lost pairs since it was priced
                pair_lb[full.live] = lb
                break
            price_next = True  # optimal for the active pairs: price all of them next round
            continue
        if d is None:
            d = g.astype(float)
        else:  # in place: a few million rows, every round
            d *= 1 - AVERAGE
            d += AVERAGE * g
        norm = float(d @ d)
        if norm == 0:
            d = g.astype(float)
            norm = float(d @ d)
        lam += theta * max(upper - value, tol) / norm * d
        np.clip(lam, 0.0, lam_cap, out=lam)
    multipliers = np.zeros(n_rows)
    multipliers[best_lam[0]] = best_lam[1]
    return best_l, pair_lb, multipliers


class _Pairs:
    """Pairs of a table (positions ``live`` in it), grouped by stage (``counts`` per core stage,
    every stage at least one): their cells offset_k + a and offset_k + b (where the
    cumulated multipliers are read), cost, and whether they are never dropped (``fixed``).
    Compact dtypes (21 bytes a pair): tables of tens of millions of pairs are copied at every
    fixing and every change of the active subset."""

    def __init__(self, live, cell_a, cell_b, cost, fixed, counts, offset):
        self.live, self.cell_a, self.cell_b, self.cost = live, cell_a, cell_b, cost
        self.fixed, self.counts, self.offset = fixed, counts, offset
        self.starts = np.cumsum(counts) - counts

    @classmethod
    def of(cls, pk, a, b, cost, offset, fixed) -> _Pairs:
        """Pairs of core stage positions ``pk`` (grouped), inbound ``a`` and outbound ``b``;
        stage k's cells start at ``offset[k]``."""
        counts = np.bincount(pk, minlength=len(offset))
        if (counts == 0).any():
            raise ValueError("every core stage needs at least one pair")
        top = int(offset[-1]) + int(max(a.max(initial=0), b.max(initial=0)))
        cell = np.int32 if top < np.iinfo(np.int32).max else np.int64
        base = offset.astype(cell)[pk]
        live = np.arange(len(pk), dtype=np.int32 if len(pk) < 2**31 else np.int64)
        return cls(live, base + a.astype(cell), base + b.astype(cell), np.asarray(cost, float),
                   fixed, counts, offset)

    def subset(self, mask: np.ndarray) -> _Pairs:
        """The pairs where ``mask`` is True (it must keep a pair of every stage)."""
        counts = np.add.reduceat(mask, self.starts, dtype=np.int64)
        if (counts == 0).any():  # only with an ``upper`` below every plan's cost
            raise ValueError("a core stage lost all its pairs: no plan is as cheap as `upper`")
        return _Pairs(self.live[mask], self.cell_a[mask], self.cell_b[mask], self.cost[mask],
                      self.fixed[mask], counts, self.offset)

    def modified(self, cum_out: np.ndarray, cum_in: np.ndarray) -> np.ndarray:
        """Cost of every pair under the multipliers (cumulated per stage and level)."""
        ct = cum_out[self.cell_b]
        ct -= cum_in[self.cell_a]
        ct += self.cost
        return ct

    def minimizers(self, ct: np.ndarray, mins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(S, SI) of every core stage's first cheapest pair under ``ct``."""
        arg = _argmin(ct, mins, self.starts, self.counts)
        return self.cell_b[arg] - self.offset, self.cell_a[arg] - self.offset

    def plan(self, n: int, ck: np.ndarray, ct: np.ndarray, mins: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
        """(S, SI) of all ``n`` stages from ``minimizers`` (0 off the core stages ``ck``)."""
        S, SI = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        S[ck], SI[ck] = self.minimizers(ct, mins)
        return S, SI


def _argmin(ct: np.ndarray, mins: np.ndarray, starts: np.ndarray, counts: np.ndarray
            ) -> np.ndarray:
    """Position of the first cheapest pair of every stage (pairs grouped by stage)."""
    pos = np.flatnonzero(ct == np.repeat(mins, counts))
    return pos[np.searchsorted(pos, starts)]
