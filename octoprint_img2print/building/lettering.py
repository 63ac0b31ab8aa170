"""Words given as an option (--text): drawn as an SVG, so that they go through the same reader as any drawing,
and as a picture for the modes that read pictures."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ..geometry import outline
from ..i18n import N_, _
from ..imaging.load import Picture, load_picture
from ..imaging.svg import load_svg, looks_like_svg
from ..options import Options, option
from .drawn import TOLERANCE_MM, covered, drawn_picture, picture_of, scale_for
from .size import SizedOptions

LINE_SPACING = 1.2  # lines of --text this many font sizes apart
TEXT_GAP = 0.5  # text under a picture lies this many font sizes below it
MAX_NAME = 40  # characters of a file named after its words
TEXT_MARGIN_MM = 3.0  # around words drawn as a picture, more than a keychain's frame covers


@dataclass
class TextOptions(Options):
    """Words to print, their font and size (mm)."""

    text: str | None = option(None, N_("Text"), N_("words to print: alone, or under the picture; a new line starts "
                                                   "another line"), main=True, multiline=True)
    font: str = option("sans-serif", N_("Font"),
                       N_("font family of the text: an installed font, or serif, sans-serif or monospace (DejaVu "
                          "is used when the font is not installed)"))
    text_size: float = option(10.0, N_("Text size"), N_("font size of the text in mm (about a line's height)"),
                              unit="mm", low=1.0, high=500.0)
    bold: bool = option(False, N_("Bold text"), N_("draw the text in the font's bold face"))


def words_name(text: str) -> str:
    """A file name for what is made of words alone: the first line's letters and digits (at most 40), else
    "text"."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    plain = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:MAX_NAME]
    return name or "text"


def text_drawing(options: TextOptions) -> bytes:
    """An SVG of the text (one line per new line, centred) in the font and size asked, black on white."""
    lines = [line.strip() for line in (options.text or "").split("\n") if line.strip()]
    size = options.text_size
    spans = "".join(f'<tspan x="0" y="{index * LINE_SPACING * size:.4f}mm">{escape(line)}</tspan>'
                    for index, line in enumerate(lines))
    weight = "bold" if options.bold else "normal"
    return (f'<svg xmlns="http://www.w3.org/2000/svg"><text font-family={quoteattr(options.font)} '
            f'font-weight="{weight}" font-size="{size:.4f}mm" text-anchor="middle">{spans}</text></svg>').encode()


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
    printed (``width_mm`` wide), so that the text keeps its size in mm; a margin keeps it clear of a frame."""
    if picture is None or not width_mm:
        scale = scale_for(words)
        margin = TEXT_MARGIN_MM * scale
    else:
        scale = min(picture.lightness.shape[1] / width_mm, scale_for(words))
        x0, _y0, x1, _y1 = outline.bounds(words)
        margin = TEXT_MARGIN_MM * scale
        if width_mm > 4 * TEXT_MARGIN_MM:  # words wider than the picture widen it: the margin grows to stay 3 mm
            margin = max(margin, TEXT_MARGIN_MM * (x1 - x0) * scale / (width_mm - 2 * TEXT_MARGIN_MM))
    letters = covered(words, scale, max(1, round(margin)))
    if picture is None:
        return picture_of(letters, "text")
    return picture_of(_stacked(np.where(picture.background, np.float32(1.0), picture.lightness), letters,
                               round(options.text_size * TEXT_GAP * scale)), picture.name)


def lettered(source: bytes | Path, name: str, options: TextOptions, max_megapixels: float) -> Picture:
    """The picture (or drawing) of a mode that reads pictures with the --text under it, or the text alone (empty
    ``source``)."""
    if source == b"":
        picture = None
    elif looks_like_svg(source[:4096] if isinstance(source, bytes) else b"", name):
        picture = drawn_picture(source, name)
    else:
        picture = load_picture(source, name, max_megapixels=max_megapixels)
    words = load_svg(text_drawing(options), _("the text"), TOLERANCE_MM).region
    width = options.width if isinstance(options, SizedOptions) else None
    return lettered_picture(words, picture, options, width)
