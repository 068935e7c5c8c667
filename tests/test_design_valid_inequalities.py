"""The production covers (models/design.md, "Production covers") on tiny instances worked by hand.

Every cover row must hold at every design whose flows are feasible (checked by enumerating
each plant's options and solving the LP with the binaries fixed), the optimum must be the
enumerated one, and on the hand instance the rows must close the LP gap that the strong linking
rows leave open.
"""

from __future__ import annotations

import itertools

import numpy as np
import pyomo.environ as pyo
import pytest

import supplynet as sn
from supplynet.highs import pass_model, quiet_highs
from supplynet.models.design import DesignOptions, build
from supplynet.models.design.covers import fixed_production, units_within
from supplynet.options import SolveOptions
from supplynet.solve import compile_model, solve_model


def two_plants() -> sn.Network:
    """One period. Supplier S sells raw at 1; plants make fg from 1 raw: P1 existing (100 h,
    fixed 100, no closing cost, 5 per unit), P2 candidate (fixed 60, 1 per unit) with levels
    small (50 h, free) and large (120 h, 30); 1 h per unit; customer C wants 80 fg. Free lanes.

    Designs (raw 80 always): P2 large alone 60 + 30 + 80 = 170 (+80 = 250, the optimum);
    P1 alone 100 + 400; P1 + P2 small 100 + 60 + 50 + 150; P1 + P2 large 100 + 90 + 80.
    P2 small alone makes 50 < 80: infeasible. So open[P1] + level[P2,large] >= 1 is the one
    cover (P1 closed and P2 small is the one maximal short choice).
    LP without it: P2 open fully (linking: flow P2→C <= 80·open[P2]), 50 z_s + 120 z_l >= 80
    with z_s + z_l = 1 gives z_l = 3/7: 60 + 30·3/7 + 80 + 80 = 232.857...; with it z_l = 1: 250.
    """
    n = sn.Network("two_plants", params={"periods": 1})
    n.add_supplier("S")
    n.add_plant("P1", status="existing", capacity=100, fixed_cost=100, closing_cost=0)
    n.add_plant("P2", status="candidate", fixed_cost=60)
    n.add_capacity_level("P2", "small", 50, 0).add_capacity_level("P2", "large", 120, 30)
    n.add_customer("C")
    n.add_product("raw", kind="raw").add_product("fg").add_bom("fg", "raw", 1)
    n.add_supply("S", "raw", price=1)
    n.add_production("P1", "fg", cost=5, capacity_use=1).add_production("P2", "fg", cost=1, capacity_use=1)
    for p in ("P1", "P2"):
        n.add_lane("S", p, cost=0).add_lane(p, "C", cost=0)
    n.add_demand("C", "fg", 80)
    return n.validate()


def lp_bound(model: pyo.ConcreteModel) -> float:
    """The LP relaxation's optimum (integrality dropped)."""
    cm = compile_model(model)
    h = quiet_highs()
    h.setOptionValue("threads", 1)  # HiGHS keeps the first solve's thread count per process
    pass_model(h, cm)
    n = len(cm.columns)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    h.run()
    return h.getInfo().objective_function_value


def cover_sets(model: pyo.ConcreteModel) -> set[frozenset[str]]:
    rows = set()
    for con in model.production_cover.values():
        assert con.lower == 1 and con.upper is None
        rows.add(frozenset(v.name for v in pyo.expr.identify_variables(con.body)))
    return rows


def test_units_within_by_hand():
    # 10 h: product a (1 h/unit, 4 needed) first, then 6 h of b at 2 h/unit: 3 units
    assert units_within(10.0, [(2.0, 5.0), (1.0, 4.0)]) == pytest.approx(7.0)
    # free product (0 h/unit) counts in full, then 100 h cover all 3 units of the other
    assert units_within(100.0, [(0.0, 5.0), (1.0, 3.0)]) == pytest.approx(8.0)


def test_fixed_production_excludes_bought_products_and_their_components():
    net = two_plants()
    built = build(net, DesignOptions())
    assert fixed_production(built.sets) == {"fg": 80.0}  # raw is bought, not made
    net.add_supplier("S2").add_supply("S2", "fg", price=50).add_lane("S2", "C", cost=0)
    assert fixed_production(build(net.validate(), DesignOptions()).sets) == {}


def test_cover_row_by_hand_and_lp_gap_closed():
    built = build(two_plants(), DesignOptions())
    assert cover_sets(built.model) == {frozenset({"open[P1]", "level[P2,large]"})}
    assert lp_bound(built.model) == pytest.approx(250.0, rel=1e-9)
    without = build(two_plants(), DesignOptions(capacity_cover=False, open_count_cover=False))
    assert not hasattr(without.model, "production_cover")
    assert lp_bound(without.model) == pytest.approx(60 + 30 * 3 / 7 + 160, rel=1e-9)
    assert sn.design(two_plants()).objective == pytest.approx(250.0, rel=1e-9)


def test_no_cover_in_soft_mode():
    assert not hasattr(build(two_plants(), DesignOptions(soft=True)).model, "production_cover")


def enumerate_designs(net: sn.Network):
    """Every combination of open/level values of the decided plants (warehouses left free),
    the LP with them fixed: yields (values {binary name: 0/1}, objective or None)."""
    built = build(net, DesignOptions(capacity_cover=False, open_count_cover=False))
    m, s = built.model, built.sets
    plants = [n for n in s.open_index if s.data.kind[n] == "plant"]
    options = []
    for n in plants:
        levels = [lv for lv, _cap in s.levels_of.get(n, [])]
        options.append([None] + (levels or ["open"]))
    for choice in itertools.product(*options):
        values = {}
        for n, pick in zip(plants, choice, strict=True):
            values[m.open[n].name] = float(pick is not None)
            for lv, _cap in s.levels_of.get(n, []):
                values[m.level[n, lv].name] = float(pick == lv)
        for var in m.component_data_objects(pyo.Var):
            if var.name in values:
                var.fix(values[var.name])
        res = solve_model(m, SolveOptions(mip_gap=1e-9))
        yield values, (res.objective if res.status == "optimal" else None)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_covers_hold_at_every_feasible_design(seed):
    net = sn.generate(suppliers=3, plants=3, warehouses=3, customers=8, products=2, periods=2,
                      seed=seed, capacity_slack=1.05)
    rows = cover_sets(build(net, DesignOptions()).model)
    best = None
    for values, objective in enumerate_designs(net):
        if objective is None:
            continue
        best = objective if best is None else min(best, objective)
        for row in rows:
            present = [values[v] for v in row if v in values]
            assert len(present) == len(row) and sum(present) >= 1, (row, values)
    with_covers = sn.design(net, mip_gap=1e-9)
    assert with_covers.objective == pytest.approx(best, rel=1e-7)
