"""Plain-Python data for the design model, built once from a validated Network.

Every index set is a list of tuples in the order of a pandas table, so that variable
values read back by position line up with the table's key columns.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from ...geo import lane_distances
from ...network import Network
from ...views import bom_children, bom_units
from .._sets import records

DECIDABLE = ("existing", "candidate")


def finite(x: float | None) -> bool:
    """A real number that is neither NaN nor infinite (None, NaN = unlimited in the tables)."""
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and math.isfinite(x)


def min_open_count(need: float, caps: list[float]) -> int:
    """Smallest k such that the k largest of ``caps`` sum to at least ``need`` (len + 1 if none)."""
    total = 0.0
    for k, cap in enumerate(sorted(caps, reverse=True), start=1):
        total += cap
        if total >= need * (1 - 1e-12):
            return k
    return len(caps) + 1


@dataclass
class DesignData:
    T: int  # periods in the horizon; per-period capacities are multiplied by T
    kind: dict[str, str]
    status: dict[str, str]
    node: pd.DataFrame  # nodes table indexed by id
    arcs: pd.DataFrame  # origin, destination, product (sparse, no closed node)
    lanes: pd.DataFrame  # origin, destination + lane columns, lanes carrying any product
    demand: pd.DataFrame  # customer, product, quantity (summed over periods), priority, penalty
    supply: pd.DataFrame  # supplier, product, price, capacity (horizon), co2
    production: pd.DataFrame  # plant, product, cost, capacity_use, fixed_cost, co2
    levels: pd.DataFrame  # node, level, capacity (horizon), fixed_cost
    bom_of: dict[str, list[tuple[str, float]]]  # parent -> [(component, quantity)]
    requirement: dict[str, float]  # gross requirement of each product over the horizon
    facilities: list[str]  # plants and warehouses that are not closed
    decided: list[str]  # facilities whose opening is a decision
    arcs_out: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (node, p) -> arc idx
    arcs_in: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    lane_arcs: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    lane_lookup: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)

    def capacity(self, n: str) -> float:
        """Horizon capacity of a facility without levels (NaN = unlimited)."""
        c = self.node_capacity[n]
        return c * self.T if finite(c) else math.nan

    def __post_init__(self) -> None:
        self.level_nodes = set(self.levels["node"].tolist())
        # per period (NaN = unlimited); a dict: capacity() is asked once per arc end
        self.node_capacity = dict(zip(self.node.index.tolist(),
                                      self.node["capacity"].astype(float).tolist(), strict=True))

    def has_levels(self, n: str) -> bool:
        return n in self.level_nodes


def gross_requirements(demand: dict[str, float], bom_of: dict[str, list[tuple[str, float]]]
                       ) -> dict[str, float]:
    """Total units of each product needed to meet the demand, exploded through the BOM."""
    import networkx as nx

    g = nx.DiGraph()
    for parent, comps in bom_of.items():
        for comp, _q in comps:
            g.add_edge(parent, comp)
    req = defaultdict(float, demand)
    order = list(nx.topological_sort(g)) if len(g) else []
    for parent in order:
        for comp, q in bom_of.get(parent, ()):
            req[comp] += q * req[parent]
    return dict(req)


def prepare(net: Network, carbon_price: float = 0.0) -> DesignData:
    """Sparse sets and plain data of the design model (the network must be valid);
    ``carbon_price`` (money/kg CO2) enters the derived unmet penalty."""
    T = len(net.periods)
    nodes = net.table("nodes").set_index("id", drop=False)
    kind = dict(zip(nodes["id"].tolist(), nodes["kind"].tolist(), strict=True))
    status = dict(zip(nodes["id"].tolist(), nodes["status"].tolist(), strict=True))
    closed = {n for n, s in status.items() if s == "closed"}

    arcs = net.product_lanes()
    if closed:
        arcs = arcs[~arcs["origin"].isin(closed) & ~arcs["destination"].isin(closed)]
    arcs = arcs.reset_index(drop=True)

    # blank distances are the great-circle ones (schema): service radius and distance KPIs
    lanes_t = net.table("lanes").copy()
    lanes_t["distance"] = lane_distances(lanes_t, net.table("nodes"))
    used = arcs[["origin", "destination"]].drop_duplicates()
    lanes = used.merge(lanes_t, on=["origin", "destination"], how="left").reset_index(drop=True)

    dem = net.table("demand")
    demand = (dem.groupby(["customer", "product"], sort=False, as_index=False)
              .agg(quantity=("quantity", "sum"), priority=("priority", "first")))
    classes = net.table("customer_classes").set_index("priority")
    default_pen = net.params.get("unmet_penalty")
    pen = []
    for pr in demand["priority"].tolist():
        v = classes["unmet_penalty"].get(pr, math.nan) if len(classes) else math.nan
        pen.append(v if finite(v) else (default_pen if default_pen is not None else math.nan))
    demand["penalty"] = pen

    sup = net.table("supply")
    sup = sup[~sup["supplier"].isin(closed)].reset_index(drop=True)
    supply = sup[["supplier", "product", "price", "capacity", "co2"]].copy()
    supply["capacity"] = supply["capacity"] * T

    prod = net.table("production")
    prod = prod[~prod["plant"].isin(closed)].reset_index(drop=True)
    production = prod[["plant", "product", "cost", "capacity_use", "fixed_cost", "co2"]].copy()

    lv = net.table("capacity_levels")
    levels = lv[~lv["node"].isin(closed)][["node", "level", "capacity", "fixed_cost"]].copy()
    levels["capacity"] = levels["capacity"] * T
    levels = levels.reset_index(drop=True)

    bom_of = bom_children(net)
    dem_by_p: dict[str, float] = defaultdict(float)
    for p, q in zip(demand["product"].tolist(), demand["quantity"].tolist(), strict=True):
        dem_by_p[p] += q
    requirement = gross_requirements(dict(dem_by_p), bom_of)

    facilities = [n for n in nodes["id"].tolist()
                  if kind[n] in ("plant", "warehouse") and status[n] != "closed"]
    decided = [n for n in facilities if status[n] in DECIDABLE]

    data = DesignData(T, kind, status, nodes, arcs, lanes, demand, supply, production, levels,
                      bom_of, requirement, facilities, decided)
    data.lane_lookup = dict(zip(zip(lanes_t["origin"].tolist(), lanes_t["destination"].tolist(), strict=False),
                                zip(lanes_t["distance"].tolist(), lanes_t["lead_time"].tolist(), strict=False), strict=False))
    index_arcs(data)
    if demand["penalty"].isna().any():
        demand["penalty"] = demand["penalty"].fillna(derived_penalty(data, carbon_price))
    return data


def index_arcs(data: DesignData) -> None:
    """Adjacency of the sparse arcs: arcs into / out of (node, product), arcs of each lane."""
    data.arcs_out, data.arcs_in, data.lane_arcs = {}, {}, {}
    for i, (o, d, p) in enumerate(records(data.arcs, ["origin", "destination", "product"])):
        data.arcs_out.setdefault((o, p), []).append(i)
        data.arcs_in.setdefault((d, p), []).append(i)
        data.lane_arcs.setdefault((o, d), []).append(i)


def restrict_arcs(data: DesignData, keep: list[bool]) -> None:
    """Drop arcs (e.g. beyond a service radius) and rebuild the adjacency."""
    data.arcs = data.arcs[keep].reset_index(drop=True)
    used = data.arcs[["origin", "destination"]].drop_duplicates()
    data.lanes = used.merge(data.lanes, on=["origin", "destination"], how="left").reset_index(drop=True)
    index_arcs(data)


def derived_penalty(data: DesignData, carbon_price: float = 0.0) -> float:
    """Default unmet-demand penalty: 10 x an upper bound on the cost of delivering one unit,
    + 1 (money/unit).

    The bound, for the dearest demanded product: the dearest purchase of every component it
    can need (through the BOM); for every unit moved (the product and each component unit it
    consumes, ``views.bom_units``) the dearest production cost, lane cost, handling and
    carbon (``carbon_price`` money/kg times the largest kg per unit) times the number of nodes
    (no path is longer); and the facilities' fixed costs spread over the demand.
    """
    price = data.supply.groupby("product")["price"].max().to_dict()
    prod_cost = float(data.production["cost"].max()) if len(data.production) else 0.0
    lane_cost = float(data.lanes["cost"].max()) if len(data.lanes) else 0.0
    handling = float(data.node["handling_cost"].max()) if len(data.node) else 0.0
    co2 = max([0.0, *data.lanes["co2"].tolist(), *data.supply["co2"].tolist(),
               *data.production["co2"].tolist()]) * carbon_price
    total_dem = max(float(data.demand["quantity"].sum()), 1e-9)
    fixed = float(data.node["fixed_cost"].sum()) + float(data.levels["fixed_cost"].sum())
    fixed += float(data.production["fixed_cost"].sum()) + float(data.lanes["fixed_cost"].sum())

    def unit_cost(p: str, depth: int = 0) -> float:
        if depth > 50:
            return 0.0
        c = price.get(p, 0.0)
        comps = data.bom_of.get(p, [])
        return max(c, sum(q * unit_cost(comp, depth + 1) for comp, q in comps))

    units = bom_units(data.bom_of)
    moved = (prod_cost + lane_cost + handling + co2) * max(len(data.node), 1)
    worst = max((unit_cost(p) + units.get(p, 1.0) * moved for p in data.demand["product"].unique()),
                default=0.0)
    return 10.0 * (worst + fixed / total_dem) + 1.0
