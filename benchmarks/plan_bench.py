"""Planning benchmark: sn.plan on generated instances of 52 weekly periods.

Instances come from ``supplynet.generate`` (seeded) with growing numbers of customers and
finished products; candidate facilities are used (``include_candidates=True``) so the
whole generated network is available. The MIP runs add a setup cost and a setup time to
every production option (the generator has none) and stop at a 1 % gap or 60 s.
Each run prints build, hand-off (compile + passModel) and solve seconds.

    python benchmarks/plan_bench.py            # the table in benchmarks/README.md
    python benchmarks/plan_bench.py --quick    # the two smallest LP cases only
"""

from __future__ import annotations

import argparse
import time

import pyomo.environ as pyo

import supplynet as sn
from supplynet.models.planning import PlanOptions, build

# (customers, finished products, plants, warehouses, MIP too)
CASES = [(20, 2, 4, 6, True), (50, 3, 4, 8, True), (100, 6, 6, 10, False)]


def instance(customers: int, products: int, plants: int, warehouses: int, setups: bool):
    net = sn.generate(customers=customers, products=products, plants=plants,
                      warehouses=warehouses, periods=52, seed=3)
    if setups:
        prod = net.production.copy()
        hours = net.nodes.set_index("id")["capacity"]
        prod["setup_cost"] = 50.0 * prod["cost"].clip(lower=1.0)
        prod["setup_time"] = [0.02 * hours[p] for p in prod["plant"].tolist()]
        net.set_table("production", prod)
    return net


def size_of(net, setups: bool) -> tuple[int, int, int]:
    m = build(net, PlanOptions(setups=setups, include_candidates=True)).model
    cols = sum(len(v) for v in m.component_objects(pyo.Var))
    ints = len(m.setup)
    rows = sum(len(c) for c in m.component_objects(pyo.Constraint))
    return cols, rows, ints


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cases = CASES[:2] if args.quick else CASES
    print("| customers | products (all) | model | columns | integer | rows | build s | hand-off s "
          "| solve s | total s | status | gap |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c, p, pl, wh, mip in cases:
        for setups in ((False, True) if mip and not args.quick else (False,)):
            net = instance(c, p, pl, wh, setups)
            cols, rows, ints = size_of(net, setups)
            t0 = time.perf_counter()
            res = sn.plan(net, setups=setups, include_candidates=True, threads=1,
                          time_limit=60 if setups else None, mip_gap=0.01 if setups else 1e-6)
            total = time.perf_counter() - t0
            gap = "" if res.gap is None else f"{100 * res.gap:.2f} %"
            print(f"| {c} | {p} ({len(net.products)}) | {'MIP' if setups else 'LP'} | {cols:,} | "
                  f"{ints:,} | {rows:,} | {res.build_seconds:.2f} | {res.handoff_seconds:.2f} | "
                  f"{res.solve_seconds:.2f} | {total:.2f} | {res.status} | {gap} |", flush=True)


if __name__ == "__main__":
    main()
