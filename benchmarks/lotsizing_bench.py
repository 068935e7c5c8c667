"""Lot-sizing benchmark: plan(setups=True) on Trigeiro-Thomas-McClain instances.

Runs the TTM capacitated lot-sizing instances with setup times that have a published
optimum (TTM files read by ``supplynet.io.ttm.read_ttm``, LotSizingDataModel XML by
``supplynet.io.lsdm.read_lsdm``), under several formulation
settings, each with its own time limit, and prints one markdown table: objective against
the published optimum, the LP bound before and after the (l,S) rounds (and after dropping
the rows slack at the last LP, when the setting does), the (l,S) rows in the MIP, the final
bound, gap, time and branch-and-bound nodes.

Published optima: Belvaux & Wolsey, "bc-prod: a specialized branch-and-cut system for
lot-sizing problems", Management Science 46(5), 2000 (CORE DP 2000-39), instances tr6-30,
tr12-15, tr12-30, tr24-15, tr24-30 = TTM G62, G53, G69, G57, G72; the values and the name
mapping as catalogued in github.com/Lemoine-OR/LotSizingDataModel.Benchmarks,
catalog/TRIGEIRO1989-LITERATURE-SEED-v0.12.0.csv (commit 8f2b0ad). The files are not in
the repository (no licence found): pass ``--data DIR`` or put them under ``ttm/`` in the
shared data folder (``$SUPPLYNET_SHARED_DATA``, ``../shared/data``, ``/work/shared/data``).
G53.DAT and G57.DAT are in github.com/gsamaro/trigeiro_fdata (data/, commit a54b0fb); all
five, as LotSizingDataModel XML, in LotSizingDataModel.Benchmarks,
benchmarks/TRIGEIRO1989/instances/ (e.g. LSDM_TRIGEIRO1989_CLSP_6items_30periods_G62.xml,
commit 4f0dd51).

    python benchmarks/lotsizing_bench.py                        # every file found, all settings
    python benchmarks/lotsizing_bench.py --instances G53 --configs default,no_cuts
    python benchmarks/lotsizing_bench.py --configs default --threads 2   # parallel tree search
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import supplynet as sn
from supplynet.io.lsdm import read_lsdm
from supplynet.io.ttm import read_ttm
from supplynet.models.planning import PlanOptions, build
from supplynet.models.planning import constraints as pc
from supplynet.models.planning.lotsizing import relax, strengthen
from supplynet.options import SolveOptions

# name: (alias, items, periods, published optimum)
PUBLISHED = {
    "G53": ("tr12-15", 12, 15, 74634.0),
    "G57": ("tr24-15", 24, 15, 136509.0),
    "G62": ("tr6-30", 6, 30, 61746.0),
    "G69": ("tr12-30", 12, 30, 130596.0),
    "G72": ("tr24-30", 24, 30, 287929.0),
}
# setting: PlanOptions fields (everything else default)
CONFIGS = {
    "default": {},  # (l,S) rounds to the end, rows slack at the last LP dropped (2026-12-06)
    "keep_slack_cuts": {"lot_sizing_drop_slack_cuts": False},  # the default of 2026-12-05
    "five_rounds": {"lot_sizing_cut_rounds": 5},  # the default before
    "no_cuts": {"lot_sizing_cut_rounds": 0},
    "plain_big_m": {"tight_setup_big_m": False},
}


def data_dir(given: str | None) -> Path:
    if given:
        return Path(given)
    here = Path(__file__).resolve().parents[2] / "shared" / "data"
    for root in (os.environ.get("SUPPLYNET_SHARED_DATA"), here, "/work/shared/data"):
        if root and (Path(root) / "ttm").is_dir():
            return Path(root) / "ttm"
    return here / "ttm"


def find(folder: Path, name: str) -> Path | None:
    """The instance's file in ``folder``: the TTM file (G53.DAT) or the LotSizingDataModel
    XML (LSDM_TRIGEIRO1989_CLSP_<n>items_<T>periods_G53.xml)."""
    for suffix in (".DAT", ".dat", ""):
        if (folder / f"{name}{suffix}").exists():
            return folder / f"{name}{suffix}"
    xml = sorted(folder.glob(f"LSDM_*_{name}.xml"))
    return xml[0] if xml else None


def read_instance(path: Path):
    return read_lsdm(path) if path.suffix.lower() == ".xml" else read_ttm(path)


def lp_bound(net, options: dict) -> tuple[float, int]:
    """(the LP relaxation's bound after the (l,S) rounds the setting runs, and after it drops
    the slack rows (money); the number of (l,S) rows left for the MIP)."""
    o = PlanOptions(setups=True, **options)
    built = build(net, o)
    sol, rows = strengthen(built, o.lot_sizing_cut_rounds, lambda: SolveOptions(),
                           pc.add_ls_cuts, o.lot_sizing_drop_slack_cuts)
    if sol is not None and o.lot_sizing_drop_slack_cuts and rows:
        sol = relax(built.model, SolveOptions())  # the pruned relaxation
    return (float("nan") if sol is None or not sol.has_values else sol.objective), rows


def nodes(res) -> int | None:
    h = getattr(res.solution, "highs", None)
    try:
        return int(h.getInfo().mip_node_count)
    except Exception:  # no HiGHS object kept: not reported
        return None


def run(name: str, path: Path, config: str, time_limit: float, threads: int = 1) -> dict:
    alias, n, T, best = PUBLISHED[name]
    net = read_instance(path)
    opts = CONFIGS[config]
    plain, _ = lp_bound(net, {**opts, "lot_sizing_cut_rounds": 0})
    root, rows = lp_bound(net, opts)
    t0 = time.perf_counter()
    res = sn.plan(net, setups=True, time_limit=time_limit, threads=threads, **opts)
    seconds = time.perf_counter() - t0
    obj = res.objective
    return {"instance": f"{name} ({alias})", "size": f"{n}x{T}", "setting": config,
            "published": best, "objective": obj, "matches": obj is not None and
            abs(obj - best) <= 1e-6 * best, "lp": plain, "lp_ls": root, "rows": rows, "bound": res.bound,
            "gap": res.gap, "status": res.status, "seconds": seconds, "nodes": nodes(res)}


def fmt(x, spec: str) -> str:
    return "–" if x is None or x != x else format(x, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", help="folder of the TTM files (G53.DAT, ...) or their "
                    "LotSizingDataModel XML (LSDM_TRIGEIRO1989_CLSP_12items_15periods_G53.xml)")
    ap.add_argument("--instances", help="comma-separated names (default: every one found)")
    ap.add_argument("--configs", default=",".join(CONFIGS),
                    help=f"comma-separated settings among {', '.join(CONFIGS)}")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    ap.add_argument("--threads", type=int, default=1,
                    help="HiGHS threads of the MIP solve (HiGHS >= 1.15 searches the tree in "
                    "parallel with more than one)")
    a = ap.parse_args()
    folder = data_dir(a.data)
    names = a.instances.split(",") if a.instances else list(PUBLISHED)
    found = {nm: find(folder, nm) for nm in names}
    missing = [nm for nm, p in found.items() if p is None]
    if missing:
        print(f"not found in {folder}: {', '.join(missing)}")
    print("| instance | items×periods | setting | published | objective | = published | "
          "LP bound | LP + (l,S) | (l,S) rows | final bound | gap | status | s | nodes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for nm, p in found.items():
        if p is None:
            continue
        for cfg in a.configs.split(","):
            r = run(nm, p, cfg, a.time_limit, a.threads)
            print(f"| {r['instance']} | {r['size']} | {cfg} | {r['published']:,.0f} | "
                  f"{fmt(r['objective'], ',.0f')} | {'yes' if r['matches'] else 'no'} | "
                  f"{fmt(r['lp'], ',.0f')} | {fmt(r['lp_ls'], ',.0f')} | {r['rows']:,} | "
                  f"{fmt(r['bound'], ',.0f')} | {fmt(None if r['gap'] is None else 100 * r['gap'], '.2f')} % | "
                  f"{r['status']} | {r['seconds']:.1f} | {fmt(r['nodes'], 'd')} |", flush=True)


if __name__ == "__main__":
    main()
