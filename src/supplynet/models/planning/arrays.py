"""The plan's largest families as arrays (supplynet.arrays), straight from the index tables.

Same mathematics as the Pyomo families of ``constraints.py`` (each function names its twin;
the docstrings there and models/planning.md hold the formulas), emitted as bounds, costs and
COO triplets: a variable family's positions are its index table's rows, a row's position is
found by key lookup. ``tests/test_engine.py`` builds the plan both ways and checks that the
matrices, bounds and objectives are equal. Rows with no term are left out, as there.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ...arrays import KeyIndex, add_columns, add_rows, add_rows_with_terms
from .costs import cost_coefficients
from .options import PlanOptions
from .sets import KEYS, PlanSets

INF = math.inf


def add_variables(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """The variable families of ``constraints.add_variables`` as array columns, with their
    objective coefficients (``costs.cost_coefficients``, every category summed)."""
    T = s.periods[-1]
    cost = {fam: sum(cats.values()) for fam, cats in cost_coefficients(s).items()}
    inv, op = s.inv, s.open
    bounds = {
        "setup": (0.0, 1.0),
        "overtime": (0.0, s.overtime["hours_max"].to_numpy(float)),
        "inv": (np.where(inv["period"].to_numpy() == T, inv["target_end"].to_numpy(float), 0.0),
                INF),
        "ss_short": (0.0, s.ss_short["safety_stock"].to_numpy(float)),
        "open": (0.0, np.where(op["backlog"].to_numpy(bool), INF, op["notdue"].to_numpy(float))),
        "best_effort_unmet": (0.0, s.best_effort_unmet["excess"].to_numpy(float)),
    }
    for fam, cols in KEYS.items():
        table = getattr(s, fam)
        lo, up = bounds.get(fam, (0.0, INF))
        c = cost.get(fam)
        add_columns(m, fam, table[cols], lower=lo, upper=up,
                    cost=0.0 if c is None or not len(c) else c, integer=fam == "setup")


def _arange(table: pd.DataFrame) -> np.ndarray:
    return np.arange(len(table), dtype=np.int64)


def _shifted(table: pd.DataFrame, cols: list[str], period: str, by: int) -> pd.DataFrame:
    """table[cols] with ``period`` moved by ``by`` (to look up a neighbouring period's key)."""
    out = table[cols].copy()
    out[period] = out[period].to_numpy() + by
    return out


def add_inventory_balance(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """inventory_balance[n,p,t] (constraints.add_inventory_balance), as
    inv[n,p,t] - inv[n,p,t-1] - inflows + outflows = initial[n,p] (t = 1)  (units)."""
    bal = s.balance
    cols = ["node", "product", "period"]
    keys = bal[cols]
    sh, mk = s.ship, s.make

    rows = KeyIndex(bal, cols)

    def rows_of(frame: pd.DataFrame, node: str, product: str, period: str) -> np.ndarray:
        return rows.find(frame, [node, product, period])

    # a shipment leaves its origin's stock in its period, enters its destination's on arrival
    terms = [(m.ship, _arange(sh), rows_of(sh, "destination", "product", "arrival"), -1.0),
             (m.ship, _arange(sh), rows_of(sh, "origin", "product", "period"), 1.0),
             (m.make, _arange(mk), rows_of(mk, "plant", "product", "ready"), -1.0),
             (m.sub, _arange(s.sub), rows_of(s.sub, "plant", "product", "period"), -1.0)]
    bom = pd.DataFrame([(par, comp, q) for par, comps in s.bom.items() for comp, q in comps],
                       columns=["parent", "component", "q"])
    if len(bom) and len(mk):
        use = mk[["plant", "product", "period"]].assign(pos=_arange(mk)).merge(
            bom, left_on="product", right_on="parent")
        terms.append((m.make, use["pos"].to_numpy(np.int64),
                           rows_of(use, "plant", "component", "period"), use["q"].to_numpy(float)))
    inv = s.inv
    terms.append((m.inv, _arange(inv), rows.find(inv), 1.0))
    terms.append((m.inv, _arange(inv), rows.find(_shifted(inv, cols, "period", 1)), -1.0))
    st = bal["stocked"].to_numpy(bool)  # the pairs with inv: their rows have terms
    rhs = np.where(st & (bal["period"].to_numpy() == 1), bal["initial"].to_numpy(float), 0.0)
    add_rows_with_terms(m, "inventory_balance", keys, rhs, rhs, terms)


def add_pull_drawdown(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """pull_drawdown[n,p,t] (constraints.add_pull_drawdown): inv[n,p,t] - inv[n,p,t-1] <= 0,
    inv[n,p,1] <= initial[n,p]  (units)."""
    inv = s.inv
    cols = KEYS["inv"]
    pull = inv[inv["pull"].to_numpy(bool)]
    keys = pull[cols]
    pos = np.flatnonzero(inv["pull"].to_numpy(bool))
    prev = KeyIndex(inv, cols).find(_shifted(pull, cols, "period", -1))
    r = np.arange(len(pull), dtype=np.int64)
    has = prev >= 0
    upper = np.where(pull["period"].to_numpy() == 1, pull["initial"].to_numpy(float), 0.0)
    add_rows(m, "pull_drawdown", keys, -INF, upper,
             [(m.inv, pos, r, 1.0), (m.inv, prev[has], r[has], -1.0)])


def add_order_balance(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """order_balance[c,p,t] (constraints.add_order_balance): deliveries + lost[c,p,t]
    + open[c,p,t] - open[c,p,t-1] = demand[c,p,t]  (units)."""
    od = s.orders
    cols = ["customer", "product", "period"]
    keys = od[cols]
    sh = s.ship
    rows = KeyIndex(od, cols)
    terms = [(m.ship, _arange(sh), rows.find(sh, ["destination", "product", "arrival"]), 1.0),
             (m.lost, _arange(s.lost), rows.find(s.lost), 1.0),
             (m.open, _arange(s.open), rows.find(s.open), 1.0),
             (m.open, _arange(s.open), rows.find(_shifted(s.open, cols, "period", 1)), -1.0)]
    q = od["quantity"].to_numpy(float)
    add_rows_with_terms(m, "order_balance", keys, q, q, terms)


def add_late_backlog(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """late_backlog[c,p,t] (constraints.add_late_backlog): late - open >= -notdue  (units)."""
    late = s.late
    cols = KEYS["late"]
    r = _arange(late)
    add_rows(m, "late_backlog", late[cols], -late["notdue"].to_numpy(float), INF,
             [(m.late, r, r, 1.0), (m.open, KeyIndex(s.open, cols).find(late), r, -1.0)])


def add_production_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """production_capacity[i,t] (constraints.add_production_capacity): use * make + setup
    time * setup - overtime <= available  (hours)."""
    pc = s.plant_cap
    cols = ["plant", "period"]
    keys = pc[cols]
    st = s.setup
    timed = np.flatnonzero(st["time"].to_numpy(float) > 0)
    rows = KeyIndex(pc, cols)
    terms = [(m.make, _arange(s.make), rows.find(s.make), s.make["use"].to_numpy(float)),
             (m.setup, timed, rows.find(st.iloc[timed]), st["time"].to_numpy(float)[timed]),
             (m.overtime, _arange(s.overtime), rows.find(s.overtime), -1.0)]
    add_rows_with_terms(m, "production_capacity", keys, -INF, pc["available"].to_numpy(float), terms)


def _ship_capacity(m: pyo.ConcreteModel, s: PlanSets, name: str, table: pd.DataFrame,
                   cols: list[str], ship_cols: list[str]) -> None:
    """sum of ship[o,d,p,t] whose ship_cols match the row's cols <= available  (units)."""
    keys = table[cols]
    terms = [(m.ship, _arange(s.ship), KeyIndex(table, cols).find(s.ship, ship_cols), 1.0)]
    add_rows_with_terms(m, name, keys, -INF, table["available"].to_numpy(float), terms)


def add_supplier_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """supplier_capacity[s,t] (constraints.add_supplier_capacity)."""
    _ship_capacity(m, s, "supplier_capacity", s.supplier_cap, ["supplier", "period"],
                   ["origin", "period"])


def add_supply_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """supply_capacity[s,p,t] (constraints.add_supply_capacity)."""
    _ship_capacity(m, s, "supply_capacity", s.offer_cap, ["supplier", "product", "period"],
                   ["origin", "product", "period"])


def add_throughput_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """throughput_capacity[w,t] (constraints.add_throughput_capacity)."""
    _ship_capacity(m, s, "throughput_capacity", s.throughput_cap, ["warehouse", "period"],
                   ["origin", "period"])


def add_lane_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """lane_capacity[o,d,t] (constraints.add_lane_capacity)."""
    _ship_capacity(m, s, "lane_capacity", s.lane_cap, ["origin", "destination", "period"],
                   ["origin", "destination", "period"])


def add_safety_stock(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """safety_stock[n,p,t] (constraints.add_safety_stock): inv + ss_short >= safety_stock."""
    ss = s.ss_short
    cols = KEYS["ss_short"]
    r = _arange(ss)
    add_rows(m, "safety_stock", ss[cols], ss["safety_stock"].to_numpy(float), INF,
             [(m.inv, KeyIndex(s.inv, cols).find(ss), r, 1.0), (m.ss_short, r, r, 1.0)])


def add_storage_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """storage_capacity[n,t] (constraints.add_storage_capacity): Σ_p volume[p]·inv[n,p,t]
    <= storage_capacity[n]  (volume)."""
    sc, inv = s.storage_cap, s.inv
    cols = ["node", "period"]
    volume = inv["product"].map(s.volume).to_numpy(float)
    add_rows_with_terms(m, "storage_capacity", sc[cols], -INF,
                        sc["available"].to_numpy(float),
                        [(m.inv, _arange(inv), KeyIndex(sc, cols).find(inv), volume)])


def add_min_fill_rate(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """min_fill_rate[k] (constraints.add_min_fill_rate): Σ lost + Σ open[T] of class k
    <= (1 - min_fill_rate[k]) · demand of class k  (units)."""
    T = s.periods[-1]
    total = s.orders.groupby("priority")["quantity"].sum().to_dict()
    req = {k: f for k, f in zip(s.classes["priority"].tolist(),
                                s.classes["min_fill_rate"].tolist(), strict=True)
           if f > 0 and total.get(k, 0.0) > 0}
    keys = list(req)
    rows = KeyIndex(pd.DataFrame({"priority": keys}), ["priority"])
    last = np.flatnonzero(s.open["period"].to_numpy() == T)
    terms = [(m.lost, _arange(s.lost), rows.find(s.lost), 1.0),
             (m.open, last, rows.find(s.open.iloc[last]), 1.0)]
    add_rows_with_terms(m, "min_fill_rate", keys, -INF,
                        np.array([(1.0 - req[k]) * total[k] for k in keys], dtype=float), terms)
