"""The exceptions supplynet raises on purpose; each carries a message meant for a person."""

from __future__ import annotations


class SupplynetError(Exception):
    """Base class of the errors about input, options and solves that supplynet raises
    deliberately. Three others are standard Python errors: a missing optional dependency is
    ``MissingExtraError`` (an ``ImportError``, naming the ``pip install`` extra), an unknown
    plot kind a ``ValueError``, and an unknown scenario name in ``Runs`` a ``KeyError``."""


class InstanceError(SupplynetError, ValueError):
    """An instance (files, tables or graph) is invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[str] | str, source: str | None = None,
                 what: str = "instance"):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        self.source = source
        head = f"invalid {what} {source}" if source else f"invalid {what}"
        n = len(self.problems)
        lines = [f"{head}: {n} problem{'s' if n != 1 else ''}"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class OptionsError(SupplynetError, ValueError):
    """An option passed to a model or the solver is unknown or out of range."""


class SolveError(SupplynetError, RuntimeError):
    """HiGHS failed in a way that produced no usable answer."""
