"""Guaranteed-service safety-stock placement on a stage graph: ``supplynet.gsm``.

Decides the outbound service time S_k of every stage so that the holding cost of safety
stock, sum_k h_k z_sigma_k sqrt(SI_k + T_k - S_k), is least (Simpson 1958; Graves & Willems
2000). Forest-shaped graphs are solved by the tree DP (``gsm_dp``), any acyclic graph by the
exact MIP (``gsm_mip``) through HiGHS; see models/buffers.md for the formulation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ...errors import OptionsError
from ...options import SolveOptions, split_options
from ...results import Result
from .graph import UNBOUNDED, Optimum, StageData, canonical, infeasibility, prepare, repair
from .mip import ENGINES

METHODS = ("auto", "mip", "dp")

log = logging.getLogger(__name__)


@dataclass
class GsmOptions:
    """Options of ``gsm`` (solver options such as time_limit go to SolveOptions).

    Attributes:
        method: "auto" (the serial-line DP on serial lines, the tree DP when the undirected
            stage graph is a forest, the MIP otherwise), "dp" (either DP) or "mip".
        force_buffer: stages that must hold safety stock (net replenishment time >= 1).
        forbid_buffer: stages that must not hold safety stock (net replenishment time = 0).
        max_service_time: {stage: periods} caps on the outbound service time S_k.
        include_pipeline: add the pipeline stock cost sum_k h_k mean_k T_k (a constant: lead
            times are data, so it never changes the decisions) to the objective.
        compare_policies: also solve the reference policies for the ``policies`` table (two
            more solves with the same solver options, usually much easier than the optimum).
            A time limit then covers all three: 85 % for the optimal plan, the policies share
            what is left.
        reduce: presolve the MIP (fold pendant trees into their neighbours by DP, drop stages
            whose safety stock costs nothing); off = the plain MIP on the whole graph.
        max_mip_pairs: largest pair MIP to build (service-time pairs after bounding); default:
            what the time limit leaves room for (about 37 500 pairs per second; 25 000 with the
            Pyomo engine), at most 4 million. Above it the best solution found is returned
            with its bound and gap, status time_limit.
        engine: how the pair MIP is built: "arrays" (default) declares its families as arrays
            straight from the pair and level arrays (supplynet.arrays), "pyomo" as Pyomo
            components (``gsm.mip``, the readable reference); both give the same model
            (tests/test_engine_gsm.py).
    """

    method: str = "auto"
    force_buffer: Iterable = ()
    forbid_buffer: Iterable = ()
    max_service_time: Mapping | None = None
    include_pipeline: bool = False
    compare_policies: bool = True
    reduce: bool = True
    max_mip_pairs: int | None = None
    engine: str = "arrays"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise OptionsError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if isinstance(self.force_buffer, str):
            self.force_buffer = [self.force_buffer]
        if isinstance(self.forbid_buffer, str):
            self.forbid_buffer = [self.forbid_buffer]
        self.force_buffer = list(self.force_buffer or ())
        self.forbid_buffer = list(self.forbid_buffer or ())
        if self.max_service_time is not None and not isinstance(self.max_service_time, Mapping):
            raise OptionsError("max_service_time must be a {stage: periods} mapping")
        if self.max_mip_pairs is not None and (isinstance(self.max_mip_pairs, bool) or not
                                               isinstance(self.max_mip_pairs, int | np.integer)
                                               or self.max_mip_pairs < 0):
            raise OptionsError(f"max_mip_pairs must be a whole number >= 0, got {self.max_mip_pairs!r}")
        if self.engine not in ENGINES:
            raise OptionsError(f"engine must be 'arrays' or 'pyomo', got {self.engine!r}")


def optimize(data: StageData, method: str = "auto", solve_options: SolveOptions | None = None,
             reduce: bool = True, max_mip_pairs: int | None = None,
             engine: str = "arrays") -> Optimum:
    """Optimal outbound service times of ``data`` (status infeasible with reasons if none);
    ``engine`` builds the pair MIP (``GsmOptions.engine``)."""
    reasons = infeasibility(data)
    if reasons:
        return Optimum("infeasible", message="; ".join(reasons), method=method)
    if reduce:
        from .coarse import common_unit, in_common_unit

        g = common_unit(data)
        if g > 1:
            return in_common_unit(data, g, lambda sub: optimize(
                sub, method, solve_options, reduce, max_mip_pairs, engine))
    from .serial import is_serial, solve_serial

    if method != "mip" and is_serial(data):
        log.info("gsm: %d stages in a serial line: serial DP", data.n)
        return _by_dp(data, solve_serial, "serial DP over extreme-point service times "
                                          "(Simpson 1958)")
    too_long = _dp_beyond_time_limit(data, solve_options, engine)
    if too_long is not None and (method == "dp" or reduce):
        return too_long
    use_dp = method == "dp" or (method == "auto" and data.is_forest() and not data.exact_si.any())
    if use_dp:
        if not data.is_forest():
            raise OptionsError("method='dp' needs a stage graph whose undirected graph is a forest "
                               "(no two paths between any two stages); use method='mip'")
        if data.exact_si.any():
            raise OptionsError("method='dp' cannot force a buffer at a stage with lead time 0; "
                               "use method='mip'")
        from .dp import solve_tree

        log.info("gsm: %d stages forming a forest: tree DP", data.n)
        return _by_dp(data, solve_tree, "tree DP (Graves & Willems 2000)")
    from .solve import solve_mip

    log.info("gsm: %d stages, not a forest: the exact MIP pipeline%s", data.n,
             "" if reduce else " without reduction")
    return solve_mip(data, solve_options or SolveOptions(), reduce=reduce,
                     max_mip_pairs=max_mip_pairs, engine=engine)


def _by_dp(data: StageData, solve, how: str) -> Optimum:
    """The Optimum of an exact DP ``solve(data)`` (a gsm_dp.DPSolution), named ``how``."""
    t0 = time.perf_counter()
    sol = solve(data)
    seconds = time.perf_counter() - t0
    log.info("gsm: DP %s in %.2f s", sol.status, seconds)
    if sol.status != "optimal":
        return Optimum("infeasible", method="dp", solve_seconds=seconds,
                       message="no service times satisfy the bounds and what-if controls")
    S = canonical(data, sol.S)
    cost = data.cost_of(S)[0]
    return Optimum("optimal", S, cost, cost, "dp", how, solve_seconds=seconds)


DP_RATE = 1e8  # (SI, S) evaluations per second of the DP, measured on serial chains
MAIN_SHARE = 0.85  # of the time limit for the optimal plan when policies are compared too


def _dp_beyond_time_limit(data: StageData, solve_options: SolveOptions | None,
                          engine: str = "arrays") -> Optimum | None:
    """Deep chains make the DP's work sum_k (si_max_k + 1)(s_max_k + 1) explode (a serial line
    of 2000 stages: ~10^11). When it cannot fit in the time limit, return a feasible plan with
    status time_limit instead of overrunning: the optimum of the instance in a coarser time unit
    (``gsm_coarse``, half the time limit), lifted; else every stage quoting 0."""
    from .coarse import coarse_factor, coarse_plan

    limit = None if solve_options is None else solve_options.time_limit
    if limit is None:
        return None
    work = float(np.sum((data.si_max - data.ext + 1.0) * (data.s_max + 1.0)))
    if work <= DP_RATE * limit:
        return None
    msg = (f"the tree DP / elimination would evaluate {work:.3g} (SI, S) pairs, about "
           f"{work / DP_RATE:.0f} s, more than the time limit of {limit:g} s")
    g = coarse_factor(work, DP_RATE * limit / 2)
    log.info("gsm: %s; coarse time units of %d periods", msg, g)
    half = solve_options.replace(time_limit=limit / 2)
    plans = {f"the optimal plan in units of {g} periods, lifted (gsm_coarse)":
             coarse_plan(data, g, lambda sub: optimize(sub, "auto", half, engine=engine)),
             "every stage quoting its earliest service time (S = 0)":
             repair(data, np.zeros(data.n, dtype=np.int64))}
    plans = {how: canonical(data, S) for how, S in plans.items() if S is not None}
    if not plans:
        return Optimum("time_limit", method="dp", message=msg + "; no feasible solution found")
    how, S = min(plans.items(), key=lambda item: data.cost_of(item[1])[0])
    return Optimum("time_limit", S, data.cost_of(S)[0], None, "dp", f"{msg}; returned: {how}")


def _policy_rows(graph: nx.DiGraph, data: StageData, best: Optimum, opts: GsmOptions,
                 solve_options: SolveOptions, pipeline: float,
                 deadline: float | None = None) -> pd.DataFrame:
    """The reference policies; with a ``deadline`` (perf_counter time) the two that are solved
    share the time left before it."""
    caps = opts.max_service_time
    rows = [("optimal", best.status, best.objective)]
    S0 = np.zeros(data.n, dtype=np.int64)
    rows.append(("buffer every stage", "optimal", data.cost_of(S0)[0]))
    policies = (("buffer finished goods only", data.finished),
                ("buffer customer-facing stages only", data.is_demand))
    for i, (name, keep) in enumerate(policies):
        forbid = [data.ids[k] for k in range(data.n) if not keep[k]]
        d = prepare(graph, forbid_buffer=forbid, max_service_time=caps)
        own = solve_options
        if deadline is not None:  # after prepare, which takes time too
            left = max(0.0, deadline - time.perf_counter())
            own = solve_options.replace(time_limit=max(0.1, left / (len(policies) - i)))
        o = optimize(d, opts.method if opts.method != "dp" or d.is_forest() else "mip",
                     own, opts.reduce, opts.max_mip_pairs, opts.engine)
        rows.append((name, o.status, o.objective))
    out = []
    ref = best.objective
    for name, status, cost in rows:
        total = None if cost is None else cost + pipeline
        out.append({"policy": name, "status": status, "safety_stock_cost": cost, "cost": total,
                    "vs_optimal": (None if cost is None or not ref else cost / ref - 1.0)})
    return pd.DataFrame(out)


def stage_table(data: StageData, S: np.ndarray) -> pd.DataFrame:
    """Per-stage service times, net replenishment times, stocks and roles of a solution."""
    _, SI, tau = data.cost_of(S)
    ss = data.zsigma * np.sqrt(np.maximum(tau, 0))
    quoted = np.where(data.quoted == UNBOUNDED, np.nan, data.quoted.astype(float))
    return pd.DataFrame({
        "stage": data.ids,
        "lead_time": data.T,
        "holding_cost": data.h,
        "demand_mean": data.mean,
        "z_sigma": data.zsigma,
        "max_service_time": quoted,
        "inbound_service_time": SI,
        "outbound_service_time": np.asarray(S),
        "net_replenishment_time": tau,
        "safety_stock": ss,
        "safety_stock_value": data.h * ss,
        "base_stock": data.mean * tau + ss,
        "pipeline_stock": data.mean * data.T,
        "role": np.where(tau > 0, "decoupling point", "pull"),
    })


def gsm(stages: nx.DiGraph | str | Path, solve_options: SolveOptions | None = None,
        **options: Any) -> Result:
    """Optimal guaranteed-service safety stocks of a stage graph.

    Args:
        stages: a ``networkx.DiGraph`` of stages (attributes in ``supplynet.models.gsm.graph``)
            or a path readable by ``read_stage_graph``.
        solve_options: a ``SolveOptions`` to start from (keyword solver options override it).
        **options: ``GsmOptions`` fields (method, force_buffer, forbid_buffer,
            max_service_time, include_pipeline, compare_policies, reduce, max_mip_pairs,
            engine) and ``SolveOptions`` fields (time_limit, mip_gap, threads, log, ...).

    Returns:
        Result(model="gsm") with tables ``stages`` (service times in periods, safety stock in
        units, safety_stock_value = holding cost of that stock in money per period, base stock,
        role), ``costs`` (category, cost in money per period; sums to the objective),
        ``policies`` (reference policies and their costs) and ``kpis``.
    """
    t0 = time.perf_counter()  # the time limit covers reading the stage graph too
    if isinstance(stages, str | Path):
        from .io import read_stage_graph

        stages = read_stage_graph(stages)
    opts, solve_options = split_options(GsmOptions, options, solve_options)
    data = prepare(stages, opts.force_buffer, opts.forbid_buffer, opts.max_service_time)
    prep = time.perf_counter() - t0
    limit = solve_options.time_limit
    main_options = solve_options
    if limit is not None:
        # the time limit covers the whole call: reading the graph counts, and the reference
        # policies share what the main solve leaves
        share = MAIN_SHARE if opts.compare_policies else 1.0
        main_options = solve_options.replace(time_limit=max(0.1, share * limit - prep))
    log.info("gsm: stage graph of %d stages prepared in %.2f s", data.n, prep)
    best = optimize(data, opts.method, main_options, opts.reduce, opts.max_mip_pairs,
                    opts.engine)
    log.info("gsm: %s by %s, safety stock cost %s (money/period; %.2f s)", best.status,
             best.method, "-" if best.objective is None else f"{best.objective:,.6g}",
             time.perf_counter() - t0)
    pipeline = float(np.sum(data.h * data.mean * data.T)) if opts.include_pipeline else 0.0
    result = Result(model="gsm", status=best.status, message=best.message, options=opts,
                    build_seconds=prep + best.build_seconds,
                    handoff_seconds=best.handoff_seconds, solve_seconds=best.solve_seconds,
                    solution=best.solution)
    if best.S is None:
        result.diagnosis = pd.DataFrame({"message": best.message.split("; ")})
        return result
    table = stage_table(data, best.S)
    costs = [{"category": "safety_stock", "cost": float(table["safety_stock_value"].sum())}]
    if opts.include_pipeline:
        costs.append({"category": "pipeline_stock", "cost": pipeline})
    result.objective = float(sum(c["cost"] for c in costs))
    finite = best.bound is not None and np.isfinite(best.bound)
    result.bound = min(best.bound + pipeline, result.objective) if finite else None
    if result.bound is None:
        result.gap = None
    else:
        result.gap = (0.0 if not result.objective else
                      max(0.0, (result.objective - result.bound) / abs(result.objective)))
    result.start_values = {str(s): int(v) for s, v in zip(data.ids, best.S, strict=True)}
    kpis = [("stages", data.n, "count"),
            ("decoupling_points", int((table["role"] != "pull").sum()), "count"),
            ("safety_stock", float(table["safety_stock"].sum()), "units"),
            ("safety_stock_cost", costs[0]["cost"], "money/period")]
    result.tables = {"stages": table, "costs": pd.DataFrame(costs),
                     "kpis": pd.DataFrame(kpis, columns=["kpi", "value", "unit"])}
    result.message = best.message or f"solved by {best.method}"
    if opts.compare_policies:
        deadline = None if limit is None else t0 + limit
        result.tables["policies"] = _policy_rows(stages, data, best, opts, solve_options,
                                                 pipeline, deadline)
        log.info("gsm: reference policies solved (%.2f s elapsed)", time.perf_counter() - t0)
    return result
