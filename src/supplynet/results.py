"""Result: what every model returns. Tables in, tables out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import SupplynetError
from .report.text import repr_text, result_html, summary_text
from .report.units import kpis_with_units, units_of
from .solve import write_model


def sentences(messages: list[str], shown: int = 5) -> str:
    """The first ``shown`` messages joined by '; ', and how many more the diagnosis holds:
    a result's message stays readable when hundreds of demands are cut off."""
    more = len(messages) - shown
    return "; ".join(messages[:shown]) + (f"; and {more} more in the diagnosis table" if more > 0 else "")


@dataclass
class Result:
    """The answer of one model run.

    Attributes:
        model: which model produced it ("design", "plan", "buffers", "gsm").
        status: one of optimal, time_limit, gap_limit, infeasible, unbounded, error.
        objective: objective value of the solution returned (money), None without one.
        bound: best proven lower bound (MIP) or the objective (LP).
        gap: relative gap (objective - bound) / |objective|; 0 for an LP.
        tables: named result tables with key columns; ``result.flows`` is ``result.tables["flows"]``.
        message: a sentence on how the solve ended.
        diagnosis: for infeasible models, a table of what cannot be satisfied, in business terms.
        build_seconds / handoff_seconds / solve_seconds: where the time went.
    """

    model: str
    status: str
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    message: str = ""
    diagnosis: pd.DataFrame | None = None
    build_seconds: float = 0.0
    handoff_seconds: float = 0.0
    solve_seconds: float = 0.0
    network: Any = field(default=None, repr=False)
    options: Any = field(default=None, repr=False)
    start_values: dict[str, float] | None = field(default=None, repr=False)
    applier: Callable[[Result], Any] | None = field(default=None, repr=False)
    solution: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._translate_units()

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        # after __init__ (network set), a new tables dict or network gets the units written in
        if name in ("tables", "network") and "applier" in self.__dict__:
            self._translate_units()

    # -- access -----------------------------------------------------------------
    def __dir__(self) -> list[str]:
        """Attributes and table names (tab completion of ``result.flows``)."""
        return sorted(set(super().__dir__()) | set(self.__dict__.get("tables") or {}))

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name in ("tables", "__dataclass_fields__"):
            raise AttributeError(name)
        tables = self.__dict__.get("tables") or {}
        if name in tables:
            return tables[name]
        raise AttributeError(f"{type(self).__name__} of model {self.__dict__.get('model')!r} has no "
                             f"attribute or table {name!r}; tables: {sorted(tables)}")

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["solution"] = None  # the HiGHS object does not travel between processes
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    @property
    def ok(self) -> bool:
        """True when a solution is available (optimal, or a limit with an incumbent)."""
        return self.status in ("optimal", "gap_limit", "time_limit") and self.objective is not None

    @property
    def costs(self) -> pd.DataFrame:
        return self.tables.get("costs", pd.DataFrame(columns=["category", "cost"]))

    @property
    def kpis(self) -> pd.DataFrame:
        """kpi, value, unit: the unit in the instance's units ("EUR/horizon", "km", "count")."""
        self._translate_units()
        kpis = self.tables.get("kpis")
        if kpis is None:
            return pd.DataFrame(columns=["kpi", "value", "unit"])
        return kpis_with_units(kpis, self.units)  # without a network: the schema's units

    @property
    def units(self) -> dict[str, str]:
        """Units of measure of the instance (money, quantity, time, distance, co2)."""
        return units_of(self.__dict__.get("network"))

    def _translate_units(self) -> None:
        """Write the instance's units into the kpis table (once; counts become integers).

        Without a network (``gsm`` on a stage graph) the table keeps its placeholders
        (``money``), so a caller that knows the network can still write its units in."""
        tables = self.__dict__.get("tables")
        if self.__dict__.get("network") is None:
            return
        if tables and isinstance(tables.get("kpis"), pd.DataFrame):
            tables["kpis"] = kpis_with_units(tables["kpis"], self.units)

    # -- lifecycle ----------------------------------------------------------------
    def apply(self):
        """A new Network with this result's decisions written in (the input is not changed)."""
        if self.applier is None:
            raise SupplynetError(f"{self.model} results cannot be applied to a network: they "
                                 "decide no facilities, lanes or stock targets (design and "
                                 "buffers results do); read the decisions from the tables")
        if not self.ok:
            raise SupplynetError(f"cannot apply a {self.model} result with status {self.status!r}: "
                                 f"{self.message}")
        return self.applier(self)

    def marginal_values(self, families: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Row duals of capacity and demand rows (a MIP is re-solved with its integer
        decisions fixed); see ``supplynet.marginal.marginal_values``."""
        from .marginal import marginal_values

        return marginal_values(self, families)

    # -- reporting ----------------------------------------------------------------
    def statistics(self, by: str = "facility") -> pd.DataFrame:
        """Costs by category x ``by`` ("facility", "product" or "customer") of a design or a
        plan, in long format: columns ``<by>``, category, cost (money over the horizon), unit.
        Per category the rows add up to the ``costs`` table; what cannot be traced to one key
        is on the row ``"(not attributable)"`` (which categories: see
        ``supplynet.report.statistics``)."""
        from .report.statistics import cost_statistics
        from .report.units import unit_label

        if self.model not in ("design", "plan"):
            raise SupplynetError(f"statistics() is for design and plan results, not {self.model}")
        net = self.__dict__.get("network")
        data = {} if net is None else {t: net.table(t) for t in ("nodes", "capacity_levels",
                                                                 "production")}
        try:
            return cost_statistics(self.model, self.tables, data, by,
                                   unit_label("money/horizon", self.units))
        except ValueError as e:
            raise SupplynetError(str(e)) from None

    def summary(self) -> str:
        """Status, objective and bound in money, non-zero costs, every KPI with its unit."""
        return summary_text(self, self.kpis if "kpis" in self.tables else None, self.units)

    def __repr__(self) -> str:
        return repr_text(self, self.units)

    def _repr_html_(self) -> str:
        return result_html(self, self.units)

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.summary()

    def status_table(self) -> pd.DataFrame:
        return pd.DataFrame([{
            "model": self.model, "status": self.status, "objective": self.objective,
            "bound": self.bound, "gap": self.gap, "message": self.message,
            "build_seconds": self.build_seconds, "handoff_seconds": self.handoff_seconds,
            "solve_seconds": self.solve_seconds,
        }])

    def to_csv(self, folder: str | Path) -> Path:
        """Write each table as ``<name>.csv`` plus ``status.csv`` (and ``diagnosis.csv``)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, df in self._all_tables().items():
            df.to_csv(folder / f"{name}.csv", index=False)
        return folder

    def to_excel(self, path: str | Path) -> Path:
        """Write a ``summary`` sheet (status, objective, KPIs and costs with units), then one
        sheet per table (``status`` first): header frozen, filters, fitted widths, thousands
        and percent formats, units in the headers (``cost [EUR]``). Sheet names are cut to
        Excel's 31 characters."""
        from .report.excel import write_excel

        kpis = self.kpis if "kpis" in self.tables else None
        return write_excel(self, path, self._all_tables(), kpis, self.units)

    def _all_tables(self) -> dict[str, pd.DataFrame]:
        out = {"status": self.status_table()}
        out.update(self.tables)
        if self.diagnosis is not None:
            out["diagnosis"] = self.diagnosis
        return out

    def write_model(self, path: str | Path) -> Path:
        """Export the solved model as MPS or LP (by the file's suffix) for other solvers."""
        path = Path(path)
        if path.suffix.lower() not in (".mps", ".lp"):
            raise SupplynetError(f"write_model writes .mps or .lp files, not {path.suffix!r}")
        highs = getattr(self.solution, "highs", None)
        if highs is None:
            raise SupplynetError("this result carries no model (it was pickled or built elsewhere); "
                                 "solve again in this process to export it")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_model(self.solution, str(path))
        return path

    def plot(self, kind: str | None = None, ax=None, **kwargs):
        """Draw the result with matplotlib (``pip install "supplynet[plot]"``); returns the Axes,
        or an array of Axes for charts with one panel per plant or unit.

        kinds: "network" (the default where there is a map; also "map") the map: a design's open facilities and flows,
        a plan's used lanes, a buffers result's safety stock and push/pull per node (also
        "buffers"); "costs" the cost breakdown, sorted, in the instance's currency; a plan's
        "production" (hours per plant and period vs capacity) and "inventory" (by value, or per
        unit of measure). A gsm result draws "costs" (its default: a stage graph has no map).
        See ``supplynet.plot.plot_result``."""
        from .plot.dispatch import plot_result

        return plot_result(self, kind=kind, ax=ax, **kwargs)
