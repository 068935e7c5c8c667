"""Bounds that remove service-time pairs, for the GSM pipeline of ``gsm_solve`` (step 4 of
models/buffers.md, "Algorithms"): the Lagrangian with pair fixing on large tables, then the
pair LP by column generation with rounding and reduced-cost fixing. Every bound is a lower
bound on the plans cheaper than the incumbent, which is all a proof needs, so a pair removed
by one bound stays removed for the next.
"""

from __future__ import annotations

import numpy as np

from ...options import SolveOptions
from ...solve import Deadline
from .graph import StageData, inbound_times, repair
from .mip import read_service_times
from .pairs import MipIndex, narrowed

LP_PAIRS_PER_SECOND = 38_000  # the fine LP proves about 2 million pairs in 40-50 s
LAGRANGIAN_FROM = 20_000  # pairs above which Lagrangian fixing runs before the LP (measured:
# as fast or faster than the LP alone from 66 000 pairs on, 3.4x on mixed:1000:2)
LAGRANGIAN_TARGET = 100_000  # pairs at which it hands over to the LP (at most a tenth of the
# table)
LAGRANGIAN_SHARE = 0.8  # of the time left, at most, for the Lagrangian before the LP
RESTART_SECONDS = 5.0  # time left below which the Lagrangian is not started again


def closed(options: SolveOptions, upper: float, lower: float | None) -> bool:
    """True when the incumbent's cost is within the gap tolerances of the lower bound."""
    return lower is not None and upper - lower <= max(
        options.mip_gap * abs(upper), options.mip_abs_gap or 0.0, 1e-9)


def beyond_lp(n_pairs: int, clock: Deadline) -> bool:
    """More pairs than the fine LP proves in the time left (in a minute without a limit)."""
    left = clock.left()
    return n_pairs > LP_PAIRS_PER_SECOND * (60.0 if left is None else left)


def bound_and_fix(data, core_data, folded, idx: MipIndex, best, options, clock, lp_pairs, notes,
                   start: np.ndarray | None = None):
    """(pairs kept, incumbent, lower bound, bounds narrowed to the pairs kept, multipliers of
    the last Lagrangian run or None; ``start`` is where the first starts): on tables above
    ``LAGRANGIAN_FROM`` pairs the Lagrangian fixes pairs first (it is 10-100x faster per pair
    than the simplex LP); then the LP on what is left, with reduced-cost fixing, if it fits the
    time limit; the Lagrangian alone when the LP runs out of time. Every bound is valid for the
    plans cheaper than the incumbent, which is all a proof needs."""
    core = folded.core
    lower, lam = -np.inf, None
    first = len(idx.pair_k) > LAGRANGIAN_FROM
    if first:
        before = len(idx.pair_k)
        target = min(LAGRANGIAN_TARGET, before // 10)
        wide = core_data  # the Lagrangian's rows; its multipliers carry over between runs
        lower, idx, best, lam = lagrangian_step(data, wide, folded, idx, best, clock, notes,
                                                 LAGRANGIAN_SHARE, target, start)
        core_data, idx = narrowed(wide, core, idx)  # the LP's rows shrink with it
        # while the LP is out of reach of the time left, the Lagrangian starts again on the
        # pairs left (fewer pairs and rows: cheaper rounds), from its multipliers, as long as
        # the run before halved them (setting up its arrays takes seconds on millions of pairs)
        while len(idx.pair_k) <= before // 2 and clock.limit is not None \
                and clock.left() > RESTART_SECONDS and beyond_lp(len(idx.pair_k), clock) \
                and not closed(options, data.cost_of(best)[0], lower):
            before = len(idx.pair_k)
            again, idx, best, lam = lagrangian_step(data, wide, folded, idx, best, clock,
                                                     notes, LAGRANGIAN_SHARE, target, lam)
            lower = max(lower, again)
            core_data, idx = narrowed(wide, core, idx)
        if closed(options, data.cost_of(best)[0], lower):
            return idx, best, lower, core_data, lam
    found = None
    hopeless = first and clock.limit is not None and beyond_lp(len(idx.pair_k), clock)
    if len(idx.pair_k) <= lp_pairs and not hopeless:
        found, best = lp_step(data, core_data, folded, idx, best, options, clock)
        if found is not None:
            lower, keep = max(lower, found[0]), found[1]
            notes.append(f"LP bound kept {int(keep.sum())} of {len(keep)} pairs")
            idx = idx.subset(keep)
        else:
            notes.append("the LP did not finish in its time")
    if found is None and not first:
        lower, idx, best, lam = lagrangian_step(data, core_data, folded, idx, best, clock,
                                                 notes, 0.5, 0, start)
    core_data, idx = narrowed(core_data, core, idx)
    return idx, best, lower, core_data, lam


def lagrangian_step(data, core_data, folded, idx: MipIndex, best, clock, notes, share: float,
                     target_pairs: int, start: np.ndarray | None = None
                     ) -> tuple[float, MipIndex, np.ndarray, np.ndarray]:
    """(Lagrangian bound, pairs kept, incumbent, multipliers) in ``share`` of the time left (60 s
    without a limit), stopping early at ``target_pairs`` pairs, from multipliers ``start`` (see
    ``gsm_lagrange``). The stage minima of the multipliers, repaired, replace the incumbent
    when cheaper."""
    from .lagrange import lagrangian

    ub = data.cost_of(best)[0]
    left = clock.left()
    seconds = 60.0 if left is None else share * left
    given = best

    def improve(S_core, SI_core):
        nonlocal best, ub
        cand = repair(data, folded.recover(data.n, S_core, SI_core)[0])
        if cand is not None and data.cost_of(cand)[0] < ub:
            best, ub = cand, data.cost_of(cand)[0]
        return ub

    low, pair_lb, lam = lagrangian(core_data, folded.core, idx, ub, seconds, folded.constant,
                                   keep=incumbent_pairs(idx, data, best), target_pairs=target_pairs,
                                   improve=improve, start=start)
    keep = (pair_lb <= ub + 1e-7 * max(1.0, abs(ub))) | incumbent_pairs(idx, data, best)
    notes.append(f"Lagrangian bound {low:,.6g} kept {int(keep.sum())} of {len(keep)} pairs")
    if best is not given:
        notes.append("incumbent from the Lagrangian's stage minima")
    return low, idx.subset(keep), best, lam


def incumbent_pairs(idx: MipIndex, data: StageData, S: np.ndarray) -> np.ndarray:
    """Mask of the pairs (SI_k, S_k) that service times S use."""
    SI = inbound_times(data, S)
    return (idx.pair_a == SI[idx.pair_k]) & (idx.pair_b == S[idx.pair_k])


def lp_step(data, core_data, folded, idx, best, options, clock):
    """LP bound by column generation, rounding of the LP solution, reduced-cost fixing.

    Returns ((LP bound, pairs to keep) or None when the LP runs out of time, incumbent): the
    incumbent may have improved by rounding the last LP solution even then."""
    from .lp import first_columns, lp_bound
    from .search import lns

    core = folded.core
    start = first_columns(idx, incumbent_pairs(idx, data, best))
    # the LP is what proves large cores optimal: it gets the time left but a reserve for the
    # MIP on the pairs it keeps
    left = clock.left()
    value, red, w = lp_bound(core_data, core, idx, start, options,
                             seconds=None if left is None else 0.8 * left)
    if w is not None:  # rounding the (last) LP solution often gives the optimum
        S_lp, SI_lp = read_service_times(core_data, idx, w)
        cand = repair(data, folded.recover(data.n, S_lp, SI_lp)[0])
        if cand is not None:
            cand = lns(data, cand, seconds=clock.budget(0.05, 5.0))
            if data.cost_of(cand)[0] < data.cost_of(best)[0]:
                best = cand
    if value is None:
        return None, best
    lower = value + folded.constant
    upper = data.cost_of(best)[0]
    keep = (red <= (upper - lower) + 1e-7 * max(1.0, abs(upper))) | incumbent_pairs(idx, data, best)
    return (lower, keep), best
