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
           "best_effort_penalty", "relief", "floor", "premium"]
RESULT_COLUMNS = ["customer", "product", "segment", "demand", "committed", "delivered",
                  "committed_delivered", "unmet", "best_effort_unmet", "fill_rate",
                  "service_level", "fill_rate_held", "lead_time", "max_lead_time",
                  "quoted_lead_time", "lead_time_held", "held"]
TOL = 1e-6


def commitment_rows(net, opts: PlanOptions, orders: pd.DataFrame,
                    serve_bound: float = 0.0) -> pd.DataFrame:
    """One row per commitment (customer, product) with its volumes over the horizon.

    ``committed`` = sum_t min(demand[c,p,t], max_quantity) (units; 0 for segment
    best_effort, whose demand is all best effort), ``excess`` = demand - committed (units,
    best effort), ``penalty`` the pair's class penalty (money/unit),
    ``best_effort_penalty`` the option or half the class penalty, ``relief`` = penalty -
    best_effort_penalty (>= 0: what a best-effort unit left unmet saves), ``floor``: the
    pair gets a service-level floor (option on, service_level > 0, committed > 0),
    ``premium`` (money/unit) what a committed unit of a key account left unmet costs on
    top of its penalty (option ``key_account_priority``, key accounts with committed
    volume, else 0): the largest penalty of any demand row plus ``serve_bound`` (money/unit,
    an upper bound on what serving one unit can cost), so no optimal plan leaves such a
    unit unmet to serve another one or to save cost.
    """
    com = net.table("commitments")
    if not len(com):
        return pd.DataFrame(columns=COLUMNS)
    com = com.drop_duplicates(["customer", "product"])
    by_pair: dict[tuple[str, str], list[float]] = {}
    pen: dict[tuple[str, str], float] = {}
    top_penalty = float(orders["penalty"].max()) if len(orders) else 0.0
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
        premium = (top_penalty + serve_bound if opts.key_account_priority
                   and seg == "key_account" and committed > 0 else 0.0)
        rows.append((c, p, seg, mq, sl, int(q), total, committed, excess, pe, be,
                     max(0.0, pe - be), bool(opts.commitment_service_levels and sl > 0
                                             and committed > 0), premium))
    return pd.DataFrame(rows, columns=COLUMNS)


def lead_times(deliveries: pd.DataFrame) -> dict[tuple[str, str], tuple[float, int]]:
    """(customer, product) -> (mean, longest) periods from demand to delivery of the units
    delivered, first in first out: in each period the demand joins the queue of open
    orders, the units delivered (arriving at the customer) leave it from the oldest, then
    the units lost. A pair with nothing delivered is absent."""
    out = {}
    dl = deliveries.sort_values(["customer", "product", "period"], kind="stable")
    for (c, p), grp in dl.groupby(["customer", "product"], sort=False):
        queue: list[list] = []  # [period of demand, units still open]
        total = units = 0.0
        longest = 0
        for t, dem, got, lost in records(grp, ["period", "demand", "delivered", "lost"]):
            if dem > TOL:
                queue.append([t, float(dem)])
            for amount, delivered in ((got, True), (lost, False)):
                while amount > TOL and queue:
                    take = min(amount, queue[0][1])
                    if delivered:
                        total += take * (t - queue[0][0])
                        units += take
                        longest = max(longest, int(t - queue[0][0]))
                    amount -= take
                    queue[0][1] -= take
                    if queue[0][1] <= TOL:
                        queue.pop(0)
        if units > TOL:
            out[(c, p)] = (total / units, longest)
    return out


def commitment_table(commit: pd.DataFrame, deliveries: pd.DataFrame, T: int,
                     best_effort_unmet: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Per commitment: demand, committed, delivered (units over the horizon), committed
    units delivered, unmet (lost + open at T), best_effort_unmet (unmet units above
    max_quantity), fill_rate (committed_delivered / committed, share; NaN when nothing is
    committed), service_level, fill_rate_held (fill_rate >= service_level), lead_time and
    max_lead_time (mean and longest periods from demand to delivery, ``lead_times``; NaN
    when nothing was delivered), quoted_lead_time, lead_time_held (lead_time <=
    quoted_lead_time; always for best effort, which has no quote, and when nothing was
    delivered) and held (both)."""
    if not len(commit):
        return pd.DataFrame(columns=RESULT_COLUMNS)
    dl = deliveries
    short = dl["lost"] + dl["open_orders"].where(dl["period"] == T, 0.0)
    unmet = short.groupby([dl["customer"], dl["product"]]).sum().to_dict()
    lt = lead_times(dl)
    out = []
    for c, p, seg, d, com, exc, sl, q in records(commit, ["customer", "product", "segment",
                                                          "demand", "committed", "excess",
                                                          "service_level",
                                                          "quoted_lead_time"]):
        u = float(unmet.get((c, p), 0.0))
        cdel = com - max(0.0, u - exc)
        fr = cdel / com if com > 0 else math.nan
        fr_held = bool(com <= 0 or fr >= sl - TOL)
        mean, longest = lt.get((c, p), (math.nan, math.nan))
        lt_held = bool(seg == "best_effort" or math.isnan(mean) or mean <= q + TOL)
        out.append((c, p, seg, d, com, d - u, cdel, u, best_effort_unmet.get((c, p), 0.0),
                    fr, sl, fr_held, mean, longest, q, lt_held, fr_held and lt_held))
    res = pd.DataFrame(out, columns=RESULT_COLUMNS)
    for col in ("fill_rate_held", "lead_time_held", "held"):
        res[col] = res[col].astype(bool)
    for col in ("fill_rate", "lead_time", "max_lead_time"):
        res[col] = res[col].astype(float)
    return res
