"""Time-unit scaling of a GSM instance (see models/buffers.md, "Algorithms").

The work of every exact method grows with the square of the service-time ranges (pairs of
inbound and outbound service times per stage). Three uses of a coarser time unit of ``g`` periods:

- ``common_unit``: when every lead time, external service time, quoted service time and
  stock-forcing bound is a multiple of g, the instance in units of g periods is *equivalent*:
  the constraints are differences of service times (a totally unimodular system) and the cost
  is concave, so an optimum sits at a vertex, whose service times are multiples of g. Its cost
  is sqrt(g) times the scaled cost. Exact, and the pairs shrink by g^2.
- ``coarse_plan`` (with ``lift``): a heuristic for instances too large to prove. The instance
  with lead times rounded to units of g periods is solved, and its *structure* is kept: stages
  that pass orders through (tau = 0) still pass through, stages that quote 0 still quote 0,
  the others quote g times their coarse service time, each capped by what its suppliers allow.
  Rounding the values instead would leave many stages with tau = 1 where the coarse plan had
  tau = 0, and sqrt is steepest there.
- ``coarse_bound`` (with ``coarse_pairs``): a relaxation, hence a lower bound, for instances
  whose pairs are too many to list (see the comment above ``coarse_pairs``).
"""

from __future__ import annotations

from dataclasses import replace
from math import gcd

import numpy as np

from .graph import UNBOUNDED, StageData, canonical, exact_inbound, path_bounds, repair
from .pairs import MipIndex, stacked, stage_pairs


def common_unit(data: StageData) -> int:
    """Largest g dividing every lead time, external and quoted service time and tau_min (1 if
    none; exact-inbound stages, whose tau >= 1 is not a multiple of anything, rule it out)."""
    if data.exact_si.any():
        return 1
    values = np.concatenate([data.T, data.ext, data.tau_min,
                             data.quoted[data.quoted != UNBOUNDED]]).astype(np.int64)
    g = 0
    for v in np.unique(values).tolist():
        g = gcd(g, int(v))
        if g == 1:
            return 1
    return max(g, 1)


def scaled(data: StageData, g: int, exact: bool = False) -> StageData:
    """The instance in units of g periods: divided exactly (``exact``, g from ``common_unit``),
    else lead times and external times rounded, quoted times rounded down (so that g times a
    coarse quote keeps the promise)."""
    def div(v: np.ndarray) -> np.ndarray:
        return (v // g if exact else np.round(v / g)).astype(v.dtype)

    quoted = np.where(data.quoted == UNBOUNDED, UNBOUNDED, data.quoted // g).astype(data.quoted.dtype)
    T, ext = div(data.T), div(data.ext)
    tau_min = data.tau_min // g if exact else data.tau_min
    s_max, si_max = path_bounds(T, ext, tau_min, quoted, data.preds)
    # a forced stage whose lead time rounds to 0 needs exact inbound times, and its suppliers
    return replace(data, name=f"{data.name} in units of {g}", T=T, ext=ext, quoted=quoted,
                   tau_min=tau_min, s_max=s_max, si_max=si_max,
                   exact_si=exact_inbound(T, tau_min, data.preds))


def coarse_factor(work: float, budget: float) -> int:
    """Smallest g with work / g^2 <= budget (work grows with the square of the ranges)."""
    return max(1, int(np.ceil(np.sqrt(work / max(budget, 1.0)))))


def lift(data: StageData, coarse: StageData, S_coarse: np.ndarray, g: int) -> np.ndarray | None:
    """Feasible service times of ``data`` with the decoupling structure of a coarse solution
    (see the module docstring); None when no such plan is feasible."""
    _, _, tau_c = coarse.cost_of(S_coarse)
    S = np.zeros(data.n, dtype=np.int64)
    for k in range(data.n):
        inbound = max([int(data.ext[k])] + [int(S[i]) for i in data.preds[k]])
        top = min(int(data.s_max[k]), inbound + int(data.T[k]) - int(data.tau_min[k]))
        if tau_c[k] <= coarse.tau_min[k]:
            S[k] = top
        elif S_coarse[k] == 0:
            S[k] = 0
        else:
            S[k] = min(g * int(S_coarse[k]), top)
    S = repair(data, np.maximum(S, 0))
    return None if S is None else canonical(data, S)


def coarse_plan(data: StageData, g: int, solve) -> np.ndarray | None:
    """Service times of ``data`` lifted from ``solve(scaled(data, g))`` (an Optimum), or None."""
    coarse = scaled(data, g)
    found = solve(coarse)
    if found.S is None:
        return None
    return lift(data, coarse, np.asarray(found.S, dtype=np.int64), g)


def in_common_unit(data: StageData, g: int, solve):
    """Optimum of ``data`` from ``solve`` on the exactly scaled instance (g from ``common_unit``):
    service times times g, cost and bound times sqrt(g)."""
    found = solve(scaled(data, g, exact=True))
    if found.S is None:
        return replace(found, message=f"{found.message} (in units of {g} periods)")
    S = np.asarray(found.S, dtype=np.int64) * g
    bound = None if found.bound is None else found.bound * np.sqrt(g)
    note = (f"every lead time and service-time bound is a multiple of {g} periods: solved "
            f"exactly in units of {g} ({g * g}x fewer service-time pairs); ")
    return replace(found, S=S, objective=data.cost_of(S)[0], bound=bound,
                   message=note + found.message)


# --- A lower bound from the coarse relaxation -------------------------------------------------
# Map every service time v to floor(v / g). The map is monotone, so SI_k >= S_i and the bounds
# survive it, and a plan's (SI_k, S_k) falls in the box of coarse pair (SI_k // g, S_k // g).
# Give each coarse pair the least cost of the fine pairs in its box: every plan then maps to a
# coarse plan costing no more, so the pair LP of the coarse instance bounds the fine optimum
# from below.

def coarse_pairs(data: StageData, core: np.ndarray, g: int, uS: dict | None = None,
                 uSI: dict | None = None) -> tuple[StageData, MipIndex]:
    """(coarse bounds, coarse pair table) of the ``core`` stages: pairs (k, a // g, b // g) of
    the admissible fine pairs, cost = least fine cost in the box. Built stage by stage, so the
    fine pairs are never all in memory."""
    uS, uSI = uS or {}, uSI or {}
    ks, as_, bs, cs = [], [], [], []
    for k in np.flatnonzero(core).tolist():
        a, b, cost = stage_pairs(data, k, uS.get(k), uSI.get(k))
        ca, cb = a // g, b // g
        key = ca * (int(data.s_max[k]) // g + 1) + cb
        order = np.argsort(key, kind="stable")
        key, cost = key[order], cost[order]
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        ks.append(np.full(len(first), k))
        as_.append(ca[order][first])
        bs.append(cb[order][first])
        cs.append(np.minimum.reduceat(cost, first) if len(first) else cost[:0])
    cdata = replace(data, name=f"{data.name} relaxed to units of {g}", ext=data.ext // g,
                    s_max=data.s_max // g, si_max=data.si_max // g,
                    exact_si=np.zeros(data.n, dtype=bool))
    return cdata, MipIndex(*stacked(ks, as_, bs, cs))


def coarse_bound(data: StageData, core: np.ndarray, g: int, S: np.ndarray, SI: np.ndarray,
                 options, seconds: float | None, uS: dict | None = None,
                 uSI: dict | None = None):
    """Pair LP of the coarse relaxation, started from the plan (S, SI) (values of ``data``'s
    stages). Returns its value, a lower bound, or None when out of time."""
    from .lp import first_columns, lp_bound

    cdata, cidx = coarse_pairs(data, core, g, uS, uSI)
    k = cidx.pair_k
    plan = (cidx.pair_a == SI[k] // g) & (cidx.pair_b == S[k] // g)
    value, _, _ = lp_bound(cdata, core, cidx, first_columns(cidx, plan), options,
                           seconds=seconds)
    return value
