"""``supplynet solve PATH --model design|plan|buffers``: solve, print the summary, write tables.

Exit codes: 0 solved (optimal, or a limit with a solution), 1 infeasible, unbounded or an
error (the diagnosis is printed), 2 bad input, 3 the time limit came before any solution.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .registry import (
    EXIT_OK,
    add_solver_arguments,
    add_verbosity_arguments,
    read_any,
    register,
    solver_options,
)

MODELS = ("design", "plan", "buffers")
EXIT_NO_SOLUTION = 1  # infeasible, unbounded or an error: the diagnosis is printed
EXIT_TIME_LIMIT_NO_SOLUTION = 3  # the time limit came before any feasible solution


def add_solve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="instance folder, instance.yaml, .xlsx workbook or OR-Library cap file")
    p.add_argument("--model", choices=MODELS, default="design")
    add_solver_arguments(p)
    p.add_argument("--soft", action="store_true", help="allow unmet demand at a penalty")
    p.add_argument("--orlib-capacity", type=float, default=None, metavar="UNITS",
                   help="warehouse capacity for OR-Library capa/capb/capc files")
    p.add_argument("--out", default=None, metavar="DIR", help="write the result tables here")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--plot", action="store_true", help="also save a network map as PNG in --out")
    add_verbosity_arguments(p)


def run_solve(args: argparse.Namespace) -> int:
    import supplynet as sn

    net = read_any(args.path, args.orlib_capacity)
    net.validate()
    kwargs = solver_options(args)
    if args.soft:
        kwargs["soft"] = True
    if not args.quiet:
        print(f"solving {args.model} for {net.name!r} ...", flush=True)
    res = getattr(sn, args.model)(net, **kwargs)
    print(res.summary())
    if args.out:
        out = Path(args.out)
        if args.format == "xlsx":
            path = res.to_excel(out / f"{net.name}_{args.model}.xlsx")
        else:
            path = res.to_csv(out)
        print(f"tables written to {path}")
        if args.plot and res.ok:
            import matplotlib

            matplotlib.use("Agg")
            ax = res.plot()
            png = out / f"{net.name}_{args.model}.png"
            ax.figure.savefig(png, dpi=120, bbox_inches="tight")
            print(f"map written to {png}")
    if not res.ok:
        print(f"no solution: {res.status}. {res.message}", file=sys.stderr)
        return EXIT_TIME_LIMIT_NO_SOLUTION if res.status == "time_limit" else EXIT_NO_SOLUTION
    return EXIT_OK


register("solve", add_solve_arguments, run_solve, "solve a model on an instance and write its tables")
