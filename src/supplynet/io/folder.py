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
from .writing import PARAMS_FILE


# ------------------------------------------------------------------------- reading
class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML keeps the last silently,
    so a second ``periods:`` would override the first unseen)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<: *anchor" merges a mapping; its keys may be overridden
            key = self.construct_object(key_node, deep=deep)
            try:
                again = key in seen
            except TypeError:  # an unhashable key: the base loader says what is wrong
                break
            if again:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} given twice (first on line {seen[key] + 1})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: Path) -> Any:
    """A YAML file's content; unreadable files and syntax errors raise InstanceError with the
    file, line and column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise InstanceError(f"{path}: cannot read ({e.strerror or e})", source=str(path)) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
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
