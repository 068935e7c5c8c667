"""Optional families of the design MIP: make-or-buy, sourcing, lanes, service, CO2, limits.

Each ``add_<family>(m, s, o)`` is called only when its option (or its data) asks for it; see
models/design.md. Quantities are over the horizon (units, kg).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pyomo.environ as pyo
from pyomo.environ import quicksum

from ...errors import OptionsError
from .._sets import records
from .constraints import arc_bound, open_of
from .data import DesignData, finite
from .options import DesignOptions
from .sets import DesignSets, Linear


def add_make_or_buy(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """make[n,p] <= U·make_on[n,p] where making has a fixed cost or competes with buying;
    with exclusive make-or-buy, Σ_s flow[s,n,p] <= U·(1 - make_on[n,p])."""
    d, pairs = s.data, s.make_or_buy_list
    use = dict(zip(s.make_list, d.production["capacity_use"].tolist(), strict=True))
    m.make_on = pyo.Var(pairs, domain=pyo.Binary)

    def bound(n, p):
        b = d.requirement.get(p, 0.0)
        cap = math.nan if d.has_levels(n) else d.capacity(n)
        if finite(cap) and use[n, p] > 0:
            b = min(b, cap / use[n, p])
        return b

    m.make_switch = pyo.Constraint(
        pairs, rule=lambda m, n, p: m.make[n, p] <= bound(n, p) * m.make_on[n, p])
    if o.exclusive_make_or_buy:
        buy = [k for k in pairs if s.supplier_arcs_into(*k)]
        arcs = s.arc_list
        m.buy_switch = pyo.Constraint(
            buy, rule=lambda m, n, p: quicksum(m.flow[arcs[i]] for i in s.supplier_arcs_into(n, p))
            <= d.requirement.get(p, 0.0) * (1 - m.make_on[n, p]))
    for k in o.force_make:
        m.make_on[tuple(k)].fix(1)
    for k in o.force_buy:
        m.make_on[tuple(k)].fix(0)


def purchases_of(s: DesignSets) -> dict[tuple[str, str], list[int]]:
    """(supplier, product) -> arcs leaving the supplier with that product."""
    d = s.data
    return {(sp, p): idx for (sp, p), idx in d.arcs_out.items() if d.kind.get(sp) == "supplier"}


def per_product(value, p: str):
    """An option given as one value or as {product: value}: its value for product p."""
    return value.get(p) if isinstance(value, dict) else value


def _suppliers_by_product(buys: dict) -> dict[str, list[str]]:
    by_product = defaultdict(list)
    for sp, p in buys:
        by_product[p].append(sp)
    return by_product


def add_supplier_share(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_j flow[s,j,p] <= α_p · Σ_s' Σ_j flow[s',j,p]: no supplier above share α_p of
    product p's purchases (``max_supplier_share``)."""
    buys = purchases_of(s)
    by_product = _suppliers_by_product(buys)
    arcs = s.arc_list

    def bought(sp, p):
        return quicksum(m.flow[arcs[i]] for i in buys[sp, p])

    idx = [(sp, p) for p, ss in by_product.items() for sp in ss
           if per_product(o.max_supplier_share, p) is not None]
    m.supplier_share = pyo.Constraint(idx, rule=lambda m, sp, p: bought(sp, p) <= per_product(
        o.max_supplier_share, p) * quicksum(bought(s2, p) for s2 in by_product[p]))


def add_supplier_count(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """At least k_p suppliers of product p (``min_suppliers``), each used one carrying
    >= β·(purchases of p) (``min_supplier_share``), an unused one nothing (binary use_supplier)."""
    d = s.data
    buys = purchases_of(s)
    by_product = _suppliers_by_product(buys)
    arcs = s.arc_list

    def bought(sp, p):
        return quicksum(m.flow[arcs[i]] for i in buys[sp, p])

    prods = [p for p in by_product if per_product(o.min_suppliers, p)]
    idx = [(sp, p) for p in prods for sp in by_product[p]]
    m.use_supplier = pyo.Var(idx, domain=pyo.Binary)
    beta = o.min_supplier_share
    m.supplier_count = pyo.Constraint(prods, rule=lambda m, p: quicksum(
        m.use_supplier[sp, p] for sp in by_product[p]) >= per_product(o.min_suppliers, p))
    m.supplier_minimum = pyo.Constraint(idx, rule=lambda m, sp, p: bought(sp, p) >= beta * quicksum(
        bought(s2, p) for s2 in by_product[p]) - beta * d.requirement.get(p, 0.0) * (1 - m.use_supplier[sp, p]))
    m.supplier_use_link = pyo.Constraint(idx, rule=lambda m, sp, p: bought(sp, p) <= d.requirement.get(
        p, 0.0) * m.use_supplier[sp, p])


def add_single_sourcing(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_w assign[w,c] = 1; flow[w,c,p] <= demand[c,p]·assign[w,c]: each customer (or each
    customer-product with single_sourcing='customer_product') is served from one node."""
    d = s.data
    per_prod = o.single_sourcing == "customer_product"
    keys = defaultdict(set)  # (customer[, product]) -> origins
    arc_key = {}
    for i, (org, c, p) in enumerate(s.arc_list):
        if d.kind[c] == "customer":
            k = (c, p) if per_prod else (c,)
            keys[k].add(org)
            arc_key[i] = k + (org,)
    idx = sorted({k + (org,) for k, orgs in keys.items() for org in orgs})
    m.assign = pyo.Var(idx, domain=pyo.Binary)
    m.single_source = pyo.Constraint(sorted(keys), rule=lambda m, *k: quicksum(
        m.assign[k + (org,)] for org in sorted(keys[k])) <= 1 if o.soft else quicksum(
        m.assign[k + (org,)] for org in sorted(keys[k])) == 1)
    arcs = s.arc_list

    def link(m, i):
        full = s.demand_qty.get((arcs[i][1], arcs[i][2]), 0.0) * m.assign[arc_key[i]]
        # hard mode: the one source carries the whole demand, so the row is an equation
        # (in the LP relaxation too); presolve then substitutes the flow column away
        return m.flow[arcs[i]] <= full if o.soft else m.flow[arcs[i]] == full
    m.assign_link = pyo.Constraint(list(arc_key), rule=link)


def lane_capacities(s: DesignSets) -> dict[tuple[str, str], float]:
    """{lane: capacity over the horizon} for lanes with a finite capacity (units)."""
    d = s.data
    return {(a, b): cap * d.T for a, b, cap in records(d.lanes, ["origin", "destination", "capacity"])
            if finite(cap)}


def lane_flow(m: pyo.ConcreteModel, s: DesignSets, a: str, b: str):
    """Σ_p flow[a,b,p]: everything the lane a→b carries over the horizon."""
    return quicksum(m.flow[s.arc_list[i]] for i in s.data.lane_arcs[a, b])


def add_lane_capacity(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_p flow[i,j,p] <= capacity[i,j]·T for lanes with a finite capacity."""
    caps = lane_capacities(s)
    m.lane_capacity = pyo.Constraint(list(caps), rule=lambda m, a, b: lane_flow(m, s, a, b) <= caps[a, b])


def add_lane_usage(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Lanes with a fixed cost or a minimum volume get a binary lane_on:
    Σ_p flow <= U·lane_on and Σ_p flow >= min_volume·T·lane_on."""
    d = s.data
    caps = lane_capacities(s)
    minv = {(a, b): mv * d.T for a, b, mv in records(d.lanes, ["origin", "destination", "min_volume"])}
    m.lane_on = pyo.Var(s.lane_on_list, domain=pyo.Binary)

    def bound(a, b):
        u = sum(arc_bound(s, i) for i in d.lane_arcs[a, b])
        return min(u, caps.get((a, b), u))

    m.lane_open = pyo.Constraint(
        s.lane_on_list, rule=lambda m, a, b: lane_flow(m, s, a, b) <= bound(a, b) * m.lane_on[a, b])
    mv_idx = [k for k in s.lane_on_list if minv[k] > 0]
    m.lane_min_volume = pyo.Constraint(
        mv_idx, rule=lambda m, a, b: lane_flow(m, s, a, b) >= minv[a, b] * m.lane_on[a, b])


def service_ok(d: DesignData, o: DesignOptions, origin: str, customer: str) -> bool:
    """Is customer within the service radius (distance km and lead time periods) of origin?"""
    row = d.lane_lookup.get((origin, customer))
    if row is None:
        return True
    dist, lt = row
    if o.max_service_distance is not None and finite(dist) and dist > o.max_service_distance:
        return False
    return not (o.max_service_lead_time is not None and lt > o.max_service_lead_time)


def committed_quotes(net) -> dict[tuple[str, str], int]:
    """(customer, product) -> quoted_lead_time (periods) of the key-account and committed
    rows of the network's ``commitments`` table (option ``respect_quoted_lead_times``)."""
    com = net.table("commitments")
    return {(c, p): int(q) for c, p, q, seg in records(com, ["customer", "product",
                                                             "quoted_lead_time", "segment"])
            if seg in ("key_account", "committed")}


def quote_ok(d: DesignData, quotes: dict, origin: str, customer: str, product: str) -> bool:
    """Can the lane origin -> customer carry product within the pair's quoted lead time?
    True without a quote (best effort, no commitment) and for lanes not in the lanes table."""
    q = quotes.get((customer, product))
    row = d.lane_lookup.get((origin, customer))
    return q is None or row is None or row[1] <= q


def add_service_share(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ flow on lanes within the service radius >= share · Σ demand (min_service_share)."""
    d, arcs = s.data, s.arc_list
    near = [i for i, (org, c, _p) in enumerate(arcs) if d.kind[c] == "customer" and service_ok(d, o, org, c)]
    total = float(d.demand["quantity"].sum())
    m.service_share = pyo.Constraint(expr=quicksum(m.flow[arcs[i]] for i in near) >= o.min_service_share * total)


def add_open_limits(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """min_open[g] <= Σ_{f in group g} open[f] <= max_open[g]; a group is a kind or (kind, region)."""
    d = s.data
    region = dict(zip(d.node["id"].tolist(), d.node["region"].tolist(), strict=True))

    def members(g):
        if isinstance(g, str):
            return [f for f in d.facilities if d.kind[f] == g]
        kind, reg = g
        return [f for f in d.facilities if d.kind[f] == kind and region[f] == reg]

    limits = []
    for g, lo in (o.min_open or {}).items():
        limits.append((g, ">=", lo))
    for g, hi in (o.max_open or {}).items():
        limits.append((g, "<=", hi))
    for g, _sense, _v in limits:
        if not members(g):
            raise OptionsError(f"min_open/max_open group {g!r} contains no plant or warehouse")
    m.open_limits = pyo.ConstraintList()
    for g, sense, v in limits:
        count = quicksum(open_of(m, s, f) for f in members(g))
        m.open_limits.add(count >= v if sense == ">=" else count <= v)


def emissions(s: DesignSets) -> Linear:
    """E, kg CO2 over the horizon: lanes (per unit shipped), purchases (per unit bought from a
    supplier), production (per unit made). The one definition behind co2_cap and carbon cost."""
    d = s.data
    lane_co2 = {(a, b): c for a, b, c in records(d.lanes, ["origin", "destination", "co2"])}
    sup_co2 = {(sp, p): c for sp, p, c in records(d.supply, ["supplier", "product", "co2"])}
    arcs = s.arc_list
    return Linear(0.0, [
        ("flow", np.array([lane_co2.get((a, b), 0.0) for a, b, _p in arcs], dtype=float)),
        ("flow", np.array([sup_co2.get((a, p), 0.0) for a, _b, p in arcs], dtype=float)),
        ("make", np.asarray(d.production["co2"].to_numpy(), dtype=float)),
    ])


def add_co2_cap(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """E <= co2_cap (kg over the horizon); nothing to add when no variable emits."""
    e = emissions(s)
    if not any(coef.any() for _name, coef in e.parts):
        return  # E ≡ 0 <= cap: no row (a constant row is not a constraint)
    m.co2_cap = pyo.Constraint(expr=e.expr(m) <= s.co2_cap)
