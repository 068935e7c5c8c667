"""Write notebooks/02_scenario_study.ipynb (without outputs): ``python notebooks/_make_02.py``."""


from _nbwrite import write
from nbformat.v4 import new_code_cell, new_markdown_cell

cells = [
    new_markdown_cell("""\
# Scenario study: the juice chain under stress

The `juice` instance is a European bottled-juice chain (fruit growers, 4 bottling plants,
6 warehouses, 26 retailers, 12 months; see `instances/juice/README.md`). Here we ask the
network-design model (`sn.design`) three questions:

1. **Fruit-supplier disruption**: what if the Valencia orange grower ships nothing all year?
2. **Summer demand surge**: what if a heatwave pushes demand 25 % above plan in June-August?
3. **Carbon price**: how much does cutting emissions cost? A sweep of carbon prices traces
   the cost-versus-emissions trade-off curve of the network.

Each question is a `Scenario`: a declarative patch on the network's tables, applied to a copy.
`sn.solve_many` solves them all (here in local processes, one per CPU core; a Dask cluster
works the same way) and `runs.compare()` puts the answers side by side."""),
    new_code_cell("""\
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import supplynet as sn
from supplynet.scenarios import scenario_table

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)
ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
JUICE = ROOT / "instances" / "juice"
net = sn.read(JUICE)
scenarios = sn.read_scenarios(JUICE / "scenarios.yaml", net)  # checked against the network
scenario_table(scenarios)"""),
    new_markdown_cell("""\
## What a scenario changes

`Network.diff` lists every cell a scenario changes. The frost sets the Valencia grower's
capacity (and that of its supply offer) to zero for the whole year; the heatwave scales 624
demand cells (quantity and standard deviation of every retailer and juice in months 6-8)."""),
    new_code_cell("""\
by_name = {s.name: s for s in scenarios}
frost, heat = by_name["valencia_frost"], by_name["summer_heatwave"]
print(frost.description)
net.diff(frost.apply(net))"""),
    new_code_cell("""\
heat_diff = net.diff(heat.apply(net))
print(heat.description, "-", len(heat_diff), "cells changed")
heat_diff.head(6)"""),
    new_markdown_cell("""\
## Solving the study

Ten carbon prices from 0 to 4 EUR/kg (0 to 4 000 EUR/t; the instance's own price is
85 EUR/t) join the two stress scenarios. `solve_many` adds the unchanged `base` scenario,
writes each answer to `out/` as soon as it is solved (one folder per scenario and a
`manifest.csv`) and skips finished scenarios when run again."""),
    new_code_cell("""\
prices = [0.0, 0.085, 0.5, 1.0, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0]  # EUR per kg CO2
sweep = [sn.Scenario(f"carbon_{p:g}", description=f"carbon price {1000 * p:g} EUR/t",
                     carbon_price=p) for p in prices]
study = [frost, heat] + sweep
out = Path(tempfile.mkdtemp(prefix="juice_study_"))
runs = sn.solve_many(sn.design, net, study, executor="processes", out=out)
runs"""),
    new_code_cell("""\
cmp = runs.compare()
cmp[["scenario", "status", "objective", "objective_vs_base_pct", "kpi_co2",
     "kpi_open_plants", "kpi_open_warehouses", "kpi_fill_rate"]]"""),
    new_markdown_cell("""\
## Disruption and surge: where the money goes

Without Valencia's oranges the chain buys Sicilian oranges and imported concentrate at higher
prices; the heatwave mostly adds purchases, production and transport for the extra volume."""),
    new_code_cell("""\
cats = ["cost_fixed", "cost_capacity_levels", "cost_production", "cost_purchase",
        "cost_transport", "cost_handling", "cost_carbon", "cost_unmet"]
three = cmp.set_index("scenario").loc[["base", "valencia_frost", "summer_heatwave"], cats] / 1e6
ax = three.rename(columns=lambda c: c[len("cost_"):]).plot.bar(stacked=True, figsize=(8, 4.5))
ax.set_ylabel("M EUR per year")
ax.set_xlabel("")
ax.set_title("Cost breakdown of the best design per scenario")
ax.legend(loc="center left", bbox_to_anchor=(1, 0.5))
plt.xticks(rotation=0)
plt.tight_layout()"""),
    new_code_cell("""\
buy = runs.table("purchases")
buy = buy[buy["scenario"].isin(["base", "valencia_frost", "summer_heatwave"])]
buy.pivot_table(index=["product", "supplier"], columns="scenario", values="quantity",
                fill_value=0).round(0)"""),
    new_code_cell("""\
fac = runs.table("facilities")
fac.pivot(index="node", columns="scenario", values="open")[
    ["base", "valencia_frost", "summer_heatwave", "carbon_2", "carbon_4"]]"""),
    new_markdown_cell("""\
## Cost versus emissions

For each carbon price the design minimises cost + price x emissions. Plotting the cost
without the carbon charge against the emissions of each optimal design gives the trade-off
curve: every point is a design no other design beats on both axes."""),
    new_code_cell("""\
curve = cmp[cmp["scenario"].str.startswith("carbon_")].copy()
curve["price"] = prices
curve["cost_without_carbon"] = curve["objective"] - curve["cost_carbon"]
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(curve["kpi_co2"] / 1e3, curve["cost_without_carbon"] / 1e6, "o-")
# several prices can share one design: label each point with its range of prices
points = (curve.assign(t=(curve["kpi_co2"] / 1e3).round(1), m=(curve["cost_without_carbon"] / 1e6).round(4))
          .groupby(["t", "m"], sort=False)["price"].agg(["min", "max"]).reset_index())
for r in points.itertuples():
    label = f"{1000 * r.min:g}" + ("" if r.min == r.max else f"-{1000 * r.max:g}") + " EUR/t"
    ax.annotate(label, (r.t, r.m), textcoords="offset points", xytext=(6, 4), fontsize=8)
ax.set_xlabel("emissions (t CO2 per year)")
ax.set_ylabel("cost without carbon charge (M EUR per year)")
ax.set_title("Juice chain: cost versus emissions of the optimal design")
ax.grid(alpha=0.3)
plt.tight_layout()
curve[["scenario", "price", "kpi_co2", "cost_without_carbon", "kpi_open_plants"]]"""),
    new_markdown_cell("""\
Here the design only reacts to prices far above today's (from about 1 750 EUR/t): it then
opens the Grójec plant and the Stryków warehouse, close to the Polish apples and the eastern
retailers, and closes Paris; at 3 000 EUR/t it cuts another 700 t.

Two checks that hold for any optimal designs: a higher carbon price never increases
emissions, and never decreases the cost without the carbon charge (if it did, the cheaper
and cleaner design would have been optimal at the lower price too). The tolerance covers the
MIP gap."""),
    new_code_cell("""\
assert (runs.status["status"] == "optimal").all(), runs.status
co2 = curve["kpi_co2"].to_numpy()
cost = curve["cost_without_carbon"].to_numpy()
assert (np.diff(co2) <= 2e-4 * co2[0]).all(), co2
assert (np.diff(cost) >= -1e-5 * cost[0]).all(), cost
assert cmp.set_index("scenario").loc["valencia_frost", "objective_vs_base"] > 0"""),
    new_markdown_cell("""\
Running the same study again reads every answer back from `out/` instead of solving it:"""),
    new_code_cell("""\
again = sn.solve_many(sn.design, net, study, executor="processes", out=out, progress=False)
print(f"{len(again)} scenarios in {again.wall_seconds:.2f} s (first run {runs.wall_seconds:.1f} s)")
pd.read_csv(out / "manifest.csv")[["scenario", "status", "objective", "gap", "seconds"]]"""),
]

write(cells, "02_scenario_study.ipynb")
