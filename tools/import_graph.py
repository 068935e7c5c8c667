"""The import graph of the supplynet package: layers, cycles, private names imported across modules.

    python tools/import_graph.py             # layers by module, then cycles and private imports
    python tools/import_graph.py --packages  # the same by subpackage

Every import counts, including those inside functions (they run, just later); only imports under
``if TYPE_CHECKING:`` are left out of the graph, since they never run. A private name is one
starting with ``_`` (not a dunder); importing it from another module is a finding, except a
private module (``models/_sets.py``) imported from inside the package that holds it. Exit status
1 when there is a cycle or a private import. Reads the source with ``ast``: nothing is imported.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1] / "src" / "supplynet"
MAX_CYCLES = 50  # listed at most (simple_cycles can be exponential)


@dataclass(frozen=True)
class Import:
    """One ``from target import name`` (name None for ``import target``) in ``module``."""

    module: str
    target: str
    name: str | None
    line: int
    type_only: bool


def modules(root: Path = ROOT) -> dict[str, Path]:
    """{dotted module name: file} for every .py file of the package at ``root``."""
    out = {}
    for f in sorted(root.rglob("*.py")):
        # a folder without __init__.py is data, not a package (the instance makers)
        if any(not (d / "__init__.py").exists() for d in f.parents if d.is_relative_to(root)):
            continue
        parts = [root.name, *f.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = f
    return out


def _is_package(name: str, mods: dict[str, Path]) -> bool:
    return mods[name].name == "__init__.py"


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """Line numbers of the statements under ``if TYPE_CHECKING:``."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                out.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return out


def imports(root: Path = ROOT) -> list[Import]:
    """Every import of a module of the package, anywhere in every file (relative ones resolved)."""
    mods = modules(root)
    out = []
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = name if _is_package(name, mods) else name.rpartition(".")[0]
        typed = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == root.name or a.name.startswith(root.name + "."):
                        out.append(Import(name, a.name, None, node.lineno, node.lineno in typed))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target != root.name and not target.startswith(root.name + "."):
                    continue
                for a in node.names:
                    out.append(Import(name, target, a.name, node.lineno, node.lineno in typed))
    return out


def _resolve(imp: Import, mods: dict[str, Path]) -> str:
    """The module an import runs: ``from pkg import sub`` is the submodule when there is one."""
    if imp.name is not None and f"{imp.target}.{imp.name}" in mods:
        return f"{imp.target}.{imp.name}"
    return imp.target


def module_graph(root: Path = ROOT) -> nx.DiGraph:
    """Directed graph module -> module it imports (edge attribute ``lines``)."""
    mods = modules(root)
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for imp in imports(root):
        dest = _resolve(imp, mods)
        if imp.type_only or dest == imp.module or dest not in mods:
            continue
        if not g.has_edge(imp.module, dest):
            g.add_edge(imp.module, dest, lines=[])
        g.edges[imp.module, dest]["lines"].append(imp.line)
    return g


def group_of(module: str, root_name: str = ROOT.name) -> str:
    """The subpackage holding ``module``; a top-level module is its own group."""
    parent = module.rpartition(".")[0]
    return module if parent in ("", root_name) else parent


def package_graph(g: nx.DiGraph) -> nx.DiGraph:
    """``g`` with each module replaced by its subpackage (``group_of``)."""
    out = nx.DiGraph()
    out.add_nodes_from({group_of(m) for m in g})
    for a, b in g.edges:
        ga, gb = group_of(a), group_of(b)
        # a package's __init__ belongs to it, but __init__ re-exporting its modules is no cycle
        if ga != gb and not (a == gb or b == ga and a.startswith(gb + ".")):
            out.add_edge(ga, gb)
    return out


def cycles(g: nx.DiGraph, limit: int = MAX_CYCLES) -> list[list[str]]:
    """Import cycles of ``g`` (at most ``limit``), each starting at its smallest name."""
    out = []
    for c in itertools.islice(nx.simple_cycles(g), limit):
        k = c.index(min(c))
        out.append(c[k:] + c[:k])
    return sorted(out)


def _private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def private_imports(root: Path = ROOT) -> list[str]:
    """Private names imported from another module, as 'module:line imports target.name'."""
    mods = modules(root)
    out = []
    for imp in imports(root):
        dest = _resolve(imp, mods)
        if dest == imp.module:
            continue
        names = dest.split(".")
        if imp.name is not None and dest == imp.target:
            names.append(imp.name)  # a name defined in ``dest``, not a submodule
        for i, part in enumerate(names):
            # a private module is fine inside the package that holds it, nowhere else
            holder = ".".join(names[:i])
            if _private(part) and not (f"{holder}.{part}" in mods
                                       and (imp.module + ".").startswith(holder + ".")):
                out.append(f"{imp.module}:{imp.line} imports {'.'.join(names)}")
                break
    return sorted(set(out))


def layers(g: nx.DiGraph) -> list[list[str]]:
    """Modules by layer, bottom first: each imports only from lower layers (a cycle: one layer)."""
    c = nx.condensation(g)
    level: dict[int, int] = {}
    for n in reversed(list(nx.topological_sort(c))):
        level[n] = 1 + max((level[s] for s in c.successors(n)), default=-1)
    out: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for n, k in level.items():
        out[k].extend(sorted(c.nodes[n]["members"]))
    return [sorted(x) for x in out]


def _short(name: str) -> str:
    return name.removeprefix(ROOT.name + ".") or name


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", action="store_true", help="group modules by subpackage")
    args = ap.parse_args(argv)
    g = module_graph()
    shown = package_graph(g) if args.packages else g
    print("layers, bottom first (each imports only from the layers above it in this list):")
    for k, layer in enumerate(layers(shown)):
        for m in layer:
            deps = ", ".join(sorted(_short(d) for d in shown.successors(m)))
            print(f"  {k:2d}  {_short(m)}" + (f"  <- {deps}" if deps else ""))
    if args.packages:
        # e.g. io reads files into Networks while Network.write calls io.writing: no module cycle
        for c in cycles(shown):
            print("  subpackages that import each other (a layer together): "
                  + " <-> ".join(_short(m) for m in c))
    found = cycles(g)
    print(f"\nimport cycles (by module, function-level imports included): {len(found) or 'none'}")
    for c in found:
        print("  " + " -> ".join(_short(m) for m in [*c, c[0]]))
    private = private_imports()
    print(f"\nprivate names imported across modules: {len(private) or 'none'}")
    for p in private:
        print("  " + p)
    return 1 if found or private else 0


if __name__ == "__main__":
    sys.exit(main())
