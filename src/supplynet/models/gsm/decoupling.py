"""Safety stocks and push/pull decoupling points of a Network: ``supplynet.buffers``.

Derives a guaranteed-service stage graph from the network (one stage per plant or warehouse
and product that flows towards a customer), solves it with ``supplynet.gsm`` and reports
stocks per node and product, and where each customer's orders turn from pull to push.
See models/buffers.md, section "From a network to stages", for every rule used here.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from ...errors import InstanceError, OptionsError
from ...options import SolveOptions, split_options
from ...results import Result
from ...views import bom_children, bom_rows
from .placement import GsmOptions, gsm

if TYPE_CHECKING:
    from ...network import Network

SEP = "|"


@dataclass
class BuffersOptions(GsmOptions):
    """Options of ``buffers``: those of ``supplynet.gsm`` (``GsmOptions``: method,
    include_pipeline, compare_policies, reduce, max_mip_pairs, engine), with stages named as in a
    Network. force_buffer / forbid_buffer: lists of stages, each a (node, product) tuple, a
    "node|product" string or a node id (all products at that node); max_service_time:
    {stage or node: periods}. Solver options such as time_limit go to SolveOptions.
    """


def _value(net) -> dict[str, float]:
    """Unit value per product: products.value, or (if missing or 0) the cheapest supply price,
    or the components' values along the BOM plus the cheapest production cost (closed
    suppliers and plants left out)."""
    prods = net.products
    given = {p: v for p, v in zip(prods["id"].tolist(), prods["value"].tolist(), strict=True)}
    closed = set(net.nodes.loc[net.nodes["status"] == "closed", "id"].tolist())
    sup, prod = net.supply, net.production  # closed suppliers and plants offer nothing
    price = sup[~sup["supplier"].isin(closed)].groupby("product")["price"].min().to_dict()
    make = prod[~prod["plant"].isin(closed)].groupby("product")["cost"].min().to_dict()
    comps = bom_children(net)
    out: dict[str, float] = {}

    def value(p: str, seen: tuple = ()) -> float:
        if p in out:
            return out[p]
        v = given.get(p, math.nan)
        if not (v > 0):
            if p in price and price[p] > 0:
                v = float(price[p])
            elif p not in seen:
                v = sum(q * value(c, seen + (p,)) for c, q in comps.get(p, ())) + make.get(p, 0.0)
            else:
                v = 0.0
        out[p] = float(v)
        return out[p]

    for p in given:
        value(p)
    return out


def stage_graph(net) -> tuple[nx.DiGraph, dict]:
    """The GSM stage graph of a network and the facts needed to report on it.

    Returns (graph, info) where graph nodes are "node|product" with the attributes of
    ``supplynet.models.gsm.graph`` plus node, product, kind; info holds the customer lanes.
    """
    kind = net.kind_of()
    status = dict(zip(net.nodes["id"].tolist(), net.nodes["status"].tolist(), strict=True))
    alive = {n for n, s in status.items() if s != "closed"}
    lanes = net.product_lanes()
    lt = {(o, d): int(t) for o, d, t in zip(net.lanes["origin"].tolist(),
                                             net.lanes["destination"].tolist(),
                                             net.lanes["lead_time"].tolist(), strict=True)}
    rows = [(o, d, p) for o, d, p in zip(lanes["origin"].tolist(), lanes["destination"].tolist(),
                                         lanes["product"].tolist(), strict=True)
            if o in alive and d in alive]
    made = {(pl, p): int(t) for pl, p, t in zip(net.production["plant"].tolist(),
                                                 net.production["product"].tolist(),
                                                 net.production["lead_time"].tolist(), strict=True)
            if pl in alive}
    offer = {(s, p): int(t) for s, p, t in zip(net.supply["supplier"].tolist(),
                                                net.supply["product"].tolist(),
                                                net.supply["lead_time"].tolist(), strict=True)}
    # orient: keep lanes that take a product further (in lanes) from where it is bought or made
    by_p: dict[str, list] = defaultdict(list)
    for o, d, p in rows:
        by_p[p].append((o, d))
    dist: dict[tuple, int] = {}
    for p, arcs in by_p.items():
        adj = defaultdict(list)
        for o, d in arcs:
            adj[o].append(d)
        src = {n for n in {o for o, _ in arcs} if (n, p) in offer or (n, p) in made}
        q = deque(src)
        for s in src:
            dist[(s, p)] = 0
        while q:
            u = q.popleft()
            for v in adj[u]:
                if (v, p) not in dist:
                    dist[(v, p)] = dist[(u, p)] + 1
                    q.append(v)
    keep = [(o, d, p) for o, d, p in rows
            if (o, p) in dist and (d, p) in dist and dist[(o, p)] < dist[(d, p)]]
    g = nx.DiGraph(name=f"{net.name} stages")
    ext: dict = defaultdict(int)
    inbound_lt: dict = defaultdict(int)
    n_sources: dict = defaultdict(int)  # inbound lanes (suppliers included) + own production
    customer_lanes: dict = defaultdict(list)  # stage -> [(customer, lane lead time)]
    lane_arcs = []
    for o, d, p in keep:
        if kind.get(d) == "customer":
            if kind.get(o) in ("plant", "warehouse"):
                customer_lanes[(o, p)].append((d, lt.get((o, d), 0)))
            continue
        if kind.get(d) not in ("plant", "warehouse"):
            continue
        inbound_lt[(d, p)] = max(inbound_lt[(d, p)], lt.get((o, d), 0))
        n_sources[(d, p)] += 1
        if kind.get(o) == "supplier":
            ext[(d, p)] = max(ext[(d, p)], offer.get((o, p), 0))
        elif kind.get(o) in ("plant", "warehouse"):
            lane_arcs.append(((o, p), (d, p)))
    for key in made:
        n_sources[key] += 1
    stages = {s for a in lane_arcs for s in a} | set(customer_lanes) | set(ext)
    # a stage with m sources draws 1/m of its needs from each (equal split, see buffers.md)
    arcs = [(u, v, 1.0 / n_sources[v]) for u, v in lane_arcs]
    # BOM arcs into made stages, repeated until none is added: an in-house intermediate
    # becomes a stage only through its own parent's row, whichever row comes first
    linked: set[tuple] = set()
    grew = True
    while grew:
        grew = False
        for par, c, q in bom_rows(net):
            for pl in sorted(pl for (pl, p) in made if p == par):
                if (pl, c, par) in linked or (pl, par) not in stages:
                    continue
                if (pl, c) in stages or (pl, c) in made:
                    arcs.append(((pl, c), (pl, par), float(q) / n_sources[(pl, par)]))
                    stages.add((pl, c))
                    linked.add((pl, c, par))
                    grew = True
    value = _value(net)
    finished = {p for p, k in zip(net.products["id"].tolist(), net.products["kind"].tolist(),
                                  strict=True) if k == "finished"}
    rates = dict(zip(net.nodes["id"].tolist(), net.nodes["holding_rate"].tolist(), strict=True))
    default_rate = float(net.params.get("holding_rate") or 0.0)
    for n, p in sorted(stages):
        rate = rates.get(n, math.nan)
        rate = default_rate if rate is None or not math.isfinite(rate) else float(rate)
        T = max(made.get((n, p), 0), inbound_lt.get((n, p), 0))
        g.add_node(f"{n}{SEP}{p}", node=n, product=p, kind=kind.get(n), lead_time=T,
                   holding_cost=value.get(p, 0.0) * rate, external_service_time=ext.get((n, p), 0),
                   finished_goods=p in finished)
    for u, v, q in arcs:
        g.add_edge(f"{u[0]}{SEP}{u[1]}", f"{v[0]}{SEP}{v[1]}", quantity=q)
    # keep only stages from which some customer-facing stage can be reached
    facing = {f"{n}{SEP}{p}" for n, p in customer_lanes}
    useful = set(facing)
    for s in facing:
        useful |= nx.ancestors(g, s)
    g.remove_nodes_from([s for s in list(g) if s not in useful])
    if not nx.is_directed_acyclic_graph(g):  # pragma: no cover - defensive: orientation prevents it
        cycle = nx.find_cycle(g)
        path = " -> ".join(str(u) for u, _ in cycle) + f" -> {cycle[0][0]}"
        raise InstanceError(f"the stage graph of the network has a cycle (stages node{SEP}product): "
                            f"{path}; guaranteed service needs an acyclic flow of each product")
    return g, {"customer_lanes": dict(customer_lanes)}


GUARANTEED = ("key_account", "committed")  # segments whose quote is a service-time guarantee
NO_COMMITMENT = "none"  # segment of a pair without a commitments row (demand table's values)


def _commitments(net) -> dict:
    """(customer, product) -> (quoted lead time or inf, service level or None, segment) from the
    commitments table: best-effort pairs get no quote (inf); a service level of 0 (not stated)
    leaves the demand table's."""
    com = net.table("commitments")
    out = {}
    for c, p, q, sl, seg in zip(com["customer"].tolist(), com["product"].tolist(),
                                com["quoted_lead_time"].tolist(), com["service_level"].tolist(),
                                com["segment"].tolist(), strict=True):
        quoted = float(q) if seg in GUARANTEED else math.inf
        out.setdefault((c, p), (quoted, float(sl) if sl > 0 else None, seg))
    return out


def _add_demand(net, g: nx.DiGraph, customer_lanes: dict) -> pd.DataFrame:
    """Demand of customer-facing stages; returns the (customer, product, stage) service table.

    Per customer and product: mean per period = total quantity / number of periods; variance
    per period = mean over periods of std^2; quoted lead time and service level from the
    pair's ``commitments`` row (key_account, committed), else from the demand table (shortest
    quote, highest level); best-effort pairs have no quote (inf) and do not set the level.
    A customer served by m stages gives each 1/m of its mean and std. Stage: mean = sum, std
    = sqrt(sum of squares) (best effort included), service level = highest of its guaranteed
    customers (of all its customers if none is), max_service_time = min over customers of
    (quoted lead time - lane lead time), at least 0 (None if no customer has a quote).
    """
    periods = max(1, len(net.periods))
    d = net.demand
    commits = _commitments(net)
    agg: dict = {}
    for c, p, qty, sd, sl, ql in zip(d["customer"].tolist(), d["product"].tolist(),
                                     d["quantity"].tolist(), d["std"].tolist(),
                                     d["service_level"].tolist(), d["quoted_lead_time"].tolist(),
                                     strict=True):
        a = agg.setdefault((c, p), [0.0, 0.0, 0.0, math.inf])
        a[0] += qty
        a[1] += sd * sd
        a[2] = max(a[2], sl)
        a[3] = min(a[3], ql)
    serving: dict = defaultdict(list)
    for (n, p), cl in customer_lanes.items():
        if f"{n}{SEP}{p}" not in g:
            continue
        for c, lane_lt in cl:
            if (c, p) in agg:
                serving[(c, p)].append((f"{n}{SEP}{p}", lane_lt))
    stage_dem: dict = {}
    rows = []
    for (c, p), lst in serving.items():
        total, var_sum, sl, quoted = agg[(c, p)]
        seg = NO_COMMITMENT
        if (c, p) in commits:
            quoted, level, seg = commits[(c, p)]
            sl = level if level is not None else sl
        m = len(lst)
        mean, std = total / periods / m, math.sqrt(var_sum / periods) / m
        for s, lane_lt in lst:
            e = stage_dem.setdefault(s, [0.0, 0.0, 0.0, math.inf, 0.0])
            e[0] += mean
            e[1] += std * std
            e[4] = max(e[4], sl)  # highest level of all customers, used if none is guaranteed
            if seg != "best_effort":
                e[2] = max(e[2], sl)
            e[3] = min(e[3], quoted - lane_lt)
            rows.append({"customer": c, "product": p, "segment": seg, "stage": s,
                         "lane_lead_time": lane_lt, "quoted_lead_time": quoted,
                         "share": 1.0 / m})
    for s, (mean, var, sl, mst, sl_all) in stage_dem.items():
        g.nodes[s].update(demand_mean=mean, demand_std=math.sqrt(var),
                          service_level=sl if sl > 0 else sl_all,
                          max_service_time=max(0, int(mst)) if math.isfinite(mst) else None)
    return pd.DataFrame(rows, columns=["customer", "product", "segment", "stage",
                                       "lane_lead_time", "quoted_lead_time", "share"])


def _stages_of(items, g: nx.DiGraph) -> list[str]:
    by_node = defaultdict(list)
    for s, a in g.nodes(data=True):
        by_node[a["node"]].append(s)
    out = []
    for it in ([items] if isinstance(items, str) else list(items or ())):
        if isinstance(it, tuple):
            it = f"{it[0]}{SEP}{it[1]}"
        if it in g:
            out.append(it)
        elif it in by_node:
            out += by_node[it]
        else:
            raise OptionsError(f"{it!r} is neither a stage (node|product) nor a node with stock")
    return out


def _decoupling(g: nx.DiGraph, st: pd.DataFrame, service: pd.DataFrame) -> pd.DataFrame:
    S = dict(zip(st["stage"], st["outbound_service_time"], strict=True))
    SI = dict(zip(st["stage"], st["inbound_service_time"], strict=True))
    tau = dict(zip(st["stage"], st["net_replenishment_time"], strict=True))
    out = []
    for c, p, seg, s, lane_lt, quoted in zip(service["customer"], service["product"],
                                             service["segment"], service["stage"],
                                             service["lane_lead_time"],
                                             service["quoted_lead_time"], strict=True):
        path, k = [s], s
        while True:  # follow the supplier whose quote sets the inbound service time
            preds = sorted(g.predecessors(k), key=lambda i: (-S[i], i))
            if not preds or S[preds[0]] < SI[k]:
                break
            k = preds[0]
            path.append(k)
        path.reverse()
        stock = [x for x in path if tau[x] > 0]
        point = stock[-1] if stock else None
        lead = int(S[s]) + int(lane_lt)
        out.append({"customer": c, "product": p, "segment": seg, "serving_stage": s,
                    "path": " > ".join(path + [c]),
                    "decoupling_point": point if point else "none (order reaches the supplier)",
                    "pull_stages": len(path) - 1 - path.index(point) if point else len(path),
                    "customer_lead_time": lead,
                    "quoted_lead_time": float(quoted) if math.isfinite(quoted) else math.nan,
                    "meets_quote": lead <= quoted})
    return pd.DataFrame(out)


def _segments(dec: pd.DataFrame, st: pd.DataFrame) -> pd.DataFrame:
    """Per segment (key_account, committed, best_effort; ``none`` for pairs without a
    commitment): pairs (customer x product), decoupling points (the distinct stages, ", "
    joined), their safety stock (units, each stage once), mean pull stages, mean and longest
    customer lead time (periods), longest quote (periods, NaN for best effort) and the
    pairs that meet their quote."""
    ss = dict(zip(st["stage"], st["safety_stock"], strict=True))
    rows = []
    for seg, grp in dec.groupby("segment", sort=False):
        points = list(dict.fromkeys(grp["decoupling_point"].tolist()))
        pairs = grp.drop_duplicates(["customer", "product"])
        rows.append({"segment": seg, "pairs": len(pairs),
                     "decoupling_points": ", ".join(points),
                     "safety_stock": float(sum(ss.get(x, 0.0) for x in points)),
                     "pull_stages": float(grp["pull_stages"].mean()),
                     "customer_lead_time": float(grp["customer_lead_time"].mean()),
                     "max_customer_lead_time": int(grp["customer_lead_time"].max()),
                     "quoted_lead_time": float(grp["quoted_lead_time"].max()),
                     "pairs_meeting_quote": int(grp.groupby(["customer", "product"])
                                                ["meets_quote"].all().sum())})
    order = {"key_account": 0, "committed": 1, "best_effort": 2}
    out = pd.DataFrame(rows, columns=["segment", "pairs", "decoupling_points", "safety_stock",
                                      "pull_stages", "customer_lead_time",
                                      "max_customer_lead_time", "quoted_lead_time",
                                      "pairs_meeting_quote"])
    return out.sort_values("segment", key=lambda x: x.map(order).fillna(3),
                           kind="stable").reset_index(drop=True)


def _apply(result: Result):
    """The network with each stage's mode and safety stock written into the stock table.

    Push pairs (decoupling points) get the GSM safety stock as their ``safety_stock``
    target. Pull pairs hold no stock beyond the initial stock they already have: their
    safety_stock and target_end are set to 0 (the plan only lets them draw the initial
    stock down); their initial stock is kept.
    """
    net = result.network.copy()
    st = result.tables["stages"]
    stock = net.stock.copy()
    key = {(n, p): i for i, (n, p) in enumerate(zip(stock["node"].tolist(),
                                                     stock["product"].tolist(), strict=True))}
    new = []
    for n, p, ss, role in zip(st["node"], st["product"], st["safety_stock"], st["role"],
                              strict=True):
        push = role == "decoupling point"
        mode, ss = ("push", float(ss)) if push else ("pull", 0.0)
        if (n, p) in key:
            row = stock.index[key[(n, p)]]
            stock.loc[row, ["safety_stock", "mode"]] = [ss, mode]
            if not push:
                stock.loc[row, "target_end"] = 0.0
        else:
            new.append({"node": n, "product": p, "initial": 0.0, "target_end": 0.0,
                        "safety_stock": ss, "mode": mode})
    if new:
        stock = pd.concat([stock, pd.DataFrame(new)], ignore_index=True)
    net.set_table("stock", stock)
    return net


def buffers(net: Network, solve_options: SolveOptions | None = None, **options: Any) -> Result:
    """Guaranteed-service safety stocks and push/pull decoupling points of a Network.

    Args:
        net: a Network (closed facilities are ignored).
        solve_options: a ``SolveOptions`` to start from (keyword solver options override it),
            as ``design`` and ``plan`` take it.
        **options: ``BuffersOptions`` fields and solver options (time_limit, mip_gap, ...).

    Returns:
        Result(model="buffers") with tables ``stages`` (node, product, service times in periods,
        safety stock in units, its holding cost per period, base stock, role, mode),
        ``decoupling`` (per customer and product: segment, path, decoupling point, lead time
        the customer gets vs quoted), ``segments`` (decoupling points per commitment
        segment), ``costs``, ``policies``, ``kpis``; ``apply()`` writes safety_stock and
        mode (push at decoupling points, pull elsewhere) into the network's stock table.
    """
    opts, solve_options = split_options(BuffersOptions, options, solve_options)
    net.validate()  # bad input is named by table and row before the stage graph is read
    g, info = stage_graph(net)
    service = _add_demand(net, g, info["customer_lanes"])
    if g.number_of_nodes() == 0 or service.empty:
        raise InstanceError("no product flows from a plant or warehouse to a customer with "
                            "demand: nothing to buffer")
    caps = {}
    for k, v in (opts.max_service_time or {}).items():
        for s in _stages_of([k], g):
            caps[s] = v
    stages = {"force_buffer": _stages_of(opts.force_buffer, g),
              "forbid_buffer": _stages_of(opts.forbid_buffer, g), "max_service_time": caps}
    r = gsm(g, **(vars(opts) | stages), **vars(solve_options))
    result = Result(model="buffers", status=r.status, objective=r.objective, bound=r.bound,
                    gap=r.gap, message=r.message, diagnosis=r.diagnosis, network=net,
                    options=opts, build_seconds=r.build_seconds,
                    handoff_seconds=r.handoff_seconds, solve_seconds=r.solve_seconds,
                    solution=r.solution, applier=_apply, start_values=r.start_values)
    if r.objective is None:
        return result
    st = r.stages.copy()
    st.insert(0, "product", [g.nodes[s]["product"] for s in st["stage"]])
    st.insert(0, "node", [g.nodes[s]["node"] for s in st["stage"]])
    st["mode"] = np.where(st["role"] == "decoupling point", "push", "pull")
    dec = _decoupling(g, st, service)
    result.tables = {"stages": st, "decoupling": dec, "segments": _segments(dec, st),
                     "costs": r.costs, "kpis": r.tables["kpis"]}
    if "policies" in r.tables:
        result.tables["policies"] = r.policies
    return result
