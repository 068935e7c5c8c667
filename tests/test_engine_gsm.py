"""The GSM pair MIP built both ways (supplynet.arrays, gsm/mip_arrays.py, against the Pyomo
reference in gsm/mip.py): the same stage graph must compile to the same matrix, bounds and
objective, row by row and column by column by name, and solve to the same optimum, which is
also checked against a brute-force enumeration (tests/test_gsm_random.py) or the hand-derived
optima of tests/test_gsm_hand.py. Cases: the shared graphs of gsm_cases.py, random acyclic
graphs with undirected cycles, forced stages of lead time 0 (exact_inbound rows), the core left
by elimination (unary costs, a core mask) and a pair subset as left by fixing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gsm_cases import assembly, serial
from test_engine import assert_same_model
from test_gsm_random import _whole_range_model, brute_force, random_graph

import supplynet as sn
from supplynet.errors import OptionsError
from supplynet.models.gsm.dp import fold
from supplynet.models.gsm.graph import inbound_times, infeasibility, prepare
from supplynet.models.gsm.mip import build, start_from
from supplynet.models.gsm.pairs import pair_table, tightened
from supplynet.options import SolveOptions
from supplynet.solve import compile_model, solve_model


def both_ways(data, core=None, uS=None, uSI=None, idx=None):
    """Build with each engine, check that both compile to the same model; return the two
    built models (kept alive: compiled rows name their constraints weakly) and their matrices."""
    ba = build(data, core, uS, uSI, idx=idx, engine="arrays")
    bb = build(data, core, uS, uSI, idx=idx, engine="pyomo")
    ca, cb = compile_model(ba.model), compile_model(bb.model)
    assert len(ca.columns) == len(cb.columns) and len(ca.rows) == len(cb.rows)
    assert ca.A.nnz == cb.A.nnz
    assert_same_model(ca, cb)
    return ba, bb, ca


def solved_alike(ba, bb) -> float:
    """Solve both models; both optimal with the same objective, which is returned."""
    sa, sb = solve_model(ba.model), solve_model(bb.model)
    assert sa.status == sb.status == "optimal"
    assert sa.objective == pytest.approx(sb.objective, rel=1e-9, abs=1e-9)
    return sa.objective


def test_shared_cases_compile_and_solve_alike():
    """Serial 1 -> 2 -> 3: optimum 5 sqrt 2; assembly A, B -> C: 4 sqrt 2 (tests/test_gsm_hand.py)."""
    for graph, want in ((serial(), 5 * math.sqrt(2)), (assembly(), 4 * math.sqrt(2))):
        ba, bb, _ = both_ways(prepare(graph))
        assert solved_alike(ba, bb) == pytest.approx(want, rel=1e-9)


def _general_graphs(seed: int, count: int):
    """Random acyclic stage graphs small enough to enumerate; every other one with a stage of
    lead time 0 forced to hold stock (exact_inbound rows at it and upstream)."""
    rng = np.random.default_rng(seed)
    for trial in range(count):
        n = int(rng.integers(3, 7))
        g = random_graph(rng, n, tree=False, t_max=2, zero_costs=False, density=0.6)
        top = sum(a["lead_time"] for _, a in g.nodes(data=True)) + 3
        if top ** n > 2_000_000:
            continue
        zero = [s for s, a in g.nodes(data=True) if a["lead_time"] == 0 and g.in_degree(s)]
        force = zero[:1] if trial % 2 else []
        data = prepare(g, force_buffer=force)
        if infeasibility(data):
            continue
        yield g, force, data


def test_random_general_graphs_compile_and_solve_alike():
    """The full pair model of random general graphs, both ways, at the brute-force optimum."""
    checked = exact = 0
    for g, force, data in _general_graphs(3, 30):
        want = brute_force(g, force)
        ba, bb, _ = both_ways(data)
        exact += len(getattr(ba.model, "exact_inbound", ())) > 0
        if want is None:
            continue
        assert solved_alike(ba, bb) == pytest.approx(want, rel=1e-7, abs=1e-7)
        checked += 1
    assert checked >= 10 and exact >= 3, (checked, exact)


def test_core_after_elimination_compiles_and_solves_alike():
    """The core left by ``fold`` (a core mask, tightened bounds, unary costs of eliminated
    neighbours): both ways the same model, whose optimum plus the folded constant is the
    brute-force optimum."""
    checked = partial = 0
    for g, force, data in _general_graphs(8, 40):
        folded = fold(data)
        if not folded.feasible or not folded.core.any():
            continue
        core = folded.core
        small = tightened(data, core, folded.free)
        idx = pair_table(small, core, folded.uS, folded.uSI)
        if (np.bincount(idx.pair_k, minlength=data.n)[core] == 0).any():
            continue
        ba, bb, _ = both_ways(small, core, folded.uS, folded.uSI)
        want = brute_force(g, force)
        assert solved_alike(ba, bb) + folded.constant == pytest.approx(want, rel=1e-7, abs=1e-7)
        partial += int(core.sum()) < data.n
        checked += 1
    assert checked >= 5 and partial >= 3, (checked, partial)


def test_pair_subset_after_fixing_compiles_and_solves_alike():
    """A pair subset as fixing leaves it (an optimal plan's pairs and a random half of the
    others: the levels have gaps): both ways the same model, at the optimum of the model with
    thermometers at every value written without gsm/mip.py."""
    rng = np.random.default_rng(11)
    checked = 0
    for g, force, data in _general_graphs(5, 24):
        every = np.ones(data.n, dtype=bool)
        full = pair_table(data, every)
        S = sn.gsm(g, force_buffer=force, compare_policies=False).stages
        S = S.set_index("stage").loc[list(data.ids), "outbound_service_time"].to_numpy()
        SI = inbound_times(data, S)
        plan = (full.pair_a == SI[full.pair_k]) & (full.pair_b == S[full.pair_k])
        idx = full.subset(plan | (rng.random(len(full.pair_k)) < 0.5))
        ba, bb, _ = both_ways(data, every, idx=idx)
        want = solve_model(_whole_range_model(data, every, idx, True)).objective
        assert solved_alike(ba, bb) == pytest.approx(want, rel=1e-7, abs=1e-7)
        checked += 1
    assert checked >= 8, checked


def test_mip_start_names_the_same_columns_both_ways():
    """``start_from`` gives the same {name: value} on either model, every name is a column of
    the compiled model, and a solve started from the optimum's thermometers keeps the optimum."""
    g, force, data = next(iter(_general_graphs(3, 30)))
    want = brute_force(g, force)
    ba, bb, ca = both_ways(data)
    S = sn.gsm(g, force_buffer=force, compare_policies=False).stages
    S = S.set_index("stage").loc[list(data.ids), "outbound_service_time"].to_numpy()
    start_a, start_b = start_from(data, ba.model, S), start_from(data, bb.model, S)
    assert start_a == start_b
    names = set(ca.columns.names())
    assert set(start_a) <= names and len(start_a) == len(ba.model.x) + len(ba.model.z)
    for b in (ba, bb):
        sol = solve_model(b.model, SolveOptions(mip_start=start_a))
        assert sol.objective == pytest.approx(want, rel=1e-7, abs=1e-7)


def test_public_call_gives_the_same_cost_with_either_engine():
    """``sn.gsm`` on general graphs, the plain MIP and the reduced pipeline, with a time limit
    (the compile-time estimate reads the model's sizes): the brute-force optimum either way."""
    checked = 0
    for g, force, _data in _general_graphs(7, 12):
        want = brute_force(g, force)
        if want is None:
            continue
        for opts in ({"method": "mip", "reduce": False}, {"time_limit": 60}):
            costs = {}
            for engine in ("arrays", "pyomo"):
                r = sn.gsm(g, force_buffer=force, compare_policies=False, engine=engine, **opts)
                assert r.status == "optimal", r.message
                costs[engine] = r.costs.set_index("category").loc["safety_stock", "cost"]
            assert costs["arrays"] == pytest.approx(want, rel=1e-7, abs=1e-7)
            assert costs["pyomo"] == pytest.approx(want, rel=1e-7, abs=1e-7)
        checked += 1
    assert checked >= 3, checked


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(OptionsError, match="engine"):
        sn.gsm(assembly(), engine="fast")
    with pytest.raises(OptionsError, match="engine"):
        build(prepare(assembly()), engine="fast")
