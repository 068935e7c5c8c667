"""Hand-worked guaranteed-service cases (3-5 stages); every optimum is derived in the test.

Notation: stage k has lead time T_k, cost coefficient c_k = h_k * z_sigma_k, outbound service
time S_k, inbound SI_k = max(ext_k, S of its suppliers), net replenishment time
tau_k = SI_k + T_k - S_k and safety-stock cost c_k * sqrt(tau_k).
"""

from __future__ import annotations

import math

import networkx as nx
import pytest
from gsm_cases import assembly, serial

import supplynet as sn


def test_serial_three_stages_all_or_nothing():
    """Serial line 1 -> 2 -> 3, S_3 = 0. With concave costs each stage either passes its whole
    replenishment time on (S = SI + T) or quotes 0 (Simpson 1958), so four plans:
        S = (0, 0): sqrt(2) + 2 + 4            = 7.414
        S = (2, 0): 0 + 2 sqrt(3) + 4          = 7.464
        S = (0, 1): sqrt(2) + 0 + 4 sqrt(2)    = 7.071   <- optimum 5 sqrt(2)
        S = (2, 3): 0 + 0 + 4 sqrt(4)          = 8
    """
    plans = {(0, 0): math.sqrt(2) + 2 + 4, (2, 0): 2 * math.sqrt(3) + 4,
             (0, 1): math.sqrt(2) + 4 * math.sqrt(2), (2, 3): 8.0}
    best = min(plans, key=plans.get)
    for method in ("dp", "mip"):
        r = sn.gsm(serial(), method=method, reduce=False, compare_policies=False)
        assert r.objective == pytest.approx(plans[best], rel=1e-9)
        st = r.stages.set_index("stage")
        assert (st.loc["1", "outbound_service_time"], st.loc["2", "outbound_service_time"]) == best
        assert st.loc["3", "outbound_service_time"] == 0
    st = r.stages.set_index("stage")
    assert list(st["role"]) == ["decoupling point", "pull", "decoupling point"]
    # base stock = mean demand x tau + safety stock (stage 3: 10 x 2 + sqrt(2))
    assert st.loc["3", "base_stock"] == pytest.approx(10 * 2 + math.sqrt(2))
    assert st.loc["3", "safety_stock_value"] == pytest.approx(4 * math.sqrt(2))


def test_assembly_sideways_service_time():
    """A (T=3) and B (T=1) feed C (T=1, S_C = 0); c = (1, 1, 3). SI_C = max(S_A, S_B).
    Enumerate S_A in 0..3, S_B in 0..1 (S_B <= T_B since B is a source):
        S_A\\S_B     0                        1
        0           sqrt3 + 1 + 3*1 = 5.732   sqrt3 + 0 + 3 sqrt2 = 5.975
        1           sqrt2 + 1 + 3 sqrt2       sqrt2 + 0 + 3 sqrt2 = 5.657  <- optimum
        2           1 + 1 + 3 sqrt3           1 + 0 + 3 sqrt3
        3           0 + 1 + 3*2 = 7           0 + 0 + 6 = 6
    The optimum quotes S_A = 1 = S_B: a value that is neither 0 nor SI_A + T_A.
    """
    g = assembly()
    table = {(sa, sb): math.sqrt(3 - sa) + math.sqrt(1 - sb) + 3 * math.sqrt(max(sa, sb) + 1)
             for sa in range(4) for sb in range(2)}
    best = min(table, key=table.get)
    assert best == (1, 1)
    for method in ("dp", "mip"):
        r = sn.gsm(g, method=method, reduce=False, compare_policies=False)
        assert r.objective == pytest.approx(4 * math.sqrt(2), rel=1e-9)
        st = r.stages.set_index("stage")
        assert (st.loc["A", "outbound_service_time"], st.loc["B", "outbound_service_time"]) == best
        assert st.loc["C", "inbound_service_time"] == 1


def test_distribution_pooling():
    """DC (T=2, h=1) ships to R1, R2 (T=1, h=2, demand std 1, z=1, S=0). Pooled z sigma of the DC
    is sqrt(1^2 + 1^2) = sqrt2. S_DC = 0: 1*sqrt2*sqrt2 + 2*(2*1) = 6; S_DC = 1: sqrt2 + 4 sqrt2
    = 7.07; S_DC = 2: 0 + 4 sqrt3 = 6.93. Optimum 6 with the DC holding stock."""
    g = nx.DiGraph()
    g.add_node("DC", lead_time=2, holding_cost=1.0)
    for r in ("R1", "R2"):
        g.add_node(r, lead_time=1, holding_cost=2.0, demand_mean=3.0, demand_std=1.0, z=1.0,
                   max_service_time=0)
        g.add_edge("DC", r)
    r = sn.gsm(g, compare_policies=False)
    st = r.stages.set_index("stage")
    assert st.loc["DC", "z_sigma"] == pytest.approx(math.sqrt(2))
    assert st.loc["DC", "demand_mean"] == pytest.approx(6.0)
    assert r.objective == pytest.approx(6.0)
    assert st.loc["DC", "outbound_service_time"] == 0


def test_serial_with_external_supplier_and_quote():
    """Supplier guarantees 2 periods to stage 1 (T=1); 1 -> 2 (T=2); 2 quotes customers 1 period.
    c = (1, 3). S_1 in {0, 3}: tau_2 = S_1 + 2 - 1. S_1 = 0: sqrt3 + 3 = 4.732;
    S_1 = 3: 0 + 3*2 = 6; S_1 = 1, 2: sqrt2 + 3 sqrt2 = 5.66, 1 + 3 sqrt3. Optimum sqrt3 + 3."""
    g = nx.DiGraph()
    g.add_node("1", lead_time=1, holding_cost=1.0, z_sigma=1.0, external_service_time=2)
    g.add_node("2", lead_time=2, holding_cost=3.0, z_sigma=1.0, demand_mean=1.0,
               max_service_time=1)
    g.add_edge("1", "2")
    costs = {s1: math.sqrt(3 - s1) + 3 * math.sqrt(s1 + 1) for s1 in range(4)}
    r = sn.gsm(g, compare_policies=False)
    assert r.objective == pytest.approx(min(costs.values()))
    st = r.stages.set_index("stage")
    assert st.loc["1", "inbound_service_time"] == 2
    assert st.loc["2", "outbound_service_time"] == 1


def test_pooled_sigma_with_quantities_on_a_non_tree():
    """U -> M (2 per unit), M -> D1 (1), M -> D2 (3), U -> D2 (1): U is in D1 twice and in D2
    2*3 + 1 = 7 times, so z_sigma_U = sqrt((2 z1 s1)^2 + (7 z2 s2)^2) and mean_U = 2 m1 + 7 m2."""
    g = nx.DiGraph()
    g.add_node("U", lead_time=1, holding_cost=1.0)
    g.add_node("M", lead_time=1, holding_cost=1.0)
    g.add_node("D1", lead_time=1, holding_cost=1.0, demand_mean=4.0, demand_std=2.0, z=1.5)
    g.add_node("D2", lead_time=1, holding_cost=1.0, demand_mean=1.0, demand_std=3.0, z=2.0)
    g.add_edge("U", "M", quantity=2)
    g.add_edge("M", "D1", quantity=1)
    g.add_edge("M", "D2", quantity=3)
    g.add_edge("U", "D2", quantity=1)
    st = sn.gsm(g, compare_policies=False).stages.set_index("stage")
    assert st.loc["U", "z_sigma"] == pytest.approx(math.hypot(2 * 1.5 * 2.0, 7 * 2.0 * 3.0))
    assert st.loc["M", "z_sigma"] == pytest.approx(math.hypot(1.5 * 2.0, 3 * 2.0 * 3.0))
    assert st.loc["U", "demand_mean"] == pytest.approx(2 * 4.0 + 7 * 1.0)
    assert st.loc["D1", "z_sigma"] == pytest.approx(3.0)


def test_service_level_gives_z():
    from statistics import NormalDist

    g = nx.DiGraph()
    g.add_node("A", lead_time=4, holding_cost=1.0, demand_std=2.0, service_level=0.9,
               max_service_time=0)
    r = sn.gsm(g, compare_policies=False)
    assert r.objective == pytest.approx(NormalDist().inv_cdf(0.9) * 2.0 * 2.0)
    # without a quoted service time the stage passes its lead time on and holds nothing
    del g.nodes["A"]["max_service_time"]
    assert sn.gsm(g, compare_policies=False).objective == 0.0


def test_forced_buffer_at_lead_time_0_cannot_be_faked_upstream():
    """a (T 2, h 1) -> b (T 0, h 1) -> c (T 0, h 1, quotes 0, buffer forced); a -> d (T 0,
    h 10, quotes 0). c needs SI_c >= 1, so b must quote >= 1, so SI_b >= 1, so a must quote
    >= 1, and d then waits >= 1 period: S_a = 1 gives 1 (a) + 0 (b) + 1 (c) + 10 (d) = 12;
    S_a = 2 gives at least 10 sqrt 2 at d. Found in review: b raising SI_b to 1 without a
    quoting it made c's buffer look free (2.41, "optimal", with S_c = -1 after canonical
    form). Now every stage upstream of c keeps its SI exact, on every method."""
    g = nx.DiGraph()
    for s, t, h in (("a", 2, 1.0), ("b", 0, 1.0), ("c", 0, 1.0), ("d", 0, 10.0)):
        g.add_node(s, lead_time=t, holding_cost=h, z_sigma=1.0)
    g.nodes["c"]["max_service_time"] = 0
    g.nodes["d"]["max_service_time"] = 0
    g.add_edges_from([("a", "b"), ("b", "c"), ("a", "d")])
    for kwargs in ({}, {"method": "mip", "reduce": False}):
        r = sn.gsm(g, force_buffer=["c"], compare_policies=False, **kwargs)
        assert r.status == "optimal" and r.objective == pytest.approx(12.0)
        st = r.stages.set_index("stage")
        assert st.loc["a", "outbound_service_time"] == 1
        assert (st["outbound_service_time"] >= 0).all()
        assert st.loc["c", "net_replenishment_time"] == 1
