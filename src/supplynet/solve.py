"""Hand a model to HiGHS in one call and read the answer back by column position.

The recipe (DESIGN.md section 5): compile the whole model to one CSC matrix (compile.py:
Pyomo's ``LinearStandardFormCompiler`` for the Pyomo part, merged with the array families of
supplynet.arrays), pass it to ``highspy.Highs.passModel`` at once, solve, and read primal
values, row duals and reduced costs as numpy arrays. Variables are never loaded one by one:
``Solution.values(model.flow)`` returns the values of a variable family in the order
its index was declared, which is the order of the index table it was built from.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from .compile import ColumnSpace, CompiledModel, RowSpace, compile_model
from .errors import OptionsError
from .highs import CANCEL_GRACE, WATCHDOG_GRACE, make_highs, pass_model, run_highs
from .options import SolveOptions

log = logging.getLogger(__name__)

STATUSES = ("optimal", "time_limit", "gap_limit", "infeasible", "unbounded", "error")
# A MIP stopped by HiGHS with a relative gap at or below this is called optimal.
OPTIMAL_GAP = 1e-6

_MS = highspy.HighsModelStatus
_LIMIT_STATUSES = {
    _MS.kTimeLimit: "time limit",
    _MS.kIterationLimit: "iteration limit",
    _MS.kSolutionLimit: "solution limit",
    _MS.kInterrupt: "time limit (watchdog)",
}


# The least a solve step is given once the call's limit is (nearly) spent: enough for HiGHS to
# hand back a start it was given, short enough that a spent limit is not overrun by much.
MIN_STEP_SECONDS = 0.1


class Deadline:
    """The wall-clock budget of one public call, started once and shared by every step.

    ``time_limit`` in SolveOptions bounds the whole call (pre-processing, the solve and any
    diagnosis): each step asks the deadline what is left instead of doing its own arithmetic.
    """

    def __init__(self, seconds: float | None, start: float | None = None):
        self.t0 = time.perf_counter() if start is None else start  # perf_counter seconds
        self.limit = seconds

    @classmethod
    def of(cls, options: SolveOptions) -> Deadline:
        return cls(options.time_limit)

    def elapsed(self) -> float:
        """Seconds since the call started."""
        return time.perf_counter() - self.t0

    def left(self, floor: float = 0.0) -> float | None:
        """Seconds left, at least ``floor`` (None = no limit)."""
        return None if self.limit is None else max(floor, self.limit - self.elapsed())

    def expired(self) -> bool:
        return self.limit is not None and self.elapsed() >= self.limit

    def budget(self, share: float, cap: float) -> float:
        """Seconds for a step: ``share`` of the time limit, at most ``cap`` (``cap`` without one)."""
        return cap if self.limit is None else min(cap, share * self.limit)

    def options(self, options: SolveOptions, floor: float = MIN_STEP_SECONDS,
                reserve: float = 0.0) -> SolveOptions:
        """``options`` with the time limit cut to what is left less ``reserve`` seconds (kept
        for the work after the step, e.g. reading the result tables), at least ``floor``."""
        if self.limit is None:
            return options
        return options.replace(time_limit=max(floor, self.left() - reserve))


@dataclass
class Solution:
    """What HiGHS returned, aligned with the compiled columns and rows of the model."""

    status: str
    message: str = ""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    is_mip: bool = False
    handoff_seconds: float = 0.0
    solve_seconds: float = 0.0
    x: np.ndarray | None = None
    row_duals: np.ndarray | None = None
    reduced_costs: np.ndarray | None = None
    columns: ColumnSpace = field(default_factory=lambda: ColumnSpace(), repr=False)
    rows: RowSpace = field(default_factory=lambda: RowSpace(), repr=False)
    highs: Any = field(default=None, repr=False)
    # the solved model: the columns refer to it only weakly, and marginal values and model
    # export need it alive for as long as the solution is kept
    model: Any = field(default=None, repr=False)
    # the matrix handed to HiGHS (fixed_lp_duals re-solves it with the integers fixed)
    compiled: Any = field(default=None, repr=False)

    @property
    def has_values(self) -> bool:
        return self.x is not None

    def values(self, var: pyo.Var) -> np.ndarray:
        """Values of a variable family in its index order (fixed or unused ones: their own value)."""
        pos = self.columns.positions(var)
        if self.x is None:
            return np.full(len(pos), np.nan)
        out = self.x[np.maximum(pos, 0)] if len(pos) else np.zeros(0)
        missing = np.flatnonzero(pos < 0)
        if len(missing):
            datas = list(var.values())
            for k in missing:
                v = datas[k]
                out[k] = v.value if v.value is not None else _clip(0.0, v.lb, v.ub)
        return out

    def value(self, vardata) -> float:
        """The value of one Pyomo variable (its own value when it is not a column)."""
        i = self.columns.position(vardata)
        if i >= 0 and self.x is not None:
            return float(self.x[i])
        return float(vardata.value) if vardata.value is not None else 0.0

    def reduced_costs_of(self, var: pyo.Var) -> np.ndarray:
        pos = self.columns.positions(var)
        if self.reduced_costs is None:
            return np.full(len(pos), np.nan)
        return np.where(pos >= 0, self.reduced_costs[np.maximum(pos, 0)], 0.0)

    def lift_bound(self, bound: float, source: str) -> None:
        """Take ``bound`` (money), a lower bound proven outside this solve (an LP relaxation
        of the whole model), when it is better than HiGHS's: a MIP stopped early from a start
        may report almost no bound of its own. Gap and time-limit message follow."""
        if not self.is_mip or self.objective is None or not math.isfinite(bound):
            return
        if self.bound is not None and self.bound >= bound:
            return
        self.bound = float(bound)
        self.gap = max(0.0, self.objective - self.bound) / max(abs(self.objective), 1e-9)
        if self.status == "time_limit":
            self.message = f"time limit reached; best solution has gap {self.gap:.3g} (bound: {source})"

    def duals(self, con) -> np.ndarray:
        """Row duals of a constraint family (Pyomo or array) in its index order:
        d objective / d right-hand side."""
        if self.row_duals is None:
            return np.full(len(con), np.nan)
        return self.rows.duals(con, self.row_duals)

    def iis(self) -> dict[str, list[str]] | None:
        """An irreducible infeasible subset of an infeasible LP, as Pyomo names:
        {"constraints": [...], "bounds": [...]} (variables whose bounds take part), or None."""
        if self.status != "infeasible" or self.is_mip or self.highs is None:
            return None
        # Strategy 2 (from the LP, with elasticity) finds a subset where the default may not.
        self.highs.setOptionValue("iis_strategy", 2)
        status, iis = self.highs.getIis()
        if status != highspy.HighsStatus.kOk or not iis.valid_:
            return None
        return {"constraints": [self.rows.name(i) for i in iis.row_index_],
                "bounds": [self.columns.name(j) for j in iis.col_index_]}

    def column_values_by_name(self, integer_only: bool = True) -> dict[str, float]:
        """{variable name: value}, used as a MIP start for a later, similar model."""
        if self.x is None or self.compiled is None:
            return {}
        keep = self.compiled.integer if integer_only else np.ones(len(self.x), dtype=bool)
        at = np.flatnonzero(keep)
        return dict(zip(self.columns.names_of(at), self.x[at].tolist(), strict=True))


def _clip(value: float, lb: float | None, ub: float | None) -> float:
    if lb is not None and value < lb:
        return lb
    if ub is not None and value > ub:
        return ub
    return value


def _set_start(h: highspy.Highs, cm: CompiledModel, start: dict[str, float]) -> None:
    """Pass the start values whose names match columns (integer columns first: a MIP start
    names those; all names are spelled out only when some start name is still unmatched)."""
    if not start:
        return
    cols = np.flatnonzero(cm.integer)
    names = {cm.columns.name(int(i)): int(i) for i in cols}
    if any(k not in names for k in start):
        names = {nm: i for i, nm in enumerate(cm.columns.names())}
    have = sorted(names[k] for k in start if k in names)
    if not have:
        return
    all_names = {i: nm for nm, i in names.items()}
    idx = np.array(have, dtype=np.int32)
    vals = np.array([start[all_names[i]] for i in have], dtype=float)
    if hasattr(h, "setSolution") and len(have) < len(cm.columns):
        h.setSolution(len(idx), idx, vals)
    else:
        sol = highspy.HighsSolution()
        sol.col_value = list(vals)
        h.setSolution(sol)


def start_values(mip_start: Any) -> dict[str, float]:
    """Turn a ``mip_start`` option (a Result, Solution or dict) into {variable name: value}."""
    if mip_start is None:
        return {}
    if isinstance(mip_start, dict):
        return {str(k): float(v) for k, v in mip_start.items()}
    if hasattr(mip_start, "start_values"):  # a Result
        if mip_start.start_values is None:  # an LP, or a result without a solution
            log.info("mip_start: the %s result holds no integer start values (%s); solving "
                     "without a start", getattr(mip_start, "model", "given"),
                     getattr(mip_start, "status", "no solution"))
            return {}
        return dict(mip_start.start_values)
    if isinstance(mip_start, Solution):
        return mip_start.column_values_by_name()
    raise OptionsError("mip_start must be a Result, a Solution or a {variable name: value} dict")


def solve_model(model: pyo.ConcreteModel, options: SolveOptions | None = None) -> Solution:
    """Compile, hand over, solve and read back. Never raises on infeasible or limits."""
    t0 = time.perf_counter()
    cm = compile_model(model)
    return solve_compiled(cm, options or SolveOptions(), model, t0)


def solve_compiled(cm: CompiledModel, options: SolveOptions, model: pyo.ConcreteModel | None,
                   t0: float | None = None) -> Solution:
    """Hand a compiled model to HiGHS, solve and read back (``t0``: when the hand-off began)."""
    t0 = time.perf_counter() if t0 is None else t0
    deadline = Deadline(options.time_limit, start=t0)  # compiling and hand-off count too
    h = make_highs(options)
    with PauseGC():
        pass_model(h, cm)
    _set_start(h, cm, start_values(options.mip_start))
    t1 = time.perf_counter()
    limit = deadline.left(floor=MIN_STEP_SECONDS)
    if limit is not None:
        h.setOptionValue("time_limit", limit)
    if not run_highs(h, limit):
        return _abandoned(cm, t1 - t0, time.perf_counter() - t1)
    status = h.getModelStatus()
    if status == _MS.kUnboundedOrInfeasible and options.presolve:
        # Presolve cannot tell these apart; without it the simplex can.
        h.setOptionValue("presolve", "off")
        left = deadline.left(floor=MIN_STEP_SECONDS)
        if left is not None:
            h.setOptionValue("time_limit", left)
        if not run_highs(h, left):
            return _abandoned(cm, t1 - t0, time.perf_counter() - t1)
        status = h.getModelStatus()
    t2 = time.perf_counter()
    sol = _read_solution(h, cm, status)
    sol.model = model
    sol.compiled = cm
    sol.handoff_seconds = t1 - t0
    sol.solve_seconds = t2 - t1
    if options.mip_start is not None and _start_misread(sol, cm):
        # HiGHS 1.16 can value a MIP start wrongly in its presolved space ("feasible in the
        # reduced space: objective value is ..." below its true cost), then prune the whole
        # tree against that value and call the start optimal: solve again without it.
        log.info("HiGHS valued the MIP start at %.9g, its cost is %.9g: solving again "
                 "without the start", sol.objective, float(cm.cost @ sol.x) + cm.offset)
        left = deadline.left(floor=MIN_STEP_SECONDS)
        again = solve_compiled(cm, options.replace(mip_start=None, time_limit=left), model)
        again.handoff_seconds += sol.handoff_seconds
        again.solve_seconds += sol.solve_seconds
        return again
    return sol


def _start_misread(sol: Solution, cm: CompiledModel) -> bool:
    """Does the objective HiGHS reports differ from the cost of the solution it returns?"""
    if sol.x is None or sol.objective is None or not sol.is_mip:
        return False
    cost = float(cm.cost @ sol.x) + cm.offset
    return abs(cost - sol.objective) > 1e-7 * max(1.0, abs(cost))


def _abandoned(cm: CompiledModel, handoff: float, solve: float) -> Solution:
    return Solution(status="time_limit", is_mip=bool(cm.integer.any()), columns=cm.columns,
                    rows=cm.rows, handoff_seconds=handoff, solve_seconds=solve,
                    message=f"HiGHS did not stop within {WATCHDOG_GRACE + CANCEL_GRACE:g} s of its "
                            "time limit (a long presolve); no solution was returned")


def fixed_lp_duals(model: pyo.ConcreteModel, solution: Solution,
                   options: SolveOptions | None = None) -> Solution:
    """Re-solve a MIP as an LP with its integer variables fixed at the solution's values, to
    read duals (marginal values) of the continuous problem around that design. The matrix is
    the one the MIP was solved from (``solution.compiled``); the model is not changed."""
    cm = solution.compiled
    options = (options or SolveOptions()).replace(mip_start=None)
    ints = np.flatnonzero(cm.integer)
    fixed = np.round(solution.x[ints])
    lower, upper = cm.col_lower.copy(), cm.col_upper.copy()
    lower[ints] = upper[ints] = fixed
    lp = dataclasses.replace(cm, col_lower=lower, col_upper=upper,
                             integer=np.zeros(len(cm.integer), dtype=bool))
    return solve_compiled(lp, options, model)


def write_model(solution: Solution, path: str) -> None:
    """Write the solved model as MPS or LP (by suffix), columns and rows named by family and
    key as ``family(key)``: Pyomo's ``family[key]`` with round brackets and whitespace as '_'
    (HiGHS writes neither square brackets nor blanks in names, and falls back to c0, r0...)."""
    h, cm = solution.highs, solution.compiled
    if cm is not None and not getattr(solution, "_named", False):
        for i, nm in enumerate(cm.columns.names()):
            h.passColName(i, _mps_name(nm))
        for i, nm in enumerate(cm.rows.names()):
            h.passRowName(i, _mps_name(nm))
        solution._named = True
    h.writeModel(str(path))


def _mps_name(name: str) -> str:
    return "_".join(name.split()).replace("[", "(").replace("]", ")")


def _read_solution(h: highspy.Highs, cm: CompiledModel, status) -> Solution:
    info = h.getInfo()
    is_mip = bool(cm.integer.any())
    has_primal = info.primal_solution_status == 2
    sol = Solution(status="error", is_mip=is_mip, columns=cm.columns, rows=cm.rows, highs=h)
    if has_primal:
        hs = h.getSolution()
        sol.x = np.asarray(hs.col_value, dtype=float)
        sol.objective = float(info.objective_function_value)
        if not is_mip and hs.dual_valid:
            sol.row_duals = np.asarray(hs.row_dual, dtype=float)
            sol.reduced_costs = np.asarray(hs.col_dual, dtype=float)
    if is_mip and has_primal:
        sol.bound = float(info.mip_dual_bound)
        sol.gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else math.inf
    elif has_primal:
        sol.bound, sol.gap = sol.objective, 0.0

    if status == _MS.kOptimal:
        if is_mip and sol.gap is not None and sol.gap > OPTIMAL_GAP:
            sol.status, sol.message = "gap_limit", f"stopped at relative gap {sol.gap:.3g}"
        else:
            sol.status = "optimal"
    elif status in _LIMIT_STATUSES:
        sol.status = "time_limit"
        what = _LIMIT_STATUSES[status]
        sol.message = (f"{what} reached; best solution has gap {sol.gap:.3g}" if has_primal
                       else f"{what} reached before any feasible solution was found")
    elif status == _MS.kInfeasible:
        sol.status, sol.message = "infeasible", "the model has no feasible solution"
        sol.x = None
    elif status in (_MS.kUnbounded, _MS.kUnboundedOrInfeasible):
        sol.status, sol.message = "unbounded", "the objective can decrease without limit"
        sol.x = None
    else:
        sol.status = "error"
        sol.message = f"HiGHS ended with model status {h.modelStatusToString(status)}"
        if not has_primal:
            sol.x = None
    return sol
