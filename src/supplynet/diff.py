"""What changed between two networks, row by row: ``Network.diff(other)``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .schema import TABLES

DIFF_COLUMNS = ["table", "key", "change", "column", "old", "new"]
RTOL = 1e-12


def _key_text(key_cols: list[str], values: tuple) -> str:
    return ", ".join(f"{k}={_show(v)}" for k, v in zip(key_cols, values, strict=True))


def _show(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _same(a: Any, b: Any) -> bool:
    if _missing(a) and _missing(b):
        return True
    if _missing(a) or _missing(b):
        return False
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=RTOL, abs_tol=0.0)
    return a == b


def _differs(o: pd.Series, n: pd.Series) -> np.ndarray:
    """Element-wise "not the same" (NaN equals NaN, numbers to a relative 1e-12)."""
    if pd.api.types.is_numeric_dtype(o) and pd.api.types.is_numeric_dtype(n) \
            and not pd.api.types.is_bool_dtype(o) and not pd.api.types.is_bool_dtype(n):
        a, b = o.to_numpy(dtype=float), n.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            close = np.isclose(a, b, rtol=RTOL, atol=0.0, equal_nan=True)
        return ~close
    return np.array([not _same(x, y) for x, y in zip(o.tolist(), n.tolist(), strict=True)],
                    dtype=bool)


def _params_diff(p: dict, q: dict) -> list[dict]:
    rows = []
    for k in list(p) + [k for k in q if k not in p]:
        if k not in q:
            rows.append({"table": "params", "key": k, "change": "removed", "column": k,
                         "old": p[k], "new": None})
        elif k not in p:
            rows.append({"table": "params", "key": k, "change": "added", "column": k,
                         "old": None, "new": q[k]})
        elif not _same(p[k], q[k]):
            rows.append({"table": "params", "key": k, "change": "changed", "column": k,
                         "old": p[k], "new": q[k]})
    return rows


def _numbered(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Add ``_n``: the occurrence of the key (0 unless keys repeat)."""
    out = df.copy()
    out["_n"] = out.groupby(key, sort=False, dropna=False).cumcount() if len(out) else []
    return out


def table_diff(name: str, a: pd.DataFrame, b: pd.DataFrame) -> list[dict]:
    """Rows of the diff for one table, ``a`` old and ``b`` new (typed tables)."""
    if not len(a) and not len(b):
        return []
    key = list(TABLES[name].key)
    values = [c for c in dict.fromkeys(list(a.columns) + list(b.columns)) if c not in key]
    a2, b2 = _numbered(a, key), _numbered(b, key)
    for df in (a2, b2):
        for c in values:
            if c not in df.columns:
                df[c] = None
    merged = a2.merge(b2, on=key + ["_n"], how="outer", suffixes=("_old", "_new"),
                      indicator=True, sort=False)
    repeated = bool((merged["_n"] > 0).any())
    shown_key = key + (["_n"] if repeated else [])
    keys = list(zip(*(merged[k].tolist() for k in shown_key), strict=True))
    side = merged["_merge"].astype(str).to_numpy()
    rows: list[dict] = []
    for i in np.flatnonzero(side != "both"):
        text = _key_text(shown_key, keys[i])
        if side[i] == "left_only":
            rows.append({"table": name, "key": text, "change": "removed", "column": None,
                         "old": {c: _show(merged[f"{c}_old"].iat[i]) for c in values}, "new": None})
        else:
            rows.append({"table": name, "key": text, "change": "added", "column": None,
                         "old": None, "new": {c: _show(merged[f"{c}_new"].iat[i]) for c in values}})
    both = side == "both"
    changed: list[tuple[int, int, Any, Any]] = []
    for j, c in enumerate(values):
        o, n = merged[f"{c}_old"], merged[f"{c}_new"]
        for i in np.flatnonzero(both & _differs(o, n)):
            changed.append((int(i), j, o.iat[i], n.iat[i]))
    for i, j, o, n in sorted(changed, key=lambda r: (r[0], r[1])):
        rows.append({"table": name, "key": _key_text(shown_key, keys[i]), "change": "changed",
                     "column": values[j], "old": _show(o), "new": _show(n)})
    return rows


def network_diff(old, new) -> pd.DataFrame:
    """Every difference from network ``old`` to ``new``: one row per changed cell
    (change "changed": table, key, column, old, new), per added or removed row (old/new
    hold the row's values) and per changed parameter (table "params")."""
    rows = _params_diff(dict(old.params), dict(new.params))
    for name in TABLES:
        rows += table_diff(name, old.table(name), new.table(name))
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)
