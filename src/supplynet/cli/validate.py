"""``supplynet validate PATH``: print the instance's summary, or its problems (exit 2)."""

from __future__ import annotations

import argparse
import sys

from .registry import EXIT_INVALID, EXIT_OK, non_negative, print_table, read_any, register


def add_validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="instance folder, its instance.yaml, or an .xlsx workbook")
    p.add_argument("--orlib-capacity", type=non_negative, default=None, metavar="UNITS",
                   help="read PATH as an OR-Library cap file with this warehouse capacity "
                        "(for cap*.txt files; optional where the file gives capacities)")


def run_validate(args: argparse.Namespace) -> int:
    """Print the instance's summary when valid; otherwise its problems, exit code 2."""
    from ..validate import find_problems

    net = read_any(args.path, args.orlib_capacity)
    problems = find_problems(net)
    if problems:
        n = len(problems)
        print(f"{args.path}: invalid instance {net.name!r}, {n} problem{'s' * (n != 1)}:",
              file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{args.path}: instance {net.name!r} is valid")
    print_table(net.summary())
    return EXIT_OK


register("validate", add_validate_arguments, run_validate,
         "check an instance; print its summary or its problems (exit 2)")
