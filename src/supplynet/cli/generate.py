"""``supplynet generate ... --out DIR``: a random valid instance, written and summarised."""

from __future__ import annotations

import argparse

from .registry import EXIT_OK, print_table, register


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
    from ..generator import generate

    net = generate(suppliers=args.suppliers, plants=args.plants, warehouses=args.warehouses,
                   customers=args.customers, products=args.products, periods=args.periods,
                   bom_depth=args.bom_depth, seed=args.seed, k_nearest=args.k_nearest,
                   name=args.name)
    net.validate()
    path = net.write(args.out)
    print(f"wrote instance {net.name!r} to {path}")
    print_table(net.summary())
    return EXIT_OK


register("generate", add_generate_arguments, run_generate,
         "generate a random valid instance and write it")
