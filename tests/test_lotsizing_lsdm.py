"""LotSizingDataModel XML lot-sizing files (supplynet.io.lsdm) solved by plan(setups=True).

The files are written here in the layout of the LotSizingDataModel.Benchmarks instances
(e.g. benchmarks/TRIGEIRO1989/instances/LSDM_TRIGEIRO1989_CLSP_6items_30periods_G62.xml):

* a tiny instance reads into the same tables as the TTM file of the same data;
* with a capacity that varies over the periods and an initial stock, plan's optimum equals
  the best of all 64 setup patterns (tests/lotsizing_reference.py, scipy's linprog), which
  differs from the optimum with either feature ignored;
* anything outside single-machine lot sizing is refused with an error naming it.
"""

from __future__ import annotations

import pytest
from lotsizing_reference import brute_force

import supplynet as sn
from supplynet.io.lsdm import read_lsdm
from supplynet.io.ttm import read_ttm

B, H, ST, SC = [1.0, 2.0], [2.0, 1.0], [10.0, 5.0], [100.0, 60.0]
DEMAND = [[20.0, 10.0], [0.0, 15.0], [30.0, 5.0]]  # demand[t][i]


def _values(xs, tag="values") -> str:
    return "".join(f"<{tag}>{x:g}</{tag}>" for x in xs)


def lsdm_xml(capacity, b=B, h=H, st=ST, sc=SC, demand=DEMAND, initial=(0, 0), features="",
             bom="", routing_lead_time=0, plants=1, usage_cost=0.0) -> str:
    """An instance in the LotSizingDataModel layout (the elements read_lsdm reads, and the
    empty ones around them as the published files have them)."""
    T, n = len(capacity), len(b)
    items = "".join(f'<item name="item {i + 1}" id="{i + 1}" billOfMaterialsLevel="0" />'
                    for i in range(n))
    plant = (f'<plant name="plant" id="{{k}}"><warehouse name="w" /><workCenters>'
             f'<workCenter name="machine" id="1"><capacityConstraint>{_values(capacity)}'
             f'</capacityConstraint></workCenter></workCenters></plant>')
    plants_xml = "".join(plant.replace("{k}", str(k + 1)) for k in range(plants))
    routings = "".join(
        f'<productionRouting id="{i + 1}" itemId="{i + 1}" plantId="1" '
        f'leadTime="{routing_lead_time}"><workCenters><workCenterReference plantId="1" '
        f'workCenterId="1" /></workCenters></productionRouting>' for i in range(n))
    chars = "".join(
        f'<productionCharacteristic itemId="{i + 1}"><workCenter plantId="1" workCenterId="1" />'
        f"<unitCapacityConsumption>{_values([b[i]] * T)}</unitCapacityConsumption>"
        f"<setupTime>{_values([st[i]] * T)}</setupTime>"
        f"<fixedSetupCost>{_values(sc[i] if isinstance(sc[i], list) else [sc[i]] * T)}"
        f"</fixedSetupCost><unitUsageCost>{_values([usage_cost] * T)}</unitUsageCost>"
        f"</productionCharacteristic>" for i in range(n))
    inventories = "".join(
        f'<inventory itemId="{i + 1}" initialInventory="{initial[i]:g}">'
        f'<warehouse kind="plantWarehouse" id="1" /><inventoryBalanceRule />'
        f"<unitUsageCost>{_values([h[i]] * T)}</unitUsageCost></inventory>" for i in range(n))
    demands = "".join(
        f'<demand itemId="{i + 1}" distributionCenterId="1">'
        f"{_values([demand[t][i] for t in range(T)], 'quantities')}</demand>" for i in range(n))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<lotSizingInstance xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'instanceId="TEST-1" name="tiny test instance" formatVersion="1.0">'
        f'<supplyChain planningHorizon="{T}"><items>{items}</items>'
        f"<componentRequirements>{bom}</componentRequirements><plants>{plants_xml}</plants>"
        "<standaloneWarehouses /><suppliers /><distributionCenters>"
        '<distributionCenter name="external demand" id="1" /></distributionCenters>'
        f"<transportResources /><productionRoutings>{routings}</productionRoutings>"
        f"<productionCharacteristics>{chars}</productionCharacteristics>"
        f"<inventories>{inventories}</inventories><transportCharacteristics />"
        f"<demands>{demands}</demands></supplyChain>"
        f'<problemClassification><features itemCount="{n}" '
        f'hasSetupTimes="true" {features}/></problemClassification></lotSizingInstance>\n')


def _write(tmp_path, text: str, name="tiny.xml"):
    f = tmp_path / name
    f.write_text(text)
    return f


def test_reads_the_same_network_as_the_ttm_file(tmp_path):
    ttm = _write(tmp_path, "2 3\n1\n60\n1 2 10 100\n2 1 5 60\n20 10\n0 15\n30 5\n", "tiny.dat")
    a, b = read_lsdm(_write(tmp_path, lsdm_xml([60.0] * 3))), read_ttm(ttm)
    for table in ("nodes", "products", "production", "demand", "lanes"):
        assert a.table(table).equals(b.table(table)), table
    assert len(a.table("outages")) == 0 and len(a.table("stock")) == 0
    assert a.periods == [1, 2, 3]


def test_varying_capacity_and_initial_stock_optimum_equals_enumeration(tmp_path):
    cap, initial = [60.0, 40.0, 60.0], [0.0, 12.0]
    best = brute_force(B, H, ST, SC, DEMAND, cap, initial)
    # both features change the optimum, so ignoring either would fail the test
    assert best == pytest.approx(322.0)
    assert brute_force(B, H, ST, SC, DEMAND, 60.0, initial) != pytest.approx(best)
    assert brute_force(B, H, ST, SC, DEMAND, cap) != pytest.approx(best)
    net = read_lsdm(_write(tmp_path, lsdm_xml(cap, initial=initial)))
    out = net.table("outages")
    assert out[["first_period", "capacity_factor"]].values.tolist() == [[2, pytest.approx(2 / 3)]]
    res = sn.plan(net, setups=True)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-6)


@pytest.mark.parametrize("kw, words", [
    ({"features": 'hasBacklogging="true"'}, "hasBacklogging"),
    ({"features": 'hasMinimumLotSizes="true" isMultiSite="true"'},
     "hasMinimumLotSizes, isMultiSite"),
    ({"sc": [[100.0, 90.0, 100.0], 60.0]}, "item 1 fixedSetupCost varies"),
    ({"bom": '<componentRequirement parentItemId="1" componentItemId="2" />'},
     "componentRequirements"),
    ({"routing_lead_time": 1}, "production lead time 1"),
    ({"plants": 2}, "found 2"),
    ({"usage_cost": 3.0}, "production cost per unit"),
    ({"initial": (0, -4)}, "initialInventory '-4'"),
    ({"features": 'hasBacklogging="1"'}, "hasBacklogging"),  # xs:boolean 1 is true
    ({"routing_lead_time": "0.5"}, "production lead time 0.5"),
])
def test_what_is_not_single_machine_lot_sizing_is_refused(tmp_path, kw, words):
    f = _write(tmp_path, lsdm_xml([60.0] * 3, **kw), "bad.xml")
    with pytest.raises(sn.InstanceError, match="bad.xml") as e:
        read_lsdm(f)
    assert words in str(e.value)


def test_a_period_without_capacity_is_refused_by_name(tmp_path):
    """As a plant outage, a period of capacity 0 would also stop the plant's deliveries (the
    stock made before could not reach the customer), so it is refused, not misread."""
    with pytest.raises(sn.InstanceError, match=r"capacity is 0 in period\(s\) 2"):
        read_lsdm(_write(tmp_path, lsdm_xml([60.0, 0.0, 60.0]), "closed.xml"))


def test_namespace_spaces_and_decimal_zeros_are_read(tmp_path):
    """A default xmlns, ids written with spaces and a lead time of "0.00" read into the same
    network as the plain file."""
    plain = read_lsdm(_write(tmp_path, lsdm_xml([60.0] * 3)))
    text = (lsdm_xml([60.0] * 3, routing_lead_time="0.00")
            .replace("<lotSizingInstance ", '<lotSizingInstance xmlns="urn:lsdm" ', 1)
            .replace('itemId="2"', 'itemId=" 2 "').replace('id="2"', 'id=" 2"'))
    other = read_lsdm(_write(tmp_path, text, "variant.xml"))
    for table in ("production", "products", "demand"):
        assert other.table(table).equals(plain.table(table)), table


def test_wrong_counts_and_unreadable_files(tmp_path):
    short = lsdm_xml([60.0] * 3).replace("<quantities>30</quantities>", "", 1)
    with pytest.raises(sn.InstanceError, match="item 1 demand: expected 3 values"):
        read_lsdm(_write(tmp_path, short, "short.xml"))
    with pytest.raises(sn.InstanceError, match="cannot read as XML"):
        read_lsdm(_write(tmp_path, "<lotSizingInstance><supplyChain>", "broken.xml"))
    with pytest.raises(sn.InstanceError, match="no such file"):
        read_lsdm(tmp_path / "missing.xml")


def test_read_and_the_command_line_take_the_xml(tmp_path, capsys):
    """``sn.read`` and ``supplynet solve --model plan --setups`` read the file; the optimum
    with capacity 60 in every period is 325 (enumeration, tests/lotsizing_reference.py)."""
    from supplynet.cli.main import main

    f = _write(tmp_path, lsdm_xml([60.0] * 3))
    assert brute_force(B, H, ST, SC, DEMAND, 60.0) == pytest.approx(325.0)
    assert sn.read(f).table("production").equals(read_lsdm(f).table("production"))
    assert main(["solve", str(f), "--model", "plan", "--setups", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "objective 325" in out and "Traceback" not in out + err
    assert main(["solve", str(f), "--model", "plan"]) == 0  # the LP: setups ignored, said so
    out, err = capsys.readouterr()
    assert "ignores without --setups" in err and "Traceback" not in out + err
    assert main(["solve", str(f), "--model", "design", "--setups"]) == 2
    out, err = capsys.readouterr()
    assert "--setups applies to --model plan" in out + err and "Traceback" not in out + err
