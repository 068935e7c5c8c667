"""Plant probing: LP bounds of each plant option settle the plant tier before the MIP (#16).

In a multi-echelon design the LP relaxation mixes plant configurations (P01 open at 0.6, P02
at its medium level at 0.4), and no inequality over the plant binaries alone cuts that point:
it is a convex combination of feasible plant choices, and the saving is in the flows. The
gap closes only once a plant is branched on. Probing does that branching at the root, with
bounds we can act on:

1. Solve the LP relaxation (interior point with crossover, for a basis).
2. Fix every plant at the option the relaxation weighs most, round the rest of the LP to a
   feasible start, and solve that MIP: its design is an incumbent of value ``UB``.
3. For every decided plant n and every option o of it (closed; each capacity level; open
   when it has no levels), solve the LP again with o imposed, by the dual simplex from the
   relaxation's basis, stopped once it passes UB. Its value ``bound(n, o)`` is a lower bound
   on every design taking o.
4. Exclude every option with ``bound(n, o) > UB``: no design taking it is better than UB.
   When each plant keeps only the incumbent's option, the incumbent's MIP is the answer;
   otherwise the MIP is solved with the exclusions as column bounds, from the incumbent.

The result's bound stays valid for the whole model: an excluded option's bound exceeds UB,
which is at least the bound of the restricted MIP. See models/design.md, "Plant probing".
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from ...compile import CompiledModel
from ...highs import pass_model, quiet_highs, run_highs
from ...options import SolveOptions
from ...solve import MIN_STEP_SECONDS, Deadline, Solution, solve_compiled
from .._sets import Built

log = logging.getLogger(__name__)

# Probing is tried when the model has at least this many columns (below it the MIP alone is
# fast) and at most this many plant options (each costs one warm-started LP).
MIN_COLUMNS = 2000
MAX_OPTIONS = 32
# Share of the time left that the relaxation and the probes may take before probing gives up.
PROBING_SHARE = 0.5
# An option is excluded when its bound exceeds the incumbent by more than this (relative).
EXCLUDE_TOLERANCE = 1e-7


@dataclass(eq=False)
class PlantOption:
    """One choice for a plant: closed (open column 0), a level (open and level columns 1) or
    open (a plant without levels). ``bound`` is the LP value with it imposed (money per
    horizon; inf when that LP is infeasible)."""

    plant: str
    name: str  # "closed", "open" or the level
    open_column: int
    level_column: int | None = None
    bound: float = math.nan

    @property
    def fix(self) -> dict[int, float]:
        """{column: value} that imposes the option."""
        if self.name == "closed":
            return {self.open_column: 0.0}
        out = {self.open_column: 1.0}
        if self.level_column is not None:
            out[self.level_column] = 1.0
        return out


@dataclass
class Probing:
    """What probing found: the options with their bounds, the incumbent and the exclusions."""

    options: list[PlantOption]
    relaxation: float
    incumbent: float = math.nan
    excluded: list[PlantOption] = field(default_factory=list)
    seconds: float = 0.0

    def note(self) -> str:
        if not self.excluded:
            return ""
        gone = {id(o) for o in self.excluded}
        kept = {o.plant for o in self.options if id(o) not in gone}
        parts = [f"{o.plant} {o.name}" for o in self.excluded]
        return (f"plant probing excluded {len(self.excluded)} of {len(self.options)} options "
                f"of {len(kept)} plants by their LP bounds ({', '.join(parts)})")


def plant_options(built: Built, cm: CompiledModel) -> list[PlantOption]:
    """Every option of every decided plant, as column fixings of the compiled model."""
    m, s = built.model, built.sets
    kind = s.data.kind
    out = []
    for n in s.open_index:
        if kind[n] != "plant":
            continue
        y = cm.columns.position(m.open[n])
        if y < 0:
            continue
        out.append(PlantOption(n, "closed", y))
        levels = s.levels_of.get(n, [])
        for lv, _cap in levels:
            z = cm.columns.position(m.level[n, lv])
            if z >= 0:
                out.append(PlantOption(n, str(lv), y, z))
        if not levels:
            out.append(PlantOption(n, "open", y))
    return out


def applies(cm: CompiledModel, options: list[PlantOption], setting) -> bool:
    """Probing runs when asked (True), or by default (None) on models of MIN_COLUMNS columns
    or more; never without plant decisions or with more than MAX_OPTIONS options."""
    if setting is False or not options or len(options) > MAX_OPTIONS or not cm.integer.any():
        return False
    return setting is True or len(cm.columns) >= MIN_COLUMNS


def relax(cm: CompiledModel, budget: float, threads: int
          ) -> tuple[float, np.ndarray, highspy.Highs, highspy.HighsBasis] | None:
    """The LP relaxation by the interior point method with crossover (its basis starts the
    probes): (value, solution, the Highs object, its basis); None when it does not finish
    within ``budget`` seconds."""
    h = quiet_highs(threads)
    pass_model(h, cm)
    n = len(cm.columns)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    h.setOptionValue("solver", "ipm")
    limit = max(MIN_STEP_SECONDS, budget)
    h.setOptionValue("time_limit", limit)
    if not run_highs(h, limit) or h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(h.getSolution().col_value)
    value = h.getInfo().objective_function_value
    basis = h.getBasis()
    h.setOptionValue("solver", "simplex")
    return value, x, h, basis


def likeliest(options: list[PlantOption], x: np.ndarray) -> dict[str, PlantOption]:
    """Per plant, the option the relaxation ``x`` weighs most: closed 1 - open, a level its
    level variable, open (no levels) the open variable."""
    best: dict[str, tuple[float, PlantOption]] = {}
    for o in options:
        y = x[o.open_column]
        weight = 1.0 - y if o.name == "closed" else (
            y if o.level_column is None else x[o.level_column])
        if o.plant not in best or weight > best[o.plant][0]:
            best[o.plant] = (weight, o)
    return {p: o for p, (_w, o) in best.items()}


def bound_options(cm: CompiledModel, h: highspy.Highs, basis, options: list[PlantOption],
                  cutoff: float, deadline: Deadline, budget: float) -> bool:
    """Fill in every option's ``bound``: the LP with the option imposed, by the dual simplex
    from the relaxation's basis, stopped once its objective passes ``cutoff`` (the option is
    then excluded whatever its exact bound). False when time runs out first."""
    t0 = time.perf_counter()
    h.setOptionValue("objective_bound", cutoff)
    lower, upper = cm.col_lower, cm.col_upper
    try:
        for o in options:
            left = budget - (time.perf_counter() - t0)
            if left <= 0 or deadline.expired():
                return False
            idx = np.fromiter(o.fix, dtype=np.int32, count=len(o.fix))
            val = np.fromiter(o.fix.values(), dtype=float, count=len(o.fix))
            h.changeColsBounds(len(idx), idx, val, val)
            h.setBasis(basis)
            h.setOptionValue("time_limit", left)
            h.run()
            status, value = h.getModelStatus(), h.getInfo().objective_function_value
            h.changeColsBounds(len(idx), idx, lower[idx], upper[idx])  # clears the solution
            if status == highspy.HighsModelStatus.kOptimal:
                o.bound = value
            elif status == highspy.HighsModelStatus.kObjectiveBound:
                o.bound = max(cutoff, value)
            elif status == highspy.HighsModelStatus.kInfeasible:
                o.bound = math.inf
            else:
                return False
            log.debug("design: probing: %s %s bound %.6g, %s (%.1f s)", o.plant, o.name, o.bound,
                      h.modelStatusToString(status), time.perf_counter() - t0)
    finally:
        h.setOptionValue("objective_bound", math.inf)
    return True


def rounded_start(built: Built, cm: CompiledModel, h: highspy.Highs, basis,
                  best: list[PlantOption]) -> np.ndarray | None:
    """A feasible design near the LP with the plants at ``best``: every facility the LP opens
    at all is opened at the largest level it uses, other binaries are rounded to the nearest,
    and the flows are those of the LP with all binaries so fixed. None when that LP is not
    feasible. A start lets the MIP stop as soon as its root bound is close enough."""
    m, s = built.model, built.sets
    n = len(cm.columns)
    lower, upper = cm.col_lower.copy(), cm.col_upper.copy()
    for o in best:
        for j, v in o.fix.items():
            lower[j] = upper[j] = v
    h.changeColsBounds(n, np.arange(n, dtype=np.int32), lower, upper)
    h.setBasis(basis)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(h.getSolution().col_value)
    ints = np.flatnonzero(cm.integer)
    value = np.round(x[ints])
    fixed = dict(zip(ints.tolist(), value.tolist(), strict=True))
    for f in s.open_index:
        y = cm.columns.position(m.open[f])
        if y < 0 or lower[y] == upper[y]:
            continue
        on = x[y] > 1e-6
        fixed[y] = float(on)
        levels = [(cap, cm.columns.position(m.level[f, lv])) for lv, cap in s.levels_of.get(f, [])]
        levels = [(cap, z) for cap, z in levels if z >= 0]
        used = [(cap, z) for cap, z in levels if x[z] > 1e-6]
        for _cap, z in levels:
            fixed[z] = 0.0
        if on and used:
            fixed[max(used)[1]] = 1.0
    idx = np.fromiter(fixed, dtype=np.int32, count=len(fixed))
    val = np.fromiter(fixed.values(), dtype=float, count=len(fixed))
    h.changeColsBounds(len(idx), idx, val, val)
    h.run()
    ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    start = np.asarray(h.getSolution().col_value) if ok else None
    h.changeColsBounds(n, np.arange(n, dtype=np.int32), cm.col_lower, cm.col_upper)
    return start


def _with_bounds(cm: CompiledModel, fixes: list[dict[int, float]], lower_only: dict[int, float],
                 upper_only: dict[int, float]) -> CompiledModel:
    lower, upper = cm.col_lower.copy(), cm.col_upper.copy()
    for fix in fixes:
        for j, v in fix.items():
            lower[j] = upper[j] = v
    for j, v in lower_only.items():
        lower[j] = max(lower[j], v)
    for j, v in upper_only.items():
        upper[j] = min(upper[j], v)
    return dataclasses.replace(cm, col_lower=lower, col_upper=upper)


def exclusion_bounds(options: list[PlantOption], excluded: list[PlantOption]
                     ) -> tuple[dict[int, float], dict[int, float]]:
    """Column bounds that forbid the excluded options: ({column: lower}, {column: upper}).
    A closed option excluded opens the plant; an open or level option excluded sets its level
    (or, without levels, the plant's open) to 0; all open options excluded close the plant."""
    lower: dict[int, float] = {}
    upper: dict[int, float] = {}
    gone = {id(o) for o in excluded}
    by_plant: dict[str, list[PlantOption]] = {}
    for o in options:
        by_plant.setdefault(o.plant, []).append(o)
    for opts in by_plant.values():
        y = opts[0].open_column
        opens = [o for o in opts if o.name != "closed"]
        if any(id(o) in gone for o in opts if o.name == "closed"):
            lower[y] = 1.0
        if opens and all(id(o) in gone for o in opens):
            upper[y] = 0.0
            continue
        for o in opens:
            if id(o) in gone:
                upper[y if o.level_column is None else o.level_column] = 0.0
    return lower, upper


def probe_and_solve(built: Built, cm: CompiledModel, so: SolveOptions, deadline: Deadline,
                    setting=None) -> tuple[Solution, Probing] | None:
    """Probe the plant options and solve the design as the module docstring says; None when
    probing does not apply or does not finish in its share of the time (solve as usual)."""
    options = plant_options(built, cm)
    if not applies(cm, options, setting):
        return None
    t0 = time.perf_counter()
    left = deadline.left()
    budget = PROBING_SHARE * left if left is not None else math.inf
    relaxed = relax(cm, budget, int(so.threads))
    if relaxed is None:
        log.info("design: plant probing gave up: no relaxation in %.1f s", budget)
        return None
    relaxation, x, h, basis = relaxed
    found = Probing(options, relaxation)
    chosen = likeliest(options, x)
    x0 = rounded_start(built, cm, h, basis, list(chosen.values()))
    start = None if x0 is None else dict(zip(cm.columns.names(), x0.tolist(), strict=True))
    log.debug("design: probing: rounded start %s after %.1f s",
              f"{float(cm.cost @ x0) + cm.offset:.6g}" if start else "infeasible",
              time.perf_counter() - t0)
    fixed = _with_bounds(cm, [o.fix for o in chosen.values()], {}, {})
    # the whole time left: on the largest networks this MIP finds the only design in time,
    # and a design found is never thrown away (the fallback below starts from it)
    incumbent = solve_compiled(fixed, deadline.options(so.replace(mip_start=start)), built.model)
    if not incumbent.has_values:
        return None
    ub = incumbent.objective
    found.incumbent = ub
    log.debug("design: probing: incumbent %.6g (%s) after %.1f s", ub, incumbent.status,
              time.perf_counter() - t0)
    cutoff = ub + EXCLUDE_TOLERANCE * max(1.0, abs(ub))
    spent = time.perf_counter() - t0
    start = incumbent.column_values_by_name()  # its integer columns, by name

    def answer(sol: Solution) -> tuple[Solution, Probing]:
        sol.lift_bound(relaxation, "the LP relaxation")
        found.seconds = time.perf_counter() - t0
        return sol, found

    if not bound_options(cm, h, basis, options, cutoff, deadline, budget - spent):
        # no exclusions, but the incumbent is a design: the whole MIP starts from it
        log.info("design: plant probing gave up after %.1f s; the MIP starts from its "
                 "incumbent %.6g", time.perf_counter() - t0, ub)
        return answer(solve_compiled(cm, deadline.options(so.replace(mip_start=start)),
                                     built.model))
    found.excluded = [o for o in options if o.bound >= cutoff]
    gone = {id(o) for o in found.excluded}
    kept = [o for o in options if id(o) not in gone]
    log.info("design: plant probing: LP %.6g, incumbent %.6g, %d of %d options excluded",
             relaxation, ub, len(found.excluded), len(options))
    if {id(o) for o in kept} == {id(o) for o in chosen.values()}:
        # one option per plant left, the incumbent's: its MIP is the answer
        return answer(incumbent)
    lower, upper = exclusion_bounds(options, found.excluded)
    rest = _with_bounds(cm, [], lower, upper)
    return answer(solve_compiled(rest, deadline.options(so.replace(mip_start=start)), built.model))
