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

from .graph import StageData
from .levels import Levels, exact_rows, level_order_rows


@dataclass
class PairLP:
    """Row and column numbering of the master LP over the levels of ``gsm_levels.Levels``: the x
    levels are columns 0..n_x-1 and their outbound-marginal rows 0..n_x-1, the z levels
    columns and inbound-marginal rows n_x..n_x+n_z-1; exact-inbound rows follow."""

    n_x: int
    n_z: int
    n_rows: int
    r_out: np.ndarray  # outbound-marginal row of every pair (its S level)
    r_in: np.ndarray  # inbound-marginal row of every pair (its SI level)
    A: sp.csc_matrix  # marginal and exact-inbound rows x (x columns, z columns)
    col_lower: np.ndarray  # 1 at each stage's first level, else 0
    row_lower: np.ndarray
    row_upper: np.ndarray
    order_z: np.ndarray  # service-order rows z[k, u] - x[i, v] >= 0: column of z[k, u] (-1:
    order_x: np.ndarray  # none, the row is -x[i, v] >= 0) and of x[i, v], one entry per row


def master_rows(data: StageData, core: np.ndarray, idx) -> PairLP:
    """The rows of the master and the x/z part of its matrix (the w columns come per round)."""
    lev = Levels.of(idx)
    n_x, n_z = len(lev.x_k), len(lev.z_k)
    rows, cols, vals = [], [], []
    # marginal row of level j: sum of its pairs' w - t_j + t_{j+1} (same stage) = 0
    for offset, k in ((0, lev.x_k), (n_x, lev.z_k)):
        j = np.arange(len(k)) + offset
        nxt = j[:-1][~Levels.last(k)[:-1]]
        rows += [j, nxt]
        cols += [j, nxt + 1]
        vals += [-np.ones(len(j)), np.ones(len(nxt))]
    n_rows = n_x + n_z
    lower, upper = [np.zeros(n_rows)], [np.zeros(n_rows)]
    # exact inbound at forced stages of lead time 0: z[k, u] - sum_i x[i, u_i] <= 0
    for _, _, q, ps in exact_rows(data, core, lev):
        rows += [np.full(1 + len(ps), n_rows)]
        cols += [np.array([n_x + q, *ps], dtype=np.int64)]
        vals += [np.r_[1.0, -np.ones(len(ps))]]
        lower.append(np.array([-np.inf]))
        upper.append(np.zeros(1))
        n_rows += 1
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_rows, n_x + n_z))
    col_lower = np.r_[Levels.first(lev.x_k), Levels.first(lev.z_k)].astype(float)
    _, _, _, p, q = level_order_rows(data, core, lev)
    return PairLP(n_x, n_z, n_rows, lev.x_of(idx.pair_k, idx.pair_b),
                  n_x + lev.z_of(idx.pair_k, idx.pair_a), A, col_lower,
                  np.concatenate(lower), np.concatenate(upper),
                  np.where(q >= 0, n_x + q, -1), p)


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
    from ...highs import make_highs

    t_end = None if seconds is None else time.perf_counter() + seconds
    lp = master_rows(data, core, idx)
    r_out, r_in = lp.r_out, lp.r_in
    cost = idx.pair_cost
    h = make_highs(options.replace(time_limit=None, mip_start=None, presolve=False))
    A = lp.A
    nc = lp.n_x + lp.n_z
    h.passModel(nc, lp.n_rows, A.nnz, 1, 1, 0.0, np.zeros(nc), lp.col_lower, np.ones(nc),
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
        has_z = lp.order_z[sel] >= 0
        cols = np.empty(k + int(has_z.sum()), dtype=np.int32)
        vals = np.empty(len(cols))
        zpos = np.cumsum(1 + has_z) - 1 - has_z  # where each row's entries start
        cols[zpos[has_z]], vals[zpos[has_z]] = lp.order_z[sel][has_z], 1.0
        cols[zpos + has_z], vals[zpos + has_z] = lp.order_x[sel], -1.0
        h.addRows(k, np.zeros(k), np.full(k, np.inf), len(cols), zpos.astype(np.int32), cols,
                  vals)
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
        excess = xv[lp.order_x] - np.where(lp.order_z >= 0, xv[np.maximum(lp.order_z, 0)], 0.0)
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
