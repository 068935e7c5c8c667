"""Marginal values (row duals) of a solved model, as a table keyed by constraint family and index.

For an LP the duals come from the solve itself. For a MIP the integer decisions are fixed at
their optimal values and the remaining LP is solved again: its duals are the marginal values
of capacity and demand around the chosen design (the usual reading of MIP duals).
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from .errors import SupplynetError
from .solve import fixed_lp_duals

DEFAULT_FAMILIES = ("throughput_capacity", "production_capacity", "supply_capacity",
                    "supplier_capacity", "lane_capacity", "demand_met", "capacity", "storage_capacity")


def marginal_values(result, families: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Columns: family, index (the constraint's key), dual (d objective / d right-hand side),
    marginal_value (−dual: what one more unit of the right-hand side saves, money/unit).

    ``families`` restricts the constraint families (default: capacities and demand rows).
    """
    sol = result.solution
    if sol is None or not sol.has_values or not sol.columns:
        raise SupplynetError("marginal values need a solved result from this process")
    model = sol.columns[0].model()
    if sol.is_mip:
        sol = fixed_lp_duals(model, sol, result.options_solve if hasattr(result, "options_solve") else None)
    if sol.row_duals is None:
        raise SupplynetError(f"HiGHS returned no duals ({sol.status})")
    wanted = families or DEFAULT_FAMILIES
    frames = []
    for con in model.component_objects(pyo.Constraint, active=True):
        if con.local_name not in wanted or len(con) == 0:
            continue
        duals = sol.duals(con)
        keys = list(con.keys())
        frames.append(pd.DataFrame({"family": con.local_name, "index": keys, "dual": duals}))
    if not frames:
        return pd.DataFrame(columns=["family", "index", "dual", "marginal_value"])
    out = pd.concat(frames, ignore_index=True)
    out["marginal_value"] = -out["dual"]
    return out
