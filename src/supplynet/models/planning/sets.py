"""Sparse index tables of the planning model, built once from a Network.

Each table holds one row per variable (or constraint) of a family, in the order the
model declares it, so solution values read back by position line up with its key
columns. Names follow models/planning.md.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import InstanceError
from ...schema import LANE_SEPARATOR
from .. import _sets
from .._sets import records


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


@dataclass
class PlanData:
    periods: list[int]
    make: pd.DataFrame  # plant, product, period, ready, cost, use, co2
    setup: pd.DataFrame  # plant, product, period, cost, time, min_lot, big_m
    sub: pd.DataFrame  # plant, product, period, cost
    ship: pd.DataFrame  # origin, destination, product, period, arrival, transport, purchase, handling, co2, ...
    balance: pd.DataFrame  # node, product, period, initial, pull, holding, target_end, safety_stock
    orders: pd.DataFrame  # customer, product, period, quantity, priority, backlog, penalty, ...
    plant_cap: pd.DataFrame  # plant, period, available
    overtime: pd.DataFrame  # plant, period, hours_max, cost
    supplier_cap: pd.DataFrame  # supplier, period, available
    offer_cap: pd.DataFrame  # supplier, product, period, available
    throughput_cap: pd.DataFrame  # warehouse, period, available
    lane_cap: pd.DataFrame  # origin, destination, period, available
    storage_cap: pd.DataFrame  # node, period, available
    classes: pd.DataFrame  # priority, unmet_penalty, backlog, backlog_cost, min_fill_rate
    bom: dict[str, list[tuple[str, float]]]
    volume: dict[str, float]
    value: dict[str, float]
    base_penalty: float
    ss_penalty: float
    carbon_price: float
    co2_cap: float | None


def _check_kinds(net, kind: dict[str, str], products: set[str]) -> None:
    problems = []

    def need(table: str, col: str, kinds: tuple[str, ...]) -> None:
        for i, n in enumerate(net.table(table)[col].tolist()):
            if n not in kind:
                problems.append(f"{table} row {i + 1}: {col} {n!r} is not a node")
            elif kind[n] not in kinds:
                problems.append(f"{table} row {i + 1}: {col} {n!r} is a {kind[n]}, "
                                f"not a {' or '.join(kinds)}")

    need("production", "plant", ("plant",))
    need("supply", "supplier", ("supplier",))
    need("demand", "customer", ("customer",))
    need("stock", "node", ("plant", "warehouse"))
    for table, cols in (("production", ["product"]), ("supply", ["product"]),
                        ("demand", ["product"]), ("stock", ["product"]),
                        ("bom", ["parent", "component"])):
        for col in cols:
            for i, p in enumerate(net.table(table)[col].tolist()):
                if p not in products:
                    problems.append(f"{table} row {i + 1}: {col} {p!r} is not a product")
    if problems:
        raise InstanceError(problems)


def derived_penalty(net, bom: dict, order: list[str]) -> float:
    """10 x an upper bound on what one delivered unit can cost, + 1 (money/unit).

    The bound: the dearest way to obtain each product (purchase, subcontract, or
    production plus its components, rolled up through the BOM), plus the dearest lane
    cost and handling times the number of nodes (no path is longer), plus carbon.
    """
    sup, prod = net.table("supply"), net.table("production")
    cost: dict[str, float] = defaultdict(float)
    for p, c in zip(sup["product"].tolist(), sup["price"].tolist(), strict=True):
        cost[p] = max(cost[p], c)
    for p, c, s in zip(prod["product"].tolist(), prod["cost"].tolist(),
                       prod["subcontract_cost"].tolist(), strict=True):
        cost[p] = max(cost[p], c, s if _finite(s) else 0.0)
    for p in reversed(order):  # components first
        cost[p] = max(cost[p], cost[p] + sum(q * cost[c] for c, q in bom.get(p, [])))
    lanes, nodes = net.table("lanes"), net.table("nodes")
    carbon = float(net.params.get("carbon_price") or 0.0)
    lane = max([c + carbon * e for c, e in zip(lanes["cost"].tolist(), lanes["co2"].tolist(),
                                                strict=True)], default=0.0)
    handling = max(nodes["handling_cost"].tolist(), default=0.0)
    worst = max(cost.values(), default=0.0)
    co2 = max(sup["co2"].tolist() + prod["co2"].tolist(), default=0.0) * carbon
    return 10.0 * (worst + co2 + (lane + handling) * max(len(nodes), 1)) + 1.0


def build_data(net, opts) -> PlanData:
    """All index tables of the plan (see models/planning.md, "Sets")."""
    periods = list(net.periods)
    T = len(periods)
    if periods != list(range(1, T + 1)):
        raise InstanceError(f"planning needs periods 1..T without gaps, got {periods[:5]}...")
    kind = net.kind_of()
    prods = net.table("products")
    products = set(prods["id"].tolist())
    _check_kinds(net, kind, products)
    active = _sets.active_nodes(net, include_candidates=opts.include_candidates)
    nodes = net.table("nodes").set_index("id", drop=False)
    factor = _sets.outage_factors(net, periods)
    bom = _sets.bom_children(net)
    order = _sets.bom_order(net)
    value = dict(zip(prods["id"].tolist(), prods["value"].tolist(), strict=True))
    volume = dict(zip(prods["id"].tolist(), prods["volume"].tolist(), strict=True))
    rate = _sets.holding_rates(net)

    def fac(el: str, t) -> np.ndarray:
        return np.array([factor.get((e, int(s)), 1.0) for e, s in zip(el, t, strict=True)])

    # production: make[i,p,t] for t + lead_time <= T and plants not down
    prod = net.table("production")
    prod = prod[prod["plant"].isin(active)].reset_index(drop=True)
    make = _sets.expand_periods(prod[["plant", "product", "cost", "capacity_use", "co2",
                                      "lead_time", "setup_cost", "setup_time", "min_lot"]], periods)
    make["ready"] = make["period"] + make["lead_time"]
    make["factor"] = fac(make["plant"].tolist(), make["period"].tolist())
    make = make[(make["ready"] <= T) & (make["factor"] > 0)].rename(columns={"capacity_use": "use"})
    make = make.reset_index(drop=True)

    sub = prod[prod["subcontract_cost"].notna()] if opts.subcontracting else prod.iloc[:0]
    sub = _sets.expand_periods(sub[["plant", "product", "subcontract_cost"]], periods)
    sub = sub.rename(columns={"subcontract_cost": "cost"}).reset_index(drop=True)

    # shipments on the sparse product lanes, arriving within the horizon
    pl = net.product_lanes()
    pl = pl[pl["origin"].isin(active) & pl["destination"].isin(active | set(net.nodes_of_kind(
        "customer")))]
    lanes = net.table("lanes")
    pl = pl.merge(lanes[["origin", "destination", "cost", "lead_time", "co2"]].drop_duplicates(
        ["origin", "destination"]), on=["origin", "destination"], how="left")
    sup = net.table("supply")
    sup = sup[sup["supplier"].isin(active)]
    offer = sup[["supplier", "product", "price", "lead_time", "co2"]].rename(columns={
        "supplier": "origin", "lead_time": "supply_lead_time", "co2": "supply_co2",
        "price": "purchase"})
    pl = pl.merge(offer, on=["origin", "product"], how="left")
    is_sup = np.array([kind[o] == "supplier" for o in pl["origin"].tolist()], dtype=bool)
    pl = pl[~is_sup | pl["purchase"].notna()].reset_index(drop=True)
    for c in ("purchase", "supply_lead_time", "supply_co2"):
        pl[c] = pl[c].fillna(0.0)
    handling = nodes["handling_cost"].to_dict()
    pl["handling"] = [handling[o] if kind[o] in ("plant", "warehouse") else 0.0
                      for o in pl["origin"].tolist()]
    pl["lead"] = (pl["lead_time"] + pl["supply_lead_time"]).astype(np.int64)
    ship = _sets.expand_periods(pl.rename(columns={"cost": "transport", "co2": "lane_co2"}), periods)
    ship["arrival"] = ship["period"] + ship["lead"]
    ship = ship[ship["arrival"] <= T]
    o, d, t, a = (ship[c].tolist() for c in ("origin", "destination", "period", "arrival"))
    lane_id = [f"{x}{LANE_SEPARATOR}{y}" for x, y in zip(o, d, strict=True)]
    keep = (fac(o, t) > 0) & (fac(lane_id, t) > 0) & (fac(d, a) > 0)
    ship = ship[keep].reset_index(drop=True)
    ship["co2"] = ship["lane_co2"] + ship["supply_co2"]
    ship["buy"] = np.array([kind[x] == "supplier" for x in ship["origin"].tolist()], dtype=bool)
    ship = ship[["origin", "destination", "product", "period", "arrival", "transport",
                 "purchase", "handling", "lane_co2", "supply_co2", "co2", "buy"]]

    # stock-holding (node, product) pairs: made, subcontracted, received, shipped, consumed, stocked
    stock = net.table("stock")
    pairs: dict[tuple[str, str], None] = {}
    for i, p in records(prod, ["plant", "product"]):
        pairs[(i, p)] = None
        for comp, _q in bom.get(p, []):
            pairs[(i, comp)] = None
    for col in ("destination", "origin"):
        for n, p in records(pl[[col, "product"]].drop_duplicates(), [col, "product"]):
            if kind[n] in ("plant", "warehouse"):
                pairs[(n, p)] = None
    for n, p in records(stock, ["node", "product"]):
        if n in active:
            pairs[(n, p)] = None
    bal = pd.DataFrame(list(pairs), columns=["node", "product"])
    st = stock.drop_duplicates(["node", "product"])[["node", "product", "initial", "target_end",
                                                     "safety_stock", "mode"]]
    bal = bal.merge(st, on=["node", "product"], how="left")
    bal["initial"] = bal["initial"].fillna(0.0)
    bal["target_end"] = bal["target_end"].fillna(0.0)
    bal["safety_stock"] = bal["safety_stock"].fillna(0.0) if opts.safety_stock else 0.0
    bal["pull"] = (bal["mode"] == "pull").fillna(False).astype(bool)
    bad = bal[bal["pull"] & ((bal["initial"] > 0) | (bal["target_end"] > 0))]
    if len(bad):
        raise InstanceError([f"stock (node={n}, product={p}): a pull node holds no stock of the "
                             f"product, so initial and target_end must be 0"
                             for n, p in records(bad, ["node", "product"])])
    bal.loc[bal["pull"], "safety_stock"] = 0.0
    bal["holding"] = [value[p] * rate[n] for n, p in records(bal, ["node", "product"])]
    balance = _sets.expand_periods(bal.drop(columns=["mode"]), periods)

    classes, orders, base = _orders(net, opts, bom, order, periods)
    setup = _setups(net, opts, make, orders, balance, bom, order, nodes, factor)

    # capacity rows (only finite capacities, only periods with something to limit)
    cap = nodes["capacity"].to_dict()
    mk_periods = set(records(make, ["plant", "period"]))
    pc = [(i, t, cap[i] * factor.get((i, t), 1.0)) for i, t in sorted(mk_periods, key=lambda x: (
        x[0], x[1])) if _finite(cap[i])]
    plant_cap = pd.DataFrame(pc, columns=["plant", "period", "available"])
    otc = nodes["overtime_capacity"].to_dict()
    otcost = nodes["overtime_cost"].to_dict()
    ot = [(i, t, otc[i] * factor.get((i, t), 1.0), otcost[i]) for i, t, _a in pc
          if opts.overtime and otc[i] > 0]
    overtime = pd.DataFrame(ot, columns=["plant", "period", "hours_max", "cost"])

    out_periods = set(records(ship, ["origin", "period"]))
    supplier_cap = pd.DataFrame(
        [(s, t, cap[s] * factor.get((s, t), 1.0)) for s, t in sorted(out_periods)
         if kind[s] == "supplier" and _finite(cap[s])], columns=["supplier", "period", "available"])
    throughput_cap = pd.DataFrame(
        [(w, t, cap[w] * factor.get((w, t), 1.0)) for w, t in sorted(out_periods)
         if kind[w] == "warehouse" and _finite(cap[w])], columns=["warehouse", "period", "available"])
    sp_periods = set(records(ship, ["origin", "product", "period"]))
    ocap = dict(zip(records(sup, ["supplier", "product"]), sup["capacity"].tolist(), strict=True))
    offer_cap = pd.DataFrame(
        [(s, p, t, ocap[(s, p)] * factor.get((s, t), 1.0)) for s, p, t in sorted(sp_periods)
         if (s, p) in ocap and _finite(ocap[(s, p)])],
        columns=["supplier", "product", "period", "available"])
    lcap = dict(zip(records(lanes, ["origin", "destination"]), lanes["capacity"].tolist(), strict=True))
    lane_periods = sorted(set(records(ship, ["origin", "destination", "period"])))
    lane_cap = pd.DataFrame(
        [(x, y, t, lcap[(x, y)] * factor.get((f"{x}{LANE_SEPARATOR}{y}", t), 1.0))
         for x, y, t in lane_periods if _finite(lcap[(x, y)])],
        columns=["origin", "destination", "period", "available"])
    scap = nodes["storage_capacity"].to_dict()
    inv_nodes = sorted(set(balance.loc[~balance["pull"], "node"].tolist()))
    storage_cap = pd.DataFrame(
        [(n, t, scap[n]) for n in inv_nodes for t in periods if opts.storage and _finite(scap[n])],
        columns=["node", "period", "available"])

    co2_cap = net.params.get("co2_cap") if opts.co2 else None
    ss_pen = opts.safety_stock_penalty
    return PlanData(
        periods, make, setup, sub, ship, balance, orders, plant_cap, overtime, supplier_cap,
        offer_cap, throughput_cap, lane_cap, storage_cap, classes, bom, volume, value, base,
        float(base / T if ss_pen is None else ss_pen),
        float(net.params.get("carbon_price") or 0.0) if opts.co2 else 0.0,
        None if co2_cap is None else float(co2_cap))


def _orders(net, opts, bom, order, periods):
    """Customer order rows (customer, product, period) and which order variables exist."""
    T = len(periods)
    dem = net.table("demand")
    bad = dem[(dem["period"] < 1) | (dem["period"] > T)]
    if len(bad):
        raise InstanceError([f"demand (customer={c}, product={p}, period={t}): period outside 1..{T}"
                             for c, p, t in records(bad, ["customer", "product", "period"])])
    dem = dem.groupby(["customer", "product", "period"], sort=False, as_index=False).agg(
        quantity=("quantity", "sum"), q=("quoted_lead_time", "max"), priority=("priority", "first"))
    classes = net.table("customer_classes").drop_duplicates("priority").set_index("priority")
    base = net.params.get("unmet_penalty")
    base = float(base) if base is not None else derived_penalty(net, bom, order)
    pair_prio: dict[tuple[str, str], str] = {}
    problems = []
    for c, p, pr in records(dem, ["customer", "product", "priority"]):
        if pair_prio.setdefault((c, p), pr) != pr:
            problems.append(f"demand (customer={c}, product={p}): rows name different priority "
                            f"classes ({pair_prio[(c, p)]!r}, {pr!r}); one class per customer "
                            f"and product")
    if problems:
        raise InstanceError(sorted(set(problems)))
    names = sorted(set(pair_prio.values()) | set(classes.index.tolist()))
    cls = []
    for pr in names:
        row = classes.loc[pr] if pr in classes.index else None
        pen = float(row["unmet_penalty"]) if row is not None else math.nan
        backlog = bool(row["backlog"]) if row is not None else True
        if opts.backlog is not None:
            backlog = bool(opts.backlog)
        cls.append({"priority": pr, "unmet_penalty": pen if math.isfinite(pen) else base,
                    "backlog": backlog,
                    "backlog_cost": float(row["backlog_cost"]) if row is not None else 0.0,
                    "min_fill_rate": float(row["min_fill_rate"]) if row is not None else 0.0})
    classes_t = pd.DataFrame(cls, columns=["priority", "unmet_penalty", "backlog", "backlog_cost",
                                           "min_fill_rate"])
    cinfo = classes_t.set_index("priority").to_dict("index")
    qty = {(c, p, int(t)): (float(x), int(q)) for c, p, t, x, q in
           records(dem, ["customer", "product", "period", "quantity", "q"])}
    by_pair: dict[tuple[str, str], list[tuple[int, float, int]]] = defaultdict(list)
    for (c, p, t), (x, q) in qty.items():
        by_pair[(c, p)].append((t, x, q))
    out = []
    for (c, p), pr in pair_prio.items():
        ci = cinfo[pr]
        backlog = ci["backlog"]
        series = sorted(by_pair[(c, p)])
        d = {t: (x, q) for t, x, q in series}
        qmax = max(q for _t, _x, q in series)
        first = min((t for t, x, _q in series if x > 0), default=T + 1)
        for t in periods:
            x, q = d.get(t, (0.0, 0))
            notdue = sum(y for k, y, qk in series if k <= t < k + qk) if qmax > 0 else 0.0
            has_lost = (not backlog) and (x > 0 or (qmax > 0 and t >= first))
            out.append((c, p, t, x, q, pr, backlog, ci["unmet_penalty"],
                        ci["backlog_cost"] if backlog else 0.0, notdue, backlog or qmax > 0,
                        backlog and qmax > 0, has_lost))
    orders = pd.DataFrame(out, columns=["customer", "product", "period", "quantity", "quoted",
                                        "priority",
                                        "backlog", "penalty", "backlog_cost", "notdue", "has_open",
                                        "has_late", "has_lost"])
    return classes_t, orders, base


def requirements(orders: pd.DataFrame, balance: pd.DataFrame, bom, order, periods
                 ) -> dict[tuple[str, int], float]:
    """R[p,t]: most units of p that production in period t can still usefully make (units).

    Own part: backlogged demand of the whole horizon (it may be served late), lost-sales
    demand of periods k with k + quoted lead time >= t, end targets and the largest
    safety-stock target of p at each node; plus, through the BOM, the parents' R times
    the units of p per parent.
    """
    T = len(periods)
    diff: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(T + 2))
    for p, t, x, q, bl in records(orders, ["product", "period", "quantity", "quoted", "backlog"]):
        if x > 0:  # usable by production in periods 1..last
            last = T if bl else min(T, t + q)
            diff[p][1] += x
            diff[p][last + 1] -= x
    own = {p: np.cumsum(a) for p, a in diff.items()}
    extra: dict[str, float] = defaultdict(float)
    bal1 = balance[balance["period"] == periods[0]]
    for p, te, ss in records(bal1, ["product", "target_end", "safety_stock"]):
        extra[p] += te + ss
    parents: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for par, comps in bom.items():
        for comp, q in comps:
            parents[comp].append((par, q))
    req: dict[tuple[str, int], float] = {}
    for p in order:  # parents before components
        for t in periods:
            req[(p, t)] = (float(own[p][t]) if p in own else 0.0) + extra.get(p, 0.0) + sum(
                q * req[(par, t)] for par, q in parents.get(p, []))
    return req


def _setups(net, opts, make, orders, balance, bom, order, nodes, factor) -> pd.DataFrame:
    """Setup rows (plant, product, period) with big_m = min(hours bound, max(R, min_lot))."""
    cols = ["plant", "product", "period", "cost", "time", "min_lot", "big_m"]
    if not opts.setups:
        return pd.DataFrame(columns=cols)
    need = make[(make["setup_cost"] > 0) | (make["setup_time"] > 0) | (make["min_lot"] > 0)]
    req = requirements(orders, balance, bom, order, list(net.periods))
    cap = nodes["capacity"].to_dict()
    otc = nodes["overtime_capacity"].to_dict()
    rows = []
    for i, p, t, sc, st, ml, use in records(need, ["plant", "product", "period", "setup_cost",
                                                   "setup_time", "min_lot", "use"]):
        f = factor.get((i, t), 1.0)
        hours = (cap[i] + (otc[i] if opts.overtime else 0.0)) * f - st if _finite(cap[i]) \
            else math.inf
        hb = hours / use if use > 0 else (math.inf if hours >= 0 else 0.0)
        big_m = max(0.0, min(hb, max(req.get((p, t), 0.0), ml)))
        rows.append((i, p, t, sc, st, ml, big_m))
    return pd.DataFrame(rows, columns=cols)
