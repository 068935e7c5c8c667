"""Validation: each bad input gives a problem naming its culprit, never a raw traceback."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_validate_audit import base as chain

import supplynet as sn
from supplynet.schema import TABLES
from supplynet.validate import LIMIT, find_problems, validate


def base() -> sn.Network:
    """Valid: S -R-> P (F = 2 R) -F-> W -F-> C, two periods, one customer class."""
    net = chain(periods=2, demand=(10.0, 12.0))
    net.add_customer_class("standard")
    net.add_capacity_level("P", "big", 200.0)
    net.add_stock("W", "F", initial=1.0)
    return net


def test_base_is_valid():
    net = base()
    assert find_problems(net) == []
    assert net.validate() is net


def edit(table: str, **changes):
    """Mutation setting columns of row 1 of ``table``."""
    def f(net):
        df = net.table(table).copy()
        for col, v in changes.items():
            df[col] = df[col].astype(object)
            df.loc[0, col] = v
        net.set_table(table, df)
    return f


def add(method: str, *args, **kwargs):
    return lambda net: getattr(net, method)(*args, **kwargs)


def set_param(name, value):
    return lambda net: net.params.__setitem__(name, value)


# (case id, mutation, strings that must all appear in one problem)
CASES = [
    # unknown references, in every table
    ("lane-unknown-origin", add("add_lane", "X", "W"),
     ["lanes row 4 (origin=X, destination=W)", "origin 'X' is not a node"]),
    ("lane-unknown-destination", add("add_lane", "W", "Y"),
     ["lanes row 4 (origin=W, destination=Y)", "destination 'Y' is not a node"]),
    ("supply-unknown-supplier", add("add_supply", "S9", "R"),
     ["supply row 2 (supplier=S9, product=R)", "supplier 'S9' is not a node"]),
    ("supply-unknown-product", add("add_supply", "S", "Q"),
     ["supply row 2 (supplier=S, product=Q)", "product 'Q' is not a product"]),
    ("production-unknown-plant", add("add_production", "P9", "F"),
     ["production row 2 (plant=P9, product=F)", "plant 'P9' is not a node"]),
    ("production-unknown-product", add("add_production", "P", "Q"),
     ["production row 2 (plant=P, product=Q)", "product 'Q' is not a product"]),
    ("bom-unknown-parent", add("add_bom", "Q", "R"),
     ["bom row 2 (parent=Q, component=R)", "parent 'Q' is not a product"]),
    ("bom-unknown-component", add("add_bom", "F", "Q"),
     ["bom row 2 (parent=F, component=Q)", "component 'Q' is not a product"]),
    ("demand-unknown-customer", add("add_demand", "C9", "F", 1.0),
     ["demand row 3 (customer=C9, product=F, period=1)", "customer 'C9' is not a node"]),
    ("demand-unknown-product", add("add_demand", "C", "Q", 1.0),
     ["demand row 3 (customer=C, product=Q, period=1)", "product 'Q' is not a product"]),
    ("stock-unknown-node", add("add_stock", "Z", "F"),
     ["stock row 2 (node=Z, product=F)", "node 'Z' is not a node"]),
    ("stock-unknown-product", add("add_stock", "W", "Q"),
     ["stock row 2 (node=W, product=Q)", "product 'Q' is not a product"]),
    ("level-unknown-node", add("add_capacity_level", "Z", "big", 5.0),
     ["capacity_levels row 2 (node=Z, level=big)", "node 'Z' is not a node"]),
    ("outage-unknown-node", add("add_outage", "Z", 1),
     ["outages row 1 (element=Z, first_period=1)", "element 'Z' is neither a node nor a lane"]),
    ("outage-unknown-lane", add("add_outage", "S->W", 1),
     ["outages row 1 (element=S->W", "element 'S->W' is neither a node nor a lane"]),
    ("priority-unknown", edit("demand", priority="gold"),
     ["demand row 1 (customer=C, product=F, period=1)", "priority 'gold' is not a class"]),
    # wrong kinds of node
    ("supply-at-plant", add("add_supply", "P", "R"),
     ["supply row 2 (supplier=P, product=R)", "supplier 'P' is a plant", "suppliers only"]),
    ("production-at-warehouse", add("add_production", "W", "F"),
     ["production row 2 (plant=W, product=F)", "plant 'W' is a warehouse"]),
    ("demand-at-warehouse", add("add_demand", "W", "F", 1.0),
     ["demand row 3 (customer=W, product=F, period=1)", "customer 'W' is a warehouse"]),
    ("stock-on-customer", add("add_stock", "C", "F"),
     ["stock row 2 (node=C, product=F)", "node 'C' is a customer", "plants or warehouses"]),
    ("stock-on-supplier", add("add_stock", "S", "R"),
     ["stock row 2 (node=S, product=R)", "node 'S' is a supplier"]),
    ("level-on-customer", add("add_capacity_level", "C", "big", 5.0),
     ["capacity_levels row 2 (node=C, level=big)", "node 'C' is a customer"]),
    # duplicates
    ("duplicate-node", add("add_plant", "P"), ["nodes row 5 (id=P)", "duplicate id", "row 2"]),
    ("duplicate-lane", add("add_lane", "P", "W"),
     ["lanes row 4 (origin=P, destination=W)", "duplicate key", "same as row 2"]),
    ("duplicate-demand", add("add_demand", "C", "F", 3.0, period=2),
     ["demand row 3 (customer=C, product=F, period=2)", "same as row 2"]),
    ("duplicate-product", add("add_product", "R"), ["products row 3 (id=R)", "duplicate id"]),
    ("duplicate-bom", add("add_bom", "F", "R", 3.0), ["bom row 2 (parent=F, component=R)",
                                                      "duplicate key"]),
    # types
    ("capacity-not-a-number", edit("nodes", capacity="lots"),
     ["nodes row 1 (id=S)", "capacity='lots' is not a number"]),
    ("lead-time-not-whole", edit("lanes", lead_time=1.5),
     ["lanes row 1 (origin=S, destination=P)", "lead_time=1.5 is not a whole number"]),
    ("quantity-empty", edit("demand", quantity=None),
     ["demand row 1 (customer=C, product=F, period=1)", "quantity is empty"]),
    ("backlog-not-bool", edit("customer_classes", backlog="maybe"),
     ["customer_classes row 1 (priority=standard)", "backlog='maybe' is not true/false"]),
    ("node-id-empty", edit("nodes", id=None), ["nodes row 1", "id is empty"]),
    # negative / out of range numbers
    ("negative-lane-cost", edit("lanes", cost=-1.0),
     ["lanes row 1 (origin=S, destination=P)", "cost=-1", "negative"]),
    ("negative-demand", edit("demand", quantity=-5.0),
     ["demand row 1 (customer=C, product=F, period=1)", "quantity=-5", "negative"]),
    ("negative-capacity", edit("nodes", capacity=-1.0), ["nodes row 1 (id=S)", "capacity=-1"]),
    ("negative-price", edit("supply", price=-0.5), ["supply row 1 (supplier=S, product=R)",
                                                    "price=-0.5"]),
    ("negative-level-capacity", edit("capacity_levels", capacity=-3.0),
     ["capacity_levels row 1 (node=P, level=big)", "capacity=-3"]),
    ("infinite-cost", edit("production", cost=math.inf),
     ["production row 1 (plant=P, product=F)", "cost is infinite"]),
    ("negative-lead-time", edit("lanes", lead_time=-1),
     ["lanes row 1 (origin=S, destination=P)", "lead_time=-1"]),
    ("negative-quoted-lead-time", edit("demand", quoted_lead_time=-2),
     ["demand row 1", "quoted_lead_time=-2"]),
    ("service-level-one", edit("demand", service_level=1.0),
     ["demand row 1 (customer=C, product=F, period=1)", "service_level=1", "(0, 1)"]),
    ("service-level-zero", edit("demand", service_level=0.0), ["demand row 1", "service_level=0"]),
    ("fill-rate-above-one", edit("customer_classes", min_fill_rate=1.5),
     ["customer_classes row 1 (priority=standard)", "min_fill_rate=1.5"]),
    ("bom-quantity-zero", edit("bom", quantity=0.0),
     ["bom row 1 (parent=F, component=R)", "quantity=0", "> 0"]),
    ("latitude-out-of-range", edit("nodes", lat=95.0), ["nodes row 1 (id=S)", "lat=95"]),
    ("min-volume-above-capacity", edit("lanes", capacity=5.0, min_volume=8.0),
     ["lane 'S->P'", "min_volume=8 exceeds capacity=5"]),
    # unknown values
    ("unknown-kind", edit("nodes", kind="factory"),
     ["nodes row 1 (id=S)", "kind 'factory' is not one of supplier, plant"]),
    ("unknown-status", edit("nodes", status="maybe"), ["nodes row 1 (id=S)", "status 'maybe'"]),
    ("unknown-product-kind", edit("products", kind="part"), ["products row 1 (id=R)",
                                                             "kind 'part'"]),
    ("unknown-stock-mode", edit("stock", mode="fast"),
     ["stock row 1 (node=W, product=F)", "mode 'fast' is not one of push, pull"]),
    ("node-id-with-arrow", add("add_warehouse", "A->B"),
     ["nodes row 5 (id=A->B)", "contains '->'"]),
    # lanes between kinds that cannot trade
    ("lane-from-customer", add("add_lane", "C", "W"),
     ["lane 'C->W'", "leaves customer C", "customers do not ship"]),
    ("lane-into-supplier", add("add_lane", "P", "S"),
     ["lane 'P->S'", "enters supplier S", "suppliers do not receive"]),
    ("lane-self-loop", add("add_lane", "W", "W"), ["lane 'W->W'", "joins W to itself"]),
    # bill of materials
    ("bom-self-reference", add("add_bom", "R", "R"),
     ["bom row 2 (parent=R, component=R)", "product 'R' is a component of itself"]),
    ("bom-cycle", lambda n: n.add_product("A").add_product("B").add_bom("A", "B")
     .add_bom("B", "A"), ["bom: cycle", "A -> B -> A"]),
    # reachability
    ("demand-unreachable", lambda n: n.add_customer("C2").add_demand("C2", "F", 4.0),
     ["demand row 3 (customer=C2, product=F, period=1)", "product F at customer C2",
      "cannot be met"]),
    ("demand-product-nobody-makes", lambda n: n.add_product("G").add_demand("C", "G", 1.0),
     ["demand for product G at customer C cannot be met"]),
    ("component-cannot-reach-plant",
     lambda n: n.add_product("K", kind="raw").add_bom("F", "K"),
     ["production row 1 (plant=P, product=F)", "component(s) K of F cannot reach plant P"]),
    # periods
    ("period-after-horizon", add("add_demand", "C", "F", 1.0, period=3),
     ["demand row 3 (customer=C, product=F, period=3)", "period=3 is outside the horizon 1..2"]),
    ("period-zero", add("add_demand", "C", "F", 1.0, period=0),
     ["demand row 3 (customer=C, product=F, period=0)", "period=0 is outside"]),
    ("outage-last-before-first", lambda n: n.add_outage("P", 2, 1),
     ["outages row 1 (element=P, first_period=2)", "last_period=1 is before first_period=2"]),
    ("outage-after-horizon", lambda n: n.add_outage("P->W", 1, 5),
     ["outages row 1 (element=P->W, first_period=1)", "last_period=5 is outside"]),
    ("outage-factor", lambda n: n.add_outage("P", 1, 1, capacity_factor=1.5),
     ["outages row 1 (element=P, first_period=1)", "capacity_factor=1.5"]),
    ("periods-table-gap", lambda n: n.set_table("periods", pd.DataFrame({"period": [1, 3]})),
     ["table periods", "1..T without gaps", "1, 3"]),
    ("periods-table-disagrees", lambda n: n.set_table("periods", pd.DataFrame({"period": [1]})),
     ["parameter periods=2 disagrees with table periods (1 periods)"]),
    # parameters
    ("param-negative-carbon-price", set_param("carbon_price", -1.0),
     ["parameter carbon_price=-1.0 is negative"]),
    ("param-text-holding-rate", set_param("holding_rate", "high"),
     ["parameter holding_rate='high' is not a number"]),
    ("param-periods-zero", set_param("periods", 0), ["parameter periods=0 must be a whole"]),
    ("param-units-not-mapping", set_param("units", "EUR"), ["parameter units='EUR'"]),
    # required tables and columns
    ("missing-kind-column", lambda n: n.set_table("nodes", n.nodes.drop(columns=["kind"])),
     ["table nodes: missing required column(s) kind"]),
    ("missing-quantity-column",
     lambda n: n.set_table("demand", n.demand.drop(columns=["quantity"])),
     ["table demand: missing required column(s) quantity"]),
    ("empty-products-table", lambda n: n.set_table("products", None),
     ["table products is empty"]),
]


@pytest.mark.parametrize("mutate, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_names_its_culprit(mutate, expected):
    net = base()
    mutate(net)
    problems = find_problems(net)
    assert any(all(s in p for s in expected) for p in problems), problems
    with pytest.raises(sn.InstanceError) as e:
        validate(net)
    assert e.value.problems == problems
    assert "invalid instance base" in str(e.value)


def test_at_least_thirty_distinct_cases():
    assert len({c[0] for c in CASES}) == len(CASES) >= 30


def test_nan_capacity_means_unlimited_and_is_allowed():
    net = base()
    edit("nodes", capacity=math.nan)(net)
    edit("supply", capacity=math.nan)(net)
    edit("lanes", capacity=math.nan)(net)
    assert find_problems(net) == []


def test_supplier_to_customer_lane_is_allowed():
    net = base()
    net.add_supplier("S2").add_supply("S2", "F").add_lane("S2", "C")
    assert find_problems(net) == []
    assert ("S2", "C", "F") in set(zip(*(net.product_lanes()[c] for c in
                                          ("origin", "destination", "product")), strict=True))


def test_component_made_in_the_same_plant_needs_no_lane():
    net = base()
    net.add_product("I", kind="intermediate").add_bom("F", "I").add_bom("I", "R")
    net.add_production("P", "I")
    assert find_problems(net) == []


def test_every_problem_is_listed_at_once():
    net = base()
    for case in ("lane-unknown-origin", "negative-demand", "bom-cycle", "unknown-stock-mode"):
        dict((c[0], c[1]) for c in CASES)[case](net)
    problems = find_problems(net)
    assert len(problems) >= 4
    with pytest.raises(sn.InstanceError) as e:
        net.validate()
    text = str(e.value)
    for s in ("origin 'X'", "quantity=-5", "cycle", "mode 'fast'"):
        assert s in text


def test_many_bad_rows_are_summarised():
    net = base()
    for i in range(LIMIT + 10):
        net.add_customer(f"K{i}")
        net.add_lane("W", f"K{i}", cost=-1.0)
    negative = [p for p in find_problems(net) if "cost=-1" in p]
    assert len(negative) == LIMIT
    assert any(p.startswith("... and 10 more rows of table lanes where cost is negative")
               for p in find_problems(net))


def test_shipped_instances_are_valid():
    for name in ("juice", "assembly"):
        assert find_problems(sn.load_instance(name)) == []


# ------------------------------------------------------------------ never a traceback
CELLS = st.one_of(st.none(), st.text(max_size=4), st.integers(-3, 3),
                  st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                  st.sampled_from(["S", "P", "W", "C", "R", "F", "S->P", "1", "1.5", "push"]))


@st.composite
def garbage_tables(draw):
    tables = {}
    for name in draw(st.lists(st.sampled_from(list(TABLES)), max_size=6, unique=True)):
        cols = draw(st.lists(st.sampled_from(list(TABLES[name].columns) + ["extra"]),
                             min_size=1, max_size=6, unique=True))
        n = draw(st.integers(0, 4))
        tables[name] = pd.DataFrame({c: draw(st.lists(CELLS, min_size=n, max_size=n))
                                     for c in cols}, dtype=object)
    return tables


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=garbage_tables(), periods=st.one_of(st.none(), st.integers(-1, 3), st.text(max_size=2)))
def test_garbage_gives_problems_not_tracebacks(tables, periods):
    net = base()
    for name, df in tables.items():
        net.set_table(name, df)
    net.params["periods"] = periods
    problems = find_problems(net)  # must not raise
    assert all(isinstance(p, str) and p for p in problems)


def test_generated_networks_of_several_sizes_are_valid():
    for kw in (dict(customers=1, products=1, bom_depth=1),
               dict(customers=80, products=4, bom_depth=3, plants=2, seed=5),
               dict(customers=200, warehouses=1, suppliers=1, seed=9)):
        assert find_problems(sn.generate(**kw)) == []


def test_numpy_values_in_tables_are_fine():
    net = base()
    net.set_table("lanes", net.lanes.assign(cost=np.array([1, 2, 3], dtype=np.int32)))
    assert find_problems(net) == []
