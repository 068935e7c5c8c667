"""Write notebooks/01_network_design.ipynb (without outputs): ``python notebooks/_make_01.py``."""


from _nbwrite import write
from nbformat.v4 import new_code_cell, new_markdown_cell

cells = [
    new_markdown_cell("""\
# Network design: where should the juice company bottle and store?

A European juice company bottles in two plants, Valencia and Hannover, and ships through
three warehouses, Madrid, Paris and Frankfurt, to 26 retailers. The board has four sites
on the table: plants at Lyon and Grójec (near the Polish apple growers), warehouses at Milan,
Stryków (near Łódź) and Venlo. Its questions:

* Is today's footprint still the right one, or should a site open or close?
* What does the network cost a year, and how much CO2 does it emit?
* What would change the answer: a plant lost, a carbon target, more demand?

The network-design model (`sn.design`, formulation in `models/design.md`) chooses which
sites are open and how product flows from growers to retailers over the year, at least
total cost: fixed costs of the sites, purchases, production, transport, handling and a
carbon charge. The data are the shipped `instances/juice` (synthetic but sized like a
mid-size bottler; `instances/juice/README.md` says where each number comes from)."""),
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
net.validate()
net.summary().set_index("item").T"""),
    new_markdown_cell("""\
## The data at a glance

The sites: existing ones can be kept or closed (closing costs money), candidates opened
for their yearly fixed cost. Plant capacity is in line hours per month, warehouse
capacity in bottles per month."""),
    new_code_cell("""\
sites = net.nodes[net.nodes["kind"].isin(["plant", "warehouse"])]
sites[["id", "kind", "status", "region", "fixed_cost", "closing_cost", "capacity"]] \\
    .set_index("id")"""),
    new_markdown_cell("""\
Demand, a year of it, by the retailers' country: Spain, France, Germany and Italy take most
of it, with the heavier apple share in the east. The growers sit at the two ends: oranges in
Spain and Sicily, apples in northern Germany, Poland and South Tyrol."""),
    new_code_cell("""\
region = net.nodes.set_index("id")["region"]
finished = net.products.query("kind == 'finished'")["id"].tolist()
by_country = (net.demand.assign(country=net.demand["customer"].map(region))
              .pivot_table(index="country", columns="product", values="quantity", aggfunc="sum")
              [finished])
by_country = by_country.loc[by_country.sum(axis=1).sort_values(ascending=False).index]
ax = (by_country / 1e6).plot.bar(stacked=True, figsize=(9, 3.5), rot=0)
ax.set_ylabel("M bottles (1 L) per year")
ax.set_xlabel("retailers' country")
ax.set_title("Demand over the year")
ax.legend(loc="center left", bbox_to_anchor=(1, 0.5))
plt.tight_layout()
print(f"{net.demand['quantity'].sum() / 1e6:.1f} M bottles a year to {net.demand['customer'].nunique()} retailers")
net.supply.set_index(["supplier", "product"])[["price", "capacity"]]"""),
    new_markdown_cell("""\
## The design

One solve (a MIP; a second or two)."""),
    new_code_cell("""\
base = sn.design(net, time_limit=120)
assert base.status == "optimal", base.message
units = base.units
fac = base.facilities
fac[["node", "kind", "status", "open", "capacity", "capacity_used", "utilisation"]] \\
    .set_index("node").round(3)"""),
    new_markdown_cell("""\
The answer is to keep today's footprint: both plants and the three existing warehouses,
no candidate opened, nothing closed. Hannover runs at all its hours; Valencia has room left.
The map shows the flows; the wider a line, the more it carries."""),
    new_code_cell("""\
opened = set(fac.loc[fac["open"], "node"])
assert opened == set(sites.loc[sites["status"] == "existing", "id"]), opened
ax = base.plot()
ax.figure.set_size_inches(9, 7)"""),
    new_markdown_cell("""\
## What it costs and emits

The yearly cost by category. Fruit, concentrate and packaging purchases are half of it;
the sites' fixed costs come next, then bottling, then freight."""),
    new_code_cell("""\
costs = base.costs.set_index("category")["cost"]
costs = costs[costs != 0].sort_values(ascending=False)
table = costs.to_frame(f"{units['money']} per year")
table["share"] = (costs / costs.sum()).round(3)
k = base.kpis.set_index("kpi")["value"]
bottles = net.demand["quantity"].sum()
print(f"total {base.objective / 1e6:.2f} M {units['money']} a year, "
      f"{base.objective / bottles:.3f} {units['money']} per bottle delivered; "
      f"{k['co2'] / 1e3:,.0f} t CO2, {1e3 * k['co2'] / bottles:.0f} g per bottle")
emitted = pd.Series({"transport": base.flows["co2"].sum(), "production": base.production["co2"].sum(),
                     "purchases": base.purchases["co2"].sum()})
print("CO2 by source (share):", (emitted / emitted.sum()).round(2).to_dict())
table.round(3)"""),
    new_markdown_cell("""\
## What drives the answer

A design is only as good as the reasons behind it. Six what-ifs, each a change to the data
or a site forced open or closed, and the design solved again:

* **carbon price ×4**: 340 EUR/t instead of 85 (`carbon_price`);
* **CO2 −5 %** and **CO2 −10 %**: a hard cap on the year's emissions (`co2_cap`, in kg)
  below what the base design emits;
* **Lyon built anyway**: a plant in the middle of the market (`force_open`);
* **Hannover closed**: e.g. if its lease ends (`force_closed`; its 3.5 M closing cost counts);
* **demand +20 %**: new listings everywhere (a `Scenario` scaling the demand table)."""),
    new_code_cell("""\
co2_base = k["co2"]
price = float(net.params["carbon_price"])
whatifs = {
    "base": base,
    "carbon price x4": sn.design(net, carbon_price=4 * price, time_limit=120),
    "CO2 -5 %": sn.design(sn.Scenario("cap5", co2_cap=0.95 * co2_base).apply(net),
                          time_limit=120),
    "CO2 -10 %": sn.design(sn.Scenario("cap10", co2_cap=0.90 * co2_base).apply(net),
                           time_limit=120),
    "Lyon built anyway": sn.design(net, force_open=["PL_LYON"], time_limit=120),
    "Hannover closed": sn.design(net, force_closed=["PL_HANNOVER"], time_limit=120),
    "demand +20 %": sn.design(sn.Scenario("growth", demand=1.2).apply(net), time_limit=120),
}
rows = []
for name, res in whatifs.items():
    assert res.status == "optimal", (name, res.message)
    f = res.facilities
    now = set(f.loc[f["open"], "node"])
    kk = res.kpis.set_index("kpi")["value"]
    c = res.costs.set_index("category")["cost"]
    rows.append({"case": name, "total_cost": res.objective,
                 "cost_vs_base": res.objective - base.objective,
                 "carbon_charge": c.get("carbon", 0.0), "co2_t": kk["co2"] / 1e3,
                 "co2_vs_base_t": (kk["co2"] - co2_base) / 1e3,
                 "opens": ", ".join(sorted(now - opened)), "closes": ", ".join(sorted(opened - now))})
compare = pd.DataFrame(rows).set_index("case")
compare.round(0)"""),
    new_markdown_cell("""\
What the table says:

* **Today's carbon price does not shape the network.** At four times the price the design
  is the same; the company just pays a larger carbon bill. The sites are chosen by fixed
  costs and freight; a good part of the CO2 is bottling and evaporation, the same wherever
  they happen, and the rest is trucking that moving one site shortens only a little.
* **A carbon target does.** A 5 % cut is reached by rerouting with the same sites, at a
  cost. A 10 % cut moves the footprint east: the Grójec plant next to the Polish apples and
  the Stryków warehouse open, Paris closes. Per tonne avoided the larger cut is the cheaper
  one (table below): the new sites cut a lot of CO2 at once.
* **Lyon is not worth its fixed cost**: it saves some freight and CO2 but far less than the
  2 M a year it costs to run.
* **Growth tips the balance**: with 20 % more volume, Hannover's missing hours and the
  freight to the east pay for Grójec and Stryków, the same move as the 10 % carbon cut.
* **Hannover stays because closing it costs 3.5 M once.** The design weighs one year, so the
  whole closing cost lands in it. Take the closing cost out and the network without
  Hannover (Grójec and Stryków instead) is cheaper to run every year:"""),
    new_code_cell("""\
closed = whatifs["Hannover closed"].costs.set_index("category")["cost"]
running_without = whatifs["Hannover closed"].objective - closed["closing"]
saving = base.objective - running_without
print(f"running cost without Hannover: {running_without / 1e6:.2f} M {units['money']} a year "
      f"(base {base.objective / 1e6:.2f} M): {saving / 1e6:.2f} M a year less; the "
      f"{closed['closing'] / 1e6:.1f} M closing cost pays back in {closed['closing'] / saving:.1f} years")
assert saving > 0"""),
    new_code_cell("""\
f = lambda case: whatifs[case].facilities.set_index("node")["open"]  # noqa: E731
assert compare.loc["carbon price x4", "opens"] == compare.loc["carbon price x4", "closes"] == ""
assert compare.loc["CO2 -10 %", "co2_t"] <= 0.90 * co2_base / 1e3 + 1e-6
assert "PL_GROJEC" in compare.loc["CO2 -10 %", "opens"]
assert "PL_GROJEC" in compare.loc["demand +20 %", "opens"]
assert compare.loc["Lyon built anyway", "cost_vs_base"] > 0
assert not f("Hannover closed")["PL_HANNOVER"] and compare.loc["Hannover closed", "opens"]
assert (compare["total_cost"] >= base.objective - 1e-6 * base.objective).drop(
    ["carbon price x4", "demand +20 %"]).all()  # every other case is the base with a constraint
cut = compare.loc[["CO2 -5 %", "CO2 -10 %", "Lyon built anyway"]]
# cost without the carbon charge, per tonne avoided: what the cut costs the business
extra = (cut["total_cost"] - cut["carbon_charge"]) - (base.objective - compare.loc["base", "carbon_charge"])
per_tonne = (extra / -cut["co2_vs_base_t"]).round(0)
assert per_tonne["CO2 -10 %"] < per_tonne["CO2 -5 %"]
per_tonne.to_frame(f"{units['money']} per t CO2 avoided")"""),
    new_code_cell("""\
by_case = pd.DataFrame({name: r.costs.set_index("category")["cost"] for name, r in whatifs.items()})
by_case = by_case[(by_case != 0).any(axis=1)] / 1e6
ax = by_case.T.plot.barh(stacked=True, figsize=(9, 4.5))
ax.set_xlabel(f"M {units['money']} per year")
ax.set_title("Cost of the best design in each case")
ax.legend(loc="center left", bbox_to_anchor=(1, 0.5))
ax.invert_yaxis()
plt.tight_layout()"""),
    new_markdown_cell("""\
## For the board

Keep the network as it is for next year: no new site pays for itself in one year at today's
volume and carbon price. Three things point the same way, to Grójec and Stryków: a carbon
target of 10 % or more, volume growth of the order of 20 %, and Hannover's running cost. The
last one is a decision for a multi-year review: closing Hannover pays back its closing cost
in a few years (above), before counting the people, the contracts, the stock to move (the
result's message names it) and the risk of the move. Hannover is also the plant without spare hours; how it copes with the summer month by
month is the subject of the S&OP notebook (05), and how the design stands up to
disruptions and a carbon-price sweep that of the scenario study (02)."""),
]

write(cells, "01_network_design.ipynb")
