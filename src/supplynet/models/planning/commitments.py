"""Service commitments per (customer, product): committed volume, best effort, service floor.

``commitment_rows`` turns the instance's ``commitments`` table into the plan's ``commit``
index table (models/planning.md, "Commitments"); ``commitment_table`` reports, per pair,
what was committed, delivered and whether the commitment held.
"""

from __future__ import annotations

import math

import pandas as pd

from .._sets import records
from .options import PlanOptions

COLUMNS = ["customer", "product", "segment", "max_quantity", "service_level",
           "quoted_lead_time", "demand", "committed", "excess", "penalty",
           "best_effort_penalty", "relief", "floor"]
RESULT_COLUMNS = ["customer", "product", "segment", "demand", "committed", "delivered",
                  "committed_delivered", "unmet", "best_effort_unmet", "fill_rate",
                  "service_level", "held"]
TOL = 1e-6


def commitment_rows(net, opts: PlanOptions, orders: pd.DataFrame) -> pd.DataFrame:
    """One row per commitment (customer, product) with its volumes over the horizon.

    ``committed`` = sum_t min(demand[c,p,t], max_quantity) (units; 0 for segment
    best_effort, whose demand is all best effort), ``excess`` = demand - committed (units,
    best effort), ``penalty`` the pair's class penalty (money/unit),
    ``best_effort_penalty`` the option or half the class penalty, ``relief`` = penalty -
    best_effort_penalty (>= 0: what a best-effort unit left unmet saves), ``floor``: the
    pair gets a service-level floor (option on, service_level > 0, committed > 0).
    """
    com = net.table("commitments")
    if not len(com):
        return pd.DataFrame(columns=COLUMNS)
    com = com.drop_duplicates(["customer", "product"])
    by_pair: dict[tuple[str, str], list[float]] = {}
    pen: dict[tuple[str, str], float] = {}
    for c, p, x, pe in records(orders, ["customer", "product", "quantity", "penalty"]):
        by_pair.setdefault((c, p), []).append(x)
        pen[(c, p)] = pe
    rows = []
    for c, p, seg, mq, sl, q in records(com, ["customer", "product", "segment", "max_quantity",
                                              "service_level", "quoted_lead_time"]):
        series = by_pair.get((c, p), [])
        cap = mq if isinstance(mq, float) and math.isfinite(mq) else math.inf
        total = float(sum(series))
        committed = 0.0 if seg == "best_effort" else float(sum(min(x, cap) for x in series))
        excess = max(0.0, total - committed)
        pe = pen.get((c, p), 0.0)
        be = opts.best_effort_penalty if opts.best_effort_penalty is not None else pe / 2.0
        rows.append((c, p, seg, mq, sl, int(q), total, committed, excess, pe, be,
                     max(0.0, pe - be), bool(opts.commitment_service_levels and sl > 0
                                             and committed > 0)))
    return pd.DataFrame(rows, columns=COLUMNS)


def commitment_table(commit: pd.DataFrame, deliveries: pd.DataFrame, T: int,
                     best_effort_unmet: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Per commitment: demand, committed, delivered (units over the horizon), committed
    units delivered, unmet (lost + open at T), best_effort_unmet (unmet units above
    max_quantity), fill_rate (committed_delivered / committed, share; NaN when nothing is
    committed), service_level and held (fill_rate >= service_level)."""
    if not len(commit):
        return pd.DataFrame(columns=RESULT_COLUMNS)
    dl = deliveries
    short = dl["lost"] + dl["open_orders"].where(dl["period"] == T, 0.0)
    unmet = short.groupby([dl["customer"], dl["product"]]).sum().to_dict()
    out = []
    for c, p, seg, d, com, exc, sl in records(commit, ["customer", "product", "segment",
                                                       "demand", "committed", "excess",
                                                       "service_level"]):
        u = float(unmet.get((c, p), 0.0))
        cdel = com - max(0.0, u - exc)
        fr = cdel / com if com > 0 else math.nan
        held = bool(com <= 0 or fr >= sl - TOL)
        out.append((c, p, seg, d, com, d - u, cdel, u, best_effort_unmet.get((c, p), 0.0),
                    fr, sl, held))
    res = pd.DataFrame(out, columns=RESULT_COLUMNS)
    res["held"] = res["held"].astype(bool)
    res["fill_rate"] = res["fill_rate"].astype(float)
    return res
