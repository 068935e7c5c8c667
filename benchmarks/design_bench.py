"""Network design benchmark: the 49 OR-Library capacitated warehouse problems and generated networks.

OR-Library (Beasley's cap41-cap134 and capa/capb/capc, data and published optima in
/work/shared/data/orlib): each problem is read with ``read_orlib_cap`` and solved to
optimality (``mip_gap`` 1e-6) with ``design``; the objective is compared with the published
optimum (relative 1e-9 or absolute 1e-3, as the data README says). Generated networks come
from ``supplynet.generate`` (seeded; suppliers -> plants with a bill of materials ->
warehouses with capacity levels -> customers) of growing size, up to 50 candidate warehouses x
2000 customers x 5 finished products; they are solved with the same settings and stop at the
time limit.

Each row gives build seconds (sparse sets, Lagrangian fixing when it applies, Pyomo model),
hand-off seconds (standard-form compile + passModel), HiGHS solve seconds, status, gap, the
branch-and-bound node count and the load average of the machine when the row finished.

    python benchmarks/design_bench.py                  # everything (about 15 minutes)
    python benchmarks/design_bench.py --small          # the 37 small OR-Library problems
    python benchmarks/design_bench.py --large          # capa/capb/capc only
    python benchmarks/design_bench.py --generated      # generated networks only
    python benchmarks/design_bench.py --out table.md   # also write the markdown table there
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import time
from pathlib import Path

import supplynet as sn

ORLIB = Path(__file__).resolve().parents[2] / "shared" / "data" / "orlib"
# (warehouses, customers, finished products); plants 4, suppliers 6, 12 periods, seed 1
GENERATED = [(10, 200, 2), (25, 1000, 3), (50, 2000, 5)]
FIXED = re.compile(r"(\d+) of (\d+) warehouses fixed closed(?:, (\d+) fixed open)?.*\(([\d.]+) s\)")

HEADER = ("| problem | size | capacity | published | objective | match | status | gap | nodes "
          "| build s | (fixing s) | hand-off s | solve s | total s | fixed closed/open | load |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def _fixing(message: str) -> tuple[str, str]:
    m = FIXED.search(message or "")
    if not m:
        return "", ""
    return m.group(4), f"{m.group(1)}/{m.group(3) or 0} of {m.group(2)}"


def _nodes(res) -> str:
    try:
        n = res.solution.highs.getInfo().mip_node_count
    except AttributeError:
        return ""
    return str(n) if n >= 0 else "0 (LP)"


def orlib_rows(which: str, time_limit: float):
    if not (ORLIB / "optima.csv").exists():
        raise SystemExit(f"OR-Library data not found in {ORLIB}")
    with (ORLIB / "optima.csv").open() as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        large = bool(r["capacity"])
        if (which == "small" and large) or (which == "large" and not large):
            continue
        cap = float(r["capacity"]) if large else None
        t0 = time.perf_counter()
        net = sn.read_orlib_cap(ORLIB / r["file"], capacity=cap)
        res = sn.design(net, time_limit=time_limit)
        total = time.perf_counter() - t0
        best = float(r["optimum"])
        ok = res.objective is not None and math.isclose(res.objective, best, rel_tol=1e-9, abs_tol=1e-3)
        m = sum(net.nodes["kind"] == "warehouse")
        n = sum(net.nodes["kind"] == "customer")
        fix_s, fixed = _fixing(res.message)
        obj = f"{res.objective:,.3f}" if res.objective is not None else "-"
        gap = f"{100 * res.gap:.4f} %" if res.gap is not None else "-"
        yield (f"| {r['problem']} | {m}x{n} | {r['capacity'] or 'file'} | {best:,.3f} | {obj} | "
               f"{'yes' if ok else 'NO'} | {res.status} | {gap} | {_nodes(res)} | "
               f"{res.build_seconds:.2f} | {fix_s} | {res.handoff_seconds:.2f} | "
               f"{res.solve_seconds:.2f} | {total:.2f} | {fixed} | {os.getloadavg()[0]:.1f} |")


def generated_rows(time_limit: float):
    for w, c, p in GENERATED:
        t0 = time.perf_counter()
        net = sn.generate(warehouses=w, customers=c, products=p, plants=4, suppliers=6,
                          periods=12, seed=1)
        res = sn.design(net, time_limit=time_limit)
        total = time.perf_counter() - t0
        h = res.solution.highs
        lp = h.getLp()
        ints = sum(1 for t in lp.integrality_ if int(t) != 0) if len(lp.integrality_) else 0
        obj = f"{res.objective:,.0f}" if res.objective is not None else "-"
        gap = f"{100 * res.gap:.4f} %" if res.gap is not None else "-"
        yield (f"| generate {w} wh x {c} cust x {p} prod | {h.getNumCol():,} cols, {ints} int, "
               f"{h.getNumRow():,} rows | levels | - | {obj} | - | {res.status} | {gap} | "
               f"{_nodes(res)} | {res.build_seconds:.2f} | | {res.handoff_seconds:.2f} | "
               f"{res.solve_seconds:.2f} | {total:.2f} | | {os.getloadavg()[0]:.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="the 37 small OR-Library problems")
    ap.add_argument("--large", action="store_true", help="capa/capb/capc")
    ap.add_argument("--generated", action="store_true", help="generated networks")
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve")
    ap.add_argument("--out", type=Path, help="also write the markdown table to this file")
    a = ap.parse_args()
    everything = not (a.small or a.large or a.generated)
    lines = [HEADER]
    print(HEADER, flush=True)

    def emit(rows):
        for row in rows:
            lines.append(row)
            print(row, flush=True)

    if everything or a.small:
        emit(orlib_rows("small", a.time_limit))
    if everything or a.large:
        emit(orlib_rows("large", a.time_limit))
    if everything or a.generated:
        emit(generated_rows(a.time_limit))
    if a.out:
        a.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
