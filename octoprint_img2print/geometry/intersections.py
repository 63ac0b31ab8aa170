"""Which triangles of a mesh cut through others: a hashed grid finds the pairs close enough to meet, leaving out
neighbours whose fan cannot cross itself (``nearby``, ``fans``), then Möller's interval test decides, all on whole
arrays and in bounded chunks.

Touching at a point is not cutting (a shared corner, a corner on the other's edge); triangles sharing an edge and
coplanar overlaps are not judged here (other findings cover duplicates and folds). A part resting on another
along a line counts: the two print fused, so they are overlapping parts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .fans import flat_fans
from .mesh import Mesh
from .nearby import THREADS, close_pairs

PAIR_CHUNK = 500_000  # candidate pairs tested at once by each thread
SIDE_EPSILON = 1e-9  # relative: a corner this close to the other's plane lies on it


@dataclass
class Crossing:
    """Faces whose triangles cut through a triangle of their own part, and through a triangle of another."""

    within: np.ndarray
    between: np.ndarray
    pairs: np.ndarray  # (K, 2) the pairs of faces that cross


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


def crossing_pairs(mesh: Mesh) -> np.ndarray:
    """The pairs (i, j) of faces whose triangles cut through each other, shape (K, 2)."""
    if len(mesh.faces) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    low, high = mesh.face_boxes()
    pairs = close_pairs(low, high, mesh.faces, flat_fans(mesh))
    involved, local = np.unique(pairs, return_inverse=True)  # the exact test needs only the faces of some pair
    local = local.reshape(pairs.shape)
    triangles = mesh.vertices[mesh.faces[involved]].astype(np.float64)
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    extents = (high[involved] - low[involved]).max(axis=1).astype(np.float64)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:  # numpy lets go of the interpreter: chunks side by side
        found = list(pool.map(lambda start: np.stack(_cut(triangles, normals, extents,
                                                          *local[start:start + PAIR_CHUNK].T), axis=1),
                              range(0, len(local), PAIR_CHUNK)))
    return involved[np.concatenate(found)] if found else np.zeros((0, 2), dtype=np.int64)


def crossing(mesh: Mesh, labels: np.ndarray) -> Crossing:
    """Which faces cut through a face of the same part (``labels``) and which through a face of another."""
    within = np.zeros(len(mesh.faces), dtype=bool)
    between = within.copy()
    pairs = crossing_pairs(mesh)
    i, j = pairs.T
    same = labels[i] == labels[j]
    within[i[same]] = within[j[same]] = True
    between[i[~same]] = between[j[~same]] = True
    return Crossing(within, between, pairs)
