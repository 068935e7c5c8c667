"""The canonical instance format: a folder with ``instance.yaml`` and one CSV per table.

``instance.yaml`` holds the global parameters of ``supplynet.schema.PARAMS`` (name,
description, units, periods, carbon_price, co2_cap, unmet_penalty, holding_rate; other
keys are kept as they are). Each table is ``<table>.csv`` (``nodes.csv``, ``lanes.csv``,
``demand.csv``, ...) with a header row of column names as in ``supplynet.schema.TABLES``;
optional tables may be absent and optional columns may be left out (their defaults
apply). An empty cell is a missing value: the column's default, or "unlimited" for a
capacity. Cells are read as text and typed against the schema, so ids such as ``007``
stay text.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import InstanceError
from ..schema import TABLES

PARAMS_FILE = "instance.yaml"


# ------------------------------------------------------------------------- reading
def load_yaml(path: Path) -> Any:
    """A YAML file's content; unreadable files and syntax errors raise InstanceError with the
    file, line and column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise InstanceError(f"{path}: cannot read ({e.strerror or e})", source=str(path)) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InstanceError(f"{path}:{where}: YAML syntax error: {problem}",
                            source=str(path)) from None


def read_params(path: Path) -> dict[str, Any]:
    """The parameters of ``instance.yaml``, as written (missing ones take their defaults)."""
    data = load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InstanceError(f"{path}: expected a mapping of parameter names to values, "
                            f"found a {type(data).__name__}", source=str(path))
    return {str(k): v for k, v in data.items()}


def read_csv_table(path: Path) -> pd.DataFrame:
    """One CSV as a DataFrame of text cells (``None`` for empty cells).

    Raises ``InstanceError`` naming the file and line for a row whose number of fields
    differs from the header's, an unterminated quote, a duplicated or empty header.
    Blank lines are skipped.
    """
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except OSError as e:
        raise InstanceError(f"{path}: cannot read ({e.strerror or e})", source=str(path)) from None
    with fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise InstanceError(f"{path}: file is empty (expected a header row of column "
                                    f"names)", source=str(path))
            header = [h.strip() for h in header]
            if len(header) == 1 and ";" in header[0]:
                raise InstanceError(f"{path}: line 1: the header {header[0]!r} is separated by "
                                    f"';' (a spreadsheet's regional CSV); supplynet reads "
                                    f"comma-separated CSV: export with ',' as the separator",
                                    source=str(path))
            if any(h == "" for h in header):
                raise InstanceError(f"{path}: line 1: empty column name in header {header}",
                                    source=str(path))
            dup = sorted({h for h in header if header.count(h) > 1})
            if dup:
                raise InstanceError(f"{path}: line 1: column(s) {', '.join(dup)} appear more "
                                    f"than once", source=str(path))
            width = len(header)
            rows: list[list[str]] = []
            for row in reader:
                if not row or (len(row) == 1 and row[0].strip() == ""):
                    continue
                if len(row) != width:
                    raise InstanceError(
                        f"{path}: line {reader.line_num}: {len(row)} fields where the header "
                        f"has {width} ({', '.join(header)})", source=str(path))
                rows.append(row)
        except csv.Error as e:
            raise InstanceError(f"{path}: line {reader.line_num}: malformed CSV ({e})",
                                source=str(path)) from None
        except UnicodeDecodeError as e:
            raise InstanceError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})",
                                source=str(path)) from None
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    data = {h: [None if v.strip() == "" else v for v in col] for h, col in zip(header, cols,
                                                                              strict=True)}
    return pd.DataFrame(data, columns=header, dtype=object)


def read_folder(path: Path):
    """Read an instance folder (``instance.yaml`` + ``<table>.csv`` files) into a Network."""
    from ..network import Network

    if not path.is_dir():
        raise InstanceError(f"{path}: not a folder", source=str(path))
    yaml_path = path / PARAMS_FILE
    params = read_params(yaml_path) if yaml_path.exists() else {}
    tables = {}
    for name in TABLES:
        f = path / f"{name}.csv"
        if f.exists():
            tables[name] = read_csv_table(f)
    if "nodes" not in tables and not yaml_path.exists():
        raise InstanceError(f"{path}: no {PARAMS_FILE} and no nodes.csv: not an instance folder",
                            source=str(path))
    params.setdefault("name", path.name)
    return Network.from_tables(tables, params=params)


# ------------------------------------------------------------------------- writing
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

