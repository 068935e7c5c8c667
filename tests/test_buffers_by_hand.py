"""supplynet.buffers on tiny networks built by hand, every value worked out from models/buffers.md
("From a network to stages") and the Graves-Willems definitions, never read back from the code.

Notation: stage k = node|product, lead time T_k, external service time ext_k, outbound service
time S_k, inbound SI_k = max(ext_k, S of its suppliers), net replenishment time
tau_k = SI_k + T_k - S_k, safety stock z sigma_k sqrt(tau_k), cost c_k sqrt(tau_k) with
c_k = h_k z sigma_k (h_k = value x holding rate). The optimum is checked twice: worked out in the
docstring and found by brute force over every integer S_k in 0..(sum of lead times + ext).
"""

from __future__ import annotations

import itertools
import math
from statistics import NormalDist

import pandas as pd
import pytest

import supplynet as sn
from supplynet.models.gsm.decoupling import stage_graph

Z = NormalDist().inv_cdf
NONE = "none (order reaches the supplier)"


def brute_force(stages: dict, arcs: list) -> tuple[float, dict, float]:
    """Enumerate integer outbound service times. stages: {id: (T, ext, c, s_max or None)} in
    topological order; arcs: [(supplier stage, customer stage)]. Returns (best cost, its S,
    second-best cost) so a test can check the optimum is unique before comparing S."""
    ids = list(stages)
    top = sum(t for t, *_ in stages.values()) + max(e for _, e, *_ in stages.values())
    preds = {k: [i for i, j in arcs if j == k] for k in ids}
    costs = []
    for combo in itertools.product(range(top + 1), repeat=len(ids)):
        S = dict(zip(ids, combo, strict=True))
        cost = 0.0
        for k, (T, ext, c, s_max) in stages.items():
            tau = max([ext] + [S[i] for i in preds[k]]) + T - S[k]
            if tau < 0 or (s_max is not None and S[k] > s_max):
                break
            cost += c * math.sqrt(tau)
        else:
            costs.append((cost, combo))
    costs.sort()
    return costs[0][0], dict(zip(ids, costs[0][1], strict=True)), costs[1][0]


def check_optimum(r, stages: dict, arcs: list, z_sigma: dict) -> dict:
    """Compare buffers' objective, service times, tau, safety stock and role with the enumeration;
    returns the enumerated S."""
    cost, S, second = brute_force(stages, arcs)
    assert second > cost + 1e-6  # unique optimum: the service times themselves can be compared
    assert r.status == "optimal"
    assert r.objective == pytest.approx(cost, rel=1e-9)
    st = r.stages.set_index("stage")
    assert sorted(st.index) == sorted(stages)
    for k, (T, ext, _, _) in stages.items():
        si = max([ext] + [S[i] for i, j in arcs if j == k])
        tau = si + T - S[k]
        assert st.loc[k, "outbound_service_time"] == S[k], k
        assert st.loc[k, "inbound_service_time"] == si, k
        assert st.loc[k, "net_replenishment_time"] == tau, k
        assert st.loc[k, "safety_stock"] == pytest.approx(z_sigma[k] * math.sqrt(tau)), k
        assert st.loc[k, "role"] == ("decoupling point" if tau > 0 else "pull"), k
        assert st.loc[k, "mode"] == ("push" if tau > 0 else "pull"), k
    assert r.costs["cost"].sum() == pytest.approx(cost, rel=1e-9)
    return S


# ---------------------------------------------------------------------------------- serial line
def serial_line(closed: bool = False) -> sn.Network:
    """S --R--> P (makes F = 2 R) --F--> W --F--> C.

    Supply S-R: lead time 1 (ext of P|R); lanes S->P 2, P->W 1, W->C 1; production 3.
    Values R 2, F 10; holding rate 0.1 (instance) and 0.3 at W. Demand C-F over 2 periods:
    100 (std 10, quote 2, level 0.9) and 120 (std 20, quote 3, level 0.8).
    closed=True adds closed facilities that must change nothing: a closed supplier S2 of R
    (lead time 9, lane 9 into P), a closed plant P2 making F (lane from S, lane to W), a closed
    warehouse W2 between P and C.
    """
    n = sn.Network("serial", params={"holding_rate": 0.1, "periods": 2})
    n.add_supplier("S").add_plant("P").add_warehouse("W", holding_rate=0.3).add_customer("C")
    n.add_product("R", kind="raw", value=2.0).add_product("F", kind="finished", value=10.0)
    n.add_bom("F", "R", 2.0)
    n.add_supply("S", "R", price=2.0, lead_time=1)
    n.add_production("P", "F", lead_time=3)
    n.add_lane("S", "P", lead_time=2).add_lane("P", "W", lead_time=1).add_lane("W", "C", lead_time=1)
    n.add_demand("C", "F", 100.0, period=1, std=10.0, service_level=0.9, quoted_lead_time=2)
    n.add_demand("C", "F", 120.0, period=2, std=20.0, service_level=0.8, quoted_lead_time=3)
    if closed:
        n.add_supplier("S2", status="closed").add_plant("P2", status="closed")
        n.add_warehouse("W2", status="closed")
        n.add_supply("S2", "R", price=1.0, lead_time=9).add_lane("S2", "P", lead_time=9)
        n.add_production("P2", "F", lead_time=7).add_lane("P2", "W", lead_time=5)
        n.add_lane("S", "P2", lead_time=1)  # P2 could get its R (validation asks for it)
        n.add_lane("P", "W2", lead_time=0).add_lane("W2", "C", lead_time=0)
    return n


# Demand per period: mean (100 + 120) / 2 = 110; variance mean(10^2, 20^2) = 250.
# Level: the highest over periods (0.9), quote: the shortest (2) -- see the doc-gap test below.
SERIAL_ZS = Z(0.9) * math.sqrt(250.0)  # z sigma of W|F and P|F = 1.2816 x 15.81 = 20.26
SERIAL = {  # id: (T, ext, c = h z sigma, s_max)
    "P|R": (2, 1, 0.2 * 2 * SERIAL_ZS, None),  # lane S->P 2; ext = supply lead 1; 2 R per F
    "P|F": (3, 0, 1.0 * SERIAL_ZS, None),  # production 3, h = 10 x 0.1
    "W|F": (1, 0, 3.0 * SERIAL_ZS, 1),  # lane P->W 1, h = 10 x 0.3; s_max = 2 - lane 1
}
SERIAL_ARCS = [("P|R", "P|F"), ("P|F", "W|F")]
SERIAL_Z = {"P|R": 2 * SERIAL_ZS, "P|F": SERIAL_ZS, "W|F": SERIAL_ZS}


@pytest.mark.parametrize("closed", [False, True], ids=["open", "with closed facilities"])
def test_serial_stage_graph(closed):
    """Stages P|R, P|F, W|F (S is a supplier: no stage). T = (2, 3, 1), ext(P|R) = 1, arcs
    P|R -> P|F (BOM, q = 2 / one source) and P|F -> W|F (lane, q = 1 / one source).
    Closed S2, P2, W2 add no stage, no source (q stays 1, ext stays 1, T stays 2) and no share
    of C's demand."""
    g, info = stage_graph(serial_line(closed))
    assert set(g) == set(SERIAL)
    for k, (T, ext, _, _) in SERIAL.items():
        assert g.nodes[k]["lead_time"] == T
        assert g.nodes[k]["external_service_time"] == ext
    assert g.nodes["P|R"]["holding_cost"] == pytest.approx(0.2)  # 2 x 0.1
    assert g.nodes["P|F"]["holding_cost"] == pytest.approx(1.0)  # 10 x 0.1
    assert g.nodes["W|F"]["holding_cost"] == pytest.approx(3.0)  # 10 x 0.3 (W's own rate)
    assert {(u, v): q for u, v, q in g.edges(data="quantity")} == \
        {("P|R", "P|F"): 2.0, ("P|F", "W|F"): 1.0}
    assert {k for k in g if g.nodes[k]["finished_goods"]} == {"P|F", "W|F"}  # F is finished
    assert info["customer_lanes"] == {("W", "F"): [("C", 1)]}


@pytest.mark.parametrize("closed", [False, True], ids=["open", "with closed facilities"])
def test_serial_optimum_by_hand(closed):
    """k = z sigma = 20.26; cost = 0.4k sqrt(1 + 2 - S_R) + k sqrt(S_R + 3 - S_F)
    + 3k sqrt(S_F + 1 - S_W), S_W <= 1. S_W = 1 always pays (W is dearest).
        S_R = 0, S_F = 0, S_W = 1: 0.4k sqrt3 + k sqrt3 + 0 = 2.425k   <- optimum
        S_R = 3, S_F = 0, S_W = 1: 0        + k sqrt6 + 0 = 2.449k
        S_R = 0, S_F = 1, S_W = 1: 0.4k sqrt3 + k sqrt2 + 3k = 5.11k
        S_R = 3, S_F = 6, S_W = 1: 3k sqrt6
    So P|R and P|F hold stock (tau 3 each), W|F passes orders through (tau 0)."""
    r = sn.buffers(serial_line(closed), compare_policies=False)
    S = check_optimum(r, SERIAL, SERIAL_ARCS, SERIAL_Z)
    assert S == {"P|R": 0, "P|F": 0, "W|F": 1}
    assert r.objective == pytest.approx(1.4 * math.sqrt(3) * SERIAL_ZS)
    st = r.stages.set_index("stage")
    # mean through each stage: 110 at F stages, 2 x 110 of R; base stock = mean tau + ss
    assert list(st.loc[["P|R", "P|F", "W|F"], "demand_mean"]) == pytest.approx([220, 110, 110])
    assert st.loc["P|R", "base_stock"] == pytest.approx(220 * 3 + 2 * SERIAL_ZS * math.sqrt(3))
    assert st.loc["P|F", "pipeline_stock"] == pytest.approx(110 * 3)
    assert st.loc["W|F", "max_service_time"] == 1
    assert st.loc["P|R", "safety_stock_value"] == pytest.approx(0.2 * 2 * SERIAL_ZS * math.sqrt(3))
    kpi = r.tables["kpis"].set_index("kpi")["value"]
    assert kpi["decoupling_points"] == 2
    assert kpi["safety_stock"] == pytest.approx(3 * SERIAL_ZS * math.sqrt(3))  # (2k + k) sqrt3


def test_serial_decoupling_table():
    """W|F quotes 1 and C's lane takes 1: customer lead time 2 = quote 2. The path follows the
    supplier whose S equals SI: SI(W|F) = S(P|F) = 0, SI(P|F) = S(P|R) = 0, P|R has no stage
    supplier: P|R > P|F > W|F > C. Last stage with tau > 0 on it: P|F; one pull stage (W|F)."""
    r = sn.buffers(serial_line(), compare_policies=False)
    d = r.decoupling
    assert len(d) == 1
    row = d.iloc[0]
    assert (row["customer"], row["product"], row["segment"]) == ("C", "F", "none")
    assert row["serving_stage"] == "W|F"
    assert row["path"] == "P|R > P|F > W|F > C"
    assert row["decoupling_point"] == "P|F" and row["pull_stages"] == 1
    assert row["customer_lead_time"] == 2 and row["quoted_lead_time"] == 2 and row["meets_quote"]
    seg = r.segments.iloc[0]
    assert seg["segment"] == "none" and seg["decoupling_points"] == "P|F"
    assert seg["safety_stock"] == pytest.approx(SERIAL_ZS * math.sqrt(3))  # P|F only, each once
    assert seg["pairs_meeting_quote"] == 1


def test_serial_quote_and_level_over_periods():
    """Doc gap: models/buffers.md gives mean and variance over periods but not how the demand
    table's per-period quote and level combine. Here period 1 says (quote 2, level 0.9) and
    period 2 (quote 3, level 0.8); the stage takes the shortest quote (2 - lane 1 = 1) and the
    highest level (0.9), the safe choice; this test pins it."""
    st = sn.buffers(serial_line(), compare_policies=False).stages.set_index("stage")
    assert st.loc["W|F", "max_service_time"] == 1
    assert st.loc["W|F", "z_sigma"] == pytest.approx(Z(0.9) * math.sqrt(250))


def test_apply_writes_mode_and_safety_stock():
    """Stock rows before: P|F (initial 10, target_end 7, safety_stock 1, mode pull) and W|F
    (initial 40, target_end 30, safety_stock 5, mode push). Optimum (above): P|R and P|F push
    with z sigma sqrt3 (2k sqrt3 and k sqrt3), W|F pull with 0.
    - P|R: new row, initial 0, target_end 0, safety stock 2k sqrt3, push;
    - P|F: safety stock k sqrt3, push, initial 10 and target_end 7 kept;
    - W|F: 0, pull, initial 40 kept. target_end: models/buffers.md says "other columns kept",
      but _apply's docstring says pull pairs get target_end 0 (they only draw the initial stock
      down) -- the doc is incomplete; the docstring's rule is asserted."""
    net = serial_line()
    net.add_stock("P", "F", initial=10.0, target_end=7.0, safety_stock=1.0, mode="pull")
    net.add_stock("W", "F", initial=40.0, target_end=30.0, safety_stock=5.0, mode="push")
    r = sn.buffers(net, compare_policies=False)
    new = r.apply()
    k = SERIAL_ZS
    stock = new.stock.set_index(["node", "product"])
    assert len(stock) == 3
    assert list(stock.loc[("P", "R"), ["initial", "target_end", "safety_stock"]]) == \
        pytest.approx([0.0, 0.0, 2 * k * math.sqrt(3)])
    assert stock.loc[("P", "R"), "mode"] == "push"
    assert list(stock.loc[("P", "F"), ["initial", "target_end", "safety_stock"]]) == \
        pytest.approx([10.0, 7.0, k * math.sqrt(3)])
    assert stock.loc[("P", "F"), "mode"] == "push"
    assert list(stock.loc[("W", "F"), ["initial", "target_end", "safety_stock"]]) == \
        pytest.approx([40.0, 0.0, 0.0])
    assert stock.loc[("W", "F"), "mode"] == "pull"
    # the input network is untouched
    old = net.stock.set_index(["node", "product"])
    assert len(old) == 2 and old.loc[("W", "F"), "mode"] == "push"


# ------------------------------------------------------------------------------------ assembly
def assembly(tie: bool = False) -> sn.Network:
    """SA --A--> P, SB --B--> P; P makes F = 1 A + 2 B (production 1) and ships to C (lane 0).

    Note (doc and code agree): P|B gets ext = 2 (SB2's supply lead) and T = 4 (SB's lane), so
    SI + T = 6 although no single source of B takes more than max(0 + 4, 2 + 0) = 4 periods.

    SA: supply lead 1 (2 with tie=True), lane 1; SB: supply lead 0, lane 4. Values: A 4 (given);
    B not given -> cheapest supply price 3 (SB 3, SB2 5); F not given -> BOM: 4 + 2 x 3 +
    cheapest production cost 2 = 12. Holding rate 0.1: h = 0.4, 0.3, 1.2. A second supplier SB2
    of B (supply lead 2, lane 0) makes P|B's T = max lane 4, ext = max supply lead 2.
    Demand C-F: 1 period, 50, std 10, level 0.95, quote 4.
    """
    n = sn.Network("assembly", params={"holding_rate": 0.1, "periods": 1})
    n.add_supplier("SA").add_supplier("SB").add_supplier("SB2").add_plant("P").add_customer("C")
    n.add_product("A", kind="raw", value=4.0).add_product("B", kind="raw")
    n.add_product("F", kind="finished")
    n.add_bom("F", "A", 1.0).add_bom("F", "B", 2.0)
    n.add_supply("SA", "A", price=4.0, lead_time=2 if tie else 1)
    n.add_supply("SB", "B", price=3.0, lead_time=0).add_supply("SB2", "B", price=5.0, lead_time=2)
    n.add_production("P", "F", lead_time=1, cost=2.0)
    n.add_lane("SA", "P", lead_time=1).add_lane("SB", "P", lead_time=4)
    n.add_lane("SB2", "P", lead_time=0).add_lane("P", "C", lead_time=0)
    n.add_demand("C", "F", 50.0, std=10.0, service_level=0.95, quoted_lead_time=4)
    return n


ASM_ZS = Z(0.95) * 10.0  # z sigma of P|F and P|A (1 A per F); P|B needs 2 B per F


def assembly_stages(tie: bool = False) -> dict:
    return {"P|A": (1, 2 if tie else 1, 0.4 * ASM_ZS, None),
            "P|B": (4, 2, 0.3 * 2 * ASM_ZS, None),
            "P|F": (1, 0, 1.2 * ASM_ZS, 4)}


ASM_ARCS = [("P|A", "P|F"), ("P|B", "P|F")]


def test_assembly_stage_graph():
    """T: P|A lane 1, P|B longest lane max(4, 0) = 4, P|F production 1; ext: P|A 1, P|B the
    longest supply lead time max(0, 2) = 2; BOM arcs q = 1 and 2 (F has one source: its own
    production); holding costs 0.4, 0.3, 1.2 (values 4, 3, 12 x 0.1)."""
    g, _ = stage_graph(assembly())
    assert set(g) == {"P|A", "P|B", "P|F"}
    for k, (T, ext, _, _) in assembly_stages().items():
        assert (g.nodes[k]["lead_time"], g.nodes[k]["external_service_time"]) == (T, ext), k
    assert {k: g.nodes[k]["holding_cost"] for k in g} == \
        pytest.approx({"P|A": 0.4, "P|B": 0.3, "P|F": 1.2})
    assert {(u, v): q for u, v, q in g.edges(data="quantity")} == \
        {("P|A", "P|F"): 1.0, ("P|B", "P|F"): 2.0}


def test_assembly_optimum_by_hand():
    """k = 1.645 x 10; c = (0.4k, 0.6k, 1.2k); S_A <= ext 1 + T 1 = 2, S_B <= 2 + 4 = 6,
    S_F <= 4. cost = 0.4k sqrt(2 - S_A) + 0.6k sqrt(6 - S_B) + 1.2k sqrt(max(S_A, S_B) + 1 - S_F).
        S = (2, 3, 4): 0 + 0.6k sqrt3 + 0 = 1.039k   <- optimum: B quotes 3, neither 0 nor 6
        S = (2, 4, 4): 0 + 0.6k sqrt2 + 1.2k = 2.05k
        S = (2, 2, 3): 0 + 0.6k x 2 + 0 = 1.2k
        S = (2, 6, 4): 0 + 0 + 1.2k sqrt3 = 2.08k
    Decoupling: SI_F = max(2, 3) = 3 is set by P|B (S = 3): path P|B > P|F > C; P|B holds
    stock (tau 3), P|F does not (tau 0): decoupling point P|B, one pull stage; customer lead
    time 4 + lane 0 = quote 4."""
    r = sn.buffers(assembly(), compare_policies=False)
    z = {"P|A": ASM_ZS, "P|B": 2 * ASM_ZS, "P|F": ASM_ZS}
    S = check_optimum(r, assembly_stages(), ASM_ARCS, z)
    assert S == {"P|A": 2, "P|B": 3, "P|F": 4}
    assert r.objective == pytest.approx(0.6 * math.sqrt(3) * ASM_ZS)
    st = r.stages.set_index("stage")
    assert list(st.loc[["P|A", "P|B", "P|F"], "demand_mean"]) == pytest.approx([50, 100, 50])
    row = r.decoupling.iloc[0]
    assert row["path"] == "P|B > P|F > C"
    assert row["decoupling_point"] == "P|B" and row["pull_stages"] == 1
    assert row["customer_lead_time"] == 4 and row["meets_quote"]


def test_assembly_tie_path_follows_one_tied_supplier():
    """Doc gap: with SA's supply lead 2, S_A can reach 3 and the optimum becomes S = (3, 3, 4)
    (0 + 0.6k sqrt3 + 0 = 1.039k again; (3, 6, 4): 1.2k sqrt3 = 2.08k). Both P|A and P|B
    then set SI_F = 3. The doc follows "the supplier whose quote sets the inbound service time"
    without saying which of tied suppliers; the code takes the smaller stage id (P|A), whose
    branch pulls from the supplier, and reports no decoupling point although P|B holds the
    stock. Renaming the components would flip the answer. Pinned: the path is one of the two
    tied branches and its decoupling point is consistent with it."""
    r = sn.buffers(assembly(tie=True), compare_policies=False)
    z = {"P|A": ASM_ZS, "P|B": 2 * ASM_ZS, "P|F": ASM_ZS}
    S = check_optimum(r, assembly_stages(tie=True), ASM_ARCS, z)
    assert S == {"P|A": 3, "P|B": 3, "P|F": 4}
    row = r.decoupling.iloc[0]
    assert (row["path"], row["decoupling_point"]) in {("P|A > P|F > C", NONE),
                                                      ("P|B > P|F > C", "P|B")}


# ------------------------------------------------ one warehouse, two customers, one product
def two_customers(commitments: bool = False) -> sn.Network:
    """P makes F (production 2) -> W (lane 2) -> C1 (lane 0), C2 (lane 2). Value 10, rate 0.1.
    Demand (1 period): C1 200, std 30, level 0.99, quote 1; C2 100, std 40, level 0.9, quote 5.
    commitments=True: C1 `committed` with quote 2 and service level 0 (not stated: keeps 0.99),
    C2 `key_account` with quote 4 and level 0.995."""
    n = sn.Network("two", params={"holding_rate": 0.1, "periods": 1})
    n.add_plant("P").add_warehouse("W").add_customer("C1").add_customer("C2")
    n.add_product("F", kind="finished", value=10.0)
    n.add_production("P", "F", lead_time=2)
    n.add_lane("P", "W", lead_time=2).add_lane("W", "C1", lead_time=0)
    n.add_lane("W", "C2", lead_time=2)
    n.add_demand("C1", "F", 200.0, std=30.0, service_level=0.99, quoted_lead_time=1)
    n.add_demand("C2", "F", 100.0, std=40.0, service_level=0.9, quoted_lead_time=5)
    if commitments:
        n.set_table("commitments", pd.DataFrame([
            {"customer": "C1", "product": "F", "quoted_lead_time": 2, "service_level": 0.0,
             "segment": "committed"},
            {"customer": "C2", "product": "F", "quoted_lead_time": 4, "service_level": 0.995,
             "segment": "key_account"}]))
    return n


def test_two_customers_different_quotes_and_levels():
    """W|F: mean 300, std sqrt(30^2 + 40^2) = 50, level max(0.99, 0.9) = 0.99, s_max =
    min(1 - 0, 5 - 2) = 1. k = z(0.99) 50; P|F pooled from W|F only: same k. h = 1 at both.
    cost = k sqrt(2 - S_P) + k sqrt(S_P + 2 - S_W), S_W <= 1:
        S_W = 1: S_P = 0: sqrt2 + 1 = 2.414; 1: 1 + sqrt2 = 2.414; 2: 0 + sqrt3 = 1.732 <- opt
        S_W = 0: S_P = 2: 0 + 2 (the best with S_W = 0)
    S = (2, 1): P|F passes orders through, W|F holds k sqrt3. C1 gets 1 + 0 = 1 (quote 1),
    C2 1 + 2 = 3 (quote 5): both met, both decoupled at W|F with no pull stage."""
    r = sn.buffers(two_customers(), compare_policies=False)
    k = Z(0.99) * 50.0
    stages = {"P|F": (2, 0, k, None), "W|F": (2, 0, k, 1)}
    S = check_optimum(r, stages, [("P|F", "W|F")], {"P|F": k, "W|F": k})
    assert S == {"P|F": 2, "W|F": 1}
    st = r.stages.set_index("stage")
    assert st.loc["W|F", "demand_mean"] == pytest.approx(300)
    assert st.loc["W|F", "z_sigma"] == pytest.approx(k)
    d = r.decoupling.set_index("customer")
    assert list(d.loc[["C1", "C2"], "customer_lead_time"]) == [1, 3]
    assert list(d.loc[["C1", "C2"], "quoted_lead_time"]) == [1.0, 5.0]
    assert d["meets_quote"].all()
    assert (d["decoupling_point"] == "W|F").all() and (d["pull_stages"] == 0).all()
    assert (d["path"] == "P|F > W|F > " + d.index.to_series()).all()


def test_two_customers_with_commitments():
    """C1 committed: quote 2 replaces 1, level 0 keeps the demand table's 0.99; C2 key account:
    quote 4, level 0.995. W|F: s_max = min(2 - 0, 4 - 2) = 2, level max(0.99, 0.995) = 0.995,
    k = z(0.995) 50. cost = k sqrt(2 - S_P) + k sqrt(S_P + 2 - S_W), S_W <= 2:
    S_P = 2, S_W = 2: 0 + sqrt2 k (S_P = 0, S_W = 2: sqrt2 + 0, a tie in cost; enumerated).
    Both quotes met: C1 gets S_W + 0 = 2, C2 S_W + 2 = 4."""
    r = sn.buffers(two_customers(commitments=True), compare_policies=False)
    k = Z(0.995) * 50.0
    st = r.stages.set_index("stage")
    assert st.loc["W|F", "max_service_time"] == 2
    assert st.loc["W|F", "z_sigma"] == pytest.approx(k)
    cost, _, _ = brute_force({"P|F": (2, 0, k, None), "W|F": (2, 0, k, 2)}, [("P|F", "W|F")])
    assert cost == pytest.approx(math.sqrt(2) * k)
    assert r.objective == pytest.approx(cost)
    assert st.loc["W|F", "outbound_service_time"] == 2
    d = r.decoupling.set_index("customer")
    assert list(d.loc[["C1", "C2"], "segment"]) == ["committed", "key_account"]
    assert list(d.loc[["C1", "C2"], "customer_lead_time"]) == [2, 4]
    assert list(d.loc[["C1", "C2"], "quoted_lead_time"]) == [2.0, 4.0]
    assert d["meets_quote"].all()
    assert list(r.segments["segment"]) == ["key_account", "committed"]


# ------------------------------------------------------- two warehouses sharing a customer
def shared_customer() -> sn.Network:
    """P makes F (production 1); lanes P->W1 1, P->W2 2; W1->C1 0, W1->C2 1, W2->C2 3.
    Demand (1 period, level 0.95, quote 2): C1 60 std 6; C2 80 std 16, split over W1 and W2.
    Value 10, rate 0.1 (h = 1), W2's rate 0.2 (h = 2)."""
    n = sn.Network("shared", params={"holding_rate": 0.1, "periods": 1})
    n.add_plant("P").add_warehouse("W1").add_warehouse("W2", holding_rate=0.2)
    n.add_customer("C1").add_customer("C2")
    n.add_product("F", kind="finished", value=10.0)
    n.add_production("P", "F", lead_time=1)
    n.add_lane("P", "W1", lead_time=1).add_lane("P", "W2", lead_time=2)
    n.add_lane("W1", "C1", lead_time=0).add_lane("W1", "C2", lead_time=1)
    n.add_lane("W2", "C2", lead_time=3)
    n.add_demand("C1", "F", 60.0, std=6.0, service_level=0.95, quoted_lead_time=2)
    n.add_demand("C2", "F", 80.0, std=16.0, service_level=0.95, quoted_lead_time=2)
    return n


def test_shared_customer_split_pooling_and_missed_quote():
    """C2 is served by 2 stages: each gets 1/2 of its mean (40) and std (8).
    W1|F: mean 60 + 40 = 100, std sqrt(6^2 + 8^2) = 10, s_max = min(2 - 0, 2 - 1) = 1.
    W2|F: mean 40, std 8, s_max = max(0, 2 - 3) = 0 (the lane alone misses the quote).
    P|F pooled: z sigma = sqrt((1.645 x 10)^2 + (1.645 x 8)^2) = 1.645 sqrt164, mean 140.
    c = (P 1.645 sqrt164 = 21.07, W1 16.45, W2 2 x 13.16 = 26.32).
    cost = c_P sqrt(1 - S_P) + c_W1 sqrt(S_P + 1 - S_W1) + c_W2 sqrt(S_P + 2), S_W1 <= 1:
        S_P = 0, S_W1 = 1: 21.07 + 0 + 26.32 sqrt2 = 58.29   <- optimum
        S_P = 1, S_W1 = 1: 0 + 16.45 + 26.32 sqrt3  = 62.04
    Decoupling: C1 and C2 via W1: P|F > W1|F > C, P|F holds stock (tau 1), W1 pulls: point
    P|F, one pull stage, lead times 1 + 0 = 1 and 1 + 1 = 2 (quote 2, met). C2 via W2: W2|F
    (tau 2) is the point, lead time 0 + 3 = 3 > 2: not met."""
    z = Z(0.95)
    r = sn.buffers(shared_customer(), compare_policies=False)
    zs = {"P|F": z * math.sqrt(164.0), "W1|F": z * 10.0, "W2|F": z * 8.0}
    stages = {"P|F": (1, 0, zs["P|F"], None), "W1|F": (1, 0, zs["W1|F"], 1),
              "W2|F": (2, 0, 2.0 * zs["W2|F"], 0)}
    S = check_optimum(r, stages, [("P|F", "W1|F"), ("P|F", "W2|F")], zs)
    assert S == {"P|F": 0, "W1|F": 1, "W2|F": 0}
    st = r.stages.set_index("stage")
    assert list(st.loc[["P|F", "W1|F", "W2|F"], "demand_mean"]) == pytest.approx([140, 100, 40])
    assert list(st.loc[["W1|F", "W2|F"], "max_service_time"]) == [1, 0]
    d = r.decoupling.set_index(["customer", "serving_stage"])
    assert len(d) == 3
    assert d.loc[("C1", "W1|F"), "path"] == "P|F > W1|F > C1"
    assert d.loc[("C2", "W1|F"), "path"] == "P|F > W1|F > C2"
    assert d.loc[("C2", "W2|F"), "path"] == "P|F > W2|F > C2"
    assert list(d["decoupling_point"]) == ["P|F", "P|F", "W2|F"]
    assert list(d["pull_stages"]) == [1, 1, 0]
    assert list(d["customer_lead_time"]) == [1, 2, 3]
    assert list(d["meets_quote"]) == [True, True, False]
    seg = r.segments.iloc[0]
    # one segment "none", pairs C1-F and C2-F; C2 meets its quote on one stage only
    assert (seg["pairs"], seg["pairs_meeting_quote"]) == (2, 1)
    assert set(seg["decoupling_points"].split(", ")) == {"P|F", "W2|F"}
    assert seg["safety_stock"] == pytest.approx(zs["P|F"] * 1 + zs["W2|F"] * math.sqrt(2))
    assert seg["customer_lead_time"] == pytest.approx(2.0) and seg["max_customer_lead_time"] == 3


# ------------------------------------------------------------ disagreements with the doc
def in_house_intermediate(bom_order: str) -> sn.Network:
    """S --R--> P (lane 3, supply lead 1); P makes I = 2 R (production 2) and F = 1 I
    (production 1), ships F to C (lane 0, quote 0). Values R 1, I 3, F 10, rate 0.1.
    Demand 50, std 10, level 0.95. bom_order: which BOM row comes first."""
    n = sn.Network("in-house", params={"holding_rate": 0.1, "periods": 1})
    n.add_supplier("S").add_plant("P").add_customer("C")
    n.add_product("R", kind="raw", value=1.0).add_product("I", kind="intermediate", value=3.0)
    n.add_product("F", kind="finished", value=10.0)
    rows = [("I", "R", 2.0), ("F", "I", 1.0)]
    for parent, component, q in (rows if bom_order == "I row first" else rows[::-1]):
        n.add_bom(parent, component, q)
    n.add_supply("S", "R", price=1.0, lead_time=1)
    n.add_production("P", "I", lead_time=2).add_production("P", "F", lead_time=1)
    n.add_lane("S", "P", lead_time=3).add_lane("P", "C", lead_time=0)
    n.add_demand("C", "F", 50.0, std=10.0, service_level=0.95, quoted_lead_time=0)
    return n


@pytest.mark.parametrize("bom_order", ["F row first", "I row first"])
def test_in_house_intermediate_does_not_depend_on_bom_row_order(bom_order):
    """The doc: a stage per (plant, product) "that the BOM needs at a plant making the parent",
    BOM arcs component -> parent. Stages P|R (T = lane 3, ext 1, 2 R per I per F: z sigma 2k),
    P|I (T = production 2), P|F (T = 1, s_max 0), arcs P|R -> P|I (q 2), P|I -> P|F (q 1).
    k = 1.645 x 10; c = (0.1 x 2k, 0.3k, k). cost = 0.2k sqrt(4 - S_R)
    + 0.3k sqrt(S_R + 2 - S_I) + k sqrt(S_I + 1):
        S = (4, 0, 0): 0 + 0.3k sqrt6 + k = 1.735k = 28.54   <- optimum
        S = (0, 0, 0): 0.4k + 0.3k sqrt2 + k = 1.824k"""
    net = in_house_intermediate(bom_order)
    g, _ = stage_graph(net)
    assert {(u, v): q for u, v, q in g.edges(data="quantity")} == \
        {("P|R", "P|I"): 2.0, ("P|I", "P|F"): 1.0}
    k = Z(0.95) * 10.0
    stages = {"P|R": (3, 1, 0.2 * k, None), "P|I": (2, 0, 0.3 * k, None), "P|F": (1, 0, k, 0)}
    r = sn.buffers(net, compare_policies=False)
    S = check_optimum(r, stages, [("P|R", "P|I"), ("P|I", "P|F")],
                      {"P|R": 2 * k, "P|I": k, "P|F": k})
    assert S == {"P|R": 4, "P|I": 0, "P|F": 0}
    assert r.objective == pytest.approx((1 + 0.3 * math.sqrt(6)) * k)


def test_value_ignores_closed_suppliers_and_plants():
    """B and F have no value. Open S sells B at 3, closed S2 at 1; open P makes F at cost 2,
    closed P2 at 0.5. Ignoring the closed ones: value B = 3, F = 1 x 3 + 2 = 5; rate 0.1:
    h(P|B) = 0.3, h(P|F) = 0.5."""
    n = sn.Network("values", params={"holding_rate": 0.1, "periods": 1})
    n.add_supplier("S").add_supplier("S2", status="closed").add_plant("P")
    n.add_plant("P2", status="closed").add_customer("C")
    n.add_product("B", kind="raw").add_product("F", kind="finished").add_bom("F", "B", 1.0)
    n.add_supply("S", "B", price=3.0, lead_time=0).add_supply("S2", "B", price=1.0, lead_time=0)
    n.add_production("P", "F", lead_time=1, cost=2.0).add_production("P2", "F", lead_time=1,
                                                                      cost=0.5)
    n.add_lane("S", "P", lead_time=1).add_lane("S2", "P", lead_time=1).add_lane("P", "C")
    n.add_lane("S", "P2").add_lane("P2", "C")
    n.add_demand("C", "F", 50.0, std=10.0, quoted_lead_time=0)
    g, _ = stage_graph(n)
    assert {k: g.nodes[k]["holding_cost"] for k in g} == pytest.approx({"P|B": 0.3, "P|F": 0.5})


def test_lanes_back_and_forth_keep_the_one_leading_away():
    """P -> W1 -> W2 and W2 -> W1, all carrying F; W1 serves C1, W2 serves C2. Distance from P
    (in lanes): W1 1, W2 2; W1 -> W2 (1 < 2) is kept, W2 -> W1 (2 > 1) dropped. So W1|F has one
    source (q 1 on P|F -> W1|F) and W2|F one (q 1 on W1|F -> W2|F); all T = 1."""
    m = sn.Network("orient", params={"holding_rate": 0.1, "periods": 1})
    m.add_plant("P").add_warehouse("W1").add_warehouse("W2").add_customer("C1")
    m.add_customer("C2").add_product("F", value=10.0).add_production("P", "F", lead_time=1)
    m.add_lane("P", "W1", lead_time=1).add_lane("W1", "W2", lead_time=1)
    m.add_lane("W2", "W1", lead_time=1).add_lane("W1", "C1").add_lane("W2", "C2")
    m.add_demand("C1", "F", 10.0, std=1.0).add_demand("C2", "F", 10.0, std=1.0)
    g, _ = stage_graph(m)
    assert {(u, v): q for u, v, q in g.edges(data="quantity")} == \
        {("P|F", "W1|F"): 1.0, ("W1|F", "W2|F"): 1.0}
    assert {k: g.nodes[k]["lead_time"] for k in g} == {"P|F": 1, "W1|F": 1, "W2|F": 1}
