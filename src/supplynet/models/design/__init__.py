"""Strategic network design MIP: which facilities, levels, lanes and suppliers (models/design.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.environ import quicksum

from ...errors import InstanceError, OptionsError
from ...network import Network, records
from ...options import SolveOptions, split_options
from ...results import Result
from ...solve import solve_model
from . import choices as ch
from . import constraints as dc
from .data import DesignData, prepare, restrict_arcs
from .reduce import Reduction, drop_closed_arcs, reduce_design

# HiGHS options of the final solve after Lagrangian fixing (user highs_options win). The start
# is the restricted-MIP design, so primal heuristics only cost time: on capb_6000 with 39 free
# warehouses the RINS/RENS sub-MIPs took 57 of 130 s and found nothing better.
FIXED_HIGHS_OPTIONS: dict[str, Any] = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_feasibility_jump": False,
}


@dataclass
class DesignOptions:
    """Switches of the design model; a family that is off adds nothing to the model.

    Attributes:
        soft: unmet demand allowed at the class penalty (money/unit), reported in ``unmet``.
        single_sourcing: None, "customer" (one supplying node per customer) or
            "customer_product" (one per customer and product).
        max_supplier_share: no supplier above this share of a product's purchases (float, or
            {product: share}).
        min_suppliers: at least this many suppliers per product (int or {product: int}), each
            carrying at least ``min_supplier_share`` of the product's purchases.
        force_open / force_closed: facility ids fixed open / closed for this run.
        force_make / force_buy: (plant, product) pairs fixed to make / to buy.
        exclusive_make_or_buy: a (plant, product) is either made or bought, not both.
        make_or_buy_regret: re-solve each make-or-buy pair with the other choice forced and
            report the cost difference of the road not taken (one extra MIP per pair).
        lane_fixed_costs: model lane fixed costs and minimum volumes with binaries.
        max_service_distance (km) / max_service_lead_time (periods): service radius; with
            ``min_service_share`` None, lanes beyond it cannot serve customers; otherwise at least
            that share of all demand is served from within it.
        min_open / max_open: {kind or (kind, region): count} limits on open facilities.
        carbon_price / co2_cap: override the instance's parameters (money/kg, kg).
        capacity_cover / open_count_cover / linking: the strengthening inequalities (on by
            default; models/design.md gives the evidence for each).
        lagrangian_fixing: on large single-echelon facility-location instances (suppliers ->
            decided capacitated warehouses -> customers, >= 20 000 arcs), fix warehouses closed
            or open by a Lagrangian bound against a quick restricted-MIP design before the
            solve (exact; see design_reduce.py). Other instances are solved as they are.
        extra_constraints: hook ``f(model, net)`` called after the build, before the solve.
    """

    soft: bool = False
    single_sourcing: str | None = None
    max_supplier_share: Any = None
    min_suppliers: Any = None
    min_supplier_share: float = 0.05
    force_open: tuple = ()
    force_closed: tuple = ()
    force_make: tuple = ()
    force_buy: tuple = ()
    exclusive_make_or_buy: bool = True
    make_or_buy_regret: bool = False
    lane_fixed_costs: bool = True
    max_service_distance: float | None = None
    max_service_lead_time: int | None = None
    min_service_share: float | None = None
    min_open: dict | None = None
    max_open: dict | None = None
    carbon_price: float | None = None
    co2_cap: float | None = None
    capacity_cover: bool = True
    open_count_cover: bool = True
    linking: bool = True
    lagrangian_fixing: bool = True
    extra_constraints: Callable | None = None

    def __post_init__(self) -> None:
        if self.single_sourcing not in (None, "customer", "customer_product"):
            raise OptionsError("single_sourcing must be None, 'customer' or 'customer_product', "
                               f"got {self.single_sourcing!r}")
        if self.min_service_share is not None and not 0 <= self.min_service_share <= 1:
            raise OptionsError(f"min_service_share must be in [0, 1], got {self.min_service_share}")
        share = self.max_supplier_share
        for v in (share.values() if isinstance(share, dict) else [share]):
            if v is not None and not 0 < v <= 1:
                raise OptionsError(f"max_supplier_share must be in (0, 1], got {v}")


def _with_forced_status(net: Network, o: DesignOptions) -> Network:
    if not (o.force_open or o.force_closed):
        return net
    known = set(net.table("nodes")["id"].tolist())
    bad = [n for n in (*o.force_open, *o.force_closed) if n not in known]
    if bad:
        raise OptionsError(f"force_open/force_closed name unknown node(s): {', '.join(map(str, bad))}")
    net = net.copy()
    nodes = net.table("nodes").copy()
    nodes.loc[nodes["id"].isin(o.force_open), "status"] = "open"
    nodes.loc[nodes["id"].isin(o.force_closed), "status"] = "closed"
    net.set_table("nodes", nodes)
    return net


def _check_reachable(d: DesignData, soft: bool) -> None:
    if soft:
        return
    problems = [f"customer {c}, product {p}: {q:g} units demanded but no open facility can ship "
                f"it there (closed facilities or a service radius cut every lane)"
                for c, p, q in records(d.demand, ["customer", "product", "quantity"])
                if q > 0 and not d.arcs_in.get((c, p))]
    if problems:
        raise InstanceError(problems)


def _reachable_with(d: DesignData, keep: list[bool]) -> bool:
    """Does every positive demand keep an arc into its customer?"""
    return all(q <= 0 or any(keep[i] for i in d.arcs_in.get((c, p), ()))
               for c, p, q in records(d.demand, ["customer", "product", "quantity"]))


def build(net: Network, o: DesignOptions, so: SolveOptions | None = None
          ) -> tuple[pyo.ConcreteModel, DesignData]:
    """The design MIP over the network's sparse sets (see models/design.md).

    With solve options ``so`` and ``o.lagrangian_fixing``, warehouses are fixed by
    ``reduce_design`` first when the instance qualifies (``m.reduction``, else None).
    """
    d = prepare(net)
    if o.min_service_share is None and (o.max_service_distance is not None
                                        or o.max_service_lead_time is not None):
        keep = [d.kind[c] != "customer" or ch.service_ok(d, o, org, c)
                for org, c in zip(d.arcs["origin"].tolist(), d.arcs["destination"].tolist(), strict=True)]
        restrict_arcs(d, keep)
    _check_reachable(d, o.soft)
    red = None
    if so is not None and o.lagrangian_fixing:
        # the fixing is most of the work once it applies (the final solve then takes seconds)
        budget = 0.7 * so.time_limit if so.time_limit is not None else 120.0
        red = reduce_design(d, o, carbon_price(net, o), budget, so.threads)
        if red is not None and red.closed:
            keep = drop_closed_arcs(d, red.closed)
            if _reachable_with(d, keep):
                restrict_arcs(d, keep)
            else:  # cannot happen for sound fixings (the start serves everyone): ignore them
                red = None
    m = pyo.ConcreteModel(name=f"design_{net.name}")
    m.reduction = red
    with PauseGC():
        dc.add_variables(m, d, o)
        if red is not None:
            for n in red.closed:
                m.open[n].fix(0)
            for n in red.opened:
                m.open[n].fix(1)
        dc.add_flow_balance(m, d, o)
        dc.add_demand(m, d, o)
        dc.add_supplier_capacity(m, d, o)
        dc.add_production_capacity(m, d, o)
        dc.add_throughput_capacity(m, d, o)
        dc.add_level_choice(m, d, o)
        if o.linking:
            dc.add_open_linking(m, d, o)
        else:
            m.demand_qty = dict(zip(m.demand_list, d.demand["quantity"].tolist(), strict=True))
        if o.capacity_cover:
            dc.add_capacity_cover(m, d, o)
        if o.open_count_cover:
            dc.add_open_count_cover(m, d, o)
        ch.add_make_or_buy(m, d, o)
        if o.max_supplier_share is not None or o.min_suppliers is not None:
            ch.add_supplier_diversification(m, d, o)
        if o.single_sourcing:
            ch.add_single_sourcing(m, d, o)
        ch.add_lane_usage(m, d, o)
        if o.min_service_share is not None:
            ch.add_service_share(m, d, o)
        if o.min_open or o.max_open:
            ch.add_open_limits(m, d, o)
        co2_cap = o.co2_cap if o.co2_cap is not None else net.params.get("co2_cap")
        if co2_cap is not None:
            ch.add_co2_cap(m, d, o, float(co2_cap))
        add_objective(m, d, o, carbon_price(net, o))
    return m, d


def _start_of(m, red: Reduction) -> dict[str, float]:
    """The reduction's design as a MIP start {column name: value} for the built model."""
    start = {m.open[n].name: red.start_open.get(n, 0.0) for n in m.open_index if not m.open[n].fixed}
    start.update({m.flow[a].name: red.start_flow.get(a, 0.0) for a in m.arc_list})
    return start


def _certified(sol, red: Reduction) -> bool:
    """The fixings hold when the reduced model reached a design at least as good as their start."""
    if sol.objective is None or sol.status in ("infeasible", "unbounded", "error"):
        return False
    return sol.objective <= red.upper + 1e-7 * abs(red.upper) + 1e-6


def carbon_price(net: Network, o: DesignOptions) -> float:
    return float(o.carbon_price if o.carbon_price is not None else net.params.get("carbon_price") or 0.0)


def forced_closing_cost(d: DesignData) -> float:
    """Closing costs of plants and warehouses forced closed (status "closed"): shutting an
    existing site is paid whether the model or the user decides it."""
    node = d.node
    return float(sum(node.at[n, "closing_cost"] for n, s in d.status.items()
                     if s == "closed" and d.kind[n] in ("plant", "warehouse")))


def add_objective(m, d: DesignData, o: DesignOptions, price: float) -> None:
    """min fixed + closing + levels + production + make fixed + purchase + transport + handling
    + lane fixed + carbon + unmet penalty (each term is a row of the ``costs`` table)."""
    node = d.node
    fixed = {n: float(node.at[n, "fixed_cost"]) for n in d.facilities}
    closing = {n: float(node.at[n, "closing_cost"]) for n in m.open_index if d.status[n] == "existing"}
    handling = {n: float(node.at[n, "handling_cost"]) for n in d.facilities}
    lane_cost = {(a, b): c for a, b, c in records(d.lanes, ["origin", "destination", "cost"])}
    price_of = {(s, p): c for s, p, c in records(d.supply, ["supplier", "product", "price"])}
    prod_cost = dict(zip(m.make_list, d.production["cost"].tolist(), strict=True))
    lvl_cost = dict(zip(m.level_list, d.levels["fixed_cost"].tolist(), strict=True))
    terms = [
        quicksum(fixed[n] * dc.open_of(m, n) for n in d.facilities if fixed[n]),
        quicksum(closing[n] * (1 - m.open[n]) for n in closing if closing[n])
        + forced_closing_cost(d),
        quicksum(c * m.level[k] for k, c in lvl_cost.items() if c),
        quicksum(c * m.make[k] for k, c in prod_cost.items() if c),
        quicksum(m.make_fixed_cost[k] * m.make_on[k] for k in m.make_or_buy_list if m.make_fixed_cost[k]),
        quicksum(price_of[a, p] * m.flow[a, b, p] for a, b, p in m.arc_list if price_of.get((a, p))),
        quicksum(lane_cost[a, b] * m.flow[a, b, p] for a, b, p in m.arc_list if lane_cost[a, b]),
        quicksum(handling[b] * m.flow[a, b, p] for a, b, p in m.arc_list if handling.get(b)),
    ]
    if hasattr(m, "lane_on"):
        terms.append(quicksum(m.lane_fixed_cost[k] * m.lane_on[k] for k in m.lane_fixed_cost))
    if price:
        terms.append(price * ch.co2_expression(m, d))
    if o.soft:
        pen = dict(zip(m.demand_list, d.demand["penalty"].tolist(), strict=True))
        terms.append(quicksum(pen[k] * m.unmet[k] for k in m.demand_list))
    m.total_cost = pyo.Objective(expr=quicksum(terms), sense=pyo.minimize)


def design(net: Network, options: SolveOptions | None = None, *, scenarios=None,
           probabilities=None, risk: dict | None = None, **kwargs: Any) -> Result:
    """Solve the network design MIP and return a Result.

    Keyword arguments are ``DesignOptions`` fields and ``SolveOptions`` fields, e.g.
    ``design(net, time_limit=60, mip_gap=1e-6, single_sourcing="customer")``.
    With ``scenarios`` (Scenario patches or Networks), ``probabilities`` (default equal) and
    ``risk`` ({"alpha": 0.95, "weight": λ} for a CVaR term), the two-stage stochastic design
    of ``design_stochastic`` is solved instead.
    Tables: facilities, flows, production, purchases, make_or_buy, assignments, costs, kpis,
    unmet (soft mode). Raises InstanceError on invalid input, before any model is built.
    """
    o, so = split_options(DesignOptions, kwargs, options)
    net.validate()
    if scenarios is not None:
        from .stochastic import stochastic_design

        return stochastic_design(net, scenarios, probabilities, risk, o, so)
    t0 = time.perf_counter()
    work = _with_forced_status(net, o)
    m, d = build(work, o, so)
    if o.extra_constraints is not None:
        o.extra_constraints(m, work)
    t1 = time.perf_counter()
    red: Reduction | None = m.reduction
    run = so
    if red is not None:
        run = run.replace(highs_options={**FIXED_HIGHS_OPTIONS, **so.highs_options})
        if so.mip_start is None:
            run = run.replace(mip_start=_start_of(m, red))
        if so.time_limit is not None:
            run = run.replace(time_limit=max(so.time_limit - (t1 - t0), 1.0))
    sol = solve_model(m, run)
    note = ""
    if red is not None:
        if _certified(sol, red):
            note = red.note()
        else:  # the start was not reproduced: the fixings are not certified, solve it all
            note = "Lagrangian fixing withdrawn: the model did not reproduce its start"
            m, d = build(work, replace(o, lagrangian_fixing=False))
            if o.extra_constraints is not None:
                o.extra_constraints(m, work)
            t1 = time.perf_counter()
            if so.time_limit is not None:
                so = so.replace(time_limit=max(so.time_limit - (t1 - t0), 1.0))
            sol = solve_model(m, so)
    from .results import make_result

    res = make_result(net, work, m, d, o, so, sol, build_seconds=t1 - t0)
    if note:
        res.message = f"{res.message}; {note}" if res.message else note
    if res.ok and o.make_or_buy_regret and m.make_or_buy_list:
        from .results import add_regret

        add_regret(res, net, o, so)
    if res.status == "infeasible":
        from .diagnose import diagnose_design

        res.diagnosis = diagnose_design(work, o, so)
    return res
