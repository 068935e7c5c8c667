"""Strategic network design MIP: which facilities, levels, lanes and suppliers (models/design.md).

Modules, each importing only those above it in this list: ``options``, ``data`` (plain data),
``reduce`` (Lagrangian fixing), ``sets`` (typed index sets), ``constraints`` and ``choices``
(one function per family), ``costs`` (the one cost definition), ``model`` (``build``),
``results`` (tables), ``run`` (``solve_design``, never diagnoses; regret), ``stochastic``,
``diagnose``; this module holds the public ``design()``.
"""

from __future__ import annotations

from typing import Any

from ...network import Network
from ...options import SolveOptions, split_options
from ...results import Result, sentences
from ...solve import Deadline
from .diagnose import diagnose_design
from .model import build
from .options import DesignOptions
from .run import add_regret, solve_design
from .stochastic import stochastic_design

__all__ = ["DesignOptions", "build", "design"]


def design(net: Network, options: SolveOptions | None = None, *, scenarios=None,
           probabilities=None, risk: dict | None = None, **kwargs: Any) -> Result:
    """Solve the network design MIP and return a Result; the objective is money per horizon.

    Keyword arguments are ``DesignOptions`` fields and ``SolveOptions`` fields, e.g.
    ``design(net, time_limit=60, mip_gap=1e-6, single_sourcing="customer")``; ``time_limit``
    (seconds) bounds the whole call, pre-processing, regret and diagnosis included.
    With ``scenarios`` (Scenario patches or Networks), ``probabilities`` (default equal) and
    ``risk`` ({"alpha": 0.95, "weight": λ} for a CVaR term), the two-stage stochastic design
    of ``stochastic.py`` is solved instead.
    Tables: facilities, flows, production, purchases, make_or_buy, assignments, costs, kpis,
    stranded_stock (initial stock at sites the design closes), lane_choices (with lane fixed
    costs), unmet (soft mode). Raises InstanceError on invalid input, before any model is
    built; demand cut off by closed facilities is status "infeasible" with a ``diagnosis``.
    """
    o, so = split_options(DesignOptions, kwargs, options)
    deadline = Deadline.of(so)
    net.validate()
    if scenarios is not None:
        return stochastic_design(net, scenarios, probabilities, risk, o, so, deadline)
    res = solve_design(net, o, so, deadline)
    if res.ok and o.make_or_buy_regret and len(res.tables["make_or_buy"]):
        add_regret(res, net, o, so, deadline)
    if res.status == "infeasible":
        res.diagnosis = diagnose_design(res.network, o, so, deadline)
        if len(res.diagnosis):  # the message says why in business terms, as plan's does
            res.message += "; " + sentences(res.diagnosis["message"].tolist())
    return res
