"""Two-stage stochastic design on a case worked out by hand."""

from __future__ import annotations

import pytest

import supplynet as sn


def chain(cap_a: float) -> sn.Network:
    """Cheap supplier A (price 1, capacity cap_a) and dear B (price 2) whose contract (the lane
    B→W) costs 30 to keep; customer C needs 100; unmet demand costs 10 per unit."""
    n = sn.Network("hedge", params={"unmet_penalty": 10.0})
    n.add_product("p").add_supplier("A").add_supplier("B").add_warehouse("W").add_customer("C")
    n.add_supply("A", "p", price=1, capacity=cap_a).add_supply("B", "p", price=2)
    n.add_lane("A", "W").add_lane("B", "W", fixed_cost=30).add_lane("W", "C")
    n.add_demand("C", "p", 100)
    return n


def test_hedged_design_keeps_second_supplier():
    """Normal (p 0.8, A 1000 units) and disrupted (p 0.2, A down).
    Without B: 0.8·100 + 0.2·1000 = 280. With B: 0.8·130 + 0.2·230 = 150 → keep B.
    The average scenario has A at 800 ≥ 100, so its design drops B: EEV = 280, VSS = 130.
    Wait-and-see: 0.8·100 + 0.2·230 = 126, EVPI = 150 − 126 = 24."""
    normal, disrupted = chain(1000), chain(0)
    det = sn.design(normal, soft=True)
    assert det.objective == pytest.approx(100)
    res = sn.design(normal, scenarios=[normal.copy(), disrupted], probabilities=[0.8, 0.2])
    assert res.status == "optimal"
    assert res.objective == pytest.approx(150)
    k = res.kpis.set_index("kpi")["value"]
    assert k["expected_cost"] == pytest.approx(150)
    assert k["eev"] == pytest.approx(280)
    assert k["vss"] == pytest.approx(130)
    assert k["ws"] == pytest.approx(126)
    assert k["evpi"] == pytest.approx(24)
    assert res.costs["cost"].sum() == pytest.approx(150)
    flows = res.flows.set_index(["scenario", "origin"])["quantity"]
    assert flows[("hedge_1", "B")] == pytest.approx(100)  # B covers the disruption
    assert ("hedge_0", "B") not in flows.index  # and idles otherwise


def test_cvar_weight_by_hand():
    """With all weight on CVaR_0.8 the worst 20% (the disruption) drives the design:
    without B its cost is 1000, with B 230, so B is kept and the objective is 230."""
    normal, disrupted = chain(1000), chain(0)
    res = sn.design(normal, scenarios=[normal.copy(), disrupted], probabilities=[0.8, 0.2],
                    risk={"alpha": 0.8, "weight": 1.0})
    assert res.objective == pytest.approx(230)


def test_bad_probabilities_are_named():
    with pytest.raises(sn.OptionsError, match="sum to 1"):
        sn.design(chain(10), scenarios=[chain(10), chain(0)], probabilities=[0.5, 0.6])
