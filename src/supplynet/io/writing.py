"""Writing an instance: a folder (``instance.yaml`` + one CSV per table, see ``folder``) or
one workbook (see ``excel``).

Below ``Network``: the writers take any object with ``params``, ``has_table`` and ``table``,
so that ``Network.write`` can call them without an import cycle (the readers build Networks).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import InstanceError
from ..extras import require
from ..schema import TABLES

PARAMS_FILE = "instance.yaml"
PARAMS_SHEET = "params"
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
# a workbook text cell starting with one of these is YAML (lists, mappings, quoted text)
YAML_START = ("[", "{", '"')


def write(net, path: str | Path) -> Path:
    """Write ``net`` as a workbook (path ending in ``.xlsx``) or as a folder; returns the path."""
    p = Path(path)
    if p.suffix.lower() in EXCEL_SUFFIXES:
        return write_excel(net, p)
    return write_folder(net, p)


# ------------------------------------------------------------------------- folder
def _plain(value: Any) -> Any:
    """Parameters as plain YAML-safe Python values (numpy scalars -> Python)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def _yaml_safe(value: Any) -> bool:
    try:
        yaml.safe_dump(value)
        return True
    except yaml.YAMLError:
        return False


def table_to_write(net, name: str) -> pd.DataFrame | None:
    """The typed table as written (all schema columns, extra columns kept), None if empty."""
    if not net.has_table(name):
        return None
    df = net.table(name)
    return df if len(df) else None


def write_folder(net, path: Path) -> Path:
    """Write ``instance.yaml`` and one CSV per non-empty table into folder ``path``.

    CSVs of tables that are empty in ``net`` are removed from the folder so that reading
    it back gives the same network. Floats are written with full precision (``repr``).
    """
    if path.exists() and not path.is_dir():
        raise InstanceError(f"{path}: exists and is not a folder", source=str(path))
    path.mkdir(parents=True, exist_ok=True)
    params = _plain(dict(net.params))
    try:
        text = yaml.safe_dump(params, sort_keys=False, allow_unicode=True,
                              default_flow_style=False)
    except yaml.YAMLError:
        bad = [k for k, v in params.items() if not _yaml_safe(v)]
        raise InstanceError(f"parameter(s) {', '.join(bad)} cannot be written to {PARAMS_FILE}: "
                            f"use numbers, text, true/false, lists or mappings",
                            source=str(path)) from None
    (path / PARAMS_FILE).write_text(text, encoding="utf-8")
    for name in TABLES:
        f = path / f"{name}.csv"
        df = table_to_write(net, name)
        if df is None:
            if f.exists():
                f.unlink()
            continue
        df.to_csv(f, index=False, lineterminator="\n", na_rep="")
    return path


# ------------------------------------------------------------------------- workbook
def _param_rows(params: dict[str, Any], path: Path) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for name, value in _plain(dict(params)).items():
        items = ([(f"{name}.{k}", v) for k, v in value.items()] if isinstance(value, dict)
                 else [(name, value)])
        for key, v in items:
            try:
                rows.append((key, _cell(v)))
            except yaml.YAMLError:
                raise InstanceError(f"parameter {key} = {v!r} cannot be written to sheet "
                                    f"{PARAMS_SHEET!r}: use numbers, text, true/false, lists or "
                                    f"mappings", source=str(path)) from None
    return rows


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if value == "" or value.startswith(YAML_START):
            return json.dumps(value)
        return value
    return yaml.safe_dump(value, default_flow_style=True).strip()


def write_excel(net, path: Path) -> Path:
    """Write every non-empty table as a sheet and the parameters as sheet ``params``."""
    require("openpyxl", "excel")
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = _param_rows(net.params, path)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame(rows, columns=["name", "value"], dtype=object).to_excel(
            xw, sheet_name=PARAMS_SHEET, index=False)
        for name in TABLES:
            df = table_to_write(net, name)
            if df is not None:
                df.to_excel(xw, sheet_name=name, index=False)
    return path
