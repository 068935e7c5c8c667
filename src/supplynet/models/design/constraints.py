"""Core variable and constraint families of the network design MIP (see models/design.md).

Each ``add_<family>(m, s, o)`` adds one family to the model ``m`` over the index sets ``s``
(``DesignSets``) under the options ``o`` (``DesignOptions``); names follow models/design.md.
Quantities are over the horizon (units; plant capacities in hours).
"""

from __future__ import annotations

import math

import pyomo.environ as pyo
from pyomo.environ import quicksum

from .._sets import records
from .data import finite, min_open_count
from .options import DesignOptions
from .sets import DesignSets


def open_of(m: pyo.ConcreteModel, s: DesignSets, n: str):
    """1 for a facility that is open by status, the ``open`` variable when it is decided."""
    return m.open[n] if n in m.open else 1


def capacity_of(m: pyo.ConcreteModel, s: DesignSets, n: str):
    """Horizon capacity of facility n: from its chosen level, else its capacity x open."""
    if s.data.has_levels(n):
        return quicksum(cap * m.level[n, lv] for lv, cap in s.levels_of[n])
    cap = s.data.capacity(n)
    return None if math.isnan(cap) else cap * open_of(m, s, n)


def add_variables(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """flow[o,d,p] >= 0 on sparse arcs; make[plant,p] >= 0; open[f], level[f,l] binaries;
    unmet[c,p] >= 0 in soft mode (units over the horizon)."""
    m.flow = pyo.Var(s.arc_list, domain=pyo.NonNegativeReals)
    m.make = pyo.Var(s.make_list, domain=pyo.NonNegativeReals)
    m.open = pyo.Var(s.open_index, domain=pyo.Binary)
    m.level = pyo.Var(s.level_list, domain=pyo.Binary)
    if o.soft:
        m.unmet = pyo.Var(s.demand_list, domain=pyo.NonNegativeReals)


def add_flow_balance(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_in flow[i,n,p] + make[n,p] = Σ_out flow[n,j,p] + Σ_q bom[q,p]·make[n,q]  ∀ facility n, p."""
    d, arcs, made, consume = s.data, s.arc_list, s.made, s.consume
    flow, make = m.flow, m.make

    def rule(m, n, p):
        inflow = quicksum(flow[arcs[i]] for i in d.arcs_in.get((n, p), ()))
        outflow = quicksum(flow[arcs[i]] for i in d.arcs_out.get((n, p), ()))
        produced = make[n, p] if (n, p) in made else 0
        used = quicksum(q * make[n, parent] for parent, q in consume.get((n, p), ()))
        return inflow + produced == outflow + used

    m.flow_balance = pyo.Constraint(s.balance_index, rule=rule)


def add_demand_met(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_in flow[i,c,p] (+ unmet[c,p]) = demand[c,p]  ∀ customer c, product p."""
    d, arcs, qty = s.data, s.arc_list, s.demand_qty

    def rule(m, c, p):
        inflow = quicksum(m.flow[arcs[i]] for i in d.arcs_in.get((c, p), ()))
        return inflow + (m.unmet[c, p] if o.soft else 0) == qty[c, p]

    m.demand_met = pyo.Constraint(s.demand_list, rule=rule)


def add_supply_capacity(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_j flow[s,j,p] <= supply capacity[s,p] (units over the horizon), for offers with a
    finite capacity and an arc to ship on."""
    d, arcs = s.data, s.arc_list
    caps = {(sp, p): cap for sp, p, cap in records(d.supply, ["supplier", "product", "capacity"])
            if finite(cap) and d.arcs_out.get((sp, p))}
    m.supply_capacity = pyo.Constraint(
        list(caps), rule=lambda m, sp, p: quicksum(m.flow[arcs[i]] for i in d.arcs_out[sp, p]) <= caps[sp, p])


def add_supplier_capacity(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_p,j flow[s,j,p] <= capacity[s] (units over the horizon), suppliers with a capacity."""
    d, arcs = s.data, s.arc_list
    suppliers = [n for n, k in d.kind.items() if k == "supplier" and not math.isnan(d.capacity(n))]
    m.supplier_capacity = pyo.Constraint(
        [n for n in suppliers if s.arcs_from.get(n)],
        rule=lambda m, n: quicksum(m.flow[arcs[i]] for i in s.arcs_from[n]) <= d.capacity(n))


def add_production_capacity(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_p capacity_use[n,p]·make[n,p] <= capacity(n)  ∀ plant n (hours over the horizon)."""
    d = s.data
    use = dict(zip(s.make_list, d.production["capacity_use"].tolist(), strict=True))
    index, caps = [], {}
    for n, keys in s.make_of.items():
        cap = capacity_of(m, s, n)
        if cap is None:
            if n in m.open:  # unlimited but decided: make only when open
                cap = sum(d.requirement.get(p, 0.0) * max(use[n, p], 1e-9) for _, p in keys)
                cap = cap * m.open[n]
            else:
                continue
        index.append(n)
        caps[n] = cap
    m.production_capacity = pyo.Constraint(
        index, rule=lambda m, n: quicksum(use[k] * m.make[k] for k in s.make_of[n]) <= caps[n])


def add_throughput_capacity(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_i,p flow[i,n,p] <= capacity(n)  ∀ warehouse n (units over the horizon)."""
    d, arcs = s.data, s.arc_list
    index, caps = [], {}
    for n in d.facilities:
        if d.kind[n] != "warehouse" or not s.arcs_to.get(n):
            continue
        cap = capacity_of(m, s, n)
        if cap is None:
            if n not in m.open:
                continue
            bound = sum(d.requirement.get(p, 0.0) for p in {arcs[i][2] for i in s.arcs_to[n]})
            cap = bound * m.open[n]
        index.append(n)
        caps[n] = cap
    m.throughput_capacity = pyo.Constraint(
        index, rule=lambda m, n: quicksum(m.flow[arcs[i]] for i in s.arcs_to[n]) <= caps[n])


def add_level_choice(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_l level[n,l] = open[n]: an open facility takes exactly one of its levels."""
    m.level_choice = pyo.Constraint(
        list(s.levels_of),
        rule=lambda m, n: quicksum(m.level[n, lv] for lv, _cap in s.levels_of[n]) == open_of(m, s, n))


def arc_bound(s: DesignSets, i: int) -> float:
    """Largest flow arc i can carry: its product's requirement, the destination's demand, a
    capacitated warehouse end, and what a warehouse destination can pass on (the sum of the
    bounds of its arcs out with the product, at most its largest level)."""
    if s.arc_bounds is None:
        s.arc_bounds = arc_bounds(s)
    return s.arc_bounds[i]


def arc_bounds(s: DesignSets) -> list[float]:
    """``arc_bound`` of every arc, in ``arc_list`` order (warehouse chains followed once,
    a cycle cut at the requirement)."""
    d = s.data
    passing: dict[tuple[str, str], float] = {}  # (warehouse, p) -> most it can ship out

    def own(i: int) -> float:
        o_, dest, p = s.arc_list[i]
        bound = d.requirement.get(p, 0.0)
        if d.kind[dest] == "customer":
            bound = min(bound, s.demand_qty.get((dest, p), 0.0))
        for n in (o_, dest):
            if d.kind[n] == "warehouse":
                cap = largest_capacity(s, n)
                if not math.isnan(cap):
                    bound = min(bound, cap)
        if d.kind[dest] == "warehouse":
            bound = min(bound, out_of(dest, p))
        return bound

    def out_of(n: str, p: str) -> float:
        if (n, p) not in passing:
            passing[n, p] = d.requirement.get(p, 0.0)  # a cycle back here: no tighter bound
            passing[n, p] = sum(own(j) for j in d.arcs_out.get((n, p), ()))
        return passing[n, p]

    return [own(i) for i in range(len(s.arc_list))]


def add_open_linking(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """flow[i,j,p] <= U[i,j,p]·open[i] (and ·open[j]) for arcs touching a decided facility.

    U is the arc bound from the data (demand of the customer served, capacity, requirement):
    these are the strong linking inequalities of facility location.
    """
    index, unlinked = linked_ends(s, o)
    pairs = {(i, n): arc_bound(s, i) for i, n in index}
    arcs = s.arc_list
    m.open_linking = pyo.Constraint(
        index, rule=lambda m, i, n: m.flow[arcs[i]] <= pairs[i, n] * m.open[n])
    for i in unlinked:
        m.flow[arcs[i]].setub(arc_bound(s, i))


# customer_linking=None leaves a warehouse's rows into customers out on multi-echelon
# networks (a decided plant) of at least this many arcs (models/design.md, "Linking").
LEAN_LINKING_ARCS = 5000


def customer_linking(s: DesignSets, o: DesignOptions) -> bool:
    """Does this model get the warehouse-to-customer linking rows? The option, or by default
    (None) yes unless the network has a decided plant and LEAN_LINKING_ARCS arcs or more."""
    if o.customer_linking is not None:
        return o.customer_linking
    plants = any(s.data.kind[n] == "plant" for n in s.open_index)
    return not (plants and len(s.arc_list) >= LEAN_LINKING_ARCS)


def linked_ends(s: DesignSets, o: DesignOptions) -> tuple[list[tuple[int, str]], list[int]]:
    """(arc, decided facility) pairs that get an ``open_linking`` row, and the arcs left
    without one by ``customer_linking`` (a decided warehouse's arcs into customers:
    its throughput row already closes them; they get the arc bound as a column bound).
    With ``linking`` off only the plants' ends keep their rows: a warehouse's throughput row
    closes it, but a plant's capacity row limits its production only, and a closed plant
    could otherwise pass bought goods through."""
    d = s.data
    decided = set(s.open_index)
    lean = o.linking and not customer_linking(s, o)
    index, unlinked = [], []
    for i, (o_, dest, _p) in enumerate(s.arc_list):
        if lean and o_ in decided and d.kind[o_] == "warehouse" \
                and d.kind[dest] == "customer":
            unlinked.append(i)
            continue
        for end in (o_, dest):
            if end in decided and (o.linking or d.kind[end] == "plant"):
                index.append((i, end))
    return index, unlinked


def cover_servers(s: DesignSets) -> list[str] | None:
    """The facilities shipping to customers, when every one of them is a warehouse with a finite
    throughput capacity (levels or capacity) and at least one of them is a decision; else None.
    Only then is the total capacity of the open servers a bound on the deliverable demand."""
    d = s.data
    servers = {s.arc_list[i][0] for (c, _p), idx in d.arcs_in.items()
               if d.kind.get(c) == "customer" for i in idx}
    if not servers or any(d.kind[n] != "warehouse" for n in servers):
        return None
    if any(not d.has_levels(n) and math.isnan(d.capacity(n)) for n in servers):
        return None
    decided = set(s.open_index)
    if not any(n in decided or d.has_levels(n) for n in servers):
        return None  # every server is open: the cover would be a constant
    return sorted(servers)


def add_capacity_cover(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_w capacity(w) >= Σ_c,p demand[c,p] (- unmet): the open warehouses serving customers
    must be able to carry all demand. Added only when every lane into a customer starts at a
    warehouse with finite throughput capacity (otherwise it would not be valid)."""
    servers = cover_servers(s)
    if servers is None:
        return
    total = float(s.data.demand["quantity"].sum())
    unmet = quicksum(m.unmet[k] for k in s.demand_list) if o.soft else 0
    m.capacity_cover = pyo.Constraint(
        expr=quicksum(capacity_of(m, s, n) for n in servers) + unmet >= total)


def largest_capacity(s: DesignSets, n: str) -> float:
    """The most throughput facility n can offer (its largest level, else its capacity)."""
    if s.data.has_levels(n):
        return max(cap for _lv, cap in s.levels_of[n])
    return s.data.capacity(n)


def add_open_count_cover(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """Σ_{w decided server} open[w] >= k: the fewest decided warehouses whose largest
    capacities, with those of the always-open servers, cover the total demand.

    k is the smallest count whose k largest capacities reach D − Σ_{always open} capacity;
    the cardinality cover of the knapsack ``capacity_cover``, valid under the same guard
    (every customer lane leaves a capacitated warehouse) and only without unmet demand.
    It lifts the LP bound by the fixed cost of the fractional warehouse.
    """
    if o.soft:
        return
    servers = cover_servers(s)
    if servers is None:
        return
    decided_set = set(s.open_index)
    decided = [n for n in servers if n in decided_set]
    fixed_cap = sum(largest_capacity(s, n) for n in servers if n not in decided_set)
    need = float(s.data.demand["quantity"].sum()) - fixed_cap
    if not decided or need <= 0:
        return
    k = min(min_open_count(need, [largest_capacity(s, n) for n in decided]), len(decided))
    if k <= 0:
        return
    m.open_count_cover = pyo.Constraint(expr=quicksum(m.open[n] for n in decided) >= k)
