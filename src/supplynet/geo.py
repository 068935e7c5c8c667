"""Distances on the globe: the great-circle length of lanes whose distance was left blank."""

from __future__ import annotations

import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance in km between points given in degrees (numpy broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def lane_distances(lanes: pd.DataFrame, nodes: pd.DataFrame) -> np.ndarray:
    """Each lane's length (km): its ``distance``, or where that is blank the great-circle
    distance between its ends' coordinates (the schema's meaning of a blank distance; NaN
    when either end has no lat/lon)."""
    given = lanes["distance"].to_numpy(dtype=float, copy=True)
    blank = np.isnan(given)
    if not blank.any():
        return given
    lat = dict(zip(nodes["id"].tolist(), nodes["lat"].astype(float).tolist(), strict=True))
    lon = dict(zip(nodes["id"].tolist(), nodes["lon"].astype(float).tolist(), strict=True))
    o = lanes["origin"].to_numpy()[blank]
    d = lanes["destination"].to_numpy()[blank]
    nan = float("nan")
    given[blank] = great_circle_km(np.array([lat.get(n, nan) for n in o]),
                                   np.array([lon.get(n, nan) for n in o]),
                                   np.array([lat.get(n, nan) for n in d]),
                                   np.array([lon.get(n, nan) for n in d]))
    return given
