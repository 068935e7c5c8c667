"""The serial-line DP over extreme-point service times (``gsm_serial``) against independent answers.

- random serial lines with caps, external service times and forced/forbidden buffers: the same
  optimal cost as the Graves & Willems tree DP over all (SI, S) pairs, or, with a forced buffer
  at a stage of lead time 0 (which the tree DP refuses), as the pair MIP pipeline;
- a 150-stage line with lead times up to 10: the same optimum as the tree DP;
- a hand-worked case: a free supplier must not be fixed at S = 0 when it feeds a forced stage
  of lead time 0 (it was, in the MIP's presolve, which then reported the chain infeasible).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import supplynet as sn
from supplynet.models.gsm.dp import solve_tree
from supplynet.models.gsm.graph import prepare
from supplynet.models.gsm.placement import optimize
from supplynet.models.gsm.serial import is_serial, solve_serial


def _random_line(rng: np.random.Generator, n: int):
    g = nx.DiGraph()
    for i in range(n):
        attrs = {"lead_time": int(rng.integers(0, 6)),
                 "holding_cost": float(rng.choice([0.0, 0.3, 1.0, 2.5])),
                 "z_sigma": float(rng.uniform(0.5, 3.0))}
        if rng.random() < 0.2:
            attrs["external_service_time"] = int(rng.integers(0, 5))
        if rng.random() < 0.15:
            attrs["max_service_time"] = int(rng.integers(0, 10))
        g.add_node(i, **attrs)
        if i:
            g.add_edge(i - 1, i)
    force = [i for i in range(n) if rng.random() < 0.1]
    forbid = [i for i in range(n) if rng.random() < 0.1 and i not in force]
    return g, force, forbid


def test_random_lines_match_the_tree_dp_or_the_mip():
    rng = np.random.default_rng(0)
    compared = with_exact = 0
    for _ in range(300):
        g, force, forbid = _random_line(rng, int(rng.integers(1, 25)))
        data = prepare(g, force, forbid)
        assert is_serial(data)
        if data.exact_si.any():
            ref = optimize(data, "mip")
            want = ref.objective if ref.status == "optimal" else None
            with_exact += 1
        else:
            want = solve_tree(data).objective
        got = solve_serial(data)
        if want is None:
            assert got.S is None
            continue
        assert got.objective == pytest.approx(want, rel=1e-9, abs=1e-9)
        cost, _, tau = data.cost_of(got.S)
        assert cost == pytest.approx(got.objective, rel=1e-9, abs=1e-9)
        assert (tau >= data.tau_min).all() and (tau[data.tau_zero] == 0).all()
        assert (got.S >= 0).all() and (got.S <= data.s_max).all()
        compared += 1
    assert compared >= 250 and with_exact >= 20


def test_long_line_matches_the_tree_dp():
    rng = np.random.default_rng(1)
    g = nx.DiGraph()
    for i in range(150):
        g.add_node(i, lead_time=int(rng.integers(1, 11)), holding_cost=1.0 + i / 50,
                   z_sigma=float(rng.uniform(1, 3)))
        if i:
            g.add_edge(i - 1, i)
    g.nodes[149]["max_service_time"] = 5
    data = prepare(g)
    want = solve_tree(data).objective
    r = sn.gsm(g, compare_policies=False)
    assert r.status == "optimal" and "serial DP" in r.message
    assert r.objective == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("method", ["auto", "mip"])
def test_free_supplier_of_a_forced_stage_with_lead_time_zero(method):
    """A (no stock cost, lead time 3) -> B (lead time 0, buffer forced, quotes 0 to customers,
    h z_sigma = 3). B's stock needs tau_B = SI_B = S_A >= 1, so S_A = 1 and the cost is
    3 sqrt(1) = 3 (A's own tau = 2 costs nothing)."""
    g = nx.DiGraph()
    g.add_node("A", lead_time=3, holding_cost=0.0, z_sigma=1.0)
    g.add_node("B", lead_time=0, holding_cost=2.0, z_sigma=1.5, max_service_time=0)
    g.add_edge("A", "B")
    r = sn.gsm(g, method=method, force_buffer=["B"], compare_policies=False)
    assert r.status == "optimal"
    assert r.objective == pytest.approx(3.0)
    stages = r.stages.set_index("stage")
    assert stages.loc["A", "outbound_service_time"] == 1
