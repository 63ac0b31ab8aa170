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
