"""Units of measure: the instance's units as labels, per KPI and per result column.

Models write unit kinds with placeholders (``money/horizon``, ``units``, ``kg``, ``km``,
``period``); ``unit_label`` replaces them by the instance's units (``EUR/horizon``). Result
columns get their unit from their name (``COLUMN_KINDS``, with per-table overrides).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..schema import PARAMS

DEFAULT_UNITS: dict[str, str] = dict(PARAMS["units"][0])  # money, quantity, time, distance, co2

# placeholder word in a unit kind -> key of the instance's units
_TOKENS = {"money": "money", "unit": "quantity", "units": "quantity", "period": "time",
           "periods": "time", "km": "distance", "kg": "co2"}
_SIMPLE = re.compile(r"^[A-Za-z%$€£¥][\w%$€£¥.]{0,11}$")

# unit kind of a result column, by column name (any model, any table)
COLUMN_KINDS: dict[str, str] = {
    **dict.fromkeys(["cost", "fixed_cost", "handling_cost", "holding_cost", "last_mile_cost",
                     "allocated_cost", "cost_to_serve", "value", "safety_stock_cost"], "money"),
    **dict.fromkeys(["cost_per_unit", "marginal_value", "dual"], "money/unit"),
    **dict.fromkeys(["quantity", "throughput", "make_quantity", "buy_quantity", "delivered",
                     "demand", "lost", "unmet", "unmet_end", "open_orders", "overdue", "on_hand",
                     "in_transit", "work_in_process", "safety_stock_target", "shortfall",
                     "safety_stock", "base_stock", "pipeline_stock", "demand_mean", "initial"],
                    "units"),
    **dict.fromkeys(["share", "utilisation", "fill_rate", "min_fill_rate", "vs_optimal"], "share"),
    **dict.fromkeys(["lead_time", "max_service_time", "inbound_service_time",
                     "outbound_service_time", "net_replenishment_time", "customer_lead_time",
                     "quoted_lead_time"], "periods"),
    "distance": "km", "co2": "kg", "hours": "h",
    "objective": "money", "bound": "money", "gap": "share",
    **dict.fromkeys(["build_seconds", "handoff_seconds", "solve_seconds"], "s"),
}
# (model, table) -> {column: kind} where a name means something else in that table
TABLE_KINDS: dict[tuple[str, str], dict[str, str]] = {
    ("buffers", "stages"): {"holding_cost": "money/unit/period",
                            "safety_stock_value": "money/period"},
    ("gsm", "stages"): {"holding_cost": "money/unit/period", "safety_stock_value": "money/period"},
    ("buffers", "costs"): {"cost": "money/period"},
    ("buffers", "status"): {"objective": "money/period", "bound": "money/period"},
    ("gsm", "status"): {"objective": "money/period", "bound": "money/period"},
    ("gsm", "costs"): {"cost": "money/period"},
    ("buffers", "policies"): {"cost": "money/period", "safety_stock_cost": "money/period"},
    ("gsm", "policies"): {"cost": "money/period", "safety_stock_cost": "money/period"},
}
# index columns: integers without a unit or separators
INDEX_COLUMNS = {"period", "arrival_period", "ready_period", "first_period", "last_period"}


def units_of(network: Any) -> dict[str, str]:
    """The units of an instance (``network.params["units"]`` over the schema defaults).

    A quantity unit that is a description rather than a short symbol (juice: "kg (fruit, ...),
    pieces (...), 1 L bottles (...)") is shown as the defaults' "unit".
    """
    out = dict(DEFAULT_UNITS)
    given = getattr(network, "params", {}).get("units") if network is not None else None
    if isinstance(given, Mapping):
        out.update({k: str(v).strip() for k, v in given.items() if v is not None and str(v).strip()})
    for k, v in out.items():
        if not _SIMPLE.match(v):
            out[k] = DEFAULT_UNITS.get(k, "unit")
    return out


def unit_label(kind: Any, units: Mapping[str, str]) -> str:
    """``money/horizon`` -> ``EUR/horizon``; words that are not placeholders stay."""
    if kind is None or (isinstance(kind, float) and math.isnan(kind)):
        return ""
    parts = re.split(r"([/\-·* ])", str(kind))
    return "".join(units.get(_TOKENS[p], p) if p in _TOKENS else p for p in parts)


def column_kind(column: str, model: str = "", table: str = "") -> str:
    """Unit kind of a result column ('' when unknown or without a unit)."""
    return TABLE_KINDS.get((model, table), {}).get(column, COLUMN_KINDS.get(column, ""))


def objective_unit(model: str, units: Mapping[str, str]) -> str:
    """Unit of a model's objective: money over the horizon (``EUR``); the safety-stock models
    count holding cost per period (``EUR/month``)."""
    return unit_label(column_kind("cost", model, "costs") or "money", units)


def is_share(kind_or_label: str) -> bool:
    return kind_or_label == "share"


def is_count(kind_or_label: str) -> bool:
    return kind_or_label == "count"


def kpis_with_units(kpis: pd.DataFrame, units: Mapping[str, str]) -> pd.DataFrame:
    """The kpis table with its ``unit`` column in the instance's units and counts as integers.

    Translated once (the result carries ``attrs["units"]``); the default units leave translated
    labels unchanged. ``value`` becomes an object column when it holds counts (an int next to
    floats), so ``open_plants`` is 2, not 2.0.
    """
    if not {"kpi", "value"} <= set(kpis.columns) or kpis.attrs.get("units"):
        return kpis
    out = kpis.copy()
    out.attrs["units"] = True
    if "unit" not in out.columns:
        out["unit"] = ""
    out["unit"] = [unit_label(u, units) for u in out["unit"].tolist()]
    counts = [is_count(u) for u in out["unit"].tolist()]
    if any(counts) or not pd.api.types.is_numeric_dtype(out["value"]):
        # numbers read back from text (a stored run) become numbers again
        values = [_number(v) for v in out["value"].tolist()]
        out["value"] = pd.Series([int(round(v)) if c and _finite(v) else v
                                  for v, c in zip(values, counts, strict=True)],
                                 index=out.index, dtype=object if any(counts) else None)
    return out


def _number(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


def _finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def format_value(value: Any, unit: str = "") -> str:
    """A number for people: thousands separators, percent for shares, never 3.12e+07."""
    if value is None or isinstance(value, str):
        return "" if value is None else value
    if isinstance(value, bool):
        return str(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if is_share(unit):
        return f"{100 * v:.1f}%"
    if is_count(unit) or (isinstance(value, int) and not isinstance(value, bool)):
        return f"{round(v):,d}"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:,.2f}"
    if a >= 1e-3:
        return f"{v:.4f}"
    return f"{v:.3g}"
