"""Why a plan is infeasible: solve it again without each hard constraint in turn."""

from __future__ import annotations

import dataclasses

import pandas as pd

from ...options import SolveOptions
from ...solve import Deadline
from .options import PlanOptions
from .run import solve_plan

COLUMNS = ["kind", "element", "product", "period", "amount", "message"]


def _relaxed(net, o: PlanOptions, name: str):
    """(network, options) without the hard constraint ``name``; None when it is not there."""
    if name == "min_fill_rates":
        return net, dataclasses.replace(o, min_fill_rates=False, extra_constraints=None)
    o2 = dataclasses.replace(o, extra_constraints=None)
    if name == "co2_cap":
        if net.params.get("co2_cap") is None or not o.co2:
            return None
        n2 = net.copy()
        n2.params["co2_cap"] = None
        return n2, o2
    st = net.table("stock")
    if not len(st) or not (st["target_end"] > 0).any():
        return None
    n2 = net.copy()
    n2.set_table("stock", st.assign(target_end=0.0))
    return n2, o2


def diagnose(net, o: PlanOptions, so: SolveOptions, deadline: Deadline) -> pd.DataFrame:
    """Which hard constraint makes the plan infeasible (min fill rates, CO2 cap, end
    targets): each is dropped in turn and the plan solved again (never diagnosed again)."""
    rows = []
    for name in ("min_fill_rates", "co2_cap", "target_end"):
        relaxed = _relaxed(net, o, name)
        if relaxed is None:
            continue
        r = solve_plan(*relaxed, so, deadline)
        if not r.ok:
            continue
        rows.append({"kind": "constraint", "element": name, "product": "", "period": None,
                     "amount": None, "message": f"the plan becomes feasible without {name}; "
                     f"it conflicts with the capacities, lead times and other hard limits"})
        if name == "min_fill_rates":
            rows += _missed_fill_rates(r.fill_rates)
    if not rows:
        rows.append({"kind": "constraint", "element": "", "product": "", "period": None,
                     "amount": None, "message": "no single hard constraint (min fill rates, CO2 "
                     "cap, end targets) explains the infeasibility; check extra_constraints."})
    return pd.DataFrame(rows, columns=COLUMNS)


def _missed_fill_rates(fill_rates: pd.DataFrame) -> list[dict]:
    """One row per class whose committed fill rate the plan without commitments misses."""
    fr = fill_rates.groupby("priority")[["demand", "delivered", "min_fill_rate"]].agg(
        {"demand": "sum", "delivered": "sum", "min_fill_rate": "first"})
    rows = []
    for k, row in fr.iterrows():
        got = row["delivered"] / row["demand"] if row["demand"] > 0 else 1.0
        if got < row["min_fill_rate"] - 1e-9:
            rows.append({"kind": "min_fill_rate", "element": k, "product": "", "period": None,
                         "amount": float(got),
                         "message": f"class {k}: committed fill rate {row['min_fill_rate']:.3g}, "
                         f"the least-cost plan without the commitment delivers {got:.3g}"})
    return rows
