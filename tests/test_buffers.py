"""supplynet.buffers: stage graph of a Network, hand-derived optimum, decoupling table, apply()."""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist

import pytest

import supplynet as sn
from supplynet.errors import OptionsError
from supplynet.network import Network

JUICE = Path(__file__).resolve().parents[1] / "instances" / "juice"


def small(second_plant: bool = False) -> Network:
    """S1 (raw R, lead time 2) -> P (makes F from 2 R, 1 period) -> W -> C1 (quote 0), C2 (quote 2)."""
    net = Network("small", params={"holding_rate": 0.1, "periods": 2})
    net.add_supplier("S1").add_plant("P").add_warehouse("W")
    net.add_customer("C1").add_customer("C2")
    net.add_product("R", kind="raw", value=1.0).add_product("F", kind="finished", value=10.0)
    net.add_bom("F", "R", 2.0)
    net.add_supply("S1", "R", price=1.0, lead_time=2)
    net.add_production("P", "F", lead_time=1)
    net.add_lane("S1", "P", lead_time=1).add_lane("P", "W", lead_time=1)
    net.add_lane("W", "C1", lead_time=0).add_lane("W", "C2", lead_time=1)
    if second_plant:
        net.add_plant("P2").add_production("P2", "F", lead_time=1)
        net.add_lane("S1", "P2", lead_time=1).add_lane("P2", "W", lead_time=1)
    for t in (1, 2):
        net.add_demand("C1", "F", 100.0, period=t, std=20.0, service_level=0.95,
                       quoted_lead_time=0)
        net.add_demand("C2", "F", 50.0, period=t, std=10.0, service_level=0.9,
                       quoted_lead_time=2)
    return net


def test_stage_graph_and_optimum_by_hand():
    """Stages P|R (T = lane 1, supplier guarantees 2), P|F (production 1), W|F (lane 1).
    W|F faces C1 and C2: mean 150, std sqrt(20^2 + 10^2), z of the higher service level 0.95,
    max service time min(0 - 0, 2 - 1) = 0. P|R needs 2 R per F. Holding cost = value x 0.1.
    Cost = 0.1*2k sqrt(3 - S_R) + 1.0*k sqrt(S_R + 1 - S_F) + 1.0*k sqrt(S_F + 1), k = z sigma."""
    r = sn.buffers(small(), compare_policies=False)
    st = r.stages.set_index("stage")
    assert set(st.index) == {"P|R", "P|F", "W|F"}
    k = NormalDist().inv_cdf(0.95) * math.hypot(20, 10)
    assert st.loc["W|F", "z_sigma"] == pytest.approx(k)
    assert st.loc["P|R", "z_sigma"] == pytest.approx(2 * k)
    assert st.loc["W|F", "demand_mean"] == pytest.approx(150)
    assert st.loc["P|R", "demand_mean"] == pytest.approx(300)
    assert list(st.loc[["P|R", "P|F", "W|F"], "lead_time"]) == [1, 1, 1]
    assert st.loc["W|F", "max_service_time"] == 0
    best = min(0.2 * k * math.sqrt(3 - sr) + k * math.sqrt(sr + 1 - sf) + k * math.sqrt(sf + 1)
               for sr in range(4) for sf in range(sr + 2))
    assert r.objective == pytest.approx(best)
    assert r.status == "optimal"
    assert st.loc["P|R", "inbound_service_time"] >= 2  # the supplier's guaranteed lead time
    assert (st["mode"] == st["role"].map({"decoupling point": "push", "pull": "pull"})).all()


def test_policies_by_hand():
    """k = z sigma of W|F. Every stage buffers (S = 0): 0.2k sqrt3 + k + k. Finished goods only
    (P|R holds nothing, so S_R = 2 + 1 = 3): min over S_F of k sqrt(4 - S_F) + k sqrt(S_F + 1)
    = k sqrt5 (S_F = 4, concave); customer-facing only (W|F): S_F = 4 too, k sqrt5."""
    k = NormalDist().inv_cdf(0.95) * math.hypot(20, 10)
    p = sn.buffers(small()).policies.set_index("policy")["cost"]
    assert p["buffer every stage"] == pytest.approx(0.2 * k * math.sqrt(3) + 2 * k)
    assert p["buffer finished goods only"] == pytest.approx(k * math.sqrt(5))
    assert p["buffer customer-facing stages only"] == pytest.approx(k * math.sqrt(5))
    assert p["optimal"] <= p.min() + 1e-9


def test_decoupling_table():
    r = sn.buffers(small(), compare_policies=False)
    d = r.decoupling.set_index("customer")
    assert set(d.index) == {"C1", "C2"}
    assert d.loc["C1", "path"].endswith("W|F > C1")
    assert d.loc["C1", "customer_lead_time"] == 0 and d.loc["C1", "meets_quote"]
    assert d.loc["C2", "customer_lead_time"] == 1 and d.loc["C2", "quoted_lead_time"] == 2
    st = r.stages.set_index("stage")
    # W|F must quote 0, so it holds stock whatever P does: it is the decoupling point
    assert st.loc["W|F", "net_replenishment_time"] > 0
    assert d.loc["C1", "decoupling_point"] == "W|F" and d.loc["C1", "pull_stages"] == 0


def test_two_sources_split_the_demand():
    """W|F has two sources (P and P2): each plant's stage carries half of W's demand."""
    st = sn.buffers(small(second_plant=True), compare_policies=False).stages.set_index("stage")
    assert st.loc["P|F", "demand_mean"] == pytest.approx(75)
    assert st.loc["P2|F", "demand_mean"] == pytest.approx(75)
    assert st.loc["P|R", "demand_mean"] == pytest.approx(150)


def test_apply_writes_stock_targets_and_modes():
    net = small()
    net.add_stock("W", "F", initial=40.0)
    r = sn.buffers(net, compare_policies=False)
    new = r.apply()
    assert new is not net
    stock = new.stock.set_index(["node", "product"])
    st = r.stages.set_index(["node", "product"])
    for key in st.index:
        assert stock.loc[key, "safety_stock"] == pytest.approx(st.loc[key, "safety_stock"])
        assert stock.loc[key, "mode"] == st.loc[key, "mode"]
    assert stock.loc[("W", "F"), "initial"] == 40.0  # other columns kept
    assert len(net.stock) == 1  # the input network is unchanged


def test_what_if_by_node_and_stage():
    base = sn.buffers(small(), compare_policies=False)
    r = sn.buffers(small(), forbid_buffer=["P"], compare_policies=False)
    st = r.stages.set_index("stage")
    assert (st.loc[["P|R", "P|F"], "net_replenishment_time"] == 0).all()
    assert r.objective >= base.objective - 1e-9
    r = sn.buffers(small(), force_buffer=[("P", "F")], compare_policies=False)
    assert r.stages.set_index("stage").loc["P|F", "net_replenishment_time"] >= 1
    with pytest.raises(OptionsError, match="neither a stage"):
        sn.buffers(small(), force_buffer=["nowhere"])
    # every gsm option passes through, checked the same way
    r = sn.buffers(small(), method="mip", max_mip_pairs=10**6, compare_policies=False)
    assert r.objective == pytest.approx(base.objective)
    with pytest.raises(OptionsError, match="max_mip_pairs"):
        sn.buffers(small(), max_mip_pairs=-1)


@pytest.mark.skipif(not (JUICE / "instance.yaml").exists(), reason="juice instance not available")
def test_juice():
    net = sn.read(JUICE)
    r = sn.buffers(net)
    assert r.status == "optimal" and r.model == "buffers"
    st = r.stages
    assert st["node"].map(net.kind_of()).isin(["plant", "warehouse"]).all()
    # objective = holding cost of every stage's safety stock z sigma sqrt(tau)
    assert (st["holding_cost"] * st["z_sigma"] * st["net_replenishment_time"] ** 0.5).sum() == \
        pytest.approx(r.objective)
    assert r.costs["cost"].sum() == pytest.approx(r.objective)
    # every (customer, product) with demand is served by at least one stage
    dem = set(zip(net.demand["customer"], net.demand["product"], strict=True))
    assert set(zip(r.decoupling["customer"], r.decoupling["product"], strict=True)) == dem
    assert r.policies.set_index("policy").loc["optimal", "cost"] <= r.policies["cost"].min() + 1e-6
    new = r.apply()
    assert set(new.stock["mode"]) <= {"push", "pull"}


def test_bad_input_is_named_before_any_stage_graph():
    # buffers validates like design and plan: a negative lane cost and a BOM cycle are named
    # by row instead of an "optimal" answer on corrupt data
    net = sn.read(Path(__file__).parents[1] / "instances" / "juice")
    lanes = net.table("lanes").copy()
    lanes.loc[0, "cost"] = -1.0
    net.set_table("lanes", lanes)
    with pytest.raises(sn.InstanceError, match=r"lanes row 1 .*cost"):
        sn.buffers(net)


def test_solve_options_object_is_accepted_positionally():
    # as design(net, options) and plan(net, options) accept it (it raised TypeError)
    net = sn.read(Path(__file__).parents[1] / "instances" / "juice")
    plain = sn.buffers(net)
    given = sn.buffers(net, sn.SolveOptions(time_limit=60))
    assert given.objective == pytest.approx(plain.objective)
    assert given.costs["category"].tolist() == ["safety_stock"]
