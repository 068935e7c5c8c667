"""Multi-period production and distribution planning (LP; MIP with setups).

``plan(net, **options)`` decides, period by period over ``net.periods``, what each plant
makes, what is bought from each supplier, what travels each lane and what each plant and
warehouse holds, so that customer demand is served at least cost within capacities, lead
times and service commitments. Unmet demand is always a penalised variable (backlog or
lost sales), so the plan shows where it is short instead of failing. The formulation is
in models/planning.md with the same names as the code.

Modules: ``options`` (PlanOptions), ``sets`` (PlanSets) and ``demand`` (order rows,
penalties, setup big-M), ``constraints`` (one ``add_<family>`` per family), ``costs``
(the one cost definition), ``model`` (build), ``run`` (one solve, no diagnosis),
``results`` (tables), ``diagnose``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...options import SolveOptions, split_options
from ...results import Result, sentences
from ...solve import Deadline
from .._sets import Built
from .diagnose import diagnose, unreachable
from .model import build
from .options import PlanOptions
from .run import rounded_start, solve_plan
from .sets import PlanSets

__all__ = ["Built", "PlanOptions", "PlanSets", "build", "diagnose", "plan", "rounded_start",
           "solve_plan", "unmet_note", "unreachable"]


def unmet_note(res: Result, worst: int = 3) -> str:
    """'' when the plan serves all demand, else a sentence: the units left unmet (lost, or
    still open at the end of the horizon) and the customers with the most of them."""
    dl = res.tables.get("deliveries")
    if dl is None or not len(dl):
        return ""
    T = int(dl["period"].max())
    short = dl["lost"] + dl["open_orders"].where(dl["period"] == T, 0.0)
    total = float(short.sum())
    if total <= 1e-6 * max(1.0, float(dl["demand"].sum())):
        return ""
    by_c = short.groupby(dl["customer"]).sum().sort_values(ascending=False)
    by_c = by_c[by_c > 1e-9]
    top = ", ".join(f"{c} ({q:,.6g})" for c, q in by_c.head(worst).items())
    return (f"{total:,.6g} units of demand left unmet (lost or still open at the end of the "
            f"horizon) at {len(by_c)} customer{'s' if len(by_c) != 1 else ''}; most at {top}")


def plan(net, options: SolveOptions | None = None, **kwargs: Any) -> Result:
    """Plan production, purchases, shipments and inventories per period.

    Keyword arguments are ``PlanOptions`` fields and ``SolveOptions`` fields (time_limit in
    seconds for the whole call, mip_gap, threads, ...). Quantities are in product units per
    period, capacity in hours (plants) or units per period, money in the instance's
    currency (the objective is money per horizon), CO2 in kg. Returns a Result
    (model="plan") with tables production, setups, subcontracting, purchases, shipments,
    inventory, backlog, lost_sales, deliveries, capacity, costs, kpis and fill_rates; an
    infeasible plan comes with ``diagnosis``.
    """
    o, so = split_options(PlanOptions, kwargs, options)
    deadline = Deadline.of(so)
    if not o.setups and "solver" not in so.highs_options:
        # The plan LP (long inventory chains over many periods) solves 1.4-4x faster with
        # HiGHS's interior point than with its default dual simplex (benchmarks/README.md).
        so = so.replace(highs_options={**so.highs_options, "solver": "ipm"})
    net.validate()
    lost = unreachable(net, o)
    if len(lost):  # demand no usable facility can reach: never "optimal" with it unserved
        res = Result(model="plan", status="infeasible", diagnosis=lost, network=net,
                     options=(o, so), message=sentences(lost["message"].tolist()))
        res.tables["costs"] = pd.DataFrame(columns=["category", "cost"])
        return res
    res = solve_plan(net, o, so, deadline)
    if res.ok:
        note = unmet_note(res)
        if note:
            res.message = f"{res.message}; {note}" if res.message else note
    if res.status == "infeasible":
        res.diagnosis = diagnose(net, o, so, deadline)
        if len(res.diagnosis):
            res.message += "; " + sentences(res.diagnosis["message"].tolist())
    res.tables.setdefault("costs", pd.DataFrame(columns=["category", "cost"]))
    cands = [n for n, s in zip(net.nodes["id"].tolist(), net.nodes["status"].tolist(), strict=True)
             if s == "candidate"]
    if cands and not o.include_candidates:
        note = (f"{len(cands)} candidate facilities not used (not open yet; "
                f"include_candidates=True uses them)")
        res.message = f"{res.message}; {note}" if res.message else note
    return res
