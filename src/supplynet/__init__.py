"""supplynet: supply-chain network design, planning and safety-stock placement.

The public names are resolved lazily so that ``import supplynet`` stays fast and each
model's module is loaded only when used.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.1.0"

# A library is quiet unless asked: without this, logging's last-resort handler would print the
# package's warnings on stderr when the application configured no logging.
logging.getLogger("supplynet").addHandler(logging.NullHandler())

_EXPORTS = {
    "Network": "supplynet.network",
    "InstanceError": "supplynet.errors",
    "OptionsError": "supplynet.errors",
    "SupplynetError": "supplynet.errors",
    "SolveError": "supplynet.errors",
    "SolveOptions": "supplynet.options",
    "Result": "supplynet.results",
    "read": "supplynet.io",
    "write": "supplynet.io",
    "read_orlib_cap": "supplynet.io",
    "load_instance": "supplynet.io",
    "generate": "supplynet.generator",
    "design": "supplynet.models.design",
    "facility_location": "supplynet.models.facility_location",
    "plan": "supplynet.models.planning",
    "PlanOptions": "supplynet.models.planning",
    "promise": "supplynet.models.promising",
    "segment_moves": "supplynet.models.promising.segments",
    "DesignOptions": "supplynet.models.design",
    "GsmOptions": "supplynet.models.gsm",
    "gsm": "supplynet.models.gsm",
    "buffers": "supplynet.models.gsm",
    "read_stage_graph": "supplynet.models.gsm",
    "write_stage_graph": "supplynet.models.gsm",
    "Scenario": "supplynet.scenarios",
    "read_scenarios": "supplynet.scenarios",
    "write_scenarios": "supplynet.scenarios",
    "solve_many": "supplynet.scenarios",
    "Runs": "supplynet.scenarios",
    "load_runs": "supplynet.scenarios",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'supplynet' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
