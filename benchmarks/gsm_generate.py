"""Seeded generator of Willems-like random stage graphs for the GSM benchmarks.

Stages sit on ``levels`` echelons (0 = raw parts, levels-1 = customer-facing), shaped like the
real-world chains of Willems (2008): assembly chains have most stages upstream (parts),
distribution chains most downstream (DCs, retail), mixed chains are wide in the middle.
Arcs go from a lower level to a higher one (mostly to the next level, ``skip`` share to any
lower level, which creates undirected cycles of odd length as in real chains). ``tree=True``
keeps only a spanning tree (each assembly stage has one customer, each distribution stage one
supplier). Lead times are whole periods; holding cost = rate x value / 52 (Graves & Willems
2000 use rate x cumulative cost) where a stage's value is its value added plus its share of
its suppliers' values (each supplier's value split evenly over its customers, so values stay
bounded in dense graphs); demand sits at the stages without customers.

Usage: ``python benchmarks/gsm_generate.py 500 mixed --arcs 4 --seed 1 --out g.json``
"""

from __future__ import annotations

import argparse

import networkx as nx
import numpy as np

KINDS = ("assembly", "distribution", "mixed", "serial")


def level_sizes(n: int, levels: int, kind: str) -> list[int]:
    if kind == "serial":
        return [1] * n
    x = np.arange(levels, dtype=float)
    if kind == "assembly":
        w = 2.0 ** (levels - 1 - x)
    elif kind == "distribution":
        w = 2.0 ** x
    else:
        w = 1.0 + np.minimum(x, levels - 1 - x)
    raw = np.maximum(1, np.floor(n * w / w.sum())).astype(int)
    raw[int(np.argmax(w))] += n - raw.sum()
    return raw.tolist()


def generate(n: int = 100, kind: str = "mixed", arcs: float = 2.0, levels: int | None = None,
             seed: int = 0, tree: bool = False, skip: float = 0.2, lt_max: int = 10,
             quoted_max: int = 2, holding_rate: float = 0.25) -> nx.DiGraph:
    """A random acyclic stage graph for ``supplynet.gsm``.

    n: stages; kind: assembly, distribution, mixed or serial; arcs: mean arcs per stage
    (each stage gets 1..2*arcs-1 in assembly/mixed, capped at 8 for realism unless larger);
    levels: echelons (default grows with log n); seed: random seed; tree: spanning tree only;
    skip: share of arcs skipping levels; lt_max: lead times drawn from 1..lt_max periods;
    quoted_max: customer-facing max service times drawn from 0..quoted_max.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    rng = np.random.default_rng(seed)
    if levels is None:  # Willems (2008) chains: parts, manufacturing, transport, DCs, retail
        levels = n if kind == "serial" else int(3 + round(np.log10(max(n, 10))))
    sizes = level_sizes(n, levels, kind)
    levels = len(sizes)
    level_of: list[int] = []
    for lvl, size in enumerate(sizes):
        level_of += [lvl] * size
    ids = [f"s{i:05d}" for i in range(n)]
    by_level = [[i for i in range(n) if level_of[i] == lvl] for lvl in range(levels)]
    g = nx.DiGraph(name=f"{kind}-{n}-a{arcs}-s{seed}{'-tree' if tree else ''}")
    edges: set[tuple[int, int]] = set()
    if kind == "serial":
        edges = {(i, i + 1) for i in range(n - 1)}
    elif tree:
        # assembly-like trees: every stage but the last level has exactly one customer;
        # distribution-like: every stage but level 0 has exactly one supplier.
        down = kind == "assembly" or (kind == "mixed" and rng.random() < 0.5)
        for lvl in range(levels - 1):
            for i in by_level[lvl]:
                if down:
                    edges.add((i, int(rng.choice(by_level[lvl + 1]))))
            for j in by_level[lvl + 1]:
                if not down:
                    edges.add((int(rng.choice(by_level[lvl])), j))
        if down:  # several roots would be fine, but keep every last-level stage fed
            pass
    else:
        hi = max(1, int(round(2 * arcs - 1)))
        for lvl in range(1, levels):
            for j in by_level[lvl]:
                k = int(rng.integers(1, hi + 1))
                for _ in range(k):
                    src_lvl = lvl - 1 if rng.random() >= skip or lvl == 1 else int(rng.integers(0, lvl - 1))
                    edges.add((int(rng.choice(by_level[src_lvl])), j))
        # every non-last stage needs a customer
        has_out = {i for i, _ in edges}
        for lvl in range(levels - 1):
            for i in by_level[lvl]:
                if i not in has_out:
                    edges.add((i, int(rng.choice(by_level[lvl + 1]))))
    # lead times, costs, demand
    T = rng.integers(1, lt_max + 1, size=n)
    added = np.where(np.array(level_of) == 0, rng.uniform(1, 100, n), rng.uniform(0.5, 20, n))
    q = {e: (1.0 if kind == "serial" or rng.random() < 0.8 else float(rng.integers(2, 5)))
         for e in sorted(edges)}
    preds: dict[int, list[int]] = {i: [] for i in range(n)}
    for u, v in edges:
        preds[v].append(u)
    outdeg = np.zeros(n)
    for u, _ in edges:
        outdeg[u] += 1
    cum = np.zeros(n)
    for i in sorted(range(n), key=lambda i: level_of[i]):
        cum[i] = added[i] + sum(q[(u, i)] * cum[u] / outdeg[u] for u in preds[i])
    sinks = {i for i in range(n)} - {u for u, _ in edges}
    for i in range(n):
        attrs = {"lead_time": int(T[i]), "holding_cost": float(holding_rate * cum[i] / 52.0)}
        if i in sinks:
            mu = float(rng.uniform(10, 100))
            attrs.update(demand_mean=mu, demand_std=float(mu * rng.uniform(0.2, 1.0)),
                         service_level=float(rng.choice([0.9, 0.95, 0.98, 0.99])),
                         max_service_time=int(rng.integers(0, quoted_max + 1)))
        g.add_node(ids[i], **attrs)
    for (u, v), qty in q.items():
        g.add_edge(ids[u], ids[v], quantity=qty)
    return g


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("kind", choices=KINDS)
    ap.add_argument("--arcs", type=float, default=2.0)
    ap.add_argument("--levels", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tree", action="store_true")
    ap.add_argument("--lt-max", type=int, default=10)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    from supplynet.models.gsm.io import write_stage_graph

    g = generate(a.n, a.kind, a.arcs, a.levels, a.seed, a.tree, lt_max=a.lt_max)
    print(write_stage_graph(g, a.out), g.number_of_nodes(), "stages", g.number_of_edges(), "arcs")


if __name__ == "__main__":
    main()
