"""Lithophane: dark pixels thick, light pixels thin; flat, arc or closed cylinder, optional frame and stand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..building.surface import PREVIEW, SurfaceOptions, framed_solid, sample
from ..geometry.booleans import box, to_manifold, union
from ..geometry.mesh import Mesh
from ..geometry.solid import ARC, CYLINDER, FLAT
from ..i18n import N_, _
from ..imaging.load import SRGB_TO_LINEAR, Picture
from ..options import Choice, bad_parameter, option
from ..report import Report
from . import PHOTO, PICTURE, Mode

LINEAR, TRANSMISSION = "linear", "transmission"
STAND_SINK_MM = 1.0


@dataclass
class LithophaneOptions(SurfaceOptions):
    """Lithophane options; lengths in millimetres, transmittance per millimetre of plastic."""

    shape: str = option(FLAT, N_("Shape"), N_("sheet shape: flat, arc or cylinder (a closed lamp shade)"),
                        choices=(Choice(FLAT, N_("Flat")), Choice(ARC, N_("Arc")),
                                 Choice(CYLINDER, N_("Cylinder (lamp shade)"))), main=True)
    min_thickness: float = option(0.8, N_("Thinnest part"), N_("thinnest part of a lithophane in mm"),
                                  unit="mm", low=0.1, high=50.0, main=True)
    max_thickness: float = option(3.0, N_("Thickest part"), N_("thickest part of a lithophane in mm"),
                                  unit="mm", low=0.1, high=50.0, main=True)
    negative: bool = option(False, N_("Negative"), N_("light pixels thick, dark pixels thin"))
    curve_angle: float = option(120.0, N_("Arc angle"), N_("angle of an arc in degrees"),
                                unit="°", low=1.0, high=359.0)
    tone: str = option(LINEAR, N_("Tone mapping"), N_("tone mapping: linear or transmission (Beer-Lambert)"),
                       choices=(Choice(LINEAR, N_("Linear")), Choice(TRANSMISSION, N_("Light transmission"))))
    transmittance: float = option(0.5, N_("Transmittance"),
                                  N_("light let through per mm of plastic, for transmission tones"),
                                  low=0.01, high=0.99)
    stand: bool = option(False, N_("Stand"), N_("add a foot and stand the lithophane upright"), main=True)
    stand_depth: float = option(16.0, N_("Foot depth"), N_("depth of the foot in mm"),
                                unit="mm", low=0.1, high=200.0)
    stand_height: float = option(5.0, N_("Foot height"), N_("height of the foot in mm"),
                                 unit="mm", low=2 * STAND_SINK_MM, high=50.0)

    def check(self) -> None:
        """The thinnest part below the thickest; a stand only under a flat sheet, deeper than the sheet."""
        super().check()
        if self.min_thickness >= self.max_thickness:
            raise bad_parameter("min_thickness", _("{low:g} mm is not thinner than --max-thickness {high:g} mm.")
                                .format(low=self.min_thickness, high=self.max_thickness))
        if self.stand:
            if self.shape != FLAT:
                raise bad_parameter("stand", _("a stand is for flat lithophanes; arcs and cylinders stand alone."))
            if self.stand_depth < self.max_thickness:
                raise bad_parameter("stand_depth", _("the foot must be at least as deep as the thickest part "
                                                     "({thick:g} mm).").format(thick=self.max_thickness))


def thickness(lightness: np.ndarray, options: LithophaneOptions) -> np.ndarray:
    """Thickness in mm for each lightness (0 black .. 1 white), linear or by light transmission."""
    light = 1.0 - lightness if options.negative else lightness
    low, high = options.min_thickness, options.max_thickness
    if options.tone == LINEAR:
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


def backlight(options: LithophaneOptions) -> float | None:
    """A flat sheet without a foot is shown lit from behind, with its transmittance."""
    return options.transmittance if options.shape == FLAT and not options.stand else None


MODE = Mode("lithophane", N_("Lithophane"),
            N_("A photo as a thin sheet: dark is thick, light is thin; lit from behind it shows the picture."),
            LithophaneOptions, build, reads=PICTURE, intent="lithophane", position=10, default_width=100.0,
            default_for=(PHOTO,), preview=PREVIEW, orientation=preferred_orientation,
            thinnest_option="min_thickness", backlight=backlight)
