"""The orders to promise: checked, typed and put in sequence; each order's segment.

An order is a row of a DataFrame: ``order`` (id), ``customer``, ``product``, ``quantity``
(units), ``period`` (requested delivery period, 1..T; ``requested_period`` is accepted
too) and an optional ``priority`` (a number, smaller first, when promising by priority).
"""

from __future__ import annotations

import math

import pandas as pd

from ...errors import InstanceError
from .._sets import records

REQUIRED = ["order", "customer", "product", "quantity", "period"]
# allocation rank of a segment: smaller is served first (pairs without a commitment: best effort)
RANK = {"key_account": 0, "committed": 1, "best_effort": 2}


def segments(net) -> dict[tuple[str, str], str]:
    """{(customer, product): segment} from the commitments table (absent pairs: best_effort)."""
    com = net.table("commitments")
    return {(c, p): s for c, p, s in records(com, ["customer", "product", "segment"])}


def read_orders(net, orders: pd.DataFrame, sequence: str = "given") -> pd.DataFrame:
    """The orders checked against ``net`` and sorted: columns order, customer, product,
    quantity (units), period (requested), priority, segment. ``sequence``: 'given' (the
    rows' order) or 'priority' (smaller priority first, ties in the given order).
    Raises InstanceError naming each bad row, its customer and product."""
    if sequence not in ("given", "priority"):
        raise InstanceError(f"sequence must be 'given' or 'priority', got {sequence!r}")
    df = pd.DataFrame(orders).copy()
    df.columns = [str(c).strip() for c in df.columns]
    if "period" not in df.columns and "requested_period" in df.columns:
        df = df.rename(columns={"requested_period": "period"})
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InstanceError(f"orders: missing column(s) {', '.join(missing)} (columns: "
                            f"{', '.join(REQUIRED)}, optional priority)")
    if "priority" not in df.columns:
        df["priority"] = 0.0
    if sequence == "priority" and df["priority"].isna().any():
        raise InstanceError("orders: priority is empty in some rows; give every order a number")
    kind = net.kind_of()
    products = set(net.table("products")["id"].tolist())
    T = len(net.periods)
    seg = segments(net)
    problems, seen, rows = [], set(), []
    for i, (o, c, p, q, t, pr) in enumerate(records(df, REQUIRED + ["priority"])):
        where = f"orders row {i + 1} (order={o}, customer={c}, product={p})"
        c, p = str(c).strip(), str(p).strip()
        if kind.get(c) != "customer":
            problems.append(f"{where}: {c!r} is not a customer node")
        if p not in products:
            problems.append(f"{where}: {p!r} is not a product")
        try:
            qf = float(q)
        except (TypeError, ValueError):
            qf = math.nan
        if not (math.isfinite(qf) and qf > 0):
            problems.append(f"{where}: quantity={q!r} must be a number > 0 (units)")
        try:
            tf = float(t)
        except (TypeError, ValueError):
            tf = math.nan
        if not (math.isfinite(tf) and tf.is_integer() and 1 <= tf <= T):
            problems.append(f"{where}: period={t!r} must be a whole period in 1..{T}")
        try:
            prf = float(pr)
        except (TypeError, ValueError):
            prf = math.nan
            problems.append(f"{where}: priority={pr!r} is not a number")
        if str(o) in seen:
            problems.append(f"{where}: order id {o!r} repeats an earlier row")
        seen.add(str(o))
        rows.append((str(o), c, p, qf, int(tf) if math.isfinite(tf) else 0, prf,
                     seg.get((c, p), "best_effort")))
    if problems:
        raise InstanceError(problems)
    out = pd.DataFrame(rows, columns=["order", "customer", "product", "quantity", "period",
                                      "priority", "segment"])
    if sequence == "priority":
        out = out.sort_values("priority", kind="stable").reset_index(drop=True)
    return out
