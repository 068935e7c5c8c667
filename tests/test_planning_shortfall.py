"""Issue 15, plan side: pull pairs with initial stock, penalties that rule out shortfall,
no "optimal" with a customer silently unserved, generated networks plannable with defaults.
Every expected number is worked out by hand in the comments."""

from __future__ import annotations

import math

import pytest

import supplynet as sn


def pull_case(mode: str) -> sn.Network:
    """P (cap 10/period, holding 10 x 0.1 = 1 per unit-period) -> W (holding 10 x 0.01 = 0.1)
    -> C; W holds 10 units initially; demand 30 in period 3 only; T = 3."""
    net = sn.Network("pull", params={"periods": 3, "unmet_penalty": 1000.0, "holding_rate": 0.0})
    net.add_plant("P", capacity=10.0, holding_rate=0.1).add_warehouse("W", holding_rate=0.01)
    net.add_customer("C").add_lane("P", "W").add_lane("W", "C")
    net.add_product("A", value=10.0).add_production("P", "A")
    net.add_stock("W", "A", initial=10.0, mode=mode)
    net.add_demand("C", "A", 30.0, period=3)
    return net


def test_pull_pair_draws_down_its_initial_stock_and_never_builds():
    # 30 units in period 3: 10 from W's initial stock, 10 made in 3, 10 made in 2 and held
    # one period. W's initial 10 are held through periods 1 and 2 either way: 2 x 10 x 0.1 = 2.
    # push: the 10 made in 2 wait at W: 10 x 0.1 = 1   -> 3
    # pull: W may not build stock, they wait at P: 10 x 1 = 10 -> 12
    push, pull = sn.plan(pull_case("push")), sn.plan(pull_case("pull"))
    assert push.objective == pytest.approx(3.0)
    assert pull.status == "optimal" and pull.objective == pytest.approx(12.0)
    inv = pull.inventory.set_index(["node", "period"])
    assert [inv.at[("W", t), "on_hand"] for t in (1, 2, 3)] == pytest.approx([10.0, 10.0, 0.0])
    assert [inv.at[("P", t), "on_hand"] for t in (1, 2, 3)] == pytest.approx([0.0, 10.0, 0.0])
    assert (inv.loc[[("W", t) for t in (1, 2, 3)], "mode"] == "pull").all()


def test_pull_pair_with_an_end_target_is_refused_by_name():
    net = pull_case("pull")
    net.set_table("stock", net.stock.assign(target_end=5.0))
    with pytest.raises(sn.InstanceError, match=r"node=W, product=A\): target_end 5 at a pull"):
        sn.plan(net)


def classless() -> sn.Network:
    """P (cap 10/period) -> C, demand 20 in period 1, T = 2, unmet penalty 100, no
    customer_classes table (a table without the demand's class is refused by validate)."""
    net = sn.Network("classless", params={"periods": 2, "unmet_penalty": 100.0,
                                          "holding_rate": 0.0})
    net.add_plant("P", capacity=10.0).add_customer("C").add_lane("P", "C")
    net.add_product("A", value=10.0).add_production("P", "A")
    net.add_demand("C", "A", 20.0, period=1, priority="standard")
    return net


def test_demand_without_a_class_row_pays_the_instance_penalty():
    # Backlog cost of a class without a row = penalty / T = 100 / 2 = 50 per unit-period.
    # 10 served in period 1, 10 backlogged one period and served in 2: 10 x 50 = 500
    # (leaving them unmet would cost 50 + 100 each). Before: 0, "backlogged at no cost".
    res = sn.plan(classless())
    assert res.objective == pytest.approx(500.0)
    made = res.production.set_index("period")["quantity"].to_dict()
    assert made == pytest.approx({1: 10.0, 2: 10.0})
    assert res.backlog.set_index("period")["quantity"].to_dict() == pytest.approx({1: 10.0})


def test_derived_penalty_covers_a_whole_setup():
    # No unmet_penalty: the old derived penalty was 10 x (unit cost 1) + 1 = 11 per unit,
    # below the setup (500) one unit needs, so the plan left the unit unmet ("optimal",
    # fill rate 0). Serving costs 500 + 1 = 501 and the penalty now exceeds it.
    net = sn.Network("setup", params={"periods": 1, "holding_rate": 0.0})
    net.add_plant("P").add_customer("C").add_lane("P", "C")
    net.add_product("A", value=1.0).add_production("P", "A", cost=1.0, setup_cost=500.0)
    net.add_demand("C", "A", 1.0, period=1)
    res = sn.plan(net, setups=True)
    assert res.status == "optimal" and res.objective == pytest.approx(501.0)
    assert res.kpis.set_index("kpi").at["fill_rate", "value"] == pytest.approx(1.0)


def reach(w_status: str) -> sn.Network:
    """P1 (existing) -> W4 (w_status) -> C3 (120 units of product P1x); C1 served by P1."""
    net = sn.Network("reach", params={"periods": 1, "unmet_penalty": 100.0})
    net.add_plant("P1", status="existing").add_warehouse("W4", status=w_status)
    net.add_customer("C1").add_customer("C3")
    net.add_lane("P1", "W4").add_lane("W4", "C3").add_lane("P1", "C1")
    net.add_product("P1x").add_production("P1", "P1x")
    net.add_demand("C3", "P1x", 120.0)
    net.add_demand("C1", "P1x", 5.0)
    return net


def test_unreachable_customer_is_infeasible_with_a_business_diagnosis():
    res = sn.plan(reach("candidate"))
    assert res.status == "infeasible" and not res.ok
    assert res.diagnosis["message"].tolist() == [
        "customer C3, product P1x: 120 units demanded but no open or existing facility can "
        "reach it (only candidate W4; pass include_candidates=True)"]
    assert sn.plan(reach("candidate"), include_candidates=True).status == "optimal"
    res = sn.plan(reach("closed"))
    assert res.status == "infeasible"
    assert res.diagnosis["message"].tolist() == [
        "customer C3, product P1x: 120 units demanded but no open or existing facility can "
        "reach it (its lanes come from closed W4)"]


def test_infeasible_plan_that_candidates_fix_says_include_candidates():
    # C needs 10 with a committed fill rate of 1; existing P1 makes 5, candidate P2 the rest.
    net = sn.Network("cands", params={"periods": 1, "unmet_penalty": 100.0})
    net.add_plant("P1", capacity=5.0, status="existing").add_plant("P2", status="candidate")
    net.add_customer("C").add_lane("P1", "C").add_lane("P2", "C")
    net.add_product("A").add_production("P1", "A").add_production("P2", "A")
    net.add_customer_class("key", backlog=False, min_fill_rate=1.0)
    net.add_demand("C", "A", 10.0, priority="key")
    res = sn.plan(net)
    assert res.status == "infeasible"
    assert "include_candidates" in res.diagnosis["element"].tolist()
    assert "pass include_candidates=True" in res.message
    assert sn.plan(net, include_candidates=True).objective == pytest.approx(0.0)


def test_unmet_demand_is_never_silent():
    # capacity 5, demand 12 at C and 3 at D, lost sales at 100: 10 units lost (C gets 2 or
    # more, ties aside), and the message names the units.
    net = sn.Network("short", params={"periods": 1, "unmet_penalty": 100.0})
    net.add_plant("P", capacity=5.0).add_customer("C").add_customer("D")
    net.add_lane("P", "C").add_lane("P", "D")
    net.add_product("A").add_production("P", "A")
    net.add_customer_class("standard", backlog=False)
    net.add_demand("C", "A", 12.0).add_demand("D", "A", 3.0)
    res = sn.plan(net)
    assert res.status == "optimal" and res.objective == pytest.approx(1000.0)
    assert "10 units of demand left unmet" in res.message
    served = sn.plan(classless())
    assert "unmet" not in served.message


@pytest.mark.parametrize("kw", [
    dict(seed=0), dict(seed=1, customers=20),
    dict(suppliers=3, plants=2, warehouses=3, customers=10, products=2, periods=6, seed=1),
    dict(suppliers=3, plants=2, warehouses=3, customers=10, products=2, periods=6, seed=2),
    dict(suppliers=4, plants=3, warehouses=4, customers=15, products=2, bom_depth=3, seed=3),
], ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_generated_networks_are_plannable_with_defaults(kw):
    net = sn.generate(**kw)
    res = sn.plan(net, time_limit=60)
    assert res.ok, res.message
    fill = res.kpis.set_index("kpi").at["fill_rate", "value"]
    assert not math.isnan(fill) and fill > 0.95
    fr = res.fill_rates
    key = fr[fr["priority"] == "key_account"]
    assert key["delivered"].sum() >= 0.95 * key["demand"].sum() - 1e-6


def test_derived_penalty_counts_component_units_moved():
    # FG needs 100 RM and every RM crosses a lane costing 1: serving one FG costs 100 (by
    # hand), so the default penalty must exceed it and the demand is served.
    net = sn.Network("bom_transport", params={"periods": 1})
    net.add_supplier("S")
    net.add_plant("P")
    net.add_customer("C")
    net.add_lane("S", "P", cost=1.0).add_lane("P", "C", cost=0.0)
    net.add_product("RM", value=0.0).add_product("FG", value=0.0)
    net.add_bom("FG", "RM", 100.0)
    net.add_supply("S", "RM", price=0.0)
    net.add_production("P", "FG", cost=0.0, capacity_use=0.0)
    net.add_demand("C", "FG", 1.0, period=1)
    plan = sn.plan(net)
    assert plan.objective == pytest.approx(100.0)
    assert plan.tables["deliveries"]["delivered"].sum() == pytest.approx(1.0)
    design = sn.design(net, soft=True)
    assert design.objective == pytest.approx(100.0)
