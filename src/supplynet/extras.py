"""Optional dependencies: import them on first use and say which extra installs them."""

from __future__ import annotations

import importlib
from types import ModuleType

#: extra name -> what it enables; ``pip install "supplynet[<extra>]"`` installs it
EXTRAS = {
    "plot": "maps and charts (matplotlib)",
    "excel": "reading and writing .xlsx workbooks (openpyxl)",
    "dask": "scenario batches on a Dask cluster (dask[distributed])",
}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the pip command."""


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming ``pip install supplynet[extra]``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        what = EXTRAS.get(extra, extra)
        raise MissingExtraError(
            f"{what} needs the optional package {module.split('.')[0]!r}, which is not installed: "
            f'pip install "supplynet[{extra}]"') from exc
