"""Variables, constraint families and objective of the planning model.

One function per family, the math in its docstring, names as in models/planning.md.
Variables are declared over the key tuples of the index tables of ``PlanData`` in
table order, so ``Solution.values(m.<var>)`` lines up with the table's rows.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyomo.environ as pyo

from .._sets import records

KEYS = {
    "make": ["plant", "product", "period"], "setup": ["plant", "product", "period"],
    "sub": ["plant", "product", "period"], "overtime": ["plant", "period"],
    "ship": ["origin", "destination", "product", "period"], "inv": ["node", "product", "period"],
    "ss_short": ["node", "product", "period"], "open": ["customer", "product", "period"],
    "late": ["customer", "product", "period"], "lost": ["customer", "product", "period"],
}


def family_tables(data) -> dict:
    """{variable family: its index table} (rows in declaration order)."""
    bal, orders = data.balance, data.orders
    inv = bal[~bal["pull"]].reset_index(drop=True)
    return {
        "make": data.make, "setup": data.setup, "sub": data.sub, "overtime": data.overtime,
        "ship": data.ship, "inv": inv,
        "ss_short": inv[inv["safety_stock"] > 0].reset_index(drop=True),
        "open": orders[orders["has_open"]].reset_index(drop=True),
        "late": orders[orders["has_late"]].reset_index(drop=True),
        "lost": orders[orders["has_lost"]].reset_index(drop=True),
    }


def cost_coefficients(data, tables) -> dict[str, dict[str, np.ndarray]]:
    """{family: {cost category: money per unit of the variable, one entry per row}}."""
    cp, T = data.carbon_price, data.periods[-1]
    mk, sh, inv = tables["make"], tables["ship"], tables["inv"]
    op = tables["open"]
    last = (op["period"] == T).to_numpy()
    return {
        "make": {"production": mk["cost"].to_numpy(float), "carbon": cp * mk["co2"].to_numpy(float)},
        "setup": {"setup": tables["setup"]["cost"].to_numpy(float)},
        "sub": {"subcontracting": tables["sub"]["cost"].to_numpy(float)},
        "overtime": {"overtime": tables["overtime"]["cost"].to_numpy(float)},
        "ship": {"purchasing": sh["purchase"].to_numpy(float),
                 "transport": sh["transport"].to_numpy(float),
                 "handling": sh["handling"].to_numpy(float),
                 "carbon": cp * sh["co2"].to_numpy(float)},
        "inv": {"holding": inv["holding"].to_numpy(float)},
        "ss_short": {"safety_stock_shortfall": np.full(len(tables["ss_short"]), data.ss_penalty)},
        "open": {"backlog": np.where(op["has_late"].to_numpy(bool), 0.0,
                                     op["backlog_cost"].to_numpy(float)),
                 "unmet_demand": np.where(last, op["penalty"].to_numpy(float), 0.0)},
        "late": {"backlog": tables["late"]["backlog_cost"].to_numpy(float)},
        "lost": {"unmet_demand": tables["lost"]["penalty"].to_numpy(float)},
    }


def add_variables(m: pyo.ConcreteModel, data, tables) -> None:
    """Every variable family over its index table; bounds from the data (units, hours).

    inv[n,p,T] >= target_end[n,p]; ss_short <= safety_stock; overtime <= hours_max;
    open[c,p,t] <= notdue[c,p,t] for lost-sales customers (open orders not yet due).
    """
    NN, T = pyo.NonNegativeReals, data.periods[-1]
    for name in ("make", "sub", "ship", "late", "lost"):
        setattr(m, name, pyo.Var(records(tables[name], KEYS[name]), domain=NN))
    m.setup = pyo.Var(records(tables["setup"], KEYS["setup"]), domain=pyo.Binary)
    ot = tables["overtime"]
    hmax = dict(zip(records(ot, KEYS["overtime"]), ot["hours_max"].tolist(), strict=True))
    m.overtime = pyo.Var(list(hmax), domain=NN, bounds=lambda m, i, t: (0.0, hmax[(i, t)]))
    inv = tables["inv"]
    lb = {k: (te if k[2] == T else 0.0) for k, te in
          zip(records(inv, KEYS["inv"]), inv["target_end"].tolist(), strict=True)}
    m.inv = pyo.Var(list(lb), domain=NN, bounds=lambda m, n, p, t: (lb[(n, p, t)], None))
    ss = tables["ss_short"]
    ssub = dict(zip(records(ss, KEYS["ss_short"]), ss["safety_stock"].tolist(), strict=True))
    m.ss_short = pyo.Var(list(ssub), domain=NN, bounds=lambda m, n, p, t: (0.0, ssub[(n, p, t)]))
    op = tables["open"]
    oub = {k: (None if bl else nd) for k, bl, nd in zip(
        records(op, KEYS["open"]), op["backlog"].tolist(), op["notdue"].tolist(), strict=True)}
    m.open = pyo.Var(list(oub), domain=NN, bounds=lambda m, c, p, t: (0.0, oub[(c, p, t)]))


def _skip_if_empty(terms, expr):
    return pyo.Constraint.Skip if not terms else expr


def add_inventory_balance(m, data, tables) -> None:
    """inventory_balance[n,p,t]:
    inv[n,p,t] = inv[n,p,t-1] (initial[n,p] when t = 1) + sum_o ship[o,n,p,t-L(o,n)]
                 + make[n,p,t-LP(n,p)] + sub[n,p,t] - sum_d ship[n,d,p,t]
                 - sum_parent bom[parent,p] * make[n,parent,t].
    Pull pairs have no inv variable: the row holds with inv = 0 in every period."""
    kind_stock = set(records(data.balance[["node", "product"]].drop_duplicates(), ["node", "product"]))
    terms: dict[tuple, list] = defaultdict(list)
    sh, mk = tables["ship"], tables["make"]
    for v, (o, d, p, t, a) in zip(m.ship.values(), records(sh, ["origin", "destination", "product",
                                                                "period", "arrival"]), strict=True):
        if (d, p) in kind_stock:
            terms[(d, p, a)].append(v)
        if (o, p) in kind_stock:
            terms[(o, p, t)].append(-v)
    for v, (i, p, t, r) in zip(m.make.values(), records(mk, ["plant", "product", "period", "ready"]),
                               strict=True):
        terms[(i, p, r)].append(v)
        for comp, q in data.bom.get(p, []):
            terms[(i, comp, t)].append(-q * v)
    for v, k in zip(m.sub.values(), records(tables["sub"], KEYS["sub"]), strict=True):
        terms[k].append(v)
    inv = m.inv
    rows = records(data.balance, ["node", "product", "period", "initial", "pull"])
    init = {(n, p): x for n, p, t, x, _pl in rows if t == 1}
    pull = {(n, p): pl for n, p, t, _x, pl in rows if t == 1}

    def rule(m, n, p, t):
        flow = terms.get((n, p, t), [])
        if pull[(n, p)]:
            return _skip_if_empty(flow, pyo.quicksum(flow) == 0)
        prev = inv[n, p, t - 1] if t > 1 else init[(n, p)]
        return inv[n, p, t] == prev + pyo.quicksum(flow)

    m.inventory_balance = pyo.Constraint([r[:3] for r in rows], rule=rule)


def add_order_balance(m, data, tables) -> None:
    """order_balance[c,p,t]: open[c,p,t] = open[c,p,t-1] + demand[c,p,t]
    - sum_o ship[o,c,p,t-L(o,c)] - lost[c,p,t]  (open, lost: only where they exist).
    late_backlog[c,p,t]: late[c,p,t] >= open[c,p,t] - notdue[c,p,t] (backlog, quoted lead time > 0)."""
    deliv: dict[tuple, list] = defaultdict(list)
    sh = tables["ship"]
    for v, (d, p, a) in zip(m.ship.values(), records(sh, ["destination", "product", "arrival"]),
                            strict=True):
        deliv[(d, p, a)].append(v)
    rows = records(data.orders, ["customer", "product", "period", "quantity", "has_open", "has_lost"])
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

    info = {(c, p, t): (x, ho, hl) for c, p, t, x, ho, hl in rows}
    m.order_balance = pyo.Constraint([r[:3] for r in rows], rule=rule)
    late = tables["late"]
    nd = dict(zip(records(late, KEYS["late"]), late["notdue"].tolist(), strict=True))
    m.late_backlog = pyo.Constraint(list(nd), rule=lambda m, c, p, t:
                                    m.late[c, p, t] >= op[c, p, t] - nd[(c, p, t)])


def _sum_rows(keys_vals, rows_keys):
    out: dict[tuple, list] = defaultdict(list)
    for k, term in keys_vals:
        out[k].append(term)
    return {k: out.get(k, []) for k in rows_keys}


def add_capacities(m, data, tables) -> None:
    """production_capacity[i,t]: sum_p use[i,p] make[i,p,t] + sum_p setup_time[i,p] setup[i,p,t]
        - overtime[i,t] <= capacity[i] * factor[i,t]   (hours);
    supplier_capacity[s,t]: sum_{d,p} ship[s,d,p,t] <= capacity[s] * factor[s,t];
    supply_capacity[s,p,t]: sum_d ship[s,d,p,t] <= supply.capacity[s,p] * factor[s,t];
    throughput_capacity[w,t]: sum_{d,p} ship[w,d,p,t] <= capacity[w] * factor[w,t];
    lane_capacity[o,d,t]: sum_p ship[o,d,p,t] <= lane.capacity[o,d] * factor[o->d,t];
    storage_capacity[n,t]: sum_p volume[p] inv[n,p,t] <= storage_capacity[n]."""
    mk, sh = tables["make"], tables["ship"]
    pc = data.plant_cap
    pc_keys = records(pc, ["plant", "period"])
    lhs = _sum_rows([((i, t), u * v) for v, (i, t, u) in zip(
        m.make.values(), records(mk, ["plant", "period", "use"]), strict=True)]
        + [((i, t), st * v) for v, (i, t, st) in zip(
            m.setup.values(), records(tables["setup"], ["plant", "period", "time"]), strict=True)
           if st > 0]
        + [((i, t), -v) for v, (i, t) in zip(m.overtime.values(), records(
            tables["overtime"], ["plant", "period"]), strict=True)], pc_keys)
    avail = dict(zip(pc_keys, pc["available"].tolist(), strict=True))
    m.production_capacity = pyo.Constraint(pc_keys, rule=lambda m, i, t: _skip_if_empty(
        lhs[(i, t)], pyo.quicksum(lhs[(i, t)]) <= avail[(i, t)]))
    ship_v = list(m.ship.values())
    shr = records(sh, ["origin", "destination", "product", "period"])

    def family(name, table, cols, key_of):
        keys = records(table, cols)
        rows = _sum_rows([(key_of(r), v) for v, r in zip(ship_v, shr, strict=True)], keys)
        cap = dict(zip(keys, table["available"].tolist(), strict=True))
        setattr(m, name, pyo.Constraint(keys, rule=lambda m, *k: _skip_if_empty(
            rows[k], pyo.quicksum(rows[k]) <= cap[k])))

    family("supplier_capacity", data.supplier_cap, ["supplier", "period"], lambda r: (r[0], r[3]))
    family("supply_capacity", data.offer_cap, ["supplier", "product", "period"],
           lambda r: (r[0], r[2], r[3]))
    family("throughput_capacity", data.throughput_cap, ["warehouse", "period"],
           lambda r: (r[0], r[3]))
    family("lane_capacity", data.lane_cap, ["origin", "destination", "period"],
           lambda r: (r[0], r[1], r[3]))
    sc = data.storage_cap
    sc_keys = records(sc, ["node", "period"])
    vol = data.volume
    srows = _sum_rows([((n, t), vol[p] * v) for v, (n, p, t) in zip(
        m.inv.values(), records(tables["inv"], KEYS["inv"]), strict=True)], sc_keys)
    scap = dict(zip(sc_keys, sc["available"].tolist(), strict=True))
    m.storage_capacity = pyo.Constraint(sc_keys, rule=lambda m, n, t: _skip_if_empty(
        srows[(n, t)], pyo.quicksum(srows[(n, t)]) <= scap[(n, t)]))


def add_setups(m, data, tables) -> None:
    """setup_forcing[i,p,t]: make[i,p,t] <= big_m[i,p,t] * setup[i,p,t], with
    big_m = min((available hours - setup_time) / use, max(R[p,t], min_lot));
    min_lot[i,p,t]: make[i,p,t] >= min_lot[i,p] * setup[i,p,t] (where min_lot > 0)."""
    st = tables["setup"]
    keys = records(st, KEYS["setup"])
    bm = dict(zip(keys, st["big_m"].tolist(), strict=True))
    ml = {k: x for k, x in zip(keys, st["min_lot"].tolist(), strict=True) if x > 0}
    m.setup_forcing = pyo.Constraint(keys, rule=lambda m, i, p, t:
                                     m.make[i, p, t] <= bm[(i, p, t)] * m.setup[i, p, t])
    m.min_lot = pyo.Constraint(list(ml), rule=lambda m, i, p, t:
                               m.make[i, p, t] >= ml[(i, p, t)] * m.setup[i, p, t])


def add_safety_stock(m, data, tables) -> None:
    """safety_stock[n,p,t]: inv[n,p,t] + ss_short[n,p,t] >= safety_stock[n,p] (soft)."""
    ss = tables["ss_short"]
    keys = records(ss, KEYS["ss_short"])
    target = dict(zip(keys, ss["safety_stock"].tolist(), strict=True))
    m.safety_stock = pyo.Constraint(keys, rule=lambda m, n, p, t:
                                    m.inv[n, p, t] + m.ss_short[n, p, t] >= target[(n, p, t)])


def add_min_fill_rates(m, data, tables) -> None:
    """min_fill_rate[k]: sum_{c,p,t in k} lost[c,p,t] + sum_{c,p in k} open[c,p,T]
    <= (1 - min_fill_rate[k]) * sum_{c,p,t in k} demand[c,p,t]."""
    T = data.periods[-1]
    total = data.orders.groupby("priority")["quantity"].sum().to_dict()
    req = {k: f for k, f in zip(data.classes["priority"].tolist(),
                                data.classes["min_fill_rate"].tolist(), strict=True)
           if f > 0 and total.get(k, 0.0) > 0}
    terms: dict[str, list] = defaultdict(list)
    for v, (k,) in zip(m.lost.values(), records(tables["lost"], ["priority"]), strict=True):
        if k in req:
            terms[k].append(v)
    for v, (k, t) in zip(m.open.values(), records(tables["open"], ["priority", "period"]),
                         strict=True):
        if k in req and t == T:
            terms[k].append(v)
    m.min_fill_rate = pyo.Constraint(list(req), rule=lambda m, k: _skip_if_empty(
        terms[k], pyo.quicksum(terms[k]) <= (1.0 - req[k]) * total[k]))


def emission_terms(m, tables) -> list:
    """kg CO2 of every shipment (lane + purchase) and production row."""
    out = [e * v for v, e in zip(m.ship.values(), tables["ship"]["co2"].tolist(), strict=True)
           if e]
    out += [e * v for v, e in zip(m.make.values(), tables["make"]["co2"].tolist(), strict=True)
            if e]
    return out


def add_co2_cap(m, data, tables) -> None:
    """co2_cap: sum ship co2 (lane + supply) + sum make co2 <= co2_cap (kg)."""
    terms = emission_terms(m, tables)
    if terms:
        m.co2_cap = pyo.Constraint(expr=pyo.quicksum(terms) <= data.co2_cap)


def add_objective(m, data, tables) -> dict[str, dict[str, np.ndarray]]:
    """total_cost = sum over families and categories of coefficient x variable (money)."""
    coefs = cost_coefficients(data, tables)
    terms = []
    for fam, cats in coefs.items():
        total = sum(cats.values()) if cats else None
        if total is None or not len(total):
            continue
        terms += [c * v for c, v in zip(total.tolist(), getattr(m, fam).values(), strict=True) if c]
    m.total_cost = pyo.Objective(expr=pyo.quicksum(terms), sense=pyo.minimize)
    return coefs
