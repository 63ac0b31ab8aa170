"""Prepare a picture for a heightfield: background, crop, resample to the printing grid, tone, smoothing."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .blur import gaussian
from .load import Picture

WHITE_LEVEL = 0.94


def mark_white_background(picture: Picture) -> None:
    """Count near-white regions that touch the border as background (a logo or product shot on white)."""
    from scipy import ndimage

    labels, _count = ndimage.label(picture.lightness >= WHITE_LEVEL)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    border = border[border > 0]
    picture.background |= np.isin(labels, border)


def crop_to_subject(picture: Picture) -> None:
    """Cut the picture down to the bounding box of everything that is not background."""
    rows = np.nonzero((~picture.background).any(axis=1))[0]
    cols = np.nonzero((~picture.background).any(axis=0))[0]
    if len(rows) < 2 or len(cols) < 2:
        return
    picture.crop((slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)))


def turn(picture: Picture, degrees: float) -> None:
    """Turn the picture counter-clockwise: quarter turns exactly; other angles on a canvas that holds all of it,
    its new corners background."""
    quarters = degrees / 90.0
    if quarters == round(quarters):
        turns = round(quarters) % 4
        picture.replace(lambda array: np.rot90(array, turns).copy())
        return
    from scipy import ndimage

    def turned(array: np.ndarray, outside: float, order: int) -> np.ndarray:
        return ndimage.rotate(array, degrees, axes=(1, 0), reshape=True, order=order, mode="constant", cval=outside)

    picture.lightness = turned(picture.lightness, 1.0, 1).astype(np.float32)
    picture.background = turned(picture.background.astype(np.float32), 1.0, 0) > 0.5
    if picture.values is not None:
        picture.values = turned(picture.values.astype(np.float64), np.nan, 1)
    if picture.colour is not None:
        picture.colour = turned(picture.colour, 255, 0)


def crop_box(picture: Picture, box: tuple[float, float, float, float]) -> None:
    """Keep the part of the picture ``box`` names: left, top, width and height in percent of it."""
    rows, cols = picture.lightness.shape
    left, top, width, height = box
    first_col, first_row = round(cols * left / 100), round(rows * top / 100)
    last_col = max(first_col + 2, round(cols * (left + width) / 100))
    last_row = max(first_row + 2, round(rows * (top + height) / 100))
    picture.crop((slice(first_row, min(last_row, rows)), slice(first_col, min(last_col, cols))))


def resample(array: np.ndarray, cols: int, rows: int) -> np.ndarray:
    """Resize a 2-D float array to (rows, cols) with an anti-aliasing filter."""
    if array.shape == (rows, cols):
        return array.astype(np.float32)
    image = Image.fromarray(np.ascontiguousarray(array, dtype=np.float32))
    return np.asarray(image.resize((cols, rows), Image.Resampling.LANCZOS), dtype=np.float32)


def resample_mask(mask: np.ndarray, cols: int, rows: int) -> np.ndarray:
    """Resize a boolean mask, keeping cells that are mostly set (an empty mask, a photo's, stays empty)."""
    if not mask.any():
        return np.zeros((rows, cols), dtype=bool)
    return resample(mask.astype(np.float32), cols, rows) >= 0.5


def levels(lightness: np.ndarray, black: float, white: float, auto: bool, contrast: float,
           gamma: float) -> np.ndarray:
    """Black/white points (or automatic 0.5 %/99.5 % stretch), contrast around mid-grey, then gamma."""
    if auto:
        black, white = (float(v) for v in np.percentile(lightness, [0.5, 99.5]))
        if white - black < 1e-3:
            black, white = 0.0, 1.0
    out = (lightness - black) / (white - black)
    if contrast != 1.0:
        out = (out - 0.5) * contrast + 0.5
    np.clip(out, 0.0, 1.0, out=out)
    if gamma != 1.0:
        np.power(out, 1.0 / gamma, out=out)
    return out.astype(np.float32)


def smooth(array: np.ndarray, sigma_mm: float, pitch_mm: float) -> np.ndarray:
    """Gaussian smoothing with a radius given in millimetres."""
    if sigma_mm <= 0:
        return array
    return gaussian(array, sigma_mm / pitch_mm)
