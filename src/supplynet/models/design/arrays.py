"""The design model's largest families as arrays (supplynet.arrays), from the index sets.

Same mathematics as the Pyomo families of ``constraints.py`` (each function names its twin;
the formulas are in the docstrings there and in models/design.md), emitted as bounds and COO
triplets; the objective's coefficients on array families are added by ``costs.add_objective``.
``tests/test_engine.py`` builds the design both ways and checks that the matrices, bounds and
objectives are equal. The small families (covers, choices.py) stay Pyomo over these variables.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ...arrays import KeyIndex, add_columns, add_rows, add_rows_with_terms
from .._sets import records
from .constraints import arc_bound, linked_ends
from .data import finite
from .options import DesignOptions
from .sets import DesignSets

INF = math.inf


class Terms:
    """Terms of one row family gathered row by row: (family, position, row, coefficient)."""

    def __init__(self):
        self.keys: list = []
        self.upper: list[float] = []
        self.by_var: dict[str, tuple[list[int], list[int], list[float]]] = {}

    def add(self, var_name: str, pos: int, coef: float) -> None:
        p, r, c = self.by_var.setdefault(var_name, ([], [], []))
        p.append(pos)
        r.append(len(self.keys))
        c.append(coef)

    def row(self, key, upper: float) -> None:
        """Close the row being gathered under ``key`` with ``... <= upper``."""
        self.keys.append(key)
        self.upper.append(upper)

    def emit(self, m: pyo.ConcreteModel, name: str, lower=-INF) -> None:
        terms = [(getattr(m, v), np.array(p, dtype=np.int64), np.array(r, dtype=np.int64),
                  np.array(c, dtype=float)) for v, (p, r, c) in self.by_var.items()]
        add_rows(m, name, self.keys, lower, np.array(self.upper, dtype=float), terms)


def add_variables(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """The variable families of ``constraints.add_variables`` as array columns."""
    add_columns(m, "flow", s.arc_list)
    add_columns(m, "make", s.make_list)
    add_columns(m, "open", s.open_index, upper=1.0, integer=True)
    add_columns(m, "level", s.level_list, upper=1.0, integer=True)
    if o.soft:
        add_columns(m, "unmet", s.demand_list)


def _arange(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64)


def add_flow_balance(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """flow_balance[n,p] (constraints.add_flow_balance):
    Σ_in flow + make[n,p] - Σ_out flow - Σ_q bom[q,p]·make[n,q] = 0."""
    d = s.data
    keys = s.balance_index
    rows = KeyIndex(pd.DataFrame(keys, columns=["node", "product"]), ["node", "product"])
    arcs, prod = d.arcs, d.production
    terms = [(m.flow, _arange(len(arcs)), rows.find(arcs, ["destination", "product"]), 1.0),
             (m.flow, _arange(len(arcs)), rows.find(arcs, ["origin", "product"]), -1.0),
             (m.make, _arange(len(prod)), rows.find(prod, ["plant", "product"]), 1.0)]
    use = [(j, plant, comp, q) for j, (plant, parent) in enumerate(s.make_list)
           for comp, q in d.bom_of.get(parent, ())]
    if use:
        bom = pd.DataFrame(use, columns=["pos", "plant", "component", "q"])
        terms.append((m.make, bom["pos"].to_numpy(np.int64),
                      rows.find(bom, ["plant", "component"]), -bom["q"].to_numpy(float)))
    add_rows_with_terms(m, "flow_balance", keys, 0.0, 0.0, terms)


def add_demand_met(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """demand_met[c,p] (constraints.add_demand_met): Σ_in flow (+ unmet) = demand."""
    d = s.data
    rows = KeyIndex(d.demand, ["customer", "product"])
    terms = [(m.flow, _arange(len(d.arcs)), rows.find(d.arcs, ["destination", "product"]), 1.0)]
    if o.soft:
        terms.append((m.unmet, _arange(len(d.demand)), _arange(len(d.demand)), 1.0))
    q = d.demand["quantity"].to_numpy(float)
    add_rows_with_terms(m, "demand_met", s.demand_list, q, q, terms)


def add_supply_capacity(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """supply_capacity[s,p] (constraints.add_supply_capacity): Σ_j flow[s,j,p] <= capacity."""
    d, t = s.data, Terms()
    for sp, p, cap in records(d.supply, ["supplier", "product", "capacity"]):
        out = d.arcs_out.get((sp, p))
        if finite(cap) and out:
            for i in out:
                t.add("flow", i, 1.0)
            t.row((sp, p), cap)
    t.emit(m, "supply_capacity")


def add_supplier_capacity(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """supplier_capacity[s] (constraints.add_supplier_capacity): Σ_p,j flow <= capacity."""
    d, t = s.data, Terms()
    for n, k in d.kind.items():
        if k == "supplier" and not math.isnan(d.capacity(n)) and s.arcs_from.get(n):
            for i in s.arcs_from[n]:
                t.add("flow", i, 1.0)
            t.row(n, d.capacity(n))
    t.emit(m, "supplier_capacity")


def _capacity_terms(t: Terms, m: pyo.ConcreteModel, s: DesignSets, n: str,
                    unlimited_bound: float) -> bool:
    """Move capacity(n) (constraints.capacity_of) to the left-hand side of the row being
    gathered; returns False when the row has no capacity (unlimited and always open)."""
    d = s.data
    if d.has_levels(n):
        for lv, cap in s.levels_of[n]:
            t.add("level", m.level._family.position((n, lv)), -cap)
        return True
    cap = d.capacity(n)
    if n in m.open:
        t.add("open", m.open._family.position(n), -(unlimited_bound if math.isnan(cap) else cap))
        return True
    return not math.isnan(cap)


def add_production_capacity(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """production_capacity[n] (constraints.add_production_capacity):
    Σ_p use[n,p]·make[n,p] - capacity(n) <= 0  (hours; a constant capacity on the right)."""
    d, t = s.data, Terms()
    use = d.production["capacity_use"].to_numpy(float)
    pos = {k: j for j, k in enumerate(s.make_list)}
    for n, keys in s.make_of.items():
        bound = sum(d.requirement.get(p, 0.0) * max(use[pos[n, p]], 1e-9) for _, p in keys)
        if not _capacity_terms(t, m, s, n, bound):
            continue
        for k in keys:
            t.add("make", pos[k], float(use[pos[k]]))
        constant = not d.has_levels(n) and n not in m.open
        t.row(n, d.capacity(n) if constant else 0.0)
    t.emit(m, "production_capacity")


def add_throughput_capacity(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """throughput_capacity[n] (constraints.add_throughput_capacity):
    Σ_i,p flow[i,n,p] - capacity(n) <= 0  (units; a constant capacity on the right)."""
    d, t = s.data, Terms()
    arcs = s.arc_list
    for n in d.facilities:
        if d.kind[n] != "warehouse" or not s.arcs_to.get(n):
            continue
        bound = sum(d.requirement.get(p, 0.0) for p in {arcs[i][2] for i in s.arcs_to[n]})
        if not _capacity_terms(t, m, s, n, bound):
            continue
        for i in s.arcs_to[n]:
            t.add("flow", i, 1.0)
        constant = not d.has_levels(n) and n not in m.open
        t.row(n, d.capacity(n) if constant else 0.0)
    t.emit(m, "throughput_capacity")


def add_level_choice(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """level_choice[n] (constraints.add_level_choice): Σ_l level[n,l] - open[n] = 0, or = 1
    for a facility open by status."""
    t = Terms()
    rhs = []
    for n, levels in s.levels_of.items():
        for lv, _cap in levels:
            t.add("level", m.level._family.position((n, lv)), 1.0)
        if n in m.open:
            t.add("open", m.open._family.position(n), -1.0)
        t.row(n, 0.0 if n in m.open else 1.0)
        rhs.append(t.upper[-1])
    t.emit(m, "level_choice", lower=np.array(rhs, dtype=float))


def add_open_linking(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """open_linking[i,n] (constraints.add_open_linking): flow[i] - U[i]·open[n] <= 0 for
    arcs touching a decided facility n."""
    decided = {n: j for j, n in enumerate(s.open_index)}
    keys, unlinked = linked_ends(s, o)
    arc = [i for i, _n in keys]
    end = [decided[n] for _i, n in keys]
    if unlinked:
        m.flow._family.upper[unlinked] = [arc_bound(s, i) for i in unlinked]
    r = _arange(len(keys))
    bound = np.array([arc_bound(s, i) for i in arc], dtype=float)
    add_rows(m, "open_linking", keys, -INF, 0.0,
             [(m.flow, np.array(arc, dtype=np.int64), r, 1.0),
              (m.open, np.array(end, dtype=np.int64), r, -bound)])


def add_single_sourcing(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """assign, single_source and assign_link (choices.add_single_sourcing):
    Σ_w assign[c,w] = 1 (<= 1 soft) per customer (or customer-product); flow[w,c,p] -
    demand[c,p]·assign[c(,p),w] = 0 (<= 0 soft) on every arc into a customer."""
    d = s.data
    arcs = d.arcs
    into = np.flatnonzero(arcs["destination"].map(d.kind).to_numpy() == "customer")
    group = ["destination", "product"] if o.single_sourcing == "customer_product" else ["destination"]
    served = arcs.iloc[into][[*group, "origin"]].reset_index(drop=True)
    choice = served.drop_duplicates().sort_values([*group, "origin"]).reset_index(drop=True)
    add_columns(m, "assign", choice, upper=1.0, integer=True)
    customers = choice[group].drop_duplicates().reset_index(drop=True)
    n = len(choice)
    add_rows(m, "single_source", customers, -INF if o.soft else 1.0, 1.0,
             [(m.assign, _arange(n), KeyIndex(customers, group).find(choice), 1.0)])
    demand = d.demand["quantity"].to_numpy(float)
    at = KeyIndex(d.demand, ["customer", "product"]).find(arcs.iloc[into], ["destination", "product"])
    qty = np.where(at >= 0, demand[np.maximum(at, 0)], 0.0)
    rows = _arange(len(into))
    # hard mode: the one source carries the whole demand, so the row is an equation
    add_rows(m, "assign_link", into.tolist(), -INF if o.soft else 0.0, 0.0,
             [(m.flow, into, rows, 1.0),
              (m.assign, KeyIndex(choice, [*group, "origin"]).find(served), rows, -qty)])
