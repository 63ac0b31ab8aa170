"""Logo plate: the artwork raised on (or engraved into) a base plate; rectangle, rounded, outline or no plate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..building.artwork import PREVIEW, Artwork, ArtworkOptions, rectangle
from ..building.nozzle import printable_artwork
from ..geometry import outline
from ..geometry.mesh import Mesh
from ..i18n import N_, _
from ..options import Choice, bad_parameter, option
from ..report import Report
from . import ARTWORK, DRAWING, FLAT_ART, Mode

if TYPE_CHECKING:
    import manifold3d

RECTANGLE, ROUNDED, OUTLINE, NO_PLATE = "rectangle", "rounded", "outline", "none"
HOLE_RIM_MM = 2.5


@dataclass
class LogoOptions(ArtworkOptions):
    """Logo options in millimetres; width and height are the artwork's, the plate adds its margin."""

    plate: str = option(RECTANGLE, N_("Plate"), N_("plate under a logo: rectangle, rounded, outline or none"),
                        choices=(Choice(RECTANGLE, N_("Rectangle")), Choice(ROUNDED, N_("Rounded rectangle")),
                                 Choice(OUTLINE, N_("Outline")), Choice(NO_PLATE, N_("None (artwork only)"))),
                        main=True)
    base: float = option(2.0, N_("Plate thickness"), N_("thickness of the plate in mm"),
                         unit="mm", low=0.4, high=100.0, main=True)
    relief_height: float = option(3.0, N_("Artwork height"), N_("height of the artwork above the plate in mm"),
                                  unit="mm", low=0.0, high=200.0, low_open=True, main=True)
    margin: float = option(3.0, N_("Margin"), N_("plate margin around the artwork in mm"),
                           unit="mm", low=0.0, high=200.0)
    corner_radius: float = option(3.0, N_("Corner radius"), N_("corner radius of a rounded plate in mm"),
                                  unit="mm", low=0.0, high=1000.0)
    engraved: bool = option(False, N_("Engraved"), N_("cut the artwork into the plate instead of raising it"),
                            main=True)
    engrave_depth: float = option(1.0, N_("Engraving depth"), N_("depth of an engraving in mm"),
                                  unit="mm", low=0.1, high=100.0)
    hole: float | None = option(None, N_("Hanging hole"),
                                N_("diameter in mm of a hanging hole above the artwork"),
                                unit="mm", low=1.0, high=50.0, main=True)

    def check(self) -> None:
        """Engraving and a hanging hole need a plate; an engraving leaves a floor under it."""
        super().check()
        if self.engraved:
            if self.plate == NO_PLATE:
                raise bad_parameter("engraved", _("engraving needs a plate; choose --plate."))
            if self.engrave_depth > self.base - 0.4:
                raise bad_parameter("engrave_depth", _("must leave at least 0.4 mm of the {base:g} mm plate.")
                                    .format(base=self.base))
        if self.hole is not None and self.plate == NO_PLATE:
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
    if options.plate == OUTLINE:
        plate = outline_plate(art, options.margin)
    else:
        radius = min(options.corner_radius, options.margin + min(box[2] - box[0], box[3] - box[1]) / 2) \
            if options.plate == ROUNDED else 0.0
        plate = rectangle(box, options.margin, radius)
    if options.hole is not None:
        top = outline.bounds(plate)[3]
        centre = ((box[0] + box[2]) / 2, top + options.hole / 2)
        tab = outline.circle(options.hole / 2 + HOLE_RIM_MM).translate(centre)
        plate = outline.union([plate, tab, rectangle((centre[0], top - HOLE_RIM_MM, centre[0], centre[1]),
                                                     options.hole / 2 + HOLE_RIM_MM)])
    return plate


def hole_cutter(plate: outline.Region, options: LogoOptions, art: outline.Region) -> list[manifold3d.Manifold]:
    """The hanging hole as a cylinder through the plate."""
    if options.hole is None:
        return []
    box = outline.bounds(art)
    top = outline.bounds(plate)[3] - options.hole / 2 - HOLE_RIM_MM
    circle = outline.circle(options.hole / 2).translate(((box[0] + box[2]) / 2, top))
    return [outline.extrude(circle, -1.0, options.base + options.relief_height + 1.0)]


def build(artwork: Artwork, options: LogoOptions) -> tuple[Mesh, Report]:
    """The logo solid lying on its plate, and the nozzle findings."""
    art, report = printable_artwork(artwork, options)
    if options.plate == NO_PLATE:
        return outline.solid([outline.extrude(art, 0.0, options.relief_height)]), report
    plate = plate_region(art, options)
    plate_solid = outline.extrude(plate, 0.0, options.base)
    cuts = hole_cutter(plate, options, art)
    if options.engraved:
        groove = outline.extrude(art, options.base - options.engrave_depth, options.base + 1.0)
        return outline.solid([plate_solid], [groove, *cuts]), report
    raised = outline.extrude(art, options.base - 0.01, options.base + options.relief_height)
    return outline.solid([plate_solid, raised], cuts), report


def artwork_starts(options: LogoOptions) -> float | None:
    """The top of the plate, where raised artwork begins (None without a plate or for an engraving)."""
    return None if options.plate == NO_PLATE or options.engraved else options.base


MODE = Mode("logo", N_("Logo plate"), N_("A logo or SVG raised on (or engraved into) a plate."),
            LogoOptions, build, reads=ARTWORK, intent="logo", position=40, default_for=(FLAT_ART, DRAWING),
            preview=PREVIEW, thinnest_option="base", artwork_starts=artwork_starts)
