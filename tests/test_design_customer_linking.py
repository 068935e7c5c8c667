"""customer_linking=False (models/design.md, "Linking"): without the rows
flow[w,c,p] <= U·open[w] on a decided warehouse's arcs into customers the design MIP stays
exact, because the warehouse's throughput row closes those arcs. Checked against the
default formulation (all linking rows) at every open/closed choice of the decided
warehouses, and on the free optimum."""

from __future__ import annotations

import itertools

import pytest
from shared_data import shared_data

import supplynet as sn
from supplynet.models.design import DesignOptions, build
from supplynet.solve import compile_model

ORLIB = shared_data("orlib")


def decided_warehouses(net: sn.Network) -> list[str]:
    s = build(net, DesignOptions()).sets
    return [n for n in s.open_index if s.data.kind[n] == "warehouse"]


@pytest.mark.parametrize("seed", [1, 4])
def test_every_warehouse_choice_costs_the_same_with_and_without_the_rows(seed):
    net = sn.generate(suppliers=2, plants=2, warehouses=4, customers=8, products=2, periods=2,
                      seed=seed)
    houses = decided_warehouses(net)
    assert len(houses) >= 3
    for closed in itertools.chain.from_iterable(
            itertools.combinations(houses, k) for k in range(len(houses))):
        opened = [w for w in houses if w not in closed]
        kw = {"force_open": opened, "force_closed": list(closed), "mip_gap": 1e-9}
        lean = sn.design(net, customer_linking=False, **kw)
        full = sn.design(net, **kw)
        assert lean.status == full.status
        if full.status != "optimal":
            continue
        assert lean.objective == pytest.approx(full.objective, rel=1e-7), closed
        out = lean.flows[lean.flows["origin"].isin(closed)]
        assert (out["quantity"].abs() <= 1e-6).all()  # a closed warehouse ships nothing


@pytest.mark.parametrize("seed", [2, 5, 7])
def test_free_optimum_is_the_default_formulations(seed):
    net = sn.generate(suppliers=3, plants=3, warehouses=5, customers=20, products=2,
                      periods=3, seed=seed)
    lean = sn.design(net, customer_linking=False, mip_gap=1e-9)
    full = sn.design(net, mip_gap=1e-9)
    assert lean.status == full.status == "optimal"
    assert lean.objective == pytest.approx(full.objective, rel=1e-7)


def test_rows_left_out_are_the_warehouse_to_customer_ones_with_a_column_bound():
    net = sn.generate(suppliers=2, plants=2, warehouses=4, customers=8, products=2, periods=2,
                      seed=1)
    full = build(net, DesignOptions())
    lean = build(net, DesignOptions(customer_linking=False))
    s = full.sets
    kind = s.data.kind
    houses = set(decided_warehouses(net))
    into_customers = [i for i, (o, d, _p) in enumerate(s.arc_list)
                      if o in houses and kind[d] == "customer"]
    assert into_customers
    a, b = compile_model(full.model), compile_model(lean.model)
    assert len(a.rows) - len(b.rows) == len(into_customers)
    assert len(lean.model.open_linking) == len(full.model.open_linking) - len(into_customers)
    upper = lean.model.flow._family.upper
    assert all(0 <= upper[i] < float("inf") for i in into_customers)


def test_default_leaves_the_rows_out_only_on_large_networks_with_plant_decisions(monkeypatch):
    """With the size threshold lowered to 10 arcs, the default drops the rows on a network
    with plant decisions (as False does) and keeps them on an OR-Library problem (no plants)."""
    from supplynet.models.design import constraints

    def rows(net, **kw):
        return len(build(net, DesignOptions(**kw)).model.open_linking)

    with_plants = sn.generate(suppliers=2, plants=2, warehouses=4, customers=8, products=2,
                              periods=2, seed=1)
    full = rows(with_plants)  # 160 arcs: below the real threshold, every row
    assert full == rows(with_plants, customer_linking=True)
    monkeypatch.setattr(constraints, "LEAN_LINKING_ARCS", 10)
    assert rows(with_plants) == rows(with_plants, customer_linking=False) < full
    assert rows(with_plants, customer_linking=True) == full
    cfl = ORLIB / "cap41.txt"
    if cfl.exists():
        net = sn.read_orlib_cap(cfl)
        assert rows(net) == rows(net, customer_linking=True) > rows(net, customer_linking=False)
