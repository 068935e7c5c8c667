"""Capable to promise: re-solve the plan with the order (and every earlier promise) added.

Each order becomes its own customer node ``<customer>#<order>`` with copies of the
customer's inbound lanes (their outages too; a lane's finite capacity is shared with the
copies by ``promise_lane_share``) and one demand row: the order's quantity in its
requested period, class ``PROMISE_CLASS`` (backlog, a backlog cost per unit and period and
a penalty far above every other penalty, so the re-solve delivers the order as fully and
as early as it can). The re-solve (``solve_plan``, never ``plan``) adds three hard
families through the ``extra_constraints`` hook:

* ``promise_kept[k,t]``: cumulative deliveries to earlier order k by t >= what was
  promised by t;
* ``promise_protect[c,p,t]``: cumulative deliveries to (c, p) by t >= the plan's, for
  every pair whose segment ranks with or above the order's (a best-effort order never
  takes what the plan delivers to a key account or a committed pair);
* ``promise_lane_share[o,c,t]``: a finite lane o -> c carries the customer's and the
  copies' units together within its capacity.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import pandas as pd
import pyomo.environ as pyo

from ...schema import LANE_SEPARATOR
from ...solve import Deadline
from .._sets import bom_children, bom_order, records
from ..planning import solve_plan
from ..planning.demand import derived_penalty
from .orders import RANK, segments

PROMISE_CLASS = "promise"
TOL = 1e-6
SLACK = 1e-7  # relative slack on the hard promise rows (HiGHS's primal feasibility tolerance)


def pseudo(customer: str, order: str) -> str:
    """The node id standing for one order of ``customer``."""
    return f"{customer}#{order}"


def order_network(net, promises: list[dict]) -> tuple:
    """(network copy with one customer node per order in ``promises``, penalty (money/unit)).

    Each promise dict: order, customer, product, quantity (units of the demand row), period.
    """
    n2 = net.copy()
    base = net.params.get("unmet_penalty")
    base = float(base) if base is not None else derived_penalty(net, bom_children(net),
                                                                bom_order(net))
    n2.params["unmet_penalty"] = base  # more nodes must not change the derived penalty
    cls = net.table("customer_classes")
    pmax = max([base] + [x for x in cls["unmet_penalty"].tolist() if x == x])
    T = len(net.periods)
    penalty = 10.0 * (T + 1) * pmax
    lanes, outages = net.table("lanes"), net.table("outages")
    new_nodes, new_lanes, new_out, new_dem = [], [], [], []
    for pr in promises:
        c, k = pr["customer"], pseudo(pr["customer"], pr["order"])
        new_nodes.append({"id": k, "kind": "customer", "status": "open"})
        into = lanes[lanes["destination"] == c]
        for row in into.to_dict("records"):
            new_lanes.append({**row, "destination": k, "capacity": float("nan")})
            lane = f"{row['origin']}{LANE_SEPARATOR}{c}"
            for o in outages[outages["element"] == lane].to_dict("records"):
                new_out.append({**o, "element": f"{row['origin']}{LANE_SEPARATOR}{k}"})
        for o in outages[outages["element"] == c].to_dict("records"):
            new_out.append({**o, "element": k})
        new_dem.append({"customer": k, "product": pr["product"], "period": int(pr["period"]),
                        "quantity": float(pr["quantity"]), "priority": PROMISE_CLASS})
    n2.set_table("nodes", pd.concat([net.table("nodes"), pd.DataFrame(new_nodes)],
                                    ignore_index=True))
    n2.set_table("lanes", pd.concat([lanes, pd.DataFrame(new_lanes)], ignore_index=True))
    if new_out:
        n2.set_table("outages", pd.concat([outages, pd.DataFrame(new_out)], ignore_index=True))
    n2.set_table("demand", pd.concat([net.table("demand"), pd.DataFrame(new_dem)],
                                     ignore_index=True))
    n2.set_table("customer_classes", pd.concat([cls, pd.DataFrame([{
        "priority": PROMISE_CLASS, "unmet_penalty": penalty, "backlog": True,
        "backlog_cost": penalty / (2.0 * T), "min_fill_rate": 0.0}])], ignore_index=True))
    return n2, penalty


def _arrivals(net2, m: pyo.ConcreteModel) -> dict[tuple[str, str], list[tuple[int, object]]]:
    """{(destination, product): [(arrival period, ship variable)]} of every customer lane."""
    kind = net2.kind_of()
    lead = {(o, d): int(x) for o, d, x in records(net2.table("lanes"),
                                                   ["origin", "destination", "lead_time"])}
    slt = {(s, p): int(x) for s, p, x in records(net2.table("supply"),
                                                  ["supplier", "product", "lead_time"])}
    out: dict[tuple[str, str], list] = defaultdict(list)
    for (o, d, p, t), v in m.ship.items():
        if kind.get(d) == "customer":
            a = t + lead[(o, d)] + (slt.get((o, p), 0) if kind.get(o) == "supplier" else 0)
            out[(d, p)].append((a, v))
    return out


def _cumulative(rows: dict[tuple, dict[int, float]]) -> dict[tuple, float]:
    """{(key..., t): cumulative units by t} at the periods where something arrives."""
    out = {}
    for key, per in rows.items():
        cum = 0.0
        for t in sorted(per):
            cum += per[t]
            if per[t] > TOL:
                out[(*key, t)] = cum
    return out


def resolve(plan_result, promises: list[dict], order: dict | None, deadline: Deadline,
            protect: bool = True, net=None):
    """Solve the plan again with every promise kept and, when ``order`` is given, that order
    added (with ``protect``, the plan's deliveries to every pair of its segment or above
    are kept). ``net``: the network without order nodes (default: the plan's own; a plan
    that is itself a re-solve holds order nodes, so pass the original).

    Returns (Result, model): the model with the ``promise_*`` families."""
    net = plan_result.network if net is None else net
    o, so = plan_result.options
    allp = promises + ([order] if order is not None else [])
    net2, _pen = order_network(net, allp)
    kept = _cumulative({(pseudo(p["customer"], p["order"]),): p["schedule"] for p in promises})
    planned: dict[tuple, dict[int, float]] = {}
    if order is not None and protect:
        seg = segments(net)
        rank = RANK[order["segment"]]
        real = set(net.nodes_of_kind("customer"))
        dl = plan_result.tables["deliveries"]
        for c, p, t, x in records(dl, ["customer", "product", "period", "delivered"]):
            if c in real and RANK[seg.get((c, p), "best_effort")] <= rank and x > TOL:
                planned.setdefault((c, p), {})[int(t)] = x
    protected = _cumulative(planned)
    cap = plan_result.tables["capacity"]
    lane_cap = {(r, int(t)): a for r, typ, t, a in records(cap, ["resource", "type", "period",
                                                                "available"]) if typ == "lane"}
    # a re-solved plan carries the hook of its own re-solve: run the user's hook only
    user_hook = getattr(o.extra_constraints, "user_hook", o.extra_constraints)
    holder: dict[str, pyo.ConcreteModel] = {}

    def hook(m: pyo.ConcreteModel, n2) -> None:
        if user_hook is not None:
            user_hook(m, n2)
        holder["m"] = m
        arr = _arrivals(n2, m)
        prod_of = {pseudo(p["customer"], p["order"]): p["product"] for p in allp}

        def cum(d, p, t):
            return [v for a, v in arr.get((d, p), []) if a <= t]

        m.promise_kept = pyo.Constraint(list(kept), rule=lambda m, k, t: pyo.quicksum(
            cum(k, prod_of[k], t)) >= kept[(k, t)] - SLACK * max(1.0, kept[(k, t)]))
        m.promise_protect = pyo.Constraint(list(protected), rule=lambda m, c, p, t: pyo.quicksum(
            cum(c, p, t)) >= protected[(c, p, t)] - SLACK * max(1.0, protected[(c, p, t)]))
        share: dict[tuple, list] = defaultdict(list)
        owner = {pseudo(p["customer"], p["order"]): p["customer"] for p in allp}
        for (og, d, _p, t), v in m.ship.items():
            c = owner.get(d, d)
            if (f"{og}{LANE_SEPARATOR}{c}", t) in lane_cap and (c != d or c in owner.values()):
                share[(og, c, t)].append(v)
        m.promise_lane_share = pyo.Constraint(list(share), rule=lambda m, og, c, t: pyo.quicksum(
            share[(og, c, t)]) <= lane_cap[(f"{og}{LANE_SEPARATOR}{c}", t)])

    hook.user_hook = user_hook
    o2 = dataclasses.replace(o, extra_constraints=hook)
    res = solve_plan(net2, o2, so, deadline)
    return res, holder.get("m")


def reserved_by(plan_result, promises: list[dict], order: dict, deadline: Deadline,
                got: float, net=None) -> list[str]:
    """The protected pairs the order would take supply from: the plan is solved again
    without ``promise_protect``; when the order then gets more than ``got`` units by its
    requested period, the pairs
    of its segment or above delivered less than in the plan (as 'segment customer (product)')."""
    res, _m = resolve(plan_result, promises, order, deadline, protect=False, net=net)
    if not res.ok:
        return []
    dl = res.tables["deliveries"]
    k = pseudo(order["customer"], order["order"])
    mine = dl[(dl["customer"] == k) & (dl["period"] <= order["period"])]
    if float(mine["delivered"].sum()) <= got + 1e-5 * max(1.0, got):
        return []
    before = plan_result.tables["deliveries"].groupby(["customer", "product"])["delivered"].sum()
    after = dl.groupby(["customer", "product"])["delivered"].sum()
    seg, rank = segments(net or plan_result.network), RANK[order["segment"]]
    out = []
    for (c, p), x in before.items():
        s = seg.get((c, p), "best_effort")
        if RANK[s] <= rank and after.get((c, p), 0.0) < x - TOL * max(1.0, x):
            out.append(f"{s.replace('_', ' ')} {c} ({p})")
    return out


def binding_capacity(res, upto: int) -> list[str]:
    """Capacities full with a marginal value in periods <= ``upto`` (resource, type, period)."""
    cap = res.tables.get("capacity")
    if cap is None or not len(cap):
        return []
    b = cap[(cap["period"] <= upto) & (cap["utilisation"] >= 1 - 1e-6)
            & (cap["marginal_value"].abs() > TOL)]
    return [f"{typ} {r} period {t}" for r, typ, t in records(b, ["resource", "type", "period"])]
