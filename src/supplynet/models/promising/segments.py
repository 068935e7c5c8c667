"""Segments as a decision aid: what moving a pair to another segment costs, by re-solving.

``segment_moves(plan_result)`` takes each (customer, product) pair of a plan, moves it one
step (best effort -> committed, committed -> best effort, key account -> committed), solves
the plan again with the changed ``commitments`` row and reports the change in cost. The
formulation of each re-solve is the plan's own (models/planning.md, "Commitments"); this
module only writes the commitments rows (models/promising.md, "Segment moves").
"""

from __future__ import annotations

import logging
import math

import pandas as pd

from ...errors import InstanceError
from ...solve import Deadline
from .._sets import records
from ..planning import solve_plan
from .orders import segments

log = logging.getLogger(__name__)

#: the move studied for each segment (one step; key accounts are only moved down)
MOVE = {"best_effort": "committed", "committed": "best_effort", "key_account": "committed"}
COLUMNS = ["customer", "product", "segment", "to_segment", "demand", "status", "cost",
           "cost_change", "cost_change_per_unit", "fill_rate", "fill_rate_after", "note"]


def segment_moves(plan_result, pairs=None, service_level: float = 0.95,
                  time_limit: float | None = None) -> pd.DataFrame:
    """The cost of moving each pair of ``plan_result`` (a solved plan) to another segment.

    ``pairs``: (customer, product) tuples or a DataFrame with those columns (default: every
    pair with demand). A best-effort pair becomes ``committed``: all its demand committed
    (its own row's max_quantity when it has one) at ``service_level`` (share; its own
    row's when that is > 0); a committed pair becomes ``best_effort``; a key account
    becomes ``committed``. Each move is solved alone on the plan's network and options;
    ``time_limit`` (seconds) bounds all re-solves together.

    Returns one row per pair, cheapest move first: customer, product, segment, to_segment,
    demand (units over the horizon), status of the re-solve, cost (money/horizon, the
    re-solved plan's total cost without the priority premium), cost_change (cost − the
    plan's, money/horizon; negative: the move saves), cost_change_per_unit (money/unit of
    the pair's demand), fill_rate and fill_rate_after (the pair's share of demand
    delivered), note (why a move cannot be solved, e.g. a service level the network cannot
    hold).
    """
    if getattr(plan_result, "model", None) != "plan" or not plan_result.ok:
        raise InstanceError("segment_moves needs the Result of sn.plan with a solution "
                            f"(got model={getattr(plan_result, 'model', None)!r}, "
                            f"status={getattr(plan_result, 'status', None)!r})")
    if not 0.0 < service_level <= 1.0:
        raise InstanceError(f"service_level must be in (0, 1], got {service_level!r}")
    net = plan_result.network
    demand = net.table("demand")
    by_pair = demand.groupby(["customer", "product"])["quantity"]
    total, mean = by_pair.sum().to_dict(), by_pair.mean().to_dict()
    wanted = _pairs(pairs, total)
    o, so = plan_result.options
    if time_limit is not None:
        so = so.replace(time_limit=time_limit)
    deadline = Deadline.of(so)
    seg = segments(net)
    base = _cost(plan_result)
    before = _fill_rates(plan_result)
    rows = []
    for c, p in wanted:
        now = seg.get((c, p), "best_effort")
        to = MOVE[now]
        net2 = net.copy()
        net2.set_table("commitments", _moved(net.table("commitments"), c, p, to,
                                             mean[(c, p)], service_level))
        res = solve_plan(net2, o, so, deadline)
        log.info("segment_moves: %s %s %s -> %s: %s", c, p, now, to, res.status)
        cost = _cost(res) if res.ok else math.nan
        note = "" if res.ok else (
            f"the plan with ({c}, {p}) {to.replace('_', ' ')} has no solution ({res.status})"
            + (": the network cannot deliver the service level" if res.status == "infeasible"
               else ""))
        after = _fill_rates(res).get((c, p), math.nan) if res.ok else math.nan
        rows.append((c, p, now, to, total[(c, p)], res.status, cost, cost - base,
                     (cost - base) / total[(c, p)] if total[(c, p)] > 0 else math.nan,
                     before.get((c, p), math.nan), after, note))
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values("cost_change_per_unit", kind="stable", na_position="last",
                           ignore_index=True)


def _pairs(pairs, total: dict) -> list[tuple[str, str]]:
    """The pairs asked for, checked against the demand table."""
    if pairs is None:
        return sorted(total)
    if isinstance(pairs, pd.DataFrame):
        pairs = records(pairs, ["customer", "product"])
    out = [(str(c), str(p)) for c, p in pairs]
    bad = [f"({c}, {p})" for c, p in out if (c, p) not in total]
    if bad:
        raise InstanceError("segment_moves: no demand for " + ", ".join(bad[:5])
                            + (" ..." if len(bad) > 5 else ""))
    return out


def _moved(com: pd.DataFrame, c: str, p: str, to: str, mean: float,
           service_level: float) -> pd.DataFrame:
    """The commitments table with (c, p) in segment ``to`` (a new row commits all demand:
    max_quantity NaN)."""
    com = com.copy()
    mine = (com["customer"] == c) & (com["product"] == p)
    if mine.any():
        com.loc[mine, "segment"] = to
        if to == "committed":
            sl = com.loc[mine, "service_level"]
            com.loc[mine, "service_level"] = sl.where(sl > 0, service_level)
        return com
    row = {"customer": c, "product": p, "segment": to, "service_level": service_level,
           "mean_demand": mean}
    return pd.concat([com, pd.DataFrame([row])], ignore_index=True)


def _cost(res) -> float:
    """The plan's total cost without the priority premium (money/horizon)."""
    costs = res.tables["costs"].set_index("category")["cost"]
    return float(res.objective) - float(costs.get("priority", 0.0))


def _fill_rates(res) -> dict[tuple[str, str], float]:
    """(customer, product) -> units delivered / demand over the horizon (share)."""
    dl = res.tables["deliveries"]
    g = dl.groupby(["customer", "product"])[["delivered", "demand"]].sum()
    return {k: (d / q if q > 0 else math.nan)
            for k, d, q in zip(g.index, g["delivered"], g["demand"], strict=True)}
