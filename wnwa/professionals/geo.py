"""Distance from a ZIP code, offline.

ZIP centroids come from the `zipcodes` package (its bundled data; nothing is downloaded at
run time). Held as Python dicts, the package's full list costs a process about 150 MB, which
it keeps even after letting go of the list; so a child process reads it once and writes the
columns used here to a small file in the instance folder (named by the package's version).
Each process keeps only the ZIP numbers and where each line starts (two compact arrays, about
330 KB), searched by bisection, and reads a line from the file mapped read-only when a lookup
needs it: the kernel shares those pages between processes, where Python objects for every
line cost each worker about 5 MB. Distances are great-circle (haversine) miles.

A search first narrows listings with a latitude/longitude bounding box, which both engines
answer from the (status, lat, lon, confirmed_at) index, then keeps those within the radius by
haversine.
"""

from __future__ import annotations

import math
import mmap
import os
import re
import subprocess  # this module with the same interpreter, no shell  # nosec B404
import sys
import tempfile
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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


@dataclass(frozen=True)
class Centroids:
    """Every ZIP code with a centroid, in ZIP order: the five digits as a number, where its
    line starts in the table file, and the file mapped read-only."""

    zips: array
    starts: array
    lines: mmap.mmap

    def index(self, zip_code: str) -> int | None:
        if len(zip_code) != 5 or not zip_code.isascii() or not zip_code.isdecimal():
            return None
        number = int(zip_code)
        i = bisect_left(self.zips, number)
        return i if i < len(self.zips) and self.zips[i] == number else None

    def row(self, i: int) -> tuple[float, float, str, str, str]:
        """(lat, lon, city, state, first area code) of the i-th ZIP code."""
        start = self.starts[i]
        line = self.lines[start : self.lines.find(b"\n", start)].decode("utf-8")
        _, lat, lon, city, state, area = line.split("\t")
        return float(lat), float(lon), city, state, area


def write_table(path: Path) -> None:
    """Write (zip, lat, lon, city, state, first area code) for every ZIP code with a centroid,
    tab-separated and in ZIP order, from the package's data (run in a child process)."""
    import zipcodes

    lines = []
    for row in zipcodes.list_all():
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (KeyError, TypeError, ValueError):
            continue
        if lat == 0 and lon == 0:
            continue
        area = (row.get("area_codes") or [""])[0]
        city = (row.get("city") or "").title().replace("\t", " ")
        lines.append(f"{row['zip_code']}\t{lat}\t{lon}\t{city}\t{row.get('state', '')}\t{area}")
    lines.sort()
    temporary = path.with_name(f"{path.name}.{os.getpid()}")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, path)  # whole or not at all, whichever process gets there first


def _table_path() -> Path:
    """In the app's instance folder (the temporary folder outside an app, e.g. a script)."""
    from importlib.metadata import version

    from flask import current_app, has_app_context

    folder = current_app.instance_path if has_app_context() else tempfile.gettempdir()
    os.makedirs(folder, exist_ok=True)
    return Path(folder) / f"zip-centroids-{version('zipcodes')}.tsv"


def _ensure_table(path: Path) -> None:
    if not path.exists():
        subprocess.run(  # this interpreter, this module, our path  # noqa: S603  # nosec B603
            [sys.executable, "-m", "wnwa.professionals.geo", str(path)], check=True, timeout=120
        )


def prepare_table(app) -> None:
    """Write the table, if missing, when the app starts (once per machine and `zipcodes`
    version): no request, an officer's ZIP search least of all, ever writes a file."""
    with app.app_context():
        _ensure_table(_table_path())


@lru_cache(maxsize=1)
def _centroids() -> Centroids:
    path = _table_path()
    _ensure_table(path)  # already there in the app (prepare_table); a script may need it
    zips, starts = array("i"), array("I")
    offset = 0
    with path.open("rb") as lines:  # read as a file: the mapping below stays untouched
        for line in lines:
            zips.append(int(line[:5]))
            starts.append(offset)
            offset += len(line)
    with path.open("rb") as table:
        mapped = mmap.mmap(table.fileno(), 0, access=mmap.ACCESS_READ)
    return Centroids(zips, starts, mapped)


def normalize_zip(value: str) -> str | None:
    """A five-digit ZIP from '60601' or '60601-1234'; None if it is not one."""
    match = re.fullmatch(r"\s*(\d{5})(?:-\d{4})?\s*", value or "")
    return match.group(1) if match else None


def centroid(zip_code: str) -> Point | None:
    table = _centroids()
    i = table.index(zip_code)
    if i is None:
        return None
    lat, lon, _, _, _ = table.row(i)
    return Point(lat, lon)


def place(zip_code: str) -> tuple[str, str] | None:
    """(city, state) of a ZIP code, if known."""
    table = _centroids()
    i = table.index(zip_code)
    if i is None:
        return None
    _, _, city, state, _ = table.row(i)
    return city, state


def area_code(zip_code: str) -> str:
    table = _centroids()
    i = table.index(zip_code)
    area = table.row(i)[4] if i is not None else ""
    return area or "312"


def all_zip_codes() -> list[tuple[str, str, str]]:
    """(zip code, city, state) of every ZIP code with a centroid, in ZIP order."""
    table = _centroids()
    return [(f"{z:05d}", *table.row(i)[2:4]) for i, z in enumerate(table.zips)]


def haversine_miles(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def lon_band(lon: float) -> int:
    """The whole degree of longitude a point lies in: the distance index's second column, so
    that a search reads the few bands its box crosses instead of the whole latitude band."""
    return math.floor(lon)


def lon_bands(box: Box) -> list[int]:
    return list(range(lon_band(box.min_lon), lon_band(box.max_lon) + 1))


def bounding_box(center: Point, miles: float) -> Box:
    """A box that contains every point within `miles` of `center` (no wrap at +-180)."""
    dlat = miles / MILES_PER_DEGREE_LAT
    # The widest longitude span of the circle is at the latitude nearest a pole.
    widest = min(89.0, max(abs(center.lat - dlat), abs(center.lat + dlat)))
    dlon = miles / (MILES_PER_DEGREE_LAT * math.cos(math.radians(widest)))
    return Box(center.lat - dlat, center.lat + dlat, center.lon - dlon, center.lon + dlon)


if __name__ == "__main__":
    write_table(Path(sys.argv[1]))
