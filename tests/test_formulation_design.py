"""The design model's formulation checked against models/design.md, without a solver.

The constraint table opening the Constraints section of models/design.md is parsed; on a tiny
network built here every constraint named in it must exist on the built Pyomo model with the
number of rows counted by hand below, and its function must exist. A renamed, dropped or
re-indexed family fails. Families switched off by options are checked absent in a second build.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pyomo.environ as pyo
import pytest

import supplynet as sn
from supplynet.arrays import PART, part_of
from supplynet.models._sets import Built
from supplynet.models.design import DesignOptions, build, choices, constraints, covers
from supplynet.models.design.sets import DesignSets

MD = Path(__file__).resolve().parents[1] / "models" / "design.md"


def constraint_table() -> dict[str, str]:
    """{constraint: add_ function} from the table that opens the Constraints section."""
    section = MD.read_text(encoding="utf-8").split("\n## Constraints\n", 1)[1]
    lines = section.strip().splitlines()
    assert lines[0].replace(" ", "") == "|constraint|function|index|math|"
    rows = {}
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = re.fullmatch(r"`(\w+)`", cells[0]).group(1)
        rows[name] = re.match(r"`(add_\w+)`", cells[1]).group(1)
    return rows


def tiny() -> sn.Network:
    """One period. Suppliers S1 (500 units; its raw offer capped at 300) and S2 (raw and fg,
    uncapped); candidate plant P (100 h, makes fg from 2 raw, make fixed cost 10); candidate
    warehouse W1 (80 units); existing warehouse W2 with levels L1 (40) and L2 (90); customers
    C1 (30 fg) and C2 (40 fg). Lanes S1→P (co2), S2→P, S2→W1, P→W1, P→W2 (fixed cost), W1→C1,
    W1→C2 (capacity 50), W2→C1, W2→C2 (minimum volume 5)."""
    n = sn.Network("formulation", params={"periods": 1})
    n.add_supplier("S1", capacity=500).add_supplier("S2")
    n.add_plant("P", status="candidate", capacity=100)
    n.add_warehouse("W1", status="candidate", capacity=80, fixed_cost=50)
    n.add_warehouse("W2", status="existing", closing_cost=20)
    n.add_capacity_level("W2", "L1", 40, 5).add_capacity_level("W2", "L2", 90, 8)
    n.add_customer("C1").add_customer("C2")
    n.add_product("raw", kind="raw").add_product("fg").add_bom("fg", "raw", 2)
    n.add_supply("S1", "raw", price=1, capacity=300).add_supply("S2", "raw", price=2)
    n.add_supply("S2", "fg", price=20)
    n.add_production("P", "fg", cost=1, fixed_cost=10)
    n.add_lane("S1", "P", cost=1, co2=0.1).add_lane("S2", "P", cost=1).add_lane("S2", "W1", cost=3)
    n.add_lane("P", "W1", cost=1).add_lane("P", "W2", cost=2, fixed_cost=7)
    n.add_lane("W1", "C1", cost=1).add_lane("W1", "C2", cost=3, capacity=50)
    n.add_lane("W2", "C1", cost=2).add_lane("W2", "C2", cost=1, min_volume=5)
    n.add_demand("C1", "fg", 30).add_demand("C2", "fg", 40)
    return n.validate()


# Arcs by hand: raw goes only to P, its one user (S1→P, S2→P); fg leaves its sources S2 and P
# towards the customers: S2→P, S2→W1, P→W1, P→W2 and the four warehouse→customer lanes. 10 arcs.
# Decided facilities: P, W1 (candidates) and W2 (existing).
ALL_ON = DesignOptions(max_supplier_share=0.8, min_suppliers=1, single_sourcing="customer",
                       min_service_share=0.5, min_open={"warehouse": 1}, max_open={"warehouse": 2},
                       co2_cap=1000.0)
ROWS_ALL_ON = {
    "flow_balance": 4,  # (P, raw), (P, fg), (W1, fg), (W2, fg)
    "demand_met": 2,  # (C1, fg), (C2, fg)
    "supply_capacity": 1,  # S1 raw (S2's offers are uncapped)
    "supplier_capacity": 1,  # S1
    "production_capacity": 1,  # P
    "throughput_capacity": 2,  # W1 (capacity), W2 (levels)
    "level_choice": 1,  # W2
    "open_linking": 12,  # one per decided end: 3 arcs into P, S2→W1, P→W1 ×2, P→W2 ×2, 4 to customers
    "capacity_cover": 1,  # every customer lane leaves a capacitated, decided warehouse
    "open_count_cover": 1,  # k = 1 (W2's largest level 90 >= 70)
    "production_cover": 0,  # fg is also bought (S2), raw is not made: no fixed production
    "make_switch": 1,  # (P, fg): make fixed cost, and S2 sells fg to P
    "buy_switch": 1,  # (P, fg)
    "supplier_share": 3,  # purchases (S1, raw), (S2, raw), (S2, fg)
    "supplier_count": 2,  # raw, fg
    "supplier_minimum": 3,
    "supplier_use_link": 3,
    "single_source": 2,  # C1, C2
    "assign_link": 4,  # the four arcs into customers
    "lane_capacity": 1,  # W1→C2
    "lane_open": 2,  # P→W2 (fixed cost), W2→C2 (minimum volume)
    "lane_min_volume": 1,  # W2→C2
    "service_share": 1,
    "open_limits": 2,  # min_open and max_open of the warehouses
    "co2_cap": 1,  # S1→P emits
}

# Families switched off: soft mode drops open_count_cover; the options drop the rest.
SOME_OFF = DesignOptions(soft=True, linking=False, exclusive_make_or_buy=False,
                         lane_fixed_costs=False, single_sourcing="customer_product")
ROWS_SOME_OFF = {
    "flow_balance": 4, "demand_met": 2, "supply_capacity": 1, "supplier_capacity": 1,
    "production_capacity": 1, "throughput_capacity": 2, "level_choice": 1, "capacity_cover": 1,
    "make_switch": 1, "lane_capacity": 1,
    "open_linking": 5,  # linking off: the plant's ends only (3 arcs into P, P->W1, P->W2)
    "single_source": 2,  # (C1, fg), (C2, fg)
    "assign_link": 4,
}
COVERS_OFF = DesignOptions(capacity_cover=False, open_count_cover=False)


def row_counts(m: pyo.ConcreteModel) -> dict[str, int]:
    """Rows per constraint family: Pyomo constraints and array row families (supplynet.arrays)."""
    part = part_of(m)
    out = {c.local_name: len(c) for c in m.component_objects(pyo.Constraint)}
    return out | {f.name: len(f) for f in (part.rows if part is not None else [])}


def test_table_lists_existing_functions():
    table = constraint_table()
    assert set(table) == set(ROWS_ALL_ON)
    for name, func in table.items():
        assert any(hasattr(mod, func) for mod in (constraints, covers, choices)), \
            f"{name}: no function {func}"


@pytest.mark.parametrize("engine", ["arrays", "pyomo"])
@pytest.mark.parametrize("name", sorted(ROWS_ALL_ON))
def test_every_family_has_its_rows(name, engine):
    built = build(tiny(), dataclasses.replace(ALL_ON, engine=engine))
    assert name in constraint_table()
    con = getattr(built.model, name, None)
    if engine == "pyomo":
        assert isinstance(con, pyo.Constraint), f"{name} is not a Constraint on the model"
    assert len(con) == ROWS_ALL_ON[name]


def test_all_on_has_no_other_constraint():
    assert row_counts(build(tiny(), ALL_ON).model) == ROWS_ALL_ON


def test_switched_off_families_are_absent():
    m = build(tiny(), SOME_OFF).model
    assert row_counts(m) == ROWS_SOME_OFF
    assert set(row_counts(m)) <= set(constraint_table())
    assert len(m.unmet) == 2
    covers_off = row_counts(build(tiny(), COVERS_OFF).model)
    assert "capacity_cover" not in covers_off and "open_count_cover" not in covers_off
    assert "production_cover" not in covers_off


def test_variables_and_sets_by_hand():
    built = build(tiny(), ALL_ON)
    assert isinstance(built, Built) and isinstance(built.sets, DesignSets)
    m, s = built.model, built.sets
    assert len(s.arc_list) == len(m.flow) == 10
    assert len(m.make) == 1 and len(m.level) == 2
    assert sorted(s.open_index) == ["P", "W1", "W2"] and len(m.open) == 3
    assert s.make_or_buy_list == [("P", "fg")] and len(m.make_on) == 1
    assert sorted(s.lane_on_list) == [("P", "W2"), ("W2", "C2")]
    assert not hasattr(m, "unmet")


def test_model_holds_only_pyomo_components_and_array_families():
    plain = set(vars(pyo.ConcreteModel()))
    m = build(tiny(), dataclasses.replace(ALL_ON, engine="pyomo")).model
    extra = {k: type(v).__name__ for k, v in vars(m).items()
             if k not in plain and not isinstance(v, pyo.Component)}
    assert extra == {}
    m = build(tiny(), ALL_ON).model
    extra = {k for k, v in vars(m).items() if k not in plain and not isinstance(v, pyo.Component)}
    assert extra == {f.name for f in part_of(m).rows} | {PART}
