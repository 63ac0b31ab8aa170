"""Cookie cutter: a wall along the artwork's outer outline, a flange for the hand, an optional imprint."""

from __future__ import annotations

from dataclasses import dataclass

from ..geometry import outline
from ..geometry.mesh import Mesh
from ..i18n import _
from ..report import WARNING, Report
from .nozzle import printable_artwork
from .options import require_range
from .vector import Artwork, VectorOptions

MERGE_GAP_MM = 2.0
RIDGE_LINES = 2


@dataclass
class CookieCutterOptions(VectorOptions):
    """Cookie cutter options in millimetres; width and height are the cookie's."""

    wall: float = 1.0
    cutter_height: float = 15.0
    flange_width: float = 4.0
    flange_thickness: float = 2.0
    imprint: bool = False
    imprint_inset: float = 4.0

    def validate(self) -> None:
        """Refuse absurd values with an error that names the option."""
        super().validate()
        require_range("wall", self.wall, 0.1, 20.0)
        require_range("cutter_height", self.cutter_height, 3.0, 200.0)
        require_range("flange_width", self.flange_width, 0.0, 50.0)
        require_range("flange_thickness", self.flange_thickness, 0.4, self.cutter_height)
        require_range("imprint_inset", self.imprint_inset, 0.0, self.cutter_height - self.flange_thickness)


def cookie_outline(art: outline.Region) -> outline.Region:
    """The cookie's shape: the artwork with nearby parts merged and every hole filled."""
    merged = outline.offset(outline.offset(art, MERGE_GAP_MM / 2), -MERGE_GAP_MM / 2)
    return outline.filled(outline.union([merged, art]))


def build(artwork: Artwork, options: CookieCutterOptions) -> tuple[Mesh, Report]:
    """The cutter, flange down on the bed and the cutting edge up, and its findings."""
    art, report = printable_artwork(artwork, options)
    shape = cookie_outline(art)
    wall = max(options.wall, 2 * options.line_width)
    if wall > options.wall:
        report.add(WARNING, "wall_thickened",
                   _("The wall of {asked:.2f} mm is thinner than two {line:.2f} mm nozzle lines; it was made "
                     "{wall:.2f} mm.").format(asked=options.wall, line=options.line_width, wall=wall),
                   asked_mm=options.wall, wall_mm=round(wall, 3))
    outer = outline.offset(shape, wall)
    parts = [outline.extrude(outer - shape, 0.0, options.cutter_height)]
    if options.imprint:
        ridge = max(RIDGE_LINES * options.line_width, 0.8)
        inside = outline.offset(shape, -1.5 * wall)
        ridges = (outline.offset(art, ridge / 2) - outline.offset(art, -ridge / 2)) ^ inside
        parts.append(outline.extrude(shape, 0.0, options.flange_thickness))
        if not ridges.is_empty():
            parts.append(outline.extrude(ridges, 0.0, options.cutter_height - options.imprint_inset))
    if options.flange_width > 0:
        flange = outline.offset(shape, wall + options.flange_width) - shape
        parts.append(outline.extrude(flange, 0.0, options.flange_thickness))
    return outline.solid(parts), report
