"""Distance from a ZIP code, offline.

ZIP centroids come from the `zipcodes` package (its bundled data; nothing is downloaded at
run time), read once per process into a dict. Distances are great-circle (haversine) miles.
A search first narrows listings with a latitude/longitude bounding box, which both engines
answer from the (status, lat, lon, confirmed_at) index, then keeps those within the radius by
haversine.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LAT = 69.05  # a little over the true 69.0, so the box never cuts the circle


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True)
class Box:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


@lru_cache(maxsize=1)
def _centroids() -> dict[str, tuple[float, float, str, str, str]]:
    """ZIP code -> (latitude, longitude, city, state, first area code)."""
    import zipcodes

    table = {}
    for row in zipcodes.list_all():
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (KeyError, TypeError, ValueError):
            continue
        if lat == 0 and lon == 0:
            continue
        areas = row.get("area_codes") or [""]
        table[row["zip_code"]] = (
            lat,
            lon,
            row.get("city", "").title(),
            row.get("state", ""),
            areas[0],
        )
    return table


def normalize_zip(value: str) -> str | None:
    """A five-digit ZIP from '60601' or '60601-1234'; None if it is not one."""
    match = re.fullmatch(r"\s*(\d{5})(?:-\d{4})?\s*", value or "")
    return match.group(1) if match else None


def centroid(zip_code: str) -> Point | None:
    found = _centroids().get(zip_code)
    return Point(found[0], found[1]) if found else None


def place(zip_code: str) -> tuple[str, str] | None:
    """(city, state) of a ZIP code, if known."""
    found = _centroids().get(zip_code)
    return (found[2], found[3]) if found else None


def area_code(zip_code: str) -> str:
    found = _centroids().get(zip_code)
    return found[4] if found and found[4] else "312"


def all_zip_codes() -> list[tuple[str, str, str]]:
    """(zip code, city, state) of every ZIP code with a centroid, in ZIP order."""
    return [(z, v[2], v[3]) for z, v in sorted(_centroids().items())]


def haversine_miles(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(center: Point, miles: float) -> Box:
    """A box that contains every point within `miles` of `center` (no wrap at +-180)."""
    dlat = miles / MILES_PER_DEGREE_LAT
    # The widest longitude span of the circle is at the latitude nearest a pole.
    widest = min(89.0, max(abs(center.lat - dlat), abs(center.lat + dlat)))
    dlon = miles / (MILES_PER_DEGREE_LAT * math.cos(math.radians(widest)))
    return Box(center.lat - dlat, center.lat + dlat, center.lon - dlon, center.lon + dlon)
