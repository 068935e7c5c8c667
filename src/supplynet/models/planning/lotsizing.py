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
item); ``strengthen`` solves the LP relaxation, adds the violated inequalities and
solves again from the last basis (``WarmRelaxation``), until none is violated; then it
puts the rows into ``m.ls_cut``, only those tight at the last relaxation by default, so
that the MIP's node LPs stay small.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.environ as pyo

from ...highs import run_highs
from ...options import SolveOptions
from ...solve import Solution, solve_model
from .._sets import Built, records
from .sets import KEYS, PlanSets

log = logging.getLogger(__name__)

SLACK_TOL = 1e-6  # relative slack (of D(1,l)) above which an (l,S) row counts as slack


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


class WarmRelaxation:
    """The LP relaxation kept in its HiGHS object between cut rounds: (l,S) rows are added
    to it as arrays and it is re-solved by the dual simplex from the last basis, instead of
    compiling and solving the grown model from scratch each round (on TTM G72, 32 rounds
    took 42.6 s that way, most of a 60 s limit)."""

    def __init__(self, m: pyo.ConcreteModel, sol: Solution):
        self.m, self.sol, self.h = m, sol, sol.highs
        self.columns: dict[str, dict] = {}  # family -> {key: column, or -1 when not a column}
        for name in ("make", "setup", "inv"):
            var = getattr(m, name)
            pos = sol.columns.positions(var).tolist()
            self.columns[name] = dict(zip(var.keys(), pos, strict=True))

    def _term(self, name: str, key, coef: float, idx: list, val: list) -> float:
        """Append the term's column and coefficient; for a variable that is not a column
        of the compiled model, return its (constant) contribution to move to the right."""
        j = self.columns[name].get(key, -1)
        if j >= 0:
            idx.append(j)
            val.append(coef)
            return 0.0
        return coef * self.sol.value(getattr(self.m, name)[key])

    def add(self, items: dict[tuple[str, str], Item], cuts) -> None:
        """Add each cut's (l,S) row (module doc) to the HiGHS model."""
        starts, idx, val, upper = [], [], [], []
        for i, p, last, S in cuts:
            it = items[(i, p)]
            starts.append(len(idx))
            const = 0.0
            for t in S:
                const += self._term("make", (i, p, t), 1.0, idx, val)
                const += self._term("setup", (i, p, t), -it.demand(t, last), idx, val)
            for n in it.stock_nodes:
                const += self._term("inv", (n, p, last), -1.0, idx, val)
            upper.append(-const)
        k = len(starts)
        self.h.addRows(k, np.full(k, -highspy.kHighsInf), np.array(upper, dtype=float),
                       len(idx), np.array(starts, dtype=np.int32),
                       np.array(idx, dtype=np.int32), np.array(val, dtype=float))

    def resolve(self, so: SolveOptions) -> bool:
        """Re-solve from the last basis; True and the solution's values updated when optimal."""
        h = self.h
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")  # keeps the basis: the rows are few per round
        # HiGHS compares time_limit with the run time summed over every run() of this
        # object (the first solve and the earlier rounds), so the limit is set past it
        h.setOptionValue("time_limit", h.getRunTime() + so.time_limit
                         if so.time_limit is not None else highspy.kHighsInf)
        if not run_highs(h, so.time_limit) or h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        self.sol.x = np.asarray(h.getSolution().col_value, dtype=float)
        self.sol.objective = self.sol.bound = float(h.getInfo().objective_function_value)
        self.sol.row_duals = self.sol.reduced_costs = None  # the rows are not the model's
        return True


def strengthen(built: Built, rounds: int, so_of: Callable[[], SolveOptions],
               add_cuts: Callable[..., int], drop_slack: bool = False) -> tuple[Solution | None, int]:
    """Solve the relaxation, add its violated (l,S) rows, re-solve, repeat; then put the
    rows in ``m.ls_cut``.

    ``so_of()`` gives the SolveOptions of the next LP (the time left); ``add_cuts`` is
    ``constraints.add_ls_cuts``. At most ``rounds`` rounds of cuts; stops early when none
    is violated. The rounds re-solve the relaxation warm (``WarmRelaxation``). With
    ``drop_slack``, only the rows tight at the last relaxation go into the model (the
    others would only slow the MIP's node LPs down). When a re-solve stops short (the
    time limit), every row added goes in and the relaxation returned is the one before.
    Returns (the last relaxation solved, or None when it has no values; the number of rows
    put in the model).
    """
    m, s = built.model, built.sets
    items = ls_items(s) if rounds > 0 else {}
    sol = relax(m, so_of())
    cuts: list[tuple[str, str, int, tuple[int, ...]]] = []
    if items and sol.has_values and sol.highs is not None:
        warm, seen = WarmRelaxation(m, sol), set()
        for k in range(rounds):
            new = [c for c in separate(items, *_values(m, sol))
                   if cut_key(c[0], c[1], c[2], c[3]) not in seen]
            log.info("plan: (l,S) round %d: %d rows added, LP bound %s", k + 1, len(new),
                     sol.objective)
            if not new:
                break
            seen.update(cut_key(*c) for c in new)
            cuts += new
            warm.add(items, new)
            if not warm.resolve(so_of()):
                log.info("plan: (l,S) rounds stopped: the relaxation with round %d's rows was "
                         "not solved to optimality (time limit); every row added is kept",
                         k + 1)
                drop_slack = False  # the values are the previous relaxation's, not the last
                break
    kept = cuts
    if drop_slack and cuts:
        make, setup, inv = _values(m, sol)
        kept = [c for c in cuts if -excess(items[(c[0], c[1])], make, setup, inv, c[2], c[3])
                / max(1.0, items[(c[0], c[1])].demand(1, c[2])) <= SLACK_TOL]
        log.info("plan: (l,S) rows slack at the last LP dropped: %d of %d",
                 len(cuts) - len(kept), len(cuts))
    if items:
        add_cuts(m, s, None, kept, items)
    return (sol if sol.has_values else None), len(kept)
