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

import ast
import concurrent.futures as cf
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InstanceError, OptionsError
from ..options import SOLVE_OPTION_NAMES, SolveOptions
from ..results import Result
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

if TYPE_CHECKING:
    from ..network import Network

__all__ = ["solve_many", "Runs", "load_runs", "run_scenario"]

BASE = "base"
log = logging.getLogger(__name__)
_WORKER: dict[str, Any] = {}  # the network of a pool worker, set once by _init_worker


# ----------------------------------------------------------------------- the worker side
def _resolve(model: str | Callable) -> Callable:
    if callable(model):
        return model
    import supplynet

    try:
        fn = getattr(supplynet, str(model))
    except (AttributeError, ImportError) as e:
        raise OptionsError(f"unknown model {model!r} ({e}); give design, plan, buffers or a "
                           f"function f(net, **options) -> Result") from None
    if not callable(fn):
        raise OptionsError(f"supplynet.{model} is not a model function")
    return fn


def _reference(name: str, fn: Callable) -> str | Callable:
    """The model's name when it is ``supplynet.<name>`` (travels as text), else the function."""
    import supplynet

    try:
        same = getattr(supplynet, name) is fn
    except (AttributeError, ImportError):
        same = False
    return name if same else fn


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    text = f"{type(e).__name__}: {text}" if text else type(e).__name__
    return text if len(text) <= 600 else text[:597] + "..."


def run_scenario(model: str | Callable, net, scenario: Scenario, options: dict[str, Any],
                 model_name: str = "design") -> dict[str, Any]:
    """Apply ``scenario`` to ``net``, solve ``model`` and return a record (never raises).

    The record: scenario, status, objective, gap, seconds (wall, this function), error
    (one line, for an exception), message, worker (host:pid), started / finished (epoch
    seconds), traceback and result (a Result or None).
    ``net`` None uses the network the pool worker was started with.
    """
    t0, started = time.perf_counter(), time.time()
    rec: dict[str, Any] = {"scenario": scenario.name, "model": model_name,
                           "worker": f"{socket.gethostname()}:{os.getpid()}", "started": started}
    try:
        base = _WORKER["net"] if net is None else net
        fn = _resolve(model)
        work = scenario.apply(base, model=model_name)
        res = fn(work, **options)
        if not isinstance(res, Result):
            raise TypeError(f"model {model_name} returned {type(res).__name__}, not a Result")
        res.solution = None  # free HiGHS's model now; it would not survive pickling anyway
        rec.update(status=res.status, objective=res.objective, gap=res.gap, error="",
                   message=res.message, result=res)
    except Exception as e:  # noqa: BLE001 - one scenario must not stop the batch
        rec.update(status="error", objective=None, gap=None, error=_one_line(e), message="",
                   traceback=traceback.format_exc(), result=None)
    rec["seconds"] = time.perf_counter() - t0
    rec["finished"] = started + rec["seconds"]
    return rec


def _init_worker(net, model: str | Callable, parent: int) -> None:
    """Pool initializer: die with the parent, keep the base network, import the model once."""
    _die_with_parent(parent)
    _WORKER["net"] = net
    try:
        _resolve(model)
    except Exception:  # noqa: BLE001 - reported per scenario
        pass


def _die_with_parent(parent: int) -> None:
    """A worker never outlives the batch: on Linux the kernel kills it when its parent dies
    (PR_SET_PDEATHSIG, also for SIGKILL); elsewhere, and as a second guard, a thread checks
    every second that the parent is still there."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no libc symbol
            pass
    if os.getppid() != parent:  # the parent died before the guard was set
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _check_main_guard() -> None:
    """Spawned workers re-import the main script: a solve_many call at its top level, outside
    ``if __name__ == "__main__":``, would start the batch again in every worker (the batch used
    to hang at 0 %). Refuse it at once, naming the line."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path or not os.path.exists(path):
        return  # interactive, notebook or -c: nothing is re-imported
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name.endswith("__main__"):
        return  # python -m package: spawn does not re-run a package's __main__
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals is not vars(main):
        frame = frame.f_back
    if frame is None or frame.f_code.co_name != "<module>":
        return  # called from a function: spawn re-imports the script without calling it
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return
    line = frame.f_lineno
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_main_test(node.test) and \
                node.lineno <= line <= (node.end_lineno or node.lineno):
            return
    raise OptionsError(f"{path}, line {line}: solve_many with processes is called at the top "
                       f"level of the script; put it under 'if __name__ == \"__main__\":' (the "
                       f"worker processes re-import the script), or use executor=None")


def _is_main_test(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = {s.id for s in sides if isinstance(s, ast.Name)}
    consts = {s.value for s in sides if isinstance(s, ast.Constant)}
    return names == {"__name__"} and consts == {"__main__"}


# ----------------------------------------------------------------------- executors
def _is_dask_client(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "distributed" and hasattr(x, "scatter")


def _distributed():
    try:
        import distributed
    except ImportError:
        raise OptionsError("a Dask executor needs dask.distributed: pip install "
                           "'supplynet[dask]' (or 'dask[distributed]')") from None
    return distributed


def _process_pool(workers: int, net, model) -> cf.ProcessPoolExecutor:
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_init_worker, initargs=(net, model, os.getpid()))


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _executor_kind(executor: Any) -> str:
    if executor is None or executor == "serial":
        return "serial"
    if isinstance(executor, bool):
        raise OptionsError("executor must be None, 'processes', a worker count, an Executor, "
                           "a dask Client or a scheduler address")
    if isinstance(executor, int):
        if executor < 1:
            raise OptionsError(f"executor={executor}: a worker count must be >= 1")
        return "processes"
    if isinstance(executor, str):
        if executor == "processes":
            return "processes"
        if executor == "threads":
            raise OptionsError("solving in threads is not supported (Pyomo and HiGHS are not "
                               "thread-safe here); use 'processes'")
        if "://" in executor:
            return "dask-address"
        raise OptionsError(f"executor={executor!r}: use None, 'processes', a worker count, an "
                           f"Executor, a dask Client or an address like 'tcp://host:8786'")
    if _is_dask_client(executor):
        return "dask"
    if isinstance(executor, cf.ThreadPoolExecutor):
        raise OptionsError("a ThreadPoolExecutor would solve in threads, which is not supported; "
                           "use a ProcessPoolExecutor (spawn) or 'processes'")
    if isinstance(executor, cf.Executor):
        return "executor"
    raise OptionsError(f"executor of type {type(executor).__name__} is not supported")


# ----------------------------------------------------------------------- solve_many
def _scenario_list(scenarios, net, include_base: bool) -> list[Scenario]:
    if isinstance(scenarios, (str, Path)):
        scs = read_scenarios(scenarios, net)
    else:
        scs = scenarios_from_list(list(scenarios or []), net)
    if include_base and BASE not in {s.name for s in scs}:
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
            ``dask.distributed.Client`` or scheduler address ("tcp://host:8786").
        out: folder receiving each scenario's tables and status as soon as it finishes,
            and ``manifest.csv``; with ``resume`` the scenarios already finished there (same
            model, options, network and patch; any status but "error") are read back, not
            solved again.
        progress: show a progress bar (tqdm): scenarios done, failed, elapsed, rate.
        format: "auto" (Parquet if pyarrow is installed, else CSV), "csv" or "parquet".
        **options: passed to the model (e.g. ``time_limit=60, mip_gap=1e-4``). HiGHS uses
            one thread per worker unless ``threads`` says otherwise.

    Raises InstanceError (invalid network, or a scenario naming what the network lacks)
    and OptionsError before anything is solved; a failure while solving one scenario is a
    row of ``runs.errors``.
    """
    t_start = time.perf_counter()
    kind = _executor_kind(executor)
    if kind == "processes":
        _check_main_guard()
    fn = _resolve(model)
    model_name = model if isinstance(model, str) else getattr(fn, "__name__", "model")
    model_ref = _reference(model_name, fn)
    _check_options(options)
    net.validate()
    scs = _scenario_list(scenarios, net, include_base)
    fmt = table_format(format)
    folders = unique_folders([s.name for s in scs])
    base_print = fingerprint(model_name, network_hash(net), sorted(options.items()))
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
            _dispatch(kind, executor, model_ref, model_name, net, todo, options, finish)
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


def _dispatch(kind: str, executor, model_ref, model_name: str, net, todo: list[Scenario],
              options: dict, finish: Callable[[dict], None]) -> None:
    if kind == "serial":
        for sc in todo:
            finish(run_scenario(model_ref, net, sc, options, model_name))
        return
    if kind in ("dask", "dask-address"):
        _dispatch_dask(executor, kind, model_ref, model_name, net, todo, options, finish)
        return
    if kind == "processes":
        workers = _cpu_count() if executor == "processes" else int(executor)
        _dispatch_pools(workers, model_ref, model_name, net, todo, options, finish)
        return
    futures: dict[cf.Future, str] = {}
    try:
        for sc in todo:
            futures[executor.submit(run_scenario, model_ref, net, sc, options, model_name)] = sc.name
        for fut in cf.as_completed(futures):
            finish(_collect(fut, futures[fut], model_name))
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise


def _dispatch_pools(workers: int, model_ref, model_name: str, net, todo: list[Scenario],
                    options: dict, finish: Callable[[dict], None]) -> None:
    """Solve in spawn pools that survive dead workers. A worker that dies (killed, out of
    memory) breaks its pool and every scenario still in it; those are solved again in a fresh
    pool, and if that one breaks too, one at a time, so that only the scenario that kills its
    worker fails (recorded with the cause) and every other one is solved."""
    queue, alone = list(todo), False
    while queue:
        chunk = queue[:1] if alone else queue
        pool = _process_pool(max(1, min(workers, len(chunk))), net, model_ref)
        lost: list[Scenario] = []
        futures: dict[cf.Future, Scenario] = {}
        try:
            for sc in chunk:
                futures[pool.submit(run_scenario, model_ref, None, sc, options, model_name)] = sc
            for fut in cf.as_completed(futures):
                if isinstance(fut.exception(), BrokenProcessPool):
                    lost.append(futures[fut])
                else:
                    finish(_collect(fut, futures[fut].name, model_name))
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if alone:
            if lost:
                finish(_died(lost[0], model_name))
            queue = queue[1:]
        else:
            queue = [sc for sc in chunk if sc in lost]
            alone = bool(lost)


def _died(sc: Scenario, model_name: str) -> dict:
    error = ("the worker process solving this scenario died (killed, or out of memory); "
             "the other scenarios were solved in fresh workers")
    return {"scenario": sc.name, "model": model_name, "status": "error", "objective": None,
            "gap": None, "seconds": None, "error": error, "message": "", "traceback": "",
            "result": None}


def _collect(fut, name: str, model_name: str) -> dict:
    """The record of a finished future; a future that failed outside run_scenario (a worker
    that died, an argument that does not pickle) becomes an error record."""
    try:
        return fut.result()
    except Exception as e:  # noqa: BLE001
        return {"scenario": name, "model": model_name, "status": "error", "objective": None,
                "gap": None, "seconds": None, "error": _one_line(e), "message": "",
                "traceback": "".join(traceback.format_exception(e)), "result": None}


def _dispatch_dask(executor, kind: str, model_ref, model_name: str, net, todo: list[Scenario],
                   options: dict, finish: Callable[[dict], None]) -> None:
    distributed = _distributed()
    client = distributed.Client(executor) if kind == "dask-address" else executor
    futures = []
    try:
        nthreads = client.nthreads()
        if any(n > 1 for n in nthreads.values()):
            warnings.warn("some Dask workers run more than one thread; HiGHS solves are safest "
                          "with threads_per_worker=1 (one solve per process)", stacklevel=3)
        net_future = client.scatter(net, broadcast=True)
        names = {}
        for sc in todo:
            f = client.submit(run_scenario, model_ref, net_future, sc, options, model_name,
                              pure=False)
            names[f.key] = sc.name
            futures.append(f)
        for fut in distributed.as_completed(futures):
            rec = _collect(fut, names[fut.key], model_name)
            fut.release()  # let the worker forget the result
            finish(rec)
    except BaseException:
        if futures:
            client.cancel(futures)
        raise
    finally:
        if kind == "dask-address":
            client.close()


def load_runs(out: str | Path) -> Runs:
    """The Runs of a batch folder written by ``solve_many(..., out=...)`` (tables only)."""
    out = Path(out)
    man = read_manifest(out)
    if not len(man):
        raise InstanceError(f"{out}: no {out / 'manifest.csv'} with any scenario")
    results = {}
    for row in man.to_dict("records"):
        if row["status"] != "error" and (out / row["folder"]).is_dir():
            results[row["scenario"]] = read_result(out / row["folder"])
    status = man[["scenario", "status", "objective", "gap", "seconds", "error", "message"]]
    model = str(man["model"].iloc[0]) if len(man) else ""
    return Runs(model, results, status, {}, out, base=BASE)
