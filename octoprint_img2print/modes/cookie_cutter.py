"""Cookie cutter: a wall along the artwork's outer outline, a flange for the hand, an optional imprint."""

from __future__ import annotations

from dataclasses import dataclass

from ..building.artwork import PREVIEW, Artwork, ArtworkOptions
from ..building.nozzle import printable_artwork
from ..geometry import outline
from ..geometry.mesh import Mesh
from ..i18n import N_, _
from ..options import bad_parameter, option
from ..report import WARNING, Report
from . import ARTWORK, Mode

MERGE_GAP_MM = 2.0
RIDGE_LINES = 2


@dataclass
class CookieCutterOptions(ArtworkOptions):
    """Cookie cutter options in millimetres; width and height are the cookie's."""

    cutter_height: float = option(15.0, N_("Cutter height"), N_("cookie cutter height in mm"),
                                  unit="mm", low=3.0, high=200.0, main=True)
    wall: float = option(1.0, N_("Wall"), N_("cookie cutter wall in mm (never below two nozzle lines)"),
                         unit="mm", low=0.1, high=20.0, main=True)
    flange_width: float = option(4.0, N_("Flange width"), N_("width of the cookie cutter's flange in mm"),
                                 unit="mm", low=0.0, high=50.0)
    flange_thickness: float = option(2.0, N_("Flange thickness"),
                                     N_("thickness of the cookie cutter's flange in mm"),
                                     unit="mm", low=0.4, high=200.0)
    imprint: bool = option(False, N_("Imprint"),
                           N_("add ridges that imprint the artwork's inner lines into the dough"), main=True)
    imprint_inset: float = option(4.0, N_("Imprint inset"),
                                  N_("how much lower than the cutting edge the imprint ridges stop, in mm"),
                                  unit="mm", low=0.0, high=200.0)

    def check(self) -> None:
        """The flange and the imprint fit under the cutting edge."""
        super().check()
        if self.flange_thickness > self.cutter_height:
            raise bad_parameter("flange_thickness", _("must not exceed the cutter height ({height:g} mm).")
                                .format(height=self.cutter_height))
        if self.imprint_inset > self.cutter_height - self.flange_thickness:
            raise bad_parameter("imprint_inset", _("must leave the ridges above the flange (at most {most:g} mm).")
                                .format(most=self.cutter_height - self.flange_thickness))


def cookie_outline(art: outline.Region) -> outline.Region:
    """The cookie's shape: the artwork with nearby parts merged and every hole filled, cleaned once.

    The wall, the flange and the imprint's floor all share this outline, so it is cleaned here once: cleaned part
    by part (the wall's hole runs the other way round) they kept different points of it, met as copies a fraction
    of a micron apart, and left zero-area triangles.
    """
    merged = outline.offset(outline.offset(art, MERGE_GAP_MM / 2), -MERGE_GAP_MM / 2)
    return outline.clean(outline.filled(outline.union([merged, art])))


def wall_thickness(options: CookieCutterOptions, report: Report) -> float:
    """The wall asked for, thickened to two nozzle lines (and reported) when thinner."""
    wall = max(options.wall, 2 * options.line_width)
    if wall > options.wall:
        report.add(WARNING, "wall_thickened",
                   _("The wall of {asked:.2f} mm is thinner than two {line:.2f} mm nozzle lines; it was made "
                     "{wall:.2f} mm.").format(asked=options.wall, line=options.line_width, wall=wall),
                   asked_mm=options.wall, wall_mm=round(wall, 3))
    return wall


def base(shape: outline.Region, wall: float, options: CookieCutterOptions) -> outline.Region:
    """What lies flat on the bed at flange thickness, as one region: the flange and the imprint's floor."""
    flat = [outline.offset(shape, wall + options.flange_width) - shape] if options.flange_width > 0 else []
    return outline.union([*flat, shape] if options.imprint else flat)


def ridges(art: outline.Region, shape: outline.Region, wall: float, options: CookieCutterOptions) -> outline.Region:
    """The imprint's ridges along the artwork's lines, clear of the wall (empty without an imprint)."""
    if not options.imprint:
        return outline.empty()
    ridge = max(RIDGE_LINES * options.line_width, 0.8)
    inside = outline.offset(shape, -1.5 * wall)
    return (outline.offset(art, ridge / 2) - outline.offset(art, -ridge / 2)) ^ inside


def build(artwork: Artwork, options: CookieCutterOptions) -> tuple[Mesh, Report]:
    """The cutter, flange down on the bed and the cutting edge up, and its findings."""
    art, report = printable_artwork(artwork, options)
    art = art.mirror((1.0, 0.0))  # printed edge up, pressed edge down: the cookie is the drawing as drawn
    shape = cookie_outline(art)
    wall = wall_thickness(options, report)
    layers = ((outline.offset(shape, wall) - shape, options.cutter_height),
              (base(shape, wall, options), options.flange_thickness),
              (ridges(art, shape, wall, options), options.cutter_height - options.imprint_inset))
    return outline.solid([outline.extrude(region, 0.0, top) for region, top in layers if not region.is_empty()]), report


MODE = Mode("cookie-cutter", N_("Cookie cutter"), N_("A thin cutting wall along the artwork's outline, with a flange."),
            CookieCutterOptions, build, reads=ARTWORK, intent="cookie-cutter", position=50,
            preview=PREVIEW, thinnest_option="flange_thickness")
