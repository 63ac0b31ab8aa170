"""Relief (heightmap): black highest by default, raised on a flat base."""

from __future__ import annotations

from dataclasses import dataclass

from ..building.surface import BASE_AND_SPAN, PREVIEW, SurfaceOptions, framed_solid, sample
from ..geometry.mesh import Mesh
from ..i18n import N_, _
from ..imaging.load import Picture
from ..options import bad_parameter, option
from ..report import Report
from . import PICTURE, Mode


@dataclass
class ReliefOptions(SurfaceOptions):
    """Relief options in millimetres."""

    base: float = option(2.0, N_("Base"), N_("thickness of the base under the relief in mm"),
                         unit="mm", low=0.2, high=100.0, main=True)
    relief_height: float = option(3.0, N_("Relief height"), N_("height of the relief above the base in mm"),
                                  unit="mm", low=0.0, high=200.0, low_open=True, main=True)
    invert: bool = option(False, N_("White highest"), N_("white highest instead of black"), main=True)

    def check(self) -> None:
        """A frame is at least as thick as the base."""
        super().check()
        if self.frame_thickness is not None and self.frame_thickness < self.base:
            raise bad_parameter("frame_thickness", _("must be at least the base ({base:g} mm).")
                                .format(base=self.base))


def build(picture: Picture, options: ReliefOptions) -> tuple[Mesh, Report]:
    """The relief solid, lying on its base."""
    grid = sample(picture, options)
    raised = grid.lightness if options.invert else 1.0 - grid.lightness
    raised[grid.background] = 0.0
    heights = options.base + raised * options.relief_height
    frame = options.frame_thickness if options.frame_thickness is not None else options.base + options.relief_height
    return framed_solid(heights, grid, options, frame), Report()


MODE = Mode("relief", N_("Relief"), N_("A picture as a raised relief on a base: black is highest."),
            ReliefOptions, build, reads=PICTURE, intent="relief", position=20, default_width=100.0,
            preview=PREVIEW, thinnest_option="base", live=lambda _options: BASE_AND_SPAN)
