"""Stage-graph files: JSON and CSV round trips, the gsm-instance/v1 reader, clear errors."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from shared_data import shared_data

import supplynet as sn
from supplynet.errors import InstanceError

DATA = shared_data("gsm")


def sample() -> nx.DiGraph:
    g = nx.DiGraph(name="sample")
    g.add_node("P1", lead_time=3, holding_cost=1.5, external_service_time=2)
    g.add_node("P2", lead_time=1, holding_cost=0.5)
    g.add_node("M", lead_time=2, holding_cost=4.0, z_sigma=7.5, finished_goods=True)
    g.add_node("D", lead_time=1, holding_cost=5.0, demand_mean=20.0, demand_std=6.0,
               service_level=0.97, max_service_time=1)
    g.add_edge("P1", "M", quantity=2.0)
    g.add_edge("P2", "M")
    g.add_edge("M", "D")
    return g


def _same(a: nx.DiGraph, b: nx.DiGraph) -> None:
    assert set(a) == set(b)
    for s in a:
        assert {k: v for k, v in a.nodes[s].items()} == pytest.approx(dict(b.nodes[s])) or \
            a.nodes[s] == b.nodes[s]
    assert {(u, v): d.get("quantity", 1.0) for u, v, d in a.edges(data=True)} == \
        {(u, v): d.get("quantity", 1.0) for u, v, d in b.edges(data=True)}


@pytest.mark.parametrize("target", ["g.json", "folder", "stages.csv"])
def test_round_trip(tmp_path, target):
    g = sample()
    path = sn.write_stage_graph(g, tmp_path / target)
    back = sn.read_stage_graph(path)
    _same(g, back)
    assert sn.gsm(back, compare_policies=False).objective == pytest.approx(
        sn.gsm(g, compare_policies=False).objective)


def test_json_format_is_documented_shape(tmp_path):
    doc = json.loads(sn.write_stage_graph(sample(), tmp_path / "x.json").read_text())
    assert doc["schema"] == "supplynet-stage-graph/v1"
    assert {"upstream": "P1", "downstream": "M", "quantity": 2.0} in doc["arcs"]


@pytest.mark.skipif(not DATA.exists(), reason="shared GSM instances not available")
def test_v1_reader_maps_fields():
    g = sn.read_stage_graph(DATA / "stockpyl_problem_6_9.json")
    doc = json.loads((DATA / "stockpyl_problem_6_9.json").read_text())
    assert g.graph["known_optimum"]["cost"] == doc["known_optimum"]["cost"]
    by_id = {s["id"]: s for s in doc["stages"]}
    for s, a in g.nodes(data=True):
        assert a["lead_time"] == by_id[s]["processing_time"]
        assert a["z_sigma"] == by_id[s]["ss_coeff"]
        assert ("demand_mean" in a) == by_id[s]["is_demand_stage"]
        if by_id[s]["max_outbound_service_time"] is None:
            assert "max_service_time" not in a
    assert g.number_of_edges() == len(doc["edges"])


def test_read_errors(tmp_path):
    with pytest.raises(InstanceError, match="no stage graph"):
        sn.read_stage_graph(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"stages": [{"id": "A", "lead_time": 1, "holding_cost": 1}],
                               "arcs": [{"upstream": "A", "downstream": "Z"}]}))
    with pytest.raises(InstanceError, match="unknown stage 'Z'"):
        sn.read_stage_graph(bad)
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "stages.csv").write_text("stage,lead_time,holding_cost\nA,1,1\n")
    (tmp_path / "f" / "arcs.csv").write_text("upstream,downstream\nA,B\n")
    with pytest.raises(InstanceError, match="arcs.csv row 1: unknown stage 'B'"):
        sn.read_stage_graph(tmp_path / "f")
    not_json = tmp_path / "x.json"
    not_json.write_text("{oops")
    with pytest.raises(InstanceError, match="cannot read"):
        sn.read_stage_graph(not_json)


def test_duplicate_stage_ids_are_named(tmp_path):
    # a stage given twice used to be merged silently into one with the later values
    doc = {"stages": [{"id": "M", "lead_time": 1}, {"id": "D", "lead_time": 1, "demand_mean": 5},
                      {"id": "M", "lead_time": 3}], "arcs": [["M", "D"]]}
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InstanceError, match=r"stages\[2\]: duplicate id 'M' \(same as stages\[0\]\)"):
        sn.read_stage_graph(path)
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "stages.csv").write_text("stage,lead_time\nM,1\nD,1\nM,3\n")
    with pytest.raises(InstanceError, match=r"stages.csv row 3: duplicate stage 'M'"):
        sn.read_stage_graph(folder)
