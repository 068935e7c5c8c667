"""Network design against hand-worked cases and brute-force enumeration.

The enumeration builds its own transport LP with scipy's linprog straight from the
random data, so it shares no code with supplynet's model.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import supplynet as sn


def random_instance(seed: int):
    rng = np.random.default_rng(seed)
    n_s, n_w, n_c = 2, int(rng.integers(3, 6)), int(rng.integers(3, 7))
    sup_cap = rng.integers(40, 120, n_s).astype(float)
    w_cap = rng.integers(20, 80, n_w).astype(float)
    w_fix = rng.integers(10, 200, n_w).astype(float)
    dem = rng.integers(5, 30, n_c).astype(float)
    c_sw = rng.integers(1, 10, (n_s, n_w)).astype(float)
    c_wc = rng.integers(1, 10, (n_w, n_c)).astype(float)
    price = rng.integers(1, 5, n_s).astype(float)
    return dict(sup_cap=sup_cap, w_cap=w_cap, w_fix=w_fix, dem=dem, c_sw=c_sw, c_wc=c_wc, price=price)


def to_network(d) -> sn.Network:
    net = sn.Network("random")
    net.add_product("p")
    for s, cap in enumerate(d["sup_cap"]):
        net.add_supplier(f"S{s}")
        net.add_supply(f"S{s}", "p", price=d["price"][s], capacity=cap)
    for w, (cap, fix) in enumerate(zip(d["w_cap"], d["w_fix"], strict=True)):
        net.add_warehouse(f"W{w}", status="candidate", capacity=cap, fixed_cost=fix)
        for s in range(len(d["sup_cap"])):
            net.add_lane(f"S{s}", f"W{w}", cost=d["c_sw"][s, w])
    for c, q in enumerate(d["dem"]):
        net.add_customer(f"C{c}")
        net.add_demand(f"C{c}", "p", q)
        for w in range(len(d["w_cap"])):
            net.add_lane(f"W{w}", f"C{c}", cost=d["c_wc"][w, c])
    return net


def brute_force(d) -> float:
    """min over open sets of fixed cost + transport LP (scipy), or inf if none is feasible."""
    n_s, n_w, n_c = len(d["sup_cap"]), len(d["w_cap"]), len(d["dem"])
    best = np.inf
    for mask in itertools.product([0, 1], repeat=n_w):
        opened = [w for w in range(n_w) if mask[w]]
        if not opened:
            continue
        # variables: x_sw (s, w in opened), y_wc
        sw = [(s, w) for s in range(n_s) for w in opened]
        wc = [(w, c) for w in opened for c in range(n_c)]
        nv = len(sw) + len(wc)
        cost = [d["c_sw"][s, w] + d["price"][s] for s, w in sw] + [d["c_wc"][w, c] for w, c in wc]
        a_eq, b_eq = [], []
        for w in opened:  # balance
            row = np.zeros(nv)
            row[[i for i, (s, ww) in enumerate(sw) if ww == w]] = 1
            row[[len(sw) + i for i, (ww, c) in enumerate(wc) if ww == w]] = -1
            a_eq.append(row)
            b_eq.append(0)
        for c in range(n_c):  # demand
            row = np.zeros(nv)
            row[[len(sw) + i for i, (w, cc) in enumerate(wc) if cc == c]] = 1
            a_eq.append(row)
            b_eq.append(d["dem"][c])
        a_ub, b_ub = [], []
        for w in opened:  # warehouse throughput
            row = np.zeros(nv)
            row[[i for i, (s, ww) in enumerate(sw) if ww == w]] = 1
            a_ub.append(row)
            b_ub.append(d["w_cap"][w])
        for s in range(n_s):  # supplier capacity
            row = np.zeros(nv)
            row[[i for i, (ss, w) in enumerate(sw) if ss == s]] = 1
            a_ub.append(row)
            b_ub.append(d["sup_cap"][s])
        lp = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if lp.status == 0:
            best = min(best, lp.fun + sum(d["w_fix"][w] for w in opened))
    return best


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_design_equals_brute_force(seed):
    d = random_instance(seed)
    expected = brute_force(d)
    net = to_network(d)
    if np.isinf(expected):
        res = sn.design(net)
        assert res.status == "infeasible"
        assert res.diagnosis is not None and len(res.diagnosis)
        return
    res = sn.design(net)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(expected, rel=1e-7)
    assert res.costs["cost"].sum() == pytest.approx(res.objective, rel=1e-9)


def tiny():
    """One supplier S, plant P (100 h), candidate warehouses W1 (fix 50, cap 80) and W2 (fix 30,
    cap 50), customers C1 (30) and C2 (40); fg needs 2 raw.

    By hand: W2 alone cannot carry 70. W1 alone: 50 + raw 140·(1+1) + make 70 + P→W1 70
    + W1→C1 30 + W1→C2 120 = 620. Both: 80 + 280 + 70 + (30 + 80) + (30 + 40) = 610. Optimum 610.
    """
    n = sn.Network("tiny")
    n.add_supplier("S").add_plant("P", capacity=100)
    n.add_warehouse("W1", status="candidate", fixed_cost=50, capacity=80)
    n.add_warehouse("W2", status="candidate", fixed_cost=30, capacity=50)
    n.add_customer("C1").add_customer("C2")
    for a, b, c in [("S", "P", 1), ("P", "W1", 1), ("P", "W2", 2), ("W1", "C1", 1), ("W1", "C2", 3),
                    ("W2", "C1", 2), ("W2", "C2", 1)]:
        n.add_lane(a, b, cost=c)
    n.add_product("raw", kind="raw").add_product("fg").add_bom("fg", "raw", 2)
    n.add_supply("S", "raw", price=1).add_production("P", "fg", cost=1)
    n.add_demand("C1", "fg", 30).add_demand("C2", "fg", 40)
    return n


def test_tiny_by_hand():
    res = sn.design(tiny())
    assert res.objective == pytest.approx(610)
    fac = res.facilities.set_index("node")
    assert fac.loc["W1", "open"] and fac.loc["W2", "open"]
    costs = res.costs.set_index("category")["cost"]
    assert costs["fixed"] == pytest.approx(80)
    assert costs["purchase"] == pytest.approx(140)
    assert costs["transport"] == pytest.approx(140 + 110 + 70)
    assert costs["production"] == pytest.approx(70)
    cts = res.cost_to_serve.set_index("customer")
    # last mile by hand: C1 30 units at 1 from W1, C2 40 units at 1 from W2; the other
    # 540 of cost shared by units: 30/70 and 40/70
    assert cts.loc["C1", "last_mile_cost"] == pytest.approx(30)
    assert cts.loc["C2", "last_mile_cost"] == pytest.approx(40)
    assert cts.loc["C1", "cost_to_serve"] == pytest.approx(30 + 540 * 30 / 70)
    assert cts["cost_to_serve"].sum() == pytest.approx(610)
    assert res.product_cost.set_index("product").loc["fg", "cost_per_unit"] == pytest.approx(610 / 70)


def test_forced_closed_and_single_sourcing_by_hand():
    # W2 forced closed: the 620 design of W1 alone
    assert sn.design(tiny(), force_closed=["W2"]).objective == pytest.approx(620)
    # Single sourcing changes nothing here (each customer already has one source).
    assert sn.design(tiny(), single_sourcing="customer").objective == pytest.approx(610)


def test_single_sourcing_differs_from_split():
    """C (demand 10) can be served by A (cap 6, cost 1) and B (cap 10, cost 3), both open.
    Split: 6·1 + 4·3 = 18. Single sourcing: only B can carry all 10: 30."""
    n = sn.Network("split")
    n.add_product("p").add_supplier("S").add_supply("S", "p")
    n.add_warehouse("A", capacity=6).add_warehouse("B", capacity=10).add_customer("C")
    n.add_lane("S", "A").add_lane("S", "B").add_lane("A", "C", cost=1).add_lane("B", "C", cost=3)
    n.add_demand("C", "p", 10)
    assert sn.design(n).objective == pytest.approx(18)
    res = sn.design(n, single_sourcing="customer")
    assert res.objective == pytest.approx(30)
    assert res.assignments.set_index("source").loc["B", "share"] == pytest.approx(1.0)


def test_make_or_buy_by_hand():
    """Plant P needs 100 units of component k for 100 units of fg.
    Make k: fixed 300 + 1/unit of raw at 0.5 → 300 + 150 = 450. Buy k at 5/unit: 500.
    Make wins by 50; with the make fixed cost at 400 buying wins (550 vs 500)."""
    def chain(make_fixed: float) -> sn.Network:
        n = sn.Network("mob")
        n.add_product("raw", kind="raw").add_product("k", kind="intermediate").add_product("fg")
        n.add_bom("fg", "k", 1).add_bom("k", "raw", 1)
        n.add_supplier("R").add_supplier("V").add_plant("P").add_customer("C")
        n.add_supply("R", "raw", price=0.5).add_supply("V", "k", price=5)
        n.add_production("P", "k", cost=1, fixed_cost=make_fixed).add_production("P", "fg")
        n.add_lane("R", "P").add_lane("V", "P").add_lane("P", "C")
        n.add_demand("C", "fg", 100)
        return n

    res = sn.design(chain(300), make_or_buy_regret=True)
    mob = res.make_or_buy.set_index("product")
    assert mob.loc["k", "decision"] == "make"
    assert res.objective == pytest.approx(450)
    assert mob.loc["k", "cost_difference"] == pytest.approx(50)
    res = sn.design(chain(400))
    assert res.make_or_buy.set_index("product").loc["k", "decision"] == "buy"
    assert res.objective == pytest.approx(500)
    assert sn.design(chain(400), force_make=[("P", "k")]).objective == pytest.approx(550)


def test_diversification_forces_second_supplier():
    """Cheap supplier A (1/unit), dear B (2/unit), demand 100. No cap: 100. With at most 60%
    from one supplier: 60·1 + 40·2 = 140."""
    n = sn.Network("div")
    n.add_product("p").add_supplier("A").add_supplier("B").add_warehouse("W").add_customer("C")
    n.add_supply("A", "p", price=1).add_supply("B", "p", price=2)
    n.add_lane("A", "W").add_lane("B", "W").add_lane("W", "C")
    n.add_demand("C", "p", 100)
    assert sn.design(n).objective == pytest.approx(100)
    res = sn.design(n, max_supplier_share=0.6)
    assert res.objective == pytest.approx(140)
    buys = res.purchases.set_index("supplier")["quantity"]
    assert buys["A"] == pytest.approx(60) and buys["B"] == pytest.approx(40)
    res = sn.design(n, min_suppliers=2, min_supplier_share=0.25)
    assert res.objective == pytest.approx(75 + 50)


def test_capacity_levels_and_apply():
    """W has levels small (cap 50, 10) and big (cap 100, 40); demand 70 needs big. The applied
    network has W open at 100 and no level table; re-designing it gives the same cost."""
    n = sn.Network("levels")
    n.add_product("p").add_supplier("S").add_supply("S", "p")
    n.add_warehouse("W", status="candidate", fixed_cost=5).add_customer("C")
    n.add_capacity_level("W", "small", 50, 10).add_capacity_level("W", "big", 100, 40)
    n.add_lane("S", "W").add_lane("W", "C", cost=1).add_demand("C", "p", 70)
    res = sn.design(n)
    assert res.objective == pytest.approx(5 + 40 + 70)
    fac = res.facilities.set_index("node")
    assert fac.loc["W", "level"] == "big" and fac.loc["W", "capacity"] == 100
    applied = res.apply()
    assert applied.nodes.set_index("id").loc["W", "status"] == "open"
    assert sn.design(applied).objective == pytest.approx(res.objective)


def test_soft_mode_and_diagnosis():
    """Demand 120 but the only warehouse carries 100: hard mode is infeasible and the
    diagnosis names the customer, product and the 20 units; soft mode reports them."""
    n = sn.Network("short")
    n.add_product("juice").add_supplier("S").add_supply("S", "juice")
    n.add_warehouse("W", capacity=100).add_customer("C12")
    n.add_lane("S", "W").add_lane("W", "C12", cost=1).add_demand("C12", "juice", 120)
    res = sn.design(n)
    assert res.status == "infeasible"
    msgs = " ".join(res.diagnosis["message"])
    assert "customer C12, product juice: 20 of 120 units cannot be delivered" in msgs
    assert "warehouse W throughput capacity binds" in msgs
    # the message says it too (what the command line and a batch log show)
    assert "20 of 120 units cannot be delivered" in res.message
    assert "warehouse W throughput capacity binds" in res.message
    soft = sn.design(n, soft=True)
    assert soft.unmet["unmet"].sum() == pytest.approx(20)
    assert soft.costs["cost"].sum() == pytest.approx(soft.objective)


def test_co2_price_and_cap():
    """Two lanes to C: clean (cost 3, 1 kg/unit), dirty (cost 1, 5 kg/unit); demand 10.
    No price: dirty, 10. Price 1/kg: clean 3+1=4 < 1+5=6 → 40. Cap 30 kg: x_dirty ≤ 5 → 5+15 = 20."""
    n = sn.Network("co2")
    n.add_product("p").add_supplier("S").add_supply("S", "p")
    n.add_warehouse("Clean").add_warehouse("Dirty").add_customer("C")
    n.add_lane("S", "Clean").add_lane("S", "Dirty")
    n.add_lane("Clean", "C", cost=3, co2=1).add_lane("Dirty", "C", cost=1, co2=5)
    n.add_demand("C", "p", 10)
    assert sn.design(n).objective == pytest.approx(10)
    assert sn.design(n, carbon_price=1.0).objective == pytest.approx(40)
    assert sn.design(n, co2_cap=30).objective == pytest.approx(20)


def test_previous_result_as_mip_start():
    first = sn.design(tiny())
    assert first.start_values  # the integer decisions, by variable name
    again = sn.design(tiny(), mip_start=first)
    assert again.objective == pytest.approx(first.objective)


def test_forced_closure_pays_the_closing_cost():
    """W1 and W2 existing (closing cost 20 each). Keeping both is the 610 of tiny(); with W2
    forced closed, W1 alone costs 620 (see tiny) plus W2's closing cost 20: 640."""
    def net(close_w2: bool) -> sn.Network:
        n = tiny()
        nodes = n.nodes.copy()
        nodes["status"] = nodes["status"].where(~nodes["id"].isin(["W1", "W2"]), "existing")
        nodes["closing_cost"] = nodes["id"].map({"W1": 20.0, "W2": 20.0}).fillna(0.0)
        if close_w2:
            nodes.loc[nodes["id"] == "W2", "status"] = "closed"
        n.set_table("nodes", nodes)
        return n

    both = sn.design(net(False))
    assert both.objective == pytest.approx(610)  # as in tiny(): both stay open
    closed = sn.design(net(True))
    # W1 alone: 620 (see tiny) + W2's closing cost 20
    assert closed.objective == pytest.approx(640)
    assert closed.costs.set_index("category").loc["closing", "cost"] == pytest.approx(20)


@pytest.mark.parametrize("engine", ["arrays", "pyomo"])
def test_closed_plant_cannot_make_without_linking_rows(engine):
    # FG uses none of P's capacity, so production_capacity cannot close P; with the linking
    # rows off, the plant's own arc rows must. By hand: open P (100) and ship 5 FG at 1: 105.
    net = sn.Network("u0", params={"periods": 1})
    net.add_supplier("S")
    net.add_plant("P", status="candidate", fixed_cost=100.0, capacity=10.0)
    net.add_customer("C")
    net.add_lane("S", "P", cost=0.0).add_lane("P", "C", cost=1.0)
    net.add_product("RM").add_product("FG")
    net.add_bom("FG", "RM", 1.0)
    net.add_supply("S", "RM", price=0.0)
    net.add_production("P", "FG", cost=0.0, capacity_use=0.0)
    net.add_demand("C", "FG", 5.0, period=1)
    r = sn.design(net, linking=False, capacity_cover=False, engine=engine)
    assert r.objective == pytest.approx(105.0)
    assert bool(r.tables["facilities"].set_index("node").at["P", "open"])


def test_no_capacity_at_all_is_infeasible_not_an_exception():
    # the only warehouse has capacity 0: capacity_cover is a row of constants that fails
    # (Pyomo raised InfeasibleConstraintException); by hand none of the 10 units can arrive
    n = sn.Network("zero")
    n.add_product("j").add_supplier("S").add_supply("S", "j")
    n.add_warehouse("W", status="candidate", capacity=0).add_customer("C")
    n.add_lane("S", "W").add_lane("W", "C", cost=1).add_demand("C", "j", 10)
    r = sn.design(n)
    assert r.status == "infeasible"
    assert "capacity_cover" in r.message
    assert "customer C, product j: 10 of 10 units cannot be delivered" in r.message


def test_binding_capacities_are_named_dearest_first():
    # C1 can only be served through W1 (path cost 50), C2 through W2 (path cost 1); both
    # warehouses are full and short by 10 units. A unit more through W2 saves the penalty
    # less 1, through W1 the penalty less 50: W2's row is the dearer and comes first (the
    # facilities table lists W1 first).
    n = sn.Network("two_short")
    n.add_product("j").add_supplier("S").add_supply("S", "j")
    n.add_warehouse("W1", capacity=40).add_warehouse("W2", capacity=40)
    n.add_customer("C1").add_customer("C2")
    n.add_lane("S", "W1").add_lane("S", "W2").add_lane("W1", "C1", cost=50)
    n.add_lane("W2", "C2", cost=1)
    n.add_demand("C1", "j", 50).add_demand("C2", "j", 50)
    res = sn.design(n)
    assert res.status == "infeasible"
    caps = res.diagnosis[res.diagnosis["kind"] == "capacity"]["element"].tolist()
    assert caps == ["W2", "W1"]
