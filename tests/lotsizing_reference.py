"""Brute force for single-machine capacitated lot sizing with setup times (TTM problem).

Independent of supplynet: every setup pattern is enumerated and its production and stock
LP solved with scipy's linprog; the least total of setup plus holding cost is the optimum.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog


def brute_force(b, h, st, sc, d, cap, initial=None) -> float:
    """Least setup + holding cost over every setup pattern (inf if none is feasible).

    ``b, h, st, sc``: per item time per unit, holding cost, setup time, setup cost;
    ``d[t][i]``: demand; ``cap``: capacity per period (one number, or one per period);
    ``initial``: stock of each item at the start (None = 0).
    """
    T, n = len(d), len(b)
    caps = [cap] * T if np.isscalar(cap) else list(cap)
    s0 = [0.0] * n if initial is None else list(initial)
    nv = 2 * n * T  # x[i,t] at i*T + t, s[i,t] at n*T + i*T + t
    best = float("inf")
    for y in itertools.product((0, 1), repeat=n * T):
        cost = np.zeros(nv)
        A_eq, b_eq, A_ub, b_ub = [], [], [], []
        for i in range(n):
            cost[n * T + i * T:n * T + (i + 1) * T] = h[i]
            for t in range(T):  # s[i,t-1] + x[i,t] - s[i,t] = d[t][i]  (s[i,0] = initial)
                row = np.zeros(nv)
                row[i * T + t], row[n * T + i * T + t] = 1.0, -1.0
                if t:
                    row[n * T + i * T + t - 1] = 1.0
                A_eq.append(row)
                b_eq.append(d[t][i] - (s0[i] if t == 0 else 0.0))
        for t in range(T):  # sum_i b_i x[i,t] <= cap_t - sum_i st_i y[i,t]
            row = np.zeros(nv)
            for i in range(n):
                row[i * T + t] = b[i]
            A_ub.append(row)
            b_ub.append(caps[t] - sum(st[i] * y[i * T + t] for i in range(n)))
        bounds = [(0, None if y[k] else 0.0) for k in range(n * T)] + [(0, None)] * (n * T)
        r = linprog(cost, A_ub=np.array(A_ub), b_ub=b_ub, A_eq=np.array(A_eq), b_eq=b_eq,
                    bounds=bounds, method="highs")
        if r.status == 0:
            setup = sum(sc[i] * y[i * T + t] for i in range(n) for t in range(T))
            best = min(best, r.fun + setup)
    return best
