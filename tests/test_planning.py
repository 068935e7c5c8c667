"""Hand-worked planning cases: every expected number is worked out in the comments."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import supplynet as sn
from supplynet.models.planning import PlanOptions, build


def line(periods, demand, *, cap=math.nan, use=1.0, value=10.0, plant_rate=0.0, cost=0.0,
         penalty=1000.0, backlog=True, backlog_cost=0.0, **plant):
    """Plant P -> customer C, one product A, no lead time."""
    net = sn.Network("line", params={"periods": periods, "unmet_penalty": penalty,
                                     "holding_rate": 0.0})
    net.add_plant("P", capacity=cap, holding_rate=plant_rate, **plant).add_customer("C")
    net.add_lane("P", "C")
    net.add_product("A", value=value)
    net.add_production("P", "A", cost=cost, capacity_use=use)
    net.add_customer_class("standard", backlog=backlog, backlog_cost=backlog_cost)
    for t, q in enumerate(demand, start=1):
        if q:
            net.add_demand("C", "A", q, period=t)
    return net


def col(df, key, value, cols=("period",)):
    return df.set_index(list(cols))[value].to_dict() if len(df) else {}


# ------------------------------------------------------------- holding vs backlog
@pytest.mark.parametrize("rate, b, expected, backlogged", [(0.1, 3.0, 10.0, False),
                                                            (0.5, 3.0, 30.0, True)])
def test_holding_versus_backlog(rate, b, expected, backlogged):
    # capacity 10/period, demand 20 in period 2 only. Either make 10 in period 1 and hold
    # them one period (10 x value 10 x rate) or backlog 10 units in period 2 and make them in
    # period 3 (10 x b). Cost = 10 x min(10 rate, b): 10 (rate 0.1) or 30 (rate 0.5, b 3).
    res = sn.plan(line(3, [0, 20, 0], cap=10, plant_rate=rate, backlog_cost=b))
    assert res.objective == pytest.approx(expected)
    made = col(res.production, "period", "quantity")
    if backlogged:
        assert made == {2: 10.0, 3: 10.0}
        assert col(res.backlog, "period", "quantity") == {2: 10.0}
    else:
        assert made == {1: 10.0, 2: 10.0}
        assert len(res.backlog) == 0
        inv = res.inventory.set_index(["node", "period"])["on_hand"]
        assert inv[("P", 1)] == pytest.approx(10.0)


def test_lost_sales_when_backlog_is_off():
    # Same data, holding dear (rate 5: 50 per unit-period), lost sales at 40/unit: losing 10
    # units (400) beats holding 10 units one period (500).
    res = sn.plan(line(3, [0, 20, 0], cap=10, plant_rate=5.0, penalty=40.0), backlog=False)
    assert res.objective == pytest.approx(400.0)
    assert col(res.lost_sales, "period", "quantity") == {2: 10.0}


# ------------------------------------------------------------------ lead times
def test_nothing_arrives_before_its_lead_time():
    # S -> W: supply lead time 1 + lane lead time 1 = ordered in t, at W in t + 2; W -> C no
    # lead time. Demand 5 in each of 4 periods, lost sales: periods 1 and 2 are lost (penalty
    # 50 each unit: 500), periods 3 and 4 are bought in 1 and 2 (price 1: 10).
    net = sn.Network("lt", params={"periods": 4, "unmet_penalty": 50.0})
    net.add_supplier("S").add_warehouse("W").add_customer("C")
    net.add_lane("S", "W", lead_time=1).add_lane("W", "C")
    net.add_product("A", value=1.0)
    net.add_supply("S", "A", price=1.0, lead_time=1)
    for t in range(1, 5):
        net.add_demand("C", "A", 5.0, period=t)
    res = sn.plan(net, backlog=False)
    assert res.objective == pytest.approx(500.0 + 10.0)
    sh = res.shipments
    assert (sh["arrival_period"] >= 3).all()
    assert (sh.loc[sh["origin"] == "S", "arrival_period"] == sh.loc[sh["origin"] == "S",
                                                                     "period"] + 2).all()
    assert (sh["arrival_period"] <= 4).all()  # nothing arrives after the horizon
    d = res.deliveries.set_index("period")
    assert d["delivered"].to_dict() == {1: 0.0, 2: 0.0, 3: 5.0, 4: 5.0}
    transit = res.inventory.set_index("period")["in_transit"].to_dict()
    assert transit == {1: 5.0, 2: 10.0, 3: 5.0, 4: 0.0}


def test_quoted_lead_time_delivery_is_not_penalised():
    # Demand 10 in period 1, goods reach C in period 2 at the earliest. Quoted lead time 1:
    # no backlog cost; quoted 0: 10 units x 7 for one period late.
    for quoted, expected in ((1, 10.0), (0, 80.0)):
        net = sn.Network("q", params={"periods": 2, "unmet_penalty": 100.0})
        net.add_supplier("S").add_customer("C").add_lane("S", "C", lead_time=1)
        net.add_product("A").add_supply("S", "A", price=1.0)
        net.add_customer_class("standard", backlog=True, backlog_cost=7.0)
        net.add_demand("C", "A", 10.0, period=1, quoted_lead_time=quoted)
        res = sn.plan(net)
        assert res.objective == pytest.approx(expected)
        assert res.deliveries.set_index("period")["delivered"].to_dict() == {1: 0.0, 2: 10.0}
        # lost sales: within the quote it is delivered (10), without a quote it is lost (1000)
        lost = sn.plan(net, backlog=False)
        assert lost.objective == pytest.approx(10.0 if quoted else 1000.0)
        assert lost.lost_sales["quantity"].sum() == pytest.approx(0.0 if quoted else 10.0)


# ------------------------------------------------------------------ disruptions
def two_suppliers(outage=None, factor=0.0, cap1=math.nan):
    net = sn.Network("dis", params={"periods": 3, "unmet_penalty": 100.0})
    net.add_supplier("S1").add_supplier("S2").add_warehouse("W", storage_capacity=0.0)
    net.add_customer("C")
    for s in ("S1", "S2"):
        net.add_lane(s, "W")
    net.add_lane("W", "C")
    net.add_product("A")
    net.add_supply("S1", "A", price=1.0, capacity=cap1).add_supply("S2", "A", price=3.0)
    for t in (1, 2, 3):
        net.add_demand("C", "A", 10.0, period=t)
    if outage:
        net.add_outage(outage, 2, 2, capacity_factor=factor)
    return net


@pytest.mark.parametrize("element", ["S1", "S1->W"])
def test_disruption_forces_the_alternative_supplier(element):
    # W cannot store (storage 0), so period 2 cannot be bought ahead: with S1 (price 1) or
    # its lane down in period 2, S2 (price 3) supplies it: 10 + 30 + 10 = 50.
    base = sn.plan(two_suppliers(), backlog=False)
    assert base.objective == pytest.approx(30.0)
    res = sn.plan(two_suppliers(element), backlog=False)
    assert res.objective == pytest.approx(50.0)
    buys = res.purchases.set_index(["supplier", "period"])["quantity"].to_dict()
    assert buys == {("S1", 1): 10.0, ("S2", 2): 10.0, ("S1", 3): 10.0}


def test_partial_outage_scales_capacity():
    # S1 capacity 10/period at 40% in period 2: S1 4 units, S2 6 units -> 10 + 4 + 18 + 10.
    res = sn.plan(two_suppliers("S1", factor=0.4, cap1=10.0), backlog=False)
    assert res.objective == pytest.approx(42.0)


# --------------------------------------------------------------- priority classes
def shortage(gold, silver, supply, cost1=0.0, cost2=0.0, min_fill=0.0, backlog=False):
    net = sn.Network("prio", params={"periods": 1})
    net.add_supplier("S", capacity=supply).add_customer("C1").add_customer("C2")
    net.add_lane("S", "C1", cost=cost1).add_lane("S", "C2", cost=cost2)
    net.add_product("A").add_supply("S", "A", price=1.0)
    net.add_customer_class("gold", unmet_penalty=100.0, backlog=backlog)
    net.add_customer_class("silver", unmet_penalty=50.0, backlog=backlog, min_fill_rate=min_fill)
    net.add_demand("C1", "A", gold, priority="gold")
    net.add_demand("C2", "A", silver, priority="silver")
    return net


@settings(max_examples=25, deadline=None)
@given(gold=st.integers(1, 30), silver=st.integers(1, 30), supply=st.integers(0, 50),
       c1=st.integers(0, 5), c2=st.integers(0, 5), backlog=st.booleans())
def test_higher_class_is_served_first(gold, silver, supply, c1, c2, backlog):
    res = sn.plan(shortage(gold, silver, supply, c1, c2, backlog=backlog))
    fr = res.fill_rates.set_index("priority")["fill_rate"]
    assert fr["gold"] >= fr["silver"] - 1e-9
    # gold is cut only when nothing is left: served = min(demand, supply)
    served = res.fill_rates.set_index("priority")["delivered"]
    assert served["gold"] == pytest.approx(min(gold, supply))
    assert served["gold"] + served["silver"] == pytest.approx(min(gold + silver, supply))


def test_committed_min_fill_rate_overrides_priority():
    # supply 10, demand 8 + 8; silver committed to 50%: silver 4, gold 6.
    res = sn.plan(shortage(8, 8, 10, min_fill=0.5))
    served = res.fill_rates.set_index("priority")["delivered"]
    assert served["silver"] == pytest.approx(4.0) and served["gold"] == pytest.approx(6.0)
    # without the commitment, or with the option off, gold takes 8
    off = sn.plan(shortage(8, 8, 10, min_fill=0.5), min_fill_rates=False)
    assert off.fill_rates.set_index("priority")["delivered"]["gold"] == pytest.approx(8.0)
    # an impossible commitment is infeasible and the diagnosis names it
    bad = sn.plan(shortage(8, 8, 2, min_fill=0.5))
    assert bad.status == "infeasible"
    assert "min_fill_rates" in bad.diagnosis["element"].tolist()
    # ... in business terms: without it gold takes the 2 units, silver gets none of its 8, and
    # S's capacity is full, worth gold's penalty 100 less the price 1 per unit
    said = bad.diagnosis.set_index("kind")["message"]
    assert said["shortfall"] == ("customer C2, product A (class silver): 8 of 8 units not "
                                 "delivered by the least-cost plan without the commitment")
    assert said["capacity"] == "S supply is full in period(s) 1 (marginal value 99 money per unit over them)"
    assert "8 of 8 units not delivered" in bad.message


# ---------------------------------------------------------------------- push/pull
def peak(mode):
    # P (capacity 10) -> W -> C, demand 20 in period 3: 10 units must be made in period 2
    # and held one period. Holding at W (rate 0.01) is cheaper than at P (rate 0.1).
    net = sn.Network("pull", params={"periods": 3, "unmet_penalty": 1000.0})
    net.add_plant("P", capacity=10.0, holding_rate=0.1).add_warehouse("W", holding_rate=0.01)
    net.add_customer("C").add_lane("P", "W").add_lane("W", "C")
    net.add_product("A", value=10.0).add_production("P", "A")
    net.add_stock("W", "A", mode=mode)
    net.add_demand("C", "A", 20.0, period=3)
    return net


def test_pull_node_holds_no_finished_goods_stock():
    push, pull = sn.plan(peak("push")), sn.plan(peak("pull"))
    assert push.objective == pytest.approx(10 * 10 * 0.01)  # 10 units at W for one period
    assert pull.objective == pytest.approx(10 * 10 * 0.1)  # same units held at P instead
    inv = pull.inventory
    assert (inv.loc[inv["node"] == "W", "on_hand"] == 0).all()
    assert inv.set_index(["node", "period"])["on_hand"][("P", 2)] == pytest.approx(10.0)
    built = build(peak("pull"))
    assert not any(k[0] == "W" for k in built.model.inv)  # no stock variable at the pull node


# ----------------------------------------------------------------- capacity duals
@pytest.mark.parametrize("overtime, expected", [(0.0, 22.5), (10.0, 4.0)])
def test_capacity_dual_is_the_hand_computed_marginal_value(overtime, expected):
    # 10 hours, 2 hours per unit, demand 8, cost 5, lost sales at 50.
    # No overtime: one more hour = 0.5 unit more sold = 0.5 x (50 - 5) = 22.5.
    # Overtime 10 h at 4/h: 6 overtime hours are used; one more regular hour saves one: 4.
    net = line(1, [8], cap=10.0, use=2.0, cost=5.0, penalty=50.0, backlog=False,
               overtime_capacity=overtime, overtime_cost=4.0)
    res = sn.plan(net)
    cap = res.capacity
    assert cap["marginal_value"].iloc[0] == pytest.approx(expected)
    bigger = line(1, [8], cap=11.0, use=2.0, cost=5.0, penalty=50.0, backlog=False,
                  overtime_capacity=overtime, overtime_cost=4.0)
    assert res.objective - sn.plan(bigger).objective == pytest.approx(expected)


# ------------------------------------------------------------------- BOM, options
def test_multi_level_bom_consumes_components_in_the_production_period():
    # FG = 2 SUB + 1 RM2, SUB = 3 RM1; demand 4 FG -> 8 SUB -> 24 RM1, and 4 RM2.
    net = sn.Network("bom", params={"periods": 2, "unmet_penalty": 1000.0})
    net.add_supplier("S").add_plant("P").add_customer("C")
    net.add_lane("S", "P").add_lane("P", "C")
    for p in ("FG", "SUB", "RM1", "RM2"):
        net.add_product(p, value=1.0)
    net.add_bom("FG", "SUB", 2).add_bom("FG", "RM2", 1).add_bom("SUB", "RM1", 3)
    net.add_production("P", "FG", cost=1.0).add_production("P", "SUB", cost=1.0)
    net.add_supply("S", "RM1", price=1.0).add_supply("S", "RM2", price=2.0)
    net.add_demand("C", "FG", 4.0, period=2)
    res = sn.plan(net)
    buys = res.purchases.groupby("product")["quantity"].sum().to_dict()
    assert buys == {"RM1": pytest.approx(24.0), "RM2": pytest.approx(4.0)}
    made = res.production.groupby("product")["quantity"].sum().to_dict()
    assert made == {"FG": pytest.approx(4.0), "SUB": pytest.approx(8.0)}
    # everything bought and made in period 2 (holding value 1 x 0.02 > 0 otherwise)
    assert set(res.purchases["period"]) == {2} and set(res.production["period"]) == {2}
    assert res.objective == pytest.approx(24 + 8 + 4 + 8)


def test_subcontracting_covers_missing_capacity():
    # capacity 10 units, demand 15, subcontract at 20 < penalty 100: 10 x 1 + 5 x 20.
    net = line(1, [15], cap=10.0, cost=1.0, penalty=100.0, backlog=False)
    prod = net.production.assign(subcontract_cost=20.0)
    net.set_table("production", prod)
    res = sn.plan(net)
    assert res.objective == pytest.approx(110.0)
    assert res.subcontracting["quantity"].sum() == pytest.approx(5.0)
    off = sn.plan(net, subcontracting=False)
    assert off.objective == pytest.approx(10.0 + 5 * 100.0)


def test_co2_cap_and_carbon_price():
    def net_(cap=None, price=0.0):
        n = sn.Network("co2", params={"periods": 1, "co2_cap": cap, "carbon_price": price,
                                      "unmet_penalty": 100.0})
        n.add_supplier("DIRTY").add_supplier("CLEAN").add_customer("C")
        n.add_lane("DIRTY", "C").add_lane("CLEAN", "C").add_product("A")
        n.add_supply("DIRTY", "A", price=1.0, co2=1.0).add_supply("CLEAN", "A", price=2.0)
        n.add_demand("C", "A", 10.0)
        return n

    assert sn.plan(net_()).objective == pytest.approx(10.0)
    capped = sn.plan(net_(cap=4.0))  # 4 dirty + 6 clean = 4 + 12
    assert capped.objective == pytest.approx(16.0)
    assert capped.kpis.set_index("kpi").at["co2", "value"] == pytest.approx(4.0)
    assert sn.plan(net_(cap=4.0), co2=False).objective == pytest.approx(10.0)
    priced = sn.plan(net_(price=2.0))  # dirty costs 1 + 2 > 2: all clean
    assert priced.objective == pytest.approx(20.0)


def test_storage_capacity_limits_pre_build():
    # capacity 10, demand 20 in period 2; only 5 units fit in storage: 5 lost at 100.
    net = line(2, [0, 20], cap=10.0, penalty=100.0, backlog=False, storage_capacity=5.0)
    res = sn.plan(net)
    assert res.fill_rates["delivered"].sum() == pytest.approx(15.0)
    st_ = res.capacity[res.capacity["type"] == "storage"].set_index("period")["used"]
    assert st_[1] == pytest.approx(5.0)
    assert sn.plan(net, storage=False).fill_rates["delivered"].sum() == pytest.approx(20.0)


def test_safety_stock_is_a_soft_target_and_end_target_is_hard():
    net = sn.Network("ss", params={"periods": 2, "unmet_penalty": 100.0})
    net.add_supplier("S").add_warehouse("W").add_customer("C")
    net.add_lane("S", "W").add_lane("W", "C").add_product("A", value=10.0)
    net.add_supply("S", "A", price=1.0)
    net.add_stock("W", "A", safety_stock=5.0, target_end=7.0)
    net.add_demand("C", "A", 1.0, period=2)
    res = sn.plan(net)  # holding 0.2/unit-period < shortfall penalty 100 / 2: keep 5 then 7
    inv = res.inventory.set_index("period")
    assert inv["on_hand"].to_dict() == {1: 5.0, 2: 7.0}
    cheap = sn.plan(net, safety_stock_penalty=0.01)  # shortfall cheaper than holding
    inv = cheap.inventory.set_index("period")
    assert inv["shortfall"][1] == pytest.approx(5.0) and inv["on_hand"][2] == pytest.approx(7.0)


def test_options_off_add_no_variables_or_rows():
    net = line(2, [5, 5], cap=10.0, overtime_capacity=3.0, overtime_cost=1.0)
    net.set_table("production", net.production.assign(setup_cost=5.0, subcontract_cost=9.0))
    net.add_stock("P", "A", safety_stock=1.0)
    on = build(net, PlanOptions(setups=True)).model
    off = build(net, PlanOptions(setups=False, overtime=False, subcontracting=False,
                                 safety_stock=False)).model
    assert len(on.setup) == 2 and len(on.overtime) == 2 and len(on.sub) == 2
    assert len(on.ss_short) == 2 and len(on.safety_stock) == 2
    assert len(off.setup) == 0 and len(off.overtime) == 0 and len(off.sub) == 0
    assert len(off.ss_short) == 0 and not hasattr(off, "safety_stock")
    assert not hasattr(off, "setup_forcing")


def test_extra_constraints_hook_runs_before_the_solve():
    seen = []

    def no_production_in_period_1(m, net):
        seen.append(net.name)
        m.make["P", "A", 1].fix(0.0)

    res = sn.plan(line(2, [5, 5], cap=10.0, penalty=100.0, backlog=False),
                  extra_constraints=no_production_in_period_1)
    assert seen == ["line"]
    assert res.objective == pytest.approx(500.0)


def test_bad_input_gives_clear_errors():
    with pytest.raises(sn.OptionsError, match="unknown option"):
        sn.plan(line(1, [1]), setup=True)
    net = line(1, [1])
    net.add_outage("NOWHERE", 1, 1)
    with pytest.raises(sn.InstanceError, match="NOWHERE"):
        sn.plan(net)
    net = line(1, [1])  # a pull pair may hold initial stock, but no end target
    net.add_stock("P", "A", initial=3.0, target_end=2.0, mode="pull")
    with pytest.raises(sn.InstanceError, match=r"node=P, product=A\): target_end 2 at a pull"):
        sn.plan(net)


def test_costs_sum_to_the_objective_with_every_feature():
    net = sn.Network("all", params={"periods": 4, "carbon_price": 0.05, "unmet_penalty": 60.0})
    net.add_supplier("S", capacity=40.0).add_plant("P", capacity=30.0, overtime_capacity=5.0,
                                                  overtime_cost=2.0, handling_cost=0.3)
    net.add_warehouse("W", storage_capacity=100.0, capacity=60.0, handling_cost=0.1)
    net.add_customer("C1").add_customer("C2")
    net.add_lane("S", "P", cost=0.2, co2=0.5).add_lane("P", "W", cost=0.4, lead_time=1, co2=1.0)
    net.add_lane("W", "C1", cost=0.3).add_lane("W", "C2", cost=0.6, capacity=12.0)
    net.add_product("RM", value=1.0).add_product("FG", value=8.0, volume=2.0)
    net.add_bom("FG", "RM", 2.0).add_supply("S", "RM", price=1.0, co2=0.2)
    net.add_production("P", "FG", cost=2.0, capacity_use=1.5, setup_cost=15.0, setup_time=2.0,
                       min_lot=4.0, subcontract_cost=25.0, co2=0.3)
    net.add_customer_class("gold", unmet_penalty=90.0, backlog=True, backlog_cost=3.0)
    net.add_customer_class("silver", backlog=False)
    net.add_stock("W", "FG", initial=6.0, safety_stock=4.0, target_end=2.0)
    for t, (a, b) in enumerate([(8, 5), (14, 9), (20, 12), (9, 6)], start=1):
        net.add_demand("C1", "FG", a, period=t, priority="gold", quoted_lead_time=1)
        net.add_demand("C2", "FG", b, period=t, priority="silver")
    for setups in (False, True):
        res = sn.plan(net, setups=setups)
        assert res.status == "optimal"
        assert res.costs["cost"].sum() == pytest.approx(res.objective, rel=1e-9)
        # rebuilt from the detail tables, not from the model's coefficients
        c = res.costs.set_index("category")["cost"]
        assert c["production"] == pytest.approx(res.production["cost"].sum())
        assert c["purchase"] == pytest.approx(res.purchases["cost"].sum())
        assert c["transport"] == pytest.approx(res.shipments["cost"].sum())
        assert c["handling"] == pytest.approx(res.shipments["handling_cost"].sum())
        assert c["holding"] == pytest.approx(res.inventory["holding_cost"].sum())
        assert c["setup"] == pytest.approx(res.setups["cost"].sum())
        assert c["subcontracting"] == pytest.approx(res.subcontracting["cost"].sum())
        k = res.kpis.set_index("kpi")["value"]
        assert c["carbon"] == pytest.approx(0.05 * k["co2"])
        pen = {"C1": 90.0, "C2": 60.0}
        lost = sum(pen[r.customer] * r.quantity for r in res.lost_sales.itertuples())
        end = res.deliveries[res.deliveries["period"] == 4]
        lost += sum(pen[r.customer] * r.open_orders for r in end.itertuples())
        assert c["unmet"] == pytest.approx(lost)
        assert c["backlog"] == pytest.approx(3.0 * res.backlog["quantity"].sum())
        assert isinstance(res.capacity, pd.DataFrame) and len(res.capacity)


def test_plots_draw_production_and_inventory():
    import matplotlib

    matplotlib.use("Agg")
    from supplynet.plot.plan import plot_inventory, plot_production

    res = sn.plan(peak("push"))
    ax = plot_production(res)
    assert len(ax.patches) == 3 and ax.get_ylabel() == "hours"
    ax = plot_inventory(res, node="W")
    assert list(ax.lines[0].get_ydata()) == [0.0, 10.0, 0.0]


def test_structure_counts_follow_the_sparse_index_tables():
    # S -> W (supply lead 1 + lane lead 1), W -> C (lead 0), T = 4, lost sales:
    # ship S->W only in periods 1, 2 (arrival <= 4), W->C in 1..4; one stock pair (W, A).
    net = sn.Network("lt", params={"periods": 4, "unmet_penalty": 50.0})
    net.add_supplier("S").add_warehouse("W").add_customer("C")
    net.add_lane("S", "W", lead_time=1).add_lane("W", "C")
    net.add_product("A").add_supply("S", "A", lead_time=1)
    for t in range(1, 5):
        net.add_demand("C", "A", 5.0, period=t)
    m = build(net, PlanOptions(backlog=False)).model
    ships = sorted(m.ship.keys())
    assert ships == [("S", "W", "A", 1), ("S", "W", "A", 2)] + [("W", "C", "A", t) for t in range(1, 5)]
    assert len(m.inv) == 4 and len(m.inventory_balance) == 4
    assert len(m.lost) == 4 and len(m.order_balance) == 4 and len(m.open) == 0
    assert len(m.make) == 0 and len(m.production_capacity) == 0


@pytest.mark.parametrize("element", ["P1", "W1"])
def test_plant_or_warehouse_outage_is_routed_around(element):
    # P1 (cost 1) -> W1 -> C is the cheap route, P2 (cost 2) -> W2 -> C the dear one; no
    # storage anywhere, lost sales. With P1 or W1 down in period 2, period 2 goes the dear
    # way: 10 + 20 + 10 = 40 instead of 30.
    net = sn.Network("route", params={"periods": 3, "unmet_penalty": 100.0})
    for i in ("1", "2"):
        net.add_plant(f"P{i}", storage_capacity=0.0).add_warehouse(f"W{i}", storage_capacity=0.0)
        net.add_lane(f"P{i}", f"W{i}")
    net.add_customer("C").add_lane("W1", "C").add_lane("W2", "C").add_product("A")
    net.add_production("P1", "A", cost=1.0).add_production("P2", "A", cost=2.0)
    for t in (1, 2, 3):
        net.add_demand("C", "A", 10.0, period=t)
    assert sn.plan(net, backlog=False).objective == pytest.approx(30.0)
    net.add_outage(element, 2, 2)
    res = sn.plan(net, backlog=False)
    assert res.objective == pytest.approx(40.0)
    made = res.production.set_index(["plant", "period"])["quantity"].to_dict()
    assert made == {("P1", 1): 10.0, ("P2", 2): 10.0, ("P1", 3): 10.0}


# ------------------------------------------------------------------ diagnosis
def end_target_above_capacity(co2_conflict=False):
    # P makes at most 10 units over the one period; the end target asks for 50 at P: no plan
    # meets it, with or without the (satisfiable) fill-rate commitment of 50% on demand 5.
    net = sn.Network("tgt", params={"periods": 1, "unmet_penalty": 100.0,
                                    "co2_cap": 0.0 if co2_conflict else None})
    net.add_plant("P", capacity=10.0).add_customer("C").add_lane("P", "C")
    net.add_product("A").add_production("P", "A", cost=1.0, co2=1.0)
    net.add_customer_class("standard", min_fill_rate=0.5)
    net.add_stock("P", "A", target_end=50.0)
    net.add_demand("C", "A", 5.0)
    return net


def test_infeasible_plan_is_diagnosed_without_recursing():
    # Dropping the fill-rate commitment leaves the end target infeasible (that retry is
    # not diagnosed again); dropping the end target restores feasibility.
    res = sn.plan(end_target_above_capacity())
    assert res.status == "infeasible" and res.objective is None
    assert res.diagnosis["element"].tolist() == ["target_end"]
    assert "target_end" in res.message
    # With a CO2 cap of 0 as well (production emits 1 kg/unit, the commitment needs 2.5
    # units), no single drop helps: dropping the commitment or the cap leaves the end
    # target, dropping the end target leaves commitment vs cap.
    res = sn.plan(end_target_above_capacity(co2_conflict=True))
    assert res.status == "infeasible"
    assert res.diagnosis["element"].tolist() == [""]
    assert "no single hard constraint" in res.diagnosis["message"].iloc[0]


def test_storage_capacity_below_the_initial_stock_is_named():
    # P holds 8 units of A with room for 5 and ships 1 unit in period 2: its stock at the end
    # of period 1 cannot fit (nothing is needed yet), so the plan is infeasible; the
    # diagnosis used to blame nothing ("check extra_constraints")
    n = sn.Network("room", params={"periods": 2, "unmet_penalty": 100.0})
    n.add_plant("P", storage_capacity=5).add_customer("C")
    n.add_product("A").add_production("P", "A").add_lane("P", "C")
    n.add_stock("P", "A", initial=8).add_demand("C", "A", 1, period=2)
    res = sn.plan(n)
    assert res.status == "infeasible"
    assert "storage_capacity" in res.diagnosis["element"].tolist()
    assert "the plan becomes feasible without storage_capacity" in res.message


def test_an_outage_behind_a_broken_commitment_is_named():
    # W carries 4 units a period but is out in period 1; C's 10 units of period 1 can get at
    # most 4 (period 2, backlogged), short of the committed 0.5; the outage has no capacity
    # row to be "full", so the diagnosis names it from the outages table
    n = sn.Network("out", params={"periods": 2})
    n.add_product("j").add_supplier("S").add_supply("S", "j")
    n.add_warehouse("W", capacity=4).add_customer("C")
    n.add_lane("S", "W").add_lane("W", "C", cost=1).add_demand("C", "j", 10, period=1)
    n.add_customer_class("standard", min_fill_rate=0.5)
    n.add_outage("W", 1, 1, 0.0)
    res = sn.plan(n)
    assert res.status == "infeasible"
    said = res.diagnosis.set_index("kind")["message"]
    assert said["outage"] == "W is out of service in period(s) 1 (outages table)"
    assert said["capacity"].startswith("W throughput is full in period(s) 2")


def test_a_resource_with_nothing_available_is_named_full():
    # W's capacity is 0: its utilisation is NaN (0 of 0), yet it is the bottleneck
    n = sn.Network("zero")
    n.add_product("j").add_supplier("S").add_supply("S", "j")
    n.add_warehouse("W", capacity=0).add_customer("C")
    n.add_lane("S", "W").add_lane("W", "C", cost=1).add_demand("C", "j", 10)
    n.add_customer_class("standard", min_fill_rate=0.5)
    res = sn.plan(n)
    said = res.diagnosis.set_index("kind")["message"]
    assert said["capacity"].startswith("W throughput is full in period(s) 1")
