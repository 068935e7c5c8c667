"""Why a plan is infeasible: solve it again without each hard constraint in turn."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import numpy as np
import pandas as pd

from ...options import SolveOptions
from ...solve import Deadline
from .._sets import active_nodes, records
from .options import PlanOptions
from .run import solve_plan

COLUMNS = ["kind", "element", "product", "period", "amount", "message"]
SHOWN = 5  # shortfalls and full capacities named per diagnosis


def _relaxed(net, o: PlanOptions, name: str):
    """(network, options) without the hard constraint ``name``; None when it is not there."""
    if name == "min_fill_rates":
        return net, dataclasses.replace(o, min_fill_rates=False, extra_constraints=None)
    o2 = dataclasses.replace(o, extra_constraints=None)
    if name == "storage_capacity":
        caps = net.table("nodes")["storage_capacity"].astype(float)
        if not o.storage or not np.isfinite(caps).any():
            return None
        return net, dataclasses.replace(o2, storage=False)
    if name == "co2_cap":
        if net.params.get("co2_cap") is None or not o.co2:
            return None
        n2 = net.copy()
        n2.params["co2_cap"] = None
        return n2, o2
    st = net.table("stock")
    if not len(st) or not (st["target_end"] > 0).any():
        return None
    n2 = net.copy()
    n2.set_table("stock", st.assign(target_end=0.0))
    return n2, o2


def diagnose(net, o: PlanOptions, so: SolveOptions, deadline: Deadline) -> pd.DataFrame:
    """Which hard constraint makes the plan infeasible (min fill rates, CO2 cap, end
    targets, storage capacities): each is dropped in turn and the plan solved again (never
    diagnosed again); and whether the candidate facilities the plan left out would make it
    feasible."""
    rows = []
    for name in ("min_fill_rates", "co2_cap", "target_end", "storage_capacity"):
        relaxed = _relaxed(net, o, name)
        if relaxed is None:
            continue
        r = solve_plan(*relaxed, so, deadline)
        if not r.ok:
            continue
        rows.append({"kind": "constraint", "element": name, "product": "", "period": None,
                     "amount": None, "message": f"the plan becomes feasible without {name}; "
                     f"it conflicts with the capacities, lead times and other hard limits"})
        if name == "min_fill_rates":
            missed = _missed_fill_rates(r.fill_rates)
            rows += missed + _shortfalls(r.tables["deliveries"], {m["element"] for m in missed})
            rows += _full_capacities(r.tables["capacity"]) + _outages(net)
    cands = net.nodes["status"].eq("candidate").any()
    if cands and not o.include_candidates:
        r = solve_plan(net, dataclasses.replace(o, include_candidates=True,
                                                extra_constraints=None), so, deadline)
        if r.ok:
            rows.append({"kind": "candidates", "element": "include_candidates", "product": "",
                         "period": None, "amount": None,
                         "message": "the plan becomes feasible with the candidate facilities: "
                         "pass include_candidates=True (or open them with a design)"})
    if not rows:
        rows.append({"kind": "constraint", "element": "", "product": "", "period": None,
                     "amount": None, "message": "no single hard constraint (min fill rates, CO2 "
                     "cap, end targets, storage capacities) explains the infeasibility; check extra_constraints."})
    return pd.DataFrame(rows, columns=COLUMNS)


def _reached(net, lanes: pd.DataFrame, allowed: set[str]) -> set[tuple[str, str]]:
    """(node, product) pairs a product can reach from where it is bought, made or stocked,
    over the product's lanes between ``allowed`` nodes (components are not checked)."""
    seen: set[tuple[str, str]] = set()
    for s, p in records(net.table("supply"), ["supplier", "product"]):
        if s in allowed:
            seen.add((s, p))
    for i, p in records(net.table("production"), ["plant", "product"]):
        if i in allowed:
            seen.add((i, p))
    for n, p, x in records(net.table("stock"), ["node", "product", "initial"]):
        if n in allowed and x > 0:
            seen.add((n, p))
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for o, d, p in records(lanes, ["origin", "destination", "product"]):
        if o in allowed and d in allowed:
            out[(o, p)].append(d)
    stack = list(seen)
    while stack:
        n, p = stack.pop()
        for d in out.get((n, p), ()):
            if (d, p) not in seen:
                seen.add((d, p))
                stack.append((d, p))
    return seen


def unreachable(net, o: PlanOptions) -> pd.DataFrame:
    """One diagnosis row per (customer, product) with demand that no facility the plan may
    use (open or existing; candidates with include_candidates=True) can bring to it."""
    dem = net.table("demand")
    dem = dem[dem["quantity"] > 0]
    if not len(dem):
        return pd.DataFrame(columns=COLUMNS)
    total = dem.groupby(["customer", "product"], sort=True)["quantity"].sum()
    customers = set(net.nodes_of_kind("customer"))
    lanes = net.product_lanes()
    allowed = active_nodes(net, include_candidates=o.include_candidates) | customers
    reached = _reached(net, lanes, allowed)
    missing = [(c, p, q) for (c, p), q in total.items() if (c, p) not in reached]
    if not missing:
        return pd.DataFrame(columns=COLUMNS)
    with_cands = reached if o.include_candidates else _reached(
        net, lanes, active_nodes(net, include_candidates=True) | customers)
    status = dict(zip(net.nodes["id"].tolist(), net.nodes["status"].tolist(), strict=True))
    into: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a, d, p in records(lanes, ["origin", "destination", "product"]):
        into[(d, p)].append(a)
    rows = []
    for c, p, q in missing:
        srcs = sorted(set(into.get((c, p), [])))
        cand = [n for n in srcs if status.get(n) == "candidate"]
        closed = [n for n in srcs if status.get(n) == "closed"]
        if not srcs:
            why = "no lane brings the product to it"
        elif (c, p) in with_cands and cand:
            why = (f"no open or existing facility can reach it (only candidate "
                   f"{', '.join(cand)}; pass include_candidates=True)")
        elif (c, p) in with_cands:
            why = ("no open or existing facility can reach it (it can only be reached through "
                   "candidate facilities; pass include_candidates=True)")
        elif closed and len(closed) == len(srcs):
            why = f"no open or existing facility can reach it (its lanes come from closed " \
                  f"{', '.join(closed)})"
        else:
            why = (f"no open or existing facility can reach it (the facilities with a lane "
                   f"to it, {', '.join(srcs)}, cannot get the product)")
        rows.append({"kind": "unreachable", "element": c, "product": p, "period": None,
                     "amount": float(q),
                     "message": f"customer {c}, product {p}: {q:g} units demanded but {why}"})
    return pd.DataFrame(rows, columns=COLUMNS)


def _missed_fill_rates(fill_rates: pd.DataFrame) -> list[dict]:
    """One row per class whose committed fill rate the plan without commitments misses."""
    fr = fill_rates.groupby("priority")[["demand", "delivered", "min_fill_rate"]].agg(
        {"demand": "sum", "delivered": "sum", "min_fill_rate": "first"})
    rows = []
    for k, row in fr.iterrows():
        got = row["delivered"] / row["demand"] if row["demand"] > 0 else 1.0
        if got < row["min_fill_rate"] - 1e-9:
            rows.append({"kind": "min_fill_rate", "element": k, "product": "", "period": None,
                         "amount": float(got),
                         "message": f"class {k}: committed fill rate {row['min_fill_rate']:.3g}, "
                         f"the least-cost plan without the commitment delivers {got:.3g}"})
    return rows


def _shortfalls(deliveries: pd.DataFrame, classes: set) -> list[dict]:
    """The largest undelivered quantities (customer, product) of the classes in ``classes``
    in the plan without commitments: where the commitment cannot be met (units)."""
    d = deliveries[deliveries["priority"].isin(classes)]
    if not len(d):
        return []
    short = (d.assign(short=d["demand"] - d["delivered"])
             .groupby(["customer", "product", "priority"], sort=False)[["short", "demand"]].sum())
    short = short[short["short"] > 1e-6].sort_values("short", ascending=False).head(SHOWN)
    return [{"kind": "shortfall", "element": c, "product": p, "period": None, "amount": float(x),
             "message": f"customer {c}, product {p} (class {k}): {x:.6g} of {q:.6g} units not "
             f"delivered by the least-cost plan without the commitment"}
            for (c, p, k), x, q in zip(short.index, short["short"], short["demand"], strict=True)]


def _full_capacities(capacity: pd.DataFrame) -> list[dict]:
    """Resources used to the full in some period of the plan without commitments, dearest
    first by marginal value (money per unit of the resource, summed over those periods)."""
    # a resource with nothing available (capacity 0, an outage) is full when it is wanted
    idle = (capacity["available"] <= 1e-9) & ((capacity["required_load"] > 1e-9)
                                              | (capacity["marginal_value"].fillna(0.0) > 1e-9))
    full = capacity[(capacity["utilisation"] >= 1.0 - 1e-6) | idle]
    if not len(full):
        return []
    agg = (full.assign(mv=full["marginal_value"].fillna(0.0))
           .groupby(["resource", "type"], sort=False)
           .agg(periods=("period", list), mv=("mv", "sum")))
    agg = agg.sort_values("mv", ascending=False).head(SHOWN)
    rows = []
    for (res, kind), periods, mv in zip(agg.index, agg["periods"], agg["mv"], strict=True):
        when = _runs(sorted(periods))
        rows.append({"kind": "capacity", "element": res, "product": "", "period": None,
                     "amount": float(mv),
                     "message": f"{res} {kind.replace('_', ' ')} is full in period(s) {when}"
                     + (f" (marginal value {mv:.6g} money per unit over them)" if mv > 0 else "")})
    return rows


def _outages(net) -> list[dict]:
    """The disruptions of the instance (a node or lane with capacity cut in some periods):
    a resource that is out has no capacity row to be full, so it is named from the data."""
    out = net.table("outages")
    rows = []
    for e, a, b, f in records(out.head(SHOWN), ["element", "first_period", "last_period",
                                                "capacity_factor"]):
        what = "out of service" if f <= 0 else f"at {100 * f:.3g} % of its capacity"
        rows.append({"kind": "outage", "element": e, "product": "", "period": int(a),
                     "amount": float(f), "message": f"{e} is {what} in period(s) "
                     f"{_runs(list(range(int(a), int(b) + 1)))} (outages table)"})
    return rows


def _runs(periods: list[int]) -> str:
    """'2-5, 8' for [2, 3, 4, 5, 8]."""
    out, start = [], None
    for i, t in enumerate(periods):
        if start is None:
            start = t
        if i + 1 == len(periods) or periods[i + 1] != t + 1:
            out.append(str(start) if start == t else f"{start}-{t}")
            start = None
    return ", ".join(out)
