"""Order promising and segment moves worked out by hand from models/promising.md alone.

Tiny networks: plant P (capacity ``cap`` units/period, cost 1/unit) -> warehouse W (initial
stock) -> customers K and B, one product A, lead times 0 unless said, no holding cost,
base penalty 1000/unit (backlog). ATP per the doc: spare[u] = on_hand[u] - safety stock
(target_end in T if larger) - earlier ATP shipments; free[s] = max(0, min_{u>=s} spare[u]);
the plan never delivers before a demand period, so on_hand is the initial stock until the
period of the first planned delivery.
"""

from __future__ import annotations

import pandas as pd
import pytest

import supplynet as sn
from supplynet.cli.main import main
from supplynet.models.promising import ctp as ctp_module

COLUMNS = ["order", "customer", "product", "segment", "quantity", "requested_period", "period",
           "promised_quantity", "source", "met", "reason"]


def base(T: int = 3, cap: float = 0.0, initial: float = 0.0, lead_to_b: int = 0,
         lane_b_capacity: float | None = None, safety_stock: float = 0.0,
         target_end: float = 0.0) -> sn.Network:
    net = sn.Network("h", params={"periods": T, "unmet_penalty": 1000.0, "holding_rate": 0.0})
    net.add_plant("P", capacity=cap).add_warehouse("W").add_customer("K").add_customer("B")
    net.add_lane("P", "W").add_lane("W", "K")
    extra = {} if lane_b_capacity is None else {"capacity": lane_b_capacity}
    net.add_lane("W", "B", lead_time=lead_to_b, **extra)
    net.add_product("A", value=1.0).add_production("P", "A", cost=1.0)
    net.add_stock("W", "A", initial=initial, safety_stock=safety_stock, target_end=target_end)
    return net


def orders(*rows, priority=None) -> pd.DataFrame:
    df = pd.DataFrame([dict(zip(["order", "customer", "product", "quantity", "period"], r,
                                strict=True)) for r in rows])
    if priority is not None:
        df["priority"] = priority
    return df


def schedule(out: pd.DataFrame, oid: str) -> dict[int, float]:
    g = out[(out["order"] == oid) & out["period"].notna()]
    return {int(t): float(q) for t, q in zip(g["period"], g["promised_quantity"], strict=True)}


def one(out: pd.DataFrame, oid: str) -> pd.Series:
    return out[out["order"] == oid].iloc[0]


def commitments(*rows) -> pd.DataFrame:
    return pd.DataFrame([{"customer": c, "product": "A", "segment": s, "service_level": 0.0}
                         for c, s in rows])


# ----------------------------------------------------------------------------- ATP


def test_target_end_caps_cumulative_atp_and_a_tie_keeps_atp():
    """T=4, W holds 20 (safety stock 3, target_end 5), K takes 10 in period 3.
    on_hand = 20, 20, 10, 10; spare = 17, 17, 7, 10 - max(3, 5) = 5; free[1] = min = 5.
    Order B 8 for period 1: ATP {1: 5}; free[2..4] - 5 already taken = 0.
    CTP: inv[4] >= target_end 5 is hard and K's 10 is protected (best effort = the
    order's rank), so 20 - 10 - 5 = 5 in period 1 too: a tie, ATP kept, not met."""
    plan = sn.plan(base(T=4, initial=20.0, safety_stock=3.0, target_end=5.0)
                   .add_demand("K", "A", 10.0, period=3))
    out = sn.promise(plan, orders(("o", "B", "A", 8, 1)))
    assert schedule(out, "o") == {1: 5.0}
    assert (one(out, "o")["source"], bool(one(out, "o")["met"])) == ("atp", False)


def test_ctp_may_use_safety_stock_that_atp_keeps():
    """Same, target_end 0: spare = 17, 17, 7, 7 -> ATP 7 in period 1, 1 short. The
    re-solve only pays ss_penalty (1000/4 per unit-period) to go 1 below the safety
    stock in periods 3-4, far below the promise penalty 10 (T+1) 1000: CTP {1: 8}, met."""
    plan = sn.plan(base(T=4, initial=20.0, safety_stock=3.0).add_demand("K", "A", 10.0,
                                                                        period=3))
    out = sn.promise(plan, orders(("o", "B", "A", 8, 1)))
    assert schedule(out, "o") == pytest.approx({1: 8.0})
    assert (one(out, "o")["source"], bool(one(out, "o")["met"])) == ("ctp", True)
    assert one(out, "o")["reason"] == "extra supply in the re-solved plan"


def test_lane_lead_time_delays_atp_and_ctp_cannot_do_better():
    """W -> B takes 1 period, W holds 10, K takes 2 in period 3 (spare 10, 10, 8).
    Order B 4 for period 1: shipping in period 0 is impossible; a = 2 ships in s = 1,
    free[1] = 8 -> {2: 4}. CTP has the same lane: tie, ATP, not met."""
    plan = sn.plan(base(initial=10.0, lead_to_b=1).add_demand("K", "A", 2.0, period=3))
    out = sn.promise(plan, orders(("o", "B", "A", 4, 1)))
    assert schedule(out, "o") == {2: 4.0}
    row = one(out, "o")
    assert (row["source"], bool(row["met"]), row["requested_period"]) == ("atp", False, 1)
    assert "stock at W" in row["reason"]


def test_lane_outage_moves_the_atp_delivery():
    """Lane W -> B down in period 1 (factor 0): ATP skips it, a = 2 from free[2] = 9:
    {2: 4}. The re-solve has the same outage on the order's lane copy: tie, ATP."""
    net = base(initial=10.0).add_demand("K", "A", 1.0, period=3).add_outage("W->B", 1, 1)
    out = sn.promise(sn.plan(net), orders(("o", "B", "A", 4, 1)))
    assert schedule(out, "o") == {2: 4.0}
    assert one(out, "o")["source"] == "atp"


def test_lane_capacity_splits_atp_over_three_periods():
    """W -> B carries 4/period and the plan sends B 3 in period 1 (spare 1, 4, 4); W holds
    20 (17 spare throughout). Order 10 for period 1: 1 in 1, 4 in 2, 4 in 3 = 9, one unit
    never. CTP shares the lane with B's protected 3 (promise_lane_share): 9 too, tie."""
    net = base(initial=20.0, lane_b_capacity=4.0).add_demand("B", "A", 3.0, period=1)
    out = sn.promise(sn.plan(net), orders(("o", "B", "A", 10, 1)))
    assert schedule(out, "o") == {1: 1.0, 2: 4.0, 3: 4.0}
    assert set(out["source"]) == {"atp"} and not out["met"].any()
    assert (out["quantity"] == 10.0).all()


def test_warehouse_throughput_splits_atp():
    """W ships at most 5/period (throughput) and holds 20; the plan ships K 3 in period 1
    (spare throughput 2, 5, 5; on_hand 17 throughout). Order B 8 for period 1: 2 in 1,
    5 in 2, 1 in 3 = 8 by period 3. CTP keeps K's 3 (same rank): the same, a tie, ATP."""
    net = base(initial=20.0).add_demand("K", "A", 3.0, period=1)
    net.set_table("nodes", net.table("nodes").assign(capacity=lambda d: d["capacity"].where(
        d["id"] != "W", 5.0)))
    out = sn.promise(sn.plan(net), orders(("o", "B", "A", 8, 1)))
    assert schedule(out, "o") == pytest.approx({1: 2.0, 2: 5.0, 3: 1.0}, abs=1e-5)
    assert set(out["source"]) == {"atp"} and not out["met"].any()


def test_lane_capacity_shortfall_reason_names_the_lane():
    net = base(initial=20.0, lane_b_capacity=4.0).add_demand("B", "A", 3.0, period=1)
    out = sn.promise(sn.plan(net), orders(("o", "B", "A", 10, 1)))
    reason = one(out, "o")["reason"]
    assert "lane W->B" in reason and "no stock of A" not in reason


def test_sources_by_lead_time_then_cost_and_each_promise_binds_the_next():
    """W (lead 1 to B, lane cost 0) holds 10, W2 (lead 0, lane cost 5) holds 4; K takes 1
    from W in period 3. Order o1 B 3 for period 2: W2 first (shorter lead) though dearer:
    {2: 3} from W2. o2 B 3 for period 2: W2 has 4 - 3 = 1 left -> 1; then W ships
    2 in period 1 (free[1] = min(10, 10, 9) = 9), arriving in 2: {2: 3} from W and W2."""
    net = base(initial=10.0, lead_to_b=1).add_demand("K", "A", 1.0, period=3)
    net.add_warehouse("W2").add_lane("P", "W2").add_lane("W2", "B", cost=5.0)
    net.add_stock("W2", "A", initial=4.0)
    out = sn.promise(sn.plan(net), orders(("o1", "B", "A", 3, 2), ("o2", "B", "A", 3, 2)))
    assert schedule(out, "o1") == {2: 3.0} and schedule(out, "o2") == {2: 3.0}
    assert one(out, "o1")["reason"] == "stock at W2"
    assert one(out, "o2")["reason"] == "stock at W, W2"
    assert set(out["source"]) == {"atp"} and out["met"].all()


def test_priority_sequence_smaller_first_ties_as_given_and_refusal_row():
    """W holds 6, K takes 1 in period 3 (spare 6, 6, 5 -> free[1] = 5), no capacity.
    Priorities o1=2, o2=1, o3=1 -> order o2, o3, o1. o2 (5 for period 1) takes the 5 (atp,
    met); o3 and o1 find nothing: the re-solve may not touch K's planned unit (best effort,
    same rank) and P makes nothing -> refused, one row each with period NA, 0 units, and
    the reason names K's reservation."""
    net = base(initial=6.0).add_demand("K", "A", 1.0, period=3)
    out = sn.promise(sn.plan(net), orders(("o1", "B", "A", 5, 1), ("o2", "B", "A", 5, 1),
                                          ("o3", "B", "A", 1, 1), priority=[2, 1, 1]),
                     sequence="priority")
    assert out["order"].tolist() == ["o2", "o3", "o1"]
    assert schedule(out, "o2") == {1: 5.0}
    for oid in ("o3", "o1"):
        row = one(out, oid)
        assert pd.isna(row["period"]) and row["promised_quantity"] == 0.0
        assert (row["source"], bool(row["met"])) == ("refused", False)
        assert "supply reserved for best effort K (A)" in row["reason"]


def test_nothing_anywhere_is_refused_with_the_reason():
    """W empty, P capacity 0: ATP nothing, CTP nothing -> refused."""
    net = base(initial=0.0).add_demand("K", "A", 1.0, period=3)
    out = sn.promise(sn.plan(net), orders(("o", "B", "A", 4, 2)))
    row = one(out, "o")
    assert len(out) == 1 and row["source"] == "refused" and pd.isna(row["period"])
    assert row["reason"].startswith("nothing can be promised")
    assert "no stock or supply of A reaches B" in row["reason"]


# ----------------------------------------------------------------------------- CTP


def test_ctp_production_then_the_next_order_is_split():
    """P makes 10/period, W empty, K takes 1 in period 3. o1 B 15 for period 2: no stock,
    the re-solve makes 10 + 5 by period 2: ctp {2: 15}, met. o2 B 10 for period 2: o1's 15
    are kept, so 20 - 15 = 5 by period 2, then 10 - 1 (K) >= 5 in period 3: {2: 5, 3: 5}."""
    net = base(cap=10.0).add_demand("K", "A", 1.0, period=3)
    out = sn.promise(sn.plan(net), orders(("o1", "B", "A", 15, 2), ("o2", "B", "A", 10, 2)))
    assert schedule(out, "o1") == pytest.approx({2: 15.0}, abs=1e-5)
    assert schedule(out, "o2") == pytest.approx({2: 5.0, 3: 5.0}, abs=1e-5)
    assert set(out["source"]) == {"ctp"}
    assert bool(one(out, "o1")["met"]) and not bool(one(out, "o2")["met"])
    assert "binding: production_hours P period" in one(out, "o2")["reason"]


def test_more_units_beat_an_earlier_atp():
    """W holds 3, K takes 1 in period 3 (spare 3, 3, 2: ATP free[1] = 2), P makes 10 but is
    down in period 1. Order B 5 for period 1: ATP {1: 2}; CTP takes all 3 in stock (K's
    unit made in 2 or 3) and makes 2 in period 2: {1: 3, 2: 2}: 5 units > 2, CTP wins."""
    net = base(initial=3.0, cap=10.0).add_demand("K", "A", 1.0, period=3).add_outage("P", 1, 1)
    out = sn.promise(sn.plan(net), orders(("o", "B", "A", 5, 1)))
    assert schedule(out, "o") == pytest.approx({1: 3.0, 2: 2.0}, abs=1e-5)
    assert set(out["source"]) == {"ctp"} and not out["met"].any()


def test_key_account_order_takes_best_effort_supply_best_effort_order_cannot():
    """W holds 10, B (best effort) takes 10 in period 2, K is a key account, C best effort.
    k1 (K, 6 for period 1): on_hand 10, 0, 0 -> ATP 0; the re-solve protects only rank 0
    pairs (none planned), so K gets 6 in period 1 and B 4: ctp {1: 6}, met. c1 (C, 6 for
    period 1) on the new plan: stock 0, B's 4 protected (same rank), k1 kept: refused,
    the reason names B."""
    net = base(initial=10.0).add_demand("B", "A", 10.0, period=2)
    net.add_customer("C").add_lane("W", "C")
    net.set_table("commitments", commitments(("K", "key_account")))
    plan = sn.plan(net)
    planned, asked = plan.deliveries.copy(), orders(("k1", "K", "A", 6, 1), ("c1", "C", "A", 6, 1))
    out = sn.promise(plan, asked)
    # promising leaves the caller's plan and orders as they were
    pd.testing.assert_frame_equal(plan.deliveries, planned)
    pd.testing.assert_frame_equal(asked, orders(("k1", "K", "A", 6, 1), ("c1", "C", "A", 6, 1)))
    assert schedule(out, "k1") == pytest.approx({1: 6.0}, abs=1e-5)
    assert (one(out, "k1")["source"], one(out, "k1")["segment"]) == ("ctp", "key_account")
    assert one(out, "c1")["source"] == "refused"
    assert "supply reserved for best effort B (A)" in one(out, "c1")["reason"]


def test_committed_order_takes_best_effort_but_not_key_account_supply():
    """W holds 10; K (key account) 4 and B (best effort) 6 in period 2; C committed orders
    8 for period 2. ATP 0 (on_hand 10, 0, 0). Rank 1 protects K's 4 only, so C gets B's 6:
    ctp {2: 6}, not met, reason: K's reservation."""
    net = base(initial=10.0).add_demand("K", "A", 4.0, period=2).add_demand("B", "A", 6.0,
                                                                          period=2)
    net.add_customer("C").add_lane("W", "C")
    net.set_table("commitments", commitments(("K", "key_account"), ("C", "committed")))
    out = sn.promise(sn.plan(net), orders(("c", "C", "A", 8, 2)))
    assert schedule(out, "c") == pytest.approx({2: 6.0}, abs=1e-5)
    row = one(out, "c")
    assert (row["source"], row["segment"], bool(row["met"])) == ("ctp", "committed", False)
    assert "supply reserved for key account K (A)" in row["reason"]


# ----------------------------------------------------------------------- segment moves


def two_pairs() -> sn.Network:
    """T=1, P makes 10 at 8/unit for K (class low: 10/unit, lost) and C (high: 1000/unit)."""
    net = sn.Network("m", params={"periods": 1, "unmet_penalty": 1000.0, "holding_rate": 0.0})
    net.add_plant("P", capacity=10.0).add_customer("K").add_customer("C")
    net.add_lane("P", "K").add_lane("P", "C")
    net.add_product("A", value=1.0).add_production("P", "A", cost=8.0)
    net.add_customer_class("low", unmet_penalty=10.0, backlog=False)
    net.add_customer_class("high", unmet_penalty=1000.0, backlog=False)
    net.add_demand("K", "A", 10.0, period=1, priority="low")
    net.add_demand("C", "A", 10.0, period=1, priority="high")
    net.set_table("commitments", commitments(("K", "key_account"), ("C", "committed")))
    return net


def test_segment_moves_committed_down_by_hand():
    """Plan: the key-account premium serves K's 10 first: 10 x 8 + C's 10 unmet x 1000 =
    10080 (priority 0). C -> best effort (half its penalty, 500), K still first:
    80 + 5000 = 5080, change -5000 (-500/unit), C's fill rate 0 -> 0."""
    plan = sn.plan(two_pairs())
    assert plan.objective - float(plan.costs.set_index("category")["cost"].get(
        "priority", 0.0)) == pytest.approx(10080.0)
    out = sn.segment_moves(plan, pairs=[("C", "A")])
    assert list(out.columns) == ["customer", "product", "segment", "to_segment", "demand",
                                 "status", "cost", "cost_change", "cost_change_per_unit",
                                 "fill_rate", "fill_rate_after", "note"]
    c = out.iloc[0]
    assert (c["segment"], c["to_segment"], c["demand"]) == ("committed", "best_effort", 10.0)
    assert (c["cost"], c["cost_change"], c["cost_change_per_unit"]) == \
        pytest.approx((5080.0, -5000.0, -500.0))
    assert (c["fill_rate"], c["fill_rate_after"]) == pytest.approx((0.0, 0.0))


def test_segment_moves_key_account_with_its_own_service_level():
    """K's row has service_level 0.5. K -> committed, segment only: the premium goes, the
    0.5 floor stays: K gets 5, C the other 5: 80 + 5 x 10 + 5 x 1000 = 5130, change
    -4950 (-495/unit), K's fill rate 1 -> 0.5. Cheapest first: C (-500/unit), K (-495)."""
    net = two_pairs()
    com = net.table("commitments").copy()
    com.loc[com["customer"] == "K", "service_level"] = 0.5
    net.set_table("commitments", com)
    plan = sn.plan(net)
    out = sn.segment_moves(plan)
    assert out["customer"].tolist() == ["C", "K"]
    k = out.iloc[1]
    assert (k["segment"], k["to_segment"]) == ("key_account", "committed")
    assert (k["cost"], k["cost_change"], k["cost_change_per_unit"]) == \
        pytest.approx((5130.0, -4950.0, -495.0))
    assert (k["fill_rate"], k["fill_rate_after"]) == pytest.approx((1.0, 0.5))


def test_segment_moves_key_account_down_takes_the_committed_service_level():
    """K (key account, service_level 0 = not stated) -> committed: the premium goes and, as
    for any move to committed, a level of 0 takes the argument (0.95): K must get 9.5 of its
    10, C (1000/unit) the other 0.5. Cost 10 x 8 made + 0.5 x 10 (K unmet) + 9.5 x 1000 (C
    unmet) = 9585, change 9585 - 10080 = -495 (-49.5/unit), fill 1 -> 0.95."""
    plan = sn.plan(two_pairs())
    k = sn.segment_moves(plan, pairs=[("K", "A")]).iloc[0]
    assert (k["segment"], k["to_segment"]) == ("key_account", "committed")
    assert (k["cost"], k["cost_change"], k["cost_change_per_unit"]) == \
        pytest.approx((9585.0, -495.0, -49.5))
    assert (k["fill_rate"], k["fill_rate_after"]) == pytest.approx((1.0, 0.95))


def test_segment_move_to_a_service_level_the_network_cannot_hold():
    """B best effort, demand 20, P makes 10 at 8 < penalty 10: plan serves 10, 10 lost:
    180. Committing at 0.5 needs 10 delivered: the same plan, change 0, fill 0.5 -> 0.5.
    At 0.95 it needs 19 > 10: no solution, cost NaN, a note."""
    net = sn.Network("m", params={"periods": 1, "unmet_penalty": 1000.0, "holding_rate": 0.0})
    net.add_plant("P", capacity=10.0).add_customer("B").add_lane("P", "B")
    net.add_product("A", value=1.0).add_production("P", "A", cost=8.0)
    net.add_customer_class("low", unmet_penalty=10.0, backlog=False)
    net.add_demand("B", "A", 20.0, period=1, priority="low")
    plan = sn.plan(net)
    assert plan.objective == pytest.approx(180.0)
    half = sn.segment_moves(plan, pairs=[("B", "A")], service_level=0.5).iloc[0]
    assert (half["segment"], half["to_segment"]) == ("best_effort", "committed")
    assert (half["cost_change"], half["fill_rate"], half["fill_rate_after"]) == \
        pytest.approx((0.0, 0.5, 0.5), abs=1e-6)
    hard = sn.segment_moves(plan, pairs=[("B", "A")], service_level=0.95).iloc[0]
    assert hard["status"] != "optimal" and pd.isna(hard["cost"])
    assert "has no solution" in hard["note"]


# ------------------------------------------------------------------- input and output


@pytest.fixture(scope="module")
def small_plan():
    return sn.plan(base(initial=10.0).add_demand("K", "A", 1.0, period=3))


@pytest.mark.parametrize("row, message", [
    (("o", "X", "A", 5, 1), "orders row 1 (order=o, customer=X, product=A): 'X' is not a "
     "customer node"),
    (("o", "W", "A", 5, 1), "orders row 1 (order=o, customer=W, product=A): 'W' is not a "
     "customer node"),
    (("o", "B", "Z", 5, 1), "orders row 1 (order=o, customer=B, product=Z): 'Z' is not a "
     "product"),
    (("o", "B", "A", -2, 1), "orders row 1 (order=o, customer=B, product=A): quantity=-2 "
     "must be a number > 0"),
    (("o", "B", "A", 0, 1), "quantity=0 must be a number > 0"),
    (("o", "B", "A", "many", 1), "quantity='many' must be a number > 0"),
    (("o", "B", "A", 5, 0), "period=0 must be a whole period in 1..3"),
    (("o", "B", "A", 5, 4), "period=4 must be a whole period in 1..3"),
    (("o", "B", "A", 5, 1.5), "period=1.5 must be a whole period in 1..3"),
])
def test_bad_order_row_is_named_before_any_model_is_built(small_plan, monkeypatch, row,
                                                          message):
    def no_solve(*_a, **_k):
        raise AssertionError("a model was built for a bad order")

    monkeypatch.setattr(ctp_module, "solve_plan", no_solve)
    with pytest.raises(sn.InstanceError) as e:
        sn.promise(small_plan, orders(row))
    assert message in str(e.value)


def test_duplicate_order_id_and_every_bad_row_in_one_error(small_plan):
    with pytest.raises(sn.InstanceError) as e:
        sn.promise(small_plan, orders(("o", "B", "A", 5, 1), ("o", "K", "A", 1, 2),
                                      ("p", "Q", "A", 1, 9)))
    text = str(e.value)
    assert "orders row 2 (order=o, customer=K, product=A): order id 'o' repeats" in text
    assert "orders row 3 (order=p, customer=Q, product=A): 'Q' is not a customer" in text
    assert "row 3" in text and "period=9" in text


def test_missing_column_priority_and_sequence_errors(small_plan):
    with pytest.raises(sn.InstanceError, match="missing column.*quantity"):
        sn.promise(small_plan, orders(("o", "B", "A", 5, 1)).drop(columns="quantity"))
    with pytest.raises(sn.InstanceError, match="priority is empty"):
        sn.promise(small_plan, orders(("o", "B", "A", 5, 1), priority=[float("nan")]),
                   sequence="priority")
    with pytest.raises(sn.InstanceError, match="sequence must be"):
        sn.promise(small_plan, orders(("o", "B", "A", 5, 1)), sequence="fifo")
    with pytest.raises(sn.InstanceError, match="needs the Result of sn.plan"):
        sn.promise(sn.design(base(initial=10.0).add_demand("K", "A", 1.0, period=3)),
                   orders(("o", "B", "A", 5, 1)))


def test_result_columns_types_and_requested_period_alias(small_plan):
    """spare at W: 10, 10, 9 -> free[1] = 9: 4 units in period 2 from stock (atp, met)."""
    df = orders(("o", "B", "A", 4, 2)).rename(columns={"period": "requested_period"})
    out = sn.promise(small_plan, df)
    assert list(out.columns) == COLUMNS
    assert str(out["period"].dtype) == "Int64" and out["met"].dtype == bool
    assert out["quantity"].dtype == float and out["promised_quantity"].dtype == float
    assert schedule(out, "o") == {2: 4.0} and bool(out.iloc[0]["met"])


def test_cli_bad_orders_exit_2_before_planning(tmp_path, capsys):
    base(initial=10.0).add_demand("K", "A", 1.0, period=3).write(tmp_path / "inst")
    orders(("o", "B", "A", 5, 1), ("o", "B", "A", 5, 2)).to_csv(tmp_path / "dup.csv",
                                                                  index=False)
    assert main(["promise", str(tmp_path / "inst"), str(tmp_path / "dup.csv")]) == 2
    captured = capsys.readouterr()
    assert "orders row 2 (order=o, customer=B, product=A)" in captured.err
    assert "planning" not in captured.out  # refused before the plan is solved


def test_cli_by_priority_writes_the_documented_columns(tmp_path):
    """Same stock (free[1] = 9): b (priority 1) first takes 6, then a finds 3 of 5 in
    period 1 and the rest nowhere: a is short, b met."""
    base(initial=10.0).add_demand("K", "A", 1.0, period=3).write(tmp_path / "inst")
    orders(("a", "B", "A", 5, 1), ("b", "B", "A", 6, 1), priority=[2, 1]).to_csv(
        tmp_path / "o.csv", index=False)
    assert main(["promise", str(tmp_path / "inst"), str(tmp_path / "o.csv"), "--by-priority",
                 "--quiet", "--out", str(tmp_path / "out.csv")]) == 0
    back = pd.read_csv(tmp_path / "out.csv")
    assert list(back.columns) == COLUMNS
    assert back["order"].tolist()[0] == "b"
    got = {o: g["promised_quantity"].sum() for o, g in back.groupby("order")}
    assert got == pytest.approx({"b": 6.0, "a": 3.0})
