"""Result: what every model returns. Tables in, tables out."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import SupplynetError


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

    # -- access -----------------------------------------------------------------
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
        return self.tables.get("kpis", pd.DataFrame(columns=["kpi", "value"]))

    # -- lifecycle ----------------------------------------------------------------
    def apply(self):
        """A new Network with this result's decisions written in (the input is not changed)."""
        if self.applier is None:
            raise SupplynetError(f"{self.model} results cannot be applied to a network")
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
    def summary(self) -> str:
        lines = [f"{self.model}: {self.status}" + (f" ({self.message})" if self.message else "")]
        if self.objective is not None:
            lines.append(f"  objective {self.objective:,.4f}")
            if self.gap is not None and self.gap > 0 and math.isfinite(self.gap):
                lines.append(f"  bound     {self.bound:,.4f}  gap {100 * self.gap:.4f}%")
        lines.append(f"  time      build {self.build_seconds:.2f}s, hand-off "
                     f"{self.handoff_seconds:.2f}s, solve {self.solve_seconds:.2f}s")
        costs = self.tables.get("costs")
        if costs is not None and len(costs):
            lines.append("  costs")
            for row in costs.itertuples(index=False):
                if row.cost == 0:
                    continue
                lines.append(f"    {row.category:<24} {row.cost:>16,.2f}")
        kpis = self.tables.get("kpis")
        if kpis is not None and len(kpis) and {"kpi", "value"} <= set(kpis.columns):
            scalar = kpis[[c for c in kpis.columns if c in ("kpi", "value", "unit")]].head(12)
            lines.append("  kpis")
            for row in scalar.itertuples(index=False):
                lines.append(f"    {row.kpi:<24} {row.value:>16,.4g}")
        if self.diagnosis is not None and len(self.diagnosis):
            lines.append("  diagnosis")
            for text in self.diagnosis["message"].head(20):
                lines.append(f"    {text}")
        return "\n".join(lines)

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
        """Write one sheet per table (sheet names cut to Excel's 31 characters)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for name, df in self._all_tables().items():
                df.to_excel(writer, sheet_name=name[:31], index=False)
        return path

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
        highs.writeModel(str(path))
        return path

    def plot(self, kind: str = "network", ax=None, **kwargs):
        """Draw the result with matplotlib; see supplynet.plot for the kinds."""
        from .plot import maps as _plot

        return _plot.plot_result(self, kind=kind, ax=ax, **kwargs)
