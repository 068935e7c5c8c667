"""Units, notebook views and the planners' Excel workbook of results (issue 17, points 2, 3, 5)."""

from __future__ import annotations

import gc
import re

import openpyxl
import pandas as pd
import pytest

import supplynet as sn
from supplynet.report.units import units_of


def two_warehouses() -> sn.Network:
    """Market C (demand 25) served by W1 (cap 10, 1/unit) and W2 (cap 20, 3/unit): cost 55."""
    n = sn.Network("two")
    n.add_product("p").add_supplier("S").add_supply("S", "p")
    n.add_warehouse("W1", capacity=10).add_warehouse("W2", capacity=20).add_customer("C")
    n.add_lane("S", "W1").add_lane("S", "W2").add_lane("W1", "C", cost=1).add_lane("W2", "C", cost=3)
    n.add_demand("C", "p", 25)
    return n


@pytest.fixture(scope="module")
def juice_chf():
    """The juice chain priced in CHF: design, buffers on the design, plan on the buffers."""
    net = sn.load_instance("juice")
    net.params["units"] = {**net.params["units"], "money": "CHF"}
    design = sn.design(net)
    buffers = sn.buffers(design.apply())
    plan = sn.plan(buffers.apply())
    return net, {"design": design, "buffers": buffers, "plan": plan}


def test_kpis_carry_the_instance_units_in_every_model(juice_chf):
    _, runs = juice_chf
    for name, res in runs.items():
        k = res.kpis
        assert list(k.columns) == ["kpi", "value", "unit"], name
        assert not k["unit"].str.contains("money").any(), name
        assert (k["unit"] != "").all(), name  # every KPI says what it counts
    d = runs["design"].kpis.set_index("kpi")
    assert d.at["total_cost", "unit"] == "CHF/horizon"
    assert d.at["cost_per_unit", "unit"] == "CHF/unit"
    assert d.at["co2", "unit"] == "kg" and d.at["avg_distance_to_customer", "unit"] == "km"
    assert d.at["open_plants", "unit"] == "count"
    assert type(d.at["open_plants", "value"]) is int and d.at["open_plants", "value"] == 2
    b = runs["buffers"].kpis.set_index("kpi")
    assert b.at["safety_stock_cost", "unit"] == "CHF/month"  # juice periods are months
    assert type(b.at["stages", "value"]) is int and b.at["stages", "unit"] == "count"
    p = runs["plan"].kpis.set_index("kpi")
    assert p.at["total_cost", "unit"] == "CHF/horizon"
    assert p.at["average_inventory_value", "unit"] == "CHF"
    # the table behind the property is the translated one, and the costs still add up
    assert runs["plan"].tables["kpis"] is runs["plan"].kpis
    assert float(p.at["total_cost", "value"]) == pytest.approx(runs["plan"].objective, rel=1e-6)


def test_summary_prints_money_with_separators_and_every_kpi(juice_chf):
    _, runs = juice_chf
    for res in runs.values():
        text = res.summary()
        assert "e+0" not in text
        assert re.search(r"objective \d{1,3}(,\d{3})+ CHF", text)
        for kpi in res.kpis["kpi"]:
            assert kpi in text
    assert re.search(r"open_plants\s+2\s+count", runs["design"].summary())
    assert re.search(r"fill_rate\s+100\.0%", runs["plan"].summary())


def test_summary_never_cuts_kpis_silently():
    rows = [(f"kpi_{i}", float(i) * 1e6, "money") for i in range(30)]
    diag = pd.DataFrame({"message": [f"problem {i}" for i in range(25)]})
    res = sn.Result(model="design", status="infeasible", diagnosis=diag,
                    tables={"kpis": pd.DataFrame(rows, columns=["kpi", "value", "unit"])})
    text = res.summary()
    assert all(f"kpi_{i} " in text for i in range(30))
    assert "29,000,000  EUR" in text  # schema default currency without a network
    assert "and 5 more" in text


def test_repr_html_and_dir_show_status_objective_and_tables():
    res = sn.design(two_warehouses())
    text = repr(res)
    assert "design" in text and "optimal" in text and "55.00 EUR" in text and "gap 0.00%" in text
    assert "flows " in text and len(text.splitlines()) == 1
    html = res._repr_html_()
    assert html.startswith("<div") and "</table>" in html and "optimal" in html
    for name in res.tables:
        assert name in html and name in dir(res)
    assert "summary" in dir(res)  # methods are still listed


def test_network_repr_html_counts_nodes_and_tables():
    html = two_warehouses()._repr_html_()
    assert html.startswith("<div") and "two" in html
    assert "warehouse nodes" in html and "periods" in html and "lanes" in html


def test_units_of_defaults_and_descriptions():
    assert units_of(None)["money"] == "EUR"
    net = sn.Network("n", params={"units": {"money": "USD", "quantity": "kg (fruit), pieces"}})
    u = units_of(net)
    assert u["money"] == "USD" and u["quantity"] == "unit" and u["distance"] == "km"


def test_units_are_written_once_when_tables_are_replaced():
    net = sn.Network("n", params={"units": {"money": "USD"}})
    kpis = pd.DataFrame([("total_cost", 10.0, "money/horizon")], columns=["kpi", "value", "unit"])
    res = sn.Result(model="design", status="optimal", objective=10.0, network=net)
    res.tables = {"kpis": kpis}
    assert res.tables["kpis"].at[0, "unit"] == "USD/horizon"
    res.network = None  # schema defaults now; the label stays as written
    assert res.kpis.at[0, "unit"] == "USD/horizon"


def test_to_excel_is_formatted_for_planners(juice_chf, tmp_path):
    _, runs = juice_chf
    path = runs["design"].to_excel(tmp_path / "design.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "summary"
    summary = {r[0]: r[1:] for r in wb["summary"].iter_rows(values_only=True) if r[0]}
    assert summary["status"][0] == "optimal"
    assert summary["objective"][1] == "CHF"
    assert summary["open_plants"] == (2, "count")
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref, name
    flows = [c.value for c in wb["flows"][1]]
    assert "cost [CHF]" in flows and "quantity [unit]" in flows and "distance [km]" not in flows
    assert wb["flows"]["D2"].number_format == "#,##0"
    share = [c.value for c in wb["assignments"][1]].index("share") + 1
    assert wb["assignments"].cell(row=2, column=share).number_format == "0.0%"
    widths = [wb["flows"].column_dimensions[c].width for c in "ABCDEF"]
    assert all(w and w >= len("cost [CHF]") for w in widths[3:5])
    # the data read back is the data written
    sheets = pd.read_excel(path, sheet_name=None)
    assert sheets["costs"]["cost [CHF]"].sum() == pytest.approx(runs["design"].objective, rel=1e-6)


def test_marginal_values_have_named_key_columns():
    gc.disable()  # a Result refers to its Pyomo model weakly: keep it alive for the duals
    try:
        mv = sn.design(two_warehouses()).marginal_values()
        plan_mv = sn.plan(two_warehouses()).marginal_values()
    finally:
        gc.enable()
    assert "index" not in mv.columns
    assert {"family", "node", "customer", "product", "dual", "marginal_value"} <= set(mv.columns)
    assert not mv.map(lambda v: isinstance(v, tuple)).to_numpy().any()
    assert mv.set_index("node").loc["W1", "marginal_value"] == pytest.approx(2.0)
    dem = mv[mv["family"] == "demand_met"]
    assert dem[["customer", "product"]].values.tolist() == [["C", "p"]]
    assert {"node", "period"} <= set(plan_mv.columns) and "index" not in plan_mv.columns
    thr = plan_mv[plan_mv["family"] == "throughput_capacity"]
    assert sorted(thr["node"]) == ["W1", "W2"] and thr["period"].tolist() == [1, 1]


def test_kpis_of_a_stored_run_read_back_as_numbers(tmp_path):
    """A batch store writes the object ``value`` column (ints next to floats) as text; the
    Result read back still shows numbers, counts as integers."""
    from supplynet.scenarios.store import read_result, write_scenario

    res = sn.design(two_warehouses())
    write_scenario(tmp_path, "base", {"result": res, "status": res.status}, {}, "csv")
    back = read_result(tmp_path / "base").kpis.set_index("kpi")
    assert type(back.at["open_warehouses", "value"]) is int
    assert back.at["total_cost", "value"] == pytest.approx(55)
    assert back.at["total_cost", "unit"] == "EUR/horizon"
    assert "55.00" in read_result(tmp_path / "base").summary()
