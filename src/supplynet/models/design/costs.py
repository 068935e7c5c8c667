"""The one cost definition of the design model: objective and ``costs`` table (models/design.md).

``cost_terms`` writes each cost category once, as a ``Linear`` over the variable families;
the objective is their sum and the ``costs`` table evaluates the same terms on the solution,
so the table sums to the objective. Money over the whole planning horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.environ import quicksum

from ...arrays import ArrayVar, add_cost
from .._sets import records
from .choices import emissions
from .data import DesignData
from .options import DesignOptions
from .sets import DesignSets, Linear

CATEGORIES = ("fixed", "closing", "capacity_levels", "production", "make_fixed", "purchase",
              "transport", "handling", "lane_fixed", "carbon", "unmet")


def forced_closing_cost(d: DesignData) -> float:
    """Closing costs of plants and warehouses forced closed (status "closed"): shutting an
    existing site is paid whether the model or the user decides it (money per horizon)."""
    node = d.node
    return float(sum(node.at[n, "closing_cost"] for n, st in d.status.items()
                     if st == "closed" and d.kind[n] in ("plant", "warehouse")))


def cost_terms(s: DesignSets, o: DesignOptions) -> dict[str, Linear]:
    """{category: money per horizon as a linear expression}, the categories of ``CATEGORIES``.

    fixed Σ f_n y_n (y ≡ 1 for facilities open by status); closing Σ g_n (1 − y_n) over decided
    existing facilities plus those forced closed; capacity_levels Σ fl z; production Σ v w;
    make_fixed Σ F m; purchase Σ π x (arcs leaving a supplier); transport Σ c x; handling
    Σ h_j x_ij (j a plant or warehouse); lane_fixed Σ F k; carbon λ E; unmet Σ ρ r (soft mode).
    """
    d = s.data
    node = d.node
    arcs = s.arc_list
    fixed_of = {n: float(node.at[n, "fixed_cost"]) for n in d.facilities}
    handling_of = {n: float(node.at[n, "handling_cost"]) for n in d.facilities}
    lane_cost = {(a, b): c for a, b, c in records(d.lanes, ["origin", "destination", "cost"])}
    price_of = {(sp, p): c for sp, p, c in records(d.supply, ["supplier", "product", "price"])}
    decided = set(s.open_index)
    closing = np.array([float(node.at[n, "closing_cost"]) if d.status[n] == "existing" else 0.0
                        for n in s.open_index], dtype=float)

    def arc_array(values) -> np.ndarray:
        return np.fromiter(values, dtype=float, count=len(arcs))

    terms = {
        "fixed": Linear(sum(f for n, f in fixed_of.items() if n not in decided),
                        [("open", np.array([fixed_of[n] for n in s.open_index], dtype=float))]),
        "closing": Linear(float(closing.sum()) + forced_closing_cost(d), [("open", -closing)]),
        "capacity_levels": Linear(0.0, [("level", d.levels["fixed_cost"].to_numpy(dtype=float))]),
        "production": Linear(0.0, [("make", d.production["cost"].to_numpy(dtype=float))]),
        "make_fixed": Linear(0.0, [("make_on", np.array([s.make_fixed_cost[k] for k in s.make_or_buy_list],
                                                         dtype=float))]),
        "purchase": Linear(0.0, [("flow", arc_array(price_of.get((a, p), 0.0) for a, _b, p in arcs))]),
        "transport": Linear(0.0, [("flow", arc_array(lane_cost[a, b] for a, b, _p in arcs))]),
        "handling": Linear(0.0, [("flow", arc_array(handling_of.get(b, 0.0) for _a, b, _p in arcs))]),
        "lane_fixed": Linear(0.0, [("lane_on", np.array([s.lane_fixed_cost[k] for k in s.lane_on_list],
                                                         dtype=float))] if o.lane_fixed_costs else []),
        "carbon": emissions(s).scaled(s.carbon_price) if s.carbon_price else Linear(),
        "unmet": Linear(0.0, [("unmet", d.demand["penalty"].to_numpy(dtype=float))] if o.soft else []),
    }
    return terms


def add_objective(m: pyo.ConcreteModel, s: DesignSets, o: DesignOptions) -> None:
    """min Σ_category cost_terms (money per horizon); each term is a row of the ``costs`` table.
    Coefficients on array families (supplynet.arrays) go to the arrays, the rest to Pyomo."""
    pyomo_terms = []
    for t in cost_terms(s, o).values():
        rest = []
        for name, coef in t.parts:
            var = getattr(m, name)
            if isinstance(var, ArrayVar):
                add_cost(var, coef)
            else:
                rest.append((name, coef))
        pyomo_terms.append(Linear(t.const, rest).expr(m))
    m.total_cost = pyo.Objective(expr=quicksum(pyomo_terms), sense=pyo.minimize)


def cost_table(s: DesignSets, o: DesignOptions, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Columns category, cost (money per horizon): ``cost_terms`` at the solution ``values``
    ({variable family: values in index order}); the rows sum to the objective."""
    rows = [(cat, t.value(values)) for cat, t in cost_terms(s, o).items()]
    return pd.DataFrame(rows, columns=["category", "cost"])
