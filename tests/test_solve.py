"""The solve engine on tiny LPs and MIPs whose answers are worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest

import supplynet as sn
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


def test_another_thread_count_in_the_same_process_still_solves():
    """HiGHS's scheduler keeps the first thread count; a later solve with another count used to
    end with status "Not Set" (reported as error). The LP optimum is 60 by hand (see above)."""
    for threads in (2, 1, 2):
        sol = solve_model(transport_lp(), SolveOptions(threads=threads))
        assert sol.status == "optimal" and sol.objective == pytest.approx(60.0)


def test_a_quiet_sub_solve_first_does_not_break_a_later_solve():
    """A package sub-solve (quiet_highs, as the design's Lagrangian fixing uses) on 2
    threads runs first; the model solved next on 1 thread must still be optimal (60 by
    hand), not "Not Set". Run in a fresh process: the scheduler is per process."""
    import subprocess
    import sys

    code = (
        "import highspy, numpy as np\n"
        "from supplynet.highs import quiet_highs\nfrom supplynet.solve import solve_model\n"
        "from supplynet.options import SolveOptions\n"
        "from tests.test_solve import transport_lp\n"
        "h = quiet_highs(2)\n"
        "h.addVar(0.0, 1.0); h.changeColCost(0, 1.0); h.run()\n"
        "sol = solve_model(transport_lp(), SolveOptions(threads=1))\n"
        "print(sol.status, round(sol.objective, 6))\n")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, timeout=120)
    assert out.stdout.split() == ["optimal", "60.0"], out.stderr[-2000:]


class _StuckHighs:
    """A stand-in for a HiGHS run stuck where it checks no limit (e.g. a long presolve)."""

    def __init__(self, seconds: float):
        self.seconds, self.cancelled, self.HandleUserInterrupt = seconds, False, False

    def run(self):
        import time

        time.sleep(self.seconds)

    def cancelSolve(self):
        self.cancelled = True  # ignored, as a presolve that checks no callback would


def test_watchdog_interrupts_and_then_abandons_a_stuck_solve(monkeypatch):
    import time

    import supplynet.highs as engine

    monkeypatch.setattr(engine, "WATCHDOG_GRACE", 0.1)
    monkeypatch.setattr(engine, "CANCEL_GRACE", 0.1)
    fake = _StuckHighs(seconds=5.0)
    t0 = time.perf_counter()
    assert engine.run_highs(fake, time_limit=0.2) is False
    assert fake.cancelled and fake.HandleUserInterrupt
    assert time.perf_counter() - t0 < 2.0  # returned long before the 5 s run ended
    quick = _StuckHighs(seconds=0.0)
    assert engine.run_highs(quick, time_limit=1.0) is True and not quick.cancelled


def test_watchdog_interrupt_keeps_the_incumbent(monkeypatch):
    """HiGHS told of no limit (its own limit is far away) is interrupted by the watchdog; the
    solution is a feasible knapsack with a gap, status time_limit."""
    import supplynet.highs as engine

    monkeypatch.setattr(engine, "WATCHDOG_GRACE", 0.0)
    m, w, v = knapsack(n=200)  # takes HiGHS seconds to prove
    sol = solve_model(m, SolveOptions(time_limit=0.3, highs_options={"time_limit": 1e4}))
    assert sol.status == "time_limit" and sol.has_values and sol.gap > 0
    x = np.round(sol.values(m.x))
    assert (w * x).sum() <= w.sum() // 2 + 0.5
    assert -sol.objective == pytest.approx((v * x).sum())


def test_no_highs_banner_unless_asked(tmp_path):
    """The banner HiGHS prints from C++ on the first Highs object of a process stays silent."""
    import subprocess
    import sys

    code = ("import pyomo.environ as pyo\n"
            "from supplynet.solve import solve_model\n"
            "from supplynet.options import SolveOptions\n"
            "m = pyo.ConcreteModel(); m.x = pyo.Var(bounds=(1, 2)); m.o = pyo.Objective(expr=m.x)\n"
            "print(solve_model(m, SolveOptions(log={log})).objective)\n")
    quiet = subprocess.run([sys.executable, "-c", code.format(log=False)], capture_output=True,
                           text=True, check=True)
    assert quiet.stdout.strip() == "1.0" and "HiGHS" not in quiet.stderr
    loud = subprocess.run([sys.executable, "-c", code.format(log=True)], capture_output=True,
                          text=True, check=True)
    assert "HiGHS" in loud.stdout


def test_a_bound_proven_elsewhere_lifts_a_weak_mip_bound_and_its_gap():
    """A MIP stopped early from a start (objective 100, HiGHS's bound -1000) with an LP
    relaxation of 90 proven beforehand: bound 90, gap (100 - 90) / 100 = 0.1; a weaker bound
    or an LP changes nothing."""
    from supplynet.solve import Solution

    sol = Solution(status="time_limit", objective=100.0, bound=-1000.0, gap=11.0, is_mip=True)
    sol.lift_bound(90.0, "the LP relaxation")
    assert (sol.bound, sol.gap) == (90.0, pytest.approx(0.1))
    assert "gap 0.1 (bound: the LP relaxation)" in sol.message
    sol.lift_bound(50.0, "a weaker one")
    assert sol.bound == 90.0
    lp = Solution(status="optimal", objective=5.0, bound=5.0, gap=0.0)
    lp.lift_bound(7.0, "nonsense for an LP")
    assert lp.bound == 5.0


def test_infinite_time_limit_means_none():
    # inf crashed the watchdog (OverflowError) and the buffers model; it means no limit
    assert SolveOptions(time_limit=math.inf).time_limit is None
    r = sn.design(sn.read(Path(__file__).parents[1] / "instances" / "juice"), time_limit=math.inf)
    assert r.status == "optimal"


def test_a_spent_deadline_hands_out_only_the_minimum_step():
    # every step after the limit used to get a whole second, so a 0.5 s call ran 3.5 s
    from supplynet.solve import MIN_STEP_SECONDS, Deadline
    spent = Deadline(1e-9)
    assert spent.expired()
    assert spent.options(SolveOptions(time_limit=1e-9)).time_limit == MIN_STEP_SECONDS
    assert MIN_STEP_SECONDS < 1.0


def test_a_result_without_start_values_is_no_start():
    # an LP plan keeps no integer start values: passing it as mip_start raised
    # "mip_start must be a Result" although it was one; now it simply gives no start
    from supplynet.solve import start_values
    juice = sn.read(Path(__file__).parents[1] / "instances" / "juice")
    lp = sn.plan(juice)
    assert lp.start_values is None
    assert start_values(lp) == {}
    again = sn.plan(juice, mip_start=lp)
    assert again.objective == pytest.approx(lp.objective, rel=1e-9)


def test_the_hand_off_counts_against_the_time_limit(monkeypatch):
    """HiGHS gets the limit less the time spent compiling and handing the model over: a
    hand-off that takes 0.3 s of a 1 s limit leaves HiGHS at most 0.7 s."""
    import time

    import supplynet.solve as solve_mod

    slow_pass = solve_mod.pass_model

    def pass_model(h, cm):
        time.sleep(0.3)
        slow_pass(h, cm)

    limits = []
    real_run = solve_mod.run_highs

    def run_highs(h, time_limit):
        limits.append((time_limit, h.getOptionValue("time_limit")[1]))
        return real_run(h, time_limit)

    monkeypatch.setattr(solve_mod, "pass_model", pass_model)
    monkeypatch.setattr(solve_mod, "run_highs", run_highs)
    sol = solve_model(transport_lp(), SolveOptions(time_limit=1.0))
    assert sol.objective == pytest.approx(60.0)
    (given, option), = limits
    assert given == option and given <= 0.7


def test_a_reserve_is_kept_back_from_a_step():
    from supplynet.solve import MIN_STEP_SECONDS, Deadline

    clock = Deadline(10.0, start=0.0)  # started at perf_counter 0: long spent
    assert clock.options(SolveOptions(), reserve=2.0).time_limit == MIN_STEP_SECONDS
    fresh = Deadline(10.0)
    assert fresh.options(SolveOptions(), reserve=2.0).time_limit == pytest.approx(8.0, abs=0.05)
    assert Deadline(None).options(SolveOptions(), reserve=2.0).time_limit is None
