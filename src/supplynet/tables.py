"""Typing a raw table against its schema, recording (not raising) every cell that does not fit."""

from __future__ import annotations

import difflib
import math

import numpy as np
import pandas as pd

from .schema import LARGEST_VALUE, TABLES, TableSchema

PLURAL = {"period": "periods"}  # units named in "a whole number of ..."


def row_label(schema: TableSchema, df: pd.DataFrame, i: int) -> str:
    """'demand row 4 (customer=C1, product=P1, period=3)': how problems name a row."""
    keys = [k for k in schema.key if k in df.columns]
    parts = []
    for k in keys:
        v = df[k].iat[i]
        parts.append(f"{k}={'(empty)' if _is_blank(v) else v}")
    return f"{schema.name} row {i + 1}" + (f" ({', '.join(parts)})" if parts else "")


def normalize(name: str, raw: pd.DataFrame | None, problems: list[str]) -> pd.DataFrame:
    """Return the table with schema columns in schema order, typed, defaults filled.

    Cells that cannot be typed become NaN (or the default) and a problem naming the row,
    column and value is appended to ``problems``. An unknown column is a problem (a misspelt
    ``costs`` would otherwise leave every ``cost`` at its default); it is kept after the
    schema's columns so that the message can name it.
    """
    schema = TABLES[name]
    if raw is None:
        raw = pd.DataFrame(columns=list(schema.columns))
    df = raw.reset_index(drop=True).copy()
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in schema.required_columns if c not in df.columns]
    if missing and len(df):
        problems.append(f"table {name}: missing required column(s) {', '.join(missing)}")
    out = {}
    for col, spec in schema.columns.items():
        if col not in df.columns:
            default = spec.default if spec.default is not None else _missing_value(spec.dtype)
            out[col] = _empty_like(spec.dtype, default, len(df))
            continue
        out[col] = _coerce(schema, df, col, spec, problems)
    extra = [c for c in df.columns if c not in schema.columns]
    for c in extra:
        close = difflib.get_close_matches(c, list(schema.columns), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"table {name}: unknown column {c!r}{hint}; its columns are "
                        f"{', '.join(schema.columns)}")
        out[c] = df[c].to_numpy()
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


def _missing_value(dtype: str):
    return "" if dtype == "str" else (False if dtype == "bool" else math.nan)


def _empty_like(dtype: str, default, n: int):
    if dtype == "str":
        return np.array([str(default)] * n, dtype=object)
    if dtype == "bool":
        return np.full(n, bool(default))
    if dtype == "int" and not (isinstance(default, float) and math.isnan(default)):
        return np.full(n, int(default), dtype=np.int64)
    return np.full(n, float(default))


def _unit(spec) -> str:
    """' units' after a number, '' for a unitless column."""
    return f" {spec.unit}" if spec.unit else ""


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v.strip() == "")


def _coerce(schema: TableSchema, df: pd.DataFrame, col: str, spec, problems: list[str]):
    values = df[col].tolist()
    default = spec.default
    n = len(values)
    if spec.dtype == "str":
        out = np.empty(n, dtype=object)
        for i, v in enumerate(values):
            if _is_blank(v):
                if spec.required:
                    problems.append(f"{row_label(schema, df, i)}: {col} is empty")
                out[i] = "" if default is None else str(default)
            elif isinstance(v, float) and v.is_integer():
                out[i] = str(int(v))  # ids read as numbers, e.g. 12.0 -> "12"
            else:
                out[i] = str(v).strip()
        return out
    if spec.dtype == "bool":
        out = np.empty(n, dtype=bool)
        for i, v in enumerate(values):
            if _is_blank(v):
                out[i] = bool(default) if default is not None else False
            elif isinstance(v, (bool, np.bool_)):
                out[i] = bool(v)
            elif str(v).strip().lower() in ("true", "1", "yes", "y", "1.0"):
                out[i] = True
            elif str(v).strip().lower() in ("false", "0", "no", "n", "0.0"):
                out[i] = False
            else:
                problems.append(f"{row_label(schema, df, i)}: {col}={v!r} is not true/false")
                out[i] = bool(default)
        return out
    # numbers
    nums = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
        dtype=float, copy=True)  # copy: pandas 3 may hand back a read-only view
    unlimited = "capacity" in col and isinstance(default, float) and math.isnan(default)
    for i, v in enumerate(values):
        if math.isnan(nums[i]):
            if _is_blank(v):
                if spec.required:
                    problems.append(f"{row_label(schema, df, i)}: {col} is empty")
                elif not spec.blank_ok:
                    problems.append(f"{row_label(schema, df, i)}: {col} is empty (write 0 if "
                                    f"it is really {default:g}{_unit(spec)})")
                    nums[i] = float(default)
                elif default is not None:
                    nums[i] = float(default)
            else:
                hint = "; leave the cell empty for unlimited" if unlimited else ""
                problems.append(f"{row_label(schema, df, i)}: {col}={v!r} is not a number{hint}")
                if default is not None:
                    nums[i] = float(default)
    # infinite values are checked in validate (they mean unlimited in capacity columns)
    with np.errstate(invalid="ignore"):
        huge = np.isfinite(nums) & (np.abs(nums) > LARGEST_VALUE)
    for i in np.flatnonzero(huge):
        hint = "; leave the cell empty for unlimited" if unlimited else ""
        problems.append(f"{row_label(schema, df, i)}: {col}={nums[i]:g} is beyond what the solver "
                        f"can represent (at most {LARGEST_VALUE:g}{_unit(spec)}){hint}")
    if spec.dtype == "int":
        finite = np.isfinite(nums)
        with np.errstate(invalid="ignore"):  # inf - inf: masked by ``finite``
            frac = finite & (np.abs(nums - np.round(nums)) > 1e-9)
        for i in np.flatnonzero(frac):
            problems.append(f"{row_label(schema, df, i)}: {col}={values[i]!r} is not a whole number "
                            f"of {PLURAL.get(spec.unit, spec.unit or 'units')}")
        if finite.all() and (np.abs(nums) < 2.0 ** 62).all():  # else int64 would overflow
            return np.round(nums).astype(np.int64)
    return nums
