"""Commitments in the plan (models/planning.md, "Commitments"), worked out by hand.

Line P -> C, one product A, lost sales at penalty 100/unit, production free, no holding
cost, T = 2. The commitment caps committed volume at max_quantity per period; unmet units
above it cost the best-effort penalty (half the class penalty: 50).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import supplynet as sn


def line(cap: float, demand=(15.0, 15.0), commit: dict | None = None) -> sn.Network:
    net = sn.Network("c", params={"periods": 2, "unmet_penalty": 100.0, "holding_rate": 0.0})
    net.add_plant("P", capacity=cap).add_customer("C").add_lane("P", "C")
    net.add_product("A", value=1.0).add_production("P", "A", cost=0.0)
    net.add_customer_class("standard", backlog=False)
    for t, q in enumerate(demand, start=1):
        net.add_demand("C", "A", q, period=t)
    if commit is not None:
        net.set_table("commitments", pd.DataFrame([{"customer": "C", "product": "A", **commit}]))
    return net


def test_demand_above_max_quantity_is_best_effort():
    """Capacity 10/period, demand 15 + 15, max_quantity 10: committed 10 + 10 = 20, best
    effort 5 + 5 = 10. The plan makes 10 + 10; the 10 unmet units are all best effort at
    50: objective 500 (without the commitment: 10 x 100 = 1000). Committed fill rate 20/20."""
    res = sn.plan(line(10.0, commit={"max_quantity": 10.0, "service_level": 1.0}))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(500.0)
    row = res.commitments.iloc[0]
    assert (row["demand"], row["committed"], row["delivered"]) == pytest.approx((30, 20, 20))
    assert (row["unmet"], row["best_effort_unmet"]) == pytest.approx((10.0, 10.0))
    assert row["fill_rate"] == pytest.approx(1.0) and bool(row["held"])
    assert sn.plan(line(10.0)).objective == pytest.approx(1000.0)


def test_service_level_is_a_hard_floor_per_pair():
    """Capacity 8/period: 16 delivered, 14 unmet = 10 best effort (50) + 4 committed (100):
    900; committed fill rate (20 - 4) / 20 = 0.8. A service level of 0.9 needs at most 2
    committed units unmet: infeasible. With the floor switched off the plan is 900 and the
    commitment is reported as not held."""
    ok = sn.plan(line(8.0, commit={"max_quantity": 10.0, "service_level": 0.8}))
    assert ok.objective == pytest.approx(900.0)
    assert ok.commitments.iloc[0]["fill_rate"] == pytest.approx(0.8)
    assert bool(ok.commitments.iloc[0]["held"])
    net = line(8.0, commit={"max_quantity": 10.0, "service_level": 0.9})
    assert sn.plan(net).status == "infeasible"
    off = sn.plan(net, commitment_service_levels=False)
    assert off.objective == pytest.approx(900.0)
    assert not bool(off.commitments.iloc[0]["held"])


def test_cap_is_per_period_and_best_effort_segment_commits_nothing():
    """Demand 5 + 15, max_quantity 10: committed 5 + 10 = 15, excess 5. Capacity 6/period
    (stock may be held for free): 12 delivered, 8 unmet = 5 best effort (50) + 3 committed
    (100) = 550; committed fill rate 12/15 = 0.8. Segment best_effort: committed 0, fill
    rate NaN, every unmet unit at 50: with capacity 8, 4 unmet -> 200."""
    res = sn.plan(line(6.0, (5.0, 15.0), {"max_quantity": 10.0, "service_level": 0.8}))
    assert res.objective == pytest.approx(550.0)
    assert res.commitments.iloc[0]["committed"] == pytest.approx(15.0)
    assert res.commitments.iloc[0]["fill_rate"] == pytest.approx(0.8)
    be = sn.plan(line(8.0, (5.0, 15.0), {"segment": "best_effort", "service_level": 0.99}))
    assert be.objective == pytest.approx(200.0)
    assert be.commitments.iloc[0]["committed"] == 0.0
    assert math.isnan(be.commitments.iloc[0]["fill_rate"])


def test_best_effort_penalty_option_and_cost_table():
    """best_effort_penalty=20: the 10 best-effort units of the first case cost 200; the
    costs table still sums to the objective (unmet 200)."""
    res = sn.plan(line(10.0, commit={"max_quantity": 10.0}), best_effort_penalty=20.0)
    assert res.objective == pytest.approx(200.0)
    costs = res.costs.set_index("category")["cost"]
    assert costs["unmet"] == pytest.approx(200.0)
    assert costs.sum() == pytest.approx(res.objective)


def test_commitments_are_validated_row_by_row():
    net = line(10.0)
    net.set_table("commitments", pd.DataFrame([
        {"customer": "P", "product": "A", "service_level": 0.5},
        {"customer": "C", "product": "Z", "service_level": 1.2, "segment": "gold",
         "max_quantity": -1.0}]))
    text = "\n".join(net.problems())
    assert "commitments row 1 (customer=P, product=A): customer 'P' is a plant" in text
    assert "commitments row 2 (customer=C, product=Z): product 'Z' is not a product" in text
    assert "service_level=1.2 must be in [0, 1]" in text
    assert "segment 'gold' is not one of key_account, committed, best_effort" in text
    assert "max_quantity=-1 units/period is negative" in text


def test_commitments_round_trip_through_folder_and_excel(tmp_path):
    net = line(10.0, commit={"max_quantity": 10.0, "service_level": 0.9,
                             "segment": "key_account", "quoted_lead_time": 1})
    net.write(tmp_path / "f")
    back = sn.read(tmp_path / "f")
    row = back.table("commitments").iloc[0]
    assert (row["segment"], row["max_quantity"], row["quoted_lead_time"]) == \
        ("key_account", 10.0, 1)
    net.write(tmp_path / "x.xlsx")
    assert sn.read(tmp_path / "x.xlsx").table("commitments").iloc[0]["service_level"] == 0.9


def backlog_line(quote: int, segment: str = "committed") -> sn.Network:
    """Line P -> C (lane lead time 0), capacity 10/period, backlog at 1 per unit and period,
    demand 15 then 5, one commitment with the given quote."""
    net = sn.Network("b", params={"periods": 2, "unmet_penalty": 100.0, "holding_rate": 0.0})
    net.add_plant("P", capacity=10.0).add_customer("C").add_lane("P", "C")
    net.add_product("A", value=1.0).add_production("P", "A", cost=0.0)
    net.add_customer_class("standard", backlog=True, backlog_cost=1.0)
    net.add_demand("C", "A", 15.0, period=1).add_demand("C", "A", 5.0, period=2)
    net.set_table("commitments", pd.DataFrame([{"customer": "C", "product": "A",
                                                "quoted_lead_time": quote,
                                                "service_level": 1.0, "segment": segment}]))
    return net


def test_lead_time_achieved_against_the_quote():
    """Capacity 10 per period: 10 delivered in period 1 (of the 15 demanded then), 10 in
    period 2: first in first out, the 5 left from period 1 wait one period, the 5 of period 2
    none. Lead time = (10 x 0 + 5 x 1 + 5 x 0) / 20 = 0.25 periods, longest 1; all 20
    delivered (fill rate 1, objective: 5 units backlogged one period = 5). Quote 0: the lead
    time is not held, so the commitment is not held although its fill rate is; quote 1: held.
    Best effort has no quote: held."""
    late = sn.plan(backlog_line(0))
    assert late.objective == pytest.approx(5.0)
    row = late.commitments.iloc[0]
    assert row["lead_time"] == pytest.approx(0.25) and row["max_lead_time"] == 1
    assert row["fill_rate"] == pytest.approx(1.0) and bool(row["fill_rate_held"])
    assert row["quoted_lead_time"] == 0
    assert not row["lead_time_held"] and not row["held"]
    ok = sn.plan(backlog_line(1)).commitments.iloc[0]
    assert ok["lead_time"] == pytest.approx(0.25) and ok["lead_time_held"] and ok["held"]
    be = sn.plan(backlog_line(0, "best_effort")).commitments.iloc[0]
    assert be["lead_time_held"] and be["held"]


def rivals(key_segment: str = "key_account") -> sn.Network:
    """P (capacity 10, cost 1/unit) -> K and B, each wanting 10 of A in period 1 (T = 1).
    K's class penalty is 10/unit, B's 1000/unit: by penalty alone B is served first."""
    net = sn.Network("r", params={"periods": 1, "holding_rate": 0.0})
    net.add_plant("P", capacity=10.0).add_customer("K").add_customer("B")
    net.add_lane("P", "K").add_lane("P", "B")
    net.add_product("A", value=1.0).add_production("P", "A", cost=1.0)
    net.add_customer_class("small", unmet_penalty=10.0, backlog=False)
    net.add_customer_class("large", unmet_penalty=1000.0, backlog=False)
    net.add_demand("K", "A", 10.0, period=1, priority="small")
    net.add_demand("B", "A", 10.0, period=1, priority="large")
    net.set_table("commitments", pd.DataFrame([{"customer": "K", "product": "A",
                                                "segment": key_segment, "service_level": 0.0}]))
    return net


def test_key_account_supply_is_reserved_ahead_of_other_segments():
    """With the reservation, K (key account) gets the 10 units although B's penalty is
    higher: make 10 at 1 + B's 10 units unmet at 1000 = 10010, nothing in the priority
    category. Without it (option off, or K only 'committed') the plan serves B:
    10 + K's 10 unmet at 10 = 110."""
    res = sn.plan(rivals())
    assert res.objective == pytest.approx(10010.0)
    dl = res.deliveries.groupby("customer")["delivered"].sum()
    assert dl["K"] == pytest.approx(10.0) and dl.get("B", 0.0) == pytest.approx(0.0)
    costs = res.costs.set_index("category")["cost"]
    assert costs["priority"] == pytest.approx(0.0) and costs["unmet"] == pytest.approx(10000.0)
    assert sn.plan(rivals(), key_account_priority=False).objective == pytest.approx(110.0)
    assert sn.plan(rivals("committed")).objective == pytest.approx(110.0)


def test_key_account_committed_units_only_carry_the_premium():
    """Capacity 10 but K wants 15 with max_quantity 10: committed 10 (served), best effort
    5 (unmet at half K's penalty, 5/unit = 25); B gets nothing: 10 + 25 + 10000 = 10035.
    Units above max_quantity are not reserved: B's 1000/unit would win them if there were
    any capacity left, and the premium is given back on them (priority cost 0)."""
    net = rivals()
    net.set_table("demand", net.table("demand").assign(
        quantity=[15.0, 10.0]))
    net.set_table("commitments", net.table("commitments").assign(max_quantity=10.0))
    res = sn.plan(net)
    assert res.objective == pytest.approx(10035.0)
    assert res.costs.set_index("category")["cost"]["priority"] == pytest.approx(0.0)
