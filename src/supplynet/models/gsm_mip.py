"""Exact MIP of the guaranteed-service model on a general acyclic stage graph (see models/buffers.md).

Variables (one family per function below):
    x[k, s]     binary, 1 if the outbound service time S_k >= s           (s = 1..s_max_k)
    z[k, s]     binary, 1 if the inbound service time SI_k >= s           (s = ext_k+1..si_max_k)
    w[k, a, b]  in [0, 1], 1 if (SI_k, S_k) = (a, b); only admissible pairs
                (ext_k <= a <= si_max_k, 0 <= b <= s_max_k, tau_min_k <= a + T_k - b, and
                a + T_k - b = 0 at stages forbidden to hold stock)
Objective: sum over pairs of h_k z_sigma_k sqrt(a + T_k - b) w[k, a, b]; the square root is
exact because every pair has its own column. With x and z integral each stage's marginals are
point masses, so w is integral too. The thermometer form of SI_k >= S_i (z[k, s] >= x[i, s]
for every s) makes the LP relaxation the local-marginal relaxation of the problem, which is
exact when the undirected stage graph is a forest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from ..options import SolveOptions
from ..solve import solve_model
from .gsm_graph import UNBOUNDED, Optimum, StageData, canonical, inbound_times, repair


@dataclass
class MipIndex:
    """Sparse index tables (numpy) the variables are declared over, in declaration order."""

    pair_k: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray
    pair_cost: np.ndarray
    x_index: list  # [(k, s)]
    z_index: list  # [(k, s)]

    def subset(self, mask: np.ndarray) -> MipIndex:
        """The same index with only the pairs where ``mask`` is True."""
        return MipIndex(self.pair_k[mask], self.pair_a[mask], self.pair_b[mask],
                        self.pair_cost[mask], self.x_index, self.z_index)


def pair_table(data: StageData, core: np.ndarray | None = None, uS: dict | None = None,
               uSI: dict | None = None) -> MipIndex:
    """Admissible (stage, SI value a, S value b) pairs of the ``core`` stages and their cost.

    cost = h_k z_sigma_k sqrt(a + T_k - b) + uSI_k(a) + uS_k(b) [money per period]; pairs whose
    unary cost is infinite (no admissible value of an eliminated neighbour) are left out.
    """
    core = np.ones(data.n, dtype=bool) if core is None else core
    uS, uSI = uS or {}, uSI or {}
    ks, as_, bs, cs = [], [], [], []
    for k in np.flatnonzero(core).tolist():
        a = np.arange(int(data.ext[k]), int(data.si_max[k]) + 1)
        b = np.arange(0, int(data.s_max[k]) + 1)
        A, B = np.meshgrid(a, b, indexing="ij")
        tau = A + data.T[k] - B
        ok = tau >= data.tau_min[k]
        if data.tau_zero[k]:
            ok &= tau == 0
        cost = data.cost_coef[k] * np.sqrt(np.maximum(tau, 0)).astype(float)
        if k in uSI:
            cost = cost + uSI[k][a][:, None]
        if k in uS:
            cost = cost + uS[k][b][None, :]
        ok &= np.isfinite(cost)
        ks.append(np.full(int(ok.sum()), k))
        as_.append(A[ok])
        bs.append(B[ok])
        cs.append(cost[ok])
    pk = np.concatenate(ks) if ks else np.zeros(0, dtype=np.int64)
    pa = np.concatenate(as_) if as_ else np.zeros(0, dtype=np.int64)
    pb = np.concatenate(bs) if bs else np.zeros(0, dtype=np.int64)
    cost = np.concatenate(cs) if cs else np.zeros(0)
    ck = np.flatnonzero(core).tolist()
    x_index = [(k, s) for k in ck for s in range(1, int(data.s_max[k]) + 1)]
    z_index = [(k, s) for k in ck for s in range(int(data.ext[k]) + 1, int(data.si_max[k]) + 1)]
    return MipIndex(pk, pa, pb, cost, x_index, z_index)


def add_variables(m: pyo.ConcreteModel, idx: MipIndex) -> None:
    """x[k, s], z[k, s] binary thermometers of S_k and SI_k; w[k, a, b] in [0, 1] pair choice."""
    m.X = pyo.Set(initialize=idx.x_index, dimen=2, ordered=True)
    m.Z = pyo.Set(initialize=idx.z_index, dimen=2, ordered=True)
    pairs = list(zip(idx.pair_k.tolist(), idx.pair_a.tolist(), idx.pair_b.tolist(), strict=True))
    m.P = pyo.Set(initialize=pairs, dimen=3, ordered=True)
    m.x = pyo.Var(m.X, domain=pyo.Binary)
    m.z = pyo.Var(m.Z, domain=pyo.Binary)
    m.w = pyo.Var(m.P, bounds=(0, 1))


def _groups(keys: list[tuple]) -> dict:
    out: dict = {}
    for pos, key in enumerate(keys):
        out.setdefault(key, []).append(pos)
    return out


def add_outbound_marginal(m: pyo.ConcreteModel, data: StageData, idx: MipIndex) -> None:
    """sum_a w[k, a, b] = x[k, b] - x[k, b+1] for b = 0..s_max_k (x[k, 0] = 1, x[k, s_max+1] = 0).

    The point mass of S_k at b; summed over b it gives sum_{a,b} w[k, a, b] = 1.
    """
    w = list(m.w.values())
    by = _groups(list(zip(idx.pair_k.tolist(), idx.pair_b.tolist(), strict=True)))
    rows = [(k, b) for k in sorted(set(idx.pair_k.tolist())) for b in range(int(data.s_max[k]) + 1)]
    x = m.x

    def rule(_m, k, b):
        # written as body == 0 so that every row keeps the sign of the pairs (+1), also
        # when no pair of a restricted index falls in the row (column generation relies on it)
        hi = x[k, b] if b >= 1 else 1
        lo = x[k, b + 1] if b + 1 <= data.s_max[k] else 0
        return sum(w[p] for p in by.get((k, b), ())) - hi + lo == 0

    m.outbound_marginal = pyo.Constraint(rows, rule=rule)


def add_inbound_marginal(m: pyo.ConcreteModel, data: StageData, idx: MipIndex) -> None:
    """sum_b w[k, a, b] = z[k, a] - z[k, a+1] for a = ext_k..si_max_k (z[k, a] = 1 for a <= ext_k)."""
    w = list(m.w.values())
    by = _groups(list(zip(idx.pair_k.tolist(), idx.pair_a.tolist(), strict=True)))
    rows = [(k, a) for k in sorted(set(idx.pair_k.tolist()))
            for a in range(int(data.ext[k]), int(data.si_max[k]) + 1)]
    z = m.z

    def rule(_m, k, a):
        hi = z[k, a] if a > data.ext[k] else 1
        lo = z[k, a + 1] if a + 1 <= data.si_max[k] else 0
        return sum(w[p] for p in by.get((k, a), ())) - hi + lo == 0

    m.inbound_marginal = pyo.Constraint(rows, rule=rule)


def add_service_order(m: pyo.ConcreteModel, data: StageData, core: np.ndarray) -> None:
    """SI_k >= S_i for every arc i -> k, as z[k, s] >= x[i, s] for s = ext_k+1..s_max_i.

    (For s <= ext_k the inbound thermometer is 1 and the row is void.)
    """
    rows = [(i, k, s) for i, k in data.arcs.tolist() if core[i] and core[k]
            for s in range(int(data.ext[k]) + 1, int(data.s_max[i]) + 1)]
    x, z = m.x, m.z
    m.service_order = pyo.Constraint(rows, rule=lambda _m, i, k, s: z[k, s] >= x[i, s])


def add_exact_inbound(m: pyo.ConcreteModel, data: StageData, core: np.ndarray) -> None:
    """SI_k = max(ext_k, S_i) at forced stages with lead time 0: z[k, s] <= sum_i x[i, s].

    Without it such a stage could fake a buffer by raising SI_k above every supplier's quote.
    """
    rows = [(k, s) for k in np.flatnonzero(data.exact_si & core).tolist()
            for s in range(int(data.ext[k]) + 1, int(data.si_max[k]) + 1)]
    x, z = m.x, m.z

    def rule(_m, k, s):
        have = [x[i, s] for i in data.preds[k] if core[i] and s <= data.s_max[i]]
        return z[k, s] <= sum(have) if have else z[k, s] <= 0

    m.exact_inbound = pyo.Constraint(rows, rule=rule)


def add_objective(m: pyo.ConcreteModel, idx: MipIndex) -> None:
    """min sum_{k,a,b} h_k z_sigma_k sqrt(a + T_k - b) w[k, a, b]   [money per period]."""
    w = list(m.w.values())
    cost = idx.pair_cost.tolist()
    m.safety_stock_cost = pyo.Objective(
        expr=sum(c * v for c, v in zip(cost, w, strict=True) if c != 0.0), sense=pyo.minimize)


def build(data: StageData, core: np.ndarray | None = None, uS: dict | None = None,
          uSI: dict | None = None, idx: MipIndex | None = None
          ) -> tuple[pyo.ConcreteModel, MipIndex]:
    """The Pyomo model of the ``core`` stages (all by default) and its index tables.

    ``uS``/``uSI`` are unary costs left by eliminated neighbours (``gsm_dp.fold``); ``idx``
    (default: every admissible pair) may be a subset of the pairs, e.g. after fixing.
    """
    core = np.ones(data.n, dtype=bool) if core is None else core
    with PauseGC():
        idx = pair_table(data, core, uS, uSI) if idx is None else idx
        m = pyo.ConcreteModel(name=f"gsm {data.name}")
        add_variables(m, idx)
        add_outbound_marginal(m, data, idx)
        add_inbound_marginal(m, data, idx)
        add_service_order(m, data, core)
        if (data.exact_si & core).any():
            add_exact_inbound(m, data, core)
        add_objective(m, idx)
    return m, idx


def read_service_times(data: StageData, idx: MipIndex, w_values: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(S, SI) from the pair values: the pair with the largest w of every stage."""
    S = np.zeros(data.n, dtype=np.int64)
    SI = np.zeros(data.n, dtype=np.int64)
    best = np.full(data.n, -1.0)
    for k, a, b, v in zip(idx.pair_k.tolist(), idx.pair_a.tolist(), idx.pair_b.tolist(),
                          w_values.tolist(), strict=True):
        if v > best[k]:
            best[k], S[k], SI[k] = v, b, a
    return S, SI


def tightened(data: StageData, core: np.ndarray, free: list) -> StageData:
    """Bounds of the core stages recomputed with free stages quoting S = 0 (smaller domains)."""
    from dataclasses import replace

    s_max, si_max = data.s_max.copy(), data.si_max.copy()
    is_free = np.zeros(data.n, dtype=bool)
    is_free[free] = True
    for k in range(data.n):
        if not core[k]:
            continue
        si_max[k] = max([int(data.ext[k])] + [0 if is_free[i] else int(s_max[i])
                                               for i in data.preds[k]])
        top = si_max[k] + data.T[k] - data.tau_min[k]
        s_max[k] = max(0, top if data.quoted[k] == UNBOUNDED else min(top, data.quoted[k]))
    return replace(data, s_max=s_max, si_max=si_max)


def start_from(data: StageData, core: np.ndarray, S: np.ndarray) -> dict[str, float]:
    """{variable name: value} of the thermometers x, z for service times S (a MIP start)."""
    SI = inbound_times(data, S)
    out: dict[str, float] = {}
    for k in np.flatnonzero(core).tolist():
        for s in range(1, int(data.s_max[k]) + 1):
            out[f"x[{k},{s}]"] = float(S[k] >= s)
        for s in range(int(data.ext[k]) + 1, int(data.si_max[k]) + 1):
            out[f"z[{k},{s}]"] = float(SI[k] >= s)
    return out


def _pairs_of(idx: MipIndex, S: np.ndarray, SI: np.ndarray) -> np.ndarray:
    return (idx.pair_a == SI[idx.pair_k]) & (idx.pair_b == S[idx.pair_k])


def solve_mip(data: StageData, options: SolveOptions, reduce: bool = True,
              direct_pairs: int = 20000, lp_pairs: int = 300000) -> Optimum:
    """Exact optimum: eliminate by DP, then the pair MIP on the 2-core (see models/buffers.md).

    With ``reduce``: (1) ``gsm_dp.fold`` eliminates stages with one neighbour and free stages;
    (2) an incumbent from the spanning-tree DP and large-neighbourhood search; (3) when the core
    has more than ``direct_pairs`` pairs: the LP relaxation by column generation with rounding
    of its solution (at most ``lp_pairs`` pairs, else after Lagrangian pruning; the Lagrangian
    bound also stands in when the LP runs out of time); each bound removes every pair that
    cannot be in a solution cheaper than the incumbent; (4) the MIP on the remaining pairs,
    started from the incumbent. Without ``reduce``: the MIP on all pairs.
    """
    from .gsm_dp import Folded, fold, tree_heuristic
    from .gsm_search import lagrangian, lns

    t0 = time.perf_counter()
    folded = fold(data) if reduce else Folded(core=np.ones(data.n, dtype=bool))
    if not folded.feasible:
        return Optimum("infeasible", method="mip", message="no service times satisfy the bounds "
                       "and what-if controls")
    if not folded.core.any():
        S, _ = folded.recover(data.n)
        S = canonical(data, S)
        cost = data.cost_of(S)[0]
        return Optimum("optimal", S, cost, cost, "dp", "solved by elimination (tree DP)",
                       build_seconds=time.perf_counter() - t0)
    core = folded.core
    core_data = tightened(data, core, folded.free) if reduce else data
    idx = pair_table(core_data, core, folded.uS, folded.uSI)
    missing = set(np.flatnonzero(core).tolist()) - set(idx.pair_k.tolist())
    if missing:
        names = ", ".join(repr(data.ids[k]) for k in sorted(missing)[:5])
        return Optimum("infeasible", method="mip", message=f"no admissible service times at {names}")
    best = None
    given = getattr(options.mip_start, "start_values", options.mip_start)
    if isinstance(given, dict) and given and all(str(s) in given for s in data.ids):
        best = repair(data, np.array([int(given[str(s)]) for s in data.ids]))
    if reduce:
        # more search time when the core is too large for the LP step (the MIP then mostly
        # improves on the incumbent rather than proving it)
        share = (0.15, 15.0) if len(idx.pair_k) > lp_pairs else (0.05, 5.0)
        for cand in (tree_heuristic(data), best):
            if cand is not None:
                cand = lns(data, cand, seconds=_budget(options, *share))
                if best is None or data.cost_of(cand)[0] < data.cost_of(best)[0]:
                    best = cand
    notes, lower = [], None
    if reduce and best is not None and len(idx.pair_k) > direct_pairs:
        def lagrangian_step(idx):
            ub = data.cost_of(best)[0]
            low, pair_lb = lagrangian(core_data, core, idx, ub, _budget(options, 0.1, 10.0),
                                      folded.constant)
            keep = (pair_lb <= ub + 1e-7 * max(1.0, abs(ub))) | _incumbent(idx, data, best)
            notes.append(f"Lagrangian bound kept {int(keep.sum())} of {len(keep)} pairs")
            return low, idx.subset(keep)

        if len(idx.pair_k) > lp_pairs:
            lower, idx = lagrangian_step(idx)
        found = (_lp_step(data, core_data, folded, idx, best, options)
                 if len(idx.pair_k) <= lp_pairs else None)
        if found is not None:
            lp_lower, keep, best = found
            lower = lp_lower if lower is None else max(lower, lp_lower)
            notes.append(f"LP bound kept {int(keep.sum())} of {len(keep)} pairs")
            idx = idx.subset(keep)
        elif lower is None:
            lower, idx = lagrangian_step(idx)
        upper = data.cost_of(best)[0]
        if lower is not None and upper - lower <= max(options.mip_gap * abs(upper), options.mip_abs_gap or 0.0, 1e-9):
            return Optimum("optimal", canonical(data, best), upper, lower, "mip",
                           f"bounds closed the gap on {int(core.sum())} of {data.n} stages "
                           f"after elimination ({'; '.join(notes)})",
                           build_seconds=time.perf_counter() - t0)
    note = "".join(f"{x}; " for x in notes)
    m, idx = build(core_data, core, idx=idx)
    opts = options.replace(mip_start=start_from(core_data, core, best) if best is not None else None)
    if options.time_limit is not None:
        opts = opts.replace(time_limit=max(1.0, options.time_limit - (time.perf_counter() - t0)))
    t1 = time.perf_counter()
    sol = solve_model(m, opts)
    msg = (f"MIP on {int(core.sum())} of {data.n} stages after elimination, "
           f"{len(idx.pair_k)} service-time pairs; {note}{sol.message}").rstrip("; ")
    out = Optimum(sol.status, method="mip", message=msg, build_seconds=t1 - t0,
                  handoff_seconds=sol.handoff_seconds, solve_seconds=sol.solve_seconds,
                  solution=sol)
    if sol.x is None:
        if best is not None and sol.status == "time_limit":
            out.S, out.objective = canonical(data, best), data.cost_of(best)[0]
            out.bound = lower
        return out
    S_core, SI_core = read_service_times(core_data, idx, sol.values(m.w))
    S = canonical(data, folded.recover(data.n, S_core, SI_core)[0])
    if best is not None and data.cost_of(best)[0] < data.cost_of(S)[0]:
        S = canonical(data, best)
    out.S = S
    out.objective = data.cost_of(S)[0]
    bound = (sol.bound if sol.bound is not None else -np.inf) + folded.constant
    out.bound = bound if lower is None or sol.status == "optimal" else max(bound, lower)
    return out


def _incumbent(idx: MipIndex, data: StageData, S: np.ndarray) -> np.ndarray:
    return _pairs_of(idx, S, inbound_times(data, S))


def _lp_step(data, core_data, folded, idx, best, options):
    """LP bound by column generation, rounding of the LP solution, reduced-cost fixing.

    Returns (LP bound, pairs to keep, incumbent) or None when the LP runs out of time."""
    from .gsm_search import lns, lp_bound

    core = folded.core
    top = np.minimum(core_data.s_max[idx.pair_k],
                     idx.pair_a + core_data.T[idx.pair_k] - core_data.tau_min[idx.pair_k])
    start = _incumbent(idx, data, best) | (idx.pair_b == top) | (idx.pair_b == 0)
    lp = lp_bound(core_data, core, idx, start, options, seconds=_budget(options, 0.4, 600.0))
    if lp is None:
        return None
    value, red, w = lp
    lower = value + folded.constant
    S_lp, SI_lp = read_service_times(core_data, idx, w)
    cand = repair(data, folded.recover(data.n, S_lp, SI_lp)[0])
    if cand is not None:
        cand = lns(data, cand, seconds=_budget(options, 0.05, 5.0))
        if data.cost_of(cand)[0] < data.cost_of(best)[0]:
            best = cand
    upper = data.cost_of(best)[0]
    keep = (red <= (upper - lower) + 1e-7 * max(1.0, abs(upper))) | _incumbent(idx, data, best)
    return lower, keep, best


def _budget(options: SolveOptions, share: float, cap: float) -> float:
    """Seconds for a heuristic: ``share`` of the time limit, at most ``cap``."""
    return cap if options.time_limit is None else min(cap, share * options.time_limit)
