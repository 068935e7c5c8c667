"""Planning LP side by side: sn.plan against HiGHS fed the same matrix (issue #16 item 4, #19).

For each case, in one process:

(a) ``sn.plan(net, include_candidates=True, threads=1, engine=...)`` end to end, once per
    model engine (``"pyomo"``: every family a Pyomo component; ``"arrays"``: the largest
    families as supplynet.arrays, issue #19), with the Result's build, hand-off (compile +
    passModel) and solve seconds; the two must reach the same objective;
(b) the same LP matrix, taken from supplynet's compiled model (``solve.compile_model`` on
    the built model, saved as .npz outside the timing) and fed to a fresh ``highspy.Highs``
    with the options ``plan`` uses (IPM, presolve on, 1 thread); only passModel + run timed;
(c) HiGHS alone on that matrix with other settings (crossover off, presolve off, dual
    simplex), each under a time limit so the whole run stays within about 15 minutes.

Instances: ``sn.generate(customers, products, plants, warehouses, periods, seed=3)`` with
candidate facilities used. The ratio total(a) / total(b) says how much of the plan's time
is ours (build, compile, hand-off, extraction) rather than the LP's. One-off imports and
first-call costs are paid before the clock by a plan of a tiny instance with each engine.

    python benchmarks/plan_lp_bench.py                 # both cases, all settings
    python benchmarks/plan_lp_bench.py --no-variants   # (a) and (b) only
    python benchmarks/plan_lp_bench.py --cases 1 --no-variants   # 100 x 6 x 52 only
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import highspy
import numpy as np

import supplynet as sn
from supplynet.models.planning import PlanOptions, build
from supplynet.solve import compile_model

# (customers, finished products, plants, warehouses, periods)
CASES = [(400, 8, 6, 12, 26), (100, 6, 6, 10, 52)]
# what make_highs sets for plan's LP (solve.py; plan() adds solver=ipm for LPs)
PLAN_SETTINGS = {"output_flag": False, "log_to_console": False, "mip_rel_gap": 1e-6,
                 "threads": 1, "random_seed": 0, "presolve": "on", "solver": "ipm"}
VARIANTS = {
    "ipm, crossover off": {"run_crossover": "off"},
    "ipm, presolve off": {"presolve": "off"},
    "dual simplex": {"solver": "simplex"},
}
VARIANT_LIMIT = 150.0  # seconds per variant solve


def save_matrix(net, path: str) -> dict:
    """Build and compile the plan LP exactly as plan() does, and save its arrays (.npz)."""
    cm = compile_model(build(net, PlanOptions(include_candidates=True)).model)
    A = cm.A
    np.savez(path, cost=cm.cost, offset=cm.offset, col_lower=cm.col_lower,
             col_upper=cm.col_upper, row_lower=cm.row_lower, row_upper=cm.row_upper,
             start=A.indptr.astype(np.int32), index=A.indices.astype(np.int32),
             value=A.data.astype(float))
    return {"columns": len(cm.columns), "rows": len(cm.rows), "nonzeros": int(A.nnz)}


def highs_on(path: str, settings: dict, time_limit: float | None = None) -> dict:
    """A fresh Highs on the saved arrays; passModel + run timed."""
    z = np.load(path)
    n, m = len(z["cost"]), len(z["row_lower"])
    h = highspy.Highs()
    for k, v in {**PLAN_SETTINGS, **settings}.items():
        h.setOptionValue(k, v)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    t0 = time.perf_counter()
    h.passModel(n, m, len(z["value"]), 1, 1, float(z["offset"]), z["cost"], z["col_lower"],
                z["col_upper"], z["row_lower"], z["row_upper"], z["start"], z["index"],
                z["value"], np.zeros(n, dtype=np.int32))
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    info = h.getInfo()
    return {"handoff": t1 - t0, "solve": t2 - t1, "total": t2 - t0,
            "objective": info.objective_function_value,
            "status": h.modelStatusToString(h.getModelStatus()),
            "ipm_it": info.ipm_iteration_count, "crossover_it": info.crossover_iteration_count,
            "simplex_it": info.simplex_iteration_count}


def presolved_size(path: str) -> tuple[int, int, float]:
    """(columns, rows, seconds) of the LP after HiGHS's presolve (not timed elsewhere)."""
    z = np.load(path)
    n, m = len(z["cost"]), len(z["row_lower"])
    h = highspy.Highs()
    for k, v in PLAN_SETTINGS.items():
        h.setOptionValue(k, v)
    h.passModel(n, m, len(z["value"]), 1, 1, float(z["offset"]), z["cost"], z["col_lower"],
                z["col_upper"], z["row_lower"], z["row_upper"], z["start"], z["index"],
                z["value"], np.zeros(n, dtype=np.int32))
    t0 = time.perf_counter()
    h.presolve()
    lp = h.getPresolvedLp()
    return lp.num_col_, lp.num_row_, time.perf_counter() - t0


ENGINES = ("pyomo", "arrays")


def warm_up() -> None:
    """Pay one-off imports and first-call costs (Pyomo's deferred scipy import) untimed."""
    tiny = sn.generate(customers=3, products=1, plants=1, warehouses=1, periods=3, seed=1)
    for engine in ENGINES:
        sn.plan(tiny, threads=1, engine=engine)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-variants", action="store_true")
    ap.add_argument("--cases", type=int, nargs="*", help="indices into CASES (default: all)")
    args = ap.parse_args()
    cases = [CASES[i] for i in args.cases] if args.cases else CASES
    tmp = tempfile.mkdtemp(prefix="plan_lp_bench_")
    print(f"load average before: {os.getloadavg()[0]:.2f}; HiGHS {highspy.Highs().version()}")
    warm_up()
    print("| case | columns | rows | nonzeros | presolved cols × rows | run | build s | hand-off s "
          "| solve s | total s | objective | IPM it | crossover it |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c, p, pl, wh, T in cases:
        label = f"{c} × {p} × {T}"
        net = sn.generate(customers=c, products=p, plants=pl, warehouses=wh, periods=T, seed=3)
        path = os.path.join(tmp, f"plan_{c}_{p}_{T}.npz")
        size = save_matrix(net, path)
        pc, pr, _ps = presolved_size(path)
        sz = f"{size['columns']:,} | {size['rows']:,} | {size['nonzeros']:,} | {pc:,} × {pr:,}"
        totals = {}
        for k, engine in enumerate(ENGINES):
            t0 = time.perf_counter()
            res = sn.plan(net, include_candidates=True, threads=1, engine=engine)
            wall = time.perf_counter() - t0
            ta = res.build_seconds + res.handoff_seconds + res.solve_seconds
            totals[engine] = (ta, wall, res.objective)
            print(f"| {label} | {sz if k == 0 else ' | | | '} | (a) sn.plan, engine={engine} | "
                  f"{res.build_seconds:.2f} | {res.handoff_seconds:.2f} | "
                  f"{res.solve_seconds:.2f} | {ta:.2f} (wall {wall:.2f}) "
                  f"| {res.objective:.8g} | | |", flush=True)
            del res
        b = highs_on(path, {})
        print(f"| {label} | | | | | (b) highspy, same matrix and options | | {b['handoff']:.2f} | "
              f"{b['solve']:.2f} | {b['total']:.2f} | {b['objective']:.8g} | {b['ipm_it']} | "
              f"{b['crossover_it']} |", flush=True)
        for engine, (ta, wall, obj) in totals.items():
            assert abs(obj - b["objective"]) <= 1e-6 * abs(b["objective"]), "different LPs"
            print(f"| {label} | | | | | **ratio (a) {engine} / (b)** | | | | "
                  f"**{ta / b['total']:.2f}** (wall {wall / b['total']:.2f}) | | | |", flush=True)
        if args.no_variants or (c, p, T) != CASES[0][:2] + CASES[0][4:]:
            continue
        for name, settings in VARIANTS.items():
            v = highs_on(path, settings, VARIANT_LIMIT)
            obj = f"{v['objective']:.8g}" if v["status"] == "Optimal" else v["status"]
            print(f"| {label} | | | | | (c) highspy, {name} | | {v['handoff']:.2f} | "
                  f"{v['solve']:.2f} | {v['total']:.2f} | {obj} | {v['ipm_it']} | "
                  f"{v['crossover_it']} / simplex {v['simplex_it']} |", flush=True)


if __name__ == "__main__":
    main()
