"""What the artwork modes share: the artwork as a region in mm, from an SVG or a traced raster logo."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import BadInput
from ..geometry import outline
from ..i18n import N_, _, list_separator, ngettext
from ..imaging import prepare
from ..imaging.file_limits import MAX_PICTURE_BYTES, read_bounded
from ..imaging.load import Picture, load_picture
from ..imaging.svg import MAX_SVG_BYTES, load_svg, looks_like_svg
from ..imaging.svg_draw import Drawing
from ..imaging.trace import ink_field, otsu_threshold, trace
from ..options import bad_parameter, option
from ..report import FIX_OPTION, FIX_VALUE, INFO, WARNING, Report, finding_kind
from .lettering import TEXT_GAP, TextOptions, text_drawing
from .size import SizedOptions

RASTER_WIDTH_MM = 80.0
MAX_TRACE_GRID = 4000
PREVIEW = {"tolerance": 0.1}
SPECKS_DROPPED = finding_kind("artwork_parts_dropped", N_("Small parts of the artwork left out: {count}"),
                              N_("Keep them"))
FEATURES_IGNORED = finding_kind("svg_feature_ignored", N_("SVG effects drawn without: {count}"))
MISSING_GLYPHS = finding_kind("svg_text_missing_glyphs", N_("Characters the font lacks: {count}"))
TEXT_FONTS = finding_kind("svg_text_fonts", N_("Fonts of the text: {count}"))
IGNORED_FEATURES = {"mask": N_("masks"), "filter": N_("filters (blur, shadow)"),
                    "marker": N_("markers (arrow heads)"), "textPath": N_("text along a path"),
                    "use_loop": N_("a <use> that draws itself (a loop of references)")}
HOLES_FILLED = finding_kind("artwork_holes_filled", N_("Small holes of the artwork filled: {count}"))


@dataclass
class ArtworkOptions(TextOptions, SizedOptions):
    """Artwork size and tracing: lengths in mm, areas in mm², threshold as lightness 0..1."""

    threshold: float | None = option(None, N_("Threshold"),
                                     N_("lightness (0-1) below which a pixel is artwork (default: automatic, Otsu)"),
                                     low=0.0, high=1.0, low_open=True)
    invert: bool = option(False, N_("Light artwork on dark"), N_("trace light artwork on a dark background"))
    white_background: bool = option(False, N_("White is background"),
                                    N_("treat a solid white background as background, not as artwork"))
    despeckle: float = option(0.5, N_("Drop specks below"), N_("drop specks smaller than this many mm²"),
                              unit="mm²", low=0.0, high=10_000.0)
    fill_holes: float = option(0.0, N_("Fill holes below"), N_("fill holes smaller than this many mm²"),
                               unit="mm²", low=0.0, high=10_000.0)
    tolerance: float = option(0.03, N_("Outline accuracy"),
                              N_("outline accuracy in mm: curves and simplification"),
                              unit="mm", low=0.001, high=5.0)
    fix_thin: bool = option(False, N_("Thicken thin parts"),
                            N_("thicken strokes and islands the nozzle cannot print, and say what changed"))


@dataclass
class Artwork:
    """The artwork as a region in mm (y up, lower-left at the origin) and where it lies in the source.

    A point (x, y) mm lies at source pixel (pixel_origin[0] + x * px_per_mm, pixel_origin[1] - y * px_per_mm);
    for an SVG the pixels are its user units at 96 per inch.
    """

    region: outline.Region
    name: str
    px_per_mm: float
    pixel_origin: tuple[float, float]
    pixel_box: tuple[float, float, float, float] | None = None  # the source's pixels (left, top, right, bottom)
    findings: Report = field(default_factory=Report)
    fonts: set[str] = field(default_factory=set)

    @property
    def size(self) -> tuple[float, float]:
        """Width and height in mm."""
        x0, y0, x1, y1 = outline.bounds(self.region)
        return x1 - x0, y1 - y0

    def source_pixel(self, x: float, y: float) -> tuple[int, int] | None:
        """Where a point of the artwork (mm) lies in the source picture or drawing (pixels, y down); None for a
        point outside it (in words added under it)."""
        column, row = self.pixel_origin[0] + x * self.px_per_mm, self.pixel_origin[1] - y * self.px_per_mm
        box = self.pixel_box
        if box is None or not (box[0] <= column <= box[2] and box[1] <= row <= box[3]):
            return None
        return round(column), round(row)

    def moved(self, scale: float) -> Artwork:
        """The artwork scaled by ``scale`` about its lower-left corner, then moved to the origin."""
        x0, y0, _x1, _y1 = outline.bounds(self.region)
        region = self.region.translate((-x0, -y0)).scale((scale, scale))
        origin = (self.pixel_origin[0] + x0 * self.px_per_mm, self.pixel_origin[1] - y0 * self.px_per_mm)
        return Artwork(region, self.name, self.px_per_mm / scale, origin, self.pixel_box, self.findings, self.fonts)


def _fit_scale(natural: tuple[float, float], options: ArtworkOptions, default_width: float | None) -> float:
    """Uniform scale that gives the asked width or height (both: the largest that fits both)."""
    scales = []
    if options.width is not None:
        scales.append(options.width / natural[0])
    if options.height is not None:
        scales.append(options.height / natural[1])
    if not scales and default_width is not None:
        scales.append(default_width / natural[0])
    return min(scales) if scales else 1.0


def _with_text(artwork: Artwork | None, options: ArtworkOptions) -> Artwork:
    """The artwork with the --text lines centred under it (or the text alone), at the text's own size."""
    words = _from_svg(text_drawing(options), _("the text"), options)
    if artwork is None:  # no picture whose pixels a finding could point at: places are said in mm only
        words.pixel_box = None
        return words
    x0, y0, x1, _y1 = outline.bounds(artwork.region)
    tx0, _ty0, tx1, ty1 = outline.bounds(words.region)
    gap = options.text_size * TEXT_GAP
    moved = words.region.translate(((x0 + x1) / 2 - (tx0 + tx1) / 2, y0 - gap - ty1))
    artwork.region = outline.union([artwork.region, moved])
    artwork.findings.extend(words.findings)
    artwork.fonts |= words.fonts
    return artwork


def _from_svg(data: bytes, name: str, options: ArtworkOptions) -> Artwork:
    drawing = load_svg(data, name, options.tolerance)
    x0, y0, x1, y1 = outline.bounds(drawing.region)
    px_per_mm = 96 / 25.4
    artwork = Artwork(drawing.region, name, px_per_mm, (0.0, 0.0),
                      (x0 * px_per_mm, -y1 * px_per_mm, x1 * px_per_mm, -y0 * px_per_mm))
    tell_drawing(artwork.findings, drawing)
    artwork.fonts |= drawing.fonts
    return artwork


def tell_drawing(report: Report, drawing: Drawing) -> None:
    """Findings for what of an SVG was drawn without an effect it asks for, and for characters its fonts lack."""
    for feature in sorted(drawing.ignored):
        report.add(WARNING, FEATURES_IGNORED,
                   _("The SVG uses {feature}, which img2print does not draw; the shapes are drawn without them. "
                     "Check the preview, or flatten them in the drawing program (Inkscape: Path > Object to "
                     "Path).").format(feature=_(IGNORED_FEATURES[feature])), feature=feature)
    for font, count in sorted(drawing.missing_glyphs.items()):
        report.add(WARNING, MISSING_GLYPHS,
                   ngettext("{count} character of the text is not in the font {font} and is left out; install a "
                            "font that has it, or convert the text to paths in the drawing program.",
                            "{count} characters of the text are not in the font {font} and are left out; install a "
                            "font that has them, or convert the text to paths in the drawing program.", count)
                   .format(count=count, font=font), count=count, font=font)


def _tell_fonts(report: Report, fonts: set[str]) -> None:
    """One finding naming every font the artwork's text was drawn with."""
    if fonts:
        report.add(INFO, TEXT_FONTS, _("The text is drawn with the font {fonts}.")
                   .format(fonts=list_separator().join(sorted(fonts))), fonts=sorted(fonts))


def _traced(picture: Picture, options: ArtworkOptions) -> Artwork:
    """The picture's dark (or with ``invert`` light) parts as outlines, sized as asked or to the raster width."""
    name = picture.name
    if options.white_background:
        prepare.mark_white_background(picture)
    field = ink_field(picture, options.invert)
    level = options.threshold if options.threshold is not None else otsu_threshold(field[~picture.background])
    ink_rows, ink_cols = np.nonzero(field < level)
    if len(ink_rows) == 0:
        raise BadInput("no_artwork", _("{file}: no artwork found: every pixel is lighter than the threshold "
                                       "{level:.2f}. Try --threshold or --invert.").format(file=name, level=level),
                       file=name)
    top, bottom = max(0, ink_rows.min() - 2), min(field.shape[0], ink_rows.max() + 3)
    left, right = max(0, ink_cols.min() - 2), min(field.shape[1], ink_cols.max() + 3)
    picture.lightness = picture.lightness[top:bottom, left:right]
    picture.background = picture.background[top:bottom, left:right]
    rows, cols = picture.lightness.shape
    natural = (float(ink_cols.max() - ink_cols.min() + 1), float(ink_rows.max() - ink_rows.min() + 1))
    mm_per_px = _fit_scale(natural, options, RASTER_WIDTH_MM)
    size_mm = max(cols, rows) * mm_per_px
    pitch = max(min(options.nozzle / 4, options.tolerance * 2), size_mm / MAX_TRACE_GRID)
    region = trace(picture, (cols - 1) * mm_per_px, (rows - 1) * mm_per_px, pitch, level, options.invert)
    return Artwork(region, name, 1 / mm_per_px, (float(left), float(top + rows - 1)),
                   (0.0, 0.0, float(field.shape[1]), float(field.shape[0])))


def _finished(artwork: Artwork, options: ArtworkOptions, default_width: float | None) -> Artwork:
    """The artwork cleaned (specks, small holes, simplified) and sized as asked."""
    if artwork.region.is_empty():
        raise BadInput("no_artwork", _("{file}: no artwork found.").format(file=artwork.name), file=artwork.name)
    artwork = artwork.moved(_fit_scale(artwork.size, options, default_width))
    cleaned = outline.without_small_parts(artwork.region, options.despeckle, options.fill_holes)
    if cleaned.region.is_empty():
        raise bad_parameter("despeckle", _("every part of the artwork is smaller than {area:g} mm².")
                            .format(area=options.despeckle))
    _tell_cleaning(artwork.findings, cleaned, options)
    _tell_fonts(artwork.findings, artwork.fonts)
    artwork.region = cleaned.region.simplify(options.tolerance)
    return artwork.moved(_fit_scale(artwork.size, options, None))


def _tell_cleaning(report: Report, cleaned: outline.Cleaned, options: ArtworkOptions) -> None:
    """Findings for what the cleaning took away, so that nothing vanishes without a word."""
    if cleaned.parts_dropped:
        count = cleaned.parts_dropped
        message = ngettext("Left out {count} part of the artwork smaller than {limit:g} mm² ({area:.2f} mm²); "
                           "set --despeckle 0 to keep it.",
                           "Left out {count} parts of the artwork smaller than {limit:g} mm² ({area:.2f} mm² in "
                           "all); set --despeckle 0 to keep them.", count)
        report.add(WARNING, SPECKS_DROPPED,
                   message.format(count=count, limit=options.despeckle, area=cleaned.parts_area),
                   count=count, area_mm2=round(cleaned.parts_area, 3), **{FIX_OPTION: "despeckle", FIX_VALUE: 0.0})
    if cleaned.holes_filled:
        report.add(INFO, HOLES_FILLED,
                   ngettext("Filled {count} hole of the artwork smaller than {limit:g} mm² ({area:.2f} mm²).",
                            "Filled {count} holes of the artwork smaller than {limit:g} mm² ({area:.2f} mm² in all).",
                            cleaned.holes_filled)
                   .format(count=cleaned.holes_filled, limit=options.fill_holes, area=cleaned.holes_area),
                   count=cleaned.holes_filled, area_mm2=round(cleaned.holes_area, 3))


def traced_artwork(picture: Picture, options: ArtworkOptions) -> Artwork:
    """The artwork of a raster logo already decoded (and the --text under it): traced, cleaned and sized."""
    traced = _traced(picture, options)
    return _finished(_with_text(traced, options) if options.text else traced, options, RASTER_WIDTH_MM)


def load_artwork(source: bytes | Path, name: str | None, options: ArtworkOptions, max_megapixels: float) -> Artwork:
    """The artwork of an SVG (keeping its own size unless asked) or a raster logo, with the --text under it, or
    the text alone when there is no picture (empty ``source``); cleaned and sized."""
    name = name or (source.name if isinstance(source, Path) else "artwork")
    if source == b"" and options.text:
        return _finished(_with_text(None, options), options, None)
    limit = MAX_SVG_BYTES if name.lower().endswith((".svg", ".svgz")) else MAX_PICTURE_BYTES
    data = source if isinstance(source, bytes) else read_bounded(source, limit, name)
    if data and looks_like_svg(data, name):
        drawn = _from_svg(data, name, options)
        return _finished(_with_text(drawn, options) if options.text else drawn, options, None)
    return traced_artwork(load_picture(data, name, max_megapixels=max_megapixels), options)


def rectangle(box: tuple[float, float, float, float], margin: float, radius: float = 0.0) -> outline.Region:
    """The box grown by ``margin``, with corners rounded by ``radius``."""
    x0, y0, x1, y1 = box[0] - margin + radius, box[1] - margin + radius, box[2] + margin - radius, \
        box[3] + margin - radius
    return outline.offset(outline.region([np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])]), radius)
