"""Which triangles of a mesh cut through others: a uniform grid finds the pairs close enough to meet, then
Möller's interval test decides, all on whole arrays and in bounded chunks.

Touching at a point is not cutting (a shared corner, a corner on the other's edge); triangles sharing an edge and
coplanar overlaps are not judged here (other findings cover duplicates and folds). A part resting on another
along a line counts: the two print fused, so they are overlapping parts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mesh import Mesh

MAX_GRID_ENTRIES = 20_000_000  # triangle-in-cell entries before the grid is made coarser
MAX_CELLS_PER_AXIS = 2**20  # so that cell numbers stay whole 64-bit numbers however far apart parts lie
PAIR_CHUNK = 1_000_000  # candidate pairs tested at once
ENTRY_CHUNK = 2_000_000  # triangle-in-cell entries placed at once
SIDE_EPSILON = 1e-9  # relative: a corner this close to the other's plane lies on it


@dataclass
class Crossing:
    """Faces whose triangles cut through a triangle of their own part, and through a triangle of another."""

    within: np.ndarray
    between: np.ndarray


@dataclass
class Grid:
    """A uniform grid over the triangles' bounding boxes."""

    origin: np.ndarray
    size: float
    dims: np.ndarray

    def key(self, cells: np.ndarray) -> np.ndarray:
        """One integer per cell."""
        return (cells[:, 0] * self.dims[1] + cells[:, 1]) * self.dims[2] + cells[:, 2]

    def cell(self, points: np.ndarray) -> np.ndarray:
        """The cell each point lies in."""
        return np.floor((points - self.origin) / self.size).astype(np.int64)


def _cell_entries(low: np.ndarray, high: np.ndarray) -> tuple[Grid, np.ndarray, np.ndarray]:
    """The grid, and (cell key, triangle) for every cell each triangle's bounding box covers; the cells grow until
    the entries fit (and are never so many along an axis that their numbers overflow)."""
    origin = low.min(axis=0)
    reach = float((high.max(axis=0) - origin).max())
    size = max(float(np.percentile((high - low).max(axis=1), 90)), reach / MAX_CELLS_PER_AXIS) or 1.0
    grid = Grid(origin, size, np.zeros(3, np.int64))
    while True:
        first = grid.cell(low)
        spans = grid.cell(high) - first + 1
        counts = spans.prod(axis=1)
        if counts.sum() <= MAX_GRID_ENTRIES:
            break
        grid.size *= 2.0
    grid.dims = grid.cell(high).max(axis=0) + 1
    keys, owners = np.empty(int(counts.sum()), dtype=np.int64), np.empty(int(counts.sum()), dtype=np.int32)
    ends = np.cumsum(counts)
    start = 0
    while start < len(low):  # a few million entries at a time: their per-entry cells never stand whole in memory
        stop = max(int(np.searchsorted(ends, (ends[start - 1] if start else 0) + ENTRY_CHUNK, side="right")),
                   start + 1)
        chunk = counts[start:stop]
        owner = np.repeat(np.arange(start, stop), chunk)
        step = np.arange(int(chunk.sum())) - np.repeat(np.cumsum(chunk) - chunk, chunk)
        span = spans[owner]
        offset = np.stack([step // (span[:, 1] * span[:, 2]), (step // span[:, 2]) % span[:, 1], step % span[:, 2]],
                          1)
        at = ends[start - 1] if start else 0
        keys[at:at + len(owner)] = grid.key(first[owner] + offset)
        owners[at:at + len(owner)] = owner
        start = stop
    return grid, keys, owners


def _candidate_pairs(low: np.ndarray, high: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Pairs (i, j) of triangles whose bounding boxes meet and that share no edge, found cell by cell. A pair is
    kept only in the cell holding the low corner of where the boxes meet, so no pair comes twice."""
    grid, keys, owner = _cell_entries(low, high)
    order = np.argsort(keys, kind="stable")
    keys, owner = keys[order], owner[order]
    del order
    partners = (np.searchsorted(keys, keys, side="right") - np.arange(len(keys)) - 1).astype(np.int32)
    bounds = np.cumsum(partners, dtype=np.int64)
    chunks, start = [], 0
    while start < len(keys):
        stop = max(int(np.searchsorted(bounds, (bounds[start - 1] if start else 0) + PAIR_CHUNK, side="right")),
                   start + 1)
        counts = partners[start:stop]
        first = np.repeat(np.arange(start, stop), counts)
        second = first + 1 + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        i, j = owner[first], owner[second]
        meet_low = np.maximum(low[i], low[j])
        keep = (np.all(meet_low <= np.minimum(high[i], high[j]), axis=1)
                & (grid.key(grid.cell(meet_low)) == keys[first]))
        i, j = i[keep], j[keep]
        shared = (faces[i][:, :, None] == faces[j][:, None, :]).any(axis=2).sum(axis=1)
        chunks.append(np.stack([i[shared < 2], j[shared < 2]], axis=1).astype(np.int32))
        start = stop
    return np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int32)


def _interval(triangles: np.ndarray, distance: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each triangle meets the other's plane, as an interval along the planes' common line: its corners on
    the plane and the points where its edges cross it."""
    along = np.einsum("pij,pj->pi", triangles, direction)
    low, high = np.full(len(along), np.inf), np.full(len(along), -np.inf)
    for k in range(3):
        i, j = k, (k + 1) % 3
        on = distance[:, k] == 0
        low, high = np.where(on, np.minimum(low, along[:, k]), low), np.where(on, np.maximum(high, along[:, k]), high)
        crosses = distance[:, i] * distance[:, j] < 0
        share = distance[:, i] / np.where(crosses, distance[:, i] - distance[:, j], 1.0)
        point = along[:, i] + (along[:, j] - along[:, i]) * share
        low, high = np.where(crosses, np.minimum(low, point), low), np.where(crosses, np.maximum(high, point), high)
    return low, high


def _distances(triangles: np.ndarray, plane_of: np.ndarray, normal: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Signed distances (scaled by the normal's length) of each triangle's corners from the other's plane, with
    values within rounding of the plane (``reach``: how far the pair spans, times the normal's length) set to
    exactly zero."""
    distance = np.einsum("pij,pj->pi", triangles - plane_of[:, :1], normal)
    distance[np.abs(distance) <= SIDE_EPSILON * reach[:, None]] = 0.0
    return distance


def _one_side(distance: np.ndarray) -> np.ndarray:
    """Triangles on one side of the other's plane, touching it at one corner at most: they cannot cross it."""
    zeros = (distance == 0).sum(axis=1)
    return (np.all(distance >= 0, axis=1) | np.all(distance <= 0, axis=1)) & (zeros <= 1)


def _cut(triangles: np.ndarray, normals: np.ndarray, extents: np.ndarray, i: np.ndarray,
         j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (i, j) whose triangles cross along a piece of line (Möller's interval test, the cheap
    plane tests first): touching at a point does not count, and neither do coplanar pairs."""
    span = extents[i] + extents[j]
    to_second = _distances(triangles[i], triangles[j], normals[j], span * np.linalg.norm(normals[j], axis=1))
    near = ~_one_side(to_second) & ~np.all(to_second == 0, axis=1)
    i, j, span, to_second = i[near], j[near], span[near], to_second[near]
    to_first = _distances(triangles[j], triangles[i], normals[i], span * np.linalg.norm(normals[i], axis=1))
    near = ~_one_side(to_first) & ~np.all(to_first == 0, axis=1)
    i, j, span, to_second, to_first = i[near], j[near], span[near], to_second[near], to_first[near]
    direction = np.cross(normals[i], normals[j])
    low_first, high_first = _interval(triangles[i], to_second, direction)
    low_second, high_second = _interval(triangles[j], to_first, direction)
    overlap = np.minimum(high_first, high_second) - np.maximum(low_first, low_second)
    cut = overlap > SIDE_EPSILON * span * np.linalg.norm(direction, axis=1)
    return i[cut], j[cut]


def crossing(mesh: Mesh, labels: np.ndarray) -> Crossing:
    """Which faces cut through a face of the same part (``labels``) and which through a face of another."""
    within = np.zeros(len(mesh.faces), dtype=bool)
    between = within.copy()
    if len(mesh.faces) < 2:
        return Crossing(within, between)
    triangles = mesh.triangles
    low, high = triangles.min(axis=1), triangles.max(axis=1)
    normals, extents = mesh.face_normals(), (high - low).max(axis=1)
    pairs = _candidate_pairs(low, high, mesh.faces)
    for start in range(0, len(pairs), PAIR_CHUNK):
        i, j = _cut(triangles, normals, extents, *pairs[start:start + PAIR_CHUNK].T)
        same = labels[i] == labels[j]
        within[i[same]] = within[j[same]] = True
        between[i[~same]] = between[j[~same]] = True
    return Crossing(within, between)
