"""Scenario patches, their YAML form and validation, Network.diff and lean pickling.

Expected tables are computed here from the base tables with plain pandas (or by hand),
not by the patch code.
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import supplynet as sn
from supplynet.scenarios.spec import Scenario, read_scenarios, write_scenarios

JUICE = Path(__file__).resolve().parents[1] / "instances" / "juice"


def small() -> sn.Network:
    """Two suppliers, two warehouses (one with levels), three customers in two regions, T=4."""
    net = sn.Network("small", params={"carbon_price": 0.1})
    net.add_product("p").add_product("q")
    net.add_supplier("S1", capacity=40).add_supplier("S2")
    net.add_supply("S1", "p", price=1.0, capacity=30).add_supply("S2", "p", price=2.0)
    net.add_supply("S2", "q", price=3.0, capacity=50)
    net.add_warehouse("W1", status="existing", capacity=100, fixed_cost=10)
    net.add_warehouse("W2", status="candidate", fixed_cost=20)
    net.add_capacity_level("W2", "small", 60, 0.0).add_capacity_level("W2", "big", 120, 5.0)
    for c, region in (("C1", "north"), ("C2", "north"), ("C3", "south")):
        net.add_customer(c, region=region)
    for s in ("S1", "S2"):
        for w in ("W1", "W2"):
            net.add_lane(s, w, cost=1.0, fixed_cost=3.0)
    for w in ("W1", "W2"):
        for c in ("C1", "C2", "C3"):
            net.add_lane(w, c, cost=2.0, capacity=25)
    for i, c in enumerate(("C1", "C2", "C3")):
        for t in range(1, 5):
            net.add_demand(c, "p", 10.0 + i + t, period=t, std=2.0 + t)
            net.add_demand(c, "q", 5.0 + t, period=t, std=1.0)
    return net.validate()


def test_base_never_mutated_and_demand_filters():
    net = small()
    before = pickle.loads(pickle.dumps(net))
    sc = Scenario("surge", demand=[{"factor": 1.5, "region": "north", "product": "p",
                                    "periods": [2, 3]}])
    new = sc.apply(net)
    assert net.equals(before)
    d0, d1 = net.demand, new.demand
    hit = d0["customer"].isin(["C1", "C2"]) & (d0["product"] == "p") & d0["period"].between(2, 3)
    assert hit.sum() == 4
    np.testing.assert_allclose(d1["quantity"], np.where(hit, 1.5, 1.0) * d0["quantity"])
    np.testing.assert_allclose(d1["std"], np.where(hit, 1.5, 1.0) * d0["std"])
    # several filters: customer list and one period
    new = Scenario("x", demand={"factor": 0.0, "customer": ["C3"], "periods": 4}).apply(net)
    hit = (d0["customer"] == "C3") & (d0["period"] == 4)
    assert new.demand.loc[hit, "quantity"].eq(0).all()
    assert new.demand.loc[~hit, "quantity"].equals(d0.loc[~hit, "quantity"])
    # shorthand: demand=1.1 scales everything
    new = Scenario("all", demand=1.1).apply(net)
    np.testing.assert_allclose(new.demand["quantity"], 1.1 * d0["quantity"])


def test_disruption_single_period_models_scale_capacity():
    net = small()
    T = 4
    # whole horizon: capacity to 0, also unlimited ones, supplier offers and levels
    new = Scenario("d", disrupt=["S1", {"node": "W2"}, {"lane": "W1->C1"},
                                 {"lane": ["S2", "W1"]}]).apply(net)
    nodes = new.nodes.set_index("id")
    assert nodes.at["S1", "capacity"] == 0 and nodes.at["W2", "capacity"] == 0  # W2 was NaN
    sup = new.supply.set_index(["supplier", "product"])
    assert sup.at[("S1", "p"), "capacity"] == 0 and sup.at[("S2", "p"), "capacity"] != 0
    assert new.capacity_levels["capacity"].eq(0).all()
    lanes = new.lanes.set_index(["origin", "destination"])
    assert lanes.at[("W1", "C1"), "capacity"] == 0 and lanes.at[("S2", "W1"), "capacity"] == 0
    assert lanes.at[("W1", "C2"), "capacity"] == 25
    assert len(new.outages) == 0
    # k of T periods at factor f: capacity x (1 - (1 - f) k / T), by hand 40 x (1 - 0.75 x 2/4)
    new = Scenario("p", disrupt={"node": "S1", "periods": [2, 3], "capacity_factor": 0.25}).apply(net)
    share = 1 - (1 - 0.25) * 2 / T
    assert new.nodes.set_index("id").at["S1", "capacity"] == pytest.approx(40 * share)
    assert new.supply.set_index(["supplier", "product"]).at[("S1", "p"), "capacity"] == \
        pytest.approx(30 * share)
    # unlimited and partly down stays unlimited
    new = Scenario("u", disrupt={"node": "W2", "periods": [1, 1]}).apply(net)
    assert math.isnan(new.nodes.set_index("id").at["W2", "capacity"])
    lv = new.capacity_levels.set_index("level")["capacity"]
    assert lv["small"] == pytest.approx(60 * 0.75) and lv["big"] == pytest.approx(120 * 0.75)


def test_disruption_plan_adds_outage_rows():
    net = small()
    sc = Scenario("o", disrupt=[{"node": "S1", "periods": [2, 3], "capacity_factor": 0.5},
                                {"lane": ["W1", "C1"]}])
    new = sc.apply(net, model="plan")
    expect = pd.DataFrame({"element": ["S1", "W1->C1"], "first_period": [2, 1],
                           "last_period": [3, 4], "capacity_factor": [0.5, 0.0]})
    pd.testing.assert_frame_equal(new.outages[list(expect.columns)], expect, check_dtype=False)
    assert new.nodes.equals(net.nodes) and new.lanes.equals(net.lanes)
    new.validate()


def test_costs_params_status_and_overrides():
    net = small()
    sc = Scenario("c", costs={"transport": 1.3, "purchase": 2.0, "fixed": 0.5, "carbon": 3.0},
                  co2_cap=1000.0, params={"holding_rate": 0.05}, open=["W2"], close="W1",
                  set=[{"table": "supply", "key": {"supplier": "S2", "product": "q"},
                        "column": "price", "value": 9.0},
                       {"table": "demand", "key": {"customer": "C2", "product": "q"},
                        "column": "quantity", "factor": 2.0},
                       {"table": "lanes", "key": {"origin": "W2", "destination": "C3"},
                        "column": "capacity", "value": None}])
    new = sc.apply(net)
    np.testing.assert_allclose(new.lanes["cost"], 1.3 * net.lanes["cost"])
    np.testing.assert_allclose(new.lanes["fixed_cost"], net.lanes["fixed_cost"])  # not "fixed"
    np.testing.assert_allclose(new.nodes["fixed_cost"], 0.5 * net.nodes["fixed_cost"])
    np.testing.assert_allclose(new.capacity_levels["fixed_cost"], [0.0, 2.5])
    price = new.supply.set_index(["supplier", "product"])["price"]
    assert price.to_dict() == {("S1", "p"): 2.0, ("S2", "p"): 4.0, ("S2", "q"): 9.0}  # set after costs
    assert new.params["carbon_price"] == pytest.approx(0.3)
    assert new.params["co2_cap"] == 1000.0 and new.params["holding_rate"] == 0.05
    assert new.nodes.set_index("id")["status"][["W1", "W2"]].tolist() == ["closed", "open"]
    d0, d1 = net.demand, new.demand
    hit = (d0["customer"] == "C2") & (d0["product"] == "q")
    np.testing.assert_allclose(d1["quantity"], np.where(hit, 2.0, 1.0) * d0["quantity"])
    assert math.isnan(new.lanes.set_index(["origin", "destination"]).at[("W2", "C3"), "capacity"])
    # exactly these cells changed, nothing else
    diff = net.diff(new)
    changed = diff[diff["change"] == "changed"]
    assert set(changed["table"]) == {"params", "nodes", "lanes", "capacity_levels", "supply", "demand"}
    n_lanes = len(net.lanes)
    assert (changed["table"] == "lanes").sum() == n_lanes + 1  # every cost + one capacity
    assert (changed["table"] == "demand").sum() == 4
    assert (changed["table"] == "supply").sum() == 3
    assert (changed["table"] == "nodes").sum() == 4  # 2 fixed costs, 2 statuses
    assert (changed["table"] == "capacity_levels").sum() == 1  # 0 x 0.5 stays 0
    assert set(changed.loc[changed["table"] == "params", "key"]) == {"carbon_price", "co2_cap",
                                                                     "holding_rate"}
    assert len(changed) == 3 + 4 + (n_lanes + 1) + 1 + 3 + 4 == len(diff)


def test_structure_errors_name_the_field():
    with pytest.raises(sn.InstanceError) as e:
        Scenario("bad", demand={"factor": -1, "custmer": "C1"}, costs={"trnsport": 2},
                 disrupt=[{"node": "S1", "lane": "A->B"}, {"node": "S1", "capacity_factor": 2}],
                 set=[{"table": "supply", "key": {"supplier": "S1", "price": 1}, "column": "prise",
                       "value": 1}, {"table": "nope", "key": {}, "column": "x", "value": 1}],
                 params={"carbon": 1})
    text = str(e.value)
    for needle in ("'custmer'", "factor=-1", "'trnsport'", "exactly one of node or lane",
                   "capacity_factor=2", "'price' is not a key column", "column 'prise'",
                   "unknown table 'nope'", "unknown parameter 'carbon'"):
        assert needle in text, needle


def test_network_errors_name_node_product_period():
    net = small()
    sc = Scenario("bad", demand=[{"factor": 2, "customer": "C9", "product": "z", "region": "east"},
                                 {"factor": 2, "periods": [3, 7]}],
                  disrupt=[{"node": "S9"}, {"lane": "W1->C9"}, {"node": "C1"}], open=["W9"],
                  close=["C1"],
                  set=[{"table": "supply", "key": {"supplier": "S1", "product": "q"},
                        "column": "price", "value": 1.0}])
    problems = sc.check(net)
    text = "\n".join(problems)
    for needle in ("unknown customer 'C9'", "unknown product 'z'", "unknown region 'east'",
                   "periods [3, 7] outside the horizon 1..4", "unknown node 'S9'",
                   "unknown lane 'W1->C9'", "node 'C1' is a customer", "open: unknown node 'W9'",
                   "no row of table supply has supplier=S1, product=q"):
        assert needle in text, needle
    with pytest.raises(sn.InstanceError):
        sc.apply(net)


def test_yaml_round_trip_and_file_errors(tmp_path):
    scs = [Scenario("a", description="all", demand=[{"factor": 1.2, "periods": [1, 2]}]),
           Scenario("b", disrupt=[{"lane": ["S1", "W1"], "capacity_factor": 0.5}],
                    costs={"transport": 1.1}, carbon_price=0.2, open=["W2"],
                    set=[{"table": "supply", "key": {"supplier": "S2", "product": "q"},
                          "column": "price", "value": 9.0}])]
    path = write_scenarios(scs, tmp_path / "s.yaml")
    assert read_scenarios(path, small()) == scs
    (tmp_path / "bad.yaml").write_text("- name: a\n  demnd: 2\n- name: a\n- {description: x}\n")
    with pytest.raises(sn.InstanceError) as e:
        read_scenarios(tmp_path / "bad.yaml")
    text = str(e.value)
    assert "item 1 (a): unknown field 'demnd'" in text and "item 3: the scenario has no name" in text
    (tmp_path / "dup.yaml").write_text("- name: a\n- name: a\n")
    with pytest.raises(sn.InstanceError, match="'a' appears 2 times"):
        read_scenarios(tmp_path / "dup.yaml")
    (tmp_path / "map.yaml").write_text("name: a\n")
    with pytest.raises(sn.InstanceError, match="expected a list of scenarios"):
        read_scenarios(tmp_path / "map.yaml")
    (tmp_path / "syntax.yaml").write_text("- name: [a\n")
    with pytest.raises(sn.InstanceError, match="YAML syntax error"):
        read_scenarios(tmp_path / "syntax.yaml")
    with pytest.raises(sn.InstanceError, match="cannot read"):
        read_scenarios(tmp_path / "missing.yaml")


@pytest.mark.skipif(not (JUICE / "scenarios.yaml").exists(), reason="juice instance absent")
def test_juice_scenarios_are_valid_and_each_changes_something():
    net = sn.read(JUICE)
    scs = read_scenarios(JUICE / "scenarios.yaml", net)
    assert len(scs) >= 6
    kinds = {f for s in scs for f, v in s.to_dict().items() if f not in ("name", "description")}
    assert {"demand", "disrupt", "costs", "carbon_price", "close", "set"} <= kinds
    for s in scs:
        assert s.description
        for model in ("design", "plan"):
            new = s.apply(net, model=model)
            assert len(net.diff(new)) > 0, (s.name, model)
            new.validate()


# ----------------------------------------------------------------------------- diff
def test_diff_by_hand():
    a = small()
    b = a.copy()
    nodes = b.nodes.copy()
    nodes.loc[nodes["id"] == "W1", "fixed_cost"] = 11.0
    b.set_table("nodes", nodes)
    b.add_lane("S1", "C3", cost=7.0)
    dem = b.demand
    b.set_table("demand", dem[~((dem["customer"] == "C1") & (dem["product"] == "q") &
                                (dem["period"] == 2))])
    b.params["carbon_price"] = 0.2
    d = a.diff(b)
    assert len(d) == 4
    rows = {(r.table, r.change): r for r in d.itertuples(index=False)}
    r = rows[("nodes", "changed")]
    assert (r.key, r.column, r.old, r.new) == ("id=W1", "fixed_cost", 10, 11)
    r = rows[("lanes", "added")]
    assert r.key == "origin=S1, destination=C3" and r.new["cost"] == 7 and r.old is None
    r = rows[("demand", "removed")]
    assert r.key == "customer=C1, product=q, period=2" and r.old["quantity"] == 7
    r = rows[("params", "changed")]
    assert (r.key, r.old, r.new) == ("carbon_price", 0.1, 0.2)
    assert a.diff(a.copy()).empty and list(a.diff(a).columns) == ["table", "key", "change",
                                                                  "column", "old", "new"]


@settings(max_examples=25, deadline=None)
@given(customers=st.sets(st.sampled_from(["C1", "C2", "C3"]), min_size=1),
       first=st.integers(1, 4), length=st.integers(0, 3),
       factor=st.floats(0.0, 3.0).filter(lambda f: abs(f - 1) > 1e-6))
def test_diff_lists_exactly_the_scaled_rows(customers, first, length, factor):
    net = small()
    last = min(4, first + length)
    new = Scenario("s", demand={"factor": factor, "customer": sorted(customers),
                                "periods": [first, last]}).apply(net)
    d = net.diff(new)
    dem = net.demand
    hit = dem[dem["customer"].isin(customers) & dem["period"].between(first, last)]
    assert set(d["column"]) <= {"quantity", "std"} and set(d["change"]) == {"changed"}
    assert len(d) == 2 * len(hit)  # every std here is > 0
    for r in d.itertuples(index=False):
        assert r.new == pytest.approx(factor * r.old)


def test_pickle_is_lean_and_round_trips():
    net = sn.generate(suppliers=3, plants=2, warehouses=4, customers=30, products=2, periods=6, seed=3)
    net.validate()
    _ = net.graph, net.product_lanes(), net.echelons()
    fat = pickle.dumps({k: v for k, v in net.__dict__.items()})  # what default pickling sends
    lean = pickle.dumps(net)
    assert len(lean) < 0.6 * len(fat)
    back = pickle.loads(lean)
    assert back._cache == {} and back.equals(net) and back.diff(net).empty
    assert back.graph.number_of_edges() == len(net.lanes)
    # typed and raw travelled as one object but are separate again
    assert all(back.raw_table(t) is not back.table(t) for t in ("nodes", "demand"))
    # a network with a cell that could not be typed keeps its raw table (and its problem)
    bad = sn.Network("bad").add_plant("P", capacity="lots")
    assert bad.load_problems()
    assert pickle.loads(pickle.dumps(bad)).load_problems() == bad.load_problems()


def test_cost_kinds_use_the_models_category_names():
    """``unmet`` and ``subcontracting`` (the costs tables' categories) scale the same columns
    as their older names: the class penalties, the instance penalty and subcontract costs."""
    net = small()
    net.params["unmet_penalty"] = 40.0
    net.set_table("customer_classes", pd.DataFrame([{"priority": "standard",
                                                     "unmet_penalty": 100.0}]))
    new = Scenario("u", costs={"unmet": 2.0, "subcontracting": 3.0}).apply(net)
    old = Scenario("o", costs={"unmet_penalty": 2.0, "subcontract": 3.0}).apply(net)
    assert new.params["unmet_penalty"] == pytest.approx(80.0)
    assert new.customer_classes["unmet_penalty"].tolist() == pytest.approx([200.0])
    pd.testing.assert_frame_equal(new.production, old.production)
    np.testing.assert_allclose(new.production["subcontract_cost"],
                               3.0 * net.production["subcontract_cost"])


def test_a_scenario_named_base_with_changes_is_refused():
    # it silently replaced the network as given, so every "vs base" compared it with itself
    net = sn.read(Path(__file__).parents[1] / "instances" / "juice")
    with pytest.raises(sn.OptionsError, match="'base' is kept for the network as given"):
        sn.solve_many("design", net, [sn.Scenario("base", demand=1.2)])
    # a base that changes nothing is the network as given: accepted
    runs = sn.solve_many("design", net, [sn.Scenario("base"), sn.Scenario("more", demand=1.1)])
    assert sorted(runs.status["scenario"]) == ["base", "more"]


def test_scenario_errors_say_scenario_not_instance():
    with pytest.raises(sn.InstanceError, match=r"^invalid scenario 'x': 1 problem"):
        sn.Scenario("x", demand=-1)
