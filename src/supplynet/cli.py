"""The ``supplynet`` command.

Each subcommand is a pair of functions, ``add_<name>_arguments(parser)`` and
``run_<name>(args) -> int`` (the exit code), registered in ``COMMANDS``. To add one
(``solve``, ``batch``, ...) write the two functions in any module and call
``register("solve", add_solve_arguments, run_solve, "solve a model")`` at import, or
add a line to ``COMMANDS`` here.

Exit codes: 0 success, 2 bad input (an invalid instance, a bad option, a file that
cannot be read or written). Errors are printed as messages on stderr, never as tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import SupplynetError

EXIT_OK = 0
EXIT_INVALID = 2


@dataclass(frozen=True)
class Command:
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    help: str = ""


COMMANDS: dict[str, Command] = {}
EXTENSION_MODULES: list[str] = ["supplynet.cli_solve", "supplynet.cli_batch"]  # modules registering more subcommands when imported


def register(name: str, add_arguments: Callable[[argparse.ArgumentParser], None],
             run: Callable[[argparse.Namespace], int], help: str = "") -> None:
    """Add (or replace) subcommand ``name``."""
    COMMANDS[name] = Command(add_arguments, run, help)


def _print_table(df, file=None) -> None:
    print(df.to_string(index=False), file=file or sys.stdout)


# ------------------------------------------------------------------------- validate
def add_validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="instance folder, its instance.yaml, or an .xlsx workbook")
    p.add_argument("--orlib-capacity", type=float, default=None, metavar="UNITS",
                   help="read PATH as an OR-Library cap file with this warehouse capacity "
                        "(for cap*.txt files; optional where the file gives capacities)")


def _read_any(path: str, orlib_capacity: float | None = None):
    from .io import read, read_orlib_cap

    p = Path(path)
    if orlib_capacity is not None or (p.suffix.lower() == ".txt" and p.name.startswith("cap")):
        return read_orlib_cap(p, capacity=orlib_capacity)
    return read(p)


def run_validate(args: argparse.Namespace) -> int:
    """Print the instance's summary when valid; otherwise its problems, exit code 2."""
    from .validate import find_problems

    net = _read_any(args.path, args.orlib_capacity)
    problems = find_problems(net)
    if problems:
        n = len(problems)
        print(f"{args.path}: invalid instance {net.name!r}, {n} problem{'s' * (n != 1)}:",
              file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{args.path}: instance {net.name!r} is valid")
    _print_table(net.summary())
    return EXIT_OK


# ------------------------------------------------------------------------- generate
def add_generate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--suppliers", type=int, default=6)
    p.add_argument("--plants", type=int, default=4)
    p.add_argument("--warehouses", type=int, default=6)
    p.add_argument("--customers", type=int, default=30)
    p.add_argument("--products", type=int, default=3, help="number of finished products")
    p.add_argument("--periods", type=int, default=12)
    p.add_argument("--bom-depth", type=int, default=2, help="levels of bill of materials")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--k-nearest", type=int, default=4,
                   help="warehouses connected to each customer")
    p.add_argument("--name", default=None, help="instance name")
    p.add_argument("--out", required=True,
                   help="output folder (instance.yaml + CSVs) or .xlsx workbook")


def run_generate(args: argparse.Namespace) -> int:
    """Generate an instance, check it, write it and print its summary."""
    from .generator import generate

    net = generate(suppliers=args.suppliers, plants=args.plants, warehouses=args.warehouses,
                   customers=args.customers, products=args.products, periods=args.periods,
                   bom_depth=args.bom_depth, seed=args.seed, k_nearest=args.k_nearest,
                   name=args.name)
    net.validate()
    path = net.write(args.out)
    print(f"wrote instance {net.name!r} to {path}")
    _print_table(net.summary())
    return EXIT_OK


register("validate", add_validate_arguments, run_validate,
         "check an instance; print its summary or its problems (exit 2)")
register("generate", add_generate_arguments, run_generate,
         "generate a random valid instance and write it")


# ------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    import importlib

    for mod in EXTENSION_MODULES:
        importlib.import_module(mod)
    from . import __version__

    parser = argparse.ArgumentParser(prog="supplynet", description="Supply-chain network "
                                     "design, planning and safety-stock placement.")
    parser.add_argument("--version", action="version", version=f"supplynet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, cmd in COMMANDS.items():
        sp = sub.add_parser(name, help=cmd.help, description=cmd.help)
        cmd.add_arguments(sp)
        sp.set_defaults(_run=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code) if isinstance(e.code, int) else EXIT_INVALID
    try:
        return int(args._run(args))
    except SupplynetError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as e:
        where = f" {e.filename}" if getattr(e, "filename", None) else ""
        print(f"error:{where}: {e.strerror or e}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
