"""Guaranteed-service safety-stock placement: ``gsm`` on a stage graph, ``buffers`` on a Network.

Modules: placement (gsm, GsmOptions, optimize), decoupling (buffers: the Network's stage graph and decoupling points),
graph (stage data), io (stage-graph files), and the exact pipeline: dp, serial, pairs, mip, levels, lp,
lagrange, bounds, search, coarse, solve (see models/buffers.md, "Algorithms").
"""

from .decoupling import buffers
from .io import read_stage_graph, write_stage_graph
from .placement import GsmOptions, gsm, optimize

__all__ = ["GsmOptions", "buffers", "gsm", "optimize", "read_stage_graph", "write_stage_graph"]
