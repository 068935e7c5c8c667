"""Lot sizing with setups against independent algorithms.

* single-item uncapacitated lot sizing == Wagner-Whitin dynamic programme (written here);
* small capacitated multi-item instances == enumeration of every setup pattern, each
  pattern's LP solved with scipy's linprog (a formulation written here, not supplynet's).
"""

from __future__ import annotations

import itertools

import numpy as np
import pyomo.environ as pyo
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import supplynet as sn
from supplynet.models.planning import PlanOptions, build

BIG = 1e5  # unmet penalty: every unit is served when it can be


def wagner_whitin(d: list[float], K: float, h: float) -> float:
    """Least setup + holding cost to meet demand d[0..T-1] exactly (end-of-period holding)."""
    T = len(d)
    f = [0.0] + [float("inf")] * T
    for j in range(1, T + 1):  # cover periods i..j with one lot made in i
        for i in range(1, j + 1):
            lot = sum(d[i - 1:j])
            hold = sum(h * (k - i) * d[k - 1] for k in range(i, j + 1))
            f[j] = min(f[j], f[i - 1] + (K if lot > 0 else 0.0) + hold)
    return f[T]


def single_item(d, K, h, c, value=10.0):
    net = sn.Network("ww", params={"periods": len(d), "unmet_penalty": BIG, "holding_rate": 0.0})
    net.add_plant("P", holding_rate=h / value).add_customer("C").add_lane("P", "C")
    net.add_product("A", value=value)
    net.add_production("P", "A", cost=c, setup_cost=K)
    for t, q in enumerate(d, start=1):
        net.add_demand("C", "A", float(q), period=t)
    return net


@settings(max_examples=50, deadline=None)
@given(d=st.lists(st.integers(0, 30), min_size=1, max_size=9).filter(any),  # some demand:
       # an instance whose demand is all 0 is refused by validation
       K=st.integers(0, 200), h=st.integers(1, 10), c=st.integers(0, 5))
def test_uncapacitated_single_item_matches_wagner_whitin(d, K, h, c):
    net = single_item(d, K, h, c)
    res = sn.plan(net, setups=True, backlog=False)
    assert res.status == "optimal"
    expected = wagner_whitin([float(x) for x in d], K, h) + c * sum(d)
    assert abs(res.objective - expected) <= 1e-6 * max(1.0, expected)
    assert res.kpis.set_index("kpi").at["unmet_units", "value"] < 1e-6


def test_wagner_whitin_textbook_case():
    # Wagner & Whitin style: demand 20, 50, 10, 50, 50 with K=100, h=1.
    d = [20, 50, 10, 50, 50]
    expected = wagner_whitin(d, 100, 1)
    # by hand: lots {1,2,3} and {4,5}: 300 setup... {1,2,3}: 100 + 50 + 20 = 170;
    # {4,5}: 100 + 50 = 150 -> 320; alternatives {1},{2,3},{4},{5}: 400 + 10 = 410.
    assert expected == 320
    res = sn.plan(single_item(d, 100, 1, 0), setups=True, backlog=False)
    assert abs(res.objective - 320) < 1e-6
    assert sorted(res.setups["period"].tolist()) == [1, 4]


# ---------------------------------------------------------------- capacitated, 2 items


def clsp_brute_force(d, cap, use, stime, K, h, c, pen, min_lot):
    """min over setup patterns y of the LP in x (make), I (stock), L (lost) — via linprog."""
    P, T = d.shape
    best = float("inf")
    nx_ = P * T  # variable blocks: x, I, L
    for pattern in itertools.product((0, 1), repeat=P * T):
        y = np.array(pattern, dtype=float).reshape(P, T)
        if any(sum(stime[p] * y[p, t] for p in range(P)) > cap for t in range(T)):
            continue
        cost = np.concatenate([np.repeat(c, T), np.repeat(h, T), np.repeat(pen, T)])
        A_eq, b_eq = [], []
        for p in range(P):  # I[p,t] - I[p,t-1] - x[p,t] - L[p,t] = -d[p,t]
            for t in range(T):
                row = np.zeros(3 * nx_)
                row[nx_ + p * T + t] = 1
                if t:
                    row[nx_ + p * T + t - 1] = -1
                row[p * T + t] = -1
                row[2 * nx_ + p * T + t] = -1
                A_eq.append(row)
                b_eq.append(-d[p, t])
        A_ub, b_ub = [], []
        for t in range(T):  # capacity after setup times
            row = np.zeros(3 * nx_)
            for p in range(P):
                row[p * T + t] = use[p]
            A_ub.append(row)
            b_ub.append(cap - sum(stime[p] * y[p, t] for p in range(P)))
        bounds = [(min_lot[p] * y[p, t], None if y[p, t] else 0.0)
                  for p in range(P) for t in range(T)]
        bounds += [(0, None)] * nx_ + [(0, d[p, t]) for p in range(P) for t in range(T)]
        r = linprog(cost, A_ub=np.array(A_ub), b_ub=b_ub, A_eq=np.array(A_eq), b_eq=b_eq,
                    bounds=bounds, method="highs")
        if r.status == 0:
            best = min(best, r.fun + float(np.dot(K, y.sum(axis=1))))
    return best


def clsp_network(d, cap, use, stime, K, h, c, pen, min_lot):
    P, T = d.shape
    net = sn.Network("clsp", params={"periods": T, "holding_rate": 0.0})
    net.add_plant("P", capacity=cap, holding_rate=1.0).add_customer("C").add_lane("P", "C")
    net.add_customer_class("std", unmet_penalty=float(pen[0]), backlog=False)
    for p in range(P):
        net.add_product(f"I{p}", value=float(h[p]))
        net.add_production("P", f"I{p}", cost=float(c[p]), capacity_use=float(use[p]),
                           setup_time=float(stime[p]), setup_cost=float(K[p]),
                           min_lot=float(min_lot[p]))
        for t in range(T):
            net.add_demand("C", f"I{p}", float(d[p, t]), period=t + 1, priority="std")
    return net


def test_capacitated_multi_item_matches_enumeration():
    rng = np.random.default_rng(7)
    for i in range(8):
        P, T = 2, 3
        d = rng.integers(0, 12, size=(P, T)).astype(float)
        use = rng.integers(1, 3, size=P).astype(float)
        stime = rng.integers(0, 5, size=P).astype(float)
        cap = float(rng.integers(10, 30))
        K = rng.integers(5, 60, size=P).astype(float)
        h = rng.integers(1, 4, size=P).astype(float)
        c = rng.integers(0, 3, size=P).astype(float)
        pen = np.full(P, 40.0)
        min_lot = rng.integers(0, 6, size=P).astype(float)
        expected = clsp_brute_force(d, cap, use, stime, K, h, c, pen, min_lot)
        res = sn.plan(clsp_network(d, cap, use, stime, K, h, c, pen, min_lot), setups=True,
                      warm_start=bool(i % 2))  # with and without the LP-rounding start
        assert res.status == "optimal"
        assert abs(res.objective - expected) <= 1e-6 * max(1.0, expected), (d, cap, expected)
        # the LP relaxation without setups is a lower bound
        lp = sn.plan(clsp_network(d, cap, use, stime, K, h, c, pen, min_lot), setups=False)
        assert lp.objective <= res.objective + 1e-6


def test_big_m_comes_from_capacity_and_remaining_demand():
    d = np.array([[5.0, 0.0, 7.0]])
    net = clsp_network(d, 20.0, np.array([2.0]), np.array([4.0]), np.array([10.0]),
                       np.array([1.0]), np.array([0.0]), np.array([40.0]), np.array([3.0]))
    built = build(net, PlanOptions(setups=True))
    st_ = built.sets.setup.set_index("period")["big_m"].to_dict()
    # lost sales, quoted lead time 0: production in t can serve demand of periods >= t;
    # hours bound (20 - 4) / 2 = 8 units; remaining demand 12, 7, 7
    assert st_ == {1: 8.0, 2: 7.0, 3: 7.0}


# ------------------------------------------- (l,S) rows slack at the last LP dropped


def test_dropping_slack_ls_rows_keeps_tight_rows_bound_and_optimum():
    from pyomo.core.expr.visitor import identify_variables

    from supplynet.models.planning import constraints as pc
    from supplynet.models.planning.lotsizing import relax, strengthen
    from supplynet.options import SolveOptions

    # the textbook demand twice: Wagner-Whitin DP (above) for the optimum, cost 0 per unit
    d = [20, 50, 10, 50, 50, 20, 50, 10, 50, 50]
    expected = wagner_whitin([float(x) for x in d], 100, 1)
    net = single_item(d, 100, 1, 0)
    so = SolveOptions()
    full = build(net, PlanOptions(setups=True, backlog=False))
    _sol, every = strengthen(full, 50, lambda: so, pc.add_ls_cuts, drop_slack=False)
    built = build(net, PlanOptions(setups=True, backlog=False))
    m = built.model
    plain = relax(m, so).objective
    assert plain < expected - 1.0  # the rows have something to add
    sol, kept = strengthen(built, 50, lambda: so, pc.add_ls_cuts, drop_slack=True)
    assert kept == len(m.ls_cut) > 0
    assert kept < every  # some rows were slack at the last relaxation and are gone
    # every row left is tight at the last relaxation: evaluate each on the model
    for con in m.ls_cut.values():
        for v in identify_variables(con.body):
            v.set_value(sol.value(v), skip_validation=True)  # setups are fractional
        assert abs(pyo.value(con.body) - pyo.value(con.upper)) <= 1e-6 * max(d) * len(d)
    # uncapacitated single item: the (l,S) rows give the convex hull, so the LP bound is
    # the Wagner-Whitin optimum, before and after the slack rows are dropped
    assert abs(sol.objective - expected) <= 1e-6 * expected
    assert abs(relax(m, so).objective - expected) <= 1e-6 * expected
    for drop in (True, False):
        res = sn.plan(net, setups=True, backlog=False, lot_sizing_drop_slack_cuts=drop)
        assert res.status == "optimal"
        assert abs(res.objective - expected) <= 1e-6 * expected


def test_drop_slack_cuts_option_is_validated():
    from supplynet.errors import OptionsError

    with pytest.raises(OptionsError, match="lot_sizing_drop_slack_cuts"):
        PlanOptions(setups=True, lot_sizing_drop_slack_cuts=1)


def _parent_min_lot_net() -> sn.Network:
    """FG needs 1 RM; FG has a minimum lot of 10 above its demand of 2."""
    net = sn.Network("parent_lot", params={"periods": 1, "unmet_penalty": 100.0})
    net.add_supplier("S")
    net.add_plant("P")
    net.add_customer("C")
    net.add_lane("S", "P").add_lane("P", "C")
    net.add_product("RAW", value=0.0).add_product("RM", value=0.0).add_product("FG", value=0.0)
    net.add_bom("FG", "RM", 1.0).add_bom("RM", "RAW", 1.0)
    net.add_supply("S", "RAW", price=0.0)
    net.add_production("P", "RM", cost=0.0, capacity_use=0.0, setup_cost=1.0)
    net.add_production("P", "FG", cost=0.0, capacity_use=0.0, setup_cost=1.0, min_lot=10.0)
    net.add_demand("C", "FG", 2.0, period=1)
    return net


@pytest.mark.parametrize("tight", [True, False])
def test_component_big_m_allows_the_parents_minimum_lot(tight):
    # By hand: serving the 2 FG takes a lot of 10 FG, hence 10 RM: two setups, cost 2;
    # leaving them unmet costs 2 x 100. A component big-M of 2 (the FG demand alone) made
    # the lot impossible and returned 200 as optimal.
    r = sn.plan(_parent_min_lot_net(), setups=True, tight_setup_big_m=tight,
                lot_sizing_cut_rounds=0, warm_start=False)
    assert r.status == "optimal"
    assert r.objective == pytest.approx(2.0)
    big_m = r.tables["setups"].set_index("product")["big_m"]
    assert big_m["RM"] >= 10.0
