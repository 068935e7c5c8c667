"""Issue #15, design side: the advertised workflow works end to end and no wrong answer is
reported as optimal. Every instance is tiny and worked out by hand in its docstring."""

from __future__ import annotations

import logging

import pytest

import supplynet as sn
from supplynet.cli.main import main as cli_main


def test_no_plants_and_no_facilities():
    """S -> W -> C, no plant: 10 units at price 1 + 1 + 1 per unit, W's fixed cost 5: 35.
    S -> C directly (no plant, no warehouse): 10 x (1 + 1) = 20 (raised KeyError 'kind')."""
    n = sn.Network("no_plant")
    n.add_product("p").add_supplier("S").add_supply("S", "p", price=1)
    n.add_warehouse("W", status="candidate", fixed_cost=5).add_customer("C")
    n.add_lane("S", "W", cost=1).add_lane("W", "C", cost=1).add_demand("C", "p", 10)
    res = sn.design(n)
    assert res.status == "optimal" and res.objective == pytest.approx(35)
    kpi = res.kpis.set_index("kpi")["value"]
    assert kpi["open_plants"] == 0 and kpi["open_warehouses"] == 1
    assert sn.design(res.apply()).objective == pytest.approx(35)

    d = sn.Network("direct")
    d.add_product("p").add_supplier("S").add_supply("S", "p", price=1).add_customer("C")
    d.add_lane("S", "C", cost=1).add_demand("C", "p", 10)
    res = sn.design(d)
    assert res.status == "optimal" and res.objective == pytest.approx(20)
    kpi = res.kpis.set_index("kpi")["value"]
    assert kpi["open_plants"] == 0 and kpi["open_warehouses"] == 0
    assert len(res.facilities) == 0 and "kind" in res.facilities.columns
    applied = res.apply()
    assert len(applied.lanes) == 1
    assert sn.design(applied).objective == pytest.approx(20)


def two_lane_net() -> sn.Network:
    """S -> A (cost 1) and S -> B (cost 3) -> C, A -> B (cost 1); demand 10 at C.
    A and B are open, X is a candidate warehouse (fixed 100) with lanes S -> X -> C.
    Design: S->A->B->C? A feeds only B: S->A->B costs 1 + 1 = 2 < S->B 3, so the design ships
    S->A->B->C (2 + 0 per unit = 20) and leaves lane S->B unused; X stays closed
    (100 > anything it saves)."""
    n = sn.Network("lanes")
    n.add_product("p").add_supplier("S").add_supply("S", "p")
    n.add_warehouse("A").add_warehouse("B").add_warehouse("X", status="candidate", fixed_cost=100)
    n.add_customer("C")
    n.add_lane("S", "A", cost=1).add_lane("S", "B", cost=3).add_lane("A", "B", cost=1)
    n.add_lane("B", "C").add_lane("S", "X").add_lane("X", "C")
    n.add_demand("C", "p", 10)
    return n


def test_apply_keeps_unused_lanes_between_open_sites():
    res = sn.design(two_lane_net())
    assert res.objective == pytest.approx(20)
    used = set(zip(res.flows["origin"], res.flows["destination"], strict=True))
    assert ("S", "B") not in used and ("S", "A") in used
    assert not res.facilities.set_index("node").at["X", "open"]
    lanes = set(zip(res.apply().lanes["origin"], res.apply().lanes["destination"], strict=True))
    assert lanes == {("S", "A"), ("S", "B"), ("A", "B"), ("B", "C")}  # X's lanes gone


def test_apply_drops_lanes_whose_fixed_cost_the_design_did_not_pay():
    """Lane S->B with fixed cost 50: never worth it (saves nothing over S->A->B), so lane_on = 0
    and apply() removes it; lane_fixed_costs=False keeps it (no binary, nothing decided)."""
    n = two_lane_net()
    lanes = n.lanes.copy()
    lanes.loc[(lanes["origin"] == "S") & (lanes["destination"] == "B"), "fixed_cost"] = 50.0
    n.set_table("lanes", lanes)
    res = sn.design(n)
    assert res.objective == pytest.approx(20)
    ch = res.lane_choices.set_index(["origin", "destination"])
    assert not ch.at[("S", "B"), "used"]
    kept = set(zip(res.apply().lanes["origin"], res.apply().lanes["destination"], strict=True))
    assert kept == {("S", "A"), ("A", "B"), ("B", "C")}
    res = sn.design(n, lane_fixed_costs=False)
    kept = set(zip(res.apply().lanes["origin"], res.apply().lanes["destination"], strict=True))
    assert ("S", "B") in kept


def test_stranded_stock_at_closed_sites(caplog):
    """Existing W1 (fixed 100, stock 30 of p, value 2/unit) and open W2 serve C (10 units) at the
    same lane costs: closing W1 saves 100, so the design closes it. Its 30 units (value 60)
    are listed, the message says so, apply() warns on the "supplynet" logger and drops them."""
    n = sn.Network("stranded")
    n.add_product("p", value=2.0).add_supplier("S").add_supply("S", "p")
    n.add_warehouse("W1", status="existing", fixed_cost=100).add_warehouse("W2")
    n.add_customer("C")
    for a, b in [("S", "W1"), ("S", "W2"), ("W1", "C"), ("W2", "C")]:
        n.add_lane(a, b, cost=1)
    n.add_demand("C", "p", 10).add_stock("W1", "p", initial=30).add_stock("W2", "p", initial=5)
    res = sn.design(n)
    assert res.objective == pytest.approx(20)
    st = res.stranded_stock
    assert st[["node", "product"]].values.tolist() == [["W1", "p"]]
    assert st["initial"].iat[0] == pytest.approx(30) and st["value"].iat[0] == pytest.approx(60)
    assert "W1" in res.message and "30 units" in res.message and "stranded" in res.message
    with caplog.at_level(logging.WARNING, logger="supplynet"):
        applied = res.apply()
    assert any("W1" in r.getMessage() and "30 units" in r.getMessage() for r in caplog.records)
    assert applied.table("stock")["node"].tolist() == ["W2"]
    # nothing closed: no stranded stock, no note
    res = sn.design(n, force_open=["W1"])
    assert len(res.stranded_stock) == 0 and "stranded" not in res.message


def closed_route_net() -> sn.Network:
    """S -> W -> C1 (10 units) and S -> V -> C2 (5 units); W closed by status."""
    n = sn.Network("closed_route")
    n.add_product("p").add_supplier("S").add_supply("S", "p")
    n.add_warehouse("W", status="closed").add_warehouse("V").add_customer("C1").add_customer("C2")
    n.add_lane("S", "W").add_lane("W", "C1").add_lane("S", "V").add_lane("V", "C2")
    n.add_demand("C1", "p", 10).add_demand("C2", "p", 5)
    return n


def test_customer_behind_closed_facility_is_infeasible_not_bad_input(tmp_path, capsys):
    res = sn.design(closed_route_net())
    assert res.status == "infeasible" and not res.ok
    dg = res.diagnosis
    dem = dg[dg["kind"] == "demand"]
    assert dem[["element", "product"]].values.tolist() == [["C1", "p"]]
    assert dem["amount"].iat[0] == pytest.approx(10)
    assert "customer C1, product p: 10 of 10 units cannot be delivered; closed warehouse W " \
           "would serve it" in dem["message"].iat[0]
    closed = dg[dg["kind"] == "closed"]
    assert closed["element"].tolist() == ["W"] and "status closed" in closed["message"].iat[0]
    # the same by force_closed
    n = closed_route_net()
    nodes = n.nodes.copy()
    nodes["status"] = "open"
    n.set_table("nodes", nodes)
    assert sn.design(n).status == "optimal"
    res = sn.design(n, force_closed=["W"])
    assert res.status == "infeasible"
    assert "forced closed" in " ".join(res.diagnosis["message"])
    # soft mode: the 10 units are unmet, not an error
    soft = sn.design(closed_route_net(), soft=True)
    assert soft.ok and soft.unmet["unmet"].sum() == pytest.approx(10)
    # the command line: exit 1, the diagnosis printed
    closed_route_net().write(tmp_path / "inst")
    code = cli_main(["solve", str(tmp_path / "inst"), "--model", "design", "--quiet"])
    out = capsys.readouterr()
    assert code == 1 and "C1" in out.out + out.err


def test_customer_without_any_lane_stays_bad_input():
    n = closed_route_net()
    n.set_table("lanes", n.lanes[n.lanes["destination"] != "C1"].reset_index(drop=True))
    with pytest.raises(sn.InstanceError, match="C1"):
        sn.design(n)


def unrelated_plant(n: sn.Network) -> sn.Network:
    """Plant Q makes q (capacity 5 hours, 1 h/unit) for customer D (5 units): full, but on no
    path of product p."""
    n.add_product("q").add_plant("Q", capacity=5).add_production("Q", "q").add_customer("D")
    n.add_lane("Q", "D").add_demand("D", "q", 5)
    return n


def diag_text(res) -> str:
    assert res.status == "infeasible"
    return " ".join(res.diagnosis["message"])


def kinds(res) -> set[tuple[str, str]]:
    return set(zip(res.diagnosis["kind"], res.diagnosis["element"], strict=True))


def test_diagnosis_names_the_co2_cap():
    """C needs 10 of p via W (lane W->C emits 5 kg/unit): 50 kg. Cap 30 kg: at most 6 units.
    The diagnosis names the cap first, and neither the full plant Q nor any capacity."""
    n = sn.Network("co2")
    n.add_product("p").add_supplier("S").add_supply("S", "p")
    n.add_warehouse("W").add_customer("C").add_lane("S", "W").add_lane("W", "C", co2=5.0)
    n.add_demand("C", "p", 10)
    unrelated_plant(n)
    res = sn.design(n, co2_cap=30)
    text = diag_text(res)
    dg = res.diagnosis
    assert dg["kind"].iat[0] == "co2_cap" and dg["amount"].iat[0] == pytest.approx(30)
    assert "the CO2 cap of 30 kg binds" in dg["message"].iat[0]
    assert "without the cap every demand is delivered, emitting 50 kg" in dg["message"].iat[0]
    assert "customer C, product p: 4 of 10 units cannot be delivered" in text
    assert "Q" not in set(dg["element"]) and "plant Q" not in text


def test_diagnosis_names_the_supplier_capacity():
    """S1 sells p at most 40 units/period over 1 period, S2 offers only r; C needs 60 of p:
    20 short. The offer (S1, p) binds at 40 of 40; then the supplier capacity (all products)
    in a second instance."""
    n = sn.Network("sup")
    n.add_product("p").add_product("r").add_supplier("S1").add_supplier("S2")
    n.add_supply("S1", "p", capacity=40).add_supply("S2", "r")
    n.add_warehouse("W").add_customer("C")
    n.add_lane("S1", "W").add_lane("S2", "W").add_lane("W", "C")
    n.add_demand("C", "p", 60).add_demand("C", "r", 5)
    unrelated_plant(n)
    res = sn.design(n)
    text = diag_text(res)
    assert ("supply_capacity", "S1") in kinds(res)
    assert "supplier S1 capacity for product p binds: 40 of 40 units per horizon" in text
    assert "customer C, product p: 20 of 60 units cannot be delivered" in text
    assert "Q" not in set(res.diagnosis["element"]) and "S2" not in set(res.diagnosis["element"])

    m = sn.Network("supplier")
    m.add_product("p").add_supplier("S1", capacity=40).add_supply("S1", "p")
    m.add_warehouse("W").add_customer("C").add_lane("S1", "W").add_lane("W", "C")
    m.add_demand("C", "p", 60)
    unrelated_plant(m)
    res = sn.design(m)
    text = diag_text(res)
    assert ("supplier_capacity", "S1") in kinds(res)
    assert "supplier S1 capacity binds: 40 of 40 units per horizon" in text
    assert "plant Q" not in text


def test_diagnosis_names_the_lane_capacity():
    """Two periods; lane W->C carries at most 20 units/period: 40 over the horizon, C needs
    2 x 25 = 50: 10 short. The lane is named, not W, S or the full plant Q."""
    n = sn.Network("lane")
    n.add_product("p").add_supplier("S").add_supply("S", "p")
    n.add_warehouse("W").add_customer("C").add_lane("S", "W").add_lane("W", "C", capacity=20)
    n.add_demand("C", "p", 25, period=1).add_demand("C", "p", 25, period=2)
    unrelated_plant(n)
    res = sn.design(n)
    text = diag_text(res)
    assert ("lane_capacity", "W->C") in kinds(res)
    assert "lane W->C capacity binds: 40 of 40 units per horizon" in text
    assert "customer C, product p: 10 of 50 units cannot be delivered" in text
    assert set(res.diagnosis["kind"]) == {"demand", "lane_capacity"}
    assert "plant Q" not in text
