"""Logo plate: the artwork raised on (or engraved into) a base plate; rectangle, rounded, outline or no plate."""

from __future__ import annotations

from dataclasses import dataclass

import manifold3d

from ..geometry import outline
from ..geometry.mesh import Mesh
from ..i18n import _
from ..report import Report
from .nozzle import printable_artwork
from .options import bad_parameter, require_range
from .vector import Artwork, VectorOptions, rectangle

PLATES = ("rectangle", "rounded", "outline", "none")
HOLE_RIM_MM = 2.5


@dataclass
class LogoOptions(VectorOptions):
    """Logo options in millimetres; width and height are the artwork's, the plate adds its margin."""

    base: float = 2.0
    relief_height: float = 3.0
    plate: str = "rectangle"
    margin: float = 3.0
    corner_radius: float = 3.0
    engraved: bool = False
    engrave_depth: float = 1.0
    hole: float | None = None

    def validate(self) -> None:
        """Refuse absurd values with an error that names the option."""
        super().validate()
        if self.plate not in PLATES:
            raise bad_parameter("plate", _("choose one of: {choices}.").format(choices=", ".join(PLATES)))
        require_range("base", self.base, 0.4, 100.0)
        require_range("relief_height", self.relief_height, 0.0, 200.0, low_open=True)
        require_range("margin", self.margin, 0.0, 200.0)
        require_range("corner_radius", self.corner_radius, 0.0, max(0.0, self.margin) + 1000.0)
        if self.engraved:
            if self.plate == "none":
                raise bad_parameter("engraved", _("engraving needs a plate; choose --plate."))
            require_range("engrave_depth", self.engrave_depth, 0.1, self.base - 0.4)
        if self.hole is not None:
            require_range("hole", self.hole, 1.0, 50.0)
            if self.plate == "none":
                raise bad_parameter("hole", _("a hanging hole needs a plate; choose --plate."))


def outline_plate(art: outline.Region, margin: float) -> outline.Region:
    """The artwork's outline grown by ``margin``, holes filled, bridged into one piece if it falls apart."""
    x0, y0, x1, y1 = outline.bounds(art)
    bridge, span = margin / 2 or 0.5, max(x1 - x0, y1 - y0)
    plate = outline.filled(outline.offset(art, margin))
    while len(plate.decompose()) > 1 and bridge < span:
        bridge *= 2
        plate = outline.filled(outline.offset(outline.offset(art, margin + bridge), -bridge))
    return plate if len(plate.decompose()) == 1 else outline.offset(art.hull(), margin)


def plate_region(art: outline.Region, options: LogoOptions) -> outline.Region:
    """The plate's outline around the artwork, with a tab for the hanging hole when asked."""
    box = outline.bounds(art)
    if options.plate == "outline":
        plate = outline_plate(art, options.margin)
    else:
        radius = min(options.corner_radius, options.margin + min(box[2] - box[0], box[3] - box[1]) / 2) \
            if options.plate == "rounded" else 0.0
        plate = rectangle(box, options.margin, radius)
    if options.hole is not None:
        top = outline.bounds(plate)[3]
        centre = ((box[0] + box[2]) / 2, top + options.hole / 2)
        tab = manifold3d.CrossSection.circle(options.hole / 2 + HOLE_RIM_MM, 48).translate(centre)
        plate = outline.union([plate, tab, rectangle((centre[0], top - HOLE_RIM_MM, centre[0], centre[1]),
                                                     options.hole / 2 + HOLE_RIM_MM)])
    return plate


def hole_cutter(plate: outline.Region, options: LogoOptions, art: outline.Region) -> list[manifold3d.Manifold]:
    """The hanging hole as a cylinder through the plate."""
    if options.hole is None:
        return []
    box = outline.bounds(art)
    top = outline.bounds(plate)[3] - options.hole / 2 - HOLE_RIM_MM
    circle = manifold3d.CrossSection.circle(options.hole / 2, 48).translate(((box[0] + box[2]) / 2, top))
    return [outline.extrude(circle, -1.0, options.base + options.relief_height + 1.0)]


def build(artwork: Artwork, options: LogoOptions) -> tuple[Mesh, Report]:
    """The logo solid lying on its plate, and the nozzle findings."""
    art, report = printable_artwork(artwork, options)
    if options.plate == "none":
        return outline.solid([outline.extrude(art, 0.0, options.relief_height)]), report
    plate = plate_region(art, options)
    plate_solid = outline.extrude(plate, 0.0, options.base)
    cuts = hole_cutter(plate, options, art)
    if options.engraved:
        groove = outline.extrude(art, options.base - options.engrave_depth, options.base + 1.0)
        return outline.solid([plate_solid], [groove, *cuts]), report
    raised = outline.extrude(art, options.base - 0.01, options.base + options.relief_height)
    return outline.solid([plate_solid, raised], cuts), report
