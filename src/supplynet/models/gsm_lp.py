"""LP relaxation of the GSM pair MIP, by column generation (see models/buffers.md, "Algorithms").

The rows and columns are those of ``gsm_mip.build`` (outbound and inbound marginals, service
order, exact inbound), with x, z and w continuous in [0, 1]. The master is assembled here from
numpy index arithmetic and handed to HiGHS in one ``passModel``, not through Pyomo: it is an
internal bounding step, rebuilt on every solve, and at 10^5-10^6 rows the Pyomo build would
take longer than the LP (the MIP, which users can export, stays in ``gsm_mip``).

Column generation: the master starts from a few pairs per stage (it must hold a feasible
solution's pairs); every round prices all pairs in numpy from the row duals (reduced cost
c_kab - y_out[k, b] - y_in[k, a]) and adds the most negative ones, until none is negative.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from .gsm_graph import StageData
from .gsm_mip import order_rows, value_ranges


@dataclass
class PairLP:
    """Row and column numbering of the master LP of the ``core`` stages."""

    n_x: int
    n_z: int
    n_rows: int
    out_row: np.ndarray  # (n,) first outbound-marginal row of stage k (row of b = 0)
    in_row: np.ndarray  # (n,) first inbound-marginal row of stage k (row of a = ext_k)
    A: sp.csc_matrix  # marginal and exact-inbound rows x (x columns, z columns)
    row_lower: np.ndarray
    row_upper: np.ndarray
    order_z: np.ndarray  # service-order rows z[k, s] - x[i, s] >= 0: column of z[k, s] ...
    order_x: np.ndarray  # ... and of x[i, s], one entry per row


def master_rows(data: StageData, core: np.ndarray) -> PairLP:
    """The rows of the master and the x/z part of its matrix (the w columns come per round)."""
    n = data.n
    ext, s_max, si_max = (data.ext.astype(np.int64), data.s_max.astype(np.int64),
                          data.si_max.astype(np.int64))
    n_out = np.where(core, s_max + 1, 0)
    n_in = np.where(core, si_max - ext + 1, 0)
    n_xk = np.where(core, s_max, 0)
    n_zk = np.where(core, si_max - ext, 0)
    out_row = np.cumsum(n_out) - n_out
    in_row = out_row[-1] + n_out[-1] + np.cumsum(n_in) - n_in if n else np.zeros(0, np.int64)
    x_col = np.cumsum(n_xk) - n_xk
    n_x = int(n_xk.sum())
    z_col = n_x + np.cumsum(n_zk) - n_zk
    n_z = int(n_zk.sum())
    rows, cols, vals = [], [], []
    # outbound marginal (k, b): sum_a w - x[k, b] (b >= 1) + x[k, b+1] (b < s_max) = [b == 0]
    k, s = value_ranges(np.ones(n, np.int64), n_xk)  # x[k, s], s = 1..s_max_k
    xcol = x_col[k] + s - 1
    rows += [out_row[k] + s, out_row[k] + s - 1]
    cols += [xcol, xcol]
    vals += [-np.ones(len(k)), np.ones(len(k))]
    # inbound marginal (k, a): sum_b w - z[k, a] (a > ext) + z[k, a+1] (a < si_max) = [a == ext]
    k, s = value_ranges(ext + 1, np.where(core, si_max, ext))  # z[k, s], s = ext_k+1..si_max_k
    zcol = z_col[k] + s - ext[k] - 1
    rows += [in_row[k] + s - ext[k], in_row[k] + s - ext[k] - 1]
    cols += [zcol, zcol]
    vals += [-np.ones(len(k)), np.ones(len(k))]
    n_rows = int(n_out.sum() + n_in.sum())
    lower = [np.zeros(n_rows)]
    upper = [np.zeros(n_rows)]
    lower[0][out_row[core]] = upper[0][out_row[core]] = 1.0
    lower[0][in_row[core]] = upper[0][in_row[core]] = 1.0
    # service order (i, k, s): z[k, s] - x[i, s] >= 0 for s = ext_k+1..s_max_i (added by lp_bound)
    i, kk, s = order_rows(data, core)
    order_z, order_x = z_col[kk] + s - ext[kk] - 1, x_col[i] + s - 1
    # exact inbound (k, s) at forced stages of lead time 0: z[k, s] - sum_i x[i, s] <= 0
    for kk in np.flatnonzero(data.exact_si & core).tolist():
        for s in range(int(ext[kk]) + 1, int(si_max[kk]) + 1):
            rows.append(np.array([n_rows]))
            cols.append(np.array([z_col[kk] + s - ext[kk] - 1]))
            vals.append(np.ones(1))
            have = [i for i in data.preds[kk] if core[i] and s <= s_max[i]]
            rows.append(np.full(len(have), n_rows))
            cols.append(np.array([x_col[i] + s - 1 for i in have], dtype=np.int64))
            vals.append(-np.ones(len(have)))
            lower.append(np.array([-np.inf]))
            upper.append(np.zeros(1))
            n_rows += 1
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_rows, n_x + n_z))
    return PairLP(n_x, n_z, n_rows, out_row, in_row, A, np.concatenate(lower),
                  np.concatenate(upper), order_z, order_x)


def first_columns(idx, plan: np.ndarray) -> np.ndarray:
    """Mask of the pairs the master starts with: ``plan`` (a feasible solution's pairs) and, for
    every stage and inbound value a, the pairs with S = 0 and with the largest admissible S.
    ``idx`` lists pairs in order of stage, then a (as ``pair_table`` does)."""
    k, a, b = idx.pair_k, idx.pair_a, idx.pair_b
    if not len(k):
        return plan.copy()
    group = np.flatnonzero(np.r_[True, (k[1:] != k[:-1]) | (a[1:] != a[:-1])])
    top = np.repeat(np.maximum.reduceat(b, group), np.diff(np.r_[group, len(k)]))
    return plan | (b == top) | (b == 0)


def lp_bound(data: StageData, core: np.ndarray, idx, start_mask: np.ndarray, options,
             batch: int = 20000, max_rounds: int = 500, seconds: float | None = None,
             lazy_rows: bool = True):
    """LP relaxation of the pair MIP over all pairs of ``idx``, by column (and row) generation.

    Returns (LP value, reduced cost of every pair, LP value of every pair (0 outside the
    master)); when ``seconds`` run out first, (None, None, the pair values of the last master
    solved, or None): not a bound, but still worth rounding. ``start_mask`` marks the first
    columns.
    With ``lazy_rows`` the service-order rows enter when the master's solution violates them
    (most violated first, ``batch`` per round): the marginal rows alone are 10-30 % of the LP,
    and few order rows bind. The loop ends when no pair prices out and no row is violated, so
    the master's optimum is then the LP's, and its duals (0 on absent rows) are feasible for it.
    """
    from ..solve import make_highs

    t_end = None if seconds is None else time.perf_counter() + seconds
    lp = master_rows(data, core)
    r_out = lp.out_row[idx.pair_k] + idx.pair_b
    r_in = lp.in_row[idx.pair_k] + idx.pair_a - data.ext[idx.pair_k]
    cost = idx.pair_cost
    h = make_highs(options.replace(time_limit=None, mip_start=None, presolve=False))
    A = lp.A
    nc = lp.n_x + lp.n_z
    h.passModel(nc, lp.n_rows, A.nnz, 1, 1, 0.0, np.zeros(nc), np.zeros(nc), np.ones(nc),
                lp.row_lower, lp.row_upper, A.indptr.astype(np.int32),
                A.indices.astype(np.int32), A.data.astype(float), np.zeros(nc, np.int32))
    col_of = np.full(len(cost), -1, dtype=np.int64)
    ncols = nc
    absent = np.ones(len(lp.order_z), dtype=bool)

    def add_cols(cand: np.ndarray) -> None:
        nonlocal ncols
        k = len(cand)
        rows = np.empty(2 * k, dtype=np.int32)
        rows[0::2], rows[1::2] = r_out[cand], r_in[cand]
        h.addCols(k, cost[cand], np.zeros(k), np.ones(k), 2 * k,
                  np.arange(0, 2 * k, 2, dtype=np.int32), rows, np.ones(2 * k))
        col_of[cand] = np.arange(ncols, ncols + k)
        ncols += k

    def add_rows(sel: np.ndarray) -> None:
        k = len(sel)
        cols = np.empty(2 * k, dtype=np.int32)
        cols[0::2], cols[1::2] = lp.order_z[sel], lp.order_x[sel]
        vals = np.tile([1.0, -1.0], k)
        h.addRows(k, np.zeros(k), np.full(k, np.inf), 2 * k,
                  np.arange(0, 2 * k, 2, dtype=np.int32), cols, vals)
        absent[sel] = False

    if not lazy_rows:
        add_rows(np.arange(len(lp.order_z)))
    add_cols(np.flatnonzero(start_mask))
    h.setOptionValue("simplex_dual_edge_weight_strategy", 1)
    scale = max(1.0, float(np.abs(cost).max(initial=0.0)))
    w = None

    def pair_values(x: np.ndarray) -> np.ndarray:
        return np.where(col_of >= 0, x[np.maximum(col_of, 0)], 0.0)

    for _ in range(max_rounds):
        if t_end is not None:
            left = t_end - time.perf_counter()
            if left <= 0:
                return None, None, w
            # HiGHS compares its limit with the run time summed over all runs of the object
            h.setOptionValue("time_limit", h.getRunTime() + left)
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
            return None, None, w
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"pair LP ended with {h.modelStatusToString(h.getModelStatus())}")
        sol = h.getSolution()
        y = np.asarray(sol.row_dual)
        d = cost - y[r_out] - y[r_in]
        inside = np.flatnonzero(col_of >= 0)
        dual = np.asarray(sol.col_dual)[col_of[inside]]
        if np.abs(d[inside] - dual).max(initial=0.0) > 1e-6 * scale:
            raise RuntimeError("pair LP: reduced costs do not match the row duals")
        cand = np.flatnonzero((col_of < 0) & (d < -1e-9 * scale))
        xv = np.asarray(sol.col_value)
        w = pair_values(xv)
        excess = xv[lp.order_x] - xv[lp.order_z]
        viol = np.flatnonzero(absent & (excess > 1e-9))
        if not len(cand) and not len(viol):
            break
        if len(cand):
            add_cols(cand[np.argsort(d[cand])[:batch]])
        if len(viol):
            add_rows(viol[np.argsort(-excess[viol])[:batch]])
        # devex dual pricing re-solves 2-6x faster after new rows and a few new columns; after
        # thousands of new columns (dual infeasible start) HiGHS's default choice does better
        h.setOptionValue("simplex_dual_edge_weight_strategy", -1 if len(cand) >= batch // 4 else 1)
    else:
        return None, None, w
    return float(h.getInfo().objective_function_value), d, w
