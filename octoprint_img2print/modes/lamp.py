"""Lamp shade or night light: a cylinder lithophane between a top and a bottom rim, with a plate that holds it:
a hanger (a plate with an opening for a bulb socket or a cord) or a base with a hole for a tea-light or an LED."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..building.surface import PREVIEW, sample
from ..building.tones import ToneOptions, thickness, thickness_rules
from ..geometry import outline
from ..geometry.booleans import to_manifold
from ..geometry.circles import ring_weld
from ..geometry.mesh import Mesh
from ..geometry.shells import AXIS, RoundBack, Wall, around_axis, rim_named
from ..geometry.solid import CYLINDER, heightfield_solid
from ..i18n import N_, _
from ..imaging.load import Picture
from ..options import Choice, bad_parameter, option
from ..report import Report
from . import PICTURE, Mode

HANGER, BASE = "hanger", "base"
PLATE_MM = 2.0  # thickness of the hanger's or the base's plate
LEDGE_MM = 2.0  # the least plate left between the opening and the shade's wall
DISC_SEGMENTS = 120


@dataclass
class LampOptions(ToneOptions):
    """A lamp's width is its outer diameter and its height the whole shade's, rims included, in millimetres."""

    top_rim: float = option(5.0, N_("Top rim"), N_("height of the solid rim at the top in mm"),
                            unit="mm", low=PLATE_MM, high=200.0, main=True)
    bottom_rim: float = option(5.0, N_("Bottom rim"), N_("height of the solid rim at the bottom in mm"),
                               unit="mm", low=PLATE_MM, high=200.0, main=True)
    holder: str = option(BASE, N_("Holder"),
                         N_("a base with a hole for a tea-light or LED (night light), or a hanger: a top plate with "
                            "an opening for a bulb socket or cord (lamp shade)"),
                         choices=(Choice(BASE, N_("Base with a light hole")),
                                  Choice(HANGER, N_("Hanger with a socket opening"))), main=True)
    opening: float = option(40.0, N_("Opening"), N_("diameter in mm of the base's hole or the hanger's opening"),
                            unit="mm", low=3.0, high=1000.0, main=True)

    @property
    def inner_radius(self) -> float:
        """Radius of the shade's inside."""
        return (self.width or 0.0) / 2 - self.rim_thickness

    def check(self) -> None:
        """A width; room inside for the opening; rims lower than the shade."""
        super().check()
        if self.width is None:
            raise bad_parameter("width", _("give the lamp's width (its outer diameter)."))
        if self.opening > 2 * (self.inner_radius - LEDGE_MM):
            raise bad_parameter("opening", _("a {opening:g} mm opening is larger than the shade's {inside:g} mm "
                                             "inside less a {ledge:g} mm ledge; make it smaller or the lamp wider.")
                                .format(opening=self.opening, inside=2 * self.inner_radius, ledge=LEDGE_MM))
        if self.height is not None and self.top_rim + self.bottom_rim >= self.height:
            raise bad_parameter("top_rim", _("the rims ({rims:g} mm) leave no room for the picture in a {height:g} mm "
                                             "shade.").format(rims=self.top_rim + self.bottom_rim, height=self.height))


def build(picture: Picture, options: LampOptions) -> tuple[Mesh, Report]:
    """The shade standing on its plate: a base at the bottom, or a hanger's plate (built upside down on it, so that
    it prints without support)."""
    circumference = 2 * math.pi * options.inner_radius
    picture_height = options.height - options.top_rim - options.bottom_rim if options.height is not None else None
    grid = sample(picture, replace(options, width=circumference, height=picture_height, frame_width=0.0),
                  side_frames=False)
    heights = thickness(grid.lightness, options)
    heights[grid.background] = options.min_thickness
    pitch = grid.height / (heights.shape[0] - 1)
    top, bottom = round(options.top_rim / pitch), round(options.bottom_rim / pitch)
    heights = np.pad(heights, ((top, bottom), (0, 0)), constant_values=options.rim_thickness)
    total = grid.height + (top + bottom) * pitch
    shade = heightfield_solid(heights, grid.width, total, max_error=options.max_error, full=options.full_grid,
                              shape=CYLINDER)
    low, high = shade.bounds()
    centre = (low + high) / 2
    hanger = options.holder == HANGER
    if hanger:
        shade = Mesh(np.stack([shade.vertices[:, 0], -shade.vertices[:, 1], high[2] - shade.vertices[:, 2]], axis=1),
                     shade.faces)
        centre[1] = -centre[1]
    disc = outline.circle(options.inner_radius + options.rim_thickness / 2, DISC_SEGMENTS)
    hole = outline.circle(options.opening / 2, DISC_SEGMENTS)
    plate = outline.extrude(disc - hole, 0.0, PLATE_MM).translate((float(centre[0]), float(centre[1]), 0.0))
    return outline.solid([to_manifold(shade), plate]), Report()


def weld(options: LampOptions, solid: Mesh) -> tuple[float, float, float]:
    """Where the picture's two edges meet: at the front as the cylinder is bent, at the back once a hanger's shade is
    turned over (the seams go there)."""
    return ring_weld(solid, behind=options.holder == HANGER)


def shade_wall(options: LampOptions, solid: Mesh) -> Wall:
    """The shade's depths round its axis, its back at the inner radius (the plate's opening lies inside it)."""
    return around_axis(solid, options.inner_radius)


def shade_back(options: LampOptions) -> RoundBack:
    """The shade's back is its inside, half its width less the rim, round its axis; its rims keep their heights (a
    hanger's shade is built upside down)."""
    bands = (options.top_rim, options.bottom_rim) if options.holder == HANGER else (options.bottom_rim, options.top_rim)
    return RoundBack(AXIS, options.inner_radius, rim_named(options.frame_thickness), bands, options.height is not None)


def as_built(_options: LampOptions) -> str:
    """A lamp is built standing on its plate."""
    return "flat"


MODE = Mode("lamp", N_("Lamp shade or night light"),
            N_("A photo around a cylinder between two rims, lit from inside: on a base with a hole for a tea-light "
               "or LED, or with a hanger's opening for a bulb socket."),
            LampOptions, build, reads=PICTURE, intent="lithophane", position=14, default_width=80.0,
            preview=PREVIEW, orientation=as_built, thinnest_option="min_thickness", seam_point=weld,
            backlight=lambda options: options.transmittance, wall=shade_wall, live=thickness_rules,
            round_back=shade_back)
