"""A region drawn as a picture (dark where it covers, light elsewhere), for the modes that read pictures: an SVG
made into a lithophane or a keychain, or words added under a photo."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..geometry import outline
from ..imaging.file_limits import read_bounded
from ..imaging.load import Picture
from ..imaging.svg import MAX_SVG_BYTES, load_svg

DRAWN_PX_PER_MM = 20.0  # finer than any sampling pitch
MAX_DRAWN_PIXELS = 4000  # the longer side of a drawn picture at most
SUPERSAMPLING = 4  # drawn this much finer and averaged down, so that edges are grey
MAX_SUPERSAMPLED = 40_000_000  # pixels of that finer drawing at most
TOLERANCE_MM = 0.02  # curves drawn this close before they become pixels


def scale_for(region: outline.Region, px_per_mm: float = DRAWN_PX_PER_MM) -> float:
    """Pixels per mm for drawing ``region``: as asked, but at most MAX_DRAWN_PIXELS on its longer side."""
    x0, y0, x1, y1 = outline.bounds(region)
    return min(px_per_mm, MAX_DRAWN_PIXELS / max(x1 - x0, y1 - y0, 1e-9))


def covered(region: outline.Region, scale: float, margin: int) -> np.ndarray:
    """Lightness of the region drawn at ``scale`` pixels per mm with ``margin`` pixels around: 0 inside, 1 outside,
    edges by the share of the pixel they cover."""
    x0, y0, x1, y1 = outline.bounds(region)
    finer = max(1, min(SUPERSAMPLING, int((MAX_SUPERSAMPLED / ((x1 - x0 + 1) * (y1 - y0 + 1) * scale ** 2)) ** 0.5)))
    fine = outline.mask(region, scale * finer, margin * finer)
    rows, columns = fine.shape[0] // finer, fine.shape[1] // finer
    coverage = fine[:rows * finer, :columns * finer].reshape(rows, finer, columns, finer).mean(axis=(1, 3))
    return (1.0 - coverage).astype(np.float32)


def picture_of(lightness: np.ndarray, name: str) -> Picture:
    """A picture of drawn lightness, with no background."""
    rows, columns = lightness.shape
    return Picture(name, lightness, np.zeros(lightness.shape, dtype=bool), None, (columns, rows))


def drawn_picture(source: bytes | Path, name: str) -> Picture:
    """An SVG as a picture: what it paints dark on white."""
    data = source if isinstance(source, bytes) else read_bounded(source, MAX_SVG_BYTES, name)
    region = load_svg(data, name, TOLERANCE_MM).region
    return picture_of(covered(region, scale_for(region), 0), name)
