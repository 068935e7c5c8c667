"""The problem collector and table helpers shared by the instance checks (``validate``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..schema import TABLES
from ..tables import row_label

LIMIT = 50  # rows listed per kind of problem


class Problems:
    """Collects problem sentences, at most LIMIT rows per kind of problem."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        self.items.append(text)

    def rows(self, net, table: str, mask: np.ndarray, message: Callable[[int], str],
             what: str) -> None:
        """One problem per row where ``mask`` holds: '<row label>: <message(i)>'."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        df = net.table(table)
        schema = TABLES[table]
        for i in idx[:LIMIT]:
            self.items.append(f"{row_label(schema, df, int(i))}: {message(int(i))}")
        if len(idx) > LIMIT:
            self.items.append(f"... and {len(idx) - LIMIT} more rows of table {table} where {what}")


def present(net, table: str, column: str) -> bool:
    """The column was given (a missing required column is reported once, by the reader)."""
    raw = net.raw_table(table)
    if raw is None or len(raw) == 0:
        return False
    return column in {str(c).strip() for c in raw.columns}


def str_values(df: pd.DataFrame, column: str) -> np.ndarray:
    return np.array(df[column].tolist(), dtype=object)


def num_values(df: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)


def raw_cells(net, table: str, column: str) -> list | None:
    """The cells of ``column`` as given, before typing (None when the column was not given)."""
    raw = net.raw_table(table)
    if raw is None or len(raw) == 0:
        return None
    names = [str(c).strip() for c in raw.columns]
    if column not in names:
        return None
    return raw.iloc[:, names.index(column)].tolist()


def is_blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or \
        (isinstance(v, str) and v.strip() == "")


def blank_cells(net, table: str, column: str) -> np.ndarray:
    """Rows whose ``column`` cell was given empty (all False when the column was not given)."""
    cells = raw_cells(net, table, column)
    n = len(net.table(table))
    if cells is None or len(cells) != n:
        return np.zeros(n, dtype=bool)
    return np.array([is_blank(v) for v in cells], dtype=bool)
