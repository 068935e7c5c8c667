"""Time-unit scaling (``gsm_coarse``) checked against brute-force enumeration.

- all data multiples of g: the instance in units of g has the same optimum (times sqrt(g));
- the coarse relaxation's LP value is a lower bound;
- the lifted coarse plan is feasible; the search in a window around it is at least as good as
  the best plan in the window; the pipeline forced onto the coarse path brackets the optimum;
  a DP too long for the time limit returns a plan no worse than every stage quoting 0.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from gsm_cases import brackets
from test_gsm_random import _what_if, brute_force, random_graph

import supplynet as sn
from supplynet.models.gsm import solve as gsm_solve
from supplynet.models.gsm.coarse import (
    coarse_bound,
    common_unit,
    lift,
    scaled,
)
from supplynet.models.gsm.graph import canonical, inbound_times, prepare
from supplynet.options import SolveOptions


def _small_graphs(seed: int, count: int, t_max: int = 3):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        n = int(rng.integers(3, 6))
        g = random_graph(rng, n, tree=False, t_max=t_max, zero_costs=False, density=0.6)
        top = sum(a["lead_time"] for _, a in g.nodes(data=True)) + 3
        if top ** n <= 1_500_000:
            out.append(g)
    return out


def _times(g: nx.DiGraph, factor: int) -> nx.DiGraph:
    g = g.copy()
    for _, a in g.nodes(data=True):
        for key in ("lead_time", "external_service_time", "max_service_time"):
            if key in a:
                a[key] *= factor
    return g


def test_common_unit_solves_exactly_in_units_of_g():
    """Lead times, external and quoted times multiplied by g: gsm equals brute force on the
    multiplied instance, every service time is a multiple of g, and the message says so."""
    checked = 0
    for i, g in enumerate(_small_graphs(5, 12, t_max=2)):
        factor = 2 + i % 2
        big = _times(g, factor)
        top = sum(a["lead_time"] for _, a in big.nodes(data=True)) + 3 * factor
        if top ** big.number_of_nodes() > 3_000_000:
            continue
        want = brute_force(big)
        data = prepare(big)
        unit = common_unit(data)
        assert unit % factor == 0 or not (data.T.any() or data.ext.any())  # all 0: unit 1
        r = sn.gsm(big, compare_policies=False)
        if want is None:
            assert r.status == "infeasible"
            continue
        assert r.status == "optimal"
        assert r.objective == pytest.approx(want, rel=1e-9, abs=1e-9)
        if unit > 1:
            assert f"units of {unit}" in r.message
            assert (r.stages["outbound_service_time"] % unit == 0).all()
        checked += 1
    assert checked >= 6


def test_common_unit_is_one_when_any_time_breaks_it():
    g = nx.DiGraph()
    g.add_node("a", lead_time=4, holding_cost=1.0, z_sigma=1.0)
    g.add_node("b", lead_time=6, holding_cost=1.0, z_sigma=1.0, max_service_time=2)
    g.add_edge("a", "b")
    assert common_unit(prepare(g)) == 2
    g.nodes["a"]["external_service_time"] = 3
    assert common_unit(prepare(g)) == 1
    g.nodes["a"]["external_service_time"] = 0
    assert common_unit(prepare(g, force_buffer=["b"])) == 1  # tau >= 1 is not a multiple of 2


def test_coarse_relaxation_bounds_the_optimum():
    """On random graphs (no elimination, core = every stage): the coarse pair LP for g = 2, 3
    is at most the brute-force optimum."""
    checked = 0
    for i, g in enumerate(_small_graphs(21, 25, t_max=4)):
        want = brute_force(g)
        if want is None:
            continue
        data = prepare(g)
        best = sn.gsm(g, compare_policies=False)
        S = np.array([int(best.stages.set_index("stage").loc[s, "outbound_service_time"])
                      for s in data.ids])
        assert data.cost_of(S)[0] == pytest.approx(want)
        SI = inbound_times(data, S)
        core = np.ones(data.n, dtype=bool)
        factor = 2 + i % 2
        value = coarse_bound(data, core, factor, S, SI, SolveOptions(), None)
        assert value <= want + 1e-7
        checked += 1
    assert checked >= 15


def test_lifted_coarse_plan_is_feasible():
    """scaled + lift on random graphs: feasible plans (bounds, tau >= 0) whatever the rounding."""
    for i, g in enumerate(_small_graphs(8, 20, t_max=5)):
        data = prepare(g)
        factor = 2 + i % 3
        coarse = scaled(data, factor)
        found = sn.models.gsm.optimize(coarse)
        if found.S is None:
            continue
        S = lift(data, coarse, np.asarray(found.S), factor)
        if S is None:
            continue
        _, _, tau = data.cost_of(S)
        assert (tau >= data.tau_min).all() and (S >= 0).all() and (S <= data.s_max).all()


def test_window_search_is_at_least_the_best_plan_in_the_window():
    """``gsm_solve._window_search`` around a lifted coarse plan (controls on every other graph),
    radius 0 to 2: a feasible plan costing at most the best plan whose (S_k, SI_k) lie within
    the radius of the centre's on every core stage (brute force over the window), and at least
    the optimum; with a radius covering every value, the optimum."""
    from supplynet.models.gsm.dp import fold
    from supplynet.models.gsm.pairs import tightened

    rng = np.random.default_rng(8)
    windows = 0
    for i, g in enumerate(_small_graphs(21, 30, t_max=4)):
        force, forbid, caps = _what_if(rng, g) if i % 2 else ((), (), {})
        want = brute_force(g, force, forbid, caps)
        if want is None:
            continue
        data = prepare(g, force, forbid, caps)
        folded = fold(data)
        if not folded.core.any():
            continue
        center = lift(data, scaled(data, 2), np.zeros(data.n, dtype=np.int64), 2)
        if center is None:
            continue
        S = canonical(data, center)
        SI = inbound_times(data, S)
        core_data = tightened(data, folded.core, folded.free)
        for radius in (0, 1, 2, 100):
            got, _ = gsm_solve._window_search(data, core_data, folded, center, radius,
                                              SolveOptions(), 10.0)
            cost, _, tau = data.cost_of(got)
            assert (tau >= data.tau_min).all() and (got <= data.s_max).all()
            assert cost <= data.cost_of(S)[0] + 1e-9
            inside = {data.ids[k]: (int(S[k]), int(SI[k]))
                      for k in np.flatnonzero(folded.core).tolist()}
            best_inside = brute_force(g, force, forbid, caps, (inside, radius))
            assert cost <= best_inside + 1e-7 * max(1.0, best_inside)
            assert cost >= want - 1e-7 * max(1.0, want)
            if radius == 100:
                assert cost == pytest.approx(want, rel=1e-7, abs=1e-7)
            windows += 1
    assert windows >= 40, windows


def test_pipeline_on_the_coarse_path_brackets_the_optimum(monkeypatch):
    """Forced onto the coarse path (every core counts as large, the coarse instance is tiny; on
    every third graph too large to list, so that the coarse LP bounds it), with random
    force/forbid/cap controls on every other graph: the returned plan is feasible and costs at
    least the brute-force optimum, the bound at most, and a claimed optimum is the optimum."""
    monkeypatch.setattr(gsm_solve, "COARSE_FROM", 0)
    monkeypatch.setattr(gsm_solve, "COARSE_PAIRS", 20)
    bounded = 0
    rng = np.random.default_rng(3)
    seen = 0
    for i, g in enumerate(_small_graphs(33, 30, t_max=4)):
        force, forbid, caps = _what_if(rng, g) if i % 2 else ((), (), {})
        want = brute_force(g, force, forbid, caps)
        if want is None:
            continue
        data = prepare(g, force, forbid, caps)
        monkeypatch.setattr(gsm_solve, "MAX_TABLE_PAIRS", 0 if i % 3 == 0 else 20_000_000)
        out = gsm_solve.solve_mip(data, SolveOptions(), direct_pairs=0)
        bounded += "coarse LP bound" in out.message
        brackets(out, data, want)
        seen += "coarse time units first" in out.message
    assert seen >= 5 and bounded >= 3


def test_dp_too_long_for_the_time_limit_returns_a_coarse_plan():
    """A 200-stage line with lead times 9, 10, 11 (no common unit) and a customer stage hanging
    off every 20th stage (a tree, so not for the serial-line DP) needs ~3e8 DP evaluations;
    with a 0.5 s limit gsm returns a feasible plan at once, no worse than every stage quoting 0
    (cost sum h z_sigma sqrt(T); each customer stage then has tau = 1) and no better than the
    optimum."""
    g = nx.DiGraph()
    for i in range(200):
        g.add_node(i, lead_time=9 + i % 3, holding_cost=1.0 + i / 100, z_sigma=2.0)
        if i:
            g.add_edge(i - 1, i)
        if i % 20 == 0:
            g.add_node(f"c{i}", lead_time=1, holding_cost=1.0, z_sigma=2.0)
            g.add_edge(i, f"c{i}")
    r = sn.gsm(g, time_limit=0.5, compare_policies=False)
    assert r.status == "time_limit" and "time limit" in r.message
    every_stage = sum((1.0 + i / 100) * 2.0 * math.sqrt(9 + i % 3) for i in range(200)) + 10 * 2.0
    assert r.objective <= every_stage + 1e-7
    optimum = sn.gsm(g, compare_policies=False).objective
    assert r.objective >= optimum - 1e-7


def test_coarse_path_with_free_stages(monkeypatch):
    """A zero-cost stage (s1) is fixed at S = 0 by elimination, which tightens its customers'
    bounds; the window around the lifted plan must use the tightened ranges (found in review:
    the window's costs and the eliminated neighbours' unary costs had different lengths and
    the search crashed). Forced onto the coarse path, the result brackets brute force."""
    monkeypatch.setattr(gsm_solve, "COARSE_FROM", 0)
    monkeypatch.setattr(gsm_solve, "COARSE_PAIRS", 20)
    g = nx.DiGraph()
    for s, t, h, z, extra in (("s0", 2, 1.0, 1.0, {}), ("s1", 3, 0.5, 0.0, {}),
                              ("s2", 2, 0.0, 1.0, {"max_service_time": 0}),
                              ("s3", 1, 3.5, 3.0, {}),
                              ("s4", 3, 3.5, 1.0, {"external_service_time": 2}),
                              ("s5", 2, 0.5, 1.7, {"external_service_time": 1})):
        g.add_node(s, lead_time=t, holding_cost=h, z_sigma=z, **extra)
    g.add_edges_from([("s0", "s1"), ("s0", "s2"), ("s0", "s3"), ("s0", "s4"), ("s1", "s2"),
                      ("s1", "s3"), ("s2", "s3"), ("s2", "s5"), ("s3", "s4"), ("s3", "s5")])
    data = prepare(g)
    out = gsm_solve.solve_mip(data, SolveOptions(), direct_pairs=0)
    assert "coarse time units first" in out.message
    brackets(out, data, brute_force(g))


def test_coarse_path_with_a_forced_stage_whose_lead_time_rounds_to_0(monkeypatch):
    """s1 (lead time 1, buffer forced) becomes a forced stage of lead time 0 in units of 2 or
    more: the coarse instance must keep inbound times exact there and upstream (found in
    review: its plan had S = -1 and the search crashed on it). Forced onto the coarse path,
    the result brackets brute force."""
    monkeypatch.setattr(gsm_solve, "COARSE_FROM", 0)
    monkeypatch.setattr(gsm_solve, "COARSE_PAIRS", 20)
    g = nx.DiGraph()
    for s, t, h, z, extra in (("s0", 3, 0.5, 3.0, {}), ("s1", 1, 2.0, 3.0, {}),
                              ("s2", 1, 2.0, 3.0, {"max_service_time": 1}),
                              ("s3", 0, 3.5, 1.7, {"max_service_time": 2})):
        g.add_node(s, lead_time=t, holding_cost=h, z_sigma=z, **extra)
    g.add_edges_from([("s0", "s1"), ("s0", "s2"), ("s1", "s3"), ("s2", "s3")])
    caps = {"s1": 3, "s3": 3}
    data = prepare(g, force_buffer=["s1"], max_service_time=caps)
    out = gsm_solve.solve_mip(data, SolveOptions(), direct_pairs=0)
    assert "coarse time units first" in out.message
    brackets(out, data, brute_force(g, ["s1"], (), caps))
