"""Maps and charts: what they show (labels, legends, units, modes, order), not their pixels."""

from __future__ import annotations

import json
import math
from importlib import resources

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import supplynet as sn

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

from supplynet.plot import plot_network  # noqa: E402
from supplynet.plot.coastline import land_polygons  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def juice():
    net = sn.read("instances/juice")
    design = sn.design(net, time_limit=120)
    buffers = sn.buffers(design.apply())
    plan = sn.plan(buffers.apply())
    assert design.ok and buffers.ok and plan.ok
    return net, design, buffers, plan


def labels_of(ax) -> list[str]:
    return [t.get_text().split("\n")[0] for t in ax.texts if t.get_gid() == "node-label"]


def land_patches(ax) -> int:
    return sum(1 for p in ax.patches if p.get_gid() == "land")


def flow_legend(ax):
    (leg,) = [a for a in ax.artists if a.get_gid() == "flow-legend"]
    return leg


def europe(units: dict | None = None) -> sn.Network:
    """S (Rotterdam) -> W (Paris) -> C1 (Madrid), C2 (Berlin); lon/lat coordinates."""
    net = sn.Network("europe", params={"units": units or {"money": "EUR", "quantity": "kg"}})
    net.add_supplier("S", lat=51.9, lon=4.5).add_warehouse("W", lat=48.9, lon=2.35)
    net.add_customer("C1", lat=40.4, lon=-3.7).add_customer("C2", lat=52.5, lon=13.4)
    net.add_lane("S", "W").add_lane("W", "C1").add_lane("W", "C2")
    net.add_product("A", value=2.0)
    return net


# ------------------------------------------------------------------ design map
def test_design_map_labels_each_open_facility_once(juice):
    _net, design, _b, _p = juice
    fac = design.facilities
    open_facilities = sorted(fac.loc[fac["open"].astype(bool), "node"])
    ax = design.plot()
    assert sorted(labels_of(ax)) == open_facilities
    closed = set(fac["node"]) - set(open_facilities)
    assert closed and not closed & set(labels_of(ax))


def test_design_map_of_mixed_units_sizes_lanes_by_value_with_currency(juice):
    # juice's quantity unit is a description (kg, pieces, litres): lanes are sized in money
    _net, design, _b, _p = juice
    leg = flow_legend(design.plot())
    assert "EUR/horizon" in leg.get_title().get_text()
    amounts = [t.get_text() for t in leg.get_texts() if t.get_text()[0].isdigit()]
    assert len(amounts) >= 2


def test_flow_widths_grow_with_quantity_and_the_legend_names_the_unit():
    net = europe()
    flows = pd.DataFrame({"origin": ["S", "W", "W"], "destination": ["W", "C1", "C2"],
                          "product": ["A"] * 3, "quantity": [300.0, 200.0, 100.0]})
    ax = plot_network(net, flows=flows)
    (lanes,) = [c for c in ax.collections if c.get_gid() == "flows"]
    segments = [tuple(map(tuple, s)) for s in lanes.get_segments()]
    width = dict(zip(segments, lanes.get_linewidths(), strict=True))
    pos = {"S": (4.5, 51.9), "W": (2.35, 48.9), "C1": (-3.7, 40.4), "C2": (13.4, 52.5)}
    w = {k: width[(pos[a], pos[b])] for k, (a, b) in {"SW": "SW", "WC1": ("W", "C1"),
                                                       "WC2": ("W", "C2")}.items()}
    assert w["SW"] > w["WC1"] > w["WC2"]
    leg = flow_legend(ax)
    assert leg.get_title().get_text() == "flow\n[kg/horizon]"
    arrows = [t for t in ax.texts if t.arrow_patch is not None]
    assert len(arrows) == 3  # one direction arrow per lane


def test_quantity_widths_are_refused_when_products_differ_in_unit():
    net = europe()
    net.set_table("products", pd.DataFrame({"id": ["A", "B"], "value": [2.0, 1.0],
                                            "unit": ["kg", "L"]}))
    flows = pd.DataFrame({"origin": ["S", "S"], "destination": ["W", "W"],
                          "product": ["A", "B"], "quantity": [10.0, 10.0]})
    with pytest.raises(ValueError, match="different or unknown units"):
        plot_network(net, flows=flows, measure="quantity")
    leg = flow_legend(plot_network(net, flows=flows))  # auto: by value, 10 x 2 + 10 x 1
    assert leg.get_title().get_text() == "value of goods shipped\n[EUR/horizon]"


def test_labels_are_thinned_on_a_large_network():
    net = sn.generate(customers=200, warehouses=20, seed=4)
    assert len(net.table("nodes")) > 200
    ax = plot_network(net, labels=True, max_labels=12)
    shown = [t for t in ax.texts if t.get_gid() == "node-label"]
    assert 1 <= len(shown) <= 12
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in shown]
    for i, a in enumerate(boxes):  # no label written over another
        assert not any(a.overlaps(b) for b in boxes[i + 1:])
    small = plot_network(europe(), labels=True)
    assert sorted(labels_of(small)) == ["C1", "C2", "S", "W"]  # few nodes: every one


# ------------------------------------------------------------------ coastline
def test_land_outline_is_small_offline_data_with_land_where_land_is():
    from matplotlib.path import Path

    data = resources.files("supplynet.plot").joinpath("data/ne_110m_land.json")
    assert len(data.read_bytes()) < 150_000
    assert "public domain" in json.loads(data.read_text())["source"]
    outers = [Path(poly[0]) for poly in land_polygons()]

    def on_land(lon, lat):
        return any(p.contains_point((lon, lat)) for p in outers)

    assert on_land(-3.7, 40.4) and on_land(2.35, 48.86) and on_land(-100.0, 40.0)  # Madrid, Paris
    assert not on_land(-30.0, 40.0) and not on_land(-150.0, 0.0)  # mid-Atlantic, mid-Pacific


def test_coastline_is_drawn_only_for_longitude_latitude():
    ax = plot_network(europe())
    assert land_patches(ax) > 0 and ax.get_xlabel() == "longitude [°]"
    lo, hi = ax.get_xlim()
    assert lo < -3.7 and hi > 13.4 and hi - lo < 40  # clipped to the network, with a margin
    assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(sum(ax.get_ylim()) / 2)))
    assert land_patches(plot_network(europe(), backdrop=False)) == 0

    planar = europe()
    nodes = planar.table("nodes").copy()
    nodes["lon"] = [100.0, 300.0, 500.0, 700.0]  # kilometres on a plane, not degrees
    planar.set_table("nodes", nodes)
    assert land_patches(plot_network(planar)) == 0
    nodes["lon"] = float("nan")  # no coordinates: a spring layout
    planar.set_table("nodes", nodes)
    ax = plot_network(planar)
    assert land_patches(ax) == 0 and ax.get_xlabel() == ""


# ------------------------------------------------------------------ buffers map
def test_buffers_map_marks_push_pull_and_mixed_nodes(juice):
    _net, _d, buffers, _p = juice
    expected = {"push": 0, "pull": 0, "mixed": 0}
    for _node, modes in buffers.stages.groupby("node")["mode"]:
        kinds = set(modes)
        expected["mixed" if len(kinds) == 2 else kinds.pop()] += 1
    ax = buffers.plot("buffers")
    drawn = {c.get_gid().split(":")[1]: len(c.get_offsets())
             for c in ax.collections if (c.get_gid() or "").startswith("mode:")}
    assert {m: drawn.get(m, 0) for m in expected} == expected
    assert expected["mixed"] > 0  # the plants buffer components and make to order
    assert len(ax.get_legend().get_texts()) >= 2


# ------------------------------------------------------------------ plan charts
def two_units():
    """P (20 h/period) -> W -> C; 20 kg of A and 20 L of B wanted in period 3: 20 units are
    made in period 2 and held one period."""
    net = sn.Network("two", params={"periods": 3, "unmet_penalty": 1000.0})
    net.add_plant("P", capacity=20.0).add_warehouse("W").add_customer("C")
    net.add_lane("P", "W").add_lane("W", "C")
    net.add_product("A", value=10.0).add_product("B", value=2.0)
    net.add_production("P", "A").add_production("P", "B")
    net.add_demand("C", "A", 20.0, period=3).add_demand("C", "B", 20.0, period=3)
    res = sn.plan(net)
    # a unit per product (a column the schema does not validate yet; the charts read it)
    res.network.set_table("products", pd.DataFrame({"id": ["A", "B"], "value": [10.0, 2.0],
                                                    "unit": ["kg", "L"]}))
    return res


def test_inventory_never_puts_kilograms_and_litres_on_one_axis():
    res = two_units()
    axes = res.plot("inventory", value=False)
    assert len(axes) == 2
    by_unit = {a.get_ylabel(): a for a in axes}
    assert set(by_unit) == {"on hand [kg]", "on hand [L]"}
    assert [ln.get_label() for ln in by_unit["on hand [kg]"].lines] == ["A"]
    assert [ln.get_label() for ln in by_unit["on hand [L]"].lines] == ["B"]
    held = res.inventory.groupby(["product", "period"])["on_hand"].sum()
    assert list(by_unit["on hand [kg]"].lines[0].get_ydata()) == pytest.approx(
        [held.get(("A", t), 0.0) for t in (1, 2, 3)])


def test_inventory_by_value_stacks_money_in_the_currency():
    res = two_units()
    ax = res.plot("inventory")  # two units: by value unless asked otherwise
    assert ax.get_ylabel() == "stock value [EUR]"
    inv = res.inventory
    money = (inv["on_hand"] * inv["product"].map({"A": 10.0, "B": 2.0})).groupby(inv["period"]).sum()
    assert money.sum() > 0  # 20 units are held in period 2
    # the stacked areas reach the total money held, 20 units x their value, never more
    top = max(p.vertices[:, 1].max() for c in ax.collections for p in c.get_paths())
    assert top == pytest.approx(money.max())
    assert money.max() == pytest.approx(20 * 10.0) or money.max() == pytest.approx(20 * 2.0) \
        or 40.0 <= money.max() <= 200.0


def test_inventory_in_quantities_is_refused_when_units_are_unknown(juice):
    *_rest, plan = juice
    with pytest.raises(ValueError, match="by value"):
        plan.plot("inventory", value=False)
    ax = plan.plot("inventory")
    assert ax.get_ylabel() == "stock value [EUR]"
    one = plan.plot("inventory", product="orange_1l", value=False)  # one product: its own axis
    assert one.get_ylabel().startswith("on hand [")


def test_production_has_one_axis_per_plant_with_period_labels(juice):
    net, _d, _b, plan = juice
    plants = sorted(set(plan.production["plant"]))
    axes = plan.plot("production")
    assert len(axes) == len(plants) >= 2
    months = net.table("periods")["label"].tolist()
    for plant, ax in zip(plants, axes, strict=True):
        assert ax.get_title(loc="left").startswith(plant)
        assert list(ax.get_xticks()) == net.periods
        assert ax.get_ylabel() == "hours"
        hours = plan.production.loc[plan.production["plant"] == plant, "hours"].sum()
        assert sum(p.get_height() for p in ax.patches) == pytest.approx(hours)
    bottom = axes[-1]  # the panels share the period axis, labelled under the last one
    assert [t.get_text() for t in bottom.get_xticklabels()] == months
    assert bottom.get_xlabel() == "period [month]"
    single = plan.plot("production", plant=plants[0])
    assert not isinstance(single, np.ndarray)


# ------------------------------------------------------------------ costs
@pytest.mark.parametrize("which, unit", [(1, "EUR"), (2, "EUR/month"), (3, "EUR")])
def test_cost_bars_are_sorted_descending_in_the_currency(juice, which, unit):
    result = juice[which]
    ax = result.plot("costs")
    widths = [p.get_width() for p in ax.patches]
    nonzero = sorted((c for c in result.costs["cost"] if abs(c) > 1e-9), reverse=True)
    assert widths == pytest.approx(nonzero)
    assert ax.get_xlabel() == f"cost [{unit}]"
    names = [t.get_text() for t in ax.get_yticklabels()]
    top = result.costs.loc[result.costs["cost"].idxmax(), "category"].replace("_", " ")
    assert names[0] == top


# ------------------------------------------------------------------ dispatch, CLI
def test_plot_kinds_are_checked_per_model(juice):
    _net, design, buffers, plan = juice
    with pytest.raises(ValueError, match="'network', 'costs'"):
        design.plot("production")
    assert labels_of(design.plot("map")) == labels_of(design.plot("network"))
    assert buffers.plot().get_title() == buffers.plot("buffers").get_title()
    plan_map = plan.plot()
    used = set(plan.shipments.loc[plan.shipments["quantity"] > 0, "origin"])
    assert set(labels_of(plan_map)) <= used | set(plan.production["plant"])


def test_cli_plot_writes_the_map_and_the_charts_of_the_model(juice, tmp_path):
    from supplynet.cli.solve import save_plots

    *_rest, plan = juice
    files = save_plots(plan, tmp_path, "juice_plan")
    assert sorted(f.name for f in files) == ["juice_plan.png", "juice_plan_costs.png",
                                             "juice_plan_inventory.png",
                                             "juice_plan_production.png"]
    assert all(f.stat().st_size > 10_000 for f in files)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    import sys

    from supplynet.extras import MissingExtraError
    from supplynet.plot.common import new_axes

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(MissingExtraError, match=r"supplynet\[plot\]"):
        new_axes()


def test_a_gsm_result_draws_its_costs_by_default():
    # a stage graph has no map: plot() without a kind raised "a gsm result draws 'costs'"
    g = nx.DiGraph()
    g.add_node("A", lead_time=1, holding_cost=1.0)
    g.add_node("D", lead_time=1, holding_cost=2.0, demand_mean=5.0, demand_std=1.0,
               max_service_time=0)
    g.add_edge("A", "D")
    ax = sn.gsm(g).plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["safety stock"]
