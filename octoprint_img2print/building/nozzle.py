"""What the nozzle cannot print: strokes and gaps narrower than its line, islands smaller than a few lines."""

from __future__ import annotations

from ..geometry import outline
from ..i18n import N_, _
from ..report import FIX_OPTION, FIX_VALUE, INFO, WARNING, Report, finding_kind
from .artwork import Artwork, ArtworkOptions

ISLAND_LINES = 3
MAX_FINDINGS_PER_CODE = 25
THIN_STROKE = finding_kind("feature_below_nozzle", N_("Strokes narrower than the nozzle's line: {count}"),
                           N_("Thicken thin parts"))
NARROW_GAP = finding_kind("gap_below_nozzle", N_("Gaps narrower than the nozzle's line, which close up: {count}"))
SMALL_ISLAND = finding_kind("island_below_nozzle", N_("Parts too small to print or to stick: {count}"),
                            N_("Thicken thin parts"))
THICKEN = {FIX_OPTION: "fix_thin", FIX_VALUE: True}


def _significant(shape: outline.Region, line_width: float) -> list[outline.Piece]:
    """Pieces big enough to matter (sharp corners leave slivers that are not features)."""
    return [p for p in outline.pieces(shape) if p.area >= line_width * line_width / 2]


def thin_strokes(region: outline.Region, line_width: float) -> outline.Region:
    """Parts of the region narrower than ``line_width``: what an opening by half a line removes."""
    return region - outline.offset(outline.offset(region, -line_width / 2), line_width / 2)


def narrow_gaps(region: outline.Region, line_width: float) -> outline.Region:
    """Gaps and holes narrower than ``line_width``: what a closing by half a line fills."""
    return outline.offset(outline.offset(region, line_width / 2), -line_width / 2) - region


def analyse(artwork: Artwork, region: outline.Region, line_width: float, fixable: bool = True) -> Report:
    """Findings (thin strokes, narrow gaps, small islands) with size and place; thin strokes and small islands
    carry their fix (thickening) while it is not on already."""
    report = Report()
    fix = THICKEN if fixable else {}
    checks = (
        (THIN_STROKE, thin_strokes(region, line_width), fix,
         _("A stroke about {width:.2f} mm wide at {place} is narrower than the {line:.2f} mm line the nozzle "
           "prints; use --fix-thin or thicken it.")),
        (NARROW_GAP, narrow_gaps(region, line_width), {},
         _("A gap about {width:.2f} mm wide at {place} is narrower than the {line:.2f} mm line the nozzle prints "
           "and will close up.")),
    )
    for code, shape, remedy, message in checks:
        found = _significant(shape, line_width)
        for piece in found[:MAX_FINDINGS_PER_CODE]:
            place, where = _place(artwork, piece)
            width = min(piece.typical_width, line_width)
            report.add(WARNING, code, message.format(width=width, place=place, line=line_width),
                       width_mm=round(width, 3), area_mm2=round(piece.area, 3), **where,
                       line_width_mm=round(line_width, 3), **remedy)
        _more(report, code, len(found))
    islands = [p for p in outline.pieces(region) if p.area < (ISLAND_LINES * line_width) ** 2]
    for piece in islands[:MAX_FINDINGS_PER_CODE]:
        place, where = _place(artwork, piece)
        report.add(WARNING, SMALL_ISLAND,
                   _("A separate part of {area:.2f} mm² at {place} is smaller than a few nozzle lines and may not "
                     "print or stick.").format(area=piece.area, place=place),
                   area_mm2=round(piece.area, 3), **where, **fix)
    _more(report, SMALL_ISLAND, len(islands))
    return report


def _place(artwork: Artwork, piece: outline.Piece) -> tuple[str, dict[str, float | int]]:
    """Where a piece lies, as words and as numbers: in mm, and in the source picture's pixels when it lies in the
    picture (not in words added under it)."""
    x, y = piece.centre
    numbers: dict[str, float | int] = {"x_mm": round(x, 2), "y_mm": round(y, 2)}
    pixel = artwork.source_pixel(x, y)
    if pixel is None:
        return _("x {x:.1f}, y {y:.1f} mm").format(x=x, y=y), numbers
    numbers.update(x_px=pixel[0], y_px=pixel[1])
    return _("x {x:.1f}, y {y:.1f} mm (pixel {px}, {py})").format(x=x, y=y, px=pixel[0], py=pixel[1]), numbers


def _more(report: Report, code: str, found: int) -> None:
    if found > MAX_FINDINGS_PER_CODE:
        report.add(WARNING, code, _("… and {count} more like it.").format(count=found - MAX_FINDINGS_PER_CODE),
                   more=found - MAX_FINDINGS_PER_CODE)


def _grow_island(island: outline.Region, smallest: float, line_width: float) -> outline.Region:
    """Grow an island (by at least half a line) until it covers a square of ``smallest`` mm."""
    island = outline.offset(island, line_width / 2)
    while island.area() < smallest ** 2:
        island = outline.offset(island, max(line_width / 4, (smallest - island.area() ** 0.5) / 2))
    return island


def thicken(region: outline.Region, line_width: float) -> tuple[outline.Region, Report]:
    """Grow strokes narrower than the nozzle's line to that width and small islands to a printable size."""
    smallest = ISLAND_LINES * line_width
    strokes = [p for p in thin_strokes(region, line_width).decompose() if p.area() >= line_width ** 2 / 2]
    islands = [p for p in region.decompose() if p.area() < smallest ** 2]
    grown = [outline.offset(p, line_width / 2) for p in strokes]
    grown += [_grow_island(p, smallest, line_width) for p in islands]
    report = Report()
    if not grown:
        return region, report
    thickened = outline.union([region, *grown])
    added = thickened.area() - region.area()
    report.add(INFO, "thin_features_thickened",
               _("Thickened {count} thin features to the {line:.2f} mm nozzle line, adding {area:.2f} mm².")
               .format(count=len(grown), line=line_width, area=added),
               count=len(grown), area_added_mm2=round(added, 3))
    return thickened, report


def printable_artwork(artwork: Artwork, options: ArtworkOptions) -> tuple[outline.Region, Report]:
    """The artwork region after --fix-thin (if asked) and the nozzle findings that remain."""
    report = Report()
    report.extend(artwork.findings)
    region = artwork.region
    if options.fix_thin:
        region, changes = thicken(region, options.line_width)
        report.extend(changes)
    report.extend(analyse(artwork, region, options.line_width, fixable=not options.fix_thin))
    return region, report
