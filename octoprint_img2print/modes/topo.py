"""Topographic map from an elevation image (16-bit PNG or TIFF), with exaggeration and an optional water level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..building.surface import PREVIEW, SurfaceOptions, framed_solid, sample
from ..geometry.mesh import Mesh
from ..i18n import N_
from ..imaging.load import Picture
from ..options import option
from ..report import Report
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
                                        N_("ground size of one source pixel in metres (gives a true-scale terrain)"),
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


def build(picture: Picture, options: TopoOptions) -> tuple[Mesh, Report]:
    """The terrain solid on its base."""
    grid = sample(picture, options)
    elevation = grid.values * options.elevation_unit
    elevation[grid.background] = float(elevation[~grid.background].min()) if (~grid.background).any() else 0.0
    heights = elevation_heights(elevation, grid.source_columns, grid.picture_width, options)
    frame = options.frame_thickness if options.frame_thickness is not None else options.base
    return framed_solid(heights, grid, options, frame), Report()


MODE = Mode("topo", N_("Topographic map"),
            N_("An elevation image (16-bit PNG or TIFF) as a terrain model on a base."),
            TopoOptions, build, reads=ELEVATION, intent="relief", position=30, default_width=100.0,
            preview=PREVIEW, thinnest_option="base")
