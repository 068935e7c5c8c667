"""The plan drops make and ship rows its balances force to 0 (sets.drop_impossible).

A tiny instance whose removed rows are worked out by hand, and generated instances with
lead times where the pruned plan must reach the same optimum as the unpruned one
(option ``prune_unreachable`` on and off).
"""

from __future__ import annotations

import pytest

import supplynet as sn
from supplynet.models.planning import PlanOptions, build
from supplynet.models.planning.sets import build_sets


def tiny() -> sn.Network:
    """S -(1 period)-> P -> W -> C1, C2 over T = 4; P makes FG from RM; no stock anywhere.

    C1 (gold, backlog) orders 5 FG in periods 3 and 4; C2 (silver, lost sales, quoted 0)
    orders 4 FG in periods 2 and 4.
    """
    net = sn.Network("reduce", params={"periods": 4, "unmet_penalty": 100.0})
    net.add_supplier("S").add_plant("P").add_warehouse("W")
    net.add_customer("C1").add_customer("C2")
    net.add_lane("S", "P", lead_time=1, cost=1.0).add_lane("P", "W", cost=1.0)
    net.add_lane("W", "C1", cost=1.0).add_lane("W", "C2", cost=1.0)
    net.add_product("RM", value=1.0).add_product("FG", value=10.0)
    net.add_bom("FG", "RM", 1.0)
    net.add_supply("S", "RM", price=1.0)
    net.add_production("P", "FG", cost=1.0, capacity_use=1.0)
    net.add_customer_class("gold", backlog=True, backlog_cost=1.0)
    net.add_customer_class("silver", backlog=False)
    for t in (3, 4):
        net.add_demand("C1", "FG", 5.0, period=t, priority="gold")
    for t in (2, 4):
        net.add_demand("C2", "FG", 4.0, period=t, priority="silver")
    return net


# By hand: RM reaches P in period 2 at the earliest (lane lead time 1), so P cannot make FG
# in period 1 nor ship it then, and W (fed by P with lead time 0) has FG from period 2 on.
# C1's orders start in period 3: deliveries in 1 and 2 would exceed what it ordered.
# C2 loses what is not delivered in the period: deliveries only in its periods 2 and 4.
REMOVED_MAKE = {("P", "FG", 1)}
REMOVED_SHIP = {("P", "W", "FG", 1), ("W", "C1", "FG", 1), ("W", "C1", "FG", 2),
                ("W", "C2", "FG", 1), ("W", "C2", "FG", 3)}


def keys(df, cols):
    return set(zip(*(df[c].tolist() for c in cols), strict=True))


def test_tiny_removes_exactly_the_forced_rows():
    net = tiny()
    full = build_sets(net, PlanOptions(prune_unreachable=False))
    pruned = build_sets(net, PlanOptions(prune_unreachable=True))
    make_cols, ship_cols = ["plant", "product", "period"], ["origin", "destination", "product",
                                                            "period"]
    assert len(full.make) == 4 and len(full.ship) == 3 + 4 + 4 + 4  # S->P arrives by 4
    assert keys(full.make, make_cols) - keys(pruned.make, make_cols) == REMOVED_MAKE
    assert keys(full.ship, ship_cols) - keys(pruned.ship, ship_cols) == REMOVED_SHIP
    assert keys(pruned.make, make_cols) <= keys(full.make, make_cols)
    assert keys(pruned.ship, ship_cols) <= keys(full.ship, ship_cols)


def test_tiny_objective_unchanged_and_by_hand():
    net = tiny()
    assert len(build(net, PlanOptions(prune_unreachable=True)).sets.ship) == 10
    pruned = sn.plan(net, prune_unreachable=True)
    # By hand: every unit costs RM 1 + S->P 1 + make 1 + P->W 1 + W->C 1 = 5; C2's period-2
    # order is met in time (RM bought in 1, at P in 2, made and shipped in 2); every order
    # can be made and delivered in its own period, so nothing is held. 18 units -> 90.
    assert pruned.status == "optimal"
    assert pruned.objective == pytest.approx(18 * 5.0)
    full = sn.plan(net)
    assert len(build(net).sets.ship) == 15
    assert full.objective == pytest.approx(pruned.objective, rel=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_objective_unchanged(seed):
    # km_per_period small: lanes of 1-3 periods, so early periods have rows to drop (and
    # some demand cannot be served in time: no fill-rate floors, so the plan stays feasible)
    net = sn.generate(customers=8, products=2, plants=2, warehouses=3, periods=8, seed=seed,
                      km_per_period=400.0)
    opts = dict(include_candidates=True, min_fill_rates=False, presolve=False)
    pruned_sets = build_sets(net, PlanOptions(include_candidates=True, prune_unreachable=True))
    pruned = sn.plan(net, prune_unreachable=True, **opts)
    full_sets = build_sets(net, PlanOptions(include_candidates=True, prune_unreachable=False))
    full = sn.plan(net, **opts)
    assert len(pruned_sets.ship) + len(pruned_sets.make) < len(full_sets.ship) + len(full_sets.make)
    assert pruned.status == full.status == "optimal"
    assert pruned.objective == pytest.approx(full.objective, rel=1e-7)
