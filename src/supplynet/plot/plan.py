"""Charts of a plan: production against capacity, inventory over time (matplotlib).

``Result.plot("production")`` and ``Result.plot("inventory")`` dispatch here through
``supplynet.plot.maps``; both functions also work on their own and return the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots(figsize=(9, 4))
    return ax


def _periods(result) -> list[int]:
    net = getattr(result, "network", None)
    if net is not None:
        return list(net.periods)
    inv = result.tables.get("inventory")
    return sorted(set(inv["period"].tolist())) if inv is not None and len(inv) else []


def plot_production(result, ax=None, plant: str | None = None):
    """Production hours per period, stacked by product, against available hours.

    Bars: hours of production (capacity_use x quantity) per period, one colour per product;
    solid line: regular hours available (capacity x outage factor); dashed: with overtime
    used. ``plant`` restricts the chart to one plant (default: all plants summed).
    """
    ax = _axes(ax)
    periods = _periods(result)
    prod = result.tables.get("production", pd.DataFrame())
    cap = result.tables.get("capacity", pd.DataFrame())
    if plant is not None:
        prod = prod[prod["plant"] == plant] if len(prod) else prod
        cap = cap[cap["resource"] == plant] if len(cap) else cap
    bottom = np.zeros(len(periods))
    pos = {t: i for i, t in enumerate(periods)}
    if len(prod):
        hours = prod.groupby(["product", "period"])["hours"].sum()
        for product in sorted(prod["product"].unique()):
            h = np.zeros(len(periods))
            for t, v in hours[product].items():
                h[pos[t]] = v
            ax.bar(periods, h, bottom=bottom, label=str(product))
            bottom += h
    if len(cap):
        ph = cap[cap["type"] == "production_hours"].groupby("period")[["available", "overtime"]].sum()
        ph = ph.reindex(periods, fill_value=0.0)
        ax.step(periods, ph["available"], where="mid", color="black", label="capacity")
        if ph["overtime"].any():
            ax.step(periods, ph["available"] + ph["overtime"], where="mid", color="black",
                    linestyle="--", label="capacity + overtime used")
    ax.set_xlabel("period")
    ax.set_ylabel("hours")
    ax.set_title("production vs capacity" + (f" — {plant}" if plant else ""))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_inventory(result, ax=None, node: str | None = None, product: str | None = None,
                   value: bool = False):
    """On-hand stock at the end of each period, one line per product (summed over nodes).

    Dashed lines: safety-stock targets. ``node`` / ``product`` filter; ``value=True`` plots
    money (on hand x product value) instead of units.
    """
    ax = _axes(ax)
    inv = result.tables.get("inventory", pd.DataFrame())
    if len(inv):
        if node is not None:
            inv = inv[inv["node"] == node]
        if product is not None:
            inv = inv[inv["product"] == product]
        y = "value" if value else "on_hand"
        g = inv.groupby(["product", "period"])[[y, "safety_stock_target"]].sum()
        for p in sorted(inv["product"].unique()):
            series = g.loc[p]
            line = ax.plot(series.index, series[y], marker="o", markersize=3, label=str(p))[0]
            if not value and series["safety_stock_target"].any():
                ax.plot(series.index, series["safety_stock_target"], linestyle="--",
                        color=line.get_color(), linewidth=1)
    ax.set_xlabel("period")
    ax.set_ylabel("stock value" if value else "units on hand")
    ax.set_title("inventory over time" + (f" — {node}" if node else ""))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
