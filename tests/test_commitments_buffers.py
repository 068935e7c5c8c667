"""Commitments in buffers (models/buffers.md, "Commitments"), worked out by hand.

Plant P makes F and G (production lead time 2, no components) and ships them to warehouse W
(lane lead time 1); W ships to C1 (F), C2 (F) and C3 (G), lanes of lead time 0. Both products
are worth 10; holding rate 0.1 at P and 0.2 at W, so h_P = 1 and h_W = 2 per unit and period.
Demand: 100 per period with std 10 for every pair; the demand table says service level 0.99
and quoted lead time 3 for everybody. Commitments: C1-F key account, quote 1, level 0.95;
C2-F and C3-G best effort (their quote 0 and level 0.99 must not count).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import pandas as pd
import pytest

import supplynet as sn


def net(commitments: bool = True) -> sn.Network:
    n = sn.Network("cb", params={"holding_rate": 0.1, "periods": 2})
    n.add_plant("P", holding_rate=0.1).add_warehouse("W", holding_rate=0.2)
    for c in ("C1", "C2", "C3"):
        n.add_customer(c)
        n.add_lane("W", c, lead_time=0)
    n.add_lane("P", "W", lead_time=1)
    for p in ("F", "G"):
        n.add_product(p, kind="finished", value=10.0)
        n.add_production("P", p, lead_time=2)
    for t in (1, 2):
        for c, p in (("C1", "F"), ("C2", "F"), ("C3", "G")):
            n.add_demand(c, p, 100.0, period=t, std=10.0, service_level=0.99,
                         quoted_lead_time=3)
    if commitments:
        n.set_table("commitments", pd.DataFrame([
            {"customer": "C1", "product": "F", "quoted_lead_time": 1, "service_level": 0.95,
             "segment": "key_account"},
            {"customer": "C2", "product": "F", "quoted_lead_time": 0, "service_level": 0.99,
             "segment": "best_effort"},
            {"customer": "C3", "product": "G", "quoted_lead_time": 0, "service_level": 0.99,
             "segment": "best_effort"}]))
    return n


def serial_optimum(k: float, s_max: float) -> tuple[float, int, int]:
    """Enumerate the serial line P|F (T = 2, SI = 0) -> W|F (T = 1):
    cost = h_P k sqrt(2 - S_P) + h_W k sqrt(S_P + 1 - S_W), 0 <= S_P <= 2, 0 <= S_W <= min(s_max,
    S_P + 1). Returns (cost, S_P, S_W) of the cheapest."""
    return min((1.0 * k * math.sqrt(2 - sp) + 2.0 * k * math.sqrt(sp + 1 - sw), sp, sw)
               for sp in range(3) for sw in range(min(s_max, sp + 1) + 1))


def test_quote_and_level_come_from_the_commitment():
    """W|F faces C1 (key account) and C2 (best effort): std sqrt(10^2 + 10^2) (the best-effort
    demand is pooled), z = Phi^-1(0.95) from C1's commitment (C2 sets no level), max service
    time = C1's quote 1 - lane 0 = 1 (C2 has no quote). Enumeration: S_P = 0, S_W = 1 gives
    1*k*sqrt(2) + 2*k*sqrt(0) = k sqrt 2 (S_P = 1, S_W = 1: 3k; S_P = 2, S_W = 1: 2k sqrt 2;
    S_W = 0: k sqrt 2 + 2k, k + 2k sqrt 2 or 2k sqrt 3). G has no quote anywhere: both G
    stages pass orders through
    (tau = 0), no stock. So the stock sits at P|F only: C1's decoupling point is P|F, one pull
    stage (W|F), customer lead time S_W + 0 = 1 = the quote."""
    r = sn.buffers(net(), compare_policies=False)
    k = NormalDist().inv_cdf(0.95) * math.sqrt(200.0)
    cost, sp, sw = serial_optimum(k, 1)
    assert (sp, sw) == (0, 1) and cost == pytest.approx(k * math.sqrt(2))
    assert r.objective == pytest.approx(cost)
    st = r.stages.set_index("stage")
    assert st.loc["W|F", "max_service_time"] == 1
    assert st.loc["W|F", "z_sigma"] == pytest.approx(k)
    assert math.isnan(st.loc["W|G", "max_service_time"])
    assert st.loc["P|F", "net_replenishment_time"] == 2
    assert st.loc["W|F", "net_replenishment_time"] == 0
    assert st.loc["P|F", "safety_stock"] == pytest.approx(k * math.sqrt(2))
    assert st.loc[["P|G", "W|G"], "safety_stock"].sum() == pytest.approx(0.0)
    d = r.decoupling.set_index("customer")
    assert d.loc["C1", "segment"] == "key_account"
    assert d.loc["C1", "decoupling_point"] == "P|F" and d.loc["C1", "pull_stages"] == 1
    assert d.loc["C1", "customer_lead_time"] == 1 and d.loc["C1", "quoted_lead_time"] == 1
    assert d.loc["C2", "segment"] == "best_effort" and math.isnan(d.loc["C2", "quoted_lead_time"])
    assert d.loc["C3", "decoupling_point"].startswith("none")
    seg = r.segments.set_index("segment")
    assert list(r.segments["segment"]) == ["key_account", "best_effort"]
    assert seg.loc["key_account", "decoupling_points"] == "P|F"
    assert seg.loc["key_account", "safety_stock"] == pytest.approx(k * math.sqrt(2))
    assert seg.loc["best_effort", "pairs"] == 2
    assert set(seg.loc["best_effort", "decoupling_points"].split(", ")) == \
        {"P|F", "none (order reaches the supplier)"}


def test_without_commitments_the_demand_table_rules():
    """Same network, no commitments: W|F's quote is 3 - 0 = 3 >= S_P + 1 for every S_P, so
    S_P = 2, S_W = 3 holds no stock at all (cost 0); z = Phi^-1(0.99) on the stage."""
    r = sn.buffers(net(commitments=False), compare_policies=False)
    assert r.objective == pytest.approx(0.0)
    st = r.stages.set_index("stage")
    assert st.loc["W|F", "max_service_time"] == 3
    assert st.loc["W|F", "z_sigma"] == pytest.approx(NormalDist().inv_cdf(0.99) * math.sqrt(200))
    assert set(r.segments["segment"]) == {"none"}


def test_best_effort_only_holds_no_stock():
    """Every pair best effort: no stage has a max service time, so every stage passes orders
    through (tau = 0) and the optimum holds nothing."""
    n = net()
    com = n.table("commitments").assign(segment="best_effort")
    n.set_table("commitments", com)
    r = sn.buffers(n, compare_policies=False)
    assert r.objective == pytest.approx(0.0)
    assert r.stages["max_service_time"].isna().all()
