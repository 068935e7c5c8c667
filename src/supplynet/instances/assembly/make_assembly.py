"""Build the `assembly` instance: a multi-echelon electronics assembly network (synthetic).

Run ``python instances/assembly/make_assembly.py`` to rewrite the files next to this script.
The network comes from ``supplynet.generate`` (seed 11) with three BOM levels; the script only
gives the products readable names. See README.md.
"""

from __future__ import annotations

from pathlib import Path

import supplynet as sn

HERE = Path(__file__).resolve().parent
SEED = 11
RAW = ["resistor_array", "capacitor_pack", "microcontroller", "memory_chip", "pcb_blank",
       "connector", "lcd_panel", "battery_cell", "plastic_housing", "wifi_chip"]
LEVEL1 = ["power_board", "sensor_board", "display_module", "radio_module"]
LEVEL2 = ["control_unit", "main_board", "battery_pack", "front_panel"]
FINISHED = ["smart_thermostat", "smart_plug", "home_router", "security_camera",
            "video_doorbell", "smart_speaker"]
PRODUCT_COLUMNS = {"products": ["id"], "bom": ["parent", "component"], "supply": ["product"],
                   "production": ["product"], "demand": ["product"], "stock": ["product"]}


def build() -> sn.Network:
    net = sn.generate(suppliers=12, plants=8, warehouses=10, customers=40, products=len(FINISHED),
                      periods=12, bom_depth=3, seed=SEED, raw_products=len(RAW),
                      intermediates=len(LEVEL1), name="assembly")
    ids = net.products["id"].tolist()
    generated = ([p for p in ids if p.startswith("R")] + [p for p in ids if p.startswith("I1_")]
                 + [p for p in ids if p.startswith("I2_")] + [p for p in ids if p.startswith("F")])
    rename = dict(zip(generated, RAW + LEVEL1 + LEVEL2 + FINISHED, strict=True))
    for table, cols in PRODUCT_COLUMNS.items():
        if net.has_table(table):
            df = net.table(table).copy()
            for c in cols:
                df[c] = df[c].map(rename)
            net.set_table(table, df)
    net.params["description"] = (
        "Electronics assembly network (synthetic, supplynet.generate seed 11): 12 component "
        "suppliers, 8 plants in three tiers (boards -> units -> devices), 10 warehouses, "
        "40 customers in Europe; 10 components, 8 modules, 6 devices; 12 months.")
    return net


if __name__ == "__main__":
    net = build()
    net.validate()
    net.write(HERE)
    print(net)
    print(net.summary().to_string(index=False))
