"""Lithophane: dark pixels thick, light pixels thin; flat, arc or closed cylinder, optional frame and stand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.booleans import box, to_manifold, union
from ..geometry.mesh import Mesh
from ..geometry.solid import CYLINDER, FLAT, SHAPES
from ..i18n import _
from ..imaging.load import SRGB_TO_LINEAR, Picture
from ..report import Report
from .surface import SurfaceOptions, bad_parameter, framed_solid, require_range, sample

TONES = ("linear", "transmission")
STAND_SINK_MM = 1.0


@dataclass
class LithophaneOptions(SurfaceOptions):
    """Lithophane options; lengths in millimetres, transmittance per millimetre of plastic."""

    min_thickness: float = 0.8
    max_thickness: float = 3.0
    negative: bool = False
    shape: str = FLAT
    curve_angle: float = 120.0
    tone: str = "linear"
    transmittance: float = 0.5
    stand: bool = False
    stand_depth: float = 16.0
    stand_height: float = 5.0

    def validate(self) -> None:
        """Refuse absurd values with an error that names the option."""
        super().validate()
        require_range("min_thickness", self.min_thickness, 0.1, 50.0)
        require_range("max_thickness", self.max_thickness, 0.1, 50.0)
        if self.min_thickness >= self.max_thickness:
            raise bad_parameter("min_thickness", _("{low:g} mm is not thinner than --max-thickness {high:g} mm.")
                                .format(low=self.min_thickness, high=self.max_thickness))
        if self.frame_thickness is not None:
            require_range("frame_thickness", self.frame_thickness, 0.1, 50.0)
        if self.shape not in SHAPES:
            raise bad_parameter("shape", _("choose one of: {choices}.").format(choices=", ".join(SHAPES)))
        require_range("curve_angle", self.curve_angle, 1.0, 359.0)
        if self.tone not in TONES:
            raise bad_parameter("tone", _("choose one of: {choices}.").format(choices=", ".join(TONES)))
        require_range("transmittance", self.transmittance, 0.01, 0.99)
        if self.stand:
            if self.shape != FLAT:
                raise bad_parameter("stand", _("a stand is for flat lithophanes; arcs and cylinders stand alone."))
            require_range("stand_depth", self.stand_depth, self.max_thickness, 200.0)
            require_range("stand_height", self.stand_height, 2 * STAND_SINK_MM, 50.0)


def thickness(lightness: np.ndarray, options: LithophaneOptions) -> np.ndarray:
    """Thickness in mm for each lightness (0 black .. 1 white), linear or by light transmission."""
    light = 1.0 - lightness if options.negative else lightness
    low, high = options.min_thickness, options.max_thickness
    if options.tone == "linear":
        return high - light * (high - low)
    linear_light = np.interp(light, np.arange(256) / 255.0, SRGB_TO_LINEAR)
    darkest = options.transmittance ** (high - low)
    relative = darkest + linear_light * (1.0 - darkest)
    return low + np.log(relative) / np.log(options.transmittance)


def _with_stand(plate: Mesh, options: LithophaneOptions) -> Mesh:
    """Stand the plate upright on a foot block that runs along its lower edge."""
    x, y, z = plate.vertices[:, 0], plate.vertices[:, 1], plate.vertices[:, 2]
    lift = options.stand_height - STAND_SINK_MM
    upright = Mesh(np.stack([x, -z, y + lift], axis=1), plate.faces)
    width, depth = float(x.max()), options.stand_depth
    middle = -float(z.max()) / 2
    foot = box((0.0, middle - depth / 2, 0.0), (width, middle + depth / 2, options.stand_height))
    return union(to_manifold(upright), foot).on_bed()


def build(picture: Picture, options: LithophaneOptions) -> tuple[Mesh, Report]:
    """The lithophane solid, lying flat (or standing on its foot, or upright when bent)."""
    grid = sample(picture, options, side_frames=options.shape != CYLINDER)
    heights = thickness(grid.lightness, options)
    heights[grid.background] = options.min_thickness
    frame = options.frame_thickness if options.frame_thickness is not None else options.max_thickness
    solid = framed_solid(heights, grid, options, frame, options.shape, options.curve_angle)
    return (_with_stand(solid, options) if options.stand else solid), Report()


def preferred_orientation(options: LithophaneOptions) -> str | None:
    """Arcs, cylinders and lithophanes on a stand are built upright already; a flat sheet follows its intent."""
    return "flat" if options.stand or options.shape != FLAT else None
