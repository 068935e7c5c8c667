"""Lot-sizing strength for ``plan(setups=True)``: (l,S) inequalities separated in rounds.

An *item* is a (plant, product) pair whose product behaves like a single-item lot-sizing
problem inside the network (models/planning.md, "ls_cut"): made only at that plant, with
production lead time 0 and a setup row in every period it may be made, never bought,
subcontracted or consumed as a component, shipped only on lanes of lead time 0, and
demanded only by lost-sales customers with quoted lead time 0. For an item, with
``D(t,l)`` its demand of periods t..l and ``stock[l]`` its stock at every node at the end
of l, the (l,S) inequality (Barany, Van Roy & Wolsey 1984)

    sum_{t in S} make[i,p,t] <= sum_{t in S} D(t,l) setup[i,p,t] + stock[l]

holds for every l and S within 1..l. ``separate`` finds, for each item and l, the most
violated S of a relaxation's values (t in S iff make[t] > D(t,l) setup[t]: O(T^2) per
item); ``strengthen`` solves the LP relaxation, adds the violated inequalities as rows of
``m.ls_cut`` and solves again, a few rounds; ``drop_slack_cuts`` then removes the rows that
are slack at the last relaxation, so that the MIP's node LPs stay small.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from ...options import SolveOptions
from ...solve import Solution, solve_model
from .._sets import Built, records
from .sets import KEYS, PlanSets

log = logging.getLogger(__name__)


@dataclass
class Item:
    """One single-item lot-sizing structure of the plan: plant i makes product p."""

    plant: str
    product: str
    periods: list[int]  # periods with a setup row (make = setup rows, lead time 0)
    cum: np.ndarray  # cum[t] = demand of p in periods 1..t (cum[0] = 0), units
    stock_nodes: list[str]  # nodes holding p (inv variables) whose stock counts in stock[l]

    def demand(self, t: int, last: int) -> float:
        """D(t,l): demand of periods t..l (units)."""
        return float(self.cum[last] - self.cum[t - 1]) if last >= t else 0.0


def ls_items(s: PlanSets) -> dict[tuple[str, str], Item]:
    """{(plant, product): Item} for every pair that passes the conditions of the module doc."""
    T = len(s.periods)
    mk = s.make
    plants_of = mk.groupby("product")["plant"].nunique().to_dict()
    setup_keys = set(records(s.setup, KEYS["setup"]))
    bad: set[str] = set(s.sub["product"].tolist())
    bad |= {c for comps in s.bom.values() for c, _q in comps}
    sh = s.ship
    bad |= set(sh.loc[sh["buy"].to_numpy(bool) | (sh["arrival"] != sh["period"]),
                      "product"].tolist())
    od = s.orders
    bad |= set(od.loc[od["backlog"].to_numpy(bool) | (od["quoted"] > 0), "product"].tolist())
    cand: dict[tuple[str, str], list[int]] = {}
    for i, p, t, r in records(mk, ["plant", "product", "period", "ready"]):
        if p in bad or plants_of.get(p) != 1 or r != t or (i, p, t) not in setup_keys:
            bad.add(p)
            continue
        cand.setdefault((i, p), []).append(int(t))
    dem = od.groupby(["product", "period"])["quantity"].sum()
    stock = s.inv.groupby("product")["node"].unique().to_dict()
    out = {}
    for (i, p), ts in cand.items():
        if p in bad:
            continue
        d = np.zeros(T + 1)
        for t in s.periods:
            d[t] = float(dem.get((p, t), 0.0))
        out[(i, p)] = Item(i, p, sorted(ts), np.cumsum(d), sorted(stock.get(p, [])))
    return out


def cut_key(i: str, p: str, last: int, S: tuple[int, ...]) -> tuple[str, str, int, str]:
    """ls_cut row key: (plant, product, l, the periods of S joined by '+')."""
    return (i, p, int(last), "+".join(str(t) for t in S))


def cut_of(key: tuple[str, str, int, str]) -> tuple[str, str, int, tuple[int, ...]]:
    """(plant, product, l, S) of an ls_cut row key (``cut_key`` backwards)."""
    i, p, last, periods = key
    return i, p, int(last), tuple(int(t) for t in periods.split("+"))


def excess(item: Item, make: dict, setup: dict, inv: dict, last: int, S) -> float:
    """Left side minus right side of the (l,S) inequality at relaxation values (units):
    > 0 violated, < 0 slack. ``make``/``setup`` map (i, p, t), ``inv`` maps (n, p, t)."""
    i, p = item.plant, item.product
    gap = sum(make.get((i, p, t), 0.0) - item.demand(t, last) * setup.get((i, p, t), 0.0)
              for t in S)
    return gap - sum(inv.get((n, p, last), 0.0) for n in item.stock_nodes)


def ls_row(m: pyo.ConcreteModel, item: Item, last: int, S: tuple[int, ...]):
    """The (l,S) inequality of ``item`` as a Pyomo relation (units)."""
    i, p = item.plant, item.product
    lhs = pyo.quicksum(m.make[i, p, t] - item.demand(t, last) * m.setup[i, p, t] for t in S)
    stock = [m.inv[n, p, last] for n in item.stock_nodes]
    return lhs - pyo.quicksum(stock) <= 0 if stock else lhs <= 0


def separate(items: dict[tuple[str, str], Item], make: dict, setup: dict, inv: dict,
             tol: float = 1e-6) -> list[tuple[str, str, int, tuple[int, ...]]]:
    """Violated (l,S) inequalities of relaxation values: [(plant, product, l, S)].

    ``make``/``setup`` map (i, p, t) to values, ``inv`` maps (n, p, t). For each l the
    most violated S is {t <= l: make[t] > D(t,l) setup[t]}; it is kept when its violation
    exceeds ``tol`` x max(1, D(1,l)).
    """
    cuts = []
    for (i, p), it in items.items():
        for last in range(1, len(it.cum)):
            S = tuple(t for t in it.periods if t <= last and make.get((i, p, t), 0.0)
                      - it.demand(t, last) * setup.get((i, p, t), 0.0) > 1e-9)
            if S and excess(it, make, setup, inv, last, S) > tol * max(1.0, it.demand(1, last)):
                cuts.append((i, p, last, S))
    return cuts


def _values(m: pyo.ConcreteModel, sol: Solution) -> tuple[dict, dict, dict]:
    return tuple(dict(zip(v.keys(), sol.values(v).tolist(), strict=True))
                 for v in (m.make, m.setup, m.inv))


def relax(m: pyo.ConcreteModel, so: SolveOptions) -> Solution:
    """The LP relaxation (setups in [0, 1]) of the model as it stands, by HiGHS's IPM."""
    for v in m.setup.values():
        v.domain = pyo.UnitInterval
    try:
        return solve_model(m, so.replace(
            mip_start=None, highs_options={**so.highs_options, "solver": "ipm"}))
    finally:
        for v in m.setup.values():
            v.domain = pyo.Binary


def strengthen(built: Built, rounds: int, so_of: Callable[[], SolveOptions],
               add_cuts: Callable[..., int], drop_slack: bool = False) -> tuple[Solution | None, int]:
    """Solve the relaxation, add its violated (l,S) rows to ``m.ls_cut``, repeat.

    ``so_of()`` gives the SolveOptions of the next LP (the time left); ``add_cuts`` is
    ``constraints.add_ls_cuts``. At most ``rounds`` rounds of cuts; stops early when none
    is violated. With ``drop_slack``, the rows slack at the last relaxation are then
    deleted (``drop_slack_cuts``). Returns (the last relaxation, or None when it has no
    values; the number of rows added and kept).
    """
    m, s = built.model, built.sets
    items = ls_items(s) if rounds > 0 else {}
    sol = relax(m, so_of())
    added = 0
    for k in range(rounds if items else 0):
        if not sol.has_values:
            break
        cuts = separate(items, *_values(m, sol))
        n = add_cuts(m, s, None, cuts, items)
        log.info("plan: (l,S) round %d: %d rows added, LP bound %s", k + 1, n, sol.objective)
        if not n:
            break
        added += n
        sol = relax(m, so_of())
    if drop_slack and added and sol.has_values:
        dropped = drop_slack_cuts(m, items, sol)
        log.info("plan: (l,S) rows slack at the last LP dropped: %d of %d", dropped, added)
        added -= dropped
    return (sol if sol.has_values else None), added


def cut_slacks(m: pyo.ConcreteModel, items: dict[tuple[str, str], Item],
               sol: Solution) -> dict[tuple, float]:
    """{ls_cut key: slack at ``sol`` / max(1, D(1,l))}: right side minus left side of each
    row, relative to the item's demand of periods 1..l (>= 0 up to solver tolerance)."""
    make, setup, inv = _values(m, sol)
    out = {}
    for key in m.ls_cut.keys():
        i, p, last, S = cut_of(key)
        it = items[(i, p)]
        out[key] = -excess(it, make, setup, inv, last, S) / max(1.0, it.demand(1, last))
    return out


def drop_slack_cuts(m: pyo.ConcreteModel, items: dict[tuple[str, str], Item],
                    sol: Solution, tol: float = 1e-6) -> int:
    """Delete the ``m.ls_cut`` rows whose relative slack (``cut_slacks``) at the relaxation
    ``sol`` exceeds ``tol``; the rows left are tight at ``sol``, which therefore stays an
    optimum of the pruned relaxation (same LP bound). Returns the number of rows deleted."""
    if not hasattr(m, "ls_cut") or not len(m.ls_cut) or not sol.has_values:
        return 0
    slack = [k for k, x in cut_slacks(m, items, sol).items() if x > tol]
    for key in slack:
        del m.ls_cut[key]
    return len(slack)
