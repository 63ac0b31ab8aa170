"""Dome lamp: the picture on a half sphere (its centre at the top), dark thick and light thin along the normal,
open at the base and standing on its rim."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..building.outlined import OUTLINE_FRAME_MM
from ..building.surface import PREVIEW, sample
from ..building.tones import ToneOptions, thickness, thickness_rules
from ..geometry.dome import dome_shell
from ..geometry.mesh import Mesh
from ..geometry.shells import CENTRE, RoundBack, around_centre, rim_named
from ..i18n import N_, _
from ..imaging.load import Picture
from ..options import bad_parameter
from ..report import INFO, Report
from . import PICTURE, Mode

MESH_PITCH_MM = 0.3  # the shell's points at most this far apart unless a pitch is given: finer does not print
MIN_RADIUS_MM = 5.0
MAX_SHELL_POINTS = 2_000_000  # points on each side of the shell: 8 M triangles, about 400 MB of binary STL
OVERHANG_FROM_POLE_DEG = 45.0  # above this band around the top the shell leans out more than 45 degrees


@dataclass
class DomeOptions(ToneOptions):
    """A dome's size is its outer diameter (width) or its height, which is half of it; the frame is a band at the
    rim at the frame's thickness, measured along the dome (3 mm when no frame width is given)."""

    def check(self) -> None:
        """Height and width agree; the shell leaves room inside."""
        super().check()
        if self.width is not None and self.height is not None and abs(2 * self.height - self.width) > 1e-6:
            raise bad_parameter("height", _("a dome is half as tall as it is wide; give --width or --height, not "
                                            "both."))
        if self.outer_radius - self.rim_thickness < MIN_RADIUS_MM:
            raise bad_parameter("width", _("a {width:g} mm dome with {thick:g} mm walls leaves less than {low:g} mm "
                                           "inside; make it wider or thinner.")
                                .format(width=2 * self.outer_radius, thick=self.rim_thickness, low=MIN_RADIUS_MM))

    @property
    def outer_radius(self) -> float:
        """Half the outer diameter at the rim."""
        return self.width / 2 if self.width is not None else (self.height or 0.0)


def dome_back(options: DomeOptions) -> RoundBack:
    """The dome's back is its inside, half its width less the rim, round the middle of its base."""
    return RoundBack(CENTRE, options.outer_radius - options.rim_thickness, rim_named(options.frame_thickness))


def build(picture: Picture, options: DomeOptions) -> tuple[Mesh, Report]:
    """The dome, standing on its rim: the picture's disc (its middle square's inscribed circle) spread from the
    pole to the rim band, each point as far from the centre as its angle from the pole says."""
    radius = options.outer_radius - options.rim_thickness
    picture_angle = math.pi / 2 - (options.frame_width or OUTLINE_FRAME_MM) / radius
    if picture_angle <= 0.1:
        raise bad_parameter("frame_width", _("the frame leaves no room for the picture."), value=options.frame_width)
    pitch = options.pitch if options.pitch is not None else max(options.sampling_pitch, MESH_PITCH_MM)
    points = round(2 * math.pi * radius**2 / pitch**2)
    if points > MAX_SHELL_POINTS:
        fits = math.ceil(math.sqrt(2 * math.pi / MAX_SHELL_POINTS) * radius * 100) / 100
        raise bad_parameter("pitch", _("{pitch:g} mm over a {width:g} mm dome needs about {points:,} points, more than "
                                       "{limit:,}; use a pitch of {fits:g} mm or more, or a smaller dome.")
                            .format(pitch=pitch, width=2 * options.outer_radius, points=points,
                                    limit=MAX_SHELL_POINTS, fits=fits))
    across = 2 * picture_angle * radius
    grid = sample(picture, replace(options, width=across, height=across, frame_width=0.0, pitch=pitch))
    heights = thickness(grid.lightness, options)
    heights[grid.background] = options.min_thickness
    rows, cols = heights.shape

    def thickness_at(polar: np.ndarray, azimuth: np.ndarray) -> np.ndarray:
        from scipy.ndimage import map_coordinates  # only domes need it

        reach = np.minimum(polar / picture_angle, 1.0)
        column = (reach * np.cos(azimuth) + 1) / 2 * (cols - 1)
        row = (1 - reach * np.sin(azimuth)) / 2 * (rows - 1)
        inside = map_coordinates(heights, [row, column], order=1, mode="nearest")
        return np.where(polar > picture_angle, options.rim_thickness, inside)

    report = Report()
    report.add(INFO, "dome_needs_supports",
               _("The top of the dome, {width:.0f} mm across, leans out more than 45 degrees: slice it with supports "
                 "(--supports auto).").format(width=2 * radius * math.sin(math.radians(OVERHANG_FROM_POLE_DEG))),
               overhang_width_mm=round(2 * radius * math.sin(math.radians(OVERHANG_FROM_POLE_DEG)), 1))
    return dome_shell(radius, pitch, thickness_at), report


def stands_on_rim(_options: DomeOptions) -> str:
    """A dome is built standing on its rim."""
    return "flat"


MODE = Mode("dome", N_("Dome lamp"),
            N_("A photo on a half sphere, lit from inside: dark is thick, light is thin; it stands on its rim."),
            DomeOptions, build, reads=PICTURE, intent="lithophane", position=12, default_width=100.0,
            preview=PREVIEW, orientation=stands_on_rim, thinnest_option="min_thickness",
            backlight=lambda options: options.transmittance, wall=lambda _options, solid: around_centre(solid),
            live=thickness_rules, round_back=dome_back)
