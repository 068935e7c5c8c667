"""Multi-period production and distribution planning (LP; MIP with setups).

``plan(net, **options)`` decides, period by period over ``net.periods``, what each plant
makes, what is bought from each supplier, what travels each lane and what each plant and
warehouse holds, so that customer demand is served at least cost within capacities, lead
times and service commitments. Unmet demand is always a penalised variable (backlog or
lost sales), so the plan shows where it is short instead of failing. The formulation is
in models/planning.md with the same names as the code.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from ...errors import OptionsError
from ...options import SolveOptions, split_options
from ...results import Result
from ...solve import solve_model
from . import constraints as pc
from .sets import PlanData, build_data


@dataclass
class PlanOptions:
    """What the plan includes. An option that is off adds no variables or constraints.

    Attributes:
        setups: True gives a MIP with setup binaries (setup cost, setup time, min lot);
            False an LP without them.
        backlog: None = per customer class (customer_classes.backlog); True = all unmet
            demand is backlogged; False = all unmet demand is lost.
        overtime: allow overtime hours at plants (node overtime_capacity / overtime_cost).
        subcontracting: allow buying products into plants at production.subcontract_cost.
        storage: enforce node storage_capacity (volume).
        safety_stock: soft safety-stock targets of the stock table (shortfall penalised).
        min_fill_rates: impose customer_classes.min_fill_rate as hard constraints.
        co2: carbon price in the objective and the co2_cap constraint (instance params).
        extra_constraints: hook ``f(model, net)`` called after the build, before the solve.
        include_candidates: let the plan use candidate facilities (default: only open and
            existing ones; closed ones never).
        safety_stock_penalty: money per unit and period of safety-stock shortfall (None =
            the base unmet penalty / number of periods).
        warm_start: with setups and no ``mip_start``, solve the LP relaxation first and
            hand HiGHS its rounded-up setups (setup wherever the relaxation produces) as a
            start; its time counts in solve_seconds and in the time limit.
    """

    setups: bool = False
    backlog: bool | None = None
    overtime: bool = True
    subcontracting: bool = True
    storage: bool = True
    safety_stock: bool = True
    min_fill_rates: bool = True
    co2: bool = True
    extra_constraints: Callable[[pyo.ConcreteModel, Any], None] | None = None
    include_candidates: bool = False
    safety_stock_penalty: float | None = None
    warm_start: bool = True

    def __post_init__(self) -> None:
        if self.backlog not in (None, True, False):
            raise OptionsError(f"backlog must be None, True or False, got {self.backlog!r}")
        if self.extra_constraints is not None and not callable(self.extra_constraints):
            raise OptionsError("extra_constraints must be a function f(model, net)")
        if self.safety_stock_penalty is not None and not self.safety_stock_penalty >= 0:
            raise OptionsError("safety_stock_penalty must be >= 0 (money per unit and period)")


@dataclass
class PlanModel:
    """A built plan: the Pyomo model and the index tables its variables follow."""

    model: pyo.ConcreteModel
    data: PlanData
    tables: dict[str, pd.DataFrame]
    coefs: dict


def build(net, options: PlanOptions | None = None) -> PlanModel:
    """Build the planning model (no solve). See models/planning.md."""
    opts = options or PlanOptions()
    with PauseGC():
        data = build_data(net, opts)
        tables = pc.family_tables(data)
        m = pyo.ConcreteModel(name=f"plan {net.name}")
        pc.add_variables(m, data, tables)
        pc.add_inventory_balance(m, data, tables)
        pc.add_order_balance(m, data, tables)
        pc.add_capacities(m, data, tables)
        if opts.setups:
            pc.add_setups(m, data, tables)
        if opts.safety_stock:
            pc.add_safety_stock(m, data, tables)
        if opts.min_fill_rates:
            pc.add_min_fill_rates(m, data, tables)
        if opts.co2 and data.co2_cap is not None:
            pc.add_co2_cap(m, data, tables)
        coefs = pc.add_objective(m, data, tables)
    return PlanModel(m, data, tables, coefs)


def rounded_start(built: PlanModel, sopts: SolveOptions) -> dict[str, float]:
    """{setup variable name: 0/1}: 1 where the LP relaxation (setups in [0, 1]) produces."""
    m = built.model
    for v in m.setup.values():
        v.domain = pyo.UnitInterval
    try:
        relax = solve_model(m, sopts.replace(
            mip_start=None, highs_options={**sopts.highs_options, "solver": "ipm"}))
    finally:
        for v in m.setup.values():
            v.domain = pyo.Binary
    if not relax.has_values:
        return {}
    made = dict(zip(m.make.keys(), relax.values(m.make).tolist(), strict=True))
    return {v.name: float(made[k] > 1e-6) for k, v in m.setup.items()}


def _validate(net) -> None:
    try:
        import supplynet.validate  # noqa: F401  (written separately; optional until present)
    except ImportError:
        return
    net.validate()


def plan(net, options: SolveOptions | None = None, **kwargs: Any) -> Result:
    """Plan production, purchases, shipments and inventories per period.

    Keyword arguments are ``PlanOptions`` fields and ``SolveOptions`` fields (time_limit in
    seconds, mip_gap, threads, ...). Quantities are in product units per period, capacity
    in hours (plants) or units per period, money in the instance's currency, CO2 in kg.
    Returns a Result (model="plan") with tables production, setups, subcontracting,
    purchases, shipments, inventory, backlog, lost_sales, deliveries, capacity, costs,
    kpis and fill_rates.
    """
    from .results import diagnose, extract

    opts, sopts = split_options(PlanOptions, kwargs, options)
    if not opts.setups and "solver" not in sopts.highs_options:
        # The plan LP (long inventory chains over many periods) solves 1.4-4x faster with
        # HiGHS's interior point than with its default dual simplex (benchmarks/README.md).
        sopts = sopts.replace(highs_options={**sopts.highs_options, "solver": "ipm"})
    _validate(net)
    t0 = time.perf_counter()
    built = build(net, opts)
    if opts.extra_constraints is not None:
        opts.extra_constraints(built.model, net)
    build_seconds = time.perf_counter() - t0
    relax_seconds = 0.0
    if opts.setups and opts.warm_start and sopts.mip_start is None and len(built.model.setup):
        t1 = time.perf_counter()
        start = rounded_start(built, sopts)
        relax_seconds = time.perf_counter() - t1
        if start:
            left = None if sopts.time_limit is None else max(1.0, sopts.time_limit - relax_seconds)
            sopts = sopts.replace(mip_start=start, time_limit=left)
    sol = solve_model(built.model, sopts)
    sol.solve_seconds += relax_seconds
    res = Result(model="plan", status=sol.status, objective=sol.objective, bound=sol.bound,
                 gap=sol.gap, message=sol.message, build_seconds=build_seconds,
                 handoff_seconds=sol.handoff_seconds, solve_seconds=sol.solve_seconds,
                 network=net, options=(opts, sopts), solution=sol)
    if sol.has_values:
        res.tables = extract(built, sol)
        if sol.is_mip:
            res.start_values = sol.column_values_by_name()
    elif sol.status == "infeasible":
        res.diagnosis = diagnose(net, opts, sopts)
        if len(res.diagnosis):
            res.message += "; " + "; ".join(res.diagnosis["message"].tolist())
    res.tables.setdefault("costs", pd.DataFrame(columns=["category", "cost"]))
    cands = [n for n, s in zip(net.nodes["id"].tolist(), net.nodes["status"].tolist(), strict=True)
             if s == "candidate"]
    if cands and not opts.include_candidates:
        note = (f"{len(cands)} candidate facilities not used (not open yet; "
                f"include_candidates=True uses them)")
        res.message = f"{res.message}; {note}" if res.message else note
    if res.objective is not None and not math.isfinite(res.objective):
        res.objective = None
    return res
