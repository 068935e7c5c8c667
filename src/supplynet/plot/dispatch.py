"""``Result.plot(kind)``: which picture each kind of result can draw."""

from __future__ import annotations

from typing import Any

#: model -> the kinds its results draw; the first is the default ("network")
KINDS: dict[str, tuple[str, ...]] = {
    "design": ("network", "costs"),
    "plan": ("network", "production", "inventory", "costs"),
    "buffers": ("network", "buffers", "costs"),
    "gsm": ("costs",),
}


def plot_result(result, kind: str | None = None, ax=None, **kwargs: Any):
    """Draw ``result`` and return the Axes (or an array of Axes for charts with one panel
    per plant or unit).

    kinds: "network" the map (a design: what it opens and its flows; a plan: what it uses; a
    buffers result: the same as "buffers", where safety stock is held, push/pull per node);
    "costs" the cost breakdown, sorted; plans also "production" (per plant, per period) and
    "inventory" (by value, or per unit of measure). Extra keywords go to the drawing function.
    ``kind=None`` draws the model's first kind ("network", or "costs" for gsm).
    """
    allowed = KINDS.get(result.model, ("network", "costs"))
    kind = allowed[0] if kind is None else kind
    if kind == "map":
        kind = "network"
    if kind not in allowed:
        raise ValueError(f"a {result.model} result draws {', '.join(map(repr, allowed))}, "
                         f"not {kind!r}")
    if kind == "costs":
        from .charts import plot_costs

        return plot_costs(result, ax=ax, **kwargs)
    if kind in ("production", "inventory"):
        from . import plan

        return getattr(plan, f"plot_{kind}")(result, ax=ax, **kwargs)
    if result.network is None:
        raise ValueError(f"a {result.model} result without a network cannot be drawn as a map")
    if result.model == "buffers":
        from .buffers import plot_buffers_map

        return plot_buffers_map(result, ax=ax, **kwargs)
    from .maps import plot_design_map, plot_network, plot_plan_map

    if result.model == "design":
        return plot_design_map(result, ax=ax, **kwargs)
    if result.model == "plan":
        return plot_plan_map(result, ax=ax, **kwargs)
    return plot_network(result.network, ax=ax, **kwargs)
