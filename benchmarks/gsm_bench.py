"""Timing of ``supplynet.gsm`` on Willems-like random stage graphs (benchmarks/gsm_generate.py).

Each case is ``kind:stages:arcs[:tree][:lt=N]`` (arcs = mean inbound arcs of a non-source stage;
``tree`` keeps a spanning tree). Results print as a markdown table; ``--append`` adds them to
benchmarks/README.md under the "GSM" heading. Keep one invocation under ~2 minutes.

    python benchmarks/gsm_bench.py mixed:2000:1:tree assembly:300:8 --time-limit 60 --append
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gsm_generate import generate  # noqa: E402

import supplynet as sn  # noqa: E402

HEADER = ("| case | stages | arcs | forest | core stages | method | status | objective | bound | "
          "gap | seconds | notes |\n|---|---|---|---|---|---|---|---|---|---|---|---|")


def parse(case: str) -> dict:
    parts = case.split(":")
    out = {"kind": parts[0], "n": int(parts[1]), "arcs": float(parts[2]), "tree": False,
           "lt_max": 10, "seed": 1}
    for p in parts[3:]:
        if p == "tree":
            out["tree"] = True
        elif p.startswith("lt="):
            out["lt_max"] = int(p[3:])
        elif p.startswith("seed="):
            out["seed"] = int(p[5:])
    return out


def run(case: str, time_limit: float) -> str:
    spec = parse(case)
    g = generate(spec["n"], spec["kind"], spec["arcs"], seed=spec["seed"], tree=spec["tree"],
                 lt_max=spec["lt_max"])
    forest = nx.is_forest(g.to_undirected())
    t0 = time.perf_counter()
    r = sn.gsm(g, compare_policies=False, time_limit=time_limit)
    seconds = time.perf_counter() - t0
    msg = r.message
    found = re.search(r"(\d+) of \d+ stages", msg)
    core = found.group(1) if found else "0"
    method = "DP" if "DP" in msg or "elimination (tree" in msg else "MIP"
    if msg.startswith("bounds closed"):
        method = "bounds"
    notes = msg.split("(")[-1].rstrip(")") if method == "bounds" else msg.split("; ", 1)[-1]
    notes = notes.replace("|", "/")[:110]
    gap = "" if r.gap is None else f"{100 * r.gap:.3f} %"
    bound = "" if r.bound is None else f"{r.bound:,.0f}"
    obj = "" if r.objective is None else f"{r.objective:,.0f}"
    return (f"| {case} | {g.number_of_nodes()} | {g.number_of_edges()} | {'yes' if forest else 'no'} "
            f"| {core} | {method} | {r.status} | {obj} | {bound} | {gap} | {seconds:.1f} | {notes} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="+")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--append", action="store_true", help="append rows to benchmarks/README.md")
    a = ap.parse_args()
    rows = []
    print(HEADER)
    for case in a.cases:
        row = run(case, a.time_limit)
        print(row, flush=True)
        rows.append(row)
    if a.append:
        readme = Path(__file__).resolve().parent / "README.md"
        lines = (readme.read_text() if readme.exists() else "# Benchmarks\n").splitlines()
        if "## GSM" not in lines:
            lines += ["", "## GSM", "", *HEADER.splitlines()]
        head = lines.index("## GSM")
        first = next(i for i in range(head, len(lines)) if lines[i].startswith("| case |"))
        end = first + 2
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        lines[end:end] = rows
        readme.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
