"""Trace a raster logo into smooth outlines: threshold, sub-pixel contours on a finely resampled field."""

from __future__ import annotations

import numpy as np

from ..geometry import outline
from .blur import gaussian
from .load import Picture
from .prepare import resample

FIELD_SMOOTHING_PX = 0.6
SOURCE_SMOOTHING_PX = 0.8


def otsu_threshold(values: np.ndarray) -> float:
    """The level that best splits ``values`` (0..1) into two classes (Otsu's method).

    Where several levels split equally well (a clean two-tone picture), the middle one is taken.
    """
    histogram, edges = np.histogram(values, bins=256, range=(0.0, 1.0))
    weights = histogram.astype(np.float64) / max(1, histogram.sum())
    centres = (edges[:-1] + edges[1:]) / 2
    below = np.cumsum(weights)
    mean_below = np.cumsum(weights * centres)
    total_mean = mean_below[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mean * below - mean_below) ** 2 / (below * (1 - below))
    between = np.nan_to_num(between)
    best = np.nonzero(between >= between.max() * (1 - 1e-9))[0]
    return float(edges[(best[0] + best[-1]) // 2 + 1])


def ink_field(picture: Picture, invert: bool) -> np.ndarray:
    """0 where there is artwork, 1 where there is none; background counts as none."""
    field = 1.0 - picture.lightness if invert else picture.lightness.copy()
    field[picture.background] = 1.0
    return field


def trace(picture: Picture, width_mm: float, height_mm: float, pitch_mm: float,
          threshold: float | None, invert: bool) -> outline.Region:
    """The artwork of a raster picture as a region of ``width_mm`` x ``height_mm`` (y up).

    The field is resampled to the fine grid and smoothed by a fraction of a source pixel, so that a small
    picture's pixel steps become a smooth curve; contours are then found with sub-pixel accuracy.
    """
    from contourpy import FillType, contour_generator  # only logos are traced

    field = ink_field(picture, invert)
    level = threshold if threshold is not None else otsu_threshold(field[~picture.background])
    cols, rows = max(2, round(width_mm / pitch_mm) + 1), max(2, round(height_mm / pitch_mm) + 1)
    upsampling = max(cols / field.shape[1], rows / field.shape[0])
    sigma = max(FIELD_SMOOTHING_PX, SOURCE_SMOOTHING_PX * upsampling)
    fine = gaussian(resample(field, cols, rows), sigma)
    padded = np.pad(fine, 1, constant_values=1.0)
    generator = contour_generator(z=padded, fill_type=FillType.OuterOffset)
    points, offsets = generator.filled(float(padded.min()) - 1.0, level)
    rings = []
    scale = np.array([width_mm / (cols - 1), -height_mm / (rows - 1)])
    shift = np.array([0.0, height_mm])
    for polygon, bounds in zip(points, offsets):
        for start, end in zip(bounds[:-1], bounds[1:]):
            ring = (polygon[start:end] - 1.0) * scale + shift
            rings.append(ring[:-1] if np.allclose(ring[0], ring[-1]) else ring)
    return outline.region(rings, outline.EVENODD)
