"""solve_many: one model over many scenarios, serially, in processes or on a Dask cluster.

Scenarios travel as data (the network's tables and parameters, plus a ``Scenario``
patch); the patch is applied and the model built in the worker, and each answer comes
back as a ``Result`` (tables and the patched network; the HiGHS object is freed in the
worker, also when solving serially, so ``Result.write_model`` is not available). Every worker runs
HiGHS with one thread (``threads=1``, the default) and nothing is ever solved in threads.
A scenario that raises becomes a row with status ``error`` and the others go on.

On this machine the pools are spawn-based ``ProcessPoolExecutor``s: a script calling
``solve_many`` with processes needs the usual ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InstanceError, OptionsError
from ..io.folder import load_yaml
from ..options import SOLVE_OPTION_NAMES, SolveOptions
from .executors import check_main_guard, dispatch, executor_kind
from .runs import STATUS_COLUMNS, Runs
from .spec import Scenario, read_scenarios, scenarios_from_list
from .store import (
    fingerprint,
    network_hash,
    prepare_out,
    read_manifest,
    read_result,
    table_format,
    unique_folders,
    write_manifest,
    write_scenario,
)
from .worker import model_identity, model_reference, resolve_model, run_scenario

if TYPE_CHECKING:
    from ..network import Network

__all__ = ["solve_many", "Runs", "load_runs", "run_scenario"]

BASE = "base"
log = logging.getLogger(__name__)


# ----------------------------------------------------------------------- solve_many
def _scenario_list(scenarios, net, include_base: bool) -> list[Scenario]:
    if isinstance(scenarios, (str, Path)):
        scs = read_scenarios(scenarios, net)
    else:
        scs = scenarios_from_list(list(scenarios or []), net)
    given = next((s for s in scs if s.name == BASE), None)
    if include_base and given is not None and not given.is_empty():
        raise OptionsError(f"scenario name {BASE!r} is kept for the network as given, which "
                           "every comparison is against; rename that scenario (or pass "
                           "include_base=False)")
    if include_base and given is None:
        scs = [Scenario(BASE, description="the network as given")] + scs
    if not scs:
        raise OptionsError("solve_many: no scenarios to solve")
    return scs


def _check_options(options: dict[str, Any]) -> None:
    SolveOptions(**{k: v for k, v in options.items() if k in SOLVE_OPTION_NAMES})


def solve_many(model: str | Callable, net: Network, scenarios: Iterable | str | Path, executor: Any = None,
               out: str | Path | None = None, resume: bool = True, progress: bool = True,
               include_base: bool = True, format: str = "auto", **options: Any) -> Runs:
    """Solve ``model`` on ``net`` patched by each scenario; return ``Runs``.

    Args:
        model: a model function (``sn.design``, ``sn.plan``, ``sn.buffers``, or any
            ``f(net, **options) -> Result`` importable in the workers) or its name.
        net: the base Network (never changed).
        scenarios: Scenario objects, mappings, or the path of a scenarios YAML file. A
            scenario "base" (no change) is added first unless ``include_base=False``.
        executor: None (serial, in this process), "processes" (one spawn process per core)
            or a worker count, any ``concurrent.futures.Executor`` (not a thread pool), or a
            ``dask.distributed.Client`` or scheduler address ("tcp://host:8786"). A worker
            that dies (killed, out of memory) costs only its scenario with "processes" or a
            count (the others are solved again in fresh pools); in a caller's own Executor
            it breaks the pool, and the scenarios still in it are errors. On Ctrl-C the
            running scenarios end (within their time limit) and are written before it stops.
        out: folder receiving each scenario's tables and status as soon as it finishes,
            and ``manifest.csv``; with ``resume`` the scenarios already finished there (same
            model function: name, code and a partial's arguments; same options, network and
            patch; any status but "error") are read back, not solved again. Scenarios of
            other batches in the same folder are kept, and never share a folder.
        progress: show a progress bar (tqdm): scenarios done, failed, elapsed, rate.
        format: "auto" (Parquet if pyarrow is installed, else CSV), "csv" or "parquet".
        **options: passed to the model (e.g. ``time_limit=60, mip_gap=1e-4``). HiGHS uses
            one thread per worker unless ``threads`` says otherwise.

    Raises InstanceError (invalid network, or a scenario naming what the network lacks)
    and OptionsError before anything is solved; a failure while solving one scenario is a
    row of ``runs.errors``.
    """
    t_start = time.perf_counter()
    kind = executor_kind(executor)
    if kind == "processes":
        check_main_guard()
    fn = resolve_model(model)
    model_name = model if isinstance(model, str) else getattr(fn, "__name__", "model")
    model_ref = model_reference(model_name, fn)
    _check_options(options)
    net.validate()
    scs = _scenario_list(scenarios, net, include_base)
    fmt = table_format(format)
    folders = unique_folders([s.name for s in scs])
    identity = model_ref if isinstance(model_ref, str) else model_identity(fn, model_name)
    base_print = fingerprint(identity, network_hash(net), sorted(options.items()))
    prints = {s.name: fingerprint(base_print, s.to_dict()) for s in scs}

    records: dict[str, dict] = {}
    manifest_rows: list[dict] = []
    out_path = Path(out) if out is not None else None
    if out_path is not None:
        prepare_out(out_path)
        old = read_manifest(out_path)
        wanted = {s.name for s in scs}
        for row in old.to_dict("records"):
            done = (resume and row["scenario"] in wanted and row["status"] != "error"
                    and row["fingerprint"] == prints[row["scenario"]]
                    and (out_path / row["folder"]).is_dir())
            if done:
                rec = dict(row, result=None)
                try:
                    rec["result"] = read_result(out_path / row["folder"])
                except Exception:  # noqa: BLE001 - unreadable folder: solve again
                    continue
                records[row["scenario"]] = rec
                manifest_rows.append(row)
            elif row["scenario"] not in wanted:
                manifest_rows.append(row)  # another batch's scenario: keep its row
        # the scenarios to solve must not write into a folder that a kept row points at
        # (another batch's, or a resumed one of this batch)
        kept = {r["folder"] for r in manifest_rows}
        folders = unique_folders([s.name for s in scs if s.name not in records], taken=kept)
        folders.update({n: rec["folder"] for n, rec in records.items()})
    todo = [s for s in scs if s.name not in records]
    log.info("batch %s: %d scenarios, %d to solve (%s executor)%s", model_name, len(scs),
             len(todo), kind, f", {len(records)} read back from {out_path}" if records else "")

    bar = _bar(len(scs), len(records), model_name, progress)
    failed = [0]

    def finish(rec: dict) -> None:
        name = rec["scenario"]
        records[name] = rec
        if rec["status"] == "error":
            failed[0] += 1
        obj = rec.get("objective")
        log.info("batch %s: scenario %r %s%s in %.2f s%s (%d of %d done, %.1f s elapsed)",
                 model_name, name, rec["status"],
                 "" if obj is None or obj != obj else f", objective {obj:,.6g}",
                 rec.get("seconds") or 0.0,
                 f": {rec['error']}" if rec.get("error") else "", len(records), len(scs),
                 time.perf_counter() - t_start)
        if out_path is not None:
            sc = next(s for s in scs if s.name == name)
            write_scenario(out_path, folders[name], rec, sc.to_dict(), fmt)
            row = {k: rec.get(k) for k in ("scenario", "status", "objective", "gap", "seconds",
                                           "error", "message")}
            row.update(model=model_name, folder=folders[name], fingerprint=prints[name])
            manifest_rows[:] = [r for r in manifest_rows if r["scenario"] != name] + [row]
            write_manifest(out_path, manifest_rows)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(failed=failed[0], refresh=False)

    try:
        if todo:
            dispatch(kind, executor, model_ref, model_name, net, todo, options, finish)
    finally:
        if bar is not None:
            bar.close()

    results = {s.name: records[s.name]["result"] for s in scs
               if records.get(s.name, {}).get("result") is not None}
    log.info("batch %s: %d scenarios finished, %d failed (%.1f s)", model_name, len(scs),
             failed[0], time.perf_counter() - t_start)
    status = pd.DataFrame([{c: records[s.name].get(c) for c in STATUS_COLUMNS}
                           for s in scs], columns=STATUS_COLUMNS)
    return Runs(model_name, results, status, {s.name: s for s in scs}, out_path,
                time.perf_counter() - t_start, base=BASE)


def _bar(total: int, initial: int, desc: str, progress: bool):
    if not progress:
        return None
    try:  # notebook widgets when ipywidgets is there (tqdm.auto warns and falls back if not)
        import ipywidgets  # noqa: F401
        from tqdm.auto import tqdm
    except ImportError:
        from tqdm import tqdm
    return tqdm(total=total, initial=initial, desc=desc, unit="scenario", dynamic_ncols=True)


def load_runs(out: str | Path) -> Runs:
    """The Runs of a batch folder written by ``solve_many(..., out=...)`` (tables only)."""
    out = Path(out)
    man = read_manifest(out)
    if not len(man):
        raise InstanceError(f"{out}: no {out / 'manifest.csv'} with any scenario")
    results, scenarios = {}, {}
    for row in man.to_dict("records"):
        folder = out / row["folder"]
        if row["status"] != "error" and folder.is_dir():
            results[row["scenario"]] = read_result(folder)
        patch = folder / "scenario.yaml"
        if patch.is_file():  # the patch solved, for compare()'s descriptions
            with contextlib.suppress(InstanceError):
                scenarios[row["scenario"]] = Scenario.from_dict(load_yaml(patch), where=str(patch))
    status = man[["scenario", "status", "objective", "gap", "seconds", "error", "message"]]
    models = sorted(set(man["model"].astype(str)))
    return Runs(", ".join(models), results, status, scenarios, out, base=BASE)
