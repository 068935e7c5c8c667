"""S&OP view of the plan: the capacity table's required_load (chase load before levelling)
against the planned load, on hand-worked instances with a seasonal peak above capacity."""

from __future__ import annotations

import math

import pytest

import supplynet as sn


def hours(res, plant: str, column: str) -> dict[int, float]:
    cap = res.tables["capacity"]
    rows = cap[(cap["resource"] == plant) & (cap["type"] == "production_hours")]
    return dict(zip(rows["period"].tolist(), rows[column].tolist(), strict=True))


def assembled(demand: list[float]) -> sn.Network:
    """Plant P makes A (0.5 h/unit) from 2 B, and B (0.25 h/unit) from 1 R bought from S."""
    net = sn.Network("sop", params={"periods": len(demand), "unmet_penalty": 1000.0,
                                    "holding_rate": 0.0})
    net.add_supplier("S", capacity=1000.0).add_plant("P", capacity=10.0, holding_rate=0.1)
    net.add_customer("C").add_lane("S", "P").add_lane("P", "C")
    net.add_product("A", value=10.0).add_product("B", value=2.0).add_product("R", value=1.0)
    net.add_bom("A", "B", 2.0).add_bom("B", "R", 1.0)
    net.add_production("P", "A", capacity_use=0.5).add_production("P", "B", capacity_use=0.25)
    net.add_supply("S", "R", price=0.0)
    for t, q in enumerate(demand, start=1):
        net.add_demand("C", "A", q, period=t)
    return net


def test_required_load_explodes_the_bom_and_prebuilding_shows_before_the_peak():
    # One A needs 0.5 h of A and 2 x 0.25 h of B: 1 h per A. Demand 4, 6, 14, 4 needs
    # 4, 6, 14, 4 hours; capacity is 10 h. The 4 h above capacity in period 3 are made
    # ahead. Holding costs 0.1 x value per period: B (0.2/unit, 4 B per hour: 0.8 per
    # hour-period) is cheaper to hold than A (1 per hour-period), and period 2 is the
    # nearest with exactly 4 h slack: 16 B made in period 2, holding 3.2, nothing lost.
    # The supplier's required load: R = 2 x demand of A = 8, 12, 28, 8 units.
    res = sn.plan(assembled([4, 6, 14, 4]), backlog=False)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(3.2)
    required, used = hours(res, "P", "required_load"), hours(res, "P", "used")
    assert required == pytest.approx({1: 4.0, 2: 6.0, 3: 14.0, 4: 4.0})
    assert used == pytest.approx({1: 4.0, 2: 10.0, 3: 10.0, 4: 4.0})
    assert all(used[t] <= 10.0 + 1e-6 for t in used)
    assert used[2] > required[2] + 1e-6 and used[3] < required[3] - 1e-6  # pre-build
    cap = res.tables["capacity"]
    sup = cap[(cap["resource"] == "S") & (cap["type"] == "supply")]
    assert dict(zip(sup["period"], sup["required_load"], strict=True)) == pytest.approx(
        {1: 8.0, 2: 12.0, 3: 28.0, 4: 8.0})
    assert math.isclose(sum(required.values()), sum(used.values()))  # nothing lost


def test_required_load_with_setup_times_and_overtime():
    # One product, 1 h/unit, setup time 1 h (setup cost 0), capacity 10 h, overtime up to
    # 2 h at 100/h, holding 1 per unit-period, lost sales at 1000/unit. Demand 8, 8, 12, 3
    # needs 9, 9, 13, 4 hours with a setup in every period. Period 3 is 3 h short: 1 unit
    # made in period 1 (held 2 periods: 2), 1 in period 2 (held 1: 1), and 1 overtime hour
    # in period 3 (100): cost 103, planned load 10, 10, 11, 4.
    net = sn.Network("ot", params={"periods": 4, "unmet_penalty": 1000.0, "holding_rate": 0.0})
    net.add_plant("P", capacity=10.0, holding_rate=0.1, overtime_capacity=2.0,
                  overtime_cost=100.0).add_customer("C").add_lane("P", "C")
    net.add_product("A", value=10.0)
    net.add_production("P", "A", capacity_use=1.0, setup_time=1.0)
    for t, q in enumerate([8, 8, 12, 3], start=1):
        net.add_demand("C", "A", q, period=t)
    res = sn.plan(net, setups=True, backlog=False)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(103.0)
    required, used = hours(res, "P", "required_load"), hours(res, "P", "used")
    overtime = hours(res, "P", "overtime")
    assert required == pytest.approx({1: 9.0, 2: 9.0, 3: 13.0, 4: 4.0})
    assert used == pytest.approx({1: 10.0, 2: 10.0, 3: 11.0, 4: 4.0})
    assert overtime == pytest.approx({1: 0.0, 2: 0.0, 3: 1.0, 4: 0.0})
    assert all(used[t] <= 10.0 + overtime[t] + 1e-6 and overtime[t] <= 2.0 + 1e-6
               for t in used)
    assert used[1] > required[1] and used[2] > required[2]  # built ahead of the peak
    # without setups the same demand needs only its run hours: 8, 8, 12, 3
    lp = sn.plan(net, backlog=False)
    assert hours(lp, "P", "required_load") == pytest.approx({1: 8.0, 2: 8.0, 3: 12.0, 4: 3.0})


def test_required_load_is_split_as_the_plan_splits_production():
    # P1 (cost 1/unit, 10 h) and P2 (cost 2/unit, 100 h) both make A at 1 h/unit, no
    # holding cost. Demand 10, 20: P1 runs full (20 units), P2 makes the other 10. The plan
    # makes 2/3 of A at P1 and 1/3 at P2, so demand 10, 20 requires 20/3, 40/3 h at P1 and
    # 10/3, 20/3 h at P2.
    net = sn.Network("split", params={"periods": 2, "unmet_penalty": 1000.0,
                                      "holding_rate": 0.0})
    net.add_plant("P1", capacity=10.0).add_plant("P2", capacity=100.0).add_customer("C")
    net.add_lane("P1", "C").add_lane("P2", "C").add_product("A", value=10.0)
    net.add_production("P1", "A", cost=1.0, capacity_use=1.0)
    net.add_production("P2", "A", cost=2.0, capacity_use=1.0)
    net.add_demand("C", "A", 10.0, period=1).add_demand("C", "A", 20.0, period=2)
    res = sn.plan(net, backlog=False)
    assert res.objective == pytest.approx(20 * 1.0 + 10 * 2.0)
    assert hours(res, "P1", "required_load") == pytest.approx({1: 20 / 3, 2: 40 / 3})
    assert hours(res, "P2", "required_load") == pytest.approx({1: 10 / 3, 2: 20 / 3})
    cap = res.tables["capacity"]
    assert cap.columns[:5].tolist() == ["resource", "type", "period", "required_load", "used"]
