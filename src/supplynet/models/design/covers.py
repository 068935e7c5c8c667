"""Production covers of the design MIP (models/design.md, "Production covers").

For products whose production every design fixes (``fixed_production``), the plants chosen
(closed, or one capacity level each) must be able to make it: ``add_production_cover`` adds
the minimal-cover rows over the plants' option binaries that the enumeration in
``cover_rows`` finds short.
"""

from __future__ import annotations

import itertools
import math

import pyomo.environ as pyo
from pyomo.environ import quicksum

from .options import DesignOptions
from .sets import DesignSets

# Threshold vectors enumerated per product group by ``add_production_cover`` (the product of
# the plants' option counts); a larger group gets no cover rows.
COVER_ENUMERATION_LIMIT = 4096


def fixed_production(s: DesignSets) -> dict[str, float]:
    """{product: units every design makes of it}: products made at some plant, bought from no
    supplier, and going (through the BOM) only into products that are not bought either.
    Then flow balance and demand_met force Σ_n make[n,p] = R_p (hard mode)."""
    d = s.data
    bought = {p for (n, p) in d.arcs_out if d.kind.get(n) == "supplier"}
    parents: dict[str, set[str]] = {}
    for q, comps in d.bom_of.items():
        for comp, _q in comps:
            parents.setdefault(comp, set()).add(q)

    def buys_above(p: str, seen: set[str]) -> bool:
        if p in bought:
            return True
        for q in parents.get(p, ()):
            if q not in seen:
                seen.add(q)
                if buys_above(q, seen):
                    return True
        return False

    made = {p for _n, p in s.make_list}
    return {p: d.requirement[p] for p in sorted(made)
            if d.requirement.get(p, 0.0) > 0 and not buys_above(p, {p})}


def units_within(hours: float, use: list[tuple[float, float]]) -> float:
    """Most units a plant makes in ``hours`` of capacity, given [(hours per unit, units
    needed)] of the products: the cheapest in hours first, each up to what is needed."""
    total, left = 0.0, hours
    for per_unit, need in sorted(use):
        units = need if per_unit <= 0 else min(need, left / per_unit)
        total += units
        left -= units * max(per_unit, 0.0)
    return total


def cover_rows(s: DesignSets, m: pyo.ConcreteModel) -> list[list]:
    """The production cover rows: lists of binaries of which at least one must be 1.

    For a group P of products with fixed production (``fixed_production``) — each product
    alone, and the products sharing one set of makers — each maker n offers options: closed
    (when decided), else its levels (or its one capacity), each making at most
    ``units_within`` its hours of P. A choice of the highest option allowed per plant whose
    units fall short of Σ_{p∈P} R_p leaves P unmade; so one of the options above it is taken.
    One row per maximal such choice (raising any one plant's option covers P).
    """
    d = s.data
    need_of = fixed_production(s)
    use = dict(zip(s.make_list, d.production["capacity_use"].tolist(), strict=True))
    makers: dict[str, list[str]] = {}
    for n, p in s.make_list:
        if p in need_of:
            makers.setdefault(p, []).append(n)
    groups: dict[tuple[str, ...], list[str]] = {}
    for p in need_of:
        groups.setdefault(tuple(sorted(makers[p])), []).append(p)
    product_sets = [tuple(ps) for ps in groups.values()] + [(p,) for p in need_of]
    rows, seen = [], set()
    for products in product_sets:
        need = sum(need_of[p] for p in products)
        options = []  # per deciding plant: [(units, binary or None)], ascending
        for n in sorted({n for p in products for n in makers[p]}):
            hours = [(use[n, p], need_of[p]) for p in products if (n, p) in s.made]
            if d.has_levels(n):
                opts = sorted(((units_within(cap, hours), m.level[n, lv])
                               for lv, cap in s.levels_of[n]), key=lambda t: t[0])
            else:
                cap = d.capacity(n)
                units = need if math.isnan(cap) else units_within(cap, hours)
                opts = [(units, m.open[n])] if n in m.open else [(units, None)]
            if n in m.open:
                opts = [(0.0, None)] + opts
            options.append(opts)
        floor = sum(o[0][0] for o in options)  # always-open plants' least contribution
        if floor >= need * (1 - 1e-9) or math.prod(len(o) for o in options) > COVER_ENUMERATION_LIMIT:
            continue
        for choice in itertools.product(*[range(len(o)) for o in options]):
            units = sum(o[k][0] for o, k in zip(options, choice, strict=True))
            if units >= need * (1 - 1e-9):
                continue
            if any(k + 1 < len(o) and units - o[k][0] + o[k + 1][0] < need * (1 - 1e-9)
                   for o, k in zip(options, choice, strict=True)):
                continue  # not maximal: a plant can be raised and still fall short
            above = [v for o, k in zip(options, choice, strict=True) for _u, v in o[k + 1:]]
            key = frozenset(v.name for v in above)
            if above and key not in seen:
                seen.add(key)
                rows.append(above)
    # a row over a superset of another row's binaries is implied by it
    keys = [frozenset(v.name for v in r) for r in rows]
    return [r for r, k in zip(rows, keys, strict=True) if not any(o < k for o in keys)]


def add_production_cover(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_{options above a short choice} binaries >= 1: the plants chosen must be able to make
    every product whose production is fixed by the demand (hard mode only; see ``cover_rows``).

    The minimal-cover inequalities of the knapsack Σ_n units_n(option) >= R with one option
    per plant (a knapsack with GUB constraints); valid because every design makes R of the
    group. They cut the LP point where a big plant is open by a fraction equal to the share of
    its capacity used (models/design.md, "Production covers").
    """
    if o.soft:
        return
    rows = cover_rows(s, m)
    m.production_cover = pyo.Constraint(range(len(rows)), rule=lambda m, r: quicksum(rows[r]) >= 1)
