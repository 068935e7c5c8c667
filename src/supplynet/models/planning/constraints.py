"""Variables and constraint families of the planning model.

One function per family, ``add_<family>(m, s, o)``, the math in its docstring; each adds
the one Pyomo component of that name (models/planning.md, "Constraints"). Variables are
declared over the key tuples of the ``PlanSets`` tables in table order, so
``Solution.values(m.<var>)`` lines up with the table's rows. A row with no variable in it
is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pandas as pd
import pyomo.environ as pyo

from .._sets import records
from .lotsizing import Item, cut_key, ls_items, ls_row
from .options import PlanOptions
from .sets import KEYS, PlanSets


def add_variables(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """Every variable family over its index table; bounds from the data (units, hours).

    inv[n,p,T] >= target_end[n,p]; ss_short <= safety_stock; overtime <= hours_max;
    open[c,p,t] <= notdue[c,p,t] for lost-sales customers (open orders not yet due);
    best_effort_unmet[c,p] <= excess[c,p] (units of a commitment's demand above max_quantity).
    """
    NN, T = pyo.NonNegativeReals, s.periods[-1]
    for name in ("make", "sub", "ship", "late", "lost"):
        setattr(m, name, pyo.Var(records(getattr(s, name), KEYS[name]), domain=NN))
    m.setup = pyo.Var(records(s.setup, KEYS["setup"]), domain=pyo.Binary)
    ot = s.overtime
    hmax = dict(zip(records(ot, KEYS["overtime"]), ot["hours_max"].tolist(), strict=True))
    m.overtime = pyo.Var(list(hmax), domain=NN, bounds=lambda m, i, t: (0.0, hmax[(i, t)]))
    inv = s.inv
    lb = {k: (te if k[2] == T else 0.0) for k, te in
          zip(records(inv, KEYS["inv"]), inv["target_end"].tolist(), strict=True)}
    m.inv = pyo.Var(list(lb), domain=NN, bounds=lambda m, n, p, t: (lb[(n, p, t)], None))
    ss = s.ss_short
    ssub = dict(zip(records(ss, KEYS["ss_short"]), ss["safety_stock"].tolist(), strict=True))
    m.ss_short = pyo.Var(list(ssub), domain=NN, bounds=lambda m, n, p, t: (0.0, ssub[(n, p, t)]))
    op = s.open
    oub = {k: (None if bl else nd) for k, bl, nd in zip(
        records(op, KEYS["open"]), op["backlog"].tolist(), op["notdue"].tolist(), strict=True)}
    m.open = pyo.Var(list(oub), domain=NN, bounds=lambda m, c, p, t: (0.0, oub[(c, p, t)]))
    be = s.best_effort_unmet
    beub = dict(zip(records(be, KEYS["best_effort_unmet"]), be["excess"].tolist(), strict=True))
    m.best_effort_unmet = pyo.Var(list(beub), domain=NN,
                                  bounds=lambda m, c, p: (0.0, beub[(c, p)]))


def _skip_if_empty(terms, expr):
    return pyo.Constraint.Skip if not terms else expr


def _sum_rows(keys_vals, rows_keys) -> dict[tuple, list]:
    """{row key: [terms]} for every row key (empty list where no term falls)."""
    out: dict[tuple, list] = defaultdict(list)
    for k, term in keys_vals:
        out[k].append(term)
    return {k: out.get(k, []) for k in rows_keys}


def add_inventory_balance(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """inventory_balance[n,p,t]:
    inv[n,p,t] = inv[n,p,t-1] (initial[n,p] when t = 1) + sum_o ship[o,n,p,t-L(o,n)]
                 + make[n,p,t-LP(n,p)] + sub[n,p,t] - sum_d ship[n,d,p,t]
                 - sum_parent bom[parent,p] * make[n,parent,t]   (units).
    Pull pairs without initial stock have no inv variable: the row holds with inv = 0 in
    every period (what arrives leaves in the same period)."""
    kind_stock = set(records(s.balance[["node", "product"]].drop_duplicates(), ["node", "product"]))
    terms: dict[tuple, list] = defaultdict(list)
    for v, (o_, d, p, t, a) in zip(m.ship.values(), records(
            s.ship, ["origin", "destination", "product", "period", "arrival"]), strict=True):
        if (d, p) in kind_stock:
            terms[(d, p, a)].append(v)
        if (o_, p) in kind_stock:
            terms[(o_, p, t)].append(-v)
    for v, (i, p, t, r) in zip(m.make.values(), records(s.make, ["plant", "product", "period",
                                                                 "ready"]), strict=True):
        terms[(i, p, r)].append(v)
        for comp, q in s.bom.get(p, []):
            terms[(i, comp, t)].append(-q * v)
    for v, k in zip(m.sub.values(), records(s.sub, KEYS["sub"]), strict=True):
        terms[k].append(v)
    inv = m.inv
    rows = records(s.balance, ["node", "product", "period", "initial", "stocked"])
    init = {(n, p): x for n, p, t, x, _st in rows if t == 1}
    stocked = {(n, p): st for n, p, t, _x, st in rows if t == 1}

    def rule(m, n, p, t):
        flow = terms.get((n, p, t), [])
        if not stocked[(n, p)]:
            return _skip_if_empty(flow, pyo.quicksum(flow) == 0)
        prev = inv[n, p, t - 1] if t > 1 else init[(n, p)]
        return inv[n, p, t] == prev + pyo.quicksum(flow)

    m.inventory_balance = pyo.Constraint([r[:3] for r in rows], rule=rule)


def add_pull_drawdown(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """pull_drawdown[n,p,t]: inv[n,p,t] <= inv[n,p,t-1] (initial[n,p] when t = 1)  (units;
    pull pairs with initial stock: they draw it down and never build stock)."""
    pull = s.inv[s.inv["pull"].to_numpy(bool)]
    init = {(n, p): x for n, p, x in records(pull, ["node", "product", "initial"])}
    keys = records(pull, KEYS["inv"])
    m.pull_drawdown = pyo.Constraint(keys, rule=lambda m, n, p, t: m.inv[n, p, t] <= (
        m.inv[n, p, t - 1] if t > 1 else init[(n, p)]))


def add_order_balance(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """order_balance[c,p,t]: open[c,p,t] = open[c,p,t-1] + demand[c,p,t]
    - sum_o ship[o,c,p,t-L(o,c)] - lost[c,p,t]  (units; open, lost only where they exist)."""
    deliv: dict[tuple, list] = defaultdict(list)
    for v, (d, p, a) in zip(m.ship.values(), records(s.ship, ["destination", "product", "arrival"]),
                            strict=True):
        deliv[(d, p, a)].append(v)
    rows = records(s.orders, ["customer", "product", "period", "quantity", "has_open", "has_lost"])
    info = {(c, p, t): (x, ho, hl) for c, p, t, x, ho, hl in rows}
    op, lost = m.open, m.lost

    def rule(m, c, p, t):
        terms = list(deliv.get((c, p, t), ()))
        x, ho, hl = info[(c, p, t)]
        if hl:
            terms.append(lost[c, p, t])
        if ho:
            terms.append(op[c, p, t])
            if t > 1:
                terms.append(-op[c, p, t - 1])
        return _skip_if_empty(terms, pyo.quicksum(terms) == x)

    m.order_balance = pyo.Constraint([r[:3] for r in rows], rule=rule)


def add_late_backlog(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """late_backlog[c,p,t]: late[c,p,t] >= open[c,p,t] - notdue[c,p,t]  (units; backlog
    classes with a quoted lead time > 0)."""
    nd = dict(zip(records(s.late, KEYS["late"]), s.late["notdue"].tolist(), strict=True))
    m.late_backlog = pyo.Constraint(list(nd), rule=lambda m, c, p, t:
                                    m.late[c, p, t] >= m.open[c, p, t] - nd[(c, p, t)])


def add_production_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """production_capacity[i,t]: sum_p use[i,p] make[i,p,t] + sum_p setup_time[i,p] setup[i,p,t]
    - overtime[i,t] <= capacity[i] * factor[i,t]   (hours)."""
    keys = records(s.plant_cap, ["plant", "period"])
    lhs = _sum_rows([((i, t), u * v) for v, (i, t, u) in zip(
        m.make.values(), records(s.make, ["plant", "period", "use"]), strict=True)]
        + [((i, t), st * v) for v, (i, t, st) in zip(
            m.setup.values(), records(s.setup, ["plant", "period", "time"]), strict=True) if st > 0]
        + [((i, t), -v) for v, (i, t) in zip(m.overtime.values(), records(
            s.overtime, ["plant", "period"]), strict=True)], keys)
    avail = dict(zip(keys, s.plant_cap["available"].tolist(), strict=True))
    m.production_capacity = pyo.Constraint(keys, rule=lambda m, i, t: _skip_if_empty(
        lhs[(i, t)], pyo.quicksum(lhs[(i, t)]) <= avail[(i, t)]))


def _ship_capacity(m: pyo.ConcreteModel, s: PlanSets, table: pd.DataFrame, cols: list[str],
                   key_of: Callable[[tuple], tuple]) -> pyo.Constraint:
    """sum of ship[o,d,p,t] with key_of((o, d, p, t)) = row key <= table.available (units)."""
    keys = records(table, cols)
    shr = records(s.ship, KEYS["ship"])
    rows = _sum_rows([(key_of(r), v) for v, r in zip(m.ship.values(), shr, strict=True)], keys)
    cap = dict(zip(keys, table["available"].tolist(), strict=True))
    return pyo.Constraint(keys, rule=lambda m, *k: _skip_if_empty(
        rows[k], pyo.quicksum(rows[k]) <= cap[k]))


def add_supplier_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """supplier_capacity[s,t]: sum_{d,p} ship[s,d,p,t] <= capacity[s] * factor[s,t]  (units)."""
    m.supplier_capacity = _ship_capacity(m, s, s.supplier_cap, ["supplier", "period"],
                                         lambda r: (r[0], r[3]))


def add_supply_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """supply_capacity[s,p,t]: sum_d ship[s,d,p,t] <= supply.capacity[s,p] * factor[s,t]  (units)."""
    m.supply_capacity = _ship_capacity(m, s, s.offer_cap, ["supplier", "product", "period"],
                                       lambda r: (r[0], r[2], r[3]))


def add_throughput_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """throughput_capacity[w,t]: sum_{d,p} ship[w,d,p,t] <= capacity[w] * factor[w,t]  (units)."""
    m.throughput_capacity = _ship_capacity(m, s, s.throughput_cap, ["warehouse", "period"],
                                           lambda r: (r[0], r[3]))


def add_lane_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """lane_capacity[o,d,t]: sum_p ship[o,d,p,t] <= lane.capacity[o,d] * factor[o->d,t]  (units)."""
    m.lane_capacity = _ship_capacity(m, s, s.lane_cap, ["origin", "destination", "period"],
                                     lambda r: (r[0], r[1], r[3]))


def add_storage_capacity(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """storage_capacity[n,t]: sum_p volume[p] inv[n,p,t] <= storage_capacity[n]  (volume)."""
    keys = records(s.storage_cap, ["node", "period"])
    rows = _sum_rows([((n, t), s.volume[p] * v) for v, (n, p, t) in zip(
        m.inv.values(), records(s.inv, KEYS["inv"]), strict=True)], keys)
    cap = dict(zip(keys, s.storage_cap["available"].tolist(), strict=True))
    m.storage_capacity = pyo.Constraint(keys, rule=lambda m, n, t: _skip_if_empty(
        rows[(n, t)], pyo.quicksum(rows[(n, t)]) <= cap[(n, t)]))


def add_setup_forcing(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """setup_forcing[i,p,t]: make[i,p,t] <= big_m[i,p,t] * setup[i,p,t]  (units), with
    big_m = min((available hours - setup_time) / use, max(R[p,t], min_lot))."""
    keys = records(s.setup, KEYS["setup"])
    bm = dict(zip(keys, s.setup["big_m"].tolist(), strict=True))
    m.setup_forcing = pyo.Constraint(keys, rule=lambda m, i, p, t:
                                     m.make[i, p, t] <= bm[(i, p, t)] * m.setup[i, p, t])


def add_min_lot(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """min_lot[i,p,t]: make[i,p,t] >= min_lot[i,p] * setup[i,p,t]  (units; where min_lot > 0)."""
    ml = {k: x for k, x in zip(records(s.setup, KEYS["setup"]), s.setup["min_lot"].tolist(),
                               strict=True) if x > 0}
    m.min_lot = pyo.Constraint(list(ml), rule=lambda m, i, p, t:
                               m.make[i, p, t] >= ml[(i, p, t)] * m.setup[i, p, t])


def add_ls_cut(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """ls_cut[i,p,l,S]: declared empty at build; ``add_ls_cuts`` adds the rows that the
    separation rounds find (run.py, lotsizing.strengthen)."""
    m.ls_cut = pyo.Constraint(pyo.Any)


def add_ls_cuts(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions | None,
                cuts: list[tuple[str, str, int, tuple[int, ...]]],
                items: dict[tuple[str, str], Item] | None = None) -> int:
    """ls_cut[i,p,l,S]: sum_{t in S} make[i,p,t] <= sum_{t in S} D(t,l) setup[i,p,t]
    + sum_n inv[n,p,l]  (units; (l,S) inequalities of single-plant items, lotsizing.py).

    Declares ``m.ls_cut`` (empty) on the first call and adds one row per cut
    (plant, product, l, S) not already there; returns the number of rows added."""
    if not hasattr(m, "ls_cut"):
        add_ls_cut(m, s, o)
    if not cuts:
        return 0
    items = ls_items(s) if items is None else items
    added = 0
    for i, p, last, S in cuts:
        key = cut_key(i, p, last, S)
        if key in m.ls_cut:
            continue
        m.ls_cut[key] = ls_row(m, items[(i, p)], last, S)
        added += 1
    return added


def add_safety_stock(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """safety_stock[n,p,t]: inv[n,p,t] + ss_short[n,p,t] >= safety_stock[n,p]  (units, soft)."""
    keys = records(s.ss_short, KEYS["ss_short"])
    target = dict(zip(keys, s.ss_short["safety_stock"].tolist(), strict=True))
    m.safety_stock = pyo.Constraint(keys, rule=lambda m, n, p, t:
                                    m.inv[n, p, t] + m.ss_short[n, p, t] >= target[(n, p, t)])


def add_min_fill_rate(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """min_fill_rate[k]: sum_{c,p,t in k} lost[c,p,t] + sum_{c,p in k} open[c,p,T]
    <= (1 - min_fill_rate[k]) * sum_{c,p,t in k} demand[c,p,t]  (units; classes with
    min_fill_rate > 0 and demand)."""
    T = s.periods[-1]
    total = s.orders.groupby("priority")["quantity"].sum().to_dict()
    req = {k: f for k, f in zip(s.classes["priority"].tolist(),
                                s.classes["min_fill_rate"].tolist(), strict=True)
           if f > 0 and total.get(k, 0.0) > 0}
    terms: dict[str, list] = defaultdict(list)
    for v, (k,) in zip(m.lost.values(), records(s.lost, ["priority"]), strict=True):
        if k in req:
            terms[k].append(v)
    for v, (k, t) in zip(m.open.values(), records(s.open, ["priority", "period"]), strict=True):
        if k in req and t == T:
            terms[k].append(v)
    m.min_fill_rate = pyo.Constraint(list(req), rule=lambda m, k: _skip_if_empty(
        terms[k], pyo.quicksum(terms[k]) <= (1.0 - req[k]) * total[k]))


def _pair_unmet(m: pyo.ConcreteModel, s: PlanSets, pairs: set) -> dict[tuple, list]:
    """{(c, p): [lost[c,p,t] for every t] + [open[c,p,T]]} for the pairs asked (units)."""
    T = s.periods[-1]
    out: dict[tuple, list] = defaultdict(list)
    for v, (c, p, _t) in zip(m.lost.values(), records(s.lost, KEYS["lost"]), strict=True):
        if (c, p) in pairs:
            out[(c, p)].append(v)
    for v, (c, p, t) in zip(m.open.values(), records(s.open, KEYS["open"]), strict=True):
        if t == T and (c, p) in pairs:
            out[(c, p)].append(v)
    return out


def add_best_effort_link(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """best_effort_link[c,p]: best_effort_unmet[c,p] <= sum_t lost[c,p,t] + open[c,p,T]
    (units; commitments with demand above max_quantity). With best_effort_unmet <= excess
    and its cost -(penalty - best_effort_penalty) it equals min(unmet, excess): the units
    above the committed volume are the ones left unmet first, at the best-effort penalty."""
    keys = records(s.best_effort_unmet, KEYS["best_effort_unmet"])
    unmet = _pair_unmet(m, s, set(keys))
    m.best_effort_link = pyo.Constraint(keys, rule=lambda m, c, p: m.best_effort_unmet[c, p]
                                        <= pyo.quicksum(unmet.get((c, p), [])))


def add_commitment_service_level(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """commitment_service_level[c,p]: sum_t lost[c,p,t] + open[c,p,T]
    <= excess[c,p] + (1 - service_level[c,p]) * committed[c,p]  (units; commitments with
    service_level > 0 and committed volume; hard). Unmet units above the excess are
    committed units, so the committed fill rate is at least service_level."""
    fl = s.commit[s.commit["floor"].to_numpy(bool)]
    keys = records(fl, ["customer", "product"])
    rhs = {k: e + (1.0 - sl) * com for k, e, sl, com in zip(
        keys, fl["excess"].tolist(), fl["service_level"].tolist(), fl["committed"].tolist(),
        strict=True)}
    unmet = _pair_unmet(m, s, set(keys))
    m.commitment_service_level = pyo.Constraint(keys, rule=lambda m, c, p: _skip_if_empty(
        unmet.get((c, p), []), pyo.quicksum(unmet.get((c, p), [])) <= rhs[(c, p)]))


def emission_terms(m: pyo.ConcreteModel, s: PlanSets) -> list:
    """kg CO2 of every shipment (lane + purchase) and production row."""
    out = [e * v for v, e in zip(m.ship.values(), s.ship["co2"].tolist(), strict=True) if e]
    out += [e * v for v, e in zip(m.make.values(), s.make["co2"].tolist(), strict=True) if e]
    return out


def add_co2_cap(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """co2_cap: sum ship co2 (lane + supply) + sum make co2 <= co2_cap  (kg over the horizon;
    no row when nothing emits)."""
    terms = emission_terms(m, s)
    m.co2_cap = pyo.Constraint(rule=lambda m: _skip_if_empty(
        terms, pyo.quicksum(terms) <= s.co2_cap))
