"""Infeasibility explained in business terms.

The elastic copy of an infeasible model lets every demand go unmet at a penalty (soft
mode) and drops the hard side constraints that can conflict with it (CO2 cap, open-count
limits, minimum supplier counts, service share). Its solution says which demand cannot be
delivered and which capacities bind while trying; where even that copy is infeasible, the
side constraints are to blame and are named.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ...network import Network
from ...options import SolveOptions
from ...solve import Deadline
from .options import DesignOptions
from .run import solve_design

COLUMNS = ["kind", "element", "product", "period", "amount", "message"]


def diagnose_design(net: Network, o: DesignOptions, so: SolveOptions, deadline: Deadline) -> pd.DataFrame:
    """Rows: unmet demand per customer and product, binding capacities, conflicting options.

    The elastic copies are solved by ``solve_design`` (which never diagnoses) within ``deadline``.
    """
    relaxed = dataclasses.replace(o, soft=True, make_or_buy_regret=False)
    elastic = solve_design(net, relaxed, so.replace(mip_start=None), deadline)
    rows = []
    if not elastic.ok:
        side = dataclasses.replace(relaxed, co2_cap=None, min_open=None, max_open=None,
                                   min_suppliers=None, min_service_share=None, max_supplier_share=None)
        uncapped = net.copy()
        uncapped.params["co2_cap"] = None
        elastic = solve_design(uncapped, side, so, deadline)
        culprits = [name for name, v in (("co2_cap", o.co2_cap or net.params.get("co2_cap")),
                                         ("min_open/max_open", o.min_open or o.max_open),
                                         ("min_suppliers", o.min_suppliers),
                                         ("max_supplier_share", o.max_supplier_share),
                                         ("min_service_share", o.min_service_share)) if v]
        rows.append({"kind": "option", "element": ", ".join(culprits), "product": "", "period": None,
                     "amount": None, "message": "no design satisfies these limits together: "
                     + ", ".join(culprits)})
        if not elastic.ok:
            return pd.DataFrame(rows, columns=COLUMNS)
    unmet = elastic.tables.get("unmet", pd.DataFrame())
    for r in unmet.itertuples(index=False):
        rows.append({"kind": "demand", "element": r.customer, "product": r.product, "period": None,
                     "amount": float(r.unmet),
                     "message": f"customer {r.customer}, product {r.product}: {r.unmet:,.6g} of "
                                f"{r.demand:,.6g} units cannot be delivered"})
    if len(unmet):
        fac = elastic.tables["facilities"]
        full = fac[fac["open"] & (fac["utilisation"] >= 1 - 1e-6)]
        for r in full.itertuples(index=False):
            what = "production hours" if r.kind == "plant" else "throughput"
            rows.append({"kind": "capacity", "element": r.node, "product": "", "period": None,
                         "amount": float(r.capacity),
                         "message": f"{r.kind} {r.node} {what} capacity binds: "
                                    f"{r.capacity_used:,.6g} of {r.capacity:,.6g} used"})
        closed = fac[~fac["open"] & fac["status"].eq("closed")]
        for r in closed.itertuples(index=False):
            rows.append({"kind": "closed", "element": r.node, "product": "", "period": None,
                         "amount": None, "message": f"{r.kind} {r.node} is forced closed"})
    return pd.DataFrame(rows, columns=COLUMNS)


def iis_table(solution) -> pd.DataFrame:
    """The rows and bounds of HiGHS's irreducible infeasible subset (LPs), by Pyomo name."""
    iis = solution.iis() if solution is not None else None
    if not iis:
        return pd.DataFrame(columns=COLUMNS)
    rows = [{"kind": "iis_row", "element": name, "product": "", "period": None, "amount": None,
             "message": f"constraint {name} is part of an infeasible subset"} for name in iis["constraints"]]
    rows += [{"kind": "iis_bound", "element": name, "product": "", "period": None, "amount": None,
              "message": f"the bounds of {name} are part of an infeasible subset"} for name in iis["bounds"]]
    return pd.DataFrame(rows, columns=COLUMNS)
