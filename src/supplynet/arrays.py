"""Array-native families: columns and rows emitted as numpy arrays beside the Pyomo model.

The largest families of a model (flows, shipments, inventories; their balance and capacity
rows) are declared here straight from the sparse index tables, as bounds, costs and COO
triplets, instead of as one Pyomo object per column and one expression per row. Pyomo stays
the modelling layer for the small families and for user hooks (``extra_constraints``): every
array column family is also a Pyomo ``Var`` on the model (an ``ArrayVar``) whose data objects
are made only when something touches them, so ``m.ship[o, d, p, t]`` in a hook, or in a small
Pyomo family, is an ordinary Pyomo variable. ``solve.compile_model`` compiles the Pyomo part
and merges it with the arrays into one matrix for one ``passModel``: a touched variable is the
array column of the same key, and bounds or fixings set on it in Pyomo win over the arrays.

Column positions: the array families in declaration order, then the columns only Pyomo has.
Row positions: the array row families in declaration order, then the Pyomo rows.

Memory: a family's keys stay in its index table's columns (``Keys``); Python key tuples and
the key -> position dict are made only when something asks for a key by value (a touched
member, ``in``, iteration, names). Term positions are int32.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.base.component_namer import index_repr
from pyomo.core.base.var import IndexedVar

from .errors import SupplynetError

PART = "_supplynet_arrays"  # the model attribute holding its ArrayPart


INDEX = np.int32  # positions in terms and matrices (HiGHS takes int32 indices)


class Keys:
    """The keys of an array family in position order. Held as the family's index-table
    columns (a DataFrame) or as a list of tuples; the Python tuples and the key -> position
    dict are made on first need and the dict is kept (Pyomo's indices: a one-column key is
    its element)."""

    __slots__ = ("_frame", "_list", "_pos", "_n")

    def __init__(self, keys: pd.DataFrame | Sequence):
        if isinstance(keys, pd.DataFrame):
            self._frame, self._list, self._n = keys, None, len(keys)
        else:
            self._frame, self._list, self._n = None, _pyomo_keys(list(keys)), len(keys)
        self._pos: dict | None = None

    @classmethod
    def of(cls, keys: Keys | pd.DataFrame | Sequence) -> Keys:
        return keys if isinstance(keys, Keys) else cls(keys)

    def __len__(self) -> int:
        return self._n

    def _tuples(self):
        if self._list is not None:
            return iter(self._list)
        cols = [self._frame.iloc[:, j].tolist() for j in range(self._frame.shape[1])]
        return iter(cols[0]) if len(cols) == 1 else zip(*cols, strict=True)

    def index(self) -> dict:
        """{key: position}, made once."""
        if self._pos is None:
            self._pos = dict(zip(self._tuples(), range(self._n), strict=True))
        return self._pos

    def __iter__(self):
        return iter(self._pos) if self._pos is not None else self._tuples()

    def __contains__(self, key) -> bool:
        return key in self.index()

    def position(self, key) -> int:
        return self.index()[key]

    def __getitem__(self, i: int):
        if self._list is not None:
            return self._list[i]
        vals = [self._frame.iloc[i:i + 1, j].tolist()[0] for j in range(self._frame.shape[1])]
        return vals[0] if len(vals) == 1 else tuple(vals)

    def at(self, positions: np.ndarray) -> list:
        """The keys at ``positions``, in that order (one pass over the columns, not one
        lookup per key)."""
        if self._list is not None:
            return [self._list[i] for i in positions.tolist()]
        return list(Keys(self._frame.iloc[np.asarray(positions)])._tuples())

    def take(self, mask: np.ndarray) -> Keys:
        """The keys where ``mask`` is true, in order."""
        if self._list is not None:
            return Keys([k for k, u in zip(self._list, mask.tolist(), strict=True) if u])
        return Keys(self._frame[mask].reset_index(drop=True))


class ArrayVar(IndexedVar):
    """A variable family whose values live in arrays; Pyomo data objects are made on first
    touch, with the family's bounds and domain. Iterating it (``keys``, ``values``, ``items``,
    ``len``) sees every key of the family, as for an ordinary indexed Var."""

    def __len__(self) -> int:
        return len(self._index_set)

    def __contains__(self, index) -> bool:
        return index in self._index_set

    def _getitem_when_not_present(self, index):
        vd = super()._getitem_when_not_present(index)
        fam: ColumnFamily = self._family
        i = fam.position(index)
        if fam.integer:
            vd.domain = pyo.Binary if fam.lower[i] >= 0 and fam.upper[i] <= 1 else pyo.Integers
        lb, ub = fam.lower[i], fam.upper[i]
        vd.setlb(None if lb == -math.inf else float(lb))
        vd.setub(None if ub == math.inf else float(ub))
        return vd


@dataclass(eq=False)
class ColumnFamily:
    """One array variable family: keys in table order, bounds, objective cost, integrality."""

    name: str
    keys: Keys
    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    integer: bool
    var: ArrayVar | None = None
    start: int = 0  # first global column, set when compiled

    def __len__(self) -> int:
        return len(self.keys)

    def position(self, key) -> int:
        return self.keys.position(key)

    def names(self) -> list[str]:
        return [self.name + index_repr(k) for k in self.keys]


@dataclass(eq=False)
class RowFamily:
    """One array constraint family: lower <= sum of its COO terms <= upper, row by row."""

    name: str
    keys_: Keys
    lower: np.ndarray
    upper: np.ndarray
    terms: list = field(default_factory=list, repr=False)  # (family, positions, rows, coefs)
    start: int = 0  # first global row, set when compiled

    def __len__(self) -> int:
        return len(self.keys_)

    def keys(self) -> Keys:
        return self.keys_

    @property
    def local_name(self) -> str:
        return self.name

    def names(self) -> list[str]:
        return [self.name + index_repr(k) for k in self.keys_]


@dataclass
class ArrayPart:
    """The array families of one model, in declaration order."""

    columns: list[ColumnFamily] = field(default_factory=list)
    rows: list[RowFamily] = field(default_factory=list)
    by_var: dict[int, ColumnFamily] = field(default_factory=dict)

    def family_of(self, var) -> ColumnFamily | None:
        return self.by_var.get(id(var))


def member_name(var: pyo.Var, key) -> str:
    """The Pyomo name of ``var[key]`` (as ``VarData.name``), without making the data object."""
    return var.name + index_repr(key)


def part_of(model: pyo.Block) -> ArrayPart | None:
    return model.__dict__.get(PART)


def _part(model: pyo.Block) -> ArrayPart:
    part = part_of(model)
    if part is None:
        part = ArrayPart()
        object.__setattr__(model, PART, part)
    return part


def _vector(value, n: int) -> np.ndarray:
    out = np.empty(n, dtype=float)
    out[:] = value
    return out


def _pyomo_keys(keys: list) -> list:
    """Keys as Pyomo spells indices: a 1-tuple is its element."""
    if keys and isinstance(keys[0], tuple) and len(keys[0]) == 1:
        return [k[0] for k in keys]
    return keys


def add_columns(model: pyo.Block, name: str, keys: pd.DataFrame | Sequence, *, lower=0.0,
                upper=math.inf, cost=0.0, integer: bool = False) -> ArrayVar:
    """Declare the array variable family ``name`` over ``keys``: the key columns of its index
    table (a DataFrame, kept as columns) or a list of tuples; their order is the column
    order. ``lower``, ``upper``, ``cost`` are scalars or one value per key. The family is
    also ``model.<name>``, an ArrayVar."""
    keys = Keys.of(keys)
    n = len(keys)
    fam = ColumnFamily(name, keys, _vector(lower, n), _vector(upper, n), _vector(cost, n),
                       integer)
    var = ArrayVar(pyo.SetOf(keys), dense=False)
    var._family = fam  # before it joins the model (Pyomo's debug log prints it on adding)
    fam.var = var
    setattr(model, name, var)
    part = _part(model)
    part.columns.append(fam)
    part.by_var[id(var)] = fam
    return var


def add_cost(var: ArrayVar, cost: np.ndarray) -> None:
    """Add ``cost`` (one value per key) to the family's objective coefficients."""
    var._family.cost += np.asarray(cost, dtype=float)


def add_rows(model: pyo.Block, name: str, keys: pd.DataFrame | Sequence, lower, upper,
             terms: Sequence[tuple[ArrayVar, np.ndarray, np.ndarray, np.ndarray | float]]) -> RowFamily:
    """Declare the array constraint family ``name``: row r reads
    ``lower[r] <= sum over terms (var, position, row, coef) with row == r of coef * var[position]
    <= upper[r]`` (positions in the variable's family, rows local to this family). Rows left
    without any term are kept (they are checked as constants when compiled). The family is also
    ``model.<name>`` (for duals and marginal values). ``keys`` as for ``add_columns``."""
    keys = Keys.of(keys)
    n = len(keys)
    lo, up = _vector(lower, n), _vector(upper, n)
    kept = []
    for var, pos, row, coef in terms:
        pos = np.asarray(pos, dtype=INDEX)
        row = np.asarray(row, dtype=INDEX)
        if len(pos) and (pos.min() < 0 or row.min() < 0):
            raise SupplynetError(f"array family {name}: a term refers to a missing "
                                 f"{var.local_name} column or row")
        coef = np.broadcast_to(np.asarray(coef, dtype=float), pos.shape)
        kept.append((var._family, pos, row, coef))
    fam = RowFamily(name, keys, lo, up, kept)
    object.__setattr__(model, name, fam)
    _part(model).rows.append(fam)
    return fam


def add_rows_with_terms(model: pyo.Block, name: str, keys: pd.DataFrame | Sequence, lower, upper,
                        terms: Sequence[tuple]) -> RowFamily:
    """``add_rows`` without the rows no term falls in (what a Pyomo rule skips with
    ``Constraint.Skip``); terms whose row is -1 (no such row) are dropped first."""
    keys = Keys.of(keys)
    n = len(keys)
    kept_terms = []
    for var, pos, row, coef in terms:
        pos, row = np.asarray(pos, dtype=INDEX), np.asarray(row, dtype=INDEX)
        coef = np.broadcast_to(np.asarray(coef, dtype=float), pos.shape)
        ok = row >= 0
        kept_terms.append((var, pos[ok], row[ok], coef[ok]))
    used = np.zeros(n, dtype=bool)
    for _v, _pos, row, _c in kept_terms:
        used[row] = True
    new = (np.cumsum(used) - 1).astype(INDEX)
    lower = _vector(lower, n)[used]
    upper = _vector(upper, n)[used]
    return add_rows(model, name, keys.take(used), lower, upper,
                    [(v, p, new[r], c) for v, p, r, c in kept_terms])


class KeyIndex:
    """Row positions of a key table, for looking up the rows of other tables by key."""

    def __init__(self, table: pd.DataFrame, columns: Sequence[str]):
        self.columns = list(columns)
        if len(self.columns) > 1:
            self.index = pd.MultiIndex.from_arrays([table[c].to_numpy() for c in self.columns])
        else:
            self.index = pd.Index(table[self.columns[0]].to_numpy())

    def find(self, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> np.ndarray:
        """Position of each row of ``frame[columns]`` (default: the same column names) in the
        key table; -1 where absent."""
        columns = self.columns if columns is None else list(columns)
        if not len(frame):
            return np.zeros(0, dtype=np.int64)
        if not len(self.index):
            return np.full(len(frame), -1, dtype=np.int64)
        if len(columns) > 1:
            probe = pd.MultiIndex.from_arrays([frame[c].to_numpy() for c in columns])
        else:
            probe = pd.Index(frame[columns[0]].to_numpy())
        return np.asarray(self.index.get_indexer(probe), dtype=np.int64)
