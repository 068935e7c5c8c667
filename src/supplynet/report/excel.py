"""A result as an Excel workbook for planners (openpyxl).

First sheet ``summary`` (model, status, objective, gap, message, KPIs, costs, each with its
unit), then one sheet per table: header row frozen, autofilter, column widths fitted to the
content, number formats (thousands separators, percent for shares) and units in the headers
(``cost [EUR]``, ``quantity [unit]``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..extras import require
from .units import INDEX_COLUMNS, column_kind, objective_unit, unit_label

MAX_WIDTH = 60  # characters
WIDTH_SAMPLE = 2000  # rows looked at to fit a column's width
THOUSANDS, DECIMALS, PERCENT, INTEGER = "#,##0", "#,##0.00", "0.0%", "0"


def _format_for(kind: str, values: pd.Series) -> str | None:
    """Number format of a column of unit kind ``kind`` (None: leave as is)."""
    if kind == "share":
        return PERCENT
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_integer_dtype(values):
        return THOUSANDS
    finite = values[np.isfinite(values.to_numpy(float))]
    big = len(finite) and float(finite.abs().max()) >= 100
    return THOUSANDS if big else DECIMALS


def _format_of_unit(label: str, value: Any) -> str | None:
    """Number format of one KPI cell, by its unit label."""
    if label == "share":
        return PERCENT
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if isinstance(value, int) or label == "count":
        return THOUSANDS
    return THOUSANDS if math.isfinite(value) and abs(value) >= 100 else DECIMALS


def _cell(value: Any) -> Any:
    """A value openpyxl can write: no NaN, no numpy scalars, no tuples."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return str(value)


def _sheet_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    out, i = base, 1
    while out.lower() in taken:
        i += 1
        out = f"{base[:31 - len(str(i)) - 1]}_{i}"
    taken.add(out.lower())
    return out


def _fit_widths(ws, header: list[str], rows: list[list[Any]], formats: list[str | None]) -> None:
    from openpyxl.utils import get_column_letter

    for j, h in enumerate(header):
        width = len(str(h)) + 3  # room for the filter button
        for row in rows[:WIDTH_SAMPLE]:
            v = row[j] if j < len(row) else None
            if v is None:
                continue
            if isinstance(v, float) and formats[j] in (THOUSANDS, DECIMALS):
                text = f"{v:,.0f}" if formats[j] == THOUSANDS else f"{v:,.2f}"
            elif isinstance(v, int) and not isinstance(v, bool) and formats[j] == THOUSANDS:
                text = f"{v:,d}"
            elif formats[j] == PERCENT and isinstance(v, (int, float)):
                text = f"{100 * v:.1f}%"
            else:
                text = str(v)
            width = max(width, len(text) + 2)
        ws.column_dimensions[get_column_letter(j + 1)].width = min(width, MAX_WIDTH)


def _write_table(ws, df: pd.DataFrame, header: list[str], formats: list[str | None]) -> None:
    from openpyxl.styles import Font

    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    rows = [[_cell(v) for v in r] for r in df.itertuples(index=False, name=None)]
    for r in rows:
        ws.append(r)
    for j, fmt in enumerate(formats):
        if fmt is None:
            continue
        for (cell,) in ws.iter_rows(min_row=2, max_row=len(rows) + 1, min_col=j + 1, max_col=j + 1):
            cell.number_format = fmt
    ws.freeze_panes = "A2"
    if len(header):
        ws.auto_filter.ref = ws.dimensions
    _fit_widths(ws, header, rows, formats)


def table_header(df: pd.DataFrame, model: str, table: str, units: Mapping[str, str]
                 ) -> tuple[list[str], list[str | None]]:
    """Headers with units (``cost [EUR]``) and number formats of a result table's columns."""
    header, formats = [], []
    for col in df.columns:
        name = str(col)
        kind = column_kind(name, model, table)
        label = unit_label(kind, units) if kind and kind != "share" else ""
        header.append(f"{name} [{label}]" if label else name)
        if name in INDEX_COLUMNS and pd.api.types.is_integer_dtype(df[col]):
            formats.append(INTEGER)
        else:
            formats.append(_format_for(kind, df[col]))
    return header, formats


def _summary_sheet(ws, result: Any, kpis: pd.DataFrame | None, units: Mapping[str, str]) -> None:
    from openpyxl.styles import Font

    money = objective_unit(result.model, units)
    rows: list[tuple[Any, Any, str]] = [("model", result.model, ""), ("status", result.status, "")]
    if result.objective is not None:
        rows.append(("objective", _cell(result.objective), money))
    if result.bound is not None:
        rows.append(("bound", _cell(result.bound), money))
    if result.gap is not None:
        rows.append(("gap", _cell(result.gap), "share"))
    rows.append(("message", result.message or "", ""))
    net = getattr(result, "network", None)
    if net is not None and getattr(net, "name", None):
        rows.append(("instance", net.name, ""))
    rows.append(("solve time", round(result.build_seconds + result.handoff_seconds
                                     + result.solve_seconds, 3), "s"))
    ws.append(["item", "value", "unit"])
    bold = [1]
    for r in rows:
        ws.append(list(r))
    if kpis is not None and len(kpis):
        ws.append([])
        ws.append(["kpi", "value", "unit"])
        bold.append(ws.max_row)
        units_col = kpis["unit"].tolist() if "unit" in kpis.columns else [""] * len(kpis)
        for k, v, u in zip(kpis["kpi"].tolist(), kpis["value"].tolist(), units_col, strict=True):
            ws.append([str(k), _cell(v), "" if u is None or u != u else str(u)])
    costs = result.tables.get("costs")
    if costs is not None and len(costs) and {"category", "cost"} <= set(costs.columns):
        ws.append([])
        ws.append(["cost category", "cost", "unit"])
        bold.append(ws.max_row)
        label = money
        for c, v in zip(costs["category"].tolist(), costs["cost"].tolist(), strict=True):
            ws.append([str(c), _cell(v), label])
    for r in bold:
        for c in ws[r]:
            c.font = Font(bold=True)
    for (name, value, unit) in ws.iter_rows(min_row=2):
        fmt = _format_of_unit(str(unit.value or ""), value.value)
        if fmt and name.value is not None and name.row not in bold:
            value.number_format = fmt
    ws.freeze_panes = "A2"
    _fit_widths(ws, ["item", "value", "unit"],
                [[c.value for c in r] for r in ws.iter_rows(min_row=2)],
                [None, None, None])
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width, 16)


def write_excel(result: Any, path: str | Path, tables: Mapping[str, pd.DataFrame],
                kpis: pd.DataFrame | None, units: Mapping[str, str]) -> Path:
    """Write ``summary`` then one formatted sheet per table of ``tables`` to ``path``."""
    Workbook = require("openpyxl", "excel").Workbook
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    taken = {"summary"}
    _summary_sheet(ws, result, kpis, units)
    for name, df in tables.items():
        ws = wb.create_sheet(_sheet_name(name, taken))
        if name == "kpis" and kpis is not None:
            _write_kpis(ws, kpis)
            continue
        header, formats = table_header(df, result.model, name, units)
        _write_table(ws, df, header, formats)
    wb.save(path)
    return path


def _write_kpis(ws, kpis: pd.DataFrame) -> None:
    """The kpis sheet: each value formatted by its own unit (percent, thousands, decimals)."""
    header = [str(c) for c in kpis.columns]
    _write_table(ws, kpis, header, [None] * len(header))
    if "unit" not in kpis.columns or "value" not in kpis.columns:
        return
    j = list(kpis.columns).index("value") + 1
    for i, (v, u) in enumerate(zip(kpis["value"].tolist(), kpis["unit"].tolist(), strict=True)):
        fmt = _format_of_unit("" if u is None or u != u else str(u), _cell(v))
        if fmt:
            ws.cell(row=i + 2, column=j).number_format = fmt
