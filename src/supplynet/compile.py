"""The matrix form of a model: Pyomo's standard-form compiler merged with the array families.

``compile_model`` compiles the active objective and constraints of a Pyomo model with
``LinearStandardFormCompiler`` (mixed form: each row keeps its sense) and, when the model
holds array families (supplynet.arrays), merges the two into one CSC matrix: the array
columns and rows first, then what only Pyomo has. ``ColumnSpace`` and ``RowSpace`` map
positions back to variable and constraint families and to their names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.base.component_namer import index_repr
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from scipy import sparse

from .arrays import INDEX, ArrayPart, part_of


class ColumnSpace:
    """The columns of a compiled model: the array families (arrays.py) at their starts, then
    the Pyomo variables only Pyomo has (``extra``, from position ``n_array`` on)."""

    def __init__(self, families: list | None = None, extra: list | None = None):
        self.families = families or []
        self.extra = extra or []
        self.n_array = sum(len(f) for f in self.families)
        self._col_of: dict[int, int] | None = None

    def __len__(self) -> int:
        return self.n_array + len(self.extra)

    def positions(self, var) -> np.ndarray:
        """Column of each member of a variable family in its index order (-1: not a column)."""
        fam = getattr(var, "_family", None)
        if fam is not None and any(f is fam for f in self.families):
            return np.arange(fam.start, fam.start + len(fam), dtype=np.int64)
        if self._col_of is None:
            self._col_of = {id(v): self.n_array + i for i, v in enumerate(self.extra)}
        col_of = self._col_of
        return np.fromiter((col_of.get(id(v), -1) for v in var.values()), dtype=np.int64,
                           count=len(var))

    def position(self, vardata) -> int:
        """Column of one Pyomo variable (-1: not a column)."""
        fam = getattr(vardata.parent_component(), "_family", None)
        if fam is not None and any(f is fam for f in self.families):
            return fam.start + fam.position(vardata.index())
        if self._col_of is None:
            self.positions(pyo.Var())  # builds the map
        return self._col_of.get(id(vardata), -1)

    def names(self) -> list[str]:
        """Column names as Pyomo spells them (family[key])."""
        out: list[str] = []
        for f in self.families:
            out += f.names()
        return out + [v.name for v in self.extra]

    def names_of(self, positions: np.ndarray) -> list[str]:
        """Names of the columns at ``positions`` (``name`` for many at once)."""
        positions = np.asarray(positions, dtype=np.int64)
        out = np.empty(len(positions), dtype=object)
        for f in self.families:
            sel = np.flatnonzero((positions >= f.start) & (positions < f.start + len(f)))
            if len(sel):
                out[sel] = [f.name + index_repr(k) for k in f.keys.at(positions[sel] - f.start)]
        for j in np.flatnonzero(positions >= self.n_array).tolist():
            out[j] = self.extra[int(positions[j]) - self.n_array].name
        return out.tolist()

    def name(self, i: int) -> str:
        if i >= self.n_array:
            return self.extra[i - self.n_array].name
        for f in self.families:
            if i < f.start + len(f):
                return f.name + index_repr(f.keys[i - f.start])
        raise IndexError(i)


class RowSpace:
    """The rows of a compiled model: the array row families at their starts, then the Pyomo
    rows ``extra`` as (constraint data, sense multiplier) from position ``n_array`` on."""

    def __init__(self, families: list | None = None, extra: list | None = None):
        self.families = families or []
        self.extra = extra or []
        self.n_array = sum(len(f) for f in self.families)
        self._row_of: dict[int, list[int]] | None = None

    def __len__(self) -> int:
        return self.n_array + len(self.extra)

    def duals(self, con, d: np.ndarray) -> np.ndarray:
        """Row duals of a constraint family (array or Pyomo) in its index order."""
        if any(f is con for f in self.families):
            return d[con.start:con.start + len(con)].copy()
        if self._row_of is None:
            row_of: dict[int, list[int]] = {}
            for i, (c, _mult) in enumerate(self.extra):
                row_of.setdefault(id(c), []).append(self.n_array + i)
            self._row_of = row_of
        return np.array([sum(d[i] for i in self._row_of.get(id(c), ())) for c in con.values()])

    def names(self) -> list[str]:
        out: list[str] = []
        for f in self.families:
            out += f.names()
        return out + [c.name for c, _mult in self.extra]

    def name(self, i: int) -> str:
        if i >= self.n_array:
            return self.extra[i - self.n_array][0].name
        for f in self.families:
            if i < f.start + len(f):
                return f.name + index_repr(f.keys_[i - f.start])
        raise IndexError(i)


@dataclass
class CompiledModel:
    """The matrix form of a model (Pyomo part and array part merged), ready for HiGHS."""

    columns: ColumnSpace
    rows: RowSpace
    cost: np.ndarray
    offset: float
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    A: Any  # scipy.sparse.csc_array


def compile_model(model: pyo.ConcreteModel) -> CompiledModel:
    """Compile the active objective and constraints to CSC arrays (GC paused): the Pyomo
    part with Pyomo's standard-form compiler, merged with the model's array families."""
    with PauseGC():
        info = LinearStandardFormCompiler().write(model, mixed_form=True)
        part = part_of(model)
        if part is not None and (part.columns or part.rows):
            return _merge(info, part)
        columns = info.columns
        n = len(columns)
        lower, upper = _pyomo_bounds(columns)
        integer = np.fromiter((v.is_integer() for v in columns), dtype=bool, count=n)
        row_lower, row_upper = _pyomo_row_bounds(info)
        cost, offset = _pyomo_cost(info, n)
    return CompiledModel(ColumnSpace(extra=columns), RowSpace(extra=info.rows), cost, offset,
                         lower, upper, integer, row_lower, row_upper, info.A)


def _pyomo_bounds(columns: list) -> tuple[np.ndarray, np.ndarray]:
    bounds = [v.bounds for v in columns]
    lower = np.array([-math.inf if b[0] is None else b[0] for b in bounds], dtype=float)
    upper = np.array([math.inf if b[1] is None else b[1] for b in bounds], dtype=float)
    return lower, upper


def _pyomo_row_bounds(info) -> tuple[np.ndarray, np.ndarray]:
    mult = np.fromiter((r[1] for r in info.rows), dtype=np.int8, count=len(info.rows))
    rhs = np.asarray(info.rhs, dtype=float)
    return np.where(mult == 1, -math.inf, rhs), np.where(mult == -1, math.inf, rhs)


def _pyomo_cost(info, n: int) -> tuple[np.ndarray, float]:
    if info.c.shape[0]:
        return np.asarray(info.c[[0], :].toarray()).ravel(), float(info.c_offset[0])
    return np.zeros(n), 0.0


def _merge(info, part: ArrayPart) -> CompiledModel:
    """One matrix from the array families and the Pyomo part: a Pyomo column that is a touched
    member of an array family becomes that family's column; the others are appended."""
    start = 0
    for f in part.columns:
        f.start, start = start, start + len(f)
    n_array = start
    lower = np.concatenate([f.lower for f in part.columns]) if part.columns else np.zeros(0)
    upper = np.concatenate([f.upper for f in part.columns]) if part.columns else np.zeros(0)
    cost_a = np.concatenate([f.cost for f in part.columns]) if part.columns else np.zeros(0)
    integer_a = np.concatenate([np.full(len(f), f.integer) for f in part.columns]) \
        if part.columns else np.zeros(0, dtype=bool)
    # bounds and domains set in Pyomo on touched members win (a hook's fix() or setub(), the
    # relaxation's UnitInterval)
    for f in part.columns:
        for key, vd in f.var._data.items():
            i = f.start + f.position(key)
            integer_a[i] = vd.is_integer()
            if vd.fixed:
                lower[i] = upper[i] = float(vd.value)
            else:
                lb, ub = vd.bounds
                lower[i] = -math.inf if lb is None else lb
                upper[i] = math.inf if ub is None else ub
    # the Pyomo columns: array members map to their family column, the rest are appended
    extra: list = []
    colmap = np.empty(len(info.columns), dtype=INDEX)
    for j, v in enumerate(info.columns):
        fam = part.family_of(v.parent_component())
        if fam is not None:
            colmap[j] = fam.start + fam.position(v.index())
        else:
            colmap[j] = n_array + len(extra)
            extra.append(v)
    n = n_array + len(extra)
    lo_e, up_e = _pyomo_bounds(extra)
    cost = np.concatenate([cost_a, np.zeros(len(extra))])
    c_py, offset = _pyomo_cost(info, len(info.columns))
    np.add.at(cost, colmap, c_py)
    integer = np.concatenate([integer_a, np.fromiter((v.is_integer() for v in extra), dtype=bool,
                                                      count=len(extra))])
    # rows: the array families first, then the Pyomo rows
    r0 = 0
    rr, cc, vv, rlo, rup = [], [], [], [], []
    for f in part.rows:
        f.start = r0
        for fam, pos, row, coef in f.terms:
            rr.append(row + r0)
            cc.append(pos + fam.start)
            vv.append(coef)
        rlo.append(f.lower)
        rup.append(f.upper)
        r0 += len(f)
    A_py = info.A.tocoo()
    rr.append(A_py.row.astype(INDEX) + r0)
    cc.append(colmap[A_py.col])
    vv.append(A_py.data)
    lo_py, up_py = _pyomo_row_bounds(info)
    rlo.append(lo_py)
    rup.append(up_py)
    m = r0 + len(info.rows)
    values = np.concatenate(vv)
    if max(m, n, len(values)) >= np.iinfo(INDEX).max:
        raise OverflowError(f"{m} rows x {n} columns, {len(values)} nonzeros: more than "
                            "HiGHS's int32 indices hold")
    # int32 coordinates give an int32 CSC (scipy keeps the index type it is given)
    A = sparse.csc_array((values, (np.concatenate(rr), np.concatenate(cc))), shape=(m, n))
    A.sum_duplicates()
    return CompiledModel(ColumnSpace(part.columns, extra), RowSpace(part.rows, info.rows), cost,
                         offset, np.concatenate([lower, lo_e]), np.concatenate([upper, up_e]),
                         integer, np.concatenate(rlo), np.concatenate(rup), A)
