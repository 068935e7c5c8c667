"""Network maps with matplotlib: nodes at their coordinates, lanes as wide as their flow."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pandas as pd

KIND_COLORS = {"supplier": "#8c564b", "plant": "#d62728", "warehouse": "#1f77b4", "customer": "#2ca02c"}
KIND_MARKERS = {"supplier": "s", "plant": "^", "warehouse": "D", "customer": "o"}


def positions(net) -> dict[str, tuple[float, float]]:
    """(lon, lat) where every node has coordinates, else a deterministic spring layout."""
    nodes = net.table("nodes")
    lon, lat = nodes["lon"].tolist(), nodes["lat"].tolist()
    if len(nodes) and all(not (math.isnan(a) or math.isnan(b)) for a, b in zip(lon, lat, strict=True)):
        return dict(zip(nodes["id"].tolist(), zip(lon, lat, strict=True), strict=True))
    return nx.spring_layout(net.graph, seed=1)


def plot_network(net, flows: pd.DataFrame | None = None, open_nodes: set | None = None,
                 node_colors: dict | None = None, ax=None, title: str | None = None,
                 max_width: float = 6.0, labels: bool | None = None):
    """Draw ``net``; ``flows`` (origin, destination, quantity) sets lane widths; nodes not in
    ``open_nodes`` (when given) are drawn hollow and grey; ``node_colors`` overrides colours."""
    import matplotlib.pyplot as plt

    if ax is None:
        _fig, ax = plt.subplots(figsize=(9, 7))
    pos = positions(net)
    g = net.graph
    if flows is not None and len(flows):
        lane_q = flows.groupby(["origin", "destination"])["quantity"].sum()
        top = float(lane_q.max()) or 1.0
        for (a, b), q in lane_q.items():
            if a in pos and b in pos and q > 0:
                ax.plot([pos[a][0], pos[b][0]], [pos[a][1], pos[b][1]], color="#555555",
                        alpha=0.6, linewidth=0.3 + max_width * q / top, zorder=1)
    else:
        for a, b in g.edges:
            ax.plot([pos[a][0], pos[b][0]], [pos[a][1], pos[b][1]], color="#bbbbbb",
                    linewidth=0.5, zorder=1)
    kinds = net.kind_of()
    for kind, marker in KIND_MARKERS.items():
        ids = [n for n in g.nodes if kinds.get(n) == kind]
        if not ids:
            continue
        is_open = [open_nodes is None or n in open_nodes or kind in ("supplier", "customer") for n in ids]
        for flag in (True, False):
            sel = [n for n, o in zip(ids, is_open, strict=True) if o == flag]
            if not sel:
                continue
            colors = [(node_colors or {}).get(n, KIND_COLORS[kind]) for n in sel]
            ax.scatter([pos[n][0] for n in sel], [pos[n][1] for n in sel], marker=marker, s=70,
                       c=colors if flag else "none", edgecolors=colors if flag else "#999999",
                       label=f"{kind}" + ("" if flag else " (closed)"), zorder=3)
    if labels or (labels is None and g.number_of_nodes() <= 40):
        for n in g.nodes:
            if kinds.get(n) != "customer":
                ax.annotate(str(n), pos[n], fontsize=7, xytext=(3, 3), textcoords="offset points")
    if all(not math.isnan(v) for v in net.table("nodes")["lon"].tolist()):
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
    ax.legend(loc="best", fontsize=8)
    ax.set_title(title or net.name)
    ax.set_aspect("auto")
    return ax


def plot_result(result, kind: str = "network", ax=None, **kwargs: Any):
    """Dispatch on the result's model and the kind of chart wanted.

    kinds: "network" (any model with a network), "costs" (the cost breakdown as bars);
    planning results also "production" and "inventory" (see ``supplynet.plot.plan``).
    """
    import matplotlib.pyplot as plt

    if kind == "costs":
        if ax is None:
            _fig, ax = plt.subplots(figsize=(7, 4))
        c = result.costs[result.costs["cost"].abs() > 0]
        ax.barh(c["category"], c["cost"])
        ax.set_xlabel("cost")
        ax.set_title(f"{result.model}: cost breakdown")
        return ax
    if kind in ("production", "inventory"):
        from . import plan as plot_plan

        return getattr(plot_plan, f"plot_{kind}")(result, ax=ax, **kwargs)
    if kind != "network":
        raise ValueError(f"unknown plot kind {kind!r}; use network, costs, production or inventory")
    if result.network is None:
        raise ValueError(f"a {result.model} result without a network cannot be drawn as a map")
    flows = result.tables.get("flows")
    if flows is None and "shipments" in result.tables:
        flows = result.tables["shipments"]
    fac = result.tables.get("facilities")
    open_nodes = set(fac.loc[fac["open"], "node"]) if fac is not None else None
    colors = kwargs.pop("node_colors", None)
    return plot_network(result.network, flows=flows, open_nodes=open_nodes, node_colors=colors,
                        ax=ax, title=f"{result.network.name}: {result.model}", **kwargs)
