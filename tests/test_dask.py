"""solve_many on a real local Dask cluster (2 worker processes, 1 thread each) gives the
serial answers, through a Client and through a scheduler address."""

from __future__ import annotations

import pandas as pd
import pytest

import supplynet as sn
from supplynet.scenarios.spec import Scenario

distributed = pytest.importorskip("distributed")

from test_batch import HAND, check_hand, hand_net, hand_scenarios  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None)
    try:
        yield cl
    finally:
        cl.close()


@pytest.fixture(scope="module")
def client(cluster):
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()


def test_dask_client_equals_serial(client, tmp_path):
    net, scs = hand_net(), hand_scenarios()
    serial = sn.solve_many(sn.design, net, scs, progress=False)
    runs = sn.solve_many(sn.design, net, scs, executor=client, out=tmp_path, progress=False,
                         format="csv")
    check_hand(runs)
    assert runs.names == serial.names
    for name, res in runs.results.items():
        ref = serial[name]
        assert res.status == ref.status and res.objective == pytest.approx(ref.objective)
        if res.ok:
            pd.testing.assert_frame_equal(res.tables["flows"], ref.tables["flows"])
            pd.testing.assert_frame_equal(res.tables["costs"], ref.tables["costs"])
    assert sorted(pd.read_csv(tmp_path / "manifest.csv")["scenario"]) == sorted(serial.names)
    # the client is the caller's: still usable afterwards
    assert client.submit(sum, [1, 2]).result() == 3


def test_dask_scheduler_address(cluster):
    net = hand_net()
    scs = [Scenario("s1_down", disrupt="S1"), Scenario("dear", costs={"purchase": 2.0})]
    runs = sn.solve_many("design", net, scs, executor=cluster.scheduler_address, progress=False)
    for name in ("base", "s1_down", "dear"):
        assert runs[name].objective == pytest.approx(HAND[name])


def test_missing_dask_is_a_clear_error(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(sn.OptionsError, match=r"pip install 'supplynet\[dask\]'"):
        sn.solve_many(sn.design, hand_net(), [], executor="tcp://127.0.0.1:1", progress=False)


def test_workers_that_are_threads_of_one_process_are_warned_about():
    # processes=False puts two solves side by side in threads of one process
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cl, distributed.Client(cl) as c:
        with pytest.warns(UserWarning, match="threads of one process"):
            runs = sn.solve_many("design", hand_net(), [Scenario("dear", costs={"purchase": 2.0})],
                                 executor=c)
    assert runs["dear"].objective == pytest.approx(HAND["dear"])
