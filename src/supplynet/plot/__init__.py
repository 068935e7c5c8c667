"""Pictures of networks and results (matplotlib): maps (``maps``) and plan charts (``plan``)."""

from .maps import plot_network, plot_result
from .plan import plot_inventory, plot_production

__all__ = ["plot_inventory", "plot_network", "plot_production", "plot_result"]
