"""HiGHS objects for the package: quiet, on a known thread count, with the user's options,
run under a watchdog that holds ``time_limit``, and fed a compiled model in one call."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import Any

import highspy
import numpy as np

from .compile import CompiledModel
from .errors import OptionsError, SolveError
from .options import SolveOptions

# A solve is interrupted this long after HiGHS's own time limit (HiGHS checks its limit only
# between phases: a long presolve can overrun it), and abandoned if it has not stopped this long
# after the interrupt, so that ``time_limit`` bounds the call within seconds.
WATCHDOG_GRACE = 1.0
CANCEL_GRACE = 4.0


@contextlib.contextmanager
def _stdout_silenced():
    """Silence file descriptor 1 (HiGHS prints its banner from C++ when the first Highs object
    of a process is made, whatever its options)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (some notebook or service setups)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


_scheduler_threads: int | None = None


def _use_threads(threads: int) -> None:
    """HiGHS's thread scheduler is global and keeps the thread count of the first solve; a later
    solve asking for another count fails with status "Not Set" unless the scheduler is reset."""
    global _scheduler_threads
    if _scheduler_threads is not None and _scheduler_threads != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler_threads = threads


def quiet_highs(threads: int = 1) -> highspy.Highs:
    """A Highs object that prints nothing (for the package's own sub-solves), on ``threads``
    threads: set explicitly and recorded, since HiGHS's global scheduler keeps the count of
    the first solve of the process (``_use_threads``)."""
    with _stdout_silenced():
        h = highspy.Highs()
    _use_threads(int(threads))
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    return h


def make_highs(options: SolveOptions) -> highspy.Highs:
    """A Highs object with the options applied; an unknown raw option raises OptionsError.
    Quiet (no banner, no log) unless ``options.log``."""
    if options.log:
        h = highspy.Highs()
    else:
        with _stdout_silenced():
            h = highspy.Highs()
    _use_threads(int(options.highs_options.get("threads", options.threads)))
    settings: dict[str, Any] = {
        "output_flag": bool(options.log),
        "log_to_console": options.log is True,
        "mip_rel_gap": float(options.mip_gap),
        "threads": int(options.threads),
        "random_seed": int(options.seed),
        "presolve": "on" if options.presolve else "off",
    }
    if isinstance(options.log, str):
        settings["log_file"] = options.log
    if options.time_limit is not None:
        settings["time_limit"] = float(options.time_limit)
    if options.mip_abs_gap is not None:
        settings["mip_abs_gap"] = float(options.mip_abs_gap)
    for name in options.highs_options:
        if h.getOptionType(name)[0] != highspy.HighsStatus.kOk:
            raise OptionsError(f"unknown HiGHS option {name!r} in highs_options")
    settings.update(options.highs_options)
    for name, value in settings.items():
        if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise OptionsError(f"HiGHS rejected option {name}={value!r}")
    return h


def run_highs(h: highspy.Highs, time_limit: float | None) -> bool:
    """Run HiGHS; with a time limit, under a watchdog that interrupts it ``WATCHDOG_GRACE``
    seconds past the limit (a quarter of a shorter limit, at least 0.1 s), keeping its
    incumbent. Returns False if HiGHS did not stop within ``CANCEL_GRACE`` seconds of the
    interrupt: the solve is then abandoned in its thread."""
    if time_limit is None:
        h.run()
        return True
    done = threading.Event()

    def work() -> None:
        try:
            h.run()
        finally:
            done.set()

    threading.Thread(target=work, name="highs-solve", daemon=True).start()
    # a short limit gets a short grace, so that a spent limit is not overrun by a second
    grace = min(WATCHDOG_GRACE, max(0.1, 0.25 * time_limit))
    if done.wait(min(time_limit + grace, threading.TIMEOUT_MAX)):
        return True
    # The interrupt callbacks are switched on only now: on, they call into Python at every
    # simplex iteration (about 10 % of a MIP's time, measured on capa).
    h.HandleUserInterrupt = True
    h.cancelSolve()
    return done.wait(CANCEL_GRACE)


def pass_model(h: highspy.Highs, cm: CompiledModel) -> None:
    A = cm.A
    n, m = len(cm.columns), len(cm.rows)
    # no copies when the compiled matrix already has int32 indices (compile_model's merge)
    start = np.asarray(A.indptr, dtype=np.int32)
    index = np.asarray(A.indices, dtype=np.int32)
    value = np.asarray(A.data, dtype=float)
    args = (n, m, len(value), 1, 1, cm.offset, cm.cost, cm.col_lower, cm.col_upper,
            cm.row_lower, cm.row_upper, start, index, value)
    integrality = cm.integer.astype(np.int32)
    if h.passModel(*args, integrality) == highspy.HighsStatus.kError:
        raise SolveError("HiGHS refused the compiled model (inconsistent bounds or matrix)")
