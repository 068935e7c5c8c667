"""The exact GSM pipeline on a general stage graph (see models/buffers.md, "Algorithms").

``solve_mip`` runs, in order: elimination by DP (``gsm_dp.fold``), incumbents (spanning-tree DP,
large-neighbourhood search, coarse time units on large cores), a size check, bounds that remove
pairs (Lagrangian on large tables, then the LP by column generation), and the pair MIP of
``gsm_mip`` on what is left, started from the incumbent.

The size check keeps the promise of the time limit: the pair table is listed only below
``MAX_TABLE_PAIRS``, and the MIP is built only when its pairs fit in the time left (about
``PAIRS_PER_SECOND`` per second, by engine) and under ``max_mip_pairs``. Otherwise the best
solution found is returned with status ``time_limit``, its lower bound and the gap, and the message says which
limit stopped the proof.
"""

from __future__ import annotations

import logging
import os
import time

import numpy as np

from ...options import SolveOptions
from ...solve import Deadline, solve_model
from .bounds import beyond_lp, bound_and_fix, closed
from .coarse import coarse_bound, coarse_factor, coarse_plan
from .graph import Optimum, StageData, canonical, inbound_times, repair
from .levels import Levels, level_order_rows
from .mip import build, read_service_times, start_from
from .pairs import MipIndex, count_pairs, pair_table, tightened

DEFAULT_MAX_MIP_PAIRS = 4_000_000  # Pyomo + HiGHS memory stays within a few GB
# build + solve rate of the pair MIP, pairs per second: 25,000 measured on gsm_bench cases with
# the Pyomo build (build + compile alone ~75,000/s); the array build and compile run at
# 1.3-2 million/s (gsm_generate mixed graphs of 56k-2.4M pairs), which leaves HiGHS's share:
# 1 / (1/25,000 - 1/75,000) = 37,500
PAIRS_PER_SECOND = {"arrays": 37_500, "pyomo": 25_000}

log = logging.getLogger(__name__)


def _table_cap(most: int = 80_000_000, bytes_per_pair: int = 200) -> int:
    """Pairs listed in memory at most: ``most``, or fewer on a machine with less than
    ``bytes_per_pair`` bytes of physical memory per pair. The pair table, the Lagrangian's
    arrays and their temporaries peaked at 87-93 bytes a pair (5.5 GB at 63 million pairs).
    A container's own memory limit is not seen."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows)
        return most
    return int(min(most, memory // bytes_per_pair))


MAX_TABLE_PAIRS = _table_cap()
# pairs per second of the compile to matrix form before HiGHS starts (measured: Pyomo's
# standard-form compiler ~150,000/s, the array merge ~7 million/s; kept below both)
COMPILE_RATE = {"arrays": 2_000_000, "pyomo": 100_000}
COARSE_PAIRS = 500_000  # pairs of the coarse instance solved for an incumbent (about 10 s)
COARSE_FIRST_PAIRS = 20_000  # pairs of the first, fastest coarse relaxation (a few seconds)
COARSE_FROM = MAX_TABLE_PAIRS  # above (or above what the fine LP proves in the time left, or
# in a minute without a limit): the coarse incumbent first
WINDOW = 1.5  # coarse units around the lifted coarse optimum searched for a better incumbent
WINDOW_SHARE = 0.2  # of the time left for that search (WINDOW_SECONDS without a limit)
WINDOW_SECONDS = 20.0


def mip_pair_limit(clock: Deadline, max_mip_pairs: int | None, engine: str = "arrays") -> int:
    """Largest pair MIP worth building now: the user's cap, or what the time left allows."""
    if max_mip_pairs is not None:
        return int(max_mip_pairs)
    left = clock.left()
    return DEFAULT_MAX_MIP_PAIRS if left is None else min(
        DEFAULT_MAX_MIP_PAIRS, int(PAIRS_PER_SECOND[engine] * left))


def solve_mip(data: StageData, options: SolveOptions, reduce: bool = True,
              direct_pairs: int = 20000, lp_pairs: int = MAX_TABLE_PAIRS,
              max_mip_pairs: int | None = None, engine: str = "arrays") -> Optimum:
    """Exact optimum: eliminate by DP, then the pair MIP on the 2-core (see models/buffers.md).

    With ``reduce``: (1) ``gsm_dp.fold`` eliminates stages with one neighbour and free stages;
    (2) an incumbent from the spanning-tree DP (whose value is also a lower bound) and
    large-neighbourhood search; cores with more pairs than the fine LP proves in the time left
    also get the optimum in coarse time units, lifted (``_coarse_stage``, ``gsm_coarse``), and
    cores too large to list a coarse LP bound; (3) when the core has more than
    ``direct_pairs`` pairs (``gsm_bounds``): Lagrangian fixing above ``LAGRANGIAN_FROM`` pairs, then
    the LP relaxation by column generation with rounding of its solution (at most
    ``lp_pairs`` pairs; the Lagrangian when it runs out of time); each bound removes every pair
    that cannot be in a solution cheaper than the incumbent; (4) the MIP on the remaining
    pairs, started from the incumbent, if they fit (``mip_pair_limit``); else the incumbent and
    the best bound with status time_limit.
    Without ``reduce``: the MIP on all pairs. ``engine``: how the pair MIP is built
    (``gsm_mip.build``).
    """
    from .dp import Folded, fold

    clock = Deadline.of(options)
    folded = fold(data) if reduce else Folded(core=np.ones(data.n, dtype=bool))
    if reduce:
        log.info("gsm: elimination by DP leaves %d of %d stages (%.2f s)",
                 int(folded.core.sum()) if folded.feasible else 0, data.n, clock.elapsed())
    if not folded.feasible:
        return Optimum("infeasible", method="mip", message="no service times satisfy the bounds "
                       "and what-if controls")
    if not folded.core.any():
        S, _ = folded.recover(data.n)
        S = canonical(data, S)
        cost = data.cost_of(S)[0]
        return Optimum("optimal", S, cost, cost, "dp", "solved by elimination (tree DP)",
                       build_seconds=clock.elapsed())
    core = folded.core
    core_data = tightened(data, core, folded.free) if reduce else data
    n_pairs = count_pairs(core_data, core)
    best = _given_start(data, options)
    lower = start = None
    notes: list[str] = []
    if reduce:
        best, lower = _incumbent_search(data, best, clock)
        log.info("gsm: incumbent %s, tree bound %s (money/period); %d service-time pairs on the "
                 "core (%.2f s)", _money(data, best), "-" if lower is None else f"{lower:,.6g}",
                 n_pairs, clock.elapsed())
        if n_pairs > COARSE_FROM or beyond_lp(n_pairs, clock):
            best, lower, start = _coarse_stage(data, core_data, folded, best, lower, options,
                                               clock, n_pairs, notes, engine)
            log.info("gsm: coarse time units: incumbent %s, bound %s (money/period; %.2f s)",
                     _money(data, best), "-" if lower is None else f"{lower:,.6g}",
                     clock.elapsed())
            if best is not None and closed(options, data.cost_of(best)[0], lower):
                cost = data.cost_of(best)[0]
                return Optimum("optimal", canonical(data, best), cost, lower, "mip",
                               f"bounds closed the gap ({'; '.join(notes)})",
                               build_seconds=clock.elapsed())
    if n_pairs > MAX_TABLE_PAIRS:
        return _stopped(data, best, lower, clock, "; ".join(
            [*notes, f"{int(core.sum())} of {data.n} stages left after elimination have "
                     f"{n_pairs} service-time pairs, more than the {MAX_TABLE_PAIRS} listed "
                     "in memory"]))
    idx = pair_table(core_data, core, folded.uS, folded.uSI)
    missing = np.flatnonzero(core & (np.bincount(idx.pair_k, minlength=data.n) == 0))
    if len(missing):
        names = ", ".join(repr(data.ids[k]) for k in missing[:5].tolist())
        return Optimum("infeasible", method="mip", message=f"no admissible service times at {names}")
    if reduce and best is not None and len(idx.pair_k) > direct_pairs:
        before, seen = len(idx.pair_k), len(notes)
        idx, best, low, core_data, _ = bound_and_fix(data, core_data, folded, idx, best,
                                                      options, clock, lp_pairs, notes, start)
        lower = low if lower is None else max(lower, low)
        log.info("gsm: Lagrangian and LP bounds: lower bound %.6g, incumbent %s (money/period); "
                 "%d of %d pairs kept (%.2f s)%s", lower, _money(data, best), len(idx.pair_k),
                 before, clock.elapsed(), "".join(f"; {n}" for n in notes[seen:]))
        upper = data.cost_of(best)[0]
        if closed(options, upper, lower):
            return Optimum("optimal", canonical(data, best), upper, lower, "mip",
                           f"bounds closed the gap on {int(core.sum())} of {data.n} stages "
                           f"after elimination ({'; '.join(notes)})",
                           build_seconds=clock.elapsed())
    if best is not None and not _mip_fits(core_data, core, idx, clock, max_mip_pairs, engine):
        notes.append(f"the MIP on {len(idx.pair_k)} pairs does not fit "
                     f"{_limit_words(clock, max_mip_pairs)}")
        log.info("gsm: %s (%.2f s)", notes[-1], clock.elapsed())
        return _stopped(data, best, lower, clock, "; ".join(notes))
    return _run_mip(data, core_data, folded, idx, best, lower, options, clock, notes, engine)


def _money(data: StageData, S: np.ndarray | None) -> str:
    """The cost of service times ``S`` (money per period) for a log line, "-" without any."""
    return "-" if S is None else f"{data.cost_of(S)[0]:,.6g}"


def _mip_size(core_data: StageData, core: np.ndarray, idx: MipIndex,
              max_mip_pairs: int | None) -> int:
    """What the MIP costs to build and solve, in pairs: the pairs, plus, against the time limit
    (not against a ``max_mip_pairs`` given by the user), its thermometer variables and
    service-order rows at a quarter of a pair each (one Pyomo component each against four for
    a pair's column and its rows, roughly). With thermometers over whole value ranges, 6 000
    pairs left of a core with lead times up to 60 had 2.7 million of them, and a MIP built on
    them overran a 120 s limit by 30 s; over the levels the pairs use they are few."""
    if max_mip_pairs is not None:
        return len(idx.pair_k)
    lev = Levels.of(idx)
    rows = len(level_order_rows(core_data, core, lev)[0])
    return _weighted_size(len(idx.pair_k), len(lev.x_k) + len(lev.z_k), rows)


def _weighted_size(pairs: int, levels: int, order_rows: int) -> int:
    """Pairs, plus thermometer levels and service-order rows at a quarter of a pair each."""
    return pairs + (levels + order_rows) // 4


def _mip_fits(core_data: StageData, core: np.ndarray, idx: MipIndex, clock: Deadline,
              max_mip_pairs: int | None, engine: str = "arrays") -> bool:
    """Whether the MIP on the pairs of ``idx`` fits ``mip_pair_limit`` (the pairs alone rule
    out large tables at once: counting the levels of millions of pairs takes seconds)."""
    limit = mip_pair_limit(clock, max_mip_pairs, engine)
    return len(idx.pair_k) <= limit and _mip_size(core_data, core, idx, max_mip_pairs) <= limit


def _given_start(data: StageData, options: SolveOptions) -> np.ndarray | None:
    """Service times from ``mip_start`` (a Result or {stage: S}) if it names every stage."""
    given = getattr(options.mip_start, "start_values", options.mip_start)
    if isinstance(given, dict) and given and all(str(s) in given for s in data.ids):
        return repair(data, np.array([int(given[str(s)]) for s in data.ids]))
    return None


def _incumbent_search(data: StageData, best: np.ndarray | None, clock: Deadline
                      ) -> tuple[np.ndarray | None, float | None]:
    """Best of the spanning-tree solution and ``best``, each improved by LNS (2 % of the time
    limit each: the LP's rounding usually does better, and a core too large to prove gets the
    time left for LNS in ``_stopped``); and the tree relaxation's value as a lower bound."""
    from .dp import tree_heuristic
    from .search import lns

    tree_S, lower = tree_heuristic(data)
    for cand in (tree_S, best):
        if cand is not None:
            cand = lns(data, cand, seconds=clock.budget(0.02, 2.0))
            if best is None or data.cost_of(cand)[0] < data.cost_of(best)[0]:
                best = cand
    return best, lower


def _limit_words(clock: Deadline, max_mip_pairs: int | None) -> str:
    if max_mip_pairs is not None:
        return f"(max_mip_pairs={max_mip_pairs})"
    if clock.limit is None:
        return f"(at most {DEFAULT_MAX_MIP_PAIRS} pairs without a time limit; raise max_mip_pairs)"
    return f"in the time left ({clock.left():.0f} s of {clock.limit:g} s)"


def _stopped(data: StageData, best: np.ndarray | None, lower: float | None, clock: Deadline,
             why: str) -> Optimum:
    """The incumbent, improved by LNS in the time left, returned without an optimality proof."""
    from .search import lns

    if best is None:
        return Optimum("time_limit", method="mip", bound=lower, build_seconds=clock.elapsed(),
                       message=f"{why}; no feasible solution found")
    left = clock.left()
    # one neighbourhood can take a second on long lead times: LNS only with 2 s left, for half
    if left is None or left >= 2.0:
        best = lns(data, best, patience=200, seconds=30.0 if left is None else 0.5 * left)
    best = canonical(data, best)
    cost = data.cost_of(best)[0]
    if lower is not None and cost - lower <= 1e-9 * max(1.0, abs(cost)):
        return Optimum("optimal", best, cost, lower, "mip", f"{why}; bounds closed the gap",
                       build_seconds=clock.elapsed())
    gap = "" if lower is None else f" (lower bound {lower:,.6g})"
    return Optimum("time_limit", best, cost, lower, "mip",
                   f"{why}; best solution found by search returned{gap}",
                   build_seconds=clock.elapsed())


def _coarse_stage(data, core_data, folded, best, lower, options, clock, n_pairs, notes,
                  engine="arrays"):
    """Cores too large for the fine LP in the time left (see ``gsm_coarse``): the optimum of the
    instance in units of g periods, lifted, as incumbent (a quarter of the time left). Cores too
    large to list their pairs (above ``MAX_TABLE_PAIRS``) also get the pair LP of coarse
    relaxations as lower bound (70 % of what is left then). Returns (incumbent, lower bound,
    Lagrangian multipliers of the window search or None)."""
    g = coarse_factor(n_pairs, COARSE_PAIRS)
    start = None
    if g < 2:
        return best, lower, start
    notes.append(f"{int(folded.core.sum())} of {data.n} stages left after elimination, "
                 f"{n_pairs} service-time pairs: coarse time units first")
    left = clock.left()
    sub_options = options.replace(time_limit=None if left is None else left / 4, mip_start=None)
    cand = coarse_plan(data, g, lambda sub: solve_mip(sub, sub_options, engine=engine))
    if cand is not None and (best is None or data.cost_of(cand)[0] < data.cost_of(best)[0]):
        best = cand
        notes.append(f"incumbent from the optimum in units of {g} periods")
    if cand is not None:
        left, radius = clock.left(), int(WINDOW * g)
        found, start = _window_search(data, core_data, folded, cand, radius, options,
                                      WINDOW_SECONDS if left is None else WINDOW_SHARE * left,
                                      engine)
        if data.cost_of(found)[0] < data.cost_of(best)[0]:
            best = found
            notes.append(f"improved within {radius} periods of it")
    if best is None or n_pairs <= MAX_TABLE_PAIRS:
        return best, lower, start
    left = clock.left()
    bound = _coarse_bound_step(data, core_data, folded, best, n_pairs, options,
                               None if left is None else 0.7 * left, notes)
    if bound is None:
        return best, lower, start
    return best, bound if lower is None else max(lower, bound), start


def _window_search(data, core_data, folded, center, radius: int, options, seconds: float,
                   engine: str = "arrays") -> tuple[np.ndarray, np.ndarray | None]:
    """Service times at least as good as ``center``, from the pair model restricted to the
    pairs within ``radius`` periods of its (SI_k, S_k) on every core stage (a few hundred
    thousand pairs where the core has tens of millions): bounds with fixing, rounding of the
    LP and the MIP on what is left, as for the whole core, in ``seconds``. A lifted coarse
    optimum is close to the fine one: within 1.5 coarse units it held the optimum of
    mixed:2000:8:lt=60, 0.19 % below the lifted plan. The window's bounds hold for it only
    and are dropped. Also returns the window Lagrangian's multipliers (None if it did not
    run): a start for the Lagrangian of the whole core, whose rows are the same."""
    S = np.asarray(center, dtype=np.int64).copy()
    S[folded.free] = 0  # as in the folded model (its bounds are tightened with them at 0)
    S = canonical(data, S)
    SI = inbound_times(data, S)
    uS, uSI = {}, {}
    for k in np.flatnonzero(folded.core).tolist():
        for given, out, mid, top in ((folded.uS, uS, S[k], core_data.s_max[k]),
                                     (folded.uSI, uSI, SI[k], core_data.si_max[k])):
            cost = np.full(int(top) + 1, np.inf)
            mid = min(int(mid), int(top))  # never an empty window
            cost[max(0, mid - radius):mid + radius + 1] = 0.0
            # the unary costs of fold are over the untightened range: the same values first
            out[k] = cost if k not in given else cost + given[k][:len(cost)]
    idx = pair_table(core_data, folded.core, uS, uSI)
    sub = options.replace(time_limit=seconds, mip_start=None)
    clock = Deadline.of(sub)
    idx, best, lower, small, lam = bound_and_fix(data, core_data, folded, idx, S, sub, clock,
                                                  MAX_TABLE_PAIRS, [])
    if closed(sub, data.cost_of(best)[0], lower) or \
            not _mip_fits(small, folded.core, idx, clock, None, engine):
        return best, lam
    found = _run_mip(data, small, folded, idx, best, lower, sub, clock, [], engine)
    if found.S is None or data.cost_of(found.S)[0] >= data.cost_of(best)[0]:
        return best, lam
    return found.S, lam


def _coarse_bound_step(data, core_data, folded, best, n_pairs, options, seconds, notes):
    """Lower bound from the pair LP of the coarse relaxation (``gsm_coarse``), or None. Coarse
    units first (a fast LP of about ``COARSE_FIRST_PAIRS`` pairs), then the finest unit whose
    LP should fit the time left (each finer relaxation is tighter); an LP cut short by the time
    keeps the last bound."""
    S = canonical(data, best)
    SI = inbound_times(data, S)
    t_end = None if seconds is None else time.perf_counter() + seconds
    g = max(2, coarse_factor(n_pairs, COARSE_FIRST_PAIRS))
    out = None
    while g >= 2:
        left = None if t_end is None else t_end - time.perf_counter()
        if left is not None and left < 1.0:
            break
        t0 = time.perf_counter()
        found = coarse_bound(core_data, folded.core, g, S, SI, options, left, folded.uS,
                             folded.uSI)
        if found is None:
            notes.append(f"the coarse LP in units of {g} periods did not finish in its time")
            break
        out = (found + folded.constant, g)
        if closed(options, data.cost_of(best)[0], out[0]):
            break
        # the finest unit whose LP should still fit: its time grows like 1/g^1.3 (measured on
        # gsm_bench cases; the pairs like 1/g^2). An attempt that overruns only costs the LNS
        # time after it: the last bound stays.
        took = max(time.perf_counter() - t0, 1e-3)
        left = np.inf if t_end is None else 0.9 * (t_end - time.perf_counter())
        finer = int(np.ceil(g * (took / left) ** (1 / 1.3))) if np.isfinite(left) and left > 0 \
            else 2
        g = max(2, finer) if finer < g else 0
    if out is None:
        return None
    bound, g = out
    notes.append(f"coarse LP bound (units of {g} periods) {bound:,.6g}")
    return bound


def _run_mip(data, core_data, folded, idx, best, lower, options, clock, notes,
             engine="arrays") -> Optimum:
    core = folded.core
    built = build(core_data, core, idx=idx, engine=engine)
    m, idx = built.model, built.sets
    opts = options.replace(mip_start=start_from(core_data, m, best) if best is not None else None)
    if options.time_limit is not None:
        # compiling to matrix form happens before HiGHS starts its clock
        size = _weighted_size(len(m.w), len(m.x) + len(m.z), len(m.service_order))
        opts = opts.replace(time_limit=max(1.0, clock.left() - size / COMPILE_RATE[engine]))
    t1 = time.perf_counter()
    log.info("gsm: pair MIP on %d stages, %d service-time pairs, built in %.2f s",
             int(core.sum()), len(idx.pair_k), t1 - clock.t0)
    sol = solve_model(m, opts)
    log.info("gsm: MIP: HiGHS %s in %.2f s (objective %s)", sol.status, sol.solve_seconds,
             "-" if sol.objective is None else f"{sol.objective + folded.constant:,.6g}")
    note = "".join(f"{x}; " for x in notes)
    msg = (f"MIP on {int(core.sum())} of {data.n} stages after elimination, "
           f"{len(idx.pair_k)} service-time pairs; {note}{sol.message}").rstrip("; ")
    out = Optimum(sol.status, method="mip", message=msg, build_seconds=t1 - clock.t0,
                  handoff_seconds=sol.handoff_seconds, solve_seconds=sol.solve_seconds,
                  solution=sol)
    if sol.x is None:
        if best is not None and sol.status == "time_limit":
            out.S, out.objective = canonical(data, best), data.cost_of(best)[0]
            out.bound = lower
        return out
    S_core, SI_core = read_service_times(core_data, idx, sol.values(m.w))
    S = canonical(data, folded.recover(data.n, S_core, SI_core)[0])
    if best is not None and data.cost_of(best)[0] < data.cost_of(S)[0]:
        S = canonical(data, best)
    out.S = S
    out.objective = data.cost_of(S)[0]
    bound = (sol.bound if sol.bound is not None else -np.inf) + folded.constant
    out.bound = bound if lower is None or sol.status == "optimal" else max(bound, lower)
    return out


