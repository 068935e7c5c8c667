"""Map of a buffers (safety stock placement) result: where stock is held, push or pull per node.

Each node with stages is coloured by its mode: push (every product there is a decoupling
point holding safety stock), pull (none is), or mixed (some products push, some pull — a plant
buffering its components and making to order). Marker area grows with the money tied up in
safety stock there (safety stock x product value), so kilograms and litres are never added.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .common import KIND_MARKERS, human, new_axes, nice_steps, product_values, units_for
from .maps import frame, label_nodes, positions

MODE_COLORS = {"push": "#dd8452", "mixed": "#8172b3", "pull": "#4c72b0"}
MODE_TEXT = {"push": "push: holds safety stock (decoupling point)",
             "mixed": "mixed: some products pushed, some pulled",
             "pull": "pull: no safety stock, made/shipped to order"}


def node_modes(stages: pd.DataFrame) -> pd.DataFrame:
    """One row per node: mode (push, pull or mixed), products pushed and pulled, safety stock
    (units, per product) and its value (money), from a buffers result's ``stages`` table."""
    rows = []
    for node, st in stages.groupby("node", sort=True):
        modes = set(st["mode"].tolist())
        mode = "mixed" if modes >= {"push", "pull"} else ("push" if "push" in modes else "pull")
        rows.append({"node": node, "mode": mode,
                     "pushed": int((st["mode"] == "push").sum()),
                     "pulled": int((st["mode"] == "pull").sum()),
                     "stock_value": float(st["stock_value"].sum())})
    return pd.DataFrame(rows, columns=["node", "mode", "pushed", "pulled", "stock_value"])


def plot_buffers_map(result, ax=None, backdrop: bool = True, max_labels: int = 25,
                     max_size: float = 900.0, title: str | None = None, **_ignored: Any):
    """Map the buffers result: lanes thin grey, suppliers and customers small, every stage node
    coloured push / mixed / pull and sized by the value of its safety stock (money); labels
    give the node and that value. Returns the Axes."""
    from matplotlib.lines import Line2D

    net = result.network
    if net is None:
        raise ValueError("a buffers result without a network (gsm on a stage graph) has no map")
    units = units_for(result)
    stages = result.tables["stages"].copy()
    value = product_values(net)
    stages["stock_value"] = stages["safety_stock"] * stages["product"].map(value).fillna(0.0)
    modes = node_modes(stages)
    ax = new_axes(ax, figsize=(11, 8))
    pos = positions(net)
    kinds = net.kind_of()
    frame(ax, net, pos, backdrop)
    from matplotlib.collections import LineCollection

    ax.add_collection(LineCollection([(pos[a], pos[b]) for a, b in net.graph.edges],
                                     linewidths=0.5, colors="#9c9c9c", alpha=0.45, zorder=1))
    staged = set(modes["node"])
    for kind in ("supplier", "customer", "plant", "warehouse"):
        rest = [n for n in net.graph.nodes if kinds.get(n) == kind and n not in staged]
        if rest:
            ax.scatter([pos[n][0] for n in rest], [pos[n][1] for n in rest],
                       marker=KIND_MARKERS[kind], s=18, c="#bdbdbd", edgecolors="white",
                       linewidths=0.4, zorder=3, label=f"{kind} (no stages)")
    top = float(modes["stock_value"].max()) if len(modes) else 0.0

    def area(v: float) -> float:
        return 30.0 + (max_size * v / top if top > 0 else 0.0)

    for mode in ("push", "mixed", "pull"):
        sel = modes[modes["mode"] == mode]
        if not len(sel):
            continue
        nodes = sel["node"].tolist()
        ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes],
                   s=[area(v) for v in sel["stock_value"].tolist()], c=MODE_COLORS[mode],
                   marker="o", alpha=0.85, edgecolors="black", linewidths=0.6, zorder=4,
                   label=MODE_TEXT[mode], gid=f"mode:{mode}")
    money = units["money"]
    ranked = modes.sort_values(["stock_value", "node"], ascending=[False, True])["node"].tolist()
    sv = dict(zip(modes["node"], modes["stock_value"], strict=True))
    label_nodes(ax, pos, ranked, {n: f"{n}\n{human(sv[n])} {money}" if sv[n] > 0 else str(n)
                                  for n in ranked}, max_labels=max_labels)
    size_handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                           markeredgecolor="black", markersize=area(v) ** 0.5,
                           label=f"{human(v)} {money}") for v in nice_steps(top)]
    if size_handles:
        leg = ax.legend(handles=size_handles, title=f"safety stock value [{money}]",
                        loc="lower left", bbox_to_anchor=(1.01, 0.0), fontsize=8,
                        title_fontsize=8, frameon=False, labelspacing=1.4, borderpad=1.0,
                        alignment="left")
        ax.add_artist(leg)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
              title="nodes", title_fontsize=8, markerscale=0.5)
    total = float(stages["stock_value"].sum())
    ax.set_title(title or f"{net.name}: safety stock placement — {human(total)} {money} held "
                          f"at {int((modes['stock_value'] > 0).sum())} nodes")
    return ax
