"""Fixed overhead of a small model after imports (issue #19: juice-size under 0.1 s).

Each sequence runs in a fresh process: ``import supplynet`` (timed; its names are resolved
lazily), read instances/juice, the first access of ``sn.plan`` and ``sn.design`` (which
imports the model modules, Pyomo, highspy, scipy), then ``sn.plan(net)`` twice with each
engine and ``sn.design(net)`` twice with each engine, reporting the Result's build_seconds
(sets + model), handoff_seconds (compile + passModel) and solve_seconds of every call, and
its wall clock (wall − solve: validation, sets, build, hand-off, the result tables).
The sequences differ only in what comes first:

  arrays first   plan(arrays) x2, plan(pyomo) x2, design(arrays) x2, design(pyomo) x2;
  pyomo first    the same with the engines swapped;
  warm imports   as "arrays first", with Pyomo's deferred scipy import (scipy.sparse, which
                 pulls in scipy.stats; the standard-form compiler needs it) resolved before
                 the first call, i.e. the overhead once every import is paid.

The first call of a process carries what is paid once (deferred imports, first-use caches);
the second call is the overhead a batch of small solves pays each time.

    python benchmarks/overhead_bench.py            # all three sequences
    python benchmarks/overhead_bench.py --one arrays-first   # one sequence, JSON lines
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

INSTANCE = Path(__file__).resolve().parents[1] / "instances" / "juice"
SEQUENCES = {
    "arrays-first": ("arrays", "pyomo", False),
    "pyomo-first": ("pyomo", "arrays", False),
    "warm-imports": ("arrays", "pyomo", True),
}


def run_sequence(name: str) -> list[dict]:
    first, second, warm = SEQUENCES[name]
    t0 = time.perf_counter()
    import supplynet as sn

    out = [dict(step="import supplynet", seconds=time.perf_counter() - t0)]
    if warm:
        t0 = time.perf_counter()
        from pyomo.common.dependencies import scipy as pyomo_scipy

        _ = pyomo_scipy.sparse
        out.append(dict(step="Pyomo's deferred scipy import", seconds=time.perf_counter() - t0))
    t0 = time.perf_counter()
    net = sn.read(INSTANCE)
    out.append(dict(step="read instances/juice", seconds=time.perf_counter() - t0))
    t0 = time.perf_counter()
    models = (("plan", sn.plan), ("design", sn.design))  # supplynet resolves names lazily
    out.append(dict(step="first access of sn.plan, sn.design (imports Pyomo, highspy)",
                    seconds=time.perf_counter() - t0))
    for model, solve in models:
        for engine in (first, second):
            for call in (1, 2):
                t0 = time.perf_counter()
                res = solve(net, threads=1, engine=engine)
                wall = time.perf_counter() - t0
                n_cols = len(res.solution.columns) if res.solution is not None else 0
                out.append(dict(step=model, engine=engine, call=call,
                                build=res.build_seconds, handoff=res.handoff_seconds,
                                solve=res.solve_seconds, wall=wall, status=res.status,
                                objective=res.objective, columns=n_cols))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--one", choices=list(SEQUENCES))
    args = ap.parse_args()
    if args.one:
        for row in run_sequence(args.one):
            print(json.dumps(row))
        return
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| process | step | engine | call | columns | build s | hand-off s | build + hand-off s "
          "| solve s | wall s | wall − solve s | objective |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    objectives: dict[str, set] = {}
    for name in SEQUENCES:
        out = subprocess.run([sys.executable, __file__, "--one", name], check=True,
                             capture_output=True, text=True).stdout
        for line in out.strip().splitlines():
            if not line.startswith("{"):
                continue  # HiGHS's banner
            r = json.loads(line)
            if "engine" not in r:
                print(f"| {name} | {r['step']} | | | | | | | | {r['seconds']:.2f} | | |")
                continue
            objectives.setdefault(r["step"], set()).add(round(r["objective"], 4))
            print(f"| {name} | {r['step']} | {r['engine']} | {r['call']} | {r['columns']:,} | "
                  f"{r['build']:.3f} | {r['handoff']:.3f} | {r['build'] + r['handoff']:.3f} | "
                  f"{r['solve']:.3f} | {r['wall']:.3f} | {r['wall'] - r['solve']:.3f} | "
                  f"{r['objective']:.8g} |", flush=True)
    for step, objs in objectives.items():
        # the same model must give the same optimum whichever engine built it (MIP at its gap)
        print(f"{step}: objectives {sorted(objs)}")


if __name__ == "__main__":
    main()
