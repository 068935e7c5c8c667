"""Trigeiro-Thomas-McClain lot-sizing files (supplynet.io.ttm) solved by plan(setups=True).

* a hand-made file in the TTM format (2 items x 3 periods, capacity with setup times):
  plan's optimum equals the best of all 64 setup patterns, each pattern's LP solved here
  with scipy's linprog (not supplynet);
* the column-block layout of files with more than 15 items, and clear errors on
  malformed files;
* two instances of the TTM set against their published optima (Belvaux & Wolsey 2000):
  G53 = tr12-15, 74634 and G57 = tr24-15, 136509. The files are not in the repository
  (no licence found, see tests/data/ttm/README.md); they are read from the shared data
  folder (``ttm/`` under ``$SUPPLYNET_SHARED_DATA``, ``../shared/data`` or
  ``/work/shared/data``), as ``G53.DAT`` or as the LotSizingDataModel XML of the same
  instance, and the tests are skipped without them.
"""

from __future__ import annotations

import numpy as np
import pytest
from lotsizing_reference import brute_force
from shared_data import shared_data

import supplynet as sn
from supplynet.io.ttm import read_ttm

TINY = """\
    2    3
    1
   60
 1.00 2.00  10. 100.
 2.00 1.00   5.  60.
   20   10
    0   15
   30    5
  Bi   hi   su   su
           time cost
"""
# b, h, st, sc per item; demand[t][i]; capacity per period
B, H, ST, SC = [1.0, 2.0], [2.0, 1.0], [10.0, 5.0], [100.0, 60.0]
DEMAND = [[20.0, 10.0], [0.0, 15.0], [30.0, 5.0]]
CAP = 60.0

TTM = shared_data("ttm")
PUBLISHED = {  # name: (items, periods, optimum; Belvaux & Wolsey 2000, instance tr12-15 / tr24-15)
    "G53": (12, 15, 74634.0),
    "G57": (24, 15, 136509.0),
}


def instance_file(name: str):
    """The TTM file (G53.DAT) or, failing that, its LotSizingDataModel XML
    (LSDM_TRIGEIRO1989_CLSP_12items_15periods_G53.xml) in the ttm/ folder; None if neither."""
    if (TTM / f"{name}.DAT").exists():
        return TTM / f"{name}.DAT"
    xml = sorted(TTM.glob(f"LSDM_*_{name}.xml")) if TTM.is_dir() else []
    return xml[0] if xml else None


def test_tiny_file_reads_as_written(tmp_path):
    f = tmp_path / "tiny.dat"
    f.write_text(TINY)
    net = read_ttm(f)
    assert net.periods == [1, 2, 3]
    pr = net.production.set_index("product")
    assert pr.loc["I1", ["capacity_use", "setup_time", "setup_cost"]].tolist() == [1.0, 10.0, 100.0]
    assert pr.loc["I2", ["capacity_use", "setup_time", "setup_cost"]].tolist() == [2.0, 5.0, 60.0]
    assert net.products.set_index("id").loc[["I1", "I2"], "value"].tolist() == H
    dem = {(p, t): q for p, t, q in net.demand[["product", "period", "quantity"]].itertuples(
        index=False)}
    assert dem == {("I1", 1): 20.0, ("I2", 1): 10.0, ("I2", 2): 15.0, ("I1", 3): 30.0,
                   ("I2", 3): 5.0}
    assert float(net.nodes.set_index("id").loc["M", "capacity"]) == CAP


@pytest.mark.parametrize("rounds", [0, 5])
def test_tiny_file_optimum_equals_enumeration(tmp_path, rounds):
    f = tmp_path / "tiny.dat"
    f.write_text(TINY)
    best = brute_force(B, H, ST, SC, DEMAND, CAP)
    assert np.isfinite(best)
    res = sn.plan(read_ttm(f), setups=True, lot_sizing_cut_rounds=rounds)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-6)
    costs = res.tables["costs"].set_index("category")["cost"]
    assert costs["unmet"] == pytest.approx(0.0, abs=1e-6)  # TTM has no backlog or lost sales


def test_more_than_15_items_come_in_column_blocks(tmp_path):
    n, T = 17, 2
    d = [[10 * t + i + 1 for i in range(n)] for t in range(T)]  # distinct per item and period
    lines = [f"{n} {T}", "1", "10000"] + ["1 1 1 1"] * n
    lines += [" ".join(map(str, row[:15])) for row in d]
    lines += [" ".join(map(str, row[15:])) for row in d]
    f = tmp_path / "wide.dat"
    f.write_text("\n".join(lines) + "\n")
    net = read_ttm(f)
    got = {(p, t): q for p, t, q in net.demand[["product", "period", "quantity"]].itertuples(
        index=False)}
    assert got == {(f"I{i + 1:02d}", t + 1): float(d[t][i]) for t in range(T) for i in range(n)}


@pytest.mark.parametrize("text, words", [
    ("2\n1\n60\n", "items periods"),
    ("2 3\n1\n60\n1 2 10 100\n", "item 2"),
    ("2 3\n1\n60\n1 2 10 100\n2 1 5\n", "4 numbers"),
    ("2 3\n1\n60\n1 2 10 100\n2 1 5 60\n20 10\n0 x\n30 5\n", "'x'"),
    ("2 3\n1\n60\n1 2 10 100\n2 1 5 60\n20 10\n0 15\n", "ends before"),
    ("2 3\n1\n60\n1 2 10 100\n2 1 5 60\n20 10 4\n0 15 1\n30 5 2\n", "found 3"),
    ("2 3\n1\n-5\n1 2 10 100\n2 1 5 60\n20 10\n0 15\n30 5\n", "capacity"),
])
def test_malformed_files_say_what_and_where(tmp_path, text, words):
    f = tmp_path / "bad.dat"
    f.write_text(text)
    with pytest.raises(sn.InstanceError, match="bad.dat") as e:
        read_ttm(f)
    assert words in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(sn.InstanceError, match="no such file"):
        read_ttm(tmp_path / "nope.dat")


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_optimum(name):
    path = instance_file(name)
    if path is None:
        pytest.skip(f"{name}.DAT or its LotSizingDataModel XML not found in {TTM} (TTM files "
                    "are not shipped; see tests/data/ttm/README.md)")
    n, T, optimum = PUBLISHED[name]
    net = sn.read(path) if path.suffix == ".xml" else read_ttm(path)
    assert len(net.products) == n and net.periods == list(range(1, T + 1))
    res = sn.plan(net, setups=True, time_limit=300)  # the defaults: (l,S) rows to the end
    assert res.status == "optimal", res.message
    assert res.objective == pytest.approx(optimum, rel=1e-6)
