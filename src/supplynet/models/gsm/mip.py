"""Exact MIP of the guaranteed-service model on a general acyclic stage graph (see models/buffers.md).

Variables (one family per function below):
    w[k, a, b]  in [0, 1], 1 if (SI_k, S_k) = (a, b); only admissible pairs
                (ext_k <= a <= si_max_k, 0 <= b <= s_max_k, tau_min_k <= a + T_k - b, and
                a + T_k - b = 0 at stages forbidden to hold stock), or those left after fixing
    x[k, v]     binary, 1 if the outbound service time S_k >= v   (v: the values of b of k's pairs)
    z[k, v]     binary, 1 if the inbound service time SI_k >= v   (v: the values of a of k's pairs)
                (at each stage's smallest value the thermometer is 1, fixed by its bounds)
Objective: sum over pairs of h_k z_sigma_k sqrt(a + T_k - b) w[k, a, b]; the square root is
exact because every pair has its own column. With x and z integral each stage's marginals are
point masses, so w is integral too. The thermometer form of SI_k >= S_i (z[k, s] >= x[i, s]
for every s) makes the LP relaxation the local-marginal relaxation of the problem, which is
exact when the undirected stage graph is a forest. Thermometers only at the values some pair
uses (``gsm_levels.Levels``) give the same LP: the thermometer of any other value equals the next
level's. After fixing this takes the rows and thermometers from one per stage and value in
the whole range to a few per stage.

The functions below are the readable Pyomo reference; ``build`` declares the same families as
arrays by default (``mip_arrays``, supplynet.arrays: same names, keys, bounds and rows, the
objective as the w columns' costs), ``engine="pyomo"`` as the Pyomo components here.
"""

from __future__ import annotations

import sys

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from ...errors import OptionsError
from .._sets import Built
from . import mip_arrays
from .graph import StageData, inbound_times
from .levels import Levels, exact_rows, level_order_rows
from .pairs import MipIndex, pair_table

ENGINES = ("arrays", "pyomo")


def add_variables(m: pyo.ConcreteModel, idx: MipIndex, lev: Levels) -> None:
    """w[k, a, b] in [0, 1] pair choice; x[k, v], z[k, v] binary thermometers of S_k and SI_k
    at the levels, 1 at each stage's smallest level."""
    m.X = pyo.Set(initialize=lev.x_index, dimen=2, ordered=True)
    m.Z = pyo.Set(initialize=lev.z_index, dimen=2, ordered=True)
    pairs = list(zip(idx.pair_k.tolist(), idx.pair_a.tolist(), idx.pair_b.tolist(), strict=True))
    m.P = pyo.Set(initialize=pairs, dimen=3, ordered=True)
    m.x = pyo.Var(m.X, domain=pyo.Binary)
    m.z = pyo.Var(m.Z, domain=pyo.Binary)
    m.w = pyo.Var(m.P, bounds=(0, 1))
    for var, k in ((m.x, lev.x_k), (m.z, lev.z_k)):
        values = list(var.values())
        for pos in np.flatnonzero(Levels.first(k)).tolist():
            values[pos].setlb(1)


def _groups(keys: list) -> dict:
    out: dict = {}
    for pos, key in enumerate(keys):
        out.setdefault(key, []).append(pos)
    return out


def _marginal(m: pyo.ConcreteModel, var: pyo.Var, k: np.ndarray, level_of_pair: np.ndarray
              ) -> pyo.Constraint:
    """sum of w over the pairs at level j - t_j + t_{j+1} = 0 for every level j of a
    thermometer t (t_{j+1} = 0 after a stage's last level): the point mass of the value."""
    w = list(m.w.values())
    t = list(var.values())
    by = _groups(level_of_pair.tolist())
    last = Levels.last(k).tolist()
    rows = list(var.keys())

    def rule(_m, *key):
        j = position[key]
        nxt = 0 if last[j] else t[j + 1]
        return sum(w[p] for p in by.get(j, ())) - t[j] + nxt == 0

    position = {key: j for j, key in enumerate(rows)}
    return pyo.Constraint(rows, rule=rule)


def add_outbound_marginal(m: pyo.ConcreteModel, idx: MipIndex, lev: Levels) -> None:
    """sum_a w[k, a, v] = x[k, v] - x[k, v'] for every level v of S_k (v' the next level; 0
    after the last): the pairs of stage k put mass 1 on its S_k."""
    m.outbound_marginal = _marginal(m, m.x, lev.x_k, lev.x_of(idx.pair_k, idx.pair_b))


def add_inbound_marginal(m: pyo.ConcreteModel, idx: MipIndex, lev: Levels) -> None:
    """sum_b w[k, v, b] = z[k, v] - z[k, v'] for every level v of SI_k."""
    m.inbound_marginal = _marginal(m, m.z, lev.z_k, lev.z_of(idx.pair_k, idx.pair_a))


def add_service_order(m: pyo.ConcreteModel, data: StageData, core: np.ndarray,
                      lev: Levels) -> None:
    """SI_k >= S_i for every arc i -> k, as x[i, v] <= z[k, u] (rows of ``level_order_rows``,
    indexed by (i, k, v): S_i >= v forces SI_k >= v)."""
    i, k, v, p, q = level_order_rows(data, core, lev)
    x, z = list(m.x.values()), list(m.z.values())
    rows = list(zip(i.tolist(), k.tolist(), v.tolist(), strict=True))
    pq = dict(zip(rows, zip(p.tolist(), q.tolist(), strict=True), strict=True))

    def rule(_m, *key):
        xp, zq = pq[key]
        return x[xp] <= (z[zq] if zq >= 0 else 0)

    m.service_order = pyo.Constraint(rows, rule=rule)


def add_exact_inbound(m: pyo.ConcreteModel, data: StageData, core: np.ndarray,
                      lev: Levels) -> None:
    """SI_k = max(ext_k, S_i) at forced stages with lead time 0: z[k, u] <= sum_i x[i, u_i].

    Without it such a stage could fake a buffer by raising SI_k above every supplier's quote.
    """
    found = {(k, u): (q, ps) for k, u, q, ps in exact_rows(data, core, lev)}
    x, z = list(m.x.values()), list(m.z.values())

    def rule(_m, k, u):
        q, ps = found[k, u]
        return z[q] <= sum(x[p] for p in ps) if ps else z[q] <= 0

    m.exact_inbound = pyo.Constraint(list(found), rule=rule)


def add_objective(m: pyo.ConcreteModel, idx: MipIndex) -> None:
    """min sum_{k,a,b} h_k z_sigma_k sqrt(a + T_k - b) w[k, a, b]   [money per period]."""
    w = list(m.w.values())
    cost = idx.pair_cost.tolist()
    m.safety_stock_cost = pyo.Objective(
        expr=sum(c * v for c, v in zip(cost, w, strict=True) if c != 0.0), sense=pyo.minimize)


def build(data: StageData, core: np.ndarray | None = None, uS: dict | None = None,
          uSI: dict | None = None, idx: MipIndex | None = None, engine: str = "arrays") -> Built:
    """The model of the ``core`` stages (all by default) and its pairs:
    ``Built(model, sets)`` with ``sets`` the ``MipIndex`` the w variables are declared over.

    ``uS``/``uSI`` are unary costs left by eliminated neighbours (``gsm_dp.fold``); ``idx``
    (default: every admissible pair) may be a subset of the pairs, e.g. after fixing.
    ``engine``: "arrays" (default) declares every family as arrays (``mip_arrays``; the
    objective is the w columns' costs, no Pyomo objective), "pyomo" as the Pyomo components of
    this module (with the sets ``m.X``, ``m.Z``, ``m.P``); both compile to the same model.
    """
    if engine not in ENGINES:
        raise OptionsError(f"engine must be 'arrays' or 'pyomo', got {engine!r}")
    core = np.ones(data.n, dtype=bool) if core is None else core
    with PauseGC():
        idx = pair_table(data, core, uS, uSI) if idx is None else idx
        lev = Levels.of(idx)
        m = pyo.ConcreteModel(name=f"gsm {data.name}")
        fam = mip_arrays if engine == "arrays" else sys.modules[__name__]  # this module
        fam.add_variables(m, idx, lev)  # with the objective's costs when arrays
        fam.add_outbound_marginal(m, idx, lev)
        fam.add_inbound_marginal(m, idx, lev)
        fam.add_service_order(m, data, core, lev)
        if (data.exact_si & core).any():
            fam.add_exact_inbound(m, data, core, lev)
        if engine == "pyomo":
            add_objective(m, idx)
    return Built(m, idx)


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


def start_from(data: StageData, m: pyo.ConcreteModel, S: np.ndarray) -> dict[str, float]:
    """{variable name: value} of the thermometers x, z of the model ``m`` (from ``build``) for
    service times S (a MIP start)."""
    SI = inbound_times(data, S)
    out = {f"x[{k},{v}]": float(S[k] >= v) for k, v in m.x.keys()}
    out.update({f"z[{k},{v}]": float(SI[k] >= v) for k, v in m.z.keys()})
    return out
