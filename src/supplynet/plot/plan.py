"""Charts of a plan: production against capacity per plant, inventory over time (matplotlib).

``Result.plot("production")`` and ``Result.plot("inventory")`` dispatch here; both functions
also work on their own. Several plants (or unit families) give one Axes each, stacked, and an
array of them is returned; one gives that Axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .common import (
    human_formatter,
    network_of,
    period_labels,
    product_values,
    pyplot,
    set_period_axis,
    unit_families,
    units_for,
)


def _periods(result) -> list[int]:
    net = network_of(result)
    if net is not None:
        return list(net.periods)
    inv = result.tables.get("inventory")
    return sorted(set(inv["period"].tolist())) if inv is not None and len(inv) else []


def _panels(ax, count: int, height: float = 2.8, width: float = 10.0):
    """``count`` Axes stacked over one shared period axis (``ax``: one Axes or a sequence)."""
    if ax is not None:
        axes = list(np.atleast_1d(ax))
        if len(axes) != count:
            raise ValueError(f"this chart needs {count} Axes (one per panel), got {len(axes)}; "
                             f"pass ax=None, or narrow it (plant=..., product=...)")
        return axes
    fig, axes = pyplot().subplots(count, 1, figsize=(width, 1.2 + height * count), sharex=True,
                                  squeeze=False)
    fig.subplots_adjust(hspace=0.35)
    return list(axes[:, 0])


def _product_colors(products: Sequence[str]) -> dict[str, tuple]:
    cmap = pyplot().get_cmap("tab20" if len(products) > 10 else "tab10")
    return {p: cmap(i % cmap.N) for i, p in enumerate(sorted(products))}


def _returned(axes: list):
    return axes[0] if len(axes) == 1 else np.array(axes, dtype=object)


def plot_production(result, ax=None, plant: str | None = None):
    """Production hours per period at each plant, stacked by product, against its hours.

    One Axes per plant (``plant`` picks one). Bars: hours of production (capacity_use x
    quantity) per period, one colour per product, the same in every panel; solid step:
    regular hours available (capacity x outage factor); dashed: with the overtime used.
    Returns the Axes (one plant) or an array of Axes, top to bottom.
    """
    periods = _periods(result)
    prod = result.tables.get("production", pd.DataFrame(columns=["plant", "product", "period",
                                                                 "hours"]))
    cap = result.tables.get("capacity", pd.DataFrame(columns=["resource", "type", "period",
                                                              "available", "overtime"]))
    cap = cap[cap["type"] == "production_hours"] if len(cap) else cap
    plants = sorted(set(prod["plant"].tolist()) | set(cap["resource"].tolist()))
    if plant is not None:
        plants = [plant]
    if not plants:
        raise ValueError("this result has no production to chart")
    axes = _panels(ax, len(plants))
    colors = _product_colors(sorted(set(prod["product"].tolist())))
    units = units_for(result)
    labels = period_labels(result, periods)
    index = {t: i for i, t in enumerate(periods)}
    for pl, a in zip(plants, axes, strict=True):
        here = prod[prod["plant"] == pl]
        bottom = np.zeros(len(periods))
        hours = here.groupby(["product", "period"])["hours"].sum()
        for product in sorted(set(here["product"].tolist())):
            h = np.zeros(len(periods))
            for t, v in hours[product].items():
                h[index[t]] = v
            a.bar(periods, h, bottom=bottom, color=colors[product], label=str(product), width=0.8)
            bottom += h
        c = cap[cap["resource"] == pl]
        if len(c):
            ph = c.groupby("period")[["available", "overtime"]].sum().reindex(periods, fill_value=0.0)
            edges = [t - 0.5 for t in periods] + [periods[-1] + 0.5]  # over each bar's width

            def steps(v: pd.Series) -> list[float]:
                return [*v.tolist(), float(v.iloc[-1])]

            a.step(edges, steps(ph["available"]), where="post", color="black", linewidth=1.4,
                   label="regular hours available")
            if ph["overtime"].any():
                a.step(edges, steps(ph["available"] + ph["overtime"]), where="post",
                       color="black", linestyle="--", linewidth=1.2, label="with overtime used")
            avail = float(ph["available"].sum())
            share = f" — {bottom.sum() / avail:.0%} of regular hours used" if avail > 0 else ""
        else:
            share = ""
        a.set_title(f"{pl}{share}", fontsize=10, loc="left")
        a.set_ylabel("hours")
        a.grid(axis="y", alpha=0.3)
        set_period_axis(a, periods, labels, units["time"])
    for a in axes[:-1]:
        a.set_xlabel("")  # one period axis, named under the last panel
    handles: dict[str, object] = {}
    for a in axes:
        for h, lab in zip(*a.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    if handles:
        axes[0].legend(handles.values(), handles.keys(), fontsize="small", loc="upper left",
                       bbox_to_anchor=(1.01, 1.0), frameon=False, title="product (hours)")
    if len(axes) > 1 and ax is None:
        axes[0].figure.suptitle("production vs capacity per plant [hours per period]", x=0.1,
                                ha="left")
    elif plant is not None:
        axes[0].set_title(f"production vs capacity — {axes[0].get_title()}", fontsize=10,
                          loc="left")
    return _returned(axes)


def plot_inventory(result, ax=None, node: str | None = None, product: str | None = None,
                   value: bool | None = None):
    """On-hand stock at the end of each period, summed over nodes (``node`` / ``product``
    filter).

    value=True: money tied up (on hand x product value), stacked by product, with the value of
    the safety-stock targets dashed; the axis is in the instance's currency. value=False:
    quantities, one line per product, one Axes per unit of measure (kg and litres never share
    an axis; refused when the products' units are not known); dashed: safety-stock targets.
    value=None: quantities when every product charted has the same unit, else money.
    Returns the Axes (one panel) or an array of Axes.
    """
    net = network_of(result)
    units = units_for(result)
    periods = _periods(result)
    labels = period_labels(result, periods)
    inv = result.tables.get("inventory", pd.DataFrame(columns=["node", "product", "period",
                                                               "on_hand", "safety_stock_target"]))
    if node is not None:
        inv = inv[inv["node"] == node]
    if product is not None:
        inv = inv[inv["product"] == product]
    products = sorted(set(inv["product"].tolist()))
    families = unit_families(net, products)
    if families is None and len(products) == 1:  # one product: its own unit, whatever it is
        families = {f"units of {products[0]}": products}
    if value is None:
        value = families is None or len(families) > 1
    where = f" at {node}" if node else ""
    if value:
        (a,) = _panels(ax, 1, height=4.0)
        price = product_values(net)
        worth = inv.assign(v=inv["on_hand"] * inv["product"].map(price).fillna(0.0),
                           s=inv["safety_stock_target"] * inv["product"].map(price).fillna(0.0))
        table = worth.pivot_table(index="period", columns="product", values="v", aggfunc="sum")
        table = table.reindex(index=periods, fill_value=0.0).fillna(0.0)
        table = table[table.sum().sort_values(ascending=False).index]
        colors = _product_colors(products)
        if len(table.columns):
            a.stackplot(periods, table.T.to_numpy(), labels=[str(c) for c in table.columns],
                        colors=[colors[c] for c in table.columns], alpha=0.85)
        target = worth.groupby("period")["s"].sum().reindex(periods, fill_value=0.0)
        if target.any():
            a.plot(periods, target, color="black", linestyle="--", linewidth=1.2,
                   label="safety-stock targets")
        a.set_ylabel(f"stock value [{units['money']}]")
        a.yaxis.set_major_formatter(human_formatter())
        a.set_title(f"inventory value over time{where} (on hand at period end)", fontsize=10,
                    loc="left")
        axes = [a]
    else:
        if families is None:
            raise ValueError("the products' units are not known or differ (the instance's quantity "
                             "unit is a description); chart them by value (value=True) or one "
                             "product at a time (product=...)")
        axes = _panels(ax, len(families), height=3.2)
        g = inv.groupby(["product", "period"])[["on_hand", "safety_stock_target"]].sum()
        for (unit, members), a in zip(sorted(families.items()), axes, strict=True):
            for p in members:
                series = g.loc[p].reindex(periods)
                line = a.plot(periods, series["on_hand"], marker="o", markersize=3,
                              label=str(p))[0]
                if series["safety_stock_target"].fillna(0).any():
                    a.plot(periods, series["safety_stock_target"], linestyle="--",
                           color=line.get_color(), linewidth=1, label=f"{p} target")
            a.set_ylabel(f"on hand [{unit}]")
            a.set_title(f"inventory{where} in {unit} (dashed: safety-stock targets)",
                        fontsize=10, loc="left")
    for a in axes:
        a.grid(axis="y", alpha=0.3)
        set_period_axis(a, periods, labels, units["time"])
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                     frameon=False)
    return _returned(axes)
