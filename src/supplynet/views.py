"""Derived views of a Network that keep every model sparse."""

from __future__ import annotations

from collections import defaultdict, deque

import pandas as pd


def bom_rows(net) -> list[tuple[str, str, float]]:
    """(parent, component, units of component per unit of parent), one per bom row, in order."""
    bom = net.table("bom")
    return [(par, comp, float(q)) for par, comp, q in zip(
        bom["parent"].tolist(), bom["component"].tolist(), bom["quantity"].tolist(), strict=True)]


def bom_children(net) -> dict[str, list[tuple[str, float]]]:
    """The BOM adjacency: {parent: [(component, units per unit of parent), ...]}, in row order."""
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for parent, comp, q in bom_rows(net):
        out[parent].append((comp, q))
    return dict(out)


def bom_units(children: dict[str, list[tuple[str, float]]]) -> dict[str, float]:
    """{product: units moved per unit of it}: the unit itself plus, through the BOM, every
    component unit it consumes (1 + Σ q·units[component]). A bound on cost per unit moved
    times this is a bound per finished unit. The BOM must be acyclic (validation)."""
    units: dict[str, float] = {}

    def of(p: str) -> float:
        if p not in units:
            units[p] = 1.0 + sum(q * of(c) for c, q in children.get(p, ()))
        return units[p]

    for p in children:
        of(p)
    return units


def _reach(adjacency: dict[str, list[str]], starts: set[str], passable: set[str]) -> set[str]:
    """Nodes reachable from ``starts`` along ``adjacency``, moving on only through ``passable``."""
    seen = set(starts)
    queue = deque(s for s in starts)
    while queue:
        n = queue.popleft()
        if n not in passable and n not in starts:
            continue
        for m in adjacency.get(n, ()):
            if m not in seen:
                seen.add(m)
                queue.append(m)
    return seen


def product_lanes(net) -> pd.DataFrame:
    """Rows (origin, destination, product) for every lane a product may travel.

    Sources of p: suppliers with an offer of p, plants with a production option of p.
    Sinks of p: customers demanding p, plants making a parent whose BOM uses p.
    Transit: plants and warehouses forward products; customers never ship, suppliers
    ship only what they offer. A lane (i, j) carries p when i is reachable from a source
    of p and a sink of p is reachable from j, both through transit nodes.
    """
    kind = net.kind_of()
    lanes = net.table("lanes")
    origins, dests = lanes["origin"].tolist(), lanes["destination"].tolist()
    transit = {n for n, k in kind.items() if k in ("plant", "warehouse")}
    out_adj: dict[str, list[str]] = defaultdict(list)
    in_adj: dict[str, list[str]] = defaultdict(list)
    for o, d in zip(origins, dests, strict=True):
        if kind.get(o) == "customer" or kind.get(d) == "supplier":
            continue  # invalid directions carry nothing (validation reports them)
        out_adj[o].append(d)
        in_adj[d].append(o)

    sources: dict[str, set[str]] = defaultdict(set)
    sinks: dict[str, set[str]] = defaultdict(set)
    sup = net.table("supply")
    for s, p in zip(sup["supplier"].tolist(), sup["product"].tolist(), strict=True):
        sources[p].add(s)
    prod = net.table("production")
    for pl, p in zip(prod["plant"].tolist(), prod["product"].tolist(), strict=True):
        sources[p].add(pl)
    dem = net.table("demand")
    for c, p in set(zip(dem["customer"].tolist(), dem["product"].tolist(), strict=True)):
        sinks[p].add(c)
    made_at: dict[str, set[str]] = defaultdict(set)
    for pl, p in zip(prod["plant"].tolist(), prod["product"].tolist(), strict=True):
        made_at[p].add(pl)
    for parent, comps in bom_children(net).items():
        for comp, _ in comps:
            sinks[comp] |= made_at.get(parent, set())

    rows_o, rows_d, rows_p = [], [], []
    for p in net.table("products")["id"].tolist():
        src, snk = sources.get(p, set()), sinks.get(p, set())
        if not src or not snk:
            continue
        fwd = _reach(out_adj, src, transit)
        bwd = _reach(in_adj, snk, transit)
        for o, d in zip(origins, dests, strict=True):
            if o in fwd and d in bwd and (o in src or o in transit) and (d in snk or d in transit):
                if kind.get(o) == "customer" or kind.get(d) == "supplier":
                    continue
                if kind.get(d) == "customer" and d not in snk:
                    continue
                rows_o.append(o)
                rows_d.append(d)
                rows_p.append(p)
    return pd.DataFrame({"origin": rows_o, "destination": rows_d, "product": rows_p})
