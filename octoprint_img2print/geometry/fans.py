"""Corners whose fan of triangles cannot cut through itself, known from the fan alone.

A vertex's fan cannot cross itself when its edges each join exactly two triangles wound alike (the fan is a ring
of triangles, each following the one before around the vertex) and, seen along one direction, every triangle of
it faces that way and their angles at the vertex add up to one turn: the fan then covers the plane around the
vertex once, each triangle its own wedge, so two of them that share only this vertex meet nowhere else. Most
corners of a sound mesh pass, which spares the exact test of millions of neighbouring pairs; the rest are tested.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .mesh import Mesh
from .nearby import THREADS

FACING = 1e-6  # least cosine between a triangle's normal and its fan's direction
THIN = 1e-8  # least sine of a triangle's angle at the corner: thinner triangles are not judged by their fan
ONE_TURN = 3.0 * np.pi  # angle sums below this are one turn (2 pi); a ring that winds twice reaches 4 pi
FACE_CHUNK = 500_000  # faces measured at once by each thread


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


def _edges(vertices: np.ndarray, faces: np.ndarray) -> list[np.ndarray]:
    """The faces' edges, edge k from corner k to the next, in float64."""
    corners = [vertices[faces[:, k]].astype(np.float64) for k in range(3)]
    return [corners[(k + 1) % 3] - corners[k] for k in range(3)]


def _towards(vertices: np.ndarray, blocks: list[np.ndarray], count: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Some blocks' face normals (twice their area) and their sum at each vertex (``count`` vertices)."""
    normals, summed = [], np.zeros((count, 3))
    for block in blocks:
        edges = _edges(vertices, block)
        normals.append(np.cross(edges[0], -edges[2]))
        for k in range(3):
            for axis in range(3):
                summed[:, axis] += np.bincount(block[:, k], weights=normals[-1][:, axis], minlength=count)
    return normals, summed


def _turns(vertices: np.ndarray, blocks: list[np.ndarray], normals: list[np.ndarray], direction: np.ndarray,
           ok: np.ndarray) -> np.ndarray:
    """For some blocks of faces: clear ``ok`` where one of them does not face its fan's ``direction`` or is too
    thin to judge; the angles the faces turn about each vertex, seen along that direction."""
    turn = np.zeros(len(direction))
    for block, normal in zip(blocks, normals):
        edges = _edges(vertices, block)
        lengths = [np.sqrt(np.einsum("ij,ij->i", edge, edge)) for edge in edges]
        size = np.sqrt(np.einsum("ij,ij->i", normal, normal))
        for k in range(3):
            at = block[:, k]
            first, second = edges[k], -edges[(k + 2) % 3]
            towards = direction[at]
            area = np.einsum("ij,ij->i", normal, towards)
            ok[at[(area <= FACING * size) | (size <= THIN * lengths[k] * lengths[(k + 2) % 3])]] = False
            along = np.einsum("ij,ij->i", first, second) - (np.einsum("ij,ij->i", first, towards)
                                                            * np.einsum("ij,ij->i", second, towards))
            turn += np.bincount(at, weights=np.arctan2(area, along), minlength=len(direction))
    return turn


def flat_fans(mesh: Mesh) -> np.ndarray:
    """For each vertex: True when no two of its triangles that share only this vertex can cross (see above).
    Blocks of faces are measured on two threads (numpy lets go of the interpreter), each summing its own."""
    faces, count = mesh.faces, len(mesh.vertices)
    if count == 0:
        return np.zeros(0, dtype=bool)
    blocks = [faces[start:start + FACE_CHUNK] for start in range(0, len(faces), FACE_CHUNK)]
    shares = [blocks[first::THREADS] for first in range(THREADS)]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        measured = list(pool.map(lambda share: _towards(mesh.vertices, share, count), shares))
        direction = sum(summed for _normals, summed in measured)
        length = np.sqrt(np.einsum("ij,ij->i", direction, direction))
        direction /= np.where(length > 0, length, 1.0)[:, None]
        ok = _ringed(faces, count) & (length > 0)
        turn = sum(pool.map(lambda job: _turns(mesh.vertices, job[0], job[1][0], direction, ok),
                            zip(shares, measured)))
    return ok & (turn < ONE_TURN)
