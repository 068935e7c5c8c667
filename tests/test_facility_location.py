"""sn.facility_location: the one-call entry, against brute force and a published optimum.

The tiny instance's optima are worked out here by enumeration: every subset of open
facilities (with a transportation LP from scipy when capacities bind and demand may be
split) and every customer -> facility map under single sourcing.
"""

from __future__ import annotations

import csv
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from shared_data import shared_data

import supplynet as sn

FACILITIES = pd.DataFrame({"facility": ["A", "B", "C"],
                           "fixed_cost": [100.0, 85.0, 120.0],
                           "capacity": [50.0, 40.0, 55.0]})
CUSTOMERS = pd.DataFrame({"customer": ["c1", "c2", "c3", "c4", "c5"],
                          "demand": [20.0, 15.0, 25.0, 10.0, 30.0]})
UNIT_COST = {  # money per unit; ("C", "c1") is missing: C cannot serve c1
    ("A", "c1"): 1.0, ("A", "c2"): 2.0, ("A", "c3"): 5.0, ("A", "c4"): 6.0, ("A", "c5"): 4.0,
    ("B", "c1"): 4.0, ("B", "c2"): 1.0, ("B", "c3"): 2.0, ("B", "c4"): 5.0, ("B", "c5"): 6.0,
    ("C", "c2"): 5.0, ("C", "c3"): 3.0, ("C", "c4"): 1.0, ("C", "c5"): 2.0,
}
TRANSPORT = pd.DataFrame([{"facility": f, "customer": c, "cost": v}
                          for (f, c), v in UNIT_COST.items()])


def _transport_lp(open_set, capacity) -> float:
    """Least transport cost with demand split over ``open_set`` (inf if infeasible)."""
    pairs = [(f, c) for (f, c) in UNIT_COST if f in open_set]
    demand = dict(zip(CUSTOMERS["customer"], CUSTOMERS["demand"], strict=True))
    a_eq = [[1.0 if c == cust else 0.0 for (_f, c) in pairs] for cust in demand]
    limited = [f for f in open_set if math.isfinite(capacity[f])]
    a_ub = [[1.0 if f == fac else 0.0 for (f, _c) in pairs] for fac in limited]
    lp = linprog([UNIT_COST[p] for p in pairs], A_ub=a_ub or None,
                 b_ub=[capacity[f] for f in limited] or None, A_eq=a_eq,
                 b_eq=list(demand.values()), bounds=(0, None), method="highs")
    return lp.fun if lp.status == 0 else math.inf


def brute_force_split(capacity) -> tuple[float, set]:
    fixed = dict(zip(FACILITIES["facility"], FACILITIES["fixed_cost"], strict=True))
    best = (math.inf, set())
    for k in range(1, len(fixed) + 1):
        for subset in itertools.combinations(fixed, k):
            total = sum(fixed[f] for f in subset) + _transport_lp(subset, capacity)
            best = min(best, (total, set(subset)), key=lambda t: t[0])
    return best


def brute_force_single_source(capacity) -> tuple[float, dict]:
    fixed = dict(zip(FACILITIES["facility"], FACILITIES["fixed_cost"], strict=True))
    demand = dict(zip(CUSTOMERS["customer"], CUSTOMERS["demand"], strict=True))
    best = (math.inf, {})
    for choice in itertools.product(fixed, repeat=len(demand)):
        plan = dict(zip(demand, choice, strict=True))
        if any((f, c) not in UNIT_COST for c, f in plan.items()):
            continue
        load = {f: sum(demand[c] for c, g in plan.items() if g == f) for f in fixed}
        if any(load[f] > capacity[f] for f in fixed):
            continue
        total = (sum(fixed[f] for f in set(plan.values()))
                 + sum(demand[c] * UNIT_COST[f, c] for c, f in plan.items()))
        if total < best[0]:
            best = (total, plan)
    return best


CAPACITY = dict(zip(FACILITIES["facility"], FACILITIES["capacity"], strict=True))
UNLIMITED = dict.fromkeys(CAPACITY, math.inf)


def test_uncapacitated_matches_enumeration():
    expected, open_set = brute_force_split(UNLIMITED)
    res = sn.facility_location(CUSTOMERS, FACILITIES.drop(columns="capacity"), TRANSPORT)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(expected, rel=1e-9)
    assert set(res.open.loc[res.open["open"], "facility"]) == open_set
    # the answer's own tables add up to its objective
    fixed = res.open.loc[res.open["open"], "fixed_cost"].sum()
    assert fixed + res.assignment["cost"].sum() == pytest.approx(expected, rel=1e-9)
    served = res.assignment.groupby("customer")["quantity"].sum()
    assert served.to_dict() == pytest.approx(dict(zip(CUSTOMERS["customer"],
                                                      CUSTOMERS["demand"], strict=True)))


def test_capacitated_matches_enumeration_with_split_demand():
    expected, open_set = brute_force_split(CAPACITY)
    unlimited, _ = brute_force_split(UNLIMITED)
    assert expected > unlimited + 1  # the capacities bind on this instance
    res = sn.facility_location(CUSTOMERS, FACILITIES, TRANSPORT)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(expected, rel=1e-9)
    assert set(res.open.loc[res.open["open"], "facility"]) == open_set
    load = res.assignment.groupby("facility")["quantity"].sum()
    for f, q in load.items():
        assert q <= CAPACITY[f] + 1e-6
    thr = res.open.set_index("facility")["throughput"]
    assert thr.reindex(load.index).to_numpy() == pytest.approx(load.to_numpy())


def test_single_sourcing_matches_enumeration_of_every_assignment():
    expected, _plan = brute_force_single_source(CAPACITY)
    split, _ = brute_force_split(CAPACITY)
    assert expected > split + 1  # single sourcing costs more here, so the option is exercised
    res = sn.facility_location(CUSTOMERS, FACILITIES, TRANSPORT, single_sourcing=True)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(expected, rel=1e-9)
    # one facility per customer, carrying its whole demand, within capacity
    assert res.assignment["customer"].is_unique
    demand = CUSTOMERS.set_index("customer")["demand"]
    got = res.assignment.set_index("customer")
    assert got["quantity"].to_dict() == pytest.approx(demand.to_dict())
    for f, q in got.groupby("facility")["quantity"].sum().items():
        assert q <= CAPACITY[f] + 1e-6
    # the plan returned costs what the enumeration says (another plan may tie with it)
    fixed = FACILITIES.set_index("facility")["fixed_cost"]
    by_hand = (fixed[sorted(set(got["facility"]))].sum()
               + sum(demand[c] * UNIT_COST[f, c] for c, f in got["facility"].items()))
    assert by_hand == pytest.approx(expected)


def test_ids_keep_their_type_and_may_repeat_across_tables():
    """Integer ids come back as integers; a facility and a customer may share a name."""
    customers = pd.DataFrame({"customer": [1, 2, "A"], "demand": [5.0, 5.0, 2.0]})
    facilities = pd.DataFrame({"facility": ["A", 7], "fixed_cost": [10.0, 1.0]})
    transport = pd.DataFrame({"facility": ["A", "A", "A", 7, 7],
                              "customer": [1, 2, "A", 1, 2],
                              "cost": [1.0, 1.0, 0.0, 3.0, 3.0]})
    # by hand: A alone 10 + 5 + 5 + 0 = 20; A and 7: 21 + same flows = 21; 7 alone cannot serve "A"
    res = sn.facility_location(customers, facilities, transport)
    assert res.objective == pytest.approx(20.0)
    assert res.open.set_index("facility")["open"].to_dict() == {"A": True, 7: False}
    assert sorted(res.assignment["customer"].tolist(), key=str) == [1, 2, "A"]


def test_too_little_capacity_is_reported_as_infeasible_with_a_diagnosis():
    """By hand: 7 units demanded, one facility of capacity 5; a customer without demand and
    without transport rows is allowed (it changes nothing)."""
    customers = pd.DataFrame({"customer": ["x", "y", "z"], "demand": [4.0, 3.0, 0.0]})
    facilities = pd.DataFrame({"facility": ["A"], "fixed_cost": [1.0], "capacity": [5.0]})
    transport = pd.DataFrame({"facility": ["A", "A"], "customer": ["x", "y"], "cost": [1.0, 2.0]})
    res = sn.facility_location(customers, facilities, transport)
    assert res.status == "infeasible" and math.isnan(res.objective)
    assert res.open.empty and res.assignment.empty
    assert res.design.diagnosis is not None and len(res.design.diagnosis)
    facilities["capacity"] = 7.0
    res = sn.facility_location(customers, facilities, transport)
    assert res.status == "optimal" and res.objective == pytest.approx(1.0 + 4.0 + 6.0)


def test_unknown_customer_in_transport_cost_names_the_row():
    transport = pd.concat([TRANSPORT, pd.DataFrame(
        [{"facility": "A", "customer": "c9", "cost": 1.0}])], ignore_index=True)
    row = len(transport) - 1
    with pytest.raises(sn.InstanceError) as e:
        sn.facility_location(CUSTOMERS, FACILITIES, transport)
    assert f"transport_cost row {row}: customer 'c9' is not in customers" in str(e.value)


def test_every_bad_row_is_reported_before_a_model_is_built():
    customers = CUSTOMERS.copy()
    customers.loc[2, "demand"] = -1.0
    facilities = pd.concat([FACILITIES, FACILITIES.iloc[[0]]], ignore_index=True)
    transport = TRANSPORT.copy()
    transport.loc[0, "facility"] = "Z"
    with pytest.raises(sn.InstanceError) as e:
        sn.facility_location(customers, facilities, transport)
    msg = str(e.value)
    assert "customers row 2: demand must be a number >= 0, found -1.0" in msg
    assert "facilities row 3: facility 'A' appears more than once" in msg
    assert "transport_cost row 0: facility 'Z' is not in facilities" in msg


def test_missing_column_and_unreachable_customer():
    with pytest.raises(sn.InstanceError, match="customers: missing column.*demand"):
        sn.facility_location(CUSTOMERS.rename(columns={"demand": "qty"}), FACILITIES, TRANSPORT)
    transport = TRANSPORT[TRANSPORT["customer"] != "c4"]
    with pytest.raises(sn.InstanceError, match="customers row 3: customer 'c4' has demand 10"):
        sn.facility_location(CUSTOMERS, FACILITIES, transport)


ORLIB = shared_data("orlib")


def _read_cap_by_hand(path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three tables of an OR-Library cap file (whole-demand costs turned per unit)."""
    tokens = path.read_text().split()
    m, n = int(tokens[0]), int(tokens[1])
    caps = [float(tokens[2 + 2 * i]) for i in range(m)]
    fixed = [float(tokens[3 + 2 * i]) for i in range(m)]
    body = np.array(tokens[2 + 2 * m:], dtype=float).reshape(n, m + 1)
    demand, cost = body[:, 0], body[:, 1:]
    facilities = pd.DataFrame({"facility": range(1, m + 1), "fixed_cost": fixed,
                               "capacity": caps})
    customers = pd.DataFrame({"customer": range(1, n + 1), "demand": demand})
    transport = pd.DataFrame([{"facility": i + 1, "customer": j + 1,
                               "cost": cost[j, i] / demand[j] if demand[j] > 0 else 0.0}
                              for j in range(n) for i in range(m)])
    return customers, facilities, transport


@pytest.mark.skipif(not (ORLIB / "cap41.txt").exists(), reason="OR-Library data not present "
                    "(see the README's 'Benchmark data')")
def test_cap41_matches_design_and_the_published_optimum():
    with (ORLIB / "optima.csv").open() as f:
        published = next(float(r["optimum"]) for r in csv.DictReader(f) if r["problem"] == "cap41")
    customers, facilities, transport = _read_cap_by_hand(ORLIB / "cap41.txt")
    res = sn.facility_location(customers, facilities, transport, time_limit=120)
    via_design = sn.design(sn.read_orlib_cap(ORLIB / "cap41.txt"), time_limit=120)
    assert res.status == via_design.status == "optimal"
    assert math.isclose(res.objective, published, rel_tol=1e-9, abs_tol=1e-3)
    assert math.isclose(res.objective, via_design.objective, rel_tol=1e-9, abs_tol=1e-3)
