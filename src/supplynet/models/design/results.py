"""Design results: the solution read back into tables, the cost breakdown, KPIs and apply()."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ...network import Network
from ...results import Result
from ...solve import Solution
from .._sets import Built
from .costs import cost_table
from .options import DesignOptions
from .sets import DesignSets

EPS = 1e-7
FACILITY_COLUMNS = ["node", "kind", "status", "open", "level", "capacity", "throughput",
                    "capacity_used", "utilisation"]
STRANDED_COLUMNS = ["node", "kind", "product", "initial", "value"]
log = logging.getLogger("supplynet")


def solution_values(m: pyo.ConcreteModel, sol: Solution) -> dict[str, np.ndarray]:
    """{variable family: values in index order} as reported: binaries rounded, continuous
    values clipped at 0 (solver noise)."""
    out = {}
    for var in m.component_objects(pyo.Var, descend_into=False):
        v = sol.values(var)
        binary = len(var) and next(iter(var.values())).is_binary()
        out[var.local_name] = np.round(v) if binary else np.maximum(v, 0.0)
    return out


def make_result(work: Network, built: Built, o: DesignOptions, sol: Solution,
                build_seconds: float) -> Result:
    """The Result of a solved design model (tables empty when HiGHS returned no solution)."""
    res = Result(model="design", status=sol.status, objective=sol.objective, bound=sol.bound,
                 gap=sol.gap, message=sol.message, build_seconds=build_seconds,
                 handoff_seconds=sol.handoff_seconds, solve_seconds=sol.solve_seconds,
                 network=work, options=o, applier=apply_design, solution=sol)
    if not sol.has_values:
        return res
    m, s = built.model, built.sets
    d = s.data
    res.start_values = sol.column_values_by_name()
    values = solution_values(m, sol)
    flow, make = values["flow"], values["make"]
    is_open = {n: 1.0 for n in d.facilities}
    is_open.update(dict(zip(s.open_index, values["open"], strict=True)))
    level_val = dict(zip(s.level_list, values["level"], strict=True))

    flows = d.arcs.copy()
    flows["quantity"] = flow
    lanes = d.lanes.set_index(["origin", "destination"])
    flows["cost"] = flow * lanes.loc[list(zip(flows["origin"], flows["destination"], strict=True)),
                                     "cost"].to_numpy()
    flows["co2"] = flow * lanes.loc[list(zip(flows["origin"], flows["destination"], strict=True)),
                                    "co2"].to_numpy()
    production = d.production[["plant", "product"]].copy()
    production["quantity"] = make
    production["cost"] = make * d.production["cost"].to_numpy()
    production["co2"] = make * d.production["co2"].to_numpy()

    is_sup = flows["origin"].map(d.kind).eq("supplier")
    purchases = (flows[is_sup].groupby(["origin", "product"], as_index=False, sort=False)["quantity"].sum()
                 .rename(columns={"origin": "supplier"}))
    purchases = purchases.merge(d.supply[["supplier", "product", "price", "co2"]],
                                on=["supplier", "product"], how="left")
    purchases["cost"] = purchases["quantity"] * purchases["price"]
    purchases["co2"] = purchases["quantity"] * purchases["co2"]
    purchases = purchases.drop(columns="price")

    unmet = d.demand[["customer", "product", "quantity", "penalty"]].rename(columns={"quantity": "demand"})
    unmet["unmet"] = values["unmet"] if o.soft else 0.0
    unmet["cost"] = unmet["unmet"] * unmet["penalty"]

    facilities = facility_table(s, flows, production, is_open, level_val)
    tables = {
        "facilities": facilities,
        "flows": flows[flows["quantity"] > EPS].reset_index(drop=True),
        "production": production[production["quantity"] > EPS].reset_index(drop=True),
        "purchases": purchases[purchases["quantity"] > EPS].reset_index(drop=True),
        "make_or_buy": make_or_buy_table(s, values, flows, production),
        "assignments": assignment_table(flows, s),
    }
    if o.soft:
        tables["unmet"] = unmet[unmet["unmet"] > EPS].reset_index(drop=True)
    if s.lane_on_list:
        tables["lane_choices"] = pd.DataFrame(
            {"origin": [a for a, _b in s.lane_on_list], "destination": [b for _a, b in s.lane_on_list],
             "fixed_cost": [s.lane_fixed_cost[k] for k in s.lane_on_list],
             "used": (values["lane_on"] > 0.5).tolist()})
    tables["stranded_stock"] = stranded_stock(work, facilities)
    tables["costs"] = cost_table(s, o, values)
    tables["cost_to_serve"] = cost_to_serve(s, flows, tables["costs"], "customer")
    tables["product_cost"] = cost_to_serve(s, flows, tables["costs"], "product")
    tables["customer_product_cost"] = cost_to_serve(s, flows, tables["costs"], "customer_product")
    tables["kpis"] = kpi_table(tables, flows, unmet)
    res.tables = tables
    stranded = tables["stranded_stock"]
    if len(stranded):
        note = stranded_note(stranded)
        res.message = f"{res.message}; {note}" if res.message else note
    return res


def stranded_stock(work: Network, facilities: pd.DataFrame) -> pd.DataFrame:
    """Initial stock at plants and warehouses the design closes: node, kind, product, initial
    (units), value (money: initial x product value). ``apply()`` drops these rows (the closed
    site leaves the network) and warns; the stock is not moved anywhere."""
    closed = facilities.loc[~facilities["open"].astype(bool), ["node", "kind"]]
    stock = work.table("stock")
    if not len(closed) or not len(stock):
        return pd.DataFrame(columns=STRANDED_COLUMNS)
    rows = stock[stock["node"].isin(closed["node"]) & (stock["initial"] > 0)]
    value = work.table("products").set_index("id")["value"]
    out = rows[["node", "product", "initial"]].merge(closed, on="node", how="left")
    out["value"] = out["initial"] * out["product"].map(value).fillna(0.0).to_numpy()
    return out[STRANDED_COLUMNS].reset_index(drop=True)


def stranded_note(stranded: pd.DataFrame) -> str:
    """One sentence naming the closed sites with initial stock, units and value."""
    parts = [f"{g['kind'].iat[0]} {node}: {g['initial'].sum():,.6g} units of "
             f"{', '.join(map(str, g['product']))} (value {g['value'].sum():,.2f})"
             for node, g in stranded.groupby("node", sort=True)]
    return ("initial stock at sites the design closes is stranded (not moved; apply() drops it): "
            + "; ".join(parts) + "; see table stranded_stock")


def facility_table(s: DesignSets, flows, production, is_open, level_val) -> pd.DataFrame:
    d = s.data
    rows = []
    inflow = flows.groupby("destination")["quantity"].sum().to_dict()
    hours = (production.merge(d.production[["plant", "product", "capacity_use"]], on=["plant", "product"])
             .assign(h=lambda t: t["quantity"] * t["capacity_use"]).groupby("plant")["h"].sum().to_dict())
    for n in d.node["id"].tolist():
        kind = d.kind[n]
        if kind not in ("plant", "warehouse"):
            continue
        opened = bool(is_open.get(n, 0.0) > 0.5)
        chosen = [lv for (nn, lv), v in level_val.items() if nn == n and v > 0.5]
        if chosen:
            cap = s.level_capacity[n, chosen[0]]
        else:
            cap = d.capacity(n) if d.status[n] != "closed" and not d.has_levels(n) else 0.0
        used = hours.get(n, 0.0) if kind == "plant" else inflow.get(n, 0.0)
        rows.append({"node": n, "kind": kind, "status": d.status[n], "open": opened,
                     "level": chosen[0] if chosen else "", "capacity": cap if opened else 0.0,
                     "throughput": inflow.get(n, 0.0) if kind == "warehouse" else
                     float(production.loc[production["plant"] == n, "quantity"].sum()),
                     "capacity_used": used,
                     "utilisation": used / cap if opened and cap and math.isfinite(cap) else math.nan})
    return pd.DataFrame(rows, columns=FACILITY_COLUMNS)


def make_or_buy_table(s: DesignSets, values: dict[str, np.ndarray], flows, production) -> pd.DataFrame:
    rows = []
    if not s.make_or_buy_list:
        return pd.DataFrame(columns=["plant", "product", "decision", "make_quantity", "buy_quantity"])
    on = dict(zip(s.make_or_buy_list, values["make_on"], strict=True))
    made = dict(zip(s.make_list, production["quantity"].tolist(), strict=True))
    qty = flows["quantity"].to_numpy()
    for n, p in s.make_or_buy_list:
        bought = float(sum(qty[i] for i in s.supplier_arcs_into(n, p)))
        rows.append({"plant": n, "product": p, "decision": "make" if on[n, p] > 0.5 else "buy",
                     "make_quantity": made.get((n, p), 0.0), "buy_quantity": bought})
    return pd.DataFrame(rows)


def assignment_table(flows, s: DesignSets) -> pd.DataFrame:
    d = s.data
    to_cust = flows[flows["destination"].map(d.kind).eq("customer") & (flows["quantity"] > EPS)]
    g = to_cust.groupby(["destination", "origin"], as_index=False)["quantity"].sum()
    g = g.rename(columns={"destination": "customer", "origin": "source"})
    total = g.groupby("customer")["quantity"].transform("sum")
    g["share"] = g["quantity"] / total
    lanes = d.lanes[["origin", "destination", "distance"]].rename(
        columns={"origin": "source", "destination": "customer"})
    return g.merge(lanes, on=["source", "customer"], how="left")


def kpi_table(tables, flows, unmet) -> pd.DataFrame:
    """kpi, value, unit; total_cost is the sum of the costs table (money per horizon)."""
    fac = tables["facilities"]
    asg = tables["assignments"]
    total_dem = float(unmet["demand"].sum())
    delivered = total_dem - float(unmet["unmet"].sum())
    dist = asg.dropna(subset=["distance"])
    avg_dist = float((dist["distance"] * dist["quantity"]).sum() / dist["quantity"].sum()) if len(dist) else math.nan
    total_cost = float(tables["costs"]["cost"].sum())
    co2 = float(flows["co2"].sum() + tables["production"]["co2"].sum() + tables["purchases"]["co2"].sum())
    rows = [("total_cost", total_cost, "money/horizon"), ("fill_rate", delivered / total_dem if total_dem else 1.0, "share"),
            ("co2", co2, "kg"), ("cost_per_unit", total_cost / delivered if delivered else math.nan, "money/unit"),
            ("avg_distance_to_customer", avg_dist, "km"),
            ("max_distance_to_customer", float(dist["distance"].max()) if len(dist) else math.nan, "km"),
            ("open_plants", int(fac[(fac["kind"] == "plant") & fac["open"]].shape[0]), "count"),
            ("open_warehouses", int(fac[(fac["kind"] == "warehouse") & fac["open"]].shape[0]), "count")]
    return pd.DataFrame(rows, columns=["kpi", "value", "unit"])


def cost_to_serve(s: DesignSets, flows: pd.DataFrame, costs: pd.DataFrame, by: str) -> pd.DataFrame:
    """Cost to serve per customer (``by="customer"``), per product (``by="product"``) or per
    customer and product (``by="customer_product"``: columns customer, product).

    delivered: units over the horizon. last_mile_cost: transport on the lanes into customers,
    traced exactly. allocated_cost: every other cost of the design (facilities, production,
    purchases, upstream transport, handling, carbon; not the unmet penalty) shared in
    proportion to units delivered. Their sum over all rows is the design's total cost less the
    unmet penalty (money per horizon); cost_per_unit is money per unit delivered.
    """
    to_c = flows[flows["destination"].map(s.data.kind).eq("customer")]
    keys = {"customer": ["destination"], "product": ["product"],
            "customer_product": ["destination", "product"]}[by]
    g = to_c.groupby(keys, as_index=False)[["quantity", "cost"]].sum()
    g = g.rename(columns={"destination": "customer", "quantity": "delivered",
                          "cost": "last_mile_cost"})
    c = costs.set_index("category")["cost"]
    pool = float(c.sum() - c.get("unmet", 0.0) - g["last_mile_cost"].sum())
    units = float(g["delivered"].sum())
    g["allocated_cost"] = pool * g["delivered"] / units if units else 0.0
    g["cost_to_serve"] = g["last_mile_cost"] + g["allocated_cost"]
    g["cost_per_unit"] = g["cost_to_serve"] / g["delivered"]
    return g


def apply_design(res: Result) -> Network:
    """The network with the design fixed, for the planning and buffer models.

    - Plants and warehouses the design closes (or that were closed) leave the network, with
      every lane touching them (lanes touching a closed supplier or customer go too), their production options and their stock rows; initial stock
      there is listed in the ``stranded_stock`` table and logged as a warning on the
      "supplynet" logger (it is dropped, not moved).
    - Open plants and warehouses get status "open", at their chosen level's capacity (per
      period) with the level's fixed cost added to theirs.
    - Every other lane stays, used by the aggregate design or not: the multi-period plan must
      be able to reroute at peaks. Only lanes with a fixed cost or minimum volume whose
      ``lane_on`` binary the design switched off (option ``lane_fixed_costs``, table
      ``lane_choices``) are removed too, as their fixed cost was not paid.
    """
    net = res.network.copy()
    fac = res.tables["facilities"]
    closed = set(fac.loc[~fac["open"].astype(bool), "node"])
    stranded = res.tables.get("stranded_stock")
    if stranded is not None and len(stranded):
        log.warning("design.apply(): %s", stranded_note(stranded))
    nodes = net.table("nodes")
    nodes = nodes[~nodes["id"].isin(closed)].copy()
    chosen = fac[fac["open"] & (fac["level"] != "")].set_index("node")
    is_fac = nodes["kind"].isin(["plant", "warehouse"])
    nodes.loc[is_fac, "status"] = "open"
    for n, row in chosen.iterrows():
        nodes.loc[nodes["id"] == n, "capacity"] = row["capacity"] / max(len(net.periods), 1)
        nodes.loc[nodes["id"] == n, "fixed_cost"] = (
            nodes.loc[nodes["id"] == n, "fixed_cost"] + _level_cost(net, n, row["level"]))
    off = set()
    choices = res.tables.get("lane_choices")
    if choices is not None and len(choices):
        sel = ~choices["used"].astype(bool)
        off = set(zip(choices.loc[sel, "origin"], choices.loc[sel, "destination"], strict=True))
    lanes = net.table("lanes")
    gone = closed | set(nodes.loc[nodes["status"].eq("closed") & ~is_fac, "id"])
    keep = [a not in gone and b not in gone and (a, b) not in off
            for a, b in zip(lanes["origin"].tolist(), lanes["destination"].tolist(), strict=True)]
    net.set_table("nodes", nodes.reset_index(drop=True))
    net.set_table("lanes", lanes[keep].reset_index(drop=True))
    lv = net.table("capacity_levels")
    net.set_table("capacity_levels", lv.iloc[0:0])
    for t, col in (("production", "plant"), ("stock", "node")):
        tab = net.table(t)
        net.set_table(t, tab[~tab[col].isin(closed)].reset_index(drop=True))
    return net


def _level_cost(net: Network, node: str, level: str) -> float:
    lv = net.table("capacity_levels")
    row = lv[(lv["node"] == node) & (lv["level"] == level)]
    return float(row["fixed_cost"].iloc[0]) if len(row) else 0.0
