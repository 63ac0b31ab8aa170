"""Circles through points in the plane: the axis of a ring (a cylinder lithophane, a lamp shade) or of an arc."""

from __future__ import annotations

import numpy as np

from .mesh import Mesh


def fitted_circle(xy: np.ndarray) -> tuple[np.ndarray, float]:
    """The circle fitted through points in the plane (least squares on x² + y² = 2ax + 2by + c): its centre and
    radius (0 when the points fit no circle)."""
    matrix = np.column_stack([2 * xy, np.ones(len(xy))])
    (a, b, c), *_rest = np.linalg.lstsq(matrix, (xy ** 2).sum(axis=1), rcond=None)
    squared = c + a * a + b * b
    return np.array([a, b]), float(np.sqrt(squared)) if squared > 0 else 0.0


def ring_weld(solid: Mesh, behind: bool = False) -> tuple[float, float, float]:
    """Where a ring's two picture edges meet: straight in front of its axis (behind it, once the ring is turned
    over), at mid height. The axis is the centre of the circle fitted through the ring's corners: the middle of its
    bounding box is off by as much as the picture's thickness differs between its sides."""
    (x, y), radius = fitted_circle(solid.vertices[:, :2].astype(np.float64))
    low, high = solid.bounds()
    return float(x), float(y + radius if behind else y - radius), float(low[2] + high[2]) / 2
