"""Marginal values (row duals) of a solved model, as a table keyed by constraint family and index.

For an LP the duals come from the solve itself. For a MIP the integer decisions are fixed at
their optimal values and the remaining LP is solved again: its duals are the marginal values
of capacity and demand around the chosen design (the usual reading of MIP duals).
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from .arrays import part_of
from .errors import SupplynetError
from .solve import fixed_lp_duals

DEFAULT_FAMILIES = ("throughput_capacity", "production_capacity", "supply_capacity",
                    "supplier_capacity", "lane_capacity", "demand_met", "capacity", "storage_capacity")

# names of the index of a constraint family, by (family, number of index positions); the
# facility of a capacity row is ``node`` in every model, so families share key columns
INDEX_NAMES: dict[tuple[str, int], tuple[str, ...]] = {
    ("throughput_capacity", 1): ("node",), ("throughput_capacity", 2): ("node", "period"),
    ("production_capacity", 1): ("node",), ("production_capacity", 2): ("node", "period"),
    ("supplier_capacity", 1): ("node",), ("supplier_capacity", 2): ("node", "period"),
    ("supply_capacity", 2): ("node", "product"),
    ("supply_capacity", 3): ("node", "product", "period"),
    ("lane_capacity", 2): ("origin", "destination"),
    ("lane_capacity", 3): ("origin", "destination", "period"),
    ("demand_met", 2): ("customer", "product"), ("demand_met", 3): ("customer", "product", "period"),
    ("storage_capacity", 2): ("node", "period"),
    ("capacity", 1): ("node",), ("capacity", 2): ("node", "period"),
}
KEY_ORDER = ("node", "origin", "destination", "customer", "product", "period")


def key_columns(family: str, keys: list) -> dict[str, list]:
    """The constraint keys split into named columns (``key_1``, ``key_2``... when unknown)."""
    if not keys or keys[0] is None:
        return {}
    tuples = [k if isinstance(k, tuple) else (k,) for k in keys]
    dim = len(tuples[0])
    names = INDEX_NAMES.get((family, dim)) or tuple(f"key_{i + 1}" for i in range(dim))
    return {n: [t[i] for t in tuples] for i, n in enumerate(names)}


def marginal_values(result, families: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Columns: family, the constraint's key split into named columns (node, origin,
    destination, customer, product, period as the family has them; ``key_1``, ``key_2``... for
    families not listed in ``INDEX_NAMES``), dual (d objective / d right-hand side),
    marginal_value (−dual: what one more unit of the right-hand side saves, money/unit).

    ``families`` restricts the constraint families (default: capacities and demand rows).
    """
    sol = result.solution
    if sol is None or not sol.has_values or not len(sol.columns):
        raise SupplynetError("marginal values need a solved result from this process")
    model = getattr(sol, "model", None)
    if model is None:
        raise SupplynetError("the solved Pyomo model is no longer in memory; solve again and "
                             "call marginal_values() right after")
    if sol.is_mip:
        sol = fixed_lp_duals(model, sol, result.options_solve if hasattr(result, "options_solve") else None)
    if sol.row_duals is None:
        raise SupplynetError(f"HiGHS returned no duals ({sol.status})")
    wanted = families or DEFAULT_FAMILIES
    frames = []
    array_rows = part.rows if (part := part_of(model)) is not None else []
    for con in [*array_rows, *model.component_objects(pyo.Constraint, active=True)]:
        if con.local_name not in wanted or len(con) == 0:
            continue
        duals = sol.duals(con)
        keys = list(con.keys())
        frames.append(pd.DataFrame({"family": con.local_name,
                                    **key_columns(con.local_name, keys), "dual": duals}))
    if not frames:
        return pd.DataFrame(columns=["family", "node", "dual", "marginal_value"])
    out = pd.concat(frames, ignore_index=True)
    keys = [c for c in out.columns if c not in ("family", "dual")]
    keys.sort(key=lambda c: (KEY_ORDER.index(c) if c in KEY_ORDER else len(KEY_ORDER), c))
    out = out[["family", *keys, "dual"]]
    if "period" in out.columns and out["period"].dtype.kind == "f":  # NaN in other families
        out["period"] = out["period"].astype("Int64")
    out["marginal_value"] = -out["dual"] + 0.0  # no -0.0
    return out
