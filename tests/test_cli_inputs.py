"""The supplynet command on bad flags, bad output folders and unexpected errors: an exit code
and a one-line message naming the flag or path, never a traceback, never a wasted solve."""

from __future__ import annotations

import pytest

import supplynet as sn
from supplynet.cli import registry as cli
from supplynet.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def tiny(folder, warehouse_capacity=20.0):
    """One supplier, one warehouse, one customer demanding 10 units of p."""
    net = sn.Network("tiny", params={"carbon_price": 0.0})
    net.add_product("p").add_supplier("S").add_supply("S", "p", price=1.0)
    net.add_warehouse("W", capacity=warehouse_capacity, status="candidate").add_customer("C")
    net.add_lane("S", "W").add_lane("W", "C").add_demand("C", "p", 10, period=1)
    return net.write(folder)


@pytest.fixture
def no_solve(monkeypatch):
    """Every model fails the test if called: the CLI must refuse before solving."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("the model was solved although the command line was bad")

    for model in ("design", "plan", "buffers"):
        monkeypatch.setattr(sn, model, refuse)


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1", "1e400", "abc"])
@pytest.mark.parametrize("command", ["solve", "batch", "promise"])
def test_a_time_limit_that_is_not_a_finite_positive_number_is_a_usage_error(
        capsys, tmp_path, no_solve, command, value):
    # before: inf reached threading.Event.wait and crashed with OverflowError (exit 134)
    inst = str(tiny(tmp_path / "inst"))
    extra = {"solve": [], "batch": ["s.yaml", "--out", str(tmp_path / "runs")],
             "promise": ["orders.csv"]}[command]
    code, out, err = run(capsys, command, inst, *extra, f"--time-limit={value}")
    assert code == 2 and out == ""
    assert "argument --time-limit" in err and repr(value) in err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-5"])
@pytest.mark.parametrize("command", ["solve", "validate"])
def test_an_orlib_capacity_that_is_not_a_finite_number_is_a_usage_error(
        capsys, tmp_path, no_solve, command, value):
    path = tmp_path / "cap1.txt"
    path.write_text("1 1\n10 5\n7\n3\n")  # 1 warehouse (capacity 10, fixed cost 5), 1 customer
    code, out, err = run(capsys, command, str(path), f"--orlib-capacity={value}")
    assert code == 2 and out == ""
    assert "argument --orlib-capacity" in err and "finite number >= 0" in err


def test_solve_refuses_an_out_that_is_a_file_before_solving(capsys, tmp_path, no_solve):
    inst = tiny(tmp_path / "inst")
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    for out_arg in (afile, afile / "sub"):
        code, out, err = run(capsys, "solve", str(inst), "--out", str(out_arg), "--quiet")
        assert code == 2 and out == ""
        assert err.startswith(f"error: --out {out_arg}: ") and err.count("\n") == 1
    assert afile.read_text() == "keep me"


def test_solve_creates_a_nested_out_folder(capsys, tmp_path):
    """Objective by hand: 10 units bought at 1 = 10, the warehouse has no fixed cost."""
    inst = tiny(tmp_path / "inst")
    code, out, _ = run(capsys, "solve", str(inst), "--out", str(tmp_path / "a" / "b"), "--quiet")
    assert code == 0 and "objective 10" in out
    assert (tmp_path / "a" / "b" / "flows.csv").exists()


def test_an_invalid_instance_leaves_no_out_folder(capsys, tmp_path, no_solve):
    code, _, err = run(capsys, "solve", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    assert code == 2 and "no such file or folder" in err
    assert not (tmp_path / "o").exists()


def test_design_with_too_little_capacity_exits_1_without_a_traceback(capsys, tmp_path):
    """The only warehouse carries 0 of the 10 units demanded: no design exists."""
    inst = tiny(tmp_path / "inst", warehouse_capacity=0.0)
    code, _, err = run(capsys, "solve", str(inst), "--quiet")
    assert code == 1
    assert err.startswith(("no solution: infeasible", "error: unexpected")) and err.count("\n") == 1


def test_a_long_status_message_is_cut_on_stderr(capsys, tmp_path, monkeypatch):
    inst = tiny(tmp_path / "inst")
    long = "; ".join(f"customer C{i}: 5 units cannot be reached" for i in range(300))

    def infeasible(net, **options):
        return sn.Result(model="design", status="infeasible", message=long)

    monkeypatch.setattr(sn, "design", infeasible)
    code, _, err = run(capsys, "solve", str(inst), "--quiet")
    assert code == 1
    assert err.startswith("no solution: infeasible. customer C0: 5 units cannot be reached")
    assert len(err) < 700 and f"({len(long) - 500:,} more characters)" in err


def with_command(monkeypatch, run_it):
    monkeypatch.setattr(cli, "COMMANDS", dict(cli.COMMANDS))

    def add(p):
        p.add_argument("-v", "--verbose", action="store_true")

    cli.register("boom", add, run_it, "fail")


def test_an_os_error_without_a_file_name_reads_as_one_clean_line(capsys, monkeypatch):
    def unreachable(_args):
        raise TimeoutError("Timed out trying to connect to tcp://127.0.0.1:1 after 30 s")

    with_command(monkeypatch, unreachable)
    code, _, err = run(capsys, "boom")
    assert code == 2
    assert err == "error: Timed out trying to connect to tcp://127.0.0.1:1 after 30 s\n"


def test_an_unexpected_exception_is_one_line_exit_1_and_its_traceback_with_v(capsys, monkeypatch):
    def bug(_args):
        raise ZeroDivisionError("division by zero")

    with_command(monkeypatch, bug)
    code, _, err = run(capsys, "boom")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("error: unexpected ZeroDivisionError: division by zero")
    assert main(["boom", "-v"]) == 1
    _, err = capsys.readouterr()
    assert "Traceback" in err and "ZeroDivisionError" in err


def test_promise_names_a_bad_order_row_before_planning(capsys, tmp_path, no_solve):
    inst = tiny(tmp_path / "inst")
    orders = tmp_path / "orders.csv"
    orders.write_text("order,customer,product,quantity,period\n"
                      "O1,C,p,4,1\nO2,NOWHERE,p,5,1\nO3,C,p,abc,1\n")
    code, out, err = run(capsys, "promise", str(inst), str(orders), "--quiet")
    assert code == 2 and out == ""
    assert "orders row 2 (order=O2, customer=NOWHERE, product=p)" in err
    assert "orders row 3 (order=O3, customer=C, product=p): quantity='abc'" in err
