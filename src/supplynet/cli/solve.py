"""``supplynet solve PATH --model design|plan|buffers``: solve, print the summary, write tables.

Exit codes: 0 solved (optimal, or a limit with a solution), 1 infeasible, unbounded or an
error (the diagnosis is printed), 2 bad input, 3 the time limit came before any solution.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import OptionsError
from ..extras import require
from .registry import (
    EXIT_OK,
    add_solver_arguments,
    add_verbosity_arguments,
    non_negative,
    read_any,
    register,
    solver_options,
)

MODELS = ("design", "plan", "buffers")
EXIT_NO_SOLUTION = 1  # infeasible, unbounded or an error: the diagnosis is printed
EXIT_TIME_LIMIT_NO_SOLUTION = 3  # the time limit came before any feasible solution
MESSAGE_CHARS = 500  # of the status message repeated on stderr


def add_solve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="instance folder, instance.yaml, .xlsx workbook, OR-Library cap "
                                "file or LotSizingDataModel .xml lot-sizing instance")
    p.add_argument("--model", choices=MODELS, default="design")
    add_solver_arguments(p)
    p.add_argument("--soft", action="store_true", help="allow unmet demand at a penalty")
    p.add_argument("--setups", action="store_true",
                   help="plan only: setups, setup times and minimum lots (a MIP)")
    p.add_argument("--orlib-capacity", type=non_negative, default=None, metavar="UNITS",
                   help="warehouse capacity for OR-Library capa/capb/capc files")
    p.add_argument("--out", default=None, metavar="DIR", help="write the result tables here")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--plot", action="store_true",
                   help="also save PNGs in --out: the map (<name>_<model>.png) and the model's "
                        "charts (costs; a plan's production and inventory)")
    add_verbosity_arguments(p)


def run_solve(args: argparse.Namespace) -> int:
    import supplynet as sn

    if args.plot:  # a missing extra is said before the solve, not after it
        require("matplotlib", "plot")
    if args.format == "xlsx":
        require("openpyxl", "excel")
    if args.setups and args.model != "plan":
        raise OptionsError(f"--setups applies to --model plan, not {args.model}")
    net = read_any(args.path, args.orlib_capacity)
    net.validate()
    out = prepare_out(args.out)  # an unwritable --out is said before the solve, not after it
    kwargs = solver_options(args)
    if args.soft:
        kwargs["soft"] = True
    if args.setups:
        kwargs["setups"] = True
    if not args.quiet:
        if args.model == "plan" and not args.setups and _has_setups(net):
            print("note: the instance has setup costs or times, which a plan ignores "
                  "without --setups", file=sys.stderr)
        print(f"solving {args.model} for {net.name!r} ...", flush=True)
    res = getattr(sn, args.model)(net, **kwargs)
    print(res.summary())
    if out is not None:
        if args.format == "xlsx":
            path = res.to_excel(out / f"{net.name}_{args.model}.xlsx")
        else:
            path = res.to_csv(out)
        print(f"tables written to {path}")
        if args.plot and res.ok:
            for png in save_plots(res, out, f"{net.name}_{args.model}"):
                print(f"chart written to {png}")
    if not res.ok:
        print(f"no solution: {res.status}. {shorten(res.message)}", file=sys.stderr)
        return EXIT_TIME_LIMIT_NO_SOLUTION if res.status == "time_limit" else EXIT_NO_SOLUTION
    return EXIT_OK


def _has_setups(net) -> bool:
    """Does any production option have a setup cost or setup time?"""
    prod = net.production
    return any(c in prod and (prod[c].fillna(0) > 0).any() for c in ("setup_cost", "setup_time"))


def prepare_out(folder: str | None) -> Path | None:
    """The --out folder, created now; OptionsError when it is a file or cannot be created."""
    if folder is None:
        return None
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OptionsError(f"--out {folder}: exists and is not a folder") from None
    except OSError as e:
        raise OptionsError(f"--out {folder}: cannot create the folder ({e.strerror or e})") from None
    return out


def shorten(message: str, limit: int = MESSAGE_CHARS) -> str:
    """The message cut at ``limit`` characters: a diagnosis can name every customer, and the
    summary above already lists it (``--out`` writes all of it to status.csv)."""
    if len(message) <= limit:
        return message
    return f"{message[:limit].rstrip()} ... ({len(message) - limit:,} more characters)"


def save_plots(res, out: Path, stem: str) -> list[Path]:
    """Write the result's map as ``<stem>.png`` and each other chart of its model as
    ``<stem>_<kind>.png`` (kinds: ``supplynet.plot.KINDS``); returns the files written."""
    require("matplotlib", "plot").use("Agg")  # files only, no window
    plt = require("matplotlib.pyplot", "plot")
    from ..plot import KINDS

    written = []
    for kind in KINDS.get(res.model, ("costs",)):
        if kind == "buffers" or (kind == "network" and res.network is None):
            continue  # "buffers" is the buffers map again
        drawn = res.plot(kind)
        fig = (drawn.flat[0] if hasattr(drawn, "flat") else drawn).figure
        png = out / (f"{stem}.png" if kind == "network" else f"{stem}_{kind}.png")
        fig.savefig(png, dpi=120, bbox_inches="tight")
        plt.close(fig)
        written.append(png)
    return written


register("solve", add_solve_arguments, run_solve, "solve a model on an instance and write its tables")
