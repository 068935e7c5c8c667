"""Validation audit: one clear problem per mistake, not the mistake plus its consequences.

Each case corrupts a small network (or a copy of a shipped instance) one way; the expected
texts name the row as counted by hand and say what is wrong.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import supplynet as sn
from supplynet.validate import find_problems

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


def base(periods: int = 2, demand: tuple[float, ...] | None = None) -> sn.Network:
    """Valid: S -R-> P (F = 2 R) -F-> W -F-> C, one demand row per period (10 each unless
    ``demand`` gives them)."""
    net = sn.Network("base", params={"periods": periods})
    net.add_supplier("S").add_plant("P", capacity=100.0).add_warehouse("W").add_customer("C")
    net.add_product("R", kind="raw").add_product("F")
    net.add_bom("F", "R", 2.0)
    net.add_supply("S", "R", price=1.0)
    net.add_production("P", "F", cost=3.0)
    net.add_lane("S", "P", cost=1.0).add_lane("P", "W", cost=1.0).add_lane("W", "C", cost=1.0)
    for t, q in enumerate(demand or (10.0,) * periods, start=1):
        net.add_demand("C", "F", q, period=t)
    return net


def replace_table(net: sn.Network, name: str, df: pd.DataFrame) -> sn.Network:
    net.set_table(name, df)
    return net


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def test_base_is_valid():
    assert find_problems(base()) == []


# ------------------------------------------------------------------ units
@pytest.mark.parametrize(("units", "expected"), [
    ({"currency": "EUR"}, "unit 'currency' is unknown (did you mean 'money'?)"),
    ({"mony": "EUR"}, "unit 'mony' is unknown (did you mean 'money'?)"),
    ({"money": 5}, "parameter units: money=5 must be a name such as 'EUR'"),
    ({"money": ["EUR", "USD"]}, "money=['EUR', 'USD'] must be a name"),
    ({"quantity": "  "}, "quantity='  ' must be a name"),
])
def test_units_name_the_wrong_unit(units, expected):
    net = base()
    net.params["units"] = units
    assert expected in only(find_problems(net))


def test_partial_units_are_valid():
    net = base()
    net.params["units"] = {"money": "USD"}  # the others keep their defaults
    assert find_problems(net) == []


# ------------------------------------------------------------------ no cascades
def test_missing_kind_column_is_one_problem():
    net = base()
    replace_table(net, "nodes", net.nodes[["id", "status"]])
    assert only(find_problems(net)) == "table nodes: missing required column(s) kind"


def test_unknown_kind_does_not_blame_the_rows_using_the_node():
    net = base()
    nodes = net.nodes.copy()
    nodes.loc[1, "kind"] = "factory"  # P, which the production row uses
    replace_table(net, "nodes", nodes)
    assert only(find_problems(net)) == ("nodes row 2 (id=P): kind 'factory' is not one of "
                                        "supplier, plant, warehouse, customer")


def test_repeated_node_id_is_one_problem():
    net = base()
    net.add_warehouse("C")  # the customer's id again, as another kind
    assert only(find_problems(net)) == "nodes row 5 (id=C): duplicate id: same as row 4"


def test_missing_lane_column_does_not_make_every_demand_unreachable():
    net = base()
    replace_table(net, "lanes", net.lanes[["origin", "cost"]])
    assert only(find_problems(net)) == "table lanes: missing required column(s) destination"


def test_empty_nodes_table_does_not_list_every_reference():
    net = base()
    replace_table(net, "nodes", net.nodes.iloc[0:0])
    assert only(find_problems(net)) == ("table nodes is empty: an instance needs at least one "
                                        "row in it")


def test_missing_quantity_column_is_not_reported_as_zero_demand():
    net = base()
    replace_table(net, "demand", net.demand[["customer", "product", "period"]])
    assert only(find_problems(net)) == "table demand: missing required column(s) quantity"


def test_wrong_kind_message_reads_well():
    net = base()
    net.add_demand("W", "F", 1.0)
    assert only(find_problems(net)) == ("demand row 3 (customer=W, product=F, period=1): customer "
                                        "'W' is a warehouse; demand rows belong to customers only")


# ------------------------------------------------------------------ periods
def test_fractional_period_is_not_also_a_duplicate():
    net = base()
    demand = net.demand.astype({"period": object})
    demand.loc[0, "period"] = "1.5"  # rounds to 2, the key of row 2
    replace_table(net, "demand", demand)
    problem = only(find_problems(net))
    assert problem.startswith("demand row 1 ") and "period='1.5' is not a whole number" in problem


def test_blank_period_in_a_multi_period_horizon_names_the_row():
    net = base(periods=3)
    demand = net.demand.astype({"period": object})
    demand.loc[2, "period"] = None  # would silently become period 1, a copy of row 1's key
    replace_table(net, "demand", demand)
    problem = only(find_problems(net))
    assert problem.startswith("demand row 3 (customer=C, product=F")
    assert "period is empty (it would mean period 1; the horizon has 3 periods)" in problem


def test_blank_period_in_a_single_period_horizon_means_period_1():
    net = base(periods=1)
    demand = net.demand.astype({"period": object})
    demand.loc[0, "period"] = None
    replace_table(net, "demand", demand)
    assert find_problems(net) == []


def test_repeated_demand_without_a_period_column_is_a_duplicate():
    net = base(periods=1)
    rows = pd.DataFrame({"customer": ["C", "C"], "product": ["F", "F"], "quantity": [4.0, 6.0]})
    replace_table(net, "demand", rows)  # both rows are period 1
    assert only(find_problems(net)) == ("demand row 2 (customer=C, product=F, period=1): "
                                        "duplicate key (customer, product, period): same as row 1")


def test_period_in_the_gap_of_the_periods_table():
    net = base(periods=3)
    net.params.pop("periods")
    net.set_table("periods", pd.DataFrame({"period": [1, 3]}))  # period 2 is missing
    problems = find_problems(net)
    assert any("periods must be 1..T without gaps" in p for p in problems)
    assert ("demand row 2 (customer=C, product=F, period=2): period=2 is not a period of table "
            "periods (1, 3)") in problems


# ------------------------------------------------------------------ files, through the models
def corrupt_juice(tmp_path: Path, table: str, row: int, column: str, value: str) -> sn.Network:
    folder = tmp_path / "juice"
    shutil.copytree(INSTANCES / "juice", folder)
    df = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(folder / f"{table}.csv", index=False)
    return sn.read(folder)


@pytest.mark.parametrize(("table", "row", "column", "value", "expected"), [
    # nodes.csv line 21 is RT_PORTO, lanes.csv data row 1 is SUP_ORANGE_VALENCIA->PL_VALENCIA,
    # demand.csv data row 6 is RT_LISBON / orange_1l / period 6
    ("demand", 5, "quantity", "-100", ["demand row 6 (customer=RT_LISBON, product=orange_1l, "
                                       "period=6)", "quantity=-100", "negative"]),
    ("demand", 5, "quantity", "12,5 units", ["demand row 6 ", "quantity='12,5 units' is not a "
                                             "number"]),
    ("demand", 5, "period", "", ["demand row 6 ", "period is empty"]),
    ("demand", 0, "service_level", "1.5", ["demand row 1 ", "service_level=1.5 must be in (0, 1)"]),
    ("lanes", 0, "origin", "SUP_ORANGE_VALENCA", ["lanes row 1 ", "origin 'SUP_ORANGE_VALENCA' "
                                                 "is not a node"]),
    ("lanes", 0, "lead_time", "-1", ["lanes row 1 ", "lead_time=-1 periods is negative"]),
    ("nodes", 20, "id", "RT_LISBON", ["nodes row 21 (id=RT_LISBON): duplicate id: same as "
                                      "row 20"]),
])
def test_corrupt_file_is_refused_before_any_model(tmp_path, table, row, column, value, expected):
    net = corrupt_juice(tmp_path, table, row, column, value)
    for model in (sn.design, sn.plan):
        with pytest.raises(sn.InstanceError) as e:
            model(net, time_limit=5)
        named = [p for p in e.value.problems if all(s in p for s in expected)]
        assert named, e.value.problems


# ------------------------------------------------------------------ cell wording
def test_cell_messages_read_as_sentences():
    net = base()
    nodes = net.table("nodes").copy()
    nodes["capacity"] = nodes["capacity"].astype(object)
    nodes.loc[1, "capacity"] = "nan"  # P, row 2
    replace_table(net, "nodes", nodes)
    assert only(find_problems(net)) == ("nodes row 2 (id=P): capacity='nan' is not a number; "
                                        "leave the cell empty for unlimited")
    net = base()
    lanes = net.table("lanes").copy()
    lanes["lead_time"] = lanes["lead_time"].astype(object)
    lanes.loc[2, "lead_time"] = 1.5  # W -> C, row 3
    replace_table(net, "lanes", lanes)
    assert "lead_time=1.5 is not a whole number of periods" in only(find_problems(net))


def test_blank_status_of_a_facility_is_named():
    # a candidate plant whose status cell was left blank was silently opened
    net = base()
    nodes = net.table("nodes").copy()
    nodes["status"] = nodes["status"].astype(object)
    nodes.loc[1, "status"] = ""  # P, row 2
    nodes.loc[3, "status"] = ""  # customer C, row 4: status means nothing there
    replace_table(net, "nodes", nodes)
    assert only(find_problems(net)) == ("nodes row 2 (id=P): status is empty for a plant: write "
                                        "open, existing, candidate or closed (an empty cell "
                                        "would open it)")
