"""The advertised workflow end to end (issue 15):
read -> design -> apply -> buffers -> apply -> plan, with real carry-over between models,
on the shipped instances and a generated network; and the same models from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

import supplynet as sn
from supplynet.cli.main import main

INSTANCES = Path(__file__).parents[1] / "instances"
SHIPPED = ["juice", "assembly"]
LIMIT = 60  # seconds per model


def small_generated() -> sn.Network:
    return sn.generate(suppliers=4, plants=3, warehouses=4, customers=15, products=2, seed=3)


def chain(net: sn.Network):
    d = sn.design(net, time_limit=LIMIT)
    assert d.ok, d.message
    designed = d.apply()
    b = sn.buffers(designed, time_limit=LIMIT)
    assert b.ok, b.message
    buffered = b.apply()
    p = sn.plan(buffered, time_limit=LIMIT)
    return designed, b, buffered, p


@pytest.mark.parametrize("source", SHIPPED + ["generated"])
def test_design_buffers_plan_carry_over(source):
    net = small_generated() if source == "generated" else sn.read(INSTANCES / source)
    designed, b, buffered, p = chain(net)
    assert p.ok, p.message

    # facilities the design closes are closed in the plan: nothing touches them
    closed = set(designed.nodes.loc[designed.nodes["status"] == "closed", "id"])
    assert not closed & set(p.production["plant"])
    sh = p.shipments
    assert not closed & (set(sh["origin"]) | set(sh["destination"]))
    inv = p.inventory
    assert not closed & set(inv["node"])

    # every push pair's GSM safety stock is the plan's safety-stock target there
    st = b.stages
    push = st[st["mode"] == "push"]
    target = inv.groupby(["node", "product"])["safety_stock_target"].max().to_dict()
    for n, q, ss in zip(push["node"], push["product"], push["safety_stock"], strict=True):
        assert (n, q) in target, f"push pair ({n}, {q}) has no inventory row in the plan"
        assert target[(n, q)] == pytest.approx(float(ss), abs=1e-6), (n, q)

    # pull pairs hold no stock beyond their initial stock: on hand never increases
    stock = buffered.stock.set_index(["node", "product"])
    pull = st[st["mode"] == "pull"]
    for n, q in zip(pull["node"], pull["product"], strict=True):
        assert stock.at[(n, q), "safety_stock"] == 0 and stock.at[(n, q), "target_end"] == 0
        rows = inv[(inv["node"] == n) & (inv["product"] == q)].sort_values("period")
        on_hand = [float(stock.at[(n, q), "initial"])] + rows["on_hand"].tolist()
        rises = [b_ - a for a, b_ in zip(on_hand[:-1], on_hand[1:], strict=True)]
        assert max(rises, default=0.0) <= 1e-6, (n, q, on_hand)
        assert (rows["safety_stock_target"] == 0).all()


@pytest.mark.parametrize("instance", SHIPPED)
@pytest.mark.parametrize("model", ["design", "buffers", "plan"])
def test_cli_solves_every_shipped_instance(instance, model, tmp_path):
    code = main(["solve", str(INSTANCES / instance), "--model", model, "--time-limit",
                 str(LIMIT), "--out", str(tmp_path / model)])
    assert code == 0
