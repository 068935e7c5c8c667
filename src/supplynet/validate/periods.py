"""Checks of the planning horizon, of period columns and of outage elements (``validate``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import LANE_SEPARATOR
from .rows import Problems, blank_cells, num_values, present, raw_cells, str_values

MAX_PERIODS = 100_000  # a longer horizon is taken for a typo
# period columns: checked against the horizon instead of a numeric range
PERIOD_COLUMNS = {("demand", "period"), ("outages", "first_period"), ("outages", "last_period"),
                  ("periods", "period")}


def check_periods(net, out: Problems) -> set[int] | None:
    """Check the horizon; return the set of valid periods (None: unknown, skip the checks).

    Worked out here rather than with ``net.periods`` so that an absurd period (say 10**12)
    is reported instead of building a list of that many periods.
    """
    ptab = net.table("periods")
    t_param = net.params.get("periods")
    if len(ptab) and present(net, "periods", "period"):
        x = num_values(ptab, "period")
        vals = sorted(int(v) for v in x[np.isfinite(x) & (np.abs(x) <= MAX_PERIODS)])
        if vals != list(range(1, len(x) + 1)):
            out.add(f"table periods: periods must be 1..T without gaps or repeats, found "
                    f"{_short([f'{v:g}' for v in sorted(x)])}")
        if isinstance(t_param, (int, float)) and not isinstance(t_param, bool) \
                and vals and len(set(vals)) != t_param:
            out.add(f"parameter periods={t_param} disagrees with table periods "
                    f"({len(set(vals))} periods)")
        return set(vals)
    if isinstance(t_param, list):
        return set(range(1, len(t_param) + 1))
    if t_param is not None:
        ok = isinstance(t_param, (int, float)) and not isinstance(t_param, bool) \
            and float(t_param).is_integer() and t_param >= 1
        if not ok:
            return None  # reported by _check_params
        if t_param > MAX_PERIODS:
            out.add(f"parameter periods={t_param} is more than {MAX_PERIODS} periods")
            return None
        return set(range(1, int(t_param) + 1))
    # T as the demand spans
    dem = net.table("demand")
    x = num_values(dem, "period") if len(dem) else np.array([])
    x = x[np.isfinite(x)]
    t = int(x.max()) if len(x) and x.max() >= 1 else 1
    if t > MAX_PERIODS:
        out.add(f"demand period {t} makes a horizon of more than {MAX_PERIODS} periods; set the "
                f"parameter periods or fix the demand table")
        return None
    return set(range(1, t + 1))


def _short(values: list, n: int = 12) -> str:
    s = ", ".join(map(str, values[:n]))
    return s + (", ..." if len(values) > n else "")


def check_period_columns(net, out: Problems, horizon: set[int] | None) -> None:
    out_t = net.table("outages")
    if len(out_t) and present(net, "outages", "first_period") \
            and present(net, "outages", "last_period"):
        f, last = num_values(out_t, "first_period"), num_values(out_t, "last_period")
        out.rows(net, "outages", last < f, lambda i: f"last_period={last[i]:g} is before "
                 f"first_period={f[i]:g}", "last_period < first_period")
    if not horizon:
        return
    t = max(horizon)
    allowed = np.array(sorted(horizon), dtype=float)
    where = (f"outside the horizon 1..{t}" if len(horizon) == t else
             f"not a period of table periods ({_short(sorted(horizon))})")
    for name, col in sorted(PERIOD_COLUMNS - {("periods", "period")}):
        df = net.table(name)
        if not len(df) or not present(net, name, col):
            continue
        blank = blank_cells(net, name, col)
        if len(horizon) > 1:  # an empty cell would silently mean period 1
            out.rows(net, name, blank, lambda i, col=col: f"{col} is empty (it would mean period "
                     f"1; the horizon has {len(horizon)} periods)", f"{col} is empty")
        x = num_values(df, col)
        bad = np.isfinite(x) & ~np.isin(x, allowed) & ~blank
        out.rows(net, name, bad, lambda i, x=x, col=col: f"{col}={x[i]:g} is {where}",
                 f"{col} is outside the horizon")


def unclear_period_rows(net, name: str) -> np.ndarray:
    """Rows whose period key was not given as a whole number (blank in a multi-period
    horizon, or fractional): their typed period is a default or a rounding, reported on its
    own, so a 'duplicate key' on it would only mislead."""
    n = len(net.table(name))
    unclear = np.zeros(n, dtype=bool)
    for table, col in PERIOD_COLUMNS:
        if table != name or not present(net, name, col):
            continue
        cells = raw_cells(net, name, col)
        if cells is None or len(cells) != n:
            continue
        x = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            unclear |= np.isfinite(x) & (np.abs(x - np.round(x)) > 1e-9)
        horizon = check_periods(net, Problems())
        if horizon is None or len(horizon) > 1:
            unclear |= blank_cells(net, name, col)
    return unclear


def check_outage_elements(net, out: Problems) -> None:
    ot = net.table("outages")
    if not len(ot) or not present(net, "outages", "element"):
        return
    kind = net.kind_of()
    lanes = net.table("lanes")
    lane_set = set(zip(lanes["origin"].tolist(), lanes["destination"].tolist(), strict=True))
    el = str_values(ot, "element")

    def known(e: str) -> bool:
        if LANE_SEPARATOR in e:
            a, _, b = e.partition(LANE_SEPARATOR)
            return (a.strip(), b.strip()) in lane_set
        return e in kind

    bad = np.array([e != "" and not known(e) for e in el], dtype=bool)
    out.rows(net, "outages", bad, lambda i: f"element {el[i]!r} is neither a node nor a lane "
             f"'origin{LANE_SEPARATOR}destination'", "the element is unknown")
