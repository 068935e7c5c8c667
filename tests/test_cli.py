"""The supplynet command: exit codes and messages, never tracebacks."""

from __future__ import annotations

import pytest
from shared_data import shared_data

import supplynet as sn
from supplynet.cli import registry as cli
from supplynet.cli.main import main

ORLIB = shared_data("orlib")
needs_orlib = pytest.mark.skipif(not (ORLIB / "cap41.txt").exists(), reason="no OR-Library data")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_validate_a_valid_instance_prints_its_summary(capsys, tmp_path):
    sn.load_instance("juice").write(tmp_path / "juice")
    code, out, err = run(capsys, "validate", str(tmp_path / "juice"))
    assert code == 0 and err == ""
    assert "instance 'juice' is valid" in out
    assert "nodes: customer" in out and "26" in out and "table: demand" in out


def test_validate_an_invalid_instance_lists_problems_and_exits_2(capsys, tmp_path):
    net = sn.load_instance("juice")
    net.add_lane("PL_LYON", "NOWHERE").add_demand("RT_PARIS", "orange_1l", -5.0, period=13)
    net.write(tmp_path / "bad")
    code, out, err = run(capsys, "validate", str(tmp_path / "bad"))
    assert code == 2 and out == ""
    assert "invalid instance 'juice', 3 problems" in err
    assert "destination 'NOWHERE' is not a node" in err
    assert "quantity=-5" in err and "period=13 is outside the horizon 1..12" in err


def test_validate_missing_path(capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(tmp_path / "nope"))
    assert code == 2 and err.startswith("error: ") and "no such file or folder" in err


def test_validate_broken_csv_names_file_and_line(capsys, tmp_path):
    sn.load_instance("assembly").write(tmp_path)
    f = tmp_path / "demand.csv"
    text = f.read_text()
    f.write_text(text + "C01,F01\n")
    line = text.count("\n") + 1  # the appended line
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 2 and f"demand.csv: line {line}: 2 fields where the header has 8" in err


def test_validate_yaml_error(capsys, tmp_path):
    sn.load_instance("assembly").write(tmp_path)
    (tmp_path / "instance.yaml").write_text("name: [oops\n")
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 2 and "instance.yaml" in err and "YAML syntax error" in err


@needs_orlib
def test_validate_orlib_files(capsys):
    code, out, _ = run(capsys, "validate", str(ORLIB / "cap41.txt"))
    assert code == 0 and "instance 'cap41' is valid" in out and "nodes: warehouse" in out
    code, _, err = run(capsys, "validate", str(ORLIB / "capa.txt"))
    assert code == 2 and "capacity" in err
    code, out, _ = run(capsys, "validate", str(ORLIB / "capa.txt"), "--orlib-capacity", "8000")
    assert code == 0 and "1000" in out


def test_generate_writes_the_same_network_as_the_function(capsys, tmp_path):
    out_dir = tmp_path / "gen"
    code, out, err = run(capsys, "generate", "--suppliers", "3", "--plants", "2",
                         "--warehouses", "3", "--customers", "12", "--products", "2",
                         "--periods", "4", "--bom-depth", "3", "--seed", "8", "--out",
                         str(out_dir))
    assert code == 0 and err == ""
    assert f"wrote instance 'generated_8' to {out_dir}" in out and "nodes: customer" in out
    expected = sn.generate(suppliers=3, plants=2, warehouses=3, customers=12, products=2,
                           periods=4, bom_depth=3, seed=8)
    assert sn.read(out_dir).equals(expected)
    assert main(["validate", str(out_dir)]) == 0


def test_generate_to_a_workbook_with_a_name(capsys, tmp_path):
    book = tmp_path / "g.xlsx"
    code, _, _ = run(capsys, "generate", "--customers", "5", "--name", "mini", "--out", str(book))
    assert code == 0 and sn.read(book).name == "mini"


def test_generate_bad_option_is_a_message(capsys, tmp_path):
    code, _, err = run(capsys, "generate", "--customers", "0", "--out", str(tmp_path / "x"))
    assert code == 2 and "customers=0 must be a whole number >= 1" in err
    assert not (tmp_path / "x").exists()


def test_generate_onto_a_file_is_a_message(capsys, tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    code, _, err = run(capsys, "generate", "--customers", "2", "--out", str(f))
    assert code == 2 and "exists and is not a folder" in err


def test_usage_errors_exit_2_and_help_exits_0(capsys):
    assert run(capsys, )[0] == 2
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys, "generate")[0] == 2  # --out is required
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "validate" in out and "generate" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and sn.__version__ in out


def test_subcommands_are_pluggable(capsys, monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", dict(cli.COMMANDS))

    def add(p):
        p.add_argument("who")

    def hello(args):
        if args.who == "bad":
            raise sn.InstanceError("who is bad")
        print(f"hello {args.who}")
        return 0

    cli.register("hello", add, hello, "say hello")
    code, out, _ = run(capsys, "hello", "world")
    assert code == 0 and out == "hello world\n"
    code, _, err = run(capsys, "hello", "bad")
    assert code == 2 and "who is bad" in err
    assert {"validate", "generate"} <= set(cli.COMMANDS)


def test_solve_is_quiet_unless_verbose(capfd, tmp_path):
    """No HiGHS log (printed from C++, so captured at the file descriptor) without -v; the
    objective of the tiny network is 12 by hand (8 units at 1 from S1, 2 at 2 from S2)."""
    net = sn.Network("tiny", params={"carbon_price": 0.0})
    net.add_product("p").add_supplier("S1").add_supplier("S2")
    net.add_supply("S1", "p", price=1.0, capacity=4).add_supply("S2", "p", price=2.0)
    net.add_warehouse("W", capacity=20).add_customer("C")
    net.add_lane("S1", "W").add_lane("S2", "W").add_lane("W", "C")
    net.add_demand("C", "p", 5, period=1).add_demand("C", "p", 5, period=2)
    net.write(tmp_path / "tiny")
    assert main(["solve", str(tmp_path / "tiny"), "--model", "design"]) == 0
    out, err = capfd.readouterr()
    assert "objective 12" in out and "HiGHS" not in out + err and "Coefficient" not in out
    assert main(["solve", str(tmp_path / "tiny"), "--model", "design", "-v"]) == 0
    out, _ = capfd.readouterr()
    assert "Coefficient ranges" in out
    assert main(["solve", str(tmp_path / "tiny"), "--model", "design", "--quiet"]) == 0
    out, _ = capfd.readouterr()
    assert "solving design" not in out and "objective 12" in out


def test_time_limit_without_a_solution_has_its_own_exit_code(capsys, monkeypatch, tmp_path):
    sn.load_instance("juice").write(tmp_path / "juice")

    def no_incumbent(net, **options):
        return sn.Result(model="design", status="time_limit",
                         message="time limit reached before any feasible solution was found")

    monkeypatch.setattr(sn, "design", no_incumbent)
    code, _, err = run(capsys, "solve", str(tmp_path / "juice"), "--time-limit", "1")
    assert code == 3 and "before any feasible solution" in err
