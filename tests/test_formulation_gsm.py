"""The pair MIP of models/buffers.md against the code, without a solver.

The table ``constraint | function | index | math`` that opens the MIP's constraints section is
read from models/buffers.md; every family it names must exist on the built model, be declared
by the named function of ``gsm/mip.py`` (and of its array twin ``gsm/mip_arrays.py``), and have
the number of rows worked out by hand below, with either engine.

The stage graph: A, B -> C. Lead times T = (3, 2, 0), no external service times, C a demand
stage quoting 0. Bounds (buffers.md, "Derived bounds"): si_max_A = si_max_B = 0,
s_max_A = 3, s_max_B = 2, si_max_C = max(3, 2) = 3, s_max_C = min(0, ...) = 0.
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pyomo.environ as pyo
import pytest

from supplynet.arrays import PART, part_of
from supplynet.models._sets import Built
from supplynet.models.gsm import mip, mip_arrays
from supplynet.models.gsm.graph import prepare

DOC = Path(__file__).resolve().parents[1] / "models" / "buffers.md"


def formulation_table(path: Path = DOC) -> dict[str, str]:
    """{constraint: function} from the first table whose header is constraint|function|index|math."""
    lines = path.read_text(encoding="utf-8").splitlines()
    head = [i for i, x in enumerate(lines)
            if [c.strip() for c in x.strip().strip("|").split("|")]
            == ["constraint", "function", "index", "math"]]
    assert len(head) == 1, "models/buffers.md needs exactly one constraint table"
    out = {}
    for line in lines[head[0] + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name, fn = (re.fullmatch(r"`(\w+)`", c).group(1) for c in cells[:2])
        out[name] = fn
    return out


def stages() -> nx.DiGraph:
    g = nx.DiGraph(name="formulation")
    g.add_node("A", lead_time=3, holding_cost=1.0)
    g.add_node("B", lead_time=2, holding_cost=1.0)
    g.add_node("C", lead_time=0, holding_cost=2.0, demand_mean=5.0, demand_std=1.0,
               max_service_time=0)
    g.add_edges_from([("A", "C"), ("B", "C")])
    return g


def row_counts(built: Built) -> dict[str, int]:
    """{family: rows} of the Pyomo constraints and the array row families (supplynet.arrays)."""
    m = built.model
    out = {c.local_name: len(c) for c in m.component_objects(pyo.Constraint)}
    part = part_of(m)
    out.update({f.name: len(f) for f in (part.rows if part is not None else [])})
    return out


def test_table_names_functions_of_mip():
    table = formulation_table()
    assert set(table) == {"outbound_marginal", "inbound_marginal", "service_order",
                          "exact_inbound"}
    for fn in table.values():
        assert callable(getattr(mip, fn))
        assert callable(getattr(mip_arrays, fn))


@pytest.mark.parametrize("engine", ["arrays", "pyomo"])
def test_rows_with_a_forced_stage(engine):
    """C forced to hold stock (tau_C >= 1) with T_C = 0, so C, A and B are exact_si stages.

    Pairs (a, b): A: a = 0, b = 0..3 (4); B: a = 0, b = 0..2 (3); C: b = 0, tau = a >= 1 so
    a = 1..3 (3). Levels: B_A = {0..3}, B_B = {0..2}, B_C = {0}; A_A = {0}, A_B = {0},
    A_C = {1, 2, 3}.
    outbound_marginal: |B_A| + |B_B| + |B_C| = 4 + 3 + 1 = 8.
    inbound_marginal: |A_A| + |A_B| + |A_C| = 1 + 1 + 3 = 5.
    service_order: A -> C, v in {0..3}: succ_C(v) = 1, 1, 2, 3; 1 = min A_C, so v = 2, 3 (2
    rows); B -> C, v in {0..2}: succ_C = 1, 1, 2, so v = 2 (1 row): 3.
    exact_inbound: C: v in A_C above ext_C = 0: 3 rows; A and B have no level above 0: 3.
    """
    built = mip.build(prepare(stages(), force_buffer=["C"]), engine=engine)
    assert isinstance(built, Built)
    want = {"outbound_marginal": 8, "inbound_marginal": 5, "service_order": 3,
            "exact_inbound": 3}
    assert set(want) == set(formulation_table())
    assert row_counts(built) == want
    m = built.model
    assert (len(m.w), len(m.x), len(m.z)) == (4 + 3 + 3, 8, 5)
    assert len(built.sets.pair_k) == len(m.w)


@pytest.mark.parametrize("engine", ["arrays", "pyomo"])
def test_rows_without_a_forced_stage(engine):
    """Nothing forced: no exact_si stage, so the exact_inbound family is not declared.

    C: tau = a >= 0, so a = 0..3 (4 pairs), A_C = {0..3} with min 0.
    outbound_marginal: 4 + 3 + 1 = 8; inbound_marginal: 1 + 1 + 4 = 6.
    service_order: A -> C, v = 1, 2, 3 (succ_C(v) = v > 0); B -> C, v = 1, 2: 5.
    """
    built = mip.build(prepare(stages()), engine=engine)
    assert row_counts(built) == {"outbound_marginal": 8, "inbound_marginal": 6,
                                 "service_order": 5}


@pytest.mark.parametrize("name", ["outbound_marginal", "inbound_marginal", "service_order"])
def test_every_row_is_linear(name):
    m = mip.build(prepare(stages(), force_buffer=["C"]), engine="pyomo").model
    for row in getattr(m, name).values():
        assert row.body.polynomial_degree() == 1


def test_nothing_but_pyomo_components_and_array_families_hang_on_the_model():
    """pyomo: the sets, variables, rows and the objective as components; arrays: the variables
    (ArrayVar components), the row families and their registry, and no Pyomo objective (the
    objective is the w columns' costs)."""
    plain = set(vars(pyo.ConcreteModel()))
    data = prepare(stages(), force_buffer=["C"])
    m = mip.build(data, engine="pyomo").model
    components = {c.local_name for c in m.component_objects(descend_into=False)}
    assert not set(vars(m)) - plain - components
    assert {c.local_name for c in m.component_objects(pyo.Objective)} == {"safety_stock_cost"}
    m = mip.build(data).model
    components = {c.local_name for c in m.component_objects(descend_into=False)}
    assert components == {"x", "z", "w"}
    rows = {f.name for f in part_of(m).rows}
    assert set(vars(m)) - plain - components == rows | {PART}
    assert rows == set(formulation_table())
