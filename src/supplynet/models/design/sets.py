"""Typed index sets of the design model, built once from ``DesignData`` before any family.

Every list is in the order of a pandas table of ``DesignData`` (arcs, production, levels,
demand), so that variable values read back by position line up with the table's key columns.
The constraint families (constraints.py, choices.py) and the cost terms (costs.py) read their
indices from a ``DesignSets``; nothing but Pyomo components is hung on the model.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.environ import quicksum

from ...errors import OptionsError
from .._sets import records
from .data import DesignData
from .options import DesignOptions
from .reduce import Reduction


@dataclass
class Linear:
    """``const + Σ_parts Σ_k coef[k] · var[k]``: a linear expression over variable families,
    each part a family name on the model with one coefficient per index, in index order.

    The same object gives the Pyomo expression (``expr``) and its value on a solution
    (``value``), so an objective and the table reporting it cannot disagree.
    """

    const: float = 0.0
    parts: list[tuple[str, np.ndarray]] = field(default_factory=list)

    def scaled(self, factor: float) -> Linear:
        return Linear(factor * self.const, [(name, factor * c) for name, c in self.parts])

    def expr(self, m: pyo.ConcreteModel):
        terms = [self.const] if self.const else []
        for name, coef in self.parts:
            var = getattr(m, name)
            terms.append(quicksum(c * v for c, v in zip(coef.tolist(), var.values(), strict=True) if c))
        return quicksum(terms)

    def value(self, values: dict[str, np.ndarray]) -> float:
        """The expression at ``values`` ({family name: values in index order})."""
        return float(self.const + sum(float(coef @ values[name]) for name, coef in self.parts))


@dataclass
class DesignSets:
    """Index sets and plain data of one design model (quantities over the horizon).

    ``arcs_in`` / ``arcs_out`` / ``lane_arcs`` of ``data`` hold positions in ``arc_list``.
    """

    data: DesignData
    arc_list: list[tuple[str, str, str]]  # (origin, destination, product): flow
    make_list: list[tuple[str, str]]  # (plant, product): make
    open_index: list[str]  # facilities whose opening is decided: open
    level_list: list[tuple[str, str]]  # (node, level): level
    level_capacity: dict[tuple[str, str], float]  # horizon capacity of each level
    levels_of: dict[str, list[tuple[str, float]]]  # node -> [(level, capacity)]
    demand_list: list[tuple[str, str]]  # (customer, product): demand_met, unmet
    demand_qty: dict[tuple[str, str], float]  # units over the horizon
    balance_index: list[tuple[str, str]]  # (facility, product): flow_balance
    made: set[tuple[str, str]]  # production options, as a set
    consume: dict[tuple[str, str], list[tuple[str, float]]]  # (plant, component) -> [(parent, qty)]
    arcs_from: dict[str, list[int]]  # node -> arcs leaving it
    arcs_to: dict[str, list[int]]  # node -> arcs entering it
    make_of: dict[str, list[tuple[str, str]]]  # plant -> its production options
    make_or_buy_list: list[tuple[str, str]]  # (plant, product): make_on
    make_fixed_cost: dict[tuple[str, str], float]  # money per horizon when made
    lane_on_list: list[tuple[str, str]]  # lanes with a fixed cost or a minimum volume: lane_on
    lane_fixed_cost: dict[tuple[str, str], float]  # money per horizon when used
    carbon_price: float  # money/kg
    co2_cap: float | None  # kg over the horizon
    reduction: Reduction | None = None  # Lagrangian fixing applied to ``open``, if any
    arc_bounds: list[float] | None = None  # constraints.arc_bounds, computed on first use

    def supplier_arcs_into(self, n: str, p: str) -> list[int]:
        """Arcs bringing product p from a supplier into node n."""
        kind = self.data.kind
        return [i for i in self.data.arcs_in.get((n, p), ()) if kind[self.arc_list[i][0]] == "supplier"]


def design_sets(d: DesignData, o: DesignOptions, carbon_price: float, co2_cap: float | None,
                reduction: Reduction | None = None) -> DesignSets:
    """The index sets of the design model for data ``d`` and options ``o`` (DesignOptions)."""
    arc_list = records(d.arcs, ["origin", "destination", "product"])
    make_list = records(d.production, ["plant", "product"])
    level_list = records(d.levels, ["node", "level"])
    level_capacity = dict(zip(level_list, d.levels["capacity"].tolist(), strict=True))
    levels_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (n, lv), cap in level_capacity.items():
        levels_of[n].append((lv, cap))
    demand_list = records(d.demand, ["customer", "product"])

    consume: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for plant, parent in make_list:
        for comp, q in d.bom_of.get(parent, ()):
            consume[plant, comp].append((parent, q))
    made = set(make_list)
    facilities = set(d.facilities)
    keys = {k for k in d.arcs_in if k[0] in facilities} | {k for k in d.arcs_out if k[0] in facilities}
    balance_index = sorted(keys | made | set(consume))

    arcs_from: dict[str, list[int]] = defaultdict(list)
    arcs_to: dict[str, list[int]] = defaultdict(list)
    for i, (org, dest, _p) in enumerate(arc_list):
        arcs_from[org].append(i)
        arcs_to[dest].append(i)
    make_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in make_list:
        make_of[key[0]].append(key)

    s = DesignSets(
        data=d, arc_list=arc_list, make_list=make_list, open_index=list(d.decided),
        level_list=level_list, level_capacity=level_capacity, levels_of=dict(levels_of),
        demand_list=demand_list, demand_qty=dict(zip(demand_list, d.demand["quantity"].tolist(), strict=True)),
        balance_index=balance_index, made=made, consume=dict(consume), arcs_from=dict(arcs_from),
        arcs_to=dict(arcs_to), make_of=dict(make_of), make_or_buy_list=[], make_fixed_cost={},
        lane_on_list=[], lane_fixed_cost={}, carbon_price=carbon_price, co2_cap=co2_cap,
        reduction=reduction)
    _make_or_buy_pairs(s, o)
    if o.lane_fixed_costs:
        rows = records(d.lanes, ["origin", "destination", "fixed_cost", "min_volume"])
        s.lane_on_list = [(a, b) for a, b, f, mv in rows if f > 0 or mv > 0]
        s.lane_fixed_cost = {(a, b): f for a, b, f, mv in rows if f > 0 or mv > 0}
    return s


def _make_or_buy_pairs(s: DesignSets, o: DesignOptions) -> None:
    """(plant, product) pairs deciding make_on: making has a fixed cost, competes with buying,
    or is forced either way; a forced pair without a production option is an OptionsError."""
    fixed = dict(zip(s.make_list, s.data.production["fixed_cost"].tolist(), strict=True))
    pairs = [k for k in s.make_list if fixed[k] > 0 or s.supplier_arcs_into(*k)]
    pairs = sorted(set(pairs) | {tuple(k) for k in o.force_make} | {tuple(k) for k in o.force_buy})
    for k in pairs:
        if k not in fixed:
            raise OptionsError(f"force_make/force_buy names plant {k[0]!r}, product {k[1]!r}, "
                               "which has no production option")
    s.make_or_buy_list = pairs
    s.make_fixed_cost = {k: fixed[k] for k in pairs}
