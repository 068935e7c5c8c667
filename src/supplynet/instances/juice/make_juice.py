"""Build the `juice` instance: a European bottled-juice chain (synthetic, seeded).

Run ``python instances/juice/make_juice.py`` to rewrite instance.yaml and the CSVs next to
this file. Every number is set below, with where it comes from; the only randomness
(seed 2026) is a +-20 % spread of each retailer's market share and of its product mix.
See README.md for the story of the numbers.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

import supplynet as sn
from supplynet.generator import great_circle_km

HERE = Path(__file__).resolve().parent
SEED = 2026
ROAD_FACTOR = 1.25  # road km / great-circle km
TRUCK_EUR_PER_KM = 1.6  # full truck load, road (EUR per truck-km)
SEA_EUR_PER_TKM = 0.03  # short-sea shipping (EUR per tonne-km)
CO2_ROAD = 0.062  # kg CO2 per tonne-km, heavy truck (EU average ~ 60-100 g)
CO2_SEA = 0.016  # kg CO2 per tonne-km, short-sea
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]

# ---------------------------------------------------------------- products
# id: (kind, value EUR/unit, volume L/unit, kg/unit, units per truck, description)
PRODUCTS = {
    "oranges": ("raw", 0.30, 1.6, 1.0, 24000, "processing oranges, kg"),
    "apples": ("raw", 0.20, 1.6, 1.0, 24000, "processing apples, kg"),
    "sugar": ("raw", 0.65, 0.8, 1.0, 24000, "white sugar, kg"),
    "pet_preform": ("raw", 0.05, 0.03, 0.028, 500000, "PET preform blown into a 1 L bottle"),
    "cap": ("raw", 0.012, 0.005, 0.002, 2000000, "screw cap"),
    "orange_concentrate": ("intermediate", 4.0, 0.75, 1.0, 22000,
                           "frozen concentrated orange juice, 65 Brix, kg"),
    "apple_concentrate": ("intermediate", 1.8, 0.75, 1.0, 22000,
                          "apple juice concentrate, 70 Brix, kg"),
    "orange_1l": ("finished", 1.15, 1.1, 1.08, 20000, "orange juice from concentrate, 1 L"),
    "apple_1l": ("finished", 0.75, 1.1, 1.08, 20000, "apple juice from concentrate, 1 L"),
    "orange_apple_1l": ("finished", 0.95, 1.1, 1.08, 20000, "orange-apple blend, 1 L"),
    "orange_nectar_1l": ("finished", 0.80, 1.1, 1.08, 20000, "orange nectar (50 % juice), 1 L"),
}
FINISHED = [p for p, v in PRODUCTS.items() if v[0] == "finished"]
# units of component per unit of parent (kg of fruit per kg of concentrate: Brix balance;
# kg of concentrate per litre: 1.045 kg/L x 11.2 Brix / 65 Brix for orange, x 11.5 / 70 apple)
BOM = [
    ("orange_concentrate", "oranges", 11.5),
    ("apple_concentrate", "apples", 8.0),
    ("orange_1l", "orange_concentrate", 0.185),
    ("apple_1l", "apple_concentrate", 0.17),
    ("orange_apple_1l", "orange_concentrate", 0.095),
    ("orange_apple_1l", "apple_concentrate", 0.085),
    ("orange_nectar_1l", "orange_concentrate", 0.095),
    ("orange_nectar_1l", "sugar", 0.05),
] + [(p, c, 1.0) for p in FINISHED for c in ("pet_preform", "cap")]

# ---------------------------------------------------------------- places
# id: (lat, lon, country)
SUPPLIERS = {
    "SUP_ORANGE_VALENCIA": (39.47, -0.38, "ES"),
    "SUP_ORANGE_SICILY": (37.50, 15.09, "IT"),
    "SUP_APPLE_GROJEC": (51.75, 20.95, "PL"),  # orchards south of Warsaw
    "SUP_APPLE_ALTESLAND": (53.53, 9.70, "DE"),
    "SUP_APPLE_SOUTHTYROL": (46.50, 11.35, "IT"),
    "SUP_SUGAR_TIENEN": (50.81, 4.94, "BE"),
    "SUP_PREFORMS_HARD": (47.49, 9.69, "AT"),
    "SUP_CAPS_BUDENHEIM": (49.99, 8.17, "DE"),
    "SUP_FCOJ_ROTTERDAM": (51.92, 4.48, "NL"),
}
# supplier: [(product, price EUR/unit, capacity as a multiple of the peak-month need or NaN)]
OFFERS = {
    "SUP_ORANGE_VALENCIA": [("oranges", 0.30, 1.0)],
    "SUP_ORANGE_SICILY": [("oranges", 0.34, 0.6)],
    "SUP_APPLE_GROJEC": [("apples", 0.18, 0.8)],
    "SUP_APPLE_ALTESLAND": [("apples", 0.22, 0.7)],
    "SUP_APPLE_SOUTHTYROL": [("apples", 0.24, 0.5)],
    "SUP_SUGAR_TIENEN": [("sugar", 0.65, math.nan)],
    "SUP_PREFORMS_HARD": [("pet_preform", 0.05, 1.5)],
    "SUP_CAPS_BUDENHEIM": [("cap", 0.012, math.nan)],
    "SUP_FCOJ_ROTTERDAM": [("orange_concentrate", 5.0, 0.4)],  # Brazilian FCOJ, imported
}
# plant: (lat, lon, country, status, fixed EUR/year, closing EUR, concentrates made)
PLANTS = {
    "PL_VALENCIA": (39.15, -0.43, "ES", "existing", 2_200_000, 3_000_000, ["orange_concentrate"]),
    "PL_HANNOVER": (52.37, 9.73, "DE", "existing", 2_400_000, 3_500_000, ["apple_concentrate"]),
    "PL_LYON": (45.70, 4.94, "FR", "candidate", 2_000_000, 0, []),
    "PL_GROJEC": (51.87, 20.87, "PL", "candidate", 1_500_000, 0, ["apple_concentrate"]),
}
# warehouse: (lat, lon, country, status, fixed EUR/year)
WAREHOUSES = {
    "WH_MADRID": (40.31, -3.73, "ES", "existing", 450_000),  # Getafe
    "WH_PARIS": (48.75, 2.35, "FR", "existing", 600_000),  # Rungis
    "WH_FRANKFURT": (50.05, 8.57, "DE", "existing", 500_000),
    "WH_MILAN": (45.31, 9.50, "IT", "candidate", 500_000),  # Lodi
    "WH_STRYKOW": (51.90, 19.60, "PL", "candidate", 300_000),  # hub near Lodz
    "WH_VENLO": (51.37, 6.17, "NL", "candidate", 500_000),
}
# retailer regional DCs: city: (lat, lon, country, metro population in millions)
CITIES = {
    "LISBON": (38.72, -9.14, "PT", 2.9), "PORTO": (41.15, -8.61, "PT", 1.7),
    "MADRID": (40.42, -3.70, "ES", 6.7), "BARCELONA": (41.39, 2.17, "ES", 5.6),
    "SEVILLE": (37.39, -5.98, "ES", 1.5), "VALENCIA": (39.47, -0.38, "ES", 1.6),
    "PARIS": (48.86, 2.35, "FR", 12.3), "LYON": (45.76, 4.84, "FR", 2.3),
    "MARSEILLE": (43.30, 5.37, "FR", 1.9), "BORDEAUX": (44.84, -0.58, "FR", 1.0),
    "BRUSSELS": (50.85, 4.35, "BE", 2.1), "AMSTERDAM": (52.37, 4.90, "NL", 2.5),
    "HAMBURG": (53.55, 9.99, "DE", 3.2), "BERLIN": (52.52, 13.40, "DE", 4.5),
    "MUNICH": (48.14, 11.58, "DE", 2.9), "COLOGNE": (50.94, 6.96, "DE", 3.6),
    "VIENNA": (48.21, 16.37, "AT", 2.9), "ZURICH": (47.38, 8.54, "CH", 1.4),
    "MILAN": (45.46, 9.19, "IT", 4.3), "ROME": (41.90, 12.50, "IT", 4.3),
    "NAPLES": (40.85, 14.27, "IT", 3.1), "PRAGUE": (50.08, 14.44, "CZ", 2.7),
    "WARSAW": (52.23, 21.01, "PL", 3.1), "KRAKOW": (50.06, 19.94, "PL", 1.5),
    "COPENHAGEN": (55.68, 12.57, "DK", 2.1), "BUDAPEST": (47.50, 19.04, "HU", 3.0),
}
KEY_ACCOUNT_MIN_POP = 3.5  # metro areas above this are served by key-account retailers

# ---------------------------------------------------------------- demand
LITRES_PER_CAPITA_YEAR = 17.0  # juice and nectar, EU average order of magnitude
BRAND_SHARE = 0.02  # our brand's share in the retailers' regions
SEASON = np.array([0.85, 0.85, 0.92, 0.97, 1.03, 1.18, 1.30, 1.27, 1.02, 0.92, 0.88, 0.98])
SEASON = SEASON / SEASON.mean()
PROMOTION = ("orange_1l", 6, 1.35)  # product, month, demand factor (June promotion)
MIX = {"orange_1l": 0.40, "apple_1l": 0.25, "orange_apple_1l": 0.20, "orange_nectar_1l": 0.15}
SOUTH, EAST = {"PT", "ES", "IT"}, {"PL", "CZ", "HU", "AT"}
# class: (service level, quoted lead time months, cv, penalty EUR/unit, backlog, backlog cost,
#         min fill rate)
CLASSES = {"key_account": (0.98, 0, 0.12, 2.5, False, 0.0, 0.98),
           "standard": (0.95, 1, 0.22, 1.5, True, 0.10, 0.90)}

# ---------------------------------------------------------------- operations
BOTTLING_HOURS = 1 / 6000  # line hours per bottle (6 000 bottles/h PET line)
CONCENTRATE_HOURS = 1 / 4000  # evaporator hours per kg of concentrate
REGULAR_SHARE_OF_PEAK = 0.90  # existing plants' regular hours / peak-month need
OVERTIME_SHARE = 0.15  # overtime hours / regular hours
OVERTIME_EUR_PER_HOUR = 350.0  # crew premium per line hour
WAREHOUSE_HANDLING = 0.02  # EUR per bottle received


def road_km(a, b) -> float:
    return ROAD_FACTOR * float(great_circle_km(a[0], a[1], b[0], b[1]))


def build() -> sn.Network:
    rng = np.random.default_rng(SEED)
    where = {**{k: v[:2] for k, v in SUPPLIERS.items()}, **{k: v[:2] for k, v in PLANTS.items()},
             **{k: v[:2] for k, v in WAREHOUSES.items()},
             **{f"RT_{c}": v[:2] for c, v in CITIES.items()}}

    # demand: population x litres x share x season, mix by region; std from class cv
    rows = []
    klass = {}
    for city, (_, _, country, pop) in CITIES.items():
        cid = f"RT_{city}"
        klass[cid] = "key_account" if pop >= KEY_ACCOUNT_MIN_POP else "standard"
        monthly = pop * 1e6 * LITRES_PER_CAPITA_YEAR / 12 * BRAND_SHARE * rng.uniform(0.8, 1.2)
        mix = dict(MIX)
        if country in SOUTH:
            mix["orange_1l"] *= 1.15
            mix["apple_1l"] *= 0.8
        if country in EAST:
            mix["orange_1l"] *= 0.9
            mix["apple_1l"] *= 1.3
        mix = {p: v * rng.uniform(0.8, 1.2) for p, v in mix.items()}
        total = sum(mix.values())
        sl, qlt, cv, *_ = CLASSES[klass[cid]]
        for p in FINISHED:
            for t in range(1, 13):
                q = monthly * mix[p] / total * SEASON[t - 1]
                extra_cv = 0.0
                if (p, t) == PROMOTION[:2]:
                    q *= PROMOTION[2]
                    extra_cv = 0.10  # promotions are harder to forecast
                q = float(round(q))
                rows.append({"customer": cid, "product": p, "period": t, "quantity": q,
                             "std": float(round((cv + extra_cv) * q)), "service_level": sl,
                             "quoted_lead_time": qlt, "priority": klass[cid]})
    demand = pd.DataFrame(rows)
    by_pt = demand.pivot_table(index="period", columns="product", values="quantity",
                               aggfunc="sum")[FINISHED]

    # requirements per month (BOM exploded) and plant hours if the existing plants make all
    comp = {}
    for parent, c, q in BOM:
        comp.setdefault(parent, []).append((c, q))
    need = pd.DataFrame(0.0, index=by_pt.index, columns=list(PRODUCTS))
    need[FINISHED] = by_pt
    for level in (FINISHED, ["orange_concentrate", "apple_concentrate"]):
        for parent in level:
            for c, q in comp[parent]:
                need[c] += need[parent] * q
    bottles = need[FINISHED].sum(axis=1)
    hours = {"PL_VALENCIA": 0.5 * bottles * BOTTLING_HOURS
             + need["orange_concentrate"] * CONCENTRATE_HOURS,
             "PL_HANNOVER": 0.5 * bottles * BOTTLING_HOURS
             + need["apple_concentrate"] * CONCENTRATE_HOURS}
    regular = {pl: float(10 * round(REGULAR_SHARE_OF_PEAK * h.max() / 10)) for pl, h in hours.items()}
    peak_total = float((hours["PL_VALENCIA"] + hours["PL_HANNOVER"]).max())
    regular["PL_LYON"] = float(10 * round(0.50 * peak_total / 10))
    regular["PL_GROJEC"] = float(10 * round(0.45 * peak_total / 10))

    # nodes
    nrows = []
    for s, (lat, lon, cc) in SUPPLIERS.items():
        nrows.append({"id": s, "kind": "supplier", "lat": lat, "lon": lon, "region": cc})
    for pl, (lat, lon, cc, status, fixed, closing, _) in PLANTS.items():
        nrows.append({"id": pl, "kind": "plant", "status": status, "fixed_cost": fixed,
                      "closing_cost": closing, "capacity": regular[pl],
                      "overtime_capacity": float(10 * round(OVERTIME_SHARE * regular[pl] / 10)),
                      "overtime_cost": OVERTIME_EUR_PER_HOUR, "lat": lat, "lon": lon, "region": cc})
    # warehouses: throughput per month; existing ones alone cover 1.25 x peak demand of the
    # retailers nearest to them, candidates 1.3 x that of the retailers nearest to them
    peak_c = demand.groupby(["customer", "period"])["quantity"].sum().groupby("customer").max()
    existing_wh = [w for w, v in WAREHOUSES.items() if v[3] == "existing"]
    near_existing = {c: min(existing_wh, key=lambda w, c=c: road_km(where[c], where[w]))
                     for c in peak_c.index}
    near_any = {c: min(WAREHOUSES, key=lambda w, c=c: road_km(where[c], where[w]))
                for c in peak_c.index}
    w_cap = {}
    for w, (lat, lon, cc, status, fixed) in WAREHOUSES.items():
        pool = near_existing if status == "existing" else near_any
        load = sum(peak_c[c] for c in peak_c.index if pool[c] == w)
        w_cap[w] = float(max(300_000, 50_000 * math.ceil((1.25 if status == "existing" else 1.3)
                                                         * load / 50_000)))
        nrows.append({"id": w, "kind": "warehouse", "status": status, "fixed_cost": fixed,
                      "closing_cost": 0.8 * fixed if status == "existing" else 0.0,
                      "capacity": w_cap[w], "storage_capacity": 1.5 * w_cap[w] * 1.1,
                      "handling_cost": WAREHOUSE_HANDLING, "lat": lat, "lon": lon, "region": cc})
    for city, (lat, lon, cc, _) in CITIES.items():
        nrows.append({"id": f"RT_{city}", "kind": "customer", "lat": lat, "lon": lon,
                      "region": cc})
    nodes = pd.DataFrame(nrows)

    # capacity levels: plants add a second line (x2 hours), warehouses a large hall (x1.6)
    levels = []
    for pl in PLANTS:
        levels += [{"node": pl, "level": "one_line", "capacity": regular[pl], "fixed_cost": 0.0},
                   {"node": pl, "level": "two_lines", "capacity": 2 * regular[pl],
                    "fixed_cost": 900_000.0}]
    for w in WAREHOUSES:
        levels += [{"node": w, "level": "standard", "capacity": w_cap[w], "fixed_cost": 0.0},
                   {"node": w, "level": "large", "capacity": 1.6 * w_cap[w],
                    "fixed_cost": 0.4 * WAREHOUSES[w][4]}]

    # supply, production
    peak_need = need.max()
    supply = pd.DataFrame([
        {"supplier": s, "product": p, "price": price,
         "capacity": float(100 * math.ceil(f * peak_need[p] / 100)) if f == f else math.nan}
        for s, offers in OFFERS.items() for p, price, f in offers])
    prod = []
    for pl, v in PLANTS.items():
        for p in v[6]:
            prod.append({"plant": pl, "product": p, "cost": 0.35 if p.startswith("orange") else 0.25,
                         "capacity_use": CONCENTRATE_HOURS, "co2": 0.25})
        for p in FINISHED:
            prod.append({"plant": pl, "product": p, "cost": 0.09, "capacity_use": BOTTLING_HOURS,
                         "co2": 0.03, "setup_cost": 400.0, "setup_time": 2.0})
    production = pd.DataFrame(prod)

    # lanes: what travels decides the per-unit cost (units per truck) and CO2 (kg per unit)
    lane_rows = []

    def lane(o, d, product, mode="road", months_extra=0):
        km = road_km(where[o], where[d])
        _, _, _, kg, per_truck, _ = PRODUCTS[product]
        if mode == "sea":
            cost, co2 = SEA_EUR_PER_TKM * kg / 1000 * km, CO2_SEA * kg / 1000 * km
        else:
            cost, co2 = TRUCK_EUR_PER_KM * km / per_truck, CO2_ROAD * kg / 1000 * km
        lead = months_extra + (0 if km < 1200 else 1 if km < 2400 else 2)
        lane_rows.append({"origin": o, "destination": d, "mode": mode, "cost": round(cost, 5),
                          "distance": round(km, 1), "lead_time": lead, "co2": round(co2, 5)})

    fruit_to = {"oranges": ["PL_VALENCIA"], "apples": ["PL_HANNOVER", "PL_GROJEC"]}
    for s, offers in OFFERS.items():
        for p, _, _ in offers:
            for pl in fruit_to.get(p, list(PLANTS)):
                mode = "sea" if s == "SUP_ORANGE_SICILY" else "road"
                lane(s, pl, p, mode=mode, months_extra=1)  # a month of order cycle
    for pl, v in PLANTS.items():
        for c in v[6]:  # concentrate to the other plants
            for other in PLANTS:
                if other != pl:
                    lane(pl, other, c)
        for w in WAREHOUSES:
            lane(pl, w, "orange_1l")
    for c in CITIES:
        cid = f"RT_{c}"
        nearest3 = sorted(WAREHOUSES, key=lambda w, cid=cid: road_km(where[cid], where[w]))[:3]
        for w in sorted(set(nearest3) | {near_existing[cid]}):
            lane(w, cid, "orange_1l")
    lanes = pd.DataFrame(lane_rows)

    # initial stock: existing plants hold a month of what they use (frozen concentrate rather
    # than fruit), existing warehouses half a month of their retailers' demand; the same is
    # wanted at the end of the year
    stock = []
    first = need.iloc[0]
    for pl in ("PL_VALENCIA", "PL_HANNOVER"):
        uses = {"pet_preform": 0.5 * first[FINISHED].sum(), "cap": 0.5 * first[FINISHED].sum(),
                "sugar": 0.5 * first["sugar"]}
        own = PLANTS[pl][6][0]  # concentrate made here: a month of the whole need
        other = "apple_concentrate" if own == "orange_concentrate" else "orange_concentrate"
        uses[own], uses[other] = first[own], 0.5 * first[other]
        for p, q in uses.items():
            stock.append({"node": pl, "product": p, "initial": float(round(q)),
                          "target_end": float(round(q)), "mode": "push"})
    month1 = demand[demand["period"] == 1]
    for w in existing_wh:
        cust = [c for c in peak_c.index if near_existing[c] == w]
        for p in FINISHED:
            q = 0.5 * month1[(month1["customer"].isin(cust)) & (month1["product"] == p)][
                "quantity"].sum()
            stock.append({"node": w, "product": p, "initial": float(round(q)),
                          "target_end": float(round(q)), "mode": "push"})

    products = pd.DataFrame([{"id": p, "kind": v[0], "value": v[1], "volume": v[2],
                              "description": v[5]} for p, v in PRODUCTS.items()])
    classes = pd.DataFrame([{"priority": k, "unmet_penalty": v[3], "backlog": v[4],
                             "backlog_cost": v[5], "min_fill_rate": v[6]}
                            for k, v in CLASSES.items()])
    periods = pd.DataFrame({"period": range(1, 13), "label": MONTHS})
    params = {
        "name": "juice",
        "description": "Bottled-juice chain in Europe (synthetic): fruit, sugar, preform and cap "
                       "suppliers, 4 candidate bottling plants (2 existing), 6 candidate "
                       "warehouses (3 existing), 26 retailer DCs in European cities; 12 months.",
        "units": {"money": "EUR", "quantity": "kg (fruit, sugar, concentrates), pieces "
                  "(preforms, caps), 1 L bottles (juices)", "time": "month", "distance": "km",
                  "co2": "kg"},
        "periods": 12, "carbon_price": 0.085, "co2_cap": None, "unmet_penalty": 2.0,
        "holding_rate": 0.015,
    }
    net = sn.Network.from_tables({
        "nodes": nodes, "lanes": lanes, "products": products,
        "bom": pd.DataFrame(BOM, columns=["parent", "component", "quantity"]),
        "supply": supply, "production": production,
        "capacity_levels": pd.DataFrame(levels), "demand": demand,
        "customer_classes": classes, "periods": periods, "stock": pd.DataFrame(stock)},
        params=params)
    report(net, hours, regular, bottles, w_cap, peak_c, near_existing)
    return net


def report(net, hours, regular, bottles, w_cap, peak_c, near_existing) -> None:
    """Print and check the capacity story told in README.md."""
    need = hours["PL_VALENCIA"] + hours["PL_HANNOVER"]
    reg = regular["PL_VALENCIA"] + regular["PL_HANNOVER"]
    ot = sum(net.nodes.set_index("id").loc[p, "overtime_capacity"]
             for p in ("PL_VALENCIA", "PL_HANNOVER"))
    print("month  bottles  hours(existing plants)  regular/need  (regular+overtime)/need")
    for t in need.index:
        print(f"{t:5d} {bottles[t]:9.0f} {need[t]:10.0f} {reg / need[t]:12.2f} "
              f"{(reg + ot) / need[t]:12.2f}")
    peak = need.max()
    assert 0.85 <= reg / peak <= 1.0 and 1.0 <= (reg + ot) / peak <= 1.10, (reg, ot, peak)
    # cumulative: stock built ahead must be able to cover the summer with regular hours only
    assert (np.cumsum([reg] * 12) >= need.cumsum().to_numpy()).all()
    all_max = sum(2 * v for v in regular.values())
    print(f"peak-month hours {peak:.0f}; existing regular {reg:.0f} (+{ot:.0f} overtime); "
          f"all plants at two lines {all_max:.0f} ({all_max / peak:.1f} x peak)")
    assert all_max >= 2 * peak
    ex_cap = sum(w_cap[w] for w in set(near_existing.values()))
    total_peak = net.demand.groupby("period")["quantity"].sum().max()
    print(f"peak-month bottles {total_peak:.0f}; existing warehouse throughput {ex_cap:.0f}")
    assert ex_cap >= 1.1 * total_peak


if __name__ == "__main__":
    net = build()
    net.validate()
    net.write(HERE)
    print(net)
