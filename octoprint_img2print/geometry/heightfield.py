"""Triangulate a heightfield's top surface: error-bounded (Delatin) or the full pixel grid.

Points are grid coordinates (column, row). For a sheet that is bent later, the surface is cut along
columns so that no triangle is wider than a strip; cut points are shared by both faces of an edge, and
columns can be made to share their points, so there is no T-junction anywhere.
"""

from __future__ import annotations

import numpy as np

from ..errors import BadInput
from ..i18n import _
from .budget import ADAPTIVE_BYTES_PER_TRIANGLE, triangle_budget


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


def adaptive(heights: np.ndarray, max_error: float) -> tuple[np.ndarray, np.ndarray]:
    """Delatin's error-bounded triangulation, in grid coordinates; refused when it needs more triangles than the
    memory budget allows (Delatin stops there, so the refusal costs bounded memory and time).

    Delatin counts its y upwards from the last row; grid rows count downwards from the first.
    """
    from pydelatin import Delatin  # heightfields only

    limit = triangle_budget(ADAPTIVE_BYTES_PER_TRIANGLE)
    tin = Delatin(np.ascontiguousarray(heights, dtype=np.float32), max_error=max_error, max_triangles=limit)
    if tin.error > max_error:  # stopped at the limit before the surface came within max_error
        raise BadInput("surface_too_large",
                       _("The surface needs more than {limit:,} triangles to stay within --max-error {error:g} mm, "
                         "more memory than this job may use; use a coarser --pitch, a larger --max-error or a "
                         "smaller size.").format(limit=limit, error=max_error), limit=limit)
    points = np.rint(tin.vertices[:, :2]).astype(np.int64)
    points[:, 1] = heights.shape[0] - 1 - points[:, 1]
    return points, tin.triangles.astype(np.int64)


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
    """Columns that split the sheet into strips at most ``strip_width`` wide, including the first and last."""
    if not strip_width or strip_width >= cols - 1:
        return [0, cols - 1]
    return [*range(0, cols - 1, strip_width), cols - 1]


def triangulate(heights: np.ndarray, max_error: float, full: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Points (column, row) and faces of the top surface: error-bounded, or the full grid."""
    return full_grid(*heights.shape) if full else adaptive(heights, max_error)


def _cut_at_column(points: np.ndarray, faces: np.ndarray, column: float) -> tuple[np.ndarray, np.ndarray]:
    """Split every face that crosses x = ``column``; points are (x, y, z) and new ones lie on the surface.

    A cut point belongs to its edge, so the two faces sharing that edge share the point (no T-junctions).
    """
    side = np.sign(points[:, 0] - column).astype(np.int8)[faces]
    crossing = (side.min(axis=1) < 0) & (side.max(axis=1) > 0)
    if not crossing.any():
        return points, faces
    kept, cut, side = faces[~crossing], faces[crossing], side[crossing]
    ends = np.roll(cut, -1, axis=1)
    needs = side * np.roll(side, -1, axis=1) < 0
    low, high = np.minimum(cut, ends)[needs], np.maximum(cut, ends)[needs]
    edges, edge_of = np.unique(low * len(points) + high, return_inverse=True)
    first, second = edges // len(points), edges % len(points)
    share = (column - points[first, 0]) / (points[second, 0] - points[first, 0])
    new_points = points[first] + share[:, None] * (points[second] - points[first])
    new_points[:, 0] = column
    cut_point = np.full(cut.shape, -1, dtype=np.int64)
    cut_point[needs] = len(points) + edge_of.reshape(-1)
    rows = np.arange(len(cut))
    on_line = side == 0
    through_vertex = on_line.any(axis=1)
    lone = np.where(through_vertex, on_line.argmax(axis=1), _lone_vertex(side))
    a, b, c = (cut[rows, (lone + k) % 3] for k in range(3))
    p_bc = cut_point[rows, (lone + 1) % 3]
    p_ab, p_ca = cut_point[rows, lone], cut_point[rows, (lone + 2) % 3]
    v, w = through_vertex, ~through_vertex
    added = [np.stack(t, axis=1) for t in (
        (a[v], b[v], p_bc[v]), (a[v], p_bc[v], c[v]),
        (a[w], p_ab[w], p_ca[w]), (p_ab[w], b[w], c[w]), (p_ab[w], c[w], p_ca[w]))]
    return np.concatenate([points, new_points]), np.concatenate([kept, *added])


def _lone_vertex(side: np.ndarray) -> np.ndarray:
    """For faces with no corner on the line: the corner alone on its side."""
    return np.select([side[:, 1] == side[:, 2], side[:, 0] == side[:, 2]], [0, 1], default=2)


def cut_at_columns(points: np.ndarray, faces: np.ndarray, columns: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Split the surface along each given column so no face spans more than one strip."""
    for column in columns:
        points, faces = _cut_at_column(points, faces, float(column))
    return points, faces
