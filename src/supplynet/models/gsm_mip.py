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

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from .gsm_graph import UNBOUNDED, StageData, inbound_times


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
        a, b, cost = stage_pairs(data, k, uS.get(k), uSI.get(k))
        ks.append(np.full(len(a), k))
        as_.append(a)
        bs.append(b)
        cs.append(cost)
    return MipIndex(*stacked(ks, as_, bs, cs), *thermometers(data, core))


def thermometers(data: StageData, core: np.ndarray) -> tuple[list, list]:
    """(x index, z index): (k, s) for s = 1..s_max_k and s = ext_k+1..si_max_k, core stages."""
    ck = np.flatnonzero(core).tolist()
    x_index = [(k, s) for k in ck for s in range(1, int(data.s_max[k]) + 1)]
    z_index = [(k, s) for k in ck for s in range(int(data.ext[k]) + 1, int(data.si_max[k]) + 1)]
    return x_index, z_index


def stacked(ks: list, as_: list, bs: list, cs: list) -> tuple[np.ndarray, ...]:
    """(pair_k, pair_a, pair_b, pair_cost) from per-stage pieces (empty arrays if none)."""
    def cat(parts: list, dtype) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    return cat(ks, np.int64), cat(as_, np.int64), cat(bs, np.int64), cat(cs, float)


def stage_pairs(data: StageData, k: int, uS: np.ndarray | None = None,
                uSI: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, cost) of the admissible pairs of stage k, in order of a then b (see pair_table)."""
    a = np.arange(int(data.ext[k]), int(data.si_max[k]) + 1)
    b = np.arange(0, int(data.s_max[k]) + 1)
    A, B = np.meshgrid(a, b, indexing="ij")
    tau = A + data.T[k] - B
    ok = tau >= data.tau_min[k]
    if data.tau_zero[k]:
        ok &= tau == 0
    cost = data.cost_coef[k] * np.sqrt(np.maximum(tau, 0)).astype(float)
    if uSI is not None:
        cost = cost + uSI[a][:, None]
    if uS is not None:
        cost = cost + uS[b][None, :]
    ok &= np.isfinite(cost)
    return A[ok], B[ok], cost[ok]


def count_pairs(data: StageData, core: np.ndarray) -> int:
    """Number of admissible pairs ``pair_table`` would list for the ``core`` stages (before
    unary costs), computed without listing them: the size check before any memory is spent."""
    total = 0
    for k in np.flatnonzero(core).tolist():
        a = np.arange(int(data.ext[k]), int(data.si_max[k]) + 1)
        top = np.minimum(int(data.s_max[k]), a + int(data.T[k]) - int(data.tau_min[k]))
        if data.tau_zero[k]:
            total += int(np.count_nonzero((top >= 0) & (a + data.T[k] <= data.s_max[k])))
        else:
            total += int(np.maximum(top + 1, 0).sum())
    return total


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


def value_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner j, value) of every integer in [lo_j, hi_j] for all j, in order of j then value."""
    cnt = np.maximum(np.asarray(hi, dtype=np.int64) - lo + 1, 0)
    owner = np.repeat(np.arange(len(cnt)), cnt)
    start = np.repeat(np.cumsum(cnt) - cnt, cnt)
    return owner, np.repeat(np.asarray(lo, dtype=np.int64), cnt) + np.arange(int(cnt.sum())) - start


def order_rows(data: StageData, core: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, k, s) of every service-order row z[k, s] >= x[i, s]: arcs i -> k between core stages
    (in arc order), s = ext_k+1..s_max_i (for s <= ext_k the inbound thermometer is 1)."""
    arcs = data.arcs[core[data.arcs[:, 0]] & core[data.arcs[:, 1]]] if len(data.arcs) \
        else np.zeros((0, 2), dtype=np.int64)
    j, s = value_ranges(data.ext[arcs[:, 1]].astype(np.int64) + 1, data.s_max[arcs[:, 0]])
    return arcs[j, 0], arcs[j, 1], s


def add_service_order(m: pyo.ConcreteModel, data: StageData, core: np.ndarray) -> None:
    """SI_k >= S_i for every arc i -> k, as z[k, s] >= x[i, s] (rows of ``order_rows``)."""
    rows = list(zip(*(r.tolist() for r in order_rows(data, core)), strict=True))
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


def narrowed(data: StageData, core: np.ndarray, idx: MipIndex) -> tuple[StageData, MipIndex]:
    """Bounds and pairs of the ``core`` stages cut down to what the pairs of ``idx`` allow, for
    the LP and MIP after fixing: si_max_k = the largest kept SI_k, s_max_i = the largest kept
    S_i but at most si_max_k of every core customer k (S_i <= SI_k), and the pairs above
    that dropped (no plan of kept pairs uses them). The rows and thermometer variables, one per
    stage and value, shrink with them; si_max_k >= s_max_i stays true on every arc between
    core stages (the only ones the LP and MIP read)."""
    from dataclasses import replace

    top_a = np.zeros(data.n, dtype=np.int64)
    top_b = np.zeros(data.n, dtype=np.int64)
    np.maximum.at(top_a, idx.pair_k, idx.pair_a)
    np.maximum.at(top_b, idx.pair_k, idx.pair_b)
    si_max = np.where(core, np.maximum(top_a, data.ext), data.si_max)
    s_max = np.where(core, top_b, data.s_max)
    if len(data.arcs):
        arcs = data.arcs[core[data.arcs[:, 0]] & core[data.arcs[:, 1]]]
        np.minimum.at(s_max, arcs[:, 0], si_max[arcs[:, 1]])
    out = replace(data, s_max=s_max.astype(data.s_max.dtype), si_max=si_max.astype(data.si_max.dtype))
    mask = idx.pair_b <= s_max[idx.pair_k]
    return out, MipIndex(idx.pair_k[mask], idx.pair_a[mask], idx.pair_b[mask],
                         idx.pair_cost[mask], *thermometers(out, core))
