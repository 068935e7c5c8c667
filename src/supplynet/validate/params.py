"""Checks of the instance parameters (``instance.yaml``), units of measure included."""

from __future__ import annotations

import difflib
import math

from ..schema import PARAMS
from .rows import Problems

UNIT_KEYS = tuple(PARAMS["units"][0])  # money, quantity, time, distance, co2
# names people give the units that difflib cannot match to ours
UNIT_SYNONYMS = {"currency": "money", "cost": "money", "unit": "quantity", "units": "quantity",
                 "volume": "quantity", "period": "time", "periods": "time", "length": "distance",
                 "emissions": "co2", "carbon": "co2"}


def check_params(net, out: Problems) -> None:
    p = net.params
    for key in p:
        if key not in PARAMS:  # a misspelt carbon_price would silently be 0
            out.add(f"parameter {key!r} is unknown{_hint(key, PARAMS)}; the parameters are "
                    f"{', '.join(PARAMS)} (notes of your own go under meta)")

    def number(name: str, optional: bool) -> None:
        v = p.get(name)
        if v is None:
            if not optional:
                out.add(f"parameter {name} is missing (a number >= 0 is needed)")
            return
        if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(float(v)):
            out.add(f"parameter {name}={v!r} is not a number")
        elif v < 0:
            out.add(f"parameter {name}={v!r} is negative")
        elif math.isinf(v):
            out.add(f"parameter {name}={v!r} is infinite")

    number("carbon_price", False)
    number("holding_rate", False)
    number("co2_cap", True)
    number("unmet_penalty", True)
    t = p.get("periods")
    if t is not None and not isinstance(t, list):
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not float(t).is_integer() \
                or t < 1:
            out.add(f"parameter periods={t!r} must be a whole number >= 1 (the number of periods)")
    elif isinstance(t, list) and not t:
        out.add("parameter periods is an empty list")
    meta = p.get("meta")
    if meta is not None and not isinstance(meta, dict):
        out.add(f"parameter meta={meta!r} must be a mapping such as {{source: survey 2025}}")
    _check_units(p.get("units"), out)


def _check_units(units, out: Problems) -> None:
    """A misspelt key (``currency``) would leave reports in the default unit without a word."""
    if units is None:
        return
    if not isinstance(units, dict):
        out.add(f"parameter units={units!r} must be a mapping such as {{money: EUR}}")
        return
    for key, value in units.items():
        if key not in UNIT_KEYS:
            hint = (f" (did you mean {UNIT_SYNONYMS[key]!r}?)" if key in UNIT_SYNONYMS
                    else _hint(key, UNIT_KEYS))
            out.add(f"parameter units: unit {key!r} is unknown{hint}; the units are "
                    f"{', '.join(UNIT_KEYS)}")
        elif value is not None and (not isinstance(value, str) or not value.strip()):
            out.add(f"parameter units: {key}={value!r} must be a name such as "
                    f"{PARAMS['units'][0][key]!r}")


def _hint(key, names) -> str:
    close = difflib.get_close_matches(str(key), list(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
