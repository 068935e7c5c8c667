"""Seeded generator of valid, feasible instances of any size.

``generate(...)`` draws a multi-echelon network in a geographic region:

* products in ``bom_depth + 1`` levels: raw (level 0) -> intermediates (levels 1..depth-1)
  -> finished (level depth); each product above raw uses 2-4 products of the level below
  (1, 2 or 3 units each, with probabilities 0.6/0.3/0.1) and every product below
  finished is used by some parent;
* suppliers offering raw products (each raw product at two suppliers when possible);
* plants in tiers: tier t makes products of level t + 1; with fewer plants than levels a
  plant covers several consecutive tiers. Lanes: each plant of tier 0 from the two
  nearest suppliers offering each raw product it needs, tier t -> tier t+1 plants
  (all pairs), top-tier plants -> every warehouse, and each customer from its
  ``k_nearest`` warehouses and, when none of them exists already, its nearest existing one;
* existing facilities (the rest are candidates): per tier, a greedy cover of the tier's
  products by plants (the plant making most products not yet covered first); the first
  third of the warehouses, plus the nearest warehouse of each key account whose nearest
  existing one is more periods away. So the existing facilities alone can bring every
  product to every customer;
* lane distance = great-circle km, cost per unit = 0.02 + 0.0004 x km (x 0.5 on supplier
  lanes), CO2 = 0.0001 kg per unit-km, lead time = floor(km / km_per_period) periods;
* seasonal demand (one 12-period sine wave per product, amplitude 10-40 %) of a random
  subset of finished products per customer, with std = cv x mean and three customer
  classes (key_account, standard, economy) giving service level, quoted lead time (at
  least the lead time from the customer's nearest warehouse), cv and unmet-demand penalty;
* capacities sized from the data so that the instance is feasible both with every
  facility open at its ``capacity`` (= its smallest capacity level) and with the existing
  facilities alone (each facility gets the larger of the two needs): warehouses hold
  ``capacity_slack`` x the peak demand of the customers nearest to them (nearest
  existing, for the second), plants ``capacity_slack`` x the peak hours of an even split
  of production among the plants (existing plants) able to make each product, suppliers
  ``capacity_slack`` x what the plants tied to them need. Fixed costs grow with capacity (40 money per plant hour per period, 0.5 money per
  warehouse unit per period); candidate plants and warehouses get capacity levels
  small (= capacity), medium (1.5x) and large (2.2x) at increasing fixed costs;
* initial stock at each customer's nearest warehouse (and its nearest existing one)
  covering the longest lead time into them, and the same stock wanted at the end (so a
  multi-period plan can start and end; ``plan(generate(...))`` works with its defaults).

Everything is built as numpy arrays and handed to ``Network.from_tables`` at once, so
10 000 customers take a few seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .errors import OptionsError
from .geo import great_circle_km

EUROPE = (36.0, 60.0, -9.0, 25.0)  # lat_min, lat_max, lon_min, lon_max
CLASSES = pd.DataFrame({  # customer classes: share of customers, terms
    "priority": ["key_account", "standard", "economy"],
    "unmet_penalty": [np.nan, np.nan, np.nan],  # filled from product values
    "backlog": [False, True, True],
    "backlog_cost": [0.0, 0.5, 0.2],
    "min_fill_rate": [0.95, 0.0, 0.0],
})
CLASS_TERMS = {"key_account": (0.98, 0, 0.15, 3.0), "standard": (0.95, 1, 0.25, 2.0),
               "economy": (0.90, 2, 0.35, 1.5)}  # service level, quoted lt, cv, penalty x value


def _ids(prefix: str, n: int) -> list[str]:
    w = max(2, len(str(n)))
    return [f"{prefix}{i + 1:0{w}d}" for i in range(n)]


def _qty(rng: np.random.Generator) -> float:
    """Units of a component per parent: 1 (60 %), 2 (30 %) or 3 (10 %)."""
    return float(rng.choice([1.0, 2.0, 3.0], p=[0.6, 0.3, 0.1]))


def _check_args(**kw) -> None:
    for k, v in kw.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise OptionsError(f"generate: {k}={v!r} must be a whole number >= 1")


def generate(suppliers: int = 6, plants: int = 4, warehouses: int = 6, customers: int = 30,
             products: int = 3, periods: int = 12, bom_depth: int = 2, seed: int = 0, *,
             raw_products: int | None = None, intermediates: int | None = None,
             k_nearest: int = 4, region: tuple[float, float, float, float] = EUROPE,
             km_per_period: float = 1500.0, capacity_slack: float = 1.4,
             carbon_price: float = 0.0, name: str | None = None):
    """A valid, feasible random Network (deterministic for a seed).

    Args:
        suppliers: number of suppliers.
        plants: number of plants.
        warehouses: number of warehouses.
        customers: number of customers.
        products: number of finished products.
        periods: number of periods T (seasonality has a 12-period cycle).
        bom_depth: levels of bill of materials (1: raw -> finished; 2: raw ->
            intermediate -> finished; ...).
        seed: random seed.
        raw_products: number of raw products (default max(3, 2 x products)).
        intermediates: products per intermediate level (default max(2, products)).
        k_nearest: warehouses serving each customer (lanes warehouse -> customer).
        region: (lat_min, lat_max, lon_min, lon_max) in degrees; default Europe.
        km_per_period: distance covered per period; lane lead time = floor(km / this).
        capacity_slack: capacity / peak need of every facility (> 1 keeps it feasible).
        carbon_price: money per kg CO2 (instance parameter).
        name: instance name (default ``generated_<seed>``).
    """
    _check_args(suppliers=suppliers, plants=plants, warehouses=warehouses, customers=customers,
                products=products, periods=periods, bom_depth=bom_depth, k_nearest=k_nearest)
    if capacity_slack < 1:
        raise OptionsError(f"generate: capacity_slack={capacity_slack} must be >= 1")
    if km_per_period <= 0:
        raise OptionsError(f"generate: km_per_period={km_per_period} must be > 0")
    rng = np.random.default_rng(seed)
    n_raw = raw_products or max(3, 2 * products)
    n_int = intermediates or max(2, products)
    _check_args(raw_products=n_raw, intermediates=n_int)

    # ---------------------------------------------------------------- products, BOM
    levels: list[list[str]] = [[f"R{i[1:]}" for i in _ids("x", n_raw)]]
    for lv in range(1, bom_depth):
        levels.append([f"I{lv}_{i[1:]}" for i in _ids("x", n_int)])
    levels.append([f"F{i[1:]}" for i in _ids("x", products)])
    value = {p: float(np.round(rng.uniform(1, 10), 2)) for p in levels[0]}
    bom_rows: list[tuple[str, str, float]] = []
    comps_of: dict[str, list[tuple[str, float]]] = {}
    for lv in range(1, bom_depth + 1):
        below = levels[lv - 1]
        used: set[str] = set()
        for p in levels[lv]:
            k = min(len(below), int(rng.integers(2, 5)))
            chosen = list(rng.choice(below, size=k, replace=False))
            comps_of[p] = [(c, _qty(rng)) for c in chosen]
            used.update(chosen)
        for c in below:
            if c not in used:  # every lower product feeds some parent
                comps_of[str(rng.choice(levels[lv]))].append((c, _qty(rng)))
        for p in levels[lv]:
            comps_of[p] = [(str(c), q) for c, q in comps_of[p]]
            bom_rows += [(p, c, q) for c, q in comps_of[p]]
            value[p] = float(np.round(sum(value[c] * q for c, q in comps_of[p])
                                      * rng.uniform(1.2, 1.5), 2))
    finished = levels[-1]
    kind = {p: "raw" for p in levels[0]} | {p: "intermediate" for lv in levels[1:-1] for p in lv}
    kind |= {p: "finished" for p in finished}
    all_products = [p for lv in levels for p in lv]

    # ---------------------------------------------------------------- geography
    lat0, lat1, lon0, lon1 = region
    n_cities = int(np.clip(customers // 5, 5, 80))
    city_lat = rng.uniform(lat0, lat1, n_cities)
    city_lon = rng.uniform(lon0, lon1, n_cities)
    home = rng.integers(0, n_cities, customers)
    c_lat = np.clip(city_lat[home] + rng.normal(0, 0.5, customers), lat0, lat1)
    c_lon = np.clip(city_lon[home] + rng.normal(0, 0.7, customers), lon0, lon1)

    def place(n: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.uniform(lat0, lat1, n), rng.uniform(lon0, lon1, n)

    s_lat, s_lon = place(suppliers)
    p_lat, p_lon = place(plants)
    w_lat, w_lon = place(warehouses)
    S, P, W, C = _ids("S", suppliers), _ids("P", plants), _ids("W", warehouses), _ids("C", customers)

    # ---------------------------------------------------------------- plants in tiers
    d = bom_depth
    if plants >= d:
        tiers = [{(i * d) // plants} for i in range(plants)]
    else:
        tiers = [set(range((i * d) // plants, ((i + 1) * d) // plants)) for i in range(plants)]
    makes: dict[int, list[str]] = {i: [] for i in range(plants)}  # plant index -> products
    makers: dict[str, list[int]] = {}
    for t in range(d):
        in_tier = [i for i in range(plants) if t in tiers[i]]
        for p in levels[t + 1]:
            chosen = [i for i in in_tier if rng.random() < 0.75] or [int(rng.choice(in_tier))]
            makers[p] = chosen
        for i in in_tier:  # every plant makes something of each of its tiers
            if not any(i in makers[p] for p in levels[t + 1]):
                makers[str(rng.choice(levels[t + 1]))].append(i)
    for p, ms in makers.items():
        for i in ms:
            makes[i].append(p)
    # existing plants: per tier, a greedy cover of the tier's products (the plant making
    # most of the products not yet covered, lowest index on ties)
    existing_p: set[int] = set()
    for t in range(d):
        todo = set(levels[t + 1])
        in_tier = [i for i in range(plants) if t in tiers[i]]
        while todo:
            best = max(in_tier, key=lambda i: (len(todo & set(makes[i])), -i))
            existing_p.add(best)
            todo -= set(makes[best])
    ex_makers = {p: [i for i in ms if i in existing_p] for p, ms in makers.items()}

    # ---------------------------------------------------------------- demand
    size = rng.lognormal(math.log(100.0), 0.8, customers)  # mean units per period
    order = np.argsort(-size)
    klass = np.full(customers, "standard", dtype=object)
    klass[order[: max(1, customers * 15 // 100)]] = "key_account"
    klass[order[customers - customers * 30 // 100:]] = "economy" if customers >= 4 else "standard"
    wants = rng.random((customers, products)) < 0.7
    wants[np.arange(customers), rng.integers(0, products, customers)] = True
    share = rng.dirichlet(np.ones(products), customers) * wants
    share /= share.sum(axis=1, keepdims=True)
    amp = rng.uniform(0.1, 0.4, products)
    phase = rng.uniform(0, 12, products)
    t_idx = np.arange(1, periods + 1)
    season = 1 + amp[None, :] * np.sin(2 * np.pi * (t_idx[:, None] - phase[None, :]) / 12)
    mean = size[:, None, None] * share[:, :, None] * season.T[None, :, :]  # c x p x t
    mean = np.round(mean, 1)
    ci, pi = np.nonzero(wants & (mean.max(axis=2) > 0))
    sl, qlt, cv = (np.array([CLASS_TERMS[k][j] for k in klass]) for j in range(3))
    qlt = np.minimum(qlt, periods - 1).astype(int)
    nrow, T = len(ci), periods
    q = mean[ci, pi, :].ravel()
    demand = pd.DataFrame({
        "customer": np.repeat(np.array(C, dtype=object)[ci], T),
        "product": np.repeat(np.array(finished, dtype=object)[pi], T),
        "period": np.tile(t_idx, nrow),
        "quantity": q,
        "std": np.round(np.repeat(cv[ci], T) * q, 2),
        "service_level": np.repeat(sl[ci], T),
        "quoted_lead_time": np.repeat(qlt[ci], T),
        "priority": np.repeat(klass[ci], T),
    })

    # ---------------------------------------------------------------- requirements
    peak = {p: float(mean[:, j, :].sum(axis=0).max()) for j, p in enumerate(finished)}
    req = dict.fromkeys(all_products, 0.0) | peak  # peak units per period, BOM exploded
    for lv in range(d, 0, -1):
        for p in levels[lv]:
            for c, qty in comps_of[p]:
                req[c] += req[p] * qty

    # ---------------------------------------------------------------- capacities
    cw = great_circle_km(c_lat[:, None], c_lon[:, None], w_lat[None, :], w_lon[None, :])
    k = min(k_nearest, warehouses)
    near = np.argpartition(cw, k - 1, axis=1)[:, :k] if k < warehouses else \
        np.tile(np.arange(warehouses), (customers, 1))
    nearest = np.argmin(cw, axis=1)
    cust_peak = mean.sum(axis=1).max(axis=1)
    w_exist = np.arange(warehouses) < max(1, warehouses // 3)
    # a key account (quoted lead time 0) whose nearest existing warehouse is periods further
    # away than its nearest one could not be served in period 1: its nearest one exists too
    w_lead = np.floor(cw / km_per_period)
    ex_w = np.flatnonzero(w_exist)
    for c in np.flatnonzero(klass == "key_account"):
        if w_lead[c, ex_w].min() > w_lead[c, nearest[c]]:
            w_exist[nearest[c]] = True
            ex_w = np.flatnonzero(w_exist)
    # no quote shorter than the lead time from the customer's nearest warehouse
    q_min = np.minimum(w_lead[np.arange(customers), nearest], periods - 1).astype(int)
    demand["quoted_lead_time"] = np.repeat(np.maximum(qlt, q_min)[ci], T)
    nearest_ex = ex_w[np.argmin(cw[:, ex_w], axis=1)]  # each customer's nearest existing one
    spread = 0.05 * cust_peak.sum() / warehouses
    w_need = np.bincount(nearest, weights=cust_peak, minlength=warehouses)
    w_need_ex = np.bincount(nearest_ex, weights=cust_peak, minlength=warehouses)
    w_cap = np.ceil(capacity_slack * (np.maximum(w_need, w_need_ex) + spread))
    use = {(i, p): float(np.round(rng.uniform(0.005, 0.02), 4)) for i in makes for p in makes[i]}
    p_hours, p_hours_ex = np.zeros(plants), np.zeros(plants)
    for p, ms in makers.items():
        for i in ms:
            p_hours[i] += req[p] / len(ms) * use[(i, p)]
        for i in ex_makers[p]:
            p_hours_ex[i] += req[p] / len(ex_makers[p]) * use[(i, p)]
    p_cap = np.ceil(capacity_slack * np.maximum(p_hours, p_hours_ex) + 1.0)

    # ---------------------------------------------------------------- supply
    offers: dict[str, list[int]] = {}
    for r in levels[0]:
        offers[r] = sorted(rng.choice(suppliers, size=min(2, suppliers), replace=False).tolist())
    for s in range(suppliers):
        if not any(s in v for v in offers.values()):
            offers[str(rng.choice(levels[0]))].append(s)
    sp = great_circle_km(s_lat[:, None], s_lon[:, None], p_lat[None, :], p_lon[None, :])
    sup_need: dict[tuple[int, str], float] = {}
    sup_need_ex: dict[tuple[int, str], float] = {}  # with the existing plants alone
    sup_lanes: set[tuple[int, int]] = set()
    for i in range(plants):
        raw_need: dict[str, float] = {}
        raw_need_ex: dict[str, float] = {}
        for p in makes[i]:
            if p in levels[1]:
                for c, qty in comps_of[p]:
                    raw_need[c] = raw_need.get(c, 0.0) + req[p] / len(makers[p]) * qty
                    if i in existing_p:
                        raw_need_ex[c] = raw_need_ex.get(c, 0.0) + req[p] / len(
                            ex_makers[p]) * qty
        for r, need in raw_need.items():
            linked = sorted(offers[r], key=lambda s, i=i: sp[s, i])[:2]
            for s in linked:
                sup_lanes.add((s, i))
                sup_need[(s, r)] = sup_need.get((s, r), 0.0) + need / len(linked)
                sup_need_ex[(s, r)] = sup_need_ex.get((s, r), 0.0) + raw_need_ex.get(
                    r, 0.0) / len(linked)
    supply = pd.DataFrame([
        {"supplier": S[s], "product": r, "price": float(np.round(value[r] * rng.uniform(0.9, 1.1), 2)),
         "capacity": float(np.ceil(capacity_slack * max(sup_need.get((s, r), 0.0),
                                                        sup_need_ex.get((s, r), 0.0)) + 1.0)),
         "lead_time": int(rng.integers(0, 2)) if periods > 1 else 0}
        for r in levels[0] for s in offers[r]])

    # ---------------------------------------------------------------- lanes
    o_lat, o_lon, d_lat, d_lon, orig, dest, factor = [], [], [], [], [], [], []

    def lanes_of(oi, di, olat, olon, dlat, dlon, oid, did, f):
        oi, di = np.asarray(oi, dtype=int), np.asarray(di, dtype=int)
        o_lat.append(olat[oi]), o_lon.append(olon[oi]), d_lat.append(dlat[di])
        d_lon.append(dlon[di]), orig.append(np.array(oid, dtype=object)[oi])
        dest.append(np.array(did, dtype=object)[di]), factor.append(np.full(len(oi), f))

    sl_pairs = sorted(sup_lanes)
    lanes_of([a for a, _ in sl_pairs], [b for _, b in sl_pairs], s_lat, s_lon, p_lat, p_lon,
             S, P, 0.5)
    pp = [(a, b) for a in range(plants) for b in range(plants)
          if a != b and any(t - 1 in tiers[a] for t in tiers[b])]
    lanes_of([a for a, _ in pp], [b for _, b in pp], p_lat, p_lon, p_lat, p_lon, P, P, 1.0)
    top = [i for i in range(plants) if (d - 1) in tiers[i]]
    lanes_of(np.repeat(top, warehouses), np.tile(np.arange(warehouses), len(top)),
             p_lat, p_lon, w_lat, w_lon, P, W, 1.0)
    wc = [(int(w), c) for c in range(customers) for w in near[c]]
    wc += [(int(nearest_ex[c]), c) for c in range(customers) if nearest_ex[c] not in near[c]]
    lanes_of([w for w, _ in wc], [c for _, c in wc], w_lat, w_lon, c_lat, c_lon, W, C, 1.0)
    dist = great_circle_km(np.concatenate(o_lat), np.concatenate(o_lon),
                           np.concatenate(d_lat), np.concatenate(d_lon))
    lead = np.floor(dist / km_per_period).astype(int)
    lanes = pd.DataFrame({
        "origin": np.concatenate(orig), "destination": np.concatenate(dest), "mode": "road",
        "cost": np.round((0.02 + 0.0004 * dist) * np.concatenate(factor), 4),
        "distance": np.round(dist, 1), "lead_time": lead,
        "co2": np.round(0.0001 * dist, 4)})

    # ---------------------------------------------------------------- nodes
    p_fixed = np.round(40.0 * p_cap * periods * rng.uniform(0.8, 1.2, plants), -2)
    w_fixed = np.round(0.5 * w_cap * periods * rng.uniform(0.8, 1.2, warehouses), -2)
    p_status = np.array(["existing" if i in existing_p else "candidate" for i in range(plants)])
    w_status = np.where(w_exist, "existing", "candidate")
    nodes = pd.DataFrame({
        "id": S + P + W + C,
        "kind": ["supplier"] * suppliers + ["plant"] * plants + ["warehouse"] * warehouses
        + ["customer"] * customers,
        "status": ["open"] * suppliers + list(p_status) + list(w_status) + ["open"] * customers,
        "fixed_cost": np.concatenate([np.zeros(suppliers), p_fixed, w_fixed, np.zeros(customers)]),
        "closing_cost": np.concatenate([np.zeros(suppliers), np.where(p_status == "existing",
                                        0.5 * p_fixed, 0.0), np.where(w_status == "existing",
                                        0.5 * w_fixed, 0.0), np.zeros(customers)]),
        "capacity": np.concatenate([np.full(suppliers, np.nan), p_cap, w_cap,
                                    np.full(customers, np.nan)]),
        "handling_cost": np.concatenate([np.zeros(suppliers + plants), np.full(warehouses, 0.1),
                                         np.zeros(customers)]),
        "overtime_capacity": np.concatenate([np.zeros(suppliers), np.round(0.2 * p_cap),
                                             np.zeros(warehouses + customers)]),
        "overtime_cost": np.concatenate([np.zeros(suppliers), np.full(plants, 60.0),
                                         np.zeros(warehouses + customers)]),
        "lat": np.round(np.concatenate([s_lat, p_lat, w_lat, c_lat]), 4),
        "lon": np.round(np.concatenate([s_lon, p_lon, w_lon, c_lon]), 4),
    })

    # ---------------------------------------------------------------- other tables
    production = pd.DataFrame([
        {"plant": P[i], "product": p, "cost": float(np.round(0.1 * value[p], 2)),
         "capacity_use": use[(i, p)], "co2": float(np.round(rng.uniform(0.05, 0.5), 3))}
        for i in range(plants) for p in makes[i]])
    cand = [(P[i], p_cap[i], p_fixed[i]) for i in range(plants) if p_status[i] == "candidate"]
    cand += [(W[i], w_cap[i], w_fixed[i]) for i in range(warehouses) if w_status[i] == "candidate"]
    levels_tab = pd.DataFrame([
        {"node": nid, "level": lvl, "capacity": float(np.ceil(cap * m)), "fixed_cost": fc * f}
        for nid, cap, fc in cand
        for lvl, m, f in (("small", 1.0, 0.0), ("medium", 1.5, 0.3), ("large", 2.2, 0.6))],
        columns=["node", "level", "capacity", "fixed_cost"])
    classes = CLASSES.copy()
    fin_value = float(np.mean([value[p] for p in finished]))
    classes["unmet_penalty"] = [CLASS_TERMS[k][3] * fin_value for k in classes["priority"]]
    classes = classes[classes["priority"].isin(set(klass))]
    # initial stock at warehouses: demand of their nearest customers over the longest
    # chain of lead times into them (supplier lane + supply, plant transfers, plant->warehouse)
    lt = lanes["lead_time"].to_numpy()
    n_sl, n_pp = len(sl_pairs), len(pp)
    ltmax = (int(lt[:n_sl].max(initial=0)) + int(supply["lead_time"].max())
             + (d - 1) * int(lt[n_sl:n_sl + n_pp].max(initial=0))
             + int(lt[n_sl + n_pp:n_sl + n_pp + len(top) * warehouses].max(initial=0)))
    stock_rows = []
    if ltmax > 0:
        for j, p in enumerate(finished):
            m_j = mean[:, j, :].mean(axis=1)  # at each customer's nearest (existing) warehouse
            per_w = np.bincount(nearest, weights=m_j, minlength=warehouses) + np.bincount(
                nearest_ex, weights=np.where(nearest_ex != nearest, m_j, 0.0),
                minlength=warehouses)
            for wi in range(warehouses):
                if per_w[wi] > 0:
                    v = float(np.ceil(per_w[wi] * ltmax))
                    stock_rows.append({"node": W[wi], "product": p, "initial": v,
                                       "target_end": v})
    tables = {
        "nodes": nodes, "lanes": lanes,
        "products": pd.DataFrame({"id": all_products, "kind": [kind[p] for p in all_products],
                                  "value": [value[p] for p in all_products]}),
        "bom": pd.DataFrame(bom_rows, columns=["parent", "component", "quantity"]),
        "supply": supply, "production": production, "capacity_levels": levels_tab,
        "demand": demand, "customer_classes": classes.reset_index(drop=True),
        "stock": pd.DataFrame(stock_rows, columns=["node", "product", "initial", "target_end"]),
    }
    params = {"name": name or f"generated_{seed}", "periods": periods,
              "carbon_price": carbon_price,
              "description": (f"generated by supplynet.generate(suppliers={suppliers}, "
                              f"plants={plants}, warehouses={warehouses}, customers={customers}, "
                              f"products={products}, periods={periods}, bom_depth={bom_depth}, "
                              f"seed={seed})")}
    from .network import Network

    return Network.from_tables(tables, params=params)
