"""Solve-engine benchmark: supplynet's two ways of building a model against highspy fed arrays.

One multi-period production/distribution LP (plants make products under hour capacity,
ship to warehouses with a one-period lead time, warehouses serve customers from three
warehouses each, stock at plants and warehouses, unmet demand penalised) is generated from
a seed at about 10k, 100k or 1M columns and solved three ways from the same data:

  (a) pure Pyomo: a Pyomo model written as DESIGN.md section 5 says (index tables,
      variables over their tuples, dict data in rules, GC paused) ->
      supplynet.solve.solve_model (LinearStandardFormCompiler -> one highspy passModel) ->
      values read by position;
  (b) highspy: the same matrix assembled with numpy/scipy by index arithmetic and passed to
      highspy directly (the physical limit);
  (c) supplynet arrays (issue #19): one pandas index table per variable family (key columns
      plant/warehouse/customer/product/period), ``supplynet.arrays.add_columns`` per family
      with its costs, ``add_rows`` per constraint family with the row of each term found by
      key (``KeyIndex(rows_table, cols).find(term_table, cols)``), as the plan model does
      (models/planning/arrays.py) -> solve_model -> ``Solution.values`` per family.

All use HiGHS with 1 thread and the interior point solver. Each (size, way) runs in a
fresh subprocess; peak memory is that process's resource.getrusage ru_maxrss ("of it
imports": ru_maxrss once the imports are done). Library imports are done before the clock
starts (about 2 s once per process for (a) and (c), 1 s of it Pyomo resolving its deferred
scipy import, which pulls in scipy.stats).

    python benchmarks/engine_bench.py                         # 10k and 100k
    python benchmarks/engine_bench.py --sizes 1m              # 1M (run alone, load < 1.5)
    python benchmarks/engine_bench.py --sizes 1m --skip-pyomo # 1M without way (a)
    python benchmarks/engine_bench.py --repeat 3              # medians of 3 runs each
    python benchmarks/engine_bench.py --one 100k c            # one run, prints a JSON line
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

# size -> (plants, warehouses, customers, products, periods)
SIZES = {"10k": (2, 4, 20, 2, 52), "100k": (4, 10, 80, 5, 52), "1m": (6, 25, 430, 10, 52)}
PER_CUSTOMER = 3  # warehouses serving each customer


def generate(size: str, seed: int = 1) -> dict:
    P, W, C, K, T = SIZES[size]
    rng = np.random.default_rng(seed)
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(T) / 52)
    demand = rng.uniform(5, 50, size=(C, K))[:, :, None] * season[None, None, :]
    serve = np.array([rng.choice(W, PER_CUSTOMER, replace=False) for _ in range(C)])
    use = rng.uniform(0.5, 2.0, size=(P, K))
    need = (demand.sum(axis=0) * use.mean(axis=0)[:, None]).sum(axis=0)  # hours per period
    cap_p = np.full((P, T), 0.95 * need.mean() / P)  # binds in the high season
    cap_w = np.full((W, T), 1.3 * demand.sum(axis=(0, 1)).max() * PER_CUSTOMER / W)
    return dict(P=P, W=W, C=C, K=K, T=T, demand=demand, serve=serve, use=use, cap_p=cap_p,
                cap_w=cap_w, make_cost=rng.uniform(1, 3, size=(P, K)),
                c1=rng.uniform(0.2, 1.0, size=(P, W)), c2=rng.uniform(0.2, 1.5, size=(C, PER_CUSTOMER)),
                h_p=0.05, h_w=0.08, penalty=40.0, init_w=rng.uniform(0, 20, size=(W, K)))


# ----------------------------------------------------------------------- (a) Pyomo engine
def build_pyomo(g: dict):
    import pyomo.environ as pyo
    from pyomo.common.gc_manager import PauseGC

    P, W, C, K, T = g["P"], g["W"], g["C"], g["K"], g["T"]
    with PauseGC():
        m = pyo.ConcreteModel()
        make_k = [(p, k, t) for p in range(P) for k in range(K) for t in range(T)]
        ship1_k = [(p, w, k, t) for p in range(P) for w in range(W) for k in range(K) for t in range(T)]
        invp_k = make_k
        invw_k = [(w, k, t) for w in range(W) for k in range(K) for t in range(T)]
        serve = g["serve"].tolist()
        ship2_k = [(c, w, k, t) for c in range(C) for w in serve[c] for k in range(K) for t in range(T)]
        unmet_k = [(c, k, t) for c in range(C) for k in range(K) for t in range(T)]
        NN = pyo.NonNegativeReals
        m.make = pyo.Var(make_k, domain=NN)
        m.ship1 = pyo.Var(ship1_k, domain=NN)
        m.inv_p = pyo.Var(invp_k, domain=NN)
        m.inv_w = pyo.Var(invw_k, domain=NN)
        m.ship2 = pyo.Var(ship2_k, domain=NN)
        m.unmet = pyo.Var(unmet_k, domain=NN)
        wh_cust: dict[int, list[int]] = {w: [] for w in range(W)}
        for c in range(C):
            for w in serve[c]:
                wh_cust[w].append(c)
        use = g["use"].tolist()
        dem = g["demand"].tolist()
        init_w = g["init_w"].tolist()
        cap_p, cap_w = g["cap_p"].tolist(), g["cap_w"].tolist()
        make, ship1, ship2, inv_p, inv_w, unmet = m.make, m.ship1, m.ship2, m.inv_p, m.inv_w, m.unmet
        m.plant_balance = pyo.Constraint(invp_k, rule=lambda m, p, k, t: inv_p[p, k, t] == (
            inv_p[p, k, t - 1] if t else 0.0) + make[p, k, t] - pyo.quicksum(
            ship1[p, w, k, t] for w in range(W)))
        m.wh_balance = pyo.Constraint(invw_k, rule=lambda m, w, k, t: inv_w[w, k, t] == (
            inv_w[w, k, t - 1] if t else init_w[w][k]) + (pyo.quicksum(
                ship1[p, w, k, t - 1] for p in range(P)) if t else 0.0) - pyo.quicksum(
            ship2[c, w, k, t] for c in wh_cust[w]))
        m.demand = pyo.Constraint(unmet_k, rule=lambda m, c, k, t: pyo.quicksum(
            ship2[c, w, k, t] for w in serve[c]) + unmet[c, k, t] == dem[c][k][t])
        m.plant_cap = pyo.Constraint([(p, t) for p in range(P) for t in range(T)],
                                     rule=lambda m, p, t: pyo.quicksum(
                                         use[p][k] * make[p, k, t] for k in range(K)) <= cap_p[p][t])
        m.wh_cap = pyo.Constraint([(w, t) for w in range(W) for t in range(T)],
                                  rule=lambda m, w, t: pyo.quicksum(
                                      ship2[c, w, k, t] for c in wh_cust[w] for k in range(K))
                                  <= cap_w[w][t])
        mc, c1, c2 = g["make_cost"].tolist(), g["c1"].tolist(), g["c2"].tolist()
        pos = {(c, w): j for c in range(C) for j, w in enumerate(serve[c])}
        m.cost = pyo.Objective(expr=pyo.quicksum(mc[p][k] * make[i] for i in make_k
                                                 for p, k in [i[:2]])
                               + pyo.quicksum(c1[i[0]][i[1]] * ship1[i] for i in ship1_k)
                               + pyo.quicksum(c2[i[0]][pos[i[:2]]] * ship2[i] for i in ship2_k)
                               + pyo.quicksum(g["h_p"] * inv_p[i] for i in invp_k)
                               + pyo.quicksum(g["h_w"] * inv_w[i] for i in invw_k)
                               + pyo.quicksum(g["penalty"] * unmet[i] for i in unmet_k))
    return m


def run_supplynet(g: dict, build) -> dict:
    """Build with ``build`` (way a or c), solve through supplynet, read every family back."""
    from supplynet.options import SolveOptions
    from supplynet.solve import solve_model

    t0 = time.perf_counter()
    m = build(g)
    t1 = time.perf_counter()
    sol = solve_model(m, SolveOptions(threads=1, highs_options={"solver": "ipm"}))
    t2 = time.perf_counter()
    vals = {name: sol.values(getattr(m, name)) for name in
            ("make", "ship1", "inv_p", "inv_w", "ship2", "unmet")}
    t3 = time.perf_counter()
    ncol = sum(len(v) for v in vals.values())
    return dict(build=t1 - t0, handoff=sol.handoff_seconds, solve=sol.solve_seconds,
                extract=t3 - t2, total=t3 - t0, objective=sol.objective, status=sol.status,
                columns=ncol, rows=len(sol.rows))


# ----------------------------------------------------------------------- (b) raw highspy
def build_arrays(g: dict):
    import scipy.sparse as sp

    P, W, C, K, T = g["P"], g["W"], g["C"], g["K"], g["T"]
    J = PER_CUSTOMER
    n_make, n_s1, n_ip, n_iw, n_s2, n_u = P * K * T, P * W * K * T, P * K * T, W * K * T, C * J * K * T, C * K * T
    o_make, o_s1 = 0, n_make
    o_ip = o_s1 + n_s1
    o_iw = o_ip + n_ip
    o_s2 = o_iw + n_iw
    o_u = o_s2 + n_s2
    n = o_u + n_u
    r_pb, r_wb = 0, P * K * T
    r_d = r_wb + W * K * T
    r_pc = r_d + C * K * T
    r_wc = r_pc + P * T
    m = r_wc + W * T
    rows, cols, vals = [], [], []

    def add(r, c, v):
        rows.append(np.ravel(r))
        cols.append(np.ravel(c))
        vals.append(np.broadcast_to(v, np.shape(r)).ravel().astype(float))

    p, k, t = np.meshgrid(np.arange(P), np.arange(K), np.arange(T), indexing="ij")
    pb = r_pb + (p * K + k) * T + t
    add(pb, o_ip + (p * K + k) * T + t, 1.0)
    add(pb[:, :, 1:], o_ip + (p * K + k)[:, :, 1:] * T + t[:, :, 1:] - 1, -1.0)
    add(pb, o_make + (p * K + k) * T + t, -1.0)
    p4, w4, k4, t4 = np.meshgrid(np.arange(P), np.arange(W), np.arange(K), np.arange(T), indexing="ij")
    s1 = o_s1 + ((p4 * W + w4) * K + k4) * T + t4
    add(r_pb + (p4 * K + k4) * T + t4, s1, 1.0)
    arrive = t4 < T - 1
    add((r_wb + (w4 * K + k4) * T + t4 + 1)[arrive], s1[arrive], -1.0)
    w, k, t = np.meshgrid(np.arange(W), np.arange(K), np.arange(T), indexing="ij")
    wb = r_wb + (w * K + k) * T + t
    add(wb, o_iw + (w * K + k) * T + t, 1.0)
    add(wb[:, :, 1:], o_iw + (w * K + k)[:, :, 1:] * T + t[:, :, 1:] - 1, -1.0)
    c5, j5, k5, t5 = np.meshgrid(np.arange(C), np.arange(J), np.arange(K), np.arange(T), indexing="ij")
    ww = g["serve"][c5, j5]
    s2 = o_s2 + ((c5 * J + j5) * K + k5) * T + t5
    add(r_wb + (ww * K + k5) * T + t5, s2, 1.0)
    add(r_d + (c5 * K + k5) * T + t5, s2, 1.0)
    add(r_wc + ww * T + t5, s2, 1.0)
    c, k, t = np.meshgrid(np.arange(C), np.arange(K), np.arange(T), indexing="ij")
    add(r_d + (c * K + k) * T + t, o_u + (c * K + k) * T + t, 1.0)
    p, k, t = np.meshgrid(np.arange(P), np.arange(K), np.arange(T), indexing="ij")
    add(r_pc + p * T + t, o_make + (p * K + k) * T + t, g["use"][p, k])
    A = sp.csc_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                     shape=(m, n))
    A.sum_duplicates()
    cost = np.concatenate([
        np.repeat(g["make_cost"].ravel(), T), np.repeat(np.repeat(g["c1"].ravel(), K), T),
        np.full(n_ip, g["h_p"]), np.full(n_iw, g["h_w"]),
        np.repeat(np.repeat(g["c2"].ravel(), K), T), np.full(n_u, g["penalty"])])
    lo = np.zeros(m)
    hi = np.zeros(m)
    init = np.zeros((W, K, T))
    init[:, :, 0] = g["init_w"]
    lo[r_wb:r_d] = hi[r_wb:r_d] = init.ravel()
    lo[r_d:r_pc] = hi[r_d:r_pc] = g["demand"].ravel()
    lo[r_pc:] = -np.inf
    hi[r_pc:r_wc] = g["cap_p"].ravel()
    hi[r_wc:] = g["cap_w"].ravel()
    sizes = dict(make=n_make, ship1=n_s1, inv_p=n_ip, inv_w=n_iw, ship2=n_s2, unmet=n_u)
    return A, cost, lo, hi, sizes


def run_highspy(g: dict) -> dict:
    import highspy

    t0 = time.perf_counter()
    A, cost, lo, hi, sizes = build_arrays(g)
    t1 = time.perf_counter()
    h = highspy.Highs()
    for k, v in {"output_flag": False, "threads": 1, "solver": "ipm"}.items():
        h.setOptionValue(k, v)
    n, m = A.shape[1], A.shape[0]
    h.passModel(n, m, A.nnz, 1, 1, 0.0, cost, np.zeros(n), np.full(n, np.inf), lo, hi,
                A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data,
                np.zeros(n, dtype=np.int32))
    t2 = time.perf_counter()
    h.run()
    t3 = time.perf_counter()
    x = np.asarray(h.getSolution().col_value)
    out, start = {}, 0
    for name, size in sizes.items():
        out[name] = x[start:start + size]
        start += size
    t4 = time.perf_counter()
    return dict(build=t1 - t0, handoff=t2 - t1, solve=t3 - t2, extract=t4 - t3, total=t4 - t0,
                objective=h.getInfo().objective_function_value,
                status=h.modelStatusToString(h.getModelStatus()), columns=n, rows=m)


# ----------------------------------------------------------------------- (c) supplynet arrays
def index_tables(g: dict) -> dict[str, pd.DataFrame]:
    """One index table per variable family, key columns named, in the column order of (b);
    cost per row where the family's cost varies."""
    import pandas as pd

    P, W, C, K, T = g["P"], g["W"], g["C"], g["K"], g["T"]

    def grid(**axes: int) -> pd.DataFrame:
        mesh = np.meshgrid(*(np.arange(n) for n in axes.values()), indexing="ij")
        return pd.DataFrame({name: a.ravel() for name, a in zip(axes, mesh, strict=True)})

    make = grid(plant=P, product=K, period=T)
    make["cost"] = g["make_cost"][make["plant"], make["product"]]
    ship1 = grid(plant=P, warehouse=W, product=K, period=T)
    ship1["cost"] = g["c1"][ship1["plant"], ship1["warehouse"]]
    ship2 = grid(customer=C, slot=PER_CUSTOMER, product=K, period=T)
    ship2["warehouse"] = g["serve"][ship2["customer"], ship2["slot"]]
    ship2["cost"] = g["c2"][ship2["customer"], ship2["slot"]]
    unmet = grid(customer=C, product=K, period=T)
    unmet["demand"] = g["demand"][unmet["customer"], unmet["product"], unmet["period"]]
    inv_w = grid(warehouse=W, product=K, period=T)
    inv_w["initial"] = np.where(inv_w["period"] == 0,
                                g["init_w"][inv_w["warehouse"], inv_w["product"]], 0.0)
    return dict(make=make, ship1=ship1, inv_p=grid(plant=P, product=K, period=T), inv_w=inv_w,
                ship2=ship2, unmet=unmet, plant_cap=grid(plant=P, period=T),
                wh_cap=grid(warehouse=W, period=T))


def key_columns(table: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """The key columns of an index table: the family keeps them as columns (no tuples)."""
    return table[cols]


def shifted(table: pd.DataFrame, cols: list[str], by: int) -> pd.DataFrame:
    """table[cols] with the period moved by ``by`` (the key of a neighbouring period)."""
    out = table[cols].copy()
    out["period"] = out["period"].to_numpy() + by
    return out


def build_arrays_model(g: dict):
    """The LP as supplynet.arrays families, rows found by key (KeyIndex), as the models do."""
    import pyomo.environ as pyo
    from pyomo.common.gc_manager import PauseGC

    from supplynet.arrays import KeyIndex, add_columns, add_rows, add_rows_with_terms

    with PauseGC():
        t = index_tables(g)
        m = pyo.ConcreteModel()
        PKT, WKT, CKT = ["plant", "product", "period"], ["warehouse", "product", "period"], \
            ["customer", "product", "period"]
        add_columns(m, "make", key_columns(t["make"], PKT), cost=t["make"]["cost"].to_numpy())
        add_columns(m, "ship1", key_columns(t["ship1"], ["plant", "warehouse", "product", "period"]),
                    cost=t["ship1"]["cost"].to_numpy())
        add_columns(m, "inv_p", key_columns(t["inv_p"], PKT), cost=g["h_p"])
        add_columns(m, "inv_w", key_columns(t["inv_w"], WKT), cost=g["h_w"])
        add_columns(m, "ship2", key_columns(t["ship2"], ["customer", "warehouse", "product", "period"]),
                    cost=t["ship2"]["cost"].to_numpy())
        add_columns(m, "unmet", key_columns(t["unmet"], CKT), cost=g["penalty"])

        def every(name: str) -> np.ndarray:
            return np.arange(len(t[name]), dtype=np.int64)

        # plant stock: inv_p[t] - inv_p[t-1] - make[t] + sum_w ship1[t] = 0
        ip = t["inv_p"]
        rows = KeyIndex(ip, PKT)
        add_rows_with_terms(m, "plant_balance", key_columns(ip, PKT), 0.0, 0.0, [
            (m.inv_p, every("inv_p"), rows.find(ip), 1.0),
            (m.inv_p, every("inv_p"), rows.find(shifted(ip, PKT, 1)), -1.0),
            (m.make, every("make"), rows.find(t["make"]), -1.0),
            (m.ship1, every("ship1"), rows.find(t["ship1"]), 1.0)])
        # warehouse stock: shipments arrive one period later; initial stock on the right
        iw = t["inv_w"]
        rows = KeyIndex(iw, WKT)
        add_rows_with_terms(m, "wh_balance", key_columns(iw, WKT), iw["initial"].to_numpy(),
                            iw["initial"].to_numpy(), [
            (m.inv_w, every("inv_w"), rows.find(iw), 1.0),
            (m.inv_w, every("inv_w"), rows.find(shifted(iw, WKT, 1)), -1.0),
            (m.ship1, every("ship1"), rows.find(shifted(t["ship1"], WKT, 1)), -1.0),
            (m.ship2, every("ship2"), rows.find(t["ship2"]), 1.0)])
        un = t["unmet"]
        rows = KeyIndex(un, CKT)
        add_rows(m, "demand", key_columns(un, CKT), un["demand"].to_numpy(), un["demand"].to_numpy(),
                 [(m.ship2, every("ship2"), rows.find(t["ship2"]), 1.0),
                  (m.unmet, every("unmet"), every("unmet"), 1.0)])
        pc = t["plant_cap"]
        add_rows(m, "plant_cap", key_columns(pc, ["plant", "period"]), -np.inf, g["cap_p"].ravel(),
                 [(m.make, every("make"), KeyIndex(pc, ["plant", "period"]).find(t["make"]),
                   g["use"][t["make"]["plant"], t["make"]["product"]])])
        wc = t["wh_cap"]
        add_rows(m, "wh_cap", key_columns(wc, ["warehouse", "period"]), -np.inf, g["cap_w"].ravel(),
                 [(m.ship2, every("ship2"),
                   KeyIndex(wc, ["warehouse", "period"]).find(t["ship2"]), 1.0)])
    return m


def warm_imports(way: str) -> float:
    """Import what each way needs before timing (a fresh process pays this once)."""
    t0 = time.perf_counter()
    import highspy  # noqa: F401
    import scipy.sparse  # noqa: F401

    if way in ("a", "c"):
        import pyomo.environ  # noqa: F401
        from pyomo.common.dependencies import scipy as pyomo_scipy

        _ = pyomo_scipy.sparse  # resolves Pyomo's deferred scipy import (pulls in scipy.stats)
        import supplynet.solve  # noqa: F401
    if way == "c":
        import pandas  # noqa: F401

        import supplynet.arrays  # noqa: F401
    return time.perf_counter() - t0


RUNS = {"a": lambda g: run_supplynet(g, build_pyomo), "b": run_highspy,
        "c": lambda g: run_supplynet(g, build_arrays_model)}
LABELS = {"b": "(b) highspy arrays", "a": "(a) supplynet, pure Pyomo",
          "c": "(c) supplynet arrays"}


def one(size: str, way: str) -> dict:
    imports = warm_imports(way)
    imports_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    g = generate(size)
    res = RUNS[way](g)
    res.update(size=size, way=way, load=os.getloadavg()[0], imports=imports,
               imports_mb=imports_mb,
               peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
    return res


def median_run(runs: list[dict]) -> dict:
    """The median of each timing and memory figure over repeated runs (others from the first)."""
    out = dict(runs[0])
    for key in ("build", "handoff", "solve", "extract", "total", "peak_mb", "imports_mb", "load"):
        out[key] = float(np.median([r[key] for r in runs]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", default=["10k", "100k"], choices=list(SIZES))
    ap.add_argument("--skip-pyomo", action="store_true",
                    help="leave out way (a), the pure Pyomo model (slow at 1M)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per (size, way); the table shows the medians")
    ap.add_argument("--one", nargs=2, metavar=("SIZE", "WAY"))
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)))
        return
    ways = ("b", "c") if args.skip_pyomo else ("b", "c", "a")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| size | columns | rows | way | build s | hand-off s | solve s | extract s | total s "
          "| peak MB | of it imports MB | objective | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        res = {}
        runs: dict[str, list[dict]] = {way: [] for way in ways}
        for _ in range(args.repeat):  # interleaved, so that a busy spell hits every way
            for way in ways:  # each (size, way) in a fresh process: its own peak memory
                out = subprocess.run([sys.executable, __file__, "--one", size, way], check=True,
                                     capture_output=True, text=True).stdout
                runs[way].append(json.loads(out.strip().splitlines()[-1]))
        for way in ways:
            r = res[way] = median_run(runs[way])
            print(f"| {size} | {r['columns']:,} | {r['rows']:,} | {LABELS[way]} | "
                  f"{r['build']:.2f} | {r['handoff']:.2f} | {r['solve']:.2f} | "
                  f"{r['extract']:.2f} | {r['total']:.2f} | {r['peak_mb']:.0f} | {r['imports_mb']:.0f} | "
                  f"{r['objective']:.6g} | {r['load']:.1f} |", flush=True)
        b = res["b"]
        for way in ways[1:]:
            r = res[way]
            assert abs(r["objective"] - b["objective"]) <= 1e-6 * abs(b["objective"]), \
                f"way {way} solved a different LP"
            print(f"| {size} | | | ratio {way}/b | {r['build'] / max(b['build'], 1e-9):.1f} | "
                  f"{r['handoff'] / max(b['handoff'], 1e-9):.1f} | {r['solve'] / b['solve']:.2f} "
                  f"| | **{r['total'] / b['total']:.2f}** | **{r['peak_mb'] / b['peak_mb']:.2f}** "
                  f"| {(r['peak_mb'] - r['imports_mb']) / (b['peak_mb'] - b['imports_mb']):.2f} "
                  f"above imports | | |", flush=True)


if __name__ == "__main__":
    main()
