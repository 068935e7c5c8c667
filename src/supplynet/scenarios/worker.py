"""The worker side of a batch: resolve the model, apply one scenario, solve, never raise.

Runs in the batch's own process (serial), in a spawn pool worker, or on a Dask worker; a
pool worker keeps the base network it was started with (``init_worker``) and dies with the
batch's process.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable
from typing import Any

from ..errors import OptionsError
from ..results import Result
from .spec import Scenario

_WORKER: dict[str, Any] = {}  # the network of a pool worker, set once by init_worker


def resolve_model(model: str | Callable) -> Callable:
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


def model_reference(name: str, fn: Callable) -> str | Callable:
    """The model's name when it is ``supplynet.<name>`` (travels as text), else the function."""
    import supplynet

    try:
        same = getattr(supplynet, name) is fn
    except (AttributeError, ImportError):
        same = False
    return name if same else fn


def model_identity(fn: Callable, name: str) -> str:
    """What a resumed batch must match to reuse results: the model's name for supplynet's own
    functions, else module, qualified name, a hash of the code and a partial's arguments (two
    functions both called ``model`` or ``<lambda>`` are not the same model)."""
    import functools

    parts, f = [], fn
    while isinstance(f, functools.partial):
        parts.append(repr((f.args, sorted(f.keywords.items()))))
        f = f.func
    code = getattr(f, "__code__", None)
    if code is not None:
        closure = [c.cell_contents for c in (getattr(f, "__closure__", None) or ())]
        data = _code_bytes(code) + _stable_repr((getattr(f, "__defaults__", None),
                                                 getattr(f, "__kwdefaults__", None),
                                                 closure)).encode()
        parts.append(hashlib.sha256(data).hexdigest()[:16])
    return ":".join([f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', name)}", *parts])


def _code_bytes(code: types.CodeType) -> bytes:
    """The bytecode, the global and attribute names it uses and its constants, nested
    functions included, without what differs between processes (a code object's address,
    a set's order under hash randomisation)."""
    consts = [_code_bytes(c) if isinstance(c, types.CodeType) else _stable_repr(c).encode()
              for c in code.co_consts]
    return code.co_code + repr(code.co_names).encode() + b"\0".join(consts)


def _stable_repr(x: Any) -> str:
    """repr, with sets and frozensets sorted and containers recursed into."""
    if isinstance(x, (set, frozenset)):
        return "{" + ", ".join(sorted(_stable_repr(v) for v in x)) + "}"
    if isinstance(x, (tuple, list)):
        return "(" + ", ".join(_stable_repr(v) for v in x) + ")"
    if isinstance(x, dict):
        return "{" + ", ".join(sorted(f"{_stable_repr(k)}: {_stable_repr(v)}"
                                      for k, v in x.items())) + "}"
    return repr(x)


def one_line(e: BaseException) -> str:
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
        fn = resolve_model(model)
        work = scenario.apply(base, model=model_name)
        res = fn(work, **options)
        if not isinstance(res, Result):
            raise TypeError(f"model {model_name} returned {type(res).__name__}, not a Result")
        res.solution = None  # free HiGHS's model now; it would not survive pickling anyway
        rec.update(status=res.status, objective=res.objective, gap=res.gap, error="",
                   message=res.message, result=res)
    except (Exception, SystemExit) as e:  # noqa: BLE001 - one scenario must not stop the batch
        # (a model, or a library it calls, may sys.exit; Ctrl-C still stops the batch)
        rec.update(status="error", objective=None, gap=None, error=one_line(e), message="",
                   traceback=traceback.format_exc(), result=None)
    rec["seconds"] = time.perf_counter() - t0
    rec["finished"] = started + rec["seconds"]
    return rec


def init_worker(net, model: str | Callable, parent: int) -> None:
    """Pool initializer: die with the parent, keep the base network, import the model once.
    Ctrl-C in a terminal reaches the workers too: they ignore it, so the running scenarios
    end within their time limit and are written (the parent stops the batch)."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["net"] = net
    try:
        resolve_model(model)
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
