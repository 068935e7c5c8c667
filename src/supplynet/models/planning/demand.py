"""Customer orders, unmet-demand penalties and what production can usefully make.

The order rows (customer, product, period) of the plan with their class terms, the base
penalty when the instance sets none, and the setup rows whose big-M comes from the
remaining requirements (models/planning.md, "Penalties" and "setup_forcing").
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd

from ...errors import InstanceError
from ...views import bom_units
from .._sets import records
from .options import PlanOptions


def finite(x) -> bool:
    """True for a finite int or float (NaN, inf and None are not)."""
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def derived_penalty(net, bom: dict, order: list[str]) -> float:
    """10 x an upper bound on what serving one unit can cost, + 1 (money/unit).

    The bound, for the dearest product: the dearest way to obtain it (purchase, subcontract,
    or production plus its components, rolled up through the BOM), plus a whole setup of
    every production step of its chain (one unit may need a setup, and a minimum lot, at
    each step: the largest setup cost plus min_lot x the unit cost of each product, rolled
    up through the BOM), plus holding it over the whole horizon (T x the highest holding
    cost of the unit's material, as itself or as its components), plus, for every unit moved
    (the product and each component unit it consumes: ``views.bom_units``), the dearest lane
    cost and handling times the number of nodes (no path is longer) and the dearest carbon.
    """
    sup, prod = net.table("supply"), net.table("production")
    cost: dict[str, float] = defaultdict(float)
    for p, c in zip(sup["product"].tolist(), sup["price"].tolist(), strict=True):
        cost[p] = max(cost[p], c)
    for p, c, s in zip(prod["product"].tolist(), prod["cost"].tolist(),
                       prod["subcontract_cost"].tolist(), strict=True):
        cost[p] = max(cost[p], c, s if finite(s) else 0.0)
    for p in reversed(order):  # components first
        cost[p] = max(cost[p], cost[p] + sum(q * cost[c] for c, q in bom.get(p, [])))
    lot: dict[str, float] = defaultdict(float)  # money of the first lot of p at one plant
    for p, sc, ml in zip(prod["product"].tolist(), prod["setup_cost"].tolist(),
                         prod["min_lot"].tolist(), strict=True):
        lot[p] = max(lot[p], (sc if finite(sc) else 0.0) + (ml if finite(ml) else 0.0) * cost[p])
    chain: dict[str, float] = {}
    for p in reversed(order):  # a setup (and min lot) of p and of every component's chain
        chain[p] = lot[p] + sum(chain.get(c, 0.0) for c, _q in bom.get(p, []))
    value = dict(zip(net.table("products")["id"].tolist(),
                     net.table("products")["value"].tolist(), strict=True))
    material: dict[str, float] = {}
    for p in reversed(order):
        v = value.get(p, 0.0)
        material[p] = max(v if finite(v) else 0.0,
                          sum(q * material.get(c, 0.0) for c, q in bom.get(p, [])))
    lanes, nodes = net.table("lanes"), net.table("nodes")
    default_rate = float(net.params.get("holding_rate") or 0.0)
    rates = [r if finite(r) else default_rate for r in nodes["holding_rate"].tolist()]
    hold = max(rates + [default_rate]) * max(len(net.periods), 1)
    carbon = float(net.params.get("carbon_price") or 0.0)
    lane = max([c + carbon * e for c, e in zip(lanes["cost"].tolist(), lanes["co2"].tolist(),
                                                strict=True)], default=0.0)
    handling = max(nodes["handling_cost"].tolist(), default=0.0)
    co2 = max(sup["co2"].tolist() + prod["co2"].tolist(), default=0.0) * carbon
    # per unit moved: at most one lane and one handling per node, and carbon; a finished
    # unit moves its components too (bom_units)
    moved = co2 + (lane + handling) * max(len(nodes), 1)
    units = bom_units(bom)
    worst = max([cost[p] + chain.get(p, 0.0) + hold * material.get(p, 0.0) + units.get(p, 1.0) * moved
                 for p in set(cost) | set(material)], default=moved)
    return 10.0 * worst + 1.0


def order_rows(net, opts: PlanOptions, bom: dict, order: list[str], periods: list[int]
               ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """(classes, orders, base penalty): one order row per customer, product and period.

    ``classes``: priority, unmet_penalty (money/unit), backlog, backlog_cost (money/unit/period),
    min_fill_rate (share). ``orders``: customer, product, period, quantity (units), quoted
    (periods), priority, backlog, penalty, backlog_cost, notdue (units), and has_open,
    has_late, has_lost: which order variables exist on the row.
    """
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
        # demand of a class without a row: the base penalty, and a backlog cost of base / T
        # (a unit backlogged over the whole horizon costs as much as an unmet one)
        bcost = float(row["backlog_cost"]) if row is not None else base / max(T, 1)
        cls.append({"priority": pr, "unmet_penalty": pen if math.isfinite(pen) else base,
                    "backlog": backlog, "backlog_cost": bcost if math.isfinite(bcost) else 0.0,
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
        notdue_of = _not_due(series, T) if qmax > 0 else None
        for t in periods:
            x, q = d.get(t, (0.0, 0))
            notdue = notdue_of[t] if notdue_of is not None else 0.0
            has_lost = (not backlog) and (x > 0 or (qmax > 0 and t >= first))
            out.append((c, p, t, x, q, pr, backlog, ci["unmet_penalty"],
                        ci["backlog_cost"] if backlog else 0.0, notdue, backlog or qmax > 0,
                        backlog and qmax > 0, has_lost))
    orders = pd.DataFrame(out, columns=["customer", "product", "period", "quantity", "quoted",
                                        "priority",
                                        "backlog", "penalty", "backlog_cost", "notdue", "has_open",
                                        "has_late", "has_lost"])
    return classes_t, orders, base


def _not_due(series: list[tuple[int, float, int]], T: int) -> list[float]:
    """notdue[t] = sum of the demand y of period k with k <= t < k + quoted lead time q, for
    t = 0..T (units); each demand added to the q periods it is open but not due, in period
    order (the same sums, term by term, as summing per t)."""
    out = [0.0] * (T + 1)
    for k, y, q in series:
        for t in range(max(k, 0), min(k + q, T + 1)):
            out[t] += y
    return out


def requirements(orders: pd.DataFrame, balance: pd.DataFrame, bom, order, periods,
                 min_lot: dict[str, float] | None = None) -> dict[tuple[str, int], float]:
    """R[p,t]: most units of p that production in period t can still usefully make (units).

    Own part: backlogged demand of the whole horizon (it may be served late), lost-sales
    demand of periods k with k + quoted lead time >= t, end targets and the largest
    safety-stock target of p at each node; plus, through the BOM, the units of p per parent
    times what the parent's production can make: its R plus its largest minimum lot
    (``min_lot``, units), when its R is positive. A minimum lot can force the parent beyond
    its R, but some optimal plan makes at most one lot's worth more (else the last lot could
    shrink or go), so the components' R must allow for it.
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
    lot = min_lot or {}
    parents: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for par, comps in bom.items():
        for comp, q in comps:
            parents[comp].append((par, q))
    req: dict[tuple[str, int], float] = {}
    for p in order:  # parents before components
        for t in periods:
            req[(p, t)] = (float(own[p][t]) if p in own else 0.0) + extra.get(p, 0.0) + sum(
                q * (req[(par, t)] + lot.get(par, 0.0))
                for par, q in parents.get(p, []) if req[(par, t)] > 0)
    return req


def setup_rows(net, opts: PlanOptions, make: pd.DataFrame, orders: pd.DataFrame,
               balance: pd.DataFrame, bom: dict, order: list[str], nodes: pd.DataFrame,
               factor: dict) -> pd.DataFrame:
    """Setup rows (plant, product, period) with big_m = min(hours bound, max(R, min_lot)).

    Hours bound: (capacity (+ overtime)) x factor - setup_time, over use; R = R[p,t].
    With ``tight_setup_big_m=False``: the setup time is not taken off and R = R[p,1].
    """
    cols = ["plant", "product", "period", "cost", "time", "min_lot", "big_m"]
    if not opts.setups:
        return pd.DataFrame(columns=cols)
    need = make[(make["setup_cost"] > 0) | (make["setup_time"] > 0) | (make["min_lot"] > 0)]
    lots = make.assign(min_lot=make["min_lot"].fillna(0.0)).groupby("product")["min_lot"].max()
    req = requirements(orders, balance, bom, order, list(net.periods), lots.to_dict())
    cap = nodes["capacity"].to_dict()
    otc = nodes["overtime_capacity"].to_dict()
    rows = []
    for i, p, t, sc, st, ml, use in records(need, ["plant", "product", "period", "setup_cost",
                                                   "setup_time", "min_lot", "use"]):
        f = factor.get((i, t), 1.0)
        net_of = st if opts.tight_setup_big_m else 0.0  # hours the setup itself takes
        hours = (cap[i] + (otc[i] if opts.overtime else 0.0)) * f - net_of if finite(cap[i]) \
            else math.inf
        hb = hours / use if use > 0 else (math.inf if hours >= 0 else 0.0)
        r = req.get((p, t if opts.tight_setup_big_m else 1), 0.0)  # R[p,1]: whole horizon
        big_m = max(0.0, min(hb, max(r, ml)))
        rows.append((i, p, t, sc, st, ml, big_m))
    return pd.DataFrame(rows, columns=cols)
