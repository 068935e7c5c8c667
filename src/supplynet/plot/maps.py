"""Network maps: nodes at their coordinates over a land backdrop, lanes as wide as their flow.

``plot_network`` draws any network (and a flow table on it); ``plot_design_map`` and
``plot_plan_map`` draw what a design opens and what a plan uses. Flow widths are in the
products' common unit, or in money (quantity x product value) when products differ in unit,
so kilograms and litres are never added up.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import networkx as nx
import pandas as pd

from .coastline import frame_geographic
from .common import (
    KIND_COLORS,
    KIND_MARKERS,
    human,
    new_axes,
    nice_steps,
    product_values,
    unit_families,
    units_for,
)

LANE_COLORS = {"supplier": "#a0785a", "plant": "#c44e52", "warehouse": "#4c72b0",
               "customer": "#55a868"}
INACTIVE = "#9a9a9a"


def has_coordinates(net) -> bool:
    """True when every node has a lon and a lat (whatever their unit)."""
    nodes = net.table("nodes")
    return bool(len(nodes)) and not (nodes["lon"].isna().any() or nodes["lat"].isna().any())


def positions(net) -> dict[str, tuple[float, float]]:
    """(lon, lat) where every node has coordinates, else a deterministic spring layout."""
    nodes = net.table("nodes")
    if has_coordinates(net):
        return dict(zip(nodes["id"].tolist(), zip(nodes["lon"].tolist(), nodes["lat"].tolist(),
                                                  strict=True), strict=True))
    return {n: (float(x), float(y)) for n, (x, y) in nx.spring_layout(net.graph, seed=1).items()}


def frame(ax, net, pos: Mapping[str, tuple[float, float]], backdrop: bool) -> bool:
    """A geographic frame (land, aspect, degrees) when the nodes' coordinates are lon/lat;
    else plain limits with a margin and no ticks. Returns True when geographic."""
    if has_coordinates(net) and frame_geographic(ax, list(pos.values()), backdrop=backdrop):
        return True
    ax.set_xticks([])
    ax.set_yticks([])
    xs, ys = zip(*pos.values(), strict=True) if pos else ((0.0,), (0.0,))
    pad_x, pad_y = 0.08 * ((max(xs) - min(xs)) or 1), 0.08 * ((max(ys) - min(ys)) or 1)
    ax.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
    ax.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
    return False


def lane_weights(net, flows: pd.DataFrame, measure: str = "auto") -> tuple[pd.Series, str]:
    """Flow per lane (origin, destination) summed over products and periods, and its unit.

    measure: "quantity" (the products' common unit; refused when they differ), "value"
    (quantity x product value, in money) or "auto" (quantity when the products share one unit,
    else value). Amounts are over the horizon."""
    units = units_for(net)
    has_product = "product" in flows.columns
    products = sorted(set(flows["product"].tolist())) if has_product else []
    families = unit_families(net, products) if has_product else {units["quantity"]: []}
    if measure == "auto":
        measure = "quantity" if families is not None and len(families) <= 1 else "value"
    if measure == "quantity":
        if families is None or len(families) > 1:
            raise ValueError("the products on these lanes are in different or unknown units; "
                             "use measure='value' (quantity x product value)")
        unit = next(iter(families)) if families else units["quantity"]
        weights = flows.groupby(["origin", "destination"])["quantity"].sum()
        return weights, f"{unit}/horizon"
    if measure != "value" or not has_product:
        raise ValueError(f"measure must be 'auto', 'quantity' or 'value' (value needs a product "
                         f"column), not {measure!r}")
    value = product_values(net)
    money = flows["quantity"] * flows["product"].map(value).fillna(0.0)
    weights = money.groupby([flows["origin"], flows["destination"]]).sum()
    return weights, f"{units['money']}/horizon"


def _draw_flows(ax, pos, weights: pd.Series, kinds: Mapping[str, str], max_width: float,
                title: str, arrows: bool) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    weights = weights[weights > 0]
    weights = weights[[a in pos and b in pos for a, b in weights.index]]
    if not len(weights):
        return
    top = float(weights.max())
    order = weights.sort_values().index  # thin lanes under thick ones
    segs = [(pos[a], pos[b]) for a, b in order]
    widths = [0.4 + max_width * float(weights[k]) / top for k in order]
    colors = [LANE_COLORS.get(kinds.get(a, ""), "#777777") for a, _b in order]
    ax.add_collection(LineCollection(segs, linewidths=widths, colors=colors, alpha=0.55,
                                     zorder=2, capstyle="round", gid="flows"))
    if arrows:
        # many lanes into customers: their direction is plain, arrows there only add clutter
        to_customers = sum(kinds.get(b) == "customer" for _a, b in order) > 150
        for (a, b), w, c in zip(order, widths, colors, strict=True):
            (xa, ya), (xb, yb) = pos[a], pos[b]
            if (xa, ya) == (xb, yb) or (to_customers and kinds.get(b) == "customer"):
                continue
            tail = (xa + 0.52 * (xb - xa), ya + 0.52 * (yb - ya))
            head = (xa + 0.60 * (xb - xa), ya + 0.60 * (yb - ya))
            ax.annotate("", xy=head, xytext=tail, zorder=2.5, annotation_clip=False,
                        arrowprops={"arrowstyle": "-|>", "color": c, "lw": 0,
                                    "mutation_scale": 7 + 1.2 * w, "shrinkA": 0, "shrinkB": 0})
    handles = [Line2D([], [], color="#666666", alpha=0.7, linewidth=0.4 + max_width * v / top,
                      label=human(v)) for v in nice_steps(top)]
    origin_kinds = sorted({kinds.get(a, "") for a, _b in order},
                          key=lambda k: list(LANE_COLORS).index(k) if k in LANE_COLORS else 9)
    handles += [Line2D([], [], color=LANE_COLORS.get(k, "#777777"), linewidth=3, alpha=0.7,
                       label=f"from {k}s") for k in origin_kinds]
    leg = ax.legend(handles=handles, title=title, loc="lower left",
                    bbox_to_anchor=(1.01, 0.0), fontsize=8, title_fontsize=8, frameon=False,
                    alignment="left")
    leg.set_gid("flow-legend")
    ax.add_artist(leg)


def plot_network(net, flows: pd.DataFrame | None = None, open_nodes: Collection | None = None,
                 node_colors: Mapping | None = None, ax=None, title: str | None = None,
                 max_width: float = 7.0, labels: bool | Collection | None = None,
                 max_labels: int = 25, backdrop: bool = True, measure: str = "auto",
                 used_nodes: Collection | None = None, importance: Mapping | None = None,
                 arrows: bool | None = None):
    """Draw ``net`` as a map and return the Axes.

    flows: origin, destination, quantity (and product) rows; lane width grows with the flow
        (see ``lane_weights`` for ``measure``), with a width legend in its unit and an arrow
        showing the direction (``arrows=False``: none; with more than 150 lanes into customers
        those lanes get none). Without flows every lane is a thin grey line.
    open_nodes: plants and warehouses not in it are drawn hollow grey ("closed / unused");
        used_nodes: the same for any node kind.
    labels: None labels the open plants and warehouses; True every node; False none; or the
        nodes to label. More than ``max_labels``, or labels overlapping each other, are thinned,
        keeping the most important (``importance``: node -> number, e.g. throughput).
    backdrop: Natural Earth land behind the map when coordinates are longitude/latitude.
    """
    ax = new_axes(ax, figsize=(11, 8))
    pos = positions(net)
    g = net.graph
    kinds = net.kind_of()
    frame(ax, net, pos, backdrop)
    if flows is not None and len(flows):
        weights, unit = lane_weights(net, flows, measure)
        what = "value of goods shipped" if unit.startswith(units_for(net)["money"] + "/") else "flow"
        _draw_flows(ax, pos, weights, kinds, max_width, f"{what}\n[{unit}]",
                    True if arrows is None else arrows)
    else:
        from matplotlib.collections import LineCollection

        ax.add_collection(LineCollection([(pos[a], pos[b]) for a, b in g.edges], linewidths=0.5,
                                         colors="#b0b0b0", alpha=0.6, zorder=1, gid="lanes"))

    def active(n: str) -> bool:
        closed = (open_nodes is not None and kinds.get(n) in ("plant", "warehouse")
                  and n not in open_nodes)
        return not closed and (used_nodes is None or n in used_nodes)

    for kind, marker in KIND_MARKERS.items():
        ids = [n for n in g.nodes if kinds.get(n) == kind]
        size = 22 if kind == "customer" else 75
        for flag in (True, False):
            sel = [n for n in ids if active(n) == flag]
            if not sel:
                continue
            colors = [(node_colors or {}).get(n, KIND_COLORS[kind]) for n in sel]
            ax.scatter([pos[n][0] for n in sel], [pos[n][1] for n in sel], marker=marker, s=size,
                       c=colors if flag else "white", edgecolors="white" if flag else INACTIVE,
                       linewidths=0.6 if flag else 1.0, alpha=1.0 if flag else 0.8,
                       label=kind + ("" if flag else " (closed / unused)" if kind in
                                     ("plant", "warehouse") else " (unused)"),
                       zorder=4 if flag else 3,
                       gid=f"nodes:{kind}:{'active' if flag else 'inactive'}")
    if labels is None:
        candidates = [n for n in g.nodes if kinds.get(n) in ("plant", "warehouse") and active(n)]
    elif labels is True:
        candidates = list(g.nodes)
    elif labels is False:
        candidates = []
    else:
        candidates = [n for n in labels if n in pos]
    rank = importance or {}
    kind_rank = {"plant": 0, "warehouse": 1, "supplier": 2, "customer": 3}
    candidates.sort(key=lambda n: (-float(rank.get(n, 0.0)), kind_rank.get(kinds.get(n), 4),
                                   str(n)))
    label_nodes(ax, pos, candidates, max_labels=max_labels)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
              title="nodes", title_fontsize=8, markerscale=0.9)
    ax.set_title(title or net.name)
    return ax


def label_nodes(ax, pos: Mapping[str, tuple[float, float]], candidates: list[str],
                text: Mapping[str, str] | None = None, max_labels: int = 25) -> list[str]:
    """Write node names (or ``text[node]``) next to the nodes on a white halo, most important
    first (``candidates`` in order), skipping any label whose box would overlap one already
    written, up to ``max_labels``. Returns the nodes labelled."""
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    x0, x1 = ax.get_xlim()
    renderer = ax.figure.canvas.get_renderer()
    boxes: list = []
    kept: list[str] = []
    for n in candidates:
        if len(kept) >= max_labels:
            break
        right = (pos[n][0] - x0) > 0.8 * (x1 - x0)  # near the right edge: write leftwards
        label = ax.annotate((text or {}).get(n, str(n)), pos[n], fontsize=7.5,
                            xytext=(-4, 4) if right else (4, 4), ha="right" if right else "left",
                            textcoords="offset points", zorder=6, path_effects=halo,
                            gid="node-label")
        box = label.get_window_extent(renderer).expanded(1.05, 1.15)
        if any(box.overlaps(b) for b in boxes):
            label.remove()
            continue
        boxes.append(box)
        kept.append(n)
    return kept


def plot_design_map(result, ax=None, **kwargs: Any):
    """The network a design opens: open facilities labelled, flows as widths with direction."""
    net = result.network
    flows = result.tables.get("flows")
    fac = result.tables.get("facilities")
    open_nodes = set(fac.loc[fac["open"].astype(bool), "node"]) if fac is not None else None
    importance = (dict(zip(fac["node"], fac["throughput"], strict=True))
                  if fac is not None and "throughput" in fac.columns else None)
    used = _nodes_in(flows) if flows is not None and len(flows) else None
    n_open = len(open_nodes) if open_nodes is not None else 0
    kwargs.setdefault("title", f"{net.name}: network design ({n_open} "
                               f"{'facility' if n_open == 1 else 'facilities'} open, "
                               f"status {result.status})")
    return plot_network(net, flows=flows, open_nodes=open_nodes, used_nodes=used, ax=ax,
                        importance=importance, **kwargs)


def plot_plan_map(result, ax=None, **kwargs: Any):
    """What a plan uses: shipments summed over the horizon; nodes the plan never ships from,
    to, makes or stocks at are drawn hollow grey."""
    net = result.network
    ship = result.tables.get("shipments", pd.DataFrame(columns=["origin", "destination",
                                                                "product", "quantity"]))
    ship = ship[ship["quantity"] > 1e-9]
    used = _nodes_in(ship)
    prod = result.tables.get("production")
    if prod is not None and len(prod):
        used |= set(prod.loc[prod["quantity"] > 1e-9, "plant"])
    inv = result.tables.get("inventory")
    if inv is not None and len(inv):
        used |= set(inv.loc[inv["on_hand"] > 1e-9, "node"])
    through = ship.groupby("origin")["quantity"].sum().to_dict() if len(ship) else {}
    periods = len(net.periods)
    kwargs.setdefault("title", f"{net.name}: what the plan uses ({periods} periods, "
                               f"{len(ship.groupby(['origin', 'destination']))} lanes)")
    return plot_network(net, flows=ship, used_nodes=used, ax=ax, importance=through, **kwargs)


def _nodes_in(flows: pd.DataFrame) -> set:
    live = flows[flows["quantity"] > 1e-9]
    return set(live["origin"].tolist()) | set(live["destination"].tolist())
