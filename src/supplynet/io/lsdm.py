"""Single-machine lot-sizing instances in LotSizingDataModel XML.

LotSizingDataModel (github.com/Lemoine-OR/LotSizingDataModel, its instances in
github.com/Lemoine-OR/LotSizingDataModel.Benchmarks) publishes the classic lot-sizing
benchmark families as one XML file per instance, e.g. the 751 Trigeiro-Thomas-McClain
instances rebuilt from their original ``.trig`` files
(``benchmarks/TRIGEIRO1989/instances/LSDM_TRIGEIRO1989_CLSP_6items_30periods_G62.xml``).

``read_lsdm`` reads the files of the capacitated lot-sizing problem with setup times on
one machine: one plant with one work center, independent items (no bill of materials),
no suppliers or transport, production lead time 0, demand at one distribution centre,
no backlog or lost sales. It builds the same Network as ``supplynet.io.ttm.read_ttm``
(``lot_sizing_network``) from these elements of ``supplyChain`` (one value per period):

* ``plants/plant/workCenters/workCenter/capacityConstraint/values``: capacity C_t;
* ``productionCharacteristics/productionCharacteristic[@itemId]``:
  ``unitCapacityConsumption`` (b), ``setupTime`` (st), ``fixedSetupCost`` (sc) and
  ``unitUsageCost`` (the production cost per unit, which must be 0: TTM has none);
* ``inventories/inventory[@itemId, @initialInventory]/unitUsageCost``: holding cost h;
* ``demands/demand[@itemId]/quantities``: demand per period.

b, st, sc and h must be the same in every period (the Network holds one value each);
the capacity may vary (periods below the largest become outages of the plant) but not
be 0 (an outage would also stop the plant's deliveries in that period). Anything
else the file declares in its ``problemClassification/features`` (backlogging, lost
sales, lot-size limits, start-up costs, lead times, ...) is refused with an error naming
it, so that no instance is read as a different problem.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import InstanceError
from .ttm import lot_sizing_network

# problemClassification/features flags that read_lsdm cannot represent
UNSUPPORTED_FEATURES = (
    "hasBacklogging", "hasLostSales", "hasSafetyStockRequirements", "hasStartUpCosts",
    "hasProductionLeadTimes", "hasMinimumLotSizes", "hasMaximumLotSizes",
    "hasLotSizeMultiples", "hasAdditionalProductionCapacity", "hasAdditionalWarehouseCapacity",
    "hasAdditionalTransportCapacity", "hasPurchasing", "hasSupplierCapacityConstraints",
    "hasSupplierLeadTimes", "hasTransportation", "hasTransportCapacityConstraints",
    "hasTransportLeadTimes", "hasWarehouseCapacityConstraints", "isMultiSite",
    "hasFinancialConstraints", "hasMultipleObjectives",
)


def _fail(path: Path, msg: str) -> InstanceError:
    return InstanceError(f"{path}: {msg}", source=str(path))


def _one(path: Path, parent: ET.Element, where: str) -> ET.Element:
    """The single element at ``where`` below ``parent``; an error when there is not one."""
    found = parent.findall(where)
    if len(found) != 1:
        raise _fail(path, f"expected one <{where}>, found {len(found)} (only single-machine "
                          "lot-sizing instances are read)")
    return found[0]


def _series(path: Path, parent: ET.Element, tag: str, T: int, what: str) -> list[float]:
    """The T numbers of the ``tag`` children of ``parent`` (``<values>``/``<quantities>``)."""
    out = []
    for e in parent.findall(tag):
        try:
            out.append(float((e.text or "").strip()))
        except ValueError:
            raise _fail(path, f"{what}: expected a number, found {e.text!r}") from None
    if len(out) != T:
        raise _fail(path, f"{what}: expected {T} values (one per period), found {len(out)}")
    bad = [x for x in out if not 0 <= x < float("inf")]  # negative, NaN or infinite
    if bad:
        raise _fail(path, f"{what}: {bad[0]:g} is not a number >= 0")
    return out


def _constant(path: Path, values: list[float], what: str) -> float:
    if max(values) != min(values):
        raise _fail(path, f"{what} varies over the periods ({min(values):g} to {max(values):g}); "
                          "only constant values are read")
    return values[0]


def _item_map(path: Path, parent: ET.Element, tag: str, ids: list[str], what: str,
              required: bool = True) -> dict[str, ET.Element]:
    """{item id: element} of the ``tag`` children of ``parent``, one per item; with
    ``required`` every item must have one (an item may have no demand)."""
    got: dict[str, ET.Element] = {}
    for e in parent.findall(tag):
        i = (e.get("itemId") or "").strip()
        if i not in ids:
            raise _fail(path, f"{what} for unknown item {i!r}")
        if i in got:
            raise _fail(path, f"{what} for item {i} given twice")
        got[i] = e
    missing = [i for i in ids if i not in got]
    if missing and required:
        raise _fail(path, f"no {what} for item(s) {', '.join(missing)}")
    return got


def _check_features(path: Path, root: ET.Element) -> None:
    feats = root.find("problemClassification/features")
    if feats is None:
        return
    on = [f for f in UNSUPPORTED_FEATURES  # xs:boolean: true/false or 1/0
          if feats.get(f, "false").strip().lower() in ("true", "1")]
    if on:
        raise _fail(path, f"the instance declares {', '.join(on)}, which read_lsdm does not "
                          "read (single-machine lot sizing without them only)")


def read_lsdm(path: str | Path):
    """Read a LotSizingDataModel XML lot-sizing instance into a Network for ``plan(setups=True)``.

    Args:
        path: the ``.xml`` file.

    Returns:
        A Network named after the file's stem (see ``supplynet.io.ttm`` for its layout):
        one plant ``M``, one customer ``D``, items ``I1..In`` in the order of the file's
        ``items``. Costs in the file's money units, capacity and times in its time units,
        quantities in units.

    Raises:
        InstanceError: naming the file and what is missing, malformed or outside the
        single-machine lot-sizing problem (module docstring).
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except (OSError, ET.ParseError) as e:
        raise _fail(path, f"cannot read as XML ({e})") from None
    for e in root.iter():  # a default xmlns prefixes every tag with {uri}
        if isinstance(e.tag, str) and e.tag.startswith("{"):
            e.tag = e.tag.split("}", 1)[1]
    _check_features(path, root)
    sc = _one(path, root, "supplyChain")
    try:
        T = int(sc.get("planningHorizon", ""))
    except ValueError:
        raise _fail(path, "supplyChain has no whole planningHorizon") from None
    if T < 1:
        raise _fail(path, f"planningHorizon must be at least 1, found {T}")
    for tag in ("componentRequirements", "suppliers", "transportResources",
                "standaloneWarehouses"):
        e = sc.find(tag)
        if e is not None and len(e):
            raise _fail(path, f"<{tag}> is not empty: only single-machine lot sizing of "
                              "independent items is read")
    ids = [(e.get("id") or "").strip() for e in sc.findall("items/item")]
    if not ids or "" in ids or len(set(ids)) != len(ids):
        raise _fail(path, "items must each have a distinct id")
    plant = _one(path, sc, "plants/plant")
    wc = _one(path, plant, "workCenters/workCenter")
    capacity = _series(path, _one(path, wc, "capacityConstraint"), "values", T, "capacity")
    closed = [t for t, c in enumerate(capacity, start=1) if c == 0]
    if closed:  # as a plant outage, a period of no capacity would also stop deliveries
        raise _fail(path, f"the capacity is 0 in period(s) {', '.join(map(str, closed[:10]))}; "
                          "only periods with some capacity are read (the machine's stock "
                          "could not be delivered in those periods)")
    for r in sc.findall("productionRoutings/productionRouting"):
        try:
            lead = float(r.get("leadTime", "0"))
        except ValueError:
            lead = float("nan")
        if lead != 0:
            raise _fail(path, f"item {r.get('itemId')}: production lead time "
                              f"{r.get('leadTime')} (only 0 is read)")
    dcs = {e.get("distributionCenterId") for e in sc.findall("demands/demand")}
    if len(dcs) > 1:
        raise _fail(path, f"demand at {len(dcs)} distribution centres (one is read)")

    prod = _item_map(path, sc, "productionCharacteristics/productionCharacteristic", ids,
                     "productionCharacteristic")
    inv = _item_map(path, sc, "inventories/inventory", ids, "inventory")
    dem = _item_map(path, sc, "demands/demand", ids, "demand", required=False)
    items, initial, demand = [], [], [[0.0] * len(ids) for _ in range(T)]
    for k, i in enumerate(ids):
        pc, iv = prod[i], inv[i]

        def per_item(parent, tag, what, item=i):
            return _constant(path, _series(path, _one(path, parent, tag), "values", T,
                                           f"item {item} {what}"), f"item {item} {what}")

        b = per_item(pc, "unitCapacityConsumption", "unitCapacityConsumption")
        st = per_item(pc, "setupTime", "setupTime")
        cost = per_item(pc, "fixedSetupCost", "fixedSetupCost")
        if pc.find("unitUsageCost") is not None and per_item(
                pc, "unitUsageCost", "production unitUsageCost") != 0:
            raise _fail(path, f"item {i}: a production cost per unit is not read (must be 0)")
        h = per_item(iv, "unitUsageCost", "holding cost (inventory unitUsageCost)")
        try:
            initial.append(float(iv.get("initialInventory", "0")))
        except ValueError:
            initial.append(-1.0)
        if not 0 <= initial[-1] < float("inf"):
            raise _fail(path, f"item {i}: initialInventory {iv.get('initialInventory')!r} "
                              "is not a number >= 0")
        items.append([b, h, st, cost])
        if i in dem:
            for t, q in enumerate(_series(path, dem[i], "quantities", T, f"item {i} demand")):
                demand[t][k] = q
    name = root.get("instanceId") or path.stem
    return lot_sizing_network(
        path.stem, capacity, items, demand,
        f"{root.get('name') or name}: capacitated lot sizing ({len(ids)} items, {T} periods, "
        f"capacity {max(capacity):g} per period), read from LotSizingDataModel XML",
        initial if any(initial) else None)
