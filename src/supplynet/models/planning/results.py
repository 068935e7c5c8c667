"""Result tables of the planning model, read by position from the index tables."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from .._sets import Built, records
from .commitments import commitment_table
from .costs import cost_table, service_cost_table
from .sets import PlanSets

TOL = 1e-9


def _positive(df: pd.DataFrame, col: str = "quantity") -> pd.DataFrame:
    return df[df[col] > TOL].reset_index(drop=True)


def extract(built: Built, sol) -> dict[str, pd.DataFrame]:
    """All result tables (see plan() and models/planning.md, "Results")."""
    m, s = built.model, built.sets
    x = {f: sol.values(getattr(m, f)) for f in s.variable_tables()}
    for v in x.values():
        v[np.abs(v) < TOL] = 0.0  # no -0.0 or 1e-12 noise in reports
    out: dict[str, pd.DataFrame] = {}

    mk = s.make
    prod = mk[["plant", "product", "period", "ready"]].rename(columns={"ready": "ready_period"})
    prod = prod.assign(quantity=x["make"], hours=x["make"] * mk["use"].to_numpy(float),
                       cost=x["make"] * mk["cost"].to_numpy(float),
                       co2=x["make"] * mk["co2"].to_numpy(float))
    out["production"] = _positive(prod)
    if len(s.setup):
        st = s.setup
        y = np.round(x["setup"])
        made = dict(zip(records(mk, ["plant", "product", "period"]), x["make"].tolist(), strict=True))
        keys = records(st, ["plant", "product", "period"])
        setups = st[["plant", "product", "period"]].assign(
            setup=y.astype(int), cost=y * st["cost"].to_numpy(float),
            hours=y * st["time"].to_numpy(float), quantity=[made.get(k, 0.0) for k in keys],
            big_m=st["big_m"].to_numpy(float))
        out["setups"] = setups[setups["setup"] > 0].reset_index(drop=True)
    else:
        out["setups"] = pd.DataFrame(columns=["plant", "product", "period", "setup", "cost",
                                              "hours", "quantity", "big_m"])
    sb = s.sub
    out["subcontracting"] = _positive(sb[["plant", "product", "period"]].assign(
        quantity=x["sub"], cost=x["sub"] * sb["cost"].to_numpy(float)))

    sh = s.ship
    q = x["ship"]
    ships = sh[["origin", "destination", "product", "period", "arrival"]].rename(
        columns={"arrival": "arrival_period"}).assign(
        quantity=q, cost=q * sh["transport"].to_numpy(float),
        handling_cost=q * sh["handling"].to_numpy(float), co2=q * sh["lane_co2"].to_numpy(float))
    out["shipments"] = _positive(ships)
    buys = sh[["origin", "product", "period"]].rename(columns={"origin": "supplier"}).assign(
        quantity=q, cost=q * sh["purchase"].to_numpy(float),
        co2=q * sh["supply_co2"].to_numpy(float))[sh["buy"].to_numpy(bool)]
    out["purchases"] = _positive(buys.groupby(["supplier", "product", "period"], as_index=False,
                                              sort=False)[["quantity", "cost", "co2"]].sum())

    out["inventory"] = _inventory(s, x, ships)
    out["deliveries"], out["backlog"], out["lost_sales"], out["fill_rates"] = \
        _service(s, x, ships)
    out["commitments"] = commitment_table(s.commit, out["deliveries"], s.periods[-1], dict(
        zip(records(s.best_effort_unmet, ["customer", "product"]),
            x["best_effort_unmet"].tolist(), strict=True)))
    out["capacity"] = _capacity(m, s, sol, x)
    out["costs"] = cost_table(s, x)
    out["service_costs"] = service_cost_table(s, x)
    out["kpis"] = _kpis(s, out)
    return out


def _inventory(s: PlanSets, x, ships) -> pd.DataFrame:
    bal = s.balance
    keys = records(bal, ["node", "product", "period"])
    on_hand = dict(zip(records(s.inv, ["node", "product", "period"]), x["inv"].tolist(),
                       strict=True))
    short = dict(zip(records(s.ss_short, ["node", "product", "period"]),
                     x["ss_short"].tolist(), strict=True))
    transit: dict[tuple, float] = defaultdict(float)
    for d, p, t, a, q in records(ships[ships["arrival_period"] > ships["period"]],
                                 ["destination", "product", "period", "arrival_period", "quantity"]):
        for u in range(t, a):
            transit[(d, p, u)] += q
    wip: dict[tuple, float] = defaultdict(float)
    mk = s.make
    for (i, p, t, r), q in zip(records(mk, ["plant", "product", "period", "ready"]),
                               x["make"].tolist(), strict=True):
        for u in range(t, r):
            wip[(i, p, u)] += q
    oh = np.array([on_hand.get(k, 0.0) for k in keys])
    val = np.array([s.value[p] for p in bal["product"].tolist()])
    return bal[["node", "product", "period"]].assign(
        on_hand=oh, in_transit=[transit.get(k, 0.0) for k in keys],
        work_in_process=[wip.get(k, 0.0) for k in keys],
        safety_stock_target=bal["safety_stock"].to_numpy(float),
        shortfall=[short.get(k, 0.0) for k in keys], value=oh * val,
        holding_cost=oh * bal["holding"].to_numpy(float), mode=np.where(bal["pull"], "pull", "push"))


def _service(s: PlanSets, x, ships):
    od = s.orders
    keys = records(od, ["customer", "product", "period"])
    arr = ships.groupby(["destination", "product", "arrival_period"])["quantity"].sum().to_dict()
    open_ = dict(zip(records(s.open, ["customer", "product", "period"]), x["open"].tolist(),
                     strict=True))
    late = dict(zip(records(s.late, ["customer", "product", "period"]), x["late"].tolist(),
                    strict=True))
    lost = dict(zip(records(s.lost, ["customer", "product", "period"]), x["lost"].tolist(),
                    strict=True))
    deliv = od[["customer", "product", "period", "priority", "quantity"]].rename(
        columns={"quantity": "demand"}).assign(
        delivered=[arr.get(k, 0.0) for k in keys], open_orders=[open_.get(k, 0.0) for k in keys],
        lost=[lost.get(k, 0.0) for k in keys])
    overdue = [late.get(k, open_.get(k, 0.0)) if h else 0.0
               for k, h in zip(keys, od["backlog"].tolist(), strict=True)]
    deliv["overdue"] = overdue
    backlog = _positive(deliv.loc[od["backlog"].to_numpy(bool), ["customer", "product", "period",
                                                                 "overdue"]].rename(
        columns={"overdue": "quantity"}))
    lost_t = _positive(deliv[["customer", "product", "period", "lost"]].rename(
        columns={"lost": "quantity"}))
    T = s.periods[-1]
    end = deliv[deliv["period"] == T]
    g = deliv.groupby(["priority", "product"], as_index=False)[["demand", "lost"]].sum()
    e = end.groupby(["priority", "product"], as_index=False)["open_orders"].sum().rename(
        columns={"open_orders": "unmet_end"})
    fr = g.merge(e, on=["priority", "product"], how="left").fillna({"unmet_end": 0.0})
    fr["delivered"] = fr["demand"] - fr["lost"] - fr["unmet_end"]
    fr.loc[fr["delivered"].abs() <= TOL * fr["demand"].clip(lower=1.0), "delivered"] = 0.0
    fr["fill_rate"] = np.where(fr["demand"] > 0, fr["delivered"] / fr["demand"].where(
        fr["demand"] > 0, 1.0), np.nan)
    mfr = dict(zip(s.classes["priority"].tolist(), s.classes["min_fill_rate"].tolist(),
                   strict=True))
    fr["min_fill_rate"] = [mfr.get(k, 0.0) for k in fr["priority"].tolist()]
    return deliv, backlog, lost_t, fr


def _capacity(m, s: PlanSets, sol, x) -> pd.DataFrame:
    rows = []
    used_h: dict[tuple, float] = defaultdict(float)
    for (i, t, u), q in zip(records(s.make, ["plant", "period", "use"]), x["make"].tolist(),
                            strict=True):
        used_h[(i, t)] += u * q
    for (i, t, h), y in zip(records(s.setup, ["plant", "period", "time"]),
                            x["setup"].tolist(), strict=True):
        used_h[(i, t)] += h * y
    ot = dict(zip(records(s.overtime, ["plant", "period"]), x["overtime"].tolist(),
                  strict=True))
    sh = s.ship
    flows = sh[["origin", "destination", "product", "period"]].assign(q=x["ship"])

    def duals(con):
        return dict(zip(con.keys(), (-sol.duals(con)).tolist(), strict=True))

    dv = duals(m.production_capacity)
    for i, t, a in records(s.plant_cap, ["plant", "period", "available"]):
        rows.append((i, "production_hours", t, used_h[(i, t)], a, ot.get((i, t), 0.0),
                     dv.get((i, t), 0.0)))
    specs = [("supplier_capacity", s.supplier_cap, ["supplier", "period"], ["origin", "period"],
              "supply"),
             ("throughput_capacity", s.throughput_cap, ["warehouse", "period"],
              ["origin", "period"], "throughput"),
             ("supply_capacity", s.offer_cap, ["supplier", "product", "period"],
              ["origin", "product", "period"], "supply_offer"),
             ("lane_capacity", s.lane_cap, ["origin", "destination", "period"],
              ["origin", "destination", "period"], "lane")]
    for con_name, tab, keys, fcols, typ in specs:
        if not len(tab):
            continue
        used = flows.groupby(fcols)["q"].sum().to_dict()
        dv = duals(getattr(m, con_name))
        for r in records(tab, keys + ["available"]):
            k, a = tuple(r[:-1]), r[-1]
            res = "->".join(k[:2]) if typ == "lane" else "/".join(k[:-1])
            rows.append((res, typ, k[-1], used.get(k if len(k) > 1 else k[0], 0.0), a, 0.0,
                         dv.get(k, 0.0)))
    if len(s.storage_cap):
        inv = s.inv
        vol = np.array([s.volume[p] for p in inv["product"].tolist()])
        occ = inv[["node", "period"]].assign(v=x["inv"] * vol).groupby(["node", "period"])["v"] \
            .sum().to_dict()
        dv = duals(m.storage_capacity)
        for n, t, a in records(s.storage_cap, ["node", "period", "available"]):
            rows.append((n, "storage", t, occ.get((n, t), 0.0), a, 0.0, dv.get((n, t), 0.0)))
    cap = pd.DataFrame(rows, columns=["resource", "type", "period", "used", "available",
                                      "overtime", "marginal_value"])
    cap["utilisation"] = np.where(cap["available"] > 0, cap["used"] / cap["available"].where(
        cap["available"] > 0, 1.0), np.nan)
    required = required_loads(s, x)
    cap["required_load"] = [required.get(k, np.nan)
                            for k in records(cap, ["resource", "type", "period"])]
    if sol.is_mip:
        cap["marginal_value"] = np.nan  # no duals for a MIP
    return cap[["resource", "type", "period", "required_load", "used", "available",
                "utilisation", "overtime", "marginal_value"]]


def required_loads(s: PlanSets, x) -> dict[tuple[str, str, int], float]:
    """{(resource, type, period): load}: what demand would need of a resource if every
    period's demand were made and bought in that same period (chase, lot for lot), before
    the plan levels it by building stock ahead, backlogging or using overtime.

    ``G[p,t]`` (units) is the gross requirement of product p in period t: its demand in t
    (all customers) plus ``Σ_parent bom[parent,p] · make_share[parent] · G[parent,t]``,
    taken parents first. Each product's requirement is split over its sources in the
    plan's own proportions over the horizon: ``share[i,p]`` = units of p the plan makes at
    plant i (or buys from supplier i) / all units of p it makes, subcontracts and buys
    (equal shares over the plants and suppliers that may supply p when the plan supplies
    none); ``make_share[p] = Σ_plants share[i,p]``. Then, in the capacity table's units:

    * production_hours (hours per period): ``Σ_p use[i,p] · share[i,p] · G[p,t]`` plus
      ``setup_time[i,p]`` for every p with ``share[i,p] · G[p,t] > 0`` (setups=True);
    * supply (units per period): ``Σ_p share[s,p] · G[p,t]``; supply_offer: one p's term.

    Lead times, initial stock and stock targets are not netted; throughput, lane and
    storage rows get none (NaN in the table).
    """
    mk = s.make
    made: dict[tuple[str, str], float] = defaultdict(float)
    use: dict[tuple[str, str], float] = {}
    for (i, p, u), q in zip(records(mk, ["plant", "product", "use"]), x["make"].tolist(),
                            strict=True):
        made[(i, p)] += q
        use[(i, p)] = u
    sh = s.ship
    bought: dict[tuple[str, str], float] = defaultdict(float)
    for (o, p, b), q in zip(records(sh, ["origin", "product", "buy"]), x["ship"].tolist(),
                            strict=True):
        if b:
            bought[(o, p)] += q
    supplied: dict[str, float] = defaultdict(float)
    for (_i, p), q in list(made.items()) + list(bought.items()):
        supplied[p] += q
    for p, q in zip(s.sub["product"].tolist(), x["sub"].tolist(), strict=True):
        supplied[p] += q
    sources: dict[str, list[tuple[str, str]]] = defaultdict(list)  # p -> [(kind, source)]
    for i, p in list(made) + list(bought):
        sources[p].append(("plant" if (i, p) in made else "supplier", i))
    share: dict[tuple[str, str], float] = {}
    for p, srcs in sources.items():
        for kind, i in srcs:
            q = (made if kind == "plant" else bought)[(i, p)]
            share[(i, p)] = q / supplied[p] if supplied[p] > TOL else 1.0 / len(srcs)
    make_share: dict[str, float] = defaultdict(float)
    for i, p in made:
        make_share[p] += share[(i, p)]

    need: dict[tuple[str, int], float] = defaultdict(float)
    for p, t, q in records(s.orders, ["product", "period", "quantity"]):
        need[(p, t)] += q
    for parent in s.bom_order:  # parents before components
        for comp, q in s.bom.get(parent, []):
            for t in s.periods:
                need[(comp, t)] += q * make_share[parent] * need.get((parent, t), 0.0)

    out: dict[tuple[str, str, int], float] = defaultdict(float)
    for (i, p), u in use.items():
        for t in s.periods:
            out[(i, "production_hours", t)] += u * share[(i, p)] * need.get((p, t), 0.0)
    for i, p, t, h in records(s.setup, ["plant", "product", "period", "time"]):
        if share[(i, p)] * need.get((p, t), 0.0) > TOL:
            out[(i, "production_hours", t)] += h
    for (o, p), _q in bought.items():
        for t in s.periods:
            q = share[(o, p)] * need.get((p, t), 0.0)
            out[(o, "supply", t)] += q
            out[(f"{o}/{p}", "supply_offer", t)] += q
    return dict(out)


def _kpis(s: PlanSets, out: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """kpi, value, unit: service, inventory, utilisation, CO2 and shortfall over the horizon."""
    fr, inv, cap = out["fill_rates"], out["inventory"], out["capacity"]
    T = len(s.periods)
    rows = [("total_cost", float(out["costs"]["cost"].sum()), "money/horizon")]
    dem = float(fr["demand"].sum())
    rows.append(("fill_rate", float(fr["delivered"].sum()) / dem if dem > 0 else float("nan"),
                 "share"))
    for k, g in fr.groupby("priority"):
        d = float(g["demand"].sum())
        rows.append((f"fill_rate[{k}]", float(g["delivered"].sum()) / d if d > 0 else float("nan"),
                     "share"))
    avg_inv = float(inv["value"].sum()) / T
    deliv = out["deliveries"]
    sold = float(np.dot(deliv["delivered"].to_numpy(float),
                        [s.value[p] for p in deliv["product"].tolist()])) if len(deliv) else 0.0
    rows += [("average_inventory_value", avg_inv, "money"),
             ("inventory_turns", sold / avg_inv if avg_inv > 0 else float("nan"), "1/horizon")]
    ph = cap[cap["type"] == "production_hours"]
    rows.append(("utilisation", float(ph["used"].sum()) / float(ph["available"].sum())
                 if len(ph) and ph["available"].sum() > 0 else float("nan"), "share"))
    co2_t = float(out["shipments"]["co2"].sum())
    co2_b = float(out["purchases"]["co2"].sum())
    co2_p = float(out["production"]["co2"].sum())
    rows += [("co2_transport", co2_t, "kg"), ("co2_purchase", co2_b, "kg"),
             ("co2_production", co2_p, "kg"), ("co2", co2_t + co2_b + co2_p, "kg"),
             ("unmet_units", float(fr["lost"].sum() + fr["unmet_end"].sum()), "units"),
             ("backlog_unit_periods", float(out["backlog"]["quantity"].sum()), "unit-periods")]
    return pd.DataFrame(rows, columns=["kpi", "value", "unit"])
