"""A GeoTIFF's own ground pixel size and no-data value, read from its tags with tifffile (no GDAL)."""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECTED, GEOGRAPHIC = 1, 2  # GTModelTypeGeoKey
METRE, DEGREE, USER_DEFINED = 9001, 9102, 32767  # EPSG unit codes; user-defined units give their size
GDAL_NODATA = 42113
METRES_PER_UNIT = {METRE: 1.0, 9002: 0.3048, 9003: 1200 / 3937, 9005: 0.3047972654, 9014: 1.8288,
                   9015: 1852.0, 9030: 1852.0, 9035: 1609.347218694438, 9036: 1000.0, 9093: 1609.344,
                   9096: 0.9144}
DEGREES_PER_UNIT = {9101: 180 / math.pi, DEGREE: 1.0, 9103: 1 / 60, 9104: 1 / 3600, 9105: 0.9, 9106: 0.9}
WGS84_RADIUS = 6378137.0
WGS84_ECCENTRICITY_SQUARED = 6.69437999014e-3


@dataclass(frozen=True)
class GroundPixel:
    """The ground size of one pixel in metres, across and down; ``latitude`` where a size in degrees was measured."""

    across: float
    down: float
    latitude: float | None = None


@dataclass(frozen=True)
class GeoTags:
    """What a GeoTIFF says about its pixels: their ground size, its no-data value, and an EPSG unit it gives its
    pixel size in that img2print cannot convert."""

    pixel: GroundPixel | None
    nodata: float | None
    unknown_unit: int | None = None


class _UnknownUnit(Exception):
    """The file gives its pixel size in a unit without a known size."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def read_geotags(source: bytes | Path) -> GeoTags | None:
    """The GeoTIFF tags of a TIFF's first image; None when it has none or they cannot be read."""
    import tifffile

    unreadable = (tifffile.TiffFileError, OSError, ValueError, TypeError, IndexError, KeyError, struct.error)
    try:
        with tifffile.TiffFile(io.BytesIO(source) if isinstance(source, bytes) else source) as tiff:
            page = tiff.pages[0]
            keys, rows = page.geotiff_tags or {}, page.imagelength
            nodata = _nodata(page.tags.valueof(GDAL_NODATA))
        return GeoTags(_ground_pixel(keys, rows), nodata) if keys or nodata is not None else None
    except _UnknownUnit as unknown:
        return GeoTags(None, nodata, unknown.code)
    except unreadable:
        return None


def _nodata(text: str | None) -> float | None:
    """GDAL's no-data value, written as text (NaN included)."""
    if not text:
        return None
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def _ground_pixel(keys: dict[str, Any], rows: int) -> GroundPixel | None:
    """The pixel size in metres from ModelPixelScale and the model's units; None without a usable one."""
    scale = keys.get("ModelPixelScale")
    if not scale or len(scale) < 2 or min(scale[0], scale[1]) <= 0:
        return None
    model = keys.get("GTModelTypeGeoKey")
    if model == PROJECTED:
        metres = _unit_size(keys, "ProjLinearUnitsGeoKey", "ProjLinearUnitSizeGeoKey", METRES_PER_UNIT, METRE)
        return GroundPixel(scale[0] * metres, scale[1] * metres)
    if model == GEOGRAPHIC:
        return _geographic_pixel(keys, scale, rows)
    return None


def _unit_size(keys: dict[str, Any], unit_key: str, size_key: str, sizes: dict[int, float], default: int,
               size_factor: float = 1.0) -> float:
    """The size of the file's unit (``default`` when it names none); a user-defined unit gives its own size."""
    code = keys.get(unit_key, default)
    if code == USER_DEFINED and keys.get(size_key):
        return float(keys[size_key]) * size_factor
    if code not in sizes:
        raise _UnknownUnit(int(code))
    return sizes[code]


def _geographic_pixel(keys: dict[str, Any], scale: list[float], rows: int) -> GroundPixel | None:
    """An angular pixel size in metres at the raster's centre latitude (from the first tiepoint)."""
    degrees = _unit_size(keys, "GeogAngularUnitsGeoKey", "GeogAngularUnitsSizeGeoKey", DEGREES_PER_UNIT, DEGREE,
                         180 / math.pi)
    tiepoint = keys.get("ModelTiepoint")
    if not tiepoint:
        return None
    first = tiepoint[0] if isinstance(tiepoint[0], list) else tiepoint
    latitude = (first[4] - (rows / 2 - first[1]) * scale[1]) * degrees
    if not -90 < latitude < 90:
        return None
    across, down = metres_per_degree(latitude)
    return GroundPixel(scale[0] * degrees * across, scale[1] * degrees * down, latitude)


def metres_per_degree(latitude: float) -> tuple[float, float]:
    """Ground length of one degree of longitude and of latitude at ``latitude`` on the WGS 84 ellipsoid."""
    sine = math.sin(math.radians(latitude))
    curve = 1 - WGS84_ECCENTRICITY_SQUARED * sine * sine
    along_parallel = math.radians(1) * WGS84_RADIUS * math.cos(math.radians(latitude)) / math.sqrt(curve)
    along_meridian = math.radians(1) * WGS84_RADIUS * (1 - WGS84_ECCENTRICITY_SQUARED) / curve ** 1.5
    return along_parallel, along_meridian
