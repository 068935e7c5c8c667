"""Model functions for batch tests that must be importable by spawned worker processes."""

from __future__ import annotations

import os
import signal
import sys
import time

import supplynet as sn


def design_or_die(net, **options):
    """sn.design, except that a network with 30 units of demand kills its own worker (as the
    kernel's out-of-memory killer would)."""
    if float(net.demand["quantity"].sum()) == 30.0:
        os.kill(os.getpid(), signal.SIGKILL)
    return sn.design(net, **options)


def design_or_exit(net, **options):
    """sn.design, except that a network with 30 units of demand calls sys.exit (as a library
    that exits on an error would)."""
    if float(net.demand["quantity"].sum()) == 30.0:
        sys.exit(3)
    return sn.design(net, **options)


def slow_design(net, **options):
    """Sleeps long enough for a test to kill the batch's parent process meanwhile."""
    time.sleep(60)
    return sn.design(net, **options)


CALLED: list[str] = []  # scenarios' network names solved in this process


def stalling_design(net, **options):
    """sn.design, recording each call; with SN_STALL_DEAR=1 in the environment, the "dear"
    scenario (purchases x 2: top price 4) stalls so that a test can kill the batch there."""
    if os.environ.get("SN_STALL_DEAR") == "1" and net.supply["price"].max() == 4.0:
        time.sleep(120)
    CALLED.append(net.name)
    return sn.design(net, **options)
