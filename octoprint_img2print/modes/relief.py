"""Relief (heightmap): black highest by default, raised on a flat base."""

from __future__ import annotations

from dataclasses import dataclass

from ..geometry.mesh import Mesh
from ..imaging.load import Picture
from ..report import Report
from .surface import SurfaceOptions, framed_solid, require_range, sample


@dataclass
class ReliefOptions(SurfaceOptions):
    """Relief options in millimetres."""

    base: float = 2.0
    relief_height: float = 3.0
    invert: bool = False

    def validate(self) -> None:
        """Refuse absurd values with an error that names the option."""
        super().validate()
        require_range("base", self.base, 0.2, 100.0)
        require_range("relief_height", self.relief_height, 0.0, 200.0, low_open=True)
        if self.frame_thickness is not None:
            require_range("frame_thickness", self.frame_thickness, self.base, 300.0)


def build(picture: Picture, options: ReliefOptions) -> tuple[Mesh, Report]:
    """The relief solid, lying on its base."""
    grid = sample(picture, options)
    raised = grid.lightness if options.invert else 1.0 - grid.lightness
    raised[grid.background] = 0.0
    heights = options.base + raised * options.relief_height
    frame = options.frame_thickness if options.frame_thickness is not None else options.base + options.relief_height
    return framed_solid(heights, grid, options, frame), Report()
