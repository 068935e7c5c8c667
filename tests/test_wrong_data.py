"""Wrong data is refused with a message naming the file, table, column or row; never guessed
(issue: a misspelt column silently set every lane cost to 0, an empty price meant free)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import supplynet as sn
from supplynet.cli.main import main as cli_main

JUICE = Path(__file__).parents[1] / "instances" / "juice"


@pytest.fixture
def juice(tmp_path) -> Path:
    folder = tmp_path / "juice"
    shutil.copytree(JUICE, folder)
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(sn.InstanceError) as err:
        sn.read(folder).validate()
    return err.value.problems


def _edit_csv(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, count))


def test_unknown_column_is_named_with_a_suggestion(juice, capsys):
    _edit_csv(juice / "lanes.csv", "cost", "costs")
    problems = _problems(juice)
    assert any("table lanes: unknown column 'costs' (did you mean 'cost'?)" in p for p in problems)
    assert cli_main(["validate", str(juice)]) == 2
    assert "unknown column 'costs'" in capsys.readouterr().err


def test_empty_price_is_not_free(juice):
    lines = (juice / "supply.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("price")] = ""
    (juice / "supply.csv").write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    problems = _problems(juice)
    assert any(p.startswith("supply row 1 (") and "price is empty" in p for p in problems)


def test_values_beyond_the_solver_are_named_by_row(juice):
    lines = (juice / "demand.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("quantity")] = "1e30"
    (juice / "demand.csv").write_text("\n".join([*lines[:3], ",".join(cells), *lines[4:]]) + "\n")
    problems = _problems(juice)
    assert any(p.startswith("demand row 3 (") and "quantity=1e+30 is beyond what the solver"
               in p for p in problems)


def test_infinite_capacity_is_unlimited_but_an_infinite_price_is_not():
    net = sn.Network("t", params={"periods": 1})
    net.add_supplier("S").add_warehouse("W").add_customer("C").add_product("F")
    net.add_supply("S", "F", price=float("inf"), capacity=float("inf"))
    net.add_lane("S", "W").add_lane("W", "C")
    net.add_demand("C", "F", 5.0)
    problems = net.problems()
    assert problems == ["supply row 1 (supplier=S, product=F): price is infinite"]
    net.add_supply("S", "F", price=2e13)
    assert any("price=2e+13 is beyond what the solver can represent" in p
               for p in net.problems())


def test_semicolon_separated_csv_is_named(juice, capsys):
    text = (juice / "nodes.csv").read_text().replace(",", ";")
    (juice / "nodes.csv").write_text(text)
    with pytest.raises(sn.InstanceError, match=r"nodes.csv: line 1: .*separated by ';'"):
        sn.read(juice)
    assert cli_main(["validate", str(juice)]) == 2
    err = capsys.readouterr().err
    assert "separated by ';'" in err and "Traceback" not in err


def test_unknown_instance_parameter_is_named(juice, capsys):
    text = (juice / "instance.yaml").read_text()
    assert "carbon_price" in text
    (juice / "instance.yaml").write_text(text.replace("carbon_price", "carbon_prize"))
    problems = _problems(juice)
    assert any("parameter 'carbon_prize' is unknown (did you mean 'carbon_price'?)" in p
               for p in problems)
    assert cli_main(["solve", str(juice), "--model", "design"]) == 2
    assert "carbon_prize" in capsys.readouterr().err


def test_an_instance_without_demand_is_refused(juice, capsys):
    header = (juice / "demand.csv").read_text().splitlines()[0]
    (juice / "demand.csv").write_text(header + "\n")
    assert any("table demand is empty" in p for p in _problems(juice))
    assert cli_main(["solve", str(juice), "--model", "design"]) == 2
    assert "nothing to design" in capsys.readouterr().err
    net = sn.read(JUICE)
    zero = net.demand.copy()
    zero["quantity"] = 0.0
    net.set_table("demand", zero)
    with pytest.raises(sn.InstanceError, match="every demand quantity is 0"):
        sn.design(net)
