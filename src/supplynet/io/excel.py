"""Reading an instance from one Excel workbook (.xlsx); writing is in ``writing``.

Each table is a sheet named after it (``nodes``, ``lanes``, ``demand``, ...) with a header
row of column names, exactly as the CSVs of the folder format; optional tables may be
absent. The global parameters are the sheet ``params`` with two columns, ``name`` and
``value``, one row per parameter:

* numbers, booleans and text are plain cells; an empty ``value`` cell is ``None``;
* a parameter holding a mapping (``units``) takes one row per entry, named
  ``units.money``, ``units.quantity``, ...;
* a text cell starting with ``[``, ``{`` or ``"`` is read as YAML, so lists can be written
  as ``[1, 2, 3]`` and text that must keep such a start (or the empty text ``""``) is
  written quoted.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import InstanceError
from ..extras import require
from ..schema import PARAMS, TABLES
from .writing import PARAMS_SHEET, YAML_START


def _uncell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and value.startswith(YAML_START):
        return yaml.safe_load(value)
    if hasattr(value, "item"):
        value = value.item()
    return value


def _read_params_sheet(df: pd.DataFrame, path: Path) -> dict[str, Any]:
    cols = [str(c).strip().lower() for c in df.columns]
    if "name" not in cols or "value" not in cols:
        raise InstanceError(f"{path}: sheet {PARAMS_SHEET!r} needs columns 'name' and 'value' "
                            f"(found {', '.join(map(str, df.columns))})", source=str(path))
    df = df.copy()
    df.columns = cols
    params: dict[str, Any] = {}
    for i, (name, value) in enumerate(zip(df["name"].tolist(), df["value"].tolist(),
                                          strict=True)):
        if name is None or (isinstance(name, float) and math.isnan(name)):
            continue
        name = str(name).strip()
        try:
            v = _uncell(value)
        except yaml.YAMLError as e:
            raise InstanceError(f"{path}: sheet {PARAMS_SHEET!r} row {i + 2} ({name}): value "
                                f"{value!r} is not valid YAML ({e})", source=str(path)) from None
        if "." in name and name.split(".", 1)[0] in PARAMS:
            head, sub = name.split(".", 1)
            d = params.setdefault(head, {})
            if isinstance(d, dict):
                d[sub] = v
        else:
            params[name] = v
    return params


def read_excel(path: Path):
    """Read a workbook written by ``write_excel`` (or made by hand in the same layout)."""
    from ..network import Network

    require("openpyxl", "excel")  # before the broad except below turns its absence into bad data
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except FileNotFoundError:
        raise InstanceError(f"{path}: no such file", source=str(path)) from None
    except Exception as e:  # openpyxl raises many types for a damaged workbook
        raise InstanceError(f"{path}: cannot read as an .xlsx workbook ({type(e).__name__}: {e})",
                            source=str(path)) from None
    params: dict[str, Any] = {}
    tables: dict[str, pd.DataFrame] = {}
    for sheet, df in sheets.items():
        key = str(sheet).strip()
        if key == PARAMS_SHEET:
            params = _read_params_sheet(df, path)
        elif key in TABLES:
            df = df.dropna(how="all")
            df = df.astype(object).where(df.notna(), None)
            tables[key] = df.reset_index(drop=True)
        # other sheets (notes, charts) are ignored
    if "nodes" not in tables:
        raise InstanceError(f"{path}: no sheet 'nodes' (sheets: {', '.join(map(str, sheets))})",
                            source=str(path))
    params.setdefault("name", path.stem)
    return Network.from_tables(tables, params=params)
