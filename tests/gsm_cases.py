"""Small stage graphs shared by the GSM tests (their optima are derived in test_gsm_hand.py)."""

from __future__ import annotations

import networkx as nx


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
