"""Close a heightfield's top surface into a solid: walls and a base sharing its boundary vertices.

The sheet is flat, bent into an arc, or rolled into a closed cylinder whose seam is welded.
Bent sheets are cut into strips narrow enough that the chords stay within the error bound.
"""

from __future__ import annotations

import math

import numpy as np

from .heightfield import conform_columns, cut_at_columns, seam_columns, triangulate
from .mesh import Mesh

FLAT, ARC, CYLINDER = "flat", "arc", "cylinder"
SHAPES = (FLAT, ARC, CYLINDER)


def _bend_radius(shape: str, width_mm: float, curve_angle_deg: float) -> float | None:
    """Radius of the base surface, or None for a flat sheet."""
    if shape == ARC:
        return width_mm / math.radians(curve_angle_deg)
    if shape == CYLINDER:
        return width_mm / (2 * math.pi)
    return None


def _strip_columns(radius: float | None, thickest: float, max_error: float, pitch: float) -> int | None:
    """Widest strip (in columns) whose chord stays within ``max_error`` of the bent surface."""
    if radius is None:
        return None
    outer = radius + thickest
    angle = 2 * math.acos(max(-1.0, 1 - max_error / outer))
    return max(1, int(angle * radius / pitch))


def _perimeter(points: np.ndarray, rows: int, cols: int, closed_sides: bool) -> list[np.ndarray]:
    """Boundary chains of the top surface, counter-clockwise seen from above (y up, rows down)."""
    col, row = points[:, 0], points[:, 1]

    def side(mask: np.ndarray, key: np.ndarray) -> np.ndarray:
        idx = np.nonzero(mask)[0]
        return idx[np.argsort(key[idx])]

    bottom = side(row == rows - 1, col)
    top = side(row == 0, -col)
    if not closed_sides:
        return [bottom, top]
    inner = (row > 0) & (row < rows - 1)
    right = side((col == cols - 1) & inner, -row)
    left = side((col == 0) & inner, row)
    return [np.concatenate([bottom, right, top, left, bottom[:1]])]


def _slab_polygons(points: np.ndarray, rows: int, cols: int, seams: list[int], closed_sides: bool) -> list[np.ndarray]:
    """The base split at the seams into convex polygons (counter-clockwise) over the perimeter points."""
    col, row = points[:, 0], points[:, 1]
    inner = (row > 0) & (row < rows - 1)
    polygons = []
    for first, last in zip(seams[:-1], seams[1:]):
        span = (col >= first) & (col <= last)
        bottom = np.nonzero(span & (row == rows - 1))[0]
        top = np.nonzero(span & (row == 0))[0]
        parts = [bottom[np.argsort(col[bottom])]]
        if closed_sides and last == cols - 1:
            right = np.nonzero(inner & (col == cols - 1))[0]
            parts.append(right[np.argsort(-row[right])])
        parts.append(top[np.argsort(-col[top])])
        if closed_sides and first == 0:
            left = np.nonzero(inner & (col == 0))[0]
            parts.append(left[np.argsort(row[left])])
        polygons.append(np.concatenate(parts))
    return polygons


def _bend(vertices: np.ndarray, width_mm: float, radius: float) -> np.ndarray:
    """Wrap x around a vertical axis (image up stays up), thickness growing outwards, readable from outside."""
    x, y, z = vertices[:, 0], vertices[:, 1], vertices[:, 2]
    theta = (x - width_mm / 2) / radius
    r = radius + z
    return np.stack([-r * np.sin(theta), r * np.cos(theta), y], axis=1)


def heightfield_solid(heights: np.ndarray, width_mm: float, height_mm: float, *, max_error: float,
                      full: bool = False, shape: str = FLAT, curve_angle_deg: float = 120.0) -> Mesh:
    """A closed solid whose top follows ``heights`` (mm, rows top to bottom of the picture) over the sheet."""
    heights = np.asarray(heights, dtype=np.float64)
    cylinder = shape == CYLINDER
    if cylinder:
        heights = np.concatenate([heights, heights[:, :1]], axis=1)
    rows, cols = heights.shape
    pitch_x, pitch_y = width_mm / (cols - 1), height_mm / (rows - 1)
    radius = _bend_radius(shape, width_mm, curve_angle_deg)
    strip = _strip_columns(radius, float(heights.max()), max_error, pitch_x)
    grid_points, top_faces = triangulate(heights, max_error, full)
    if cylinder:
        grid_points, top_faces = conform_columns(grid_points, top_faces, (0, cols - 1))
    seams = seam_columns(cols, strip)
    surface = np.column_stack([grid_points, heights[grid_points[:, 1], grid_points[:, 0]]]).astype(np.float64)
    surface, top_faces = cut_at_columns(surface, top_faces, seams[1:-1])
    points = surface[:, :2]

    top = np.stack([points[:, 0] * pitch_x, (rows - 1 - points[:, 1]) * pitch_y, surface[:, 2]], axis=1)
    corners = top[top_faces]
    area = ((corners[:, 1, 0] - corners[:, 0, 0]) * (corners[:, 2, 1] - corners[:, 0, 1])
            - (corners[:, 2, 0] - corners[:, 0, 0]) * (corners[:, 1, 1] - corners[:, 0, 1]))
    top_faces = np.where((area < 0)[:, None], top_faces[:, ::-1], top_faces)

    chains = _perimeter(points, rows, cols, closed_sides=not cylinder)
    on_rim = np.unique(np.concatenate(chains))
    bottom_of = np.full(len(points), -1, dtype=np.int64)
    bottom_of[on_rim] = len(points) + np.arange(len(on_rim))
    bottom = top[on_rim] * [1.0, 1.0, 0.0]

    walls = []
    for chain in chains:
        a, b = chain[:-1], chain[1:]
        walls.append(np.stack([bottom_of[a], bottom_of[b], b], axis=1))
        walls.append(np.stack([bottom_of[a], b, a], axis=1))

    centres, base = [], []
    centre_index = len(points) + len(on_rim)
    for polygon in _slab_polygons(points, rows, cols, seams, closed_sides=not cylinder):
        ring = bottom_of[polygon]
        centres.append(bottom[ring - len(points)].mean(axis=0))
        base.append(np.stack([np.full(len(ring), centre_index), np.roll(ring, -1), ring], axis=1))
        centre_index += 1

    vertices = np.concatenate([top, bottom, np.asarray(centres)])
    faces = np.concatenate([top_faces, *walls, *base])
    if cylinder:
        faces = _weld_seam(points, bottom_of, cols, len(vertices))[faces]
    if radius is not None:
        vertices = _bend(vertices, width_mm, radius)
    used = np.flatnonzero(np.bincount(faces.reshape(-1), minlength=len(vertices)))  # in order, without a sort
    renumbered = np.zeros(len(vertices), dtype=np.int64)
    renumbered[used] = np.arange(len(used))
    return Mesh(vertices[used], renumbered[faces]).outward().on_bed()


def _weld_seam(points: np.ndarray, bottom_of: np.ndarray, cols: int, vertex_count: int) -> np.ndarray:
    """Index map that sends every vertex on the last column to its twin on the first column."""
    remap = np.arange(vertex_count)
    first = {int(points[i, 1]): i for i in np.nonzero(points[:, 0] == 0)[0]}
    for i in np.nonzero(points[:, 0] == cols - 1)[0]:
        twin = first[int(points[i, 1])]
        remap[i] = twin
        if bottom_of[i] >= 0:
            remap[bottom_of[i]] = bottom_of[twin]
    return remap
