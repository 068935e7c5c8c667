"""Scenarios: declarative patches on a Network's tables, applied to a copy.

A ``Scenario`` names what changes, never how a model reads it:

* ``demand``: scale demand (quantity and std, so the coefficient of variation is kept)
  by ``factor``, optionally only for some ``customer``, ``region`` (of the customer),
  ``product`` and ``periods`` ([first, last] inclusive, or one period);
* ``disrupt``: a ``node`` or a ``lane`` ('A->B' or [A, B]) keeps ``capacity_factor``
  (0 = down) of its capacity, over ``periods`` or the whole horizon;
* ``costs``: {kind: factor} multiplies every cost of a kind (see ``COST_KINDS``);
* ``carbon_price`` (money/kg), ``co2_cap`` (kg) and any other instance parameter in
  ``params``;
* ``open`` / ``close``: facilities forced open or closed (their ``status``);
* ``set``: any table cell by key, ``{table, key: {column: value}, column, value}``, or
  ``factor`` instead of ``value`` to multiply it; a partial key changes every row it
  matches.

Patches are applied in that order, ``set`` last. A disruption for a multi-period model
(``plan``) adds ``outages`` rows; for the single-period models (``design``, ``buffers``)
it scales the capacity by the share of the horizon's capacity left,
``1 - (1 - capacity_factor) * k / T`` for k of the T periods affected (so a whole-horizon
outage sets it to ``capacity_factor``). An unlimited (NaN) capacity becomes 0 when that
share is 0 and stays unlimited otherwise. Node capacities scaled: the node's
``capacity``, its ``capacity_levels`` and, for a supplier, its ``supply`` rows.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import InstanceError
from ..schema import PARAMS, TABLES
from .fields import (
    COST_KINDS,
    DEMAND_FIELDS,
    DISRUPT_FIELDS,
    SET_FIELDS,
    as_list,
    is_number,
    parse_periods,
)


@dataclass
class Scenario:
    """A named patch on a network (see the module docstring for each field)."""

    name: str
    description: str = ""
    demand: list[dict] = field(default_factory=list)
    disrupt: list[dict] = field(default_factory=list)
    costs: dict[str, float] = field(default_factory=dict)
    carbon_price: float | None = None
    co2_cap: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    open: list[str] = field(default_factory=list)
    close: list[str] = field(default_factory=list)
    set: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        # shorthands: demand=1.2, disrupt="S1", open="P2", a single dict for a list
        if is_number(self.demand):
            self.demand = [{"factor": self.demand}]
        self.demand = [dict(d) for d in as_list(self.demand)]
        self.disrupt = [{"node": d} if isinstance(d, str) else dict(d) for d in as_list(self.disrupt)]
        self.set = [dict(s) for s in as_list(self.set)]
        self.open = [str(n) for n in as_list(self.open)]
        self.close = [str(n) for n in as_list(self.close)]
        self.costs = dict(self.costs or {})
        self.params = dict(self.params or {})
        problems = self._structure_problems()
        if problems:
            raise InstanceError(problems, source=repr(self.name), what="scenario")

    # ------------------------------------------------------------ structure
    def _structure_problems(self) -> list[str]:
        p: list[str] = []
        if not isinstance(self.name, str) or not self.name.strip():
            p.append(f"name={self.name!r} must be a non-empty text")
        for i, d in enumerate(self.demand):
            w = f"demand[{i}]"
            p += [f"{w}: unknown field {k!r} (fields: {', '.join(DEMAND_FIELDS)})"
                  for k in d if k not in DEMAND_FIELDS]
            if not is_number(d.get("factor")) or d["factor"] < 0:
                p.append(f"{w}: factor={d.get('factor')!r} must be a number >= 0")
            parse_periods(d.get("periods"), w, p)
        for i, d in enumerate(self.disrupt):
            w = f"disrupt[{i}]"
            p += [f"{w}: unknown field {k!r} (fields: {', '.join(DISRUPT_FIELDS)})"
                  for k in d if k not in DISRUPT_FIELDS]
            if ("node" in d) == ("lane" in d):
                p.append(f"{w}: give exactly one of node or lane")
            f = d.get("capacity_factor", 0.0)
            if not is_number(f) or not 0 <= f <= 1:
                p.append(f"{w}: capacity_factor={f!r} must be in [0, 1]")
            parse_periods(d.get("periods"), w, p)
        for kind, f in self.costs.items():
            if kind not in COST_KINDS:
                p.append(f"costs: unknown kind {kind!r} (kinds: {', '.join(COST_KINDS)})")
            elif not is_number(f) or f < 0:
                p.append(f"costs: {kind}={f!r} must be a number >= 0")
        for name in ("carbon_price", "co2_cap"):
            v = getattr(self, name)
            if v is not None and (not is_number(v) or v < 0):
                p.append(f"{name}={v!r} must be a number >= 0")
        p += [f"params: unknown parameter {k!r} (parameters: {', '.join(PARAMS)})"
              for k in self.params if k not in PARAMS]
        for i, s in enumerate(self.set):
            p += _set_structure(s, f"set[{i}]")
        return p

    # ------------------------------------------------------------ serialisation
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "scenario") -> Scenario:
        """A scenario from a mapping (as in YAML); unknown fields raise InstanceError."""
        if not isinstance(data, Mapping):
            raise InstanceError(f"{where}: expected a mapping of scenario fields, found "
                                f"{type(data).__name__}")
        names = [f.name for f in fields(cls)]
        unknown = [k for k in data if k not in names]
        problems = [f"{where}: unknown field {k!r} (fields: {', '.join(names)})" for k in unknown]
        if "name" not in data:
            problems.append(f"{where}: the scenario has no name")
        if problems:
            raise InstanceError(problems)
        try:
            return cls(**{str(k): v for k, v in data.items()})
        except InstanceError as e:
            raise InstanceError([f"{where}: {q}" for q in e.problems]) from None

    def to_dict(self) -> dict[str, Any]:
        """Only the fields that differ from their defaults, in declaration order."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "name" or (v not in (None, "", [], {})):
                out[f.name] = _plain(v)
        return out

    def is_empty(self) -> bool:
        return set(self.to_dict()) <= {"name", "description"}

    # ------------------------------------------------------------ the network
    def check(self, net) -> list[str]:
        """Problems naming what this scenario refers to but the network lacks."""
        from .patch import check

        return [f"scenario {self.name!r}: {q}" for q in check(self, net)]

    def apply(self, net, model: str = "design"):
        """A patched copy of ``net`` (``net`` is not changed). ``model`` decides how
        disruptions are written (outages rows for "plan", capacities otherwise)."""
        from .patch import apply

        problems = self.check(net)
        if problems:
            raise InstanceError(problems)
        return apply(self, net, model)


def _set_structure(s: Mapping, w: str) -> list[str]:
    p = [f"{w}: unknown field {k!r} (fields: {', '.join(SET_FIELDS)})" for k in s if k not in SET_FIELDS]
    table = s.get("table")
    if table not in TABLES:
        return p + [f"{w}: unknown table {table!r} (tables: {', '.join(TABLES)})"]
    schema = TABLES[table]
    key = s.get("key")
    if not isinstance(key, Mapping) or not key:
        p.append(f"{w}: key must be a mapping of key columns of {table} "
                 f"({', '.join(schema.key)}) to values")
    else:
        p += [f"{w}: {k!r} is not a key column of table {table} (keys: {', '.join(schema.key)})"
              for k in key if k not in schema.key]
    col = s.get("column")
    if col not in schema.columns or col in schema.key:
        p.append(f"{w}: column {col!r} is not a value column of table {table} "
                 f"(columns: {', '.join(c for c in schema.columns if c not in schema.key)})")
        return p
    if ("value" in s) == ("factor" in s):
        p.append(f"{w}: give exactly one of value or factor")
    elif "factor" in s:
        if schema.columns[col].dtype not in ("float", "int") or not is_number(s["factor"]):
            p.append(f"{w}: factor applies to a number column with a number factor")
    else:
        p += _value_problem(schema.columns[col].dtype, s["value"], f"{w}: {table}.{col}")
    return p


def _value_problem(dtype: str, v: Any, w: str) -> list[str]:
    if dtype == "str" and not isinstance(v, str):
        return [f"{w}: value {v!r} must be text"]
    if dtype == "bool" and not isinstance(v, bool):
        return [f"{w}: value {v!r} must be true or false"]
    if dtype == "float" and not (v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool))):
        return [f"{w}: value {v!r} must be a number (null = unlimited/default)"]
    if dtype == "int" and not (isinstance(v, numbers.Integral) and not isinstance(v, bool)):
        return [f"{w}: value {v!r} must be a whole number"]
    return []


def _plain(v: Any) -> Any:
    """Plain YAML-safe Python values (numpy scalars, tuples)."""
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


# ---------------------------------------------------------------- reading, writing
def read_scenarios(path: str | Path, net=None) -> list[Scenario]:
    """Scenarios from a YAML file holding a list of scenario mappings (or {scenarios: [...]}).

    With ``net``, each scenario is also checked against it (unknown node, product,
    period...). Every problem found is raised in one InstanceError naming the item.
    """
    from ..io.folder import load_yaml

    path = Path(path)
    data = load_yaml(path)
    if isinstance(data, Mapping) and set(data) == {"scenarios"}:
        data = data["scenarios"]
    if not isinstance(data, list):
        raise InstanceError(f"{path}: expected a list of scenarios, found {type(data).__name__}",
                            source=str(path), what="scenarios")
    return scenarios_from_list(data, net, source=str(path))


def scenarios_from_list(items: Iterable, net=None, source: str = "scenarios") -> list[Scenario]:
    """Scenarios from mappings (or Scenario objects); names must be unique."""
    out: list[Scenario] = []
    problems: list[str] = []
    for i, item in enumerate(items):
        try:
            sc = item if isinstance(item, Scenario) else Scenario.from_dict(
                item, where=f"item {i + 1}" + (f" ({item.get('name')})" if isinstance(item, Mapping)
                                               and item.get("name") else ""))
        except InstanceError as e:
            problems += e.problems
            continue
        out.append(sc)
    names = [s.name for s in out]
    problems += [f"scenario name {n!r} appears {names.count(n)} times" for n in sorted(set(names))
                 if names.count(n) > 1]
    if net is not None:
        for s in out:
            problems += s.check(net)
    if problems:
        raise InstanceError(problems, source=source, what="scenarios")
    return out


def write_scenarios(scenarios: Iterable[Scenario], path: str | Path) -> Path:
    """Write scenarios as a YAML list (only the fields each one sets)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = [s.to_dict() for s in scenarios]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def scenario_table(scenarios: Iterable[Scenario]) -> pd.DataFrame:
    """One row per scenario: name, description and the fields it sets (as text)."""
    rows = []
    for s in scenarios:
        d = s.to_dict()
        rows.append({"scenario": d.pop("name"), "description": d.pop("description", ""),
                     "changes": "; ".join(f"{k}: {v}" for k, v in d.items())})
    return pd.DataFrame(rows, columns=["scenario", "description", "changes"])
