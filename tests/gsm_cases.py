"""Small stage graphs shared by the GSM tests (their optima are derived in test_gsm_hand.py), and
the check that a result brackets a known optimum."""

from __future__ import annotations

import networkx as nx
import pytest


def serial() -> nx.DiGraph:
    """1 -> 2 -> 3: lead times (2, 1, 1), h = (1, 2, 4), z_sigma = 1, customers served at once."""
    g = nx.DiGraph(name="serial3")
    g.add_node("1", lead_time=2, holding_cost=1.0, z_sigma=1.0)
    g.add_node("2", lead_time=1, holding_cost=2.0, z_sigma=1.0)
    g.add_node("3", lead_time=1, holding_cost=4.0, z_sigma=1.0, demand_mean=10.0,
               max_service_time=0)
    g.add_edges_from([("1", "2"), ("2", "3")])
    return g


def assembly() -> nx.DiGraph:
    """A, B -> C: lead times (3, 1, 1), h = (1, 1, 3), z_sigma = 1, customers served at once."""
    g = nx.DiGraph(name="assembly")
    g.add_node("A", lead_time=3, holding_cost=1.0, z_sigma=1.0)
    g.add_node("B", lead_time=1, holding_cost=1.0, z_sigma=1.0)
    g.add_node("C", lead_time=1, holding_cost=3.0, z_sigma=1.0, demand_mean=5.0,
               max_service_time=0)
    g.add_edges_from([("A", "C"), ("B", "C")])
    return g


def brackets(out, data, want: float) -> None:
    """``out`` (an Optimum) is a feasible plan costing at least the optimum ``want``, its bound
    is at most ``want``, and a claimed optimum is ``want``."""
    assert out.S is not None
    cost, _, tau = data.cost_of(out.S)
    assert out.objective == pytest.approx(cost)
    assert (tau >= data.tau_min).all() and (tau[data.tau_zero] == 0).all()
    assert (out.S >= 0).all() and (out.S <= data.s_max).all()
    assert out.objective >= want - 1e-7
    if out.bound is not None:
        assert out.bound <= want + 1e-7 * max(1.0, want)
    if out.status == "optimal":
        assert out.objective == pytest.approx(want, rel=1e-7, abs=1e-7)
