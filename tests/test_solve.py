"""The solve engine on tiny LPs and MIPs whose answers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo
import pytest

from supplynet.errors import OptionsError
from supplynet.options import SolveOptions
from supplynet.solve import solve_model


def transport_lp():
    """Two plants (cap 10 and 20), one market of 25; unit costs 1 and 3.

    By hand: plant a ships its 10 (cost 10), plant b the other 15 (cost 45): objective 55 + 5.
    Duals: one more unit of market demand costs 3 (b is marginal); one more unit of capacity
    at a saves 3 - 1 = 2, so its row dual is -2; b's capacity is slack (dual 0).
    """
    m = pyo.ConcreteModel()
    m.P = ["a", "b"]
    m.x = pyo.Var(m.P, domain=pyo.NonNegativeReals)
    cap, cost = {"a": 10, "b": 20}, {"a": 1, "b": 3}
    m.cap = pyo.Constraint(m.P, rule=lambda m, p: m.x[p] <= cap[p])
    m.dem = pyo.Constraint(expr=m.x["a"] + m.x["b"] >= 25)
    m.obj = pyo.Objective(expr=sum(cost[p] * m.x[p] for p in m.P) + 5)
    return m


def test_lp_values_duals_and_offset():
    m = transport_lp()
    sol = solve_model(m)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(60.0)  # the objective offset 5 is kept
    assert sol.gap == 0.0
    np.testing.assert_allclose(sol.values(m.x), [10.0, 15.0])
    np.testing.assert_allclose(sol.duals(m.cap), [-2.0, 0.0], atol=1e-9)
    assert sol.duals(m.dem)[0] == pytest.approx(3.0)
    # reduced cost of the basic variables is zero
    np.testing.assert_allclose(sol.reduced_costs_of(m.x), [0.0, 0.0], atol=1e-9)


def test_infeasible_and_unbounded():
    m = transport_lp()
    m.dem2 = pyo.Constraint(expr=m.x["a"] + m.x["b"] >= 31)  # only 30 can be made
    sol = solve_model(m)
    assert sol.status == "infeasible" and sol.x is None and sol.objective is None

    u = pyo.ConcreteModel()
    u.x = pyo.Var(domain=pyo.NonNegativeReals)
    u.c = pyo.Constraint(expr=u.x >= 1)
    u.obj = pyo.Objective(expr=-u.x)
    assert solve_model(u).status == "unbounded"


def knapsack(n: int = 60, seed: int = 3):
    rng = np.random.default_rng(seed)
    w = rng.integers(1000, 2000, n)
    v = w + rng.integers(0, 10, n)  # nearly proportional: hard for branch and bound
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n), domain=pyo.Binary)
    m.cap = pyo.Constraint(expr=sum(int(w[i]) * m.x[i] for i in range(n)) <= int(w.sum() // 2) + 0.5)
    m.obj = pyo.Objective(expr=-sum(int(v[i]) * m.x[i] for i in range(n)))
    return m, w, v


def test_small_mip_matches_enumeration():
    """max 5a + 4b + 3c s.t. 2a + 3b + c <= 4 over binaries: enumeration gives a + c = 8."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(["a", "b", "c"], domain=pyo.Binary)
    val, wt = {"a": 5, "b": 4, "c": 3}, {"a": 2, "b": 3, "c": 1}
    m.c = pyo.Constraint(expr=sum(wt[k] * m.x[k] for k in val) <= 4)
    m.o = pyo.Objective(expr=-sum(val[k] * m.x[k] for k in val))
    best = max(sum(val[k] * b for k, b in zip(val, bits, strict=True))
               for bits in np.ndindex(2, 2, 2) if sum(wt[k] * b for k, b in zip(val, bits, strict=True)) <= 4)
    sol = solve_model(m)
    assert sol.status == "optimal" and sol.is_mip
    assert -sol.objective == pytest.approx(best) == 8
    assert sol.bound == pytest.approx(sol.objective)


def test_time_limit_returns_incumbent_and_gap():
    m, w, v = knapsack()
    sol = solve_model(m, SolveOptions(time_limit=0.1, highs_options={"mip_heuristic_effort": 0.0}))
    assert sol.status in ("time_limit", "optimal")
    if sol.status == "time_limit":
        assert sol.has_values  # an incumbent (HiGHS finds a trivial one at once)
        assert sol.gap > 0 and math.isfinite(sol.objective)
        x = np.round(sol.values(m.x))
        assert (w * x).sum() <= w.sum() // 2 + 0.5  # the incumbent is feasible


def test_gap_limit_status():
    m, _, _ = knapsack()
    sol = solve_model(m, SolveOptions(mip_gap=0.05))
    assert sol.status in ("gap_limit", "optimal")
    assert sol.gap <= 0.05


def test_mip_start_is_accepted():
    m, w, v = knapsack(30, seed=5)
    first = solve_model(m, SolveOptions(time_limit=20))
    start = first.column_values_by_name()
    again = solve_model(m, SolveOptions(mip_start=start, time_limit=20))
    assert again.objective == pytest.approx(first.objective)


def test_unknown_highs_option_is_named():
    with pytest.raises(OptionsError, match="no_such_option"):
        solve_model(transport_lp(), SolveOptions(highs_options={"no_such_option": 1}))


@pytest.mark.parametrize("bad", [dict(time_limit=-1), dict(mip_gap=2.0), dict(threads=0)])
def test_bad_options_are_rejected(bad):
    with pytest.raises(OptionsError):
        SolveOptions(**bad)


def test_iis_names_the_conflicting_rows():
    """x + y >= 5 with x <= 2 (a row) and y in [0, 2]: the IIS is that pair of rows plus the
    bounds of x and y; the unrelated row z <= 7 and z's bounds are not in it."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.NonNegativeReals)
    m.y = pyo.Var(bounds=(0, 2))
    m.z = pyo.Var(domain=pyo.NonNegativeReals)
    m.need = pyo.Constraint(expr=m.x + m.y >= 5)
    m.x_cap = pyo.Constraint(expr=m.x <= 2)
    m.z_cap = pyo.Constraint(expr=m.z <= 7)
    m.obj = pyo.Objective(expr=m.x + m.y + m.z)
    sol = solve_model(m, SolveOptions(presolve=False))
    assert sol.status == "infeasible"
    iis = sol.iis()
    assert sorted(iis["constraints"]) == ["need", "x_cap"]
    assert "y" in iis["bounds"] and "z" not in iis["bounds"]
