"""Two-stage stochastic network design in extensive form (models/design.md, "Designs that hedge").

First stage, taken once: facilities open, capacity levels, make-or-buy, supplier use, lane use
and customer assignment (the binaries of the design model). Second stage, per scenario:
flows, production and unmet demand. Each scenario is the ordinary design model built on the
scenario's network, added as a block; non-anticipativity rows tie every scenario's copy of a
first-stage binary to one master variable. Unmet demand is always allowed at its penalty
(soft mode) so that any design can be evaluated on any scenario.

    min  (1 - λ)·Σ_s p_s C_s + λ·CVaR_α(C)       (λ = 0: expected cost)
    CVaR_α(C) = η + 1/(1 - α) Σ_s p_s u_s,  u_s >= C_s - η,  u_s >= 0   (Rockafellar & Uryasev 2000)

Reported: the value of the stochastic solution VSS = EEV - RP (the expected cost of the design
made for the average scenario, re-evaluated on every scenario, minus the stochastic optimum)
and the expected value of perfect information EVPI = RP - WS (Birge & Louveaux 2011, ch. 4).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.environ import quicksum

from ...errors import OptionsError
from ...network import Network
from ...options import SolveOptions
from ...results import Result
from ...schema import TABLES
from ...solve import Deadline, solve_model
from .._sets import Built
from .model import build
from .options import DesignOptions
from .results import make_result

FIRST_STAGE = ("open", "level", "make_on", "use_supplier", "lane_on", "assign")


def _check(scenarios, probabilities, risk) -> tuple[list, np.ndarray, float, float]:
    if not scenarios:
        raise OptionsError("a stochastic design needs at least one scenario")
    n = len(scenarios)
    p = np.full(n, 1.0 / n) if probabilities is None else np.asarray(probabilities, dtype=float)
    if len(p) != n:
        raise OptionsError(f"{n} scenarios but {len(p)} probabilities")
    if (p < 0).any() or not math.isclose(p.sum(), 1.0, rel_tol=1e-9):
        raise OptionsError(f"probabilities must be >= 0 and sum to 1, got {list(p)}")
    risk = dict(risk or {})
    unknown = set(risk) - {"alpha", "weight"}
    if unknown:
        raise OptionsError(f"risk takes 'alpha' and 'weight', not {sorted(unknown)}")
    alpha, weight = float(risk.get("alpha", 0.95)), float(risk.get("weight", 0.0 if not risk else 0.5))
    if not 0 <= alpha < 1 or not 0 <= weight <= 1:
        raise OptionsError("risk alpha must be in [0, 1) and weight in [0, 1]")
    return list(scenarios), p, alpha, weight


def scenario_networks(net: Network, scenarios) -> list[tuple[str, Network]]:
    """(name, network) per scenario: a Scenario patch applied to a copy, or a Network as is."""
    out = []
    for k, s in enumerate(scenarios):
        if isinstance(s, Network):
            out.append((s.name or f"s{k}", s))
        else:
            out.append((getattr(s, "name", f"s{k}"), s.apply(net)))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):  # e.g. copies of one network: number them
        out = [(f"{nm}_{k}", n) for k, (nm, n) in enumerate(out)]
    return out


def first_stage_vars(block) -> dict[tuple, Any]:
    """{(family, key): VarData} of a scenario block's first-stage binaries."""
    out = {}
    for fam in FIRST_STAGE:
        var = getattr(block, fam, None)
        if var is None:
            continue
        for key, v in var.items():
            out[fam, key] = v
    return out


def build_extensive(nets, p, alpha, weight, o: DesignOptions) -> tuple[pyo.ConcreteModel, list[Built]]:
    """Master model: one design block per scenario, master binaries, risk-weighted objective.
    Returns the model and each scenario's ``Built`` (its block and sets)."""
    m = pyo.ConcreteModel(name="stochastic_design")
    scen = []
    for k, (_name, net_s) in enumerate(nets):
        built = build(net_s, o)
        built.model.total_cost.deactivate()
        m.add_component(f"scenario_{k}", built.model)
        scen.append(built)
    blocks = [b.model for b in scen]
    keys = []
    for b in blocks:
        keys += [k for k in first_stage_vars(b) if k not in set(keys)]
    keys = list(dict.fromkeys(keys))
    m.first = pyo.Var(range(len(keys)), domain=pyo.Binary)
    pos = {k: i for i, k in enumerate(keys)}
    m.nonanticipativity = pyo.ConstraintList()
    for b in blocks:
        for k, v in first_stage_vars(b).items():
            m.nonanticipativity.add(v == m.first[pos[k]])
    cost = [b.total_cost.expr for b in blocks]
    expected = quicksum(float(p[s]) * cost[s] for s in range(len(blocks)))
    if weight > 0:
        m.eta = pyo.Var()
        m.excess = pyo.Var(range(len(blocks)), domain=pyo.NonNegativeReals)
        m.cvar_excess = pyo.Constraint(range(len(blocks)), rule=lambda m, s: m.excess[s] >= cost[s] - m.eta)
        cvar = m.eta + quicksum(float(p[s]) * m.excess[s] for s in range(len(blocks))) / (1 - alpha)
        m.total_cost = pyo.Objective(expr=(1 - weight) * expected + weight * cvar)
    else:
        m.total_cost = pyo.Objective(expr=expected)
    return m, scen


def evaluate_fixed(net_s: Network, fixed: dict[tuple, float], o: DesignOptions, so: SolveOptions,
                   deadline: Deadline) -> float:
    """Optimal second-stage cost of scenario net_s with the first-stage binaries fixed."""
    m = build(net_s, o).model
    for k, v in first_stage_vars(m).items():
        if k in fixed:
            v.fix(round(fixed[k]))
    sol = solve_model(m, deadline.options(so))
    return sol.objective if sol.has_values else math.inf


def average_network(nets: list[Network], p: np.ndarray) -> Network:
    """The expected-value network: numeric cells averaged with the scenario probabilities over
    rows present in the scenario (demand rows missing in a scenario count as zero)."""
    base = nets[0].copy()
    for t, schema in TABLES.items():
        frames = [n.table(t).assign(_w=w) for n, w in zip(nets, p, strict=True) if len(n.table(t))]
        if not frames:
            continue
        allrows = pd.concat(frames, ignore_index=True)
        key = list(schema.key)
        num = [c for c, spec in schema.columns.items() if spec.dtype == "float" and c not in key]
        first = allrows.drop_duplicates(key).set_index(key)
        if num:
            weighted = allrows[key].copy()
            for c in num:
                weighted[c] = allrows[c].to_numpy() * allrows["_w"].to_numpy()
            weighted["_w"] = allrows["_w"]
            for c in num:  # an unlimited (NaN) cell in any scenario stays unlimited
                weighted[c + "_nan"] = allrows[c].isna().to_numpy()
            sums = weighted.groupby(key, sort=False).sum()
            for c in num:
                avg = sums[c] if t == "demand" else sums[c] / sums["_w"]
                first[c] = avg.where(sums[c + "_nan"] == 0)
        base.set_table(t, first.reset_index().drop(columns="_w"))
    base.params["name"] = f"{nets[0].name}_expected"
    return base


def stochastic_design(net: Network, scenarios, probabilities, risk, o: DesignOptions,
                      so: SolveOptions, deadline: Deadline, value_of_information: bool = True) -> Result:
    """Solve the extensive form; report expected costs, VSS and EVPI (money per horizon). See
    the module docstring. Every solve takes what is left of ``deadline``."""
    scen, p, alpha, weight = _check(scenarios, probabilities, risk)
    # one Pyomo block per scenario: array families cannot be nested in blocks
    o = dataclasses.replace(o, soft=True, make_or_buy_regret=False, engine="pyomo")
    nets = scenario_networks(net, scen)
    for _name, n in nets:
        n.validate()
    t0 = time.perf_counter()
    m, built = build_extensive(nets, p, alpha, weight, o)
    t1 = time.perf_counter()
    sol = solve_model(m, deadline.options(so))
    res = Result(model="design", status=sol.status, objective=sol.objective, bound=sol.bound,
                 gap=sol.gap, message=sol.message, build_seconds=t1 - t0,
                 handoff_seconds=sol.handoff_seconds, solve_seconds=sol.solve_seconds,
                 network=nets[0][1], options=o, solution=sol)
    if not sol.has_values:
        return res
    per = [make_result(n, b, o, sol, 0.0) for (_nm, n), b in zip(nets, built, strict=True)]
    names = [nm for nm, _ in nets]
    scen_cost = [float(r.costs["cost"].sum()) for r in per]
    expected = float(np.dot(p, scen_cost))
    tables = {"facilities": per[0].tables["facilities"]}
    for t in ("flows", "production", "purchases", "unmet", "assignments"):
        frames = [r.tables[t].assign(scenario=nm) for nm, r in zip(names, per, strict=True) if t in r.tables]
        if frames:
            tables[t] = pd.concat(frames, ignore_index=True)
    costs = pd.concat([r.costs.assign(w=w) for r, w in zip(per, p, strict=True)])
    costs = (costs.assign(cost=costs["cost"] * costs["w"]).groupby("category", sort=False, as_index=False)["cost"].sum())
    tables["costs"] = costs  # expected cost by category
    tables["scenario_costs"] = pd.DataFrame({"scenario": names, "probability": p, "cost": scen_cost})
    money = "money/horizon"
    kpis = [("expected_cost", expected, money), ("objective", sol.objective, money)]
    if weight > 0:
        kpis.append(("cvar", _cvar(scen_cost, p, alpha), money))
    if value_of_information:
        ev = average_network([n for _, n in nets], p)
        ev_model = build(ev, o).model
        ev_sol = solve_model(ev_model, deadline.options(so))
        ev_fixed = {k: float(v) for k, v in zip(first_stage_vars(ev_model),
                                                 _values(ev_sol, first_stage_vars(ev_model)), strict=True)}
        eev = float(np.dot(p, [evaluate_fixed(n, ev_fixed, o, so, deadline) for _, n in nets]))
        ws = float(np.dot(p, [_solo(n, o, so, deadline) for _, n in nets]))
        kpis += [("eev", eev, money), ("vss", eev - expected, money), ("ws", ws, money),
                 ("evpi", expected - ws, money)]
    tables["kpis"] = pd.DataFrame(kpis, columns=["kpi", "value", "unit"])
    res.tables = tables
    return res


def _values(sol, varmap: dict) -> list[float]:
    return [sol.value(v) for v in varmap.values()]


def _solo(net_s: Network, o: DesignOptions, so: SolveOptions, deadline: Deadline) -> float:
    m = build(net_s, o).model
    s = solve_model(m, deadline.options(so))
    return s.objective if s.has_values else math.inf


def _cvar(costs: list[float], p: np.ndarray, alpha: float) -> float:
    """CVaR_α of a discrete cost distribution (Rockafellar & Uryasev): min_η η + E[(C-η)+]/(1-α)."""
    return min(eta + float(np.dot(p, np.maximum(np.asarray(costs) - eta, 0.0))) / (1 - alpha)
               for eta in costs)
