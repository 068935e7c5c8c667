"""Exact reduction of large single-echelon design models by Lagrangian fixing (models/design.md).

For the capacitated facility-location structure (suppliers -> decided capacitated warehouses ->
customers, nothing else), the design MIP is

    min Σ_i f_i y_i + Σ_ij c_ij x_ij   s.t.  Σ_i x_ij = q_j,  Σ_j x_ij <= K_i y_i,
        x_ij <= min(q_j, K_i) y_i,  Σ_i K_i y_i >= D,  Σ_i y_i >= k,  y binary,

with ``c_ij`` the cheapest delivered unit cost (purchase + inbound lane + handling + outbound
lane; supplier capacities may be dropped, which only lowers the bound). Dualising the demand rows
with multipliers ``u`` and the capacity cover with ``τ >= 0`` leaves one continuous knapsack per
warehouse,

    g_i(u, τ) = f_i - τ K_i + min { Σ_j (c_ij - u_j) x_ij : Σ_j x_ij <= K_i, 0 <= x_ij <= q_j },

and the Lagrangian bound ``L = Σ_j u_j q_j + τ D + min { Σ_i g_i y_i : Σ_i y_i >= k, y binary }``,
valid for any ``u`` and ``τ >= 0``. With an upper bound ``UB`` (the value of a feasible design), a
warehouse whose forced opening lifts the bound above ``UB`` is closed in every better design and
can be fixed closed (likewise fixed open). The multipliers are the LP duals of a restricted
master (the strong LP over a subset of warehouses, grown until no outside warehouse prices out),
so ``L`` equals the strong LP bound; ``UB`` comes from the restricted MIP over the warehouses the
LP opens. Probing strengthens it: re-solving the master with one warehouse forced open gives new
multipliers and so new valid bounds for every warehouse (stopped after PROBE_FAILURES probes in
a row fix nothing). The caller keeps the fixings only if the final solve reaches a design of value
at most ``UB`` (otherwise it solves the unreduced model).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import highspy
import numpy as np

from ...highs import quiet_highs
from ...solve import MIN_STEP_SECONDS, Deadline
from .data import DesignData, finite, min_open_count
from .lagrangian import Core, forced_values, knapsacks, select_value

MIN_ARCS = 20_000  # below this many arcs the plain solve is already fast
MAX_DENSE = 20_000_000  # warehouses x demand pairs held as a dense cost matrix
PROBE_FAILURES = 3  # stop probing after this many probes in a row fix nothing

log = logging.getLogger(__name__)


@dataclass
class Reduction:
    closed: list[str]
    opened: list[str]
    upper: float  # value of the start design
    lower: float  # Lagrangian (= strong LP) bound
    start_open: dict[str, float]
    start_flow: dict[tuple[str, str, str], float]
    seconds: float
    rounds: int
    warehouses: int
    info: dict = field(default_factory=dict)

    def note(self) -> str:
        return (f"{len(self.closed)} of {self.warehouses} warehouses fixed closed"
                + (f", {len(self.opened)} fixed open" if self.opened else "")
                + f" by Lagrangian bounds (root bound {self.lower:.10g}) against a start of value "
                f"{self.upper:.10g} ({self.seconds:.1f} s)")


def core_of(d: DesignData, o, carbon_price: float) -> Core | None:
    """The core when the instance has exactly the facility-location structure, else None."""
    if (o.soft or o.single_sourcing or o.max_supplier_share is not None or o.min_suppliers is not None
            or o.min_service_share is not None or o.min_open or o.max_open or carbon_price
            or o.co2_cap is not None or o.extra_constraints is not None or o.force_make or o.force_buy):
        return None
    if len(d.production) or d.bom_of or len(d.arcs) < MIN_ARCS:
        return None
    arcs = d.arcs
    ko = arcs["origin"].map(d.kind)
    kd = arcs["destination"].map(d.kind)
    inbound = (ko == "supplier") & (kd == "warehouse")
    outbound = (ko == "warehouse") & (kd == "customer")
    if not (inbound | outbound).all():
        return None
    fac = sorted(set(arcs.loc[outbound, "origin"]))
    decided = set(d.decided)
    if any(f not in decided or d.has_levels(f) or math.isnan(d.capacity(f)) for f in fac):
        return None
    if any(d.kind[n] == "warehouse" and n not in set(fac) for n in d.facilities):
        return None  # a warehouse serving nobody: keep the general model
    lanes = d.lanes
    if (lanes["capacity"].map(finite).any() or (lanes["fixed_cost"] > 0).any()
            or (lanes["min_volume"] > 0).any() or d.supply["capacity"].map(finite).any()):
        return None
    if any(d.kind[n] == "supplier" and finite(d.node.at[n, "capacity"]) for n in d.node.index):
        return None
    dem = d.demand[d.demand["quantity"] > 0]
    if len(fac) * len(dem) > MAX_DENSE or len(fac) < 2:
        return None

    lane_cost = lanes.set_index(["origin", "destination"])["cost"]
    handling = d.node["handling_cost"]
    # cheapest delivered cost of product p at warehouse i
    inb = arcs[inbound].copy()
    inb["c"] = (lane_cost.loc[list(zip(inb["origin"], inb["destination"], strict=True))].to_numpy()
                + inb["destination"].map(handling).to_numpy())
    price = d.supply.set_index(["supplier", "product"])["price"]
    inb["c"] += price.reindex(list(zip(inb["origin"], inb["product"], strict=True))).fillna(0.0).to_numpy()
    inb = inb.sort_values("c", kind="stable").drop_duplicates(["destination", "product"])
    fpos = {f: i for i, f in enumerate(fac)}
    in_cost = {(fpos[w], p): c for w, p, c in zip(inb["destination"], inb["product"], inb["c"], strict=True)}
    source = {(fpos[w], p): s for w, p, s in zip(inb["destination"], inb["product"], inb["origin"], strict=True)}

    items = list(zip(dem["customer"], dem["product"], strict=True))
    ipos = {it: j for j, it in enumerate(items)}
    cost = np.full((len(fac), len(items)), np.inf)
    out = arcs[outbound]
    oc = lane_cost.loc[list(zip(out["origin"], out["destination"], strict=True))].to_numpy()
    for w, c, p, lc in zip(out["origin"], out["destination"], out["product"], oc, strict=True):
        j = ipos.get((c, p))
        i = fpos[w]
        if j is not None and (i, p) in in_cost:
            cost[i, j] = lc + in_cost[i, p]
    if not np.isfinite(cost).any(axis=0).all():
        return None  # an item cannot be served: leave it to the general model's diagnosis
    cap = np.array([d.capacity(f) for f in fac])
    closing = np.array([float(d.node.at[f, "closing_cost"]) if d.status[f] == "existing" else 0.0
                        for f in fac])
    fixed = np.array([float(d.node.at[f, "fixed_cost"]) for f in fac]) - closing
    q = dem["quantity"].to_numpy(dtype=float)
    k = min_open_count(float(q.sum()), cap.tolist())
    if k > len(fac):
        return None
    return Core(fac, items, q, cap, fixed, float(closing.sum()), cost, source, k)


class _Master:
    """The strong LP over a growing subset of warehouses, solved warm by HiGHS."""

    def __init__(self, core: Core, threads: int, clock: Deadline):
        self.core = core
        self.clock = clock
        self.h = h = quiet_highs(threads)
        n = len(core.items)
        D = float(core.q.sum())
        lo = np.r_[core.q, D, core.k].astype(float)
        hi = np.r_[core.q, np.inf, np.inf].astype(float)
        h.addRows(n + 2, lo, hi, 0, np.zeros(n + 2, dtype=np.int32), np.zeros(0, dtype=np.int32),
                  np.zeros(0))
        self.cover_row, self.count_row = n, n + 1
        self.members: list[int] = []
        self.ycol: dict[int, int] = {}
        self.xcols: dict[int, tuple[int, np.ndarray]] = {}  # i -> (first column, item indices)

    def add(self, i: int) -> None:
        """Add warehouse i: y_i, its arcs, its throughput row and its linking rows."""
        core, h = self.core, self.h
        jj = np.flatnonzero(np.isfinite(core.cost[i]))
        c0 = h.getNumCol()
        h.addCol(float(core.fixed[i]), 0.0, 1.0, 2, np.array([self.cover_row, self.count_row], dtype=np.int32),
                 np.array([core.cap[i], 1.0]))
        nj = len(jj)
        h.addCols(nj, core.cost[i, jj], np.zeros(nj), np.full(nj, np.inf), nj,
                  np.arange(nj, dtype=np.int32), jj.astype(np.int32), np.ones(nj))
        y, x = c0, np.arange(c0 + 1, c0 + 1 + nj)
        # throughput Σ x - K y <= 0, then linking x_j - min(q_j, K) y <= 0
        idx = np.r_[x, y].astype(np.int32)
        val = np.r_[np.ones(nj), -core.cap[i]]
        h.addRow(-np.inf, 0.0, len(idx), idx, val)
        starts = np.arange(0, 2 * nj, 2, dtype=np.int32)
        index = np.column_stack([x, np.full(nj, y)]).ravel().astype(np.int32)
        value = np.column_stack([np.ones(nj), -np.minimum(core.q[jj], core.cap[i])]).ravel()
        h.addRows(nj, np.full(nj, -np.inf), np.zeros(nj), 2 * nj, starts, index, value)
        self.members.append(i)
        self.ycol[i] = y
        self.xcols[i] = (c0 + 1, jj)

    def solve(self, partial: bool = False):
        """(value, u, tau, sigma, y) of the master, or None; ``partial`` also accepts a dual
        simplex stopped at its objective bound (its duals are still valid multipliers). Each
        solve gets what is left of the fixing's budget."""
        left = self.clock.left()
        if left is not None:
            if left <= 0:
                return None
            self.h.setOptionValue("time_limit", left)
        self.h.run()
        st = self.h.getModelStatus()
        ok = st == highspy.HighsModelStatus.kOptimal or (
            partial and st == highspy.HighsModelStatus.kObjectiveBound)
        if not ok:
            return None
        sol = self.h.getSolution()
        dual = np.asarray(sol.row_dual)
        n = len(self.core.items)
        x = np.asarray(sol.col_value)
        y = {i: x[c] for i, c in self.ycol.items()}
        return (self.h.getInfo().objective_function_value, dual[:n], max(dual[self.cover_row], 0.0),
                max(dual[self.count_row], 0.0), y)


def _initial_members(core: Core, master: _Master) -> None:
    """Seed the master with the warehouses cheapest under prices u0_j = min_i (c_ij + f_i/K_i)
    (delivered cost with the fixed cost spread over a full warehouse): at least 2k of them and
    1.2 x the demand in capacity."""
    u0 = (core.cost + (core.fixed / core.cap)[:, None]).min(axis=0)
    g0 = core.fixed + knapsacks(core, u0)
    D = float(core.q.sum())
    capacity = 0.0
    for i in np.argsort(g0, kind="stable"):
        if len(master.members) >= max(2 * core.k, 10) and capacity >= 1.2 * D:
            break
        master.add(int(i))
        capacity += core.cap[i]


def _upper_bound(core: Core, use: list[int], seconds: float, threads: int):
    """The restricted MIP over the warehouses ``use`` (those the LP opens), stopped after its
    root node: (value, open warehouses, model, x) or None."""
    model = _Master(core, threads, Deadline(seconds))
    for i in use:
        model.add(i)
    h = model.h
    ycols = np.array([model.ycol[i] for i in use], dtype=np.int32)
    h.changeColsIntegrality(len(ycols), ycols, np.ones(len(ycols), dtype=np.int32))
    h.setOptionValue("time_limit", float(max(seconds, MIN_STEP_SECONDS)))
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.setOptionValue("mip_max_nodes", 1)  # the root finds the design; proving is the final solve's job
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != 2:
        return None
    x = np.asarray(h.getSolution().col_value)
    opened = [i for i in use if x[model.ycol[i]] > 0.5]
    return float(info.objective_function_value) + core.const, opened, model, x


def _probe(core: Core, master: _Master, i: int, limit: float, lower: float, tighten) -> None:
    """Re-solve the master with warehouse i forced open and tighten every bound with the new
    multipliers. The dual simplex stops once the master's value clears the limit (with a margin,
    as the Lagrangian bound may sit a little below the master's value); if the bound then falls
    short, the solve continues to optimality."""
    col = master.ycol[i]
    h = master.h
    h.changeColBounds(col, 1.0, 1.0)
    try:
        h.setOptionValue("objective_bound", limit - core.const + 0.2 * (limit - lower))
        r = master.solve(partial=True)
        if r is None:
            return
        opened_bound = tighten(r[1], r[2], i)
        if opened_bound <= limit and h.getModelStatus() == highspy.HighsModelStatus.kObjectiveBound:
            h.setOptionValue("objective_bound", np.inf)
            r = master.solve()
            if r is not None:
                tighten(r[1], r[2], i)
    finally:
        h.setOptionValue("objective_bound", np.inf)
        h.changeColBounds(col, 0.0, 1.0)


def reduce_core(core: Core, time_budget: float, threads: int = 1, max_rounds: int = 40,
                probe: bool = True) -> Reduction | None:
    """Restricted-master LP for the multipliers, restricted MIP for UB, Lagrangian fixing and
    probing (module docstring); None if the LP or the restricted MIP fails within
    ``time_budget`` seconds."""
    clock = Deadline(time_budget)
    nf = len(core.fac)
    D = float(core.q.sum())
    master = _Master(core, threads, clock)
    _initial_members(core, master)
    rounds, res = 0, None
    batch = max(3, core.k)
    while rounds < max_rounds:
        rounds += 1
        res = master.solve()
        if res is None or clock.expired():
            return None
        lp, u, tau, sigma, y = res
        g = core.fixed + knapsacks(core, u) - tau * core.cap
        inside = set(master.members)
        tol = 1e-9 * max(abs(lp), 1.0)
        out = [i for i in np.argsort(g, kind="stable") if i not in inside and g[i] - sigma < -tol]
        if not out:
            break
        for i in out[:batch]:
            master.add(int(i))
    lp, u, tau, sigma, y = res
    t_lp = clock.elapsed()
    log.info("design: Lagrangian fixing: LP bound %.10g (money) over %d of %d warehouses after "
             "%d rounds (%.2f s)", lp + core.const, len(master.members), nf, rounds, t_lp)

    use = [i for i in master.members if y[i] > 1e-6]
    ub = _upper_bound(core, use, clock.left(floor=MIN_STEP_SECONDS), threads)
    if ub is None:
        log.info("design: Lagrangian fixing: the restricted MIP over %d warehouses found no "
                 "design (%.2f s); solving without fixing", len(use), clock.elapsed())
        return None
    upper, opened_start, ubmodel, x = ub
    t_ub = clock.elapsed() - t_lp
    log.info("design: Lagrangian fixing: restricted MIP over %d warehouses opens %d, value "
             "%.10g (money) (%.2f s, %.2f s elapsed)", len(use), len(opened_start), upper, t_ub,
             clock.elapsed())
    limit = upper + 1e-9 * abs(upper) + 1e-6
    in_start = np.zeros(nf, dtype=bool)
    in_start[opened_start] = True

    best_open = np.full(nf, -np.inf)  # best lower bound with the warehouse forced open
    best_closed = np.full(nf, -np.inf)  # ... forced closed

    def tighten(u, tau, i=None) -> float:
        """Lagrangian bounds under multipliers (u, tau): the plain one, or with i forced open."""
        g = core.fixed + knapsacks(core, u) - tau * core.cap
        base = float(u @ core.q + tau * D + core.const)
        fo, fc = forced_values(g, core.k)
        np.maximum(best_open, base + fo, out=best_open)
        np.maximum(best_closed, base + fc, out=best_closed)
        return base + select_value(g, core.k) if i is None else base + fo[i]

    lower = tighten(u, tau)
    probes = 0
    if probe:
        # probe the warehouses the start keeps closed, those nearest to being fixed first;
        # forcing one open rarely fails to clear the limit until the LP's favourites are left
        todo = [i for i in np.argsort(-best_open, kind="stable") if best_open[i] <= limit and not in_start[i]]
        failures = 0
        for i in todo:
            if clock.expired() or failures >= PROBE_FAILURES:
                break
            if best_open[i] > limit:
                continue  # fixed meanwhile by another probe's multipliers
            if i not in master.ycol:
                master.add(int(i))
            probes += 1
            _probe(core, master, i, limit, lower, tighten)
            failures = 0 if best_open[i] > limit else failures + 1
            if log.isEnabledFor(logging.DEBUG):
                log.debug("design: probe %d: warehouse %s %s; %d closable so far (%.2f s)",
                          probes, core.fac[i], "fixed closed" if best_open[i] > limit else
                          "not fixed", int(((best_open > limit) & ~in_start).sum()),
                          clock.elapsed())
        log.info("design: Lagrangian fixing: %d probing rounds (%.2f s elapsed)", probes,
                 clock.elapsed())
    closed = [core.fac[i] for i in range(nf) if best_open[i] > limit and not in_start[i]]
    opened = [core.fac[i] for i in range(nf) if best_closed[i] > limit and in_start[i]]
    log.info("design: Lagrangian fixing: %d of %d warehouses fixed closed, %d fixed open (root "
             "bound %.10g, start %.10g money; %.2f s)", len(closed), nf, len(opened), lower,
             upper, clock.elapsed())
    if log.isEnabledFor(logging.DEBUG):
        log.debug("design: fixed closed: %s; fixed open: %s", ", ".join(closed) or "-",
                  ", ".join(opened) or "-")
    start_open = {f: 0.0 for f in core.fac}
    start_flow: dict[tuple[str, str, str], float] = {}
    for i in opened_start:
        start_open[core.fac[i]] = 1.0
        c0, jj = ubmodel.xcols[i]
        v = x[c0:c0 + len(jj)]
        for j, val in zip(jj[v > 0], v[v > 0], strict=True):
            c, p = core.items[j]
            start_flow[core.fac[i], c, p] = float(val)
            key = (core.source[i, p], core.fac[i], p)
            start_flow[key] = start_flow.get(key, 0.0) + float(val)
    return Reduction(closed, opened, upper, lower, start_open, start_flow,
                     clock.elapsed(), rounds, nf,
                     info={"lp": lp, "members": len(master.members), "lp_seconds": t_lp,
                           "ub_seconds": t_ub, "probes": probes})


def reduce_design(d: DesignData, o, carbon_price: float, time_budget: float,
                  threads: int = 1) -> Reduction | None:
    """The reduction of a design instance, or None when it does not apply or does not pay.

    ``time_budget``: seconds the fixing may take (the caller's share of its Deadline)."""
    core = core_of(d, o, carbon_price)
    if core is None:
        log.debug("design: Lagrangian fixing does not apply (not a plain facility-location "
                  "instance with at least %d arcs)", MIN_ARCS)
        return None
    log.info("design: Lagrangian fixing on %d warehouses x %d demands (budget %.0f s)",
             len(core.fac), len(core.items), time_budget)
    return reduce_core(core, time_budget, threads)


def drop_closed_arcs(d: DesignData, closed: list[str]) -> list[bool]:
    """Arcs to keep once the warehouses in ``closed`` are fixed closed (their arcs carry nothing)."""
    gone = set(closed)
    return (~(d.arcs["origin"].isin(gone) | d.arcs["destination"].isin(gone))).tolist()


