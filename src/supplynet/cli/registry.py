"""The subcommand registry shared by every ``supplynet`` subcommand module.

Each subcommand is a pair of functions, ``add_arguments(parser)`` and ``run(args) -> int`` (the
exit code), registered with ``register(name, add_arguments, run, help)`` when its module is
imported; ``supplynet.cli.main`` imports every subcommand module explicitly.
"""


from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_INVALID = 2


@dataclass(frozen=True)
class Command:
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    help: str = ""


COMMANDS: dict[str, Command] = {}


def register(name: str, add_arguments: Callable[[argparse.ArgumentParser], None],
             run: Callable[[argparse.Namespace], int], help: str = "") -> None:
    """Add (or replace) subcommand ``name``."""
    COMMANDS[name] = Command(add_arguments, run, help)


def seconds(text: str) -> float:
    """An argparse type: a finite number of seconds > 0 (no flag means no limit)."""
    value = _number(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a finite number of seconds > 0 (leave the flag out for no limit)")
    return value


def non_negative(text: str) -> float:
    """An argparse type: a finite number >= 0."""
    value = _number(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number >= 0")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def add_solver_arguments(p: argparse.ArgumentParser) -> None:
    """The solver flags of every solving subcommand (SolveOptions time_limit and mip_gap)."""
    p.add_argument("--time-limit", type=seconds, default=None, metavar="S",
                   help="wall-clock seconds for the whole call (None: no limit)")
    p.add_argument("--mip-gap", "--gap", dest="mip_gap", type=float, default=None, metavar="G",
                   help="relative MIP gap (None: 1e-6)")


def solver_options(args: argparse.Namespace) -> dict:
    """The SolveOptions keywords given on the command line (-v turns the HiGHS log on)."""
    options: dict = {"log": True} if args.verbose else {}  # only what was given (batch fingerprints)
    if args.time_limit is not None:
        options["time_limit"] = args.time_limit
    if args.mip_gap is not None:
        options["mip_gap"] = args.mip_gap
    return options


def add_verbosity_arguments(p: argparse.ArgumentParser) -> None:
    """The same two flags on every solving subcommand."""
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show the HiGHS log and supplynet's progress messages")
    p.add_argument("--quiet", action="store_true",
                   help="no progress lines or bars (results and errors are still printed)")


def print_table(df, file=None) -> None:
    print(df.to_string(index=False), file=file or sys.stdout)


def read_any(path: str, orlib_capacity: float | None = None):
    """An instance from a folder, instance.yaml, .xlsx workbook, OR-Library cap file or
    LotSizingDataModel .xml lot-sizing file."""
    from ..io import read, read_orlib_cap

    p = Path(path)
    if orlib_capacity is not None or (p.suffix.lower() == ".txt" and p.name.startswith("cap")):
        return read_orlib_cap(p, capacity=orlib_capacity)
    return read(p)
