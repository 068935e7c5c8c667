"""Logging: the library is quiet unless asked; at INFO on "supplynet" the long steps log progress."""

from __future__ import annotations

import contextlib
import logging

import networkx as nx

import supplynet as sn
from supplynet.cli.main import main


def messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("supplynet")]


def diamond() -> nx.DiGraph:
    """A -> B, A -> C, B -> D, C -> D: two paths from A to D, so not a forest (the MIP
    pipeline, not a DP); no stage can be eliminated (each has two neighbours)."""
    g = nx.DiGraph(name="diamond")
    g.add_node("A", lead_time=3, holding_cost=1.0, z_sigma=1.0)
    g.add_node("B", lead_time=2, holding_cost=2.0, z_sigma=1.0)
    g.add_node("C", lead_time=1, holding_cost=2.0, z_sigma=1.0)
    g.add_node("D", lead_time=1, holding_cost=5.0, z_sigma=1.0, demand_mean=10.0,
               max_service_time=0)
    g.add_edges_from([("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")])
    return g


def test_design_logs_build_and_solve(caplog):
    caplog.set_level(logging.INFO, logger="supplynet")
    res = sn.design(sn.load_instance("juice"), time_limit=120)
    assert res.ok
    got = messages(caplog)
    assert any(m.startswith("design: model built in") and m.endswith(" s") for m in got), got
    solved = [m for m in got if m.startswith("design: HiGHS ")]
    assert solved, got
    assert " rows x " in solved[0] and " columns (" in solved[0] and " integer)" in solved[0]
    assert f"HiGHS {res.status} in" in solved[-1]
    assert all(r.levelno <= logging.INFO for r in caplog.records if r.name.startswith("supplynet"))
    # each message comes from the module's own logger under "supplynet"
    assert {r.name for r in caplog.records if "design:" in r.getMessage()} <= {
        "supplynet.models.design.run", "supplynet.models.design.reduce"}


def test_plan_logs_build_and_solve(caplog):
    caplog.set_level(logging.INFO, logger="supplynet")
    net = sn.Network("tiny")
    net.add_product("p").add_supplier("S").add_supply("S", "p", price=1.0)
    net.add_customer("C").add_lane("S", "C", cost=1.0).add_demand("C", "p", 3)
    res = sn.plan(net)
    assert res.status == "optimal"
    got = messages(caplog)
    assert any(m.startswith("plan: model built in") for m in got), got
    assert any(m.startswith("plan: HiGHS optimal in") and "rows x" in m for m in got), got


def test_batch_logs_each_scenario(caplog):
    net = two_warehouses()
    caplog.set_level(logging.INFO, logger="supplynet")
    runs = sn.solve_many(sn.design, net, [{"name": "more", "demand": {"factor": 1.2}}],
                         progress=False)
    assert list(runs.status["status"]) == ["optimal", "optimal"]
    text = "\n".join(messages(caplog))
    assert "batch design: 2 scenarios, 2 to solve (serial executor)" in text
    assert "batch design: scenario 'base' optimal, objective 55 in " in text
    assert "batch design: scenario 'more' optimal" in text
    assert "batch design: 2 scenarios finished, 0 failed" in text


def test_gsm_logs_its_phases(caplog):
    caplog.set_level(logging.INFO, logger="supplynet")
    res = sn.gsm(diamond(), compare_policies=False)
    assert res.status == "optimal"
    got = messages(caplog)
    text = "\n".join(got)
    assert "gsm: 4 stages, not a forest: the exact MIP pipeline" in text
    assert "gsm: elimination by DP leaves 4 of 4 stages" in text
    assert "gsm: incumbent " in text and "service-time pairs on the core" in text
    assert "gsm: pair MIP on 4 stages" in text
    assert "gsm: MIP: HiGHS optimal in" in text
    assert any(m.startswith("gsm: optimal by mip") for m in got), got


def test_gsm_bounds_phase_logs(caplog):
    """The bounding phase (Lagrangian / LP) runs above ``direct_pairs`` pairs: 0 here."""
    from supplynet.models.gsm.graph import prepare
    from supplynet.models.gsm.solve import solve_mip

    caplog.set_level(logging.INFO, logger="supplynet")
    out = solve_mip(prepare(diamond()), sn.SolveOptions(), direct_pairs=0)
    assert out.status == "optimal"
    text = "\n".join(messages(caplog))
    assert "gsm: Lagrangian and LP bounds: lower bound " in text
    assert " pairs kept (" in text


def test_gsm_serial_line_logs_the_dp(caplog):
    caplog.set_level(logging.INFO, logger="supplynet")
    g = nx.DiGraph()
    g.add_node("1", lead_time=2, holding_cost=1.0, z_sigma=1.0)
    g.add_node("2", lead_time=1, holding_cost=4.0, z_sigma=1.0, demand_mean=1.0,
               max_service_time=0)
    g.add_edge("1", "2")
    sn.gsm(g, compare_policies=False)
    text = "\n".join(messages(caplog))
    assert "gsm: 2 stages in a serial line: serial DP" in text
    assert "gsm: DP optimal in" in text


def test_nothing_logged_at_the_default_level(caplog):
    """Without configuration the "supplynet" loggers pass nothing below WARNING."""
    caplog.set_level(logging.WARNING)
    logging.getLogger("supplynet").setLevel(logging.NOTSET)
    sn.gsm(diamond(), compare_policies=False)
    assert not [r for r in caplog.records if r.name.startswith("supplynet")]


def two_warehouses() -> sn.Network:
    n = sn.Network("two")
    n.add_product("p").add_supplier("S").add_supply("S", "p")
    n.add_warehouse("W1", capacity=10).add_warehouse("W2", capacity=20).add_customer("C")
    n.add_lane("S", "W1").add_lane("S", "W2").add_lane("W1", "C", cost=1)
    n.add_lane("W2", "C", cost=3)
    n.add_demand("C", "p", 25)
    return n


@contextlib.contextmanager
def unconfigured():
    """Logging as in a fresh process: no handler at all (not even pytest's, which it adds
    around the test body, so this runs inside it), root at WARNING, "supplynet" unset."""
    root, lg = logging.getLogger(), logging.getLogger("supplynet")
    saved = (root.handlers[:], root.level, lg.level)
    root.handlers = []
    root.setLevel(logging.WARNING)
    lg.setLevel(logging.NOTSET)
    try:
        yield
    finally:
        root.handlers = saved[0]
        root.setLevel(saved[1])
        lg.setLevel(saved[2])


def test_cli_solve_prints_only_the_summary(tmp_path, capfd):
    folder = tmp_path / "two"
    two_warehouses().write(folder)
    with unconfigured():
        assert main(["solve", str(folder)]) == 0
    out, err = capfd.readouterr()
    assert err == ""
    assert "design: optimal" in out and "55" in out  # the summary: 10 x 1 + 15 x 3
    for noise in ("model built in", "HiGHS optimal in", "supplynet.models", "Running HiGHS",
                  "INFO"):
        assert noise not in out, out


def test_cli_verbose_logs_progress(tmp_path, capfd):
    folder = tmp_path / "two"
    two_warehouses().write(folder)
    with unconfigured():
        assert main(["solve", str(folder), "-v"]) == 0
    err = capfd.readouterr().err
    assert "supplynet.models.design.run: design: model built in" in err
    assert "design: HiGHS optimal in" in err


def test_lagrangian_fixing_logs_its_phases(caplog, monkeypatch):
    """A plain facility-location instance (supplier -> 3 candidate warehouses -> 3 customers),
    with the size threshold lowered so that the fixing runs."""
    from supplynet.models.design import reduce as dr

    monkeypatch.setattr(dr, "MIN_ARCS", 0)
    net = sn.Network("cflp")
    net.add_product("p").add_supplier("S").add_supply("S", "p", price=1.0)
    for i, fixed in enumerate((50.0, 60.0, 500.0)):
        w = f"W{i}"
        net.add_warehouse(w, status="candidate", capacity=40.0, fixed_cost=fixed)
        net.add_lane("S", w, cost=1.0)
    for j in range(3):
        net.add_customer(f"C{j}").add_demand(f"C{j}", "p", 10.0)
        for i in range(3):
            net.add_lane(f"W{i}", f"C{j}", cost=float(1 + (i + j) % 3))
    caplog.set_level(logging.INFO, logger="supplynet")
    res = sn.design(net)
    assert res.status == "optimal"
    text = "\n".join(messages(caplog))
    assert "design: Lagrangian fixing on 3 warehouses x 3 demands" in text
    assert "design: Lagrangian fixing: LP bound " in text
    assert "design: Lagrangian fixing: restricted MIP over " in text
    assert "probing rounds" in text
    assert "warehouses fixed closed" in text


def test_warnings_are_not_printed_without_logging_configured(capfd):
    # design.apply() warns about stranded stock; with no handler anywhere, logging's
    # last-resort handler printed it on stderr. The package's NullHandler keeps it quiet.
    with unconfigured():
        logging.getLogger("supplynet.models.design.results").warning("stranded stock")
    assert capfd.readouterr().err == ""
