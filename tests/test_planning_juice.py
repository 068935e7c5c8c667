"""The juice instance's summer peak: the plan builds stock ahead when capacity binds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import supplynet as sn

JUICE = Path(__file__).resolve().parents[1] / "instances" / "juice"
pytestmark = pytest.mark.skipif(not (JUICE / "instance.yaml").exists(), reason="no juice instance")


def finished_stock(res) -> dict[int, float]:
    inv = res.inventory
    fg = inv[inv["product"].str.endswith("_1l")]
    return fg.groupby("period")["on_hand"].sum().to_dict()


def test_stock_builds_before_the_summer_peak_when_capacity_binds():
    net = sn.read(JUICE)
    res = sn.plan(net)
    assert res.status == "optimal"
    demand = net.demand.groupby("period")["quantity"].sum()
    peak = int(demand.idxmax())
    assert peak == 6  # June, with the orange promotion (instance README)
    # capacity binds before the peak: some plant uses all its regular hours
    cap = res.capacity[(res.capacity["type"] == "production_hours")
                       & (res.capacity["period"] < peak)]
    assert (cap["utilisation"] >= 1 - 1e-6).any()
    binding = cap[cap["utilisation"] >= 1 - 1e-6]
    assert (binding["marginal_value"] > 0).all()  # an extra hour before the peak has value
    stock = finished_stock(res)
    # the same network with unlimited plant hours builds no finished-goods stock ahead
    free = net.copy()
    nodes = free.nodes.copy()
    nodes.loc[nodes["kind"] == "plant", "capacity"] = np.nan
    free.set_table("nodes", nodes)
    stock_free = finished_stock(sn.plan(free))
    pre = range(2, peak)
    assert all(stock[t] > 0.05 * demand[t] for t in pre)
    assert all(stock_free.get(t, 0.0) < 1e-6 * demand[t] for t in pre)
    # and the stock is drawn down in the peak
    assert stock[peak] < 0.5 * max(stock[t] for t in pre)
    # service commitments hold and the costs add up
    fr = res.fill_rates
    assert (fr["fill_rate"] >= fr["min_fill_rate"] - 1e-9).all()
    assert res.costs["cost"].sum() == pytest.approx(res.objective, rel=1e-9)
