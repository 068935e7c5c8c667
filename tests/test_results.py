"""Result exports, marginal values and the solve CLI on small hand-worked networks."""

from __future__ import annotations

import highspy
import pandas as pd
import pytest

import supplynet as sn
from supplynet.cli.main import main


def two_warehouses(demand: float = 25) -> sn.Network:
    """Market C (demand 25) served by W1 (cap 10, cost 1/unit) and W2 (cap 20, cost 3/unit),
    both open. By hand: 10·1 + 15·3 = 55; one more unit of W1 capacity saves 3 − 1 = 2;
    one more unit of demand costs 3."""
    n = sn.Network("two")
    n.add_product("p").add_supplier("S").add_supply("S", "p")
    n.add_warehouse("W1", capacity=10).add_warehouse("W2", capacity=20).add_customer("C")
    n.add_lane("S", "W1").add_lane("S", "W2").add_lane("W1", "C", cost=1).add_lane("W2", "C", cost=3)
    n.add_demand("C", "p", demand)
    return n


def test_marginal_values_by_hand():
    res = sn.design(two_warehouses())
    assert res.objective == pytest.approx(55)
    mv = res.marginal_values()
    thr = mv[mv["family"] == "throughput_capacity"].set_index("node")["marginal_value"]
    assert thr["W1"] == pytest.approx(2.0)
    assert thr["W2"] == pytest.approx(0.0, abs=1e-9)
    dem = mv[mv["family"] == "demand_met"]["dual"]
    assert dem.iloc[0] == pytest.approx(3.0)


def test_exports_round_trip(tmp_path):
    res = sn.design(two_warehouses())
    res.to_csv(tmp_path / "csv")
    flows = pd.read_csv(tmp_path / "csv" / "flows.csv")
    assert flows["quantity"].sum() == pytest.approx(2 * 25)  # S→W and W→C legs
    xlsx = res.to_excel(tmp_path / "r.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert {"status", "facilities", "flows", "costs", "kpis"} <= set(sheets)
    assert sheets["costs"]["cost [EUR]"].sum() == pytest.approx(55)  # units in the headers
    # the exported model solves to the same optimum in a fresh HiGHS
    for suffix in (".mps", ".lp"):
        path = res.write_model(tmp_path / f"model{suffix}")
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(path))
        h.run()
        assert h.getInfo().objective_function_value == pytest.approx(55)


def test_cli_solve_exit_codes(tmp_path, capsys):
    ok = tmp_path / "ok"
    two_warehouses().write(ok)
    assert main(["solve", str(ok), "--quiet", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "flows.csv").exists()
    short = two_warehouses(demand=31)  # 31 > 30 units of capacity
    bad = tmp_path / "short"
    short.write(bad)
    code = main(["solve", str(bad), "--quiet"])
    out = capsys.readouterr()
    assert code == 1
    assert "customer C, product p" in out.out
    assert main(["solve", str(tmp_path / "missing"), "--quiet"]) == 2
    assert "missing" in capsys.readouterr().err
