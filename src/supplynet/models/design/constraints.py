"""Variable and constraint families of the network design MIP (see models/design.md).

Each ``add_*`` function adds one family to the model ``m`` from the plain data ``d``
(``DesignData``) and the options ``o`` (``DesignOptions``); names follow models/design.md.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pyomo.environ as pyo
from pyomo.environ import quicksum

from ...network import records
from .data import DesignData, _finite


def open_of(m, n: str):
    """1 for a facility that is open by status, the ``open`` variable when it is decided."""
    return m.open[n] if n in m.open_index else 1


def capacity_of(m, d: DesignData, n: str):
    """Horizon capacity of facility n: from its chosen level, else its capacity x open."""
    if d.has_levels(n):
        return quicksum(cap * m.level[n, lv] for (nn, lv), cap in m.level_capacity.items() if nn == n)
    cap = d.capacity(n)
    return None if math.isnan(cap) else cap * open_of(m, n)


def add_variables(m, d: DesignData, o) -> None:
    """flow[o,d,p] >= 0 on sparse arcs; make[plant,p] >= 0; open[f], level[f,l] binaries."""
    m.arc_list = records(d.arcs, ["origin", "destination", "product"])
    m.flow = pyo.Var(m.arc_list, domain=pyo.NonNegativeReals)
    m.make_list = records(d.production, ["plant", "product"])
    m.make = pyo.Var(m.make_list, domain=pyo.NonNegativeReals)
    m.open_index = list(d.decided)
    m.open = pyo.Var(m.open_index, domain=pyo.Binary)
    m.level_list = records(d.levels, ["node", "level"])
    m.level_capacity = dict(zip(m.level_list, d.levels["capacity"].tolist(), strict=True))
    m.level = pyo.Var(m.level_list, domain=pyo.Binary)
    m.demand_list = records(d.demand, ["customer", "product"])
    if o.soft:
        m.unmet = pyo.Var(m.demand_list, domain=pyo.NonNegativeReals)


def add_flow_balance(m, d: DesignData, o) -> None:
    """Σ_in flow[i,n,p] + make[n,p] = Σ_out flow[n,j,p] + Σ_q bom[q,p]·make[n,q]  ∀ facility n, p."""
    consume = defaultdict(list)  # (plant, component) -> [(parent, qty)]
    made = set(m.make_list)
    for plant, parent in m.make_list:
        for comp, q in d.bom_of.get(parent, ()):
            consume[plant, comp].append((parent, q))
    facilities = set(d.facilities)
    keys = {k for k in d.arcs_in if k[0] in facilities} | {k for k in d.arcs_out if k[0] in facilities}
    keys |= made | set(consume)
    m.balance_index = sorted(keys)
    arcs = m.arc_list
    flow, make = m.flow, m.make

    def rule(m, n, p):
        inflow = quicksum(flow[arcs[i]] for i in d.arcs_in.get((n, p), ()))
        outflow = quicksum(flow[arcs[i]] for i in d.arcs_out.get((n, p), ()))
        produced = make[n, p] if (n, p) in made else 0
        used = quicksum(q * make[n, parent] for parent, q in consume.get((n, p), ()))
        return inflow + produced == outflow + used

    m.flow_balance = pyo.Constraint(m.balance_index, rule=rule)


def add_demand(m, d: DesignData, o) -> None:
    """Σ_in flow[i,c,p] (+ unmet[c,p]) = demand[c,p]  ∀ customer c, product p."""
    qty = dict(zip(m.demand_list, d.demand["quantity"].tolist(), strict=True))
    arcs = m.arc_list

    def rule(m, c, p):
        inflow = quicksum(m.flow[arcs[i]] for i in d.arcs_in.get((c, p), ()))
        return inflow + (m.unmet[c, p] if o.soft else 0) == qty[c, p]

    m.demand_met = pyo.Constraint(m.demand_list, rule=rule)


def add_supplier_capacity(m, d: DesignData, o) -> None:
    """Σ_j flow[s,j,p] <= supply capacity[s,p]; Σ_p,j flow[s,j,p] <= capacity[s] (horizon units)."""
    arcs = m.arc_list
    rows = [(s, p, cap) for s, p, cap in records(d.supply, ["supplier", "product", "capacity"])
            if _finite(cap)]
    caps = {(s, p): cap for s, p, cap in rows}
    m.supply_capacity = pyo.Constraint(
        [(s, p) for s, p, _ in rows],
        rule=lambda m, s, p: quicksum(m.flow[arcs[i]] for i in d.arcs_out.get((s, p), ()))
        <= caps[s, p])
    suppliers = [n for n, k in d.kind.items() if k == "supplier" and not math.isnan(d.capacity(n))]
    out_by_node = defaultdict(list)
    for i, (o_, _d, _p) in enumerate(arcs):
        out_by_node[o_].append(i)
    m.supplier_capacity = pyo.Constraint(
        [s for s in suppliers if out_by_node.get(s)],
        rule=lambda m, s: quicksum(m.flow[arcs[i]] for i in out_by_node[s]) <= d.capacity(s))


def add_production_capacity(m, d: DesignData, o) -> None:
    """Σ_p capacity_use[n,p]·make[n,p] <= capacity(n)  ∀ plant n (hours over the horizon)."""
    use = dict(zip(m.make_list, d.production["capacity_use"].tolist(), strict=True))
    by_plant = defaultdict(list)
    for key in m.make_list:
        by_plant[key[0]].append(key)
    index, caps = [], {}
    for n, keys in by_plant.items():
        cap = capacity_of(m, d, n)
        if cap is None:
            if n in m.open_index:  # unlimited but decided: make only when open
                cap = sum(d.requirement.get(p, 0.0) * max(use[n, p], 1e-9) for _, p in keys)
                cap = cap * m.open[n]
            else:
                continue
        index.append(n)
        caps[n] = cap
    m.production_capacity = pyo.Constraint(
        index, rule=lambda m, n: quicksum(use[k] * m.make[k] for k in by_plant[n]) <= caps[n])


def add_throughput_capacity(m, d: DesignData, o) -> None:
    """Σ_i,p flow[i,n,p] <= capacity(n)  ∀ warehouse n (units over the horizon)."""
    in_by_node = defaultdict(list)
    for i, (_o, dest, _p) in enumerate(m.arc_list):
        in_by_node[dest].append(i)
    index, caps = [], {}
    for n in d.facilities:
        if d.kind[n] != "warehouse" or not in_by_node.get(n):
            continue
        cap = capacity_of(m, d, n)
        if cap is None:
            if n not in m.open_index:
                continue
            bound = sum(d.requirement.get(p, 0.0) for p in {m.arc_list[i][2] for i in in_by_node[n]})
            cap = bound * m.open[n]
        index.append(n)
        caps[n] = cap
    arcs = m.arc_list
    m.throughput_capacity = pyo.Constraint(
        index, rule=lambda m, n: quicksum(m.flow[arcs[i]] for i in in_by_node[n]) <= caps[n])


def add_level_choice(m, d: DesignData, o) -> None:
    """Σ_l level[n,l] = open[n]: an open facility takes exactly one of its levels."""
    by_node = defaultdict(list)
    for n, lv in m.level_list:
        by_node[n].append(lv)
    m.level_choice = pyo.Constraint(
        list(by_node), rule=lambda m, n: quicksum(m.level[n, lv] for lv in by_node[n]) == open_of(m, n))


def arc_bound(m, d: DesignData, i: int) -> float:
    """Largest flow arc i can carry: its product's requirement, the destination's demand."""
    o_, dest, p = m.arc_list[i]
    bound = d.requirement.get(p, 0.0)
    if d.kind[dest] == "customer":
        bound = min(bound, m.demand_qty.get((dest, p), 0.0))
    for n in (o_, dest):
        if n in d.node.index and d.kind[n] in ("plant", "warehouse") and not d.has_levels(n):
            cap = d.capacity(n)
            if d.kind[n] == "warehouse" and not math.isnan(cap):
                bound = min(bound, cap)
    return bound


def add_open_linking(m, d: DesignData, o) -> None:
    """flow[i,j,p] <= U[i,j,p]·open[i] (and ·open[j]) for arcs touching a decided facility.

    U is the arc bound from the data (demand of the customer served, capacity, requirement):
    these are the strong linking inequalities of facility location.
    """
    m.demand_qty = dict(zip(m.demand_list, d.demand["quantity"].tolist(), strict=True))
    decided = set(m.open_index)
    index, pairs = [], {}
    for i, (o_, dest, _p) in enumerate(m.arc_list):
        for end in (o_, dest):
            if end in decided:
                index.append((i, end))
                pairs[i, end] = arc_bound(m, d, i)
    arcs = m.arc_list
    m.open_linking = pyo.Constraint(
        index, rule=lambda m, i, n: m.flow[arcs[i]] <= pairs[i, n] * m.open[n])


def cover_servers(m, d: DesignData) -> list[str] | None:
    """The facilities shipping to customers, when every one of them is a warehouse with a finite
    throughput capacity (levels or capacity) and at least one of them is a decision; else None.
    Only then is the total capacity of the open servers a bound on the deliverable demand."""
    servers = {m.arc_list[i][0] for (c, _p), idx in d.arcs_in.items()
               if d.kind.get(c) == "customer" for i in idx}
    if not servers or any(d.kind[s] != "warehouse" for s in servers):
        return None
    if any(not d.has_levels(s) and math.isnan(d.capacity(s)) for s in servers):
        return None
    if not any(s in m.open_index or d.has_levels(s) for s in servers):
        return None  # every server is open: the cover would be a constant
    return sorted(servers)


def add_capacity_cover(m, d: DesignData, o) -> None:
    """Σ_w capacity(w) >= Σ_c,p demand[c,p] (- unmet): the open warehouses serving customers
    must be able to carry all demand. Added only when every lane into a customer starts at a
    warehouse with finite throughput capacity (otherwise it would not be valid)."""
    servers = cover_servers(m, d)
    if servers is None:
        return
    total = float(d.demand["quantity"].sum())
    unmet = quicksum(m.unmet[k] for k in m.demand_list) if o.soft else 0
    m.capacity_cover = pyo.Constraint(
        expr=quicksum(capacity_of(m, d, s) for s in servers) + unmet >= total)


def largest_capacity(m, d: DesignData, n: str) -> float:
    """The most throughput facility n can offer (its largest level, else its capacity)."""
    if d.has_levels(n):
        return max(cap for (nn, _lv), cap in m.level_capacity.items() if nn == n)
    return d.capacity(n)


def min_open_count(need: float, caps: list[float]) -> int:
    """Smallest k such that the k largest of ``caps`` sum to at least ``need`` (len + 1 if none)."""
    total = 0.0
    for k, cap in enumerate(sorted(caps, reverse=True), start=1):
        total += cap
        if total >= need * (1 - 1e-12):
            return k
    return len(caps) + 1


def add_open_count_cover(m, d: DesignData, o) -> None:
    """Σ_{w decided server} open[w] >= k: the fewest decided warehouses whose largest
    capacities, with those of the always-open servers, cover the total demand.

    k is the smallest count whose k largest capacities reach D − Σ_{always open} capacity;
    the cardinality cover of the knapsack ``capacity_cover``, valid under the same guard
    (every customer lane leaves a capacitated warehouse) and only without unmet demand.
    It lifts the LP bound by the fixed cost of the fractional warehouse.
    """
    if o.soft:
        return
    servers = cover_servers(m, d)
    if servers is None:
        return
    decided = [s for s in servers if s in m.open_index]
    fixed_cap = sum(largest_capacity(m, d, s) for s in servers if s not in m.open_index)
    need = float(d.demand["quantity"].sum()) - fixed_cap
    if not decided or need <= 0:
        return
    k = min(min_open_count(need, [largest_capacity(m, d, s) for s in decided]), len(decided))
    if k <= 0:
        return
    m.open_count_cover = pyo.Constraint(expr=quicksum(m.open[s] for s in decided) >= k)
