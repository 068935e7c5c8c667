"""Where a batch keeps its answers: one folder per scenario plus ``manifest.csv``.

Layout of ``out/``::

    manifest.csv            scenario, status, objective, gap, seconds, error, message, model,
                            folder, fingerprint (rewritten atomically after every scenario)
    <scenario>/status.csv   the Result's status row (model, status, objective, bound, gap, ...)
    <scenario>/<table>.csv  every result table (``.parquet`` when pyarrow is installed)
    <scenario>/scenario.yaml  the patch solved; ``traceback.txt`` for a scenario that raised
    <scenario>/_units.json    the instance's units (money, quantity, time, distance, co2)

A scenario folder is written under a temporary name and renamed into place, then the
manifest is replaced (write + ``os.replace``), so an interrupted batch never leaves a
half-written scenario marked finished.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import InstanceError, OptionsError
from ..results import Result

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ["scenario", "status", "objective", "gap", "seconds", "error", "message",
                    "model", "folder", "fingerprint"]
STRING_COLUMNS = "_string_columns.json"
UNITS = "_units.json"  # the instance's units, which a Result read back has no network to give


def table_format(fmt: str = "auto") -> str:
    """'csv' or 'parquet' ('auto': parquet when pyarrow is installed)."""
    if fmt == "auto":
        return "parquet" if importlib.util.find_spec("pyarrow") is not None else "csv"
    if fmt not in ("csv", "parquet"):
        raise OptionsError(f"format must be 'auto', 'csv' or 'parquet', got {fmt!r}")
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise OptionsError("format='parquet' needs pyarrow (pip install pyarrow)")
    return fmt


def folder_name(scenario: str) -> str:
    """A file-system-safe folder name for a scenario (letters, digits, - _ . kept)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", scenario).strip("._") or "scenario"
    return slug[:100]


def unique_folders(names: list[str], taken: set[str] = frozenset()) -> dict[str, str]:
    """{scenario: folder}; names that clash once made safe, or with a folder in ``taken``
    (another batch's scenarios in the same ``out``), get a numeric suffix."""
    out: dict[str, str] = {}
    used: set[str] = {MANIFEST} | {t.lower() for t in taken}
    for n in names:
        base = folder_name(n)
        f, i = base, 2
        while f.lower() in used:
            f, i = f"{base}_{i}", i + 1
        used.add(f.lower())
        out[n] = f
    return out


def fingerprint(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (reprs for the rest)."""
    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def network_hash(net) -> str:
    """Hash of a network's typed tables and parameters."""
    from ..schema import TABLES

    h = hashlib.sha256(json.dumps(net.params, sort_keys=True, default=repr).encode())
    for t in TABLES:
        df = net.table(t)
        h.update(f"{t}:{list(df.columns)}:{len(df)}".encode())
        if len(df):
            h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


# ------------------------------------------------------------------ writing
def prepare_out(out: Path) -> None:
    """Make the output folder, check it takes a file (read-only or full disks are reported
    before any solve, naming the folder) and remove temporaries left by a killed batch."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-check-{os.getpid()}"
        probe.write_bytes(b"supplynet" * 128)
        probe.unlink()
    except OSError as e:
        raise OptionsError(f"{out}: the batch output folder cannot be written "
                           f"({e.strerror or e})") from None
    for leftover in out.glob(".*.tmp-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def write_scenario(out: Path, folder: str, record: dict, scenario_dict: dict, fmt: str) -> None:
    """Write one finished scenario's folder (atomically replaced)."""
    final = out / folder
    tmp = out / f".{folder}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    res: Result | None = record.get("result")
    if res is not None:
        tables = res._all_tables()
    else:
        tables = {"status": pd.DataFrame([{"model": record.get("model"), "status": record["status"],
                                           "objective": None, "bound": None, "gap": None,
                                           "message": record.get("error", "")}])}
    strings = {}
    for name, df in tables.items():
        # text columns only: an object column of mixed ints and floats (kpis) stays numeric
        strings[name] = [c for c in df.columns if pd.api.types.infer_dtype(df[c], skipna=True)
                         in ("string", "empty")]
        if fmt == "parquet":
            df.to_parquet(tmp / f"{name}.parquet", index=False)
        else:
            df.to_csv(tmp / f"{name}.csv", index=False)
    (tmp / STRING_COLUMNS).write_text(json.dumps(strings), encoding="utf-8")
    (tmp / "scenario.yaml").write_text(yaml.safe_dump(scenario_dict, sort_keys=False),
                                       encoding="utf-8")
    if record.get("traceback"):
        (tmp / "traceback.txt").write_text(record["traceback"], encoding="utf-8")
    if res is not None:
        (tmp / UNITS).write_text(json.dumps(res.units), encoding="utf-8")
    # an older answer is moved aside in one rename before the new one takes its place: a
    # batch killed while deleting it in place left a half-emptied folder that the manifest
    # still called finished
    old = out / f".{folder}.tmp-old-{os.getpid()}"
    if final.exists():
        if old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def write_manifest(out: Path, rows: list[dict]) -> None:
    """Replace ``manifest.csv`` atomically."""
    df = pd.DataFrame(rows, columns=MANIFEST_COLUMNS)
    tmp = out / f".{MANIFEST}.tmp-{os.getpid()}"
    df.to_csv(tmp, index=False)
    os.replace(tmp, out / MANIFEST)


def read_manifest(out: Path) -> pd.DataFrame:
    path = Path(out) / MANIFEST
    if not path.exists():
        return pd.DataFrame(columns=MANIFEST_COLUMNS)
    try:
        df = pd.read_csv(path, dtype={"scenario": str, "status": str, "error": str,
                                      "message": str, "model": str, "folder": str,
                                      "fingerprint": str},
                         keep_default_na=False, na_values={"objective": [""], "gap": [""],
                                                           "seconds": [""]})
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as e:
        raise InstanceError(f"{path}: not a readable batch manifest ({_one_line(e)}); remove "
                            f"it (or the folder) to start the batch afresh") from None
    if "scenario" not in df.columns or "status" not in df.columns:
        raise InstanceError(f"{path}: not a batch manifest (no scenario and status columns); "
                            f"remove it to start the batch afresh")
    for c in MANIFEST_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    return df[MANIFEST_COLUMNS]


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text[:200] + ("..." if len(text) > 200 else "")


# ------------------------------------------------------------------ reading
def _number(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


class StoredResult(Result):
    """A Result read back from a scenario folder: no network, but the units it was solved in."""

    @property
    def units(self) -> dict[str, str]:
        stored = self.__dict__.get("stored_units")
        return dict(stored) if stored else super().units


def read_result(folder: Path) -> Result:
    """A Result rebuilt from a scenario folder (tables, status and units; no network or solver)."""
    strings_file = folder / STRING_COLUMNS
    strings = json.loads(strings_file.read_text(encoding="utf-8")) if strings_file.exists() else {}
    tables: dict[str, pd.DataFrame] = {}
    for f in sorted(folder.iterdir()):
        if f.suffix == ".csv":
            cols = strings.get(f.stem, [])
            df = pd.read_csv(f, dtype={c: str for c in cols}, keep_default_na=False,
                             na_values=[""]) if cols else pd.read_csv(f)
            for c in cols:  # empty text stays text, not NaN
                if c in df.columns:
                    df[c] = df[c].fillna("")
            tables[f.stem] = df
        elif f.suffix == ".parquet":
            tables[f.stem] = pd.read_parquet(f)
    st = tables.pop("status", pd.DataFrame([{}]))
    row = st.iloc[0].to_dict() if len(st) else {}
    diagnosis = tables.pop("diagnosis", None)
    units_file = folder / UNITS
    units = json.loads(units_file.read_text(encoding="utf-8")) if units_file.exists() else None
    res = StoredResult(model=str(row.get("model", "")), status=str(row.get("status", "error")),
                       objective=_number(row.get("objective")), bound=_number(row.get("bound")),
                       gap=_number(row.get("gap")), tables=tables,
                       message=str(row.get("message", "") or ""), diagnosis=diagnosis,
                       build_seconds=_number(row.get("build_seconds")) or 0.0,
                       handoff_seconds=_number(row.get("handoff_seconds")) or 0.0,
                       solve_seconds=_number(row.get("solve_seconds")) or 0.0)
    res.stored_units = units
    return res
