"""Every table of an instance: its columns, types, defaults, units and meaning, in one place.

Readers, writers, validation, the generator and the docs all read this module. A table
is long-format: key columns identify a row, value columns carry data. ``NaN`` in a
capacity column means "unlimited".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

NAN = math.nan
NODE_KINDS = ("supplier", "plant", "warehouse", "customer")
NODE_STATUSES = ("open", "existing", "candidate", "closed")
PRODUCT_KINDS = ("raw", "intermediate", "finished")
STOCK_MODES = ("push", "pull")
SEGMENTS = ("key_account", "committed", "best_effort")


@dataclass(frozen=True)
class Column:
    dtype: str  # "str", "float", "int" (whole numbers), "bool"
    default: object = None  # None = required
    unit: str = ""
    description: str = ""
    # False: a blank cell in a column that is present is refused, because its default would
    # silently change the answer (an empty price must not mean free)
    blank_ok: bool = True

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class TableSchema:
    name: str
    key: tuple[str, ...]
    columns: dict[str, Column] = field(default_factory=dict)
    description: str = ""
    optional: bool = True

    @property
    def required_columns(self) -> list[str]:
        return [c for c, col in self.columns.items() if col.required]


def _t(name, key, doc, optional=True, **columns) -> TableSchema:
    return TableSchema(name, tuple(key), dict(columns), doc, optional)


C = Column
TABLES: dict[str, TableSchema] = {t.name: t for t in [
    _t("nodes", ["id"], "Facilities: suppliers, plants, warehouses and customers.", optional=False,
       id=C("str", description="unique node id"),
       kind=C("str", description="supplier, plant, warehouse or customer"),
       status=C("str", "open", description="open (fixed open), existing (open, may close), "
                "candidate (may open), closed (forced closed)"),
       fixed_cost=C("float", 0.0, "money/horizon", "cost of being open over the horizon"),
       closing_cost=C("float", 0.0, "money", "one-off cost of closing an existing facility"),
       capacity=C("float", NAN, "hours or units/period", "plant: production hours per period; "
                  "warehouse: throughput units per period; supplier: units per period, all products"),
       storage_capacity=C("float", NAN, "volume", "storage volume (units x product volume)"),
       holding_rate=C("float", NAN, "1/period", "holding cost per period as a share of unit value; "
                      "NaN = the instance's holding_rate"),
       handling_cost=C("float", 0.0, "money/unit", "cost per unit passing through"),
       overtime_capacity=C("float", 0.0, "hours/period", "extra production hours available"),
       overtime_cost=C("float", 0.0, "money/hour", "cost of one overtime hour"),
       lat=C("float", NAN, "degrees", "latitude"),
       lon=C("float", NAN, "degrees", "longitude"),
       region=C("str", "", description="region label (for limits per region and reports)")),
    _t("lanes", ["origin", "destination"], "Transport lanes (directed edges).", optional=False,
       origin=C("str", description="node shipping"),
       destination=C("str", description="node receiving"),
       mode=C("str", "road", description="transport mode"),
       cost=C("float", 0.0, "money/unit", "transport cost per unit", blank_ok=False),
       distance=C("float", NAN, "km", "lane length; NaN = great-circle distance if coordinates exist"),
       lead_time=C("int", 0, "periods", "whole periods between shipping and arrival"),
       capacity=C("float", NAN, "units/period", "most units per period on the lane"),
       fixed_cost=C("float", 0.0, "money/horizon", "cost of using the lane at all"),
       min_volume=C("float", 0.0, "units/period", "least volume if the lane is used"),
       co2=C("float", 0.0, "kg/unit", "emissions per unit shipped")),
    _t("products", ["id"], "Products: raw materials, intermediates and finished goods.", optional=False,
       id=C("str", description="unique product id"),
       kind=C("str", "finished", description="raw, intermediate or finished"),
       value=C("float", 0.0, "money/unit", "unit value (basis of holding cost)"),
       volume=C("float", 1.0, "volume/unit", "space one unit takes in storage"),
       description=C("str", "", description="free text")),
    _t("bom", ["parent", "component"], "Bill of materials: components consumed per unit of parent.",
       parent=C("str", description="product made"),
       component=C("str", description="product consumed"),
       quantity=C("float", 1.0, "units/unit", "units of component per unit of parent")),
    _t("supply", ["supplier", "product"], "Supply offers: what a supplier sells, at what terms.",
       supplier=C("str", description="supplier node"),
       product=C("str", description="product offered"),
       price=C("float", 0.0, "money/unit", "purchase price", blank_ok=False),
       capacity=C("float", NAN, "units/period", "most units per period"),
       lead_time=C("int", 0, "periods", "order lead time"),
       co2=C("float", 0.0, "kg/unit", "emissions per unit bought")),
    _t("production", ["plant", "product"], "Production options: what a plant can make.",
       plant=C("str", description="plant node"),
       product=C("str", description="product made"),
       cost=C("float", 0.0, "money/unit", "variable production cost", blank_ok=False),
       capacity_use=C("float", 1.0, "hours/unit", "plant capacity used per unit made"),
       fixed_cost=C("float", 0.0, "money/horizon", "make fixed cost (tooling, line)"),
       lead_time=C("int", 0, "periods", "production lead time"),
       co2=C("float", 0.0, "kg/unit", "emissions per unit made"),
       setup_cost=C("float", 0.0, "money/setup", "cost of a setup in a period"),
       setup_time=C("float", 0.0, "hours/setup", "capacity used by a setup"),
       min_lot=C("float", 0.0, "units", "least production quantity when set up"),
       subcontract_cost=C("float", NAN, "money/unit", "buying the product for a period instead "
                          "(NaN = not allowed)")),
    _t("capacity_levels", ["node", "level"], "Discrete capacity sizes of plants and warehouses.",
       node=C("str", description="plant or warehouse"),
       level=C("str", description="level name"),
       capacity=C("float", description="capacity at this level (units as the node's capacity)"),
       fixed_cost=C("float", 0.0, "money/horizon", "cost of this level over the horizon")),
    _t("demand", ["customer", "product", "period"], "Customer demand per product and period.",
       customer=C("str", description="customer node"),
       product=C("str", description="product demanded"),
       period=C("int", 1, "period", "period of the demand, 1..T"),
       quantity=C("float", description="mean demand (units)"),
       std=C("float", 0.0, "units", "standard deviation of demand per period"),
       service_level=C("float", 0.95, "probability", "cycle service level promised, in (0, 1)"),
       quoted_lead_time=C("int", 0, "periods", "lead time quoted to the customer"),
       priority=C("str", "standard", description="customer class (see customer_classes)")),
    _t("customer_classes", ["priority"], "Service terms per customer class.",
       priority=C("str", description="class name, as in demand.priority"),
       unmet_penalty=C("float", NAN, "money/unit", "penalty per unit not delivered; NaN = "
                       "the instance's unmet_penalty"),
       backlog=C("bool", True, description="unmet demand is backlogged (True) or lost (False)"),
       backlog_cost=C("float", 0.0, "money/unit/period", "cost per unit backlogged per period"),
       min_fill_rate=C("float", 0.0, "share", "committed minimum fill rate of the class")),
    _t("commitments", ["customer", "product"], "Service commitments per customer and product "
       "(plan, promise): committed volume, service level and segment.",
       customer=C("str", description="customer node"),
       product=C("str", description="product committed"),
       quoted_lead_time=C("int", 0, "periods", "shortest lead time that may be quoted to the "
                          "customer"),
       max_quantity=C("float", NAN, "units/period", "committed volume per period; demand above "
                      "it is best effort (NaN = all demand committed)"),
       service_level=C("float", 0.0, "share", "promised fill rate of the committed volume over "
                       "the horizon (a hard floor in the plan)"),
       mean_demand=C("float", NAN, "units/period", "mean demand the commitment was sized for "
                     "(NaN = not stated; informative)"),
       segment=C("str", "committed", description="key_account (reserved supply), committed "
                 "(committed volume) or best_effort (no commitment)")),
    _t("periods", ["period"], "The planning horizon.",
       period=C("int", description="period number, 1..T"),
       label=C("str", "", description="e.g. 2026-01")),
    _t("stock", ["node", "product"], "Inventory terms per node and product (planning, buffers).",
       node=C("str", description="plant or warehouse"),
       product=C("str", description="product"),
       initial=C("float", 0.0, "units", "on hand at the start"),
       target_end=C("float", 0.0, "units", "wanted on hand at the end of the horizon"),
       safety_stock=C("float", 0.0, "units", "safety-stock target (soft lower bound)"),
       mode=C("str", "push", description="push (make-to-stock) or pull (make-to-order)")),
    _t("outages", ["element", "first_period"], "Disruptions: a node or lane loses capacity.",
       element=C("str", description="node id, or 'origin->destination' for a lane"),
       first_period=C("int", 1, "period", "first period affected"),
       last_period=C("int", 1, "period", "last period affected"),
       capacity_factor=C("float", 0.0, "share", "share of capacity left (0 = down)")),
]}

# Global parameters of instance.yaml: name -> (default, unit, description).
PARAMS: dict[str, tuple[object, str, str]] = {
    "name": ("network", "", "instance name"),
    "description": ("", "", "what the instance represents"),
    "units": ({"money": "EUR", "quantity": "unit", "time": "period", "distance": "km",
               "co2": "kg"}, "", "units of measure"),
    "periods": (None, "", "number of periods T (periods are 1..T; None = as the demand spans)"),
    "carbon_price": (0.0, "money/kg", "price of one kg of CO2 in the objective"),
    "co2_cap": (None, "kg", "cap on total emissions over the horizon (None = no cap)"),
    "unmet_penalty": (None, "money/unit", "penalty per unit of unmet demand (None = derived "
                      "from the data: 10 x the dearest path cost)"),
    "holding_rate": (0.02, "1/period", "default holding cost per period as a share of value"),
    "meta": ({}, "", "your own notes (a mapping; kept on read and write, never used by a model)"),
}

LANE_SEPARATOR = "->"
# The largest magnitude a finite number may have in an instance: HiGHS treats 1e20 as infinite
# and loses precision long before; an empty capacity cell means unlimited.
LARGEST_VALUE = 1e12
