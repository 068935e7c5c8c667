"""The pair MIP's families as arrays (supplynet.arrays), straight from the pair and level arrays.

Same mathematics as the Pyomo families of ``mip.py`` (each function names its twin; the
docstrings there and models/buffers.md, "Exact MIP", hold the formulas), emitted as bounds,
costs and COO triplets: a variable's position is its row in ``MipIndex`` (w) or ``Levels``
(x, z), a row's position its place in the row list. Same names, keys, bounds and rows, so both
compile to the same model (``tests/test_engine_gsm.py``). There is no Pyomo objective: the
objective is the w columns' costs.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from ...arrays import ArrayVar, add_columns, add_rows
from .graph import StageData
from .levels import Levels, exact_rows, level_order_rows
from .pairs import MipIndex

INF = np.inf


def add_variables(m: pyo.ConcreteModel, idx: MipIndex, lev: Levels) -> None:
    """x[k, v], z[k, v] binary thermometers at the levels (lower bound 1 at each stage's
    smallest level); w[k, a, b] in [0, 1] with its objective cost h_k z_sigma_k
    sqrt(a + T_k - b) (+ unary costs) [money per period] (``mip.add_variables`` and
    ``mip.add_objective``)."""
    add_columns(m, "x", lev.x_index, lower=Levels.first(lev.x_k).astype(float), upper=1.0,
                integer=True)
    add_columns(m, "z", lev.z_index, lower=Levels.first(lev.z_k).astype(float), upper=1.0,
                integer=True)
    pairs = list(zip(idx.pair_k.tolist(), idx.pair_a.tolist(), idx.pair_b.tolist(), strict=True))
    add_columns(m, "w", pairs, lower=0.0, upper=1.0, cost=idx.pair_cost)


def _marginal(m: pyo.ConcreteModel, name: str, var: ArrayVar, k: np.ndarray,
              level_of_pair: np.ndarray) -> None:
    """sum of w over the pairs at level j - t_j + t_{j+1} = 0 for every level j of the
    thermometer ``var`` (no t_{j+1} after a stage's last level), keyed as the thermometer."""
    n = len(k)
    rows = np.arange(n, dtype=np.int64)
    nxt = np.flatnonzero(~Levels.last(k))
    add_rows(m, name, list(var.keys()), 0.0, 0.0,
             [(m.w, np.arange(len(level_of_pair), dtype=np.int64), level_of_pair, 1.0),
              (var, rows, rows, -1.0),
              (var, nxt + 1, nxt, 1.0)])


def add_outbound_marginal(m: pyo.ConcreteModel, idx: MipIndex, lev: Levels) -> None:
    """outbound_marginal[k, v] (``mip.add_outbound_marginal``):
    sum_a w[k, a, v] - x[k, v] + x[k, v'] = 0."""
    _marginal(m, "outbound_marginal", m.x, lev.x_k, lev.x_of(idx.pair_k, idx.pair_b))


def add_inbound_marginal(m: pyo.ConcreteModel, idx: MipIndex, lev: Levels) -> None:
    """inbound_marginal[k, v] (``mip.add_inbound_marginal``):
    sum_b w[k, v, b] - z[k, v] + z[k, v'] = 0."""
    _marginal(m, "inbound_marginal", m.z, lev.z_k, lev.z_of(idx.pair_k, idx.pair_a))


def add_service_order(m: pyo.ConcreteModel, data: StageData, core: np.ndarray,
                      lev: Levels) -> None:
    """service_order[i, k, v] (``mip.add_service_order``): x[i, v] - z[k, u] <= 0 on the rows
    of ``level_order_rows`` (x[i, v] <= 0 where k has no level u >= v)."""
    i, k, v, p, q = level_order_rows(data, core, lev)
    keys = list(zip(i.tolist(), k.tolist(), v.tolist(), strict=True))
    rows = np.arange(len(keys), dtype=np.int64)
    has = q >= 0
    add_rows(m, "service_order", keys, -INF, 0.0,
             [(m.x, p, rows, 1.0), (m.z, q[has], rows[has], -1.0)])


def add_exact_inbound(m: pyo.ConcreteModel, data: StageData, core: np.ndarray,
                      lev: Levels) -> None:
    """exact_inbound[k, u] (``mip.add_exact_inbound``): z[k, u] - sum_i x[i, u_i] <= 0 at
    forced stages with lead time 0 (the rows of ``exact_rows``)."""
    found = exact_rows(data, core, lev)
    keys = [(k, u) for k, u, _q, _ps in found]
    rows = np.arange(len(found), dtype=np.int64)
    z_level = np.array([q for _k, _u, q, _ps in found], dtype=np.int64)
    count = np.array([len(ps) for *_, ps in found], dtype=np.int64)
    x_level = np.array([p for *_, ps in found for p in ps], dtype=np.int64)
    add_rows(m, "exact_inbound", keys, -INF, 0.0,
             [(m.z, z_level, rows, 1.0), (m.x, x_level, np.repeat(rows, count), -1.0)])
