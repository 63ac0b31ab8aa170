"""Corners whose fan of triangles cannot cut through itself, known from the fan alone.

A vertex's fan cannot cross itself when its edges each join exactly two triangles wound alike (the fan is a ring
of triangles, each following the one before around the vertex) and, seen along one direction, every triangle of
it faces that way and their angles at the vertex add up to one turn: the fan then covers the plane around the
vertex once, each triangle its own wedge, so two of them that share only this vertex meet nowhere else. Most
corners of a sound mesh pass, which spares the exact test of millions of neighbouring pairs; the rest are tested.
"""

from __future__ import annotations

import numpy as np

from .mesh import Mesh

FACING = 1e-6  # least cosine between a triangle's normal and its fan's direction
THIN = 1e-8  # least sine of a triangle's angle at the corner: thinner triangles are not judged by their fan
ONE_TURN = 3.0 * np.pi  # angle sums below this are one turn (2 pi); a ring that winds twice reaches 4 pi
FACE_CHUNK = 500_000  # faces measured at once


def _ringed(faces: np.ndarray, count: int) -> np.ndarray:
    """Vertices each of whose edges joins exactly two triangles that run it in opposite directions, with no
    triangle using a corner twice."""
    from scipy import sparse  # only the thorough check needs it

    starts, ends = faces.ravel(), faces[:, [1, 2, 0]].ravel()
    directed = sparse.csr_matrix((np.ones(len(starts), dtype=np.int32), (starts, ends)), shape=(count, count))
    unmatched = (directed - directed.T).tocoo()
    bad = np.zeros(count, dtype=bool)
    bad[unmatched.row[unmatched.data != 0]] = True
    doubled = directed.tocoo()
    bad[doubled.row[doubled.data > 1]] = True
    bad[doubled.col[doubled.data > 1]] = True
    repeated = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 2] == faces[:, 0])
    bad[faces[repeated].ravel()] = True
    return ~bad


def _corners(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """The faces' normals (twice their area), edges (edge k from corner k to the next) and edge lengths."""
    corners = [vertices[faces[:, k]].astype(np.float64) for k in range(3)]
    edges = [corners[(k + 1) % 3] - corners[k] for k in range(3)]
    normals = np.cross(edges[0], -edges[2])
    return normals, edges, [np.sqrt(np.einsum("ij,ij->i", edge, edge)) for edge in edges]


def flat_fans(mesh: Mesh) -> np.ndarray:
    """For each vertex: True when no two of its triangles that share only this vertex can cross (see above)."""
    faces, count = mesh.faces, len(mesh.vertices)
    if count == 0:
        return np.zeros(0, dtype=bool)
    blocks = [faces[start:start + FACE_CHUNK] for start in range(0, len(faces), FACE_CHUNK)]
    direction = np.zeros((count, 3))
    for block in blocks:
        normals = _corners(mesh.vertices, block)[0]
        for k in range(3):
            for axis in range(3):
                direction[:, axis] += np.bincount(block[:, k], weights=normals[:, axis], minlength=count)
    length = np.sqrt(np.einsum("ij,ij->i", direction, direction))
    direction /= np.where(length > 0, length, 1.0)[:, None]
    ok = _ringed(faces, count) & (length > 0)
    turn = np.zeros(count)
    for block in blocks:
        normals, edges, lengths = _corners(mesh.vertices, block)
        size = np.sqrt(np.einsum("ij,ij->i", normals, normals))
        for k in range(3):
            at = block[:, k]
            first, second = edges[k], -edges[(k + 2) % 3]
            towards = direction[at]
            area = np.einsum("ij,ij->i", normals, towards)
            ok[at[(area <= FACING * size) | (size <= THIN * lengths[k] * lengths[(k + 2) % 3])]] = False
            along = np.einsum("ij,ij->i", first, second) - (np.einsum("ij,ij->i", first, towards)
                                                            * np.einsum("ij,ij->i", second, towards))
            turn += np.bincount(at, weights=np.arctan2(area, along), minlength=count)
    return ok & (turn < ONE_TURN)
