"""The generator: valid, deterministic, structured as documented, feasible, fast."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

import supplynet as sn
from supplynet.generator import great_circle_km


def steady_state_feasible(net: sn.Network, period: int, scale: float = 1.0) -> bool:
    """Can one period's demand (x scale) be met with every facility open, ignoring lead
    times and stock? An LP written independently of the models (scipy + HiGHS):
    flow on product lanes, production at plants; balance per (node, product), demand met
    exactly, warehouse throughput, plant hours and supply capacities respected."""
    pl = net.product_lanes()
    prod = net.production
    kind = net.kind_of()
    nx_, nm = len(pl), len(prod)
    rows_eq: dict[tuple[str, str], int] = {}
    A, b = [], []

    def row(key):
        if key not in rows_eq:
            rows_eq[key] = len(rows_eq)
            b.append(0.0)
        return rows_eq[key]

    entries = []  # (row, col, value)
    for j, (o, d, p) in enumerate(zip(pl["origin"], pl["destination"], pl["product"],
                                      strict=True)):
        if kind[o] != "supplier":
            entries.append((row((o, p)), j, -1.0))
        entries.append((row((d, p)), j, 1.0))
    bom = net.bom
    for k, (n, p) in enumerate(zip(prod["plant"], prod["product"], strict=True)):
        entries.append((row((n, p)), nx_ + k, 1.0))
        for c, q in zip(bom.loc[bom["parent"] == p, "component"],
                        bom.loc[bom["parent"] == p, "quantity"], strict=True):
            entries.append((row((n, c)), nx_ + k, -q))
    dem = net.demand[net.demand["period"] == period]
    for c, p, q in zip(dem["customer"], dem["product"], dem["quantity"], strict=True):
        b[row((c, p))] += q * scale
    r, cidx, v = zip(*entries, strict=True)
    A = sp.csr_matrix((v, (r, cidx)), shape=(len(rows_eq), nx_ + nm))
    # a customer row is "in = demand"; any other (node, product) row is a balance = 0
    ub_rows, ub_b = [], []
    cap = dict(zip(net.nodes["id"], net.nodes["capacity"], strict=True))
    for w in net.nodes_of_kind("warehouse"):
        cols = np.flatnonzero(pl["destination"].to_numpy() == w)
        if len(cols) and not math.isnan(cap[w]):
            ub_rows.append(sp.csr_matrix((np.ones(len(cols)), (np.zeros(len(cols)), cols)),
                                         shape=(1, nx_ + nm)))
            ub_b.append(cap[w])
    for p_ in net.nodes_of_kind("plant"):
        ks = np.flatnonzero(prod["plant"].to_numpy() == p_)
        if len(ks) and not math.isnan(cap[p_]):
            ub_rows.append(sp.csr_matrix((prod["capacity_use"].to_numpy()[ks],
                                          (np.zeros(len(ks)), nx_ + ks)), shape=(1, nx_ + nm)))
            ub_b.append(cap[p_])
    sup = net.supply
    for s, p, c in zip(sup["supplier"], sup["product"], sup["capacity"], strict=True):
        cols = np.flatnonzero((pl["origin"].to_numpy() == s) & (pl["product"].to_numpy() == p))
        if len(cols) and not math.isnan(c):
            ub_rows.append(sp.csr_matrix((np.ones(len(cols)), (np.zeros(len(cols)), cols)),
                                         shape=(1, nx_ + nm)))
            ub_b.append(c)
    res = linprog(np.zeros(nx_ + nm), A_ub=sp.vstack(ub_rows) if ub_rows else None,
                  b_ub=ub_b or None, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
    return res.status == 0


SIZES = [
    dict(),
    dict(suppliers=2, plants=1, warehouses=1, customers=3, products=1, bom_depth=1, seed=1),
    dict(suppliers=5, plants=2, warehouses=4, customers=40, products=3, bom_depth=3, seed=2),
    dict(suppliers=8, plants=9, warehouses=7, customers=120, products=5, bom_depth=2, seed=3,
         periods=6),
    dict(suppliers=1, plants=4, warehouses=2, customers=10, products=2, bom_depth=4, seed=4,
         periods=1),
]


@pytest.mark.parametrize("kw", SIZES, ids=[str(i) for i in range(len(SIZES))])
def test_valid_and_structured_as_asked(kw):
    net = sn.generate(**kw)
    assert net.problems() == []
    counts = net.nodes["kind"].value_counts().to_dict()
    for k, default in (("supplier", 6), ("plant", 4), ("warehouse", 6), ("customer", 30)):
        assert counts[k] == kw.get(k + "s", default)
    depth = kw.get("bom_depth", 2)
    products = net.products
    assert (products["kind"] == "finished").sum() == kw.get("products", 3)
    # BOM: longest chain of parent -> component is exactly bom_depth lanes long
    g = nx.DiGraph(list(zip(net.bom["parent"], net.bom["component"], strict=True)))
    assert nx.dag_longest_path_length(g) == depth
    raw = set(products.loc[products["kind"] == "raw", "id"])
    assert raw == {n for n in g if g.out_degree(n) == 0}  # raw products have no components
    assert {p for p in products["id"] if p not in raw} <= set(net.bom["parent"])
    assert set(products["id"]) - set(products.loc[products["kind"] == "finished", "id"]) \
        <= set(net.bom["component"])  # everything below finished is used
    assert net.periods == list(range(1, kw.get("periods", 12) + 1))


def test_deterministic_for_a_seed():
    a = sn.generate(customers=50, seed=42)
    assert a.equals(sn.generate(customers=50, seed=42))
    assert not a.equals(sn.generate(customers=50, seed=43))


def test_great_circle_by_hand():
    # one degree of longitude on the equator = 2 pi R / 360
    assert great_circle_km(0, 0, 0, 1) == pytest.approx(2 * math.pi * 6371 / 360, rel=1e-12)
    # pole to pole = pi R
    assert great_circle_km(90, 0, -90, 0) == pytest.approx(math.pi * 6371, rel=1e-12)
    # Paris - London, about 343.5 km
    assert great_circle_km(48.8566, 2.3522, 51.5074, -0.1278) == pytest.approx(343.5, abs=1)


def test_lanes_follow_geography():
    net = sn.generate(customers=60, warehouses=8, k_nearest=3, seed=7)
    nodes = net.nodes.set_index("id")
    lanes = net.lanes
    for o, d, dist, cost, lt, co2 in zip(lanes["origin"], lanes["destination"],
                                         lanes["distance"], lanes["cost"], lanes["lead_time"],
                                         lanes["co2"], strict=True):
        km = great_circle_km(nodes.at[o, "lat"], nodes.at[o, "lon"], nodes.at[d, "lat"],
                             nodes.at[d, "lon"])
        assert dist == pytest.approx(km, abs=0.06)  # coordinates and km are rounded
        f = 0.5 if nodes.at[o, "kind"] == "supplier" else 1.0
        assert cost == pytest.approx(f * (0.02 + 0.0004 * dist), abs=2e-4)
        assert lt == math.floor(dist / 1500.0) or abs(dist % 1500) < 0.1
        assert co2 == pytest.approx(0.0001 * dist, abs=1e-4)
    # each customer from its 3 nearest warehouses, plus its nearest existing one when none
    # of the 3 exists (so the existing facilities alone reach every customer)
    wh = nodes[nodes["kind"] == "warehouse"]
    into = lanes[lanes["destination"].str.startswith("C")]
    for c in nodes.index[nodes["kind"] == "customer"][:20]:
        km = great_circle_km(nodes.at[c, "lat"], nodes.at[c, "lon"], wh["lat"], wh["lon"])
        nearest = set(wh.index[np.argsort(km)[:3]])
        existing = wh.index[(wh["status"] == "existing").to_numpy()]
        if not nearest & set(existing):
            nearest.add(existing[int(np.argmin(km[(wh["status"] == "existing").to_numpy()]))])
        assert set(into.loc[into["destination"] == c, "origin"]) == nearest


def test_demand_terms():
    net = sn.generate(customers=100, seed=3)
    d = net.demand
    classes = set(net.customer_classes["priority"])
    assert set(d["priority"]) <= classes and {"key_account", "standard", "economy"} == classes
    assert ((d["service_level"] > 0) & (d["service_level"] < 1)).all()
    assert (d["std"] >= 0).all() and (d["quantity"] >= 0).all()
    cv = (d["std"] / d["quantity"]).where(d["quantity"] > 50)
    for k, want in (("key_account", 0.15), ("standard", 0.25), ("economy", 0.35)):
        assert cv[d["priority"] == k].dropna().to_numpy() == pytest.approx(want, abs=0.01)
    # seasonal: every (customer, product) series varies over the 12 periods
    spread = d.groupby(["customer", "product"])["quantity"].agg(lambda q: q.max() / q.min())
    assert (spread[spread.notna() & np.isfinite(spread)] > 1.05).mean() > 0.9


def test_candidates_have_capacity_levels_starting_at_their_capacity():
    net = sn.generate(seed=5)
    nodes = net.nodes.set_index("id")
    levels = net.capacity_levels
    cands = set(nodes.index[nodes["status"] == "candidate"])
    assert cands and set(levels["node"]) == cands
    for n, grp in levels.groupby("node"):
        caps = sorted(grp["capacity"])
        assert caps[0] == nodes.at[n, "capacity"] and caps[-1] > caps[0]
    assert set(nodes.loc[nodes["kind"].isin(["plant", "warehouse"]), "status"]) \
        == {"existing", "candidate"}


@pytest.mark.parametrize("kw", SIZES, ids=[str(i) for i in range(len(SIZES))])
def test_feasible_in_every_period_and_capacity_matters(kw):
    net = sn.generate(**kw)
    for t in net.periods:
        assert steady_state_feasible(net, t), f"period {t}"
    # the LP is not trivially feasible: demand 3 x bigger than capacities were sized for fails
    peak = int(net.demand.groupby("period")["quantity"].sum().idxmax())
    assert not steady_state_feasible(net, peak, scale=3.0)


def test_bad_arguments_are_option_errors():
    for kw in (dict(customers=0), dict(bom_depth=0), dict(plants=-1), dict(products=1.5),
               dict(capacity_slack=0.5), dict(km_per_period=0), dict(k_nearest=0)):
        with pytest.raises(sn.OptionsError, match="generate: "):
            sn.generate(**kw)


def test_ten_thousand_customers_are_valid():
    # How long this takes is measured in benchmarks/, not asserted here.
    net = sn.generate(suppliers=30, plants=12, warehouses=150, customers=10_000, products=8,
                      bom_depth=3, seed=1)
    assert len(net.nodes) == 30 + 12 + 150 + 10_000
    assert net.problems() == []  # typing every table and validating included


# ------------------------------------------------------------------ shipped instances
def existing_only(net: sn.Network, overtime: bool) -> sn.Network:
    """The network a plan uses: open and existing facilities (plus overtime hours if asked)."""
    nodes = net.nodes[net.nodes["status"] != "candidate"].copy()
    if overtime:
        nodes["capacity"] = nodes["capacity"] + nodes["overtime_capacity"]
    keep = set(nodes["id"])
    out = net.copy()
    out.set_table("nodes", nodes)
    lanes = net.lanes
    out.set_table("lanes", lanes[lanes["origin"].isin(keep) & lanes["destination"].isin(keep)])
    out.set_table("production", net.production[net.production["plant"].isin(keep)])
    out.set_table("capacity_levels", None)
    return out


def test_juice_is_feasible_and_its_plants_bind_in_summer():
    net = sn.load_instance("juice")
    kinds = net.nodes["kind"].value_counts()
    assert kinds["customer"] >= 20 and 3 <= kinds["plant"] <= 4 and 4 <= kinds["warehouse"] <= 6
    assert (net.products["kind"] == "finished").sum() >= 3
    assert net.periods == list(range(1, 13)) and set(net.lanes["lead_time"]) == {0, 1, 2}
    assert (net.lanes["co2"] > 0).all() and (net.demand["std"] > 0).all()
    assert set(net.demand["priority"]) == set(net.customer_classes["priority"])
    assert set(net.capacity_levels["node"]) >= set(net.nodes_of_kind("plant"))
    totals = net.demand.groupby("period")["quantity"].sum()
    peak, low = int(totals.idxmax()), int(totals.idxmin())
    assert peak == 6  # June: summer plus the orange_1l promotion
    # every facility open: even the peak month fits comfortably (1.5 x peak demand)
    assert steady_state_feasible(net, peak, scale=1.5)
    # a plan (existing facilities): June and July do not fit in regular hours, every month
    # fits with overtime, a quiet month fits in regular hours: stock must be built ahead
    regular, with_ot = existing_only(net, overtime=False), existing_only(net, overtime=True)
    assert not steady_state_feasible(regular, 6) and not steady_state_feasible(regular, 7)
    assert steady_state_feasible(regular, low)
    assert all(steady_state_feasible(with_ot, t) for t in net.periods)
    # and not by far: regular hours cover 85 % of June, overtime does not cover 120 %
    assert steady_state_feasible(regular, peak, scale=0.85)
    assert not steady_state_feasible(with_ot, peak, scale=1.20)


def test_assembly_is_a_three_level_instance_with_fifty_nodes():
    net = sn.load_instance("assembly")
    assert len(net.nodes) >= 50
    g = nx.DiGraph(list(zip(net.bom["parent"], net.bom["component"], strict=True)))
    assert nx.dag_longest_path_length(g) >= 3
    for t in net.periods:
        assert steady_state_feasible(net, t)
