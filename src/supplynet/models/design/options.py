"""Options of the design model (models/design.md): which families are added and how."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import OptionsError


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
        respect_quoted_lead_times: for key-account and committed pairs of the ``commitments``
            table, lanes into the customer whose lead time (periods, the last lane only: the
            shipping node holds the stock) exceeds the pair's ``quoted_lead_time`` cannot
            carry the product; best-effort pairs and pairs without a commitment keep all lanes.
        min_open / max_open: {kind or (kind, region): count} limits on open facilities.
        carbon_price / co2_cap: override the instance's parameters (money/kg, kg).
        capacity_cover / open_count_cover / linking: the strengthening inequalities (on by
            default; models/design.md gives the evidence for each). With ``linking`` off
            the decided plants keep their rows: nothing else closes a plant's arcs.
        customer_linking: with ``linking``, also the rows flow[w,c,p] <= U·open[w] on a
            decided warehouse's arcs into customers (most of the rows). False leaves them out
            (the warehouse's throughput row still closes those arcs, and U becomes their
            column bound): a weaker LP relaxation that solves much faster on large
            multi-echelon networks (models/design.md, "Linking"). None (default) = False on
            networks with a decided plant and 5,000 arcs or more, else True.
        lagrangian_fixing: on large single-echelon facility-location instances (suppliers ->
            decided capacitated warehouses -> customers, >= 20 000 arcs), fix warehouses closed
            or open by a Lagrangian bound against a quick restricted-MIP design before the
            solve (exact; see reduce.py). Other instances are solved as they are.
        extra_constraints: hook ``f(model, net)`` called after the build, before the solve.
        plant_probing: settle the plant tier by LP bounds before the MIP (probing.py,
            models/design.md "Plant probing"): every option of every decided plant (closed,
            each level) is bounded by an LP, the best options give an incumbent, and options
            whose bound exceeds it are excluded. None (default) = on models of 2,000 columns
            or more with at most 32 plant options; True = whenever there are plant options;
            False = never.
        engine: "arrays" (default) declares the variables and the core families (balances,
            demand, capacities, level choice, linking) as arrays straight from the index sets
            (supplynet.arrays; the variables are still ``model.<name>`` for hooks); "pyomo"
            declares every family as Pyomo components, the readable reference the arrays are
            tested against (tests/test_engine.py). The stochastic design always uses "pyomo"
            (it nests one model per scenario as blocks).
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
    respect_quoted_lead_times: bool = False
    min_open: dict | None = None
    max_open: dict | None = None
    carbon_price: float | None = None
    co2_cap: float | None = None
    capacity_cover: bool = True
    open_count_cover: bool = True
    linking: bool = True
    customer_linking: bool | None = None
    lagrangian_fixing: bool = True
    extra_constraints: Callable | None = None
    engine: str = "arrays"
    plant_probing: bool | None = None

    def __post_init__(self) -> None:
        if self.engine not in ("arrays", "pyomo"):
            raise OptionsError(f"engine must be 'arrays' or 'pyomo', got {self.engine!r}")
        if self.customer_linking not in (None, True, False):
            raise OptionsError(f"customer_linking must be None, True or False, got {self.customer_linking!r}")
        if self.single_sourcing not in (None, "customer", "customer_product"):
            raise OptionsError("single_sourcing must be None, 'customer' or 'customer_product', "
                               f"got {self.single_sourcing!r}")
        if self.min_service_share is not None and not 0 <= self.min_service_share <= 1:
            raise OptionsError(f"min_service_share must be in [0, 1], got {self.min_service_share}")
        share = self.max_supplier_share
        for v in (share.values() if isinstance(share, dict) else [share]):
            if v is not None and not 0 < v <= 1:
                raise OptionsError(f"max_supplier_share must be in (0, 1], got {v}")
