"""One-line progress texts for the "supplynet" loggers: model sizes and how a solve ended.

The models log through ``logging.getLogger(__name__)`` (loggers under "supplynet"); the library
never configures logging, so it is quiet unless the caller asks (``logging.basicConfig`` with
INFO, or the CLI's ``-v``). These helpers only format: they take a solver answer by duck typing
(``columns``, ``rows``, ``status``, ``objective``, ``gap``, ``solve_seconds``) and import no model.
"""

from __future__ import annotations

from typing import Any


def model_size(sol: Any) -> str:
    """"1,204 rows x 3,310 columns (52 integer)" of a compiled model (a ``Solution``)."""
    columns = getattr(sol, "columns", None)
    rows = getattr(sol, "rows", None)
    compiled = getattr(sol, "compiled", None)
    integers = int(compiled.integer.sum()) if compiled is not None else 0
    return (f"{len(rows) if rows is not None else 0:,} rows x "
            f"{len(columns) if columns is not None else 0:,} columns ({integers:,} integer)")


def solve_line(sol: Any) -> str:
    """"HiGHS optimal in 0.42 s (objective 55, gap 0.00 %); 12 rows x 8 columns (2 integer)".

    Seconds are wall clock of the HiGHS run (``solve_seconds``); the objective is in money."""
    parts = []
    if getattr(sol, "objective", None) is not None:
        parts.append(f"objective {sol.objective:,.6g}")
    if getattr(sol, "gap", None) is not None and getattr(sol, "is_mip", False):
        parts.append(f"gap {100 * sol.gap:.2f} %")
    extra = f" ({', '.join(parts)})" if parts else ""
    return (f"HiGHS {sol.status} in {getattr(sol, 'solve_seconds', 0.0):.2f} s{extra}; "
            f"{model_size(sol)}")
