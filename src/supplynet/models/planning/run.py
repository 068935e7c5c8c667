"""Solve a plan once: build, the optional warm start, HiGHS, the result tables.

``solve_plan`` never diagnoses an infeasible plan, so the diagnosis (which solves the
plan again without each hard constraint) can call it without recursing.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from ...options import SolveOptions
from ...report.progress import solve_line
from ...results import Result
from ...solve import Deadline, solve_model
from .._sets import Built
from . import constraints as pc
from .lotsizing import strengthen
from .model import build
from .options import PlanOptions
from .results import extract

log = logging.getLogger(__name__)


def rounded_start(built: Built, so: SolveOptions, cut_rounds: int = 0,
                  so_of: Callable[[], SolveOptions] | None = None,
                  drop_slack_cuts: bool = False) -> dict[str, float]:
    """{setup variable name: 0/1}: 1 where the LP relaxation (setups in [0, 1]) produces.

    With ``cut_rounds`` > 0 the relaxation is first strengthened by that many rounds of
    (l,S) rows (lotsizing.strengthen; they stay in the model for the MIP, only the ones
    tight at the last relaxation with ``drop_slack_cuts``); ``so_of()`` gives the options
    of each LP (default: ``so``)."""
    m = built.model
    relax, _added = strengthen(built, cut_rounds, so_of or (lambda: so), pc.add_ls_cuts,
                               drop_slack_cuts)
    if relax is None:
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
    log.info("plan: model built in %.2f s", build_seconds)
    relax_seconds = 0.0
    rounds = o.lot_sizing_cut_rounds if o.setups else 0
    if o.setups and len(built.model.setup) and (
            (o.warm_start and so.mip_start is None) or rounds):
        t1 = time.perf_counter()
        start = rounded_start(built, so, rounds, lambda: deadline.options(so),
                              o.lot_sizing_drop_slack_cuts)
        if not (o.warm_start and so.mip_start is None):
            start = {}
        relax_seconds = time.perf_counter() - t1
        log.info("plan: LP relaxation in %.2f s%s", relax_seconds,
                 f"; warm start with {sum(v > 0.5 for v in start.values())} of {len(start)} "
                 "setups on" if start else "")
        if start:
            so = so.replace(mip_start=start)
    # the result tables are read from the sets the build walked: keep the build's time for them
    sol = solve_model(built.model, deadline.options(so, reserve=build_seconds))
    if log.isEnabledFor(logging.INFO):
        log.info("plan: %s", solve_line(sol))
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
