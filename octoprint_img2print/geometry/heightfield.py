"""Triangulate a heightfield's top surface: error-bounded (Delatin) or the full pixel grid.

Points are grid coordinates (column, row). A surface may be built in vertical strips, so that no triangle
is wider than a strip (needed when the sheet is bent later); the strips' seams are made conforming,
so there is no T-junction anywhere.
"""

from __future__ import annotations

import numpy as np
from pydelatin import Delatin


def full_grid(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Every grid point, two triangles per cell."""
    col, row = np.meshgrid(np.arange(cols), np.arange(rows))
    points = np.stack([col.ravel(), row.ravel()], axis=1).astype(np.int64)
    corner = (np.arange(rows - 1)[:, None] * cols + np.arange(cols - 1)[None, :]).ravel()
    faces = np.concatenate([
        np.stack([corner, corner + 1, corner + cols], axis=1),
        np.stack([corner + 1, corner + cols + 1, corner + cols], axis=1),
    ])
    return points, faces.astype(np.int64)


def _adaptive_strip(heights: np.ndarray, first: int, last: int, max_error: float) -> tuple[np.ndarray, np.ndarray]:
    """Delatin's triangulation of columns first..last (inclusive), in whole-grid coordinates.

    Delatin counts its y upwards from the last row; grid rows count downwards from the first.
    """
    tin = Delatin(np.ascontiguousarray(heights[:, first:last + 1], dtype=np.float32), max_error=max_error)
    points = np.rint(tin.vertices[:, :2]).astype(np.int64)
    points[:, 0] += first
    points[:, 1] = heights.shape[0] - 1 - points[:, 1]
    return points, tin.triangles.astype(np.int64)


def _merge(parts: list[tuple[np.ndarray, np.ndarray]], cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Join strips; points at the same grid position become one point."""
    keys = np.concatenate([p[:, 1] * cols + p[:, 0] for p, _f in parts])
    offsets = np.cumsum([0] + [len(p) for p, _f in parts[:-1]])
    faces = np.concatenate([f + o for (_p, f), o in zip(parts, offsets)])
    unique, inverse = np.unique(keys, return_inverse=True)
    points = np.stack([unique % cols, unique // cols], axis=1)
    return points, inverse.reshape(-1)[faces]


def conform_columns(points: np.ndarray, faces: np.ndarray, columns: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Give every column in ``columns`` a point at every row any of them has, splitting the faces along them.

    A face with an edge on such a column is replaced by a fan from its opposite corner over all points of
    that edge, so neighbouring faces share their vertices exactly (no T-junctions).
    """
    columns_array = np.asarray(columns)
    rows_wanted = np.unique(points[np.isin(points[:, 0], columns_array), 1])
    new_points = [points]
    for column in columns:
        missing = np.setdiff1d(rows_wanted, points[points[:, 0] == column, 1])
        if len(missing):
            new_points.append(np.stack([np.full(len(missing), column), missing], axis=1))
    points = np.concatenate(new_points)
    on_any = np.nonzero(np.isin(points[:, 0], columns_array))[0]
    index_of = {(int(points[i, 0]), int(points[i, 1])): int(i) for i in on_any}
    on_column = np.isin(points[:, 0], columns_array)[faces]
    replaced, added = [], []
    for face_index in np.nonzero(on_column.sum(axis=1) == 2)[0]:
        face = faces[face_index]
        shift = int(np.nonzero(~on_column[face_index])[0][0])
        a, b, apex = np.roll(face, -((shift + 1) % 3))
        column = int(points[a, 0])
        if points[b, 0] != column:
            continue
        row_a, row_b = int(points[a, 1]), int(points[b, 1])
        low, high = min(row_a, row_b), max(row_a, row_b)
        between = rows_wanted[(rows_wanted > low) & (rows_wanted < high)]
        if not len(between):
            continue
        if row_a > row_b:
            between = between[::-1]
        chain = [a] + [index_of[(column, int(r))] for r in between] + [b]
        added.extend((chain[i], chain[i + 1], apex) for i in range(len(chain) - 1))
        replaced.append(face_index)
    if replaced:
        keep = np.ones(len(faces), dtype=bool)
        keep[replaced] = False
        faces = np.concatenate([faces[keep], np.asarray(added, dtype=np.int64)])
    return points, faces


def seam_columns(cols: int, strip_width: int | None) -> list[int]:
    """Columns at which strips meet, including the first and the last column."""
    if not strip_width or strip_width >= cols - 1:
        return [0, cols - 1]
    return [*range(0, cols - 1, strip_width), cols - 1]


def triangulate(heights: np.ndarray, max_error: float, full: bool = False,
                strip_width: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Points (column, row) and faces of the top surface, no triangle wider than ``strip_width`` columns."""
    rows, cols = heights.shape
    if full:
        return full_grid(rows, cols)
    seams = seam_columns(cols, strip_width)
    parts = [_adaptive_strip(heights, first, last, max_error) for first, last in zip(seams[:-1], seams[1:])]
    points, faces = _merge(parts, cols)
    for column in seams[1:-1]:
        points, faces = conform_columns(points, faces, (column,))
    return points, faces
