"""Time supplynet.generate and validation at growing numbers of customers.

    python benchmarks/generate_bench.py
"""

from __future__ import annotations

import time

import supplynet as sn


def main() -> None:
    print("| customers | nodes | lanes | generate s | validate s |")
    print("|---|---|---|---|---|")
    for customers in (1_000, 10_000, 50_000):
        t0 = time.perf_counter()
        net = sn.generate(suppliers=30, plants=12, warehouses=150, customers=customers,
                          products=8, bom_depth=3, seed=1)
        t1 = time.perf_counter()
        problems = net.problems()
        t2 = time.perf_counter()
        assert not problems, problems[:3]
        print(f"| {customers:,} | {len(net.nodes):,} | {len(net.lanes):,} | {t1 - t0:.2f} | {t2 - t1:.2f} |")


if __name__ == "__main__":
    main()
