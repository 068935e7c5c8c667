"""Checking a Scenario against a Network and applying it to a copy (see supplynet.scenarios)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..schema import LANE_SEPARATOR, TABLES
from .fields import COST_KINDS, MULTI_PERIOD_MODELS, as_list, lane_id, parse_periods

if TYPE_CHECKING:  # spec calls this module from Scenario.check / Scenario.apply
    from .spec import Scenario


def _names(x: Any) -> list[str]:
    return [str(v) for v in as_list(x)]


def _key_mask(df: pd.DataFrame, table: str, key: Mapping[str, Any]) -> np.ndarray:
    mask = np.ones(len(df), dtype=bool)
    for col, v in key.items():
        if TABLES[table].columns[col].dtype == "str":
            mask &= np.array([x == str(v) for x in df[col].tolist()], dtype=bool)
        else:
            mask &= (pd.to_numeric(df[col], errors="coerce") == v).to_numpy()
    return mask


def _demand_mask(net, d: Mapping[str, Any]) -> np.ndarray:
    dem = net.table("demand")
    mask = np.ones(len(dem), dtype=bool)
    if d.get("customer") is not None:
        mask &= dem["customer"].isin(_names(d["customer"])).to_numpy()
    if d.get("product") is not None:
        mask &= dem["product"].isin(_names(d["product"])).to_numpy()
    if d.get("region") is not None:
        nodes = net.table("nodes")
        region = dict(zip(nodes["id"].tolist(), nodes["region"].tolist(), strict=True))
        want = set(_names(d["region"]))
        mask &= np.array([region.get(c) in want for c in dem["customer"].tolist()], dtype=bool)
    rng = parse_periods(d.get("periods"), "", [])
    if rng is not None:
        per = dem["period"].to_numpy()
        mask &= (per >= rng[0]) & (per <= rng[1])
    return mask


def check(sc: Scenario, net) -> list[str]:
    """What the scenario names that the network does not have."""
    p: list[str] = []
    kind = net.kind_of()
    products = set(net.table("products")["id"].tolist())
    periods = net.periods
    nodes = net.table("nodes")
    regions = {r for r, k in zip(nodes["region"].tolist(), nodes["kind"].tolist(), strict=True)
               if k == "customer"}
    lanes = net.table("lanes")
    lane_ids = {f"{o}{LANE_SEPARATOR}{d}" for o, d in zip(lanes["origin"].tolist(),
                                                        lanes["destination"].tolist(), strict=True)}

    def period_range(spec, w):
        rng = parse_periods(spec, w, p)
        if rng is not None and (rng[0] < periods[0] or rng[1] > periods[-1]):
            p.append(f"{w}: periods {list(rng)} outside the horizon {periods[0]}..{periods[-1]}")

    for i, d in enumerate(sc.demand):
        w, before = f"demand[{i}]", len(p)
        p += [f"{w}: unknown customer {c!r}" for c in _names(d.get("customer"))
              if kind.get(c) != "customer"]
        p += [f"{w}: unknown product {x!r}" for x in _names(d.get("product")) if x not in products]
        p += [f"{w}: unknown region {r!r} (customer regions: {', '.join(sorted(map(str, regions)))})"
              for r in _names(d.get("region")) if r not in regions]
        period_range(d.get("periods"), w)
        if len(p) == before and not _demand_mask(net, d).any():
            p.append(f"{w}: no demand row matches {d}")
    for i, d in enumerate(sc.disrupt):
        w = f"disrupt[{i}]"
        if "node" in d:
            n = str(d["node"])
            if n not in kind:
                p.append(f"{w}: unknown node {n!r}")
            elif kind[n] == "customer":
                p.append(f"{w}: node {n!r} is a customer; scale its demand instead")
        elif "lane" in d and lane_id(d["lane"]) not in lane_ids:
            p.append(f"{w}: unknown lane {lane_id(d['lane'])!r}")
        period_range(d.get("periods"), w)
    for field_name in ("open", "close"):
        for n in getattr(sc, field_name):
            if n not in kind:
                p.append(f"{field_name}: unknown node {n!r}")
            elif kind[n] == "customer":
                p.append(f"{field_name}: node {n!r} is a customer, not a facility")
    both = sorted(set(sc.open) & set(sc.close))
    p += [f"node {n!r} is both in open and close" for n in both]
    for i, s in enumerate(sc.set):
        df = net.table(s["table"])
        if not _key_mask(df, s["table"], s["key"]).any():
            what = ", ".join(f"{k}={v}" for k, v in s["key"].items())
            p.append(f"set[{i}]: no row of table {s['table']} has {what}")
    return p


class _Tables:
    """Typed tables copied on first write, set back at the end."""

    def __init__(self, net) -> None:
        self.net, self.copies = net, {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.copies:
            self.copies[name] = self.net.table(name).copy()
        return self.copies[name]

    def commit(self) -> None:
        for name, df in self.copies.items():
            self.net.set_table(name, df)


def _scale(df: pd.DataFrame, mask: np.ndarray, col: str, share: float) -> None:
    """capacity x share on the masked rows; unlimited (NaN) becomes 0 when share is 0."""
    vals = df[col].to_numpy(dtype=float, copy=True)
    sub = vals[mask] * share
    if share == 0:
        sub = np.where(np.isnan(sub), 0.0, sub)
    vals[mask] = sub
    df[col] = vals


def _disrupt(t: _Tables, net, d: Mapping[str, Any], model: str) -> None:
    periods = net.periods
    rng = parse_periods(d.get("periods"), "", []) or (periods[0], periods[-1])
    factor = float(d.get("capacity_factor", 0.0))
    element = str(d["node"]) if "node" in d else lane_id(d["lane"])
    if model in MULTI_PERIOD_MODELS:
        out = t["outages"]
        row = {"element": element, "first_period": rng[0], "last_period": rng[1],
               "capacity_factor": factor}
        t.copies["outages"] = pd.concat([out, pd.DataFrame([row])], ignore_index=True) \
            if len(out) else pd.DataFrame([row])
        return
    k = sum(1 for x in periods if rng[0] <= x <= rng[1])
    share = 1.0 - (1.0 - factor) * k / len(periods)
    share = 0.0 if abs(share) < 1e-12 else share
    if "lane" in d:
        lanes = t["lanes"]
        ids = [f"{o}{LANE_SEPARATOR}{x}" for o, x in zip(lanes["origin"].tolist(),
                                                         lanes["destination"].tolist(), strict=True)]
        _scale(lanes, np.array([i == element for i in ids], dtype=bool), "capacity", share)
        return
    nodes = t["nodes"]
    is_node = (nodes["id"] == element).to_numpy()
    _scale(nodes, is_node, "capacity", share)
    _scale(nodes, is_node, "overtime_capacity", share)
    if net.kind_of()[element] == "supplier":
        sup = t["supply"]
        _scale(sup, (sup["supplier"] == element).to_numpy(), "capacity", share)
    lv = net.table("capacity_levels")
    if len(lv) and (lv["node"] == element).any():
        lv = t["capacity_levels"]
        _scale(lv, (lv["node"] == element).to_numpy(), "capacity", share)


def apply(sc: Scenario, net, model: str = "design"):
    """The patched copy (the scenario must have been checked against ``net``)."""
    new = net.copy()
    t = _Tables(new)
    for d in sc.demand:
        mask = _demand_mask(net, d)
        dem = t["demand"]
        for col in ("quantity", "std"):
            vals = dem[col].to_numpy(dtype=float, copy=True)
            vals[mask] *= float(d["factor"])
            dem[col] = vals
    for d in sc.disrupt:
        _disrupt(t, net, d, model)
    for kind, f in sc.costs.items():
        for table, col in COST_KINDS[kind]:
            if table == "params":
                v = new.params.get(col)
                if v is not None:
                    new.params[col] = float(v) * float(f)
            else:
                df = t[table]
                df[col] = df[col].to_numpy(dtype=float) * float(f)
    if sc.carbon_price is not None:
        new.params["carbon_price"] = float(sc.carbon_price)
    if sc.co2_cap is not None:
        new.params["co2_cap"] = float(sc.co2_cap)
    new.params.update(sc.params)
    if sc.open or sc.close:
        nodes = t["nodes"]
        nodes.loc[nodes["id"].isin(sc.open), "status"] = "open"
        nodes.loc[nodes["id"].isin(sc.close), "status"] = "closed"
    for s in sc.set:
        df = t[s["table"]]
        mask = _key_mask(df, s["table"], s["key"])
        col = s["column"]
        dtype = TABLES[s["table"]].columns[col].dtype
        if "factor" in s:
            vals = df[col].to_numpy(dtype=float, copy=True)
            vals[mask] *= float(s["factor"])
            df[col] = vals
        elif dtype in ("float", "int"):
            vals = df[col].to_numpy(dtype=float, copy=True)
            vals[mask] = math.nan if s["value"] is None else float(s["value"])
            df[col] = vals
        else:
            vals = np.array(df[col].tolist(), dtype=object)
            vals[mask] = s["value"]
            df[col] = vals
    t.commit()
    return new
