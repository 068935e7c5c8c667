"""Optional families of the design MIP: make-or-buy, sourcing, lanes, service, CO2, limits.

Each family is added only when its option (or its data) asks for it; see models/design.md.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pyomo.environ as pyo
from pyomo.environ import quicksum

from ...errors import OptionsError
from ...network import records
from . import constraints as dc
from .data import DesignData, _finite


def supplier_arcs_into(m, d: DesignData, n: str, p: str) -> list[int]:
    return [i for i in d.arcs_in.get((n, p), ()) if d.kind[m.arc_list[i][0]] == "supplier"]


def add_make_or_buy(m, d: DesignData, o) -> None:
    """make[n,p] <= U·make_on[n,p] where making has a fixed cost or competes with buying;
    with exclusive make-or-buy, Σ_s flow[s,n,p] <= U·(1 - make_on[n,p])."""
    fixed = dict(zip(m.make_list, d.production["fixed_cost"].tolist(), strict=True))
    use = dict(zip(m.make_list, d.production["capacity_use"].tolist(), strict=True))
    pairs = [k for k in m.make_list if fixed[k] > 0 or supplier_arcs_into(m, d, *k)]
    pairs = sorted(set(pairs) | {tuple(k) for k in o.force_make} | {tuple(k) for k in o.force_buy})
    for k in pairs:
        if k not in use:
            raise OptionsError(f"force_make/force_buy names plant {k[0]!r}, product {k[1]!r}, "
                               "which has no production option")
    m.make_or_buy_list = pairs
    m.make_fixed_cost = {k: fixed[k] for k in pairs}
    m.make_on = pyo.Var(pairs, domain=pyo.Binary)

    def bound(n, p):
        b = d.requirement.get(p, 0.0)
        cap = math.nan if d.has_levels(n) else d.capacity(n)
        if _finite(cap) and use[n, p] > 0:
            b = min(b, cap / use[n, p])
        return b

    m.make_switch = pyo.Constraint(
        pairs, rule=lambda m, n, p: m.make[n, p] <= bound(n, p) * m.make_on[n, p])
    if o.exclusive_make_or_buy:
        buy = [k for k in pairs if supplier_arcs_into(m, d, *k)]
        arcs = m.arc_list
        m.buy_switch = pyo.Constraint(
            buy, rule=lambda m, n, p: quicksum(m.flow[arcs[i]] for i in supplier_arcs_into(m, d, n, p))
            <= d.requirement.get(p, 0.0) * (1 - m.make_on[n, p]))
    for k in o.force_make:
        m.make_on[tuple(k)].fix(1)
    for k in o.force_buy:
        m.make_on[tuple(k)].fix(0)


def purchases_of(m, d: DesignData) -> dict[tuple[str, str], list[int]]:
    """(supplier, product) -> arcs leaving the supplier with that product."""
    return {(s, p): idx for (s, p), idx in d.arcs_out.items() if d.kind.get(s) == "supplier"}


def _per_product(value, p: str):
    return value.get(p) if isinstance(value, dict) else value


def add_supplier_diversification(m, d: DesignData, o) -> None:
    """Σ_j flow[s,j,p] <= α_p · Σ_s' Σ_j flow[s',j,p] (no supplier above share α_p of product p);
    at least k_p suppliers, each used supplier carrying >= β·(purchases of p) (binary use_supplier)."""
    buys = purchases_of(m, d)
    by_product = defaultdict(list)
    for s, p in buys:
        by_product[p].append(s)
    arcs = m.arc_list

    def bought(s, p):
        return quicksum(m.flow[arcs[i]] for i in buys[s, p])

    if o.max_supplier_share is not None:
        idx = [(s, p) for p, ss in by_product.items() for s in ss
               if _per_product(o.max_supplier_share, p) is not None]
        m.supplier_share = pyo.Constraint(idx, rule=lambda m, s, p: bought(s, p) <= _per_product(
            o.max_supplier_share, p) * quicksum(bought(s2, p) for s2 in by_product[p]))
    if o.min_suppliers is not None:
        prods = [p for p in by_product if _per_product(o.min_suppliers, p)]
        idx = [(s, p) for p in prods for s in by_product[p]]
        m.use_supplier = pyo.Var(idx, domain=pyo.Binary)
        beta = o.min_supplier_share
        m.supplier_count = pyo.Constraint(prods, rule=lambda m, p: quicksum(
            m.use_supplier[s, p] for s in by_product[p]) >= _per_product(o.min_suppliers, p))
        m.supplier_minimum = pyo.Constraint(idx, rule=lambda m, s, p: bought(s, p) >= beta * quicksum(
            bought(s2, p) for s2 in by_product[p]) - beta * d.requirement.get(p, 0.0) * (1 - m.use_supplier[s, p]))
        m.supplier_use_link = pyo.Constraint(idx, rule=lambda m, s, p: bought(s, p) <= d.requirement.get(
            p, 0.0) * m.use_supplier[s, p])


def add_single_sourcing(m, d: DesignData, o) -> None:
    """Σ_w assign[w,c] = 1; flow[w,c,p] <= demand[c,p]·assign[w,c]: each customer (or each
    customer-product with single_sourcing='customer_product') is served from one node."""
    per_product = o.single_sourcing == "customer_product"
    keys = defaultdict(set)  # (customer[, product]) -> origins
    arc_key = {}
    for i, (org, c, p) in enumerate(m.arc_list):
        if d.kind[c] == "customer":
            k = (c, p) if per_product else (c,)
            keys[k].add(org)
            arc_key[i] = k + (org,)
    idx = sorted({k + (org,) for k, orgs in keys.items() for org in orgs})
    m.assign = pyo.Var(idx, domain=pyo.Binary)
    m.single_source = pyo.Constraint(sorted(keys), rule=lambda m, *k: quicksum(
        m.assign[k + (org,)] for org in sorted(keys[k])) <= 1 if o.soft else quicksum(
        m.assign[k + (org,)] for org in sorted(keys[k])) == 1)
    arcs = m.arc_list
    m.assign_link = pyo.Constraint(list(arc_key), rule=lambda m, i: m.flow[arcs[i]] <= m.demand_qty.get(
        (arcs[i][1], arcs[i][2]), 0.0) * m.assign[arc_key[i]])


def add_lane_usage(m, d: DesignData, o) -> None:
    """Lane capacity Σ_p flow <= cap·T; lanes with a fixed cost or minimum volume get a binary
    lane_on: Σ_p flow <= U·lane_on and Σ_p flow >= min_volume·T·lane_on."""
    arcs = m.arc_list
    rows = records(d.lanes, ["origin", "destination", "capacity", "fixed_cost", "min_volume"])
    cap_idx = [(a, b) for a, b, cap, _f, _mv in rows if _finite(cap)]
    caps = {(a, b): cap * d.T for a, b, cap, _f, _mv in rows if _finite(cap)}

    def lane_flow(a, b):
        return quicksum(m.flow[arcs[i]] for i in d.lane_arcs[a, b])

    m.lane_capacity = pyo.Constraint(cap_idx, rule=lambda m, a, b: lane_flow(a, b) <= caps[a, b])
    if not o.lane_fixed_costs:
        return
    on_idx = [(a, b) for a, b, _c, f, mv in rows if f > 0 or mv > 0]
    m.lane_fixed_cost = {(a, b): f for a, b, _c, f, _mv in rows if (a, b) in set(on_idx)}
    minv = {(a, b): mv * d.T for a, b, _c, _f, mv in rows}
    m.lane_on = pyo.Var(on_idx, domain=pyo.Binary)

    def bound(a, b):
        u = sum(dc.arc_bound(m, d, i) for i in d.lane_arcs[a, b])
        return min(u, caps.get((a, b), u))

    m.lane_open = pyo.Constraint(on_idx, rule=lambda m, a, b: lane_flow(a, b) <= bound(a, b) * m.lane_on[a, b])
    mv_idx = [k for k in on_idx if minv[k] > 0]
    m.lane_min_volume = pyo.Constraint(mv_idx, rule=lambda m, a, b: lane_flow(a, b) >= minv[a, b] * m.lane_on[a, b])


def service_ok(d: DesignData, o, origin: str, customer: str) -> bool:
    """Is customer within the service radius (distance and lead time) of origin?"""
    row = d.lane_lookup.get((origin, customer))
    if row is None:
        return True
    dist, lt = row
    if o.max_service_distance is not None and _finite(dist) and dist > o.max_service_distance:
        return False
    return not (o.max_service_lead_time is not None and lt > o.max_service_lead_time)


def add_service_share(m, d: DesignData, o) -> None:
    """Σ flow on lanes within the service radius >= share · Σ demand (min_service_share)."""
    arcs = m.arc_list
    near = [i for i, (org, c, _p) in enumerate(arcs) if d.kind[c] == "customer" and service_ok(d, o, org, c)]
    total = float(d.demand["quantity"].sum())
    m.service_share = pyo.Constraint(expr=quicksum(m.flow[arcs[i]] for i in near) >= o.min_service_share * total)


def add_open_limits(m, d: DesignData, o) -> None:
    """min_open[g] <= Σ_{f in group g} open[f] <= max_open[g]; a group is a kind or (kind, region)."""
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
        count = quicksum(dc.open_of(m, f) for f in members(g))
        m.open_limits.add(count >= v if sense == ">=" else count <= v)


def co2_expression(m, d: DesignData):
    """Total kg CO2: lanes (per unit shipped), production (per unit made), purchases (per unit)."""
    lane_co2 = {(a, b): c for a, b, c in records(d.lanes, ["origin", "destination", "co2"])}
    prod_co2 = dict(zip(m.make_list, d.production["co2"].tolist(), strict=True))
    sup_co2 = {(s, p): c for s, p, c in records(d.supply, ["supplier", "product", "co2"])}
    terms = [lane_co2[a, b] * m.flow[a, b, p] for a, b, p in m.arc_list if lane_co2.get((a, b), 0)]
    terms += [sup_co2[a, p] * m.flow[a, b, p] for a, b, p in m.arc_list if sup_co2.get((a, p), 0)]
    terms += [c * m.make[k] for k, c in prod_co2.items() if c]
    return quicksum(terms)


def add_co2_cap(m, d: DesignData, o, cap: float) -> None:
    """Σ emissions <= co2_cap (kg over the horizon)."""
    m.co2_cap = pyo.Constraint(expr=co2_expression(m, d) <= cap)
