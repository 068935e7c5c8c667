"""A batch folder is trustworthy after a crash: a folder being replaced when the batch is
killed is never read back as finished, a batch killed (SIGKILL) between scenarios resumes
without solving the finished ones again, and results read back keep the instance's units.
Objectives are those worked out by hand in test_batch.py."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from batch_workers import CALLED, stalling_design
from test_batch import HAND, hand_net, hand_scenarios

import supplynet as sn
from supplynet.scenarios import store
from supplynet.scenarios.spec import Scenario

TESTS = Path(__file__).parent
SRC = TESTS.parent / "src"


def test_a_folder_half_replaced_by_a_killed_batch_is_solved_again(tmp_path, monkeypatch):
    sn.solve_many(sn.design, hand_net(), [], out=tmp_path, progress=False, format="csv")
    real_rmtree = shutil.rmtree

    def killed_while_deleting(path, *args, **kwargs):
        # the kill lands after flows.csv of the old answer is gone, before the rest
        (Path(path) / "flows.csv").unlink(missing_ok=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(store.shutil, "rmtree", killed_while_deleting)
    with pytest.raises(KeyboardInterrupt):
        sn.solve_many(sn.design, hand_net(), [], out=tmp_path, resume=False, progress=False,
                      format="csv")
    monkeypatch.setattr(store.shutil, "rmtree", real_rmtree)

    runs = sn.solve_many(sn.design, hand_net(), [], out=tmp_path, progress=False, format="csv")
    flows = runs["base"].tables["flows"]  # by hand: 8 units from S1, 2 from S2, 10 to C
    by_origin = flows.groupby("origin")["quantity"].sum()
    assert by_origin["S1"] == pytest.approx(8.0) and by_origin["S2"] == pytest.approx(2.0)
    assert by_origin["W"] == pytest.approx(10.0)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_results_read_back_keep_the_instance_units(tmp_path):
    net = hand_net()
    net.params["units"] = {"money": "USD", "time": "week", "distance": "mi"}
    runs = sn.solve_many(sn.design, net, [Scenario("dear", costs={"purchase": 2.0})],
                         out=tmp_path, progress=False, format="csv")
    assert runs.units["money"] == "USD" and runs["dear"].units["time"] == "week"
    for again in (sn.load_runs(tmp_path),  # read from the folder ...
                  sn.solve_many(sn.design, net, [Scenario("dear", costs={"purchase": 2.0})],
                                out=tmp_path, progress=False, format="csv")):  # ... or resumed
        assert again["dear"].objective == pytest.approx(HAND["dear"])
        for units in (again.units, again["dear"].units, again["base"].units):
            assert (units["money"], units["time"], units["distance"]) == ("USD", "week", "mi")


KILLED_BATCH = """
    import os, sys
    sys.path[:0] = [{tests!r}, {src!r}]
    os.environ["SN_STALL_DEAR"] = "1"  # "dear" stalls; the test kills us there
    import supplynet as sn
    from batch_workers import stalling_design
    from test_batch import hand_net, hand_scenarios

    if __name__ == "__main__":
        sn.solve_many(stalling_design, hand_net(), hand_scenarios()[:5], out={out!r},
                      progress=False, format="csv")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL")
def test_a_batch_killed_between_scenarios_resumes_where_it_stopped(tmp_path):
    out = tmp_path / "out"
    script = tmp_path / "batch.py"
    script.write_text(textwrap.dedent(KILLED_BATCH.format(tests=str(TESTS), src=str(SRC),
                                                          out=str(out))))
    batch = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        # base, s1_down, s1_down_p1, s1_half_p1 and surge_p2 finish; dear stalls
        for _ in range(600):
            time.sleep(0.1)
            man = out / "manifest.csv"
            if man.exists() and len(pd.read_csv(man)) == 5:
                break
        else:
            pytest.fail("the batch did not finish its first scenarios")
        batch.send_signal(signal.SIGKILL)
        batch.wait()
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()
    first = {p.name: p.stat().st_mtime_ns for p in (out / "s1_down").iterdir()}

    CALLED.clear()
    runs = sn.solve_many(stalling_design, hand_net(), hand_scenarios()[:5], out=out,
                         progress=False, format="csv")
    assert CALLED == ["hand"]  # only "dear" was solved again (the same model function)
    st = runs.status.set_index("scenario")
    for name in ("base", "s1_down", "s1_down_p1", "s1_half_p1", "surge_p2", "dear"):
        assert st.at[name, "status"] == "optimal", name
        assert runs[name].objective == pytest.approx(HAND[name]), name
    assert {p.name: p.stat().st_mtime_ns for p in (out / "s1_down").iterdir()} == first


def test_a_later_batch_does_not_write_into_a_kept_scenarios_folder(tmp_path):
    # "s1 down" and "s1_down" both make folder s1_down; the second batch overwrote the first
    # one's folder while its manifest row still pointed there (it read back 24, not 20)
    out = tmp_path / "out"
    sn.solve_many(sn.design, hand_net(), [Scenario("s1 down", disrupt="S1")], out=out,
                  include_base=False)
    sn.solve_many(sn.design, hand_net(), [Scenario("s1_down", costs={"purchase": 2.0})],
                  out=out, include_base=False)
    back = sn.load_runs(out)
    assert back["s1 down"].objective == pytest.approx(HAND["s1_down"])  # all 10 from S2: 20
    assert back["s1_down"].objective == pytest.approx(HAND["dear"])  # purchases x 2: 24


def _dearer(n, **k):
    return sn.design(Scenario("x", costs={"purchase": 10.0}).apply(n), **k)


def _plain(n, **k):
    return sn.design(n, **k)


def test_resume_tells_two_model_functions_of_the_same_name_apart(tmp_path):
    # the fingerprint held only __name__: a function redefined under the same name (as in a
    # notebook) read back the first one's results
    out = tmp_path / "out"
    _plain.__name__ = _plain.__qualname__ = _dearer.__qualname__
    first = sn.solve_many(_dearer, hand_net(), [], out=out, resume=True)
    again = sn.solve_many(_plain, hand_net(), [], out=out, resume=True)
    assert first["base"].objective == pytest.approx(120.0)  # purchases x 10: 8 + 2 x 2 = 12 x 10
    assert again["base"].objective == pytest.approx(HAND["base"])  # 12


def test_an_interrupt_keeps_what_completed_but_was_not_yet_collected():
    # Ctrl-C in a pool: futures that had finished were dropped with the rest
    import concurrent.futures as cf

    from supplynet.scenarios.executors import _finish_done

    done, collected, running, cancelled = cf.Future(), cf.Future(), cf.Future(), cf.Future()
    for f, name in ((done, "a"), (collected, "b")):
        f.set_result({"scenario": name, "status": "optimal"})
    cancelled.cancel()
    got = []
    _finish_done({done: "a", collected: "b", running: "c", cancelled: "d"}, {collected},
                 "design", got.append)
    assert [r["scenario"] for r in got] == ["a"]


def test_runs_read_back_keep_the_scenario_descriptions(tmp_path):
    out = tmp_path / "out"
    sn.solve_many("design", hand_net(), [Scenario("dear", description="purchases x 2",
                                                  costs={"purchase": 2.0})],
                  out=out, progress=False)
    back = sn.load_runs(out)
    cmp = back.compare().set_index("scenario")
    assert cmp.at["dear", "description"] == "purchases x 2"
    assert cmp.at["dear", "objective"] == pytest.approx(HAND["dear"])
    assert back.model == "design"


def test_model_identity_sees_the_globals_called_and_not_the_hash_seed():
    # two functions differing only in the global they call were the same model to resume;
    # a set literal gave a new identity in every process (hash randomisation)
    import os

    from supplynet.scenarios.worker import model_identity

    ns_a, ns_b = {"sn": sn}, {"sn": sn}
    exec("def model(net, **kw):\n    return sn.design(net, **kw)", ns_a)  # noqa: S102
    exec("def model(net, **kw):\n    return sn.plan(net, **kw)", ns_b)  # noqa: S102
    assert model_identity(ns_a["model"], "model") != model_identity(ns_b["model"], "model")
    code = ("from supplynet.scenarios.worker import model_identity\n"
            "def model(net, **kw):\n    return net.name in {'a', 'b', 'c', 'd'}\n"
            "print(model_identity(model, 'model'))")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.split(":")[-1]
            for seed in (1, 2, 3)}
    assert len(seen) == 1, seen


def test_an_interrupt_that_reached_a_worker_does_not_stop_the_others_being_written():
    import concurrent.futures as cf

    from supplynet.scenarios.executors import _finish_done

    hit, done = cf.Future(), cf.Future()
    hit.set_exception(KeyboardInterrupt())
    done.set_result({"scenario": "b", "status": "optimal"})
    got = []
    _finish_done({hit: "a", done: "b"}, set(), "design", got.append)
    assert [r["scenario"] for r in got] == ["b"]
