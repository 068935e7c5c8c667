"""The one cost definition of the plan: it feeds the objective and the ``costs`` table.

Every cost is a coefficient (money per unit of a variable) times a variable; the
coefficients are defined once, here, per variable family and cost category. The
objective sums them over the whole planning horizon; the ``costs`` table splits the same
sum by category, so the table adds up to the objective.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .._sets import records
from .options import PlanOptions
from .sets import PlanSets

# Rows of the costs table, in this order (the shared category names of every model).
CATEGORIES = ["purchase", "production", "setup", "subcontracting", "overtime", "transport",
              "handling", "holding", "backlog", "unmet", "priority", "safety_stock_shortfall", "carbon"]

Coefficients = dict[str, dict[str, np.ndarray]]


def cost_coefficients(s: PlanSets) -> Coefficients:
    """{variable family: {cost category: money per unit of the variable, one per row}}.

    Backlog is charged on ``late`` where it exists, otherwise on ``open``; open orders at
    the end of the horizon and lost sales cost the class penalty (unmet); the unmet units
    above a commitment's max_quantity (``best_effort_unmet``) get back the difference to
    the best-effort penalty. A key account's committed units left unmet also cost its
    priority ``premium`` (category priority): on its lost and end-of-horizon open units,
    given back on its ``best_effort_unmet`` (the units above max_quantity).
    """
    cp, T = s.carbon_price, s.periods[-1]
    mk, sh, op = s.make, s.ship, s.open
    last = (op["period"] == T).to_numpy()
    return {
        "make": {"production": mk["cost"].to_numpy(float), "carbon": cp * mk["co2"].to_numpy(float)},
        "setup": {"setup": s.setup["cost"].to_numpy(float)},
        "sub": {"subcontracting": s.sub["cost"].to_numpy(float)},
        "overtime": {"overtime": s.overtime["cost"].to_numpy(float)},
        "ship": {"purchase": sh["purchase"].to_numpy(float),
                 "transport": sh["transport"].to_numpy(float),
                 "handling": sh["handling"].to_numpy(float),
                 "carbon": cp * sh["co2"].to_numpy(float)},
        "inv": {"holding": s.inv["holding"].to_numpy(float)},
        "ss_short": {"safety_stock_shortfall": np.full(len(s.ss_short), s.ss_penalty)},
        "open": {"backlog": np.where(op["has_late"].to_numpy(bool), 0.0,
                                     op["backlog_cost"].to_numpy(float)),
                 "unmet": np.where(last, op["penalty"].to_numpy(float), 0.0),
                 "priority": np.where(last, _premium(s, op), 0.0)},
        "late": {"backlog": s.late["backlog_cost"].to_numpy(float)},
        "lost": {"unmet": s.lost["penalty"].to_numpy(float), "priority": _premium(s, s.lost)},
        # unmet units above a commitment's max_quantity cost the best-effort penalty
        "best_effort_unmet": {"unmet": -s.best_effort_unmet["relief"].to_numpy(float),
                              "priority": -_premium(s, s.best_effort_unmet)},
    }


def _premium(s: PlanSets, rows: pd.DataFrame) -> np.ndarray:
    """The priority premium of each row's (customer, product) (money/unit, 0 if none)."""
    com = s.commit[s.commit["premium"] > 0]
    if not len(com) or not len(rows):
        return np.zeros(len(rows))
    prem = dict(zip(records(com, ["customer", "product"]), com["premium"].tolist(), strict=True))
    return np.array([prem.get(k, 0.0) for k in records(rows, ["customer", "product"])],
                    dtype=float)


def add_objective(m: pyo.ConcreteModel, s: PlanSets, o: PlanOptions) -> None:
    """total_cost = Σ_family Σ_category coefficient · variable (money per horizon)."""
    terms = []
    for fam, cats in cost_coefficients(s).items():
        total = sum(cats.values())
        if not len(total):
            continue
        terms += [c * v for c, v in zip(total.tolist(), getattr(m, fam).values(), strict=True) if c]
    m.total_cost = pyo.Objective(expr=pyo.quicksum(terms), sense=pyo.minimize)


# the families whose rows belong to one (customer, product): their costs are the service costs
SERVICE_FAMILIES = ("open", "late", "lost", "best_effort_unmet")


def service_cost_table(s: PlanSets, x: dict[str, np.ndarray]) -> pd.DataFrame:
    """customer, product, category (backlog, unmet, priority), cost (money per horizon): the
    same coefficients as the objective on the open, late, lost and best_effort_unmet rows,
    summed per pair; pairs and categories that cost nothing are left out."""
    coef = cost_coefficients(s)
    frames = []
    for fam in SERVICE_FAMILIES:
        rows = getattr(s, fam)
        for cat, c in coef[fam].items():
            if len(c):
                frames.append(rows[["customer", "product"]].assign(category=cat, cost=c * x[fam]))
    if not frames:
        return pd.DataFrame(columns=["customer", "product", "category", "cost"])
    out = pd.concat(frames, ignore_index=True).groupby(
        ["customer", "product", "category"], as_index=False, sort=True)["cost"].sum()
    return out[out["cost"].abs() > 1e-9].reset_index(drop=True)


def cost_table(s: PlanSets, x: dict[str, np.ndarray]) -> pd.DataFrame:
    """category, cost (money per horizon) from the variable values ``x[family]``."""
    total: dict[str, float] = defaultdict(float)
    for fam, cats in cost_coefficients(s).items():
        for cat, c in cats.items():
            if len(c):
                total[cat] += float(np.dot(c, x[fam]))
    return pd.DataFrame([(c, total.get(c, 0.0)) for c in CATEGORIES], columns=["category", "cost"])
