"""Pictures of networks and results (matplotlib): maps (``maps``, ``buffers``, with an offline
land backdrop from ``coastline``), plan charts (``plan``) and cost charts (``charts``);
``plot_result`` (``Result.plot``) picks the one for a result and a kind."""

from .buffers import plot_buffers_map
from .charts import plot_costs
from .dispatch import KINDS, plot_result
from .maps import plot_design_map, plot_network, plot_plan_map
from .plan import plot_inventory, plot_production

__all__ = ["KINDS", "plot_buffers_map", "plot_costs", "plot_design_map", "plot_inventory",
           "plot_network", "plot_plan_map", "plot_production", "plot_result"]
