"""What every chart shares: figures, number formats, units, product unit families, periods."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..extras import require
from ..report.units import column_kind, unit_label, units_of

KIND_COLORS = {"supplier": "#8c564b", "plant": "#d62728", "warehouse": "#1f77b4",
               "customer": "#2ca02c"}
KIND_MARKERS = {"supplier": "s", "plant": "^", "warehouse": "D", "customer": "o"}
_SYMBOL = re.compile(r"^[A-Za-z%$€£¥][\w%$€£¥.]{0,11}$")


def pyplot():
    """matplotlib.pyplot, or a MissingExtraError naming ``pip install "supplynet[plot]"``."""
    return require("matplotlib.pyplot", "plot")


def new_axes(ax=None, figsize: tuple[float, float] = (9, 4)):
    """``ax`` itself, or the Axes of a new figure."""
    if ax is not None:
        return ax
    _fig, ax = pyplot().subplots(figsize=figsize)
    return ax


def human(x: float, digits: int = 2) -> str:
    """1234567 -> '1.2 M', 3400 -> '3.4 k', 0.5 -> '0.5' (report-friendly magnitudes)."""
    if x is None or not math.isfinite(x):
        return str(x)
    a = abs(x)
    for div, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k"), (1.0, "")):
        if a >= div * 0.99995:
            v = x / div
            text = f"{v:.{digits}g}"
            return (f"{v:.0f}" if "e" in text else text) + suffix
    return f"{x:.{digits}g}"


def human_formatter():
    """A tick formatter writing ``human`` numbers (2 M, 500 k) instead of an offset (1e6)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: human(x, 3) if x else "0")


def nice_steps(top: float, count: int = 3) -> list[float]:
    """Up to ``count`` round numbers (1-2-5 series) at or below ``top``, spread over it,
    descending: reference values for a size or width legend."""
    if not (top > 0 and math.isfinite(top)):
        return []
    out: list[float] = []
    for frac in (1.0, 0.3, 0.08)[:count]:
        target = top * frac
        exp = math.floor(math.log10(target))
        for mant in (5, 2, 1):
            v = mant * 10.0 ** exp
            if v <= target * 1.0001:
                break
        if not out or v < out[-1]:
            out.append(v)
    return out


def units_for(result_or_net: Any) -> dict[str, str]:
    """The instance's units (money, quantity, time, distance, co2) of a Result or Network."""
    return units_of(network_of(result_or_net))


def network_of(result_or_net: Any) -> Any:
    """The Network of a Result (None without one), or the Network itself."""
    # duck-typed: importing results here would close an import cycle (results -> plot)
    attrs = getattr(result_or_net, "__dict__", {})
    return attrs.get("network") if "status" in attrs and "tables" in attrs else result_or_net


def cost_unit(model: str, units: Mapping[str, str]) -> str:
    """Unit of a model's ``costs`` table: ``EUR`` (over the horizon) or ``EUR/month``."""
    return unit_label(column_kind("cost", model, "costs") or "money", units)


def product_units(net: Any, products: Sequence[str]) -> dict[str, str | None]:
    """Unit of measure of each product: the products table's ``unit`` column when it has one,
    else the instance's quantity unit when that is one symbol ("kg", "pcs"); None when not
    known (an instance whose quantity unit is a description such as juice's "kg (fruit), pieces
    (caps), 1 L bottles (juices)": its products do not share a unit)."""
    out: dict[str, str | None] = dict.fromkeys(products)
    table = net.table("products") if net is not None else pd.DataFrame()
    if "unit" in table.columns:
        given = dict(zip(table["id"].tolist(), table["unit"].tolist(), strict=True))
        for p in products:
            u = given.get(p)
            if isinstance(u, str) and u.strip():
                out[p] = u.strip()
    raw = (getattr(net, "params", {}) or {}).get("units") if net is not None else None
    raw_q = str(raw.get("quantity", "")).strip() if isinstance(raw, Mapping) else ""
    shared = raw_q if raw_q and _SYMBOL.match(raw_q) else (None if raw_q else "unit")
    return {p: (u if u is not None else shared) for p, u in out.items()}


def unit_families(net: Any, products: Sequence[str]) -> dict[str, list[str]] | None:
    """Products grouped by unit ({"kg": [...], "L": [...]}), or None when some unit is not
    known (then quantities of different products must not share an axis)."""
    units = product_units(net, products)
    if any(u is None for u in units.values()):
        return None
    fam: dict[str, list[str]] = {}
    for p in products:
        fam.setdefault(units[p], []).append(p)
    return fam


def product_values(net: Any) -> dict[str, float]:
    """Unit value of each product (money/unit, products table ``value``)."""
    if net is None:
        return {}
    t = net.table("products")
    return {p: float(v) if v == v else 0.0
            for p, v in zip(t["id"].tolist(), t["value"].tolist(), strict=True)}


def period_labels(result: Any, periods: Sequence[int]) -> list[str]:
    """Tick labels of periods: the periods table's ``label`` (``2026-01``) or the number."""
    net = network_of(result)
    labels: dict[int, str] = {}
    if net is not None:
        t = net.table("periods")
        if "label" in t.columns and len(t):
            labels = {int(p): str(lab) for p, lab in zip(t["period"].tolist(), t["label"].tolist(),
                                                         strict=True)
                      if p == p and isinstance(lab, str) and lab.strip()}
    return [labels.get(int(p), str(int(p))) for p in periods]


def set_period_axis(ax, periods: Sequence[int], labels: Sequence[str], time_unit: str,
                    max_ticks: int = 16) -> None:
    """Period ticks with their labels (every k-th when many), and the axis name with the unit."""
    step = max(1, math.ceil(len(periods) / max_ticks))
    ax.set_xticks(list(periods)[::step])
    ax.set_xticklabels(list(labels)[::step], rotation=45 if max(map(len, labels), default=0) > 3
                       else 0, ha="right" if max(map(len, labels), default=0) > 3 else "center")
    ax.set_xlabel(f"period [{time_unit}]")
