"""Runs: the answers of a batch of scenarios, side by side."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SupplynetError
from ..results import Result

STATUS_COLUMNS = ["scenario", "status", "objective", "gap", "seconds", "error", "message",
                  "worker", "started", "finished"]


class Runs:
    """What ``solve_many`` returns.

    Attributes:
        model: name of the model solved.
        results: {scenario: Result} for every scenario that produced a Result (any status
            but "error"), in scenario order.
        status: one row per scenario: scenario, status, objective (money), gap, seconds
            (wall time in the worker), error (last line of the exception), message, worker
            (host:pid), started and finished (epoch seconds; empty for scenarios read back
            from a folder).
        scenarios: {name: Scenario} solved, or read back from each folder's scenario.yaml.
        units: the instance's units ({"money": "EUR", "time": "month", ...}), also for
            results read back from a folder.
        out: the output folder, if any; wall_seconds: the batch's wall time.
    """

    def __init__(self, model: str, results: dict[str, Result], status: pd.DataFrame,
                 scenarios: dict | None = None, out: Path | None = None,
                 wall_seconds: float = math.nan, base: str = "base"):
        self.model = model
        self.results = results
        self.status = status.reset_index(drop=True)
        for c in STATUS_COLUMNS:
            if c not in self.status.columns:
                self.status[c] = None
        self.scenarios = scenarios or {}
        self.out = out
        self.wall_seconds = wall_seconds
        self.base = base

    # ----------------------------------------------------------------- access
    @property
    def errors(self) -> pd.DataFrame:
        """Scenarios that raised: scenario, status ("error"), error, message."""
        e = self.status[self.status["status"] == "error"]
        return e[["scenario", "status", "error", "message"]].reset_index(drop=True)

    @property
    def units(self) -> dict[str, str]:
        """Units of the money, quantity, time, distance and co2 columns (those of the base
        scenario's result, else of the first result; {} without any result)."""
        res = self.results.get(self.base) or next(iter(self.results.values()), None)
        return dict(res.units) if res is not None else {}

    @property
    def names(self) -> list[str]:
        return self.status["scenario"].tolist()

    def __getitem__(self, scenario: str) -> Result:
        if scenario not in self.results:
            row = self.status[self.status["scenario"] == scenario]
            why = (f": status {row['status'].iat[0]}, {row['error'].iat[0] or row['message'].iat[0]}"
                   if len(row) else "")
            raise KeyError(f"no result for scenario {scenario!r}{why}")
        return self.results[scenario]

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.status)

    def __repr__(self) -> str:
        counts = self.status["status"].value_counts().to_dict() if len(self.status) else {}
        return f"Runs(model={self.model!r}, scenarios={len(self)}, status={counts})"

    # ----------------------------------------------------------------- tables
    def table(self, name: str) -> pd.DataFrame:
        """Result table ``name`` of every scenario, stacked, with a first column ``scenario``."""
        parts = [r.tables[name].assign(scenario=s) for s, r in self.results.items()
                 if name in r.tables]
        if not parts:
            have = sorted({t for r in self.results.values() for t in r.tables})
            raise SupplynetError(f"no scenario has a table {name!r}; tables: {', '.join(have)}")
        parts = [p for p in parts if len(p)] or parts[:1]
        df = pd.concat(parts, ignore_index=True)
        return df[["scenario"] + [c for c in df.columns if c != "scenario"]]

    def compare(self, base: str | None = None, delta: bool = False) -> pd.DataFrame:
        """One row per scenario: scenario, status, objective, gap, seconds, description (of
        the Scenario, also for runs read from a folder), the cost breakdown
        (``cost_<category>`` columns, money) and KPIs (``kpi_<name>``, units in each result's
        ``kpis`` table), and the difference to the base scenario: ``objective_vs_base``
        (money, see ``units``) and ``objective_vs_base_pct`` (%).

        With ``delta=True`` every cost and KPI column holds the difference to the base
        instead of the value. ``base`` defaults to the scenario the batch called base.
        """
        base = self.base if base is None else base
        rows = []
        for r in self.status.itertuples(index=False):
            row = {"scenario": r.scenario, "status": r.status, "objective": r.objective,
                   "gap": r.gap, "seconds": r.seconds}
            sc = self.scenarios.get(r.scenario)
            row["description"] = getattr(sc, "description", "") or ""
            res = self.results.get(r.scenario)
            if res is not None:
                row.update(_pivot(res.tables.get("costs"), "category", "cost", "cost_"))
                row.update(_pivot(res.tables.get("kpis"), "kpi", "value", "kpi_"))
            rows.append(row)
        df = pd.DataFrame(rows)
        if not len(df):
            return df
        num = [c for c in df.columns if c.startswith(("cost_", "kpi_"))]
        df[num] = df[num].apply(pd.to_numeric, errors="coerce")
        is_base = df["scenario"] == base
        ref = df[is_base].iloc[0] if is_base.any() else None
        ref_obj = pd.to_numeric(pd.Series([ref["objective"] if ref is not None else np.nan]))[0]
        obj = pd.to_numeric(df["objective"], errors="coerce")
        df["objective_vs_base"] = obj - ref_obj
        df["objective_vs_base_pct"] = 100 * (obj - ref_obj) / abs(ref_obj) if ref_obj else np.nan
        if delta and ref is not None:
            for c in num:
                df[c] = df[c] - ref[c]
        return df


def _pivot(df: pd.DataFrame | None, key: str, value: str, prefix: str) -> dict:
    if df is None or not len(df) or key not in df.columns or value not in df.columns:
        return {}
    out = {}
    for k, v in zip(df[key].tolist(), df[value].tolist(), strict=True):
        out[f"{prefix}{k}"] = v
    return out
