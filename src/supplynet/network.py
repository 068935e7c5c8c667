"""The Network: a directed graph of facilities and lanes plus long-format pandas tables.

Tables are the data; the ``networkx.DiGraph`` is a cached view of the ``nodes`` and
``lanes`` tables. Build a network with the ``add_*`` methods or from tables, then
``validate()`` it before any model reads it. Derived views (which lanes each product
may travel, echelons) are computed once and cached; any change clears them.
"""

from __future__ import annotations

import copy as _copy
import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import pandas as pd

from .schema import PARAMS, TABLES
from .tables import normalize


def _default_params() -> dict[str, Any]:
    return {k: _copy.deepcopy(v[0]) for k, v in PARAMS.items()}


class Network:
    """A supply network. See ``supplynet.schema`` for every table and column."""

    def __init__(self, name: str = "network", params: Mapping[str, Any] | None = None,
                 tables: Mapping[str, pd.DataFrame] | None = None):
        self.params: dict[str, Any] = _default_params()
        self.params["name"] = name
        if params:
            self.params.update(params)
        self._raw: dict[str, pd.DataFrame | None] = {t: None for t in TABLES}
        self._pending: dict[str, list[dict]] = {t: [] for t in TABLES}
        self._typed: dict[str, pd.DataFrame] = {}
        self._load_problems: dict[str, list[str]] = {}
        self._cache: dict[str, Any] = {}
        for tname, df in (tables or {}).items():
            self.set_table(tname, df)

    # ------------------------------------------------------------------ tables
    @classmethod
    def from_tables(cls, tables: Mapping[str, pd.DataFrame], params: Mapping[str, Any] | None = None
                    ) -> Network:
        """A network from {table name: DataFrame} (columns as in ``supplynet.schema``)."""
        params = dict(params or {})
        return cls(name=str(params.get("name", "network")), params=params, tables=tables)

    @property
    def name(self) -> str:
        return str(self.params.get("name", "network"))

    def set_table(self, name: str, df: pd.DataFrame | None) -> None:
        """Replace a whole table (clears every cached view)."""
        if name not in TABLES:
            from .errors import InstanceError

            raise InstanceError(f"unknown table {name!r}; tables are {', '.join(TABLES)}")
        self._flush(name)
        self._raw[name] = None if df is None else pd.DataFrame(df)
        self._pending[name] = []
        self._invalidate(name)

    def table(self, name: str) -> pd.DataFrame:
        """The typed table, defaults filled (empty with its columns if absent)."""
        if name not in self._typed:
            self._flush(name)
            problems: list[str] = []
            self._typed[name] = normalize(name, self._raw[name], problems)
            self._load_problems[name] = problems
        return self._typed[name]

    def has_table(self, name: str) -> bool:
        self._flush(name)
        raw = self._raw[name]
        return raw is not None and len(raw) > 0

    def raw_table(self, name: str) -> pd.DataFrame | None:
        self._flush(name)
        return self._raw[name]

    def load_problems(self) -> list[str]:
        """Cells that could not be typed, found while reading the tables."""
        out: list[str] = []
        for t in TABLES:
            self.table(t)
            out += self._load_problems.get(t, [])
        return out

    def _flush(self, name: str) -> None:
        rows = self._pending.get(name)
        if rows:
            new = pd.DataFrame.from_records(rows)
            raw = self._raw[name]
            self._raw[name] = new if raw is None or raw.empty else pd.concat([raw, new], ignore_index=True)
            self._pending[name] = []

    def _invalidate(self, name: str) -> None:
        self._typed.pop(name, None)
        self._cache.clear()

    def _add(self, name: str, row: dict) -> None:
        # a builder that omits a column means its default (a blank cell in a file does not)
        for col, spec in TABLES[name].columns.items():
            if not spec.blank_ok and col not in row:
                row[col] = spec.default
        self._pending[name].append(row)
        self._invalidate(name)

    nodes = property(lambda self: self.table("nodes"), doc="nodes table")
    lanes = property(lambda self: self.table("lanes"), doc="lanes table")
    products = property(lambda self: self.table("products"), doc="products table")
    bom = property(lambda self: self.table("bom"), doc="bill of materials")
    supply = property(lambda self: self.table("supply"), doc="supply offers")
    production = property(lambda self: self.table("production"), doc="production options")
    capacity_levels = property(lambda self: self.table("capacity_levels"), doc="capacity levels")
    demand = property(lambda self: self.table("demand"), doc="demand table")
    customer_classes = property(lambda self: self.table("customer_classes"), doc="classes")
    stock = property(lambda self: self.table("stock"), doc="inventory terms")
    outages = property(lambda self: self.table("outages"), doc="disruptions")

    # ---------------------------------------------------------------- builders
    def add_node(self, id: str, kind: str, **attrs: Any) -> Network:
        if kind in ("plant", "warehouse"):
            # written out: validation refuses a facility whose status cell is empty
            attrs.setdefault("status", "open")
        self._add("nodes", {"id": id, "kind": kind, **attrs})
        return self

    def add_supplier(self, id: str, **attrs: Any) -> Network:
        return self.add_node(id, "supplier", **attrs)

    def add_plant(self, id: str, **attrs: Any) -> Network:
        return self.add_node(id, "plant", **attrs)

    def add_warehouse(self, id: str, **attrs: Any) -> Network:
        return self.add_node(id, "warehouse", **attrs)

    def add_customer(self, id: str, **attrs: Any) -> Network:
        return self.add_node(id, "customer", **attrs)

    def add_lane(self, origin: str, destination: str, **attrs: Any) -> Network:
        self._add("lanes", {"origin": origin, "destination": destination, **attrs})
        return self

    def add_product(self, id: str, **attrs: Any) -> Network:
        self._add("products", {"id": id, **attrs})
        return self

    def add_bom(self, parent: str, component: str, quantity: float = 1.0) -> Network:
        self._add("bom", {"parent": parent, "component": component, "quantity": quantity})
        return self

    def add_supply(self, supplier: str, product: str, **attrs: Any) -> Network:
        self._add("supply", {"supplier": supplier, "product": product, **attrs})
        return self

    def add_production(self, plant: str, product: str, **attrs: Any) -> Network:
        self._add("production", {"plant": plant, "product": product, **attrs})
        return self

    def add_capacity_level(self, node: str, level: str, capacity: float, fixed_cost: float = 0.0
                           ) -> Network:
        self._add("capacity_levels", {"node": node, "level": level, "capacity": capacity,
                                      "fixed_cost": fixed_cost})
        return self

    def add_demand(self, customer: str, product: str, quantity: float, period: int = 1,
                   **attrs: Any) -> Network:
        self._add("demand", {"customer": customer, "product": product, "period": period,
                             "quantity": quantity, **attrs})
        return self

    def add_customer_class(self, priority: str, **attrs: Any) -> Network:
        self._add("customer_classes", {"priority": priority, **attrs})
        return self

    def add_stock(self, node: str, product: str, **attrs: Any) -> Network:
        self._add("stock", {"node": node, "product": product, **attrs})
        return self

    def add_outage(self, element: str, first_period: int, last_period: int | None = None,
                   capacity_factor: float = 0.0) -> Network:
        self._add("outages", {"element": element, "first_period": first_period,
                              "last_period": first_period if last_period is None else last_period,
                              "capacity_factor": capacity_factor})
        return self

    # ------------------------------------------------------------------- views
    @property
    def periods(self) -> list[int]:
        """Periods 1..T; T from the periods table, the ``periods`` parameter or the demand."""
        if "periods" not in self._cache:
            p = self.table("periods")
            if len(p):
                out = sorted(int(x) for x in p["period"].tolist() if not math.isnan(x))
            else:
                t = self.params.get("periods")
                if isinstance(t, list):
                    t = len(t)
                if not t:  # not given: as many as the demand table spans
                    d = self.table("demand")["period"]
                    t = int(d.max()) if len(d) and pd.notna(d.max()) and d.max() >= 1 else 1
                out = list(range(1, int(t) + 1))
            self._cache["periods"] = out
        return self._cache["periods"]

    @property
    def graph(self) -> nx.DiGraph:
        """Facilities as nodes (all node columns as attributes), lanes as edges."""
        if "graph" not in self._cache:
            g = nx.DiGraph(name=self.name)
            nodes = self.table("nodes")
            cols = list(nodes.columns)
            for rec in zip(*(nodes[c].tolist() for c in cols), strict=True):
                attrs = dict(zip(cols, rec, strict=True))
                g.add_node(attrs.pop("id"), **attrs)
            lanes = self.table("lanes")
            lcols = list(lanes.columns)
            for rec in zip(*(lanes[c].tolist() for c in lcols), strict=True):
                attrs = dict(zip(lcols, rec, strict=True))
                g.add_edge(attrs.pop("origin"), attrs.pop("destination"), **attrs)
            self._cache["graph"] = g
        return self._cache["graph"]

    def kind_of(self) -> dict[str, str]:
        if "kind_of" not in self._cache:
            n = self.table("nodes")
            self._cache["kind_of"] = dict(zip(n["id"].tolist(), n["kind"].tolist(), strict=True))
        return self._cache["kind_of"]

    def nodes_of_kind(self, kind: str) -> list[str]:
        return [n for n, k in self.kind_of().items() if k == kind]

    def upstream(self, node: str) -> set[str]:
        return nx.ancestors(self.graph, node)

    def downstream(self, node: str) -> set[str]:
        return nx.descendants(self.graph, node)

    def echelons(self) -> dict[str, int]:
        """Echelon of each node: longest number of lanes from any node without inbound lanes."""
        if "echelons" not in self._cache:
            g = self.graph
            if not nx.is_directed_acyclic_graph(g):
                level = {n: 0 for n in g}  # cyclic graphs: echelons undefined, flat
            else:
                level = {}
                for n in nx.topological_sort(g):
                    level[n] = max((level[p] + 1 for p in g.predecessors(n)), default=0)
            self._cache["echelons"] = level
        return self._cache["echelons"]

    def product_lanes(self) -> pd.DataFrame:
        """Which product may travel which lane: columns origin, destination, product.

        A product p may travel lane (i, j) when i can hold p (a supplier offering it, a plant
        making it, or a transit node reachable from those) and j leads to a node needing p
        (a customer demanding it, or a plant using it as a component).
        """
        if "product_lanes" not in self._cache:
            from .views import product_lanes

            self._cache["product_lanes"] = product_lanes(self)
        return self._cache["product_lanes"]

    # ---------------------------------------------------------------- checking
    def validate(self) -> Network:
        """Raise ``InstanceError`` listing every problem found; return self when valid."""
        from .validate import validate

        validate(self)
        return self

    def problems(self) -> list[str]:
        from .validate import find_problems

        return find_problems(self)

    # ------------------------------------------------------------------- misc
    def copy(self) -> Network:
        new = Network(self.name, params=_copy.deepcopy(self.params))
        for t in TABLES:
            self._flush(t)
            raw = self._raw[t]
            new._raw[t] = None if raw is None else raw.copy()
        return new

    def write(self, path: str, **kwargs: Any):
        """Write as a folder (instance.yaml + CSVs) or, for a .xlsx path, one workbook."""
        from .io.writing import write  # the writers sit below Network; the readers above it

        return write(self, path, **kwargs)

    def summary(self) -> pd.DataFrame:
        """Counts of nodes by kind and rows per table."""
        rows = [{"item": f"nodes: {k}", "count": int(v)}
                for k, v in self.table("nodes")["kind"].value_counts().sort_index().items()]
        for t in TABLES:
            if t != "nodes" and self.has_table(t):
                rows.append({"item": f"table: {t}", "count": len(self.table(t))})
        rows.append({"item": "periods", "count": len(self.periods)})
        return pd.DataFrame(rows)

    def equals(self, other: Network, check_params: bool = True) -> bool:
        """Same tables (typed, row order ignored) and, optionally, same parameters."""
        if check_params and {k: v for k, v in self.params.items()} != dict(other.params):
            return False
        for t in TABLES:
            a, b = self.table(t), other.table(t)
            if len(a) != len(b):
                return False
            if len(a) == 0:
                continue
            key = list(TABLES[t].key)
            cols = list(TABLES[t].columns)
            a2 = a[cols].sort_values(key).reset_index(drop=True)
            b2 = b[cols].sort_values(key).reset_index(drop=True)
            try:
                pd.testing.assert_frame_equal(a2, b2, check_dtype=False, check_exact=False, rtol=1e-12)
            except AssertionError:
                return False
        return True

    def diff(self, other: Network) -> pd.DataFrame:
        """What changed from this network to ``other``: columns table, key, change
        (changed/added/removed), column, old, new (see ``supplynet.diff``)."""
        from .diff import network_diff

        return network_diff(self, other)

    def __getstate__(self) -> dict:
        """Pickle tables and parameters, not cached views (graph, product lanes); a table
        typed without problems travels once, in its typed form."""
        for t in TABLES:
            self._flush(t)
        state = dict(self.__dict__)
        state["_cache"] = {}
        state["_raw"] = {t: self._typed[t] if (raw is not None and t in self._typed
                                               and not self._load_problems.get(t)) else raw
                         for t, raw in self._raw.items()}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for t, df in self._typed.items():
            if self._raw.get(t) is df:  # raw and typed arrived as one object: split them
                self._raw[t] = df.copy(deep=False)

    def __repr__(self) -> str:
        kinds = self.table("nodes")["kind"].value_counts().to_dict()
        return (f"Network({self.name!r}, nodes={kinds}, lanes={len(self.table('lanes'))}, "
                f"products={len(self.table('products'))}, periods={len(self.periods)})")

    def _repr_html_(self) -> str:
        """Notebook view: name, periods, units, nodes by kind, rows per table."""
        from .report.text import network_html

        return network_html(self, list(TABLES))

