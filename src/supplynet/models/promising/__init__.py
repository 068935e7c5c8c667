"""Order promising on a plan: available to promise (ATP), then capable to promise (CTP).

``promise(plan_result, orders)`` quotes, for each new order in turn (as given, or by
priority), the earliest delivery periods and quantities. ATP first: the plan's stock that
no planned delivery, safety stock, end target or earlier promise needs, at the nodes with a
lane into the customer, shipped a lane lead time ahead. When ATP cannot deliver the whole
order in its requested period, CTP: the plan is solved again with the order added (and
every earlier promise kept) and the order's deliveries are read from it. A promise binds
the next one. The formulation is in models/promising.md with the same names.
"""

from __future__ import annotations

import pandas as pd

from ...errors import InstanceError
from ...solve import Deadline
from .atp import Stock
from .ctp import binding_capacity, reserved_by, resolve
from .orders import read_orders

__all__ = ["COLUMNS", "promise", "resolve"]

COLUMNS = ["order", "customer", "product", "segment", "quantity", "requested_period", "period",
           "promised_quantity", "source", "met", "reason"]
TOL = 1e-6


def _better(new: dict[int, float], old: dict[int, float], q: float) -> bool:
    """Does schedule ``new`` ({period: units}) promise more units than ``old`` beyond solver
    noise (TOL x the order), or as many units earlier (unit-weighted mean period)? A tie
    keeps ``old`` (ATP: the plan is not changed for nothing)."""
    a, b = sum(new.values()), sum(old.values())
    if abs(a - b) > TOL * max(1.0, q):
        return a > b

    def mean_period(sched: dict[int, float]) -> float:
        total = sum(sched.values())
        return sum(t * x for t, x in sched.items()) / total if total > 0 else 0.0

    return mean_period(new) < mean_period(old) - 1e-9


def promise(plan_result, orders: pd.DataFrame, sequence: str = "given",
            time_limit: float | None = None) -> pd.DataFrame:
    """Promise ``orders`` against ``plan_result`` (a plan Result with a solution).

    ``orders``: columns order, customer, product, quantity (units), period (requested,
    1..T), optional priority (``sequence='priority'``: smaller first). ``time_limit``
    (seconds) bounds all CTP re-solves together. Returns one row per promised period of
    each order (one row with period NA and promised_quantity 0 when refused): order,
    customer, product, segment, quantity, requested_period, period, promised_quantity
    (units), source (atp, ctp or refused), met (the whole quantity in the requested
    period) and reason (where the units come from, or which stock, capacity or
    reservation binds).
    """
    if getattr(plan_result, "model", None) != "plan" or not plan_result.ok \
            or "inventory" not in plan_result.tables:
        raise InstanceError("promise needs the Result of sn.plan with a solution "
                            f"(got model={getattr(plan_result, 'model', None)!r}, "
                            f"status={getattr(plan_result, 'status', None)!r})")
    net = plan_result.network
    od = read_orders(net, orders, sequence)
    o, so = plan_result.options
    if time_limit is not None:
        so = so.replace(time_limit=time_limit)
    deadline = Deadline.of(so)
    current = plan_result
    stock = Stock(current)
    promises: list[dict] = []
    rows: list[tuple] = []
    T = len(net.periods)
    for oid, c, p, q, t, _pr, seg in od.itertuples(index=False, name=None):
        head = (oid, c, p, seg, q, t)
        atp, legs, why_atp = stock.available(c, p, t, q)
        atp = {a: round(x, 6) for a, x in atp.items()}
        source, sched, reason = "atp", atp, ""
        if atp.get(t, 0.0) < q - TOL:
            order = {"order": oid, "customer": c, "product": p, "quantity": q, "period": t,
                     "segment": seg, "net": net}
            res, _m = resolve(current, promises, order, deadline, net=net)
            ctp = {}
            if res.ok:
                dl = res.tables["deliveries"]
                mine = dl[(dl["customer"] == f"{c}#{oid}")
                          & (dl["delivered"] > 1e-5 * max(1.0, q))]  # not solver noise
                ctp = {int(a): round(float(x), 6) for a, x in zip(
                    mine["period"].tolist(), mine["delivered"].tolist(), strict=True)}
            if ctp and _better(ctp, atp, q):
                source, sched, current = "ctp", ctp, res
                stock = Stock(current)  # the new plan holds every promise so far
                reason = _ctp_reason(res, current, promises, order, deadline, ctp, q, t, T)
            elif atp:
                reason = f"{why_atp}; re-solving the plan does not promise more or earlier" \
                    if why_atp else "re-solving the plan does not promise earlier"
                if res.ok:
                    extra = _ctp_reason(res, current, promises, order, deadline, ctp, q, t, T)
                    reason = f"{reason}; {extra}" if extra else reason
            else:
                source, sched = "refused", {}
                reason = (_ctp_reason(res, current, promises, order, deadline, ctp, q, t, T)
                          if res.ok else f"the plan with the order could not be solved "
                          f"({res.status})")
        if source == "atp":
            for n, s, _a, x in legs:
                stock.take(n, c, p, s, x)
            nodes = sorted({n for n, *_ in legs})
            src = f"stock at {', '.join(nodes)}"
            reason = src if not reason else f"{src}; {reason}"
            if sum(sched.values()) < q - TOL or any(a > t for a in sched):
                reason = f"{reason}; {why_atp}" if why_atp and why_atp not in reason else reason
        total = sum(sched.values())
        met = bool(sched.get(t, 0.0) >= q - TOL)
        if sched:
            promises.append({"order": oid, "customer": c, "product": p, "quantity": total,
                             "period": t, "schedule": dict(sched), "segment": seg})
            for a in sorted(sched):
                rows.append((*head, a, sched[a], source, met, reason))
        else:
            rows.append((*head, pd.NA, 0.0, "refused", False, reason or why_atp))
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["period"] = out["period"].astype("Int64")
    out["met"] = out["met"].astype(bool)
    return out


def _ctp_reason(res, current, promises: list[dict], order: dict, deadline: Deadline,
                ctp: dict[int, float], q: float, t: int, T: int) -> str:
    """Why the re-solved plan delivers the order late, in part or not at all."""
    total = sum(ctp.values())
    if ctp.get(t, 0.0) >= q - TOL:
        return "extra supply in the re-solved plan"
    parts = []
    res_by = reserved_by(current, promises, order, deadline, ctp.get(t, 0.0),
                         net=order["net"])
    if res_by:
        parts.append("supply reserved for " + ", ".join(res_by))
    caps = binding_capacity(res, max(ctp) if ctp else T)
    if caps:
        parts.append("binding: " + ", ".join(caps[:4]))
    if not parts:
        parts.append(f"no stock or supply of {order['product']} reaches {order['customer']} "
                     f"sooner (lead times, stock)")
    head = f"{total:g} of {q:g} units by period {max(ctp)}" if ctp else "nothing can be promised"
    return f"{head}: {'; '.join(parts)}"
