"""The package's layering (tools/import_graph.py): no import cycle, no private name imported
from another module. Function-level imports count: they run, just later."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import networkx as nx
import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "import_graph.py"


@pytest.fixture(scope="module")
def ig():
    spec = importlib.util.spec_from_file_location("import_graph", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_no_import_cycles(ig):
    assert ig.cycles(ig.module_graph()) == []


def test_no_private_names_imported_across_modules(ig):
    assert ig.private_imports() == []


def test_the_graph_sees_every_kind_of_import(ig):
    """Relative, function-level and ``from package import module`` imports are all edges."""
    g = ig.module_graph()
    assert g.has_edge("supplynet.io.folder", "supplynet.network")  # inside read_folder
    assert g.has_edge("supplynet.network", "supplynet.io.writing")  # inside Network.write
    assert g.has_edge("supplynet.cli.main", "supplynet.cli.batch")  # from . import batch
    assert "supplynet.instances.juice.make_juice" not in g  # data, not a module
    assert nx.is_directed_acyclic_graph(g)


def test_the_checks_catch_what_they_look_for(ig, tmp_path):
    """A cycle through a function-level import and a private import, in a made-up package."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "_private.py").write_text("X = 1\n")
    (pkg / "a.py").write_text("from .b import f\n_hidden = 1\n")
    (pkg / "b.py").write_text("def f():\n    from .a import _hidden\n    return _hidden\n")
    (pkg / "sub" / "c.py").write_text("from .. import _private\nfrom .._private import X\n")
    assert ig.cycles(ig.module_graph(pkg)) == [["pkg.a", "pkg.b"]]
    assert ig.private_imports(pkg) == ["pkg.b:2 imports pkg.a._hidden"]  # pkg._private is pkg's
