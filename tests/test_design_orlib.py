"""Network design against the published OR-Library capacitated warehouse location optima.

The optima (Beasley 1988, OR-Library ``capopt``) are in /work/shared/data/orlib/optima.csv;
the 37 small problems (cap41-cap134, 16-50 warehouses x 50 customers) are solved here, the
12 large ones (capa/capb/capc, 100 x 1000) by benchmarks/design_bench.py.
"""

from __future__ import annotations

import csv
import math

import pytest
from shared_data import shared_data

import supplynet as sn

ORLIB = shared_data("orlib")
OPTIMA = ORLIB / "optima.csv"

pytestmark = pytest.mark.skipif(not OPTIMA.exists(), reason="OR-Library data not present")


def _optima() -> list[dict]:
    if not OPTIMA.exists():
        return []
    with OPTIMA.open() as f:
        return list(csv.DictReader(f))


SMALL = [r for r in _optima() if not r["capacity"]]


def close_to_published(value: float, published: float) -> bool:
    """The README's tolerance: the published values carry three decimals."""
    return math.isclose(value, published, rel_tol=1e-9, abs_tol=1e-3)


@pytest.mark.parametrize("row", SMALL, ids=[r["problem"] for r in SMALL])
def test_small_published_optimum(row):
    net = sn.read_orlib_cap(ORLIB / row["file"])
    res = sn.design(net, time_limit=60)
    assert res.status == "optimal"
    assert close_to_published(res.objective, float(row["optimum"])), (res.objective, row["optimum"])


def test_all_37_small_problems_listed():
    assert len(SMALL) == 37


def test_read_orlib_cap_matches_hand_read_numbers():
    """Numbers read by eye from cap41.txt: 16 warehouses of capacity 5000 and fixed cost
    7500 (W11 costs 0), customer C1 demands 146 and costs 10355.05 in total from W2,
    C2 demands 87 and costs 3204.8625 from W1, C50 demands 222 and costs 14979.45 from W13."""
    net = sn.read_orlib_cap(ORLIB / "cap41.txt")
    nodes = net.table("nodes").set_index("id")
    assert (nodes["kind"] == "warehouse").sum() == 16
    assert (nodes["kind"] == "customer").sum() == 50
    assert nodes.at["W1", "capacity"] == 5000 and nodes.at["W1", "fixed_cost"] == 7500
    assert nodes.at["W11", "fixed_cost"] == 0 and nodes.at["W16", "capacity"] == 5000
    dem = net.table("demand").set_index("customer")["quantity"]
    assert dem["C1"] == 146 and dem["C2"] == 87 and dem["C50"] == 222
    lanes = net.table("lanes").set_index(["origin", "destination"])["cost"]
    assert lanes["W2", "C1"] * 146 == pytest.approx(10355.05, rel=1e-12)
    assert lanes["W1", "C2"] * 87 == pytest.approx(3204.8625, rel=1e-12)
    assert lanes["W13", "C50"] * 222 == pytest.approx(14979.45, rel=1e-12)


def test_read_orlib_cap_large_file_needs_capacity():
    with pytest.raises(sn.InstanceError):
        sn.read_orlib_cap(ORLIB / "capa.txt")
    net = sn.read_orlib_cap(ORLIB / "capa.txt", capacity=8000)
    nodes = net.table("nodes").set_index("id")
    assert nodes.at["W1", "capacity"] == 8000 and nodes.at["W1", "fixed_cost"] == 2141200
    assert (nodes["kind"] == "customer").sum() == 1000


def test_time_limit_bounds_the_whole_call_on_a_large_problem():
    """capa (100 x 1000) takes about 4 s to build and 10 s to fix and prove: with 2 s the call
    stops before the build it cannot afford (no solution, status time_limit, exit 3 in the
    CLI) instead of running for 11 s as it did when only HiGHS had the limit."""
    import time

    net = sn.read_orlib_cap(ORLIB / "capa.txt", capacity=8000)
    net.validate()
    t0 = time.perf_counter()
    res = sn.design(net, time_limit=2.0)
    assert time.perf_counter() - t0 < 2.0 + 3.0
    assert res.status == "time_limit" and res.objective is None
    assert "before any feasible solution" in res.message
