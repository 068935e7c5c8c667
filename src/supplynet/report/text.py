"""Text and HTML views of results and networks: ``summary()``, ``repr`` and ``_repr_html_``.

Functions take the object (duck-typed: a Result's ``model``, ``status``, ``objective``,
``tables``...; a Network's ``name``, ``periods``, ``table``) and the units from ``units_of``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

from .units import format_value, objective_unit

MAX_DIAGNOSIS = 20  # diagnosis lines printed by summary(); the rest are counted


def money(value: float | None, unit: str) -> str:
    """``31,195,145 EUR`` (cents below 1,000)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}"
    return f"{text} {unit}"


def gap_text(gap: float | None) -> str:
    return "n/a" if gap is None or not math.isfinite(gap) else f"{100 * gap:.2f}%"


def shape_text(df: Any) -> str:
    rows, cols = df.shape
    return f"{rows:,}x{cols}"


def repr_text(result: Any, units: Mapping[str, str]) -> str:
    """``<Result design: optimal, objective 31,195,145 EUR, gap 0.00%; tables: flows 128x6, ...>``"""
    head = f"<Result {result.model}: {result.status}"
    if result.objective is not None:
        head += f", objective {money(result.objective, objective_unit(result.model, units))}, gap {gap_text(result.gap)}"
    tables = ", ".join(f"{name} {shape_text(df)}" for name, df in result.tables.items())
    return head + (f"; tables: {tables}>" if tables else "; no tables>")


def summary_text(result: Any, kpis: Any, units: Mapping[str, str]) -> str:
    """The printed summary: status, objective and bound in money, costs, every KPI, diagnosis."""
    lines = [f"{result.model}: {result.status}" + (f" ({result.message})" if result.message else "")]
    unit = objective_unit(result.model, units)
    if result.objective is not None:
        lines.append(f"  objective {money(result.objective, unit)}")
        if result.gap is not None and result.gap > 0 and math.isfinite(result.gap):
            lines.append(f"  bound     {money(result.bound, unit)}  gap {gap_text(result.gap)}")
    lines.append(f"  time      build {result.build_seconds:.2f}s, hand-off "
                 f"{result.handoff_seconds:.2f}s, solve {result.solve_seconds:.2f}s")
    costs = result.tables.get("costs")
    if costs is not None and len(costs) and {"category", "cost"} <= set(costs.columns):
        shown = [(c, v) for c, v in zip(costs["category"], costs["cost"], strict=True) if v != 0]
        lines.append(f"  costs [{unit}]")
        lines += [f"    {str(c):<26} {format_value(float(v)):>16}" for c, v in shown]
        if len(shown) < len(costs):
            lines.append(f"    ({len(costs) - len(shown)} categories at zero not shown)")
    if kpis is not None and len(kpis) and {"kpi", "value"} <= set(kpis.columns):
        lines.append("  kpis")
        unit_col = kpis["unit"].tolist() if "unit" in kpis.columns else [""] * len(kpis)
        for k, v, u in zip(kpis["kpi"].tolist(), kpis["value"].tolist(), unit_col, strict=True):
            u = "" if u is None or (isinstance(u, float) and math.isnan(u)) else str(u)
            shown = "" if u == "share" else u  # a share is printed as a percentage already
            lines.append(f"    {str(k):<26} {format_value(v, u):>16}  {shown}".rstrip())
    diagnosis = result.diagnosis
    if diagnosis is not None and len(diagnosis) and "message" in diagnosis.columns:
        lines.append("  diagnosis")
        lines += [f"    {text}" for text in diagnosis["message"].head(MAX_DIAGNOSIS)]
        if len(diagnosis) > MAX_DIAGNOSIS:
            lines.append(f"    ... and {len(diagnosis) - MAX_DIAGNOSIS} more (result.diagnosis)")
    return "\n".join(lines)


def _rows_html(rows: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                   f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in rows)


def _tables_html(sizes: list[tuple[str, int, int]], title: str) -> str:
    if not sizes:
        return ""
    body = "".join(f"<tr><td style='text-align:left'>{html.escape(n)}</td><td>{r:,}</td>"
                   f"<td>{c}</td></tr>" for n, r, c in sizes)
    return (f"<table><thead><tr><th style='text-align:left'>{html.escape(title)}</th><th>rows</th>"
            f"<th>columns</th></tr></thead><tbody>{body}</tbody></table>")


def result_html(result: Any, units: Mapping[str, str]) -> str:
    """The repr as a small HTML block: status, objective, gap, message, tables with shapes."""
    rows = [("model", str(result.model)), ("status", str(result.status))]
    if result.objective is not None:
        rows += [("objective", money(result.objective, objective_unit(result.model, units))),
                 ("gap", gap_text(result.gap))]
    if result.message:
        rows.append(("message", str(result.message)))
    rows.append(("time", f"{result.build_seconds + result.handoff_seconds + result.solve_seconds:.2f} s"))
    sizes = [(name, *df.shape) for name, df in result.tables.items()]
    return (f"<div><strong>Result</strong> ({html.escape(str(result.model))})"
            f"<table>{_rows_html(rows)}</table>{_tables_html(sizes, 'table')}</div>")


def network_html(net: Any, tables: list[str]) -> str:
    """A Network in a notebook: name, periods, units, nodes by kind, rows per table."""
    kinds = net.table("nodes")["kind"].value_counts().sort_index()
    units = net.params.get("units") or {}
    rows = [("name", net.name), ("periods", f"{len(net.periods)}")]
    rows += [(f"{k} nodes", f"{int(v):,}") for k, v in kinds.items()]
    if isinstance(units, Mapping) and units:
        rows.append(("units", ", ".join(f"{k}: {v}" for k, v in units.items())))
    sizes = [(t, *net.table(t).shape) for t in tables if net.has_table(t) and len(net.table(t))]
    return (f"<div><strong>Network</strong> {html.escape(net.name)}"
            f"<table>{_rows_html(rows)}</table>{_tables_html(sizes, 'table')}</div>")
