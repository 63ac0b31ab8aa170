"""Words given as an option (--text): drawn as an SVG, so that they go through the same reader as any drawing,
and as a picture for the modes that read pictures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ..geometry import outline
from ..i18n import N_, _
from ..imaging.load import Picture, load_picture
from ..options import Options, option
from .size import SizedOptions

LINE_SPACING = 1.2  # lines of --text this many font sizes apart
TEXT_GAP = 0.5  # text under a picture lies this many font sizes below it
PICTURE_PX_PER_MM = 20.0  # the raster of words alone, finer than any sampling pitch
MAX_TEXT_PIXELS = 4000  # the longer side of that raster at most
SUPERSAMPLING = 4  # the words are drawn this much finer and averaged down, so that edges are grey
MAX_SUPERSAMPLED = 40_000_000  # pixels of that finer drawing at most
TEXT_TOLERANCE_MM = 0.02  # glyph curves drawn this close before they become pixels


@dataclass
class TextOptions(Options):
    """Words to print, their font and size (mm)."""

    text: str | None = option(None, N_("Text"), N_("words to print: alone, or under the picture; a new line starts "
                                                   "another line"), main=True)
    font: str = option("sans-serif", N_("Font"),
                       N_("font family of the text: an installed font, or serif, sans-serif or monospace (DejaVu "
                          "is used when the font is not installed)"))
    text_size: float = option(10.0, N_("Text size"), N_("font size of the text in mm (about a line's height)"),
                              unit="mm", low=1.0, high=500.0)
    bold: bool = option(False, N_("Bold text"), N_("draw the text in the font's bold face"))


def text_drawing(options: TextOptions) -> bytes:
    """An SVG of the text (one line per new line, centred) in the font and size asked, black on white."""
    lines = [line.strip() for line in (options.text or "").split("\n") if line.strip()]
    size = options.text_size
    spans = "".join(f'<tspan x="0" y="{index * LINE_SPACING * size:.4f}mm">{escape(line)}</tspan>'
                    for index, line in enumerate(lines))
    weight = "bold" if options.bold else "normal"
    return (f'<svg xmlns="http://www.w3.org/2000/svg"><text font-family={quoteattr(options.font)} '
            f'font-weight="{weight}" font-size="{size:.4f}mm" text-anchor="middle">{spans}</text></svg>').encode()


def _covered(words: outline.Region, scale: float, margin: int) -> np.ndarray:
    """Lightness of the words drawn at ``scale`` pixels per mm: 0 inside, 1 outside, edges by the share of the
    pixel they cover (drawn finer, then averaged)."""
    x0, y0, x1, y1 = outline.bounds(words)
    finer = max(1, min(SUPERSAMPLING, int((MAX_SUPERSAMPLED / ((x1 - x0 + 1) * (y1 - y0 + 1) * scale ** 2)) ** 0.5)))
    fine = outline.mask(words, scale * finer, margin * finer)
    rows, columns = fine.shape[0] // finer, fine.shape[1] // finer
    coverage = fine[:rows * finer, :columns * finer].reshape(rows, finer, columns, finer).mean(axis=(1, 3))
    return (1.0 - coverage).astype(np.float32)


def _stacked(top: np.ndarray, bottom: np.ndarray, gap: int) -> np.ndarray:
    """Two lightness rasters one above the other, centred, on white."""
    width = max(top.shape[1], bottom.shape[1])
    canvas = np.ones((top.shape[0] + gap + bottom.shape[0], width), dtype=np.float32)
    left = (width - top.shape[1]) // 2
    canvas[:top.shape[0], left:left + top.shape[1]] = top
    left = (width - bottom.shape[1]) // 2
    canvas[top.shape[0] + gap:, left:left + bottom.shape[1]] = bottom
    return canvas


def lettered_picture(words: outline.Region, picture: Picture | None, options: TextOptions,
                     width_mm: float | None) -> Picture:
    """The text as a picture (dark letters on white), alone or under ``picture`` at the size the picture will be
    printed (``width_mm`` wide), so that the text keeps its size in mm."""
    x0, y0, x1, y1 = outline.bounds(words)
    if picture is None:
        scale = min(PICTURE_PX_PER_MM, MAX_TEXT_PIXELS / max(x1 - x0, y1 - y0))
    else:
        scale = picture.lightness.shape[1] / width_mm if width_mm else PICTURE_PX_PER_MM
        scale = min(scale, MAX_TEXT_PIXELS / max(x1 - x0, y1 - y0))
    margin = max(1, round(options.text_size * scale * 0.1))
    letters = _covered(words, scale, margin)
    if picture is None:
        lightness = letters
    else:
        lightness = _stacked(np.where(picture.background, np.float32(1.0), picture.lightness), letters,
                             round(options.text_size * TEXT_GAP * scale))
    rows, columns = lightness.shape
    return Picture(picture.name if picture else "text", lightness, np.zeros(lightness.shape, dtype=bool), None,
                   (columns, rows))


def lettered(source: bytes | Path, name: str, options: TextOptions, max_megapixels: float) -> Picture:
    """The picture of a mode that reads pictures with the --text under it, or the text alone (empty ``source``)."""
    from ..imaging.svg import load_svg

    picture = None if source == b"" else load_picture(source, name, max_megapixels=max_megapixels)
    words = load_svg(text_drawing(options), _("the text"), TEXT_TOLERANCE_MM).region
    width = options.width if isinstance(options, SizedOptions) else None
    return lettered_picture(words, picture, options, width)
