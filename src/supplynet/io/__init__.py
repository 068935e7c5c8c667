"""Reading and writing instances.

* ``read(path)``: a folder (``instance.yaml`` + one CSV per table, see ``folder``), the
  ``instance.yaml`` inside one, or an ``.xlsx`` workbook (see ``excel``).
* ``write(net, path)``: a path ending in ``.xlsx`` gives a workbook, anything else a folder
  (see ``writing``).
* ``read_orlib_cap(path, capacity=None)``: OR-Library capacitated warehouse location files.
* ``read(path)`` of an ``.xml`` file: a single-machine lot-sizing instance in
  LotSizingDataModel XML (``lsdm.read_lsdm``), for ``plan(setups=True)``; TTM lot-sizing
  files are read by ``ttm.read_ttm``.
* ``load_instance(name)``: an instance shipped with the package (``supplynet/instances/``,
  package data; the repository's ``instances/`` is a link to it).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InstanceError
from .excel import read_excel
from .folder import read_folder
from .orlib import read_orlib_cap
from .writing import EXCEL_SUFFIXES, PARAMS_FILE, write

__all__ = ["read", "write", "read_orlib_cap", "load_instance", "instances_dir",
           "shipped_instances"]

def read(path: str | Path):
    """Read an instance: a folder, its ``instance.yaml``, an ``.xlsx`` workbook, or a
    LotSizingDataModel ``.xml`` lot-sizing instance (``supplynet.io.lsdm``).

    Raises ``InstanceError`` naming the file (and line when known) if the path does not
    exist or a file cannot be parsed. The returned network is not validated: call
    ``net.validate()``.
    """
    p = Path(path)
    if not p.exists():
        hint = ""
        if p.name in shipped_instances() and not p.parent.parts:
            hint = f" (a shipped instance: use supplynet.load_instance({p.name!r}))"
        raise InstanceError(f"{p}: no such file or folder{hint}", source=str(p))
    if p.is_dir():
        return read_folder(p)
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return read_excel(p)
    if p.name in (PARAMS_FILE, "instance.yml"):
        return read_folder(p.parent)
    if suffix in (".yaml", ".yml"):
        raise InstanceError(f"{p}: an instance's parameters must be in a file named {PARAMS_FILE} "
                            f"inside the instance folder", source=str(p))
    if suffix == ".xml":
        from .lsdm import read_lsdm

        return read_lsdm(p)
    if suffix == ".txt":
        raise InstanceError(f"{p}: not an instance folder or workbook; for OR-Library files use "
                            f"supplynet.read_orlib_cap(path, capacity=...)", source=str(p))
    raise InstanceError(f"{p}: unknown instance format (expected a folder with {PARAMS_FILE} and "
                        f"CSV files, an .xlsx workbook or a LotSizingDataModel .xml file)",
                        source=str(p))


def instances_dir() -> Path:
    """The folder of the shipped instances: ``instances/`` inside the installed package."""
    return Path(__file__).resolve().parents[1] / "instances"


def shipped_instances() -> list[str]:
    """Names of the shipped instances (``juice``, ``assembly``, ...)."""
    d = instances_dir()
    if not d.is_dir():
        return []
    return sorted(x.name for x in d.iterdir()
                  if x.is_dir() and ((x / PARAMS_FILE).exists() or (x / "nodes.csv").exists()))


def load_instance(name: str):
    """A shipped instance by name, e.g. ``load_instance("juice")``."""
    names = shipped_instances()
    if name not in names:
        d = instances_dir()
        where = (f"instances are {', '.join(names)}" if names else
                 f"no instances folder found at {d} (the package was installed without its data)")
        raise InstanceError(f"unknown instance {name!r}: {where}")
    return read_folder(instances_dir() / name)
