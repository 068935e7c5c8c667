"""Write notebooks/05_sales_and_operations_planning.ipynb (without outputs):
``python notebooks/_make_05.py``."""


from _nbwrite import write
from nbformat.v4 import new_code_cell, new_markdown_cell

cells = [
    new_markdown_cell("""\
# Sales and operations planning: can the juice plants bottle the summer?

Every month the juice company's S&OP meeting puts the sales forecast next to what the
plants can make. The forecast for next year (`instances/juice`, 12 months) has the usual
shape: flat in winter, a summer peak 30 % above the average month, a small Christmas bump.
Two bottling plants run today, Valencia and Hannover; together their regular hours
cover an average month, not the summer peak.

The questions the planner brings to the meeting:

1. **Where and when does demand exceed capacity?** Month by month and plant by plant: the
   hours the forecast would need if every month's demand were bottled in that month, against
   the regular hours.
2. **How does the plan cover the gap?** Build stock in spring, pay overtime, move volume to
   the other plant, or let some demand wait.
3. **What does it cost, and is overtime worth it?**

The plan (`sn.plan`, formulation in `models/planning.md`) answers all three in one solve.
With `setups=True` every product run costs a setup (400 EUR and 2 hours of the line), so
the plan also decides how often to change over."""),
    new_code_cell("""\
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import supplynet as sn

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)
ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
JUICE = ROOT / "instances" / "juice"
net = sn.read(JUICE)
month = dict(zip(net.table("periods")["period"], net.table("periods")["label"], strict=True))
finished = net.products.query("kind == 'finished'")["id"].tolist()

forecast = net.demand.pivot_table(index="period", columns="product", values="quantity",
                                  aggfunc="sum").rename(index=month)
ax = (forecast[finished] / 1e6).plot.bar(stacked=True, figsize=(9, 3.5), rot=45)
ax.set_ylabel("M bottles (1 L) per month")
ax.set_xlabel("")
ax.set_title("Sales forecast, all retailers")
ax.legend(loc="center left", bbox_to_anchor=(1, 0.5))
plt.tight_layout()
(forecast[finished].sum(axis=1) / 1e6).round(2).to_frame("M bottles").T"""),
    new_markdown_cell("""\
## The plan

One solve: the MIP with setups, stopped at a 0.5 % gap (a minute at most). The plan works on
the network as it is (the two existing plants and three warehouses; the candidate sites are
for `sn.design`), with overtime allowed at the plants' overtime rates."""),
    new_code_cell("""\
plan = sn.plan(net, setups=True, mip_gap=0.005, time_limit=60)
assert plan.ok, plan.message
units = plan.units
print(f"{plan.status}: {plan.objective:,.0f} {units['money']} over the year, gap {plan.gap:.2%}")"""),
    new_markdown_cell("""\
## The S&OP table: load against capacity

The plan's `capacity` table has one row per plant and month. Its columns, in the plant's
hours per month:

* `required_load`: what the forecast would need of the plant with no levelling, if every
  month's demand were bottled (and its concentrate evaporated) in that same month, at the
  plants the plan uses for each product and in the same proportions, setups included;
* `available`: regular hours; `overtime`: overtime hours the plan uses;
* `used`: the planned load, the hours the plan actually schedules.

`required_load − available` is the gap the plan has to close. Where it is positive,
demand cannot be bottled in the month it sells."""),
    new_code_cell("""\
cap = plan.tables["capacity"]
hours = cap[cap["type"] == "production_hours"].copy()
hours["overtime_capacity"] = hours["resource"].map(net.nodes.set_index("id")["overtime_capacity"])
hours["gap"] = hours["required_load"] - hours["available"]
sop = hours.assign(month=hours["period"].map(month)).set_index(["resource", "month"])[
    ["required_load", "available", "overtime_capacity", "used", "overtime", "gap"]]
sop.round(0)"""),
    new_markdown_cell("""\
In the chart, the bars are the planned load, the red line the required load, the black steps
the regular hours and the dashed steps regular hours plus the overtime the plant may work."""),
    new_code_cell("""\
plants = sorted(hours["resource"].unique())
fig, axes = plt.subplots(len(plants), 1, figsize=(9, 3.2 * len(plants)), sharex=True)
for ax, plant in zip(axes, plants, strict=True):
    h = hours[hours["resource"] == plant].set_index("period")
    ax.bar(h.index, h["used"], color="#9ecae1", label="planned load")
    ax.plot(h.index, h["required_load"], "o-", color="#d62728", label="required load (chase)")
    ax.step(h.index, h["available"], where="mid", color="black", label="regular hours")
    ax.step(h.index, h["available"] + h["overtime_capacity"], where="mid", color="black",
            linestyle="--", label="with overtime")
    ax.set_ylabel(f"hours per {units['time']}")
    ax.set_title(plant)
axes[0].legend(loc="center left", bbox_to_anchor=(1, 0.5))
axes[-1].set_xticks(list(month), list(month.values()), rotation=45)
plt.tight_layout()"""),
    new_code_cell("""\
peak = hours.loc[hours["gap"] > 0]
print("months where the forecast needs more than the regular hours:")
for plant, g in peak.groupby("resource"):
    print(f"  {plant}: {', '.join(month[t] for t in g['period'])} "
          f"({g['gap'].sum():,.0f} hours above regular capacity in all)")
assert len(peak), "the juice forecast has a summer peak above regular capacity"
used_total = hours.groupby("resource")[["required_load", "used"]].sum().round(0)
used_total"""),
    new_markdown_cell("""\
Hannover carries the apple juices and makes all the apple concentrate, so it is the plant
that binds: from June to August the forecast needs far more than its regular hours, and even
regular hours plus all its overtime fall short. Valencia has spare hours in most months, but
bottles from Valencia travel to northern retailers at a higher transport cost.

## The pre-build story

The plan closes the summer gap in three ways, and the S&OP table shows each one:

* **stock built ahead**: in spring the planned load is above the required load (the plant
  makes more than the month sells), and the extra bottles are held until the peak;
* **overtime**: the `overtime` column, in the months where regular hours are used up;
* **moving volume**: Valencia works above its own required load in some summer months
  (August in this plan), taking bottles Hannover cannot make.

Two things at the ends of the year are not about the summer. In January the planned load is
far below the required load: the year opens with a month of concentrate, preforms and caps
at the plants and half a month of juice at the warehouses (the stock table's `initial`), and
the plan sells that first (the required load does not net opening stock). In November and
December it rebuilds the same stock for next year (`target_end`), which is why Hannover
still works overtime in the autumn.

The stock itself, counted in the plant hours it took to make (bottling for juice,
evaporation for concentrate), shows the build: it rises in spring, is gone by June, and is
rebuilt at the end of the year."""),
    new_code_cell("""\
# hours per unit of each made product (the same at every plant in this instance)
hours_per_unit = net.production.groupby("product")["capacity_use"].mean()
made = plan.inventory[plan.inventory["product"].isin(hours_per_unit.index)]
stock_hours = (made.assign(hours=made["on_hand"] * made["product"].map(hours_per_unit))
               .pivot_table(index="period", columns="product", values="hours", aggfunc="sum")
               .rename(index=month))
ax = stock_hours.plot.bar(stacked=True, figsize=(9, 3.5), rot=45)
ax.set_ylabel(f"plant hours in stock (end of {units['time']})")
ax.set_xlabel("")
ax.set_title("Stock built ahead, in the hours it took to make")
ax.legend(loc="center left", bbox_to_anchor=(1, 0.5))
plt.tight_layout()
spring = [t for t in month if 2 <= t <= 5]
prebuilt = (hours[hours["period"].isin(spring)]
            .assign(ahead=lambda d: (d["used"] - d["required_load"]).clip(lower=0))
            .groupby("resource")["ahead"].sum())
print("hours made ahead of the month's demand, February-May:", prebuilt.round(0).to_dict())
assert prebuilt.max() > 0  # the plan builds ahead of the summer"""),
    new_markdown_cell("""\
## Setups

Every month the plan sets up each bottling line for each juice it makes there. A setup is
2 hours, so a plant that bottles four juices a month spends 8 hours on changeovers; those
hours are part of both the required and the planned load."""),
    new_code_cell("""\
setups = plan.tables["setups"]
runs = setups.pivot_table(index="plant", columns="period", values="setup", aggfunc="sum",
                          fill_value=0).rename(columns=month)
print(f"{int(setups['setup'].sum())} setups, {setups['hours'].sum():,.0f} hours, "
      f"{setups['cost'].sum():,.0f} {units['money']}")
runs"""),
    new_markdown_cell("""\
## What it costs

The cost of the plan over the year, by category. Purchases (fruit, preforms, caps) dominate;
what levelling costs is in overtime, holding and setups."""),
    new_code_cell("""\
costs = plan.costs.set_index("category")["cost"]
costs[costs.abs() > 0].round(0).to_frame(f"{units['money']} per year")"""),
    new_markdown_cell("""\
## Is overtime worth paying for?

Overtime at Hannover costs 350 EUR an hour. Without it the plan has to build more stock
earlier or send more bottles from Valencia. The difference between the two plans is small
next to the 0.5 % at which the MIP stopped, so this comparison uses the plan without setups
(`setups=False`, an LP solved to optimality): the setups are the same either way (every
juice, every month, at both plants), and an optimal plan that may use overtime can never
cost more than one that may not."""),
    new_code_cell("""\
with_ot = sn.plan(net, time_limit=60)
without_ot = sn.plan(net, overtime=False, time_limit=60)
assert with_ot.status == without_ot.status == "optimal"
both = pd.DataFrame({"with overtime": with_ot.costs.set_index("category")["cost"],
                     "without overtime": without_ot.costs.set_index("category")["cost"]})
both = both[(both.abs() > 0).any(axis=1)]
both.loc["total"] = both.sum()
both["difference"] = both["without overtime"] - both["with overtime"]
assert both.loc["total", "difference"] >= -1e-6 * both.loc["total", "with overtime"]
both.round(0) + 0.0  # + 0.0: no -0 in the table"""),
    new_markdown_cell("""\
Both plans meet the whole forecast. Overtime costs money, but without it transport goes up
(Valencia serves northern retailers) and so do holding (stock is built earlier) and the
carbon charge (longer trucking). The `total` row's difference is what the overtime is worth
over the year, net of its own cost.

## A hot summer

Sales warns that a heatwave could put 25 % on June to August (the `summer_heatwave`
scenario of `instances/juice/scenarios.yaml`). Can the plants still make it, and what has
to happen before June?"""),
    new_code_cell("""\
heat = {s.name: s for s in sn.read_scenarios(JUICE / "scenarios.yaml", net)}["summer_heatwave"]
hot = sn.plan(heat.apply(net), setups=True, mip_gap=0.005, time_limit=60)
assert hot.ok, hot.message


def sop_summary(result):
    c = result.tables["capacity"]
    h = c[c["type"] == "production_hours"].assign(
        above_regular=lambda d: (d["required_load"] - d["available"]).clip(lower=0),
        built_ahead_by_may=lambda d: (d["used"] - d["required_load"]).clip(lower=0).where(
            d["period"] <= 5, 0.0))
    k = result.kpis.set_index("kpi")["value"]
    out = h.groupby("resource")[["above_regular", "built_ahead_by_may", "overtime"]].sum()
    out["fill_rate"] = k["fill_rate"]
    return out


compare = pd.concat({"forecast": sop_summary(plan), "heatwave": sop_summary(hot)})
assert (compare.loc["heatwave", "built_ahead_by_may"].sum()
        > compare.loc["forecast", "built_ahead_by_may"].sum())
compare.round(2)"""),
    new_code_cell("""\
levelling = ["overtime", "holding", "transport", "setup", "backlog", "unmet"]
cost_cmp = pd.DataFrame({"forecast": plan.costs.set_index("category")["cost"],
                         "heatwave": hot.costs.set_index("category")["cost"]})
cost_cmp.loc["total"] = cost_cmp.sum()
cost_cmp.loc[levelling + ["total"]].round(0)"""),
    new_markdown_cell("""\
The hotter summer still fits: over the year the plants have the hours, but only if they
bank more of them before June (`built_ahead_by_may`: the hours by which January to May run
above their own required load), and Valencia now also runs short of regular hours in
summer. Most of the extra cost is the extra volume itself (purchases, production,
transport); levelling it costs more overtime and holding."""),
    new_markdown_cell("""\
## What to decide

* **Approve the spring build.** The months where `used` is above `required_load` before June
  are the build plan, in hours per plant; the stock chart shows what it becomes.
* **Book overtime at Hannover from June to December.** It pays for itself (the overtime
  comparison), and the autumn hours rebuild next year's opening stock.
* **Tell logistics about the summer shift.** In late summer (August in
  this plan) Valencia bottles above its own required load: northern retailers get more Spanish
  bottles, at a higher freight cost.
* **Decide on the heatwave before spring**, not in June: the extra summer volume can only be
  made ahead, so a plan that waits for the weather forecast has lost the months it needed.
  If the risk is worth covering, the spring build is larger (the heatwave plan says by how
  many hours); if the build is not wanted, the alternatives are structural: a second line or
  a third plant (`sn.design`, notebooks 01 and 02)."""),
]

write(cells, "05_sales_and_operations_planning.ipynb")
