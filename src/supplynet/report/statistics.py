"""Costs grouped by facility, product or customer: ``Result.statistics`` (as PyPSA's
``n.statistics``), computed from the result tables of a design or a plan.

Each cost category of the ``costs`` table is traced to the key where it arises, from the
tables the model already returns (flows, production, purchases, shipments, inventory, ...) and
the network's own data (fixed, closing, handling and overtime rates, capacity-level and
make-or-buy fixed costs). What cannot be traced to one key goes on a row whose key is
``"(not attributable)"``, so that for every category the rows add up to the ``costs`` table.

Keys:

- ``facility``: the node where the cost arises: the site's own fixed, closing, capacity-level,
  make-or-buy and overtime costs; production, setups and subcontracting at the plant;
  purchases at the supplier; transport (and lane fixed costs) at the lane's origin; handling
  where it is charged (design: the receiving plant or warehouse; plan: the shipping one);
  holding and safety-stock shortfall at the stocking node; carbon where it is emitted (the
  lane's origin, the supplier, the plant).
- ``product``: the product made, bought, shipped, held or not delivered.
- ``customer``: transport, handling and lane fixed costs of lanes into the customer, the carbon
  of those lanes, and the customer's unmet-demand penalty (plan: also backlog and priority).

Not attributable (on the ``"(not attributable)"`` row):

- by facility: ``unmet`` and (plan) ``backlog`` (they belong to customers, not sites);
- by product: ``fixed``, ``closing``, ``capacity_levels``, ``lane_fixed`` (sites and lanes
  serve every product), plan ``overtime`` (hours shared by the products of a plant);
- by customer: everything upstream of the lanes into customers (sites, production,
  purchases, upstream transport and handling, holding, their carbon);
- in a plan, by facility only: ``backlog``, ``unmet`` and ``priority``; by customer and by
  product they come from the plan's ``service_costs`` table (the objective's own
  coefficients on open, late and lost orders and best-effort relief, per pair).

For a stochastic design the costs are expectations: each scenario's rows are weighted by its
probability (it returns no ``make_or_buy`` or ``lane_choices`` table: ``make_fixed`` and
``lane_fixed`` stay on the ``"(not attributable)"`` row). Carbon is split in proportion to kg CO2 and safety-stock shortfall in proportion to shortfall
units: each has one price per model, so the split is exact. Costs are money over the
horizon. Nothing here imports a model, ``Result`` or ``Network``: tables are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

KEYS = ("facility", "product", "customer")
NOT_ATTRIBUTABLE = "(not attributable)"
COLUMNS = ["category", "cost", "unit"]
TOL = 1e-9  # relative: rows below it are dropped (solver noise)

Tables = Mapping[str, pd.DataFrame]


def _part(keys, category: str, cost) -> pd.DataFrame:
    return pd.DataFrame({"key": pd.Series(keys, dtype=object).to_numpy(), "category": category,
                         "cost": np.asarray(cost, dtype=float)})


def _table(tables: Tables, name: str) -> pd.DataFrame:
    t = tables.get(name)
    return t if t is not None else pd.DataFrame()


def _kind_of(network: Tables) -> dict[str, str]:
    nodes = _table(network, "nodes")
    return dict(zip(nodes["id"], nodes["kind"], strict=True)) if len(nodes) else {}


def _node_rate(network: Tables, column: str) -> pd.Series:
    nodes = _table(network, "nodes")
    return nodes.set_index("id")[column].astype(float) if len(nodes) else pd.Series(dtype=float)


def _carbon_parts(emitters: list[tuple[pd.Series, pd.Series]], total_cost: float) -> list:
    """[(keys, cost)]: ``total_cost`` split over (keys, kg CO2) in proportion to the kg."""
    kg = sum(float(co2.sum()) for _keys, co2 in emitters)
    if not total_cost or kg <= 0:
        return []
    price = total_cost / kg  # one carbon price per model: the split is exact
    return [(keys, price * co2) for keys, co2 in emitters]


def _design_parts(t: Tables, net: Tables, by: str, cost: Mapping[str, float]) -> list:
    kind = _kind_of(net)
    fac, flows, prod = _table(t, "facilities"), _table(t, "flows"), _table(t, "production")
    buys, unmet = _table(t, "purchases"), _table(t, "unmet")
    parts = []
    to_c = flows[flows["destination"].map(kind).eq("customer")] if len(flows) else flows
    handling = (flows["quantity"] * flows["destination"].map(_node_rate(net, "handling_cost"))
                .where(flows["destination"].map(kind).isin(["plant", "warehouse"]), 0.0)
                .fillna(0.0)) if len(flows) else pd.Series(dtype=float)
    lanes = _table(t, "lane_choices")
    used = lanes[lanes["used"].astype(bool)] if len(lanes) else lanes
    if by == "facility":
        if len(fac):
            is_open = fac["open"].astype(bool)
            parts.append((fac.loc[is_open, "node"], "fixed",
                          fac.loc[is_open, "node"].map(_node_rate(net, "fixed_cost"))))
            shut = ~is_open & fac["status"].isin(["existing", "closed"])
            parts.append((fac.loc[shut, "node"], "closing",
                          fac.loc[shut, "node"].map(_node_rate(net, "closing_cost"))))
            lv = _table(net, "capacity_levels")
            chosen = fac[fac["level"].astype(str) != ""]
            if len(lv) and len(chosen):
                lv_cost = lv.set_index(["node", "level"])["fixed_cost"]
                parts.append((chosen["node"], "capacity_levels",
                              lv_cost.reindex(list(zip(chosen["node"], chosen["level"],
                                                       strict=True))).to_numpy()))
        parts += [(prod.get("plant", []), "production", prod.get("cost", [])),
                  (buys.get("supplier", []), "purchase", buys.get("cost", [])),
                  (flows.get("origin", []), "transport", flows.get("cost", [])),
                  (flows.get("destination", []), "handling", handling),
                  (used.get("origin", []), "lane_fixed", used.get("fixed_cost", []))]
        emit = [(flows.get("origin"), flows.get("co2")), (buys.get("supplier"), buys.get("co2")),
                (prod.get("plant"), prod.get("co2"))]
    elif by == "product":
        parts += [(prod.get("product", []), "production", prod.get("cost", [])),
                  (buys.get("product", []), "purchase", buys.get("cost", [])),
                  (flows.get("product", []), "transport", flows.get("cost", [])),
                  (flows.get("product", []), "handling", handling),
                  (unmet.get("product", []), "unmet", unmet.get("cost", []))]
        emit = [(flows.get("product"), flows.get("co2")), (buys.get("product"), buys.get("co2")),
                (prod.get("product"), prod.get("co2"))]
    else:
        into = used[used["destination"].map(kind).eq("customer")] if len(used) else used
        parts += [(to_c.get("destination", []), "transport", to_c.get("cost", [])),
                  (into.get("destination", []), "lane_fixed", into.get("fixed_cost", [])),
                  (unmet.get("customer", []), "unmet", unmet.get("cost", []))]
        emit = [(to_c.get("destination"), to_c.get("co2"))]
        # the carbon price needs every emission, traced or not
        emit_all = [flows.get("co2"), buys.get("co2"), prod.get("co2")]
        kg = sum(float(c.sum()) for c in emit_all if c is not None)
        if cost.get("carbon") and kg > 0:
            parts += [(k, "carbon", c * cost["carbon"] / kg) for k, c in emit if k is not None]
        return parts
    if by in ("facility", "product"):
        mob = _table(t, "make_or_buy")
        made = mob[mob["decision"].eq("make")] if len(mob) else mob
        popt = _table(net, "production")
        if len(made) and len(popt):
            fixed = popt.set_index(["plant", "product"])["fixed_cost"]
            parts.append((made["plant" if by == "facility" else "product"], "make_fixed",
                          fixed.reindex(list(zip(made["plant"], made["product"], strict=True)))
                          .to_numpy()))
    emit = [(k, c) for k, c in emit if k is not None and c is not None]
    parts += [(k, "carbon", c) for k, c in _carbon_parts(emit, cost.get("carbon", 0.0))]
    return parts


def _plan_parts(t: Tables, net: Tables, by: str, cost: Mapping[str, float]) -> list:
    kind = _kind_of(net)
    prod, ships, buys = _table(t, "production"), _table(t, "shipments"), _table(t, "purchases")
    inv = _table(t, "inventory")
    emit_all = [(prod, "plant"), (ships, "origin"), (buys, "supplier")]
    kg = sum(float(df["co2"].sum()) for df, _k in emit_all if "co2" in df)
    price = cost.get("carbon", 0.0) / kg if kg > 0 else 0.0
    short = float(inv["shortfall"].sum()) if "shortfall" in inv else 0.0
    ss_rate = cost.get("safety_stock_shortfall", 0.0) / short if short > 0 else 0.0
    parts = []
    service = _table(t, "service_costs")  # backlog, unmet, priority per (customer, product)
    if by != "facility" and len(service):
        parts += [(grp[by], cat, grp["cost"]) for cat, grp in service.groupby("category")]
    if by == "customer":
        to_c = ships[ships["destination"].map(kind).eq("customer")] if len(ships) else ships
        k = to_c.get("destination", [])
        return parts + [(k, "transport", to_c.get("cost", [])),
                        (k, "handling", to_c.get("handling_cost", [])),
                        (k, "carbon", price * to_c["co2"] if len(to_c) else [])]
    f = by == "facility"
    for name, cat, site in (("production", "production", "plant"), ("setups", "setup", "plant"),
                            ("subcontracting", "subcontracting", "plant"),
                            ("purchases", "purchase", "supplier")):
        df = _table(t, name)
        parts.append((df.get(site if f else "product", []), cat, df.get("cost", [])))
    parts += [(ships.get("origin" if f else "product", []), "transport", ships.get("cost", [])),
              (ships.get("origin" if f else "product", []), "handling",
               ships.get("handling_cost", [])),
              (inv.get("node" if f else "product", []), "holding", inv.get("holding_cost", [])),
              (inv.get("node" if f else "product", []), "safety_stock_shortfall",
               ss_rate * inv["shortfall"] if "shortfall" in inv else [])]
    parts += [(df[site if f else "product"], "carbon", price * df["co2"])
              for df, site in emit_all if "co2" in df and len(df)]
    cap = _table(t, "capacity")
    if f and len(cap):
        ot = cap[cap["type"].eq("production_hours") & (cap["overtime"] > 0)]
        parts.append((ot["resource"], "overtime",
                      ot["overtime"] * ot["resource"].map(_node_rate(net, "overtime_cost"))))
    return parts


def _expected(tables: Tables) -> dict[str, pd.DataFrame]:
    """A stochastic design (``scenario_costs`` table; flows, production, purchases and unmet
    stacked with a ``scenario`` column, ``costs`` the expected cost): quantities, costs and
    CO2 of each scenario weighted by its probability, so the rows add up to expectations."""
    prob = tables["scenario_costs"].set_index("scenario")["probability"]
    out = dict(tables)
    for name, df in tables.items():
        if name != "scenario_costs" and isinstance(df, pd.DataFrame) and "scenario" in df:
            w = df["scenario"].map(prob).fillna(0.0).to_numpy(float)
            cols = [c for c in ("quantity", "cost", "co2", "unmet") if c in df]
            out[name] = df.assign(**{c: df[c].to_numpy(float) * w for c in cols})
    return out


def cost_statistics(model: str, tables: Tables, network: Tables, by: str = "facility",
                    unit: str = "money/horizon") -> pd.DataFrame:
    """Costs by category x key: columns ``<by>``, category, cost, unit (long format).

    Args:
        model: "design" or "plan".
        tables: the result tables (``costs`` and what each category is traced from).
        network: the network's tables ``nodes``, ``capacity_levels``, ``production`` (rates
            and fixed costs not repeated in the result tables).
        by: "facility", "product" or "customer" (see the module docstring for what each key
            takes and which categories go to the ``"(not attributable)"`` row).
        unit: label of the cost column's unit (``EUR/horizon``).

    Returns:
        One row per key and category with a non-zero cost (money over the horizon), the
        categories in the order of the ``costs`` table, the largest cost first within each,
        ``"(not attributable)"`` last; per category the rows sum to the ``costs`` table.
    """
    if by not in KEYS:
        raise ValueError(f"statistics by {by!r}: choose one of {', '.join(KEYS)}")
    costs = tables.get("costs")
    if costs is None or not len(costs):
        return pd.DataFrame(columns=[by, *COLUMNS])
    total = costs.groupby("category", sort=False)["cost"].sum()
    if "scenario_costs" in tables:
        tables = _expected(tables)
    parts_of = {"design": _design_parts, "plan": _plan_parts}.get(model)
    if parts_of is None:
        raise ValueError(f"statistics are available for design and plan results, not {model!r}")
    parts = [_part(k, cat, c) for k, cat, c in parts_of(tables, network, by, total.to_dict())
             if len(k)]
    frame = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame(columns=["key", "category", "cost"]))
    frame = frame[frame["category"].isin(total.index)]
    grouped = frame.groupby(["category", "key"], as_index=False, sort=False)["cost"].sum()
    traced = grouped.groupby("category")["cost"].sum()
    rest = (total - traced.reindex(total.index).fillna(0.0)).rename("cost").reset_index()
    rest["key"] = NOT_ATTRIBUTABLE
    out = pd.concat([grouped, rest[["category", "key", "cost"]]], ignore_index=True)
    scale = out["category"].map(total.abs()).clip(lower=1.0)
    out = out[out["cost"].abs() > TOL * scale]
    order = {c: i for i, c in enumerate(total.index)}
    out = out.assign(_c=out["category"].map(order), _last=out["key"].eq(NOT_ATTRIBUTABLE),
                     _neg=-out["cost"])
    out = out.sort_values(["_c", "_last", "_neg"], kind="stable")
    out = out.rename(columns={"key": by})[[by, "category", "cost"]].reset_index(drop=True)
    out["unit"] = unit
    return out
