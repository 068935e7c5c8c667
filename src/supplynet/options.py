"""Solver options shared by every model: one validated object, also accepted as keywords."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import OptionsError


@dataclass
class SolveOptions:
    """How HiGHS is run. Every model function accepts these as keyword arguments.

    Attributes:
        time_limit: wall-clock limit of the whole call, seconds (pre-processing, every solve,
            diagnosis; None or inf = no limit).
        mip_gap: relative MIP gap at which HiGHS stops, (primal - bound) / |primal|.
        mip_abs_gap: absolute MIP gap, in money units of the objective (None = HiGHS default).
        threads: HiGHS threads; 1 by default so batch workers do not oversubscribe cores.
        seed: HiGHS random seed, for reproducible branch-and-bound.
        presolve: run HiGHS presolve.
        log: False (silent), True (HiGHS log to the console) or a file path for the log.
        mip_start: a previous Result (or {column name: value}) handed to HiGHS as a start.
        highs_options: raw HiGHS options by name, e.g. {"mip_heuristic_effort": 0.2};
            an unknown name raises OptionsError.
    """

    time_limit: float | None = None
    mip_gap: float = 1e-6
    mip_abs_gap: float | None = None
    threads: int = 1
    seed: int = 0
    presolve: bool = True
    log: bool | str = False
    mip_start: Any = None
    highs_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.time_limit is not None and self.time_limit == math.inf:
            self.time_limit = None  # no limit, as HiGHS reads an infinite one
        if self.time_limit is not None and not self.time_limit > 0:
            raise OptionsError(f"time_limit must be a positive number of seconds, got {self.time_limit!r}")
        if not 0 <= self.mip_gap < 1:
            raise OptionsError(f"mip_gap must be in [0, 1), got {self.mip_gap!r}")
        if self.mip_abs_gap is not None and self.mip_abs_gap < 0:
            raise OptionsError(f"mip_abs_gap must be >= 0, got {self.mip_abs_gap!r}")
        if int(self.threads) != self.threads or self.threads < 1:
            raise OptionsError(f"threads must be a positive integer, got {self.threads!r}")
        if not isinstance(self.highs_options, dict):
            raise OptionsError("highs_options must be a dict of HiGHS option names to values")

    def replace(self, **changes: Any) -> SolveOptions:
        return dataclasses.replace(self, **changes)


SOLVE_OPTION_NAMES = frozenset(f.name for f in fields(SolveOptions))


def split_options(
    model_options_cls: type, kwargs: dict[str, Any], options: SolveOptions | None = None
) -> tuple[Any, SolveOptions]:
    """Split keyword arguments into (model options, solver options); unknown names raise.

    ``model_options_cls`` is the model's options dataclass (e.g. DesignOptions).
    """
    model_names = {f.name for f in fields(model_options_cls)}
    unknown = sorted(set(kwargs) - model_names - SOLVE_OPTION_NAMES)
    if unknown:
        allowed = ", ".join(sorted(model_names | SOLVE_OPTION_NAMES))
        raise OptionsError(f"unknown option(s) {', '.join(unknown)}; allowed: {allowed}")
    solve_kw = {k: v for k, v in kwargs.items() if k in SOLVE_OPTION_NAMES}
    model_kw = {k: v for k, v in kwargs.items() if k in model_names}
    solve_options = (options or SolveOptions()).replace(**solve_kw)
    try:
        model_options = model_options_cls(**model_kw)
    except TypeError as exc:  # pragma: no cover - guarded by the name check above
        raise OptionsError(str(exc)) from None
    return model_options, solve_options
