"""solve_many: hand-worked objectives per scenario, executors agree, failures are rows,
out/ folders and resume, Runs.compare/table, the batch command.

The network of most tests is small enough to solve by hand: customer C needs 5 units in
each of 2 periods; supplier S1 sells at 1 (at most 4 per period), S2 at 2 (unlimited);
everything passes through warehouse W (at most 20 per period); transport is free.
Base cost: 8 units from S1 and 2 from S2 = 8 x 1 + 2 x 2 = 12.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from pathlib import Path

import pandas as pd
import pytest

import supplynet as sn
from supplynet.cli.main import main as cli_main
from supplynet.scenarios.spec import Scenario, write_scenarios


def hand_net() -> sn.Network:
    net = sn.Network("hand", params={"carbon_price": 0.0})
    net.add_product("p")
    net.add_supplier("S1").add_supplier("S2")
    net.add_supply("S1", "p", price=1.0, capacity=4).add_supply("S2", "p", price=2.0)
    net.add_warehouse("W", capacity=20)
    net.add_customer("C")
    net.add_lane("S1", "W").add_lane("S2", "W").add_lane("W", "C")
    net.add_demand("C", "p", 5, period=1).add_demand("C", "p", 5, period=2)
    return net.validate()


# scenario -> objective worked out by hand (None: no solution)
HAND = {
    "base": 12.0,
    "s1_down": 20.0,  # all 10 from S2
    "s1_down_p1": 16.0,  # S1 has 1 of 2 periods: 4 units, 6 from S2
    "s1_half_p1": 14.0,  # share 1 - 0.5 x 1/2 = 0.75 of 8 = 6 units, 4 from S2
    "surge_p2": 17.0,  # 5 + 7.5 = 12.5: 8 from S1, 4.5 from S2
    "dear": 24.0,  # purchases x 2
    "cheap_s2": 11.0,  # S2 at 1.5: 8 + 2 x 1.5
    "lane_s1_down": 20.0,
    "too_much": None,  # 50 units through a warehouse taking 40: infeasible
}


def hand_scenarios() -> list[Scenario]:
    return [
        Scenario("s1_down", disrupt="S1"),
        Scenario("s1_down_p1", disrupt={"node": "S1", "periods": [1, 1]}),
        Scenario("s1_half_p1", disrupt={"node": "S1", "periods": 1, "capacity_factor": 0.5}),
        Scenario("surge_p2", demand={"factor": 1.5, "periods": [2, 2]}),
        Scenario("dear", costs={"purchase": 2.0}),
        Scenario("cheap_s2", set=[{"table": "supply", "key": {"supplier": "S2"},
                                   "column": "price", "value": 1.5}]),
        Scenario("lane_s1_down", disrupt={"lane": ["S1", "W"]}),
        Scenario("too_much", demand=5.0),
        Scenario("no_warehouse", close=["W"]),  # infeasible: every route to C runs through W
    ]


CALLS: list[str] = []
STOP = {"after": None}  # raise KeyboardInterrupt once this many calls were made


def counting_design(net, **options):
    """sn.design, recording each call (serial runs only)."""
    if STOP["after"] is not None and len(CALLS) >= STOP["after"]:
        raise KeyboardInterrupt
    CALLS.append(net.name)
    return sn.design(net, **options)


def check_hand(runs: sn.Runs) -> None:
    st = runs.status.set_index("scenario")
    for name, obj in HAND.items():
        if obj is None:
            assert st.at[name, "status"] == "infeasible"
        else:
            assert st.at[name, "status"] == "optimal", name
            assert runs[name].objective == pytest.approx(obj, abs=1e-6), name
    # W closed: C cannot be reached. Not bad input: status infeasible, no error row
    assert st.at["no_warehouse", "status"] == "infeasible"
    assert runs.errors.empty


def test_serial_matches_hand_and_compare():
    runs = sn.solve_many(sn.design, hand_net(), hand_scenarios(), progress=False)
    assert runs.names[0] == "base" and len(runs) == 10
    check_hand(runs)
    assert set(runs.results) == set(HAND) | {"no_warehouse"}
    c = runs.compare().set_index("scenario")
    costs = [k for k in c.columns if k.startswith("cost_")]
    assert {"cost_purchase", "cost_transport", "kpi_co2", "kpi_fill_rate"} <= set(c.columns)
    ok = c["status"] == "optimal"
    # the cost breakdown adds up to the objective
    pd.testing.assert_series_equal(c.loc[ok, costs].sum(axis=1), c.loc[ok, "objective"].astype(float),
                                   check_names=False, atol=1e-6)
    for name, obj in HAND.items():
        if obj is not None:
            assert c.at[name, "objective_vs_base"] == pytest.approx(obj - 12.0)
            assert c.at[name, "objective_vs_base_pct"] == pytest.approx(100 * (obj - 12) / 12)
    assert c.at["dear", "cost_purchase"] == pytest.approx(24.0)
    d = runs.compare(delta=True).set_index("scenario")
    assert d.at["dear", "cost_purchase"] == pytest.approx(12.0) and d.at["base", "cost_purchase"] == 0
    flows = runs.table("flows")
    assert flows.columns[0] == "scenario"
    assert len(flows) == sum(len(r.tables.get("flows", ())) for r in runs.results.values())
    s2 = flows[(flows["scenario"] == "s1_half_p1") & (flows["origin"] == "S2")]["quantity"].sum()
    assert s2 == pytest.approx(4.0)
    with pytest.raises(sn.SupplynetError, match="no scenario has a table 'nope'"):
        runs.table("nope")
    dg = runs["no_warehouse"].diagnosis  # names the customer, product, units and W
    row = dg[dg["kind"] == "demand"].iloc[0]
    assert (row["element"], row["product"], row["amount"]) == ("C", "p", 10.0)
    assert "closed warehouse W would serve it" in row["message"]


def test_processes_and_user_pool_equal_serial():
    net, scs = hand_net(), hand_scenarios()
    serial = sn.solve_many(sn.design, net, scs, progress=False)
    procs = sn.solve_many("design", net, scs, executor=2, progress=False)
    check_hand(procs)
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        user = sn.solve_many(sn.design, net, scs[:3], executor=pool, progress=False)
    for runs in (procs, user):
        for name, res in runs.results.items():
            ref = serial[name]
            assert res.status == ref.status and res.objective == pytest.approx(ref.objective)
            if res.ok:
                pd.testing.assert_frame_equal(res.tables["flows"], ref.tables["flows"])
            assert res.solution is None  # the HiGHS object stayed in the worker
            assert res.network is not None  # ... the patched network came back
    assert procs["s1_down"].apply().nodes.shape[0] == 4


def test_out_folder_resume_and_interrupt(tmp_path):
    net, scs = hand_net(), hand_scenarios()
    out = tmp_path / "out"
    CALLS.clear()
    runs = sn.solve_many(counting_design, net, scs, out=out, progress=False, format="csv")
    assert len(CALLS) == 10  # no_warehouse: the model was called, infeasible
    man = pd.read_csv(out / "manifest.csv")
    assert list(man.columns[:6]) == ["scenario", "status", "objective", "gap", "seconds", "error"]
    assert sorted(man["scenario"]) == sorted(runs.names)
    for name, obj in HAND.items():
        files = {p.name for p in (out / name).iterdir()}
        assert {"status.csv", "scenario.yaml"} | ({"costs.csv", "flows.csv"} if obj else set()) \
            <= files, name
    assert "traceback.txt" not in {p.name for p in (out / "no_warehouse").iterdir()}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left
    back = sn.load_runs(out)
    assert back["dear"].objective == pytest.approx(24.0)
    pd.testing.assert_frame_equal(back["dear"].tables["flows"], runs["dear"].tables["flows"],
                                  check_dtype=False)

    # again: nothing raised (no_warehouse is infeasible, a finished status), nothing solved
    CALLS.clear()
    again = sn.solve_many(counting_design, net, scs, out=out, progress=False, format="csv")
    assert len(CALLS) == 0
    check_hand(again)
    assert again.compare()["objective"].equals(runs.compare()["objective"])

    # a changed scenario, or changed options, are solved again; resume=False solves all
    CALLS.clear()
    scs2 = scs[:-1] + [Scenario("no_warehouse", costs={"purchase": 3.0})]
    third = sn.solve_many(counting_design, net, scs2, out=out, progress=False, format="csv")
    assert len(CALLS) == 1 and third["no_warehouse"].objective == pytest.approx(36.0)
    CALLS.clear()
    sn.solve_many(counting_design, net, scs2[:2], out=out, progress=False, mip_gap=1e-5,
                  format="csv")
    assert len(CALLS) == 3
    CALLS.clear()
    sn.solve_many(counting_design, net, scs2[:2], out=out, progress=False, resume=False,
                  mip_gap=1e-5, format="csv")
    assert len(CALLS) == 3
    assert set(pd.read_csv(out / "manifest.csv")["scenario"]) == set(runs.names)  # rows kept


def test_interrupted_batch_keeps_what_finished(tmp_path):
    net, scs = hand_net(), hand_scenarios()[:5]
    CALLS.clear()
    STOP["after"] = 2
    try:
        with pytest.raises(KeyboardInterrupt):
            sn.solve_many(counting_design, net, scs, out=tmp_path, progress=False, format="csv")
    finally:
        STOP["after"] = None
    man = pd.read_csv(tmp_path / "manifest.csv")
    assert man["scenario"].tolist() == ["base", "s1_down"]
    CALLS.clear()
    runs = sn.solve_many(counting_design, net, scs, out=tmp_path, progress=False, format="csv")
    assert len(CALLS) == 4 and len(runs.results) == 6
    assert runs["s1_down"].objective == pytest.approx(20.0)


def test_bad_input_fails_before_solving():
    net = hand_net()
    CALLS.clear()
    with pytest.raises(sn.InstanceError, match="unknown node 'S9'"):
        sn.solve_many(counting_design, net, [Scenario("x", disrupt="S9")], progress=False)
    with cf.ThreadPoolExecutor(1) as threads:
        for executor in ("threads", threads, 0, "bogus", True):
            with pytest.raises(sn.OptionsError):
                sn.solve_many(counting_design, net, [], executor=executor, progress=False)
    with pytest.raises(sn.OptionsError, match="unknown model"):
        sn.solve_many("nope", net, [], progress=False)
    with pytest.raises(sn.OptionsError, match="mip_gap"):
        sn.solve_many(counting_design, net, [], progress=False, mip_gap=2.0)
    with pytest.raises(sn.OptionsError, match="no scenarios"):
        sn.solve_many(counting_design, net, [], include_base=False, progress=False)
    assert CALLS == []
    # an unknown model option is a row per scenario, not a crash
    runs = sn.solve_many(sn.design, net, [], progress=False, not_an_option=1)
    assert runs.status["status"].tolist() == ["error"]
    assert "not_an_option" in runs.errors["error"].iat[0]


def test_time_limit_and_plan_model():
    net = sn.generate(suppliers=3, plants=2, warehouses=3, customers=6, products=2, periods=4, seed=5)
    w = net.nodes_of_kind("warehouse")[0]
    scs = [Scenario("w_down", disrupt={"node": w, "periods": [2, 3]}),
           Scenario("surge", demand={"factor": 1.2, "periods": [3, 4]})]
    # candidates included: on its existing sites alone this network cannot keep its
    # committed fill rates, and the comparison needs solved plans
    runs = sn.solve_many(sn.plan, net, scs, progress=False, include_candidates=True)
    for sc in [Scenario("base")] + scs:
        direct = sn.plan(sc.apply(net, model="plan"), include_candidates=True)
        assert direct.ok, direct.message
        assert runs[sc.name].status == direct.status
        assert runs[sc.name].objective == pytest.approx(direct.objective, rel=1e-9)
    assert len(runs["w_down"].network.outages) == 1
    # a time limit is passed to every scenario and its status reported, not raised
    tl = sn.solve_many(sn.design, net, scs, progress=False, time_limit=30.0)
    assert set(tl.status["status"]) <= {"optimal", "time_limit"}


def test_batch_command(tmp_path, capsys):
    net = hand_net()
    net.write(tmp_path / "inst")
    write_scenarios(hand_scenarios()[:4], tmp_path / "s.yaml")
    code = cli_main(["batch", str(tmp_path / "inst"), str(tmp_path / "s.yaml"), "--out",
                     str(tmp_path / "out"), "--quiet", "--format", "csv"])
    printed = capsys.readouterr().out
    assert code == 0 and "s1_half_p1" in printed and "wrote 5 scenarios" in printed
    man = pd.read_csv(tmp_path / "out" / "manifest.csv").set_index("scenario")
    assert man.at["s1_down_p1", "objective"] == pytest.approx(16.0)
    write_scenarios(hand_scenarios()[-1:], tmp_path / "err.yaml")
    code = cli_main(["batch", str(tmp_path / "inst"), str(tmp_path / "err.yaml"), "--out",
                     str(tmp_path / "out2"), "--quiet", "--no-base"])
    printed = capsys.readouterr().out  # infeasible is a finished scenario, not a failure
    assert code == 0 and "no_warehouse" in printed and "infeasible" in printed
    Path(tmp_path / "bad.yaml").write_text("- name: x\n  disrupt: NOPE\n")
    code = cli_main(["batch", str(tmp_path / "inst"), str(tmp_path / "bad.yaml"), "--out",
                     str(tmp_path / "out3"), "--quiet"])
    assert code == 2 and "unknown node 'NOPE'" in capsys.readouterr().err
