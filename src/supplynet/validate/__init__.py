"""Every check on an instance, collected into one list of problems.

``find_problems(net)`` returns the problems as sentences, each naming its culprit (node,
lane ``'A->B'``, product, period, table row); ``validate(net)`` raises one
``InstanceError`` listing them all. Checks are vectorised; each kind of problem lists at
most ``LIMIT`` rows and then says how many more there are.

Rules that are decisions rather than facts:

* Lanes may not leave a customer (no returns) nor enter a supplier; a lane may not join a
  node to itself. Every other direction is allowed, including supplier -> customer
  (direct delivery of bought-in goods), warehouse -> plant (components held in a
  warehouse) and plant -> plant / warehouse -> warehouse (transfers).
* ``NaN`` means "unlimited" in capacity columns and "use the instance default" where the
  schema's default is ``NaN``; it is allowed there and nowhere else.
* Stock rows are only for plants and warehouses; capacity levels only for plants and
  warehouses; supply rows only for suppliers; production rows only for plants; demand
  rows only for customers.
* A component of a product made at a plant must reach that plant: the plant makes it
  itself or some lane carries it in (``net.product_lanes()``). Demand of product p at
  customer c needs a lane carrying p into c.
* A supplier without any supply offer, or a plant without production rows, is allowed (it
  ships nothing): a scenario may take a supplier's offers away.
* One mistake, one problem: a missing column, an empty nodes or lanes table, a node of
  unknown kind or a repeated node id is reported once, not again in every row that refers
  to it. An empty period cell means period 1 only when the horizon has one period.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import networkx as nx
import numpy as np

from ..errors import InstanceError
from ..schema import (
    LANE_SEPARATOR,
    NODE_KINDS,
    NODE_STATUSES,
    PRODUCT_KINDS,
    SEGMENTS,
    STOCK_MODES,
    TABLES,
)
from ..tables import row_label
from ..views import bom_children
from .params import check_params
from .periods import (
    PERIOD_COLUMNS,
    check_outage_elements,
    check_period_columns,
    check_periods,
    unclear_period_rows,
)
from .rows import LIMIT, Problems, blank_cells, num_values, present, str_values

MAX_CYCLES = 10

# (table, column) -> (low, high, low_inclusive, high_inclusive) for bounded numbers
RANGES: dict[tuple[str, str], tuple[float, float, bool, bool]] = {
    ("demand", "service_level"): (0.0, 1.0, False, False),
    ("customer_classes", "min_fill_rate"): (0.0, 1.0, True, True),
    ("commitments", "service_level"): (0.0, 1.0, True, True),
    ("outages", "capacity_factor"): (0.0, 1.0, True, True),
    ("nodes", "lat"): (-90.0, 90.0, True, True),
    ("nodes", "lon"): (-180.0, 180.0, True, True),
    ("bom", "quantity"): (0.0, math.inf, False, True),
}
# node references: (table, column) -> allowed kinds (None = any kind)
NODE_REFS: dict[tuple[str, str], tuple[str, ...] | None] = {
    ("lanes", "origin"): None,
    ("lanes", "destination"): None,
    ("supply", "supplier"): ("supplier",),
    ("production", "plant"): ("plant",),
    ("capacity_levels", "node"): ("plant", "warehouse"),
    ("demand", "customer"): ("customer",),
    ("stock", "node"): ("plant", "warehouse"),
    ("commitments", "customer"): ("customer",),
}
PRODUCT_REFS = [("bom", "parent"), ("bom", "component"), ("supply", "product"),
                ("production", "product"), ("demand", "product"), ("stock", "product"),
                ("commitments", "product")]
ALLOWED_VALUES = {("nodes", "kind"): NODE_KINDS, ("nodes", "status"): NODE_STATUSES,
                  ("products", "kind"): PRODUCT_KINDS, ("stock", "mode"): STOCK_MODES,
                  ("commitments", "segment"): SEGMENTS}


def _nodes_given(net) -> bool:
    """Nodes with ids exist; else every reference would be 'not a node' (reported once)."""
    return len(net.table("nodes")) > 0 and present(net, "nodes", "id")


def _sure_kinds(net) -> dict[str, str]:
    """{node: kind} for nodes whose kind is certain: a known kind and an id given once.

    A node of unknown kind or a repeated id is reported by its own check; judging other
    rows by a guessed kind would bury that one problem under dozens of consequences.
    """
    if not _nodes_given(net) or not present(net, "nodes", "kind"):
        return {}
    nodes = net.table("nodes")
    ids, kinds = nodes["id"].tolist(), nodes["kind"].tolist()
    repeated = set(nodes["id"][nodes["id"].duplicated()].tolist())
    return {n: k for n, k in zip(ids, kinds, strict=True) if k in NODE_KINDS and n not in repeated}


# ------------------------------------------------------------------------- checks
def _check_required_tables(net, out: Problems) -> None:
    for name, schema in TABLES.items():
        if not schema.optional and len(net.table(name)) == 0:
            out.add(f"table {name} is empty: an instance needs at least one row in it")


def _check_demand(net, out: Problems) -> None:
    dem = net.table("demand")
    if not len(dem):
        out.add("table demand is empty: there is nothing to design, plan or buffer")
    elif present(net, "demand", "quantity") and not (num_values(dem, "quantity") > 0).any():
        out.add("every demand quantity is 0: there is nothing to design, plan or buffer")


def _check_duplicates(net, out: Problems) -> None:
    for name, schema in TABLES.items():
        df = net.table(name)
        key = list(schema.key)
        # a key column left out takes its default in every row (a demand without periods is
        # all period 1), so only required key columns must be given
        if len(df) < 2 or not all(present(net, name, k) for k in key
                                  if schema.columns[k].required):
            continue
        clear = ~unclear_period_rows(net, name)
        dup = df[clear].duplicated(key, keep="first").reindex(df.index, fill_value=False)
        dup = dup.to_numpy(dtype=bool)
        if not dup.any():
            continue
        keys = list(zip(*(df[k].tolist() for k in key), strict=True))
        first: dict[tuple, int] = {}
        for i, k in enumerate(keys):
            if clear[i]:
                first.setdefault(k, i)
        what = "id" if key == ["id"] else "key (" + ", ".join(key) + ")"
        out.rows(net, name, dup, lambda i, keys=keys, first=first, what=what:
                 f"duplicate {what}: same as row {first[keys[i]] + 1}",
                 f"the {what} repeats an earlier row")


def _check_numbers(net, out: Problems) -> None:
    """Negative, infinite or out-of-range numbers in every numeric column."""
    for name, schema in TABLES.items():
        df = net.table(name)
        if not len(df):
            continue
        for col, spec in schema.columns.items():
            if spec.dtype not in ("float", "int") or not present(net, name, col):
                continue
            if (name, col) in PERIOD_COLUMNS:
                continue
            x = num_values(df, col)
            unit = f" {spec.unit}" if spec.unit else ""
            nan_ok = isinstance(spec.default, float) and math.isnan(spec.default)
            if (name, col) in RANGES:
                lo, hi, lo_in, hi_in = RANGES[(name, col)]
                bad = ~np.isnan(x) & ~(((x >= lo) if lo_in else (x > lo))
                                       & ((x <= hi) if hi_in else (x < hi)))
                if math.isinf(hi):
                    interval = f"must be {'>=' if lo_in else '>'} {lo:g}"
                else:
                    interval = ("must be in " + ("[" if lo_in else "(") + f"{lo:g}, {hi:g}"
                                + ("]" if hi_in else ")"))
                out.rows(net, name, bad, lambda i, x=x, col=col, interval=interval:
                         f"{col}={x[i]:g} {interval}", f"{col} {interval}")
                continue
            out.rows(net, name, x < 0, lambda i, x=x, col=col, unit=unit:
                     f"{col}={x[i]:g}{unit} is negative", f"{col} is negative")
            if "capacity" not in col and not nan_ok:
                out.rows(net, name, np.isinf(x), lambda i, col=col: f"{col} is infinite",
                         f"{col} is infinite")


def _check_values(net, out: Problems) -> None:
    for (name, col), allowed in ALLOWED_VALUES.items():
        df = net.table(name)
        if not len(df) or not present(net, name, col):
            continue
        v = str_values(df, col)
        bad = ~np.isin(v, list(allowed)) & (v != "")
        out.rows(net, name, bad, lambda i, v=v, col=col, allowed=allowed:
                 f"{col} {v[i]!r} is not one of {', '.join(allowed)}",
                 f"{col} has an unknown value")
    nodes = net.table("nodes")
    if len(nodes) and present(net, "nodes", "id"):
        ids = str_values(nodes, "id")
        bad = np.array([LANE_SEPARATOR in s for s in ids], dtype=bool)
        out.rows(net, "nodes", bad, lambda i: f"node id {ids[i]!r} contains "
                 f"'{LANE_SEPARATOR}', which names lanes", f"the id contains '{LANE_SEPARATOR}'")
    _check_blank_status(net, out)
    lanes = net.table("lanes")
    if len(lanes) and present(net, "lanes", "mode"):
        mode = str_values(lanes, "mode")
        out.rows(net, "lanes", mode == "", lambda i: "mode is empty", "mode is empty")


def _check_blank_status(net, out: Problems) -> None:
    """A plant or warehouse with an empty status cell, in a status column that was given:
    the default "open" would silently open a facility the user may have meant as a
    candidate (a status column left out entirely does mean open)."""
    if not present(net, "nodes", "kind"):
        return
    kind = str_values(net.table("nodes"), "kind")
    blank = blank_cells(net, "nodes", "status") & np.isin(kind, ["plant", "warehouse"])
    out.rows(net, "nodes", blank, lambda i: f"status is empty for a {kind[i]}: write open, "
             "existing, candidate or closed (an empty cell would open it)", "status is empty")


def _check_references(net, out: Problems) -> None:
    ids = set(net.table("nodes")["id"].tolist())
    sure = _sure_kinds(net)
    products = set(net.table("products")["id"].tolist())
    for (name, col), kinds in NODE_REFS.items():
        df = net.table(name)
        if not len(df) or not present(net, name, col) or not _nodes_given(net):
            continue
        v = str_values(df, col)
        unknown = np.array([s != "" and s not in ids for s in v], dtype=bool)
        out.rows(net, name, unknown, lambda i, v=v, col=col: f"{col} {v[i]!r} is not a node",
                 f"{col} names an unknown node")
        if kinds is not None:
            k = np.array([sure.get(s, "") for s in v], dtype=object)
            wrong = (k != "") & ~np.isin(k.astype(str), list(kinds))
            noun = {"supply": "supply offers", "production": "production options",
                    "capacity_levels": "capacity levels", "demand": "demand rows",
                    "stock": "stock rows", "commitments": "commitments"}[name]
            out.rows(net, name, wrong, lambda i, v=v, k=k, col=col, kinds=kinds, noun=noun:
                     f"{col} {v[i]!r} is a {k[i]}; {noun} belong to "
                     f"{' or '.join(x + 's' for x in kinds)} only",
                     f"{col} is a node of the wrong kind")
    for name, col in PRODUCT_REFS:
        df = net.table(name)
        if not len(df) or not present(net, name, col):
            continue
        v = str_values(df, col)
        bad = np.array([s != "" and s not in products for s in v], dtype=bool)
        out.rows(net, name, bad, lambda i, v=v, col=col: f"{col} {v[i]!r} is not a product",
                 f"{col} names an unknown product")
    dem = net.table("demand")
    classes = net.table("customer_classes")
    if len(dem) and len(classes) and present(net, "demand", "priority"):
        known = set(classes["priority"].tolist())
        v = str_values(dem, "priority")
        bad = ~np.isin(v, list(known))
        out.rows(net, "demand", bad, lambda i: f"priority {v[i]!r} is not a class of "
                 f"customer_classes ({', '.join(sorted(known))})", "the priority is unknown")


def _check_lanes(net, out: Problems) -> None:
    lanes = net.table("lanes")
    if not len(lanes) or not (present(net, "lanes", "origin") and
                              present(net, "lanes", "destination")):
        return
    kind = _sure_kinds(net)
    o, d = str_values(lanes, "origin"), str_values(lanes, "destination")
    ko = np.array([kind.get(s, "") for s in o], dtype=object)
    kd = np.array([kind.get(s, "") for s in d], dtype=object)
    name = lambda i: f"lane '{o[i]}{LANE_SEPARATOR}{d[i]}'"  # noqa: E731
    out.rows(net, "lanes", (o == d) & (o != ""), lambda i: f"{name(i)} joins {o[i]} to itself",
             "the lane is a self-loop")
    out.rows(net, "lanes", (ko == "customer") & (o != d), lambda i: f"{name(i)} leaves customer "
             f"{o[i]}: customers do not ship", "the lane leaves a customer")
    out.rows(net, "lanes", (kd == "supplier") & (o != d) & (ko != "customer"),
             lambda i: f"{name(i)} enters supplier {d[i]}: suppliers do not receive",
             "the lane enters a supplier")
    cap, vmin = num_values(lanes, "capacity"), num_values(lanes, "min_volume")
    out.rows(net, "lanes", vmin > cap, lambda i: f"{name(i)}: min_volume={vmin[i]:g} exceeds "
             f"capacity={cap[i]:g}", "min_volume exceeds capacity")


def _check_bom(net, out: Problems) -> None:
    bom = net.table("bom")
    if not len(bom) or not (present(net, "bom", "parent") and present(net, "bom", "component")):
        return
    par, comp = str_values(bom, "parent"), str_values(bom, "component")
    out.rows(net, "bom", (par == comp) & (par != ""), lambda i: f"product {par[i]!r} is a "
             f"component of itself", "a product is a component of itself")
    g = nx.DiGraph()
    g.add_edges_from((p, c) for p, c in zip(par.tolist(), comp.tolist(), strict=True)
                     if p != c and p and c)
    if not nx.is_directed_acyclic_graph(g):
        for n, cycle in enumerate(nx.simple_cycles(g)):
            if n >= MAX_CYCLES:
                out.add(f"... and more bill-of-materials cycles (first {MAX_CYCLES} listed)")
                break
            k = cycle.index(min(cycle))  # start at the smallest id: stable messages
            cycle = cycle[k:] + cycle[:k]
            path = f" {LANE_SEPARATOR} ".join([*cycle, cycle[0]])
            out.add(f"bom: cycle {path} (each product is made from the next)")


def _check_reachability(net, out: Problems) -> None:
    """Demand that no lane can bring in; components that cannot reach the plant using them."""
    lanes_given = len(net.table("lanes")) > 0 and all(
        present(net, "lanes", c) for c in ("origin", "destination"))
    if not lanes_given or not present(net, "nodes", "kind"):
        return  # without lanes or kinds every demand would be 'unreachable': reported once
    kind = _sure_kinds(net)
    products = set(net.table("products")["id"].tolist())
    try:
        pl = net.product_lanes()
    except Exception as e:  # a view must never turn into a traceback for the user
        out.add(f"could not work out which products may travel which lanes "
                f"({type(e).__name__}: {e})")
        return
    into = set(zip(pl["destination"].tolist(), pl["product"].tolist(), strict=True))
    dem = net.table("demand")
    if len(dem) and present(net, "demand", "customer") and present(net, "demand", "product"):
        c, p = str_values(dem, "customer"), str_values(dem, "product")
        seen: dict[tuple[str, str], list[int]] = {}
        for i, pair in enumerate(zip(c.tolist(), p.tolist(), strict=True)):
            if kind.get(pair[0]) == "customer" and pair[1] in products and pair not in into:
                seen.setdefault(pair, []).append(i)
        schema = TABLES["demand"]
        for n, ((cu, pr), rows) in enumerate(seen.items()):
            if n >= LIMIT:
                out.add(f"... and {len(seen) - LIMIT} more (customer, product) pairs whose demand "
                        f"no lane can bring in")
                break
            more = f" (and {len(rows) - 1} more rows of this pair)" if len(rows) > 1 else ""
            out.add(f"{row_label(schema, dem, rows[0])}: demand for product {pr} at customer {cu} "
                    f"cannot be met: no lane can carry {pr} into {cu} (no supplier offering it "
                    f"or plant making it reaches {cu}){more}")
    prod = net.table("production")
    if len(prod) and len(net.table("bom")):
        comps = {par: [com for com, _ in ch if com in products and com != par]
                 for par, ch in bom_children(net).items()}
        makes = set(zip(prod["plant"].tolist(), prod["product"].tolist(), strict=True))
        plants, made = str_values(prod, "plant"), str_values(prod, "product")
        missing: list[tuple[int, str]] = []
        for i, (plant, item) in enumerate(zip(plants.tolist(), made.tolist(), strict=True)):
            if kind.get(plant) != "plant":
                continue
            for com in comps.get(item, ()):
                if (plant, com) not in makes and (plant, com) not in into:
                    missing.append((i, com))
        mask = np.zeros(len(prod), dtype=bool)
        which: dict[int, list[str]] = {}
        for i, com in missing:
            mask[i] = True
            which.setdefault(i, []).append(com)
        out.rows(net, "production", mask, lambda i: (
            f"component(s) {', '.join(which[i])} of {made[i]} cannot reach plant {plants[i]} "
            f"(it does not make them and no lane carries them in)"),
            "a component cannot reach the plant")


CHECKS: list[Callable] = [check_params, _check_required_tables, _check_demand, _check_duplicates,
                          _check_numbers, _check_values, _check_references, _check_lanes,
                          _check_bom, check_outage_elements, _check_reachability]


def find_problems(net) -> list[str]:
    """Every problem of ``net`` as a sentence naming its culprit (empty list when valid)."""
    out = Problems()
    try:
        for p in net.load_problems():
            out.add(p)
        for check in CHECKS:
            check(net, out)
        horizon = check_periods(net, out)
        check_period_columns(net, out, horizon)
    except InstanceError as e:
        out.items.extend(e.problems)
    return out.items


def validate(net) -> None:
    """Raise ``InstanceError`` listing every problem of ``net``; return None when valid."""
    problems = find_problems(net)
    if problems:
        raise InstanceError(problems, source=net.name)

