"""Result.statistics (costs by category x facility / product / customer) and the cost to serve
per customer x product, on tiny networks worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import supplynet as sn

NA = "(not attributable)"


def two_customers() -> sn.Network:
    """Supplier S sells p at 2 and q at 3; candidate warehouse W1 (fixed 100, handling 1/unit)
    and existing warehouse W2 (fixed 1000, closing 50); C1 needs 10 p, C2 needs 20 p and 10 q.
    Lanes S->W1, S->W2 cost 1; W1->C1 3, W1->C2 4 (2 kg CO2/unit at 0.5 EUR/kg); W2->C* 1.

    By hand: W1 alone costs 100 fixed + 50 closing W2 + purchases 30x2 + 10x3 = 90 + inbound
    40x1 = 40 + handling 40x1 = 40 + outbound 10x3 + 30x4 = 150 + carbon 0.5x2x30 = 30, in all
    500; W2 alone costs 1000 + 90 + 40 + 40 = 1170, both more. So W1 opens, W2 closes."""
    n = sn.Network("two_customers", params={"carbon_price": 0.5})
    n.add_product("p").add_product("q")
    n.add_supplier("S").add_supply("S", "p", price=2.0).add_supply("S", "q", price=3.0)
    n.add_warehouse("W1", status="candidate", fixed_cost=100.0, handling_cost=1.0)
    n.add_warehouse("W2", status="existing", fixed_cost=1000.0, closing_cost=50.0)
    n.add_customer("C1").add_customer("C2")
    n.add_lane("S", "W1", cost=1.0).add_lane("S", "W2", cost=1.0)
    n.add_lane("W1", "C1", cost=3.0).add_lane("W1", "C2", cost=4.0, co2=2.0)
    n.add_lane("W2", "C1", cost=1.0).add_lane("W2", "C2", cost=1.0)
    n.add_demand("C1", "p", 10).add_demand("C2", "p", 20).add_demand("C2", "q", 10)
    return n.validate()


@pytest.fixture(scope="module")
def design() -> sn.Result:
    res = sn.design(two_customers())
    assert res.status == "optimal"
    assert res.objective == pytest.approx(500.0)
    return res


def cell(stats: pd.DataFrame, by: str, key: str, category: str) -> float:
    rows = stats[(stats[by] == key) & (stats["category"] == category)]
    assert len(rows) <= 1
    return float(rows["cost"].sum())


def test_design_costs_by_hand(design):
    c = design.costs.set_index("category")["cost"]
    hand = {"fixed": 100, "closing": 50, "purchase": 90, "transport": 190, "handling": 40,
            "carbon": 30}
    for cat, value in hand.items():
        assert c[cat] == pytest.approx(value)


@pytest.mark.parametrize("by", ["facility", "product", "customer"])
def test_totals_per_category_match_costs(design, by):
    stats = design.statistics(by)
    assert list(stats.columns) == [by, "category", "cost", "unit"]
    assert set(stats["unit"]) == {"EUR/horizon"}
    total = stats.groupby("category")["cost"].sum()
    for cat, cost in design.costs.set_index("category")["cost"].items():
        assert total.get(cat, 0.0) == pytest.approx(cost, abs=1e-6)


def test_by_facility(design):
    st = design.statistics("facility")
    assert cell(st, "facility", "W1", "fixed") == pytest.approx(100)
    assert cell(st, "facility", "W2", "closing") == pytest.approx(50)
    assert cell(st, "facility", "S", "purchase") == pytest.approx(90)
    assert cell(st, "facility", "S", "transport") == pytest.approx(40)  # S->W1, 40 units
    assert cell(st, "facility", "W1", "transport") == pytest.approx(150)  # 10x3 + 30x4
    assert cell(st, "facility", "W1", "handling") == pytest.approx(40)
    assert cell(st, "facility", "W1", "carbon") == pytest.approx(30)  # W1->C2 emits
    assert NA not in set(st["facility"])  # no unmet demand: everything has a site


def test_by_customer(design):
    st = design.statistics("customer")
    assert cell(st, "customer", "C1", "transport") == pytest.approx(30)  # 10 x 3
    assert cell(st, "customer", "C2", "transport") == pytest.approx(120)  # 30 x 4
    assert cell(st, "customer", NA, "transport") == pytest.approx(40)  # inbound S->W1
    assert cell(st, "customer", "C2", "carbon") == pytest.approx(30)
    assert cell(st, "customer", "C1", "carbon") == 0.0
    for cat, value in {"fixed": 100, "closing": 50, "purchase": 90, "handling": 40}.items():
        assert cell(st, "customer", NA, cat) == pytest.approx(value)


def test_by_product(design):
    st = design.statistics("product")
    assert cell(st, "product", "p", "purchase") == pytest.approx(60)
    assert cell(st, "product", "q", "purchase") == pytest.approx(30)
    assert cell(st, "product", "p", "transport") == pytest.approx(30 + 30 + 80)
    assert cell(st, "product", "q", "transport") == pytest.approx(10 + 40)
    assert cell(st, "product", "p", "handling") == pytest.approx(30)
    assert cell(st, "product", "p", "carbon") == pytest.approx(20)  # 20 p on W1->C2
    assert cell(st, "product", "q", "carbon") == pytest.approx(10)
    assert cell(st, "product", NA, "fixed") == pytest.approx(100)
    assert cell(st, "product", NA, "closing") == pytest.approx(50)


def test_cost_to_serve_per_customer_and_product(design):
    """Last mile traced; the other 500 - 150 = 350 shared over 40 units: 8.75 a unit."""
    cts = design.customer_product_cost.set_index(["customer", "product"])
    assert cts.loc[("C1", "p"), "last_mile_cost"] == pytest.approx(30)
    assert cts.loc[("C2", "p"), "last_mile_cost"] == pytest.approx(80)
    assert cts.loc[("C2", "q"), "last_mile_cost"] == pytest.approx(40)
    assert cts.loc[("C1", "p"), "cost_to_serve"] == pytest.approx(30 + 10 * 8.75)
    assert cts.loc[("C2", "p"), "cost_to_serve"] == pytest.approx(80 + 20 * 8.75)
    assert cts.loc[("C2", "q"), "cost_per_unit"] == pytest.approx((40 + 87.5) / 10)
    assert cts["cost_to_serve"].sum() == pytest.approx(500)
    # per customer it adds up to the existing cost_to_serve table
    per_c = design.cost_to_serve.set_index("customer")["cost_to_serve"]
    assert per_c["C2"] == pytest.approx(80 + 40 + 30 * 8.75)


def test_unmet_penalty_goes_to_the_customer():
    """C3 needs 5 p over a lane W1->C3 costing 100/unit: delivered, a unit costs 2 + 1 + 1 +
    100 = 104, more than the penalty of 40; with soft demand the 5 units go unmet, 200."""
    net = two_customers()
    net.params["unmet_penalty"] = 40.0
    net.add_customer("C3").add_lane("W1", "C3", cost=100.0).add_demand("C3", "p", 5)
    res = sn.design(net, soft=True)
    assert res.objective == pytest.approx(500 + 200)
    st = res.statistics("customer")
    assert cell(st, "customer", "C3", "unmet") == pytest.approx(200)
    assert cell(res.statistics("product"), "product", "p", "unmet") == pytest.approx(200)
    assert cell(res.statistics("facility"), "facility", NA, "unmet") == pytest.approx(200)


def hand_plan_net() -> sn.Network:
    """Customer C needs 5 units in each of 2 periods; S1 sells at 1 (at most 4 a period), S2 at
    2; all through warehouse W (handling 0.5/unit) to C on a lane costing 1/unit. Units have no
    value, so nothing is worth holding. By hand: 8 from S1 (8), 2 from S2 (4); transport
    10 x 1 = 10 on W->C; handling 10 x 0.5 = 5 at W."""
    net = sn.Network("hand", params={"carbon_price": 0.0})
    net.add_product("p", value=0.0)
    net.add_supplier("S1").add_supplier("S2")
    net.add_supply("S1", "p", price=1.0, capacity=4).add_supply("S2", "p", price=2.0)
    net.add_warehouse("W", capacity=20, handling_cost=0.5)
    net.add_customer("C")
    net.add_lane("S1", "W").add_lane("S2", "W").add_lane("W", "C", cost=1.0)
    net.add_demand("C", "p", 5, period=1).add_demand("C", "p", 5, period=2)
    return net.validate()


def test_plan_statistics_by_hand():
    plan = sn.plan(hand_plan_net())
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(8 + 4 + 10 + 5)
    fac = plan.statistics("facility")
    assert cell(fac, "facility", "S1", "purchase") == pytest.approx(8)
    assert cell(fac, "facility", "S2", "purchase") == pytest.approx(4)
    assert cell(fac, "facility", "W", "transport") == pytest.approx(10)
    assert cell(fac, "facility", "W", "handling") == pytest.approx(5)
    cust = plan.statistics("customer")
    assert cell(cust, "customer", "C", "transport") == pytest.approx(10)
    assert cell(cust, "customer", "C", "handling") == pytest.approx(5)
    assert cell(cust, "customer", NA, "purchase") == pytest.approx(12)
    for by in ("facility", "product", "customer"):
        total = plan.statistics(by).groupby("category")["cost"].sum()
        for cat, cost in plan.costs.set_index("category")["cost"].items():
            assert total.get(cat, 0.0) == pytest.approx(cost, abs=1e-6)


def test_stochastic_design_statistics_are_expectations():
    """A (price 1, 100 units) fails with probability 0.2, when B (price 2, lane fixed cost 30)
    delivers the 100 units: expected purchases 0.8 x 100 x 1 = 80 at A and 0.2 x 100 x 2 = 40
    at B; the lane's fixed cost 30 (first stage) has no lane table to trace it by."""
    def chain(cap_a: float) -> sn.Network:
        n = sn.Network("hedge", params={"unmet_penalty": 10.0})
        n.add_product("p").add_supplier("A").add_supplier("B").add_warehouse("W")
        n.add_customer("C").add_supply("A", "p", price=1, capacity=cap_a)
        n.add_supply("B", "p", price=2)
        n.add_lane("A", "W").add_lane("B", "W", fixed_cost=30).add_lane("W", "C")
        return n.add_demand("C", "p", 100)

    res = sn.design(chain(100.0), scenarios=[chain(100.0), chain(0.0)],
                    probabilities=[0.8, 0.2], soft=True)
    assert res.objective == pytest.approx(80 + 40 + 30)
    st = res.statistics("facility")
    assert cell(st, "facility", "A", "purchase") == pytest.approx(80)
    assert cell(st, "facility", "B", "purchase") == pytest.approx(40)
    assert cell(st, "facility", NA, "lane_fixed") == pytest.approx(30)


def test_statistics_refuses_other_keys_and_models(design):
    with pytest.raises(sn.SupplynetError, match="facility, product, customer"):
        design.statistics("region")
    with pytest.raises(sn.SupplynetError, match="design and plan"):
        sn.gsm(_serial()).statistics()


def _serial():
    import networkx as nx

    g = nx.DiGraph()
    g.add_node("1", lead_time=1, holding_cost=1.0, z_sigma=1.0, demand_mean=1.0,
               max_service_time=0)
    return g


def test_plan_service_costs_go_to_the_customer_and_product():
    """Plan, T = 2, P (capacity 10/period, cost 1/unit) -> C and D. C wants 15 in period 1
    (backlog at 2/unit and period, penalty 100/unit), D wants 10 in period 2 (lost sales at
    40/unit). Period 1: C gets 10, 5 stay open (backlog 5 x 2 = 10). Period 2: C's 5 and 5 of
    D's 10; D's other 5 are lost (5 x 40 = 200; serving D instead would leave C's 5 open at
    the end at 100 each). Objective 20 + 10 + 200. By customer the statistics show C: backlog
    10, D: unmet 200; by product both on p; by facility they stay unattributable."""
    net = sn.Network("svc", params={"periods": 2, "holding_rate": 0.0})
    net.add_plant("P", capacity=10.0).add_customer("C").add_customer("D")
    net.add_lane("P", "C").add_lane("P", "D")
    net.add_product("p", value=1.0).add_production("P", "p", cost=1.0)
    net.add_customer_class("late_ok", unmet_penalty=100.0, backlog=True, backlog_cost=2.0)
    net.add_customer_class("lost", unmet_penalty=40.0, backlog=False)
    net.add_demand("C", "p", 15.0, period=1, priority="late_ok")
    net.add_demand("D", "p", 10.0, period=2, priority="lost")
    res = sn.plan(net)
    assert res.objective == pytest.approx(20.0 + 10.0 + 200.0)
    sc = res.service_costs.set_index(["customer", "category"])["cost"]
    assert sc[("C", "backlog")] == pytest.approx(10.0)
    assert sc[("D", "unmet")] == pytest.approx(200.0)
    st = res.statistics("customer")
    assert cell(st, "customer", "C", "backlog") == pytest.approx(10.0)
    assert cell(st, "customer", "D", "unmet") == pytest.approx(200.0)
    assert cell(res.statistics("product"), "product", "p", "unmet") == pytest.approx(200.0)
    assert cell(res.statistics("facility"), "facility", NA, "backlog") == pytest.approx(10.0)
