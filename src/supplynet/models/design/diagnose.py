"""Infeasibility explained in business terms.

The elastic copy of an infeasible model lets every demand go unmet at the derived penalty (ten
times an upper bound on delivering a unit, so it delivers whatever can be delivered) and keeps
every other constraint. Its solution says which demand cannot be delivered; the cause is read
from the rows that bind on the paths of that demand:

- the CO2 cap, named first when the model without it is feasible;
- supplier capacities (``supply_capacity`` per offer, ``supplier_capacity`` per supplier), lane
  capacities, plant and warehouse capacities, each used to the full on a path (in the graph of
  (node, product) states: arcs, and components into the plants making the parent) that leads to
  the unmet (customer, product);
- closed facilities on those paths (forced closed, or closed by status), which is all there is
  when every route of a demand runs through them.

A binding row whose dual in the fixed-design LP is small next to the penalty is full for
economic reasons only, and is not named when others with a large dual are. Where even the
elastic copy is infeasible, the side constraints (CO2 cap, open-count limits, supplier rules,
service share) conflict and are named.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict

import networkx as nx
import pandas as pd

from ...network import Network
from ...options import SolveOptions
from ...solve import Deadline, fixed_lp_duals
from .._sets import Built, records
from .data import finite
from .model import co2_cap
from .options import DesignOptions
from .run import solve_built, solve_design

COLUMNS = ["kind", "element", "product", "period", "amount", "message"]
TOL = 1e-6


def _q(x: float) -> str:
    """A quantity for a message: 6 significant digits, whole numbers from a million up."""
    return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.0f}"


def _row(kind: str, element: str, product: str, amount: float | None, message: str) -> dict:
    return {"kind": kind, "element": element, "product": product, "period": None,
            "amount": amount, "message": message}


def _with_derived_penalty(net: Network) -> Network:
    """A copy whose unmet penalties are all the derived one (so the elastic copy maximises the
    units delivered instead of trading them against cost)."""
    work = net.copy()
    work.params["unmet_penalty"] = None
    classes = work.table("customer_classes")
    if len(classes):
        classes = classes.copy()
        classes["unmet_penalty"] = math.nan
        work.set_table("customer_classes", classes)
    return work


def diagnose_design(net: Network, o: DesignOptions, so: SolveOptions, deadline: Deadline) -> pd.DataFrame:
    """Rows (kind, element, product, period, amount, message): the CO2 cap when it is the
    culprit, unmet demand per customer and product (units), the binding capacities and closed
    facilities on its paths, or the side constraints that conflict.

    The copies are solved by ``solve_design`` (which never diagnoses) within ``deadline``.
    """
    relaxed = dataclasses.replace(o, soft=True, make_or_buy_regret=False)
    probe = _with_derived_penalty(net)
    so = so.replace(mip_start=None)
    elastic, built = solve_built(probe, relaxed, so, deadline)
    rows: list[dict] = []
    if not elastic.ok:
        side = dataclasses.replace(relaxed, co2_cap=None, min_open=None, max_open=None,
                                   min_suppliers=None, min_service_share=None, max_supplier_share=None)
        probe.params["co2_cap"] = None
        culprits = [name for name, v in (("co2_cap", o.co2_cap or net.params.get("co2_cap")),
                                         ("min_open/max_open", o.min_open or o.max_open),
                                         ("min_suppliers", o.min_suppliers),
                                         ("max_supplier_share", o.max_supplier_share),
                                         ("min_service_share", o.min_service_share)) if v]
        rows.append(_row("option", ", ".join(culprits), "", None,
                         "no design satisfies these limits together: " + ", ".join(culprits)))
        elastic, built = solve_built(probe, side, so, deadline)
        if not elastic.ok:
            return pd.DataFrame(rows, columns=COLUMNS)
    unmet = elastic.tables.get("unmet", pd.DataFrame(columns=["customer", "product", "demand", "unmet"]))
    cap = co2_cap(net, o)
    if cap is not None and len(unmet):
        rows += _co2_culprit(net, o, so, deadline, elastic, cap)
    closed_on = _closed_on_paths(net, o, unmet)
    for r in unmet.itertuples(index=False):
        closed = closed_on.get((r.customer, r.product), [])
        why = (f"; closed {', '.join(f'{k} {n}' for n, k, _ in closed)} would serve it"
               if closed else "")
        rows.append(_row("demand", r.customer, r.product, float(r.unmet),
                         f"customer {r.customer}, product {r.product}: {_q(r.unmet)} of "
                         f"{_q(r.demand)} units cannot be delivered{why}"))
    if len(unmet) and built is not None:
        rows += _binding_rows(built, elastic, unmet, so, deadline,
                              already="co2_cap" in {r["kind"] for r in rows})
    for r in unmet.itertuples(index=False):
        for n, k, how in closed_on.get((r.customer, r.product), []):
            rows.append(_row("closed", n, r.product, float(r.unmet),
                             f"{k} {n} is {how}; it would serve customer {r.customer}, product "
                             f"{r.product}: {_q(r.unmet)} units"))
    return pd.DataFrame(rows, columns=COLUMNS)


def _co2_culprit(net: Network, o: DesignOptions, so: SolveOptions, deadline: Deadline,
                 elastic, cap: float) -> list[dict]:
    """The CO2 cap row, when the hard model without the cap is feasible."""
    free_net = net.copy()
    free_net.params["co2_cap"] = None
    free = solve_design(free_net, dataclasses.replace(o, co2_cap=None, make_or_buy_regret=False),
                        so, deadline)
    if not free.ok:
        return []
    kpi = free.tables["kpis"].set_index("kpi")["value"]
    used = elastic.tables["kpis"].set_index("kpi")["value"]
    short = float(elastic.tables["unmet"]["unmet"].sum())
    return [_row("co2_cap", "co2_cap", "", cap,
                 f"the CO2 cap of {_q(cap)} kg binds: under it the design emits {_q(used['co2'])} kg "
                 f"and {_q(short)} units cannot be delivered; without the cap every demand is "
                 f"delivered, emitting {_q(kpi['co2'])} kg")]


def _state_graph(arcs: list[tuple[str, str, str]], production: list[tuple[str, str]],
                 bom_of: dict[str, list[tuple[str, float]]]) -> nx.DiGraph:
    """(node, product) states: an arc i->j of p links (i, p) to (j, p); a plant n making q links
    (n, component) to (n, q)."""
    g = nx.DiGraph()
    g.add_edges_from(((a, p), (b, p)) for a, b, p in arcs)
    g.add_edges_from(((n, comp), (n, q)) for n, q in production for comp, _ in bom_of.get(q, ()))
    return g


def _upstream(g: nx.DiGraph, c: str, p: str) -> set[tuple[str, str]]:
    return nx.ancestors(g, (c, p)) | {(c, p)} if (c, p) in g else {(c, p)}


def _closed_on_paths(net: Network, o: DesignOptions, unmet: pd.DataFrame
                     ) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """{(customer, product): [(facility, kind, how closed)]} for closed plants and warehouses
    on some route of the unmet demand (lanes through closed nodes included)."""
    if not len(unmet):
        return {}
    nodes = net.table("nodes")
    kind = dict(zip(nodes["id"].tolist(), nodes["kind"].tolist(), strict=True))
    closed = {n for n, k, st in records(nodes, ["id", "kind", "status"])
              if st == "closed" and k in ("plant", "warehouse")}
    if not closed:
        return {}
    bom_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for parent, comp, q in records(net.table("bom"), ["parent", "component", "quantity"]):
        bom_of[parent].append((comp, q))
    g = _state_graph(records(net.product_lanes(), ["origin", "destination", "product"]),
                     records(net.table("production"), ["plant", "product"]), bom_of)
    forced = set(o.force_closed)
    out = {}
    for c, p in records(unmet, ["customer", "product"]):
        on = sorted({n for n, _q in _upstream(g, c, p)} & closed)
        out[c, p] = [(n, kind[n], "forced closed (option force_closed)" if n in forced
                      else "closed (status closed)") for n in on]
    return out


def _duals(built: Built, elastic, so: SolveOptions, deadline: Deadline) -> dict[tuple, float]:
    """{(family, index): row dual} of the capacity rows in the LP with the design fixed."""
    m = built.model
    families = [f for f in ("supply_capacity", "supplier_capacity", "lane_capacity",
                            "throughput_capacity", "production_capacity", "co2_cap")
                if hasattr(m, f)]
    try:
        lp = fixed_lp_duals(m, elastic.solution, deadline.options(so))
        if lp.row_duals is None:
            return {}
        out = {}
        for f in families:
            con = getattr(m, f)
            for k, v in zip(list(con.keys()), lp.duals(con).tolist(), strict=True):
                out[f, k] = float(v)
        return out
    except Exception:  # noqa: BLE001 - the duals only rank the rows; without them all are named
        return {}


def _binding_rows(built: Built, elastic, unmet: pd.DataFrame, so: SolveOptions,
                  deadline: Deadline, already: bool) -> list[dict]:
    """Capacity rows used to the full on the paths of the unmet demand, in business terms."""
    s = built.sets
    d = s.data
    g = _state_graph(s.arc_list, s.make_list, d.bom_of)
    states: set[tuple[str, str]] = set()
    for c, p in records(unmet, ["customer", "product"]):
        states |= _upstream(g, c, p)
    on_nodes = {n for n, _p in states}
    flows = elastic.tables["flows"]
    qty = defaultdict(float)
    for a, b, p, q in records(flows, ["origin", "destination", "product", "quantity"]):
        qty[a, b, p] += q
    found: list[tuple[tuple, dict]] = []

    def full(used: float, cap: float) -> bool:
        return finite(cap) and used >= cap - TOL * max(1.0, abs(cap))

    for sp, p, cap in records(d.supply, ["supplier", "product", "capacity"]):
        if (sp, p) in states and d.arcs_out.get((sp, p)):
            used = sum(qty[a, b, pp] for a, b, pp in (s.arc_list[i] for i in d.arcs_out[sp, p]))
            if full(used, cap):
                found.append((("supply_capacity", (sp, p)), _row(
                    "supply_capacity", sp, p, cap, f"supplier {sp} capacity for product {p} binds: "
                    f"{_q(used)} of {_q(cap)} units per horizon")))
    for sp in sorted({n for n in on_nodes if d.kind.get(n) == "supplier"}):
        cap = d.capacity(sp)
        if s.arcs_from.get(sp) and full(used := sum(qty[s.arc_list[i]] for i in s.arcs_from[sp]), cap):
            found.append((("supplier_capacity", sp), _row(
                "supplier_capacity", sp, "", cap, f"supplier {sp} capacity binds: {_q(used)} of "
                f"{_q(cap)} units per horizon (all products)")))
    for a, b, cap in records(d.lanes, ["origin", "destination", "capacity"]):
        arcs = [s.arc_list[i] for i in d.lane_arcs.get((a, b), ())]
        if not finite(cap) or not any((a, p) in states and (b, p) in states for _a, _b, p in arcs):
            continue
        used, cap_h = sum(qty[k] for k in arcs), cap * d.T
        if full(used, cap_h):
            found.append((("lane_capacity", (a, b)), _row(
                "lane_capacity", f"{a}->{b}", "", cap_h, f"lane {a}->{b} capacity binds: "
                f"{_q(used)} of {_q(cap_h)} units per horizon")))
    fac = elastic.tables["facilities"]
    for r in fac[fac["open"].astype(bool)].itertuples(index=False):
        if r.node in on_nodes and finite(r.capacity) and r.capacity > 0 and full(r.capacity_used, r.capacity):
            family = "production_capacity" if r.kind == "plant" else "throughput_capacity"
            what, unit = ("production hours", "hours") if r.kind == "plant" else ("throughput", "units")
            found.append(((family, r.node), _row(
                "capacity", r.node, "", float(r.capacity), f"{r.kind} {r.node} {what} capacity binds: "
                f"{_q(r.capacity_used)} of {_q(r.capacity)} {unit} per horizon")))
    cap = s.co2_cap
    if cap is not None and not already:
        co2 = float(elastic.tables["kpis"].set_index("kpi").at["co2", "value"])
        if full(co2, cap):
            found.append((("co2_cap", None), _row(
                "co2_cap", "co2_cap", "", cap, f"the CO2 cap of {_q(cap)} kg binds: the design "
                f"emits {_q(co2)} kg")))
    if len(found) > 1:
        duals = _duals(built, elastic, so, deadline)
        if duals:
            penalty = float(unmet["penalty"].min())
            # the dearest first: the message repeats only the first few rows
            ranked = sorted(found, key=lambda kr: -abs(_dual_of(duals, kr[0])))
            strong = [r for key, r in ranked if abs(_dual_of(duals, key)) >= 0.5 * penalty]
            if strong:
                return strong
    return [r for _key, r in found]


def _dual_of(duals: dict[tuple, float], key: tuple) -> float:
    family, index = key
    if family == "co2_cap":
        return next((v for (f, _k), v in duals.items() if f == "co2_cap"), 0.0)
    return duals.get((family, index), 0.0)


def iis_table(solution) -> pd.DataFrame:
    """The rows and bounds of HiGHS's irreducible infeasible subset (LPs), by Pyomo name."""
    iis = solution.iis() if solution is not None else None
    if not iis:
        return pd.DataFrame(columns=COLUMNS)
    rows = [{"kind": "iis_row", "element": name, "product": "", "period": None, "amount": None,
             "message": f"constraint {name} is part of an infeasible subset"} for name in iis["constraints"]]
    rows += [{"kind": "iis_bound", "element": name, "product": "", "period": None, "amount": None,
              "message": f"the bounds of {name} are part of an infeasible subset"} for name in iis["bounds"]]
    return pd.DataFrame(rows, columns=COLUMNS)
