"""OR-Library capacitated warehouse location files (Beasley's cap41..cap134, capa/b/c).

Format: ``m n``; m lines ``capacity fixed_cost``; then per customer its demand followed
by m numbers, the cost of serving that customer's *whole* demand from each warehouse.
Tokens wrap over lines, so the file is read token by token. In capa/capb/capc the
capacity field is the word ``capacity``; the caller supplies the value.

The Network built has the same design optimum as the file's problem (demand may be split
between warehouses):

* product ``P`` (finished), one period;
* warehouses ``W1..Wm``: status ``candidate``, ``fixed_cost`` as in the file,
  ``capacity`` = the file's capacity (throughput units per period);
* customers ``C1..Cn`` with their demand of ``P`` in period 1;
* lanes ``Wi -> Cj`` with ``cost`` = file cost / demand_j per unit, so that shipping the
  whole demand costs exactly the file's number. A customer of zero demand keeps its
  demand row (quantity 0) and its lanes, with cost 0 (it changes nothing);
* one supplier ``SOURCE`` offering ``P`` at price 0 without capacity limit, with lanes
  of cost 0 to every warehouse (the design model needs flow to start somewhere).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InstanceError

if TYPE_CHECKING:
    from ..network import Network

#: where the files come from, for a reader that cannot find them
ORLIB_SOURCE = ("the OR-Library cap files (cap41.txt ... capc.txt) are at "
                "http://people.brunel.ac.uk/~mastjjb/jeb/orlib/capinfo.html; see 'Benchmark data' "
                "in the supplynet README")


def _number(tok: str, path: Path, what: str) -> float:
    try:
        return float(tok)
    except ValueError:
        raise InstanceError(f"{path}: {what}: expected a number, found {tok!r}",
                            source=str(path)) from None


def read_orlib_cap(path: str | Path, capacity: float | None = None) -> Network:
    """Read an OR-Library capacitated warehouse location file into a Network.

    Args:
        path: the file (e.g. ``cap41.txt``).
        capacity: warehouse capacity (units per period) for files whose capacity field is
            the word ``capacity`` (capa, capb, capc). When given for a file with numeric
            capacities it replaces them.

    Returns:
        A Network named after the file's stem (see the module docstring for its layout).
    """
    from ..network import Network

    path = Path(path)
    try:
        tokens = path.read_text().split()
    except FileNotFoundError:
        raise InstanceError(f"{path}: no such file ({ORLIB_SOURCE})", source=str(path)) from None
    except IsADirectoryError:
        raise InstanceError(f"{path}: a folder, not an OR-Library cap file ({ORLIB_SOURCE})",
                            source=str(path)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InstanceError(f"{path}: cannot read ({e})", source=str(path)) from None
    if len(tokens) < 2:
        raise InstanceError(f"{path}: expected 'm n' at the start of the file", source=str(path))
    m, n = _number(tokens[0], path, "m"), _number(tokens[1], path, "n")
    if not (m.is_integer() and n.is_integer() and m > 0 and n > 0):
        raise InstanceError(f"{path}: m and n must be positive whole numbers, found "
                            f"{tokens[0]} {tokens[1]}", source=str(path))
    m, n = int(m), int(n)
    expected = 2 + 2 * m + n * (1 + m)
    if len(tokens) != expected:
        raise InstanceError(f"{path}: {len(tokens)} numbers where m={m}, n={n} needs {expected}",
                            source=str(path))
    caps = np.empty(m)
    fixed = np.empty(m)
    for i in range(m):
        tok = tokens[2 + 2 * i]
        if tok.lower() == "capacity":
            if capacity is None:
                raise InstanceError(f"{path}: warehouse capacities are given as the word "
                                    f"'capacity': pass read_orlib_cap(path, capacity=...)",
                                    source=str(path))
            caps[i] = capacity
        else:
            caps[i] = _number(tok, path, f"capacity of warehouse {i + 1}")
        fixed[i] = _number(tokens[3 + 2 * i], path, f"fixed cost of warehouse {i + 1}")
    if capacity is not None:
        caps[:] = float(capacity)
    try:
        body = np.array(tokens[2 + 2 * m:], dtype=float).reshape(n, m + 1)
    except ValueError:
        bad = next(t for t in tokens[2 + 2 * m:] if not _is_float(t))
        raise InstanceError(f"{path}: expected a number, found {bad!r}", source=str(path)) from None
    demand = body[:, 0]
    cost = body[:, 1:]  # cost[j, i]: customer j's whole demand from warehouse i
    if (demand < 0).any() or (cost < 0).any():
        raise InstanceError(f"{path}: negative demand or cost", source=str(path))
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(demand[:, None] > 0, cost / np.where(demand > 0, demand, 1.0)[:, None],
                        0.0)

    wh = [f"W{i + 1}" for i in range(m)]
    cu = [f"C{j + 1}" for j in range(n)]
    nodes = pd.DataFrame({
        "id": ["SOURCE"] + wh + cu,
        "kind": ["supplier"] + ["warehouse"] * m + ["customer"] * n,
        "status": ["open"] + ["candidate"] * m + ["open"] * n,
        "fixed_cost": np.concatenate([[0.0], fixed, np.zeros(n)]),
        "capacity": np.concatenate([[np.nan], caps, np.full(n, np.nan)]),
    })
    # lanes: SOURCE -> every warehouse, then customer by customer, warehouse by warehouse
    lanes = pd.DataFrame({
        "origin": ["SOURCE"] * m + [w for _ in cu for w in wh],
        "destination": wh + [c for c in cu for _ in wh],
        "cost": np.concatenate([np.zeros(m), unit.ravel()]),
    })
    tables = {
        "nodes": nodes,
        "lanes": lanes,
        "products": pd.DataFrame({"id": ["P"], "kind": ["finished"]}),
        "supply": pd.DataFrame({"supplier": ["SOURCE"], "product": ["P"], "price": [0.0]}),
        "demand": pd.DataFrame({"customer": cu, "product": ["P"] * n, "period": [1] * n,
                                "quantity": demand}),
    }
    params = {"name": path.stem, "periods": 1,
              # the files' costs and quantities have no unit: say so rather than the defaults
              "units": {"money": "money", "quantity": "unit"},
              "description": f"OR-Library capacitated warehouse location problem {path.stem} "
                             f"({m} warehouses, {n} customers)"}
    return Network.from_tables(tables, params=params)


def _is_float(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False
