"""Solve a plan once: build, the optional warm start, HiGHS, the result tables.

``solve_plan`` never diagnoses an infeasible plan, so the diagnosis (which solves the
plan again without each hard constraint) can call it without recursing.
"""

from __future__ import annotations

import math
import time

import pyomo.environ as pyo

from ...options import SolveOptions
from ...results import Result
from ...solve import Deadline, solve_model
from .._sets import Built
from .model import build
from .options import PlanOptions
from .results import extract


def rounded_start(built: Built, so: SolveOptions) -> dict[str, float]:
    """{setup variable name: 0/1}: 1 where the LP relaxation (setups in [0, 1]) produces."""
    m = built.model
    for v in m.setup.values():
        v.domain = pyo.UnitInterval
    try:
        relax = solve_model(m, so.replace(
            mip_start=None, highs_options={**so.highs_options, "solver": "ipm"}))
    finally:
        for v in m.setup.values():
            v.domain = pyo.Binary
    if not relax.has_values:
        return {}
    made = dict(zip(m.make.keys(), relax.values(m.make).tolist(), strict=True))
    return {v.name: float(made[k] > 1e-6) for k, v in m.setup.items()}


def solve_plan(net, o: PlanOptions, so: SolveOptions, deadline: Deadline) -> Result:
    """Build and solve the plan within ``deadline``; an infeasible plan is returned as is.

    The warm-start relaxation and the final solve each get the time left on ``deadline``.
    """
    t0 = time.perf_counter()
    built = build(net, o)
    if o.extra_constraints is not None:
        o.extra_constraints(built.model, net)
    build_seconds = time.perf_counter() - t0
    relax_seconds = 0.0
    if o.setups and o.warm_start and so.mip_start is None and len(built.model.setup):
        t1 = time.perf_counter()
        start = rounded_start(built, deadline.options(so))
        relax_seconds = time.perf_counter() - t1
        if start:
            so = so.replace(mip_start=start)
    sol = solve_model(built.model, deadline.options(so))
    sol.solve_seconds += relax_seconds
    res = Result(model="plan", status=sol.status, objective=sol.objective, bound=sol.bound,
                 gap=sol.gap, message=sol.message, build_seconds=build_seconds,
                 handoff_seconds=sol.handoff_seconds, solve_seconds=sol.solve_seconds,
                 network=net, options=(o, so), solution=sol)
    if sol.has_values:
        res.tables = extract(built, sol)
        if sol.is_mip:
            res.start_values = sol.column_values_by_name()
    if res.objective is not None and not math.isfinite(res.objective):
        res.objective = None
    return res
