"""Lagrangian fixing of the design model (models/design_reduce.py) against independent answers.

The selection and knapsack pieces are compared with enumeration and scipy's linprog; the whole
reduction is compared with enumeration of every open set (a transport LP per set, built here
from the raw data with scipy) on small facility-location networks with several products,
existing warehouses with closing costs, handling costs and two priced suppliers.
"""

from __future__ import annotations

import csv
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from shared_data import shared_data

import supplynet as sn
from supplynet.models.design import DesignOptions
from supplynet.models.design import lagrangian as dl
from supplynet.models.design import reduce as dr
from supplynet.models.design.data import prepare

ORLIB = shared_data("orlib")


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 7), st.integers(0, 7), st.integers(0, 10_000))
def test_forced_selection_matches_enumeration(n, k, seed):
    k = min(k, n)
    g = np.random.default_rng(seed).normal(size=n).round(1)  # rounded: ties happen

    def best(cond):
        vals = [sum(g[i] for i in range(n) if y[i]) for y in itertools.product([0, 1], repeat=n)
                if sum(y) >= k and cond(y)]
        return min(vals) if vals else math.inf

    assert dl.select_value(g, k) == pytest.approx(best(lambda y: True))
    fo, fc = dl.forced_values(g, k)
    for i in range(n):
        assert fo[i] == pytest.approx(best(lambda y, i=i: y[i] == 1))
        assert fc[i] == pytest.approx(best(lambda y, i=i: y[i] == 0))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_knapsacks_match_linprog(seed):
    rng = np.random.default_rng(seed)
    nf, ni = int(rng.integers(1, 4)), int(rng.integers(1, 8))
    cost = rng.uniform(0, 10, (nf, ni))
    cost[rng.random((nf, ni)) < 0.2] = np.inf
    q = rng.integers(1, 20, ni).astype(float)
    core = dl.Core(fac=[f"W{i}" for i in range(nf)], items=[("c", str(j)) for j in range(ni)], q=q,
                   cap=rng.integers(5, 60, nf).astype(float), fixed=np.zeros(nf), const=0.0,
                   cost=cost, source={}, k=1)
    u = rng.uniform(0, 12, ni)
    got = dl.knapsacks(core, u)
    for i in range(nf):
        ok = np.isfinite(cost[i])
        c = np.where(ok, cost[i] - u, 0.0)
        lp = linprog(c, A_ub=[np.ones(ni)], b_ub=[core.cap[i]],
                     bounds=[(0, q[j] if ok[j] else 0) for j in range(ni)], method="highs")
        assert got[i] == pytest.approx(lp.fun, abs=1e-7)


def random_cflp(seed: int):
    """Two suppliers -> 5 warehouses (some existing with closing costs) -> customers, 2 products."""
    rng = np.random.default_rng(seed)
    nw, nc = 5, int(rng.integers(4, 8))
    net = sn.Network(f"cflp{seed}")
    for p in ("a", "b"):
        net.add_product(p)
    for s in ("S0", "S1"):
        net.add_supplier(s)
        for p in ("a", "b"):
            net.add_supply(s, p, price=float(rng.integers(1, 5)))
    for w in range(nw):
        existing = bool(rng.random() < 0.4)
        net.add_warehouse(f"W{w}", status="existing" if existing else "candidate",
                          capacity=float(rng.integers(20, 70)), fixed_cost=float(rng.integers(20, 150)),
                          closing_cost=float(rng.integers(0, 60)) if existing else 0.0,
                          handling_cost=float(rng.integers(0, 3)))
        for s in ("S0", "S1"):
            net.add_lane(s, f"W{w}", cost=float(rng.integers(1, 6)))
    for c in range(nc):
        net.add_customer(f"C{c}")
        for p in ("a", "b"):
            if rng.random() < 0.8:
                net.add_demand(f"C{c}", p, float(rng.integers(1, 15)))
        for w in range(nw):
            if rng.random() < 0.8:
                net.add_lane(f"W{w}", f"C{c}", cost=float(rng.integers(1, 9)))
    return net


def enumerate_designs(net) -> float:
    """min over open sets: fixed + closing costs + a min-cost flow LP (scipy) of the raw data."""
    nodes = net.table("nodes").set_index("id")
    lanes = net.table("lanes")
    supply = net.table("supply")
    dem = net.table("demand").groupby(["customer", "product"])["quantity"].sum()
    dem = dem[dem > 0]
    whs = [n for n in nodes.index if nodes.at[n, "kind"] == "warehouse"]
    best = math.inf
    for mask in itertools.product([0, 1], repeat=len(whs)):
        opened = [w for w, b in zip(whs, mask, strict=True) if b]
        fixed = sum(nodes.at[w, "fixed_cost"] for w in opened)
        fixed += sum(nodes.at[w, "closing_cost"] for w in whs
                     if w not in opened and nodes.at[w, "status"] == "existing")
        var = []  # (origin, destination, product, unit cost)
        for o, d, c in zip(lanes["origin"], lanes["destination"], lanes["cost"], strict=True):
            if d in opened:  # supplier -> warehouse, any product, price + lane + handling
                for s, p, pr in zip(supply["supplier"], supply["product"], supply["price"], strict=True):
                    if s == o:
                        var.append((o, d, p, c + pr + nodes.at[d, "handling_cost"]))
            elif o in opened:
                for (cu, p) in dem.index:
                    if cu == d:
                        var.append((o, d, p, c))
        a_eq, b_eq = [], []
        for w in opened:
            for p in ("a", "b"):
                a_eq.append([(1 if v[1] == w and v[2] == p else 0) - (1 if v[0] == w and v[2] == p else 0)
                             for v in var])
                b_eq.append(0)
        for (cu, p), qty in dem.items():
            a_eq.append([1 if v[1] == cu and v[2] == p else 0 for v in var])
            b_eq.append(qty)
        a_ub = [[1 if v[1] == w else 0 for v in var] for w in opened]
        b_ub = [nodes.at[w, "capacity"] for w in opened]
        if not var:
            continue
        lp = linprog([v[3] for v in var], A_ub=a_ub or None, b_ub=b_ub or None, A_eq=a_eq,
                     b_eq=b_eq, bounds=(0, None), method="highs")
        if lp.status == 0:
            best = min(best, fixed + lp.fun)
    return best


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10_000))
def test_fixing_keeps_the_enumerated_optimum(seed):
    net = random_cflp(seed)
    best = enumerate_designs(net)
    if not math.isfinite(best):
        return
    old = dr.MIN_ARCS
    dr.MIN_ARCS = 0  # let the reduction run on a small instance
    try:
        res = sn.design(net, time_limit=60)
    finally:
        dr.MIN_ARCS = old
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-7, abs=1e-6)
    dr.MIN_ARCS = 0
    try:
        qualifies = dr.core_of(prepare(net), DesignOptions(), 0.0) is not None
    finally:
        dr.MIN_ARCS = old
    # the reduction ran unless a warehouse serves nobody (then the general model is kept)
    assert ("warehouses fixed closed" in res.message) == qualifies


def test_reduction_skipped_where_structure_differs():
    net = random_cflp(1)
    old = dr.MIN_ARCS
    dr.MIN_ARCS = 0
    try:
        res = sn.design(net, single_sourcing="customer", time_limit=60)
        plain = sn.design(net, lagrangian_fixing=False, time_limit=60)
    finally:
        dr.MIN_ARCS = old
    assert "fixed closed" not in res.message
    assert "fixed closed" not in plain.message


@pytest.mark.skipif(not (ORLIB / "optima.csv").exists(), reason="OR-Library data not present")
@pytest.mark.parametrize("problem", ["cap64", "cap94", "cap124", "cap134"])
def test_fixing_on_orlib_reaches_published_optimum(problem):
    rows = {r["problem"]: r for r in csv.DictReader((ORLIB / "optima.csv").open())}
    net = sn.read_orlib_cap(ORLIB / rows[problem]["file"])
    old = dr.MIN_ARCS
    dr.MIN_ARCS = 0
    try:
        res = sn.design(net, time_limit=60)
    finally:
        dr.MIN_ARCS = old
    assert res.status == "optimal"
    assert math.isclose(res.objective, float(rows[problem]["optimum"]), rel_tol=1e-9, abs_tol=1e-3)
    assert "fixed closed" in res.message


@pytest.mark.parametrize("close_all", [False, True])
def test_unsound_fixing_is_not_trusted(monkeypatch, close_all):
    """A reduction whose start value the model cannot reach (claimed far too low) is withdrawn:
    design() solves the unreduced model and says so; one that would cut a customer off from
    every warehouse is ignored at build time."""
    net = random_cflp(3)
    best = enumerate_designs(net)
    real = dr.reduce_design

    def bogus(*args, **kwargs):
        red = real(*args, **kwargs)
        red.upper = red.upper / 2
        red.closed = [f"W{i}" for i in range(5)] if close_all else []
        red.opened = []
        return red

    monkeypatch.setattr(dr, "MIN_ARCS", 0)
    from supplynet.models.design import model as design_module

    monkeypatch.setattr(design_module, "reduce_design", bogus)
    res = sn.design(net, time_limit=60)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-7)
    assert ("withdrawn" in res.message) != close_all
    assert "fixed closed" not in res.message
