"""Trigeiro, Thomas & McClain (1989) capacitated lot-sizing files with setup times.

The format of the files circulated as the TTM "tdata" set (e.g. G53.DAT, G57.DAT; W. W.
Trigeiro, L. J. Thomas, J. O. McClain, "Capacitated lot sizing with setup times",
Management Science 35(3):353-366, 1989), one single-resource instance per file::

    n T                       items, periods
    k                         one number (1 in every published file; not used)
    C                         capacity of the resource per period (time units)
    b h st sc                 n lines, one per item: time per unit, holding cost per unit
                              and period, setup time, setup cost
    demand                    T x n: one line per period, one column per item, written
                              in column blocks (files with more than 15 items give T
                              lines of items 1-15, then T lines of items 16..n)

Anything after the demand (the files end with a ``Bi hi su su / time cost`` legend) is
ignored. The problem (TTM; Belvaux & Wolsey 2000) is: minimise setup plus holding cost,
``sum_it sc_i y_it + h_i s_it``, with ``s_i,t-1 + x_it = d_it + s_it`` (no initial stock,
no backlog), ``sum_i b_i x_it + st_i y_it <= C`` and ``x_it <= M y_it``.

The Network built has the same optimum under ``plan(setups=True)``:

* one plant ``M`` (capacity ``C`` hours per period, holding rate 1 per period), one
  customer ``D`` on a lane ``M -> D`` of cost 0 and lead time 0;
* products ``I01..In`` with ``value`` = h_i (so holding costs h_i per unit and period);
* production ``M`` x ``I..``: cost 0, capacity_use b_i, setup_cost sc_i, setup_time st_i;
* demand of ``D`` per item and period (periods with no demand have no row), in the
  customer class ``ttm``: lost sales, ``min_fill_rate`` 1 (every unit served, a hard
  row: TTM has no backlog) and a penalty of 1e6 per unit for completeness.

``lot_sizing_network`` builds it, also for ``supplynet.io.lsdm`` files, which may add a
capacity that varies by period (periods below the largest are outages of ``M`` with
``capacity_factor`` = capacity / largest) and an initial stock per item (``stock`` rows
at ``M``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InstanceError

UNMET_PENALTY = 1e6  # money/unit; never paid: min_fill_rate = 1 makes service hard


def _fail(path: Path, msg: str, line: int | None = None) -> InstanceError:
    where = f"{path}, line {line}" if line else str(path)
    return InstanceError(f"{where}: {msg}", source=str(path))


def _numbers(path: Path, lines: list[tuple[int, list[str]]], k: int, what: str
             ) -> list[float]:
    """The tokens of ``lines[k]`` as numbers; a clear error naming the line otherwise."""
    if k >= len(lines):
        raise _fail(path, f"the file ends before the {what}")
    no, toks = lines[k]
    out = []
    for tok in toks:
        try:
            out.append(float(tok))
        except ValueError:
            raise _fail(path, f"{what}: expected a number, found {tok!r}", no) from None
    return out


def _whole(x: float) -> bool:
    return float(x).is_integer() and x > 0


def read_ttm(path: str | Path):
    """Read one TTM capacitated lot-sizing file into a Network for ``plan(setups=True)``.

    Args:
        path: the file (e.g. ``G53.DAT``).

    Returns:
        A Network named after the file's stem, with ``params["periods"]`` = T (see the
        module docstring for its layout). Costs are in the file's money units, capacity
        and times in its time units, quantities in units.

    Raises:
        InstanceError: naming the file and line when the file is missing or malformed
        (a non-number where a number belongs, wrong counts, negative values).
    """
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise _fail(path, f"cannot read ({e})") from None
    lines = [(no, ln.split()) for no, ln in enumerate(text.splitlines(), start=1) if ln.split()]

    head = _numbers(path, lines, 0, "header 'items periods'")
    if len(head) != 2 or not (_whole(head[0]) and _whole(head[1])):
        raise _fail(path, "the first line must be 'items periods' (two positive whole "
                    f"numbers), found {' '.join(lines[0][1])!r}", lines[0][0])
    n, T = int(head[0]), int(head[1])
    if len(_numbers(path, lines, 1, "second line (one number)")) != 1:
        raise _fail(path, "the second line must hold one number", lines[1][0])
    cap = _numbers(path, lines, 2, "capacity line")
    if len(cap) != 1 or not cap[0] > 0:
        raise _fail(path, "the third line must hold the capacity per period (one number > 0)",
                    lines[2][0])
    items = []
    for i in range(n):
        row = _numbers(path, lines, 3 + i, f"line of item {i + 1} (b h st sc)")
        if len(row) != 4:
            raise _fail(path, f"item {i + 1}: expected 4 numbers (time per unit, holding "
                        f"cost, setup time, setup cost), found {len(row)}", lines[3 + i][0])
        if min(row) < 0:
            raise _fail(path, f"item {i + 1}: negative value in {row}", lines[3 + i][0])
        items.append(row)

    demand = [[0.0] * n for _ in range(T)]  # demand[t][i]
    k, first = 3 + n, 0  # next line; first item of the next column block
    while first < n:
        width = None
        for t in range(T):
            row = _numbers(path, lines, k, f"demand of period {t + 1}, items {first + 1}..")
            width = len(row) if width is None else width
            if len(row) != width or first + width > n:
                raise _fail(path, f"demand of period {t + 1}: expected {width if t else n - first}"
                            f" numbers for items {first + 1}.. (a block of {T} lines per group "
                            f"of items), found {len(row)}", lines[k][0])
            if min(row) < 0:
                raise _fail(path, f"demand of period {t + 1}: negative value", lines[k][0])
            demand[t][first:first + width] = row
            k += 1
        first += width

    return lot_sizing_network(
        path.stem, [cap[0]] * T, items, demand,
        f"Trigeiro-Thomas-McClain capacitated lot sizing {path.stem} ({n} items, {T} periods, "
        f"capacity {cap[0]:g} per period)")


def lot_sizing_network(name: str, capacity: list[float], items: list[list[float]],
                       demand: list[list[float]], description: str,
                       initial: list[float] | None = None):
    """The Network of a single-machine capacitated lot-sizing instance (module docstring).

    Args:
        name: the network's name.
        capacity: capacity of the machine per period 1..T (time units), each > 0. Periods
            below the largest are outages of the plant with ``capacity_factor`` = capacity /
            largest (a factor 0 would also stop the plant's deliveries in that period).
        items: per item ``[b, h, st, sc]``: time per unit, holding cost per unit and period,
            setup time, setup cost.
        demand: ``demand[t][i]``, units of item i in period t + 1.
        description: the network's description.
        initial: stock of each item on hand at the start (units); None = none.

    Items are named ``I1..In`` (zero-padded to the width of n).
    """
    from ..network import Network

    n, T = len(items), len(capacity)
    top = max(capacity)
    w = len(str(n))
    names = [f"I{i + 1:0{w}d}" for i in range(n)]
    net = Network(name, params={"periods": T, "holding_rate": 0.0, "description": description})
    net.add_plant("M", capacity=top, holding_rate=1.0)
    for t, c in enumerate(capacity, start=1):
        if c < top:  # a period of less capacity: the plant's capacity scaled down
            net.add_outage("M", t, t, capacity_factor=c / top)
    net.add_customer("D").add_lane("M", "D", cost=0.0, lead_time=0)
    net.add_customer_class("ttm", unmet_penalty=UNMET_PENALTY, backlog=False, min_fill_rate=1.0)
    for i, (name_i, (b, h, st, sc)) in enumerate(zip(names, items, strict=True)):
        net.add_product(name_i, value=h)
        net.add_production("M", name_i, cost=0.0, capacity_use=b, setup_cost=sc, setup_time=st)
        if initial is not None and initial[i] > 0:
            net.add_stock("M", name_i, initial=initial[i])
    for t in range(T):
        for i, q in enumerate(demand[t]):
            if q > 0:
                net.add_demand("D", names[i], q, period=t + 1, priority="ttm")
    return net
