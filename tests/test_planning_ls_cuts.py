"""(l,S) inequalities of plan(setups=True) (lotsizing.py, models/planning.md "ls_cut").

Checked against algorithms written here, not supplynet's:

* every (l,S) inequality (all l, all S within 1..l) holds at the optimum found by
  enumerating every setup pattern of a single-item instance (T <= 6), uncapacitated and
  capacitated with setup times and min lots, each pattern's LP solved with scipy's linprog;
  the MIP with the cuts reaches that optimum;
* on uncapacitated single-item instances the LP bound after the separation rounds equals
  the Wagner-Whitin optimum (Barany, Van Roy & Wolsey 1984: the (l,S) inequalities give
  the convex hull of uncapacitated lot sizing);
* the rows and the separation by hand on a tiny instance.
"""

from __future__ import annotations

import itertools

import numpy as np
import pyomo.environ as pyo
import pytest
from scipy.optimize import linprog

import supplynet as sn
from supplynet.models.planning import PlanOptions, build
from supplynet.models.planning import constraints as pc
from supplynet.models.planning.lotsizing import ls_items, separate, strengthen
from supplynet.options import SolveOptions

PEN = 1e4  # unmet penalty per unit: far above what a unit can save


def wagner_whitin(d, K, h):
    """Least setup + holding cost meeting d exactly (end-of-period holding h per unit)."""
    T = len(d)
    f = [0.0] + [float("inf")] * T
    for j in range(1, T + 1):
        for i in range(1, j + 1):
            hold = sum(h * (k - i) * d[k - 1] for k in range(i, j + 1))
            f[j] = min(f[j], f[i - 1] + (K if sum(d[i - 1:j]) > 0 else 0.0) + hold)
    return f[T]


def item_net(d, K, h, c, cap=None, use=1.0, stime=0.0, min_lot=0.0, backlog=False):
    """One plant P makes A for customer C (lost sales, quoted 0); holding h per unit."""
    net = sn.Network("ls", params={"periods": len(d), "holding_rate": 0.0})
    net.add_plant("P", capacity=float("nan") if cap is None else float(cap), holding_rate=1.0)
    net.add_customer("C").add_lane("P", "C")
    net.add_customer_class("std", unmet_penalty=PEN, backlog=backlog)
    net.add_product("A", value=float(h))
    net.add_production("P", "A", cost=float(c), capacity_use=float(use), setup_cost=float(K),
                       setup_time=float(stime), min_lot=float(min_lot))
    for t, q in enumerate(d, start=1):
        net.add_demand("C", "A", float(q), period=t, priority="std")
    return net


def brute_force(d, K, h, c, cap=None, use=1.0, stime=0.0, min_lot=0.0):
    """(cost, x, s, y) of the best setup pattern; each pattern's LP in (x, s, L) by linprog."""
    T = len(d)
    best = (float("inf"), None, None, None)
    for y in itertools.product((0, 1), repeat=T):
        if cap is not None and any(stime * yt > cap for yt in y):
            continue
        cost = np.concatenate([np.full(T, c), np.full(T, h), np.full(T, PEN)])
        A_eq, b_eq = [], []
        for t in range(T):  # s[t] - s[t-1] - x[t] - L[t] = -d[t]
            row = np.zeros(3 * T)
            row[T + t], row[t], row[2 * T + t] = 1.0, -1.0, -1.0
            if t:
                row[T + t - 1] = -1.0
            A_eq.append(row)
            b_eq.append(-d[t])
        xub = [None if cap is None else (cap - stime) / use if yt else 0.0 for yt in y]
        bounds = [(min_lot * yt, ub if yt else 0.0) for yt, ub in zip(y, xub, strict=True)]
        bounds += [(0, None)] * T + [(0, d[t]) for t in range(T)]
        r = linprog(cost, A_eq=np.array(A_eq), b_eq=b_eq, bounds=bounds, method="highs")
        if r.status == 0 and r.fun + K * sum(y) < best[0]:
            best = (r.fun + K * sum(y), r.x[:T], r.x[T:2 * T], np.array(y, dtype=float))
    return best


def every_ls_holds(d, x, s, y) -> bool:
    """sum_{t in S} x_t <= sum_{t in S} D(t,l) y_t + s_l for every l and S within 1..l."""
    T = len(d)
    for last in range(1, T + 1):
        for r in range(1, last + 1):
            for S in itertools.combinations(range(1, last + 1), r):
                lhs = sum(x[t - 1] for t in S)
                rhs = sum(sum(d[t - 1:last]) * y[t - 1] for t in S) + s[last - 1]
                if lhs > rhs + 1e-6:
                    return False
    return True


CASES = [  # (d, K, h, c, cap, use, stime, min_lot)
    ([20, 50, 10, 50, 50], 100, 1, 0, None, 1, 0, 0),
    ([0, 8, 3, 0, 9, 4], 40, 2, 1, None, 1, 0, 0),
    ([5, 5, 5, 5, 5, 5], 30, 1, 0, None, 1, 0, 6),
    ([6, 2, 9, 0, 7, 3], 50, 1, 1, 12, 1, 2, 0),  # capacitated: (12 - 2) per setup
    ([4, 9, 1, 8, 2, 6], 35, 2, 0, 20, 2, 3, 3),  # (20 - 3) / 2 = 8.5 units per setup
    ([10, 0, 0, 12, 0, 5], 80, 1, 2, 15, 1, 4, 4),
]


@pytest.mark.parametrize("case", CASES)
def test_ls_cuts_never_cut_off_the_enumerated_optimum(case):
    d, K, h, c, cap, use, stime, ml = case
    best, x, s, y = brute_force(d, K, h, c, cap, use, stime, ml)
    assert every_ls_holds(d, x, s, y)
    net = item_net(d, K, h, c, cap, use, stime, ml)
    res = sn.plan(net, setups=True, lot_sizing_cut_rounds=20)
    assert res.status == "optimal"
    assert abs(res.objective - best) <= 1e-6 * max(1.0, best), (res.objective, best)
    # the rows added hold at the enumerated optimum too
    b = build(net, PlanOptions(setups=True))
    strengthen(b, 20, lambda: SolveOptions(), pc.add_ls_cuts)
    m = b.model
    for t in range(1, len(d) + 1):
        m.make["P", "A", t].value = float(x[t - 1])
        m.setup["P", "A", t].value = float(y[t - 1])
        m.inv["P", "A", t].value = float(s[t - 1])
    for row in m.ls_cut.values():
        assert pyo.value(row.body) <= pyo.value(row.upper) + 1e-6, row.name


def test_lp_bound_with_ls_cuts_equals_wagner_whitin_uncapacitated():
    rng = np.random.default_rng(16)
    gaps_before = []
    for _ in range(12):
        T = int(rng.integers(2, 9))
        d = rng.integers(0, 30, size=T).astype(float)
        d[rng.integers(0, T)] += 1.0  # some demand
        K, h, c = float(rng.integers(5, 200)), float(rng.integers(1, 6)), float(rng.integers(0, 4))
        ww = wagner_whitin(list(d), K, h) + c * d.sum()
        b = build(item_net(d, K, h, c), PlanOptions(setups=True))
        plain, _ = strengthen(b, 0, lambda: SolveOptions(), pc.add_ls_cuts)
        gaps_before.append(ww - plain.objective)
        sol, added = strengthen(b, 100, lambda: SolveOptions(), pc.add_ls_cuts)
        assert abs(sol.objective - ww) <= 1e-6 * max(1.0, ww), (d, K, h, c, sol.objective, ww)
        # the last round found nothing violated: the separation is exact
        assert not separate(ls_items(b.sets), *(dict(zip(v.keys(), sol.values(v).tolist(),
                                                          strict=True))
                                                 for v in (b.model.make, b.model.setup,
                                                           b.model.inv)))
    assert max(gaps_before) > 1.0  # the plain relaxation was weaker on some instance


def test_rows_and_separation_by_hand():
    # d = 4, 0, 6; values make = (10, 0, 0), setup = (0.5, 0, 0), stock = (6, 6, 0):
    # l = 1: S = {1}: 10 - 4 * 0.5 - 6 = 2 > 0 -> cut; l = 2: 10 - 4 * 0.5 - 6 = 2 -> cut;
    # l = 3: 10 - 10 * 0.5 - 0 = 5 -> cut.
    net = item_net([4, 0, 6], 10, 1, 0)
    b = build(net, PlanOptions(setups=True))
    m, s = b.model, b.sets
    items = ls_items(s)
    assert list(items) == [("P", "A")] and items[("P", "A")].stock_nodes == ["P"]
    make = {("P", "A", 1): 10.0, ("P", "A", 2): 0.0, ("P", "A", 3): 0.0}
    setup = {("P", "A", 1): 0.5, ("P", "A", 2): 0.0, ("P", "A", 3): 0.0}
    inv = {("P", "A", 1): 6.0, ("P", "A", 2): 6.0, ("P", "A", 3): 0.0}
    cuts = separate(items, make, setup, inv)
    assert cuts == [("P", "A", 1, (1,)), ("P", "A", 2, (1,)), ("P", "A", 3, (1,))]
    assert len(m.ls_cut) == 0  # declared empty by build
    assert pc.add_ls_cuts(m, s, None, cuts + [("P", "A", 3, (1, 2))]) == 4
    assert pc.add_ls_cuts(m, s, None, cuts) == 0  # rows already there are not added again
    assert len(m.ls_cut) == 4
    row = m.ls_cut["P", "A", 3, "1+2"]  # make1 + make2 - 10 setup1 - 6 setup2 - inv3 <= 0
    for t in (1, 2, 3):
        m.make["P", "A", t].value, m.setup["P", "A", t].value = 1.0 * t, 0.0
        m.inv["P", "A", t].value = 0.0
    m.setup["P", "A", 1].value, m.setup["P", "A", 2].value, m.inv["P", "A", 3].value = 1, 1, 2
    assert pyo.value(row.body) == pytest.approx(1 + 2 - 10 - 6 - 2)


def test_items_leave_out_backlog_and_components():
    net = item_net([4, 0, 6], 10, 1, 0, backlog=True)
    assert ls_items(build(net, PlanOptions(setups=True)).sets) == {}


def test_cut_rounds_zero_adds_no_family_and_loose_big_m_is_wider():
    net = item_net([5, 0, 7], 10, 1, 0, cap=20, use=2, stime=4, min_lot=3)
    m0 = build(net, PlanOptions(setups=True, lot_sizing_cut_rounds=0)).model
    assert not hasattr(m0, "ls_cut")
    tight = build(net, PlanOptions(setups=True)).sets.setup["big_m"].tolist()
    loose = build(net, PlanOptions(setups=True, tight_setup_big_m=False)).sets.setup[
        "big_m"].tolist()
    # tight: min((20 - 4) / 2, remaining 12, 7, 7) = 8, 7, 7; loose: min(20 / 2, 12) = 10
    assert tight == [8.0, 7.0, 7.0] and loose == [10.0, 10.0, 10.0]


@pytest.mark.parametrize("engine", ["arrays", "pyomo"])
@pytest.mark.parametrize("fix", [None, ("setup", 3, 0.0), ("setup", 3, 1.0), ("inv", 2, 30.0)])
def test_warm_rounds_equal_the_cold_relaxation_with_the_same_rows(fix, engine):
    """strengthen re-solves its relaxation in one HiGHS object with the rows added as arrays
    (WarmRelaxation); every row is then put into the Pyomo model. Solving that model's
    relaxation from scratch must give the same LP optimum, also with a setup or a stock
    fixed (with the pyomo engine a fixed variable is not a column: its term moves to the
    right side), and nothing is left to separate at its values (the separation is exact
    for an uncapacitated item)."""
    from supplynet.models.planning.lotsizing import relax

    d, K, h, c = [20, 50, 10, 50, 50, 20, 50, 10], 100.0, 1.0, 0.0
    b = build(item_net(d, K, h, c), PlanOptions(setups=True, engine=engine))
    m = b.model
    if fix is not None:
        family, t, value = fix
        getattr(m, family)["P", "A", t].fix(value)
    plain = relax(m, SolveOptions()).objective
    sol, added = strengthen(b, 100, lambda: SolveOptions(), pc.add_ls_cuts, drop_slack=False)
    assert added == len(m.ls_cut) > 0 and sol.objective > plain + 1.0
    cold = relax(m, SolveOptions())
    assert cold.objective == pytest.approx(sol.objective, rel=1e-9)
    values = [dict(zip(v.keys(), cold.values(v).tolist(), strict=True))
              for v in (m.make, m.setup, m.inv)]
    assert not separate(ls_items(b.sets), *values)
    if fix is None:  # uncapacitated single item: the rows give the Wagner-Whitin optimum
        assert sol.objective == pytest.approx(wagner_whitin(d, K, h), rel=1e-9)


def test_rounds_cut_short_by_the_time_limit_keep_their_rows_and_a_valid_model(caplog):
    """When the time runs out during the rounds (a warm re-solve stops at its limit), every
    row added so far goes into the model: rows added in early rounds are often slack at
    later relaxations, but the values at hand are not the last relaxation's, so none is
    judged on them. The MIP over the rows still reaches the Wagner-Whitin optimum."""
    import logging

    from supplynet.solve import solve_model

    d, K, h = [20, 50, 10, 50, 50, 20, 50, 10, 40, 30, 60, 20], 100.0, 1.0
    expected = wagner_whitin(d, K, h)

    def rows_added(messages) -> int:
        return sum(int(m.split(": ")[2].split()[0]) for m in messages if "rows added" in m)

    # reference: the rounds run to the end and drop the slack rows
    ref = build(item_net(d, K, h, 0.0), PlanOptions(setups=True))
    with caplog.at_level(logging.INFO, logger="supplynet"):
        strengthen(ref, 100, SolveOptions, pc.add_ls_cuts, drop_slack=True)
    rounds = [m for m in caplog.messages if "rows added" in m]
    assert len(rounds) >= 4 and len(ref.model.ls_cut) < rows_added(caplog.messages)
    caplog.clear()

    b = build(item_net(d, K, h, 0.0), PlanOptions(setups=True))
    calls = []

    def so_of():  # the first LP and two re-solves get their time; the third finds it spent
        calls.append(1)
        return SolveOptions() if len(calls) <= 3 else SolveOptions(time_limit=1e-9)

    with caplog.at_level(logging.INFO, logger="supplynet"):
        _sol, kept = strengthen(b, 100, so_of, pc.add_ls_cuts, drop_slack=True)
    assert len(calls) == 4 and any("rounds stopped" in m for m in caplog.messages)
    assert kept == len(b.model.ls_cut) == rows_added(caplog.messages) > 0
    res = solve_model(b.model, SolveOptions())
    assert res.status == "optimal"
    assert res.objective == pytest.approx(expected, rel=1e-9)
