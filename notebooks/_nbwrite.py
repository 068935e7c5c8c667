"""Shared by the notebook generators (_make_*.py): write cells as a notebook without outputs."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook

KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}


def write(cells: list, name: str) -> Path:
    """Write ``cells`` to notebooks/``name`` and return its path."""
    path = Path(__file__).with_name(name)
    nbformat.write(new_notebook(cells=cells, metadata=KERNEL), path)
    print(f"wrote {path}")
    return path
