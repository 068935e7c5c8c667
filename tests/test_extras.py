"""Packaging: optional extras fail with the pip command that installs them, and benchmark
files that are not there fail with where to get them, never a bare 'no such file'.

A missing package is simulated with ``sys.modules[name] = None``, which makes every import
of it raise ImportError.
"""

from __future__ import annotations

import sys

import pytest

import supplynet as sn
from supplynet.cli.main import main
from supplynet.extras import MissingExtraError, require


def tiny() -> sn.Network:
    """One supplier, one warehouse, one customer: solved in a blink."""
    net = sn.Network("tiny", params={"carbon_price": 0.0})
    net.add_product("p").add_supplier("S").add_supply("S", "p", price=1.0)
    net.add_warehouse("W").add_customer("C")
    net.add_lane("S", "W").add_lane("W", "C").add_demand("C", "p", 5)
    return net


@pytest.fixture
def without_openpyxl(monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)


@pytest.fixture
def without_matplotlib(monkeypatch):
    for name in ("matplotlib", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, name, None)


EXCEL_FIX = 'pip install "supplynet[excel]"'
PLOT_FIX = 'pip install "supplynet[plot]"'


def test_require_names_the_extra(without_openpyxl):
    with pytest.raises(MissingExtraError) as e:
        require("openpyxl", "excel")
    assert EXCEL_FIX in str(e.value) and "'openpyxl'" in str(e.value)
    assert isinstance(e.value, ImportError)  # code catching ImportError keeps working


def test_result_to_excel_without_openpyxl(without_openpyxl, tmp_path):
    res = sn.design(tiny())
    with pytest.raises(MissingExtraError, match=EXCEL_FIX.replace("[", r"\[").replace("]", r"\]")):
        res.to_excel(tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()


def test_network_workbooks_without_openpyxl(tmp_path, monkeypatch):
    book = tmp_path / "tiny.xlsx"
    tiny().write(book)  # openpyxl is installed for the test suite (extra "dev")
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(MissingExtraError) as e:
        sn.read(book)  # not an InstanceError saying the workbook is damaged
    assert EXCEL_FIX in str(e.value)
    with pytest.raises(MissingExtraError) as e:
        tiny().write(tmp_path / "again.xlsx")
    assert EXCEL_FIX in str(e.value)


def test_cli_plot_without_matplotlib_exits_2_with_the_fix(without_matplotlib, tmp_path, capsys):
    tiny().write(tmp_path / "tiny")
    code = main(["solve", str(tmp_path / "tiny"), "--out", str(tmp_path / "out"), "--plot",
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert PLOT_FIX in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # said before the solve, nothing written


def test_cli_xlsx_without_openpyxl_exits_2_with_the_fix(without_openpyxl, tmp_path, capsys):
    tiny().write(tmp_path / "tiny")
    code = main(["solve", str(tmp_path / "tiny"), "--out", str(tmp_path / "out"),
                 "--format", "xlsx", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert EXCEL_FIX in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# --- benchmark files that are not where the caller thinks ---------------------------------

def test_read_orlib_cap_missing_file_says_where_to_get_it(tmp_path):
    missing = tmp_path / "cap41.txt"
    with pytest.raises(sn.InstanceError) as e:
        sn.read_orlib_cap(missing)
    msg = str(e.value)
    assert str(missing) in msg
    assert "people.brunel.ac.uk/~mastjjb/jeb/orlib/capinfo.html" in msg


def test_read_stage_graph_missing_file_says_where_to_get_it(tmp_path):
    missing = tmp_path / "gw2000_bulldozer.json"
    with pytest.raises(sn.InstanceError) as e:
        sn.read_stage_graph(missing)
    msg = str(e.value)
    assert str(missing) in msg and "Benchmark data" in msg


def test_read_stage_graph_missing_stages_csv_names_the_folder(tmp_path):
    with pytest.raises(sn.InstanceError) as e:
        sn.read_stage_graph(tmp_path / "stages.csv")
    assert str(tmp_path / "stages.csv") in str(e.value)
    (tmp_path / "chain").mkdir()
    with pytest.raises(sn.InstanceError) as e:
        sn.read_stage_graph(tmp_path / "chain")
    assert "stages.csv" in str(e.value) and str(tmp_path / "chain") in str(e.value)
