"""Closing the holes of a consistently wound part in numpy: each hole's rim, followed edge to edge, is closed by
the triangles of least area between its corners when it is small, else by a fan around its middle. Fast for the
small holes downloads have; a rim that branches is left to MeshFix, and a fill that cuts the part is caught by
the check after."""

from __future__ import annotations

import numpy as np

from . import topology
from .mesh import Mesh

SMALL_RIM = 6  # rims of up to this many corners get the least-area triangulation


def _area(points: np.ndarray, a: int, b: int, c: int) -> float:
    return float(np.linalg.norm(np.cross(points[b] - points[a], points[c] - points[a]))) / 2.0


def least_area(points: np.ndarray, taken: set[tuple[int, int]]) -> list[tuple[int, int, int]] | None:
    """The triangles of least total area spanning a small loop of points (indices into the loop, in its order),
    with no new edge between two corners already joined (``taken``, pairs of loop indices); None if there is none."""
    count = len(points)
    best: dict[tuple[int, int], tuple[float, list[tuple[int, int, int]]]] = {
        (first, first + 1): (0.0, []) for first in range(count - 1)}
    for gap in range(2, count):
        for first in range(count - gap):
            last = first + gap
            if gap < count - 1 and ((first, last) in taken or (last, first) in taken):
                continue
            options = [(best[first, middle][0] + best[middle, last][0] + _area(points, first, middle, last),
                        [*best[first, middle][1], *best[middle, last][1], (first, middle, last)])
                       for middle in range(first + 1, last) if (first, middle) in best and (middle, last) in best]
            if options:
                best[first, last] = min(options)
    return best.get((0, count - 1), (0.0, None))[1]


def _next_rim_edge(leaving: list[int], used: set[int], ends: np.ndarray, points: np.ndarray, came_from: int,
                   corner: int) -> int | None:
    """Of the unused rim edges leaving ``corner``, the one that turns least from the edge it was reached by (where
    two holes touch at a corner, each hole's own edges lie on its side)."""
    free = [edge for edge in leaving if edge not in used]
    if not free:
        return None
    back = points[came_from] - points[corner]
    turns = [np.dot(back, points[ends[e]] - points[corner])
             / (np.linalg.norm(back) * np.linalg.norm(points[ends[e]] - points[corner]) + 1e-30) for e in free]
    return free[int(np.argmax(turns))]


def rims(mesh: Mesh) -> list[list[int]] | None:
    """Each hole's rim as a loop of corners, in the order the hole's new triangles must run; None when an edge is
    shared by more than two triangles or a rim does not close."""
    table = topology.edges(mesh.faces, len(mesh.vertices))
    if table.non_manifold:
        return None
    single = np.repeat(table.counts == 1, table.counts)
    starts, ends = table.directed[single, 1], table.directed[single, 0]  # the hole runs each edge backwards
    leaving: dict[int, list[int]] = {}
    for edge, start in enumerate(starts.tolist()):
        leaving.setdefault(start, []).append(edge)
    points = mesh.vertices.astype(np.float64)
    loops: list[list[int]] = []
    used: set[int] = set()
    for first in range(len(starts)):
        if first in used:
            continue
        used.add(first)
        loop, corner = [int(starts[first])], int(ends[first])
        place = {loop[0]: 0}
        while corner != loop[0]:
            if corner in place:  # two holes touch here: the part walked since is a hole of its own
                split = place[corner]
                loops.append(loop[split:])
                for gone in loop[split:]:
                    del place[gone]
                del loop[split:]
            place[corner] = len(loop)
            loop.append(corner)
            edge = _next_rim_edge(leaving.get(corner, []), used, ends, points, loop[-2], corner)
            if edge is None:
                return None
            used.add(edge)
            corner = int(ends[edge])
        loops.append(loop)
    if any(len(loop) < 3 for loop in loops):
        return None
    return loops


def _joined(mesh: Mesh, corners: set[int]) -> dict[int, set[int]]:
    """For each of ``corners``, the others of them it shares an edge of the mesh with."""
    chosen = np.zeros(len(mesh.vertices), dtype=bool)
    chosen[list(corners)] = True
    pairs = np.concatenate([mesh.faces[:, [0, 1]], mesh.faces[:, [1, 2]], mesh.faces[:, [2, 0]]])
    neighbours: dict[int, set[int]] = {}
    for a, b in pairs[chosen[pairs].all(axis=1)].tolist():
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    return neighbours


def filled(mesh: Mesh) -> tuple[Mesh, int] | None:
    """The part with every hole closed and how many holes there were, or None when its rims are not simple."""
    loops = rims(mesh)
    if loops is None:
        return None
    vertices, faces = [mesh.vertices.astype(np.float64)], [mesh.faces]
    count = len(mesh.vertices)
    joined = _joined(mesh, {corner for loop in loops for corner in loop})
    for loop in loops:
        if len(set(loop)) != len(loop):
            return None
        corners = np.array(loop)
        following = np.roll(corners, -1)
        if len(loop) <= SMALL_RIM:
            place = {corner: k for k, corner in enumerate(loop)}
            taken = {(place[a], place[b]) for a in loop for b in joined.get(a, ()) if b in place}
            triangles = least_area(mesh.vertices[corners].astype(np.float64), taken)
            if triangles is not None:
                faces.append(corners[np.array(triangles)])
                continue
        vertices.append(mesh.vertices[corners].astype(np.float64).mean(axis=0, keepdims=True))
        faces.append(np.stack([corners, following, np.full(len(loop), count)], axis=1))
        count += 1
    return Mesh(np.concatenate(vertices), np.concatenate(faces)), len(loops)
