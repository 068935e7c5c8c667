"""design(respect_quoted_lead_times=True) (models/design.md, "Service"), worked out by hand.

Supplier S (price 0) ships A and B to warehouses W1 and W2 (lanes free, lead time 1); W1 -> C
costs 1 per unit with lead time 2, W2 -> C costs 3 per unit with lead time 1. Customer C buys
10 A and 10 B. Commitments: (C, A) committed with quoted lead time 1, (C, B) best effort with
quote 0 (no guarantee, so not a restriction).
"""

from __future__ import annotations

import pandas as pd
import pytest

import supplynet as sn


def net(quote_a: int = 1, segment_a: str = "committed") -> sn.Network:
    n = sn.Network("q", params={"periods": 1})
    n.add_product("A").add_product("B").add_supplier("S").add_customer("C")
    n.add_warehouse("W1").add_warehouse("W2")
    for p in ("A", "B"):
        n.add_supply("S", p, price=0.0)
        n.add_demand("C", p, 10.0)
    n.add_lane("S", "W1", cost=0.0, lead_time=1).add_lane("S", "W2", cost=0.0, lead_time=1)
    n.add_lane("W1", "C", cost=1.0, lead_time=2).add_lane("W2", "C", cost=3.0, lead_time=1)
    n.set_table("commitments", pd.DataFrame([
        {"customer": "C", "product": "A", "quoted_lead_time": quote_a, "segment": segment_a},
        {"customer": "C", "product": "B", "quoted_lead_time": 0, "segment": "best_effort"}]))
    return n


def flows_into_c(r) -> dict:
    f = r.flows
    f = f[(f["destination"] == "C") & (f["quantity"] > 1e-9)]
    return {(o, p): q for o, p, q in zip(f["origin"], f["product"], f["quantity"], strict=True)}


def test_default_ignores_quotes():
    """Option off: both products take the cheap slow lane W1 -> C: 20 x 1 = 20."""
    r = sn.design(net())
    assert r.status == "optimal" and r.objective == pytest.approx(20.0)
    assert flows_into_c(r) == pytest.approx({("W1", "A"): 10.0, ("W1", "B"): 10.0})


def test_committed_pair_takes_the_lane_within_its_quote():
    """Option on: W1 -> C (lead time 2) exceeds A's quote 1, so A must come through W2 (lead
    time 1 = the quote, allowed): 10 x 3 = 30; B is best effort and stays on W1: 10 x 1.
    Objective 40."""
    r = sn.design(net(), respect_quoted_lead_times=True)
    assert r.status == "optimal" and r.objective == pytest.approx(40.0)
    assert flows_into_c(r) == pytest.approx({("W2", "A"): 10.0, ("W1", "B"): 10.0})


def test_key_account_too_and_unmeetable_quote_is_infeasible():
    """A key account is restricted like a committed pair (same 40). A quote of 0 leaves A no
    lane (both lanes take >= 1 period): hard mode is infeasible; a best-effort A is not
    restricted (20)."""
    assert sn.design(net(segment_a="key_account"),
                     respect_quoted_lead_times=True).objective == pytest.approx(40.0)
    assert sn.design(net(quote_a=0), respect_quoted_lead_times=True).status == "infeasible"
    assert sn.design(net(quote_a=0, segment_a="best_effort"),
                     respect_quoted_lead_times=True).objective == pytest.approx(20.0)
