"""The Lagrangian subproblem of the facility-location core (reduce.py, models/design.md).

With the demand rows dualised by ``u`` and the capacity cover by ``τ``, the bound splits into
one continuous knapsack per warehouse (``knapsacks``) and a selection of at least ``k``
warehouses by their Lagrangian costs ``g`` (``select_value``; ``forced_values`` gives it with
each warehouse forced open or closed, all at once from prefix sums).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Core:
    """The facility-location core of a design instance (horizon units, money)."""

    fac: list[str]  # decided warehouses serving customers
    items: list[tuple[str, str]]  # (customer, product) with positive demand
    q: np.ndarray  # demand of each item
    cap: np.ndarray  # throughput capacity of each warehouse
    fixed: np.ndarray  # fixed cost - closing cost (existing warehouses)
    const: float  # Σ closing costs: paid when every existing warehouse closes
    cost: np.ndarray  # (warehouse, item) delivered unit cost, inf where no arc
    source: dict[tuple[int, str], str]  # (warehouse, product) -> cheapest supplier
    k: int  # fewest warehouses able to carry the demand


def knapsacks(core: Core, u: np.ndarray) -> np.ndarray:
    """min Σ_j (c_ij - u_j) x_ij s.t. Σ_j x_ij <= K_i, 0 <= x_ij <= q_j, for every warehouse i."""
    red = core.cost - u[None, :]
    order = np.argsort(red, axis=1)
    r = np.take_along_axis(red, order, axis=1)
    qs = core.q[order]
    before = np.cumsum(qs, axis=1) - qs
    take = np.clip(core.cap[:, None] - before, 0.0, qs)
    use = r < 0  # only items that pay (never a missing arc: its cost is inf)
    return (np.where(use, r, 0.0) * np.where(use, take, 0.0)).sum(axis=1)


def _select_parts(g: np.ndarray):
    """g sorted, each warehouse's position in it, prefix sums of g and of min(g, 0)."""
    order = np.argsort(g, kind="stable")
    pos = np.empty(len(g), dtype=int)
    pos[order] = np.arange(len(g))
    s = g[order]
    P = np.r_[0.0, np.cumsum(s)]
    N = np.r_[0.0, np.cumsum(np.minimum(s, 0.0))]
    return s, pos, P, N


def select_value(g: np.ndarray, k: int) -> float:
    """min Σ_i g_i y_i s.t. Σ_i y_i >= k, y binary."""
    s = np.sort(g)
    return float(s[:k].sum() + np.minimum(s[k:], 0.0).sum())


def forced_values(g: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(value with warehouse i forced open, value with it forced closed), for every i."""
    _s, pos, P, N = _select_parts(g)
    n = len(g)
    ng = np.minimum(g, 0.0)

    def others(kk: np.ndarray) -> np.ndarray:  # best selection of >= kk among the others
        kk = np.clip(kk, 0, n - 1)
        first = np.where(kk <= pos, P[kk], P[np.minimum(kk + 1, n)] - g)
        neg_first = np.where(kk <= pos, N[kk], N[np.minimum(kk + 1, n)] - ng)
        return first + (N[n] - ng) - neg_first

    forced_open = g + others(np.full(n, k - 1))
    # with i closed the others must supply k warehouses: impossible when only n - 1 < k remain
    forced_closed = others(np.full(n, k)) if k <= n - 1 else np.full(n, np.inf)
    return forced_open, forced_closed
