"""Reading and writing stage graphs for ``supplynet.gsm``.

Formats:
- JSON, schema ``supplynet-stage-graph/v1``::

      {"schema": "supplynet-stage-graph/v1", "name": "...",
       "stages": [{"id": "A", "lead_time": 2, "holding_cost": 1.0, ...}, ...],
       "arcs": [{"upstream": "A", "downstream": "B", "quantity": 1.0}, ...]}

  stage keys are the node attributes of ``supplynet.models.gsm.graph`` (null = not given).
- CSV: a folder with ``stages.csv`` (column ``stage`` + node attributes) and ``arcs.csv``
  (``upstream``, ``downstream``, ``quantity``); a path to ``stages.csv`` also works.
- Read only: the ``gsm-instance/v1`` JSON files of published instances (``processing_time``,
  ``external_inbound_cst``, ``max_outbound_service_time``, ``ss_coeff`` used as ``z_sigma``,
  ``edges`` as ``[upstream, downstream, units]``, ``known_optimum`` kept in ``graph.graph``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import pandas as pd

from ...errors import InstanceError

SCHEMA = "supplynet-stage-graph/v1"
STAGE_ATTRS = ("lead_time", "holding_cost", "demand_mean", "demand_std", "service_level", "z",
               "max_service_time", "external_service_time", "z_sigma", "finished_goods", "name")
_V1_MAP = {"processing_time": "lead_time", "holding_cost": "holding_cost",
           "demand_mean": "demand_mean", "demand_std": "demand_std", "z": "z",
           "service_level": "service_level", "external_inbound_cst": "external_service_time",
           "max_outbound_service_time": "max_service_time", "ss_coeff": "z_sigma", "name": "name"}


def _clean(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        v = v.item()
    return v


def read_stage_graph(path: str | Path) -> nx.DiGraph:
    """A stage graph (``networkx.DiGraph``) from a JSON file or a CSV folder (see module doc)."""
    path = Path(path)
    if not path.exists():
        raise InstanceError(f"no stage graph at {path}: no such file or folder (a JSON file or a "
                            "folder with stages.csv; the published GSM instances are not shipped "
                            "with supplynet: see 'Benchmark data' in its README)", source=str(path))
    if path.is_dir() or path.suffix.lower() == ".csv":
        return _read_csv(path)
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InstanceError(f"cannot read {path} as JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InstanceError(f"{path}: expected a JSON object with stages and arcs")
    if doc.get("schema") == "gsm-instance/v1":
        return _from_v1(doc, str(path))
    return _from_json(doc, str(path))


def _from_json(doc: dict, source: str) -> nx.DiGraph:
    g = nx.DiGraph(name=doc.get("name", Path(source).stem))
    for key in ("description", "source"):
        if key in doc:
            g.graph[key] = doc[key]
    problems = []
    first: dict = {}
    for i, st in enumerate(doc.get("stages", [])):
        if not isinstance(st, dict) or "id" not in st:
            problems.append(f"stages[{i}]: a stage needs an id")
            continue
        if st["id"] in first:
            problems.append(f"stages[{i}]: duplicate id {st['id']!r} (same as stages[{first[st['id']]}])")
            continue
        first[st["id"]] = i
        g.add_node(st["id"], **{k: v for k, v in st.items() if k != "id" and v is not None})
    for i, arc in enumerate(doc.get("arcs", [])):
        if isinstance(arc, dict):
            u, v, q = arc.get("upstream"), arc.get("downstream"), arc.get("quantity", 1.0)
        elif isinstance(arc, list | tuple) and len(arc) in (2, 3):
            u, v, q = arc[0], arc[1], arc[2] if len(arc) == 3 else 1.0
        else:
            problems.append(f"arcs[{i}]: expected {{upstream, downstream, quantity}}")
            continue
        for s in (u, v):
            if s not in g:
                problems.append(f"arcs[{i}]: unknown stage {s!r}")
        g.add_edge(u, v, quantity=1.0 if q is None else q)
    if problems:
        raise InstanceError(problems, source=source)
    return g


def _from_v1(doc: dict, source: str) -> nx.DiGraph:
    g = nx.DiGraph(name=doc.get("name", Path(source).stem))
    for key in ("description", "source", "conventions", "known_optimum", "structure"):
        if key in doc:
            g.graph[key] = doc[key]
    for st in doc["stages"]:
        attrs = {new: st[old] for old, new in _V1_MAP.items() if st.get(old) is not None}
        if not st.get("is_demand_stage"):
            attrs.pop("demand_mean", None)
            attrs.pop("demand_std", None)
        g.add_node(st["id"], **attrs)
    for u, v, *q in doc.get("edges", []):
        g.add_edge(u, v, quantity=q[0] if q else 1.0)
    return g


def _read_csv(path: Path) -> nx.DiGraph:
    folder = path if path.is_dir() else path.parent
    stages_file = folder / "stages.csv" if path.is_dir() else path
    arcs_file = folder / "arcs.csv"
    if not stages_file.exists():
        raise InstanceError(f"no stages.csv in {folder}", source=str(folder))
    st = pd.read_csv(stages_file, dtype={"stage": str})
    if "stage" not in st.columns:
        raise InstanceError(f"{stages_file}: needs a 'stage' column")
    dup = st["stage"].duplicated(keep="first")
    if dup.any():
        raise InstanceError([f"{stages_file.name} row {i + 1}: duplicate stage {sid!r}"
                             for i, sid in zip(st.index[dup], st.loc[dup, "stage"], strict=True)],
                            source=str(stages_file))
    g = nx.DiGraph(name=folder.name)
    cols = [c for c in st.columns if c != "stage"]
    for rec in zip(st["stage"].tolist(), *(st[c].tolist() for c in cols), strict=True):
        attrs = {c: _clean(v) for c, v in zip(cols, rec[1:], strict=True)}
        g.add_node(rec[0], **{k: v for k, v in attrs.items() if v is not None})
    if arcs_file.exists():
        arcs = pd.read_csv(arcs_file, dtype={"upstream": str, "downstream": str})
        missing = {"upstream", "downstream"} - set(arcs.columns)
        if missing:
            raise InstanceError(f"{arcs_file}: missing column(s) {', '.join(sorted(missing))}")
        qs = arcs["quantity"].tolist() if "quantity" in arcs.columns else [1.0] * len(arcs)
        problems = []
        for row, (u, v, q) in enumerate(zip(arcs["upstream"].tolist(), arcs["downstream"].tolist(),
                                            qs, strict=True)):
            for s in (u, v):
                if s not in g:
                    problems.append(f"arcs.csv row {row + 1}: unknown stage {s!r}")
            g.add_edge(u, v, quantity=1.0 if _clean(q) is None else q)
        if problems:
            raise InstanceError(problems, source=str(arcs_file))
    return g


def write_stage_graph(graph: nx.DiGraph, path: str | Path) -> Path:
    """Write a stage graph: ``*.json`` as one JSON file, otherwise a folder of two CSV files."""
    path = Path(path)
    stages = []
    for s, a in graph.nodes(data=True):
        stages.append({"id": s, **{k: _clean(v) for k, v in a.items()}})
    arcs = [{"upstream": u, "downstream": v, "quantity": _clean(a.get("quantity", 1.0))}
            for u, v, a in graph.edges(data=True)]
    if path.suffix.lower() == ".json":
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"schema": SCHEMA, "name": graph.graph.get("name", path.stem), "stages": stages,
               "arcs": arcs}
        path.write_text(json.dumps(doc, indent=1, default=str))
        return path
    folder = path.parent if path.suffix.lower() == ".csv" else path
    folder.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(stages).rename(columns={"id": "stage"})
    df.to_csv(folder / "stages.csv", index=False)
    pd.DataFrame(arcs, columns=["upstream", "downstream", "quantity"]).to_csv(
        folder / "arcs.csv", index=False)
    return folder
