"""KPI tables and cost breakdowns of design, plan, buffers and gsm results, each value worked
out by hand on a tiny network from the definitions in README.md, models/*.md and the result
docstrings (the arithmetic is in the comments). Checks: costs sum to the objective,
statistics(by=...) sum to costs, KPI values and their unit strings, fill rates per class,
utilisation, emissions, cost to serve, lead times, and the edge cases (closed facility,
zero-demand class, lost sales, infeasible and time-limited results)."""

from __future__ import annotations

import math
from statistics import NormalDist

import networkx as nx
import pandas as pd
import pytest

import supplynet as sn

NA = "(not attributable)"
KPI_COLUMNS = ["kpi", "value", "unit"]


def kpi(res: sn.Result, name: str) -> tuple[float, str]:
    row = res.kpis.set_index("kpi").loc[name]
    return float(row["value"]), row["unit"]


def cost(res: sn.Result, category: str) -> float:
    return float(res.costs.set_index("category")["cost"][category])


def cell(stats: pd.DataFrame, by: str, key: str, category: str) -> float:
    rows = stats[(stats[by] == key) & (stats["category"] == category)]
    assert len(rows) <= 1
    return float(rows["cost"].sum())


def check_costs_and_statistics(res: sn.Result) -> None:
    """costs sum to the objective; per category every statistics(by) sums to costs."""
    assert float(res.costs["cost"].sum()) == pytest.approx(res.objective)
    assert kpi(res, "total_cost")[0] == pytest.approx(res.objective)
    for by in ("facility", "product", "customer"):
        st = res.statistics(by)
        assert list(st.columns) == [by, "category", "cost", "unit"]
        total = st.groupby("category")["cost"].sum()
        for cat, c in res.costs.set_index("category")["cost"].items():
            assert total.get(cat, 0.0) == pytest.approx(c, abs=1e-6), (by, cat)


# --------------------------------------------------------------------------- design
def design_two_products() -> sn.Network:
    """T = 2 periods, carbon price 1/kg, custom units (USD, pcs, week, mi, t).

    S sells A at 1 (0.5 t CO2 per unit bought); open plant P makes B at 3 (2 h/unit, 1 t/unit)
    with 50 h/period; candidate W1 (fixed 100, 40 pcs/period), candidate W2 (fixed 300),
    existing W3 (fixed 500, closing 20). Inbound lanes cost 1; W1->C1 1 (100 mi, 0.1 t/unit),
    W1->C2 2 (300 mi); W2->C1 3, W2->C2 1; W3->C* 1. Demand 20 A at C1 and 10 B at C2 per period.

    By hand, W1 alone: fixed 100 + closing W3 20 + purchase 40x1 = 40 + production 20x3 = 60
    + inbound 60x1 + outbound 40x1 + 20x2 = 140 transport + carbon (40x0.5 + 20x1 + 40x0.1 = 44 t)
    x 1 = 44; total 404. Opening W2 as well costs 300 to save at most 20x(2-1) = 20; keeping W3
    costs 500 - 20 to save at most 60: W1 alone is optimal. W1's capacity 40x2 = 80 >= 60."""
    n = sn.Network("design_two_products", params={
        "carbon_price": 1.0, "periods": 2,
        "units": {"money": "USD", "quantity": "pcs", "time": "week", "distance": "mi", "co2": "t"}})
    n.add_product("A").add_product("B")
    n.add_supplier("S").add_supply("S", "A", price=1.0, co2=0.5)
    n.add_plant("P", status="open", capacity=50.0)
    n.add_production("P", "B", cost=3.0, capacity_use=2.0, co2=1.0)
    n.add_warehouse("W1", status="candidate", fixed_cost=100.0, capacity=40.0)
    n.add_warehouse("W2", status="candidate", fixed_cost=300.0)
    n.add_warehouse("W3", status="existing", fixed_cost=500.0, closing_cost=20.0)
    n.add_customer("C1").add_customer("C2")
    for w in ("W1", "W2", "W3"):
        n.add_lane("S", w, cost=1.0, distance=10.0).add_lane("P", w, cost=1.0, distance=20.0)
    n.add_lane("W1", "C1", cost=1.0, distance=100.0, co2=0.1)
    n.add_lane("W1", "C2", cost=2.0, distance=300.0)
    n.add_lane("W2", "C1", cost=3.0, distance=50.0).add_lane("W2", "C2", cost=1.0, distance=200.0)
    n.add_lane("W3", "C1", cost=1.0, distance=5.0).add_lane("W3", "C2", cost=1.0, distance=5.0)
    for t in (1, 2):
        n.add_demand("C1", "A", 20, period=t).add_demand("C2", "B", 10, period=t)
    return n.validate()


@pytest.fixture(scope="module")
def design1() -> sn.Result:
    res = sn.design(design_two_products())
    assert res.status == "optimal"
    assert res.objective == pytest.approx(404.0)
    return res


def test_design_costs_by_hand(design1):
    hand = {"fixed": 100, "closing": 20, "capacity_levels": 0, "production": 60, "make_fixed": 0,
            "purchase": 40, "transport": 140, "handling": 0, "lane_fixed": 0, "carbon": 44,
            "unmet": 0}
    assert dict(zip(design1.costs["category"], design1.costs["cost"], strict=True)) == \
        pytest.approx(hand)
    check_costs_and_statistics(design1)


def test_design_kpis_and_units(design1):
    k = design1.kpis
    assert list(k.columns) == KPI_COLUMNS
    hand = {  # kpi: (value, unit in the instance's units)
        "total_cost": (404.0, "USD/horizon"),
        "fill_rate": (1.0, "share"),                        # 60 of 60 delivered
        "co2": (44.0, "t"),                                 # 20 bought + 20 made + 4 on W1->C1
        "cost_per_unit": (404.0 / 60.0, "USD/pcs"),         # total cost / units delivered
        # (40 x 100 + 20 x 300) / 60 units, weighted by the units on each assignment
        "avg_distance_to_customer": (10000.0 / 60.0, "mi"),
        "max_distance_to_customer": (300.0, "mi"),
        "open_plants": (1, "count"),
        "open_warehouses": (1, "count"),                    # W1; W2 stays shut, W3 closes
    }
    assert list(k["kpi"]) == list(hand)
    for name, (value, unit) in hand.items():
        got, got_unit = kpi(design1, name)
        assert got == pytest.approx(value), name
        assert got_unit == unit, name
    counts = k.set_index("kpi")["value"]
    assert isinstance(counts["open_plants"], int) and isinstance(counts["open_warehouses"], int)


def test_design_utilisation_with_closed_facilities(design1):
    fac = design1.facilities.set_index("node")
    # P: 20 B x 2 h = 40 h of 50 h x 2 periods; W1: 60 units of 40 x 2
    assert fac.at["P", "capacity_used"] == pytest.approx(40.0)
    assert fac.at["P", "capacity"] == pytest.approx(100.0)
    assert fac.at["P", "utilisation"] == pytest.approx(0.4)
    assert fac.at["W1", "throughput"] == pytest.approx(60.0)
    assert fac.at["W1", "utilisation"] == pytest.approx(0.75)
    for closed in ("W2", "W3"):  # shut: no capacity, so no utilisation (NaN, not 0)
        assert not fac.at[closed, "open"]
        assert fac.at[closed, "capacity"] == 0.0
        assert math.isnan(fac.at[closed, "utilisation"])


def test_design_emissions_rows(design1):
    # emissions = sum of kg (here t) per unit x units, over lanes, purchases and production
    assert float(design1.flows["co2"].sum()) == pytest.approx(40 * 0.1)
    assert float(design1.purchases["co2"].sum()) == pytest.approx(40 * 0.5)
    assert float(design1.production["co2"].sum()) == pytest.approx(20 * 1.0)


def test_design_cost_to_serve(design1):
    # last mile: C1 40 x 1 = 40, C2 20 x 2 = 40; the pool 404 - 0 unmet - 80 = 324 is shared
    # by units: C1 324 x 40/60 = 216, C2 108; per unit C1 256/40 = 6.4, C2 148/20 = 7.4
    hand = {"C1": (40, 40, 216, 256, 6.4), "C2": (20, 40, 108, 148, 7.4)}
    cols = ["delivered", "last_mile_cost", "allocated_cost", "cost_to_serve", "cost_per_unit"]
    cts = design1.cost_to_serve.set_index("customer")
    for c, vals in hand.items():
        assert cts.loc[c, cols].astype(float).tolist() == pytest.approx(list(vals))
    pc = design1.product_cost.set_index("product")  # A goes only to C1, B only to C2
    assert pc.loc["A", cols].astype(float).tolist() == pytest.approx(list(hand["C1"]))
    assert pc.loc["B", cols].astype(float).tolist() == pytest.approx(list(hand["C2"]))
    cpc = design1.customer_product_cost.set_index(["customer", "product"])
    assert cpc.loc[("C1", "A"), cols].astype(float).tolist() == pytest.approx(list(hand["C1"]))
    # their sum is the total cost less the unmet penalty
    assert float(cts["cost_to_serve"].sum()) == pytest.approx(404.0)


def test_design_statistics_cells(design1):
    f = design1.statistics("facility")
    assert set(f["unit"]) == {"USD/horizon"}
    hand = {("W1", "fixed"): 100, ("W3", "closing"): 20, ("P", "production"): 60,
            ("S", "purchase"): 40, ("S", "transport"): 40, ("P", "transport"): 20,
            ("W1", "transport"): 80,                     # 40 x 1 + 20 x 2
            ("S", "carbon"): 20, ("P", "carbon"): 20, ("W1", "carbon"): 4}
    for (key, cat), v in hand.items():
        assert cell(f, "facility", key, cat) == pytest.approx(v)
    p = design1.statistics("product")
    # A: purchase 40, transport 40 in + 40 out, carbon 20 + 4; B: 60 + 20 + 40, carbon 20
    for (key, cat), v in {("A", "purchase"): 40, ("A", "transport"): 80, ("A", "carbon"): 24,
                          ("B", "production"): 60, ("B", "transport"): 60, ("B", "carbon"): 20,
                          (NA, "fixed"): 100, (NA, "closing"): 20}.items():
        assert cell(p, "product", key, cat) == pytest.approx(v)
    c = design1.statistics("customer")
    for (key, cat), v in {("C1", "transport"): 40, ("C2", "transport"): 40, ("C1", "carbon"): 4,
                          (NA, "transport"): 60, (NA, "carbon"): 40}.items():
        assert cell(c, "customer", key, cat) == pytest.approx(v)


def design_short_supply() -> sn.Network:
    """One period; S sells A at 2 but at most 30 units; open W; W->C1 costs 1 (10 km),
    W->C2 costs 4 (no distance); 20 A at each customer; unmet penalty 50/unit.

    By hand (soft): 30 units go out, C2 (dearer lane) is short 10. Purchase 60, transport
    30 x 1 in + 20 x 1 + 10 x 4 out = 90, unmet 10 x 50 = 500; total 650."""
    n = sn.Network("design_short_supply", params={"unmet_penalty": 50.0, "periods": 1})
    n.add_product("A")
    n.add_supplier("S", capacity=30.0).add_supply("S", "A", price=2.0)
    n.add_warehouse("W", status="open", capacity=100.0)
    n.add_customer("C1").add_customer("C2")
    n.add_lane("S", "W", cost=1.0)
    n.add_lane("W", "C1", cost=1.0, distance=10.0).add_lane("W", "C2", cost=4.0)
    n.add_demand("C1", "A", 20).add_demand("C2", "A", 20)
    return n.validate()


def test_design_soft_fill_rate_and_cost_per_unit():
    res = sn.design(design_short_supply(), soft=True)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(650.0)
    hand = {"purchase": 60, "transport": 90, "unmet": 500, "fixed": 0}
    for cat, v in hand.items():
        assert cost(res, cat) == pytest.approx(v)
    check_costs_and_statistics(res)
    assert kpi(res, "fill_rate") == (pytest.approx(30 / 40), "share")   # delivered / demand
    # total cost (the unmet penalty included) / units delivered: 650 / 30
    assert kpi(res, "cost_per_unit") == (pytest.approx(650 / 30), "EUR/unit")
    assert kpi(res, "co2") == (0.0, "kg")
    assert cell(res.statistics("customer"), "customer", "C2", "unmet") == pytest.approx(500)
    assert cell(res.statistics("facility"), "facility", NA, "unmet") == pytest.approx(500)
    # cost to serve leaves the penalty out: 150 = 60 + 90 shared by units after the last mile
    cts = res.cost_to_serve.set_index("customer")
    assert cts.at["C1", "cost_to_serve"] == pytest.approx(20 + 90 * 20 / 30)   # 80
    assert cts.at["C2", "cost_to_serve"] == pytest.approx(40 + 90 * 10 / 30)   # 70
    assert res.facilities.set_index("node").at["W", "utilisation"] == pytest.approx(0.3)


def test_design_capacity_level_utilisation():
    """T = 2; W (fixed 5, handling 0.5/unit) has levels small 30/period (fixed 10) and large
    100 (fixed 50); 25 A per period. Small suffices (60 >= 50): fixed 5 + level 10 +
    purchase 50 x 1 + transport 50 + 50 + handling 25 = 190; utilisation 50 / 60."""
    n = sn.Network("levels", params={"periods": 2})
    n.add_product("A")
    n.add_supplier("S").add_supply("S", "A", price=1.0)
    n.add_warehouse("W", status="candidate", fixed_cost=5.0, handling_cost=0.5)
    n.add_capacity_level("W", "small", 30.0, fixed_cost=10.0)
    n.add_capacity_level("W", "large", 100.0, fixed_cost=50.0)
    n.add_customer("C").add_lane("S", "W", cost=1.0).add_lane("W", "C", cost=1.0, distance=7.0)
    n.add_demand("C", "A", 25, period=1).add_demand("C", "A", 25, period=2)
    res = sn.design(n.validate())
    assert res.objective == pytest.approx(190.0)
    check_costs_and_statistics(res)
    assert cost(res, "capacity_levels") == pytest.approx(10.0)
    assert cost(res, "handling") == pytest.approx(25.0)
    w = res.facilities.set_index("node").loc["W"]
    assert (w["level"], w["capacity"]) == ("small", pytest.approx(60.0))
    assert w["utilisation"] == pytest.approx(50 / 60)
    f = res.statistics("facility")
    assert cell(f, "facility", "W", "capacity_levels") == pytest.approx(10.0)
    assert cell(f, "facility", "W", "handling") == pytest.approx(25.0)
    assert kpi(res, "cost_per_unit")[0] == pytest.approx(190 / 50)


def test_design_without_solution_has_empty_kpis():
    # hard mode: 10 units of C2 cannot be supplied -> infeasible, no solution, no KPI rows
    res = sn.design(design_short_supply())
    assert res.status == "infeasible" and res.objective is None
    assert list(res.kpis.columns) == KPI_COLUMNS and len(res.kpis) == 0
    assert len(res.costs) == 0
    # a time limit before any solution: the same empty table (no zeros posing as values)
    res = sn.design(design_two_products(), time_limit=1e-9)
    assert res.status == "time_limit" and res.objective is None
    assert list(res.kpis.columns) == KPI_COLUMNS and len(res.kpis) == 0


# --------------------------------------------------------------------------- plan
def plan_lost_sales() -> sn.Network:
    """T = 3; A worth 10, holding 0.1/period -> 1 per unit per period; P makes A at 2
    (1 h/unit, 0.5 t CO2), 10 h/period; P->C costs 1 (0.2 t/unit); carbon 2/t. Class gold
    loses sales (penalty 50). Demand 8, 15, 5. Units USD, pcs, week, mi, t.

    By hand: t1 makes 10 (8 out, 2 held), t2 makes 10 (12 out, 3 lost), t3 makes 5.
    production 25 x 2 = 50, transport 25, holding 2 x 1 = 2, unmet 3 x 50 = 150, CO2 25 x 0.5
    + 25 x 0.2 = 17.5 t -> carbon 35; total 262."""
    n = sn.Network("plan_lost_sales", params={
        "carbon_price": 2.0, "holding_rate": 0.1, "periods": 3,
        "units": {"money": "USD", "quantity": "pcs", "time": "week", "distance": "mi", "co2": "t"}})
    n.add_product("A", value=10.0)
    n.add_plant("P", capacity=10.0)
    n.add_production("P", "A", cost=2.0, capacity_use=1.0, co2=0.5)
    n.add_customer("C").add_lane("P", "C", cost=1.0, co2=0.2, distance=100.0)
    n.add_customer_class("gold", backlog=False, unmet_penalty=50.0)
    for t, q in ((1, 8), (2, 15), (3, 5)):
        n.add_demand("C", "A", q, period=t, priority="gold")
    return n.validate()


@pytest.fixture(scope="module")
def plan1() -> sn.Result:
    res = sn.plan(plan_lost_sales())
    assert res.status == "optimal"
    assert res.objective == pytest.approx(262.0)
    return res


def test_plan_costs_by_hand(plan1):
    hand = {"production": 50, "transport": 25, "holding": 2, "unmet": 150, "carbon": 35,
            "purchase": 0, "backlog": 0, "overtime": 0}
    for cat, v in hand.items():
        assert cost(plan1, cat) == pytest.approx(v), cat
    check_costs_and_statistics(plan1)


def test_plan_kpis_lost_sales(plan1):
    hand = {
        "total_cost": (262.0, "USD/horizon"),
        "fill_rate": (25 / 28, "share"),             # (28 - 3 lost - 0 open at T) / 28
        "fill_rate[gold]": (25 / 28, "share"),
        "average_inventory_value": (20 / 3, "USD"),  # on hand 2, 0, 0 x 10 / 3 periods
        "inventory_turns": (250 / (20 / 3), "1/horizon"),  # 25 delivered x 10 / (20/3) = 37.5
        "utilisation": (25 / 30, "share"),           # 25 h used of 3 x 10
        "co2_transport": (5.0, "t"), "co2_purchase": (0.0, "t"),
        "co2_production": (12.5, "t"), "co2": (17.5, "t"),
        "unmet_units": (3.0, "pcs"),
        "backlog_unit_periods": (0.0, "pcs-week"),
    }
    assert list(plan1.kpis["kpi"]) == list(hand)
    for name, (value, unit) in hand.items():
        assert kpi(plan1, name) == (pytest.approx(value), unit), name
    fr = plan1.fill_rates.set_index("priority").loc["gold"]
    assert fr[["demand", "lost", "unmet_end", "delivered", "fill_rate"]].astype(float).tolist() \
        == pytest.approx([28, 3, 0, 25, 25 / 28])


def test_plan_capacity_and_marginal_values(plan1):
    cap = plan1.capacity.set_index("period")
    assert cap["used"].tolist() == pytest.approx([10, 10, 5])
    assert cap["utilisation"].tolist() == pytest.approx([1.0, 1.0, 0.5])
    # one more hour in t1 saves a lost unit (50) for production 2 + transport 1 + carbon
    # (0.5 + 0.2) x 2 = 1.4 + one period held 1: 44.6; in t2 without holding: 45.6; t3 slack
    assert cap["marginal_value"].tolist() == pytest.approx([44.6, 45.6, 0.0])


def test_plan_statistics_cells(plan1):
    f = plan1.statistics("facility")
    assert set(f["unit"]) == {"USD/horizon"}
    for (key, cat), v in {("P", "production"): 50, ("P", "transport"): 25, ("P", "holding"): 2,
                          ("P", "carbon"): 35, (NA, "unmet"): 150}.items():
        assert cell(f, "facility", key, cat) == pytest.approx(v)
    c = plan1.statistics("customer")
    # carbon of the lane into C: 5 t x 2; the 12.5 t made at P are not C's alone
    for (key, cat), v in {("C", "transport"): 25, ("C", "unmet"): 150, ("C", "carbon"): 10,
                          (NA, "carbon"): 25, (NA, "production"): 50}.items():
        assert cell(c, "customer", key, cat) == pytest.approx(v)


def plan_backlog_classes() -> sn.Network:
    """T = 3; P makes A at 2, 10 h/period; lanes to C1, C2, C3 cost 1. gold (C1, 6/period)
    loses sales at 100; std (C2, 6/period) backlogs at 1/unit/period, penalty 30 at T;
    silver (C3) has only a zero demand row.

    By hand: 10 made per period, gold gets 6, std 4: std open 2, 4, 6 at the ends of t1..t3.
    production 60, transport 30, backlog (2 + 4 + 6) x 1 = 12, unmet 6 x 30 = 180; total 282."""
    n = sn.Network("plan_backlog_classes", params={"holding_rate": 0.1, "periods": 3})
    n.add_product("A", value=10.0)
    n.add_plant("P", capacity=10.0)
    n.add_production("P", "A", cost=2.0)
    for c in ("C1", "C2", "C3"):
        n.add_customer(c).add_lane("P", c, cost=1.0)
    n.add_customer_class("gold", backlog=False, unmet_penalty=100.0)
    n.add_customer_class("std", backlog=True, backlog_cost=1.0, unmet_penalty=30.0)
    n.add_customer_class("silver", backlog=True, backlog_cost=1.0, unmet_penalty=30.0)
    for t in (1, 2, 3):
        n.add_demand("C1", "A", 6, period=t, priority="gold")
        n.add_demand("C2", "A", 6, period=t, priority="std")
    n.add_demand("C3", "A", 0, period=1, priority="silver")
    # a commitment on C2 with no service floor (level 0): reported, the plan is unchanged
    n.set_table("commitments", pd.DataFrame([{"customer": "C2", "product": "A",
                                              "quoted_lead_time": 1, "service_level": 0.0,
                                              "segment": "committed"}]))
    return n.validate()


@pytest.fixture(scope="module")
def plan2() -> sn.Result:
    res = sn.plan(plan_backlog_classes())
    assert res.status == "optimal"
    assert res.objective == pytest.approx(282.0)
    return res


def test_plan_backlog_costs_and_kpis(plan2):
    for cat, v in {"production": 60, "transport": 30, "backlog": 12, "unmet": 180,
                   "holding": 0}.items():
        assert cost(plan2, cat) == pytest.approx(v), cat
    check_costs_and_statistics(plan2)
    assert kpi(plan2, "fill_rate") == (pytest.approx(30 / 36), "share")     # 18 + 12 of 36
    assert kpi(plan2, "fill_rate[gold]") == (pytest.approx(1.0), "share")
    assert kpi(plan2, "fill_rate[std]") == (pytest.approx(12 / 18), "share")  # 6 open at T
    assert kpi(plan2, "unmet_units") == (pytest.approx(6.0), "unit")
    assert kpi(plan2, "backlog_unit_periods") == (pytest.approx(12.0), "unit-period")
    assert kpi(plan2, "utilisation") == (pytest.approx(1.0), "share")
    assert kpi(plan2, "average_inventory_value") == (0.0, "EUR")
    assert plan2.backlog["quantity"].tolist() == pytest.approx([2, 4, 6])
    st = plan2.statistics("customer")
    assert cell(st, "customer", "C2", "backlog") == pytest.approx(12)
    assert cell(st, "customer", "C2", "unmet") == pytest.approx(180)


def test_plan_zero_demand_class_and_zero_inventory(plan2):
    # 0 delivered of 0 demanded is no rate at all: NaN, not 0 and not 1
    value, unit = kpi(plan2, "fill_rate[silver]")
    assert math.isnan(value) and unit == "share"
    fr = plan2.fill_rates.set_index("priority")
    assert math.isnan(fr.at["silver", "fill_rate"])
    # value delivered / average inventory 0: undefined
    assert math.isnan(kpi(plan2, "inventory_turns")[0])


def test_plan_commitment_lead_times(plan2):
    """C2 receives 4 per period against 6 ordered, first in first out: t1 4 units of t1
    (0 late); t2 2 of t1 (1 late) + 2 of t2; t3 4 of t2 (1 late). Mean (2 + 4) / 12 = 0.5,
    longest 1; committed 18, unmet 6 open at T -> fill rate 12/18."""
    row = plan2.commitments.set_index("customer").loc["C2"]
    assert row["lead_time"] == pytest.approx(0.5)
    assert row["max_lead_time"] == pytest.approx(1.0)
    assert row["committed"] == pytest.approx(18.0)
    assert row["unmet"] == pytest.approx(6.0)
    assert row["fill_rate"] == pytest.approx(12 / 18)
    assert bool(row["lead_time_held"])   # 0.5 <= quoted 1


def test_plan_overtime_utilisation():
    """One period; P has 10 regular hours, 5 overtime at 1/h; gold wants 14 (lost at 100).
    By hand: 14 made (4 overtime h): production 28, overtime 4, transport 14; total 46.
    models/planning.md: utilisation = production hours used / available = 14 / 10 (the
    regular hours; overtime is its own column), so the share can exceed 1."""
    n = sn.Network("overtime", params={"periods": 1})
    n.add_product("A", value=0.0)
    n.add_plant("P", capacity=10.0, overtime_capacity=5.0, overtime_cost=1.0)
    n.add_production("P", "A", cost=2.0)
    n.add_customer("C").add_lane("P", "C", cost=1.0)
    n.add_customer_class("gold", backlog=False, unmet_penalty=100.0)
    n.add_demand("C", "A", 14, priority="gold")
    res = sn.plan(n.validate())
    assert res.objective == pytest.approx(46.0)
    check_costs_and_statistics(res)
    assert cost(res, "overtime") == pytest.approx(4.0)
    cap = res.capacity.iloc[0]
    assert (cap["used"], cap["available"], cap["overtime"]) == pytest.approx((14, 10, 4))
    assert kpi(res, "utilisation")[0] == pytest.approx(1.4)
    assert cap["marginal_value"] == pytest.approx(1.0)   # a regular hour saves an overtime hour
    assert cell(res.statistics("facility"), "facility", "P", "overtime") == pytest.approx(4.0)


# --------------------------------------------------------------------------- gsm, buffers
def two_stage_cost(zsigma: float, h_up: float, h_fg: float) -> tuple[float, float]:
    """Serial line up (T 2) -> fg (T 1, quotes 0): with S_up = s, tau_up = 2 - s and
    tau_fg = s + 1; cost zsigma (h_up sqrt(2 - s) + h_fg sqrt(s + 1)). For h 1, 2:
    s = 0: sqrt2 + 2 = 3.414, s = 1: 1 + 2 sqrt2 = 3.828, s = 2: 2 sqrt3 = 3.464 -> s = 0.
    Returns (cost, units of safety stock) at s = 0."""
    return zsigma * (h_up * math.sqrt(2) + h_fg), zsigma * (math.sqrt(2) + 1)


def test_gsm_costs_and_kpis_by_hand():
    g = nx.DiGraph()
    g.add_node("up", lead_time=2, holding_cost=1.0)
    g.add_node("fg", lead_time=1, holding_cost=2.0, demand_mean=5.0, demand_std=10.0, z=1.0,
               max_service_time=0)
    g.add_edge("up", "fg")
    res = sn.gsm(g, include_pipeline=True)
    ss_cost, ss_units = two_stage_cost(10.0, 1.0, 2.0)   # 34.142, 24.142
    pipeline = 1.0 * 5 * 2 + 2.0 * 5 * 1                # sum h mu T = 20 per period
    c = res.costs.set_index("category")["cost"]
    assert c["safety_stock"] == pytest.approx(ss_cost)
    assert c["pipeline_stock"] == pytest.approx(pipeline)
    assert res.objective == pytest.approx(ss_cost + pipeline)
    assert float(res.costs["cost"].sum()) == pytest.approx(res.objective)
    k = res.kpis.set_index("kpi")
    assert list(res.kpis.columns) == KPI_COLUMNS
    assert k.loc["stages", "value"] == 2 and k.loc["stages", "unit"] == "count"
    assert k.loc["decoupling_points", "value"] == 2          # both stages hold stock
    assert float(k.loc["safety_stock", "value"]) == pytest.approx(ss_units)
    # the safety-stock cost only (pipeline excluded), money per period; a stage graph has no
    # units of its own, so Result.kpis writes the schema's default currency in
    assert float(k.loc["safety_stock_cost", "value"]) == pytest.approx(ss_cost)
    assert k.loc["safety_stock_cost", "unit"] == "EUR/period"
    st = res.stages.set_index("stage")
    assert st["safety_stock_value"].sum() == pytest.approx(ss_cost)


def test_buffers_costs_and_kpis_in_instance_units():
    """P makes A (value 100, production lead time 2, holding rate 0.01 -> h 1); P->W lead
    time 1 (W's rate 0.02 -> h 2); W->C lead time 0, quote 0; demand 4 + 6 over 2 periods
    (mean 5), std 10 at 95 % -> z sigma = 1.6449 x 10. Same line as the gsm test: both stages
    stock; cost 16.449 (sqrt2 + 2) = 56.16 GBP per period."""
    n = sn.Network("buffers", params={"holding_rate": 0.02, "periods": 2,
                                      "units": {"money": "GBP"}})
    n.add_product("A", value=100.0)
    n.add_plant("P", holding_rate=0.01)
    n.add_production("P", "A", cost=1.0, lead_time=2)
    n.add_warehouse("W").add_customer("C")
    n.add_lane("P", "W", cost=1.0, lead_time=1).add_lane("W", "C", cost=1.0)
    for t, q in ((1, 4), (2, 6)):
        n.add_demand("C", "A", q, period=t, std=10.0, service_level=0.95)
    res = sn.buffers(n.validate())
    zsigma = NormalDist().inv_cdf(0.95) * 10.0
    ss_cost, ss_units = two_stage_cost(zsigma, 1.0, 2.0)
    assert res.objective == pytest.approx(ss_cost)
    assert float(res.costs["cost"].sum()) == pytest.approx(res.objective)
    hand = {"stages": (2, "count"), "decoupling_points": (2, "count"),
            "safety_stock": (ss_units, "unit"), "safety_stock_cost": (ss_cost, "GBP/period")}
    for name, (value, unit) in hand.items():
        assert kpi(res, name) == (pytest.approx(value), unit), name
    dec = res.decoupling.iloc[0]
    assert (dec["customer_lead_time"], dec["quoted_lead_time"]) == (0, 0)
    assert bool(dec["meets_quote"])


# --------------------------------------------------------------------------- disagreements
def test_design_distance_kpis_use_great_circle_for_blank_distances():
    """schema.py (lanes.distance): "NaN = great-circle distance if coordinates exist".
    W at Paris (48.85 N, 2.35 E) ships 10 units to C1 at Lyon (45.76 N, 4.84 E), lane distance
    blank: great circle about 391.5 km; 30 units to C2 on a 500 km lane. Weighted by units:
    (10 x 391.5 + 30 x 500) / 40 = 472.9 km; longest 500 km."""
    n = sn.Network("geo", params={"periods": 1})
    n.add_product("A")
    n.add_supplier("S", lat=48.85, lon=2.35).add_supply("S", "A", price=1.0)
    n.add_warehouse("W", status="open", lat=48.85, lon=2.35)
    n.add_customer("C1", lat=45.76, lon=4.84).add_customer("C2", lat=47.22, lon=-1.55)
    n.add_lane("S", "W", cost=1.0).add_lane("W", "C1", cost=1.0)
    n.add_lane("W", "C2", cost=1.0, distance=500.0)
    n.add_demand("C1", "A", 10).add_demand("C2", "A", 30)
    res = sn.design(n.validate())
    assert kpi(res, "max_distance_to_customer") == (pytest.approx(500.0), "km")
    assert kpi(res, "avg_distance_to_customer")[0] == pytest.approx(
        (10 * 391.5 + 30 * 500) / 40, rel=1e-3)
    # the service radius sees the same length: 450 km cuts off C2 only, 350 km C1 as well
    assert "C1" not in sn.design(n, max_service_distance=450).message
    assert "C1" in sn.design(n, max_service_distance=350).message


def stochastic_net(demand: float) -> sn.Network:
    """One period; open W0 serves C at 3/unit; candidate W1 (fixed 45) at 1/unit; the
    product is free. With demand d: W0 costs 3d, W1 costs 45 + d."""
    n = sn.Network("stoch", params={"periods": 1, "unmet_penalty": 1000.0})
    n.add_product("A")
    n.add_supplier("S").add_supply("S", "A", price=0.0)
    n.add_warehouse("W0", status="open").add_warehouse("W1", status="candidate", fixed_cost=45.0)
    n.add_customer("C").add_lane("S", "W0", cost=0.0).add_lane("S", "W1", cost=0.0)
    n.add_lane("W0", "C", cost=3.0).add_lane("W1", "C", cost=1.0)
    n.add_demand("C", "A", demand)
    return n.validate()


def test_stochastic_design_kpis_by_hand():
    """Demand 10 or 30, each with probability 1/2. W0 only: 30 or 90, expected 60; W1 too:
    55 or 75, expected 65 -> RP 60 (W1 shut). EV network (demand 20): 60 vs 65 -> shut, EEV
    60, VSS 0. Wait-and-see: 30 (W0) and 75 (W1), WS 52.5, EVPI 60 - 52.5 = 7.5."""
    res = sn.design(stochastic_net(10), scenarios=[stochastic_net(10), stochastic_net(30)],
                    probabilities=[0.5, 0.5])
    hand = {"expected_cost": 60.0, "objective": 60.0, "eev": 60.0, "vss": 0.0, "ws": 52.5,
            "evpi": 7.5}
    for name, value in hand.items():
        assert kpi(res, name) == (pytest.approx(value), "EUR/horizon"), name
    assert float(res.costs["cost"].sum()) == pytest.approx(60.0)
    assert cost(res, "transport") == pytest.approx(0.5 * 30 + 0.5 * 90)


@pytest.fixture(scope="module")
def risk_design() -> sn.Result:
    """CVaR at alpha 0.5, weight 0.5: W0 only: 0.5 x 60 + 0.5 x CVaR 90 = 75; W1 open:
    0.5 x 65 + 0.5 x 75 = 70 -> W1 opens; objective 70, expected cost 65, CVaR 75."""
    return sn.design(stochastic_net(10), scenarios=[stochastic_net(10), stochastic_net(30)],
                     probabilities=[0.5, 0.5], risk={"alpha": 0.5, "weight": 0.5})


def test_stochastic_risk_design_kpis_by_hand(risk_design):
    for name, value in {"expected_cost": 65.0, "objective": 70.0, "cvar": 75.0}.items():
        assert kpi(risk_design, name) == (pytest.approx(value), "EUR/horizon"), name
    # design.md: costs is the expected cost by category (45 fixed + 0.5 x 10 + 0.5 x 30)
    assert float(risk_design.costs["cost"].sum()) == pytest.approx(65.0)
    assert cost(risk_design, "fixed") == pytest.approx(45.0)


def test_stochastic_risk_objective_is_the_weighted_expected_cost_and_cvar(risk_design):
    # README: with a risk weight the costs table is the expected cost (65) and the objective
    # (1 - w) E + w CVaR = 0.5 x 65 + 0.5 x 75 = 70
    assert risk_design.objective == pytest.approx(0.5 * 65.0 + 0.5 * 75.0)
    assert float(risk_design.costs["cost"].sum()) == pytest.approx(65.0)
