"""The array path (supplynet.arrays) against pure Pyomo: the same model built both ways must
compile to the same matrix, bounds and objective, row by row and column by column by name,
and solve to the same plan. Also: the hook (extra_constraints) on array families, names in
exported models, and the merge of touched Pyomo members with the arrays."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

import supplynet as sn
from supplynet.arrays import Keys, add_columns, add_rows, add_rows_with_terms
from supplynet.models.planning import PlanOptions, build
from supplynet.solve import compile_model, solve_model

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


def canonical(cm) -> tuple[dict, dict]:
    """({column name: (lower, upper, cost, integer)}, {row name: (lower, upper, {column: coef})})
    with each row's sign fixed so that its first column (by name) has a positive coefficient
    (Pyomo's compiler may write an equation either way round)."""
    names = cm.columns.names()
    cols = {nm: (cm.col_lower[i], cm.col_upper[i], cm.cost[i], bool(cm.integer[i]))
            for i, nm in enumerate(names)}
    A = cm.A.tocsr()
    rows = {}
    for r, rname in enumerate(cm.rows.names()):
        lo, up = A.indptr[r], A.indptr[r + 1]
        terms = {names[j]: v for j, v in zip(A.indices[lo:up], A.data[lo:up], strict=True)
                 if v != 0}
        rl, ru = cm.row_lower[r], cm.row_upper[r]
        if terms and terms[min(terms)] < 0:
            terms = {k: -v for k, v in terms.items()}
            rl, ru = -ru, -rl
        assert rname not in rows, f"row {rname} twice"
        rows[rname] = (rl, ru, terms)
    return cols, rows


def assert_same_model(a, b):
    ca, ra = canonical(a)
    cb, rb = canonical(b)
    assert sorted(ca) == sorted(cb)
    for k, (lo, up, c, i) in ca.items():
        assert (lo, up, i) == pytest.approx(cb[k][:2] + (cb[k][3],)) or (
            math.isinf(up) and math.isinf(cb[k][1])), k
        assert c == pytest.approx(cb[k][2]), k
    assert sorted(ra) == sorted(rb)
    for k, (lo, up, terms) in ra.items():
        lo2, up2, terms2 = rb[k]
        assert lo == pytest.approx(lo2) and up == pytest.approx(up2), k
        assert terms.keys() == terms2.keys(), k
        for n in terms:
            assert terms[n] == pytest.approx(terms2[n]), (k, n)
    assert a.offset == pytest.approx(b.offset)


def every_feature() -> sn.Network:
    """Supplier, plant with overtime/setups/subcontracting/BOM, warehouse with storage,
    safety stock and initial stock, a pull node with initial stock, lead times, backlog with
    a quoted lead time, lost sales, commitments, a CO2 price."""
    net = sn.Network("all", params={"periods": 4, "carbon_price": 0.05, "unmet_penalty": 60.0})
    net.add_supplier("S", capacity=40.0).add_plant("P", capacity=30.0, overtime_capacity=5.0,
                                                  overtime_cost=2.0, handling_cost=0.3)
    net.add_warehouse("W", storage_capacity=100.0, capacity=60.0, handling_cost=0.1)
    net.add_warehouse("X", holding_rate=0.01)
    net.add_customer("C1").add_customer("C2").add_customer("C3")
    net.add_lane("S", "P", cost=0.2, co2=0.5).add_lane("P", "W", cost=0.4, lead_time=1, co2=1.0)
    net.add_lane("W", "C1", cost=0.3).add_lane("W", "C2", cost=0.6, capacity=12.0)
    net.add_lane("P", "X", cost=0.1).add_lane("X", "C3", cost=0.1)
    net.add_product("RM", value=1.0).add_product("FG", value=8.0, volume=2.0)
    net.add_bom("FG", "RM", 2.0).add_supply("S", "RM", price=1.0, co2=0.2, capacity=30.0)
    net.add_production("P", "FG", cost=2.0, capacity_use=1.5, setup_cost=15.0, setup_time=2.0,
                       min_lot=4.0, subcontract_cost=25.0, co2=0.3)
    net.add_customer_class("gold", unmet_penalty=90.0, backlog=True, backlog_cost=3.0)
    net.add_customer_class("silver", backlog=False, min_fill_rate=0.5)
    net.add_stock("W", "FG", initial=6.0, safety_stock=4.0, target_end=2.0)
    net.add_stock("X", "FG", initial=3.0, mode="pull")
    for t, (a, b) in enumerate([(8, 5), (14, 9), (20, 12), (9, 6)], start=1):
        net.add_demand("C1", "FG", a, period=t, priority="gold", quoted_lead_time=1)
        net.add_demand("C2", "FG", b, period=t, priority="silver")
        net.add_demand("C3", "FG", 2.0, period=t, priority="silver")
    net.set_table("commitments", pd.DataFrame([{"customer": "C1", "product": "FG",
                                                 "segment": "key_account", "service_level": 0.5,
                                                 "max_quantity": 40.0}]))
    return net.validate()


def instances():
    yield "every_feature", every_feature(), {}
    yield "every_feature_setups", every_feature(), {"setups": True}
    yield "juice", sn.read(INSTANCES / "juice"), {}
    yield "assembly_setups", sn.read(INSTANCES / "assembly"), {"setups": True}
    yield "generated", sn.generate(customers=12, periods=6, seed=3), {"include_candidates": True}


@pytest.mark.parametrize("name,net,opts", list(instances()), ids=lambda x: x if isinstance(x, str) else "")
def test_plan_arrays_and_pyomo_compile_to_the_same_model(name, net, opts):
    ma = build(net, PlanOptions(engine="arrays", **opts)).model  # kept: rows name them weakly
    mb = build(net, PlanOptions(engine="pyomo", **opts)).model
    a, b = compile_model(ma), compile_model(mb)
    assert len(a.columns) == len(b.columns) and a.A.nnz == b.A.nnz
    assert_same_model(a, b)


@pytest.mark.parametrize("name,net,opts", [i for i in instances() if i[0] in
                                           ("every_feature_setups", "juice", "generated")],
                         ids=lambda x: x if isinstance(x, str) else "")
def test_plan_solved_both_ways_agrees(name, net, opts):
    ra = sn.plan(net, engine="arrays", **opts)
    rb = sn.plan(net, engine="pyomo", **opts)
    assert ra.status == rb.status == "optimal"
    assert ra.objective == pytest.approx(rb.objective, rel=1e-7)
    pd.testing.assert_frame_equal(ra.costs, rb.costs, rtol=1e-6, atol=1e-6)
    if not opts.get("setups"):  # an LP's duals: unique here up to degeneracy, compare totals
        ca = ra.capacity["used"].sum()
        assert ca == pytest.approx(rb.capacity["used"].sum(), rel=1e-6, abs=1e-6)


def test_hook_fixes_bounds_and_adds_rows_on_array_families():
    """A hook that fixes one array member and adds a Pyomo row over a whole family (iterated
    like any indexed Var) gets the same optimum as on the pure Pyomo model."""
    net = every_feature()

    def hook(m, _net):
        m.make["P", "FG", 1].fix(0.0)
        m.ship_cap_hook = pyo.Constraint(expr=sum(v for (o, d, p, t), v in m.ship.items()
                                                  if d == "C2") <= 20.0)

    ra = sn.plan(net, engine="arrays", extra_constraints=hook)
    rb = sn.plan(net, engine="pyomo", extra_constraints=hook)
    assert ra.status == rb.status == "optimal"
    assert ra.objective == pytest.approx(rb.objective, rel=1e-8)
    prod = ra.production
    assert prod[(prod["period"] == 1)]["quantity"].sum() == 0.0
    assert ra.shipments.query("destination == 'C2'")["quantity"].sum() <= 20.0 + 1e-6
    free = sn.plan(net)
    assert free.objective < ra.objective  # the hook binds


def test_a_small_model_by_hand_merges_arrays_pyomo_and_names():
    """min x0 + 2 x1 + 3 y  s.t. x0 + x1 >= 4 (array row), x1 - y <= 0 (Pyomo row over an array
    member), x0 <= 3 (array bound), y >= 0: optimum x0 = 3, x1 = 1, y = 1, cost 8."""
    m = pyo.ConcreteModel()
    x = add_columns(m, "x", [("a", 0), ("b", 1)], upper=[3.0, np.inf], cost=[1.0, 2.0])
    add_rows(m, "cover", [("all",)], 4.0, np.inf,
             [(x, np.array([0, 1]), np.array([0, 0]), 1.0)])
    m.y = pyo.Var(domain=pyo.NonNegativeReals)
    m.link = pyo.Constraint(expr=m.x["b", 1] - m.y <= 0)
    m.obj = pyo.Objective(expr=3 * m.y)
    assert len(m.x) == 2 and list(m.x.keys()) == [("a", 0), ("b", 1)]
    assert len(m.x._data) == 1  # only the touched member became a Pyomo object
    sol = solve_model(m)
    assert sol.status == "optimal" and sol.objective == pytest.approx(8.0)
    assert sol.values(m.x).tolist() == pytest.approx([3.0, 1.0])
    assert sol.value(m.y) == pytest.approx(1.0)
    assert sol.columns.names() == ["x[a,0]", "x[b,1]", "y"]
    assert sol.rows.names() == ["cover[all]", "link"]
    # duals: raising the cover by one costs the cheaper way to cover it, x1 plus y: 5
    assert sol.duals(m.cover).tolist() == pytest.approx([5.0])


def test_keys_from_columns_make_tuples_only_when_asked_and_agree_with_a_list():
    frame = pd.DataFrame({"node": ["W1", "W1", "C7"], "period": [1, 2, 1]})
    keys = Keys(frame)
    assert keys._pos is None and len(keys) == 3
    assert keys[2] == ("C7", 1) and type(keys[2][1]) is int  # Python ints, as Pyomo's names
    assert keys._pos is None  # one key by position needs no dictionary
    assert ("W1", 2) in keys and ("W1", 3) not in keys and keys.position(("C7", 1)) == 2
    assert list(keys) == list(Keys([("W1", 1), ("W1", 2), ("C7", 1)]))
    assert list(keys.take(np.array([True, False, True]))) == [("W1", 1), ("C7", 1)]
    one = Keys(frame[["node"]].iloc[:2].assign(node=["a", "b"]))  # one column: its elements
    assert list(one) == ["a", "b"] and one[1] == "b" and "a" in one


def test_a_model_from_key_columns_equals_the_model_from_tuples():
    """The hand model above with its keys given as table columns: same matrix, names and
    optimum (8), and only the touched member made; rows without terms are dropped by key."""
    m = pyo.ConcreteModel()
    xt = pd.DataFrame({"site": ["a", "b"], "period": [0, 1]})
    x = add_columns(m, "x", xt, upper=[3.0, np.inf], cost=[1.0, 2.0])
    rows = pd.DataFrame({"what": ["all", "unused"]})
    add_rows_with_terms(m, "cover", rows, 4.0, np.inf,
                        [(x, np.array([0, 1]), np.array([0, 0]), 1.0)])
    m.y = pyo.Var(domain=pyo.NonNegativeReals)
    m.link = pyo.Constraint(expr=m.x["b", 1] - m.y <= 0)
    m.obj = pyo.Objective(expr=3 * m.y)
    assert len(m.x._data) == 1 and list(m.x.keys()) == [("a", 0), ("b", 1)]
    sol = solve_model(m)
    assert sol.objective == pytest.approx(8.0)
    assert sol.values(m.x).tolist() == pytest.approx([3.0, 1.0])
    assert sol.columns.names() == ["x[a,0]", "x[b,1]", "y"]
    assert sol.rows.names() == ["cover[all]", "link"]
    assert sol.compiled.A.indices.dtype == np.int32
    # names of chosen columns at once, in the order asked, as one at a time
    assert sol.columns.names_of(np.array([2, 0])) == ["y", "x[a,0]"]
    assert Keys(xt).at(np.array([1, 1, 0])) == [("b", 1), ("b", 1), ("a", 0)]
    assert sol.column_values_by_name(integer_only=False) == pytest.approx(
        {"x[a,0]": 3.0, "x[b,1]": 1.0, "y": 1.0})


def test_unknown_key_on_an_array_family_is_a_clear_error():
    m = pyo.ConcreteModel()
    add_columns(m, "x", [("a", 0)])
    with pytest.raises(KeyError, match="not valid"):
        m.x["nope", 9]


def test_written_model_has_family_and_key_names(tmp_path):
    res = sn.plan(every_feature())
    path = res.write_model(tmp_path / "plan.lp")
    text = path.read_text()
    assert "ship(S,P,RM,1)" in text and "inventory_balance(W,FG,2)" in text
    assert "order_balance(C1,FG,1)" in text and " c0 " not in text
    res.write_model(tmp_path / "plan.mps")
    assert "make(P,FG,1)" in (tmp_path / "plan.mps").read_text()


def design_instances():
    yield "juice", sn.read(INSTANCES / "juice"), {}
    yield "assembly", sn.read(INSTANCES / "assembly"), {}
    yield "generated", sn.generate(customers=15, periods=3, seed=4), {}
    yield "generated_soft_single", sn.generate(customers=10, periods=2, seed=5), {
        "soft": True, "single_sourcing": "customer"}
    yield "generated_single", sn.generate(customers=12, periods=2, seed=6), {
        "single_sourcing": "customer"}
    yield "juice_single_per_product", sn.read(INSTANCES / "juice"), {
        "single_sourcing": "customer_product"}
    yield "generated_no_customer_linking", sn.generate(customers=15, periods=3, seed=4), {
        "customer_linking": False}


@pytest.mark.parametrize("name,net,opts", list(design_instances()),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_design_arrays_and_pyomo_compile_to_the_same_model(name, net, opts):
    from supplynet.models.design.model import build as build_design
    from supplynet.models.design.options import DesignOptions

    ba = build_design(net, DesignOptions(engine="arrays", **opts))
    bb = build_design(net, DesignOptions(engine="pyomo", **opts))
    a, b = compile_model(ba.model), compile_model(bb.model)
    assert len(a.columns) == len(b.columns) and len(a.rows) == len(b.rows)
    assert_same_model(a, b)


@pytest.mark.parametrize("name,net,opts", [i for i in design_instances() if i[0] != "assembly"],
                         ids=lambda x: x if isinstance(x, str) else "")
def test_design_solved_both_ways_agrees(name, net, opts):
    ra = sn.design(net, engine="arrays", **opts)
    rb = sn.design(net, engine="pyomo", **opts)
    assert ra.status == rb.status == "optimal"
    assert ra.objective == pytest.approx(rb.objective, rel=1e-6)
    assert sorted(ra.facilities.query("open")["node"]) == sorted(rb.facilities.query("open")["node"])


def test_design_hook_fixes_an_array_binary():
    """A hook that opens a facility the free design leaves closed, through m.open[n].fix(1) on
    the array family: the facility is open, and both engines agree on the (higher) cost."""
    net = sn.read(INSTANCES / "juice")
    free = sn.design(net)
    fac = free.facilities
    closed = fac[~fac["open"].astype(bool)]["node"].tolist()
    assert closed, "juice's design leaves some candidate closed"
    target = closed[0]

    def hook(m, _net):
        assert target in m.open
        m.open[target].fix(1)

    ra = sn.design(net, engine="arrays", extra_constraints=hook)
    rb = sn.design(net, engine="pyomo", extra_constraints=hook)
    assert ra.status == rb.status == "optimal"
    assert ra.objective == pytest.approx(rb.objective, rel=1e-6)
    assert ra.objective > free.objective
    assert bool(ra.facilities.set_index("node").loc[target, "open"])
