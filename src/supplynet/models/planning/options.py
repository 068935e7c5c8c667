"""The options of the planning model (``PlanOptions``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

from ...errors import OptionsError


@dataclass
class PlanOptions:
    """What the plan includes. An option that is off adds no variables or constraints.

    Attributes:
        setups: True gives a MIP with setup binaries (setup cost, setup time, min lot);
            False an LP without them.
        backlog: None = per customer class (customer_classes.backlog); True = all unmet
            demand is backlogged; False = all unmet demand is lost.
        overtime: allow overtime hours at plants (node overtime_capacity / overtime_cost).
        subcontracting: allow buying products into plants at production.subcontract_cost.
        storage: enforce node storage_capacity (volume).
        safety_stock: soft safety-stock targets of the stock table (shortfall penalised).
        min_fill_rates: impose customer_classes.min_fill_rate as hard constraints.
        co2: carbon price in the objective and the co2_cap constraint (instance params).
        extra_constraints: hook ``f(model, net)`` called after the build, before the solve.
        include_candidates: let the plan use candidate facilities (default: only open and
            existing ones; closed ones never).
        safety_stock_penalty: money per unit and period of safety-stock shortfall (None =
            the base unmet penalty / number of periods).
        commitment_service_levels: impose the commitments table's service_level as a hard
            fill-rate floor per (customer, product) on the committed volume.
        best_effort_penalty: money per unit of unmet demand above a commitment's
            max_quantity (best effort); None = half the pair's class penalty.
        prune_unreachable: leave out the make and ship rows the balances force to 0
            (production before the components can be at the plant, shipments before the
            product can be at the origin, deliveries no order is waiting for; same optimum,
            models/planning.md "Sets"). Off by default: it saves < 0.1 % of the columns on
            the generated benchmark instances, 20-65 % of the production rows with long lanes.
        key_account_priority: reserve supply for key accounts: the committed units of
            ``key_account`` pairs left unmet carry a priority premium (cost category
            ``priority``) above every other penalty plus the dearest cost to serve a unit,
            so the plan serves them whenever the network can, ahead of every other
            segment (models/planning.md, "Commitments").
        warm_start: with setups and no ``mip_start``, solve the LP relaxation first and
            hand HiGHS its rounded-up setups (setup wherever the relaxation produces) as a
            start; its time counts in solve_seconds and in the time limit.
        tight_setup_big_m: with setups, bound make[i,p,t] <= big_m * setup[i,p,t] by the
            hours left after the setup time and by what the product can still use from t
            on (models/planning.md, "setup_forcing"); False = the plain bound (all the
            plant's hours, or the whole horizon's requirement), kept for comparisons.
        lot_sizing_cut_rounds: with setups, rounds of (l,S) inequalities separated on the
            LP relaxation and added as rows of ``ls_cut`` before the MIP solve, for
            products made at one plant that form a single-item lot-sizing structure
            (models/planning.md, "ls_cut"); 0 = none. The rounds stop as soon as none is
            violated (about 15 on the TTM instances), so the default 50 means "to the end":
            five rounds stopped far short of the (l,S) bound and were slower than both 0 and
            the converged rows. Their time counts like the warm start's.
        lot_sizing_drop_slack_cuts: with (l,S) rounds, keep in the MIP only the ``ls_cut``
            rows tight at the last LP relaxation (slack <= 1e-6 x the item's demand of
            periods 1..l, in units) and delete the others, violated in an earlier round but
            slack now: same LP bound, smaller node LPs (on the TTM instances a third of
            the rows are kept and G53/G57 solve about 1.5-2x faster; models/planning.md,
            "ls_cut"). False keeps every row added, for comparisons.
        engine: "arrays" (default) declares the largest families (every variable family, the
            balances, capacities and safety-stock rows) as arrays straight from the index
            tables (supplynet.arrays; the variables are still ``model.<name>`` for
            ``extra_constraints``); "pyomo" declares every family as Pyomo components, the
            readable reference the arrays are tested against (tests/test_engine.py).
    """

    setups: bool = False
    backlog: bool | None = None
    overtime: bool = True
    subcontracting: bool = True
    storage: bool = True
    safety_stock: bool = True
    min_fill_rates: bool = True
    co2: bool = True
    extra_constraints: Callable[[pyo.ConcreteModel, Any], None] | None = None
    include_candidates: bool = False
    safety_stock_penalty: float | None = None
    warm_start: bool = True
    commitment_service_levels: bool = True
    best_effort_penalty: float | None = None
    key_account_priority: bool = True
    prune_unreachable: bool = False
    tight_setup_big_m: bool = True
    lot_sizing_cut_rounds: int = 50
    lot_sizing_drop_slack_cuts: bool = True
    engine: str = "arrays"

    def __post_init__(self) -> None:
        if self.backlog not in (None, True, False):
            raise OptionsError(f"backlog must be None, True or False, got {self.backlog!r}")
        if self.extra_constraints is not None and not callable(self.extra_constraints):
            raise OptionsError("extra_constraints must be a function f(model, net)")
        if self.safety_stock_penalty is not None and not self.safety_stock_penalty >= 0:
            raise OptionsError("safety_stock_penalty must be >= 0 (money per unit and period)")
        if not (isinstance(self.lot_sizing_cut_rounds, int) and self.lot_sizing_cut_rounds >= 0):
            raise OptionsError("lot_sizing_cut_rounds must be an integer >= 0 (rounds)")
        if not isinstance(self.lot_sizing_drop_slack_cuts, bool):
            raise OptionsError("lot_sizing_drop_slack_cuts must be True or False")
        if self.engine not in ("arrays", "pyomo"):
            raise OptionsError(f"engine must be 'arrays' or 'pyomo', got {self.engine!r}")
        if self.best_effort_penalty is not None and not self.best_effort_penalty >= 0:
            raise OptionsError("best_effort_penalty must be >= 0 (money per unit)")
