"""Build the design MIP: data, optional Lagrangian fixing, index sets once, then the families.

``build`` returns ``Built(model, sets)``; the model holds only Pyomo components, the sets
(``DesignSets``) every index list the families were declared over.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from ...errors import OptionsError
from ...network import Network
from ...options import SolveOptions
from ...solve import Deadline
from .._sets import Built, records
from . import arrays as da
from . import choices as ch
from . import constraints as dc
from . import covers
from .costs import add_objective
from .data import DesignData, prepare, restrict_arcs
from .options import DesignOptions
from .reduce import Reduction, drop_closed_arcs, reduce_design
from .sets import design_sets

# The Lagrangian fixing is most of the work once it applies (the final solve then takes
# seconds): it may take this share of the time limit, and this many seconds without one.
FIXING_SHARE = 0.7
FIXING_SECONDS = 120.0


def with_forced_status(net: Network, o: DesignOptions) -> Network:
    """The network with ``force_open`` / ``force_closed`` written into the node statuses."""
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


def carbon_price(net: Network, o: DesignOptions) -> float:
    """Money per kg CO2: the option, else the instance's parameter, else 0."""
    return float(o.carbon_price if o.carbon_price is not None else net.params.get("carbon_price") or 0.0)


def co2_cap(net: Network, o: DesignOptions) -> float | None:
    """kg CO2 over the horizon: the option, else the instance's parameter (None = no cap)."""
    cap = o.co2_cap if o.co2_cap is not None else net.params.get("co2_cap")
    return None if cap is None else float(cap)


# Seconds per arc to build the Pyomo model and hand it to HiGHS (measured: capa, 100 000 arcs,
# 3 s build + 2 s hand-off on the project machine); used to stop before a build that the time
# limit cannot hold.
BUILD_SECONDS_PER_ARC = 4e-5


class OutOfTime(Exception):
    """The time left is shorter than building the model takes: ``solve_design`` returns status
    "time_limit" without a solution instead of overrunning the limit."""

    def __init__(self, left: float, needed: float, arcs: int):
        super().__init__(f"{left:.1f} s of the time limit left, building the model of {arcs:,} "
                         f"arcs takes about {needed:.1f} s")


class Unreachable(Exception):
    """Hard mode, and some demand has no arc into its customer: every lane that could bring it
    runs through a closed facility (or beyond a hard service radius). Not bad input: the design
    is infeasible (``solve_design`` returns status "infeasible", the diagnosis names the
    closed facilities). ``problems`` are sentences naming customer, product and units."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _check_reachable(d: DesignData, soft: bool) -> None:
    if soft:
        return
    problems = [f"customer {c}, product {p}: {q:,.6g} units demanded but no open facility can "
                f"ship it there (closed facilities, a service radius or a quoted lead time cut "
                f"every lane)"
                for c, p, q in records(d.demand, ["customer", "product", "quantity"])
                if q > 0 and not d.arcs_in.get((c, p))]
    if problems:
        raise Unreachable(problems)


def _reachable_with(d: DesignData, keep: list[bool]) -> bool:
    """Does every positive demand keep an arc into its customer?"""
    return all(q <= 0 or any(keep[i] for i in d.arcs_in.get((c, p), ()))
               for c, p, q in records(d.demand, ["customer", "product", "quantity"]))


def design_data(net: Network, o: DesignOptions) -> DesignData:
    """The model's data: arcs beyond a hard service radius, and with
    ``respect_quoted_lead_times`` arcs too slow for a committed pair's quote, dropped; in
    hard mode, raises ``Unreachable`` when some demand has no arc left (closed facilities,
    service radius, quoted lead time)."""
    d = prepare(net, carbon_price(net, o))
    if o.min_service_share is None and (o.max_service_distance is not None
                                        or o.max_service_lead_time is not None):
        keep = [d.kind[c] != "customer" or ch.service_ok(d, o, org, c)
                for org, c in zip(d.arcs["origin"].tolist(), d.arcs["destination"].tolist(), strict=True)]
        restrict_arcs(d, keep)
    if o.respect_quoted_lead_times:
        quotes = ch.committed_quotes(net)
        if quotes:
            keep = [d.kind[c] != "customer" or ch.quote_ok(d, quotes, org, c, p)
                    for org, c, p in records(d.arcs, ["origin", "destination", "product"])]
            restrict_arcs(d, keep)
    _check_reachable(d, o.soft)
    return d


def lagrangian_fixing(d: DesignData, o: DesignOptions, price: float, so: SolveOptions,
                      deadline: Deadline) -> Reduction | None:
    """Warehouses fixed by ``reduce_design`` when the instance qualifies; their arcs dropped
    from ``d``. None when it does not apply, or when the fixings would cut a customer off
    (cannot happen for sound fixings: the start serves everyone)."""
    red = reduce_design(d, o, price, deadline.budget(FIXING_SHARE, FIXING_SECONDS), so.threads)
    if red is not None and red.closed:
        keep = drop_closed_arcs(d, red.closed)
        if not _reachable_with(d, keep):
            return None
        restrict_arcs(d, keep)
    return red


def build(net: Network, o: DesignOptions, so: SolveOptions | None = None,
          deadline: Deadline | None = None) -> Built:
    """The design MIP over the network's sparse sets (see models/design.md).

    With solve options ``so`` and ``o.lagrangian_fixing``, warehouses are fixed by
    ``reduce_design`` first when the instance qualifies, within ``deadline`` (default: one
    started now from ``so``); the reduction is ``sets.reduction`` (else None).
    """
    d = design_data(net, o)
    price = carbon_price(net, o)
    red = None
    if so is not None and o.lagrangian_fixing:
        red = lagrangian_fixing(d, o, price, so, deadline or Deadline.of(so))
    left = deadline.left() if deadline is not None else None
    needed = BUILD_SECONDS_PER_ARC * len(d.arcs)
    if left is not None and left < needed:
        raise OutOfTime(left, needed, len(d.arcs))
    s = design_sets(d, o, price, co2_cap(net, o), red)
    m = pyo.ConcreteModel(name=f"design_{net.name}")
    with PauseGC():
        # the largest families: arrays (default) or Pyomo components, the same mathematics
        big = da if o.engine == "arrays" else dc
        big.add_variables(m, s, o)
        if red is not None:
            for n in red.closed:
                m.open[n].fix(0)
            for n in red.opened:
                m.open[n].fix(1)
        big.add_flow_balance(m, s, o)
        big.add_demand_met(m, s, o)
        big.add_supply_capacity(m, s, o)
        big.add_supplier_capacity(m, s, o)
        big.add_production_capacity(m, s, o)
        big.add_throughput_capacity(m, s, o)
        big.add_level_choice(m, s, o)
        big.add_open_linking(m, s, o)  # with linking off: the plants' rows only
        if o.capacity_cover:
            dc.add_capacity_cover(m, s, o)
        if o.open_count_cover:
            dc.add_open_count_cover(m, s, o)
        if o.capacity_cover:
            covers.add_production_cover(m, s, o)
        ch.add_make_or_buy(m, s, o)
        if o.max_supplier_share is not None:
            ch.add_supplier_share(m, s, o)
        if o.min_suppliers is not None:
            ch.add_supplier_count(m, s, o)
        if o.single_sourcing:
            (da if big is da else ch).add_single_sourcing(m, s, o)
        ch.add_lane_capacity(m, s, o)
        if o.lane_fixed_costs:
            ch.add_lane_usage(m, s, o)
        if o.min_service_share is not None:
            ch.add_service_share(m, s, o)
        if o.min_open or o.max_open:
            ch.add_open_limits(m, s, o)
        if s.co2_cap is not None:
            ch.add_co2_cap(m, s, o)
        add_objective(m, s, o)
    return Built(m, s)
