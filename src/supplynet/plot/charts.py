"""Cost charts: a result's cost breakdown as bars, largest first, in the instance's currency."""

from __future__ import annotations

from .common import cost_unit, human, human_formatter, new_axes, units_for


def plot_costs(result, ax=None, title: str | None = None):
    """Horizontal bars of the ``costs`` table without its zero rows, sorted descending (largest
    on top), each bar labelled with its amount; the axis carries the currency and period basis
    (``EUR`` over the horizon for design and plan, ``EUR/month`` for buffers). Returns the Axes.
    """
    costs = result.costs
    costs = costs[costs["cost"].abs() > 1e-9].sort_values("cost", ascending=False, kind="stable")
    ax = new_axes(ax, figsize=(8, 0.9 + 0.42 * max(len(costs), 1)))
    unit = cost_unit(result.model, units_for(result))
    names = [str(c).replace("_", " ") for c in costs["category"].tolist()]
    values = costs["cost"].tolist()
    bars = ax.barh(range(len(values)), values, color=["#4c72b0" if v >= 0 else "#c44e52"
                                                     for v in values], gid="cost-bars")
    ax.set_yticks(range(len(values)))
    ax.set_yticklabels(names)
    ax.invert_yaxis()  # the first (largest) bar on top
    ax.bar_label(bars, labels=[f" {human(v, 3)}" for v in values], fontsize=8, padding=2)
    ax.margins(x=0.15)
    ax.set_xlabel(f"cost [{unit}]")
    ax.grid(axis="x", alpha=0.3)
    ax.xaxis.set_major_formatter(human_formatter())
    total = sum(values)
    basis = "per period" if "/" in unit else "over the horizon"
    ax.set_title(title or f"{result.model}: cost breakdown {basis} — total {human(total, 3)} {unit}",
                 fontsize=10, loc="left")
    return ax

