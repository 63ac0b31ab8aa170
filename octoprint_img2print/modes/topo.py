"""Topographic map from an elevation image (16-bit PNG or TIFF), with exaggeration and an optional water level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.mesh import Mesh
from ..imaging.load import Picture
from ..report import Report
from .surface import SurfaceOptions, framed_solid, require_range, sample


@dataclass
class TopoOptions(SurfaceOptions):
    """Topo options: lengths in mm; elevations and the ground size of a pixel in metres."""

    base: float = 3.0
    relief_height: float = 20.0
    exaggeration: float = 1.0
    ground_pixel: float | None = None
    elevation_unit: float = 1.0
    water_level: float | None = None

    def validate(self) -> None:
        """Refuse absurd values with an error that names the option."""
        super().validate()
        require_range("base", self.base, 0.2, 100.0)
        require_range("relief_height", self.relief_height, 0.0, 300.0, low_open=True)
        require_range("exaggeration", self.exaggeration, 0.0, 1000.0, low_open=True)
        require_range("elevation_unit", self.elevation_unit, 0.0, 1e6, low_open=True)
        if self.ground_pixel is not None:
            require_range("ground_pixel", self.ground_pixel, 0.0, 1e6, low_open=True)


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
