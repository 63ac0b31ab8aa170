"""Lithophane: dark pixels thick, light pixels thin; flat, arc, closed cylinder, heart or framed with a hook tab;
a sheet stands upright on its edge, on a foot, or lies flat."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from ..building.outlined import OUTLINE_FRAME_MM, HoleOptions, cut_sheet, grip_height, heart, hole_tab
from ..building.surface import PREVIEW, framed_solid, sample
from ..building.tones import LINEAR, TRANSMISSION, thickness, thickness_rules
from ..geometry import outline
from ..geometry.booleans import box, from_manifold, to_manifold
from ..geometry.circles import ring_weld
from ..geometry.mesh import Mesh, concatenate
from ..geometry.shells import AXIS, RoundBack, Wall, around_axis
from ..geometry.solid import ARC, CYLINDER, FLAT
from ..i18n import N_, _
from ..imaging.load import Picture
from ..options import Choice, bad_parameter, option
from ..report import Report
from . import PHOTO, PICTURE, Mode

__all__ = ["LINEAR", "TRANSMISSION", "LithophaneOptions", "thickness"]

HEART, HOOK = "heart", "hook"
SHEETS = (FLAT, HEART, HOOK)  # lying sheets, which stand on a foot, on their edge, or lie flat
AUTO, FOOT, EDGE, LYING = "auto", "foot", "edge", "flat"
STAND_SINK_MM = 1.0
FOOT_GRIP_SHARE = 0.35  # a heart sinks into its foot until it is this share of its width wide


@dataclass
class LithophaneOptions(HoleOptions):
    """Lithophane options; lengths in millimetres, transmittance per millimetre of plastic."""

    OPTION_SHAPES: ClassVar[dict[str, tuple[str, ...]]] = {"hole": (HOOK,), "hole_rim": (HOOK,)}  # inherited ones
    shape: str = option(FLAT, N_("Shape"), N_("sheet shape: flat, arc, cylinder (a closed lamp shade), heart, or "
                                              "framed with a hook tab"),
                        choices=(Choice(FLAT, N_("Flat")), Choice(ARC, N_("Arc")),
                                 Choice(CYLINDER, N_("Cylinder (lamp shade)")), Choice(HEART, N_("Heart")),
                                 Choice(HOOK, N_("Framed, with a hook tab"))), main=True)
    curve_angle: float = option(120.0, N_("Arc angle"), N_("angle of an arc in degrees"),
                                unit="°", low=1.0, high=359.0, shapes=(ARC,))
    stand: str = option(AUTO, N_("Stand"), N_("how a flat, heart or hook-tab sheet is printed: upright with a foot "
                                              "that slicing adds (the model and its preview stay a lying sheet), "
                                              "built standing on a foot, upright on its bare edge (a heart, which "
                                              "has none, on a foot), or lying flat; arcs and cylinders stand on "
                                              "their own edge"),
                        choices=(Choice(AUTO, N_("Upright on a foot")), Choice(FOOT, N_("Foot built into the model")),
                                 Choice(EDGE, N_("Upright on its bare edge")), Choice(LYING, N_("Lying flat"))),
                        main=True, shapes=SHEETS)
    stand_depth: float = option(16.0, N_("Foot depth"), N_("depth of the foot in mm"),
                                unit="mm", low=0.1, high=200.0, shapes=SHEETS)
    stand_height: float = option(5.0, N_("Foot height"), N_("height of the foot in mm"),
                                 unit="mm", low=2 * STAND_SINK_MM, high=50.0, shapes=SHEETS)

    @property
    def on_foot(self) -> bool:
        """True when the sheet is built standing on its foot (a heart has no edge to stand on)."""
        return self.shape in SHEETS and (self.stand == FOOT or (self.stand in (AUTO, EDGE) and self.shape == HEART))

    @property
    def footed_for_printing(self) -> bool:
        """True when slicing stands the lying sheet on a foot."""
        return self.shape in SHEETS and self.stand == AUTO and not self.on_foot

    def check(self) -> None:
        """A foot deeper than the sheet."""
        super().check()
        if (self.on_foot or self.footed_for_printing) and self.stand_depth < self.max_thickness:
            raise bad_parameter("stand_depth", _("the foot must be at least as deep as the thickest part "
                                                 "({thick:g} mm).").format(thick=self.max_thickness))


def _with_stand(plate: Mesh, options: LithophaneOptions, sink: float, joined: bool = True) -> Mesh:
    """Stand the plate upright, ``sink`` mm of its lower edge in a foot block that runs along it (unless
    ``joined``, the two only put together, as a preview shows them: the same look without the union's cost)."""
    x, y, z = plate.vertices[:, 0], plate.vertices[:, 1], plate.vertices[:, 2]
    foot_height = max(options.stand_height, sink + STAND_SINK_MM)
    upright = Mesh(np.stack([x, -z, y + foot_height - sink], axis=1), plate.faces)
    width, depth = float(x.max()), options.stand_depth
    middle = -float(z.max()) / 2
    foot = box((0.0, middle - depth / 2, 0.0), (width, middle + depth / 2, foot_height))
    return outline.solid([to_manifold(upright), foot]) if joined else concatenate([upright, from_manifold(foot)])


def _cut(plate: Mesh, options: LithophaneOptions, width: float, height: float) -> tuple[Mesh, float]:
    """A heart or a hook-tab frame from the lying plate, and how deep its lower edge sinks into a foot."""
    if options.shape == HEART:
        shape = heart(width, height)
        frame = options.frame_width or OUTLINE_FRAME_MM
        return cut_sheet(plate, shape, frame, options.rim_thickness), grip_height(shape, FOOT_GRIP_SHARE)
    sheet = outline.region([np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=float)],
                           outline.NONZERO)
    options.check_tab(width)
    tab, hole, _centre = hole_tab(sheet, options)
    return cut_sheet(plate, sheet, 0.0, options.rim_thickness, tab, hole), STAND_SINK_MM


def build(picture: Picture, options: LithophaneOptions) -> tuple[Mesh, Report]:
    """The lithophane solid: lying flat, standing on its foot or edge, or upright when bent."""
    cut = options.shape in (HEART, HOOK)
    if options.shape == HOOK and not options.frame_width:
        options = replace(options, frame_width=OUTLINE_FRAME_MM)
    sampled = replace(options, frame_width=0.0) if options.shape == HEART else options
    grid = sample(picture, sampled, side_frames=options.shape != CYLINDER)
    heights = thickness(grid.lightness, options)
    heights[grid.background] = options.min_thickness
    bend = options.shape if options.shape in (ARC, CYLINDER) else FLAT
    solid = framed_solid(heights, grid, options, options.rim_thickness, bend, options.curve_angle)
    sink = STAND_SINK_MM
    if cut:
        solid, sink = _cut(solid, options, grid.width, grid.height)
    return (_with_stand(solid, options, sink) if options.on_foot else solid), Report()


def preferred_orientation(options: LithophaneOptions) -> str | None:
    """Bent sheets and sheets on a foot are built standing and one lying flat stays so; a sheet on its edge
    follows its intent (upright for lithophanes)."""
    return None if options.shape in SHEETS and options.stand in (AUTO, EDGE) and not options.on_foot else "flat"


def footing(options: LithophaneOptions, solid: Mesh, joined: bool) -> Mesh | None:
    """The lying sheet standing on its foot, when slicing stands it upright and the options ask for a foot."""
    return _with_stand(solid, options, STAND_SINK_MM, joined) if options.footed_for_printing else None


def backlight(options: LithophaneOptions) -> float:
    """Every lithophane is shown lit from behind (a sheet in any pose, a heart on its foot too: the foot, as thick
    as it is, passes next to no light) or from inside (bent round), with its transmittance."""
    return options.transmittance


def live(options: LithophaneOptions) -> dict[str, str] | None:
    """A sheet built lying or bent round (an arc, a cylinder) is redrawn at once between its thinnest and thickest
    parts."""
    return thickness_rules(options) if options.shape in (*SHEETS, ARC, CYLINDER) else None


def bent_back(options: LithophaneOptions) -> RoundBack | None:
    """A sheet bent round has its back round a vertical axis, growing with the picture's width."""
    return RoundBack(AXIS, fixed_height=options.height is not None) if options.shape in (ARC, CYLINDER) else None


def bent_wall(options: LithophaneOptions, solid: Mesh) -> Wall | None:
    """A bent sheet's depths round the axis it is bent about (its back the innermost surface)."""
    return around_axis(solid) if options.shape in (ARC, CYLINDER) else None


def weld(options: LithophaneOptions, solid: Mesh) -> tuple[float, float, float] | None:
    """Where a closed cylinder's two picture edges meet: the bend puts them at its front (the seams go there)."""
    return ring_weld(solid) if options.shape == CYLINDER else None


MODE = Mode("lithophane", N_("Lithophane"),
            N_("A photo as a thin sheet: dark is thick, light is thin; lit from behind it shows the picture."),
            LithophaneOptions, build, reads=PICTURE, intent="lithophane", position=10, default_width=100.0,
            default_for=(PHOTO,), preview=PREVIEW, orientation=preferred_orientation,
            thinnest_option="min_thickness", backlight=backlight, wall=bent_wall, live=live, round_back=bent_back,
            seam_point=weld, footing=footing)
