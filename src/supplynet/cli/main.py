"""The ``supplynet`` command: the parser over every registered subcommand, and ``main``.

Exit codes: 0 success, 1 no solution (infeasible) or an unexpected error, 2 bad input (an
invalid instance, a bad option, a file that cannot be read or written). Errors are printed as
messages on stderr, never as tracebacks (``-v`` adds the traceback of an unexpected error).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from .. import __version__
from ..errors import SupplynetError
from ..extras import MissingExtraError
from . import batch, generate, promise, registry, solve, validate  # noqa: F401  (each registers its subcommand)
from .registry import EXIT_INVALID

EXIT_ERROR = 1  # an unexpected exception: a bug, reported in one line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supplynet", description="Supply-chain network "
                                     "design, planning and safety-stock placement.",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--version", action="version", version=f"supplynet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, cmd in registry.COMMANDS.items():
        sp = sub.add_parser(name, help=cmd.help, description=cmd.help,
                            formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        cmd.add_arguments(sp)
        sp.set_defaults(_run=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 no solution or a bug, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code) if isinstance(e.code, int) else EXIT_INVALID
    if getattr(args, "verbose", False):
        import logging

        logging.basicConfig(format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
        logging.getLogger("supplynet").setLevel(logging.INFO)
    try:
        return int(args._run(args))
    except (SupplynetError, MissingExtraError) as e:  # the message names the fix
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as e:
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as e:  # a bug, not bad input: one line, the traceback with -v
        if getattr(args, "verbose", False):
            traceback.print_exc()
        print(f"error: unexpected {type(e).__name__}: {e} (a supplynet bug; -v shows the "
              "traceback)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
