"""``supplynet batch PATH SCENARIOS.yaml --out DIR``: solve_many from the command line.

Exit codes: 0 every scenario ran (whatever its status: optimal, infeasible, time_limit...),
1 some scenario raised (listed on stderr, rows of manifest.csv), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys

from .registry import (
    add_solver_arguments,
    add_verbosity_arguments,
    read_any,
    register,
    solver_options,
)

MODELS = ("design", "plan", "buffers")


def add_batch_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="instance folder, its instance.yaml, or an .xlsx workbook")
    p.add_argument("scenarios", help="YAML file with a list of scenarios")
    p.add_argument("--model", choices=MODELS, default="design", help="model to solve (design)")
    p.add_argument("--out", required=True, help="folder for manifest.csv and one folder per "
                                                "scenario (finished scenarios are kept)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help="solve in N local processes (default: serially in this process)")
    where.add_argument("--scheduler", default=None, metavar="ADDR",
                       help="Dask scheduler address, e.g. tcp://host:8786")
    add_solver_arguments(p)
    p.add_argument("--no-base", action="store_true", help="do not add the unchanged 'base' scenario")
    p.add_argument("--no-resume", action="store_true",
                   help="solve every scenario again even if finished in --out")
    p.add_argument("--format", choices=("auto", "csv", "parquet"), default="auto",
                   help="table files: parquet if pyarrow is installed (auto), csv or parquet")
    add_verbosity_arguments(p)


def run_batch(args: argparse.Namespace) -> int:
    """Solve the scenarios, write --out, print the comparison table."""
    from ..scenarios.batch import solve_many
    from ..scenarios.spec import read_scenarios

    net = read_any(args.path)
    net.validate()
    scenarios = read_scenarios(args.scenarios, net)
    executor = args.scheduler or args.workers
    options = solver_options(args)
    runs = solve_many(args.model, net, scenarios, executor=executor, out=args.out,
                      resume=not args.no_resume, progress=not args.quiet,
                      include_base=not args.no_base, format=args.format, **options)
    table = runs.compare()
    cols = [c for c in ("scenario", "status", "objective", "gap", "seconds", "objective_vs_base_pct")
            if c in table.columns]
    print(table[cols].to_string(index=False, float_format=lambda x: f"{x:,.6g}"))
    print(f"wrote {len(runs)} scenarios to {args.out} ({runs.wall_seconds:.1f} s)")
    errors = runs.errors
    if len(errors):
        print(f"{len(errors)} scenario(s) failed:", file=sys.stderr)
        for row in errors.itertuples(index=False):
            print(f"  - {row.scenario}: {row.error}", file=sys.stderr)
        return 1
    return 0


register("batch", add_batch_arguments, run_batch,
         "solve a model over the scenarios of a YAML file (in processes or on Dask)")
