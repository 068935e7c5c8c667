"""Batch solves: N design scenarios serially, in a spawn process pool and on a local Dask cluster.

    python benchmarks/batch_bench.py                 # 200 scenarios, 2 workers
    python benchmarks/batch_bench.py --scenarios 20  # a quick look
    python benchmarks/batch_bench.py --record        # also write benchmarks/README.md

The network is a generated mid-size design instance (6 suppliers, 4 plants, 10 warehouses,
80 customers, 3 finished products, one period), each design taking about 0.5-1 s. Scenarios
are drawn with a fixed seed: demand scaled for a random set of customers, a supplier or
warehouse disrupted, a carbon price, transport costs changed, a candidate warehouse closed.
The design runs in soft mode (unmet demand penalised) so every scenario has a solution.

For each way of running, with P workers, wall time W and the sum S of the seconds each
scenario spent in its worker (apply the patch, build, solve, read the result):

* overhead per scenario = (P x W - S) / N: worker time not spent on a scenario (start-up of
  the processes and their imports, pickling, dispatch, idle tail), amortised over N;
* parallel efficiency = W_serial / (P x W).

The target: overhead below 5 % of a 1 s solve (50 ms per scenario).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import importlib
import logging
import multiprocessing
import os
import platform
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

import supplynet as sn
from supplynet.scenarios.spec import Scenario

SECTION = "Batch solves"
README = Path(__file__).with_name("README.md")


def network() -> sn.Network:
    return sn.generate(suppliers=6, plants=4, warehouses=10, customers=80, products=3, periods=1,
                       seed=7).validate()


def scenarios(net: sn.Network, n: int, seed: int = 0) -> list[Scenario]:
    rng = np.random.default_rng(seed)
    customers = net.nodes_of_kind("customer")
    suppliers = net.nodes_of_kind("supplier")
    warehouses = net.nodes_of_kind("warehouse")
    nodes = net.nodes.set_index("id")
    candidates = [w for w in warehouses if nodes.at[w, "status"] == "candidate"]
    out = []
    for i in range(n):
        kind = i % 5
        name = f"s{i:03d}"
        if kind == 0:
            who = sorted(rng.choice(customers, size=int(rng.integers(5, 30)), replace=False).tolist())
            out.append(Scenario(name, demand={"factor": float(rng.uniform(0.7, 1.4)),
                                              "customer": who}))
        elif kind == 1:
            node = str(rng.choice(suppliers + warehouses))
            out.append(Scenario(name, disrupt={"node": node,
                                               "capacity_factor": float(rng.uniform(0, 0.7))}))
        elif kind == 2:
            out.append(Scenario(name, carbon_price=float(rng.uniform(0, 2))))
        elif kind == 3:
            out.append(Scenario(name, costs={"transport": float(rng.uniform(0.6, 1.8)),
                                             "fixed": float(rng.uniform(0.8, 1.3))}))
        else:
            out.append(Scenario(name, close=[str(rng.choice(candidates))] if candidates else []))
    return out


def measure(label: str, workers: int, run) -> tuple[dict, sn.Runs]:
    t0, epoch0 = time.perf_counter(), time.time()
    runs = run()
    wall = time.perf_counter() - t0
    st = runs.status
    busy = float(pd.to_numeric(st["seconds"]).sum())
    n = len(runs)
    # idle time of a worker between two of its scenarios: result and task (un)pickling, dispatch
    st = st.sort_values(["worker", "started"])
    gaps = (st["started"] - st.groupby("worker")["finished"].shift()).dropna()
    row = {"executor": label, "workers": workers, "scenarios": n, "wall_s": wall,
           "mean_scenario_s": busy / n, "overhead_per_scenario_ms": 1000 * (workers * wall - busy) / n,
           "first_start_s": float(st["started"].min() - epoch0),
           "gap_between_scenarios_ms": 1000 * float(gaps.mean()) if len(gaps) else 0.0,
           "failed": int((runs.status["status"] == "error").sum())}
    print(f"{label:>10}: {wall:7.1f} s wall, {busy / n:.3f} s per scenario in the worker, "
          f"overhead {row['overhead_per_scenario_ms']:.1f} ms per scenario", flush=True)
    return row, runs


def _import_model(_: int) -> None:
    importlib.import_module("supplynet.models.design")


def pool_start_up(workers: int) -> float:
    """Seconds for a spawn pool to start ``workers`` processes that import the design model."""
    t0 = time.perf_counter()
    with cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_import_model, range(workers)))
    return time.perf_counter() - t0


def record(table: pd.DataFrame, text: str) -> None:
    body = f"## {SECTION}\n\n{text}\n"
    old = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^## {SECTION}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda m: body + "\n", old) if pattern.search(old) else \
        old.rstrip("\n") + "\n\n" + body
    README.write_text(new, encoding="utf-8")
    print(f"recorded in {README}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--record", action="store_true", help="write the results to README.md")
    args = ap.parse_args()

    net = network()
    scs = scenarios(net, args.scenarios)
    design = sn.design  # import the model (and pyomo) here, not on the serial clock
    opts = dict(soft=True, mip_gap=1e-4, threads=1)
    common = dict(include_base=False, progress=False)
    load = os.getloadavg()[0]
    print(f"{len(scs)} scenarios, {args.workers} workers, load average {load:.2f}", flush=True)

    rows, results = [], {}
    row, results["serial"] = measure("serial", 1, lambda: sn.solve_many(
        design, net, scs, **common, **opts))
    rows.append(row)
    row, results["processes"] = measure("processes", args.workers, lambda: sn.solve_many(
        design, net, scs, executor=args.workers, **common, **opts))
    rows.append(row)
    if not args.no_dask:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None,
                          silence_logs=logging.CRITICAL) as cluster, \
                Client(cluster) as client:
            client.run(importlib.import_module, "supplynet.models.design")  # a warm cluster
            row, results["dask"] = measure("dask", args.workers, lambda: sn.solve_many(
                design, net, scs, executor=client, **common, **opts))
            rows.append(row)

    start_up = pool_start_up(args.workers)
    print(f"starting {args.workers} spawn processes importing the model: {start_up:.2f} s")
    table = pd.DataFrame(rows)
    serial_wall = table.loc[table["executor"] == "serial", "wall_s"].iat[0]
    table["speed_up"] = serial_wall / table["wall_s"]
    table["efficiency"] = serial_wall / (table["workers"] * table["wall_s"])
    table["overhead_pct_of_1s_solve"] = table["overhead_per_scenario_ms"] / 10
    ref = results["serial"].status.set_index("scenario")["objective"].astype(float)
    worst = 0.0
    for runs in results.values():
        obj = runs.status.set_index("scenario")["objective"].astype(float)
        worst = max(worst, float(((obj - ref).abs() / ref.abs().clip(lower=1)).max()))
    print(table.round(3).to_string(index=False))
    print(f"largest relative difference of an objective to the serial run: {worst:.2e}")

    if args.record:
        shown = table.assign(wall_s=table["wall_s"].round(1),
                             mean_scenario_s=table["mean_scenario_s"].round(3),
                             overhead_per_scenario_ms=table["overhead_per_scenario_ms"].round(1),
                             speed_up=table["speed_up"].round(2),
                             efficiency=table["efficiency"].round(2),
                             overhead_pct_of_1s_solve=table["overhead_pct_of_1s_solve"].round(2),
                             first_start_s=table["first_start_s"].round(2),
                             gap_between_scenarios_ms=table["gap_between_scenarios_ms"].round(1))
        md = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * len(shown.columns)]
        md += ["| " + " | ".join(str(v) for v in r) + " |" for r in shown.itertuples(index=False)]
        text = (f"`python benchmarks/batch_bench.py --record` ({time.strftime('%Y-%m-%d')}, "
                f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load "
                f"average {load:.2f} at the start; supplynet {sn.__version__}): {len(scs)} design "
                f"scenarios of a generated network (6 suppliers, 4 plants, 10 warehouses, 80 "
                f"customers, 3 products; soft mode, mip_gap 1e-4, 1 HiGHS thread per worker).\n\n"
                + "\n".join(md) + "\n\n"
                "overhead per scenario = (workers x wall - sum of in-worker scenario seconds) / "
                "scenarios, which includes starting the processes (spawn, importing pyomo and "
                "supplynet) amortised over the batch; efficiency = serial wall / (workers x wall); "
                "first_start_s = seconds from the call to the first scenario starting in a worker; "
                "gap_between_scenarios_ms = mean idle time of a worker between two of its scenarios "
                "(returning a result, receiving the next scenario); "
                "the Dask cluster (LocalCluster, 1 thread per worker) is started and has imported "
                "the model before the clock, as a long-lived cluster would. Starting "
                f"{args.workers} spawn processes that import the model takes {start_up:.1f} s "
                f"({1000 * start_up / len(scs):.0f} ms per scenario of this batch, inside the "
                "processes' overhead). Objectives agree with the serial run to "
                f"{worst:.1e} (relative). A mean_scenario_s well above the serial one means the "
                "workers shared the 2 cores with other work. Target: overhead below 5 % of a 1 s solve (50 ms).")
        record(table, text)


if __name__ == "__main__":
    main()
