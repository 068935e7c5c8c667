"""Randomized cross-checks of the three GSM algorithms.

- the full MIP (no elimination) equals the tree DP on hundreds of random trees;
- on small random acyclic graphs with undirected cycles, the full MIP and the reduced MIP
  (elimination, column generation, reduced-cost fixing, forced even when small) equal a
  brute-force enumeration of every vector of outbound service times, with what-if controls.
The brute force below uses only the problem's definition, none of supplynet's code.
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from gsm_cases import brackets
from hypothesis import given, settings
from hypothesis import strategies as st

import supplynet as sn
from supplynet.models.gsm.graph import prepare
from supplynet.models.gsm.solve import solve_mip
from supplynet.options import SolveOptions


def random_graph(rng: np.random.Generator, n: int, tree: bool, t_max: int = 3,
                 zero_costs: bool = True, density: float = 0.45) -> nx.DiGraph:
    g = nx.DiGraph()
    hs = [0.0, 0.5, 1.0, 2.0, 3.5] if zero_costs else [0.5, 1.0, 2.0, 3.5]
    zs = [0.0, 1.0, 1.7, 3.0] if zero_costs else [1.0, 1.7, 3.0]
    for i in range(n):
        attrs = {"lead_time": int(rng.integers(0, t_max + 1)),
                 "holding_cost": float(rng.choice(hs)), "z_sigma": float(rng.choice(zs))}
        if rng.random() < 0.3:
            attrs["external_service_time"] = int(rng.integers(0, 3))
        if rng.random() < 0.35:
            attrs["max_service_time"] = int(rng.integers(0, 3))
        g.add_node(f"s{i}", **attrs)
    if tree:
        for i in range(1, n):
            j = int(rng.integers(0, i))
            u, v = (f"s{j}", f"s{i}") if rng.random() < 0.5 else (f"s{i}", f"s{j}")
            g.add_edge(u, v)
    else:
        for i in range(n):
            for j in range(i + 1, n):
                if rng.random() < density:
                    g.add_edge(f"s{i}", f"s{j}")
    return g


def brute_force(g: nx.DiGraph, force=(), forbid=(), caps=None, window=None) -> float | None:
    """min sum h z_sigma sqrt(tau) over all integer S, SI_k = max(ext_k, S of suppliers);
    ``window`` = ({stage: (S, SI)}, r) keeps only plans within r of those values."""
    caps = caps or {}
    center, radius = window or ({}, 0)
    nodes = list(nx.topological_sort(g))
    pos = {s: i for i, s in enumerate(nodes)}
    a = [g.nodes[s] for s in nodes]
    T = np.array([x["lead_time"] for x in a])
    ext = np.array([x.get("external_service_time", 0) for x in a])
    top = int(T.sum() + ext.max())
    ranges = []
    for s, x in zip(nodes, a, strict=True):
        hi = top
        for cap in (x.get("max_service_time"), caps.get(s)):
            if cap is not None:
                hi = min(hi, cap)
        ranges.append(range(hi + 1))
    S = np.array(list(itertools.product(*ranges)), dtype=np.int64)
    cost = np.zeros(len(S))
    ok = np.ones(len(S), dtype=bool)
    for s, x in zip(nodes, a, strict=True):
        k = pos[s]
        si = np.full(len(S), ext[k])
        for p in g.predecessors(s):
            si = np.maximum(si, S[:, pos[p]])
        tau = si + T[k] - S[:, k]
        ok &= tau >= (1 if s in force else 0)
        if s in forbid:
            ok &= tau == 0
        cost += x["holding_cost"] * x["z_sigma"] * np.sqrt(np.maximum(tau, 0))
        if s in center:
            ok &= (np.abs(S[:, k] - center[s][0]) <= radius) & (np.abs(si - center[s][1]) <= radius)
    return float(cost[ok].min()) if ok.any() else None


def test_mip_equals_tree_dp_on_random_trees():
    rng = np.random.default_rng(20240601)
    checked = 0
    for _ in range(200):
        g = random_graph(rng, int(rng.integers(2, 8)), tree=True)
        dp = sn.gsm(g, method="dp", compare_policies=False)
        mip = sn.gsm(g, method="mip", reduce=False, compare_policies=False)
        assert dp.status == mip.status == "optimal"
        assert mip.objective == pytest.approx(dp.objective, rel=1e-7, abs=1e-7)
        checked += 1
    assert checked == 200


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 9))
def test_tree_dp_equals_mip_property(seed, n):
    g = random_graph(np.random.default_rng(seed), n, tree=True, t_max=4)
    dp = sn.gsm(g, method="dp", compare_policies=False)
    mip = sn.gsm(g, method="mip", reduce=False, compare_policies=False)
    assert mip.objective == pytest.approx(dp.objective, rel=1e-7, abs=1e-7)


def _what_if(rng, g):
    nodes = list(g)
    force = [s for s in nodes if rng.random() < 0.15]
    forbid = [s for s in nodes if s not in force and rng.random() < 0.15]
    caps = {s: int(rng.integers(0, 4)) for s in nodes if rng.random() < 0.15}
    return force, forbid, caps


def test_mip_equals_brute_force_on_random_general_graphs():
    rng = np.random.default_rng(7)
    cycles = 0
    paths: dict[str, int] = {}
    for trial in range(80):
        n = int(rng.integers(3, 7))
        g = random_graph(rng, n, tree=False, t_max=2, zero_costs=trial % 4 == 0,
                         density=0.6)
        top = sum(a["lead_time"] for _, a in g.nodes(data=True)) + 3
        if top ** n > 3_000_000:
            continue
        force, forbid, caps = _what_if(rng, g) if trial % 2 else ((), (), {})
        want = brute_force(g, force, forbid, caps)
        opts = dict(force_buffer=force, forbid_buffer=forbid, max_service_time=caps,
                    compare_policies=False)
        full = sn.gsm(g, method="mip", reduce=False, **opts)
        data = prepare(g, force, forbid, caps)
        reduced = solve_mip(data, SolveOptions(), reduce=True, direct_pairs=0)
        lagr = solve_mip(data, SolveOptions(), reduce=True, direct_pairs=0, lp_pairs=0)
        if want is None:
            assert full.status == "infeasible" and reduced.status == "infeasible"
            assert lagr.status == "infeasible"
            continue
        assert lagr.status == "optimal", lagr.message
        assert lagr.objective == pytest.approx(want, rel=1e-7, abs=1e-7)
        assert full.status == "optimal", full.message
        assert reduced.status == "optimal", reduced.message
        assert full.objective == pytest.approx(want, rel=1e-7, abs=1e-7)
        assert reduced.objective == pytest.approx(want, rel=1e-7, abs=1e-7)
        # the reported plan satisfies the controls
        stt = full.stages.set_index("stage")
        for s in force:
            assert stt.loc[s, "net_replenishment_time"] >= 1
        for s in forbid:
            assert stt.loc[s, "net_replenishment_time"] == 0
        for s, c in caps.items():
            assert stt.loc[s, "outbound_service_time"] <= c
        if not nx.is_forest(g.to_undirected()):
            cycles += 1
        path = reduced.message.split(" ")[0]
        paths[path] = paths.get(path, 0) + 1
    assert cycles >= 30
    # every route of the reduced solver was taken: elimination only, bounds closing the gap, MIP
    assert {"solved", "bounds", "MIP"} <= set(paths), paths


def test_brute_force_agrees_on_a_hand_case():
    """The brute force itself, on the serial case of test_gsm_hand (optimum 5 sqrt 2)."""
    g = nx.DiGraph()
    g.add_node("1", lead_time=2, holding_cost=1.0, z_sigma=1.0)
    g.add_node("2", lead_time=1, holding_cost=2.0, z_sigma=1.0)
    g.add_node("3", lead_time=1, holding_cost=4.0, z_sigma=1.0, max_service_time=0)
    g.add_edges_from([("1", "2"), ("2", "3")])
    assert brute_force(g) == pytest.approx(5 * math.sqrt(2))


def test_size_limit_returns_a_feasible_solution_and_a_valid_bound():
    """With no room for the MIP (max_mip_pairs=0) the solver returns the search's solution and
    a lower bound (spanning-tree relaxation, Lagrangian/LP) that bracket the brute-force optimum;
    the spanning-tree relaxation alone is a lower bound; count_pairs counts pair_table. The
    bounds alone prove most of these small graphs; those they do not are stopped."""
    from supplynet.models.gsm.dp import tree_heuristic
    from supplynet.models.gsm.pairs import count_pairs, pair_table

    rng = np.random.default_rng(11)
    stopped = proven = 0
    for trial in range(60):
        n = int(rng.integers(4, 7))
        g = random_graph(rng, n, tree=False, t_max=3, zero_costs=False, density=0.6)
        top = sum(a["lead_time"] for _, a in g.nodes(data=True)) + 3
        if top ** n > 2_000_000:
            continue
        force, forbid, caps = _what_if(rng, g) if trial % 3 == 0 else ((), (), {})
        want = brute_force(g, force, forbid, caps)
        data = prepare(g, force, forbid, caps)
        every = np.ones(data.n, dtype=bool)
        assert count_pairs(data, every) == len(pair_table(data, every).pair_k)
        if want is None:
            continue
        S_tree, tree_bound = tree_heuristic(data)
        if tree_bound is not None:
            assert tree_bound <= want + 1e-7
            assert data.cost_of(S_tree)[0] >= want - 1e-7
        out = solve_mip(data, SolveOptions(), reduce=True, direct_pairs=0, max_mip_pairs=0)
        brackets(out, data, want)
        if out.status == "optimal":
            proven += 1
        else:
            stopped += 1
            assert out.status == "time_limit", out.message
            assert "max_mip_pairs=0" in out.message
    assert stopped >= 1 and proven >= 3, (stopped, proven)


def test_column_generation_lp_equals_the_relaxed_pyomo_mip():
    """gsm_lp.lp_bound (arrays built by index arithmetic, column generation from one pair per
    stage, service-order rows added when violated or all at once) reaches the value of the Pyomo pair MIP of gsm_mip.build with integrality dropped,
    solved whole by HiGHS; forced stages of lead time 0 bring the exact-inbound rows."""
    import highspy

    from supplynet.highs import make_highs, pass_model
    from supplynet.models.gsm.lp import lp_bound
    from supplynet.models.gsm.mip import build
    from supplynet.models.gsm.pairs import pair_table
    from supplynet.solve import compile_model

    rng = np.random.default_rng(5)
    checked = exact = partial = 0
    for trial in range(40):
        g = random_graph(rng, int(rng.integers(4, 9)), tree=False, t_max=3, zero_costs=False,
                         density=0.5)
        if trial % 2:
            zero = [s for s, a in g.nodes(data=True) if a["lead_time"] == 0 and g.in_degree(s)]
            force = zero[:1]
        else:
            force = []
        data = prepare(g, force_buffer=force)
        if sn.models.gsm.graph.infeasibility(data):
            continue
        every = np.ones(data.n, dtype=bool)
        idx = pair_table(data, every)
        m = build(data, every, idx=idx).model
        cm = compile_model(m)
        cm.integer[:] = False
        h = make_highs(SolveOptions())
        pass_model(h, cm)
        h.run()
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        want = h.getInfo().objective_function_value
        S = sn.gsm(g, force_buffer=force, compare_policies=False).stages
        S = S.set_index("stage").loc[list(data.ids), "outbound_service_time"].to_numpy()
        SI = sn.models.gsm.graph.inbound_times(data, S)
        start = (idx.pair_a == SI[idx.pair_k]) & (idx.pair_b == S[idx.pair_k])
        value, reduced, w = lp_bound(data, every, idx, start, SolveOptions(), batch=3)
        assert value == pytest.approx(want, rel=1e-7, abs=1e-7)
        assert (reduced >= -1e-7).all()
        every_row = lp_bound(data, every, idx, start, SolveOptions(), lazy_rows=False)
        assert every_row[0] == pytest.approx(want, rel=1e-7, abs=1e-7)
        # out of time before the first master: no bound and nothing to round
        assert lp_bound(data, every, idx, start, SolveOptions(), seconds=0.0) == (None, None, None)
        assert np.bincount(idx.pair_k, weights=w, minlength=data.n) == pytest.approx(1.0)
        # stopped after one master: no bound, but that master's solution to round
        wider = start | (idx.pair_b == 0)
        value1, _, w1 = lp_bound(data, every, idx, wider, SolveOptions(), batch=1, max_rounds=1)
        if value1 is None:
            partial += 1
            assert np.bincount(idx.pair_k, weights=w1, minlength=data.n) == pytest.approx(1.0)
        checked += 1
        exact += bool(data.exact_si.any())
    assert checked >= 30 and exact >= 3 and partial >= 10, (checked, exact, partial)


def _whole_range_model(data, core, idx, integer: bool):
    """The pair model written independently of gsm_mip, with thermometers at every value
    1..H (H the largest service time of any pair): x[k, s] = sum of w over k's pairs with
    b >= s, z[k, s] likewise with a >= s, z[k, s] >= x[i, s] on every arc, and at forced
    stages of lead time 0 z[k, s] <= sum_i x[i, s] for s > ext_k."""
    import pyomo.environ as pyo

    ck = np.flatnonzero(core).tolist()
    top = int(max(idx.pair_a.max(), idx.pair_b.max()))
    m = pyo.ConcreteModel()
    pairs = list(range(len(idx.pair_k)))
    m.w = pyo.Var(pairs, domain=pyo.Binary if integer else pyo.UnitInterval)
    levels = [(k, s) for k in ck for s in range(1, top + 1)]
    m.x = pyo.Var(levels, bounds=(0, 1))
    m.z = pyo.Var(levels, bounds=(0, 1))
    of = {k: [p for p in pairs if idx.pair_k[p] == k] for k in ck}
    m.one = pyo.Constraint(ck, rule=lambda m, k: sum(m.w[p] for p in of[k]) == 1)
    m.xdef = pyo.Constraint(levels, rule=lambda m, k, s: m.x[k, s] == sum(
        m.w[p] for p in of[k] if idx.pair_b[p] >= s))
    m.zdef = pyo.Constraint(levels, rule=lambda m, k, s: m.z[k, s] == sum(
        m.w[p] for p in of[k] if idx.pair_a[p] >= s))
    arcs = [(i, k, s) for i, k in data.arcs.tolist() if core[i] and core[k]
            for s in range(1, top + 1)]
    m.order = pyo.Constraint(arcs, rule=lambda m, i, k, s: m.z[k, s] >= m.x[i, s])
    exact = [(k, s) for k in ck if data.exact_si[k] for s in range(int(data.ext[k]) + 1, top + 1)]
    m.exact = pyo.Constraint(exact, rule=lambda m, k, s: m.z[k, s] <= sum(
        m.x[i, s] for i in data.preds[k] if core[i]))
    m.cost = pyo.Objective(expr=sum(float(idx.pair_cost[p]) * m.w[p] for p in pairs))
    return m


def test_levels_give_the_whole_range_lp_and_mip_after_fixing():
    """The MIP (gsm_mip.build) and the LP (gsm_lp.lp_bound) keep thermometers only at the
    values the pairs use. On random pair subsets (as left by fixing: an optimal plan's pairs
    and a random half of the others, so the used values have gaps), both equal the model with
    thermometers at every value, written above without gsm_mip."""
    from supplynet.models.gsm.levels import Levels
    from supplynet.models.gsm.lp import lp_bound
    from supplynet.models.gsm.mip import build
    from supplynet.models.gsm.pairs import pair_table
    from supplynet.solve import solve_model

    rng = np.random.default_rng(11)
    checked = exact = gaps = 0
    for trial in range(30):
        g = random_graph(rng, int(rng.integers(4, 8)), tree=False, t_max=4, zero_costs=False,
                         density=0.5)
        zero = [s for s, a in g.nodes(data=True) if a["lead_time"] == 0 and g.in_degree(s)]
        force = zero[:1] if trial % 2 else []
        data = prepare(g, force_buffer=force)
        if sn.models.gsm.graph.infeasibility(data):
            continue
        every = np.ones(data.n, dtype=bool)
        full = pair_table(data, every)
        S = sn.gsm(g, force_buffer=force, compare_policies=False).stages
        S = S.set_index("stage").loc[list(data.ids), "outbound_service_time"].to_numpy()
        SI = sn.models.gsm.graph.inbound_times(data, S)
        plan = (full.pair_a == SI[full.pair_k]) & (full.pair_b == S[full.pair_k])
        idx = full.subset(plan | (rng.random(len(full.pair_k)) < 0.5))
        lev = Levels.of(idx)
        span = np.bincount(lev.x_k, minlength=data.n) + np.bincount(lev.z_k, minlength=data.n)
        gaps += bool((span < data.s_max + 1 + data.si_max - data.ext + 1).any())
        want_lp = solve_model(_whole_range_model(data, every, idx, False)).objective
        want_mip = solve_model(_whole_range_model(data, every, idx, True)).objective
        start = (idx.pair_a == SI[idx.pair_k]) & (idx.pair_b == S[idx.pair_k])
        got_lp = lp_bound(data, every, idx, start, SolveOptions(), batch=2)[0]
        assert got_lp == pytest.approx(want_lp, rel=1e-7, abs=1e-7)
        m = build(data, every, idx=idx).model
        assert solve_model(m).objective == pytest.approx(want_mip, rel=1e-7, abs=1e-7)
        checked += 1
        exact += bool(data.exact_si.any())
    assert checked >= 20 and exact >= 3 and gaps >= 15, (checked, exact, gaps)


def test_pair_table_cap_stops_before_listing_pairs(monkeypatch):
    """Above MAX_TABLE_PAIRS no pair is listed: the search's solution comes back, feasible and
    no cheaper than the brute-force optimum, and the message names the cap."""
    import supplynet.models.gsm.solve as gsm_solve

    monkeypatch.setattr(gsm_solve, "MAX_TABLE_PAIRS", 5)
    monkeypatch.setattr(gsm_solve, "pair_table", lambda *a, **k: pytest.fail("pairs listed"))
    rng = np.random.default_rng(3)
    stopped = 0
    for _ in range(20):
        g = random_graph(rng, 5, tree=False, t_max=2, zero_costs=False, density=0.7)
        want = brute_force(g)
        data = prepare(g)
        out = gsm_solve.solve_mip(data, SolveOptions())
        if out.message.startswith("solved by elimination"):
            continue
        stopped += 1
        assert "listed in memory" in out.message
        assert out.S is not None and out.objective >= want - 1e-7
        assert out.objective == pytest.approx(data.cost_of(out.S)[0])
    assert stopped >= 10


def test_pair_table_cap_follows_the_machine_memory(monkeypatch):
    """The cap is 80 million pairs, or memory / 200 bytes on a smaller machine (8 GB: 43
    million), or 80 million where the memory cannot be read."""
    import supplynet.models.gsm.solve as gsm_solve

    pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 8 * 2**30 // 4096}
    monkeypatch.setattr(gsm_solve.os, "sysconf", lambda name: pages[name])
    assert gsm_solve._table_cap() == 8 * 2**30 // 200
    pages["SC_PHYS_PAGES"] = 64 * 2**30 // 4096
    assert gsm_solve._table_cap() == 80_000_000

    def missing(name):
        raise ValueError(name)

    monkeypatch.setattr(gsm_solve.os, "sysconf", missing)
    assert gsm_solve._table_cap() == 80_000_000
