"""The planning formulation (models/planning.md) against the code, without a solver.

Every constraint family listed in the md's constraint table must exist on the built
Pyomo model under that name, added by the named function, with the number of rows worked
out by hand below for a tiny instance. A renamed or dropped family fails here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo
import pytest

import supplynet as sn
from supplynet.arrays import PART, part_of
from supplynet.models.planning import PlanOptions, PlanSets, build
from supplynet.models.planning import constraints as pc

MD = Path(__file__).resolve().parents[1] / "models" / "planning.md"


def md_table() -> list[dict[str, str]]:
    """Rows of the first table in the Constraints section: constraint, function, index, math."""
    text = MD.read_text(encoding="utf-8")
    section = text[text.index("## Constraints"):]
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    assert head == ["constraint", "function", "index", "math"]
    rows = []
    for ln in lines[2:]:
        cells = [c.strip().strip("`") for c in ln.strip().strip("|").split("|")]
        if len(cells) != 4:
            break
        rows.append(dict(zip(head, cells, strict=True)))
    return rows


def tiny() -> sn.Network:
    """S -> P -> W -> C1, C2 over T = 2 periods; P makes FG from one RM each.

    Lead times 0 except W -> C2 (1 period). Finite capacities everywhere the plan has a
    capacity family, so each family has rows.
    """
    net = sn.Network("tiny", params={"periods": 2, "unmet_penalty": 100.0, "co2_cap": 100.0})
    net.add_supplier("S", capacity=100.0)
    net.add_plant("P", capacity=20.0, overtime_capacity=5.0, overtime_cost=1.0,
                  storage_capacity=50.0)
    net.add_warehouse("W", capacity=30.0, storage_capacity=40.0)
    net.add_customer("C1").add_customer("C2")
    net.add_lane("S", "P", capacity=60.0).add_lane("P", "W")
    net.add_lane("W", "C1").add_lane("W", "C2", lead_time=1)
    net.add_product("RM", value=1.0).add_product("FG", value=10.0)
    net.add_bom("FG", "RM", 1.0)
    net.add_supply("S", "RM", price=1.0, capacity=80.0)
    net.add_production("P", "FG", cost=1.0, capacity_use=1.0, setup_cost=5.0, setup_time=1.0,
                       min_lot=2.0, co2=0.5)
    net.add_customer_class("gold", backlog=True, backlog_cost=1.0, min_fill_rate=0.5)
    net.add_customer_class("silver", backlog=False)
    net.add_demand("C1", "FG", 5.0, period=1, priority="gold", quoted_lead_time=1)
    net.add_demand("C1", "FG", 5.0, period=2, priority="gold", quoted_lead_time=1)
    net.add_demand("C2", "FG", 4.0, period=2, priority="silver")
    net.add_stock("W", "FG", safety_stock=3.0)
    return net


OFF = PlanOptions(setups=False, overtime=False, subcontracting=False, storage=False,
                  safety_stock=False, min_fill_rates=False, co2=False)
ON = PlanOptions(setups=True)  # every other feature is on by default

# Rows by hand. Sets of the tiny instance:
#   ship: S->P RM t=1,2; P->W FG t=1,2; W->C1 FG t=1,2; W->C2 FG t=1 only (arrives in 2).
#   stock pairs (P,FG), (P,RM), (W,FG), all push: balance = inv = 3 x 2 = 6 rows.
#   orders: (C1,FG) gold, backlog with quoted 1 -> open and late in t=1,2;
#           (C2,FG) silver, lost sales, quoted 0 -> lost only in t=2 (no demand in t=1).
# {constraint: (rows with OFF, rows with ON); None = the family is not built}
ROWS = {
    "inventory_balance": (6, 6),  # every push balance row, flows or not
    "pull_drawdown": (0, 0),  # no pull pair with initial stock
    "order_balance": (3, 3),  # (C1,1), (C1,2), (C2,2); (C2,1) has no delivery/open/lost term
    "late_backlog": (2, 2),  # late rows (C1,1), (C1,2)
    "production_capacity": (2, 2),  # (P,1), (P,2)
    "supplier_capacity": (2, 2),  # (S,1), (S,2)
    "supply_capacity": (2, 2),  # (S,RM,1), (S,RM,2)
    "throughput_capacity": (2, 2),  # (W,1), (W,2): W ships in both periods
    "lane_capacity": (2, 2),  # only S->P has a capacity: (S,P,1), (S,P,2)
    "storage_capacity": (None, 4),  # nodes P, W x periods 1, 2
    "setup_forcing": (None, 2),  # setup rows (P,FG,1), (P,FG,2)
    "min_lot": (None, 2),  # both setup rows have min_lot 2 > 0
    "ls_cut": (None, 0),  # declared empty: rows come from the separation rounds (solve);
    # FG's gold customer is backlog, so FG is no item (test_planning_ls_cuts.py counts rows)
    "safety_stock": (None, 2),  # (W,FG,1), (W,FG,2)
    "min_fill_rate": (None, 1),  # class gold (silver has no commitment)
    "co2_cap": (None, 1),  # one row: production emits
    "best_effort_link": (None, None),  # no commitments table (see the test below)
    "commitment_service_level": (None, None),
}


def test_the_md_table_lists_every_family_with_its_function():
    rows = md_table()
    assert [r["constraint"] for r in rows] == list(ROWS)
    for r in rows:
        assert r["function"] == f"add_{r['constraint']}"
        assert callable(getattr(pc, r["function"]))
        assert r["index"] and r["math"]


def constraint_families(m) -> dict:
    """{name: family} of the Pyomo constraints and the array row families (supplynet.arrays)."""
    part = part_of(m)
    out = {c.local_name: c for c in m.component_objects(pyo.Constraint, descend_into=False)}
    out.update({f.name: f for f in (part.rows if part is not None else [])})
    return out


@pytest.mark.parametrize("engine", ["arrays", "pyomo"])
@pytest.mark.parametrize("which, opts", [(0, OFF), (1, ON)], ids=["off", "on"])
def test_every_family_has_its_hand_counted_rows(which, opts, engine):
    built = build(tiny(), dataclasses.replace(opts, engine=engine))
    m = built.model
    assert isinstance(built.sets, PlanSets)
    families = constraint_families(m)
    for r in md_table():
        name = r["constraint"]
        expected = ROWS[name][which]
        if expected is None:
            assert not hasattr(m, name), name
            continue
        con = families[name]
        if engine == "pyomo":
            assert isinstance(con, pyo.Constraint), name
        assert len(con) == expected, name
    # no constraint family outside the md table
    assert set(families) == {n for n, rows in ROWS.items() if rows[which] is not None}


def test_variables_follow_the_hand_counted_sets():
    off, on = build(tiny(), OFF).model, build(tiny(), ON).model
    # make (P,FG,1..2), ship 7 rows (see above), inv 6, open 2, late 2, lost 1
    for m in (off, on):
        assert (len(m.make), len(m.ship), len(m.inv)) == (2, 7, 6)
        assert (len(m.open), len(m.late), len(m.lost), len(m.sub)) == (2, 2, 1, 0)
    assert (len(off.setup), len(off.overtime), len(off.ss_short)) == (0, 0, 0)
    assert (len(on.setup), len(on.overtime), len(on.ss_short)) == (2, 2, 2)


def test_nothing_but_pyomo_components_and_array_families_hang_on_the_model():
    plain = set(vars(pyo.ConcreteModel()))
    for opts in (OFF, ON):
        m = build(tiny(), dataclasses.replace(opts, engine="pyomo")).model
        components = {c.local_name for c in m.component_objects(descend_into=False)}
        assert not set(vars(m)) - plain - components
        assert {c.local_name for c in m.component_objects(pyo.Objective)} == {"total_cost"}
        m = build(tiny(), opts).model  # arrays: the row families and their registry too
        components = {c.local_name for c in m.component_objects(descend_into=False)}
        rows = {f.name for f in part_of(m).rows}
        assert set(vars(m)) - plain - components == rows | {PART}
        # the objective is the array families' costs: no Pyomo objective
        assert not list(m.component_objects(pyo.Objective))


def test_commitment_families_have_their_hand_counted_rows():
    """tiny() with commitments: (C1, FG) commits at most 3 a period at service level 0.9
    (demand 5 + 5: committed 6, excess 4), (C2, FG) is best effort (committed 0, excess 4).
    The instance penalty 100 against the default best-effort penalty 50 leaves a relief of 50 on
    both pairs: best_effort_link has 2 rows; only (C1, FG) commits a volume at a service
    level, so commitment_service_level has 1 row."""
    net = tiny()
    net.set_table("commitments", pd.DataFrame({
        "customer": ["C1", "C2"], "product": ["FG", "FG"], "max_quantity": [3.0, float("nan")],
        "service_level": [0.9, 0.0], "segment": ["committed", "best_effort"]}))
    m = build(net, OFF).model
    assert len(m.best_effort_link) == 2
    assert len(m.commitment_service_level) == 1
