"""Reading and writing instances: folder and xlsx round trips, errors, OR-Library files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import shared_data

import supplynet as sn
from supplynet.io import instances_dir, shipped_instances

DATA = shared_data("orlib")
needs_orlib = pytest.mark.skipif(not (DATA / "cap41.txt").exists(), reason="no OR-Library data")


def every_table() -> sn.Network:
    """A small network using all 13 tables and awkward values."""
    net = sn.Network("awkward", params={"description": "", "periods": 3, "carbon_price": 0.1,
                                        "co2_cap": 1e6, "unmet_penalty": None,
                                        "units": {"money": "USD"}, "meta": {"note": "[kept]"}})
    net.add_supplier("007", lat=-23.55, lon=-46.63, region="São Paulo")
    net.add_plant("P,1", capacity=100.5, overtime_capacity=10, overtime_cost=5.0)
    net.add_warehouse('W "A"', capacity=math.inf, storage_capacity=1e9)
    net.add_customer("1.5")
    net.add_product("r", kind="raw", value=0.1 + 0.2).add_product("f", description="a, b")
    net.add_bom("f", "r", 1 / 3)
    net.add_supply("007", "r", price=2.5, capacity=float("nan"), lead_time=1)
    net.add_production("P,1", "f", capacity_use=0.25, subcontract_cost=9.0, min_lot=3)
    net.add_capacity_level("P,1", "big", 200.0, 1e5)
    for o, d in [("007", "P,1"), ("P,1", 'W "A"'), ('W "A"', "1.5")]:
        net.add_lane(o, d, cost=0.123456789012345, lead_time=1, mode="rail")
    for t in (1, 2, 3):
        net.add_demand("1.5", "f", 10.0 * t, period=t, std=1.5, priority="vip")
    net.add_customer_class("vip", unmet_penalty=50.0, backlog=False, min_fill_rate=0.9)
    net.set_table("periods", pd.DataFrame({"period": [1, 2, 3], "label": ["Jan", "Feb", "Mar"]}))
    net.add_stock('W "A"', "f", initial=5.0, mode="pull")
    net.add_outage('P,1->W "A"', 2, 3, 0.5)
    return net


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_round_trip_every_table(tmp_path, suffix):
    net = every_table()
    assert net.problems() == []
    path = tmp_path / f"inst{suffix}"
    net.write(path)
    back = sn.read(path)
    assert back.equals(net)
    assert back.params["units"] == {"money": "USD"}  # as given, not merged with defaults
    assert back.params["meta"] == {"note": "[kept]"} and back.params["description"] == ""
    assert back.nodes["id"].tolist()[0] == "007"  # ids stay text
    assert math.isinf(back.nodes["capacity"].iloc[2])
    assert back.customer_classes["backlog"].tolist() == [False]


@pytest.mark.parametrize("name", ["juice", "assembly"])
@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_round_trip_shipped_instances(tmp_path, name, suffix):
    net = sn.load_instance(name)
    net.write(tmp_path / f"{name}{suffix}")
    assert sn.read(tmp_path / f"{name}{suffix}").equals(net)


def test_shipped_instances_are_listed_and_valid():
    assert {"juice", "assembly"} <= set(shipped_instances())
    for name in ("juice", "assembly"):
        net = sn.load_instance(name)
        assert net.name == name and net.problems() == []


def test_shipped_instances_are_package_data():
    """They live inside the package (so a wheel carries them), every file of them is matched by
    pyproject's package-data, and the repository's instances/ is a link to them."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[1]
    assert instances_dir() == Path(sn.__file__).resolve().parent / "instances"
    assert (root / "instances").resolve() == instances_dir()
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["supplynet"]
    files = [f.relative_to(instances_dir().parent).as_posix()
             for f in instances_dir().rglob("*") if f.is_file() and "__pycache__" not in f.parts]
    assert any(f.endswith("juice/nodes.csv") for f in files)
    missed = [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert missed == []
    assert sn.load_instance("juice").equals(sn.read(root / "instances" / "juice"))


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), depth=st.integers(1, 3), customers=st.integers(1, 25))
def test_round_trip_generated(tmp_path_factory, seed, depth, customers):
    net = sn.generate(suppliers=3, plants=3, warehouses=3, customers=customers, products=2,
                      periods=4, bom_depth=depth, seed=seed)
    d = tmp_path_factory.mktemp("gen")
    net.write(d / "folder")
    assert sn.read(d / "folder").equals(net)
    net.write(d / "book.xlsx")
    assert sn.read(d / "book.xlsx").equals(net)


def test_read_instance_yaml_path_and_write_returns_path(tmp_path):
    net = every_table()
    assert net.write(tmp_path / "x") == tmp_path / "x"
    assert sn.read(tmp_path / "x" / "instance.yaml").equals(net)
    assert sn.read(str(tmp_path / "x")).equals(net)


def test_rewriting_a_folder_removes_tables_that_became_empty(tmp_path):
    net = every_table()
    net.write(tmp_path)
    assert (tmp_path / "outages.csv").exists()
    net.set_table("outages", None)
    net.write(tmp_path)
    assert not (tmp_path / "outages.csv").exists()
    assert len(sn.read(tmp_path).outages) == 0


def test_optional_columns_and_tables_may_be_left_out(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,kind\nS,supplier\nC,customer\n")
    (tmp_path / "lanes.csv").write_text("origin,destination\nS,C\n")
    (tmp_path / "products.csv").write_text("id\nF\n")
    (tmp_path / "supply.csv").write_text("supplier,product\nS,F\n")
    (tmp_path / "demand.csv").write_text("customer,product,period,quantity\nC,F,1,5\nC,F,2,\n")
    net = sn.read(tmp_path)
    assert net.name == tmp_path.name  # no instance.yaml: the folder's name
    assert net.lanes["cost"].tolist() == [0.0] and net.products["kind"].tolist() == ["finished"]
    assert net.problems() == ["demand row 2 (customer=C, product=F, period=2): quantity is empty"]


def test_numbers_with_full_precision(tmp_path):
    net = sn.Network("p")
    vals = [0.1 + 0.2, 1 / 3, 1e-300, 123456789.123456789, 2.0 ** 0.5]
    net.add_product("x").add_supplier("S")
    for i, v in enumerate(vals):
        net.add_customer(f"C{i}", lat=v / 1e300 if v > 90 else v)
    net.write(tmp_path / "p")
    back = sn.read(tmp_path / "p").nodes["lat"].tolist()[1:]
    assert back == net.nodes["lat"].tolist()[1:]  # exact, not approximately


# ------------------------------------------------------------------ errors
def test_missing_path(tmp_path):
    with pytest.raises(sn.InstanceError, match="no such file or folder") as e:
        sn.read(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(e.value)


def test_csv_row_with_too_many_fields_names_file_and_line(tmp_path):
    every_table().write(tmp_path)
    f = tmp_path / "lanes.csv"
    lines = f.read_text().splitlines()
    lines[2] += ",extra"
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(sn.InstanceError) as e:
        sn.read(tmp_path)
    msg = str(e.value)
    assert "lanes.csv" in msg and "line 3" in msg and "11 fields where the header has 10" in msg


def test_csv_row_with_too_few_fields(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,kind,capacity\nA,plant,5\n\nB,plant\n")
    with pytest.raises(sn.InstanceError, match=r"nodes.csv: line 4: 2 fields where the header "
                                               r"has 3"):
        sn.read(tmp_path)


def test_csv_unterminated_quote(tmp_path):
    (tmp_path / "nodes.csv").write_text('id,kind\nA,plant\n"B,plant\n')
    with pytest.raises(sn.InstanceError, match=r"nodes.csv: line \d+: malformed CSV"):
        sn.read(tmp_path)


@pytest.mark.parametrize("text, match", [
    ("", "file is empty"),
    ("id,kind,id\nA,plant,A\n", "column\\(s\\) id appear more than once"),
    ("id,,kind\nA,,plant\n", "empty column name"),
])
def test_csv_bad_header(tmp_path, text, match):
    (tmp_path / "nodes.csv").write_text(text)
    with pytest.raises(sn.InstanceError, match=match) as e:
        sn.read(tmp_path)
    assert "nodes.csv" in str(e.value)


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    every_table().write(tmp_path)
    (tmp_path / "instance.yaml").write_text("name: x\nperiods: 3\ncarbon_price: [0.1\nunits: {}\n")
    with pytest.raises(sn.InstanceError) as e:
        sn.read(tmp_path)
    msg = str(e.value)
    assert "instance.yaml" in msg and "line 4" in msg and "YAML syntax error" in msg


def test_yaml_that_is_not_a_mapping(tmp_path):
    (tmp_path / "instance.yaml").write_text("- a\n- b\n")
    with pytest.raises(sn.InstanceError, match="expected a mapping"):
        sn.read(tmp_path)


def test_folder_that_is_not_an_instance(tmp_path):
    with pytest.raises(sn.InstanceError, match="not an instance folder"):
        sn.read(tmp_path)


def test_unknown_formats(tmp_path):
    for name, match in [("x.json", "unknown instance format"), ("cap.txt", "read_orlib_cap"),
                        ("other.yaml", "must be in a file named instance.yaml")]:
        (tmp_path / name).write_text("{}")
        with pytest.raises(sn.InstanceError, match=match):
            sn.read(tmp_path / name)


def test_broken_and_incomplete_workbooks(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip file")
    with pytest.raises(sn.InstanceError, match="bad.xlsx: cannot read as an .xlsx workbook"):
        sn.read(bad)
    nodes_missing = tmp_path / "nonodes.xlsx"
    with pd.ExcelWriter(nodes_missing) as xw:
        pd.DataFrame({"name": ["name"], "value": ["x"]}).to_excel(xw, sheet_name="params",
                                                                  index=False)
    with pytest.raises(sn.InstanceError, match="no sheet 'nodes'"):
        sn.read(nodes_missing)
    bad_params = tmp_path / "badparams.xlsx"
    with pd.ExcelWriter(bad_params) as xw:
        pd.DataFrame({"key": ["name"]}).to_excel(xw, sheet_name="params", index=False)
        pd.DataFrame({"id": ["A"], "kind": ["plant"]}).to_excel(xw, sheet_name="nodes",
                                                                 index=False)
    with pytest.raises(sn.InstanceError, match="needs columns 'name' and 'value'"):
        sn.read(bad_params)


def test_hand_made_workbook_with_extra_sheets(tmp_path):
    book = tmp_path / "hand.xlsx"
    with pd.ExcelWriter(book) as xw:
        pd.DataFrame({"name": ["name", "periods", "units.money", "carbon_price"],
                      "value": ["hand", 2, "GBP", 0.05]}).to_excel(xw, sheet_name="params",
                                                                   index=False)
        pd.DataFrame({"id": ["S", "C"], "kind": ["supplier", "customer"]}).to_excel(
            xw, sheet_name="nodes", index=False)
        pd.DataFrame({"origin": ["S"], "destination": ["C"]}).to_excel(xw, sheet_name="lanes",
                                                                       index=False)
        pd.DataFrame({"id": ["F"]}).to_excel(xw, sheet_name="products", index=False)
        pd.DataFrame({"supplier": ["S"], "product": ["F"]}).to_excel(xw, sheet_name="supply",
                                                                     index=False)
        pd.DataFrame({"customer": ["C", "C"], "product": ["F", "F"], "period": [1, 2],
                      "quantity": [3, 4]}).to_excel(xw, sheet_name="demand", index=False)
        pd.DataFrame({"note": ["ignored"]}).to_excel(xw, sheet_name="notes", index=False)
    net = sn.read(book)
    assert net.name == "hand" and net.periods == [1, 2]
    assert net.params["units"] == {"money": "GBP"}
    assert net.demand["quantity"].tolist() == [3.0, 4.0] and net.problems() == []


def test_load_instance_unknown_name():
    with pytest.raises(sn.InstanceError, match="unknown instance 'nope'.*juice"):
        sn.load_instance("nope")


# ------------------------------------------------------------------ OR-Library
@needs_orlib
def test_read_orlib_cap41_by_hand():
    net = sn.read_orlib_cap(DATA / "cap41.txt")
    assert net.name == "cap41"
    wh = net.nodes[net.nodes["kind"] == "warehouse"]
    cu = net.nodes[net.nodes["kind"] == "customer"]
    assert len(wh) == 16 and len(cu) == 50  # "16 50" on the first line
    assert set(wh["capacity"]) == {5000.0} and set(wh["status"]) == {"candidate"}
    fixed = dict(zip(wh["id"], wh["fixed_cost"], strict=True))
    assert fixed["W1"] == 7500.0 and fixed["W11"] == 0.0  # line 12 of the file: "5000 0."
    d = dict(zip(net.demand["customer"], net.demand["quantity"], strict=True))
    assert d["C1"] == 146 and d["C2"] == 87 and d["C3"] == 672 and d["C50"] == 222
    assert net.demand["quantity"].sum() == 58268  # total demand of cap41..cap134 (49 files)
    cost = {(o, t): c for o, t, c in zip(net.lanes["origin"], net.lanes["destination"],
                                         net.lanes["cost"], strict=True)}
    # whole-demand costs from the file divided by the demand, per unit
    assert cost[("W1", "C1")] == pytest.approx(6739.725 / 146, rel=1e-12)
    assert cost[("W16", "C1")] == pytest.approx(6051.70 / 146, rel=1e-12)
    assert cost[("W7", "C2")] == pytest.approx(1838.9625 / 87, rel=1e-12)
    assert cost[("W13", "C50")] == pytest.approx(14979.45 / 222, rel=1e-12)
    assert cost[("SOURCE", "W5")] == 0.0
    assert len(net.lanes) == 16 + 16 * 50
    assert net.supply.iloc[0][["supplier", "product", "price"]].tolist() == ["SOURCE", "P", 0.0]
    assert math.isnan(net.supply.iloc[0]["capacity"])
    assert net.periods == [1] and net.problems() == []


@needs_orlib
def test_read_orlib_capa_needs_the_capacity():
    with pytest.raises(sn.InstanceError, match="capacity=") as e:
        sn.read_orlib_cap(DATA / "capa.txt")
    assert "capa.txt" in str(e.value)
    net = sn.read_orlib_cap(DATA / "capa.txt", capacity=8000)
    wh = net.nodes[net.nodes["kind"] == "warehouse"]
    assert len(wh) == 100 and set(wh["capacity"]) == {8000.0}
    assert wh["fixed_cost"].iloc[0] == 2141200.0  # "capacity 2141200." on line 2
    assert len(net.demand) == 1000


def test_read_orlib_small_file_by_hand(tmp_path):
    # 2 warehouses, 3 customers, tokens wrapped arbitrarily; customer 3 has zero demand
    f = tmp_path / "tiny.txt"
    f.write_text("2 3\n10 100.\n20\n200.\n4 8.0 12.0\n5 10 5 0\n0 0\n")
    net = sn.read_orlib_cap(f)
    assert net.demand["quantity"].tolist() == [4.0, 5.0, 0.0]
    cost = {(o, t): c for o, t, c in zip(net.lanes["origin"], net.lanes["destination"],
                                         net.lanes["cost"], strict=True)}
    assert cost[("W1", "C1")] == 2.0 and cost[("W2", "C1")] == 3.0
    assert cost[("W1", "C2")] == 2.0 and cost[("W2", "C2")] == 1.0
    assert cost[("W1", "C3")] == 0.0 and cost[("W2", "C3")] == 0.0
    assert net.nodes.set_index("id").loc["W2", "fixed_cost"] == 200.0
    assert net.problems() == []
    over = sn.read_orlib_cap(f, capacity=7)
    assert set(over.nodes.loc[over.nodes["kind"] == "warehouse", "capacity"]) == {7.0}


@pytest.mark.parametrize("text, match", [
    ("2 3\n10 100\n", "numbers where m=2, n=3 needs 15"),
    ("x 3\n", "m: expected a number"),
    ("2 3\n10 100 20 200 4 8 12 5 10 zz 0 0 0\n", "expected a number, found 'zz'"),
    ("", "expected 'm n'"),
])
def test_read_orlib_malformed(tmp_path, text, match):
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(sn.InstanceError, match=match):
        sn.read_orlib_cap(f)
    with pytest.raises(sn.InstanceError, match="no such file"):
        sn.read_orlib_cap(tmp_path / "missing.txt")


def test_written_csv_is_plain_and_readable_by_pandas(tmp_path):
    net = every_table()
    net.write(tmp_path)
    df = pd.read_csv(tmp_path / "nodes.csv", dtype=str, keep_default_na=False)
    assert df["id"].tolist() == ["007", "P,1", 'W "A"', "1.5"]
    assert np.isinf(float(df["capacity"].iloc[2]))


@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_parameters_that_cannot_be_written(tmp_path, suffix):
    net = every_table()
    net.params["where"] = [Path("/x")]
    with pytest.raises(sn.InstanceError, match="parameter.* where.* cannot be written"):
        net.write(tmp_path / f"p{suffix}")


def test_a_yaml_key_given_twice_is_named(tmp_path):
    # YAML keeps the last of two keys silently: a second periods: would override the first
    folder = tmp_path / "dup"
    sn.read(Path(__file__).parents[1] / "instances" / "juice").write(folder)
    text = (folder / "instance.yaml").read_text()
    (folder / "instance.yaml").write_text(text + "periods: 6\n")
    with pytest.raises(sn.InstanceError, match=r"key 'periods' given twice \(first on line \d+\)"):
        sn.read(folder)


def test_yaml_merge_keys_still_load(tmp_path):
    # the duplicate-key check must not refuse "<<: *anchor", which scenario files use
    from supplynet.io.folder import load_yaml

    p = tmp_path / "s.yaml"
    p.write_text("common: &c\n  description: x\nscenarios:\n  - <<: *c\n    name: a\n"
                 "  - <<: *c\n    name: b\n    description: y\n")
    data = load_yaml(p)
    assert data["scenarios"] == [{"description": "x", "name": "a"},
                                 {"description": "y", "name": "b"}]
