"""The vocabulary of a scenario, shared by ``spec`` (its structure) and ``patch`` (applying it):
cost kinds, field names, and how periods and lanes are written."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from ..schema import LANE_SEPARATOR

# cost kind -> (table, column) multiplied; "params" names an instance parameter. The kinds
# are the models' cost categories (``unmet``, ``subcontracting``); ``unmet_penalty`` and
# ``subcontract`` are their older names, still accepted.
COST_KINDS: dict[str, tuple[tuple[str, str], ...]] = {
    "transport": (("lanes", "cost"),),
    "purchase": (("supply", "price"),),
    "production": (("production", "cost"),),
    "fixed": (("nodes", "fixed_cost"), ("capacity_levels", "fixed_cost")),
    "capacity_levels": (("capacity_levels", "fixed_cost"),),
    "make_fixed": (("production", "fixed_cost"),),
    "lane_fixed": (("lanes", "fixed_cost"),),
    "handling": (("nodes", "handling_cost"),),
    "closing": (("nodes", "closing_cost"),),
    "overtime": (("nodes", "overtime_cost"),),
    "setup": (("production", "setup_cost"),),
    "subcontracting": (("production", "subcontract_cost"),),
    "subcontract": (("production", "subcontract_cost"),),
    "backlog": (("customer_classes", "backlog_cost"),),
    "unmet": (("customer_classes", "unmet_penalty"), ("params", "unmet_penalty")),
    "unmet_penalty": (("customer_classes", "unmet_penalty"), ("params", "unmet_penalty")),
    "holding": (("nodes", "holding_rate"), ("params", "holding_rate")),
    "carbon": (("params", "carbon_price"),),
}
MULTI_PERIOD_MODELS = frozenset({"plan"})
DEMAND_FIELDS = ("factor", "customer", "region", "product", "periods")
DISRUPT_FIELDS = ("node", "lane", "periods", "capacity_factor")
SET_FIELDS = ("table", "key", "column", "value", "factor")


def as_list(x: Any) -> list:
    """None -> [], a list or tuple -> a list, anything else -> [x] (YAML one-or-many fields)."""
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def is_number(x: Any) -> bool:
    """A finite real number (not a bool)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(float(x))


def parse_periods(spec: Any, where: str, problems: list[str]) -> tuple[int, int] | None:
    """None (whole horizon), an int or [first, last] -> (first, last)."""
    if spec is None:
        return None
    items = as_list(spec.values() if isinstance(spec, Mapping) else spec)
    if len(items) == 1:
        items = items * 2
    if len(items) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                  for v in items):
        problems.append(f"{where}: periods={spec!r} must be a period or [first, last]")
        return None
    if items[1] < items[0]:
        problems.append(f"{where}: periods={spec!r}: last period is before the first")
        return None
    return int(items[0]), int(items[1])


def lane_id(spec: Any) -> str:
    """'A->B' from 'A->B' or [A, B]."""
    if isinstance(spec, (list, tuple)) and len(spec) == 2:
        return f"{spec[0]}{LANE_SEPARATOR}{spec[1]}"
    return str(spec)
