"""supplynet.gsm: result tables, policies, what-if controls and clear errors."""

from __future__ import annotations

import itertools
import math
import time

import networkx as nx
import pytest
from gsm_cases import assembly, serial

import supplynet as sn
from supplynet.errors import InstanceError, OptionsError


def serial_cost(s1: int, s2: int) -> float | None:
    """Cost of the serial case for S = (s1, s2, 0), None if a tau is negative."""
    taus = (2 - s1, s1 + 1 - s2, s2 + 1)
    if min(taus) < 0:
        return None
    return sum(c * math.sqrt(t) for c, t in zip((1, 2, 4), taus, strict=True))


def best_serial(ok) -> float:
    costs = [serial_cost(a, b) for a, b in itertools.product(range(3), range(4)) if ok(a, b)]
    return min(c for c in costs if c is not None)


def test_result_tables_and_costs():
    r = sn.gsm(serial())
    assert r.model == "gsm" and r.status == "optimal" and r.gap == 0.0
    cols = {"stage", "inbound_service_time", "outbound_service_time", "net_replenishment_time",
            "safety_stock", "safety_stock_value", "base_stock", "role"}
    assert cols <= set(r.stages.columns)
    assert list(r.costs["category"]) == ["safety_stock"]
    assert r.costs["cost"].sum() == pytest.approx(r.objective)
    assert r.stages["safety_stock_value"].sum() == pytest.approx(r.objective)
    assert set(r.policies["policy"]) == {"optimal", "buffer every stage",
                                         "buffer finished goods only",
                                         "buffer customer-facing stages only"}
    assert r.start_values == {"1": 0, "2": 1, "3": 0}


def test_pipeline_stock_is_a_constant_added_to_the_objective():
    r0 = sn.gsm(serial(), compare_policies=False)
    r1 = sn.gsm(serial(), include_pipeline=True, compare_policies=False)
    # every stage carries mean demand 10: pipeline cost = sum h * 10 * T = 10 (2 + 2 + 4)
    pipeline = 1 * 10 * 2 + 2 * 10 * 1 + 4 * 10 * 1
    assert r1.objective == pytest.approx(r0.objective + pipeline)
    assert dict(zip(r1.costs["category"], r1.costs["cost"], strict=True))["pipeline_stock"] == \
        pytest.approx(pipeline)
    assert (r1.stages["outbound_service_time"] == r0.stages["outbound_service_time"]).all()


def test_policies_table_by_hand():
    """Assembly A, B -> C: every stage buffers (S = 0): sqrt3 + 1 + 3 = 5.732; only C (the
    customer-facing and only finished-goods stage) buffers: S_A = 3, S_B = 1, tau_C = 4 -> 6;
    optimum 4 sqrt2 (test_gsm_hand)."""
    p = sn.gsm(assembly()).policies.set_index("policy")
    assert p.loc["optimal", "cost"] == pytest.approx(4 * math.sqrt(2))
    assert p.loc["buffer every stage", "cost"] == pytest.approx(math.sqrt(3) + 1 + 3)
    assert p.loc["buffer customer-facing stages only", "cost"] == pytest.approx(6.0)
    assert p.loc["buffer finished goods only", "cost"] == pytest.approx(6.0)
    assert p.loc["buffer every stage", "vs_optimal"] == pytest.approx(
        (math.sqrt(3) + 4) / (4 * math.sqrt(2)) - 1)


@pytest.mark.parametrize("method", ["dp", "mip"])
def test_force_forbid_and_cap(method):
    kw = dict(method=method, compare_policies=False)
    r = sn.gsm(serial(), force_buffer=["2"], **kw)
    assert r.objective == pytest.approx(best_serial(lambda a, b: a + 1 - b >= 1))
    assert r.stages.set_index("stage").loc["2", "net_replenishment_time"] >= 1
    r = sn.gsm(serial(), forbid_buffer="1", **kw)
    assert r.objective == pytest.approx(best_serial(lambda a, b: a == 2))
    assert r.stages.set_index("stage").loc["1", "role"] == "pull"
    r = sn.gsm(serial(), max_service_time={"2": 0}, **kw)
    assert r.objective == pytest.approx(best_serial(lambda a, b: b == 0))


def test_forced_buffer_at_zero_lead_time_stage_needs_a_real_inbound_time():
    """B has lead time 0: forcing stock there needs its supplier A to quote S_A >= 1 (an inbound
    time raised above every supplier's quote would fake the buffer)."""
    g = nx.DiGraph()
    g.add_node("A", lead_time=2, holding_cost=1.0, z_sigma=1.0)
    g.add_node("B", lead_time=0, holding_cost=5.0, z_sigma=1.0)
    g.add_node("C", lead_time=1, holding_cost=1.0, z_sigma=1.0, max_service_time=0)
    g.add_edges_from([("A", "B"), ("B", "C")])
    want = min(math.sqrt(2 - a) + 5 * math.sqrt(a - b) + math.sqrt(b + 1)
               for a in range(3) for b in range(3) if a - b >= 1)
    r = sn.gsm(g, force_buffer=["B"], compare_policies=False)
    assert r.objective == pytest.approx(want)
    st = r.stages.set_index("stage")
    assert st.loc["B", "inbound_service_time"] == st.loc["A", "outbound_service_time"] >= 1
    assert st.loc["B", "net_replenishment_time"] >= 1
    # a serial line: the serial DP builds SI_B as the exact maximum, so method="dp" works too
    assert sn.gsm(g, force_buffer=["B"], method="dp",
                  compare_policies=False).objective == pytest.approx(want)
    g.add_node("D", lead_time=1, holding_cost=1.0, z_sigma=1.0)
    g.add_edge("A", "D")  # a tree now: the tree DP cannot force that buffer
    with pytest.raises(OptionsError, match="lead time 0"):
        sn.gsm(g, force_buffer=["B"], method="dp")


def test_infeasible_what_if_is_reported_with_the_stage():
    r = sn.gsm(serial(), forbid_buffer=["3"], compare_policies=False)
    assert r.status == "infeasible" and r.objective is None
    assert "'3'" in r.message and r.diagnosis is not None


def test_mip_start_from_previous_result_and_path_input(tmp_path):
    first = sn.gsm(assembly(), compare_policies=False, method="mip", reduce=False)
    again = sn.gsm(assembly(), compare_policies=False, method="mip", mip_start=first)
    assert again.objective == pytest.approx(first.objective)
    path = sn.write_stage_graph(assembly(), tmp_path / "a.json")
    assert sn.gsm(path, compare_policies=False).objective == pytest.approx(first.objective)


def test_invalid_stage_graphs_name_the_stage():
    g = serial()
    del g.nodes["2"]["lead_time"]
    g.nodes["1"]["lead_time"] = 1.5
    g.nodes["3"]["holding_cost"] = -1
    with pytest.raises(InstanceError) as err:
        sn.gsm(g)
    text = str(err.value)
    assert "stage '2': missing lead_time" in text
    assert "stage '1': lead_time must be a whole number" in text
    assert "stage '3': holding_cost must be >= 0" in text
    g = serial()
    g.add_edge("3", "1")
    with pytest.raises(InstanceError, match="cycle"):
        sn.gsm(g)
    g = serial()
    g.edges["1", "2"]["quantity"] = 0
    with pytest.raises(InstanceError, match="arc '1' -> '2': quantity"):
        sn.gsm(g)
    g = serial()
    g.nodes["3"]["service_level"] = 1.5
    g.nodes["3"]["demand_std"] = 1.0
    with pytest.raises(InstanceError, match="stage '3': service_level"):
        sn.gsm(g)


def test_option_errors():
    with pytest.raises(OptionsError, match="unknown stage"):
        sn.gsm(serial(), force_buffer=["nope"])
    with pytest.raises(OptionsError, match="both forced and forbidden"):
        sn.gsm(serial(), force_buffer=["1"], forbid_buffer=["1"])
    with pytest.raises(OptionsError, match="unknown option"):
        sn.gsm(serial(), colour="red")
    with pytest.raises(OptionsError, match="method"):
        sn.gsm(serial(), method="magic")
    for bad in (-1, 2.5, True):
        with pytest.raises(OptionsError, match="max_mip_pairs"):
            sn.gsm(serial(), max_mip_pairs=bad)
    g = assembly()
    g.add_edge("A", "B")  # A -> B -> C and A -> C: not a forest
    with pytest.raises(OptionsError, match="forest"):
        sn.gsm(g, method="dp")


def test_finished_goods_attribute_overrides_structure():
    g = assembly()
    for s in g:
        g.nodes[s]["finished_goods"] = s in ("B", "C")
    p = sn.gsm(g).policies.set_index("policy")
    # only A is forbidden stock: S_A = 3, then B may quote up to 1 and C sees SI = 3
    want = min(math.sqrt(1 - b) + 3 * math.sqrt(3 + 1) for b in range(2))
    assert p.loc["buffer finished goods only", "safety_stock_cost"] == pytest.approx(want)


def test_common_time_unit_makes_a_long_serial_line_fast():
    """A 200-stage serial line with lead times of 10 needs ~2.7e8 DP evaluations (more than a
    0.5 s limit allows), but every time is a multiple of 10: solved in units of 10 periods,
    optimal, equal to the DP on the unscaled instance (no time limit, no scaling)."""
    from supplynet.models.gsm.graph import prepare
    from supplynet.models.gsm.placement import optimize

    g = nx.DiGraph()
    for i in range(200):
        g.add_node(i, lead_time=10, holding_cost=1.0 + i / 100, z_sigma=2.0)
        if i:
            g.add_edge(i - 1, i)
    r = sn.gsm(g, time_limit=0.5, compare_policies=False)
    assert r.status == "optimal" and "units of 10" in r.message
    assert (r.stages["outbound_service_time"] % 10 == 0).all()
    unscaled = optimize(prepare(g), reduce=False)
    assert r.objective == pytest.approx(unscaled.objective, rel=1e-9)


def test_time_limit_covers_the_policy_comparison(monkeypatch):
    """With compare_policies the optimal plan gets 85 % of the time limit less what reading
    the graph took, and the two policy solves share what is left of it, so the whole call
    keeps the limit (checked on the deadlines each solve is handed)."""
    from supplynet.models.gsm import placement as gsm_module

    seen = []
    real = gsm_module.optimize

    def recording(data, method="auto", solve_options=None, *args, **kwargs):
        limit = None if solve_options is None else solve_options.time_limit
        seen.append(limit if limit is None else (limit, time.perf_counter()))
        return real(data, method, solve_options, *args, **kwargs)

    monkeypatch.setattr(gsm_module, "optimize", recording)
    g = nx.DiGraph()
    for s, t in (("A", 2), ("B", 3), ("C", 1)):
        g.add_node(s, lead_time=t, holding_cost=1.0, z_sigma=1.0)
    g.add_edges_from([("A", "C"), ("B", "C")])
    start = time.perf_counter()
    sn.gsm(g, time_limit=10.0)
    assert len(seen) == 3 and seen[0][0] <= 8.5
    assert start + 8.5 - 1e-3 <= seen[0][1] + seen[0][0] <= start + 8.5 + 0.05
    # each policy solve must end by the call's deadline; the first gets half of what is left
    assert all(t + limit <= start + 10.0 + 1e-3 for limit, t in seen[1:])
    assert seen[1][0] <= 5.0
    seen.clear()
    sn.gsm(g)  # no time limit: none handed down
    assert seen == [None, None, None]
