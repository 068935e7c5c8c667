"""Thermometer levels and service-order rows of the GSM pair model: the index arithmetic that
the MIP (``gsm_mip``), the LP (``gsm_lp``) and the Lagrangian (``gsm_lagrange``) share (see
models/buffers.md, "Exact MIP" and "Levels instead of every value").

- ``Levels``: per stage, the values of S_k and of SI_k that its pairs use;
- ``level_order_rows``, ``exact_rows``: the service-order and exact-inbound rows on the levels;
- ``order_rows``: the service-order rows over whole value ranges (the rows the Lagrangian
  dualizes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graph import StageData
from .pairs import MipIndex


@dataclass
class Levels:
    """Thermometer levels of the pair MIP: per core stage, the values of S_k (``x_k``, ``x_v``)
    and of SI_k (``z_k``, ``z_v``) that its pairs use, in order of stage, then value. x[k, v]
    is 1 if S_k >= v; at the smallest value of a stage it is 1 (a variable fixed by its
    bounds), so every row keeps one form. Values no pair uses need no level: their thermometer
    would equal the next level's."""

    x_k: np.ndarray
    x_v: np.ndarray
    z_k: np.ndarray
    z_v: np.ndarray

    @staticmethod
    def of(idx: MipIndex) -> Levels:
        x_k, x_v = _used_values(idx.pair_k, idx.pair_b)
        z_k, z_v = _used_values(idx.pair_k, idx.pair_a)
        return Levels(x_k, x_v, z_k, z_v)

    @property
    def x_index(self) -> list[tuple[int, int]]:
        return list(zip(self.x_k.tolist(), self.x_v.tolist(), strict=True))

    @property
    def z_index(self) -> list[tuple[int, int]]:
        return list(zip(self.z_k.tolist(), self.z_v.tolist(), strict=True))

    @staticmethod
    def first(k: np.ndarray) -> np.ndarray:
        """Mask of each stage's first (smallest) level in a list of levels ``k``."""
        return np.r_[True, k[1:] != k[:-1]] if len(k) else np.zeros(0, dtype=bool)

    @staticmethod
    def last(k: np.ndarray) -> np.ndarray:
        """Mask of each stage's last (largest) level."""
        return np.r_[k[1:] != k[:-1], True] if len(k) else np.zeros(0, dtype=bool)

    def x_of(self, k: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Position of the x level (k, v) of every pair (k, v must be a level)."""
        return self.x_from(k, v)

    def z_of(self, k: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self.z_from(k, v)

    def z_from(self, k: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Position of the first z level of stage k at or above v (SI_k >= v holds iff that
        level's thermometer is 1), or -1 if k has none (then SI_k >= v is impossible)."""
        return _at_or_above(self.z_k, self.z_v, k, v)

    def x_from(self, k: np.ndarray, v: np.ndarray) -> np.ndarray:
        return _at_or_above(self.x_k, self.x_v, k, v)


def _keys(k: np.ndarray, v: np.ndarray, width: int) -> np.ndarray:
    return np.asarray(k, np.int64) * width + np.asarray(v, np.int64)


def _used_values(k: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (k, v) in order of k, then v."""
    if not len(k):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    width = int(v.max()) + 1
    keys = np.unique(_keys(k, v, width))
    return keys // width, keys % width


def _width(*values: np.ndarray) -> int:
    return int(max((int(v.max()) for v in values if len(v)), default=0)) + 2


def _at_or_above(lk, lv, k, v) -> np.ndarray:
    width = _width(lv, np.asarray(v))
    pos = np.searchsorted(_keys(lk, lv, width), _keys(k, v, width))
    ok = pos < len(lk)
    ok[ok] = lk[pos[ok]] == np.asarray(k)[ok]
    return np.where(ok, pos, -1)


def value_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner j, value) of every integer in [lo_j, hi_j] for all j, in order of j then value."""
    cnt = np.maximum(np.asarray(hi, dtype=np.int64) - lo + 1, 0)
    owner = np.repeat(np.arange(len(cnt)), cnt)
    start = np.repeat(np.cumsum(cnt) - cnt, cnt)
    return owner, np.repeat(np.asarray(lo, dtype=np.int64), cnt) + np.arange(int(cnt.sum())) - start


def core_arcs(data: StageData, core: np.ndarray) -> np.ndarray:
    """Arcs i -> k between core stages, in arc order."""
    if not len(data.arcs):
        return np.zeros((0, 2), dtype=np.int64)
    return data.arcs[core[data.arcs[:, 0]] & core[data.arcs[:, 1]]]


def order_rows(data: StageData, core: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, k, s) of every service-order row z[k, s] >= x[i, s] over whole value ranges (the
    rows the Lagrangian dualizes): arcs i -> k between core stages (in arc order),
    s = ext_k+1..s_max_i (for s <= ext_k the inbound thermometer is 1)."""
    arcs = core_arcs(data, core)
    j, s = value_ranges(data.ext[arcs[:, 1]].astype(np.int64) + 1, data.s_max[arcs[:, 0]])
    return arcs[j, 0], arcs[j, 1], s


def level_order_rows(data: StageData, core: np.ndarray, lev: Levels
                     ) -> tuple[np.ndarray, ...]:
    """(i, k, v, x level, z level) of the service-order rows x[i, v] <= z[k, u] on the levels:
    every arc i -> k between core stages and level v of S_i above SI_k's smallest level, with
    u = k's first level >= v (z level -1 if none: then x[i, v] <= 0). Of the levels of i
    with the same u only the smallest is kept: the thermometers of i decrease with v, so its
    row implies the others'."""
    arcs = core_arcs(data, core)
    i, k = arcs[:, 0], arcs[:, 1]
    j, p = value_ranges(np.searchsorted(lev.x_k, i, "left"),
                        np.searchsorted(lev.x_k, i, "right") - 1)
    q = lev.z_from(k[j], lev.x_v[p])
    need = q != np.searchsorted(lev.z_k, k[j], "left")  # above SI_k's smallest level
    j, p, q = j[need], p[need], q[need]
    first = np.r_[True, (j[1:] != j[:-1]) | (q[1:] != q[:-1])] if len(j) else need[:0]
    j, p, q = j[first], p[first], q[first]
    return i[j], k[j], lev.x_v[p], p, q


def exact_rows(data: StageData, core: np.ndarray, lev: Levels) -> list[tuple]:
    """(k, u, z level, [x levels]) of the rows z[k, u] <= sum_i x[i, u_i] at forced stages
    with lead time 0: every level u > ext_k of SI_k, over the core suppliers i with a level
    u_i >= u (their first one; S_i >= u iff x[i, u_i] = 1)."""
    out = []
    for k in np.flatnonzero(data.exact_si & core).tolist():
        preds = np.array([i for i in data.preds[k] if core[i]], dtype=np.int64)
        lo, hi = np.searchsorted(lev.z_k, [k, k + 1])
        for q in range(int(lo), int(hi)):
            u = int(lev.z_v[q])
            if u <= data.ext[k]:
                continue
            at = lev.x_from(preds, np.full(len(preds), u))
            out.append((k, u, q, at[at >= 0].tolist()))
    return out
