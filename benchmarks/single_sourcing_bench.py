"""Single sourcing: ``design(single_sourcing="customer")`` against the textbook MIP in highspy.

Issue #16, item 3. Each instance is one file in the OR-Library cap format (``m n``; m lines
``capacity fixed_cost``; per customer its demand and m costs of serving its whole demand).
Both ways read the same file, in one run:

* supplynet: ``read_orlib_cap`` then ``design(single_sourcing="customer")`` (build,
  Lagrangian fixing where it applies, hand-off, HiGHS);
* textbook: the single-source capacitated facility location MIP written directly for
  highspy (x_ij binary: customer j served by i; y_i binary: i open)::

      min  Σ_i f_i y_i + Σ_ij c_ij x_ij
      s.t. Σ_i x_ij = 1                (j)
           Σ_j d_j x_ij <= s_i y_i     (i)
           x_ij <= y_i                 (i, j)   the strong linking rows

Instances: the OR-Library cap41..cap134 files of /work/shared/data/orlib (16-50
warehouses x 50 customers; their published optima are for split demand, so only the two
ways are compared), and generated 30 x 200 instances in the manner of Holmberg, Rönnqvist &
Yuan (1999, EJOR 113: 544-559): points uniform in [0, 100]^2, demand d_j uniform in
[5, 35], capacity s_i uniform in [10, 160] scaled so that Σ s / Σ d = ``ratio`` (3, 5,
10), fixed cost f_i uniform in [300, 700], c_ij = 10 · distance · d_j / 100 (the recipe is
ours, seeded; the published Holmberg files are not in this repository).

    python benchmarks/single_sourcing_bench.py                 # orlib + generated
    python benchmarks/single_sourcing_bench.py --generated     # generated only
    python benchmarks/single_sourcing_bench.py --time-limit 60
    python benchmarks/single_sourcing_bench.py --generated --threads 2   # both ways on 2 threads
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import highspy
import numpy as np

import supplynet as sn

ORLIB = Path(__file__).resolve().parents[2] / "shared" / "data" / "orlib"
SMALL = ["cap41", "cap61", "cap71", "cap81", "cap101", "cap111", "cap131"]


def generated(seed: int, m: int = 30, n: int = 200, ratio: float = 5.0) -> str:
    """One Holmberg-type instance in OR-Library cap format (text)."""
    rng = np.random.default_rng(seed)
    fac, cus = rng.uniform(0, 100, (m, 2)), rng.uniform(0, 100, (n, 2))
    d = rng.integers(5, 36, n).astype(float)
    s = rng.uniform(10, 160, m)
    s = np.round(s * ratio * d.sum() / s.sum())
    f = rng.integers(300, 701, m).astype(float)
    dist = np.linalg.norm(fac[:, None, :] - cus[None, :, :], axis=2)
    c = np.round(10.0 * dist * d[None, :] / 100.0, 3)
    lines = [f"{m} {n}"] + [f"{s[i]:.0f} {f[i]:.0f}" for i in range(m)]
    for j in range(n):
        lines.append(f"{d[j]:.0f}")
        lines.append(" ".join(f"{x:.3f}" for x in c[:, j]))
    return "\n".join(lines) + "\n"


def parse(text: str):
    tok = text.split()
    m, n = int(tok[0]), int(tok[1])
    k = 2
    s, f = np.empty(m), np.empty(m)
    for i in range(m):
        s[i], f[i] = float(tok[k]), float(tok[k + 1])
        k += 2
    d, c = np.empty(n), np.empty((m, n))
    for j in range(n):
        d[j] = float(tok[k])
        c[:, j] = [float(x) for x in tok[k + 1:k + 1 + m]]
        k += 1 + m
    return s, f, d, c


def textbook(text: str, time_limit: float, threads: int = 1) -> tuple[float, str, float, float]:
    """(objective, status, gap, seconds) of the textbook MIP in highspy, build included."""
    t0 = time.perf_counter()
    s, f, d, c = parse(text)
    m, n = c.shape
    ny = m
    nx = m * n  # x[i, j] at ny + i * n + j
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.setOptionValue("threads", int(threads))
    cost = np.concatenate([f, c.ravel()])
    lp = highspy.HighsLp()
    lp.num_col_ = ny + nx
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(ny + nx)
    lp.col_upper_ = np.ones(ny + nx)
    rows, cols, vals, lo, up = [], [], [], [], []
    r = 0
    for j in range(n):  # assignment
        for i in range(m):
            rows.append(r), cols.append(ny + i * n + j), vals.append(1.0)
        lo.append(1.0), up.append(1.0)
        r += 1
    for i in range(m):  # capacity
        for j in range(n):
            rows.append(r), cols.append(ny + i * n + j), vals.append(d[j])
        rows.append(r), cols.append(i), vals.append(-s[i])
        lo.append(-np.inf), up.append(0.0)
        r += 1
    for i in range(m):  # strong linking
        for j in range(n):
            rows += [r, r]
            cols += [ny + i * n + j, i]
            vals += [1.0, -1.0]
            lo.append(-np.inf), up.append(0.0)
            r += 1
    from scipy.sparse import csc_matrix

    a = csc_matrix((vals, (rows, cols)), shape=(r, ny + nx))
    lp.num_row_ = r
    lp.row_lower_, lp.row_upper_ = np.array(lo), np.array(up)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * (ny + nx)
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    return info.objective_function_value, status, info.mip_gap, time.perf_counter() - t0


def ours(path: Path, time_limit: float, threads: int = 1) -> tuple[float, str, float, float]:
    t0 = time.perf_counter()
    net = sn.read_orlib_cap(path)
    res = sn.design(net, single_sourcing="customer", time_limit=time_limit, mip_gap=1e-6,
                    threads=threads)
    return res.objective, res.status, res.gap, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generated", action="store_true", help="generated instances only")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve (60)")
    ap.add_argument("--seeds", type=int, default=3, help="generated instances per ratio (3)")
    ap.add_argument("--threads", type=int, default=1, help="HiGHS threads, both ways (1)")
    args = ap.parse_args()
    cases: list[tuple[str, str]] = []
    if not args.generated and ORLIB.is_dir():
        cases += [(name, (ORLIB / f"{name}.txt").read_text()) for name in SMALL
                  if (ORLIB / f"{name}.txt").exists()]
    for ratio in (3.0, 5.0, 10.0):
        for seed in range(args.seeds):
            cases.append((f"hry30x200-r{ratio:g}-s{seed}", generated(seed, ratio=ratio)))
    print("| instance | supplynet objective | status | gap | s | textbook objective | status "
          "| gap | s | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in cases:
            path = Path(tmp) / f"{name}.txt"
            path.write_text(text)
            a = ours(path, args.time_limit, args.threads)
            b = textbook(text, args.time_limit, args.threads)
            print(f"| {name} | {a[0]:,.3f} | {a[1]} | {a[2]:.2e} | {a[3]:.1f} | {b[0]:,.3f} "
                  f"| {b[1]} | {b[2]:.2e} | {b[3]:.1f} | {a[3] / b[3]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
