"""An offline land backdrop and a geographic aspect for maps in longitude/latitude.

The land outline is Natural Earth 1:110m (public domain), shipped as package data in
``plot/data/ne_110m_land.json`` (see the README there); nothing is downloaded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

LAND_COLOR = "#ecebe4"
SEA_COLOR = "#f4f8fb"
SHORE_COLOR = "#b9b7ad"


@lru_cache(maxsize=1)
def land_polygons() -> tuple[tuple[tuple[tuple[float, float], ...], ...], ...]:
    """Natural Earth 1:110m land: polygons, each (outer ring, holes...), rings of (lon, lat)."""
    text = resources.files("supplynet.plot").joinpath("data/ne_110m_land.json").read_text("utf-8")
    return tuple(tuple(tuple((float(x), float(y)) for x, y in ring) for ring in poly)
                 for poly in json.loads(text)["polygons"])


def is_lonlat(points: Iterable[tuple[float, float]]) -> bool:
    """True when every (x, y) is a finite longitude in [-180, 180] and latitude in [-90, 90]."""
    pts = list(points)
    return bool(pts) and all(math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180
                             and -90 <= y <= 90 for x, y in pts)


def extent(points: Iterable[tuple[float, float]], margin: float = 0.08,
           min_span: float = 1.0) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) around the points, widened by ``margin`` of the span on each side
    (at least ``min_span`` wide, so one point still gets a map around it)."""
    xs, ys = zip(*points, strict=True)
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    dx, dy = max(x1 - x0, min_span), max(y1 - y0, min_span)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = dx * (1 + 2 * margin), dy * (1 + 2 * margin)
    return cx - dx / 2, cx + dx / 2, cy - dy / 2, cy + dy / 2


def geo_aspect(lat0: float, lat1: float) -> float:
    """Axes aspect (y unit / x unit) making one km as long east-west as north-south at the
    middle latitude: 1 / cos(latitude), an equirectangular view true to scale there."""
    mid = math.radians(max(-85.0, min(85.0, (lat0 + lat1) / 2)))
    return 1.0 / math.cos(mid)


def draw_land(ax, box: tuple[float, float, float, float], zorder: float = 0) -> int:
    """Fill the land inside ``box`` (x0, x1, y0, y1 in degrees) on ``ax``; sea as background.

    Only polygons whose bounding box meets ``box`` are drawn; the axes clip the rest.
    Returns the number of polygons drawn."""
    from matplotlib.patches import Polygon

    x0, x1, y0, y1 = box
    ax.set_facecolor(SEA_COLOR)
    drawn = 0
    for poly in land_polygons():
        outer = poly[0]
        xs = [p[0] for p in outer]
        ys = [p[1] for p in outer]
        if max(xs) < x0 or min(xs) > x1 or max(ys) < y0 or min(ys) > y1:
            continue
        ax.add_patch(Polygon(outer, closed=True, facecolor=LAND_COLOR, edgecolor=SHORE_COLOR,
                             linewidth=0.6, zorder=zorder, gid="land"))
        for hole in poly[1:]:  # lakes cut out of the land: painted back as water
            ax.add_patch(Polygon(hole, closed=True, facecolor=SEA_COLOR, edgecolor=SHORE_COLOR,
                                 linewidth=0.4, zorder=zorder, gid="land"))
        drawn += 1
    return drawn


def frame_geographic(ax, points: list[tuple[float, float]], backdrop: bool = True,
                     margin: float = 0.08) -> bool:
    """Set limits, a true-to-scale aspect and degree axis labels when ``points`` are lon/lat,
    with the land backdrop if ``backdrop``. Returns True when the frame is geographic."""
    if not is_lonlat(points):
        return False
    x0, x1, y0, y1 = extent(points, margin)
    y0, y1 = max(y0, -90.0), min(y1, 90.0)
    if backdrop:
        draw_land(ax, (x0, x1, y0, y1))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(geo_aspect(y0, y1))
    ax.set_xlabel("longitude [°]")
    ax.set_ylabel("latitude [°]")
    return True
