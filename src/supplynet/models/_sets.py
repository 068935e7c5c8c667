"""Generic sparse index helpers shared by the models.

Every function here takes plain Network tables and returns plain Python data or
long-format pandas tables; none knows about a particular model. They keep index sets
sparse: a row exists only where the data say the combination can occur.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .. import views
from ..errors import InstanceError
from ..schema import LANE_SEPARATOR


@dataclass
class Built:
    """A built model: the Pyomo model and the typed index sets its families were declared over
    (``DesignSets``, ``PlanSets``, ...). Every model's ``build`` returns this shape."""

    model: pyo.ConcreteModel
    sets: Any


def records(df: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    """Rows of ``df`` as plain Python tuples of ``columns`` (fast with pandas 3 strings)."""
    if not len(df):
        return []
    return list(zip(*(df[c].tolist() for c in columns), strict=True))


def expand_periods(df: pd.DataFrame, periods: Iterable[int], column: str = "period") -> pd.DataFrame:
    """Cross join: every row of ``df`` repeated for each period (row-major, periods inner)."""
    periods = list(periods)
    n = len(df)
    out = df.loc[df.index.repeat(len(periods))].reset_index(drop=True)
    out[column] = np.tile(np.asarray(periods, dtype=np.int64), n)
    return out


def active_nodes(net, include_candidates: bool = True) -> set[str]:
    """Ids of nodes that may be used: not closed (and, unless asked, not mere candidates)."""
    nodes = net.table("nodes")
    keep = {"open", "existing"} | ({"candidate"} if include_candidates else set())
    return {n for n, s in zip(nodes["id"].tolist(), nodes["status"].tolist(), strict=True)
            if s in keep}


def outage_factors(net, periods: Sequence[int]) -> dict[tuple[str, int], float]:
    """{(element, period): capacity factor} from the outages table (overlaps: the smallest).

    ``element`` is a node id or ``'origin->destination'`` for a lane. Unknown elements, a
    factor outside [0, 1] or first_period > last_period raise InstanceError naming the row.
    """
    out: dict[tuple[str, int], float] = {}
    tab = net.table("outages")
    if not len(tab):
        return out
    nodes = set(net.table("nodes")["id"].tolist())
    lanes_t = net.table("lanes")
    lanes = {f"{o}{LANE_SEPARATOR}{d}" for o, d in records(lanes_t, ["origin", "destination"])}
    pset = set(periods)
    problems = []
    for i, (el, f0, f1, fac) in enumerate(records(tab, ["element", "first_period", "last_period",
                                                         "capacity_factor"])):
        label = f"outages row {i + 1} (element={el}, first_period={f0})"
        if el not in nodes and el not in lanes:
            problems.append(f"{label}: {el!r} is neither a node id nor a lane 'origin->destination'")
            continue
        if not (0.0 <= fac <= 1.0):
            problems.append(f"{label}: capacity_factor={fac} is not in [0, 1]")
            continue
        if f1 < f0:
            problems.append(f"{label}: last_period={f1} is before first_period={f0}")
            continue
        for t in range(int(f0), int(f1) + 1):
            if t in pset:
                out[(el, t)] = min(out.get((el, t), 1.0), float(fac))
    if problems:
        raise InstanceError(problems)
    return out


def holding_rates(net) -> dict[str, float]:
    """{node: holding rate per period}, NaN replaced by the instance's ``holding_rate``."""
    default = float(net.params.get("holding_rate") or 0.0)
    nodes = net.table("nodes")
    return {n: (default if math.isnan(r) else float(r))
            for n, r in zip(nodes["id"].tolist(), nodes["holding_rate"].tolist(), strict=True)}


def bom_children(net) -> dict[str, list[tuple[str, float]]]:
    """{parent: [(component, units per unit of parent), ...]}: ``views.bom_children``, the one
    BOM adjacency (validation and the views use it too, and sit below the models)."""
    return views.bom_children(net)


def bom_order(net) -> list[str]:
    """Products ordered parents before components; a BOM cycle raises InstanceError."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(net.table("products")["id"].tolist())
    for parent, comp in records(net.table("bom"), ["parent", "component"]):
        g.add_edge(parent, comp)
    try:
        return list(nx.topological_sort(g))
    except nx.NetworkXUnfeasible:
        cycle = nx.find_cycle(g)
        raise InstanceError(f"the bill of materials has a cycle: "
                            f"{' -> '.join(a for a, _ in cycle)} -> {cycle[0][0]}") from None


def adjacency(keys: Iterable[tuple], by: Sequence[int]) -> dict[tuple, list[int]]:
    """{key projected on positions ``by``: [row positions]} for a list of index tuples."""
    out: dict[tuple, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        out[tuple(k[j] for j in by)].append(i)
    return dict(out)
