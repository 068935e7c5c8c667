"""Available to promise: the plan's stock that no planned delivery, target or promise needs.

``Stock`` holds, per stock-holding (node, product), the plan's on-hand trajectory (end of
each period, units) minus what must stay (safety-stock target, the end target in T) and
minus what earlier promises took; the spare capacity of lanes and warehouse throughput
(units per period). Shipping x units from n in period s lowers the stock of every period
u >= s, so the most that can leave in s is ``free(n, p, s) = min_{u >= s} spare[n,p,u]``
(cumulative ATP: later receipts are not usable earlier).
"""

from __future__ import annotations

import math
from collections import defaultdict

from ...schema import LANE_SEPARATOR
from .._sets import outage_factors, records

TOL = 1e-6


class Stock:
    """The unallocated supply of one plan, reduced by each ATP promise (``take``)."""

    def __init__(self, plan_result) -> None:
        net = plan_result.network
        self.net = net
        self.T = len(net.periods)
        self.factor = outage_factors(net, list(net.periods))
        inv = plan_result.tables["inventory"]
        keep: dict[tuple[str, str], float] = {}
        st = net.table("stock")
        for n, p, te in records(st, ["node", "product", "target_end"]):
            keep[(n, p)] = float(te)
        self.spare: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * (self.T + 1))
        for n, p, t, oh, ss in records(inv, ["node", "product", "period", "on_hand",
                                             "safety_stock_target"]):
            reserve = max(ss, keep.get((n, p), 0.0)) if t == self.T else ss
            self.spare[(n, p)][int(t)] = oh - reserve
        cap = plan_result.tables["capacity"]
        self.lane_spare: dict[tuple[str, int], float] = {}
        self.through_spare: dict[tuple[str, int], float] = {}
        for r, typ, t, used, avail in records(cap, ["resource", "type", "period", "used",
                                                    "available"]):
            if typ == "lane":
                self.lane_spare[(r, int(t))] = avail - used
            elif typ == "throughput":
                self.through_spare[(r, int(t))] = avail - used
        kind = net.kind_of()
        lanes = net.table("lanes")
        self.sources: dict[str, list[tuple[str, int]]] = defaultdict(list)  # customer -> lanes
        for o, d, lt, _cost in sorted(records(lanes, ["origin", "destination", "lead_time",
                                                     "cost"]), key=lambda r: (r[2], r[3], r[0])):
            if kind.get(o) in ("plant", "warehouse") and kind.get(d) == "customer":
                self.sources[d].append((o, int(lt)))

    def free(self, n: str, p: str, s: int) -> float:
        """Units of p that may leave n in period s without breaking the plan (>= 0)."""
        if (n, p) not in self.spare:
            return 0.0
        sp = self.spare[(n, p)]
        return max(0.0, min(sp[s:self.T + 1]))

    def capacity(self, n: str, c: str, s: int) -> float:
        """Spare units on lane n -> c and through n in period s (inf when unlimited)."""
        lane = f"{n}{LANE_SEPARATOR}{c}"
        if self.factor.get((n, s), 1.0) <= 0 or self.factor.get((lane, s), 1.0) <= 0:
            return 0.0
        return max(0.0, min(self.lane_spare.get((lane, s), math.inf),
                            self.through_spare.get((n, s), math.inf)))

    def take(self, n: str, c: str, p: str, s: int, q: float) -> None:
        """Ship q units of p from n to c in s: lower the stock of s..T and the capacities."""
        sp = self.spare[(n, p)]
        for u in range(s, self.T + 1):
            sp[u] -= q
        lane = f"{n}{LANE_SEPARATOR}{c}"
        if (lane, s) in self.lane_spare:
            self.lane_spare[(lane, s)] -= q
        if (n, s) in self.through_spare:
            self.through_spare[(n, s)] -= q

    def available(self, c: str, p: str, t: int, q: float
                  ) -> tuple[dict[int, float], list[tuple[str, int, int, float]], str]:
        """The earliest deliveries of up to q units of p to c from period t on.

        Returns ({delivery period: units}, [(node, ship period, delivery period, units)],
        why short): deliveries in t, t+1, ..., T, each from the stock nodes with a lane into
        c (shortest lead time, then cheapest lane first), shipping in period a - lead time.
        Nothing is taken yet (``take`` does it for the chosen promise)."""
        plan: dict[int, float] = defaultdict(float)
        legs: list[tuple[str, int, int, float]] = []
        rem = q
        used: dict[tuple[str, int], float] = defaultdict(float)  # (node, ship period) taken
        usedcap: dict[tuple[str, int], float] = defaultdict(float)
        binds: set[str] = set()
        srcs = self.sources.get(c, [])
        for a in range(t, self.T + 1):
            for n, lead in srcs:
                s = a - lead
                if rem <= TOL or s < 1:
                    continue
                # what earlier legs of this order already took from n in s' <= s
                taken = sum(x for (m, s2), x in used.items() if m == n and s2 <= s)
                stock = max(0.0, self.free(n, p, s) - taken)
                cap = self.capacity(n, c, s) - usedcap[(n, s)]
                x = min(rem, stock, cap)
                if x < rem - TOL:  # this source cannot carry what is left: say what limits it
                    if stock <= cap:
                        if (n, p) in self.spare:
                            binds.add(f"stock of {p} at {n} in period {s}")
                    else:
                        binds.add(f"lane {n}{LANE_SEPARATOR}{c} or throughput of {n} in period {s}")
                if x > TOL:
                    plan[a] += x
                    legs.append((n, s, a, x))
                    used[(n, s)] += x
                    usedcap[(n, s)] += x
                    rem -= x
        why = ""
        if rem > TOL:
            why = ("no stock-holding node has a lane into " + c if not srcs else
                   "unallocated stock short: " + "; ".join(sorted(binds)[:3]) if binds else
                   f"no stock of {p} reaches {c} from period {t} on")
        return dict(plan), legs, why
