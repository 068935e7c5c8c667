"""Builder API and derived views of Network, on tiny hand-made networks (answers by hand)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import supplynet as sn
from supplynet.schema import TABLES


def lanes_of(net: sn.Network) -> set[tuple[str, str, str]]:
    pl = net.product_lanes()
    return set(zip(pl["origin"], pl["destination"], pl["product"], strict=True))


def two_level() -> sn.Network:
    """S --R--> P (makes F from 2 R) --F--> W --F--> C1; C2 demands nothing."""
    net = sn.Network("tiny")
    net.add_supplier("S").add_plant("P").add_warehouse("W").add_customer("C1").add_customer("C2")
    net.add_product("R", kind="raw").add_product("F")
    net.add_bom("F", "R", 2.0)
    net.add_supply("S", "R", price=1.0)
    net.add_production("P", "F", cost=3.0)
    for o, d in [("S", "P"), ("P", "W"), ("W", "C1"), ("W", "C2"), ("S", "W")]:
        net.add_lane(o, d, cost=1.0)
    net.add_demand("C1", "F", 10.0, period=1)
    net.add_demand("C1", "F", 12.0, period=2)
    return net


# ------------------------------------------------------------------ builders
def test_builders_fill_tables_with_defaults():
    net = two_level()
    nodes = net.nodes
    assert nodes["id"].tolist() == ["S", "P", "W", "C1", "C2"]
    assert nodes["kind"].tolist() == ["supplier", "plant", "warehouse", "customer", "customer"]
    assert set(nodes["status"]) == {"open"}  # schema default
    assert math.isnan(nodes["capacity"].iloc[0])  # NaN = unlimited
    lanes = net.lanes
    assert len(lanes) == 5 and set(lanes["mode"]) == {"road"}
    assert lanes["lead_time"].dtype.kind == "i"  # whole periods
    assert net.bom.iloc[0].to_dict() == {"parent": "F", "component": "R", "quantity": 2.0}
    d = net.demand
    assert d["quantity"].tolist() == [10.0, 12.0] and d["period"].tolist() == [1, 2]
    assert d["service_level"].tolist() == [0.95, 0.95] and set(d["priority"]) == {"standard"}
    assert net.problems() == []


def test_builders_chain_and_return_the_network():
    net = sn.Network()
    assert net.add_supplier("A") is net
    assert net.add_lane("A", "B") is net and net.add_outage("A", 2) is net
    out = net.outages.iloc[0]
    assert (out["first_period"], out["last_period"], out["capacity_factor"]) == (2, 2, 0.0)
    net.add_capacity_level("P", "big", 100.0, fixed_cost=5.0)
    assert net.capacity_levels.iloc[0]["capacity"] == 100.0


def test_every_table_has_its_schema_columns_even_when_empty():
    net = sn.Network()
    for name, schema in TABLES.items():
        assert list(net.table(name).columns)[: len(schema.columns)] == list(schema.columns)
        assert len(net.table(name)) == 0


def test_set_table_replaces_and_clears_views():
    net = two_level()
    assert ("W", "C1", "F") in lanes_of(net)
    lanes = net.lanes[net.lanes["destination"] != "C1"]
    net.set_table("lanes", lanes)
    assert ("W", "C1", "F") not in lanes_of(net)
    assert len(net.graph.edges) == 4
    with pytest.raises(sn.InstanceError, match="unknown table 'lane'"):
        net.set_table("lane", lanes)


def test_copy_is_independent_and_equal():
    net = two_level()
    other = net.copy()
    assert other.equals(net)
    other.add_customer("C3")
    assert len(net.nodes) == 5 and len(other.nodes) == 6
    assert not other.equals(net)


def test_equals_ignores_row_order_but_not_values_or_params():
    a = two_level()
    b = sn.Network.from_tables({t: a.table(t).iloc[::-1] for t in TABLES if a.has_table(t)},
                               params=a.params)
    assert b.equals(a)
    b.params["carbon_price"] = 1.0
    assert not b.equals(a) and b.equals(a, check_params=False)
    c = a.copy()
    c.set_table("lanes", a.lanes.assign(cost=[1.0, 1.0, 1.0, 1.0, 2.0]))
    assert not c.equals(a)


def test_periods_from_params_table_or_demand():
    net = two_level()
    assert net.periods == [1, 2]  # as the demand spans
    net.params["periods"] = 4
    net.add_customer("C9")  # any change clears the cache
    assert net.periods == [1, 2, 3, 4]
    net.set_table("periods", pd.DataFrame({"period": [1, 2, 3]}))
    assert net.periods == [1, 2, 3]  # the table wins


def test_graph_kind_of_echelons_and_summary():
    net = two_level()
    g = net.graph
    assert set(g.edges) == {("S", "P"), ("P", "W"), ("W", "C1"), ("W", "C2"), ("S", "W")}
    assert g.nodes["P"]["kind"] == "plant" and g.edges["S", "P"]["cost"] == 1.0
    assert net.kind_of()["W"] == "warehouse"
    assert net.nodes_of_kind("customer") == ["C1", "C2"]
    # longest number of lanes from a node without inbound lanes: S=0, P=1, W=2 (via P), C=3
    assert net.echelons() == {"S": 0, "P": 1, "W": 2, "C1": 3, "C2": 3}
    assert net.upstream("W") == {"S", "P"} and net.downstream("P") == {"W", "C1", "C2"}
    s = dict(zip(net.summary()["item"], net.summary()["count"], strict=True))
    assert s["nodes: customer"] == 2 and s["table: demand"] == 2 and s["periods"] == 2


def test_load_problems_name_the_cell():
    net = sn.Network()
    net.add_supplier("S", capacity="lots").add_lane("S", "T", lead_time=1.5)
    probs = net.load_problems()
    assert any("nodes row 1 (id=S)" in p and "capacity='lots' is not a number" in p for p in probs)
    assert any("lanes row 1 (origin=S, destination=T)" in p and "lead_time=1.5" in p
               and "not a whole number" in p for p in probs)


# ------------------------------------------------------------------ product_lanes
def test_product_lanes_two_level_by_hand():
    # R: sources {S}, sinks {P} (P makes F, which uses R) -> only S->P.  S->W leads nowhere
    # that needs R.  F: sources {P}, sinks {C1} -> P->W, W->C1; not W->C2 (C2 wants no F).
    assert lanes_of(two_level()) == {("S", "P", "R"), ("P", "W", "F"), ("W", "C1", "F")}


def test_product_lanes_ignore_invalid_directions():
    net = two_level()
    net.add_lane("C1", "W").add_lane("P", "S")
    assert lanes_of(net) == {("S", "P", "R"), ("P", "W", "F"), ("W", "C1", "F")}


def test_product_lanes_multi_level_transit_and_direct_supply():
    """S -R-> P1 (I from R) -I-> P2 (F from I) -F-> P3 (makes nothing) -F-> C, P2 -F-> C,
    S2 offers F directly to C, and a lane P1 -> C that carries nothing."""
    net = sn.Network()
    for n, k in [("S", "supplier"), ("S2", "supplier"), ("P1", "plant"), ("P2", "plant"),
                 ("P3", "plant"), ("C", "customer")]:
        net.add_node(n, k)
    net.add_product("R", kind="raw").add_product("I", kind="intermediate").add_product("F")
    net.add_bom("I", "R").add_bom("F", "I")
    net.add_supply("S", "R").add_supply("S2", "F")
    net.add_production("P1", "I").add_production("P2", "F")
    for o, d in [("S", "P1"), ("P1", "P2"), ("P2", "P3"), ("P3", "C"), ("P2", "C"), ("S2", "C"),
                 ("P1", "C")]:
        net.add_lane(o, d)
    net.add_demand("C", "F", 5.0)
    assert lanes_of(net) == {("S", "P1", "R"), ("P1", "P2", "I"), ("P2", "P3", "F"),
                             ("P3", "C", "F"), ("P2", "C", "F"), ("S2", "C", "F")}
    assert net.problems() == []


def test_product_lanes_empty_without_demand_or_sources():
    net = two_level()
    net.set_table("demand", None)
    # no demand: F has no sink, so R (needed only to make F) still flows to P but F nowhere
    assert lanes_of(net) == {("S", "P", "R")}
    net2 = two_level()
    net2.set_table("supply", None)
    assert lanes_of(net2) == {("P", "W", "F"), ("W", "C1", "F")}  # R has no source


def test_product_lanes_columns_and_cache():
    net = two_level()
    pl = net.product_lanes()
    assert list(pl.columns) == ["origin", "destination", "product"]
    assert net.product_lanes() is pl  # cached
    net.add_lane("W", "C3")
    assert net.product_lanes() is not pl  # a change clears the cache
