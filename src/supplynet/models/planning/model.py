"""Build the planning model: the typed sets, then each family in turn (no solve)."""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from .._sets import Built
from . import arrays as pa
from . import constraints as pc
from .costs import add_objective
from .options import PlanOptions
from .sets import build_sets


def build(net, o: PlanOptions | None = None) -> Built:
    """Build the planning model over ``net`` (models/planning.md); returns Built(model, sets).

    ``sets`` is the ``PlanSets`` the families were declared over; the objective is money
    per horizon. Options that are off add no family.
    """
    o = o or PlanOptions()
    with PauseGC():
        s = build_sets(net, o)
        m = pyo.ConcreteModel(name=f"plan {net.name}")
        # the largest families: arrays (default) or Pyomo components, the same mathematics
        big = pa if o.engine == "arrays" else pc
        big.add_variables(m, s, o)  # with the objective's coefficients when arrays
        big.add_inventory_balance(m, s, o)
        big.add_pull_drawdown(m, s, o)
        big.add_order_balance(m, s, o)
        big.add_late_backlog(m, s, o)
        big.add_production_capacity(m, s, o)
        big.add_supplier_capacity(m, s, o)
        big.add_supply_capacity(m, s, o)
        big.add_throughput_capacity(m, s, o)
        big.add_lane_capacity(m, s, o)
        if o.storage:
            big.add_storage_capacity(m, s, o)
        if o.setups:
            pc.add_setup_forcing(m, s, o)
            pc.add_min_lot(m, s, o)
            if o.lot_sizing_cut_rounds > 0:
                pc.add_ls_cut(m, s, o)  # empty: rows come from the separation (run.py)
        if o.safety_stock:
            big.add_safety_stock(m, s, o)
        if o.min_fill_rates:
            big.add_min_fill_rate(m, s, o)
        if len(s.best_effort_unmet):
            pc.add_best_effort_link(m, s, o)
        if o.commitment_service_levels and s.commit["floor"].any():
            pc.add_commitment_service_level(m, s, o)
        if o.co2 and s.co2_cap is not None:
            pc.add_co2_cap(m, s, o)
        if o.engine == "pyomo":
            add_objective(m, s, o)
    return Built(m, s)
