"""Topographic map from an elevation image (16-bit PNG or TIFF, or a GeoTIFF that knows its own pixel size), with
exaggeration and an optional water level."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..building.surface import BASE_AND_SPAN, PREVIEW, SurfaceOptions, framed_solid, sample
from ..geometry.mesh import Mesh
from ..i18n import N_, _
from ..imaging import prepare
from ..imaging.geotiff import GroundPixel
from ..imaging.load import Picture
from ..options import option
from ..report import INFO, WARNING, Report
from . import ELEVATION, Mode


@dataclass
class TopoOptions(SurfaceOptions):
    """Topo options: lengths in mm; elevations and the ground size of a pixel in metres."""

    base: float = option(3.0, N_("Base"), N_("thickness of the base under the terrain in mm"),
                         unit="mm", low=0.2, high=100.0, main=True)
    relief_height: float = option(20.0, N_("Relief height"),
                                  N_("height of the full elevation range in mm (without a ground pixel size)"),
                                  unit="mm", low=0.0, high=300.0, low_open=True, main=True)
    exaggeration: float = option(1.0, N_("Vertical exaggeration"), N_("vertical exaggeration of the terrain"),
                                 low=0.0, high=1000.0, low_open=True, main=True)
    ground_pixel: float | None = option(None, N_("Ground pixel size"),
                                        N_("ground size of one source pixel in metres (gives a true-scale "
                                           "terrain); a GeoTIFF's own pixel size is used when this is not given"),
                                        unit="m", low=0.0, high=1e6, low_open=True)
    elevation_unit: float = option(1.0, N_("Elevation unit"), N_("metres per elevation value in the image"),
                                   unit="m", low=0.0, high=1e6, low_open=True)
    water_level: float | None = option(None, N_("Water level"),
                                       N_("elevation in metres below which the terrain is flat water"),
                                       unit="m", low=-1e6, high=1e6)


def elevation_heights(elevation: np.ndarray, source_columns: int, picture_width: float,
                      options: TopoOptions) -> np.ndarray:
    """Model heights in mm: true scale times exaggeration with a ground pixel size, else the relief height."""
    if options.water_level is not None:
        elevation = np.maximum(elevation, options.water_level)
    lowest, highest = float(elevation.min()), float(elevation.max())
    if options.ground_pixel is not None:
        mm_per_metre = picture_width / (source_columns * options.ground_pixel)
        scale = mm_per_metre * options.exaggeration
    else:
        scale = options.relief_height * options.exaggeration / max(highest - lowest, 1e-9)
    return options.base + (elevation - lowest) * scale


SQUARE_TOLERANCE = 1e-3


def _square_pixels(picture: Picture, pixel: GroundPixel) -> float:
    """Resample the picture so its pixels are square at the coarser of their two ground sizes; that size."""
    size = max(pixel.across, pixel.down)
    if abs(pixel.across - pixel.down) <= SQUARE_TOLERANCE * size:
        return pixel.across
    rows, columns = picture.lightness.shape
    columns, rows = max(2, round(columns * pixel.across / size)), max(2, round(rows * pixel.down / size))
    picture.lightness = prepare.resample(picture.lightness, columns, rows)
    picture.background = prepare.resample_mask(picture.background, columns, rows)
    if picture.values is not None:
        picture.values = prepare.resample(picture.values, columns, rows)
    return size


def _with_file_pixel(picture: Picture, options: TopoOptions, report: Report) -> TopoOptions:
    """The options with the GeoTIFF's own ground pixel size when the user gave none; the report says so."""
    geo = picture.geo
    if options.ground_pixel is not None or geo is None:
        return options
    if geo.unknown_unit is not None:
        report.add(WARNING, "geotiff_unit_unknown",
                   _("The GeoTIFF gives its pixel size in a unit img2print does not know (EPSG unit {unit}); give "
                     "--ground-pixel for a true-scale terrain.").format(unit=geo.unknown_unit), unit=geo.unknown_unit)
    if geo.pixel is None:
        return options
    size = _square_pixels(picture, geo.pixel)
    numbers = {"ground_pixel_m": size, "across_m": geo.pixel.across, "down_m": geo.pixel.down}
    if geo.pixel.latitude is None:
        message = _("The ground pixel size, {size:.4g} m, comes from the GeoTIFF; --ground-pixel overrides it.")
    else:
        numbers["latitude"] = geo.pixel.latitude
        message = _("The ground pixel size, {size:.4g} m, comes from the GeoTIFF (its pixels in degrees, converted "
                    "at latitude {latitude:.3f}°); --ground-pixel overrides it.")
    report.add(INFO, "ground_pixel_from_geotiff", message.format(size=size, latitude=geo.pixel.latitude), **numbers)
    return replace(options, ground_pixel=size)


def build(picture: Picture, options: TopoOptions) -> tuple[Mesh, Report]:
    """The terrain solid on its base; no-data pixels lie at the base like background."""
    report = Report()
    options = _with_file_pixel(picture, options, report)
    lowest, highest = float(picture.values.min()), float(picture.values.max())
    grid = sample(picture, options)
    # resampling overshoots at cliffs (the edge of a no-data hole); the terrain keeps the file's range
    elevation = np.clip(grid.values, lowest, highest) * options.elevation_unit
    elevation[grid.background] = float(elevation[~grid.background].min()) if (~grid.background).any() else 0.0
    heights = elevation_heights(elevation, grid.source_columns, grid.picture_width, options)
    frame = options.frame_thickness if options.frame_thickness is not None else options.base
    return framed_solid(heights, grid, options, frame), report


MODE = Mode("topo", N_("Topographic map"),
            N_("An elevation image (16-bit PNG or TIFF, or a GeoTIFF with its own pixel size) as a terrain model "
               "on a base; no-data pixels lie at the base."),
            TopoOptions, build, reads=ELEVATION, intent="relief", position=30, default_width=100.0,
            preview=PREVIEW, thinnest_option="base", live=lambda _options: BASE_AND_SPAN)
