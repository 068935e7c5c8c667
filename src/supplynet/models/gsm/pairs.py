"""The service-time pairs of the GSM pair model (see models/buffers.md, "Algorithms").

A pair (k, a, b) is an admissible (inbound SI_k = a, outbound S_k = b) of stage k with its cost
h_k z_sigma_k sqrt(a + T_k - b) [money per period]. ``pair_table`` lists them (numpy, by stage,
then a, then b), ``count_pairs`` counts them before any memory is spent, ``narrowed`` and
``tightened`` cut the stage bounds down to what the pairs left (or free stages) allow. The
MIP (``mip``), the LP (``lp``) and the Lagrangian (``lagrange``) are all declared over them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .graph import UNBOUNDED, StageData


@dataclass
class MipIndex:
    """The pairs the w variables are declared over (numpy, in declaration order: by stage, then
    a, then b); the thermometer levels follow from them (``Levels.of``)."""

    pair_k: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray
    pair_cost: np.ndarray

    def subset(self, mask: np.ndarray) -> MipIndex:
        """The same index with only the pairs where ``mask`` is True."""
        return MipIndex(self.pair_k[mask], self.pair_a[mask], self.pair_b[mask],
                        self.pair_cost[mask])


def pair_table(data: StageData, core: np.ndarray | None = None, uS: dict | None = None,
               uSI: dict | None = None) -> MipIndex:
    """Admissible (stage, SI value a, S value b) pairs of the ``core`` stages and their cost.

    cost = h_k z_sigma_k sqrt(a + T_k - b) + uSI_k(a) + uS_k(b) [money per period]; pairs whose
    unary cost is infinite (no admissible value of an eliminated neighbour) are left out.
    """
    core = np.ones(data.n, dtype=bool) if core is None else core
    uS, uSI = uS or {}, uSI or {}
    ks, as_, bs, cs = [], [], [], []
    for k in np.flatnonzero(core).tolist():
        a, b, cost = stage_pairs(data, k, uS.get(k), uSI.get(k))
        ks.append(np.full(len(a), k, dtype=np.int32))
        as_.append(a.astype(np.int32))  # compact before stacking: half the peak memory
        bs.append(b.astype(np.int32))
        cs.append(cost)
    return MipIndex(*stacked(ks, as_, bs, cs))


def stacked(ks: list, as_: list, bs: list, cs: list) -> tuple[np.ndarray, ...]:
    """(pair_k, pair_a, pair_b, pair_cost) from per-stage pieces (empty arrays if none); stages
    and service times in 32 bits: 20 bytes a pair, for tables of tens of millions."""
    def cat(parts: list, dtype) -> np.ndarray:
        if not parts:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([np.asarray(p).astype(dtype, copy=False) for p in parts])

    return cat(ks, np.int32), cat(as_, np.int32), cat(bs, np.int32), cat(cs, float)


def stage_pairs(data: StageData, k: int, uS: np.ndarray | None = None,
                uSI: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, cost) of the admissible pairs of stage k, in order of a then b (see pair_table)."""
    a = np.arange(int(data.ext[k]), int(data.si_max[k]) + 1)
    b = np.arange(0, int(data.s_max[k]) + 1)
    A, B = np.meshgrid(a, b, indexing="ij")
    tau = A + data.T[k] - B
    ok = tau >= data.tau_min[k]
    if data.tau_zero[k]:
        ok &= tau == 0
    cost = data.cost_coef[k] * np.sqrt(np.maximum(tau, 0)).astype(float)
    if uSI is not None:
        cost = cost + uSI[a][:, None]
    if uS is not None:
        cost = cost + uS[b][None, :]
    ok &= np.isfinite(cost)
    return A[ok], B[ok], cost[ok]


def count_pairs(data: StageData, core: np.ndarray) -> int:
    """Number of admissible pairs ``pair_table`` would list for the ``core`` stages (before
    unary costs), computed without listing them: the size check before any memory is spent."""
    total = 0
    for k in np.flatnonzero(core).tolist():
        a = np.arange(int(data.ext[k]), int(data.si_max[k]) + 1)
        top = np.minimum(int(data.s_max[k]), a + int(data.T[k]) - int(data.tau_min[k]))
        if data.tau_zero[k]:
            total += int(np.count_nonzero((top >= 0) & (a + data.T[k] <= data.s_max[k])))
        else:
            total += int(np.maximum(top + 1, 0).sum())
    return total


def tightened(data: StageData, core: np.ndarray, free: list) -> StageData:
    """Bounds of the core stages recomputed with free stages quoting S = 0 (smaller domains)."""
    s_max, si_max = data.s_max.copy(), data.si_max.copy()
    is_free = np.zeros(data.n, dtype=bool)
    is_free[free] = True
    for k in range(data.n):
        if not core[k]:
            continue
        si_max[k] = max([int(data.ext[k])] + [0 if is_free[i] else int(s_max[i])
                                               for i in data.preds[k]])
        top = si_max[k] + data.T[k] - data.tau_min[k]
        s_max[k] = max(0, top if data.quoted[k] == UNBOUNDED else min(top, data.quoted[k]))
    return replace(data, s_max=s_max, si_max=si_max)


def narrowed(data: StageData, core: np.ndarray, idx: MipIndex) -> tuple[StageData, MipIndex]:
    """Bounds and pairs of the ``core`` stages cut down to what the pairs of ``idx`` allow, for
    the LP and MIP after fixing: si_max_k = the largest kept SI_k, s_max_i = the largest kept
    S_i but at most si_max_k of every core customer k (S_i <= SI_k), and the pairs above
    that dropped (no plan of kept pairs uses them); si_max_k >= s_max_i stays true on every
    arc between core stages (the only ones the LP and MIP read)."""
    top_a = np.zeros(data.n, dtype=np.int64)
    top_b = np.zeros(data.n, dtype=np.int64)
    k = idx.pair_k
    if len(k) and (k[1:] >= k[:-1]).all():  # grouped by stage (pair_table): per group
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        top_a[k[starts]] = np.maximum.reduceat(idx.pair_a, starts)
        top_b[k[starts]] = np.maximum.reduceat(idx.pair_b, starts)
    else:  # ufunc.at: about 10x slower, seconds on millions of pairs
        np.maximum.at(top_a, k, idx.pair_a)
        np.maximum.at(top_b, k, idx.pair_b)
    si_max = np.where(core, np.maximum(top_a, data.ext), data.si_max)
    s_max = np.where(core, top_b, data.s_max)
    if len(data.arcs):
        arcs = data.arcs[core[data.arcs[:, 0]] & core[data.arcs[:, 1]]]
        np.minimum.at(s_max, arcs[:, 0], si_max[arcs[:, 1]])
    out = replace(data, s_max=s_max.astype(data.s_max.dtype), si_max=si_max.astype(data.si_max.dtype))
    mask = idx.pair_b <= s_max[idx.pair_k]
    return out, idx.subset(mask)
