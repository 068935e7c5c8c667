"""Solve one design model, without diagnosis: the internal step behind ``design()``, the
diagnosis and the make-or-buy regret (each of which calls it, never ``design()``)."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import Any

from pyomo.common.errors import InfeasibleConstraintException

from ...arrays import member_name
from ...compile import compile_model
from ...network import Network
from ...options import SolveOptions
from ...report.progress import solve_line
from ...results import Result
from ...solve import Deadline, Solution, solve_compiled, solve_model
from .._sets import Built, records
from .model import OutOfTime, Unreachable, build, with_forced_status
from .options import DesignOptions
from .probing import probe_and_solve
from .reduce import Reduction
from .results import apply_design, make_result

# HiGHS options of the final solve after Lagrangian fixing (user highs_options win). The start
# is the restricted-MIP design, so primal heuristics only cost time: on capb_6000 with 39 free
# warehouses the RINS/RENS sub-MIPs took 57 of 130 s and found nothing better.
FIXED_HIGHS_OPTIONS: dict[str, Any] = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_feasibility_jump": False,
}

log = logging.getLogger(__name__)


def start_of(built: Built, red: Reduction) -> dict[str, float]:
    """The reduction's design as a MIP start {column name: value} for the built model."""
    m, s = built.model, built.sets
    start = {m.open[n].name: red.start_open.get(n, 0.0) for n in s.open_index if not m.open[n].fixed}
    start.update({member_name(m.flow, a): red.start_flow.get(a, 0.0) for a in s.arc_list})
    return start


def certified(sol: Solution, red: Reduction) -> bool:
    """The fixings hold when the reduced model reached a design at least as good as their start."""
    if sol.objective is None or sol.status in ("infeasible", "unbounded", "error"):
        return False
    return sol.objective <= red.upper + 1e-7 * abs(red.upper) + 1e-6


def _built(work: Network, o: DesignOptions, so: SolveOptions | None, deadline: Deadline) -> Built:
    built = build(work, o, so, deadline)
    if o.extra_constraints is not None:
        o.extra_constraints(built.model, work)
    return built


def solve_design(net: Network, o: DesignOptions, so: SolveOptions, deadline: Deadline) -> Result:
    """Build (with Lagrangian fixing where it applies), solve within ``deadline`` and read back.
    The network must be valid; an infeasible model is returned as such, never diagnosed (also
    when demand is cut off by closed facilities: then no model is built)."""
    return solve_built(net, o, so, deadline)[0]


def solve_built(net: Network, o: DesignOptions, so: SolveOptions, deadline: Deadline
                ) -> tuple[Result, Built | None]:
    """``solve_design`` that also returns the model it solved (None when none was built), for
    the diagnosis to read row activities and duals."""
    t0 = time.perf_counter()
    work = with_forced_status(net, o)
    try:
        built = _built(work, o, so, deadline)
    except Unreachable as e:  # demand cut off by closed facilities: infeasible, not bad input
        log.info("design: no model built, demand is cut off by closed facilities (%.2f s)",
                 time.perf_counter() - t0)
        return Result(model="design", status="infeasible",
                      message="no design can deliver all demand: " + "; ".join(e.problems),
                      build_seconds=time.perf_counter() - t0, network=work, options=o,
                      applier=apply_design), None
    except OutOfTime as e:
        log.info("design: stopped before the build: %s", e)
        return Result(model="design", status="time_limit",
                      message=f"time limit reached before any feasible solution was found ({e})",
                      build_seconds=time.perf_counter() - t0, network=work, options=o,
                      applier=apply_design), None
    t1 = time.perf_counter()
    log.info("design: model built in %.2f s", t1 - t0)
    red = built.sets.reduction
    run = so
    if red is not None:
        run = run.replace(highs_options={**FIXED_HIGHS_OPTIONS, **so.highs_options})
        if so.mip_start is None:
            run = run.replace(mip_start=start_of(built, red))
    t_handoff = time.perf_counter()
    try:
        cm = compile_model(built.model)
    except InfeasibleConstraintException as e:  # a row of constants that fails, e.g. no capacity
        log.info("design: no model solved, a constraint is infeasible on its data: %s", e)
        return Result(model="design", status="infeasible",
                      message=f"the model has no feasible solution: {e}",
                      build_seconds=t1 - t0, network=work, options=o, applier=apply_design), built
    probed = None
    if red is None and o.plant_probing is not False:
        probed = probe_and_solve(built, cm, run, deadline, o.plant_probing)
    if probed is not None:
        sol, found = probed
        sol.solve_seconds = found.seconds
    else:
        sol = solve_compiled(cm, deadline.options(run), built.model, t_handoff)
    if log.isEnabledFor(logging.INFO):
        log.info("design: %s", solve_line(sol))
    note = probed[1].note() if probed is not None else ""
    if red is not None:
        if certified(sol, red):
            note = red.note()
        else:  # the start was not reproduced: the fixings are not certified, solve it all
            note = "Lagrangian fixing withdrawn: the model did not reproduce its start"
            log.info("design: %s; building and solving the whole model (%.1f s elapsed)",
                     note, deadline.elapsed())
            built = _built(work, dataclasses.replace(o, lagrangian_fixing=False), None, deadline)
            t1 = time.perf_counter()
            sol = solve_model(built.model, deadline.options(so))
            if log.isEnabledFor(logging.INFO):
                log.info("design: %s", solve_line(sol))
    res = make_result(work, built, o, sol, build_seconds=t1 - t0)
    if note:
        res.message = f"{res.message}; {note}" if res.message else note
    return res, built


def add_regret(res: Result, net: Network, o: DesignOptions, so: SolveOptions, deadline: Deadline) -> None:
    """For each make-or-buy pair, the cost of forcing the other decision (road not taken):
    column ``cost_difference`` of the ``make_or_buy`` table (money per horizon; inf when the
    other decision is infeasible)."""
    mob = res.tables["make_or_buy"].copy()
    diffs = []
    for plant, product, dec in records(mob, ["plant", "product", "decision"]):
        k = ((plant, product),)
        other = dataclasses.replace(o, make_or_buy_regret=False,
                                    force_make=tuple(o.force_make) + (k if dec == "buy" else ()),
                                    force_buy=tuple(o.force_buy) + (k if dec == "make" else ()))
        alt = solve_design(net, other, so, deadline)
        diffs.append(alt.objective - res.objective if alt.ok else math.inf)
    mob["cost_difference"] = diffs
    res.tables["make_or_buy"] = mob
