"""The typed index sets of the planning model (``PlanSets``), built once from a Network.

Each table holds one row per variable (or constraint) of a family, in the order the
model declares it, so solution values read back by position line up with its key
columns. Names follow models/planning.md ("Sets").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...errors import InstanceError
from ...schema import LANE_SEPARATOR
from .._sets import (
    active_nodes,
    bom_children,
    bom_order,
    expand_periods,
    holding_rates,
    outage_factors,
    records,
)
from .commitments import COLUMNS as COMMIT_COLUMNS
from .commitments import commitment_rows
from .demand import derived_penalty, finite, order_rows, setup_rows
from .options import PlanOptions

# Variable families and the key columns of their index tables (PlanSets field of that name).
KEYS: dict[str, list[str]] = {
    "make": ["plant", "product", "period"], "setup": ["plant", "product", "period"],
    "sub": ["plant", "product", "period"], "overtime": ["plant", "period"],
    "ship": ["origin", "destination", "product", "period"], "inv": ["node", "product", "period"],
    "ss_short": ["node", "product", "period"], "open": ["customer", "product", "period"],
    "late": ["customer", "product", "period"], "lost": ["customer", "product", "period"],
    "best_effort_unmet": ["customer", "product"],
}


@dataclass
class PlanSets:
    """Every index table and scalar the plan's families are declared over.

    Quantities in units per period, capacities in hours (plants) or units per period,
    storage in volume, money in the instance's currency, CO2 in kg. The tables named in
    ``KEYS`` index the variable family of the same name, rows in declaration order.
    """

    periods: list[int]  # 1..T
    make: pd.DataFrame  # plant, product, period, ready, cost (money/unit), use (hours/unit), co2 (kg/unit)
    setup: pd.DataFrame  # plant, product, period, cost (money), time (hours), min_lot, big_m (units)
    sub: pd.DataFrame  # plant, product, period, cost (money/unit)
    overtime: pd.DataFrame  # plant, period, hours_max (hours), cost (money/hour)
    ship: pd.DataFrame  # origin, destination, product, period, arrival, transport, purchase, handling, co2, ...
    balance: pd.DataFrame  # node, product, period, initial, pull, stocked, holding, target_end, safety_stock
    inv: pd.DataFrame  # balance rows of stocked pairs: push pairs and pull pairs with initial > 0
    ss_short: pd.DataFrame  # inv rows with safety_stock > 0
    orders: pd.DataFrame  # customer, product, period, quantity, priority, backlog, penalty, ...
    open: pd.DataFrame  # orders rows with open orders (has_open)
    late: pd.DataFrame  # orders rows with overdue backlog (has_late)
    lost: pd.DataFrame  # orders rows with lost sales (has_lost)
    plant_cap: pd.DataFrame  # plant, period, available (hours)
    supplier_cap: pd.DataFrame  # supplier, period, available (units)
    offer_cap: pd.DataFrame  # supplier, product, period, available (units)
    throughput_cap: pd.DataFrame  # warehouse, period, available (units)
    lane_cap: pd.DataFrame  # origin, destination, period, available (units)
    storage_cap: pd.DataFrame  # node, period, available (volume)
    classes: pd.DataFrame  # priority, unmet_penalty, backlog, backlog_cost, min_fill_rate
    bom: dict[str, list[tuple[str, float]]]  # parent -> [(component, units per parent)]
    bom_order: list[str]  # products, parents before components (_sets.bom_order)
    volume: dict[str, float]  # product -> volume per unit
    value: dict[str, float]  # product -> money per unit
    base_penalty: float  # money per unit of unmet demand
    ss_penalty: float  # money per unit and period of safety-stock shortfall
    carbon_price: float  # money per kg (0 with co2=False)
    co2_cap: float | None  # kg over the horizon (None: no cap)
    # commitments (customer, product): see commitments.commitment_rows
    commit: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COMMIT_COLUMNS))
    # commit rows with best-effort demand (excess > 0) that costs less unmet (relief > 0)
    best_effort_unmet: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=COMMIT_COLUMNS))

    def variable_tables(self) -> dict[str, pd.DataFrame]:
        """{variable family: its index table}, in ``KEYS`` order."""
        return {f: getattr(self, f) for f in KEYS}


def check_kinds(net, kind: dict[str, str], products: set[str]) -> None:
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


def earliest_stock(kind: dict[str, str], prod: pd.DataFrame, bom: dict, lanes: pd.DataFrame,
                   from_start: set[tuple[str, str]], T: int) -> dict[tuple[str, str], int]:
    """e[n,p]: no earlier period can node n hold product p (T + 1 = never; periods).

    1 where n holds initial stock of p, is subcontracted p or is a supplier offering it;
    else the least of start[n,p] + production lead time (start[n,p] = the latest e[n,c] of
    p's components c, 1 without any) and e[o,p] + lead time over the product lanes o -> n.
    A fixed point of shortest-path relaxations; outages are ignored, so e is a lower
    bound on when stock can first be there, which is all the pruning needs.
    """
    never = T + 1
    e: dict[tuple[str, str], int] = defaultdict(lambda: never)
    for k in from_start:
        e[k] = 1
    moves = [(o, d, p, int(lt)) for o, d, p, lt in records(
        lanes, ["origin", "destination", "product", "lead"]) if kind[d] != "customer"]
    for o, _d, p, _lt in moves:
        if kind[o] == "supplier":
            e[(o, p)] = 1
    makes = [(i, p, int(lt), [c for c, q in bom.get(p, []) if q > 0])
             for i, p, lt in records(prod, ["plant", "product", "lead_time"])]
    changed = True
    while changed:  # each change lowers a value in 1..T+1, so this ends
        changed = False
        for i, p, lt, comps in makes:
            v = max((e[(i, c)] for c in comps), default=1) + lt
            if v < e[(i, p)]:
                e[(i, p)], changed = v, True
        for o, d, p, lt in moves:
            v = e[(o, p)] + lt
            if v < e[(d, p)]:
                e[(d, p)], changed = v, True
    return dict(e)


def drop_impossible(kind: dict[str, str], make: pd.DataFrame, ship: pd.DataFrame,
                    orders: pd.DataFrame, bom: dict, early: dict[tuple[str, str], int],
                    T: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(make, ship) without the rows the balances force to 0 (models/planning.md, "Sets").

    make[i,p,t] needs every component of p at i in period t: t >= e[i,c]. ship[o,d,p,t]
    from a plant or warehouse needs p there: t >= e[o,p]. A delivery to a customer arriving
    in period a needs an order to serve: a >= the pair's first period with demand where
    orders stay open (backlog or a quoted lead time), else demand in period a itself.
    """
    never = T + 1
    start = [max((early.get((i, c), never) for c, q in bom.get(p, []) if q > 0), default=1)
             for i, p in records(make, ["plant", "product"])]
    make = make[make["period"].to_numpy() >= np.array(start, dtype=np.int64)]
    pos = orders["quantity"].to_numpy(float) > 0
    first = orders[pos].groupby(["customer", "product"])["period"].min().to_dict()
    wanted = set(records(orders[pos], ["customer", "product", "period"]))
    stays = set(records(orders[orders["has_open"]], ["customer", "product"]))
    pairs = set(records(orders, ["customer", "product"]))

    def useful(o: str, d: str, p: str, t: int, a: int) -> bool:
        if kind[o] != "supplier" and t < early.get((o, p), never):
            return False
        if kind[d] != "customer" or (d, p) not in pairs:
            return True
        return (d, p, a) in wanted or ((d, p) in stays and a >= first.get((d, p), never))

    keep = [useful(*r) for r in records(ship, ["origin", "destination", "product", "period",
                                              "arrival"])]
    return make.reset_index(drop=True), ship[np.array(keep, dtype=bool)].reset_index(drop=True)


def build_sets(net, opts: PlanOptions) -> PlanSets:
    """All index sets of the plan (see models/planning.md, "Sets"); with
    ``opts.prune_unreachable`` without the make and ship rows the balances force to 0
    (``drop_impossible``; same optimum)."""
    periods = list(net.periods)
    T = len(periods)
    if periods != list(range(1, T + 1)):
        raise InstanceError(f"planning needs periods 1..T without gaps, got {periods[:5]}...")
    kind = net.kind_of()
    prods = net.table("products")
    products = set(prods["id"].tolist())
    check_kinds(net, kind, products)
    active = active_nodes(net, include_candidates=opts.include_candidates)
    nodes = net.table("nodes").set_index("id", drop=False)
    factor = outage_factors(net, periods)
    bom = bom_children(net)
    order = bom_order(net)
    value = dict(zip(prods["id"].tolist(), prods["value"].tolist(), strict=True))
    volume = dict(zip(prods["id"].tolist(), prods["volume"].tolist(), strict=True))
    rate = holding_rates(net)

    def fac(el: list, t: list) -> np.ndarray:
        if not factor:  # no outages: every capacity at full
            return np.ones(len(el))
        return np.array([factor.get((e, int(s)), 1.0) for e, s in zip(el, t, strict=True)])

    # production: make[i,p,t] for t + lead_time <= T and plants not down
    prod = net.table("production")
    prod = prod[prod["plant"].isin(active)].reset_index(drop=True)
    make = expand_periods(prod[["plant", "product", "cost", "capacity_use", "co2",
                                      "lead_time", "setup_cost", "setup_time", "min_lot"]], periods)
    make["ready"] = make["period"] + make["lead_time"]
    make["factor"] = fac(make["plant"].tolist(), make["period"].tolist())
    make = make[(make["ready"] <= T) & (make["factor"] > 0)].rename(columns={"capacity_use": "use"})
    make = make.reset_index(drop=True)

    sub = prod[prod["subcontract_cost"].notna()] if opts.subcontracting else prod.iloc[:0]
    sub = expand_periods(sub[["plant", "product", "subcontract_cost"]], periods)
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
    ship = expand_periods(pl.rename(columns={"cost": "transport", "co2": "lane_co2"}), periods)
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
    bad = bal[bal["pull"] & (bal["target_end"] > 0)]
    if len(bad):
        raise InstanceError([f"stock (node={n}, product={p}): target_end {te:g} at a pull pair; "
                             f"a pull node builds no stock of the product (it may only draw down "
                             f"its initial stock), so target_end must be 0 or mode push"
                             for n, p, te in records(bad, ["node", "product", "target_end"])])
    bal.loc[bal["pull"], "safety_stock"] = 0.0
    # a pull pair with initial stock keeps it in inv (drawn down, never built: pull_drawdown)
    bal["stocked"] = ~bal["pull"] | (bal["initial"] > 0)
    bal["holding"] = [value[p] * rate[n] for n, p in records(bal, ["node", "product"])]
    balance = expand_periods(bal.drop(columns=["mode"]), periods)

    classes, orders, base = order_rows(net, opts, bom, order, periods)
    if opts.prune_unreachable:
        initial = {k for k, x in zip(records(bal, ["node", "product"]), bal["initial"].tolist(),
                                     strict=True) if x > 0}
        early = earliest_stock(kind, prod, bom, pl, initial | set(records(sub, ["plant", "product"])),
                               T)
        make, ship = drop_impossible(kind, make, ship, orders, bom, early, T)
    setup = setup_rows(net, opts, make, orders, balance, bom, order, nodes, factor)

    # capacity rows (only finite capacities, only periods with something to limit)
    cap = nodes["capacity"].to_dict()
    mk_periods = set(records(make, ["plant", "period"]))
    pc = [(i, t, cap[i] * factor.get((i, t), 1.0)) for i, t in sorted(mk_periods, key=lambda x: (
        x[0], x[1])) if finite(cap[i])]
    plant_cap = pd.DataFrame(pc, columns=["plant", "period", "available"])
    otc = nodes["overtime_capacity"].to_dict()
    otcost = nodes["overtime_cost"].to_dict()
    ot = [(i, t, otc[i] * factor.get((i, t), 1.0), otcost[i]) for i, t, _a in pc
          if opts.overtime and otc[i] > 0]
    overtime = pd.DataFrame(ot, columns=["plant", "period", "hours_max", "cost"])

    out_periods = set(records(ship, ["origin", "period"]))
    supplier_cap = pd.DataFrame(
        [(s, t, cap[s] * factor.get((s, t), 1.0)) for s, t in sorted(out_periods)
         if kind[s] == "supplier" and finite(cap[s])], columns=["supplier", "period", "available"])
    throughput_cap = pd.DataFrame(
        [(w, t, cap[w] * factor.get((w, t), 1.0)) for w, t in sorted(out_periods)
         if kind[w] == "warehouse" and finite(cap[w])], columns=["warehouse", "period", "available"])
    sp_periods = set(records(ship, ["origin", "product", "period"]))
    ocap = dict(zip(records(sup, ["supplier", "product"]), sup["capacity"].tolist(), strict=True))
    offer_cap = pd.DataFrame(
        [(s, p, t, ocap[(s, p)] * factor.get((s, t), 1.0)) for s, p, t in sorted(sp_periods)
         if (s, p) in ocap and finite(ocap[(s, p)])],
        columns=["supplier", "product", "period", "available"])
    lcap = dict(zip(records(lanes, ["origin", "destination"]), lanes["capacity"].tolist(), strict=True))
    lane_periods = sorted(set(records(ship, ["origin", "destination", "period"])))
    lane_cap = pd.DataFrame(
        [(x, y, t, lcap[(x, y)] * factor.get((f"{x}{LANE_SEPARATOR}{y}", t), 1.0))
         for x, y, t in lane_periods if finite(lcap[(x, y)])],
        columns=["origin", "destination", "period", "available"])
    scap = nodes["storage_capacity"].to_dict()
    inv_nodes = sorted(set(balance.loc[balance["stocked"], "node"].tolist()))
    storage_cap = pd.DataFrame(
        [(n, t, scap[n]) for n in inv_nodes for t in periods if opts.storage and finite(scap[n])],
        columns=["node", "period", "available"])

    co2_cap = net.params.get("co2_cap") if opts.co2 else None
    ss_pen = opts.safety_stock_penalty
    inv = balance[balance["stocked"]].reset_index(drop=True)
    serve_bound = (derived_penalty(net, bom, order)
                   if opts.key_account_priority and len(net.table("commitments")) else 0.0)
    commit = commitment_rows(net, opts, orders, serve_bound)
    return PlanSets(
        periods=periods, make=make, setup=setup, sub=sub, overtime=overtime, ship=ship,
        balance=balance, inv=inv,
        ss_short=inv[inv["safety_stock"] > 0].reset_index(drop=True),
        orders=orders, open=orders[orders["has_open"]].reset_index(drop=True),
        late=orders[orders["has_late"]].reset_index(drop=True),
        lost=orders[orders["has_lost"]].reset_index(drop=True),
        plant_cap=plant_cap, supplier_cap=supplier_cap, offer_cap=offer_cap,
        throughput_cap=throughput_cap, lane_cap=lane_cap, storage_cap=storage_cap,
        classes=classes, bom=bom, bom_order=order, volume=volume, value=value, base_penalty=base,
        ss_penalty=float(base / T if ss_pen is None else ss_pen),
        carbon_price=float(net.params.get("carbon_price") or 0.0) if opts.co2 else 0.0,
        co2_cap=None if co2_cap is None else float(co2_cap), commit=commit,
        best_effort_unmet=commit[(commit["excess"] > 0)
                                 & ((commit["relief"] > 0) | (commit["premium"] > 0))
                                 ].reset_index(drop=True))
