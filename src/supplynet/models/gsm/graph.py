"""Stage-graph preparation for the guaranteed-service model (GSM).

``prepare(graph, ...)`` checks a ``networkx.DiGraph`` of stages, collects every problem
into one ``InstanceError`` naming the stage, and returns a ``StageData``: plain numpy
arrays in topological order that the tree DP (``gsm_dp``) and the MIP (``gsm_mip``) read.

Node attributes (units in brackets):
    lead_time               T_k, processing time [whole periods], required
    holding_cost            h_k [money per unit per period], required
    demand_mean, demand_std external demand at the stage [units per period]; a stage with
                            either attribute is a demand (customer-facing) stage
    service_level or z      cycle service level in (0, 1) or safety factor z_k (z wins);
                            default service level 0.95
    max_service_time        bound on the outbound service time S_k [periods]; for demand
                            stages the service time quoted to customers (none = no bound)
    external_service_time   service time an outside supplier guarantees the stage [periods],
                            SI_k >= external_service_time (default 0)
    z_sigma                 demand-bound coefficient z*sigma [units], used as given instead
                            of the pooled value
    finished_goods          bool, marks finished-goods stages for the policy comparison
Edge attribute: quantity, units of the upstream stage per unit of the downstream one (default 1).

Pooled variability (Graves & Willems 2000; Humair & Willems 2011, appendix):
    phi[i, d] = units of stage i per unit of demand stage d, summed over all paths
    z_sigma_i = sqrt(sum_d (phi[i, d] * z_d * sigma_d)^2),  mean_i = sum_d phi[i, d] * mu_d.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import networkx as nx
import numpy as np

from ...errors import InstanceError, OptionsError

DEFAULT_SERVICE_LEVEL = 0.95
UNBOUNDED = -1  # marker for "no max_service_time" in integer arrays


@dataclass
class StageData:
    """A checked stage graph as arrays, stages in topological order (index = position).

    Attributes (all numpy arrays of length n unless said otherwise):
        ids: stage ids; index: {id: position}.
        T: lead time [periods]; h: holding cost [money/unit/period];
        zsigma: demand-bound coefficient z*sigma [units]; mean: mean demand through
        the stage [units/period]; ext: external service time [periods];
        s_max: largest admissible outbound service time S_k (bounds and path bound applied);
        si_max: largest inbound service time SI_k that can matter;
        quoted: max_service_time as given (UNBOUNDED = none);
        tau_min: 1 for stages forced to hold stock, else 0; tau_zero: stages forbidden to hold stock;
        exact_si: stages whose SI must equal max(ext, S of suppliers): forced stages whose
        lead time is 0 (an inflated SI would fake their buffer) and every stage upstream of
        one (an inflated SI there would let quotes rise along a chain to fake it);
        is_demand, finished: bool arrays; preds/succs: lists of positions;
        arcs: (m, 2) int array of (upstream, downstream) positions; quantity: (m,) float.
    """

    name: str
    ids: list
    index: dict
    T: np.ndarray
    h: np.ndarray
    zsigma: np.ndarray
    mean: np.ndarray
    ext: np.ndarray
    s_max: np.ndarray
    si_max: np.ndarray
    quoted: np.ndarray
    tau_min: np.ndarray
    tau_zero: np.ndarray
    exact_si: np.ndarray
    is_demand: np.ndarray
    finished: np.ndarray
    preds: list
    succs: list
    arcs: np.ndarray
    quantity: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def cost_coef(self) -> np.ndarray:
        """h_k * z_sigma_k: safety-stock cost per period at tau = 1 [money/period]."""
        return self.h * self.zsigma

    def is_forest(self) -> bool:
        """True when the underlying undirected graph has no cycle (the tree DP applies)."""
        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        g.add_edges_from(self.arcs.tolist())
        return len(self.arcs) == 0 or nx.is_forest(g)

    def cost_of(self, S: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(safety-stock cost, SI, tau) of outbound service times S, SI = max(ext, S of suppliers)."""
        SI = inbound_times(self, S)
        tau = SI + self.T - np.asarray(S)
        return float(np.sum(self.cost_coef * np.sqrt(np.maximum(tau, 0)))), SI, tau


@dataclass
class Optimum:
    """Outcome of one optimization of a StageData (service times S in periods)."""

    status: str
    S: np.ndarray | None = None
    objective: float | None = None  # safety-stock cost of S [money/period]
    bound: float | None = None
    method: str = ""
    message: str = ""
    build_seconds: float = 0.0
    handoff_seconds: float = 0.0
    solve_seconds: float = 0.0
    solution: Any = field(default=None, repr=False)


def repair(data: StageData, S: np.ndarray) -> np.ndarray | None:
    """Feasible service times from S that may break arcs: SI_k := max(ext_k, S_i) in topological
    order, S_k lowered to SI_k + T_k - tau_min_k (set to SI_k + T_k at forbidden stages);
    None when a bound is then violated."""
    S = np.asarray(S, dtype=np.int64).copy()
    for k in range(data.n):
        m = max([int(data.ext[k])] + [int(S[i]) for i in data.preds[k]])
        top = m + int(data.T[k])
        S[k] = top if data.tau_zero[k] else min(int(S[k]), top - int(data.tau_min[k]))
        if S[k] < 0 or (data.quoted[k] != UNBOUNDED and S[k] > data.quoted[k]):
            return None
    return S


def exact_inbound(T: np.ndarray, tau_min: np.ndarray, preds: list) -> np.ndarray:
    """Stages whose SI must equal max(ext, S of suppliers): forced stages of lead time 0 (an
    inflated SI would fake their buffer) and every stage from which one can be reached (an
    inflated SI there would let quotes rise along a chain to fake it)."""
    exact = (tau_min > 0) & (T == 0)
    stack = np.flatnonzero(exact).tolist()
    while stack:
        for i in preds[stack.pop()]:
            if not exact[i]:
                exact[i] = True
                stack.append(i)
    return exact


def inbound_times(data: StageData, S: np.ndarray) -> np.ndarray:
    """SI_k = max(ext_k, max over suppliers i of S_i) [periods]."""
    S = np.asarray(S)
    SI = data.ext.copy()
    if len(data.arcs):
        np.maximum.at(SI, data.arcs[:, 1], S[data.arcs[:, 0]])
    return SI


def canonical(data: StageData, S: np.ndarray) -> np.ndarray:
    """Service times with every inbound time at its true value (no cost increase).

    Solvers may return SI_k above max(ext_k, S_i) (a free upper slack). In topological order
    set SI_k to the true maximum and lower S_k so that 0 <= tau_k (and tau_k >= 1 for forced
    stages, tau_k = 0 for forbidden ones): tau never grows, so the cost never grows.
    """
    S = np.asarray(S, dtype=np.int64).copy()
    SI = data.ext.copy()
    for k in range(data.n):
        m = max([int(data.ext[k])] + [int(S[i]) for i in data.preds[k]])
        SI[k] = m
        top = m + int(data.T[k])
        if data.tau_zero[k]:
            S[k] = top
        else:
            S[k] = min(int(S[k]), top - int(data.tau_min[k]))
    return S


def _num(value, stage, attr, problems, *, integer=False, lo=None, hi=None, open_lo=False,
         open_hi=False):
    """A number from a node attribute, or None (problem recorded) when it does not fit."""
    if isinstance(value, bool):
        problems.append(f"stage {stage!r}: {attr} must be a number, got {value!r}")
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        problems.append(f"stage {stage!r}: {attr} must be a number, got {value!r}")
        return None
    if not math.isfinite(x):
        problems.append(f"stage {stage!r}: {attr} must be finite, got {value!r}")
        return None
    if integer and x != round(x):
        problems.append(f"stage {stage!r}: {attr} must be a whole number of periods, got {value!r}")
        return None
    if lo is not None and (x < lo or (open_lo and x == lo)):
        problems.append(f"stage {stage!r}: {attr} must be {'>' if open_lo else '>='} {lo}, got {value!r}")
        return None
    if hi is not None and (x > hi or (open_hi and x == hi)):
        problems.append(f"stage {stage!r}: {attr} must be {'<' if open_hi else '<='} {hi}, got {value!r}")
        return None
    return int(round(x)) if integer else x


def _given(attrs: Mapping, key: str) -> bool:
    v = attrs.get(key)
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _stage_list(names: Iterable, graph: nx.DiGraph, what: str) -> list:
    if isinstance(names, str | int):
        names = [names]
    out = list(names)
    unknown = [s for s in out if s not in graph]
    if unknown:
        raise OptionsError(f"{what}: unknown stage(s) {', '.join(map(repr, unknown))}")
    return out


def prepare(graph: nx.DiGraph, force_buffer: Iterable = (), forbid_buffer: Iterable = (),
            max_service_time: Mapping | None = None) -> StageData:
    """Check ``graph`` and return its ``StageData``; raise InstanceError listing every problem.

    ``force_buffer`` stages must hold safety stock (tau >= 1), ``forbid_buffer`` stages must not
    (tau = 0), ``max_service_time`` {stage: periods} caps S_k on top of the node attribute.
    """
    if not isinstance(graph, nx.DiGraph) or graph.is_multigraph():
        raise InstanceError("the stage graph must be a networkx.DiGraph (not a multigraph)")
    force = _stage_list(force_buffer, graph, "force_buffer")
    forbid = _stage_list(forbid_buffer, graph, "forbid_buffer")
    caps = dict(max_service_time or {})
    _stage_list(caps, graph, "max_service_time")
    both = sorted(set(force) & set(forbid), key=str)
    if both:
        raise OptionsError(f"stage(s) {', '.join(map(repr, both))} are both forced and forbidden "
                           "to hold stock")
    problems: list[str] = []
    if graph.number_of_nodes() == 0:
        raise InstanceError("the stage graph has no stages")
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        path = " -> ".join(str(u) for u, _ in cycle) + f" -> {cycle[0][0]}"
        raise InstanceError(f"the stage graph has a cycle: {path}")
    order = list(nx.lexicographical_topological_sort(graph, key=str))
    index = {s: i for i, s in enumerate(order)}
    n = len(order)
    T = np.zeros(n, dtype=np.int64)
    h = np.zeros(n)
    ext = np.zeros(n, dtype=np.int64)
    quoted = np.full(n, UNBOUNDED, dtype=np.int64)
    is_demand = np.zeros(n, dtype=bool)
    mu = np.zeros(n)
    zs_own = np.zeros(n)  # z_d * sigma_d of external demand at the stage
    override = np.full(n, np.nan)
    fin_given = np.zeros(n, dtype=bool)
    fin = np.zeros(n, dtype=bool)
    for i, s in enumerate(order):
        a = graph.nodes[s]
        for key in ("lead_time", "holding_cost"):
            if not _given(a, key):
                problems.append(f"stage {s!r}: missing {key}")
        if _given(a, "lead_time"):
            v = _num(a["lead_time"], s, "lead_time", problems, integer=True, lo=0)
            T[i] = 0 if v is None else v
        if _given(a, "holding_cost"):
            v = _num(a["holding_cost"], s, "holding_cost", problems, lo=0)
            h[i] = 0.0 if v is None else v
        if _given(a, "external_service_time"):
            v = _num(a["external_service_time"], s, "external_service_time", problems,
                     integer=True, lo=0)
            ext[i] = 0 if v is None else v
        if _given(a, "max_service_time"):
            v = _num(a["max_service_time"], s, "max_service_time", problems, integer=True, lo=0)
            quoted[i] = UNBOUNDED if v is None else v
        if _given(a, "demand_mean") or _given(a, "demand_std"):
            is_demand[i] = True
            m = _num(a.get("demand_mean", 0.0) if _given(a, "demand_mean") else 0.0, s,
                     "demand_mean", problems, lo=0)
            sd = _num(a.get("demand_std", 0.0) if _given(a, "demand_std") else 0.0, s,
                      "demand_std", problems, lo=0)
            mu[i] = m or 0.0
            if _given(a, "z"):
                z = _num(a["z"], s, "z", problems, lo=0)
            else:
                sl = a.get("service_level", DEFAULT_SERVICE_LEVEL)
                sl = DEFAULT_SERVICE_LEVEL if not _given(a, "service_level") else sl
                sl = _num(sl, s, "service_level", problems, lo=0, hi=1, open_lo=True, open_hi=True)
                z = None if sl is None else NormalDist().inv_cdf(sl)
                if z is not None and z < 0:
                    problems.append(f"stage {s!r}: service_level {sl} gives a negative safety "
                                    "factor z; use a service level of at least 0.5")
                    z = None
            zs_own[i] = (z or 0.0) * (sd or 0.0)
        if _given(a, "z_sigma"):
            v = _num(a["z_sigma"], s, "z_sigma", problems, lo=0)
            override[i] = np.nan if v is None else v
        if "finished_goods" in a and a["finished_goods"] is not None:
            fin_given[i] = True
            fin[i] = bool(a["finished_goods"])
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    arcs, qty = [], []
    for u, v, a in graph.edges(data=True):
        q = a.get("quantity", 1.0)
        q = 1.0 if q is None else q
        try:
            qf = float(q)
        except (TypeError, ValueError):
            qf = math.nan
        if isinstance(q, bool) or not math.isfinite(qf) or qf <= 0:
            problems.append(f"arc {u!r} -> {v!r}: quantity must be a number > 0, got {q!r}")
            qf = 1.0
        iu, iv = index[u], index[v]
        preds[iv].append(iu)
        succs[iu].append(iv)
        arcs.append((iu, iv))
        qty.append(qf)
    for k in range(n):
        preds[k].sort()
        succs[k].sort()
    arcs_a = np.array(arcs, dtype=np.int64).reshape(-1, 2)
    qty_a = np.array(qty, dtype=float)
    if problems:
        raise InstanceError(problems, source=str(graph.graph.get("name", "stage graph")))

    zsigma, mean = pooled(n, succs, arcs_a, qty_a, is_demand, zs_own, mu)
    zsigma = np.where(np.isnan(override), zsigma, override)

    # Finished goods: given, or stages with no assembly downstream of them.
    if not fin_given.any():
        merge_below = np.zeros(n, dtype=bool)
        for k in reversed(range(n)):
            merge_below[k] = any(len(preds[j]) > 1 or merge_below[j] for j in succs[k])
        fin = ~merge_below
    tau_min = np.zeros(n, dtype=np.int64)
    tau_zero = np.zeros(n, dtype=bool)
    for s in force:
        tau_min[index[s]] = 1
    for s in forbid:
        tau_zero[index[s]] = True
    cap = quoted.copy()
    for s, c in caps.items():
        if c is None:
            continue
        v = _num(c, s, "max_service_time option", problems, integer=True, lo=0)
        if v is None:
            raise OptionsError(problems[-1])
        k = index[s]
        cap[k] = v if cap[k] == UNBOUNDED else min(cap[k], v)

    s_max, si_max = path_bounds(T, ext, tau_min, cap, preds)
    exact_si = exact_inbound(T, tau_min, preds)
    return StageData(
        name=str(graph.graph.get("name", "stage graph")), ids=order, index=index, T=T, h=h,
        zsigma=zsigma, mean=mean, ext=ext, s_max=s_max, si_max=si_max, quoted=cap,
        tau_min=tau_min, tau_zero=tau_zero, exact_si=exact_si, is_demand=is_demand,
        finished=fin, preds=preds, succs=succs, arcs=arcs_a, quantity=qty_a)


def path_bounds(T: np.ndarray, ext: np.ndarray, tau_min: np.ndarray, cap: np.ndarray,
                preds: list) -> tuple[np.ndarray, np.ndarray]:
    """(s_max, si_max): S_k <= SI_k + T_k - tau_min_k and the cap, SI_k <= max(ext_k, max S_i),
    in topological order. A negative bound is clipped to 0 (``infeasibility`` reports it)."""
    n = len(T)
    s_max = np.zeros(n, dtype=np.int64)
    si_max = np.zeros(n, dtype=np.int64)
    for k in range(n):
        si_max[k] = max([int(ext[k])] + [int(s_max[i]) for i in preds[k]])
        top = int(si_max[k] + T[k] - tau_min[k])
        s_max[k] = top if cap[k] == UNBOUNDED else min(top, int(cap[k]))
    return np.maximum(s_max, 0), si_max


def pooled(n: int, succs: list, arcs: np.ndarray, qty: np.ndarray, is_demand: np.ndarray,
           zs_own: np.ndarray, mu: np.ndarray, block: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(z_sigma, mean) of every stage from the demand stages below it.

    phi[i, d] = [i == d] + sum_{k in succ(i)} q_ik phi[k, d] (stages in topological order,
    so a reverse sweep sees successors first); computed in blocks of demand stages.
    """
    dem = np.flatnonzero(is_demand)
    q_of = {(int(a), int(b)): float(q) for (a, b), q in zip(arcs.tolist(), qty.tolist(), strict=True)}
    var = np.zeros(n)
    mean = np.zeros(n)
    for start in range(0, len(dem), block):
        cols = dem[start:start + block]
        phi = np.zeros((n, len(cols)))
        phi[cols, np.arange(len(cols))] = 1.0
        for i in reversed(range(n)):
            for k in succs[i]:
                phi[i] += q_of[(i, k)] * phi[k]
        var += (phi * phi) @ (zs_own[cols] ** 2)
        mean += phi @ mu[cols]
    return np.sqrt(var), mean


def infeasibility(data: StageData) -> list[str]:
    """Reasons why no service times satisfy the bounds and what-if controls (empty = feasible).

    Lower bounds propagate in topological order: SI_k >= max(ext_k, lower S_i); a stage
    forbidden to hold stock has S_k = SI_k + T_k. Infeasible when a lower bound exceeds the
    stage's max_service_time, or a forced stage with lead time 0 has no supplier (nor external
    service time) that can quote 1 period or more.
    """
    out = []
    lo_s = np.zeros(data.n, dtype=np.int64)
    for k in range(data.n):
        lo_si = max([int(data.ext[k])] + [int(lo_s[i]) for i in data.preds[k]])
        lo_s[k] = lo_si + data.T[k] if data.tau_zero[k] else 0
        cap = data.quoted[k]
        if cap != UNBOUNDED and lo_s[k] > cap:
            out.append(f"stage {data.ids[k]!r}: without stock there its outbound service time is at "
                       f"least {lo_s[k]} periods, above its max_service_time {cap}")
        if data.tau_min[k] > 0 and data.T[k] == 0 and data.ext[k] < 1 and not any(
                data.s_max[i] >= 1
                                                             for i in data.preds[k]):
            out.append(f"stage {data.ids[k]!r} is forced to hold stock but its lead time is 0 and no "
                       "supplier can quote a service time of 1 period or more")
    return out
