"""Order promising (models/promising.md), every promise worked out by hand.

Tiny chain: plant P -> warehouse W -> customers K (key account) and B (best effort), one
product A, lead times 0 unless said, no holding cost, penalty 1000/unit. K has demand 10
in period 2; W starts with ``initial`` units.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import supplynet as sn
from supplynet.cli.main import main
from supplynet.models.promising import resolve
from supplynet.solve import Deadline


def chain(initial: float, cap: float = 0.0, T: int = 3, k_demand: float = 10.0,
          second: float | None = None) -> sn.Network:
    net = sn.Network("p", params={"periods": T, "unmet_penalty": 1000.0, "holding_rate": 0.0})
    net.add_plant("P", capacity=cap).add_warehouse("W").add_customer("K").add_customer("B")
    net.add_lane("P", "W").add_lane("W", "K").add_lane("W", "B")
    net.add_product("A", value=1.0).add_production("P", "A", cost=1.0)
    net.add_stock("W", "A", initial=initial)
    if second is not None:  # a second warehouse one period away from B
        net.add_warehouse("W2").add_lane("P", "W2").add_lane("W2", "B", lead_time=1)
        net.add_stock("W2", "A", initial=second)
    if k_demand:
        net.add_demand("K", "A", k_demand, period=2)
    net.set_table("commitments", pd.DataFrame([
        {"customer": "K", "product": "A", "segment": "key_account", "service_level": 0.0}]))
    return net


def orders(*rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(["order", "customer", "product", "quantity", "period"], r,
                                  strict=True)) for r in rows])


def by_order(out: pd.DataFrame, oid: str) -> dict[int, float]:
    g = out[(out["order"] == oid) & out["period"].notna()]
    return {int(t): float(q) for t, q in zip(g["period"], g["promised_quantity"], strict=True)}


def test_order_fully_from_stock_then_best_effort_refused_for_the_key_account():
    """W holds 15, K takes 10 in period 2: the plan keeps 15 in period 1 and 5 after, so
    ATP in period 1 = min(15, 5, 5) = 5. Order o1 (B, 5 units, period 1) gets 5 in period 1
    from stock at W (atp, met). Order o2 (B, 5, period 1) then finds ATP 0; the re-solve
    may not touch K's 10 (key account, protected) and P has no capacity: refused, and the
    reason names the key account's reservation."""
    plan = sn.plan(chain(15.0))
    out = sn.promise(plan, orders(("o1", "B", "A", 5, 1), ("o2", "B", "A", 5, 1)))
    assert by_order(out, "o1") == {1: 5.0}
    o1 = out[out["order"] == "o1"].iloc[0]
    assert (o1["source"], bool(o1["met"])) == ("atp", True)
    assert "stock at W" in o1["reason"]
    o2 = out[out["order"] == "o2"].iloc[0]
    assert (o2["source"], bool(o2["met"]), o2["promised_quantity"]) == ("refused", False, 0.0)
    assert "reserved for key account K" in o2["reason"]


def test_key_account_order_may_take_what_best_effort_pairs_cannot():
    """Same stock, but the order comes from K itself for period 1 (5 units): K's own
    planned delivery is protected only against lower or equal segments... K ranks with K,
    so its plan of 10 in period 2 stays; ATP 5 in period 1 serves it (atp, met)."""
    plan = sn.plan(chain(15.0))
    out = sn.promise(plan, orders(("k1", "K", "A", 5, 1)))
    assert by_order(out, "k1") == {1: 5.0}
    assert out.iloc[0]["source"] == "atp"


def test_order_split_across_two_dates_from_two_stocks():
    """W holds 6 (lead 0 to B), W2 holds 4 (lead 1 to B), no K demand, no capacity. Order
    of 10 for period 1: 6 from W in period 1, 4 shipped from W2 in period 1 arriving in
    period 2. The re-solve cannot do better (no capacity): source atp, not met (4 late)."""
    plan = sn.plan(chain(6.0, k_demand=0.0, second=4.0) if False else _split_net())
    out = sn.promise(plan, orders(("o", "B", "A", 10, 1)))
    assert by_order(out, "o") == {1: 6.0, 2: 4.0}
    assert set(out["source"]) == {"atp"}
    assert not out["met"].any()


def _split_net() -> sn.Network:
    # the plan needs some demand: K orders 1 unit in period 3, served by production? no
    # capacity: P makes nothing, so K's unit comes from W (6 -> 5 free after K).
    net = chain(7.0, k_demand=0.0, second=4.0)
    net.add_demand("K", "A", 1.0, period=3)
    return net


def test_order_needing_extra_production_is_promised_by_ctp():
    """W holds 0, P makes 10/period at cost 1; the plan makes K's 10 for period 2. Order of
    5 for B in period 3: no stock (ATP 0), the re-solve makes 5 more in period 3 (capacity
    10 - 0 used in period 3): ctp, 5 in period 3, met."""
    plan = sn.plan(chain(0.0, cap=10.0))
    out = sn.promise(plan, orders(("c", "B", "A", 5, 3)))
    assert by_order(out, "c") == {3: 5.0}
    row = out.iloc[0]
    assert (row["source"], bool(row["met"])) == ("ctp", True)


def test_ctp_split_when_capacity_runs_out():
    """W holds 6 free (no K demand... K 1 unit in period 3), P makes 4/period but is down in
    period 1. Order 10 for B in period 1: ATP gives 5 in period 1 (6 - K's 1); the
    re-solve gives 5 in period 1 and 4 + 1 = 5 in period 2 (made in 2; K's unit made in 3):
    ctp, split {1: 5... } -> checked as 10 units over periods 1 and 2."""
    net = chain(6.0, cap=4.0, k_demand=0.0)
    net.add_demand("K", "A", 1.0, period=3)
    net.add_outage("P", 1, 1)
    plan = sn.plan(net)
    out = sn.promise(plan, orders(("s", "B", "A", 10, 1)))
    got = by_order(out, "s")
    assert set(got) == {1, 2} and sum(got.values()) == pytest.approx(10.0)
    assert got[2] <= 5.0 + 1e-6  # at most 4 made in period 2 plus K's unit made in 3
    assert set(out["source"]) == {"ctp"}


def test_bad_orders_name_the_row_customer_and_product():
    plan = sn.plan(chain(15.0))
    with pytest.raises(sn.InstanceError) as e:
        sn.promise(plan, orders(("o", "X", "A", 5, 1), ("p", "B", "Z", -1, 9)))
    text = str(e.value)
    assert "orders row 1 (order=o, customer=X, product=A): 'X' is not a customer node" in text
    assert "orders row 2 (order=p, customer=B, product=Z): 'Z' is not a product" in text
    assert "quantity=-1" in text and "period=9 must be a whole period in 1..3" in text


def test_cli_promise(tmp_path, capsys):
    chain(15.0).write(tmp_path / "inst")
    orders(("o1", "B", "A", 5, 1)).to_csv(tmp_path / "o.csv", index=False)
    assert main(["promise", str(tmp_path / "inst"), str(tmp_path / "o.csv"), "--quiet",
                 "--out", str(tmp_path / "out.csv")]) == 0
    back = pd.read_csv(tmp_path / "out.csv")
    assert back.iloc[0]["source"] == "atp" and back.iloc[0]["promised_quantity"] == 5.0
    orders(("o1", "Q", "A", 5, 1)).to_csv(tmp_path / "bad.csv", index=False)
    assert main(["promise", str(tmp_path / "inst"), str(tmp_path / "bad.csv"), "--quiet"]) == 2
    assert "'Q' is not a customer node" in capsys.readouterr().err


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(initial=st.integers(0, 20), cap=st.integers(0, 8),
       reqs=st.lists(st.tuples(st.sampled_from(["K", "B"]), st.integers(1, 12),
                               st.integers(1, 3)), min_size=1, max_size=3))
def test_every_promise_is_kept_by_the_plan_with_all_promised_orders(initial, cap, reqs):
    """After promising, the plan re-solved with every promised order as firm demand is
    feasible and delivers each order at least what was promised by each promised period."""
    plan = sn.plan(chain(float(initial), cap=float(cap)))
    od = orders(*[(f"o{i}", c, "A", q, t) for i, (c, q, t) in enumerate(reqs)])
    out = sn.promise(plan, od)
    promised = out[out["period"].notna()]
    proms = []
    for oid, g in promised.groupby("order", sort=False):
        r = od[od["order"] == oid].iloc[0]
        sched = {int(t): float(q) for t, q in zip(g["period"], g["promised_quantity"],
                                                   strict=True)}
        proms.append({"order": oid, "customer": r["customer"], "product": "A",
                      "quantity": sum(sched.values()), "period": int(r["period"]),
                      "schedule": sched})
    res, _m = resolve(plan, proms, None, Deadline.of(plan.options[1]))
    assert res.ok, res.status
    dl = res.deliveries
    for p in proms:
        mine = dl[dl["customer"] == f"{p['customer']}#{p['order']}"].sort_values("period")
        cum = mine.set_index("period")["delivered"].cumsum()
        acc = 0.0
        for t in sorted(p["schedule"]):
            acc += p["schedule"][t]
            assert cum[t] >= acc - 1e-5


def test_successive_ctp_promises_rebuild_cleanly_and_run_the_user_hook_once(caplog):
    """Three orders that each need extra production (W starts empty, P has capacity 100):
    every re-solve builds its promise families once (no Pyomo 'Implicitly replacing'
    warning), and a user's extra_constraints hook runs once per build, never twice."""
    calls = []

    def hook(m, n):
        calls.append(hasattr(m, "promise_kept"))

    plan = sn.plan(chain(0.0, cap=100.0), extra_constraints=hook)
    calls.clear()
    with caplog.at_level("WARNING"):
        out = sn.promise(plan, orders(("o1", "B", "A", 5, 2), ("o2", "B", "A", 5, 2),
                                      ("o3", "K", "A", 5, 3)))
    assert not [r for r in caplog.records if "Implicitly replacing" in r.getMessage()]
    assert set(out["source"]) == {"ctp"} and out["met"].all()
    assert calls and not any(calls)  # the user's hook runs before the promise families


def test_segment_moves_cost_is_worked_out_by_hand():
    """P makes A at 8/unit (capacity 100) for B, demand 10 in period 1 (T = 1), lost sales at
    5/unit: best effort leaves all 10 unmet (cost 50). Committing B at a 0.9 service level
    forces 9 delivered: 9 x 8 + 1 x 5 = 77, +27 (+2.7 per unit of demand), fill rate 0 ->
    0.9. The committed pair C (same data, service level 0.9, plan cost 77 for it) moved to
    best effort leaves its 10 units unmet at the best-effort penalty (half the class
    penalty, 2.5/unit): 25, a saving of 52."""
    net = sn.Network("m", params={"periods": 1, "unmet_penalty": 5.0, "holding_rate": 0.0})
    net.add_plant("P", capacity=100.0).add_customer("B").add_customer("C")
    net.add_lane("P", "B").add_lane("P", "C")
    net.add_product("A", value=1.0).add_production("P", "A", cost=8.0)
    net.add_customer_class("standard", backlog=False)
    net.add_demand("B", "A", 10.0, period=1).add_demand("C", "A", 10.0, period=1)
    net.set_table("commitments", pd.DataFrame([{"customer": "C", "product": "A",
                                                "segment": "committed", "service_level": 0.9}]))
    plan = sn.plan(net)
    assert plan.objective == pytest.approx(50.0 + 77.0)
    out = sn.segment_moves(plan, service_level=0.9).set_index("customer")
    assert (out.loc["B", "segment"], out.loc["B", "to_segment"]) == ("best_effort", "committed")
    assert out.loc["B", "cost_change"] == pytest.approx(27.0)
    assert out.loc["B", "cost_change_per_unit"] == pytest.approx(2.7)
    assert (out.loc["B", "fill_rate"], out.loc["B", "fill_rate_after"]) == pytest.approx((0, 0.9))
    assert out.loc["C", "to_segment"] == "best_effort"
    assert out.loc["C", "cost_change"] == pytest.approx(-52.0)
    assert list(out.index) == ["C", "B"]  # cheapest move first
    with pytest.raises(sn.InstanceError, match=r"no demand for \(Z, A\)"):
        sn.segment_moves(plan, pairs=[("Z", "A")])
