"""One call for newcomers: facility location from three DataFrames, answered as DataFrames.

``facility_location(customers, facilities, transport_cost)`` checks the three tables, builds
the single-product, single-period Network that the OR-Library reader also builds (one
supplier at price 0 feeding every candidate facility, lanes facility -> customer at the given
cost per unit) and solves it with ``sn.design``. The full design Result stays available as
``.design`` for everything the short answer leaves out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import InstanceError
from ..network import Network
from ..results import Result
from .design import design

OPEN_COLUMNS = ["facility", "open", "fixed_cost", "capacity", "throughput"]
ASSIGNMENT_COLUMNS = ["facility", "customer", "quantity", "cost"]
PRODUCT = "P"


@dataclass
class FacilityLocationResult:
    """The answer of :func:`facility_location`.

    Attributes:
        open: one row per facility: ``facility``, ``open`` (bool), ``fixed_cost`` (money),
            ``capacity`` (units, NaN = unlimited), ``throughput`` (units shipped from it).
        assignment: one row per (facility, customer) pair that carries flow: ``quantity``
            (units) and ``cost`` (money, quantity x cost per unit).
        objective: fixed costs of the open facilities plus transport costs (money); NaN when
            no solution was found.
        status: ``optimal``, ``time_limit``, ``gap_limit``, ``infeasible``, ``unbounded`` or
            ``error`` (as ``Result.status``).
        gap: relative MIP gap of the answer (0 when proven optimal).
        design: the full ``sn.design`` Result (costs, KPIs, diagnosis, apply(), ...).
    """

    open: pd.DataFrame
    assignment: pd.DataFrame
    objective: float
    status: str
    gap: float
    design: Result


def facility_location(customers: pd.DataFrame, facilities: pd.DataFrame,
                      transport_cost: pd.DataFrame, *, single_sourcing: bool = False,
                      time_limit: float | None = None, mip_gap: float | None = None,
                      **design_options: Any) -> FacilityLocationResult:
    """Choose which facilities to open and which customers each serves, at least total cost.

    Args:
        customers: columns ``customer`` (id) and ``demand`` (units).
        facilities: columns ``facility`` (id), ``fixed_cost`` (money for opening it) and,
            optionally, ``capacity`` (units it can ship; missing or NaN = unlimited).
        transport_cost: columns ``facility``, ``customer``, ``cost`` (money per unit shipped);
            a pair without a row cannot be used.
        single_sourcing: each customer is served by exactly one facility.
        time_limit: seconds for the whole call; the best answer found is returned with its gap.
        mip_gap: relative gap at which the search stops (default that of ``sn.SolveOptions``).
        **design_options: further ``sn.design`` keywords (``DesignOptions`` and
            ``SolveOptions`` fields), e.g. ``max_open={"warehouse": 3}`` or ``log=True``.

    Returns:
        A :class:`FacilityLocationResult` of DataFrames keyed by the ids given. When no
        solution exists (e.g. too little capacity) the status says so, the tables are empty
        and ``.design.diagnosis`` explains it in business terms.

    Raises:
        InstanceError: naming every bad row (a missing column, a duplicate id, a negative or
            missing number, a pair naming an unknown facility or customer, a customer with
            demand that no facility can reach), before any model is built.
    """
    problems = check_tables(customers, facilities, transport_cost)
    if problems:
        raise InstanceError(problems, source="facility_location")
    net, facility_of, customer_of = build_network(customers, facilities, transport_cost)
    options = dict(design_options)
    if single_sourcing:
        options["single_sourcing"] = "customer"
    if time_limit is not None:
        options["time_limit"] = time_limit
    if mip_gap is not None:
        options["mip_gap"] = mip_gap
    res = design(net, **options)
    return read_answer(res, facilities, facility_of, customer_of)


def _missing_columns(df: Any, name: str, required: list[str]) -> list[str]:
    if not isinstance(df, pd.DataFrame):
        return [f"{name}: expected a pandas DataFrame, got {type(df).__name__}"]
    missing = [c for c in required if c not in df.columns]
    if missing:
        return [f"{name}: missing column(s) {', '.join(missing)} "
                f"(has {', '.join(map(str, df.columns)) or 'none'})"]
    return []


def _bad_numbers(df: pd.DataFrame, name: str, column: str, what: str,
                 allow_missing: bool = False) -> list[str]:
    """Rows of ``column`` that are not finite numbers >= 0 (NaN allowed if ``allow_missing``)."""
    values = pd.to_numeric(df[column], errors="coerce")
    out = []
    for label, raw, v in zip(df.index.tolist(), df[column].tolist(), values.tolist(), strict=True):
        if isinstance(raw, bool):
            v = math.nan
        missing = raw is None or (isinstance(raw, float) and math.isnan(raw))
        if missing and allow_missing:
            continue
        if missing or math.isnan(v) or math.isinf(v) or v < 0:
            out.append(f"{name} row {label}: {what} must be a number >= 0, found {raw!r}")
    return out


def _duplicates(ids: pd.Series, name: str, column: str) -> list[str]:
    keys = ids.astype(str)
    dup = keys.duplicated(keep="first")
    return [f"{name} row {label}: {column} {raw!r} appears more than once"
            for label, raw in zip(ids.index[dup].tolist(), ids[dup].tolist(), strict=True)]


def check_tables(customers: Any, facilities: Any, transport_cost: Any) -> list[str]:
    """Every problem of the three tables, each naming its table and row (index label)."""
    problems = (_missing_columns(customers, "customers", ["customer", "demand"])
                + _missing_columns(facilities, "facilities", ["facility", "fixed_cost"])
                + _missing_columns(transport_cost, "transport_cost",
                                   ["facility", "customer", "cost"]))
    if problems:
        return problems
    problems += _duplicates(customers["customer"], "customers", "customer")
    problems += _duplicates(facilities["facility"], "facilities", "facility")
    problems += _bad_numbers(customers, "customers", "demand", "demand")
    problems += _bad_numbers(facilities, "facilities", "fixed_cost", "fixed_cost")
    if "capacity" in facilities.columns:
        problems += _bad_numbers(facilities, "facilities", "capacity", "capacity",
                                 allow_missing=True)
    problems += _bad_numbers(transport_cost, "transport_cost", "cost", "cost")
    known_customers = set(customers["customer"].astype(str).tolist())
    known_facilities = set(facilities["facility"].astype(str).tolist())
    seen: set[tuple[str, str]] = set()
    reached: set[str] = set()
    for label, f, c in zip(transport_cost.index.tolist(), transport_cost["facility"].tolist(),
                           transport_cost["customer"].tolist(), strict=True):
        if str(f) not in known_facilities:
            problems.append(f"transport_cost row {label}: facility {f!r} is not in facilities")
        if str(c) not in known_customers:
            problems.append(f"transport_cost row {label}: customer {c!r} is not in customers")
        if (str(f), str(c)) in seen:
            problems.append(f"transport_cost row {label}: pair ({f!r}, {c!r}) appears more "
                            "than once")
        seen.add((str(f), str(c)))
        reached.add(str(c))
    demand = pd.to_numeric(customers["demand"], errors="coerce")
    for label, c, d in zip(customers.index.tolist(), customers["customer"].tolist(),
                           demand.tolist(), strict=True):
        if d > 0 and str(c) not in reached:
            problems.append(f"customers row {label}: customer {c!r} has demand {d:g} but no "
                            "row in transport_cost (no facility can serve it)")
    return problems


def _node_ids(facility_ids: list[str], customer_ids: list[str]) -> tuple[list[str], list[str], str]:
    """Node ids for facilities, customers and the source; prefixed only if names collide."""
    fs, cs = set(facility_ids), set(customer_ids)
    if fs & cs:
        facility_ids = [f"facility {f}" for f in facility_ids]
        customer_ids = [f"customer {c}" for c in customer_ids]
    taken = set(facility_ids) | set(customer_ids)
    source = "SOURCE"
    while source in taken:
        source = f"_{source}"
    return facility_ids, customer_ids, source


def build_network(customers: pd.DataFrame, facilities: pd.DataFrame,
                  transport_cost: pd.DataFrame) -> tuple[Network, dict[str, Any], dict[str, Any]]:
    """The design Network of checked tables, and {node id: facility id}, {node id: customer id}."""
    fac_raw = facilities["facility"].tolist()
    # a customer without demand and without any transport row changes nothing: left out, since
    # the network refuses a customer no lane reaches
    reached = set(transport_cost["customer"].astype(str).tolist())
    customers = customers[(pd.to_numeric(customers["demand"]) > 0)
                          | customers["customer"].astype(str).isin(reached)]
    cus_raw = customers["customer"].tolist()
    fac_node, cus_node, source = _node_ids([str(f) for f in fac_raw], [str(c) for c in cus_raw])
    node_of_facility = dict(zip(map(str, fac_raw), fac_node, strict=True))
    node_of_customer = dict(zip(map(str, cus_raw), cus_node, strict=True))
    m, n = len(fac_node), len(cus_node)
    capacity = (pd.to_numeric(facilities["capacity"], errors="coerce").tolist()
                if "capacity" in facilities.columns else [math.nan] * m)
    nodes = pd.DataFrame({
        "id": [source] + fac_node + cus_node,
        "kind": ["supplier"] + ["warehouse"] * m + ["customer"] * n,
        "status": ["open"] + ["candidate"] * m + ["open"] * n,
        "fixed_cost": [0.0] + pd.to_numeric(facilities["fixed_cost"]).astype(float).tolist()
        + [0.0] * n,
        "capacity": [math.nan] + [float(c) for c in capacity] + [math.nan] * n,
    })
    lanes = pd.DataFrame({
        "origin": [source] * m + [node_of_facility[str(f)]
                                  for f in transport_cost["facility"].tolist()],
        "destination": fac_node + [node_of_customer[str(c)]
                                   for c in transport_cost["customer"].tolist()],
        "cost": [0.0] * m + pd.to_numeric(transport_cost["cost"]).astype(float).tolist(),
    })
    tables = {
        "nodes": nodes,
        "lanes": lanes,
        "products": pd.DataFrame({"id": [PRODUCT], "kind": ["finished"]}),
        "supply": pd.DataFrame({"supplier": [source], "product": [PRODUCT], "price": [0.0]}),
        "demand": pd.DataFrame({"customer": cus_node, "product": [PRODUCT] * n, "period": [1] * n,
                                "quantity": pd.to_numeric(customers["demand"]).astype(float)
                                .tolist()}),
    }
    params = {"name": "facility_location", "periods": 1,
              "description": f"facility location: {m} facilities, {n} customers"}
    net = Network.from_tables(tables, params=params)
    return (net, dict(zip(fac_node, fac_raw, strict=True)),
            dict(zip(cus_node, cus_raw, strict=True)))


def read_answer(res: Result, facilities: pd.DataFrame, facility_of: dict[str, Any],
                customer_of: dict[str, Any]) -> FacilityLocationResult:
    """The short answer of a design Result, in the caller's ids."""
    if not res.tables:
        return FacilityLocationResult(
            open=pd.DataFrame(columns=OPEN_COLUMNS),
            assignment=pd.DataFrame(columns=ASSIGNMENT_COLUMNS),
            objective=math.nan, status=res.status, gap=res.gap, design=res)
    fac = res.tables["facilities"].set_index("node")
    nodes = list(facility_of)
    capacity = (pd.to_numeric(facilities["capacity"], errors="coerce").tolist()
                if "capacity" in facilities.columns else [math.nan] * len(nodes))
    opened = pd.DataFrame({
        "facility": [facility_of[v] for v in nodes],
        "open": [bool(fac.at[v, "open"]) for v in nodes],
        "fixed_cost": pd.to_numeric(facilities["fixed_cost"]).astype(float).tolist(),
        "capacity": [float(c) for c in capacity],
        "throughput": [float(fac.at[v, "throughput"]) for v in nodes],
    }, columns=OPEN_COLUMNS)
    flows = res.tables["flows"]
    served = flows[flows["destination"].isin(customer_of.keys())]
    assignment = pd.DataFrame({
        "facility": [facility_of[v] for v in served["origin"].tolist()],
        "customer": [customer_of[v] for v in served["destination"].tolist()],
        "quantity": served["quantity"].astype(float).tolist(),
        "cost": served["cost"].astype(float).tolist(),
    }, columns=ASSIGNMENT_COLUMNS)
    return FacilityLocationResult(open=opened, assignment=assignment, objective=res.objective,
                                  status=res.status, gap=res.gap, design=res)
