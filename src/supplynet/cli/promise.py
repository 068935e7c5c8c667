"""``supplynet promise INSTANCE ORDERS.csv [--out FILE]``: plan, then promise the orders.

The plan is solved on the instance (``sn.plan``), then each order of ORDERS.csv (columns
order, customer, product, quantity, period, optional priority) is promised in turn
(``sn.promise``). Exit codes: 0 done (refused orders included), 1 the plan has no
solution, 2 bad input (the message names the row, customer and product).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .registry import (
    EXIT_OK,
    add_verbosity_arguments,
    print_table,
    read_any,
    register,
    seconds,
)
from .solve import shorten

EXIT_NO_SOLUTION = 1


def add_promise_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="instance folder, instance.yaml or .xlsx workbook")
    p.add_argument("orders", help="CSV of orders: order, customer, product, quantity, period "
                   "[, priority]")
    p.add_argument("--by-priority", action="store_true",
                   help="promise by priority (smaller first) instead of the file's order")
    p.add_argument("--time-limit", type=seconds, default=None, metavar="S",
                   help="wall-clock seconds for the plan and for the re-solves, each")
    p.add_argument("--out", default=None, metavar="FILE", help="write the promises as CSV here")
    add_verbosity_arguments(p)


def run_promise(args: argparse.Namespace) -> int:
    import pandas as pd

    import supplynet as sn

    from ..errors import InstanceError
    from ..models.promising.orders import read_orders

    net = read_any(args.path)
    net.validate()
    try:
        orders = pd.read_csv(args.orders, dtype={"order": str, "customer": str, "product": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InstanceError(f"{args.orders}: cannot read the orders ({e})") from e
    sequence = "priority" if args.by_priority else "given"
    read_orders(net, orders, sequence)  # a bad row is said before the plan is solved
    kwargs = {"log": bool(args.verbose)}
    if args.time_limit is not None:
        kwargs["time_limit"] = args.time_limit
    if not args.quiet:
        print(f"planning {net.name!r} ...", flush=True)
    plan = sn.plan(net, **kwargs)
    if not plan.ok:
        print(f"no plan: {plan.status}. {shorten(plan.message)}", file=sys.stderr)
        return EXIT_NO_SOLUTION
    out = sn.promise(plan, orders, sequence=sequence, time_limit=args.time_limit)
    print_table(out)
    if args.out:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        out.to_csv(path, index=False)
        print(f"promises written to {path}")
    return EXIT_OK


register("promise", add_promise_arguments, run_promise,
         "plan an instance and promise new orders (ATP, then CTP)")
