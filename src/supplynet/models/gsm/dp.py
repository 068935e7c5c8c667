"""Dynamic program of Graves & Willems (2000), as an elimination of stages with one neighbour.

With a_k the inbound service time SI_k and b_k the outbound service time S_k, a stage costs

    c_k(a, b) = h_k z_sigma_k sqrt(a + T_k - b) + uSI_k(a) + uS_k(b)

over ext_k <= a <= si_max_k, 0 <= b <= s_max_k, tau_min_k <= a + T_k - b (= 0 when the stage
is forbidden to hold stock), where uSI_k and uS_k collect what eliminated neighbours cost.
A stage v whose only remaining neighbour is p is eliminated:
    v -> p (v supplies p):  uSI_p(a) += F_v(a) = min_{s <= a} f_v(s),  f_v(b) = min_a c_v(a, b)
    p -> v (p supplies v):  uS_p(b)  += G_v(b) = min_{a >= b} g_v(a),  g_v(a) = min_b c_v(a, b)
(the prefix minimum encodes S_v <= SI_p, the suffix minimum SI_v >= S_p). A stage with no
neighbour left adds min_{a,b} c_v(a, b) to a constant. On a forest everything is eliminated:
that is the tree DP, exact, with work sum_k (si_max_k + 1)(s_max_k + 1). On a general graph
what remains (the 2-core) goes to the MIP with the unary costs uS, uSI; the eliminated stages
are recovered afterwards from the stored arg-minima (``Folded.recover``).

Stages whose safety stock costs nothing (h_k z_sigma_k = 0) and that may quote S_k = 0 are
removed first: S_k = 0 is optimal for them and then they constrain no neighbour.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np

from .graph import StageData, repair


@dataclass
class DPSolution:
    status: str  # "optimal" or "infeasible"
    objective: float | None
    S: np.ndarray | None
    SI: np.ndarray | None


@dataclass
class Folded:
    """The stages left after elimination, their unary costs, and how to recover the others."""

    core: np.ndarray                       # bool mask of stages left for the MIP
    uS: dict = field(default_factory=dict)    # k -> cost of S_k = b, b = 0..s_max_k
    uSI: dict = field(default_factory=dict)   # k -> cost of SI_k = a, a = 0..si_max_k
    constant: float = 0.0
    free: list = field(default_factory=list)  # zero-cost stages set to S = 0
    steps: list = field(default_factory=list)  # (v, p, up, pass_arg, choice) or (v, -1, pick)
    feasible: bool = True

    def recover(self, n: int, S_core: np.ndarray | None = None, SI_core: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """Full (S, SI) from the core's values (entries of non-core stages are ignored)."""
        S = np.zeros(n, dtype=np.int64) if S_core is None else np.asarray(S_core, dtype=np.int64).copy()
        SI = np.zeros(n, dtype=np.int64) if SI_core is None else np.asarray(SI_core, dtype=np.int64).copy()
        for k in self.free:
            S[k] = 0
        for step in reversed(self.steps):
            v, p = step[0], step[1]
            if p < 0:
                SI[v], S[v] = step[2]
            elif step[2]:  # v -> p
                arg, choice = step[3], step[4]
                S[v] = arg[min(int(SI[p]), len(arg) - 1)]
                SI[v] = choice[S[v]]
            else:          # p -> v
                arg, choice = step[3], step[4]
                SI[v] = arg[int(S[p])]
                S[v] = choice[SI[v]]
        return S, SI


def _prefix_min(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    run = np.minimum.accumulate(f)
    idx = np.where(f == run, np.arange(len(f)), 0)
    return run, np.maximum.accumulate(idx)


def _suffix_min(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    run, idx = _prefix_min(g[::-1])
    return run[::-1], (len(g) - 1 - idx)[::-1]


def stage_cost(data: StageData, k: int, uS: np.ndarray | None, uSI: np.ndarray | None
               ) -> np.ndarray:
    """c_k(a, b) as an (si_max_k + 1) x (s_max_k + 1) array, inf where not admissible."""
    na, nb = int(data.si_max[k]) + 1, int(data.s_max[k]) + 1
    a = np.arange(na)[:, None]
    tau = a + data.T[k] - np.arange(nb)[None, :]
    ok = (tau >= data.tau_min[k]) & (a >= data.ext[k])
    if data.tau_zero[k]:
        ok &= tau == 0
    with np.errstate(invalid="ignore"):
        c = np.where(ok, data.cost_coef[k] * np.sqrt(np.maximum(tau, 0)), np.inf)
    if uSI is not None:
        c += uSI[:na, None]
    if uS is not None:
        c += uS[None, :nb]
    return c


def free_stages(data: StageData) -> np.ndarray:
    """Stages with zero safety-stock cost that may quote S = 0 (then they bind nobody). Not
    those supplying a forced stage of lead time 0: its stock needs SI_k >= 1, which a supplier
    quoting 0 may deny."""
    feeds_exact = np.zeros(data.n, dtype=bool)
    if len(data.arcs):
        feeds_exact[data.arcs[data.exact_si[data.arcs[:, 1]], 0]] = True
    return ((data.cost_coef == 0) & ~data.tau_zero
            & ((data.tau_min == 0) | (data.T + data.ext >= 1)) & ~data.exact_si & ~feeds_exact)


def fold(data: StageData, everything: bool = False, seed_unary: dict | None = None) -> Folded:
    """Remove free stages, then eliminate stages with at most one neighbour (see module doc).

    ``everything`` requires the whole graph to vanish (a forest); stages next to a forced
    stage of lead time 0 (whose inbound time must be an exact maximum) are never eliminated.
    ``seed_unary`` {k: cost of S_k = b} adds unary costs on outbound service times.
    """
    n = data.n
    out = Folded(core=np.ones(n, dtype=bool))
    out.uS = {k: np.asarray(v, dtype=float) for k, v in (seed_unary or {}).items()}
    free = free_stages(data)
    out.free = np.flatnonzero(free).tolist()
    out.core[free] = False
    succ = [set(s) for s in data.succs]
    nbrs = [set() for _ in range(n)]
    for i, k in data.arcs.tolist():
        if not free[i] and not free[k]:
            nbrs[i].add(k)
            nbrs[k].add(i)
    blocked = data.exact_si.copy()
    queue = [v for v in range(n) if out.core[v] and len(nbrs[v]) <= 1]
    while queue:
        v = queue.pop()
        if not out.core[v] or len(nbrs[v]) > 1 or blocked[v]:
            continue
        if nbrs[v]:
            p = next(iter(nbrs[v]))
            up = p in succ[v]
            if up and data.exact_si[p]:
                continue
        c = stage_cost(data, v, out.uS.pop(v, None), out.uSI.pop(v, None))
        out.core[v] = False
        if not nbrs[v]:
            flat = int(np.argmin(c))
            best = float(c.flat[flat])
            if not np.isfinite(best):
                out.feasible = False
            out.constant += best
            out.steps.append((v, -1, divmod(flat, c.shape[1])))
            continue
        nbrs[p].discard(v)
        nbrs[v].clear()
        if up:   # v -> p: message on SI_p
            choice = np.argmin(c, axis=0)
            msg, arg = _prefix_min(c[choice, np.arange(c.shape[1])])
            na = int(data.si_max[p]) + 1
            if len(msg) < na:
                msg = np.concatenate([msg, np.full(na - len(msg), msg[-1])])
            msg = msg[:na]
            out.uSI[p] = msg if p not in out.uSI else out.uSI[p] + msg
        else:    # p -> v: message on S_p
            choice = np.argmin(c, axis=1)
            msg, arg = _suffix_min(c[np.arange(c.shape[0]), choice])
            msg = msg[:int(data.s_max[p]) + 1]
            out.uS[p] = msg if p not in out.uS else out.uS[p] + msg
        out.steps.append((v, p, up, arg, choice))
        if len(nbrs[p]) <= 1:
            queue.append(p)
    if everything and out.core.any():
        raise ValueError("the tree DP needs a stage graph whose undirected graph is a forest")
    return out


def solve_tree(data: StageData) -> DPSolution:
    """Optimal service times of a forest-shaped stage graph (ValueError otherwise)."""
    if data.exact_si.any():
        raise ValueError("the tree DP does not handle forced buffers at stages with lead time 0")
    f = fold(data, everything=True)
    if not f.feasible:
        return DPSolution("infeasible", None, None, None)
    S, SI = f.recover(data.n)
    return DPSolution("optimal", f.constant, S, SI)


def spanning_forest(data: StageData) -> StageData:
    """``data`` restricted to a maximum spanning forest (arc weight: cost of both ends)."""
    g = nx.Graph()
    g.add_nodes_from(range(data.n))
    coef = data.cost_coef
    for i, k in data.arcs.tolist():
        g.add_edge(i, k, weight=coef[i] + coef[k])
    keep = {tuple(sorted(e)) for e in nx.maximum_spanning_tree(g).edges()}
    mask = np.array([tuple(sorted(a)) in keep for a in data.arcs.tolist()], dtype=bool)
    arcs = data.arcs[mask] if len(data.arcs) else data.arcs
    preds = [[] for _ in range(data.n)]
    succs = [[] for _ in range(data.n)]
    for i, k in arcs.tolist():
        preds[k].append(i)
        succs[i].append(k)
    return replace(data, arcs=arcs, quantity=data.quantity[mask] if len(mask) else data.quantity,
                   preds=preds, succs=succs)


def tree_heuristic(data: StageData) -> tuple[np.ndarray | None, float | None]:
    """(feasible service times, lower bound): the tree DP on a maximum spanning forest, then
    ``repair`` on all arcs (Humair & Willems 2011 use spanning trees the same way). The forest
    problem drops the arcs' constraints SI_k >= S_i off the forest, so its optimum is a lower
    bound on the whole graph's. (None, None) if that fails."""
    if data.exact_si.any():
        return None, None
    sol = solve_tree(spanning_forest(data))
    if sol.S is None:
        return None, None
    return repair(data, sol.S), float(sol.objective)
