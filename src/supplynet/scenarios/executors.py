"""Where a batch's scenarios run: serially, in spawn process pools that survive dead
workers, in any ``concurrent.futures`` executor, or on a Dask cluster; each finished
scenario's record goes to ``finish`` as soon as it is there."""

from __future__ import annotations

import ast
import concurrent.futures as cf
import multiprocessing
import os
import sys
import traceback
import warnings
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from ..errors import OptionsError
from .spec import Scenario
from .worker import init_worker, one_line, run_scenario


def check_main_guard() -> None:
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
                                  initializer=init_worker, initargs=(net, model, os.getpid()))


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def executor_kind(executor: Any) -> str:
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


def dispatch(kind: str, executor, model_ref, model_name: str, net, todo: list[Scenario],
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
    # a caller's own Executor: a worker that dies breaks it, and the scenarios still in it
    # become errors (executor=N retries them in fresh pools instead)
    futures: dict[cf.Future, str] = {}
    finished: set[cf.Future] = set()
    try:
        for sc in todo:
            futures[executor.submit(run_scenario, model_ref, net, sc, options, model_name)] = sc.name
        for fut in cf.as_completed(futures):
            finish(_collect(fut, futures[fut], model_name))
            finished.add(fut)
    except BaseException:
        for fut in futures:
            fut.cancel()
        _finish_done(futures, finished, model_name, finish)
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
        finished: set[cf.Future] = set()
        try:
            for sc in chunk:
                futures[pool.submit(run_scenario, model_ref, None, sc, options, model_name)] = sc
            for fut in cf.as_completed(futures):
                if isinstance(fut.exception(), BrokenProcessPool):
                    lost.append(futures[fut])
                else:
                    finish(_collect(fut, futures[fut].name, model_name))
                finished.add(fut)
        except BaseException:  # Ctrl-C: the running scenarios end (time_limit) and are kept
            pool.shutdown(wait=True, cancel_futures=True)
            _finish_done({f: sc.name for f, sc in futures.items()}, finished, model_name, finish)
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


def _finish_done(futures: dict[cf.Future, str], finished: set[cf.Future], model_name: str,
                 finish: Callable[[dict], None]) -> None:
    """On an interrupt, hand over the scenarios that completed but were not collected yet,
    so that what was solved is written (nothing is lost)."""
    for fut, name in futures.items():
        if fut in finished or not fut.done() or fut.cancelled():
            continue
        e = fut.exception()
        if isinstance(e, BrokenProcessPool) or (e is not None and not isinstance(e, Exception)):
            continue  # a dead pool, or an interrupt that reached the worker: nothing to write
        finish(_collect(fut, name, model_name))


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
                "gap": None, "seconds": None, "error": one_line(e), "message": "",
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
        if len(nthreads) > 1 and any(str(a).startswith("inproc://") for a in nthreads):
            warnings.warn("the Dask workers are threads of one process (a LocalCluster with "
                          "processes=False): their solves run side by side in threads, which "
                          "is not supported; use processes=True", stacklevel=3)
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
